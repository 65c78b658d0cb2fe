#!/usr/bin/env bash
# registry_import.sh: an authority migrates its existing registry (recnetctl registry import).
#
# Ireland and the Netherlands, two recnetd on 127.0.0.1. A file with faults is refused whole:
# every faulty line named with its number and field (exit 3) and nothing published. A CSV
# registry (providers with their issuer keys and validity, specs with a title in two languages and
# their history) is imported. Then a registry of 3,000 records made from the demo's real records
# (tests/bench/gen_registry.sh) is imported in small batches, and recnetctl is killed (SIGKILL)
# midway: running it again finishes the import, and Ireland's log then holds every record exactly
# once (its head is the number of records); a third run publishes nothing and says so. The
# Netherlands replicates the whole log.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init registry_import "${5:-23}" "$@"

it_node_new IE IE
it_node_new NL NL
it_start IE
it_start NL
it_wait_peers 15 1 IE NL
mkdir -p "$IT_DIR/data"
IKEY=$(it_keygen issuer-ie)
OKEY=$(it_keygen issuer-ie-old)
N=3000
bash "$IT_SRC/tests/bench/gen_registry.sh" "$IT_FIXTURES" IE "$IKEY" "$OKEY" $N >"$IT_DIR/data/reg.jsonl"
[ "$(wc -l <"$IT_DIR/data/reg.jsonl")" -eq $N ] || it_fail "the generator did not write $N lines"

# ---- A file with faults: every fault named, nothing published ----
BAD=$IT_DIR/data/bad.jsonl
head -n 100 "$IT_DIR/data/reg.jsonl" >"$BAD"
sed -i -e '5s/"eqf": 6/"eqf": 9/' -e '7s/^{/{{/' -e '9s/"isced"/"iscde"/' \
    -e '39s/IE:prov-0-0"/IE:nobody"/' -e '41s/"kind": "spec"/"kind": "speck"/' "$BAD"
echo '{"kind": "provider", "id": "FR:x", "legal_name": "X", "country": "FR", "qa_status": "accredited", "qa_body": "HCERES", "status": "active"}' >>"$BAD"
it_expect_rc 3 "a file with faults" ctl IE registry import "$BAD"
out=$(cat "$IT_DIR/last.out")
for want in "bad.jsonl:5: spec.eqf" "bad.jsonl:7: column" "bad.jsonl:9: spec.iscde" \
    "bad.jsonl:39: spec.provider: no provider IE:nobody" "bad.jsonl:41: kind" \
    "bad.jsonl:65: decision.spec: no spec IE:prov-0-0/mc-2" "bad.jsonl:101: " \
    "9 of 101 lines refused" "nothing published"; do
    has "$want" "$out" || { echo "$out"; it_fail "the refusals do not say \"$want\""; }
done
[ "$(it_heads_seqs IE)" = "" ] || it_fail "a refused file published something: $(it_heads_seqs IE)"
it_log "a file with 6 faults and 3 records resting on them: each named with its line, nothing published"

# ---- CSV ----
CSV=$IT_DIR/data/reg.csv
cat >"$CSV" <<EOF
kind,id,legal_name,country,qa_status,status,issuer_keys,issuer_keys,provider,title,title,outcomes,outcomes,ects,eqf,isced,assessment,participation,qa_type,languages,supervision,stackability,valid_from
provider,IE:csv-uni,"CSV University, Galway",IE,under_review,active,$OKEY;2021-01-01;2023-12-31,$IKEY;2024-01-01,,,,,,,,,,,,,,,
spec,IE:csv-uni/mc-1,,,,active,,,IE:csv-uni,en=Data literacy,ga=Litearthacht sonraí,"Reads data; ""critically""",Builds dashboards,2.5,5,0613,testing,online,external,"en,ga",supervised online,stackable,2023-09-01
spec,IE:csv-uni/mc-1,,,,withdrawn,,,IE:csv-uni,en=Data literacy,ga=Litearthacht sonraí,"Reads data; ""critically""",Builds dashboards,2.5,5,0613,testing,online,external,"en,ga",supervised online,stackable,2023-09-01
EOF
out=$(ctl IE registry import "$CSV") || it_fail "the CSV import failed: $out"
has "published 3 records in 1 batches" "$out" || it_fail "CSV import: $out"
spec=$(ctlj IE spec show IE:csv-uni/mc-1)
has '"status":"withdrawn"' "$spec" || it_fail "the spec's last version is not the latest: $spec"
has '"ga":"Litearthachtsonraí"' "$spec" || it_fail "the spec's Irish title is missing: $spec"
prov=$(ctlj IE provider show IE:csv-uni)
has '"valid_until":"2023-12-31"' "$prov" || it_fail "the first issuer key's window: $prov"
it_log "CSV: a provider with two issuer keys and a spec's two versions imported"

