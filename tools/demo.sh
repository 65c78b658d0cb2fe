#!/usr/bin/env bash
# tools/demo.sh: a local federation of the 30 authorities doing its real work (`make demo`).
#
# Starts one recnetd per country of tests/fixtures/codes/countries.tsv on 127.0.0.1, each with its
# own data directory, key and configuration, all sharing one roster and one network key. Ireland
# and the Netherlands import real awarding bodies and micro-credentials with `recnetctl spec
# import` (the Commission's ELM sample, the Dutch Open Badges 3.0 examples; what those files lack
# is taken from tests/fixtures/demo/), the University of Zed issues credentials offline with
# `recnetctl credential issue`, France records a recognition decision, Germany an
# automatic-recognition policy, the Netherlands a pathway, Ireland a revocation. The script waits
# until every node holds every log, then asks Portugal's node (which authored none of it) to
# recognise, search, verify credentials (`recnetctl credential verify`: valid, revoked, forged,
# an Open Badges VC-JWT) and stack, verifies proof bundles offline with the roster alone. The
# roster is governed (a genesis, quorum a majority): a witnessed proof (checkpoints cosigned by
# 3 members) verifies with its freshness, France rotates its node key live with a majority's
# approval, and the earlier proofs verify against the governed roster. It then asks Portugal's
# HTTP gateway and shuts the federation down cleanly.
#
# Environment: BUILD_DIR (default build), DEMO_DIR (default $BUILD_DIR/demo), DEMO_PORT (the first
# port tried, default 17400), DEMO_KEEP=1 to leave the federation running at the end.
#
# The HTTP gateway. Portugal's node also serves the read-only HTTP/JSON gateway for verifiers
# (README.md, "HTTP gateway") on 127.0.0.1, on the first free port from DEMO_HTTP_PORT (default
# the port after the 30 nodes'); the script prints its URL and asks it a few questions with curl.
#
# Ports. The nodes listen on 30 consecutive ports of 127.0.0.1. Before anything starts, the script
# looks for something listening on each (a connect on the loopback); when a port is taken it says
# so on the terminal and tries the 30 ports after it, at most DEMO_PORT_TRIES times (default 10),
# then gives up with exit status 1, asking for another DEMO_PORT. `tools/demo.sh --check-ports`
# does only this and prints the range it would use.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
CTL=$BUILD/cli/recnetctl
RECNETD=$BUILD/node/recnetd
DEMO=${DEMO_DIR:-$BUILD/demo}
PORT0=${DEMO_PORT:-17400}
PORT_TRIES=${DEMO_PORT_TRIES:-10}
DATA=$ROOT/tests/fixtures/demo
KEEP=${DEMO_KEEP:-0}

# port_taken PORT: whether something listens on 127.0.0.1:PORT.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pick_ports: sets PORT0 to the first of 30 consecutive free ports, from DEMO_PORT on; or says
# which port is taken and returns 1.
pick_ports() {
    local first=$PORT0 try p taken
    case "$PORT0" in '' | *[!0-9]*) echo "demo: DEMO_PORT=$PORT0 is not a port number" >&2; return 1 ;; esac
    for ((try = 0; try < PORT_TRIES; try++)); do
        if [ "$first" -lt 1 ] || [ $((first + 29)) -gt 65535 ]; then break; fi
        taken=""
        for ((p = first; p < first + 30; p++)); do
            if port_taken "$p"; then taken=$p; break; fi
        done
        if [ -z "$taken" ]; then
            [ "$first" = "$PORT0" ] || echo "demo: using ports $first-$((first + 29)) instead"
            PORT0=$first
            return 0
        fi
        echo "demo: port $taken on 127.0.0.1 is in use"
        first=$((taken + 1))
    done
    echo "demo: no 30 free consecutive ports from $PORT0 on: set DEMO_PORT to the first of 30" \
        "free ports (DEMO_PORT=NNNN make demo)" >&2
    return 1
}

if [ "${1:-}" = --check-ports ]; then
    pick_ports || exit 1
    echo "demo: ports $PORT0-$((PORT0 + 29)) on 127.0.0.1 are free"
    exit 0
fi

[ -x "$CTL" ] && [ -x "$RECNETD" ] || { echo "demo: build first (make build)" >&2; exit 2; }
pick_ports || exit 1

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
# The 30 agree on the roster as version 1 (the genesis) of a governed roster: every later change
# takes effect live once a majority of them (16) has signed it. Each node signs a checkpoint of
# the heads it holds every 2 s, and its peers cosign it as witnesses.
"$CTL" roster genesis --roster "$DEMO/roster.ini" --federation "EU micro-credentials (demo)" \
    -o "$DEMO/genesis.roster" >/dev/null
