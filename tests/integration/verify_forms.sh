#!/usr/bin/env bash
# verify_forms.sh: one verifier of every credential form (api/verifier.h) against a real node,
# through `recnetctl credential verify` and through the gateway's POST /v1/verify. The public
# Open Badges 3.0 conformance samples (tests/fixtures/ob3, its README's table): their issuers are
# registered as NL providers with the keys the samples are signed with, as issuer_keys_ext (a
# did:key, a did:web resolved from the operator's document, a JWK), their specs imported from the
# samples (`spec import`, which binds each spec to its achievement), and DE recognises them by an
# automatic-recognition policy. Then every valid sample is VALID and RECOGNISED, every invalid one
# refused for its own named reason, and the CLI's --json and the gateway's body are the same
# bytes.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init verify_forms "${5:-17}" "$@"

OB3=$IT_FIXTURES/ob3
# The gateway's issuer documents: the did:web issuer's DID document. (The issuer profiles of
# issuer-docs/ list only the RSA keys of the JWT samples, which the providers register here.)
mkdir -p "$IT_DIR/docs"
cp "$OB3/issuer-docs/wellspring-did-web.json" "$IT_DIR/docs/"

NODES=(NL DE)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
it_port_take
HP=$IT_P
it_config NL recnet.ini "[http]
listen = 127.0.0.1:$HP
issuer_docs = $IT_DIR/docs"
# The samples were issued from 2010 on, and a node answers for the registry as it stood at the
# issue date (PROTOCOL.md 13.4): the records are published with the nodes' clocks set back to
# 1999 (tests/integration/clockshift.c), and the verifications made after a restart on the true
# time.
SHIFT_LIB=$(dirname "$POKE")/rn_clockshift.so
SHIFT=$IT_DIR/clockshift
echo $((915148800000 - $(date +%s%3N))) >"$SHIFT" # 1999-01-01
for n in "${NODES[@]}"; do LD_PRELOAD=$SHIFT_LIB RN_CLOCKSHIFT_FILE=$SHIFT it_start "$n"; done
it_wait_peers 15 1 "${NODES[@]}"
BASE=http://127.0.0.1:$HP

# ---- The registry: providers, their keys, the specs imported from the samples ----
IMPORT_FLAGS=(--country NL --qa-status accredited --qa-body NVAO --languages en --isced 0688
    --qa-type external --ects 3 --eqf 6 --assessment portfolio --participation "onsite or blended"
    --supervision "unsupervised with no identity verification" --stackability stand_alone --valid-from 2000-01-01)
ED=z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi
WELLSPRING=did:web:dc.1edtech.org:wellspring2022:wellspring-portal:org:da1e96e9-afcc-4eed-b9a2-2ddf7353214c

# import FILE PROVIDER SPEC [NAME]: the sample's provider and spec, bound to its achievement.
# Some samples' issuers have no name, which a provider record requires: the copy imported gets
# NAME (that of the same issuer in another sample).
import() {
    local out copy=$IT_DIR/data/$(basename "$1")
    jq --arg name "${4:-Issuer of the conformance samples}" \
        '.issuer |= (if type == "string" then {id: ., type: ["Profile"]} else . end)
        | .issuer.name //= $name' "$1" >"$copy"
    out=$("$RECNETCTL" -d "$IT_DIR/NL" --json spec import "$copy" "${IMPORT_FLAGS[@]}" \
        --provider-id "$2" --spec-id "$3" --replace 2>&1) || it_fail "spec import $1: $out"
}