# ---- 3,000 records, recnetctl killed midway, then finished ----
# recnetctl itself in the background (not a subshell around it), so that the kill reaches it.
"$RECNETCTL" -d "$IT_DIR/IE" registry import "$IT_DIR/data/reg.jsonl" --batch 5 \
    >"$IT_DIR/import1.out" 2>&1 &
imp=$!
deadline=$(($(date +%s%3N) + 60000))
while :; do
    seq=$(it_heads_seqs IE | grep -o 'IE:[0-9]*' | cut -d: -f2 || true)
    [ "${seq:-0}" -ge 300 ] && break
    kill -0 $imp 2>/dev/null || break
    [ "$(date +%s%3N)" -le $deadline ] || it_fail "the import did not reach 300 entries in 60 s"
    sleep 0.02
done
kill -KILL $imp 2>/dev/null || true
wait $imp 2>/dev/null || true
seq=$(it_heads_seqs IE | grep -o 'IE:[0-9]*' | cut -d: -f2)
[ "$seq" -lt $((N + 3)) ] || it_fail "the import finished before it was killed (seq $seq)"
it_log "recnetctl killed with IE's head at $seq of $((N + 3))"

out=$(ctl IE --json registry import "$IT_DIR/data/reg.jsonl" | tr -d ' \n') ||
    it_fail "the second run failed: $out"
skipped=$(echo "$out" | sed -n 's/.*"skipped":\([0-9]*\).*/\1/p')
published=$(echo "$out" | sed -n 's/.*"published":\([0-9]*\),.*/\1/p')
[ $((skipped + published)) -eq $N ] || it_fail "second run: $skipped skipped + $published published"
[ "$skipped" -ge $((seq - 3)) ] || it_fail "second run skipped $skipped, the log held $((seq - 3))"
it_log "second run: $skipped already there, $published published"
# Every record exactly once: the head is the number of records, and the log says so entry by entry.
it_wait_heads 30 "IE:$((N + 3))" IE NL
specs=0
from=1
while [ $from -le $((N + 3)) ]; do
    page=$(ctlj IE log IE --from $from --max 1000)
    specs=$((specs + $(echo "$page" | grep -o '"kind":"spec"' | wc -l)))
    from=$((from + 1000))
done
[ $specs -eq $((N * 80 / 100 + 2)) ] || it_fail "the log holds $specs spec versions"
it_log "IE's log holds $((N + 3)) entries, $specs spec versions; NL holds the same"

out=$(ctl IE registry import "$IT_DIR/data/reg.jsonl") || it_fail "the third run failed"
has "already on the node: nothing to publish" "$out" || it_fail "third run: $out"
[ "$(it_heads_seqs IE)" = "IE:$((N + 3)) NL:0" ] || [ "$(it_heads_seqs IE)" = "IE:$((N + 3))" ] ||
    it_fail "the third run changed the log: $(it_heads_seqs IE)"
it_log "a third run publishes nothing"

# A version in a history is recognised in order: the file's spec whose history is
# active -> corrected -> withdrawn is not republished, and a query answers with the last.
spec=$(ctlj NL spec show IE:prov-0-0/mc-16)
has '"status":"withdrawn"' "$spec" || it_fail "NL: the spec's latest version: $spec"

for n in IE NL; do
    [ "$(it_counter "$n" protocol_errors)" = 0 ] || it_fail "$n counted protocol errors"
    it_stop "$n"
done
it_log "both nodes stopped cleanly"
