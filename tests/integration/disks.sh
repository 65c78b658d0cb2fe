#!/usr/bin/env bash
# disks.sh: bad disks (issue 10; PROTOCOL.md 12.3, the disk rules; node/README.md, "Disks").
#
# - A data directory whose control socket path would not fit a Unix socket address is refused by
#   `recnetctl init` and by recnetd before either creates anything.
# - A failed fsync during a publish (injected with RECNET_TEST_FAIL_SYNC, a test-only hook of the
#   store) is not acknowledged, the entry never reaches the peer, later publishes are refused
#   with the reason in status, and the node keeps running and answering; after a restart the log
#   goes on from the last acknowledged entry.
# - A byte flipped in data.mdb (France's decision, "partial" made "full") is never answered from:
#   recnetctl check names the damaged entry, recognise refuses, and once a peer holding the entry
#   is back the node fetches it again and answers as France decided.
# - A map too small for what is ingested ([store] map_size) fills; status, heads, log and
#   recognise still answer, and status says the disk is full.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init disks "${5:-14}" "$@"

# expect_out WHAT REGEX COMMAND...: COMMAND's output (stdout and stderr) matches REGEX (grep -E).
expect_out() {
    local what=$1 re=$2 out
    shift 2
    out=$("$@" 2>&1 || true)
    grep -Eq -- "$re" <<<"$out" || { echo "$out"; it_fail "$what: no /$re/ in the output"; }
}

