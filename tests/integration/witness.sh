#!/usr/bin/env bash
# witness.sh: checkpoints cosigned by witnesses, witnessed proof bundles, signed answers, and a
# split view that the witnesses refuse (PROTOCOL.md 11.12, 12.5).
#
# Ireland, the Netherlands, Germany and Portugal in a full mesh sign a checkpoint every second;
# each is cosigned by the other three within a bounded wait. Ireland registers an awarding body
# and a specification; `proof get --witnessed 2` gives a version-2 bundle that `proof verify
# --witnesses 2 --max-age 1h` accepts and that a max age shorter than its checkpoint's age
# refuses; a signed answer (control socket and gateway) verifies with `answer verify`, and a JSON
# answer of the gateway asked with `Recnet-Sign: 1` (and only then) carries the node's signature
# headers.
#
# Then the split view: the federation is restarted in two halves by its dial lists (Ireland and
# the Netherlands; Germany and Portugal), and France's key, in two recnetd processes with copies
# of France's node.key, publishes decision A at seq 1 to the first half and decision B at seq 1
# to the second. Each half cosigns its own view, with one witness only: no node gives a bundle
# resting on France with two witnesses, and a bundle with one does not pass `--witnesses 2`. When
# the halves meet (the Netherlands dials Germany), each side refuses the other's checkpoint (it
# holds another entry at France's seq 1), keeps it as evidence and shows it in status
# (`witness_refusals`, `witness.evidence`); France is flagged forked everywhere and no checkpoint
# covers it from then on.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init witness "${5:-25}" "$@"

IT_LIMITS="anti_entropy_ms = 500
backoff_min_ms = 50
backoff_max_ms = 500"
NODES=(IE NL DE PT)
for n in "${NODES[@]}" FR; do it_node_new "$n" "$n"; done
for n in "${NODES[@]}" FR; do echo "checkpoint_interval = 1" >>"$IT_DIR/$n/recnet.base.ini"; done

# dial_of NAME PEER...: NAME's configuration with [peers] dial = PEER, ... (and the gateway on
# Ireland's node).
it_port_take
HTTP_PORT=$IT_P
dial_of() {
    local name=$1
    shift
    local list
    list=$(IFS=,; echo "$*")
    local extra="[peers]
dial = $list"
    [ "$name" != IE ] || extra="$extra
[http]
listen = 127.0.0.1:$HTTP_PORT
rate_per_s = 0"
    it_config "$name" recnet.ini "$extra"
}

# cosigs NAME: the cosignatures on NAME's newest checkpoint ("" when it has none yet).
cosigs() { ctlj "$1" status | sed -n 's/.*"checkpoint":{"time":"[^"]*","heads":\([0-9]*\),"cosignatures":\([0-9]*\)}.*/\1:\2/p'; }
# wait_cosigs LIMIT_S NAME HEADS:COSIGS: until NAME's newest checkpoint names HEADS authors and
# carries at least COSIGS cosignatures.
wait_cosigs() {
    local limit=$1 name=$2 heads=${3%%:*} want=${3##*:} got
    local deadline=$(($(date +%s%3N) + limit * 1000))
    while :; do
        got=$(cosigs "$name")
        if [ -n "$got" ] && [ "${got%%:*}" = "$heads" ] && [ "${got##*:}" -ge "$want" ]; then
            return 0
        fi
        [ "$(date +%s%3N)" -le $deadline ] ||
            it_fail "$name: no checkpoint of $heads authors with $want cosignatures in $limit s (last: $got): $(ctlj "$name" status)"
        sleep 0.05
    done
}

# ---- Honest federation: checkpoints, witnessed bundles, signed answers ----

dial_of IE NL DE PT
dial_of NL IE DE PT
dial_of DE IE NL PT
dial_of PT IE NL DE
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 3 "${NODES[@]}"
it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-ie)")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_wait_heads 10 "IE:2" "${NODES[@]}"
for n in "${NODES[@]}"; do wait_cosigs 10 "$n" 1:3; done
it_log "every node's checkpoint is cosigned by the three others"
[ "$(it_counter NL cosigs_out)" -ge 1 ] || it_fail "NL counts no cosignature given"

ROSTER=$IT_DIR/roster.ini
# The checkpoint itself, fetched and verified offline with its three witnesses (not four).
it_expect_rc 0 "checkpoint get -o" ctl NL checkpoint get -o "$IT_DIR/nl-cp.bin"
it_expect_rc 0 "checkpoint verify --witnesses 3" \
    "$RECNETCTL" checkpoint verify "$IT_DIR/nl-cp.bin" --roster "$ROSTER" --witnesses 3
