#!/usr/bin/env bash
# garbled.sh: a member's run with unsigned middle entries does not poison honest replicas.
#
# France's replica is given, before its node starts, one run of 1,024 of France's own entries
# whose links hold and whose last signature verifies but whose other 1,023 signatures are garbage
# (rn_garble, the hostile member). France and Ireland start: Ireland accepts the run (one
# signature per run, PROTOCOL.md section 2). France stops; the Netherlands and Germany start and
# can get France's log only from Ireland, an honest node, which must serve it in runs that end on
# entries whose own signatures it has seen verify: they converge on France's 1,024 entries with
# no protocol error (the defect was 115-121 disconnects in 8 s and a log that never converged).
# Every honest node's background verifier flags France (`heads` says unsigned, `badsigs_seen`,
# one log line naming the unsigned seq 1 and the signed seq 1,024); answers resting on France say
# forked, others do not; and a proof bundle about a decision France signs afterwards verifies
# offline.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
GARBLE=${6:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/${BUILD_DIR:-build}/tests/integration/rn_garble}
it_init garbled "${5:-12}" "$@"
[ -x "$GARBLE" ] || it_fail "$GARBLE is not an executable: build first"

IT_LIMITS="anti_entropy_ms = 500
backoff_min_ms = 50
backoff_max_ms = 500"
NODES=(IE NL DE FR)
HONEST=(IE NL DE)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
"$GARBLE" "$IT_DIR/FR" FR 1024 || it_fail "rn_garble"

it_start FR
it_start IE
it_wait_heads 20 "FR:1024" IE FR
it_log "Ireland accepted France's run of 1,024 entries with 1,023 unsigned"
it_stop FR

it_start NL
it_start DE
it_wait_heads 20 "FR:1024" IE NL DE
it_log "the Netherlands and Germany got France's log from Ireland"
sleep 8
for n in "${HONEST[@]}"; do
    errors=$(it_counter "$n" protocol_errors)
    [ "$errors" -lt 3 ] || it_fail "$n dropped $errors peers for protocol errors"
done
it_log "no honest node cut another off in 8 s"

for n in "${HONEST[@]}"; do
    deadline=$(($(date +%s%3N) + 15000))
    until [ "$(it_counter "$n" badsigs_seen)" = 1 ]; do
        [ "$(date +%s%3N)" -le $deadline ] || it_fail "$n does not flag France: $(ctlj "$n" status)"
        sleep 0.1
    done
    has '"country":"FR","seq":1024' "$(ctlj "$n" heads)" && has '"unsigned":true' "$(ctlj "$n" heads)" ||
        it_fail "$n: heads does not say France published an unsigned entry: $(ctlj "$n" heads)"
    it_wait_log 5 "$n" "author FR published an unsigned entry: seq 1 fails its own signature, authenticated by its signed seq 1024"
    [ "$(grep -c "published an unsigned entry" "$IT_DIR/$n/recnetd.log")" -eq 1 ] ||
        it_fail "$n: the unsigned entry is not logged exactly once"
done
it_log "every honest node flags France and logged it once"

# Answers and proofs: Ireland's spec, France's decision on it (signed properly, after the run).
it_start FR
it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-ie)")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_publish FR decision "$(it_fill fr-decision.json)"
it_wait_heads 20 "FR:1025 IE:2" "${NODES[@]}"
for n in "${HONEST[@]}"; do
    ans=$(ctlj "$n" query recognise IE:uniz/mc-c012 FR further_study || true)
    has '"forked":true' "$ans" || it_fail "$n: recognise in France does not say forked: $ans"
    ans=$(ctlj "$n" query recognise IE:uniz/mc-c012 DE employment || true)
    has '"forked":false' "$ans" || it_fail "$n: recognise in Germany says forked: $ans"
    ctl "$n" proof get IE:uniz/mc-c012 FR further_study -o "$IT_DIR/proof-$n.bin" >/dev/null ||
        it_fail "$n: no proof bundle for France's decision"
    "$RECNETCTL" proof verify "$IT_DIR/proof-$n.bin" --roster "$IT_DIR/roster.ini" >/dev/null ||
        it_fail "$n: the proof bundle does not verify offline"
done
it_log "answers resting on France say forked; their proof bundles verify offline"
for n in "${NODES[@]}"; do it_stop "$n"; done
