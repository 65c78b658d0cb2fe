#!/usr/bin/env bash
# install.sh RECNETD RECNETCTL POKE SOURCE_DIR INDEX BUILD_DIR PREFIX: what `make install` puts
# in place works as installed (tools/systemd/README.md).
#
# `cmake --install BUILD_DIR` into a temporary DESTDIR (the build tree's own configured PREFIX:
# the unit names the installed recnetd by its full path) puts each file in its place under
# DESTDIR/PREFIX and nothing anywhere else: the three programs (executable), the systemd unit,
# the sysusers.d and tmpfiles.d files, the documentation and recnet-sim's scenarios. The installed
# programs run: recnetctl and recnetd print the project's version, recnet-sim its usage. The
# installed unit's ExecStart= names PREFIX/bin/recnetd. `make -n install` with PREFIX and DESTDIR
# configures with that prefix and installs into that DESTDIR.
#
# Then the unit's own start-up, outside systemd: the installed recnetctl initialises a data
# directory where the unit looks for it (%S/recnet/%i with %S a directory of this test and %i
# "fr"), and the installed recnetd, started with the words of the unit's ExecStart= line (the
# specifiers filled in as systemd would), answers `recnetctl -d DATA_DIR status` on the control
# socket there, and stops with exit 0 on SIGTERM, as `systemctl stop` asks it to.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init install "${5:-19}" "$@"
BUILD=$(realpath "${6:-$IT_SRC/build}")
PREFIX=${7:-/usr/local}
case "$PREFIX" in /*) ;; *) it_fail "PREFIX $PREFIX is not an absolute path" ;; esac

STAGE=$IT_DIR/stage
ROOT=$STAGE$PREFIX
DESTDIR=$STAGE cmake --install "$BUILD" >"$IT_DIR/install.log" 2>&1 ||
    { cat "$IT_DIR/install.log"; it_fail "cmake --install $BUILD failed"; }
it_log "installed $BUILD into DESTDIR $STAGE, prefix $PREFIX"

# ---- Every file in its place, nothing elsewhere ----
for f in bin/recnetd bin/recnetctl bin/recnet-sim; do
    [ -f "$ROOT/$f" ] && [ -x "$ROOT/$f" ] || it_fail "$PREFIX/$f: not installed, or not executable"
done
for f in lib/systemd/system/recnetd@.service lib/sysusers.d/recnet.conf lib/tmpfiles.d/recnet.conf \
    share/doc/recnet/README.md share/doc/recnet/PROTOCOL.md share/doc/recnet/systemd.md \
    share/recnet/scenarios/default.sim share/recnet/scenarios/steady.sim; do
    [ -f "$ROOT/$f" ] || it_fail "$PREFIX/$f: not installed"
done
cmp -s "$ROOT/share/doc/recnet/PROTOCOL.md" "$IT_SRC/proto/PROTOCOL.md" ||
    it_fail "the installed PROTOCOL.md is not proto/PROTOCOL.md"
n_sim=$(find "$IT_SRC/simnet/scenarios" -name '*.sim' | wc -l)
n_sim_inst=$(find "$ROOT/share/recnet/scenarios" -name '*.sim' | wc -l)
[ "$n_sim" -eq "$n_sim_inst" ] || it_fail "$n_sim_inst scenarios installed, $n_sim shipped"
outside=$(cd "$STAGE" && find . -type f | grep -v "^\.$PREFIX/" || true)
[ -z "$outside" ] || it_fail "installed outside the prefix $PREFIX: $outside"
manifest=$BUILD/install_manifest.txt
[ -f "$manifest" ] || it_fail "cmake wrote no $manifest"
n_files=$(cd "$STAGE" && find . -type f | wc -l)
[ "$n_files" -eq "$(grep -c . "$manifest")" ] ||
    it_fail "$n_files files under DESTDIR, $(grep -c . "$manifest") in the manifest"
it_log "$n_files files under $PREFIX, none elsewhere"

# ---- The installed programs run ----
version=$(sed -n 's/^project(recnet VERSION \([0-9.]*\).*/\1/p' "$IT_SRC/CMakeLists.txt")
[ -n "$version" ] || it_fail "no project version in CMakeLists.txt"
out=$("$ROOT/bin/recnetctl" --version) || it_fail "installed recnetctl --version failed"
[ "$out" = "recnetctl $version" ] || it_fail "installed recnetctl --version: '$out', expected 'recnetctl $version'"
out=$("$ROOT/bin/recnetd" --version) || it_fail "installed recnetd --version failed"
[ "$out" = "recnetd $version" ] || it_fail "installed recnetd --version: '$out', expected 'recnetd $version'"
out=$("$ROOT/bin/recnetctl" --help) || it_fail "installed recnetctl --help failed"
has "init" "$out" || it_fail "installed recnetctl --help names no init: $out"
out=$("$ROOT/bin/recnet-sim" --help) || it_fail "installed recnet-sim --help failed"
has "usage" "$out" || it_fail "installed recnet-sim --help prints no usage: $out"
it_log "installed recnetctl, recnetd ($version) and recnet-sim run"

