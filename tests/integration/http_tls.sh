#!/usr/bin/env bash
# http_tls.sh: the HTTP gateway over TLS ([http] tls_cert and tls_key): a node with a
# self-signed certificate answers HTTPS (HTTP/1.1, and HTTP/2 by ALPN) with the same JSON as
# over plain HTTP, refuses plain HTTP on that port, and does not start (exit 1, the reason in its
# log) with a key that does not match its certificate or a certificate that cannot be read.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
it_init http_tls "${5:-16}" "$@"

it_node_new FR FR
it_port_take
HP=$IT_P
D=$IT_DIR/FR
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$D/gw.key" -out "$D/gw.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=other -keyout "$D/other.key" -out "$D/other.pem" 2>/dev/null
it_config FR recnet.ini "[peers]
dial =
[http]
listen = 127.0.0.1:$HP
tls_cert = gw.pem
tls_key = gw.key"
it_start FR
URL=https://127.0.0.1:$HP

out=$(curl -sS --cacert "$D/gw.pem" --http1.1 -w ' %{http_code} %{http_version}' "$URL/healthz")
has '"status": "ok"' "$out" && has ' 200 1.1' "$out" || it_fail "HTTPS/1.1: $out"
if curl -V | grep -qw HTTP2; then
    out=$(curl -sS --cacert "$D/gw.pem" --http2 -o /dev/null -w '%{http_code} %{http_version}' \
        "$URL/v1/heads")
    [ "$out" = "200 2" ] || it_fail "HTTP/2 by ALPN: $out"
    it_log "HTTP/2 by ALPN"
fi
curl -sS --cacert "$D/gw.pem" "$URL/v1/heads" >"$IT_DIR/https.json"
"$RECNETCTL" -d "$D" --json heads >"$IT_DIR/cli.json"
cmp -s "$IT_DIR/https.json" "$IT_DIR/cli.json" || it_fail "heads over HTTPS: not recnetctl's JSON"
if st=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/healthz" 2>/dev/null) &&
    [ "$st" = 200 ]; then
    it_fail "plain HTTP answered on the TLS port"
fi
it_log "HTTPS answers, plain HTTP does not"
it_stop FR

# A key that is not the certificate's, and a certificate that is not there: no start.
for pair in "gw.pem other.key" "missing.pem gw.key"; do
    set -- $pair
    it_config FR bad.ini "[peers]
dial =
[http]
listen = 127.0.0.1:$HP
tls_cert = $1
tls_key = $2"
    rc=0
    (cd "$D" && exec timeout 10 "$RECNETD" -c bad.ini) >"$IT_DIR/bad.log" 2>&1 || rc=$?
    [ $rc -eq 1 ] || it_fail "tls $pair: exit $rc, expected 1"
    has "cannot use the certificate" "$(cat "$IT_DIR/bad.log")" ||
        it_fail "tls $pair: $(tail -n 3 "$IT_DIR/bad.log")"
done
it_log "a mismatched key or a missing certificate stops the node at start"
it_log "PASS"
