#!/usr/bin/env bash
# systemd_unit.sh UNIT RECNETD SOURCE_DIR: recnetd@.service (tools/systemd/README.md) as built
# (UNIT, the configured file) is the hardened unit that README describes, and agrees with recnetd
# and with what `recnetctl init` makes.
#
#  - Every line of REQUIRED is in the [Service] section, once, with exactly that value; no key of
#    REQUIRED is given a second time (a later line would override it), and no ReadWritePaths= or
#    ReadOnlyPaths= widens what ProtectSystem=strict leaves writable.
#  - The check above is not one that always passes: run on copies of the unit with each REQUIRED
#    line removed in turn, it must fail for every one of them.
#  - ExecStart= runs a recnetd (RECNETD answers --help with -c CONFIG) on the recnet.ini that
#    `recnetctl init` writes (cli/cmd_local.c) in the StateDirectory=; User= and Group= are the
#    user the shipped sysusers.d file creates, whose home is the parent of the data directories.
#  - Where systemd-analyze is installed (Debian's systemd package): `systemd-analyze verify`
#    accepts the unit, with ExecStart= pointing at RECNETD (the installed path need not exist
#    here), and `systemd-analyze security --offline=yes --threshold=12` rates it no worse than
#    the 1.2 it has on Debian 12's systemd (any one REQUIRED hardening line removed raises it).
#  - Where systemd-sysusers and systemd-tmpfiles are installed and the test runs as root: the
#    shipped files, applied to an empty root directory, make the user and /var/lib/recnet.
set -euo pipefail
unit=$1
recnetd=$(realpath "$2")
src=$3
fail=0
err() {
    echo "systemd_unit: $*" >&2
    fail=1
}

REQUIRED=(
    "Type=exec"
    "ExecStart=* -c %S/recnet/%i/recnet.ini"
    "Restart=on-failure"
    "RestartPreventExitStatus=2"
    "User=recnet"
    "Group=recnet"
    "UMask=0077"
    "StateDirectory=recnet/%i"
    "StateDirectoryMode=0700"
    "NoNewPrivileges=yes"
    "ProtectSystem=strict"
    "ProtectHome=yes"
    "PrivateTmp=yes"
    "PrivateDevices=yes"
    "PrivateUsers=yes"
    "ProtectHostname=yes"
    "ProtectClock=yes"
    "ProtectKernelTunables=yes"
    "ProtectKernelModules=yes"
    "ProtectKernelLogs=yes"
    "ProtectControlGroups=yes"
    "ProtectProc=invisible"
    "ProcSubset=pid"
    "CapabilityBoundingSet="
    "AmbientCapabilities="
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"
    "RestrictNamespaces=yes"
    "RestrictRealtime=yes"
    "RestrictSUIDSGID=yes"
    "LockPersonality=yes"
    "MemoryDenyWriteExecute=yes"
    "RemoveIPC=yes"
    "KeyringMode=private"
    "DevicePolicy=closed"
    "SystemCallArchitectures=native"
    "SystemCallFilter=@system-service"
    "SystemCallFilter=~@privileged @resources"
    "SystemCallErrorNumber=EPERM"
)

# service_lines FILE: the [Service] section's settings, comments and blank lines left out.
service_lines() {
    awk '/^\[/ { on = ($0 == "[Service]"); next } on && !/^[[:space:]]*([#;]|$)/ { print }' "$1"
}

# check_required FILE: prints what is wrong with FILE's REQUIRED lines; exit status 1 if any.
check_required() {
    local lines bad=0 want key n
    lines=$(service_lines "$1")
    for want in "${REQUIRED[@]}"; do
        key=${want%%=*}
        # SystemCallFilter= is given twice on purpose (an allow list, then a deny list): each of
        # its lines must be there once, and no third one.
        if [ "$key" = SystemCallFilter ]; then
            n=$(grep -c "^$key=" <<<"$lines" || true)
            [ "$n" -eq 2 ] || { echo "$key= is given $n times, expected 2"; bad=1; }
        else
            n=$(grep -c "^$key=" <<<"$lines" || true)
            [ "$n" -le 1 ] || { echo "$key= is given $n times: a later line overrides"; bad=1; }
        fi
        # The value may hold a glob (ExecStart's binary path): compare line by line.
        local found=0 line
        while IFS= read -r line; do
            # shellcheck disable=SC2053 # $want is a pattern on purpose
            if [[ $line == $want ]]; then found=1; fi
        done <<<"$lines"
        [ $found -eq 1 ] || { echo "missing: $want"; bad=1; }
    done
    if grep -qE '^(ReadWritePaths|ReadOnlyPaths|InaccessiblePaths|BindPaths)=' <<<"$lines"; then
        echo "the unit names paths beyond its StateDirectory=: $(grep -E '^(ReadWritePaths|BindPaths)=' <<<"$lines")"
        bad=1
    fi
    return $bad
}

[ -f "$unit" ] || { echo "systemd_unit: $unit: no such file" >&2; exit 1; }
if ! out=$(check_required "$unit"); then
    err "$unit:"$'\n'"$out"
fi

