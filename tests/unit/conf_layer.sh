#!/bin/sh
# conf_layer.sh SOURCE_DIR RECNETCTL: the configuration layer stands on proto/ only, and the CLI
# does not carry the replica (conf/README.md).
#  - no file of conf/ includes a header of node/ or store/, LMDB's or libuv's;
#  - recnetctl holds no global function of the replica (store_*, mdb_*), of the node (node_*) or
#    of libuv (uv_*), defined or wanted (a static helper of the CLI's own may be named anything);
#  - nothing below the CLI (api/, node/, store/, proto/, conf/, cred/, simnet/) includes a header
#    of cli/: what recnetctl and the gateway share is the api library (api/README.md).
set -eu
src=$1
ctl=$2
status=0

bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](node/|store/|lmdb\.h|uv\.h)' \
    "$src"/conf/*.c "$src"/conf/*.h || true)
if [ -n "$bad" ]; then
    echo "conf/ includes what lies above proto/:" >&2
    echo "$bad" >&2
    status=1
fi

bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"cli/' \
    "$src"/api/*.[ch] "$src"/node/*.[ch] "$src"/store/*.[ch] "$src"/proto/*.[ch] \
    "$src"/conf/*.[ch] "$src"/cred/*.[ch] "$src"/simnet/*.[ch] || true)
if [ -n "$bad" ]; then
    echo "a module below the CLI includes a header of cli/:" >&2
    echo "$bad" >&2
    status=1
fi

syms=$(nm "$ctl" | grep -E ' [TUWV] (store_|mdb_|uv_|node_)' || true)
if [ -n "$syms" ]; then
    echo "$ctl carries functions of the replica, the node or libuv:" >&2
    echo "$syms" >&2
    status=1
fi
exit $status
