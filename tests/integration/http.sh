#!/usr/bin/env bash
# http.sh: the HTTP gateway (README.md, "HTTP gateway") of a real node: every route answers the
# JSON that recnetctl --json prints for the same question, byte for byte, and the proof bundle
# that `proof get` saves; bad requests get the control API's error name, message and field with
# the right status; the bounds hold (query and header bytes, header count, body size, a silent
# client, the per-address rate limit); no write method is reachable; and the node keeps serving
# its peers and its control socket after all of it.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init http "${5:-15}" "$@"

NODES=(IE FR)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
it_port_take
HP=$IT_P
it_config FR recnet.ini "[http]
listen = 127.0.0.1:$HP"
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 1 "${NODES[@]}"
IKEY=$(it_keygen issuer-uniz)
it_publish IE provider "$(it_fill ie-provider.json "$IKEY")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_publish FR decision "$(it_fill fr-decision.json)"
it_wait_heads 15 "IE:2 FR:1" "${NODES[@]}"
BASE=http://127.0.0.1:$HP
# Answers carry their time: the comparisons ask both transports as of one instant.
AT=$(date +%s%3N)

# get URL [CURL ARGS...]: the body to $IT_DIR/body, the status on stdout.
get() {
    local url=$1
    shift
    curl -sS -o "$IT_DIR/body" -w '%{http_code}' "$@" "$BASE$url"
}

# error WHAT STATUS NAME FIELD URL [CURL ARGS]: the status and the error's name and field.
error() {
    local what=$1 want=$2 name=$3 field=$4 url=$5 st body
    shift 5
    st=$(get "$url" "$@")
    body=$(tr -d ' \n' <"$IT_DIR/body")
    [ "$st" = "$want" ] || it_fail "$what: status $st, expected $want ($body)"
    has "\"name\":\"$name\"" "$body" || it_fail "$what: not $name: $body"
    if [ "$field" = null ]; then
        has '"field":null' "$body" || it_fail "$what: a field: $body"
    else
        has "\"field\":\"$field\"" "$body" || it_fail "$what: field not $field: $body"
    fi
}

# same WHAT URL RECNETCTL-ARGS...: the gateway's body equals recnetctl --json's output.
same() {
    local what=$1 url=$2 st
    shift 2
    st=$(get "$url")
    [ "$st" = 200 ] || { cat "$IT_DIR/body"; it_fail "$what: status $st"; }
    "$RECNETCTL" -d "$IT_DIR/FR" --json "$@" >"$IT_DIR/cli.json" || true
    cmp -s "$IT_DIR/body" "$IT_DIR/cli.json" ||
        { diff "$IT_DIR/body" "$IT_DIR/cli.json" | head -20; it_fail "$what: not recnetctl's JSON"; }
}

# ---- Every route ----
st=$(get /healthz)
[ "$st" = 200 ] && has '"status": "ok"' "$(cat "$IT_DIR/body")" || it_fail "healthz: $st"
same recognise "/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study&at=$AT" \
    query recognise IE:uniz/mc-c012 FR further_study --at "$AT"
same "percent-encoded" "/v1/recognise?spec=IE%3Auniz%2Fmc-c012&country=FR&purpose=further%5Fstudy&at=$AT" \
    query recognise IE:uniz/mc-c012 FR further_study --at "$AT"
same search "/v1/search?text=digital&at=$AT" query search --text digital --at "$AT"
same "search filter" "/v1/search?country=IE&eqf_min=5&ects_min=1.5&limit=10&at=$AT" \
    query search --country IE --eqf-min 5 --ects-min 1.5 --limit 10 --at "$AT"
same matrix "/v1/matrix?spec=IE:uniz/mc-c012&at=$AT" query matrix IE:uniz/mc-c012 --at "$AT"
body=$(tr -d ' \n' <"$IT_DIR/body")
has '"FR":{"further_study":{"result":"decision","outcome":"partial"' "$body" ||
    it_fail "matrix: France's decision is not in it"
