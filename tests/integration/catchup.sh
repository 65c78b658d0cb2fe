#!/usr/bin/env bash
# catchup.sh: a stopped node catches up when it is restarted, and says so in its log.
#
# Four authorities in a full mesh, with small batches (batch_entries = 25) and little in flight
# (inflight_bytes = 16384) so that a catch-up takes many rounds of ENTRIES and ACK. Portugal's node is stopped (SIGTERM: it must exit 0);
# meanwhile Ireland and the Netherlands each register an awarding body and publish 1,000
# specifications (distinct ids from one template), 2,002 entries in all. Portugal is restarted on
# the same data directory, taking at most 300 entries a second from each peer (entries_per_s) so
# that its catch-up lasts a few seconds: it must reach the same heads as the others, entry ids
# included, hold every entry, answer queries about the new specs, and then take a new entry
# pushed live. Its log must show the catch-up begin (with the entries to fetch), go on (entries,
# rate, what remains) at most once a second, and end (entries, duration, rate).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init catchup "${5:-1}" "$@"

PER_AUTHOR=1000
IT_LIMITS="batch_entries = 25
inflight_bytes = 16384
anti_entropy_ms = 1000"
NODES=(IE NL FR PT)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 3 "${NODES[@]}"
it_publish FR decision "$(it_fill fr-decision.json)"
it_wait_heads 10 "FR:1" "${NODES[@]}"
it_log "full mesh; FR:1 everywhere"

it_stop PT
it_config PT recnet.ini "entries_per_s = 300"
it_log "PT stopped (exit 0)"

it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-ie)")"
it_publish NL provider "$(it_fill nl-provider-theed.json "$(it_keygen issuer-nl)")"
t0=$(date +%s%3N)
it_spec_series IE IE:uniz/bulk 1 $PER_AUTHOR &
ie=$!
it_spec_series NL NL:42NB/bulk 1 $PER_AUTHOR &
nl=$!
wait $ie || it_fail "Ireland's publishes failed"
wait $nl || it_fail "the Netherlands' publishes failed"
WANT="FR:1 IE:$((PER_AUTHOR + 1)) NL:$((PER_AUTHOR + 1))"
it_log "published $((2 * PER_AUTHOR + 2)) entries in $(($(date +%s%3N) - t0)) ms while PT was down"
it_wait_heads 15 "$WANT" IE NL FR

it_start PT
t0=$(date +%s%3N)
it_wait_heads 30 "$WANT" "${NODES[@]}"
it_log "PT caught up in $(($(date +%s%3N) - t0)) ms: $(it_heads_seqs PT)"
st=$(ctlj PT status)
has "\"entries\":$((2 * PER_AUTHOR + 3))," "$st" || it_fail "PT does not hold every entry: $st"
new=$(it_counter PT entries_new)
[ "$new" -ge $((2 * PER_AUTHOR + 2)) ] || it_fail "PT ingested $new entries, expected $((2 * PER_AUTHOR + 2))"

# The catch-up in PT's log (at the default level, info): its start with what it expects to
# fetch, progress lines no more than one a second, its end with the figures.
log=$IT_DIR/PT/recnetd.log
it_wait_log 5 PT "info +catch-up [0-9]+ done: [0-9]+ entries in [0-9.]+ s \([0-9]+ entries/s\)"
start=$(grep -E "info +catch-up [0-9]+ started: [0-9]+ entries of [0-9]+ authors to fetch, from [A-Z]{2}" "$log" | head -1) ||
    it_fail "PT logged no catch-up start"
cu=$(echo "$start" | sed -E 's/.*catch-up ([0-9]+) started: ([0-9]+) entries.*/\1/')
expected=$(echo "$start" | sed -E 's/.*catch-up ([0-9]+) started: ([0-9]+) entries.*/\2/')
[ "$expected" -ge $((PER_AUTHOR + 1)) ] || it_fail "the catch-up expected $expected entries: $start"
progress=$(grep -E "info +catch-up $cu: [0-9]+ entries in [0-9.]+ s \([0-9]+ entries/s\), [0-9]+ remaining" "$log" || true)
[ -n "$progress" ] || it_fail "PT logged no progress of catch-up $cu"
done_line=$(grep -E "catch-up $cu done: " "$log")
fetched=$(echo "$done_line" | sed -E 's/.*done: ([0-9]+) entries.*/\1/')
[ "$fetched" -ge $((2 * PER_AUTHOR)) ] || it_fail "catch-up $cu fetched $fetched entries: $done_line"
# At most one progress line a second: over the catch-up's duration, plus one.
secs=$(echo "$done_line" | sed -E 's/.* entries in ([0-9]+)\.[0-9] s.*/\1/')
lines=$(echo "$progress" | wc -l)
[ "$lines" -le $((secs + 1)) ] || it_fail "$lines progress lines over $secs s"
it_log "PT's log: $(echo "$start" | cut -c26-)"
it_log "PT's log: $(echo "$progress" | tail -1 | cut -c26-)"
it_log "PT's log: $(echo "$done_line" | cut -c26-)"

# The replica behind the heads: the last specs of each series are indexed and searchable.
for id in IE:uniz/bulk-$PER_AUTHOR NL:42NB/bulk-$PER_AUTHOR; do
    ok=0
    for _ in $(seq 100); do
        ans=$(ctlj PT query recognise "$id" FR further_study || true)
        has "\"provider_id\":\"${id%%/*}\"" "$ans" && { ok=1; break; }
        sleep 0.05
    done
    [ $ok -eq 1 ] || it_fail "PT does not know $id: $ans"
done
hits=$(ctlj PT query search --country NL --limit 1000 | grep -o '"spec_id"' | wc -l || true)
[ "$hits" -eq $PER_AUTHOR ] || it_fail "search for Dutch specs on PT: $hits hits, expected $PER_AUTHOR"

# And live pushes reach it again.
it_spec_series IE IE:uniz/after 1 1
it_wait_heads 10 "FR:1 IE:$((PER_AUTHOR + 2)) NL:$((PER_AUTHOR + 1))" "${NODES[@]}"
for n in "${NODES[@]}"; do
    [ "$(it_counter "$n" protocol_errors)" = 0 ] || it_fail "$n counted protocol errors"
    it_stop "$n"
done
