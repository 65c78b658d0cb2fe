#!/usr/bin/env bash
# http_bench.sh: the HTTP gateway's figures (README.md, "Figures"), in one run on 127.0.0.1:
#  - `recognise` over HTTP with keep-alive (wrk, CONNS connections, one request outstanding on
#    each) beside the same query over the control socket (rn_ctl_load, the same connections and
#    the same one outstanding each): calls/s and p99 of both, and their ratio, which must be at
#    least 0.6;
#  - the resident memory of an idle node with the gateway on, which must stay under 32 MiB.
# Two nodes (Ireland publishes a provider and a spec, France a decision on it) from
# tests/integration/lib.sh; the questions go to France's node.
#
# Usage: http_bench.sh RECNETD RECNETCTL RN_CTL_LOAD SOURCE_DIR [SECONDS] [CONNS]
set -euo pipefail
LOAD=$3
SECS=${5:-5}
CONNS=${6:-16}
# shellcheck source=../integration/lib.sh
source "$4/tests/integration/lib.sh"
it_init http_bench 20 "$1" "$2" /bin/true "$4"
command -v wrk >/dev/null || it_fail "wrk is not installed (Debian's wrk; make deps)"

NODES=(IE FR)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
it_port_take
HP=$IT_P
# The per-address rate limit is off: wrk is one address asking as fast as it can.
it_config FR recnet.ini "[http]
listen = 127.0.0.1:$HP
rate_per_s = 0"
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 1 "${NODES[@]}"
sleep 1
rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/${IT_PID[FR]}/status")
it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-uniz)")"
it_publish IE spec "$(it_fill ie-spec.json)"
it_publish FR decision "$(it_fill fr-decision.json)"
it_wait_heads 15 "IE:2 FR:1" "${NODES[@]}"
AT=$(date +%s%3N)
URL="http://127.0.0.1:$HP/v1/recognise?spec=IE:uniz/mc-c012&country=FR&purpose=further_study&at=$AT"
curl -sf -o /dev/null "$URL" || it_fail "the gateway does not answer"

# The same question, each way, in turn.
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$URL" >"$IT_DIR/wrk.txt"
read -r ctl_rps ctl_p99 < <("$LOAD" "$IT_DIR/FR" "$CONNS" "$SECS" IE:uniz/mc-c012 FR further_study "$AT")
http_rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$IT_DIR/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$IT_DIR/wrk.txt")
http_p99=$(awk -v v="$p99" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 } }')
non2xx=$(awk '/Non-2xx/ {print $NF}' "$IT_DIR/wrk.txt")
[ -z "$non2xx" ] || it_fail "wrk saw $non2xx answers that were not 2xx"
ratio=$(awk -v h="$http_rps" -v c="$ctl_rps" 'BEGIN {printf "%.2f", h / c}')
rss_mib=$(awk -v k="$rss_kib" 'BEGIN {printf "%.1f", k / 1024}')
echo "recognise, $CONNS connections, ${SECS} s each, one request outstanding per connection:"
printf '  %-34s %8s calls/s  p99 %7s ms\n' "HTTP/1.1 keep-alive (wrk)" "$http_rps" "$http_p99"
printf '  %-34s %8s calls/s  p99 %7s ms\n' "control socket (MessagePack-RPC)" "$ctl_rps" "$ctl_p99"
echo "  HTTP / control socket: $ratio (at least 0.60)"
echo "idle node with the gateway on: $rss_mib MiB resident (under 32 MiB)"
awk -v r="$ratio" 'BEGIN {exit !(r >= 0.6)}' || it_fail "HTTP at $ratio of the control socket"
[ "$rss_kib" -lt $((32 * 1024)) ] || it_fail "idle RSS $rss_mib MiB"
for n in "${NODES[@]}"; do it_stop "$n"; done
