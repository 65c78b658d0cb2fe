#!/usr/bin/env bash
# answers.sh: what recnetctl's answers show a verifier (PROTOCOL.md section 14): the terms of the
# decision that applies, the spec's title and ECTS, the provider's name, and the statuses of both
# as of the question's time; search hits with their titles; `spec show` and `provider show`; and
# a verification that names its reason when the provider was suspended at the issue date; and
# the two times of PROTOCOL.md 14.1 (--at, --valid-at), with a credential issued before the
# records it rests on were published ("registered retroactively").
#
# Ireland publishes the ELM sample's provider and spec, France its partial decision on it; then
# Ireland withdraws the spec and suspends its provider, and the answers must say so.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init answers "${5:-7}" "$@"

NODES=(IE FR)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 1 "${NODES[@]}"
IKEY=$(it_keygen issuer-uniz)
it_publish IE provider "$(it_fill ie-provider.json "$IKEY")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_publish FR decision "$(it_fill fr-decision.json)"
it_wait_heads 15 "IE:2 FR:1" "${NODES[@]}"

# expect_out WHAT REGEX COMMAND...: COMMAND's output (stdout and stderr) matches REGEX (grep -E).
expect_out() {
    local what=$1 re=$2 out
    shift 2
    out=$("$@" 2>&1 || true)
    grep -Eq -- "$re" <<<"$out" || { echo "$out"; it_fail "$what: no /$re/ in the output"; }
}

# ---- recognise: the terms, the names, the statuses ----
rec() { ctl FR query recognise IE:uniz/mc-c012 FR further_study "$@"; }
expect_out "recognise: the spec's title" '^title +Digital micro-credential creation \(en\)' rec
expect_out "recognise: the spec's ECTS and EQF" '^spec level +2 ECTS, EQF 6' rec
expect_out "recognise: the provider's name" '^provider +IE:uniz: University of Zed \(active\)' rec
expect_out "recognise: recognised ECTS and EQF" '^recognised +1\.5 ECTS, EQF 6' rec
expect_out "recognise: substantial differences" '^differences +workload: Demo decision' rec
expect_out "recognise: appeal route" '^appeal +Demo decision: an appeal goes' rec
expect_out "recognise: validity" '^valid +from 2025-01-01 \(open-ended\)' rec
expect_out "recognise: spec status" '^spec status +active' rec
json=$(ctlj FR query recognise IE:uniz/mc-c012 FR further_study)
for want in '"provider_name":"UniversityofZed"' '"ects":1.5' '"eqf":6' '"spec_status":"active"' \
    '"provider_status":"active"' '"spec_title":{"en":"Digitalmicro-credentialcreation"}' \
    '"valid_from":"2025-01-01"' '"valid_until":null' '"supersedes":null' '"spec_ects":2'; do
    has "$want" "$json" || it_fail "recognise --json: no $want in $json"
done
it_log "recognise shows the terms, the names and the statuses"

# ---- search, spec show, provider show ----
expect_out "search: title, ECTS, EQF, provider" \
    'IE:uniz/mc-c012 +Digital micro-credential creation +2 +6 +University of Zed \(IE:uniz\)' \
    ctl FR query search --country IE
expect_out "spec show: the title" '^title +en: Digital micro-credential creation' \
    ctl FR spec show IE:uniz/mc-c012
expect_out "spec show: the outcomes as a table" '^TEXT +ESCO' ctl FR spec show IE:uniz/mc-c012
expect_out "spec show: the prerequisites" '^prerequisites +The learner needs' \
    ctl FR spec show IE:uniz/mc-c012
expect_out "provider show: the legal name" '^legal_name +University of Zed' \
    ctl FR provider show IE:uniz
has "$IKEY" "$(ctl FR provider show IE:uniz)" || it_fail "provider show: no issuer key $IKEY"
has '"legal_name":"UniversityofZed"' "$(ctlj FR provider show IE:uniz)" ||
    it_fail "provider show --json: no legal name"
