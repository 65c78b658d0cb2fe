#!/usr/bin/env bash
# strangers.sh: strangers on the peer port cannot lock members out or flood the log
# (node/README.md, "Strangers and floods").
#
# - Slot exhaustion: a flood client (rn_poke flood) holds 1,000 silent TCP connections to FR's
#   peer port for a few seconds, opening a new one as FR closes one. Meanwhile IE restarts: it
#   must be connected to FR again within a few seconds, FR must keep answering and replicating,
#   and FR's status must count the strangers it evicted or refused.
# - Log flood: FR's log grows by a few KB at most over the flood, and a summary line says how
#   many connections were refused in the window.
# - Time-outs say what happened: IE is stopped (SIGSTOP) while connected; FR closes the silent
#   connection saying so, then its redial is accepted by IE's kernel but never answered: FR logs
#   `handshake with IE at 127.0.0.1:PORT timed out after N ms`, not an error code.
# - A NUL byte in a configuration file is named as such by recnetd.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init strangers "${5:-10}" "$@"

IT_LIMITS="idle_ms = 1000
backoff_min_ms = 50
backoff_max_ms = 500"
NODES=(IE FR)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 1 "${NODES[@]}"
PORT=${IT_PORT[FR]}
LOG=$IT_DIR/FR/recnetd.log

# ---- The flood ----
FLOOD_S=8
size0=$(stat -c %s "$LOG")
"$POKE" flood "$PORT" 1000 "$FLOOD_S" 1500 >"$IT_DIR/flood.out" &
flood=$!
t0=$(date +%s%3N)
sleep 1.5
ctl FR status >/dev/null || it_fail "FR does not answer status during the flood"
it_log "flood under way; restarting IE"
it_stop IE
it_start IE
t1=$(date +%s%3N)
it_wait_peers 3 1 FR IE
it_log "IE and FR connected again $(($(date +%s%3N) - t1)) ms after IE's restart, during the flood"
[ $(($(date +%s%3N) - t0)) -lt $((FLOOD_S * 1000)) ] || it_fail "the flood ended before the check"
it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-ie)")"
it_wait_heads 5 "IE:1" IE FR
[ $(($(date +%s%3N) - t0)) -lt $((FLOOD_S * 1000)) ] || it_fail "the flood ended before the check"
it_log "FR replicates during the flood"
wait $flood || it_fail "the flood client failed"
it_log "flood: $(cat "$IT_DIR/flood.out")"
opened=$(sed -n 's/^connects \([0-9]*\).*/\1/p' "$IT_DIR/flood.out")
[ "${opened:-0}" -ge 1000 ] || it_fail "the flood opened only ${opened:-0} connections"

evicted=$(it_counter FR strangers_evicted)
refused=$(it_counter FR strangers_refused)
timed=$(it_counter FR strangers_timed_out)
it_log "FR: strangers evicted $evicted, refused $refused, timed out $timed"
[ "${evicted:-0}" -gt 0 ] || it_fail "FR's status counts no evicted strangers"

# ---- The log ----
grown=$(($(stat -c %s "$LOG") - size0))
it_log "FR's log grew by $grown bytes over the flood"
[ "$grown" -lt 16384 ] || it_fail "FR's log grew by $grown bytes over the flood (16 KiB allowed)"
it_wait_log 15 FR "[0-9]+ incoming connections refused, evicted or timed out before their handshake in the last 10 s \([0-9]+ lines not written\)"
suppressed=$(it_counter FR log_lines_suppressed)
[ "${suppressed:-0}" -gt 0 ] || it_fail "FR's status counts no log lines suppressed"
# The operator's table shows the same counts as --json.
table=$(ctl FR status)
echo "$table" | grep -Eq "^strangers +[0-9]+ refused, [0-9]+ evicted, [0-9]+ timed out" ||
    it_fail "recnetctl status does not show the strangers: $table"
echo "$table" | grep -Eq "^log +[1-9][0-9]* repeated lines summarised" ||
    it_fail "recnetctl status does not show the suppressed log lines: $table"
it_log "summary: $(grep -o '[0-9]* incoming connections refused.*' "$LOG" | head -1)"

# ---- Time-outs ----
kill -STOP "${IT_PID[IE]}"
it_wait_log 10 FR "conn [0-9]+ \(IE, [^)]*\): silent for [0-9]+ ms, through a PING: closed"
it_wait_log 15 FR "conn [0-9]+: handshake with IE at 127\.0\.0\.1:${IT_PORT[IE]} timed out after [0-9]+ ms"
kill -CONT "${IT_PID[IE]}"
! grep -q 'time out of range' "$LOG" || it_fail "FR's log still says 'time out of range'"
it_wait_peers 10 1 FR IE
it_log "FR says what timed out: $(grep -o 'handshake with IE.*' "$LOG" | head -1)"

# ---- A NUL byte in a configuration file ----
printf '[node]\ncountry = FR\000X\n' >"$IT_DIR/FR/nul.ini"
rc=0
out=$(cd "$IT_DIR/FR" && "$RECNETD" -c nul.ini 2>&1) || rc=$?
[ $rc -ne 0 ] || it_fail "recnetd started on a configuration with a NUL byte"
has "nul.ini:2: a NUL byte" "$out" || it_fail "a NUL byte is not named as such: $out"

for n in "${NODES[@]}"; do it_stop "$n"; done
