#!/usr/bin/env bash
# roster_live.sh: the governed roster applied live by running nodes (PROTOCOL.md 11.11), with no
# restart.
#
# Three authorities, Ireland, France and the Netherlands, start from one genesis (quorum: a
# majority). Then, each change proposed on one node and approved on others through the control
# API (recnetctl roster propose / approve, no files):
#
# - Join. Portugal is added (2 of 3 signatures). Every node applies version 2; Portugal starts
#   from the genesis and the document of version 2 (roster show --version 2), is dialled and
#   accepted, and its entries reach every node.
# - Leave. The Netherlands is removed (3 of 4). Its connections are closed by the others and its
#   handshakes refused; its own node, which applied the change too, refuses to publish.
# - Planned rotation. France's key is rotated (its old key and one other sign). France's node
#   stops publishing with the old key; with key_file pointed at the new key and SIGHUP it
#   publishes the succession (seq 1 of the new key) and goes on; every node accepts the new
#   key's entries. A proof bundle made before the rotation still verifies (against the roster
#   file of its time; `proof verify --genesis/--change` where recnetctl has it).
# - Compromised rotation. Portugal's key is replaced as compromised, trusting its entries up to
#   seq 1: its entry 2 (held everywhere before) is ignored by queries from then on, which answer
#   that its record was cut off (RN_ESUPERSEDED; 410 from Ireland's HTTP gateway), and after
#   SIGHUP with the new key Portugal's log goes on under it.
#
# Every wait is bounded.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init roster_live "${5:-24}" "$@"

IT_LIMITS="backoff_min_ms = 50
backoff_max_ms = 500
anti_entropy_ms = 500"
for n in IE FR NL; do it_node_new "$n" "$n"; done
G=$IT_DIR/genesis.rc
"$RECNETCTL" roster genesis --roster "$IT_DIR/roster.ini" --federation "roster_live test" -o "$G" \
    >/dev/null || it_fail "roster genesis"
# Portugal is in the roster file (its address), not in the genesis.
it_node_new PT PT
for n in IE FR NL; do
    it_chain_config "$n" "$G"
    # Checkpoints every second: a witnessed bundle across the rotations at the end.
    sed -i -e "s|^\(roster_chain = .*\)$|\1\ncheckpoint_interval = 1|" "$IT_DIR/$n/recnet.base.ini"
    it_config "$n" recnet.ini
done
# Ireland's node also serves the HTTP gateway: a record cut off answers 410 there.
it_port_take
HP=$IT_P
printf '[http]\nlisten = 127.0.0.1:%s\nrate_per_s = 0\n' "$HP" >>"$IT_DIR/IE/recnet.base.ini"
it_config IE recnet.ini
for n in IE FR NL; do it_start "$n"; done
it_wait_peers 10 2 IE FR NL
it_wait_roster 5 1 IE FR NL
it_log "three authorities on version 1 of the governed roster"

# Records for a proof later: Ireland's provider and spec, France's decision on it.
it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-ie)")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_publish FR decision "$(it_fill fr-decision.json)"
it_wait_heads 10 "IE:2 FR:1" IE FR NL

# hash_of JSON: the "hash" of a roster write's result.
hash_of() { echo "$1" | sed -n 's/.*"hash":"\([0-9a-f]*\)".*/\1/p'; }

# ---- Join ----

out=$(ctlj IE roster propose --add "${IT_KEY[PT]}" --country PT) || it_fail "propose add PT: $out"
h=$(hash_of "$out")
[ -n "$h" ] || it_fail "propose gave no hash: $out"
has '"applied":false' "$out" || it_fail "one signature of 2 applied the change: $out"
# The proposal travels as a roster entry: France sees it pending, one signature short.
deadline=$(($(date +%s%3N) + 5000))
until has "\"hash\":\"$h\"" "$(ctlj FR roster show)"; do
    [ "$(date +%s%3N)" -le $deadline ] || it_fail "FR never saw change $h pending: $(ctlj FR roster show)"
    sleep 0.05
