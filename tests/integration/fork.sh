#!/usr/bin/env bash
# fork.sh: an equivocating author is flagged on every node.
#
# Ireland, the Netherlands, Germany, Portugal and France in a full mesh; Ireland registers its
# awarding body and specification, France publishes a recognition decision about it at seq 1,
# and every node holds it. Then France's key signs a second, different seq 1: France's node is
# stopped (exit 0) and a second recnetd with a copy of France's node.key and its own fresh data
# directory is started apart from the federation (another port, a roster giving no addresses; it
# must be apart, or it would fetch France's log from its peers before publishing), publishes
# another decision at seq 1, is stopped, and is started again in France's place with France's
# address and roster. Every node must then report France as forked at seq 1 (`heads`, `status`
# forks), hold the fork evidence (the `fork` method of the control API, asked over the raw socket:
# two entries at seq 1), and say `forked` in answers that rest on France; answers that do not
# must not. Finally the first France node is started again and learns of its own fork too, and the
# federation still replicates.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init fork "${5:-5}" "$@"

IT_LIMITS="anti_entropy_ms = 500
backoff_min_ms = 50
backoff_max_ms = 500"
NODES=(IE NL DE PT FR)
HONEST=(IE NL DE PT)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 4 "${NODES[@]}"
it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-ie)")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_publish FR decision "$(it_fill fr-decision.json)"
it_wait_heads 10 "FR:1 IE:2" "${NODES[@]}"
it_log "every node holds France's first seq 1: $(it_heads_seqs PT)"
it_stop FR

# The second node with France's key, apart from the federation.
mkdir -m 700 "$IT_DIR/FR2"
install -m 600 "$IT_DIR/FR/node.key" "$IT_DIR/FR/network.key" "$IT_DIR/FR/recnet.base.ini" "$IT_DIR/FR2/"
IT_CC[FR2]=FR
sed '/^address = /d' "$IT_DIR/roster.ini" >"$IT_DIR/roster-isolated.ini"
it_port_take
IT_LISTEN=127.0.0.1:$IT_P IT_ROSTER=$IT_DIR/roster-isolated.ini it_config FR2 isolated.ini
it_config FR2 recnet.ini
it_start FR2 isolated.ini
has "\"key\":\"${IT_KEY[FR]}\"" "$(ctlj FR2 status)" || it_fail "FR2 does not run with France's key"
it_decision_series FR2 FR:enic-naric/equivocation 1 1
[ "$(it_heads_seqs FR2)" = "FR:1" ] || it_fail "FR2 holds $(it_heads_seqs FR2)"
it_stop FR2
it_start FR2
it_log "a second France node published another seq 1 and joined in France's place"

# Every node flags France; FR2 itself learns that its seq 1 is not the only one.
deadline=$(($(date +%s%3N) + 15000))
for n in "${HONEST[@]}" FR2; do
    until [ "$(it_heads_seqs "$n")" = "FR:1! IE:2" ]; do
        [ "$(date +%s%3N)" -le $deadline ] || it_fail "$n does not flag France: $(it_heads_seqs "$n")"
        sleep 0.05
    done
done
it_log "every node flags France as forked: $(it_heads_seqs PT)"

# fork_request KEY: the control request [0, 1, "fork", [KEY]] (KEY as text, 48 characters).
fork_request() { printf '\224\000\001\244fork\221\3310%s' "$1"; }
AT=$(date +%s%3N)
for n in "${HONEST[@]}" FR2; do
    st=$(ctlj "$n" status)
    has '"forks":[{"author":"'"${IT_KEY[FR]}"'","country":"FR","seq":1}]' "$st" ||
        it_fail "$n: France's fork at seq 1 is not the one fork in its status: $st"
    [ "$(it_counter "$n" forks_seen)" -ge 1 ] || it_fail "$n: forks_seen is 0"
    # The evidence: [1, 1, nil, {seq: 1, a: bin, b: bin}].
    ev=$(fork_request "${IT_KEY[FR]}" | "$POKE" unix "$IT_DIR/$n/control.sock" -s -r 2000 -x)
    has $'\n'"940101c083a373657101a161c" "$ev" || it_fail "$n: no fork evidence for France: $ev"
    has "a162c" "$ev" || it_fail "$n: fork evidence without a second entry: $ev"
    ev=$(fork_request "${IT_KEY[IE]}" | "$POKE" unix "$IT_DIR/$n/control.sock" -s -r 2000 -x)
    has "524e5f454e4f54464f554e44" "$ev" || it_fail "$n: fork evidence for Ireland? $ev"
    # Answers resting on France say forked; answers that do not, do not.
    ans=$(ctlj "$n" query recognise IE:uniz/mc-c012 FR further_study --at "$AT" || true)
    has '"forked":true' "$ans" || it_fail "$n: recognise in France does not say forked: $ans"
    ans=$(ctlj "$n" query recognise IE:uniz/mc-c012 DE employment --at "$AT" || true)
    has '"forked":false' "$ans" || it_fail "$n: recognise in Germany says forked: $ans"
done
it_log "every node holds the evidence and answers forked for France, not for Germany"

# Every honest node says so in its log too, once (the driver looks after each new fork).
for n in "${HONEST[@]}"; do
    it_wait_log 5 "$n" "author FR equivocated: two signed entries at seq 1"
    [ "$(grep -c "equivocated" "$IT_DIR/$n/recnetd.log")" -eq 1 ] ||
        it_fail "$n: the equivocation is not logged exactly once"
done
it_log "every node logged France's equivocation once"

# The first France node comes back and is told of the fork by its peers.
it_stop FR2
it_start FR
deadline=$(($(date +%s%3N) + 15000))
until [ "$(it_heads_seqs FR)" = "FR:1! IE:2" ]; do
    [ "$(date +%s%3N)" -le $deadline ] || it_fail "FR does not flag its own fork: $(it_heads_seqs FR)"
    sleep 0.05
done
it_publish NL provider "$(it_fill nl-provider-uvh.json)"
it_wait_peers 10 4 "${NODES[@]}"
deadline=$(($(date +%s%3N) + 10000))
for n in "${NODES[@]}"; do
    until [ "$(it_heads_seqs "$n")" = "FR:1! IE:2 NL:1" ]; do
        [ "$(date +%s%3N)" -le $deadline ] || it_fail "$n holds $(it_heads_seqs "$n")"
        sleep 0.05
    done
done
it_log "France learnt of its own fork; the federation still replicates: $(it_heads_seqs FR)"
for n in "${NODES[@]}"; do it_stop "$n"; done
