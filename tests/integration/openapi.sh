#!/usr/bin/env bash
# openapi.sh: the OpenAPI document of the HTTP gateway (api/openapi.json, README.md "HTTP
# gateway") against a real node of a four-authority federation: the node serves the document's
# bytes at /v1/openapi.json; every documented path is asked on the live node (and none answers
# "no such path"); every answer, and the errors of bad requests, has the status, media type and
# the required properties and types the document gives (openapi_check.py, Python's json module).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init openapi "${5:-20}" "$@"
CHECK=$IT_SRC/tests/integration/openapi_check.py
python3 -c 'import json' || it_fail "python3 with its json module is needed"

NODES=(IE FR NL DE)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
it_port_take
HP=$IT_P
it_config NL recnet.ini "[http]
listen = 127.0.0.1:$HP"
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 3 "${NODES[@]}"
it_publish_demo
it_wait_heads 15 "IE:3 FR:1 NL:5 DE:1" "${NODES[@]}"
BASE=http://127.0.0.1:$HP
DOC=$IT_DIR/openapi.json

# The document, as served, is the source file's bytes.
st=$(curl -sS -o "$DOC" -w '%{http_code}' "$BASE/v1/openapi.json")
[ "$st" = 200 ] || it_fail "openapi.json: status $st"
cmp -s "$DOC" "$IT_SRC/api/openapi.json" || it_fail "/v1/openapi.json is not api/openapi.json"

"$RECNETCTL" --json credential issue --spec IE:uniz/mc-c012 --issuer-key "$IT_DIR/data/issuer-uniz.key" \
    --holder ana@example.org --grade Pass -o "$IT_DIR/ana.cred" >/dev/null
HEAD_ID=$("$RECNETCTL" -d "$IT_DIR/NL" --json heads | sed -n 's/.*"id": "\([0-9a-f]\{64\}\)".*/\1/p' | head -1)
IEKEY=$(sed 's|+|%2B|g; s|/|%2F|g; s|=|%3D|g' <<<"${IT_KEY[IE]}")

# ask PATH METHOD STATUS URL [CURL ARGS...]: asks URL, and checks the answer's status against
# STATUS and its body against the document's schema for PATH, METHOD and that status.
declare -A ASKED
ask() {
    local path=$1 method=$2 want=$3 url=$4 st ct
    shift 4
    ASKED[$path]=1
    st=$(curl -sS -o "$IT_DIR/body" -D "$IT_DIR/head" -w '%{http_code}' "$@" "$BASE$url")
    [ "$st" = "$want" ] || { cat "$IT_DIR/body"; it_fail "$method $url: status $st, expected $want"; }
    ct=$(sed -n 's/^[Cc]ontent-[Tt]ype: *\([^;[:space:]]*\).*/\1/p' "$IT_DIR/head" | head -1)
    python3 "$CHECK" "$DOC" "$IT_DIR/body" "$path" "$method" "$st" "$ct" ||
        { head -c 2000 "$IT_DIR/body"; it_fail "$method $url: not as documented"; }
}

ask /v1/recognise get 200 '/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study'
ask /v1/recognise get 200 '/v1/recognise?spec=IE:uniz/mc-c012&country=DE&purpose=employment'
ask /v1/recognise get 200 '/v1/recognise?spec=IE:uniz/mc-c012&country=IE&purpose=both' \
    -H 'Accept: application/vnd.recnet.proof'
ask /v1/recognise get 200 '/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=both&proof=1'
ask /v1/recognise get 400 '/v1/recognise?country=FR&purpose=further_study'
ask /v1/recognise get 404 '/v1/recognise?spec=IE:uniz/none&country=FR&purpose=further_study'
ask /v1/matrix get 200 '/v1/matrix?spec=IE:uniz/mc-c012'
ask /v1/matrix get 200 '/v1/matrix?spec=NL:42NB/ach-44ABA'
ask /v1/search get 200 '/v1/search'
ask /v1/search get 200 '/v1/search?text=digital&eqf_min=5&limit=1'
ask /v1/search get 400 '/v1/search?eqf_min=9'
ask /v1/verify post 200 '/v1/verify?country=FR&purpose=further_study' -X POST \
    --data-binary @"$IT_DIR/ana.cred"
ask /v1/verify post 400 '/v1/verify?country=FR&purpose=further_study' -X POST --data-binary hello
ask /v1/verify post 405 '/v1/verify?country=FR&purpose=further_study'
ask /v1/verify post 200 '/v1/verify?country=FR&purpose=further_study&spec=NL:42NB/ach-44ABA' -X POST \
    -H 'Content-Type: application/jwt' --data-binary @"$IT_FIXTURES/vcjwt/theed_full.jwt"
