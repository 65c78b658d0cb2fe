#!/usr/bin/env bash
# registry_bench.sh: the registry import's figure (README.md, "Figures"), in one run on this
# machine: a registry of N records (default 100,000) made from the demo's real records
# (gen_registry.sh: providers, specs and their history, decisions, revocations, policies,
# pathways) migrated into a node with `recnetctl registry import` (records/s and the total
# time), and in the same run the same records appended by the store API alone
# (rn_registry_store: store_append_batch in a loop, batches of the same size). The import must
# reach at least 0.5 of the store alone: what it adds (reading and validating the file, the
# control socket, the node's checks) must not cost more than the signing and the disk.
#
# Usage: registry_bench.sh RECNETD RECNETCTL RN_REGISTRY_STORE SOURCE_DIR [N]
set -euo pipefail
STORE=$3
N=${5:-100000}
# shellcheck source=../integration/lib.sh
source "$4/tests/integration/lib.sh"
it_init registry_bench 23 "$1" "$2" /bin/true "$4"

it_node_new IE IE
it_start IE
mkdir -p "$IT_DIR/data" "$IT_DIR/store"
bash "$IT_SRC/tests/bench/gen_registry.sh" "$IT_FIXTURES" IE "$(it_keygen issuer)" \
    "$(it_keygen issuer-old)" "$N" >"$IT_DIR/data/registry.jsonl"
bytes=$(wc -c <"$IT_DIR/data/registry.jsonl")

t0=$(date +%s%3N)
ctl IE --json registry import "$IT_DIR/data/registry.jsonl" >"$IT_DIR/import.json" ||
    it_fail "the import failed: $(cat "$IT_DIR/import.json")"
t1=$(date +%s%3N)
flat=$(tr -d ' \n' <"$IT_DIR/import.json")
published=$(echo "$flat" | sed -n 's/.*"published":\([0-9]*\),.*/\1/p')
batches=$(echo "$flat" | sed -n 's/.*"batches":\([0-9]*\),.*/\1/p')
[ "$published" = "$N" ] || it_fail "published $published of $N records"
seq=$(ctlj IE heads | sed -n 's/.*"seq":\([0-9]*\).*/\1/p')
[ "$seq" = "$N" ] || it_fail "the log holds $seq entries, not $N"
import_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", (b - a) / 1000}')
import_rps=$(awk -v n="$N" -v s="$import_s" 'BEGIN {printf "%.0f", n / s}')
t2=$(date +%s%3N)
again=$(ctl IE registry import "$IT_DIR/data/registry.jsonl")
t3=$(date +%s%3N)
has "nothing to publish" "$again" || it_fail "a second run: $again"
rerun_s=$(awk -v a="$t2" -v b="$t3" 'BEGIN {printf "%.2f", (b - a) / 1000}')

read -r s_n s_s store_rps s_batches < <("$STORE" "$IT_DIR/data/registry.jsonl" IE "$IT_DIR/store")
[ "$s_n" = "$N" ] || it_fail "the store baseline appended $s_n records"
ratio=$(awk -v a="$import_rps" -v b="$store_rps" 'BEGIN {printf "%.2f", a / b}')

echo "registry import of $N records ($((bytes / 1024 / 1024)) MiB of JSON Lines):"
printf '  %-44s %8s records/s  %7s s  %4s batches\n' "recnetctl registry import (whole run)" \
    "$import_rps" "$import_s" "$batches"
printf '  %-44s %8s records/s  %7s s  %4s batches\n' "store_append_batch alone (same batches)" \
    "$store_rps" "$s_s" "$s_batches"
echo "  import / store alone: $ratio (at least 0.50)"
echo "  a second run, nothing left to publish: $rerun_s s"
printf '{"records": %s, "import_s": %s, "import_per_s": %s, "store_s": %s, "store_per_s": %s, "ratio": %s, "rerun_s": %s}\n' \
    "$N" "$import_s" "$import_rps" "$s_s" "$store_rps" "$ratio" "$rerun_s"
awk -v r="$ratio" 'BEGIN {exit !(r >= 0.5)}' || it_fail "the import at $ratio of the store alone"
it_stop IE
