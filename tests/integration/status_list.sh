#!/usr/bin/env bash
# status_list.sh: a provider's revocations as a W3C Bitstring Status List credential
# (PROTOCOL.md 13.7), end to end. Ireland's node publishes the awarding body IE:uniz and three
# revocations of its credentials: one with status index 94567 in force, one with index 7 dated
# in the future, one without an index. `recnetctl status-list export` and `GET /v1/status/IE:uniz`
# give the list, signed by the did:key of Ireland's node key; credentials that rn_sign_vc signs
# with a did:key, each naming the list in its credentialStatus, are then checked offline with
# `recnetctl credential check --status-list`: REVOKED (exit 1) for index 94567, not revoked
# (exit 0) for 94566 and for 7; a list exported as of a time before the revocation passes 94567.
# France's node refuses to sign Ireland's list (RN_EROLE naming Ireland's authority), an unknown
# provider is 404, and the same question gives the same bytes. Verified against Ireland's node
# with no list given (`credential verify`, POST /v1/verify), the node's own list is used: 94567
# is NOT VALID naming status, 94566 passes status; France's node leaves it "not checked".
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SIGN=${6:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/${BUILD_DIR:-build}/tests/integration/rn_sign_vc}
it_init status_list "${5:-18}" "$@"
[ -x "$SIGN" ] || it_fail "$SIGN is not an executable: build first"

NODES=(IE FR)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
it_port_take
HP=$IT_P
it_config IE recnet.ini "[http]
listen = 127.0.0.1:$HP"
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 1 "${NODES[@]}"
BASE=http://127.0.0.1:$HP
URL=$BASE/v1/status/IE:uniz
D=$IT_DIR/data

IKEY=$(it_keygen issuer-uniz)
it_publish IE provider "$(it_fill ie-provider.json "$IKEY")"
BEFORE=$(date -u +%s%3N)
sleep 0.01
digest() { printf '%s' "$1" | sha256sum | cut -c1-64; }
ctl IE revocation publish --credential "$(digest revoked-94567)" --provider IE:uniz \
    --reason fraud --revoked-at "$BEFORE" --status-index 94567 >/dev/null ||
    it_fail "revocation with status index 94567 refused"
ctl IE revocation publish --credential "$(digest future-7)" --provider IE:uniz \
    --reason other --revoked-at 2099-01-01 --status-index 7 >/dev/null ||
    it_fail "revocation with status index 7 refused"
ctl IE revocation publish --credential "$(digest unindexed)" --provider IE:uniz \
    --reason issued_in_error --revoked-at "$BEFORE" >/dev/null ||
    it_fail "revocation without status index refused"
# The record shows its index, and the index is bounded.
ctl IE --json log IE --from 2 --max 1 | grep -Eq '"status_index": ?94567' ||
    it_fail "the revocation's status_index is not in the log"
it_expect_rc 3 "status index 2^20" ctl IE revocation publish --credential "$(digest big)" \
    --provider IE:uniz --reason fraud --revoked-at 2024-01-01 --status-index 1048576
grep -q 'revocation.status_index' "$IT_DIR/last.out" || it_fail "2^20: field not named"
it_wait_heads 15 "IE:4" "${NODES[@]}"
AT=$(date -u +%s%3N)

# The CLI's export.
ctl IE status-list export IE:uniz --at "$AT" --url "$URL" -o "$D/cli-list.json" >"$D/export.out" ||
    it_fail "status-list export: $(cat "$D/export.out")"
grep -q '1 of 1048576 entries revoked' "$D/export.out" || it_fail "export: $(cat "$D/export.out")"
grep -q '1 revocations carry no status index' "$D/export.out" ||
    it_fail "export does not count the unindexed revocation: $(cat "$D/export.out")"
grep -q 'issuer  did:key:z6Mk' "$D/export.out" || it_fail "export: no did:key issuer"
ctl IE status-list export IE:uniz --at "$AT" --url "$URL" -o "$D/cli-list2.json" >/dev/null
cmp -s "$D/cli-list.json" "$D/cli-list2.json" || it_fail "the same question gave other bytes"
ctl IE status-list export IE:uniz --at "$BEFORE" --url "$URL" -o "$D/cli-before.json" >/dev/null

