#!/usr/bin/env bash
# garbage.sh: random bytes and truncated frames on the peer port and the control socket hurt
# nothing.
#
# A federation of Ireland, the Netherlands and France; France's node (log_level = debug, so that
# control-socket errors are logged too; handshake_ms = 1000) takes, from tests/integration/poke.c
# on 127.0.0.1 and on its control socket, a bounded barrage of:
#
# - peer port: random bytes of random sizes; a handshake M1 with the right version byte and a
#   random mac (RN_EPROOF); a frame-style length prefix then a truncated body; oversized length
#   prefixes (0xffffffff, 0x7fffffff); 1 MiB of random bytes; a half handshake then silence past
#   handshake_ms; 40 connections of random bytes at once;
# - control socket: random bytes of random sizes; a request cut short (then EOF, or silence); a
#   bin32 length of 2 MiB followed by over 1 MiB of bytes (RN_ETOOBIG); an array32 of 2^32 - 1
#   items; 100 nested arrays; a valid `status` request followed by garbage, whose answer must
#   come first.
#
# Afterwards France must still answer `status`, keep both peers, hold no more file descriptors
# than before, replicate a new entry both ways, and its log must show the refusals.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init garbage "${5:-4}" "$@"

IT_LIMITS="handshake_ms = 1000
backoff_min_ms = 50
backoff_max_ms = 500"
NODES=(IE NL FR)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
IT_LOG_LEVEL=debug it_config FR recnet.ini
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 2 "${NODES[@]}"
it_publish IE provider "$(it_fill ie-provider.json "$(it_keygen issuer-ie)")"
it_wait_heads 10 "IE:1" "${NODES[@]}"
PORT=${IT_PORT[FR]}
SOCK=$IT_DIR/FR/control.sock
PID=${IT_PID[FR]}
fds() { ls "/proc/$PID/fd" 2>/dev/null | wc -l || true; }
FDS0=$(fds)
it_log "federation up; FR on 127.0.0.1:$PORT with $FDS0 file descriptors open"

# poke_rounds tcp|unix WHERE ROUNDS PAYLOAD-COMMAND POKE-OPTIONS...: sends the output of
# PAYLOAD-COMMAND (evaluated afresh each round) ROUNDS times; every connection must be made.
poke_rounds() {
    local kind=$1 where=$2 rounds=$3 payload=$4
    shift 4
    local i out
    for i in $(seq "$rounds"); do
        out=$(eval "$payload" | "$POKE" "$kind" "$where" "$@") || { echo "poke: $out"; return 1; }
        echo "$out" >>"$IT_DIR/poke-$kind.out"
    done
}
rnd() { head -c $((RANDOM % ${1:-4096} + 1)) /dev/urandom; }

t0=$(date +%s%3N)
jobs_pids=()
# ---- Peer port ----
poke_rounds tcp "$PORT" 30 'rnd 4096' -r 300 & jobs_pids+=($!)
poke_rounds tcp "$PORT" 20 'printf "\001"; head -c 64 /dev/urandom' -r 1000 & jobs_pids+=($!)
poke_rounds tcp "$PORT" 10 'printf "\000\000\001\000"; head -c 100 /dev/urandom' -r 1000 & jobs_pids+=($!)
poke_rounds tcp "$PORT" 5 'printf "\001"; head -c 30 /dev/urandom' -r 100 & jobs_pids+=($!)
poke_rounds tcp "$PORT" 10 'printf "\377\377\377\377"; head -c 61 /dev/urandom' -r 1000 & jobs_pids+=($!)
poke_rounds tcp "$PORT" 10 'printf "\177\377\377\377"; head -c 200 /dev/urandom' -r 1000 & jobs_pids+=($!)
poke_rounds tcp "$PORT" 3 'head -c 1048576 /dev/urandom' -r 1000 & jobs_pids+=($!)
# Half a handshake, then silence past handshake_ms: the node must hang up on its own.
for i in $(seq 5); do
    (printf '\001'; head -c 40 /dev/urandom) | "$POKE" tcp "$PORT" -w 1500 -r 1000 >"$IT_DIR/half-$i.out" &
    jobs_pids+=($!)
done
# 40 connections at once.
for i in $(seq 40); do poke_rounds tcp "$PORT" 1 'rnd 2000' -r 500 & jobs_pids+=($!); done

