#!/usr/bin/env bash
# readme.sh: the README's own commands, followed literally from an empty directory, give a
# running federation of three.
#
# The commands are those of the block fenced as ```sh walkthrough in README.md ("Running a
# node"), read from the README itself, so that this test follows them when they change. They run
# in a fresh empty directory with only the directory of the built recnetd and recnetctl added to
# PATH, in this shell (so that the nodes the block starts in the background are this test's
# jobs), with `set -e`: a command that fails fails the test, naming it. The block may listen on
# 127.0.0.1 only; each port it names is mapped, one for one, to a free port of this test's range
# (lib.sh), so that the test never meets another process.
#
# Then: the block left exactly three data directories (a recnet.ini each) and three recnetd
# running; each node has the two others as connected peers; every node holds the same heads, with
# at least one entry (what the block published on one node reached the other two); each node
# stops on SIGTERM with exit 0.
#
# Second, what `recnetctl init` prints is true: the roster path it names is the one the
# configuration reads (a relative --roster is the current directory's, an absolute one is kept
# as it is, never DIR//abs), the address in its `roster add` hint is the --listen it was given,
# and that hint, run as printed, adds the node to the roster; roster add starts an empty file.
#
# Last, what the README shows is true of the repository: its commands on the repository's sample
# files (tests/fixtures/) run against a walkthrough node without a usage error; every recnetctl
# command it shows names a real command and real options; every relative link of a README.md
# points to a file of the repository.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init readme "${5:-7}" "$@"

README=$IT_SRC/README.md
W=$IT_DIR/walkthrough
mkdir "$W" "$IT_DIR/bin"
ln -s "$RECNETD" "$IT_DIR/bin/recnetd"
ln -s "$RECNETCTL" "$IT_DIR/bin/recnetctl"

# rd_fail MESSAGE: the last lines of the walkthrough nodes' logs, then it_fail.
rd_fail() {
    local log
    for log in "$W"/*/recnetd.log; do
        [ -f "$log" ] || continue
        echo "---- last lines of $log"
        tail -n 15 "$log"
    done
    it_fail "$*"
}

# ---- The walkthrough block, with its ports mapped ----

BLOCK=$(awk '/^```sh walkthrough[[:space:]]*$/ { on = 1; n++; next } on && /^```/ { on = 0; next }
             on { print } END { if (n != 1) exit 1 }' "$README") ||
    it_fail "README.md must hold exactly one block fenced as \`\`\`sh walkthrough"
[ -n "$BLOCK" ] || it_fail "the walkthrough block of README.md is empty"
for l in $(grep -o -- '--listen [^ ]*' <<<"$BLOCK" | cut -d' ' -f2); do
    [[ $l == 127.0.0.1:* ]] || it_fail "the walkthrough listens on $l: it must use 127.0.0.1 only"
done
MAPPED=$BLOCK
for p in $(grep -o '127\.0\.0\.1:[0-9][0-9]*' <<<"$BLOCK" | cut -d: -f2 | sort -u); do
    it_port_take
    MAPPED=$(sed -E "s/127\.0\.0\.1:$p([^0-9]|$)/127.0.0.1:@$IT_P@\1/g" <<<"$MAPPED")
    it_log "README port $p -> $IT_P"
done
MAPPED=${MAPPED//@/}
printf '%s\n' "$MAPPED" >"$IT_DIR/walkthrough.sh"
it_log "running the $(grep -c . <<<"$BLOCK") lines of README.md's walkthrough in $W"

# Run in this shell: its background nodes become our jobs. A failing command stops here. PATH
# keeps the binaries' directory for the rest of the test (the README's other commands, init's
# hints).
PATH=$IT_DIR/bin:$PATH
cd "$W"
trap 'rd_fail "README walkthrough: \`$BASH_COMMAND\` failed (exit $?)"' ERR
# shellcheck disable=SC1091
source "$IT_DIR/walkthrough.sh"
trap - ERR
cd "$IT_DIR"
it_log "the walkthrough ran to its end"

# ---- What it must have given ----

# shellcheck disable=SC2207 # PIDs have no spaces
NODE_PIDS=($(jobs -p))
mapfile -t NODE_DIRS < <(find "$W" -mindepth 2 -maxdepth 2 -name recnet.ini -printf '%h\n' | sort)
[ "${#NODE_DIRS[@]}" -eq 3 ] || rd_fail "the walkthrough made ${#NODE_DIRS[@]} data directories, not 3"
[ "${#NODE_PIDS[@]}" -eq 3 ] || rd_fail "the walkthrough left ${#NODE_PIDS[@]} processes running, not 3"
for pid in "${NODE_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || rd_fail "a node the walkthrough started (pid $pid) is not running"
done

# heads_of DIR: the node's heads as sorted "CC:seq" words.
heads_of() {
    "$RECNETCTL" -d "$1" --json heads 2>/dev/null | tr -d ' \n' |
        grep -o '"country":"[A-Z]*","seq":[0-9]*' | sed 's/"country":"\([A-Z]*\)","seq":/\1:/' |
        sort | tr '\n' ' ' || true
}
# peers_of DIR: how many peers the node has connected.
peers_of() {
    "$RECNETCTL" -d "$1" --json peers 2>/dev/null | tr -d ' \n' | grep -o '"connected":true' |
        wc -l || true
}

deadline=$(($(date +%s) + 20))
while :; do
    short=""
    for d in "${NODE_DIRS[@]}"; do
        [ "$(peers_of "$d")" -ge 2 ] || short="$short ${d##*/}($(peers_of "$d"))"
    done
    [ -z "$short" ] && break
    [ "$(date +%s)" -le $deadline ] || rd_fail "nodes short of 2 peers after 20 s:$short"
    sleep 0.1
