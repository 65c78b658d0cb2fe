# lib.sh: what every integration test shares: a temporary directory, a port range, a federation
# of real recnetd processes on 127.0.0.1, recnetctl against them, and bounded waits.
#
# A test script sources this file and calls `it_init NAME INDEX "$@"` with its own arguments:
#
#     test.sh RECNETD RECNETCTL POKE SOURCE_DIR
#
# (ctest passes the built binaries; run by hand, they default to the binaries of $BUILD_DIR, or
# build/, under the source tree). Each test gets
#
# - its own directory /tmp/recnet-integ-NAME.XXXXXX, removed when the test passes and kept, with
#   its path and the tail of every node's log printed, when it fails (IT_KEEP=1 keeps it always);
# - its own range of 40 ports on 127.0.0.1: 1024 + INDEX * 1320 + 40 * slot, below Linux's
#   ephemeral ports (32768-60999, which the nodes' own dials and every other client on the machine
#   take as source ports), the slot derived from the PID and moved on while any port of the range
#   answers, so that tests running in parallel (ctest -j, two build trees) do not collide;
# - a trap that stops every process it started (SIGCONT, SIGTERM, then SIGKILL after 5 s), on
#   success, failure or interruption.
#
# Every wait is bounded: it_wait_* take a limit in seconds and fail the test when it passes. No jq
# or python: JSON from `recnetctl --json` is flattened with tr and read with grep and sed.
#
# Nodes are named (usually by their country) and live in $IT_DIR/NAME: data directory, node.key,
# network.key, recnet.ini, and recnetd.log (stderr of every run of that node, appended).

IT_T0=$(date +%s%3N)
declare -A IT_PID=()     # name -> pid of its running recnetd
declare -A IT_PORT=()    # name -> its peer port
declare -A IT_KEY=()     # name -> its public key rn1:...
declare -A IT_CC=()      # name -> its country
IT_NEXT_PORT=0           # offset of the next port to hand out within the range
IT_LIMITS=""             # [limits] lines written into every new node's configuration

it_log() {
    local t=$(($(date +%s%3N) - IT_T0))
    printf '[%3d.%03d] %s\n' $((t / 1000)) $((t % 1000)) "$*"
}

it_fail() {
    it_log "FAIL: $*"
    exit 1
}