it_expect_rc 1 "checkpoint verify --witnesses 4" \
    "$RECNETCTL" checkpoint verify "$IT_DIR/nl-cp.bin" --roster "$ROSTER" --witnesses 4
it_expect_rc 0 "proof get --witnessed 2" \
    ctl IE proof get IE:uniz/mc-c012 NL further_study --witnessed 2 -o "$IT_DIR/w2.bin"
it_expect_rc 0 "proof verify --witnesses 2 --max-age 1h" \
    "$RECNETCTL" proof verify "$IT_DIR/w2.bin" --roster "$ROSTER" --witnesses 2 --max-age 1h
it_expect_rc 1 "proof verify --witnesses 4 (three witnesses at most)" \
    "$RECNETCTL" proof verify "$IT_DIR/w2.bin" --roster "$ROSTER" --witnesses 4 --max-age 1h
sleep 2.1
it_expect_rc 1 "proof verify --max-age 1s of a bundle two seconds old" \
    "$RECNETCTL" proof verify "$IT_DIR/w2.bin" --roster "$ROSTER" --witnesses 2 --max-age 1s
it_log "a bundle with two witnesses verifies, and refuses a max age below its checkpoint's age"

it_expect_rc 1 "query recognise --signed (no decision: a negative answer)" \
    ctl NL query recognise IE:uniz/mc-c012 NL further_study --signed "$IT_DIR/answer.bin"
it_expect_rc 0 "answer verify" "$RECNETCTL" answer verify "$IT_DIR/answer.bin" --roster "$ROSTER"
# A signed answer altered by one byte no longer verifies.
cp "$IT_DIR/answer.bin" "$IT_DIR/answer-bad.bin"
printf '\x01' | dd of="$IT_DIR/answer-bad.bin" bs=1 seek=60 conv=notrunc 2>/dev/null
it_expect_rc 1 "answer verify of an altered answer" \
    "$RECNETCTL" answer verify "$IT_DIR/answer-bad.bin" --roster "$ROSTER"

# The gateway: a JSON answer asked with Recnet-Sign: 1 is signed in its headers (and only then),
# and verifies offline; one byte changed does not. ?signed=1 is the signed answer.
URL="http://127.0.0.1:$HTTP_PORT/v1/recognise?spec=IE:uniz/mc-c012&country=NL&purpose=further_study"
hdr=$(curl -sS -D - -o "$IT_DIR/gw.json" "$URL" | tr -d '\r')
has "recnet-signature: " "$hdr" && it_fail "signed without Recnet-Sign: $hdr"
curl -sS -H 'Recnet-Sign: 1' -D "$IT_DIR/gw.hdr" -o "$IT_DIR/gw.json" "$URL"
hdr=$(tr -d '\r' <"$IT_DIR/gw.hdr")
has "recnet-signer: ${IT_KEY[IE]}" "$hdr" || it_fail "no Recnet-Signer header: $hdr"
has "recnet-time: " "$hdr" || it_fail "no Recnet-Time header: $hdr"
has "recnet-signature: " "$hdr" || it_fail "no Recnet-Signature header: $hdr"
it_expect_rc 0 "answer verify --headers (the gateway's signed JSON)" \
    "$RECNETCTL" answer verify "$IT_DIR/gw.json" --headers "$IT_DIR/gw.hdr" --roster "$ROSTER"
sed 's/"no_decision"/"recognised"/' "$IT_DIR/gw.json" >"$IT_DIR/gw-bad.json"
cmp -s "$IT_DIR/gw.json" "$IT_DIR/gw-bad.json" && it_fail "the answer has no result to alter"
it_expect_rc 1 "answer verify --headers of an altered JSON answer" \
    "$RECNETCTL" answer verify "$IT_DIR/gw-bad.json" --headers "$IT_DIR/gw.hdr" --roster "$ROSTER"
code=$(curl -sS -o "$IT_DIR/gw-answer.bin" -w '%{http_code}' "$URL&signed=1")
[ "$code" = 200 ] || it_fail "?signed=1: HTTP $code"
it_expect_rc 0 "answer verify of the gateway's signed answer" \
    "$RECNETCTL" answer verify "$IT_DIR/gw-answer.bin" --roster "$ROSTER"
it_log "signed answers verify, from the control socket and the gateway"
for n in "${NODES[@]}"; do it_stop "$n"; done

# ---- The split view ----