done
it_log "every node has the two others as peers"

deadline=$(($(date +%s) + 20))
while :; do
    ref=$(heads_of "${NODE_DIRS[0]}")
    same=1
    for d in "${NODE_DIRS[@]}"; do [ "$(heads_of "$d")" = "$ref" ] || same=0; done
    [ $same -eq 1 ] && [ -n "$ref" ] && break
    if [ "$(date +%s)" -gt $deadline ]; then
        for d in "${NODE_DIRS[@]}"; do it_log "  ${d##*/} holds: $(heads_of "$d")"; done
        rd_fail "the nodes did not all hold the walkthrough's entries within 20 s"
    fi
    sleep 0.1
done
it_log "every node holds the same heads: $ref"

# The README's other commands that use the repository's own files (tests/fixtures/) run against
# one of these nodes, from a scratch directory where tests/ is the repository's: whatever the
# node answers, none may be a usage error (exit 2), such as a VC-JWT verified without --spec.
CMDS=$(awk '/^```sh/ { on = 1; next } on && /^```/ { on = 0; next } on { print }' "$README" |
    sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | sed -e 's/[[:space:]]#.*$//' | grep -E '^recnetctl ' || true)
[ -n "$CMDS" ] || it_fail "no recnetctl command found in README.md"
mkdir "$IT_DIR/scratch"
ln -s "$IT_SRC/tests" "$IT_DIR/scratch/tests"
n=0
while read -r line; do
    has "tests/fixtures/" "$line" || continue
    line=$(sed -E "s#(^| )-d [^ ]+#\1-d ${NODE_DIRS[0]}#" <<<"$line")
    rc=0
    (cd "$IT_DIR/scratch" && eval "$line") >"$IT_DIR/last.out" 2>&1 || rc=$?
    [ $rc -ne 2 ] || { cat "$IT_DIR/last.out"; rd_fail "README.md's \`$line\` is a usage error"; }
    n=$((n + 1))
done <<<"$CMDS"
[ $n -gt 0 ] || rd_fail "README.md shows no command on the repository's sample files"
it_log "the README's $n commands on tests/fixtures/ files are no usage errors"

for pid in "${NODE_PIDS[@]}"; do
    kill -TERM "$pid"
    timeout 10 tail --pid="$pid" -s 0.05 -f /dev/null || rd_fail "node $pid did not stop within 10 s"
    rc=0
    wait "$pid" || rc=$?
    [ $rc -eq 0 ] || rd_fail "node $pid exited with $rc after SIGTERM (expected 0)"
done
it_log "the three nodes stopped cleanly"

# ---- What init prints ----

