#!/usr/bin/env bash
# converge.sh: a federation of 5 authorities in a full mesh converges.
#
# Ireland, the Netherlands, France, Germany and Portugal, each a recnetd on 127.0.0.1 dialling all
# the others. Four of them publish the demo's real records (tests/fixtures/demo), Ireland and the
# Netherlands at the same time. Every node must reach the same heads (authors, seqs, entry ids
# and times), and every node, including Portugal, which authored nothing, must give the same
# answer to the same recognise questions as of one instant, with byte-identical proof bundles
# that verify offline against the roster alone. All five then stop cleanly (SIGTERM, exit 0).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init converge "${5:-0}" "$@"

NODES=(IE NL FR DE PT)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 4 "${NODES[@]}"
it_log "full mesh: every node has 4 peers"

it_publish_demo
it_log "published $IT_DEMO_HEADS"
it_wait_heads 15 "$IT_DEMO_HEADS" "${NODES[@]}"
it_log "every node holds the same heads: $(it_heads_seqs PT)"

# The same questions, as of one instant, asked of every node.
AT=$(date +%s%3N)
QUESTIONS=("IE:uniz/mc-c012 FR further_study" "NL:42NB/ach-44ABA DE employment"
    "IE:uniz/mc-c012 DE employment" "NL:UN1VH/mc-koffie FR both")
for qi in "${!QUESTIONS[@]}"; do
    read -r spec cc purpose <<<"${QUESTIONS[$qi]}"
    ref=""
    for n in "${NODES[@]}"; do
        ans=$(ctlj "$n" query recognise "$spec" "$cc" "$purpose" --at "$AT" || true)
        [ -n "$ans" ] || it_fail "$n: no answer to recognise ${QUESTIONS[$qi]}"
        [ -z "$ref" ] && ref=$ans
        [ "$ans" = "$ref" ] || it_fail "recognise ${QUESTIONS[$qi]}: $n says $ans, IE said $ref"
        ctl "$n" proof get "$spec" "$cc" "$purpose" --at "$AT" -o "$IT_DIR/proof-$qi-$n.bin" >/dev/null ||
            it_fail "$n: proof get ${QUESTIONS[$qi]}"
        cmp -s "$IT_DIR/proof-$qi-IE.bin" "$IT_DIR/proof-$qi-$n.bin" ||
            it_fail "proof of ${QUESTIONS[$qi]}: $n's bundle differs from IE's"
    done
    it_log "recognise ${QUESTIONS[$qi]}: every node answers ${ref:0:60}..."
    "$RECNETCTL" proof verify "$IT_DIR/proof-$qi-PT.bin" --roster "$IT_DIR/roster.ini" >/dev/null ||
        it_fail "Portugal's proof of ${QUESTIONS[$qi]} does not verify offline"
done
# The answers themselves: a decision (France: partial), a policy (Germany: automatic), no decision.
recognise() { ctlj PT query recognise "$@" --at "$AT" || true; }
has '"result":"decision","outcome":"partial"' "$(recognise IE:uniz/mc-c012 FR further_study)" ||
    it_fail "France's partial decision not found"
has '"result":"automatic","outcome":"full"' "$(recognise NL:42NB/ach-44ABA DE employment)" ||
    it_fail "Germany's policy not applied"
has '"result":"no_decision"' "$(recognise IE:uniz/mc-c012 DE employment)" ||
    it_fail "Ireland's spec is recognised in Germany without a decision or a policy"

for n in "${NODES[@]}"; do
    [ "$(it_counter "$n" protocol_errors)" = 0 ] || it_fail "$n counted protocol errors"
    it_stop "$n"
done
it_log "5 nodes stopped cleanly"
