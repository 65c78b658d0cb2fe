#!/usr/bin/env bash
# http_bench.sh: the HTTP gateway's figures (README.md, "Figures"), in one run on 127.0.0.1:
#  - `recognise` over HTTP with keep-alive (wrk, CONNS connections, one request outstanding on
#    each) beside the same query over the control socket (rn_ctl_load, the same connections and
#    the same one outstanding each): calls/s and p99 of both, and their ratio, which must be at
#    least 0.6. The two take turns, ROUNDS rounds of SECONDS each way, so that a change in the
#    machine's load during the run weighs on both: the figures are those of the round with the
#    median ratio, and the spread of the ratios is printed beside it;
#  - the resident memory of the node with the gateway on, idle after start and idle again after
#    the rounds (every request of them answered), which must both stay under 32 MiB.
# Two nodes (Ireland publishes a provider and a spec, France a decision on it) from
# tests/integration/lib.sh; the questions go to France's node.
#
# Usage: http_bench.sh RECNETD RECNETCTL RN_CTL_LOAD SOURCE_DIR [SECONDS] [CONNS] [ROUNDS]
set -euo pipefail
LOAD=$3
SECS=${5:-3}
CONNS=${6:-16}
ROUNDS=${7:-5}
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

# The same question, each way, in turns.
ms_of() { # a wrk latency (123.45us, 1.2ms, 2s) in ms
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 } }'
}
: >"$IT_DIR/rounds.txt"
# The node's CPU time (user + system, all threads) in ticks: per call, it moves little with the
# machine's load, where calls/s moves a lot.
TICK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/${IT_PID[FR]}/stat"; }
for r in $(seq "$ROUNDS"); do
    t0=$(cpu)
    wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$URL" >"$IT_DIR/wrk.txt"
    t1=$(cpu)
    h_calls=$(awk '/requests in/ {print $1}' "$IT_DIR/wrk.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$IT_DIR/wrk.txt")
    [ -z "$non2xx" ] || it_fail "wrk saw $non2xx answers that were not 2xx"
    h_rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$IT_DIR/wrk.txt")
    h_p99=$(ms_of "$(awk '$1 == "99%" {print $2}' "$IT_DIR/wrk.txt")")
    read -r c_rps c_p99 < <("$LOAD" "$IT_DIR/FR" "$CONNS" "$SECS" IE:uniz/mc-c012 FR further_study "$AT")
    t2=$(cpu)
    ratio=$(awk -v h="$h_rps" -v c="$c_rps" 'BEGIN {printf "%.3f", h / c}')
    echo "$ratio $h_rps $h_p99 $c_rps $c_p99" >>"$IT_DIR/rounds.txt"
    awk -v a="$t0" -v b="$t1" -v n="$h_calls" -v k="$TICK" 'BEGIN {printf "%.1f\n", (b - a) * 1e6 / k / n}' \
        >>"$IT_DIR/cpu_http.txt"
    awk -v a="$t1" -v b="$t2" -v n="$c_rps" -v s="$SECS" -v k="$TICK" \
        'BEGIN {printf "%.1f\n", (b - a) * 1e6 / k / (n * s)}' >>"$IT_DIR/cpu_ctl.txt"
done
median() { sort -n "$1" | sed -n "$(((ROUNDS + 1) / 2))p"; }
cpu_http=$(median "$IT_DIR/cpu_http.txt")
cpu_ctl=$(median "$IT_DIR/cpu_ctl.txt")
sleep 1
rss_after_kib=$(awk '/^VmRSS/ {print $2}' "/proc/${IT_PID[FR]}/status")
sort -n "$IT_DIR/rounds.txt" >"$IT_DIR/sorted.txt"
read -r ratio http_rps http_p99 ctl_rps ctl_p99 < <(sed -n "$(((ROUNDS + 1) / 2))p" "$IT_DIR/sorted.txt")
ratio_min=$(head -1 "$IT_DIR/sorted.txt" | cut -d' ' -f1)
ratio_max=$(tail -1 "$IT_DIR/sorted.txt" | cut -d' ' -f1)
rss_mib=$(awk -v k="$rss_kib" 'BEGIN {printf "%.1f", k / 1024}')
rss_after_mib=$(awk -v k="$rss_after_kib" 'BEGIN {printf "%.1f", k / 1024}')
echo "recognise, $CONNS connections, one request outstanding per connection, $ROUNDS rounds of ${SECS} s each way:"
printf '  %-34s %8s calls/s  p99 %7s ms\n' "HTTP/1.1 keep-alive (wrk)" "$http_rps" "$http_p99"
printf '  %-34s %8s calls/s  p99 %7s ms\n' "control socket (MessagePack-RPC)" "$ctl_rps" "$ctl_p99"
printf '  HTTP / control socket: %.2f, the median round (rounds %.2f .. %.2f; at least 0.60)\n' \
    "$ratio" "$ratio_min" "$ratio_max"
echo "  node CPU per call (median round): HTTP $cpu_http us, control socket $cpu_ctl us"
echo "node with the gateway on, resident: $rss_mib MiB idle after start, $rss_after_mib MiB idle after the rounds (under 32 MiB)"
printf '{"http_calls_per_s": %s, "http_p99_ms": %s, "ctl_calls_per_s": %s, "ctl_p99_ms": %s, "ratio": %s, "ratio_min": %s, "ratio_max": %s, "http_cpu_us": %s, "ctl_cpu_us": %s, "rss_idle_mib": %s, "rss_after_mib": %s}\n' \
    "$http_rps" "$http_p99" "$ctl_rps" "$ctl_p99" "$ratio" "$ratio_min" "$ratio_max" "$cpu_http" "$cpu_ctl" "$rss_mib" "$rss_after_mib"
awk -v r="$ratio" 'BEGIN {exit !(r >= 0.6)}' || it_fail "HTTP at $ratio of the control socket"
[ "$rss_kib" -lt $((32 * 1024)) ] || it_fail "idle RSS $rss_mib MiB"
[ "$rss_after_kib" -lt $((32 * 1024)) ] || it_fail "RSS after the rounds $rss_after_mib MiB"
for n in "${NODES[@]}"; do it_stop "$n"; done
