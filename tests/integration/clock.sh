#!/usr/bin/env bash
# clock.sh: a wall clock that jumps a year ahead for two seconds (a bad NTP answer, issue 10)
# poisons no log (node/README.md, "Clocks").
#
# IE and FR; FR runs with rn_clockshift.so preloaded, which shifts its CLOCK_REALTIME by the
# milliseconds written in a file. FR's wall clock jumps a year ahead: its log warns of the step,
# `status` shows it (clock.step_pending, clock.wall_ahead_ms; recnetctl status's clock line), and
# France decides meanwhile. The
# clock comes back two seconds later (the log says so). The decision reaches IE, and both nodes
# recognise it "as of now"; after FR restarts, its head is not ahead of its clock, it publishes
# another decision, and both nodes answer with that one as of now. Were the decision stamped by
# the jumped wall clock, it and every later entry of France would be a year ahead, answered by
# nobody until then.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init clock "${5:-13}" "$@"

SHIFT_LIB=$(dirname "$POKE")/rn_clockshift.so
[ -f "$SHIFT_LIB" ] || it_fail "$SHIFT_LIB is missing: build first"
SHIFT=$IT_DIR/FR.shift
YEAR_MS=31536000000
echo 0 >"$SHIFT"

# status's clock field $2 of node $1.
clock_field() {
    ctlj "$1" status | sed -n "s/.*\"clock\":{[^}]*\"$2\":\([a-z0-9]*\).*/\1/p"
}
fr_start() { LD_PRELOAD=$SHIFT_LIB RN_CLOCKSHIFT_FILE=$SHIFT it_start FR; }
recognised_by() { # $1 node, $2 the decision id expected
    local out
    out=$(ctlj "$1" query recognise IE:uniz/mc-c012 FR further_study) ||
        it_fail "$1 does not recognise France's decision as of now: $out"
    has "$2" "$out" || it_fail "$1 answers as of now without $2: $out"
}

it_node_new IE IE
it_node_new FR FR
it_start IE
fr_start
it_wait_peers 15 1 IE FR
it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-uniz)")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_wait_heads 15 "IE:2" IE FR
[ "$(clock_field FR step_pending)" = false ] || it_fail "FR: a step pending before any"
it_log "IE's records on both nodes, FR's clock steady"

# The bad answer: a year ahead, for two seconds, while France decides.
echo "$YEAR_MS" >"$SHIFT"
it_wait_log 10 FR "wall clock stepped \+3153[0-9]{7} ms"
[ "$(clock_field FR step_pending)" = true ] || it_fail "FR: status shows no step pending"
out=$(ctl FR status)
has "(a step not followed)" "$out" || it_fail "FR: recnetctl status does not show the step: $out"
ahead=$(clock_field FR wall_ahead_ms)
[ "${ahead:-0}" -gt $((YEAR_MS - 60000)) ] || it_fail "FR: status shows the wall clock $ahead ms ahead"
it_publish FR decision "$(it_fill fr-decision.json)"
sleep 1
echo 0 >"$SHIFT"
it_wait_log 10 FR "wall clock back in line"
[ "$(clock_field FR step_pending)" = false ] || it_fail "FR: the step still pending once back"
[ "$(clock_field FR head_ahead_ms)" = 0 ] || it_fail "FR: its head is ahead of its clock"
it_wait_heads 15 "IE:2 FR:1" IE FR
for n in IE FR; do recognised_by "$n" FR:enic-naric/2025-0042; done
it_log "the step logged and shown in status; the decision made during it answered as of now on both"

# A restart: the log goes on.
it_stop FR
fr_start
[ "$(clock_field FR head_ahead_ms)" = 0 ] || it_fail "FR: its head is ahead of its clock after a restart"
[ "$(clock_field FR publish_refused)" = false ] || it_fail "FR: publishing refused after a restart"
it_wait_peers 15 1 IE FR
it_decision_series FR FR:enic-naric/clock 1 1
it_wait_heads 15 "IE:2 FR:2" IE FR
for n in IE FR; do recognised_by "$n" FR:enic-naric/clock-1; done
it_log "after a restart France's next decision is answered as of now on both"
it_stop FR
it_stop IE
it_log "clock: ok"
