#!/usr/bin/env bash
# tools/demo.sh: a local federation of the 30 authorities doing its real work (`make demo`).
#
# Starts one recnetd per country of tests/fixtures/codes/countries.tsv on 127.0.0.1, each with its
# own data directory, key and configuration, all sharing one roster and one network key. Ireland
# and the Netherlands register real awarding bodies and micro-credentials (the Commission's ELM
# sample, the Dutch Open Badges 3.0 examples: tests/fixtures/demo/), France records a recognition
# decision, Germany an automatic-recognition policy, the Netherlands a pathway, Ireland a
# revocation. The script waits until every node holds every log, then asks Portugal's node (which
# authored none of it) to recognise, verify and stack, gets a proof bundle and verifies it offline
# with the roster alone, and shuts the federation down cleanly.
#
# Environment: BUILD_DIR (default build), DEMO_DIR (default $BUILD_DIR/demo), DEMO_PORT (first
# port, default 17400), DEMO_KEEP=1 to leave the federation running at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CTL=$BUILD/cli/recnetctl
RECNETD=$BUILD/node/recnetd
DEMO=${DEMO_DIR:-$BUILD/demo}
PORT0=${DEMO_PORT:-17400}
DATA=$ROOT/tests/fixtures/demo
KEEP=${DEMO_KEEP:-0}

[ -x "$CTL" ] && [ -x "$RECNETD" ] || { echo "demo: build first (make build)" >&2; exit 2; }

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
ctl() { local cc=$1; shift; "$CTL" -d "$DEMO/$cc" "$@"; }
now_ms() { date +%s%3N; }

mapfile -t COUNTRIES < <(grep -v '^#' "$ROOT/tests/fixtures/codes/countries.tsv" | cut -f1)
[ "${#COUNTRIES[@]}" -eq 30 ] || { echo "demo: expected 30 countries" >&2; exit 2; }

declare -A PID
stop_all() {
    local rc=0 cc
    for cc in "${!PID[@]}"; do kill -TERM "${PID[$cc]}" 2>/dev/null || true; done
    for cc in "${!PID[@]}"; do
        if wait "${PID[$cc]}"; then :; else
            echo "demo: recnetd $cc exited with $?" >&2
            rc=1
        fi
    done
    PID=()
    return $rc
}
on_exit() {
    local rc=$?
    if [ "$KEEP" != 1 ] && [ "${#PID[@]}" -gt 0 ]; then stop_all || true; fi
    [ $rc -eq 0 ] || echo "demo: FAILED (logs in $DEMO/*/recnetd.log)" >&2
}
trap on_exit EXIT

step "A federation of 30 authorities in $DEMO"
rm -rf "$DEMO"
mkdir -p "$DEMO/data"
"$CTL" init --network-key "$DEMO/network.key" >/dev/null
for i in "${!COUNTRIES[@]}"; do
    cc=${COUNTRIES[$i]}
    port=$((PORT0 + i))
    "$CTL" --json init "$DEMO/$cc" --country "$cc" --listen "127.0.0.1:$port" \
        --roster "$DEMO/roster.ini" >"$DEMO/$cc.init.json"
    key=$(sed -n 's/.*"key": "\(rn1:[^"]*\)".*/\1/p' "$DEMO/$cc.init.json")
    "$CTL" roster add --roster "$DEMO/roster.ini" --name "$cc" --role authority --country "$cc" \
        --key "$key" --address "127.0.0.1:$port" >/dev/null
    install -m 600 "$DEMO/network.key" "$DEMO/$cc/network.key"
done
echo "30 data directories, keys and configurations; roster: $DEMO/roster.ini"

step "Starting 30 recnetd processes on 127.0.0.1:$PORT0-$((PORT0 + 29))"
for cc in "${COUNTRIES[@]}"; do
    (cd "$DEMO/$cc" && exec "$RECNETD" -c recnet.ini) 2>"$DEMO/$cc/recnetd.log" &
    PID[$cc]=$!
done
t0=$(now_ms)
for cc in "${COUNTRIES[@]}"; do
    for _ in $(seq 200); do [ -S "$DEMO/$cc/control.sock" ] && break; sleep 0.05; done
    [ -S "$DEMO/$cc/control.sock" ] || { echo "demo: $cc did not start" >&2; exit 1; }
done
# Every node dials every other: wait for the full mesh (29 peers each).
for _ in $(seq 300); do
    short=0
    for cc in "${COUNTRIES[@]}"; do
        n=$(ctl "$cc" --json peers | grep -c '"connected": true' || true)
        [ "$n" -ge 29 ] || short=$((short + 1))
    done
    [ $short -eq 0 ] && break
    sleep 0.1
done
echo "full mesh up in $(($(now_ms) - t0)) ms ($short nodes short of 29 peers)"

