#!/usr/bin/env bash
# refusals.sh: a key outside the roster and a wrong network key are refused.
#
# The federation is Ireland, the Netherlands and France. Two intruders run real recnetd nodes
# next to it and dial every member:
#
# - Italy (IT) holds the federation's network key but is not in the federation's roster: its own
#   roster file is the federation's plus itself. The members must refuse its handshake as a key
#   that is not a member (RN_EROSTER), naming the key refused and the address it came from, and
#   it never learns who answered.
# - Spain (ES) is in the federation's roster, with an address that every member dials, but holds
#   another network key: the members refuse its handshakes (RN_EPROOF, "another network key") and
#   it refuses theirs.
#
# Each intruder publishes an entry of its own. The members' logs must show both refusals, their
# `conns_refused` counters must grow, no entry of an intruder may reach a member and no entry of
# the federation may reach an intruder, and the federation must go on replicating.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init refusals "${5:-3}" "$@"

IT_LIMITS="anti_entropy_ms = 500
backoff_min_ms = 50
backoff_max_ms = 300"
FED=(IE NL FR)
for n in "${FED[@]}"; do it_node_new "$n" "$n"; done
it_node_new ES ES
"$RECNETCTL" init --network-key "$IT_DIR/other-network.key" >/dev/null
install -m 600 "$IT_DIR/other-network.key" "$IT_DIR/ES/network.key"
cp "$IT_DIR/roster.ini" "$IT_DIR/roster-it.ini"
it_node_new IT IT "$IT_DIR/roster-it.ini"
has "key = ${IT_KEY[IT]}" "$(cat "$IT_DIR/roster.ini")" && it_fail "IT leaked into the federation's roster"

for n in "${FED[@]}" ES IT; do it_start "$n"; done
it_wait_peers 15 2 "${FED[@]}"
it_log "the federation's full mesh is up; the intruders are dialling"

it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-ie)")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_publish FR decision "$(it_fill fr-decision.json)"
it_decision_series ES ES:enic/intruder 1 1
it_decision_series IT IT:cimea/intruder 1 1

for n in "${FED[@]}"; do
    it_wait_log 10 "$n" "warn +conn [0-9]+ \(.*\): handshake refused: its key is not a member of the roster"
    it_wait_log 10 "$n" "warn +conn [0-9]+ \(.*\): handshake refused: a MAC, box or signature failed \(another network key"
    # The refusal names the key refused, in full, and where the connection came from.
    log=$(cat "$IT_DIR/$n/recnetd.log")
    has "(from 127.0.0.1:" "$log" || it_fail "$n: a refusal does not say where it came from"
    has ", key ${IT_KEY[IT]}): handshake refused: its key is not a member of the roster" "$log" ||
        it_fail "$n: the refusal of IT does not name its key ${IT_KEY[IT]}"
    # ES's key never arrives (the handshake fails before it is sent): the line says so.
    has ", key not learnt): handshake refused: a MAC, box or signature failed" "$log" ||
        it_fail "$n: the refusal of ES does not say that its key was not learnt"
done
it_log "every member logged both refusals, IT's with its key"
# The intruders see it from their side too: ES refuses the members' handshakes, IT is cut off.
it_wait_log 10 ES "handshake refused: a MAC, box or signature failed"
it_wait_heads 10 "FR:1 IE:2" "${FED[@]}"
# A few anti-entropy rounds and redials, then nothing may have leaked either way.
sleep 1.5
for n in "${FED[@]}"; do
    [ "$(it_heads_seqs "$n")" = "FR:1 IE:2" ] || it_fail "$n holds $(it_heads_seqs "$n")"
    refused=$(it_counter "$n" conns_refused)
    [ "$refused" -ge 2 ] || it_fail "$n counted $refused refused connections"
    peers=$(ctlj "$n" peers)
    has '"country":"ES","connected":false' "$peers" || it_fail "$n connected to ES: $peers"
    has '"country":"IT"' "$peers" && it_fail "$n lists IT among its peers: $peers"
    [ "$(echo "$peers" | grep -o '"connected":true' | wc -l)" -eq 2 ] || it_fail "$n: peers $peers"
    it_log "$n: $refused connections refused, heads $(it_heads_seqs "$n")"
done
for n in ES IT; do
    [ "$(it_heads_seqs "$n")" = "$n:1" ] || it_fail "intruder $n holds $(it_heads_seqs "$n")"
    [ "$(it_counter "$n" entries_in)" = 0 ] || it_fail "intruder $n received entries"
    has '"connected":true' "$(ctlj "$n" peers)" && it_fail "intruder $n has a peer connected"
done
it_log "intruders hold only their own entry: ES $(it_heads_seqs ES), IT $(it_heads_seqs IT)"

# The federation keeps working.
it_publish NL provider "$(it_fill nl-provider-uvh.json)"
it_wait_heads 10 "FR:1 IE:2 NL:1" "${FED[@]}"
for n in ES IT; do [ "$(it_heads_seqs "$n")" = "$n:1" ] || it_fail "intruder $n holds $(it_heads_seqs "$n")"; done
for n in "${FED[@]}" ES IT; do it_stop "$n"; done