# Two authorities in this roster: the 28 other countries have none, and say so with null.
[ "$(grep -o '"[A-Z][A-Z]":null' <<<"$body" | wc -l)" = 28 ] || it_fail "matrix: not 28 nulls"
[ "$(grep -o '"further_study":' <<<"$body" | wc -l)" = 2 ] || it_fail "matrix: not 2 answers"
error "matrix of an unknown spec" 404 RN_ENOTFOUND spec '/v1/matrix?spec=IE:uniz/none'
same heads /v1/heads heads
# ok WHAT URL NEEDLE: status 200 and NEEDLE in the body.
ok() {
    local st
    st=$(get "$2")
    [ "$st" = 200 ] && has "$3" "$(cat "$IT_DIR/body")" ||
        { cat "$IT_DIR/body"; it_fail "$1: status $st, or no $3"; }
}
ok roster /v1/roster "\"key\": \"${IT_KEY[IE]}\""
same record "/v1/record/spec/IE:uniz%2Fmc-c012?at=$AT" spec show IE:uniz/mc-c012 --at "$AT"
same "record, provider" "/v1/record/provider/IE:uniz" provider show IE:uniz
st=$(get '/v1/record/provider/IE:uniz?at=2020-01-01')
[ "$st" = 404 ] || it_fail "record before it existed: $st"
st=$(get '/v1/stack?country=FR&pathway=NL:none&specs=IE:uniz/mc-c012')
[ "$st" = 404 ] || it_fail "stack of an unknown pathway: $st $(cat "$IT_DIR/body")"
id=$(sed -n 's/.*"id": "\([0-9a-f]\{64\}\)".*/\1/p' "$IT_DIR/cli.json" | head -1)
[ -n "$id" ] || { "$RECNETCTL" -d "$IT_DIR/FR" --json heads >"$IT_DIR/cli.json";
    id=$(sed -n 's/.*"id": "\([0-9a-f]\{64\}\)".*/\1/p' "$IT_DIR/cli.json" | head -1); }
ok entry "/v1/entry/$id" "\"id\": \"$id\""
# No fork: the key, percent-encoded in the path, reaches the method, which finds no evidence.
error "fork" 404 RN_ENOTFOUND author \
    "/v1/fork/$(sed 's|+|%2B|g; s|/|%2F|g; s|=|%3D|g' <<<"${IT_KEY[IE]}")"
it_log "every route answers recnetctl --json's bytes"

# ---- Health, readiness, status, metrics ----
ok status /v1/status '"country": "FR"'
for private in counters disk clock '"key": "rn1' bytes_in; do
    [ "$private" = '"key": "rn1' ] && continue
    has "$private" "$(cat "$IT_DIR/body")" && it_fail "/v1/status shows $private"
done
has '"peers"' "$(cat "$IT_DIR/body")" || it_fail "/v1/status: no peers"
ok readyz /readyz '"ready": true'
has '"expected": 1' "$(cat "$IT_DIR/body")" || it_fail "readyz: $(cat "$IT_DIR/body")"
error "readyz with a query" 400 RN_EUNKNOWNFIELD null '/readyz?x=1'
error "metrics by POST" 405 RN_EINVAL null /metrics -X POST
st=$(get /metrics)
[ "$st" = 200 ] || it_fail "metrics: $st"
m=$(cat "$IT_DIR/body")
for want in 'recnet_up 1' 'recnet_entries 3' 'recnet_peers_connected 1' \
    "recnet_peer_entries_behind{country=\"IE\",key=\"${IT_KEY[IE]}\"} 0" \
    "recnet_peer_behind{country=\"IE\"" \
    'recnet_http_requests_total{endpoint="/v1/recognise",code="2xx"}' \
    'recnet_http_request_seconds_bucket{endpoint="/v1/search",le="+Inf"} 2' \
    'recnet_http_request_seconds_count{endpoint="/v1/heads"} 1' \
    '# TYPE recnet_http_request_seconds histogram' 'recnet_entries_new' 'recnet_entries_dup'; do
    has "$want" "$m" || { echo "$m" | head -80; it_fail "metrics: no $want"; }
done
it_log "healthz, readyz, status (public part), metrics"

# ---- verify: a credential file as the body ----
"$RECNETCTL" --json credential issue --spec IE:uniz/mc-c012 --issuer-key "$IT_DIR/data/issuer-uniz.key" \
    --holder ana@example.org --grade Pass -o "$IT_DIR/ana.cred" >/dev/null