for cc in "${COUNTRIES[@]}"; do
    sed -i -e "s|^\[node\]$|[node]\nroster_chain = $DEMO/genesis.roster\ncheckpoint_interval = 2|" \
        "$DEMO/$cc/recnet.ini"
done
HTTP_PORT=${DEMO_HTTP_PORT:-$((PORT0 + 30))}
for _ in $(seq 20); do
    port_taken "$HTTP_PORT" || break
    HTTP_PORT=$((HTTP_PORT + 1))
done
printf '\n[http]\nlisten = 127.0.0.1:%s\n' "$HTTP_PORT" >>"$DEMO/PT/recnet.ini"
HTTP_URL=http://127.0.0.1:$HTTP_PORT
echo "30 data directories, keys and configurations; roster: $DEMO/roster.ini"
echo "governed roster: $DEMO/genesis.roster (version 1; quorum: a majority of the 30)"
echo "Portugal's node serves the HTTP gateway at $HTTP_URL/v1/ and the verifier's page at $HTTP_URL/"

step "Starting 30 recnetd processes on 127.0.0.1:$PORT0-$((PORT0 + 29))"
for cc in "${COUNTRIES[@]}"; do
    (cd "$DEMO/$cc" && exec "$RECNETD" -c recnet.ini) 2>"$DEMO/$cc/recnetd.log" &
    PID[$cc]=$!
done
t0=$(now_ms)
for cc in "${COUNTRIES[@]}"; do
    for _ in $(seq 200); do
        [ -S "$DEMO/$cc/control.sock" ] && break
        kill -0 "${PID[$cc]}" 2>/dev/null || break
        sleep 0.05
    done
    if [ ! -S "$DEMO/$cc/control.sock" ]; then
        # Say why on the terminal (a port taken since it was checked, say), not only in the log.
        echo "demo: $cc did not start; the end of $DEMO/$cc/recnetd.log:" >&2
        tail -n 3 "$DEMO/$cc/recnetd.log" | sed 's/^/  /' >&2
        exit 1
    fi
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

step "Ireland and the Netherlands import real awarding bodies and micro-credentials"
"$CTL" keygen "$DEMO/issuer-uniz.key" >"$DEMO/issuer-uniz.txt"
"$CTL" keygen "$DEMO/issuer-42nb.key" >"$DEMO/issuer-42nb.txt"
# Naboo Theed University signs its Open Badges with the key of tests/fixtures/vcjwt/.
IKEY_THEED=$(cat "$ROOT/tests/fixtures/vcjwt/issuer.pub")
# What the source files lack comes from the demo's records (tests/fixtures/demo/README.md):
# `val FILE FIELD` reads one string or number field of one of them.
val() { sed -n "s/.*\"$2\": \"\{0,1\}\([^\",}]*\)\"\{0,1\}.*/\1/p" "$DATA/$1" | head -1; }
import() { # country file flags...
    local cc=$1 file=$2
    shift 2
    ctl "$cc" spec import "$ROOT/tests/fixtures/$file" "$@" | sed "s/^/  $cc: /"
}
t_pub=$(now_ms)
echo "-- the Commission's ELM sample (University of Zed), as Ireland"
import IE elm/Sample-MC-Annex1-unsigned.jsonld \
    --provider-id "$(val ie-provider.json id)" --spec-id "$(val ie-spec.json id)" \
    --qa-status "$(val ie-provider.json qa_status)" --qa-type "$(val ie-spec.json qa_type)" \
    --issuer-key "$DEMO/issuer-uniz.key" --key-valid-from "$(val ie-provider.json valid_from)"
echo "-- the Dutch Open Badges 3.0 micro-credentials, as the Netherlands"
import NL obv3/theed_microcredential_full_ho.json \
    --country "$(val nl-provider-theed.json country)" \
    --qa-status "$(val nl-provider-theed.json qa_status)" \
    --qa-body "$(val nl-provider-theed.json qa_body)" \
    --isced "$(val nl-spec-theed.json isced)" \
    --stackability "$(val nl-spec-theed.json stackability)" --part-of NL:pathway/minor-psychology \
    --issuer-key "$IKEY_THEED" --key-valid-from "$(val nl-provider-theed.json valid_from)"
import NL obv3/uvh_at_microcredential_full_1.json \
    --spec-id "$(val nl-spec-uvh.json id)" \
    --qa-status "$(val nl-provider-uvh.json qa_status)" \
    --qa-body "$(val nl-provider-uvh.json qa_body)" \
    --isced "$(val nl-spec-uvh.json isced)" \
    --stackability "$(val nl-spec-uvh.json stackability)" --part-of NL:pathway/minor-psychology