# ---- make install: PREFIX and DESTDIR reach cmake ----
dry=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n -C "$IT_SRC" install PREFIX=/opt/rn-test DESTDIR=/tmp/rn-stage-test \
    BUILD_DIR="$BUILD" 2>&1) || it_fail "make -n install failed: $dry"
has "-DCMAKE_INSTALL_PREFIX=/opt/rn-test" "$dry" ||
    it_fail "make install does not configure with PREFIX: $dry"
grep -qE 'DESTDIR="?/tmp/rn-stage-test"? cmake --install' <<<"$dry" ||
    it_fail "make install does not install into DESTDIR: $dry"
it_log "make install passes PREFIX and DESTDIR to cmake"

# ---- The unit's ExecStart=, run by hand on an initialised data directory ----
UNIT=$ROOT/lib/systemd/system/recnetd@.service
exec_line=$(sed -n 's/^ExecStart=//p' "$UNIT")
read -r -a argv <<<"$exec_line"
[ "${argv[0]}" = "$PREFIX/bin/recnetd" ] ||
    it_fail "the installed unit runs ${argv[0]}, not $PREFIX/bin/recnetd"
[ -x "$STAGE${argv[0]}" ] || it_fail "the unit's ${argv[0]} is not installed"
STATE_ROOT=$IT_DIR/var/lib # %S
INSTANCE=fr                # %i
args=()
for a in "${argv[@]:1}"; do
    a=${a//%S/$STATE_ROOT}
    a=${a//%i/$INSTANCE}
    args+=("$a")
done
state=$(sed -n 's/^StateDirectory=//p' "$UNIT")
DATA=$STATE_ROOT/${state//%i/$INSTANCE}
mkdir -p "$(dirname "$DATA")"
CTL=$ROOT/bin/recnetctl
it_port_take
"$CTL" init "$DATA" --country FR --listen "127.0.0.1:$IT_P" --roster "$IT_DIR/roster.ini" \
    >"$IT_DIR/init.out" || it_fail "installed recnetctl init $DATA failed"
"$CTL" roster add --roster "$IT_DIR/roster.ini" --name FR --role authority --country FR \
    --key "$DATA/node.key" --address "127.0.0.1:$IT_P" >/dev/null || it_fail "roster add"
install -m 600 "$IT_DIR/network.key" "$DATA/network.key"
it_log "recnetd ${args[*]}"
mkdir -p "$IT_DIR/fr"
("$STAGE${argv[0]}" "${args[@]}") </dev/null >>"$IT_DIR/fr/recnetd.log" 2>&1 &
IT_PID[fr]=$!
up=0
for _ in $(seq 200); do
    kill -0 "${IT_PID[fr]}" 2>/dev/null || it_fail "recnetd exited at start"
    if "$CTL" -d "$DATA" status >"$IT_DIR/status.out" 2>&1; then up=1; break; fi
    sleep 0.05
done
[ $up -eq 1 ] || it_fail "recnetd did not answer on $DATA/control.sock within 10 s"
[ -S "$DATA/control.sock" ] || it_fail "no control socket $DATA/control.sock"
has "FR authority" "$(cat "$IT_DIR/status.out")" || it_fail "status: $(cat "$IT_DIR/status.out")"
it_log "the node of the unit's ExecStart= answers on $DATA/control.sock"
it_stop fr
[ ! -e "$DATA/control.sock" ] || it_fail "the control socket outlived the node"
it_log "it stopped with exit 0 on SIGTERM"
