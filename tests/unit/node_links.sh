#!/bin/sh
# node_links.sh RECNETD: recnetd loads no library it never calls (cred/README.md, the targets).
# The XML stack that reads eIDAS trusted lists (libxml2, xmlsec1, libxslt, and through them ICU
# and libstdc++) is the library cred_tl's, linked only by recnetctl and the lists' tests: a node
# never reads a trusted list, and each of those libraries costs every node resident memory at
# start (relocations, constructors), some 2.5 MiB in all. Checked on the binary's DT_NEEDED.
set -eu
d=$1
needed=$(readelf -d "$d" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
if [ -z "$needed" ]; then
    echo "node_links: no NEEDED entry read from $d" >&2
    exit 1
fi
bad=$(printf '%s\n' "$needed" | grep -E '^lib(xml2|xmlsec1|xmlsec1-openssl|xslt|icu[a-z]*|stdc\+\+)\.so' || true)
if [ -n "$bad" ]; then
    echo "recnetd loads libraries it never calls:" >&2
    echo "$bad" >&2
    exit 1
fi
echo "recnetd needs: $(printf '%s ' $needed)"