it_init() {
    IT_NAME=$1
    local index=$2
    shift 2
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    local build=${BUILD_DIR:-build}
    case "$build" in /*) ;; *) build=$root/$build ;; esac
    RECNETD=${1:-$build/node/recnetd}
    RECNETCTL=${2:-$build/cli/recnetctl}
    POKE=${3:-$build/tests/integration/rn_poke}
    IT_SRC=${4:-$root}
    IT_FIXTURES=$IT_SRC/tests/fixtures
    local b
    for b in "$RECNETD" "$RECNETCTL" "$POKE"; do
        [ -x "$b" ] || { echo "$IT_NAME: $b is not an executable: build first" >&2; exit 2; }
    done
    IT_DIR=$(mktemp -d "/tmp/recnet-integ-$IT_NAME.XXXXXX")
    trap it_cleanup EXIT
    trap 'exit 130' INT TERM HUP
    it_pick_ports "$index"
    mkdir -p "$IT_DIR/data"
    "$RECNETCTL" init --network-key "$IT_DIR/network.key" >/dev/null
    it_log "$IT_NAME: directory $IT_DIR, ports 127.0.0.1:$IT_PORT0-$((IT_PORT0 + 39))"
}

# Picks IT_PORT0, the first of 40 consecutive ports on which nothing answers: index INDEX owns
# 1024 + INDEX * 1320 .. + 1319 (33 slots of 40), so that indexes 0-23 end at port 32703, below
# the ephemeral range: a port in it may be some connection's source port, which no probe sees,
# and a node's bind would then fail with "address already in use". Indexes 24-26 lie above it
# (61000 + (INDEX - 24) * 1320 .. + 1319, up to port 64959).
it_pick_ports() {
    local index=$1 try slot p busy base=$((1024 + $1 * 1320))
    [ "$index" -le 26 ] || it_fail "port index $index: at most 26"
    [ "$index" -le 23 ] || base=$((61000 + (index - 24) * 1320))
    for try in $(seq 0 32); do
        slot=$(((BASHPID + try) % 33))
        IT_PORT0=$((base + slot * 40))
        busy=0
        for p in $(seq "$IT_PORT0" $((IT_PORT0 + 39))); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then busy=1; break; fi
        done
        [ $busy -eq 0 ] && return 0
    done
    it_fail "no free range of 40 ports for index $index"
}

# it_port_take: sets IT_P to a fresh port of the test's range.
it_port_take() {
    [ $IT_NEXT_PORT -lt 40 ] || it_fail "out of ports"
    IT_P=$((IT_PORT0 + IT_NEXT_PORT))
    IT_NEXT_PORT=$((IT_NEXT_PORT + 1))
}

it_cleanup() {
    local rc=$? name pid
    trap - EXIT INT TERM HUP
    for name in "${!IT_PID[@]}"; do
        pid=${IT_PID[$name]}
        kill -CONT "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
    done
    for name in "${!IT_PID[@]}"; do
        pid=${IT_PID[$name]}
        timeout 5 tail --pid="$pid" -s 0.05 -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    IT_PID=()
    # Whatever else the test left running in the background (publish loops, rn_poke rounds).
    local j
    for j in $(jobs -p); do kill -TERM "$j" 2>/dev/null || true; done
    if [ $rc -eq 0 ] && [ "${IT_KEEP:-0}" != 1 ]; then
        rm -rf "$IT_DIR"
        it_log "$IT_NAME: PASS"
    else
        if [ $rc -ne 0 ]; then
            local log
            for log in "$IT_DIR"/*/recnetd.log; do
                [ -f "$log" ] || continue
                echo "---- last lines of $log"
                tail -n 15 "$log"
            done
            it_log "$IT_NAME: FAILED (exit $rc); kept $IT_DIR"
        else
            it_log "$IT_NAME: PASS; kept $IT_DIR (IT_KEEP=1)"
        fi
    fi
    exit $rc
}

# ---- Nodes ----

# it_node_new NAME COUNTRY [ROSTER]: a data directory with its key, the network key and a
# configuration listening on a fresh port; the node is added to ROSTER (default the federation's,
# $IT_DIR/roster.ini) as an authority with its address.
it_node_new() {
    local name=$1 cc=$2 roster=${3:-$IT_DIR/roster.ini}
    local port
    it_port_take
    port=$IT_P
    "$RECNETCTL" --json init "$IT_DIR/$name" --country "$cc" --listen "127.0.0.1:$port" \
        --roster "$roster" >"$IT_DIR/$name.init.json" || it_fail "init $name"
    IT_KEY[$name]=$(sed -n 's/.*"key": "\(rn1:[^"]*\)".*/\1/p' "$IT_DIR/$name.init.json")
    IT_PORT[$name]=$port
    IT_CC[$name]=$cc
    [ -n "${IT_KEY[$name]}" ] || it_fail "init $name: no key"
    it_roster_add "$roster" "$name"
    install -m 600 "$IT_DIR/network.key" "$IT_DIR/$name/network.key"
    cp "$IT_DIR/$name/recnet.ini" "$IT_DIR/$name/recnet.base.ini"
    it_config "$name" recnet.ini
}

# it_roster_add ROSTER NAME [ADDRESS]: adds node NAME to a roster file (address: its own port;
# "none" for no address).
it_roster_add() {
    local roster=$1 name=$2 addr=${3:-127.0.0.1:${IT_PORT[$2]}}
    local a=(--address "$addr")
    [ "$addr" = none ] && a=()
    "$RECNETCTL" roster add --roster "$roster" --name "$name" --role authority \
        --country "${IT_CC[$name]}" --key "${IT_KEY[$name]}" "${a[@]}" >/dev/null ||
        it_fail "roster add $name to $roster"
}