it_expect_rc 1 "spec show before it existed" ctl FR spec show IE:uniz/mc-c012 --at 2020-01-01
it_expect_rc 1 "provider show of an unknown id" ctl FR provider show IE:nope
it_log "search shows titles and providers; spec show and provider show print the records"

# ---- the spec is withdrawn, the provider suspended ----
T_BEFORE=$(date +%s%3N)
sleep 0.01
ctl IE --json spec publish "$IT_DIR/data/ie-spec.json" --status withdrawn >/dev/null ||
    it_fail "spec withdrawal refused"
ctl IE --json provider publish "$IT_DIR/data/ie-provider.json" --status suspended >/dev/null ||
    it_fail "provider suspension refused"
it_wait_heads 15 "IE:4 FR:1" "${NODES[@]}"
ISSUED=$(date +%s%3N)
expect_out "recognise: the withdrawal, prominently" '^spec status +WITHDRAWN \(since its version of' rec
expect_out "recognise: still the decision's outcome" '^result +decision: partial' rec
expect_out "recognise: the suspension" '^provider +IE:uniz: University of Zed \(SUSPENDED since its version of' rec
expect_out "recognise before: active" '^spec status +active' rec --at "$T_BEFORE"
has '"spec_status":"withdrawn"' "$(ctlj FR query recognise IE:uniz/mc-c012 FR further_study)" ||
    it_fail "recognise --json: no withdrawn status"
CRED=$(printf '%064d' 7)
vfy() { ctl FR query verify --spec IE:uniz/mc-c012 --issuer-key "$IKEY" --issued-at "$1" --credential "$CRED" FR further_study; }
expect_out "verify after the suspension: the reason" \
    '^issuer +provider IE:uniz was SUSPENDED at the issue date' vfy "$ISSUED"
expect_out "verify after the withdrawal: the spec's reason" \
    '^spec +IE:uniz/mc-c012: WITHDRAWN at the issue date' vfy "$ISSUED"
has '"issuer_reason":"provider_suspended"' "$(ctlj FR query verify --spec IE:uniz/mc-c012 \
    --issuer-key "$IKEY" --issued-at "$ISSUED" --credential "$CRED" FR further_study || true)" ||
    it_fail "verify --json: no issuer_reason provider_suspended"
expect_out "verify before: the key was the provider's" '^issuer +the key was IE:uniz' vfy "$T_BEFORE"
it_expect_rc 1 "verify after the suspension" vfy "$ISSUED"
it_log "a withdrawal and a suspension are stated, and verify names its reason"

# ---- two times (PROTOCOL.md 14.1, 14.4): known now, valid at an earlier time ----
expect_out "recognise valid before the withdrawal: active" '^spec status +active' \
    rec --valid-at "$T_BEFORE"
expect_out "recognise valid before: the valid time shown" '^valid at ' rec --valid-at "$T_BEFORE"
expect_out "recognise known before, valid now: active" '^spec status +active' \
    rec --at "$T_BEFORE" --valid-at "$ISSUED"
# A credential issued in 2024, before Ireland's records were published, within their dates (the
# key from 2022, the spec from the end of 2022): valid as known now, registered retroactively.
expect_out "verify of 2024: the key registered retroactively" \
    '^issuer +the key was IE:uniz.s, and IE:uniz active, at the issue date, registered retroactively on ' \
    vfy 2024-06-01
expect_out "verify of 2024: the spec registered retroactively" \
    '^spec +IE:uniz/mc-c012: active and valid at the issue date, registered retroactively on ' \
    vfy 2024-06-01
has '"spec_registered":"' "$(ctlj FR query verify --spec IE:uniz/mc-c012 --issuer-key "$IKEY" \
    --issued-at 2024-06-01 --credential "$CRED" FR further_study || true)" ||
    it_fail "verify --json: no registered_retroactively.spec_registered"
it_log "known at and valid at: statuses at a valid time, credentials verified retroactively"
for n in "${NODES[@]}"; do it_stop "$n"; done