for f in "$DATA"/*.json; do cp "$f" "$DEMO/data/$(basename "$f")"; done
publish() { # country kind file [flags]
    local cc=$1 kind=$2 file=$3
    shift 3
    ctl "$cc" "$kind" publish "$DEMO/data/$file" "$@" | sed "s/^/  $cc $kind: /"
}

step "The University of Zed issues two credentials (offline, with its issuer key)"
# A credential is checked against what the registry says now about its issue date (the dates
# its records carry, PROTOCOL.md 14.4); the demo's own credentials are issued now. The
# holder is named by a salted digest only: no learner data is in a credential or a log.
issue() { # name holder
    "$CTL" --json credential issue --spec IE:uniz/mc-c012 --issuer-key "$DEMO/issuer-uniz.key" \
        --holder "$2" --grade Pass -o "$DEMO/$1.cred" >"$DEMO/$1.json"
    sed -n 's/.*"credential": "\([0-9a-f]*\)".*/\1/p' "$DEMO/$1.json"
}
CRED_OK=$(issue cred-ana ana.andromeda@email.com)
CRED_REVOKED=$(issue cred-bob bob.betelgeuse@email.com)
echo "  $DEMO/cred-ana.cred: digest $CRED_OK"
echo "  $DEMO/cred-bob.cred: digest $CRED_REVOKED (Ireland will revoke it)"
"$CTL" --json credential issue --spec IE:uniz/mc-c012 --issuer-key "$DEMO/issuer-42nb.key" \
    --holder ana.andromeda@email.com -o "$DEMO/cred-forged.cred" >/dev/null
echo "  $DEMO/cred-forged.cred: the same spec, signed by a key the University never registered"
sed -i "s|@CREDENTIAL@|$CRED_REVOKED|" "$DEMO/data/ie-revocation.json"

step "France decides, Germany sets a policy, the Netherlands a pathway, Ireland revokes"
# A decision about a spec the node does not hold is refused (unless --force): France waits until
# Ireland's spec has reached it, as an operator would check with `spec show`.
for _ in $(seq 200); do
    ctl FR spec show IE:uniz/mc-c012 >/dev/null 2>&1 && break
    sleep 0.05
done
publish FR decision fr-decision.json
publish DE policy de-policy.json
publish NL pathway nl-pathway.json
publish IE revocation ie-revocation.json --revoked-at "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"

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
echo "-- credential verify: Ana's credential from the University of Zed, in France, for further study"
ctl PT credential verify "$DEMO/cred-ana.cred" FR further_study --proof "$DEMO/proof-cred.bin" || true
echo "-- credential verify: Bob's, which Ireland revoked"
ctl PT credential verify "$DEMO/cred-bob.cred" FR further_study || true
echo "-- credential verify: one signed by a key the University of Zed never registered"
ctl PT credential verify "$DEMO/cred-forged.cred" FR further_study || true
echo "-- credential verify: the Theed minor as an Open Badges VC-JWT (EdDSA), in Germany"
echo "   (issued 2024-08-30, before Theed's records reached recnet today; they say its key was"
echo "   valid from 2024-08-01 and the minor from 2024-08-30, so it verifies, as valid at its"
echo "   issue date as known now, and the answer says the records were registered retroactively)"
ctl PT credential verify "$ROOT/tests/fixtures/vcjwt/theed_full.jwt" DE employment \
    --spec NL:42NB/ach-44ABA || true
echo "-- stack: the two Dutch micro-credentials towards the Dutch pathway"
ctl PT query stack NL NL:pathway/minor-psychology NL:42NB/ach-44ABA NL:UN1VH/mc-koffie || true

step "Proof bundles, verified offline with the roster alone"
ctl PT proof get IE:uniz/mc-c012 FR further_study -o "$DEMO/proof-ie-fr.bin"
"$CTL" proof verify "$DEMO/proof-ie-fr.bin" --roster "$DEMO/roster.ini"
echo "-- the proof of Ana's credential"
"$CTL" proof verify "$DEMO/proof-cred.bin" --roster "$DEMO/roster.ini"

step "A witnessed proof: checkpoints cosigned by other members, how fresh the answer is"
# Portugal's node attaches, for every author the bundle rests on, a checkpoint of that author's
# head cosigned by at least 3 witnesses: a verifier then knows the log ended there at that time
# (no later revocation hidden), and no authority showed two histories to the witnesses.
for _ in $(seq 100); do
    ctl PT proof get IE:uniz/mc-c012 FR further_study --witnessed 3 \
        -o "$DEMO/proof-witnessed.bin" >/dev/null 2>&1 && break
    sleep 0.1