done
has '"more_needed":1' "$(ctlj FR roster show)" || it_fail "FR: not one more needed: $(ctlj FR roster show)"
out=$(ctlj FR roster approve "$h") || it_fail "approve on FR: $out"
it_wait_roster 5 2 IE FR NL
it_log "version 2 (PT added) in force on IE, FR, NL"
ctl IE roster show --version 2 -o "$IT_DIR/v2.rc" >/dev/null || it_fail "roster show --version 2"
it_chain_config PT "$G" "$IT_DIR/v2.rc"
it_start PT
it_wait_roster 5 2 PT
it_wait_peers 10 3 IE FR NL PT
pt_prov=$IT_DIR/data/pt-provider.json
sed -e 's/IE:uniz/PT:uniz/' -e 's/"country": "IE"/"country": "PT"/' \
    "$(it_fill ie-provider.json "$(it_keygen issuer-pt)")" >"$pt_prov"
it_publish PT provider "$pt_prov"
it_wait_head 10 "${IT_KEY[PT]}" 1 IE FR NL PT
# The id of PT's entry 1 (its head now): the last entry a compromise will trust.
pt1_id=$(ctlj IE heads | tr '{' '\n' | grep -F "${IT_KEY[PT]}" | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' || true)
[ ${#pt1_id} -eq 64 ] || it_fail "no id for PT's entry 1: $(ctlj IE heads)"
it_log "PT joined without a restart: its entry reached every node"

# ---- Leave ----

out=$(ctlj IE roster propose --remove "${IT_KEY[NL]}") || it_fail "propose remove NL: $out"
h=$(hash_of "$out")
ctlj FR roster approve "$h" >/dev/null || it_fail "approve remove on FR"
sleep 0.3
# 4 authorities: 3 signatures.
[ "$(it_roster_version IE)" = 2 ] || it_fail "2 of 4 signatures applied the removal"
ctlj PT roster approve "$h" >/dev/null || it_fail "approve remove on PT"
it_wait_roster 5 3 IE FR PT NL
deadline=$(($(date +%s%3N) + 5000))
while it_peer_connected IE "${IT_KEY[NL]}" || it_peer_connected FR "${IT_KEY[NL]}" ||
    it_peer_connected PT "${IT_KEY[NL]}"; do
    [ "$(date +%s%3N)" -le $deadline ] || it_fail "NL still connected 5 s after its removal"
    sleep 0.05
done
it_wait_log 5 NL "our key .* was removed at version 3"
if out=$(ctl NL --json provider publish "$(it_fill nl-provider-uvh.json)" 2>&1); then
    it_fail "NL published after its removal: $out"
fi
has "RN_ESUPERSEDED" "$out" || it_fail "NL's refusal does not say why: $out"
sleep 1
it_peer_connected IE "${IT_KEY[NL]}" && it_fail "NL got back in"
it_log "NL removed: disconnected, its handshakes refused, its node publishes nothing"

# ---- Planned rotation (France) ----

ctl FR proof get IE:uniz/mc-c012 FR further_study -o "$IT_DIR/proof-before.bin" >/dev/null ||
    it_fail "proof get before the rotation"
FR_NEW=$("$RECNETCTL" keygen "$IT_DIR/FR/new.key" | grep -o 'rn1:[A-Za-z0-9+/=]*' | head -1)
out=$(ctlj FR roster propose --rotate "${IT_KEY[FR]}" --new-key "$FR_NEW") ||
    it_fail "propose rotate FR: $out"
h=$(hash_of "$out")
ctlj IE roster approve "$h" >/dev/null || it_fail "approve rotate on IE"
it_wait_roster 5 4 IE FR PT
it_wait_log 5 FR "our key .* was rotated to"
if out=$(ctl FR --json decision publish "$(it_fill fr-decision.json)" --force 2>&1); then
    it_fail "FR published with its rotated key: $out"
fi
has "RN_ESUPERSEDED" "$out" || it_fail "FR's refusal does not say why: $out"
sed -i -e "s|^key_file = .*|key_file = $IT_DIR/FR/new.key|" "$IT_DIR/FR/recnet.base.ini"
grep -q "^key_file = " "$IT_DIR/FR/recnet.base.ini" ||
    sed -i -e "s|^\(roster = .*\)$|\1\nkey_file = $IT_DIR/FR/new.key|" "$IT_DIR/FR/recnet.base.ini"
it_config FR recnet.ini
kill -HUP "${IT_PID[FR]}"
it_wait_log 5 FR "now signing with rn1:"
grep -qF "now signing with $FR_NEW" "$IT_DIR/FR/recnetd.log" || it_fail "FR signs with another key"
it_wait_head 10 "$FR_NEW" 1 IE FR PT
sed -e 's/2025-0042/2025-0043/' "$(it_fill fr-decision.json)" >"$IT_DIR/data/fr-decision-2.json"
it_publish FR decision "$IT_DIR/data/fr-decision-2.json"
it_wait_head 10 "$FR_NEW" 2 IE FR PT
it_wait_peers 10 2 IE FR PT
it_expect_rc 0 "the proof made before the rotation" \
    "$RECNETCTL" proof verify "$IT_DIR/proof-before.bin" --roster "$IT_DIR/roster.ini"
ctl IE roster show --version 3 -o "$IT_DIR/v3.rc" >/dev/null || it_fail "roster show --version 3"
ctl IE roster show --version 4 -o "$IT_DIR/v4.rc" >/dev/null || it_fail "roster show --version 4"
it_expect_rc 0 "the proof made before the rotation, against the chain" \
    "$RECNETCTL" proof verify "$IT_DIR/proof-before.bin" --genesis "$G" \
    --change "$IT_DIR/v2.rc" --change "$IT_DIR/v3.rc" --change "$IT_DIR/v4.rc"
it_log "FR rotated (planned): the log goes on under $FR_NEW; the old proof verifies"

# ---- Compromised rotation (Portugal) ----

sed -e 's/PT:uniz/PT:evil/' "$pt_prov" >"$IT_DIR/data/pt-evil.json"
pt_head=$(it_head_of PT "${IT_KEY[PT]}") # its provider, then its approval of NL's removal
it_publish PT provider "$IT_DIR/data/pt-evil.json"
# ... and a spec under it, and a credential of that spec (issued offline with PT's issuer key).
sed -e 's|IE:uniz|PT:evil|g' "$(it_fill ie-spec.json)" >"$IT_DIR/data/pt-evil-spec.json"
it_publish PT spec "$IT_DIR/data/pt-evil-spec.json"
it_wait_head 10 "${IT_KEY[PT]}" $((pt_head + 2)) IE FR PT
ctl IE provider show PT:evil >/dev/null || it_fail "PT:evil not found before the cut"
"$RECNETCTL" --json credential issue --spec PT:evil/mc-c012 --issuer-key "$IT_DIR/data/issuer-pt.key" \
    --holder ana.andromeda@email.com --grade Pass -o "$IT_DIR/evil.cred" >/dev/null ||
    it_fail "credential issue under PT:evil/mc-c012"
PT_NEW=$("$RECNETCTL" keygen "$IT_DIR/PT/new.key" | grep -o 'rn1:[A-Za-z0-9+/=]*' | head -1)
# No node holds anything of the new key yet ("" from it_head_of, which must not end the script).
held=$(it_head_of IE "$PT_NEW")
[ -z "$held" ] || it_fail "IE holds entries of $PT_NEW before it signs any: $held"
out=$(ctlj IE roster propose --rotate-compromised "${IT_KEY[PT]}" --new-key "$PT_NEW" \
    --last-seq 1 --last-id "$pt1_id") || it_fail "propose rotate-compromised PT: $out"
h=$(hash_of "$out")
ctlj FR roster approve "$h" >/dev/null || it_fail "approve rotate-compromised on FR"
it_wait_roster 5 5 IE FR PT
it_wait_log 5 PT "our key .* was rotated to"
deadline=$(($(date +%s%3N) + 5000))
while ctl IE provider show PT:evil >/dev/null 2>&1; do
    [ "$(date +%s%3N)" -le $deadline ] || it_fail "PT:evil (past the cut) still answered on IE"
    sleep 0.1
done
# The answer says why: the record was cut off with the entry past the cut (not "no such record").
out=$(ctl IE provider show PT:evil 2>&1 || true)
has "RN_ESUPERSEDED" "$out" || it_fail "PT:evil's answer does not say it was cut off: $out"
has "PT:evil is cut off" "$out" || it_fail "PT:evil's answer does not name it: $out"
it_log "IE on PT:evil: $out"
# A credential of the spec cut off: its verification says so too.
out=$(ctl IE credential verify "$IT_DIR/evil.cred" FR further_study 2>&1 || true)
has "PT:evil/mc-c012 is cut off" "$out" || it_fail "the credential's verification does not say why: $out"
it_log "IE verifying a credential of PT:evil/mc-c012: $out"
code=$(curl -sS -o "$IT_DIR/evil.json" -w '%{http_code}' "http://127.0.0.1:$HP/v1/record/provider/PT:evil")
[ "$code" = 410 ] || it_fail "GET /v1/record/provider/PT:evil: $code, not 410: $(cat "$IT_DIR/evil.json")"
grep -q '"RN_ESUPERSEDED"' "$IT_DIR/evil.json" || it_fail "the 410 does not name RN_ESUPERSEDED"
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/v1/record/provider/PT:uniz")
[ "$code" = 200 ] || it_fail "GET /v1/record/provider/PT:uniz: $code"
ctl IE provider show PT:uniz >/dev/null || it_fail "PT:uniz (before the cut) no longer answered"
sed -i -e "s|^key_file = .*|key_file = $IT_DIR/PT/new.key|" "$IT_DIR/PT/recnet.base.ini"
grep -q "^key_file = " "$IT_DIR/PT/recnet.base.ini" ||
    sed -i -e "s|^\(roster = .*\)$|\1\nkey_file = $IT_DIR/PT/new.key|" "$IT_DIR/PT/recnet.base.ini"
it_config PT recnet.ini
kill -HUP "${IT_PID[PT]}"
it_wait_log 5 PT "now signing with rn1:"
grep -qF "now signing with $PT_NEW" "$IT_DIR/PT/recnetd.log" || it_fail "PT signs with another key"
it_wait_head 10 "$PT_NEW" 1 IE FR PT
it_log "PT rotated as compromised: its entry past the cut ignored, its log goes on under $PT_NEW"

# A witnessed bundle after both rotations: France's decision under its new key, covered by
# France's checkpoint (signed with the new key, roster version 5) that a witness cosigned; it
# verifies against the chain of five versions, and the old bundle still does.
ctl FR roster show --version 5 -o "$IT_DIR/v5.rc" >/dev/null || it_fail "roster show --version 5"
deadline=$(($(date +%s%3N) + 15000))
until ctl FR proof get IE:uniz/mc-c012 FR further_study --witnessed 1 \
    -o "$IT_DIR/proof-witnessed.bin" >"$IT_DIR/last.out" 2>&1; do
    [ "$(date +%s%3N)" -le $deadline ] || it_fail "no witnessed bundle on FR: $(cat "$IT_DIR/last.out")"
    sleep 0.2
done
CHAIN=(--genesis "$G" --change "$IT_DIR/v2.rc" --change "$IT_DIR/v3.rc" --change "$IT_DIR/v4.rc"
    --change "$IT_DIR/v5.rc")
it_expect_rc 0 "the witnessed bundle after the rotations, against the chain" \
    "$RECNETCTL" proof verify "$IT_DIR/proof-witnessed.bin" "${CHAIN[@]}" --witnesses 1 --max-age 1h
it_expect_rc 0 "the proof made before the rotation, against the chain of five versions" \
    "$RECNETCTL" proof verify "$IT_DIR/proof-before.bin" "${CHAIN[@]}"
it_log "a witnessed bundle after the rotations verifies against the chain; so does the old one"

# ---- Restarts ----

# The chain and what is pending come back from the replica; a removed key does not start.
fr_head=$(it_head_of FR "$FR_NEW")
it_stop IE
it_start IE
it_wait_roster 5 5 IE
it_wait_peers 10 2 IE
it_wait_head 10 "$FR_NEW" "$fr_head" IE
# The documents of every version come back from the replica too, byte for byte.
for v in 1 3 4 5; do
    ctl IE roster show --version $v -o "$IT_DIR/ie-v$v.rc" >/dev/null ||
        it_fail "roster show --version $v after a restart"
done
cmp -s "$IT_DIR/ie-v1.rc" "$G" || it_fail "version 1 after a restart is not the genesis"
for v in 3 4 5; do
    cmp -s "$IT_DIR/ie-v$v.rc" "$IT_DIR/v$v.rc" || it_fail "version $v after a restart differs"
done
it_stop NL
rc=0
(cd "$IT_DIR/NL" && timeout 10 "$RECNETD" -c recnet.ini) >>"$IT_DIR/NL/recnetd.log" 2>&1 || rc=$?
[ $rc -eq 2 ] || it_fail "NL started with its removed key: exit $rc, expected 2"
grep -q "is not a member of the governed roster at version 3" "$IT_DIR/NL/recnetd.log" ||
    it_fail "NL's refusal to start does not say why"
it_log "IE restarted on version 5 from its replica; NL's removed key refused at start"

for n in IE FR PT; do it_stop "$n"; done
