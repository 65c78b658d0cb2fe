#!/usr/bin/env bash
# roster_file.sh: a node without a governed roster takes its roster file's members again on
# SIGHUP, as it would at a restart (README.md, "Governing the roster"; node_roster_replace).
#
# Ireland and France start on a roster file of the two. The Netherlands' node, whose own roster
# file names all three, is refused by both and its entry reaches neither.
#
# - Join. NL is added to the file and IE and FR are sent SIGHUP: each logs the new count, dials
#   NL, and NL's entry reaches both, with no restart.
# - A file without our key. IE is sent SIGHUP over a file that does not name it: it says so and
#   keeps its members (NL stays connected, nothing is lost).
# - Leave. FR is taken out of the file and IE is sent SIGHUP: FR's connection is closed and FR's
#   next entry no longer reaches IE, while NL's still does.
#
# Every wait is bounded.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init roster_file "${5:-19}" "$@"

# without NAME < FILE: the roster file without the section [member NAME].
without() { awk -v s="[member $1]" '/^\[/ { skip = ($0 == s) } !skip'; }

IT_LIMITS="backoff_min_ms = 50
backoff_max_ms = 500
anti_entropy_ms = 500"
for n in IE FR; do it_node_new "$n" "$n"; done
# NL's own roster file names all three; the others' does not name NL yet.
cp "$IT_DIR/roster.ini" "$IT_DIR/roster-nl.ini"
it_node_new NL NL "$IT_DIR/roster-nl.ini"
for n in IE FR NL; do it_start "$n"; done
it_wait_peers 10 1 IE FR
it_publish NL provider "$(it_fill nl-provider-theed.json "$(it_keygen issuer-theed)")"
it_wait_head 5 "${IT_KEY[NL]}" 1 NL
sleep 1.5 # several of NL's redials (backoff at most 500 ms): each is refused
[ -z "$(it_head_of IE "${IT_KEY[NL]}")" ] || it_fail "IE holds NL's entry before NL is a member"
! it_peer_connected IE "${IT_KEY[NL]}" || it_fail "IE is connected to NL before NL is a member"
it_log "NL, not in IE's and FR's roster file, is refused"

# ---- Join ----

it_roster_add "$IT_DIR/roster.ini" NL
for n in IE FR; do kill -HUP "${IT_PID[$n]}"; done
it_wait_head 10 "${IT_KEY[NL]}" 1 IE FR
for n in IE FR; do it_wait_log 5 "$n" "SIGHUP: .*roster.ini: 3 members now"; done
it_wait_peers 10 2 IE FR
it_log "NL added to the file: after SIGHUP IE and FR dial it and hold its entry, no restart"

# ---- A file without our key ----

cp "$IT_DIR/roster.ini" "$IT_DIR/roster-full.ini"
without IE <"$IT_DIR/roster-full.ini" >"$IT_DIR/roster.ini"
! grep -q -F "${IT_KEY[IE]}" "$IT_DIR/roster.ini" || it_fail "IE still in the roster file"
kill -HUP "${IT_PID[IE]}"
it_wait_log 5 IE "SIGHUP: .*our key is not a member there"
cp "$IT_DIR/roster-full.ini" "$IT_DIR/roster.ini"
sleep 0.5
it_peer_connected IE "${IT_KEY[NL]}" || it_fail "IE dropped NL over a roster file without IE"
it_log "a file without IE's own key: IE says so and keeps its members"

# ---- Leave ----

fr_head=$(it_head_of FR "${IT_KEY[FR]}")
without FR <"$IT_DIR/roster-full.ini" >"$IT_DIR/roster.ini"
! grep -q -F "${IT_KEY[FR]}" "$IT_DIR/roster.ini" || it_fail "FR still in the roster file"
grep -q -F "${IT_KEY[IE]}" "$IT_DIR/roster.ini" || it_fail "the roster file lost IE"
kill -HUP "${IT_PID[IE]}"
it_wait_log 5 IE "SIGHUP: .*roster.ini: 2 members now"
deadline=$(($(date +%s%3N) + 5000))
while it_peer_connected IE "${IT_KEY[FR]}"; do
    [ "$(date +%s%3N)" -le $deadline ] || it_fail "IE is still connected to FR after its removal"
    sleep 0.05
done
it_publish FR decision "$(it_fill fr-decision.json)"
it_wait_head 5 "${IT_KEY[FR]}" $((${fr_head:-0} + 1)) FR
cp "$(it_fill nl-provider-uvh.json)" "$IT_DIR/data/nl-2.json"
it_publish NL provider "$IT_DIR/data/nl-2.json"
it_wait_head 10 "${IT_KEY[NL]}" 2 IE
[ "$(it_head_of IE "${IT_KEY[FR]}")" = "${fr_head}" ] ||
    it_fail "FR's entry reached IE after FR left IE's roster file"
it_log "FR taken out of the file: IE closes its connection and takes none of its new entries"