done
"$CTL" proof verify "$DEMO/proof-witnessed.bin" --genesis "$DEMO/genesis.roster" \
    --witnesses 3 --max-age 10m >"$DEMO/proof-witnessed.txt"
grep -E '^(answer|witnessed|VERIFIED)' "$DEMO/proof-witnessed.txt"

step "France rotates its node key, live: a majority approves, France's history stays valid"
# The planned rotation of README.md "Operations": France proposes (its old key signs), 15 other
# authorities approve by the change's hash, and every node applies version 2 at the 16th
# signature; France's node then takes the new key on SIGHUP and publishes its succession.
FR_OLD=$(sed -n 's/.*"key": "\(rn1:[^"]*\)".*/\1/p' "$DEMO/FR.init.json")
FR_NEW=$("$CTL" keygen "$DEMO/FR/node-2.key" | grep -o 'rn1:[A-Za-z0-9+/=]*' | head -1)
hash=$(ctl FR --json roster propose --rotate "$FR_OLD" --new-key "$FR_NEW" |
    sed -n 's/.*"hash": "\([0-9a-f]*\)".*/\1/p')
echo "  FR proposes: $FR_OLD -> $FR_NEW (change $hash)"
approvers=0
for cc in "${COUNTRIES[@]}"; do
    [ "$cc" != FR ] && [ $approvers -lt 15 ] || continue
    # Each approves once the proposal's roster entry has reached its node.
    for _ in $(seq 100); do ctl "$cc" roster approve "$hash" >/dev/null 2>&1 && break; sleep 0.05; done
    approvers=$((approvers + 1))
done
version_of() {
    ctl "$1" --json roster show 2>/dev/null | tr -d ' \n' |
        sed -n 's/.*"federation_id":"[0-9a-f]*","version":\([0-9]*\),.*/\1/p' || true
}
for _ in $(seq 200); do
    behind=0
    for cc in "${COUNTRIES[@]}"; do [ "$(version_of "$cc")" = 2 ] || behind=$((behind + 1)); done
    [ $behind -eq 0 ] && break
    sleep 0.05
done
[ $behind -eq 0 ] || { echo "demo: $behind nodes did not apply version 2" >&2; exit 1; }
echo "  version 2 in force on all 30 nodes (16 signatures: FR and 15 others)"
sed -i -e "s|^key_file = .*|key_file = $DEMO/FR/node-2.key|" "$DEMO/FR/recnet.ini"
kill -HUP "${PID[FR]}"
for _ in $(seq 100); do grep -q "now signing with" "$DEMO/FR/recnetd.log" && break; sleep 0.05; done
grep "now signing with" "$DEMO/FR/recnetd.log" | sed 's/^.*roster: /  FR: /'
ctl PT roster show --version 2 -o "$DEMO/2.change" >/dev/null
echo "-- the proofs made before the rotation, against the governed roster (genesis + version 2)"
for f in proof-ie-fr.bin proof-witnessed.bin; do
    "$CTL" proof verify "$DEMO/$f" --genesis "$DEMO/genesis.roster" --change "$DEMO/2.change" \
        >"$DEMO/$f.txt"
    echo "  $f: $(tail -n 1 "$DEMO/$f.txt")"
done

step "The HTTP gateway of Portugal's node: $HTTP_URL/v1/ (the verifier's page: $HTTP_URL/)"
if command -v curl >/dev/null; then
    echo "-- GET $HTTP_URL/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study"
    curl -sS "$HTTP_URL/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study" |
        head -n 12
    echo "   ..."
    echo "-- GET $HTTP_URL/readyz"
    curl -sS "$HTTP_URL/readyz"
    echo "-- POST $HTTP_URL/v1/verify?country=FR&purpose=further_study (Ana's credential as the body)"
    curl -sS -X POST --data-binary @"$DEMO/cred-ana.cred" \
        "$HTTP_URL/v1/verify?country=FR&purpose=further_study" | head -n 3
    echo "   ..."
else
    echo "(curl is not installed: open $HTTP_URL/v1/heads in a browser)"
fi

if [ "$KEEP" = 1 ]; then
    step "The federation keeps running (DEMO_KEEP=1)"
    cat <<EOF
Talk to any node through its data directory, for example Portugal's:
  $CTL -d $DEMO/PT status
  $CTL -d $DEMO/PT peers
  $CTL -d $DEMO/PT query recognise IE:uniz/mc-c012 FR further_study
Publish as Ireland:  $CTL -d $DEMO/IE spec publish FILE.json
Ask Portugal's node over HTTP: $HTTP_URL/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study
  (also $HTTP_URL/v1/search?text=digital, $HTTP_URL/metrics, $HTTP_URL/readyz)
The verifier's page, in a browser on this machine: $HTTP_URL/
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