step "Ireland and the Netherlands publish real awarding bodies and micro-credentials"
"$CTL" keygen "$DEMO/issuer-uniz.key" >"$DEMO/issuer-uniz.txt"
"$CTL" keygen "$DEMO/issuer-42nb.key" >"$DEMO/issuer-42nb.txt"
IKEY_IE=$(grep -o 'rn1:[A-Za-z0-9+/=]*' "$DEMO/issuer-uniz.txt" | head -1)
IKEY_NL=$(grep -o 'rn1:[A-Za-z0-9+/=]*' "$DEMO/issuer-42nb.txt" | head -1)
# Credentials are named by a salted digest only (no learner data ever enters a log).
CRED_OK=$(printf 'demo credential salt 1|urn:credential:3ef0ac26' | sha256sum | cut -c1-64)
CRED_REVOKED=$(printf 'demo credential salt 2|urn:credential:9a1f41c6' | sha256sum | cut -c1-64)
for f in "$DATA"/*.json; do
    sed -e "s|@CREDENTIAL@|$CRED_REVOKED|" "$f" >"$DEMO/data/$(basename "$f")"
done
sed -i "s|@ISSUER_KEY@|$IKEY_IE|" "$DEMO/data/ie-provider.json"
sed -i "s|@ISSUER_KEY@|$IKEY_NL|" "$DEMO/data/nl-provider-theed.json"
publish() { # country kind file
    ctl "$1" "$2" publish "$DEMO/data/$3" | sed "s/^/  $1 $2: /"
}
t_pub=$(now_ms)
publish IE provider ie-provider.json
publish IE spec ie-spec.json
publish NL provider nl-provider-theed.json
publish NL provider nl-provider-uvh.json
publish NL spec nl-spec-theed.json
publish NL spec nl-spec-uvh.json

step "France decides, Germany sets a policy, the Netherlands a pathway, Ireland revokes"
publish FR decision fr-decision.json
publish DE policy de-policy.json
publish NL pathway nl-pathway.json
publish IE revocation ie-revocation.json

step "The network converges: every node holds every log"
expect() { # the heads every node must reach: IE 3, NL 5, FR 1, DE 1
    local cc=$1 out
    out=$(ctl "$cc" heads 2>/dev/null) || return 1
    for want in "IE 3" "NL 5" "FR 1" "DE 1"; do
        echo "$out" | grep -Eq "^ *${want% *} +${want#* }( |$)" || return 1
    done
}
for _ in $(seq 300); do
    behind=0
    for cc in "${COUNTRIES[@]}"; do expect "$cc" || behind=$((behind + 1)); done
    [ $behind -eq 0 ] && break
    sleep 0.05
done
[ $behind -eq 0 ] || { echo "demo: $behind nodes did not converge" >&2; exit 1; }
echo "all 30 nodes hold IE 3, NL 5, FR 1, DE 1: $(($(now_ms) - t_pub)) ms after the first publish"
ctl PT heads

step "Portugal's node answers (it authored none of this)"
echo "-- recognise: Ireland's micro-credential in France, for further study"
ctl PT query recognise IE:uniz/mc-c012 FR further_study || true
echo "-- recognise: the Dutch minor in Germany, for employment (automatic, by policy)"
ctl PT query recognise NL:42NB/ach-44ABA DE employment || true
echo "-- recognise: Ireland's micro-credential in Germany (internal QA only: no policy applies)"
ctl PT query recognise IE:uniz/mc-c012 DE employment || true
echo "-- search: Dutch micro-credentials at EQF 4"
ctl PT query search --country NL --eqf-min 4 --eqf-max 4 || true
# A credential is checked against what the registry said at its issue date, so the demo's
# credentials are issued now, after their awarding body and specification were registered.
ISSUED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
echo "-- verify: a credential the University of Zed issued at $ISSUED"
ctl PT query verify --spec IE:uniz/mc-c012 --issuer-key "$IKEY_IE" --issued-at "$ISSUED" \
    --credential "$CRED_OK" FR further_study || true
echo "-- verify: the same, for a credential Ireland revoked"
ctl PT query verify --spec IE:uniz/mc-c012 --issuer-key "$IKEY_IE" --issued-at "$ISSUED" \
    --credential "$CRED_REVOKED" FR further_study || true
echo "-- verify: a credential signed by a key the University of Zed never registered"
ctl PT query verify --spec IE:uniz/mc-c012 --issuer-key "$IKEY_NL" --issued-at "$ISSUED" \
    --credential "$CRED_OK" FR further_study || true
echo "-- stack: the two Dutch micro-credentials towards the Dutch pathway"
ctl PT query stack NL NL:pathway/minor-psychology NL:42NB/ach-44ABA NL:UN1VH/mc-koffie || true

step "A proof bundle, verified offline with the roster alone"
ctl PT proof get IE:uniz/mc-c012 FR further_study -o "$DEMO/proof-ie-fr.bin"
"$CTL" proof verify "$DEMO/proof-ie-fr.bin" --roster "$DEMO/roster.ini"

if [ "$KEEP" = 1 ]; then
    step "The federation keeps running (DEMO_KEEP=1)"
    cat <<EOF
Talk to any node through its data directory, for example Portugal's:
  $CTL -d $DEMO/PT status
  $CTL -d $DEMO/PT peers
  $CTL -d $DEMO/PT query recognise IE:uniz/mc-c012 FR further_study
Publish as Ireland:  $CTL -d $DEMO/IE spec publish FILE.json
Logs: $DEMO/<CC>/recnetd.log
Stop it: kill ${PID[*]}
EOF
    PID=()
    trap - EXIT
    exit 0
fi

step "Clean shutdown (SIGTERM to every node)"
stop_all
echo "all 30 nodes exited 0"