ask /v1/verify post 415 '/v1/verify?country=FR&purpose=further_study' -X POST \
    -H 'Content-Type: image/png' --data-binary @"$IT_DIR/ana.cred"
ask /v1/stack get 200 '/v1/stack?country=NL&pathway=NL:pathway/minor-psychology&specs=IE:uniz/mc-c012,NL:42NB/ach-44ABA'
ask /v1/stack get 404 '/v1/stack?country=NL&pathway=NL:none&specs=IE:uniz/mc-c012'
ask /v1/report get 200 /v1/report
# The demo's records: Ireland's one spec (EQF 6) and awarding body, the Netherlands' two specs,
# its pathway, France's decision, Germany's policy; nothing for the 26 others.
python3 - "$IT_DIR/body" <<'PY' || it_fail "report: not the demo's counts"
import json, sys
c = json.load(open(sys.argv[1]))["countries"]
assert len(c) == 30, len(c)
assert c["IE"]["providers"] == 1 and c["IE"]["specs"] == 1 and c["IE"]["specs_eqf"] == 1, c["IE"]
assert c["NL"]["providers"] == 2 and c["NL"]["specs"] == 2 and c["NL"]["pathways"] == 1, c["NL"]
assert c["FR"]["decisions"]["total"] == 1 and c["FR"]["decisions"]["partial"] == 1, c["FR"]
assert c["DE"]["policies"]["total"] == 1 and c["DE"]["policies"]["full"] == 1, c["DE"]
idle = [k for k, v in c.items() if k not in ("IE", "NL", "FR", "DE")]
assert all(v["specs"] == 0 and v["decisions"]["total"] == 0 for k, v in c.items() if k in idle)
PY
# recnetctl report: --json prints the gateway's bytes for the same time; the table a row per
# country and the federation's sums.
AT=$(date +%s%3N)
ask /v1/report get 200 "/v1/report?at=$AT"
"$RECNETCTL" -d "$IT_DIR/NL" --json report --at "$AT" >"$IT_DIR/cli.json"
cmp -s "$IT_DIR/body" "$IT_DIR/cli.json" || it_fail "report: recnetctl --json is not the gateway's"
"$RECNETCTL" -d "$IT_DIR/NL" report >"$IT_DIR/report.txt"
[ "$(grep -cE '^(ALL|AT|BE|BG|HR|CY|CZ|DK|EE|FI|FR|DE|GR|HU|IE|IT|LV|LT|LU|MT|NL|PL|PT|RO|SK|SI|ES|SE|IS|LI|NO) ' "$IT_DIR/report.txt")" = 31 ] ||
    { cat "$IT_DIR/report.txt"; it_fail "report: not 30 countries and the sums"; }
grep -qE '^ALL +3 +3 +100% \(3\)' "$IT_DIR/report.txt" ||
    { cat "$IT_DIR/report.txt"; it_fail "report: not the federation's sums"; }
ask /v1/report get 200 '/v1/report?at=2020-01-01'
grep -q '"total": 1' "$IT_DIR/body" && it_fail "report as of 2020: not empty"
ask /v1/report get 400 '/v1/report?at=yesterday'
ask /v1/heads get 200 /v1/heads
ask /v1/heads get 405 /v1/heads -X POST
ask /v1/roster get 200 /v1/roster
ask '/v1/record/{kind}/{id}' get 200 '/v1/record/spec/IE:uniz%2Fmc-c012'
ask '/v1/record/{kind}/{id}' get 200 '/v1/record/provider/IE:uniz'
ask '/v1/record/{kind}/{id}' get 200 '/v1/record/decision/FR:enic-naric%2F2025-0042'
ask '/v1/record/{kind}/{id}' get 200 '/v1/record/policy/DE:kmk%2Fauto-eqf4-6-external-qa'
ask '/v1/record/{kind}/{id}' get 404 '/v1/record/provider/IE:uniz?at=2020-01-01'
ask '/v1/entry/{id}' get 200 "/v1/entry/$HEAD_ID"
ask '/v1/entry/{id}' get 400 '/v1/entry/zz'
ask '/v1/fork/{author}' get 404 "/v1/fork/$IEKEY"
# A spec as an Open Badges 3.0 Achievement and as an ELM LearningAchievementSpecification
# (api/export.h): the gateway's JSON-LD is recnetctl spec export's bytes for the same time, each
# form has its shape and the spec's values, and the errors and exit codes are as documented.
EXAT=$(date +%s%3N)
for form in ob3 elm; do
    ask '/v1/spec/{id}' get 200 "/v1/spec/IE:uniz%2Fmc-c012?as=$form&at=$EXAT"
    grep -qi '^content-type: application/ld+json' "$IT_DIR/head" || it_fail "spec $form: not JSON-LD"
    cp "$IT_DIR/body" "$IT_DIR/spec-$form.json"
    "$RECNETCTL" -d "$IT_DIR/NL" spec export IE:uniz/mc-c012 --as "$form" --at "$EXAT" \
        >"$IT_DIR/cli-$form.json" || it_fail "spec export --as $form: exit $?"
    cmp -s "$IT_DIR/body" "$IT_DIR/cli-$form.json" || it_fail "spec export $form: not the gateway's bytes"
    "$RECNETCTL" -d "$IT_DIR/NL" spec export IE:uniz/mc-c012 --as "$form" --at "$EXAT" \
        -o "$IT_DIR/out-$form.json" 2>/dev/null || it_fail "spec export -o: exit $?"
    cmp -s "$IT_DIR/body" "$IT_DIR/out-$form.json" || it_fail "spec export -o $form: other bytes"
