#!/usr/bin/env bash
# partition.sh: a node cut off from the federation and reconnected converges.
#
# Four authorities in a full mesh with short timers (idle_ms = 1000: a silent peer is pinged
# after 1 s and dropped after 2 s; handshake_ms = 1000; redials within 50-500 ms; anti-entropy
# every 500 ms). France's node is cut off twice:
#
# 1. Frozen: SIGSTOP for longer than twice the peers' idle time. The others must drop it (their
#    `peers` say FR is not connected) and go on publishing among themselves; a publish sent to
#    France's control socket meanwhile waits in the socket. After SIGCONT France's publish is
#    served and every node converges, France included, with the full mesh back.
# 2. Partitioned: France is restarted listening on another port and with a roster that gives no
#    member an address, so nobody reaches it and it reaches nobody. Both sides publish; neither
#    sees the other's entries. France is restarted with its real configuration and every node
#    converges on everything published on both sides.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init partition "${5:-2}" "$@"

IT_LIMITS="idle_ms = 1000
handshake_ms = 1000
anti_entropy_ms = 500
backoff_min_ms = 50
backoff_max_ms = 500"
NODES=(IE NL FR PT)
OTHERS=(IE NL PT)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 3 "${NODES[@]}"
it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-ie)")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_wait_heads 10 "IE:2" "${NODES[@]}"
it_log "full mesh; IE:2 everywhere"

# ---- 1. Frozen ----
kill -STOP "${IT_PID[FR]}"
t0=$(date +%s%3N)
it_log "FR frozen (SIGSTOP)"
it_spec_series IE IE:uniz/frozen 1 20
# France's publish waits in its control socket until the node runs again (recnetctl's 30 s bound).
ctl FR decision publish "$(it_fill fr-decision.json)" >"$IT_DIR/fr-publish.out" 2>&1 &
fr_pub=$!
# Every other node drops France once it has been silent for twice idle_ms.
deadline=$(($(date +%s%3N) + 10000))
for n in "${OTHERS[@]}"; do
    until ctlj "$n" peers | grep -o '"country":"FR","connected":[a-z]*' | grep 'false' >/dev/null; do
        [ "$(date +%s%3N)" -le $deadline ] || it_fail "$n still counts frozen FR as connected after 10 s"
        sleep 0.1
    done
done
it_log "the others dropped FR after $(($(date +%s%3N) - t0)) ms"
it_publish NL provider "$(it_fill nl-provider-theed.json "$(it_keygen issuer-nl)")"
it_spec_series NL NL:42NB/frozen 1 20
it_spec_series IE IE:uniz/frozen 21 30
it_wait_heads 10 "IE:32 NL:21" IE NL PT
# Still frozen after more than twice idle_ms: wake it up.
sleep 0.2
kill -CONT "${IT_PID[FR]}"
it_log "FR woken (SIGCONT) after $(($(date +%s%3N) - t0)) ms"
wait $fr_pub || { cat "$IT_DIR/fr-publish.out"; it_fail "France's publish failed"; }
it_wait_heads 15 "FR:1 IE:32 NL:21" "${NODES[@]}"
it_wait_peers 10 3 "${NODES[@]}"
it_log "converged after the freeze: $(it_heads_seqs FR); full mesh back"

# ---- 2. Partitioned, both sides publishing ----
it_stop FR
sed '/^address = /d' "$IT_DIR/roster.ini" >"$IT_DIR/roster-isolated.ini"
it_port_take
IT_LISTEN=127.0.0.1:$IT_P IT_ROSTER=$IT_DIR/roster-isolated.ini it_config FR isolated.ini
it_start FR isolated.ini
it_log "FR restarted alone on 127.0.0.1:$IT_P with a roster of no addresses"
it_decision_series FR FR:enic-naric/partition 1 15 &
fr=$!
it_spec_series IE IE:uniz/partition 1 15 &
ie=$!
it_spec_series NL NL:42NB/partition 1 15
wait $fr || it_fail "France's publishes failed"
wait $ie || it_fail "Ireland's publishes failed"
it_wait_heads 10 "FR:1 IE:47 NL:36" IE NL PT
# Give the partition a chance to leak before checking that it did not.
sleep 1
[ "$(it_heads_seqs FR)" = "FR:16 IE:32 NL:21" ] || it_fail "partitioned FR holds $(it_heads_seqs FR)"
for n in "${OTHERS[@]}"; do
    [ "$(it_heads_seqs "$n")" = "FR:1 IE:47 NL:36" ] || it_fail "$n holds $(it_heads_seqs "$n") during the partition"
done
it_log "during the partition: FR holds $(it_heads_seqs FR), the others $(it_heads_seqs IE)"

it_stop FR
it_start FR
t0=$(date +%s%3N)
it_wait_heads 15 "FR:16 IE:47 NL:36" "${NODES[@]}"
it_log "the partition healed: every node holds $(it_heads_seqs PT) after $(($(date +%s%3N) - t0)) ms"
for n in "${NODES[@]}"; do
    [ "$(it_counter "$n" protocol_errors)" = 0 ] || it_fail "$n counted protocol errors"
    it_stop "$n"
done