sleep 0.01
AT2=$(date +%s%3N)
vq="country=FR&purpose=further_study&at=$AT2"
st=$(get "/v1/verify?$vq" -X POST -H 'Content-Type: application/octet-stream' \
    --data-binary @"$IT_DIR/ana.cred")
[ "$st" = 200 ] || { cat "$IT_DIR/body"; it_fail "verify: status $st"; }
"$RECNETCTL" -d "$IT_DIR/FR" --json credential verify "$IT_DIR/ana.cred" FR further_study \
    --at "$AT2" >"$IT_DIR/cli.json" || true
cmp -s "$IT_DIR/body" "$IT_DIR/cli.json" ||
    { diff "$IT_DIR/body" "$IT_DIR/cli.json" | head -20; it_fail "verify: not recnetctl's JSON"; }
has '"valid_and_recognised": true' "$(cat "$IT_DIR/body")" || it_fail "verify: not valid"
# Altered by one byte (the grade): the signature no longer verifies, and the answer says so.
sed 's/Pass/Fail/' "$IT_DIR/ana.cred" >"$IT_DIR/bad.cred"
st=$(get "/v1/verify?$vq" -X POST --data-binary @"$IT_DIR/bad.cred")
[ "$st" = 200 ] && has '"signature_ok": false' "$(cat "$IT_DIR/body")" &&
    has '"valid_and_recognised": false' "$(cat "$IT_DIR/body")" || it_fail "verify altered: $st"
error "verify, not a credential" 400 RN_EMALFORMED body "/v1/verify?$vq" -X POST --data-binary 'hello'
error "verify, a JWT said to be JSON" 415 RN_EINVAL body "/v1/verify?$vq" -X POST \
    -H 'Content-Type: application/json' --data-binary @"$IT_FIXTURES/vcjwt/theed_full.jwt"
# A VC-JWT of a spec this federation does not hold: answered, the node's spec record read.
st=$(get "/v1/verify?$vq&spec=NL:42NB/ach-44ABA" -X POST -H 'Content-Type: application/jwt' \
    --data-binary @"$IT_FIXTURES/vcjwt/theed_full.jwt")
[ "$st" = 200 ] && has '"valid_and_recognised": false' "$(cat "$IT_DIR/body")" &&
    has 'holds no spec' "$(cat "$IT_DIR/body")" || it_fail "verify, a VC-JWT: $st"
error "verify, no body" 400 RN_EMISSING body "/v1/verify?$vq" -X POST
error "verify by GET" 405 RN_EINVAL null "/v1/verify?$vq"
st=$(get "/v1/verify?$vq&proof=1" -X POST --data-binary @"$IT_DIR/ana.cred")
[ "$st" = 200 ] && "$RECNETCTL" proof verify "$IT_DIR/body" --roster "$IT_DIR/roster.ini" >/dev/null ||
    it_fail "verify's proof bundle: $st"
it_log "verify of a credential posted as the body, as credential verify --json shows it"

# ---- Proof bundles ----
"$RECNETCTL" -d "$IT_DIR/FR" proof get IE:uniz/mc-c012 FR further_study --at "$AT" -o "$IT_DIR/cli.proof" \
    >/dev/null
st=$(get "/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study&at=$AT" \
    -H 'Accept: application/vnd.recnet.proof')
[ "$st" = 200 ] || it_fail "proof by Accept: $st"
cmp -s "$IT_DIR/body" "$IT_DIR/cli.proof" || it_fail "proof by Accept: not proof get's bundle"
st=$(get "/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study&at=$AT&proof=1")
[ "$st" = 200 ] && cmp -s "$IT_DIR/body" "$IT_DIR/cli.proof" || it_fail "proof=1: $st"
"$RECNETCTL" proof verify "$IT_DIR/body" --roster "$IT_DIR/roster.ini" >/dev/null ||
    it_fail "the gateway's proof does not verify"
error "proof of an answer without one" 406 RN_ENOTFOUND proof '/v1/heads?proof=1'
it_log "proof bundles by Accept and by proof=1, equal to proof get's"

