#!/usr/bin/env bash
# control_flood.sh: local clients that pipeline requests and never read cannot pin the node's
# memory or lock the operator out (node/README.md, "Control clients").
#
# 64 clients (rn_poke ctlflood) write pipelined `status` requests to FR's control socket for a
# few seconds and never read an answer. Meanwhile the operator's `recnetctl status` must answer
# within a second or two, FR's resident memory must stay within a bound, the non-readers must be
# closed once RN_CONTROL_WRITE_MS has passed, and status must count them; FR's log grows by a few
# lines and a summary, not a line per client.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init control_flood "${5:-11}" "$@"

it_node_new FR FR
it_start FR
PID=${IT_PID[FR]}
SOCK=$IT_DIR/FR/control.sock
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID/status"; }
RSS0=$(rss)
LOG=$IT_DIR/FR/recnetd.log
size0=$(stat -c %s "$LOG")
it_log "FR up with $RSS0 kB resident"

FLOOD_S=9
"$POKE" ctlflood "$SOCK" 64 "$FLOOD_S" >"$IT_DIR/ctlflood.out" &
flood=$!
t0=$(date +%s%3N)
sleep 1
max=0 worst=0
for i in $(seq 5); do
    a=$(date +%s%3N)
    out=$(timeout 10 "$RECNETCTL" -d "$IT_DIR/FR" --json status 2>&1) ||
        it_fail "the operator's status failed during the flood: $out"
    ms=$(($(date +%s%3N) - a))
    [ $ms -le $worst ] || worst=$ms
    has '"country"' "$out" || it_fail "status answered without the node's state: $out"
    r=$(rss)
    [ "$r" -le $max ] || max=$r
    sleep 0.5
done
it_log "operator's status answered in $worst ms at worst during the flood"
[ "$worst" -lt 2000 ] || it_fail "the operator's status took $worst ms during the flood"
while kill -0 $flood 2>/dev/null; do
    r=$(rss)
    [ "$r" -le $max ] || max=$r
    sleep 0.2
done
wait $flood || it_fail "the flood client failed"
it_log "flood: $(cat "$IT_DIR/ctlflood.out"); FR resident: $RSS0 kB before, $max kB at most"
[ $((max - RSS0)) -lt 153600 ] || it_fail "FR's resident memory grew by $((max - RSS0)) kB (150 MiB allowed)"
cut=$(sed -n 's/.*closed-by-peer \([0-9]*\).*/\1/p' "$IT_DIR/ctlflood.out")
[ "${cut:-0}" -ge 60 ] || it_fail "FR closed only ${cut:-0} of the 64 clients that do not read"
closed=$(it_counter FR control_clients_closed)
evicted=$(it_counter FR control_evicted)
it_log "FR: control clients closed $closed, evicted $evicted"
[ "${closed:-0}" -gt 0 ] || it_fail "FR's status counts no control clients closed"
table=$(ctl FR status) || it_fail "FR does not answer status after the flood"
echo "$table" | grep -Eq "^control +[1-9][0-9]* clients closed for not reading" ||
    it_fail "recnetctl status does not show the control clients closed: $table"
it_wait_log 15 FR "[0-9]+ control clients refused, evicted or cut off in the last 10 s \([0-9]+ lines not written\)"
grown=$(($(stat -c %s "$LOG") - size0))
it_log "FR's log grew by $grown bytes: $(grep -o '[0-9]* control clients refused.*' "$LOG" | head -1)"
[ "$grown" -lt 8192 ] || it_fail "FR's log grew by $grown bytes over the flood (8 KiB allowed)"
it_stop FR