# ---- Control socket ----
poke_rounds unix "$SOCK" 30 'rnd 4096' -s -r 1000 & jobs_pids+=($!)
poke_rounds unix "$SOCK" 10 'printf "\224\000\001\246stat"' -s -r 1000 & jobs_pids+=($!)
poke_rounds unix "$SOCK" 5 'printf "\224\000\001\246status\335\377\377\377\377"' -s -r 1000 & jobs_pids+=($!)
poke_rounds unix "$SOCK" 5 'for _ in $(seq 100); do printf "\221"; done; printf "\300"' -s -r 1000 & jobs_pids+=($!)
poke_rounds unix "$SOCK" 3 'printf "\306\000\040\000\000"; head -c 1100000 /dev/urandom' -r 2000 & jobs_pids+=($!)
poke_rounds unix "$SOCK" 3 'printf "\224\000\001\246stat"' -w 1200 -r 100 & jobs_pids+=($!)
for p in "${jobs_pids[@]}"; do wait "$p" || it_fail "a garbage round could not connect"; done
it_log "peer port: $(wc -l <"$IT_DIR/poke-tcp.out") garbage connections ($(grep -c 'closed-by-peer yes' "$IT_DIR/poke-tcp.out") closed by FR); control socket: $(wc -l <"$IT_DIR/poke-unix.out") in $(($(date +%s%3N) - t0)) ms"

# What the node answered.
for i in $(seq 5); do
    has 'received 0 closed-by-peer yes' "$(cat "$IT_DIR/half-$i.out")" ||
        it_fail "a half handshake was not hung up on: $(cat "$IT_DIR/half-$i.out")"
done
big=$(printf '\306\000\040\000\000' | cat - <(head -c 1100000 /dev/urandom) | "$POKE" unix "$SOCK" -r 2000 -x)
# [1, 0, {name: "RN_ETOOBIG", ...}, nil]: 94 01 00 8x a4 "name" aa "RN_ETOOBIG"
has 'closed-by-peer yes' "$big" || it_fail "an oversized request was not closed: $big"
has "94010085a46e616d65aa524e5f45544f4f424947" "$big" || it_fail "an oversized request got no RN_ETOOBIG: $big"
# A valid request, then garbage: the request's answer first ([1, 1, nil, {...}]), then the error.
pipe=$(printf '\224\000\001\246status\220\301\301\301' | "$POKE" unix "$SOCK" -s -r 2000 -x)
has $'\n'"940101c0" "$pipe" || it_fail "status then garbage: no status answer first: $pipe"

# ---- Afterwards ----
ctl FR status >/dev/null || it_fail "FR does not answer status"
[ "$(ctlj FR peers | grep -o '"connected":true' | wc -l)" -eq 2 ] || it_fail "FR lost a peer"
it_publish FR decision "$(it_fill fr-decision.json)"
it_publish IE spec "$(it_fill ie-spec.json)"
it_wait_heads 10 "FR:1 IE:2" "${NODES[@]}"
it_log "FR still answers and replicates both ways: $(it_heads_seqs NL)"
if [ -n "$FDS0" ] && [ "$FDS0" -gt 0 ]; then
    deadline=$(($(date +%s%3N) + 5000))
    until [ "$(fds)" -le "$FDS0" ]; do
        [ "$(date +%s%3N)" -le $deadline ] || it_fail "FR holds $(fds) file descriptors, $FDS0 before the garbage"
        sleep 0.1
    done
fi
log=$IT_DIR/FR/recnetd.log
refused=$(it_counter FR conns_refused)
[ "$refused" -ge 40 ] || it_fail "FR counted $refused refused connections"
n_ver=$(grep -c 'handshake refused: not a recnet handshake of our version' "$log" || true)
n_mac=$(grep -c 'handshake refused: a MAC, box or signature failed' "$log" || true)
n_ctl=$(grep -c 'control client [0-9]*: .*answered with the error and closed' "$log" || true)
# A half handshake is cut by the core's handshake_ms, by the strangers' first-message deadline, or
# evicted by newer strangers (node/README.md, "Strangers and floods"); the last two are counted.
n_time=$(grep -c 'handshake with .* timed out after [0-9]* ms' "$log" || true)
n_time=$((n_time + $(it_counter FR strangers_timed_out) + $(it_counter FR strangers_evicted)))
[ "$n_ver" -gt 0 ] || it_fail "no refusal of another version in FR's log"
[ "$n_mac" -ge 20 ] || it_fail "$n_mac refusals of a bad mac in FR's log, expected 20 or more"
[ "$n_ctl" -gt 0 ] || it_fail "no control request refused in FR's log"
[ "$n_time" -ge 5 ] || it_fail "$n_time handshake time-outs in FR's log, expected 5 or more"
grep -q 'request over 1 MiB' "$log" || it_fail "no oversized control request in FR's log"
it_log "FR's log: $n_ver refused versions, $n_mac bad macs, $n_time handshake time-outs, $n_ctl control errors; conns_refused $refused"
for n in "${NODES[@]}"; do
    [ "$(it_counter "$n" protocol_errors)" = 0 ] || it_fail "$n counted protocol errors"
    it_stop "$n"
done
