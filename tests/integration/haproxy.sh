#!/usr/bin/env bash
# haproxy.sh: the scale-out recipe (README.md, "Scale-out"): HAProxy, run from the committed
# tools/haproxy/recnet.cfg, in front of three read-only mirrors of a federation of two
# authorities. Under load from four keep-alive clients through HAProxy, one mirror is killed
# (SIGKILL); HAProxy's /readyz check marks it down, which the test reads from HAProxy's stats
# socket. No request may fail after that moment; requests in flight at the kill may fail only
# before it, at most one per client (and HAProxy's retries with redispatch should leave none).
# The other two mirrors carry the load on, and the killed mirror, started again, is marked up and
# served again. Last, with an authority stopped, the mirrors stay alive but are not ready: HAProxy
# takes all three out and answers 503 itself, and puts them back once the authority returns.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init haproxy "${5:-22}" "$@"
command -v haproxy >/dev/null || it_fail "haproxy is not installed (make deps installs it)"

CLIENTS=4     # concurrent keep-alive clients
PER_BATCH=40  # requests per curl run (one connection)
MAX_BATCHES=500
LOAD_S=60     # hard bound on the load, whatever happens

AUTH=(IE FR)
MIRRORS=(mirror1 mirror2 mirror3)
declare -A HTTP=() # mirror -> its gateway port
for n in "${AUTH[@]}"; do it_node_new "$n" "$n"; done

# mirror_new NAME: a node that is a mirror in the roster, without an address (it dials the
# authorities, nobody dials it), with its gateway on a fresh port and no per-address rate limit.
mirror_new() {
    local name=$1 key
    it_port_take
    "$RECNETCTL" --json init "$IT_DIR/$name" --country FR --listen "127.0.0.1:$IT_P" \
        --roster "$IT_DIR/roster.ini" >"$IT_DIR/$name.init.json" || it_fail "init $name"
    key=$(sed -n 's/.*"key": "\(rn1:[^"]*\)".*/\1/p' "$IT_DIR/$name.init.json")
    [ -n "$key" ] || it_fail "init $name: no key"
    "$RECNETCTL" roster add --roster "$IT_DIR/roster.ini" --name "$name" --role mirror \
        --key "$key" >/dev/null || it_fail "roster add $name"
    install -m 600 "$IT_DIR/network.key" "$IT_DIR/$name/network.key"
    cp "$IT_DIR/$name/recnet.ini" "$IT_DIR/$name/recnet.base.ini"
    it_port_take
    HTTP[$name]=$IT_P
    it_config "$name" recnet.ini "[http]
listen = 127.0.0.1:$IT_P
rate_per_s = 0"
}
for m in "${MIRRORS[@]}"; do mirror_new "$m"; done
for n in "${AUTH[@]}" "${MIRRORS[@]}"; do it_start "$n"; done
it_wait_peers 15 2 "${MIRRORS[@]}"
IKEY=$(it_keygen issuer-uniz)
it_publish IE provider "$(it_fill ie-provider.json "$IKEY")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_publish FR decision "$(it_fill fr-decision.json)"
it_wait_heads 15 "IE:2 FR:1" "${AUTH[@]}" "${MIRRORS[@]}"

# ready NAME: the mirror's /readyz status.
ready() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${HTTP[$1]}/readyz" || true; }
for m in "${MIRRORS[@]}"; do
    for i in $(seq 100); do
        [ "$(ready "$m")" = 200 ] && break
        sleep 0.1
    done
    [ "$(ready "$m")" = 200 ] || it_fail "$m: /readyz is not 200"
done
it_log "two authorities, three mirrors replicating from them, each mirror ready"

# ---- HAProxy, foreground, unprivileged, from the committed configuration ----
it_port_take
LB=$IT_P
it_port_take
STATS=$IT_P
cp "$IT_SRC/tools/haproxy/recnet.cfg" "$IT_DIR/haproxy.cfg"
export RECNET_LB_BIND=127.0.0.1:$LB RECNET_LB_STATS=127.0.0.1:$STATS
export RECNET_MIRROR1=127.0.0.1:${HTTP[mirror1]} RECNET_MIRROR2=127.0.0.1:${HTTP[mirror2]}
export RECNET_MIRROR3=127.0.0.1:${HTTP[mirror3]}
# Every request here comes from 127.0.0.1: the per-client limit would be the test's own.
export RECNET_LB_RATE=1000000
haproxy -c -q -f "$IT_DIR/haproxy.cfg" || it_fail "haproxy -c refuses tools/haproxy/recnet.cfg"
haproxy -db -f "$IT_DIR/haproxy.cfg" </dev/null >"$IT_DIR/haproxy.log" 2>&1 &
HAP=$!