dial_of IE NL FR
dial_of NL IE FR
dial_of DE PT
dial_of PT DE
it_config FR recnet.ini "[peers]
dial = IE, NL"
mkdir -m 700 "$IT_DIR/FR2"
install -m 600 "$IT_DIR/FR/node.key" "$IT_DIR/FR/network.key" "$IT_DIR/FR/recnet.base.ini" "$IT_DIR/FR2/"
IT_CC[FR2]=FR
it_port_take
IT_LISTEN=127.0.0.1:$IT_P it_config FR2 recnet.ini "[peers]
dial = DE, PT"
for n in "${NODES[@]}" FR FR2; do it_start "$n"; done
it_wait_peers 15 2 IE NL FR FR2
it_wait_peers 15 1 DE PT
it_wait_heads 10 "IE:2" "${NODES[@]}" FR FR2
it_publish FR decision "$(it_fill fr-decision.json)"
it_decision_series FR2 FR:enic-naric/equivocation 1 1
it_wait_heads 10 "FR:1 IE:2" IE NL FR
it_wait_heads 10 "FR:1 IE:2" DE PT FR2
it_stop FR
it_stop FR2
[ "$(ctlj IE heads | grep -o '"id":"[0-9a-f]*"' | sort)" != "$(ctlj DE heads | grep -o '"id":"[0-9a-f]*"' | sort)" ] ||
    it_fail "the two halves hold the same log of France"
it_log "France showed decision A to Ireland and the Netherlands, B to Germany and Portugal"

# Each half cosigns its own view, with one witness: never two. (France's processes cosigned their
# half's checkpoints while they ran, as any member may: the checkpoints a node keeps, four at one a
# second, are all newer than their stop after five seconds.)
sleep 5
wait_cosigs 10 IE 2:1
wait_cosigs 10 DE 2:1
for n in "${NODES[@]}"; do
    it_expect_rc 3 "$n: proof get --witnessed 2 resting on France" \
        ctl "$n" proof get IE:uniz/mc-c012 FR further_study --witnessed 2 -o "$IT_DIR/split-$n.bin"
    has "have 1" "$(cat "$IT_DIR/last.out")" || it_fail "$n: the refusal does not say how many: $(cat "$IT_DIR/last.out")"
done
it_expect_rc 0 "proof get --witnessed 1 in the first half" \
    ctl IE proof get IE:uniz/mc-c012 FR further_study --witnessed 1 -o "$IT_DIR/split.bin"
it_expect_rc 1 "proof verify --witnesses 2 of a bundle with one witness" \
    "$RECNETCTL" proof verify "$IT_DIR/split.bin" --roster "$ROSTER" --witnesses 2 --max-age 1h
it_log "no bundle resting on France carries two witnesses"

# The halves meet: each refuses the other's checkpoint and keeps it as evidence.
it_stop NL
dial_of NL IE DE
it_start NL
deadline=$(($(date +%s%3N) + 15000))
for n in NL DE; do
    until [ "$(it_counter "$n" witness_refusals)" -ge 1 ]; do
        [ "$(date +%s%3N)" -le $deadline ] || it_fail "$n refused no checkpoint: $(ctlj "$n" status)"
        sleep 0.05
    done
    st=$(ctlj "$n" status)
    has '"country":"FR","seq":1,"shown":' "$st" || it_fail "$n: no evidence naming France's seq 1: $st"
done
it_wait_log 10 DE 'split view: .*checkpoint names FR'
ctl DE status >"$IT_DIR/de-status.txt" || it_fail "status: $(cat "$IT_DIR/de-status.txt")"
grep -q "split view: rn1:.* showed FR at seq 1 another entry" "$IT_DIR/de-status.txt" ||
    it_fail "status does not show the split view: $(cat "$IT_DIR/de-status.txt")"
it_log "the Netherlands and Germany refused each other's checkpoint: $(ctlj DE status | grep -o '"refusals":[0-9]*')"

# France is forked everywhere; no checkpoint covers it, so no witnessed bundle rests on it.
deadline=$(($(date +%s%3N) + 15000))
for n in "${NODES[@]}"; do # each keeps the branch it held first: the ids differ by half
    until [ "$(it_heads_seqs "$n")" = "FR:1! IE:2" ]; do
        [ "$(date +%s%3N)" -le $deadline ] || it_fail "$n does not flag France: $(it_heads_seqs "$n")"
        sleep 0.05
    done
done
for n in "${NODES[@]}"; do
    wait_cosigs 10 "$n" 1:1
    it_expect_rc 3 "$n: proof get --witnessed 1 resting on a forked author" \
        ctl "$n" proof get IE:uniz/mc-c012 FR further_study --witnessed 1 -o "$IT_DIR/forked-$n.bin"
done
it_log "France is forked on every node and no checkpoint covers it"