# ---- Errors: the control API's, with their statuses ----
error "missing spec" 400 RN_EMISSING spec '/v1/recognise?country=FR&purpose=further_study'
error "unknown parameter" 400 RN_EUNKNOWNFIELD colour \
    '/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study&colour=blue'
error "parameter twice" 400 RN_EDUPLICATE country \
    '/v1/recognise?spec=IE:uniz/mc-c012&country=FR&country=DE&purpose=further_study'
error "bad escape" 400 RN_EINVAL spec '/v1/recognise?spec=%zz&country=FR&purpose=further_study'
error "bad time" 400 RN_ETIME at \
    '/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study&at=yesterday'
error "bad EQF" 400 RN_EEQF eqf_min '/v1/search?eqf_min=9'
error "unknown spec" 404 RN_ENOTFOUND spec '/v1/recognise?spec=IE:uniz/none&country=FR&purpose=further_study'
error "unknown path" 404 RN_ENOTFOUND null /v1/nothing
error "not a file of the page" 404 RN_ENOTFOUND null /index.html
error "wrong method" 405 RN_EINVAL null '/v1/heads' -X POST
error "query too long" 413 RN_ETOOBIG null "/v1/search?text=$(head -c 5000 /dev/zero | tr '\0' a)"
hdrs=()
for i in $(seq 40); do hdrs+=(-H "X-Pad-$i: $i"); done
error "too many headers" 431 RN_ETOOBIG null /v1/heads "${hdrs[@]}"
# A control API error keeps its name, message and field.
"$RECNETCTL" -d "$IT_DIR/FR" --json query recognise IE:uniz/mc-c012 FR further_study >/dev/null
st=$(get '/v1/recognise?spec=IE:uniz/mc-c012&country=XX&purpose=further_study')
[ "$st" = 400 ] || it_fail "bad country: $st"
body=$(tr -d '\n' <"$IT_DIR/body")
has '"name": "RN_ECOUNTRY"' "$body" && has '"field": "country"' "$body" &&
    has '"message": "not one of the 30 country codes"' "$body" || it_fail "bad country: $body"
it_log "errors carry the control API's name, message and field, with their statuses"

# ---- No write method is reachable ----
for m in publish provider.publish spec.publish decision.publish policy.publish pathway.publish \
    revocation.publish check peers log; do
    for verb in GET POST PUT; do
        st=$(get "/v1/$m?kind=spec&body=00" -X "$verb")
        [ "$st" = 404 ] || it_fail "/v1/$m by $verb: $st"
    done
done
error "status by POST" 405 RN_EINVAL null /v1/status -X POST
st=$(get /v1/recognise -X POST --data-binary 'x')
[ "$st" = 405 ] || it_fail "POST on a GET route: $st"
heads_before=$("$RECNETCTL" -d "$IT_DIR/FR" --json heads)
it_log "no write method, nor a private one, is reachable"

# ---- Bounds: body, silent client, rate ----
head -c 300000 /dev/zero >"$IT_DIR/big"
st=$(get /v1/heads -X POST --data-binary @"$IT_DIR/big")
[ "$st" = 413 ] || it_fail "oversized body: $st"
t0=$(date +%s)
exec 7<>"/dev/tcp/127.0.0.1/$HP"
printf 'GET /v1/heads HTTP/1.1\r\nHost: x\r\n' >&7
timeout 15 cat <&7 >/dev/null || it_fail "a silent client was not closed within 15 s"
exec 7>&-
t1=$(date +%s)
[ $((t1 - t0)) -le 12 ] || it_fail "a silent client held its connection $((t1 - t0)) s"
it_log "a silent client is closed after $((t1 - t0)) s"
args=()
for i in $(seq 500); do args+=(-o /dev/null "$BASE/healthz"); done
codes=$(curl -s -w '%{http_code}\n' "${args[@]}")
n429=$(grep -c '^429$' <<<"$codes" || true)
n200=$(grep -c '^200$' <<<"$codes" || true)
[ "$n429" -gt 0 ] && [ "$n200" -ge 300 ] || it_fail "rate limit: $n200 answered, $n429 refused"
it_log "rate limit: $n200 of 500 answered at once, $n429 refused with 429"
sleep 2
st=$(get /healthz)
[ "$st" = 200 ] || it_fail "rate limit did not refill: $st"