hap_fail() {
    echo "---- last lines of $IT_DIR/haproxy.log"
    tail -n 20 "$IT_DIR/haproxy.log"
    it_fail "$@"
}

# hap_stat: HAProxy's `show stat` CSV, from its stats socket (TCP, one command per connection).
hap_stat() {
    local out
    { exec 3<>"/dev/tcp/127.0.0.1/$STATS"; } 2>/dev/null || return 1
    printf 'show stat\n' >&3
    out=$(timeout 2 cat <&3) || true
    exec 3>&-
    printf '%s\n' "$out"
}
# field SERVER COLUMN: a column of the mirrors backend's row for SERVER (or BACKEND) in `show
# stat` (8 stot, 16 wretr, 17 wredis, 18 status).
field() { hap_stat | awk -F, -v s="$1" -v c="$2" '$1 == "mirrors" && $2 == s { print $c }'; }

for i in $(seq 200); do
    kill -0 $HAP 2>/dev/null || hap_fail "haproxy exited"
    up=0
    for m in "${MIRRORS[@]}"; do [ "$(field "$m" 18)" = UP ] && up=$((up + 1)); done
    [ "$up" = 3 ] && break
    sleep 0.05
done
[ "$up" = 3 ] || hap_fail "haproxy does not see the three mirrors up"
it_log "haproxy on 127.0.0.1:$LB: the three mirrors up by their /readyz"

BASE=http://127.0.0.1:$LB
AT=$(date +%s%3N)
Q="/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study&at=$AT"
curl -sS -o "$IT_DIR/lb.json" "$BASE$Q" || hap_fail "recognise through haproxy"
ctl mirror1 --json query recognise IE:uniz/mc-c012 FR further_study --at "$AT" >"$IT_DIR/cli.json"
cmp -s "$IT_DIR/lb.json" "$IT_DIR/cli.json" || it_fail "haproxy's answer is not the mirror's"

# ---- Load through HAProxy; one mirror killed under it ----
URLS=()
for i in $(seq "$PER_BATCH"); do
    case $((i % 4)) in
    0) u="$Q" ;;
    1) u="/v1/search?text=digital&at=$AT" ;;
    2) u="/v1/heads" ;;
    3) u="/v1/record/spec/IE:uniz%2Fmc-c012?at=$AT" ;;
    esac
    URLS+=(-o /dev/null "$BASE$u")
done
# client ID: runs batches of PER_BATCH requests, each batch one curl on one keep-alive
# connection, until the stop file appears, MAX_BATCHES or LOAD_S; writes one line per request to
# load.ID: the earliest and the latest time (ms) at which it can have ended, and its status (000:
# no answer). The earliest is the batch's start plus the time_total of the requests so far, the
# latest the batch's end minus the time_total of the requests after it: curl's own time between
# requests falls somewhere in between.
client() {
    local id=$1 t0 t1 end=$(($(date +%s) + LOAD_S))
    for _ in $(seq "$MAX_BATCHES"); do
        [ ! -e "$IT_DIR/stop" ] && [ "$(date +%s)" -lt $end ] || break
        t0=$(date +%s%3N)
        curl -s --max-time 20 -w '%{http_code} %{time_total}\n' "${URLS[@]}" >"$IT_DIR/batch.$id" || true
        t1=$(date +%s%3N)
        awk -v t0="$t0" -v t1="$t1" '{ c[NR] = $1; d[NR] = $2 * 1000; all += d[NR] }
            END { for (i = 1; i <= NR; i++) { t += d[i];
                printf "%.0f %.0f %s\n", t0 + t, t1 - (all - t), c[i] } }' "$IT_DIR/batch.$id" \
            >>"$IT_DIR/load.$id"
    done
}
LOADERS=()
for c in $(seq "$CLIENTS"); do
    client "$c" &
    LOADERS+=($!)
done
sleep 2
before=$(cat "$IT_DIR"/load.* | wc -l)
[ "$before" -ge 100 ] || it_fail "only $before requests in the first 2 s of load"
T_KILL=$(date +%s%3N)
kill -KILL "${IT_PID[mirror2]}"
wait "${IT_PID[mirror2]}" 2>/dev/null || true
unset "IT_PID[mirror2]"
T_DET=""
while [ $(($(date +%s%3N) - T_KILL)) -lt 10000 ]; do
    st=$(field mirror2 18)
    if [[ $st == DOWN* ]]; then
        T_DET=$(date +%s%3N)
        break
    fi
    sleep 0.02
done
[ -n "$T_DET" ] || hap_fail "haproxy did not mark mirror2 down within 10 s of its kill"
it_log "mirror2 killed under load; haproxy marked it down $((T_DET - T_KILL)) ms later"
stot_det=()
for m in "${MIRRORS[@]}"; do stot_det+=("$(field "$m" 8)"); done
sleep 3
touch "$IT_DIR/stop"
for p in "${LOADERS[@]}"; do wait "$p" || it_fail "a load client failed"; done