done
python3 - "$IT_DIR/spec-ob3.json" "$IT_DIR/spec-elm.json" <<'PY' || it_fail "spec export: not the demo spec"
import json, sys
o = json.load(open(sys.argv[1]))
e = json.load(open(sys.argv[2]))
assert o["type"] == ["Achievement"] and o["name"] == "Digital micro-credential creation", o
assert o["creator"]["name"] == "University of Zed" and o["ECTS"] == 2, o
assert o["@context"][0] == "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", o
assert {a["targetType"] for a in o["alignment"]} >= {"ext:EQF", "ext:ISCED", "ext:ESCO"}, o
assert e["type"] == "LearningAchievementSpecification", e
assert e["educationLevel"][0]["id"] == "http://data.europa.eu/snb/eqf/6", e
assert e["thematicArea"][0]["id"] == "http://data.europa.eu/snb/isced-f/0688", e
assert e["creditPoint"]["point"] == "2" and len(e["learningOutcome"]) == 2, e
assert e["awardingOpportunity"][0]["awardingBody"]["legalName"] == {"en": "University of Zed"}, e
PY
ask '/v1/spec/{id}' get 200 '/v1/spec/IE:uniz%2Fmc-c012'
ask '/v1/spec/{id}' get 400 '/v1/spec/IE:uniz%2Fmc-c012?as=xml'
ask '/v1/spec/{id}' get 400 '/v1/spec/IE:uniz%2Fmc-c012?as=ob3&kind=provider'
ask '/v1/spec/{id}' get 404 '/v1/spec/IE:uniz%2Fnone?as=elm'
ask '/v1/spec/{id}' get 404 '/v1/spec/IE:uniz%2Fmc-c012?as=ob3&at=2020-01-01'
rc=0; "$RECNETCTL" -d "$IT_DIR/NL" spec export IE:uniz/none --as ob3 >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || it_fail "spec export of an unknown spec: exit $rc, expected 1"
rc=0; "$RECNETCTL" -d "$IT_DIR/NL" spec export IE:uniz/mc-c012 --as xml >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || it_fail "spec export --as xml: exit $rc, expected 2"
rc=0; "$RECNETCTL" -d "$IT_DIR/NL" spec export IE:uniz/mc-c012 >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || it_fail "spec export without --as: exit $rc, expected 2"
rc=0; "$RECNETCTL" -s "$IT_DIR/none.sock" spec export IE:uniz/mc-c012 --as elm >/dev/null 2>&1 || rc=$?
[ "$rc" = 4 ] || it_fail "spec export from no node: exit $rc, expected 4"
it_log "spec export: both forms, the gateway's bytes, exit codes 0, 1, 2, 4"
ask '/v1/status/{provider}' get 200 '/v1/status/NL:42NB'
ask '/v1/status/{provider}' get 400 '/v1/status/IE:uniz'
ask '/v1/status/{provider}' get 404 '/v1/status/NL:nobody'
ask /v1/status get 200 /v1/status
ask /healthz get 200 /healthz
ask /readyz get 200 /readyz
ask /readyz get 400 '/readyz?x=1'
ask /metrics get 200 /metrics
ask /v1/openapi.json get 200 /v1/openapi.json
ask /v1/openapi.json get 405 /v1/openapi.json -X POST
it_log "every answer has the status, media type, properties and types the document gives"

# Every documented path was asked above, and is served (no "no such path").
for p in $(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["paths"]))' "$DOC"); do
    [ -n "${ASKED[$p]:-}" ] || it_fail "documented path $p is not asked by this test"
done
[ "$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/v1/nothing")" = 404 ] || it_fail "/v1/nothing served"
it_log "every documented path is served and checked"