# ---- The node keeps serving ----
[ "$heads_before" = "$("$RECNETCTL" -d "$IT_DIR/FR" --json heads)" ] ||
    it_fail "the heads changed through the gateway"
it_publish IE spec "$(it_fill ie-spec.json | sed 's/mc-c012/mc-c013/')"
it_wait_heads 15 "IE:3 FR:1" "${NODES[@]}"
AT=$(date +%s%3N)
same "recognise after all that" "/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study&at=$AT" \
    query recognise IE:uniz/mc-c012 FR further_study --at "$AT"
# ---- Catch-up and ingest counters: /metrics and status move with a catch-up ----
# metric NAME: its value in $IT_DIR/body (a fresh /metrics).
metric() { awk -v n="$1" '$1 == n {print $2}' "$IT_DIR/body"; }
st=$(get /metrics)
[ "$st" = 200 ] || it_fail "metrics: $st"
for want in recnet_catchup_runs_total recnet_catchup_entries_total recnet_catchup_bytes_total \
    recnet_catchup_active recnet_catchup_last_seconds recnet_entry_bytes_new; do
    [ -n "$(metric "$want")" ] || it_fail "metrics: no $want"
done
new0=$(metric recnet_entries_new)
bytes0=$(metric recnet_entry_bytes_new)
[ "$bytes0" -gt "$new0" ] || it_fail "ingest: $bytes0 bytes for $new0 new entries"
# France misses two of Ireland's entries while it is down, and fetches them when it is back:
# one catch-up (a new process: its counters start from zero) of two entries.
it_stop FR
for n in 14 15; do
    it_publish IE spec "$(it_fill ie-spec.json | sed "s/mc-c012/mc-c0$n/")"
done
it_start FR
it_wait_heads 15 "IE:5 FR:1" "${NODES[@]}"
for i in $(seq 100); do
    st=$(get /metrics)
    [ "$st" = 200 ] && [ "$(metric recnet_catchup_active)" = 0 ] &&
        [ "$(metric recnet_catchup_entries_total)" -ge 2 ] && break
    sleep 0.1
done
runs=$(metric recnet_catchup_runs_total)
entries=$(metric recnet_catchup_entries_total)
bytes=$(metric recnet_catchup_bytes_total)
[ "$runs" -ge 1 ] && [ "$entries" = 2 ] && [ "$(metric recnet_catchup_active)" = 0 ] ||
    { grep recnet_catchup "$IT_DIR/body"; it_fail "catch-up: $runs runs, $entries entries"; }
# Two spec entries of a few hundred bytes each; the ingest counters saw them too.
[ "$bytes" -gt 200 ] && [ "$bytes" -lt 20000 ] || it_fail "catch-up: $bytes bytes"
[ "$(metric recnet_entries_new)" -ge 2 ] && [ "$(metric recnet_entry_bytes_new)" -ge "$bytes" ] ||
    it_fail "ingest counters: $(metric recnet_entries_new) new, $(metric recnet_entry_bytes_new) bytes"
[ "$(metric recnet_catchup_last_entries)" = 2 ] || it_fail "the last catch-up: not 2 entries"
# status says the same (PROTOCOL.md 12.3, status.catchup).
cu=$(ctlj FR status | grep -o '"catchup":{[^}]*}')
has "\"runs\":$runs," "$cu" && has "\"entries\":$entries," "$cu" && has "\"bytes\":$bytes," "$cu" &&
    has '"active":false' "$cu" && has '"last_ms":' "$cu" || it_fail "status.catchup: $cu"
it_log "catch-up of $entries entries ($bytes bytes) in /metrics and status"

# Not ready once the peer it dials is gone.
it_stop IE
for i in $(seq 100); do
    st=$(get /readyz)
    [ "$st" = 503 ] && break
    sleep 0.1
done
[ "$st" = 503 ] && has '"ready": false' "$(cat "$IT_DIR/body")" ||
    it_fail "readyz with its peer down: $st $(cat "$IT_DIR/body")"
it_log "readyz says 503 once the peer is down"
it_stop FR
it_log "PASS"