# The gateway's.
st=$(curl -sS -o "$D/http-list.json" -w '%{http_code} %{content_type}' "$URL?at=$AT")
[ "$st" = "200 application/vc+ld+json" ] || it_fail "GET /v1/status/IE:uniz: $st"
python3 - "$D/http-list.json" "$D/cli-list.json" "$URL" <<'PY' || it_fail "gateway's list"
import json, sys
h = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
assert h["id"] == sys.argv[3], h["id"]
assert h == c, "the gateway's list differs from the CLI's"
assert h["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
assert h["credentialSubject"]["encodedList"].startswith("u")
assert h["proof"]["cryptosuite"] == "eddsa-jcs-2022"
assert h["proof"]["verificationMethod"].startswith(h["issuer"] + "#")
PY
st=$(curl -sS -o "$D/body" -w '%{http_code}' "$BASE/v1/status/IE:nobody")
[ "$st" = 404 ] || it_fail "unknown provider: status $st"
grep -q RN_ENOTFOUND "$D/body" || it_fail "unknown provider: $(cat "$D/body")"

# Only the provider's authority signs its list.
it_expect_rc 5 "France exports Ireland's list" ctl FR status-list export IE:uniz
grep -q "RN_EROLE" "$IT_DIR/last.out" || it_fail "France: not RN_EROLE: $(cat "$IT_DIR/last.out")"
grep -q "IE's authority rn1:" "$IT_DIR/last.out" ||
    it_fail "France does not name Ireland's authority: $(cat "$IT_DIR/last.out")"

# Credentials of the provider, each naming the list, signed with a did:key.
mkcred() {
    python3 - "$IT_FIXTURES/ob3/bitstring-status-revoked.json" "$URL" "$1" >"$D/tmpl-$1.json" <<'PY'
import json, sys
vc = json.load(open(sys.argv[1]))
del vc["proof"]
vc["id"] = "urn:uuid:status-list-test-" + sys.argv[3]
vc["credentialStatus"] = {"id": sys.argv[2] + "#" + sys.argv[3], "type": "BitstringStatusListEntry",
                          "statusPurpose": "revocation", "statusListIndex": sys.argv[3],
                          "statusListCredential": sys.argv[2]}
print(json.dumps(vc))
PY
    "$SIGN" "integration issuer IE:uniz" "$D/tmpl-$1.json" "$D/cred-$1.json" || it_fail "rn_sign_vc $1"
}
for i in 94567 94566 7; do mkcred "$i"; done
check() { "$RECNETCTL" credential check "$D/cred-$1.json" --status-list "$2"; }
for list in "$D/http-list.json" "$D/cli-list.json"; do
    it_expect_rc 1 "index 94567 against $list" check 94567 "$list"
    grep -q 'REVOKED: entry 94567' "$IT_DIR/last.out" || { cat "$IT_DIR/last.out"; it_fail "94567 not REVOKED"; }
    grep -q 'status list proof.*eddsa-jcs-2022 by its issuer did:key' "$IT_DIR/last.out" ||
        { cat "$IT_DIR/last.out"; it_fail "the list's proof is not verified"; }
    it_expect_rc 0 "index 94566 against $list" check 94566 "$list"
    grep -q 'not revoked: entry 94566' "$IT_DIR/last.out" || { cat "$IT_DIR/last.out"; it_fail "94566"; }
    it_expect_rc 0 "index 7 (revoked in 2099) against $list" check 7 "$list"
done
it_expect_rc 0 "index 94567 against the list as of before its revocation" check 94567 "$D/cli-before.json"
# A list whose bits were changed after it was signed is refused for its proof.
python3 - "$D/http-list.json" "$D/cli-before.json" >"$D/forged.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
a["credentialSubject"]["encodedList"] = b["credentialSubject"]["encodedList"]
print(json.dumps(a))
PY
it_expect_rc 1 "index 94567 against a forged list" check 94567 "$D/forged.json"
grep -q 'status list proof.*does not verify' "$IT_DIR/last.out" ||
    { cat "$IT_DIR/last.out"; it_fail "the forged list's proof passed"; }
# revocation publish --status-from: the index read from the credential itself.
mkcred 123
ctl IE revocation publish --provider IE:uniz --credential "$(digest cred-123)" --reason fraud \
    --revoked-at "$BEFORE" --status-from "$D/cred-123.json" >/dev/null ||
    it_fail "revocation publish --status-from refused"
ctl IE --json log IE --from 5 --max 1 | grep -Eq '"status_index": ?123' ||
    it_fail "--status-from did not set the index"
python3 - "$D/cred-123.json" >"$D/cred-other.json" <<'PY'
import json, sys
vc = json.load(open(sys.argv[1]))
vc["credentialStatus"]["statusListCredential"] = "https://elsewhere.example/v1/status/IE:other"
print(json.dumps(vc))
PY
it_expect_rc 3 "--status-from a credential naming another list" ctl IE revocation publish \
    --provider IE:uniz --credential "$(digest other)" --reason fraud --revoked-at "$BEFORE" \
    --status-from "$D/cred-other.json"
grep -q 'names no revocation entry of the status list of this provider' "$IT_DIR/last.out" ||
    it_fail "--status-from another list: $(cat "$IT_DIR/last.out")"
it_wait_heads 15 "IE:5" "${NODES[@]}"
curl -sS -o "$D/http-list-now.json" "$URL"
it_expect_rc 1 "index 123 against the list now" check 123 "$D/http-list-now.json"
grep -q 'REVOKED: entry 123' "$IT_DIR/last.out" || { cat "$IT_DIR/last.out"; it_fail "123 not REVOKED"; }

# Verified against the node (credential verify, POST /v1/verify) with no list supplied: the
# credential names Ireland's list, so Ireland's node is asked for it (status.list) and the
# status checked against it. The provider registers the credentials' did:key; a spec is given.
SPEC_ID=IE:uniz/mc-c012
it_publish IE spec "$(it_fill ie-spec.json)"
VKEY=$(jq -r '.issuer.id // .issuer' "$D/cred-94567.json")
ctl IE --json provider show IE:uniz | jq --arg k "$VKEY" '.record | .issuer_keys_ext =
    [{form: "did", key: $k, valid_from: "2000-01-01", valid_until: null}]' >"$D/uniz-keys.json"
it_publish IE provider "$D/uniz-keys.json"
it_wait_heads 15 "IE:7" "${NODES[@]}"
# vfy NODE INDEX WANT-EXIT: the CLI's --json answer, against NODE, in $D/vfy.json.
vfy() {
    local rc=0
    ctl "$1" --json credential verify "$D/cred-$2.json" IE employment --spec "$SPEC_ID" \
        >"$D/vfy.json" 2>"$D/vfy.err" || rc=$?
    [ "$rc" = "$3" ] || { cat "$D/vfy.json" "$D/vfy.err"; it_fail "verify $2 at $1: exit $rc, want $3"; }
}
# status_is FILE RESULT NEEDLE: the answer's status check has RESULT and NEEDLE in its reason.
status_is() {
    jq -e --arg r "$2" --arg n "$3" '.credential.checks[] | select(.name == "status")
        | select(.result == $r and (.reason | contains($n)))' "$1" >/dev/null ||
        { cat "$1"; it_fail "$1: status is not $2 with \"$3\""; }
}
vfy IE 94567 1
grep -q 'NOT VALID: status' "$D/vfy.json" || { cat "$D/vfy.json"; it_fail "94567: not NOT VALID: status"; }
status_is "$D/vfy.json" fail "REVOKED: entry 94567"
jq -e '.node_asked == false' "$D/vfy.json" >/dev/null || it_fail "94567: the claim was still made"
q="country=IE&purpose=employment&spec=$SPEC_ID"
st=$(curl -sS -o "$D/post.json" -w '%{http_code}' -X POST -H 'Content-Type: application/vc+ld+json' \
    --data-binary @"$D/cred-94567.json" "$BASE/v1/verify?$q")
[ "$st" = 200 ] || { cat "$D/post.json"; it_fail "POST /v1/verify 94567: status $st"; }
grep -q 'NOT VALID: status' "$D/post.json" || { cat "$D/post.json"; it_fail "POST 94567: not NOT VALID: status"; }
status_is "$D/post.json" fail "REVOKED: entry 94567"
# Not revoked: the claim is made; the node finds it valid (no country decided to recognise it).
vfy IE 94566 1
status_is "$D/vfy.json" pass "not revoked: entry 94566"
jq -e '.node_asked and .node.valid' "$D/vfy.json" >/dev/null || it_fail "94566: the node's verify was not asked"
st=$(curl -sS -o "$D/post.json" -w '%{http_code}' -X POST -H 'Content-Type: application/vc+ld+json' \
    --data-binary @"$D/cred-94566.json" "$BASE/v1/verify?$q")
[ "$st" = 200 ] || { cat "$D/post.json"; it_fail "POST /v1/verify 94566: status $st"; }
status_is "$D/post.json" pass "not revoked: entry 94566"
# France's node does not sign Ireland's list: not checked, and why; never "not revoked".
ctl FR --json credential verify "$D/cred-94567.json" IE employment --spec "$SPEC_ID" >"$D/vfy-fr.json" 2>&1 || true
status_is "$D/vfy-fr.json" "not checked" "signed by the authority of IE; this node is not it"
it_log "status_list: ok"