# jwk JWT: the JWK of a token's header.
jwk() {
    cut -d. -f1 <"$1" | tr '_-' '/+' | { read -r h; printf '%s' "$h"; printf '%*s' $(((4 - ${#h} % 4) % 4)) '' | tr ' ' '='; } |
        base64 -d | jq -c .jwk
}

# keys PROVIDER EXT-KEYS-JSON: the provider as the node holds it, with these keys added.
keys() {
    local rec
    rec=$("$RECNETCTL" -d "$IT_DIR/NL" --json provider show "$1") || it_fail "record $1"
    jq --argjson k "$2" '.record | del(.issuer_keys) | .issuer_keys_ext = $k' <<<"$rec" \
        >"$IT_DIR/data/$1.json"
    it_publish NL provider "$IT_DIR/data/$1.json"
}
did() { jq -n --arg k "$1" '{form: "did", key: $k, valid_from: "2000-01-01", valid_until: null}'; }

import "$OB3/simple.json" NL:ex876543 NL:ex876543/teamwork
import "$OB3/simple-eddsa-2022.json" NL:ex876543 NL:ex876543/ach1 "Example Corp"
import "$OB3/simple-did-key-method.json" NL:uuid6f2e NL:uuid6f2e/achievement
import "$OB3/complete.json" NL:edu565049 NL:edu565049/degree
import "$OB3/simple-did-web-method.json" NL:edu565049 NL:edu565049/teamwork
import "$OB3/bitstring-status-revoked.json" NL:edu565049 NL:edu565049/wellspring
import "$OB3/credential-status-revoked.json" NL:wellspring NL:wellspring/achievement
keys NL:ex876543 "[$(did "did:key:$ED"), $(did did:key:z6MknNHHrBzPytzu6CUBP9Lg7fg4KSBjzimc2Frh693YbMiv)]"
keys NL:uuid6f2e "[$(did "did:key:$ED")]"
keys NL:edu565049 "[$(did "did:key:$ED"), $(did did:key:z6Mknyb2Gb4NxzW3xSr9ChTtdQZ1zs77piQ3r9SaJ9vMzmrs),
    $(jq -n --argjson k "$(jwk "$OB3/simple-jwt.jwt")" '{form: "jwk", key: $k, valid_from: "2000-01-01", valid_until: null}')]"
keys NL:wellspring "[$(did "$WELLSPRING")]"
it_publish DE policy "$(it_fill de-policy.json)"
NL_SEQ=$(it_heads_seqs NL | grep -o 'NL:[0-9]*')
it_wait_heads 15 "$NL_SEQ DE:1" "${NODES[@]}"
# A running node follows no step of its wall clock for 600 s: restarted, it starts from the true
# time.
for n in "${NODES[@]}"; do it_stop "$n"; done
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 1 "${NODES[@]}"
it_log "registry: 4 providers with did:key, did:web and JWK keys, 7 specs bound to the samples"

# ---- Verification ----
# Both transports are asked as of one instant (answers carry their time).
AT=$(date +%s%3N)
# verify FILE SPEC WANT-EXIT NEEDLE: the CLI's answer (exit, --json) and the gateway's (200 or an
# error status, the same JSON) agree, and hold NEEDLE.
n_valid=0
n_refused=0
verify() {
    local file=$1 spec=$2 want=$3 needle=$4 rc=0 st q type
    q="country=DE&purpose=employment&spec=$spec&at=$AT"
    "$RECNETCTL" -d "$IT_DIR/NL" --json credential verify "$file" DE employment --spec "$spec" \
        --at "$AT" --issuer-docs "$IT_DIR/docs" >"$IT_DIR/cli.json" 2>"$IT_DIR/cli.err" || rc=$?
    [ "$rc" = "$want" ] ||
        { cat "$IT_DIR/cli.json" "$IT_DIR/cli.err"; it_fail "$(basename "$file"): exit $rc, expected $want"; }
    case "$file" in *.jwt) type=application/jwt ;; *) type=application/vc+ld+json ;; esac
    st=$(curl -sS -o "$IT_DIR/body" -w '%{http_code}' -X POST -H "Content-Type: $type" \
        --data-binary @"$file" "$BASE/v1/verify?$q")
    if [ "$st" = 200 ]; then
        cmp -s "$IT_DIR/body" "$IT_DIR/cli.json" || { diff "$IT_DIR/body" "$IT_DIR/cli.json" | head;
            it_fail "$(basename "$file"): the gateway's answer is not the CLI's"; }
    else
        [ "$want" != 0 ] || it_fail "$(basename "$file"): status $st"
    fi
    has "$needle" "$(cat "$IT_DIR/body")" ||
        { cat "$IT_DIR/body"; it_fail "$(basename "$file"): no \"$needle\" in the answer"; }
    if [ "$want" = 0 ]; then n_valid=$((n_valid + 1)); else n_refused=$((n_refused + 1)); fi
}

VR='"valid_and_recognised": true'
verify "$OB3/simple.json" NL:ex876543/teamwork 0 "$VR"
verify "$OB3/simple-context-alias.json" NL:ex876543/teamwork 0 "$VR"
verify "$OB3/simple-context-version.json" NL:ex876543/teamwork 0 "$VR"
verify "$OB3/simple_v1.json" NL:ex876543/teamwork 0 "$VR"
verify "$OB3/simple-multiple-proofs.json" NL:ex876543/teamwork 0 "$VR"
verify "$OB3/simple-eddsa-2022.json" NL:ex876543/ach1 0 "$VR"
verify "$OB3/simple-did-key-method.json" NL:uuid6f2e/achievement 0 "$VR"
verify "$OB3/simple-did-web-method.json" NL:edu565049/teamwork 0 "$VR"
verify "$OB3/complete.json" NL:edu565049/degree 0 "$VR"
verify "$OB3/bitstring-status-revoked.json" NL:edu565049/wellspring 0 "$VR"
verify "$OB3/credential-status-revoked.json" NL:wellspring/achievement 0 "$VR"
verify "$OB3/simple-jwt.jwt" NL:edu565049/teamwork 0 "$VR"
# Status: not checked without a list, never "not revoked".
has '"name": "status"' "$(cat "$IT_DIR/body")" && has '"not checked"' "$(cat "$IT_DIR/body")" ||
    it_fail "status: not reported as not checked"
it_log "$n_valid valid samples VALID and RECOGNISED in DE, the CLI and the gateway alike"

# Each invalid sample, refused for its own reason (the check named), before the node.
for row in simple-err-context:context simple-err-type:type simple-err-issuer:issuer \
    simple-err-issuer-type:issuer simple-err-issuer-parentorg-type:issuer \
    simple-err-issuer-otheridentifier-type:issuer simple-err-credential-subject-type:credentialSubject \
    simple-err-credential-subject-profile-type:credentialSubject \
    simple-err-credential-subject-identifier-type:identifier \
    simple-err-credential-subject-result-type:result \
    simple-err-credential-subject-achievement-result-description-type:resultDescription \
    simple-err-evidence-type:evidence simple-err-expired:validUntil simple-err-issued:validFrom \
    simple-err-proof-method:key simple-err-proof-method-no-scheme:key \
    simple-err-proof-method-unknown-scheme:key simple-err-proof-method-unknown-did-method:key \
    simple-err-proof-value:proof simple-noproof:proof complete_v1:identifier; do
    verify "$OB3/${row%%:*}.json" NL:ex876543/teamwork 1 "NOT VALID: " 
    has "${row#*:}" "$(jq -r .reason "$IT_DIR/body")" ||
        it_fail "${row%%:*}: not refused for ${row#*:}: $(jq -r .reason "$IT_DIR/body")"
done
verify "$OB3/velocity.jwt" NL:ex876543/teamwork 1 "NOT VALID: signature"
verify "$OB3/simple.jwt" NL:ex876543/teamwork 1 "achievement"
# Right form, wrong registry facts: a key of another provider, a spec bound elsewhere, a proof
# suite not verified here.
verify "$OB3/simple.json" NL:edu565049/degree 1 "is not what spec NL:edu565049/degree was imported from"
verify "$OB3/simple-jwt.jwt" NL:ex876543/teamwork 1 "NOT VALID: "
verify "$OB3/derivedcredential.json" NL:edu565049/teamwork 3 "could not be checked"
verify "$OB3/simple.json" NL:ex876543/none 1 "holds no spec NL:ex876543/none"
it_log "$n_refused invalid credentials refused, each for its own reason, the CLI and the gateway alike"

# ---- The gateway's own refusals ----
st=$(curl -sS -o "$IT_DIR/body" -w '%{http_code}' -X POST -H 'Content-Type: application/jwt' \
    --data-binary @"$OB3/simple.json" "$BASE/v1/verify?country=DE&purpose=employment")
[ "$st" = 415 ] || it_fail "JSON sent as application/jwt: $st"
st=$(curl -sS -o "$IT_DIR/body" -w '%{http_code}' -X POST -H 'Content-Type: image/png' \
    --data-binary @"$OB3/simple.json" "$BASE/v1/verify?country=DE&purpose=employment")
[ "$st" = 415 ] || it_fail "image/png: $st"
st=$(curl -sS -o "$IT_DIR/body" -w '%{http_code}' -X POST --data-binary @"$OB3/simple.json" \
    "$BASE/v1/verify?purpose=employment")
[ "$st" = 400 ] && has '"field": "country"' "$(cat "$IT_DIR/body")" || it_fail "no country: $st"
# Sniffed: a generic type, the form read from the bytes.
st=$(curl -sS -o "$IT_DIR/body" -w '%{http_code}' -X POST -H 'Content-Type: application/octet-stream' \
    --data-binary @"$OB3/simple-jwt.jwt" "$BASE/v1/verify?country=DE&purpose=employment&spec=NL:edu565049/teamwork")
[ "$st" = 200 ] && has "$VR" "$(cat "$IT_DIR/body")" || it_fail "sniffed VC-JWT: $st"
it_log "media types: specific ones checked against the body, generic ones sniffed"
for n in "${NODES[@]}"; do it_stop "$n"; done
it_log "PASS"