# ---- A socket path too long: refused before anything is created ----
long=$IT_DIR/$(printf 'd%.0s' $(seq 1 $((107 - ${#IT_DIR}))))
it_expect_rc 2 "init with a data directory too long for its socket" \
    "$RECNETCTL" init "$long" --country FR --listen 127.0.0.1:1 --roster "$IT_DIR/roster.ini"
has "longer than a Unix socket path allows" "$(cat "$IT_DIR/last.out")" ||
    it_fail "init: the message does not say why: $(cat "$IT_DIR/last.out")"
[ ! -e "$long" ] || it_fail "init created $long before refusing it"

NODES=(IE FR)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
mkdir -p "$long"
sed "s|^data_dir = .*|data_dir = $long|" "$IT_DIR/FR/recnet.ini" >"$IT_DIR/FR/long.ini"
it_expect_rc 2 "recnetd with a data directory too long for its socket" \
    "$RECNETD" -c "$IT_DIR/FR/long.ini"
has "longer than a Unix socket path allows" "$(cat "$IT_DIR/last.out")" ||
    it_fail "recnetd: the message does not say why: $(cat "$IT_DIR/last.out")"
[ -z "$(ls -A "$long")" ] || it_fail "recnetd created files in $long before refusing it"
it_log "a socket path too long is refused by init and recnetd before anything is created"

# ---- An address-space limit below the map size: a clear error naming the setting ----
# shellcheck disable=SC2016 # $0 and $1 are the inner shell's
it_expect_rc 1 "recnetd under ulimit -v with the default 64G map" \
    bash -c 'ulimit -v 4000000 && exec "$0" -c "$1"' "$RECNETD" "$IT_DIR/IE/recnet.ini"
has "lower [store] map_size" "$(cat "$IT_DIR/last.out")" ||
    it_fail "recnetd: the message does not name map_size: $(cat "$IT_DIR/last.out")"
it_config IE small.ini $'[store]\nmap_size = 256M'
(ulimit -v 4000000 && exec "$RECNETD" -c "$IT_DIR/IE/small.ini") >>"$IT_DIR/IE/recnetd.log" 2>&1 &
small_pid=$!
deadline=$(($(date +%s) + 10))
until ctl IE status >/dev/null 2>&1; do
    kill -0 $small_pid 2>/dev/null || it_fail "recnetd with map_size 256M did not start under ulimit -v"
    [ "$(date +%s)" -le $deadline ] || it_fail "recnetd with map_size 256M did not answer within 10 s"
    sleep 0.05
done
has '"map_bytes":268435456' "$(ctlj IE status)" || it_fail "status does not show the map size"
kill -TERM $small_pid
wait $small_pid || it_fail "recnetd with map_size 256M did not stop cleanly"
it_log "a map larger than the address space allows is refused naming [store] map_size; a smaller one runs"

# ---- A failed fsync: not acknowledged, not sent, no crash ----
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 1 "${NODES[@]}"
IKEY=$(it_keygen issuer-uniz)
it_publish IE provider "$(it_fill ie-provider.json "$IKEY")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_wait_heads 15 "IE:2" "${NODES[@]}"
it_stop FR
RECNET_TEST_FAIL_SYNC=2 it_start FR # the second publish's fsync fails
it_wait_peers 15 1 "${NODES[@]}"
it_publish FR decision "$(it_fill fr-decision.json)"
sed -e 's|FR:enic-naric/2025-0042|FR:enic-naric/2025-0043|' "$IT_DIR/data/fr-decision.json" \
    >"$IT_DIR/data/fr-decision-2.json"
it_expect_rc 5 "a publish whose fsync fails" ctl FR decision publish "$IT_DIR/data/fr-decision-2.json" --force
has "store.sync" "$(cat "$IT_DIR/last.out")" || it_fail "publish: no store.sync in $(cat "$IT_DIR/last.out")"
it_expect_rc 5 "a publish after a failed fsync" ctl FR decision publish "$IT_DIR/data/fr-decision-2.json" --force
has "store.writes_stopped" "$(cat "$IT_DIR/last.out")" ||
    it_fail "publish: no store.writes_stopped in $(cat "$IT_DIR/last.out")"
kill -0 "${IT_PID[FR]}" || it_fail "recnetd FR died after a failed fsync"
has '"writes_stopped":"Input/outputerror"' "$(ctlj FR status)" ||
    it_fail "status does not say why writes stopped: $(ctlj FR status)"
it_wait_heads 15 "IE:2 FR:1" "${NODES[@]}"
sleep 0.5
[ "$(it_heads_seqs IE)" = "FR:1 IE:2" ] || it_fail "IE holds $(it_heads_seqs IE): an unacknowledged entry left FR"
it_stop FR
it_start FR
it_publish FR decision "$IT_DIR/data/fr-decision-2.json"
it_wait_heads 15 "IE:2 FR:2" "${NODES[@]}"
it_log "a failed fsync is not acknowledged, never sent, stops writes and kills nothing"

# ---- A flipped byte: never answered from, checked, fetched again ----
rec() { ctl IE query recognise IE:uniz/mc-c012 FR further_study; }
expect_out "recognise before the damage" '^result +decision: partial' rec
it_stop IE
it_stop FR
# France's first decision: its spec id, then purpose (key 3) and outcome (key 4: 2, partial).
# Every copy in the file is flipped to 1 (full), the live page among them.
offsets=$(grep -obUaP 'IE:uniz/mc-c012\x03[\x01-\x03]\x04\x02' "$IT_DIR/IE/data.mdb" | cut -d: -f1)
[ -n "$offsets" ] || it_fail "France's decision not found in IE's data.mdb"
for off in $offsets; do
    printf '\x01' | dd of="$IT_DIR/IE/data.mdb" bs=1 seek=$((off + 18)) conv=notrunc status=none
done
it_start IE
out=$(rec 2>&1) && it_fail "recognise answered from a damaged entry: $out"
! grep -Eq 'decision: full' <<<"$out" || it_fail "recognise answered the altered outcome: $out"
has "replica is inconsistent" "$out" || it_fail "recognise does not say why: $out"
it_expect_rc 5 "check on a damaged replica" ctl IE check
has "entry 1 of FR's log is damaged" "$(cat "$IT_DIR/last.out")" ||
    it_fail "check does not name the entry: $(cat "$IT_DIR/last.out")"
has '"errors":' "$(ctlj IE status)" || it_fail "status has no integrity errors"
[ "$(ctlj IE status | sed -n 's/.*"integrity":{"errors":\([0-9]*\).*/\1/p')" -ge 1 ] ||
    it_fail "status counts no damaged entry: $(ctlj IE status)"
it_wait_log 5 IE 'integrity: entry 1 of author'
it_log "a damaged entry is refused, named by check, counted in status"
it_start FR
deadline=$(($(date +%s) + 20))
until rec >/dev/null 2>&1; do
    [ "$(date +%s)" -le $deadline ] || it_fail "IE did not fetch the damaged entry again within 20 s"
    sleep 0.1
done
expect_out "recognise after the re-fetch" '^result +decision: partial' rec
it_expect_rc 0 "check after the re-fetch" ctl IE check
it_log "the damaged entry is fetched again from France, and answers as France decided"

# ---- A full map: reads go on ----
# France publishes some 1.2 MB of decisions while Ireland is down; Ireland comes back with a
# 1 MiB map, and its catch-up fills it.
it_stop IE
it_config IE recnet.ini $'[store]\nmap_size = 1M'
it_stop FR
it_config FR recnet.ini $'[limits]\nbatch_entries = 10' # runs small enough to fit, one by one
it_start FR
pad=$(head -c 3900 /dev/zero | tr '\0' x)
for i in $(seq 1 300); do
    sed -e "s|FR:enic-naric/2025-0042|FR:enic-naric/bulk-$i|" -e "s|\"appeal\": \"|\"appeal\": \"$pad |" \
        "$IT_DIR/data/fr-decision.json" >"$IT_DIR/data/bulk.json"
    it_publish FR decision "$IT_DIR/data/bulk.json"
done
it_start IE
deadline=$(($(date +%s) + 30))
until has '"full":true' "$(ctlj IE status 2>/dev/null)"; do
    [ "$(date +%s)" -le $deadline ] || it_fail "IE's 1 MiB map did not fill within 30 s: $(ctlj IE status)"
    sleep 0.2
done
st=$(ctlj IE status) || it_fail "status fails on a full disk"
has '"index_behind":true' "$st" || it_fail "status does not say the index is behind: $st"
it_expect_rc 0 "heads on a full disk" ctl IE heads
it_expect_rc 0 "log on a full disk" ctl IE log FR --max 2
it_expect_rc 0 "recognise on a full disk" rec
expect_out "recognise on a full disk" '^result +decision: partial' rec
it_log "a full map stops ingest, not status, heads, log or recognise"