# it_config NAME FILE [EXTRA]: writes $IT_DIR/NAME/FILE: the node's base configuration (its
# [node] section, with `listen` and `roster` replaced by $IT_LISTEN and $IT_ROSTER when set), the
# [limits] of $IT_LIMITS and the EXTRA lines (e.g. a [peers] section).
it_config() {
    local name=$1 file=$2 extra=${3:-}
    local dir=$IT_DIR/$name
    {
        sed -e "${IT_LISTEN:+s|^listen = .*|listen = $IT_LISTEN|}" \
            -e "${IT_ROSTER:+s|^roster = .*|roster = $IT_ROSTER|}" \
            -e "${IT_LOG_LEVEL:+s|^log_level = .*|log_level = $IT_LOG_LEVEL|}" \
            "$dir/recnet.base.ini"
        if [ -n "$IT_LIMITS" ]; then
            echo "[limits]"
            echo "$IT_LIMITS"
        fi
        [ -z "$extra" ] || echo "$extra"
    } >"$dir/$file"
}

# it_start NAME [CONFIG]: starts recnetd for NAME (configuration file CONFIG within its
# directory, default recnet.ini) and waits until its control socket answers `status`.
it_start() {
    local name=$1 cfg=${2:-recnet.ini}
    local dir=$IT_DIR/$name
    [ -z "${IT_PID[$name]:-}" ] || it_fail "$name is running already"
    echo "---- $(date -u +%FT%T) recnetd -c $cfg" >>"$dir/recnetd.log"
    (cd "$dir" && exec "$RECNETD" -c "$cfg") </dev/null >>"$dir/recnetd.log" 2>&1 &
    IT_PID[$name]=$!
    local i
    for i in $(seq 200); do
        if ! kill -0 "${IT_PID[$name]}" 2>/dev/null; then
            local rc=0
            wait "${IT_PID[$name]}" || rc=$?
            unset "IT_PID[$name]"
            it_fail "recnetd $name exited with $rc at start"
        fi
        "$RECNETCTL" -d "$dir" status >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    it_fail "recnetd $name did not answer status within 10 s"
}

# it_stop NAME: SIGTERM, then the node must exit 0 within 10 s.
it_stop() {
    local name=$1 pid=${IT_PID[$1]:?not running}
    local rc=0
    kill -TERM "$pid"
    if ! timeout 10 tail --pid="$pid" -s 0.05 -f /dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        unset "IT_PID[$name]"
        it_fail "recnetd $name did not exit within 10 s of SIGTERM"
    fi
    wait "$pid" || rc=$?
    unset "IT_PID[$name]"
    [ $rc -eq 0 ] || it_fail "recnetd $name exited with $rc after SIGTERM (expected 0)"
    has 'stopped cleanly' "$(tail -n 2 "$IT_DIR/$name/recnetd.log")" ||
        it_fail "$name: its log does not end with a clean stop"
}

# has NEEDLE HAYSTACK: whether HAYSTACK contains NEEDLE (a plain substring). Used instead of
# `... | grep -q`, which under pipefail can fail by ending the writer with SIGPIPE.
has() { [[ $2 == *"$1"* ]]; }

# ctl NAME ARGS...: recnetctl against node NAME.
ctl() {
    local name=$1
    shift
    "$RECNETCTL" -d "$IT_DIR/$name" "$@"
}

# ctlj NAME ARGS...: recnetctl --json, flattened onto one line without spaces (strings in the
# output never carry spaces that matter to the tests).
ctlj() {
    local name=$1
    shift
    "$RECNETCTL" -d "$IT_DIR/$name" --json "$@" | tr -d ' \n'
}