# ---- What the clients saw ----
cat "$IT_DIR"/load.* >"$IT_DIR/load.all"
# Each side counted against the client: a failure is before the kill only if it surely ended
# before it, after the detection if it may have ended after it; a request counts as made after
# the detection only if it surely ended after it.
read -r total f_before n_window f_window n_after f_after < <(awk -v k="$T_KILL" -v d="$T_DET" '
    { n++; bad = ($3 != "200") }
    $1 >= d { na++ }
    $2 < k { fb += bad; next }
    $2 >= d { fa += bad; next }
    { nw++; fw += bad }
    END { printf "%d %d %d %d %d %d\n", n, fb, nw, fw, na, fa }' "$IT_DIR/load.all")
retries=$(field BACKEND 16)
redisp=$(field BACKEND 17)
it_log "requests: $total; before the kill: $f_before failed; kill to detection: $f_window of" \
    "$n_window failed; after detection: $f_after of $n_after failed; haproxy retried" \
    "$retries, redispatched $redisp"
[ "$f_after" = 0 ] || { grep -v ' 200$' "$IT_DIR/load.all" | sort -n | head; it_fail "$f_after requests failed after the detection"; }
[ "$n_after" -ge 200 ] || it_fail "only $n_after requests after the detection: not a load"
[ "$f_before" = 0 ] || it_fail "$f_before requests failed before the kill"
[ "$f_window" -le "$CLIENTS" ] || it_fail "$f_window requests failed in the detection window"
grep -q 'Server mirrors/mirror2 is DOWN' "$IT_DIR/haproxy.log" || hap_fail "no DOWN line in the log"
stot_end=()
for m in "${MIRRORS[@]}"; do stot_end+=("$(field "$m" 8)"); done
[ "${stot_end[1]}" = "${stot_det[1]}" ] || it_fail "mirror2 got requests after it was marked down"
[ "${stot_end[0]}" -gt "${stot_det[0]}" ] && [ "${stot_end[2]}" -gt "${stot_det[2]}" ] ||
    it_fail "mirror1 and mirror3 did not carry the load on: ${stot_det[*]} -> ${stot_end[*]}"
it_log "requests per mirror at the detection: ${stot_det[*]}; at the end: ${stot_end[*]}"

# ---- The killed mirror comes back ----
it_start mirror2
for i in $(seq 300); do
    [ "$(field mirror2 18)" = UP ] && break
    sleep 0.05
done
[ "$(field mirror2 18)" = UP ] || hap_fail "mirror2, started again, is not marked up within 15 s"
it_log "mirror2 started again: caught up, ready, and marked up"
n0=$(field mirror2 8)
args=()
for i in $(seq 30); do args+=(-o /dev/null "$BASE/v1/heads"); done
codes=$(curl -s -w '%{http_code}\n' "${args[@]}")
[ "$(grep -c '^200$' <<<"$codes")" = 30 ] || it_fail "requests after mirror2's return failed"
[ "$(field mirror2 8)" -gt "$n0" ] || it_fail "mirror2 gets no request after its return"
grep -q 'Server mirrors/mirror2 is UP' "$IT_DIR/haproxy.log" || hap_fail "no UP line in the log"

# ---- Readiness, not liveness: an authority down takes every mirror out ----
# wait_all STATUS LIMIT_S: until haproxy shows the three mirrors in STATUS.
wait_all() {
    local want=$1 deadline=$(($(date +%s) + $2)) n m
    while :; do
        n=0
        for m in "${MIRRORS[@]}"; do [[ $(field "$m" 18) == "$want"* ]] && n=$((n + 1)); done
        [ $n = 3 ] && return 0
        [ "$(date +%s)" -lt $deadline ] || hap_fail "the mirrors are not all $want within $2 s"
        sleep 0.05
    done
}
it_stop IE
wait_all DOWN 10
for m in "${MIRRORS[@]}"; do [ "$(ready "$m")" = 503 ] || it_fail "$m: /readyz not 503 without IE"; done
st=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/heads")
[ "$st" = 503 ] || it_fail "haproxy with no ready mirror answered $st"
it_log "IE stopped: every mirror alive but unready, all marked down, haproxy answers 503"
it_start IE
wait_all UP 40
st=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/heads")
[ "$st" = 200 ] || it_fail "haproxy after IE's return answered $st"
it_log "IE back: the mirrors reconnect, are ready and marked up again"

kill -TERM $HAP
timeout 10 tail --pid=$HAP -s 0.05 -f /dev/null || it_fail "haproxy did not stop on SIGTERM"
wait $HAP 2>/dev/null || true
for n in "${AUTH[@]}" "${MIRRORS[@]}"; do it_stop "$n"; done
it_log "PASS"
