#!/bin/bash
# digests.sh: the trace digests of a fixed set of recnet-sim runs, one line each, for comparing
# two builds of the simulator (the proof that a change to simnet/ changed nothing a run does).
#
#   tests/sim/digests.sh build/simnet/recnet-sim > before.txt
#   ... change, rebuild ...
#   tests/sim/digests.sh build/simnet/recnet-sim > after.txt && diff before.txt after.txt
#
# Every shipped scenario on one or more seeds (about a minute on 2 cores), and with --large the
# 1,000-node scenario in full as well (a few minutes, about 1.4 GB). A change in the node core or
# the store may change the digests legitimately: compare builds of the same core.
set -euo pipefail
SIM=${1:?usage: digests.sh RECNET_SIM [--large]}
LARGE=${2:-}

run() {
    "$SIM" "$@" 2>&1 | awk -v a="$*" '
        /^scenario / { s = $0; sub(/:.*/, "", s) }
        /^digest:/   { print a " | " s " | " $2 }
        /^FAILED/    { print a " | " s " | " $0 }'
}

run steady --seeds 1-3
run partition-heal --seeds 1-2
run crash-storm --seeds 1-2
run crash-storm -e "duplicate 0.001" -e "corrupt 0.001" --seed 7
run equivocation --seeds 1-2
run misbehaviour --seeds 1-2
run garbled-run --seed 1
run liar-heads --seed 1
run want-loop --seed 1
run clock-step --seeds 1-2
run recognition --seed 1
run default --seed 1
run scale-1000 -e "nodes 200" -e "run 12s" -e "settle 10s" --seed 1
run scale-1000 -e "run 100ms" -e "settle 100ms" --seed 1
if [ "$LARGE" = "--large" ]; then
    run scale-1000 --seed 1
fi