H=$IT_DIR/hints
mkdir "$H"
it_port_take
# An absolute --roster is written as it is, and printed without the data directory before it.
out=$("$RECNETCTL" init "$H/pt" --country PT --listen "127.0.0.1:$IT_P" --roster "$H/abs.ini")
has "--roster $H/abs.ini " "$out" || it_fail "init's hint does not name the roster $H/abs.ini: $out"
# A doubled slash in a path (not in a key, whose base64 may hold "//").
! grep -Eq '(^|[ =])/[^ ]*//' <<<"$out" || it_fail "init's hint holds a doubled slash: $out"
has "--address 127.0.0.1:$IT_P" "$out" || it_fail "init's hint does not give --listen's address: $out"
hint=$(grep -E '^ +recnetctl roster add ' <<<"$out") || it_fail "init printed no roster add: $out"
(cd "$H" && eval "$hint") >/dev/null || it_fail "the hint failed: $hint"
has "127.0.0.1:$IT_P" "$("$RECNETCTL" -d "$H/pt" roster show)" ||
    it_fail "the hint did not add PT with its address to the roster PT's configuration reads"

# A relative --roster is the current directory's: run from $H, the configuration names $H/rel.ini.
it_port_take
out=$(cd "$H" && "$RECNETCTL" init es --country ES --listen "127.0.0.1:$IT_P" --roster rel.ini)
hint=$(grep -E '^ +recnetctl roster add ' <<<"$out") || it_fail "init printed no roster add: $out"
(cd "$H" && eval "$hint") >/dev/null || it_fail "the hint failed: $hint"
[ -f "$H/rel.ini" ] || it_fail "the hint did not write the roster in the current directory"
has "127.0.0.1:$IT_P" "$("$RECNETCTL" -d "$H/es" roster show)" ||
    it_fail "ES's configuration does not read the roster its init was given ($H/rel.ini)"
grep -qx "roster = $H/rel.ini" "$H/es/recnet.ini" ||
    it_fail "recnet.ini does not name the roster by its absolute path: $(grep roster "$H/es/recnet.ini")"
it_log "init's hints name the roster the configuration reads and the address it listens on"

# roster add starts an empty roster file (one made by hand, or by `: > roster.ini`).
: >"$H/empty.ini"
"$RECNETCTL" roster add --roster "$H/empty.ini" --name PT --role authority --country PT \
    --key "$H/pt/node.key" >/dev/null || it_fail "roster add refused an empty roster file"
has "PT " "$("$RECNETCTL" roster show "$H/empty.ini")" || it_fail "PT is not in the roster it was added to"

# ---- Every recnetctl command the README shows exists, with the options it gives ----

# $CMDS: every sh block of the README, continuation lines joined and comments dropped.
n=0
while read -r -a w; do
    words=()
    opts=()
    i=1
    while [ $i -lt ${#w[@]} ]; do
        t=${w[$i]}
        case "$t" in
        -d | -s) i=$((i + 2)); continue ;;
        --json) ;;
        -*) opts+=("${t%%=*}") ;;
        *) [ ${#opts[@]} -eq 0 ] && [ ${#words[@]} -lt 2 ] && words+=("$t") ;;
        esac
        i=$((i + 1))
    done
    usage=""
    for k in 2 1; do
        [ ${#words[@]} -ge $k ] || continue
        u=$("$RECNETCTL" help "${words[@]:0:$k}" 2>/dev/null) || continue
        if has "usage: recnetctl ${words[*]:0:$k} " "$u"; then usage=$u; cmd="${words[*]:0:$k}"; break; fi
    done
    [ -n "$usage" ] || it_fail "README.md shows \`${w[*]}\`: recnetctl has no such command"
    # A publish takes --<field> flags, the record's fields: the walkthrough runs one for real.
    [[ $cmd == *" publish" ]] && opts=()
    for o in "${opts[@]}"; do
        has "$o" "$usage" || it_fail "README.md shows \`${w[*]}\`: $cmd has no option $o"
    done
    n=$((n + 1))
done <<<"$CMDS"
it_log "the $n recnetctl commands of README.md name real commands and options"

# ---- Every relative link of the READMEs points to a file of the repository ----

n=0
for doc in "$IT_SRC"/README.md "$IT_SRC"/*/README.md; do
    for target in $(grep -o '\]([^)]*)' "$doc" | sed -e 's/^](//' -e 's/)$//' -e 's/#.*//'); do
        case "$target" in http://* | https://* | mailto:* | "") continue ;; esac
        resolved=$(realpath -m "$(dirname "$doc")/$target")
        if [[ $resolved != "$(realpath "$IT_SRC")"/* ]] || [ ! -e "$resolved" ]; then
            it_fail "${doc#"$IT_SRC"/} links to $target, which is not a file of the repository"
        fi
        n=$((n + 1))
    done
done
it_log "the $n relative links of the READMEs point into the repository"