# it_counter NAME COUNTER: one of the status counters.
it_counter() {
    ctlj "$1" status | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

# ---- Records ----

# The credential digest that the demo revocation revokes (credentials are named by a salted
# digest only: no learner data ever enters a log).
# shellcheck disable=SC2034 # used by the tests
IT_CRED_REVOKED=$(printf 'integration credential salt 2|urn:credential:9a1f41c6' | sha256sum | cut -c1-64)
# shellcheck disable=SC2034
IT_CRED_OK=$(printf 'integration credential salt 1|urn:credential:3ef0ac26' | sha256sum | cut -c1-64)

# it_keygen NAME: a new issuer key $IT_DIR/data/NAME.key; prints its public key.
it_keygen() {
    "$RECNETCTL" keygen "$IT_DIR/data/$1.key" | grep -o 'rn1:[A-Za-z0-9+/=]*' | head -1
}

# it_fill FIXTURE [ISSUER_KEY]: a copy of tests/fixtures/demo/FIXTURE in $IT_DIR/data with its
# placeholders filled as tools/demo.sh does (@ISSUER_KEY@, @CREDENTIAL@: $IT_CRED_REVOKED);
# prints its path.
it_fill() {
    local f=$1 ikey=${2:-}
    sed -e "s|@CREDENTIAL@|$IT_CRED_REVOKED|" -e "s|@ISSUER_KEY@|$ikey|" "$IT_FIXTURES/demo/$f" \
        >"$IT_DIR/data/$f"
    echo "$IT_DIR/data/$f"
}

# it_publish NAME KIND FILE: publishes FILE from node NAME; fails the test unless accepted.
it_publish() {
    local out force=()
    # A decision or a pathway is published as soon as it is written, whether or not the specs it
    # names have reached this node yet (recnetctl refuses an unknown spec without --force).
    case "$2" in decision | pathway) force=(--force) ;; esac
    out=$(ctl "$1" --json "$2" publish "$3" "${force[@]}" 2>&1) || it_fail "$1 $2 publish $3: $out"
}

# it_series NAME KIND FIXTURE PREFIX FROM TO: publishes records PREFIX-FROM .. PREFIX-TO of KIND
# from node NAME, each a copy of tests/fixtures/demo/FIXTURE with that id; a spec's provider
# becomes the one PREFIX names ("IE:uniz/bulk": IE:uniz, which must be on NAME's log).
it_series() {
    local name=$1 kind=$2 fixture=$3 prefix=$4 from=$5 to=$6 i f
    f=$IT_DIR/data/series-$name.json
    for i in $(seq "$from" "$to"); do
        sed -e "0,/\"id\": \"[^\"]*\"/s||\"id\": \"$prefix-$i\"|" \
            -e "/\"provider\"/s|\"provider\": \"[^\"]*\"|\"provider\": \"${prefix%%/*}\"|" \
            "$IT_FIXTURES/demo/$fixture" >"$f"
        it_publish "$name" "$kind" "$f"
    done
}

# it_spec_series NAME PREFIX FROM TO: it_series of specs made from the Irish ELM sample.
it_spec_series() { it_series "$1" spec ie-spec.json "$2" "$3" "$4"; }

# it_decision_series NAME PREFIX FROM TO: it_series of decisions made from France's (on the
# Irish spec IE:uniz/mc-c012).
it_decision_series() { it_series "$1" decision fr-decision.json "$2" "$3" "$4"; }

# ---- Waits ----

# it_heads_seqs NAME: the node's heads as "CC:seq" words, in key order (forked ones as CC:seq!);
# "" when it holds none (always succeeds, as it_head_of).
it_heads_seqs() {
    ctlj "$1" heads 2>/dev/null | grep -o '"country":"[A-Z]*","seq":[0-9]*,"id":"[0-9a-f]*","timestamp":"[^"]*","forked":[a-z]*' |
        sed -e 's/"country":"\([A-Z]*\)","seq":\([0-9]*\),.*"forked":\(.*\)/\1:\2\3/' \
            -e 's/false$//' -e 's/true$/!/' | sort | tr '\n' ' ' | sed 's/ $//' || true
}