# The check itself: each REQUIRED line removed must be noticed.
tmp=$(mktemp -d /tmp/recnet-systemd-unit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mutants=0
for want in "${REQUIRED[@]}"; do
    awk -v w="$want" '
        function glob_match(s, g,   re) {
            re = g; gsub(/[.^$+?()|{}\[\]\\]/, "\\\\&", re); gsub(/\*/, ".*", re)
            return s ~ ("^" re "$")
        }
        !(glob_match($0, w)) { print }' "$unit" >"$tmp/mutant.service"
    # A line the unit lacks is reported above already.
    if cmp -s "$unit" "$tmp/mutant.service"; then
        continue
    elif check_required "$tmp/mutant.service" >/dev/null; then
        err "the unit without \`$want\` still passes the check"
    fi
    mutants=$((mutants + 1))
done

# ExecStart: recnetd -c <StateDirectory>/recnet.ini, the file `recnetctl init` writes.
exec_line=$(service_lines "$unit" | sed -n 's/^ExecStart=//p')
read -r -a argv <<<"$exec_line"
[ "${#argv[@]}" -eq 3 ] || err "ExecStart= has ${#argv[@]} words, expected 3: $exec_line"
[ "$(basename "${argv[0]}")" = recnetd ] || err "ExecStart= runs ${argv[0]}, not recnetd"
case "${argv[0]}" in /*) ;; *) err "ExecStart= names recnetd by a relative path: ${argv[0]}" ;; esac
help=$("$recnetd" --help)
[[ $help == *"-c, --config CONFIG"* ]] || err "recnetd --help does not offer -c CONFIG: $help"
[ "${argv[1]:-}" = -c ] || err "ExecStart= does not give recnetd -c: $exec_line"
state=$(service_lines "$unit" | sed -n 's/^StateDirectory=//p')
config_name=$(sed -n 's/^#define CLI_CONFIG_NAME "\(.*\)"$/\1/p' "$src/cli/cmd_local.c")
[ -n "$config_name" ] || err "cli/cmd_local.c: no CLI_CONFIG_NAME: what does recnetctl init write?"
[ "${argv[2]:-}" = "%S/$state/$config_name" ] ||
    err "ExecStart= reads ${argv[2]:-nothing}, but recnetctl init writes %S/$state/$config_name"

# The user: the one the sysusers.d file creates, at home in the data directories' parent.
sysusers=$src/tools/systemd/recnet.sysusers
user=$(service_lines "$unit" | sed -n 's/^User=//p')
read -r kind name _ <<<"$(grep -v '^#' "$sysusers" | grep .)"
[ "$kind $name" = "u $user" ] || err "$sysusers creates '$kind $name', the unit runs as '$user'"
home=$(grep -v '^#' "$sysusers" | grep . | sed -n 's/.*" *\(\/[^ ]*\).*/\1/p')
[ "$home" = "/var/lib/${state%/%i}" ] || err "$sysusers: home $home, not /var/lib/${state%/%i}"
grep -qE "^d /var/lib/${state%/%i} 07[0-5]0 $user $user" "$src/tools/systemd/recnet.tmpfiles" ||
    err "recnet.tmpfiles does not make /var/lib/${state%/%i} for $user"

if command -v systemd-analyze >/dev/null; then
    sed "s|^ExecStart=[^ ]*|ExecStart=$recnetd|" "$unit" >"$tmp/recnetd@.service"
    if ! out=$(systemd-analyze verify "$tmp/recnetd@.service" 2>&1) || [ -n "$out" ]; then
        err "systemd-analyze verify:"$'\n'"$out"
    fi
    if ! out=$(systemd-analyze security --offline=yes --threshold=12 "$tmp/recnetd@.service" 2>&1); then
        err "systemd-analyze security rates the unit above 1.2:"$'\n'"$out"
    fi
    echo "systemd_unit: systemd-analyze verify and security: $(grep -o 'exposure level.*' <<<"$out")"
fi
# The sysusers.d and tmpfiles.d files, applied to an empty root: the user exists, and the data
# directories' parent is its own (tmpfiles.d changes owners: as root only).
if command -v systemd-sysusers >/dev/null && command -v systemd-tmpfiles >/dev/null &&
    [ "$(id -u)" -eq 0 ]; then
    r=$tmp/root
    mkdir -p "$r/etc"
    systemd-sysusers --root="$r" "$sysusers" >/dev/null 2>&1 || err "systemd-sysusers refuses $sysusers"
    uid=$(awk -F: -v u="$user" '$1 == u { print $3 }' "$r/etc/passwd")
    [ -n "$uid" ] || err "systemd-sysusers made no user $user: $(cat "$r/etc/passwd")"
    systemd-tmpfiles --root="$r" --create "$src/tools/systemd/recnet.tmpfiles" >/dev/null 2>&1 ||
        err "systemd-tmpfiles refuses recnet.tmpfiles"
    got=$(stat -c '%a %u' "$r/var/lib/${state%/%i}" 2>&1 || true)
    [ "$got" = "750 $uid" ] || err "tmpfiles.d made /var/lib/${state%/%i} '$got', expected '750 $uid'"
    echo "systemd_unit: systemd-sysusers and systemd-tmpfiles make user $user and /var/lib/${state%/%i}"
else
    echo "systemd_unit: systemd-analyze is not installed: the unit's keys checked by this script only"
fi
[ $fail -eq 0 ] || exit 1
echo "systemd_unit: ${#REQUIRED[@]} required lines present, each one's removal detected ($mutants copies)"
