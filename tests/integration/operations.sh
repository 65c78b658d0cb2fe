#!/usr/bin/env bash
# operations.sh: what an operator sees of a node: crossed dials, a frozen peer, the demo's ports.
#
# Two authorities, Ireland and France, at log level debug, redialling fast (backoff 50-300 ms).
#
# - Crossed dials. France starts and is frozen (SIGSTOP) while it is between two redials;
#   Ireland starts and dials it (the kernel completes the TCP connection; the handshake waits).
#   France is thawed (SIGCONT): its overdue redial leaves before it reads Ireland's connection, so
#   the two dials cross and each node closes one of the two connections, the same one. That is
#   harmless and must read so: a debug line "crossed dials with ...; keeping one connection", and
#   no warning naming RN_EDUPLICATE.
# - A frozen peer. With the two in step, France is frozen again and Ireland publishes three
#   entries. Ireland's `peers` must show France still connected but 3 entries behind us
#   (`peer_behind`, IT-LACKS in the table) and silent for a growing time (`idle_ms`, IDLE), with
#   none behind it (`entries_behind`); once France is thawed, both come back to zero.
# - The demo's ports. Ireland's peer port is taken: `tools/demo.sh --check-ports` with DEMO_PORT
#   two below it must say that port is in use on the terminal and pick the 30 ports after it;
#   with DEMO_PORT_TRIES=1 it must give up with exit status 1, asking for another DEMO_PORT.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init operations "${5:-7}" "$@"

IT_LIMITS="backoff_min_ms = 50
backoff_max_ms = 300"
IT_LOG_LEVEL=debug
for n in IE FR; do it_node_new "$n" "$n"; done

# ---- Crossed dials ----

it_start FR
sleep 0.5 # France dials Ireland, which is not up, and backs off
kill -STOP "${IT_PID[FR]}"
it_start IE
sleep 1 # Ireland's dial reaches France's listen queue; France's next redial falls due
kill -CONT "${IT_PID[FR]}"
it_wait_peers 10 1 IE FR
deadline=$(($(date +%s%3N) + 5000))
until grep -Eq "debug +conn [0-9]+ \((from |(IE|FR) at )127\.0\.0\.1:[0-9]+\): crossed dials with (IE|FR); keeping one connection" \
    "$IT_DIR/IE/recnetd.log" "$IT_DIR/FR/recnetd.log"; do
    [ "$(date +%s%3N)" -le $deadline ] || it_fail "no 'crossed dials' line in either log"
    sleep 0.05
done
for n in IE FR; do
    if grep -E "RN_EDUPLICATE|^[^ ]+ warn .*duplicate" "$IT_DIR/$n/recnetd.log"; then
        it_fail "$n logged a crossed dial as a problem"
    fi
done
it_log "the dials crossed; logged as: $(grep -h "crossed dials" "$IT_DIR"/*/recnetd.log | head -1 | cut -c26-)"

# ---- A frozen peer ----

# peer_field NAME FIELD: FIELD of the one peer in NAME's `peers` (a number).
peer_field() { ctlj "$1" peers | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"; }

it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-ie)")"
it_wait_heads 10 "IE:1" IE FR
[ "$(peer_field IE peer_behind)" = 0 ] || it_fail "FR behind while in step: $(ctlj IE peers)"
kill -STOP "${IT_PID[FR]}"
it_log "FR frozen (SIGSTOP)"
it_spec_series IE IE:uniz/frozen 1 3
deadline=$(($(date +%s%3N) + 10000))
until [ "$(peer_field IE peer_behind)" = 3 ] && [ "$(peer_field IE idle_ms)" -ge 1000 ]; do
    [ "$(date +%s%3N)" -le $deadline ] || it_fail "IE's peers does not show FR 3 behind and idle: $(ctlj IE peers)"
    sleep 0.1
done
idle1=$(peer_field IE idle_ms)
sleep 1
peers=$(ctlj IE peers)
idle2=$(peer_field IE idle_ms)
[ "$idle2" -ge $((idle1 + 800)) ] || it_fail "FR's idle time did not grow: $idle1 then $idle2 ms"
has '"connected":true' "$peers" || it_fail "FR shown disconnected: $peers"
[ "$(peer_field IE entries_behind)" = 0 ] || it_fail "IE shown behind FR: $peers"
table=$(ctl IE peers)
echo "$table"
has "IT-LACKS" "$table" && has "IDLE" "$table" && has "NEXT-DIAL" "$table" ||
    it_fail "the peers table lacks its columns"
echo "$table" | grep -Eq "^FR +out|^FR +in" || it_fail "no FR row"
echo "$table" | grep -E "^FR " | grep -Eq " - +0 +3 +[0-9]+\.[0-9]s " ||
    it_fail "FR's row does not show 3 entries it lacks and its idle time"
it_log "IE sees frozen FR: 3 entries behind, idle $idle1 then $idle2 ms"
kill -CONT "${IT_PID[FR]}"
it_wait_heads 10 "IE:4" IE FR
deadline=$(($(date +%s%3N) + 10000))
until [ "$(peer_field IE peer_behind)" = 0 ] && [ "$(peer_field IE idle_ms)" -lt 1000 ]; do
    [ "$(date +%s%3N)" -le $deadline ] || it_fail "FR still shown behind after SIGCONT: $(ctlj IE peers)"
    sleep 0.1
done
it_log "FR thawed: in step again"

# ---- The demo's ports ----

busy=${IT_PORT[IE]}
out=$(DEMO_PORT=$((busy - 2)) bash "$IT_SRC/tools/demo.sh" --check-ports 2>&1) ||
    it_fail "demo --check-ports failed: $out"
echo "$out"
has "port $busy on 127.0.0.1 is in use" "$out" || it_fail "the demo did not name port $busy"
first=$(echo "$out" | sed -n 's/.*ports \([0-9]*\)-[0-9]* on 127.0.0.1 are free.*/\1/p')
[ -n "$first" ] && [ "$first" -gt "$busy" ] || it_fail "the demo picked ports from '$first'"
rc=0
out=$(DEMO_PORT=$((busy - 2)) DEMO_PORT_TRIES=1 bash "$IT_SRC/tools/demo.sh" --check-ports 2>&1) || rc=$?
echo "$out"
[ $rc -eq 1 ] || it_fail "demo --check-ports with every try taken: exit $rc, expected 1"
has "port $busy on 127.0.0.1 is in use" "$out" && has "set DEMO_PORT" "$out" ||
    it_fail "the demo did not say which port is taken and what to do"
it_log "the demo steps over port $busy, or asks for DEMO_PORT"

for n in IE FR; do
    [ "$(it_counter "$n" protocol_errors)" = 0 ] || it_fail "$n counted protocol errors"
    it_stop "$n"
done