# it_wait_heads LIMIT_S "CC:seq ..." NAME...: waits until every named node holds exactly these
# heads (sorted by country) and all their `heads` outputs (authors, seqs, ids, times) are equal.
it_wait_heads() {
    local limit=$1 want=$2
    shift 2
    want=$(echo "$want" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')
    local deadline=$(($(date +%s%3N) + limit * 1000)) name ref ok h
    while :; do
        ok=1
        ref=""
        for name in "$@"; do
            [ "$(it_heads_seqs "$name")" = "$want" ] || { ok=0; break; }
            h=$(ctlj "$name" heads 2>/dev/null) || { ok=0; break; }
            [ -z "$ref" ] && ref=$h
            [ "$h" = "$ref" ] || { ok=0; break; }
        done
        [ $ok -eq 1 ] && return 0
        if [ "$(date +%s%3N)" -gt $deadline ]; then
            for name in "$@"; do it_log "  $name holds: $(it_heads_seqs "$name")"; done
            it_fail "nodes did not reach the heads [$want] within $limit s"
        fi
        sleep 0.05
    done
}

# it_wait_peers LIMIT_S N NAME...: waits until each named node has at least N peers connected.
it_wait_peers() {
    local limit=$1 n=$2
    shift 2
    local deadline=$(($(date +%s%3N) + limit * 1000)) name c short
    while :; do
        short=""
        for name in "$@"; do
            c=$(ctlj "$name" peers 2>/dev/null | grep -o '"connected":true' | wc -l || true)
            [ "$c" -ge "$n" ] || short="$short $name($c)"
        done
        [ -z "$short" ] && return 0
        [ "$(date +%s%3N)" -le $deadline ] || it_fail "peers short of $n after $limit s:$short"
        sleep 0.05
    done
}

# it_wait_log LIMIT_S NAME REGEX: waits until NAME's log has a line matching REGEX (grep -E).
it_wait_log() {
    local limit=$1 name=$2 re=$3
    local deadline=$(($(date +%s%3N) + limit * 1000))
    until grep -Eq "$re" "$IT_DIR/$name/recnetd.log"; do
        [ "$(date +%s%3N)" -le $deadline ] || it_fail "$name: no log line /$re/ within $limit s"
        sleep 0.05
    done
}

# it_expect_rc WANT DESCRIPTION COMMAND...: runs COMMAND and checks its exit status.
it_expect_rc() {
    local want=$1 what=$2 rc=0
    shift 2
    "$@" >"$IT_DIR/last.out" 2>&1 || rc=$?
    [ $rc -eq "$want" ] || { cat "$IT_DIR/last.out"; it_fail "$what: exit $rc, expected $want"; }
}

# it_publish_demo: publishes the demo's records (tools/demo.sh) from the nodes named IE, NL, FR
# and DE, Ireland's and the Netherlands' concurrently, then France's decision, Germany's policy,
# the Dutch pathway and the Irish revocation. Afterwards the heads are IE:3 NL:5 FR:1 DE:1 and
# $IT_IKEY_IE is the Irish awarding body's issuer key.
# shellcheck disable=SC2034
IT_DEMO_HEADS="IE:3 NL:5 FR:1 DE:1"
it_publish_demo() {
    IT_IKEY_IE=$(it_keygen issuer-uniz)
    local nl_key
    nl_key=$(it_keygen issuer-42nb)
    local ie_prov ie_spec nl_prov1 nl_prov2 nl_spec1 nl_spec2
    ie_prov=$(it_fill ie-provider.json "$IT_IKEY_IE")
    ie_spec=$(it_fill ie-spec.json)
    nl_prov1=$(it_fill nl-provider-theed.json "$nl_key")
    nl_prov2=$(it_fill nl-provider-uvh.json)
    nl_spec1=$(it_fill nl-spec-theed.json)
    nl_spec2=$(it_fill nl-spec-uvh.json)
    (it_publish IE provider "$ie_prov" && it_publish IE spec "$ie_spec") &
    local ie=$!
    (it_publish NL provider "$nl_prov1" && it_publish NL provider "$nl_prov2" &&
        it_publish NL spec "$nl_spec1" && it_publish NL spec "$nl_spec2") &
    local nl=$!
    # recnetctl's own 30 s bound on each call bounds these waits.
    wait $ie || it_fail "Ireland's publishes failed"
    wait $nl || it_fail "the Netherlands' publishes failed"
    it_publish FR decision "$(it_fill fr-decision.json)"
    it_publish DE policy "$(it_fill de-policy.json)"
    it_publish NL pathway "$(it_fill nl-pathway.json)"
    it_publish IE revocation "$(it_fill ie-revocation.json)"
}

# ---- The governed roster (roster_live.sh) ----

# it_chain_config NAME GENESIS [CHANGES]: node NAME's configuration with [node] roster_chain =
# GENESIS (and roster_changes = CHANGES when given), its other lines as it_config writes them.
it_chain_config() {
    local name=$1 genesis=$2 changes=${3:-}
    local base=$IT_DIR/$name/recnet.base.ini
    sed -i -e '/^roster_chain = /d' -e '/^roster_changes = /d' "$base"
    sed -i -e "s|^\(roster = .*\)$|\1\nroster_chain = $genesis|" "$base"
    [ -z "$changes" ] || sed -i -e "s|^\(roster_chain = .*\)$|\1\nroster_changes = $changes|" "$base"
    it_config "$name" recnet.ini
}

# it_roster_version NAME: the version of the governed roster node NAME holds ("" when none).
it_roster_version() {
    ctlj "$1" roster show 2>/dev/null |
        sed -n 's/.*"federation_id":"[0-9a-f]*","version":\([0-9]*\),.*/\1/p' || true
}

# it_wait_roster LIMIT_S VERSION NAME...: waits until every named node holds that version.
it_wait_roster() {
    local limit=$1 want=$2
    shift 2
    local deadline=$(($(date +%s%3N) + limit * 1000)) name short
    while :; do
        short=""
        for name in "$@"; do
            [ "$(it_roster_version "$name")" = "$want" ] || short="$short $name($(it_roster_version "$name"))"
        done
        [ -z "$short" ] && return 0
        [ "$(date +%s%3N)" -le $deadline ] || it_fail "roster version $want not reached in $limit s:$short"
        sleep 0.05
    done
}

# it_head_of NAME KEY: the seq of author KEY (rn1:...) in node NAME's heads ("" when it holds none).
# It always succeeds: holding none yet is an answer, and under `set -e -o pipefail` a failing
# grep would otherwise end a caller such as `[ ... ] || short="$(it_head_of ...)"` silently.
it_head_of() {
    ctlj "$1" heads 2>/dev/null | tr '{' '\n' | grep -F "\"author\":\"$2\"" |
        sed -n 's/.*"seq":\([0-9]*\).*/\1/p' | head -1 || true
}

# it_wait_head LIMIT_S KEY SEQ NAME...: waits until every named node holds author KEY up to SEQ.
it_wait_head() {
    local limit=$1 key=$2 want=$3
    shift 3
    local deadline=$(($(date +%s%3N) + limit * 1000)) name short
    while :; do
        short=""
        for name in "$@"; do
            [ "$(it_head_of "$name" "$key")" = "$want" ] || short="$short $name($(it_head_of "$name" "$key"))"
        done
        [ -z "$short" ] && return 0
        [ "$(date +%s%3N)" -le $deadline ] || it_fail "author $key not at seq $want in $limit s:$short"
        sleep 0.05
    done
}

# it_peer_connected NAME KEY: whether node NAME's peers show KEY connected.
it_peer_connected() {
    ctlj "$1" peers 2>/dev/null | tr '{' '\n' | grep -F "\"key\":\"$2\"" | grep -q '"connected":true'
}
