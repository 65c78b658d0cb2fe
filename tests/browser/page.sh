#!/usr/bin/env bash
# page.sh: the verifier's page (README.md, "The verifier's page") in a real browser. Five nodes of
# the demo federation (IE, NL, FR, DE and Portugal's, which serves the gateway, as in
# `make demo`) hold the demo's records; Debian's chromium, driven headless by playwright-core
# (page_test.mjs), loads the page from Portugal's node, runs a search, opens the matrix, drops
# a credential issued with `recnetctl credential issue`, checks the answers shown, downloads the
# proof bundles (verified here with `recnetctl proof verify`) and saves screenshots in OUT.
# Ireland's node serves the page too: there it is in English and Irish.
#
#     page.sh RECNETD RECNETCTL POKE SOURCE_DIR INDEX OUT
#
# chromium, node and npm are required: a missing one fails the test (make deps installs
# chromium). playwright-core is installed from tests/browser/package-lock.json into OUT with
# `npm ci` when OUT/node_modules is missing.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../integration/lib.sh
source "$HERE/../integration/lib.sh"
it_init page "${5:-21}" "$@"
OUT=${6:-$IT_SRC/build/tests/browser}
mkdir -p "$OUT"

CHROMIUM=$(command -v chromium || true)
[ -n "$CHROMIUM" ] || it_fail "chromium is not installed (Debian package chromium: make deps)"
command -v node >/dev/null && command -v npm >/dev/null || it_fail "node and npm are required"
if [ ! -d "$OUT/node_modules/playwright-core" ]; then
    cp "$HERE/package.json" "$HERE/package-lock.json" "$OUT/"
    (cd "$OUT" && npm ci --no-audit --no-fund --loglevel=error) || it_fail "npm ci in $OUT"
fi

NODES=(IE NL FR DE PT)
for n in "${NODES[@]}"; do it_node_new "$n" "$n"; done
it_port_take
HP=$IT_P
it_config PT recnet.ini "[http]
listen = 127.0.0.1:$HP"
# Ireland's node serves the page too: English and Irish.
it_port_take
HP_IE=$IT_P
it_config IE recnet.ini "[http]
listen = 127.0.0.1:$HP_IE"
for n in "${NODES[@]}"; do it_start "$n"; done
it_wait_peers 20 4 "${NODES[@]}"
it_publish_demo
it_wait_heads 20 "$IT_DEMO_HEADS" "${NODES[@]}"
BASE=http://127.0.0.1:$HP

# A credential of the University of Zed, and the same altered by one byte.
"$RECNETCTL" --json credential issue --spec IE:uniz/mc-c012 --issuer-key "$IT_DIR/data/issuer-uniz.key" \
    --holder ana@example.org --grade Pass -o "$IT_DIR/ana.cred" >/dev/null || it_fail "credential issue"
sed 's/Pass/Fail/' "$IT_DIR/ana.cred" >"$IT_DIR/altered.cred"
cmp -s "$IT_DIR/ana.cred" "$IT_DIR/altered.cred" && it_fail "the altered credential is the same"

# ---- The page as HTTP serves it ----
curl -sS -D "$IT_DIR/head" -o "$IT_DIR/index.html" "$BASE/" || it_fail "GET /"
head -1 "$IT_DIR/head" | grep -q ' 200' || it_fail "GET /: $(head -1 "$IT_DIR/head")"
grep -qi "^content-type: text/html; charset=utf-8" "$IT_DIR/head" || it_fail "GET /: not HTML"
grep -qi "^content-security-policy: default-src 'self'; script-src 'self'; style-src 'self';" \
    "$IT_DIR/head" || it_fail "GET /: no strict Content-Security-Policy"
cmp -s "$IT_DIR/index.html" "$IT_SRC/node/www/index.html" || it_fail "GET /: not node/www/index.html"
for f in page.js page.css; do
    curl -sS -o "$IT_DIR/$f" "$BASE/$f" && cmp -s "$IT_DIR/$f" "$IT_SRC/node/www/$f" ||
        it_fail "GET /$f: not node/www/$f"
done
# Nothing the page loads comes from elsewhere.
grep -Eiq '(src|href)="(https?:)?//' "$IT_DIR/index.html" && it_fail "the page loads from elsewhere"
grep -Eq "https?://|@import|url\(" "$IT_DIR/page.css" && it_fail "the stylesheet loads from elsewhere"
st=$(curl -sS -o /dev/null -w '%{http_code}' -X POST --data x "$BASE/")
[ "$st" = 405 ] || it_fail "POST /: $st, expected 405"
st=$(curl -sS -o /dev/null -w '%{http_code}' "$BASE/page.html")
[ "$st" = 404 ] || it_fail "GET /page.html: $st, expected 404"
it_log "the page, its script and stylesheet are served with a strict Content-Security-Policy"

# ---- In chromium ----
rm -f "$OUT"/*.png "$OUT"/*.proof
NODE_PATH=$OUT/node_modules CHROMIUM=$CHROMIUM node "$HERE/page_test.mjs" "$BASE" \
    "$IT_DIR/ana.cred" "$IT_DIR/altered.cred" "$OUT" "http://127.0.0.1:$HP_IE" ||
    it_fail "the page in chromium"
for p in recognise-FR.proof verify-FR.proof; do
    [ -s "$OUT/$p" ] || it_fail "no $p downloaded"
    "$RECNETCTL" proof verify "$OUT/$p" --roster "$IT_DIR/roster.ini" >/dev/null ||
        it_fail "the proof bundle the page downloaded ($p) does not verify"
done
for s in page.png matrix.png verify.png page-ga.png; do [ -s "$OUT/$s" ] || it_fail "no screenshot $s"; done
it_log "search, matrix, verify and proofs in chromium; screenshots in $OUT"
