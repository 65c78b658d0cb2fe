#!/usr/bin/env bash
# cli_exit_codes.sh: recnetctl's exit codes against live nodes (cli/README.md, "Exit codes").
#
# Ireland, the Netherlands, France and Germany publish the demo's records; then recnetctl is run
# against Germany's node (which authored only its policy) and must exit
#   0 for a positive answer (recognised by a decision or a policy, a valid credential, a complete
#     pathway, a search with hits, a proof that verifies, a log, status, heads, peers),
#   1 for a negative one (no decision, an unknown spec, a revoked credential, an unknown issuer
#     key, an incomplete pathway, an empty search, a proof that does not verify),
#   2 for a usage error, 3 for a refused record (checked locally, or refused by the node, or a
#     decision on a spec the node does not know),
#   4 for a node that is not there (no such directory, a node that has stopped).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init cli_exit_codes "${5:-6}" "$@"

NODES=(IE NL FR DE)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 15 3 "${NODES[@]}"
it_publish_demo
it_wait_heads 15 "$IT_DEMO_HEADS" "${NODES[@]}"
it_log "demo records everywhere: $(it_heads_seqs DE)"

q() { ctl DE "$@"; }
# Issued now (ms), after the awarding body and the spec were registered.
ISSUED=$(date +%s%3N)
OTHER_KEY=$(it_keygen other-issuer)
verify() { q query verify --spec IE:uniz/mc-c012 --issuer-key "$1" --issued-at "$ISSUED" --credential "$2" FR further_study; }

# ---- 0: positive answers ----
it_expect_rc 0 "recognise by France's decision" q query recognise IE:uniz/mc-c012 FR further_study
it_expect_rc 0 "recognise by Germany's policy" q query recognise NL:42NB/ach-44ABA DE employment
it_expect_rc 0 "verify a valid credential" verify "$IT_IKEY_IE" "$IT_CRED_OK"
it_expect_rc 0 "search with hits" q query search --country NL
it_expect_rc 0 "proof get" q proof get IE:uniz/mc-c012 FR further_study -o "$IT_DIR/proof.bin"
it_expect_rc 0 "proof verify" "$RECNETCTL" proof verify "$IT_DIR/proof.bin" --roster "$IT_DIR/roster.ini"
it_expect_rc 0 "log" q log IE
it_expect_rc 0 "status" q status
it_expect_rc 0 "heads --json" q --json heads
it_expect_rc 0 "peers" q peers
# The pathway: the answer decides the code.
rc=0
out=$(ctlj DE query stack NL NL:pathway/minor-psychology NL:42NB/ach-44ABA NL:UN1VH/mc-koffie) || rc=$?
if has '"complete":true' "$out"; then want=0; else want=1; fi
[ $rc -eq $want ] || it_fail "stack: exit $rc for $out"
it_log "0 for positive answers (stack of both Dutch specs: exit $rc)"

# ---- 1: negative answers ----
it_expect_rc 1 "recognise without decision or policy" q query recognise IE:uniz/mc-c012 DE employment
it_expect_rc 1 "recognise an unknown spec" q query recognise IE:uniz/no-such-spec FR further_study
it_expect_rc 1 "verify a revoked credential" verify "$IT_IKEY_IE" "$IT_CRED_REVOKED"
it_expect_rc 1 "verify with an unregistered issuer key" verify "$OTHER_KEY" "$IT_CRED_OK"
it_expect_rc 1 "stack without the mandatory spec" q query stack NL NL:pathway/minor-psychology NL:UN1VH/mc-koffie
it_expect_rc 1 "search without hits" q query search --country PT
# A bundle with one byte changed in its last 64 bytes (a signature) no longer verifies.
size=$(stat -c %s "$IT_DIR/proof.bin")
cp "$IT_DIR/proof.bin" "$IT_DIR/bad.bin"
printf '\125' | dd of="$IT_DIR/bad.bin" bs=1 seek=$((size - 10)) conv=notrunc status=none
cmp -s "$IT_DIR/proof.bin" "$IT_DIR/bad.bin" && printf '\252' | dd of="$IT_DIR/bad.bin" bs=1 seek=$((size - 10)) conv=notrunc status=none
it_expect_rc 1 "proof verify of a altered bundle" "$RECNETCTL" proof verify "$IT_DIR/bad.bin" --roster "$IT_DIR/roster.ini"
it_log "1 for negative answers"

# ---- 2: usage ----
it_expect_rc 2 "unknown command" q frobnicate
it_expect_rc 2 "bad country" q query recognise IE:uniz/mc-c012 XX further_study
it_expect_rc 2 "bad purpose" q query recognise IE:uniz/mc-c012 FR leisure
it_expect_rc 2 "missing argument" q query recognise IE:uniz/mc-c012

# ---- 3: refused input ----
sed 's/"eqf": 6/"eqf": 9/' "$IT_DIR/data/ie-spec.json" >"$IT_DIR/data/bad-eqf.json"
it_expect_rc 3 "spec with EQF 9 (local check)" ctl IE spec publish "$IT_DIR/data/bad-eqf.json"
has 'eqf' "$(cat "$IT_DIR/last.out")" || it_fail "the refusal does not name the field: $(cat "$IT_DIR/last.out")"
it_expect_rc 3 "Ireland's provider published by Germany (refused by the node)" ctl DE provider publish "$IT_DIR/data/ie-provider.json"
has 'RN_EPREFIX' "$(cat "$IT_DIR/last.out")" || it_fail "not refused for its prefix: $(cat "$IT_DIR/last.out")"
# A decision on a spec no node knows (a typo): refused by recnetctl unless --force, naming the id;
# under --json the error is a JSON object on stdout.
sed -e 's|"IE:uniz/mc-c012"|"IE:uniz/mc-c0l2"|' -e 's|2025-0042|2025-0043|' \
    "$IT_DIR/data/fr-decision.json" >"$IT_DIR/data/typo-decision.json"
it_expect_rc 3 "a decision on an unknown spec" ctl FR decision publish "$IT_DIR/data/typo-decision.json"
has 'IE:uniz/mc-c0l2' "$(cat "$IT_DIR/last.out")" || it_fail "the unknown spec is not named: $(cat "$IT_DIR/last.out")"
rc=0
out=$(ctl FR --json decision publish "$IT_DIR/data/typo-decision.json" 2>/dev/null) || rc=$?
[ $rc -eq 3 ] || it_fail "--json decision on an unknown spec: exit $rc"
has '"name": "RN_ENOTFOUND"' "$out" && has '"field": "decision.spec"' "$out" ||
    it_fail "no JSON error object on stdout: $out"
printf '{"id": "DE:x", ' >"$IT_DIR/data/truncated.json"
it_expect_rc 3 "truncated JSON" ctl DE provider publish "$IT_DIR/data/truncated.json"
[ "$(it_heads_seqs DE)" = "DE:1 FR:1 IE:3 NL:5" ] || it_fail "a refused record changed the heads: $(it_heads_seqs DE)"
it_log "2 for usage errors, 3 for refused records"

# ---- 4: unreachable ----
it_expect_rc 4 "no such data directory" "$RECNETCTL" -d "$IT_DIR/nowhere" status
it_stop DE
it_expect_rc 4 "a stopped node" q status
it_expect_rc 4 "a stopped node, query" q query recognise IE:uniz/mc-c012 FR further_study
it_log "4 for an unreachable node"
for n in IE NL FR; do it_stop "$n"; done
