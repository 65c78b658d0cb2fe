/*
 * config_test.c: the node configuration, the roster file and the network key file
 * (conf/node.h, conf/roster.h, conf/keyfile.h).
 *
 * Each test works in its own mkdtemp directory under /tmp and removes it. Valid files read back
 * to the values written (relative paths resolved against the file's directory, defaults filled
 * in, EL read as GR, dial lists continued over indented lines); every error is checked for its
 * code and for a message that names the file, the line and the key; writers round-trip through
 * the readers; limits are tested at their bounds and one past them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/keyfile.h"
#include "conf/roster.h"
#include "proto/key.h"

typedef struct fixture {
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    memcpy(f->dir, "/tmp/recnet-config-XXXXXX", sizeof("/tmp/recnet-config-XXXXXX"));
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    DIR *d = opendir(f->dir);
    if (d != NULL) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    int rc = rmdir(f->dir);
    free(f);
    return rc;
}

/* Writes `text` to dir/name and returns the path in a static buffer per slot. */
static const char *put(const fixture *f, const char *name, const char *text)
{
    static char paths[4][256];
    static int slot;
    char *p = paths[slot++ % 4];
    snprintf(p, 256, "%s/%s", f->dir, name);
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    return p;
}

/* Writes len bytes of `bytes` (NULs included) to dir/name; returns the path as put does. */
static const char *put_bytes(const fixture *f, const char *name, const char *bytes, size_t len)
{
    const char *p = put(f, name, "");
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
    return p;
}

/* The public key of seed i, and its text. */
static void key_of(unsigned i, uint8_t pk[PROTO_KEY_BYTES], char text[PROTO_KEY_TEXT_LEN + 1])
{
    uint8_t seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES];
    for (unsigned k = 0; k < PROTO_SEED_BYTES; k++)
        seed[k] = (uint8_t)(i * 7u + k + 1u);
    proto_key_sk_derive(seed, sk, pk);
    if (text != NULL)
        proto_key_text_format(pk, text);
}

/* Asserts that `msg` contains `want`, printing both otherwise. */
static void assert_has(const char *msg, const char *want)
{
    if (strstr(msg, want) == NULL) {
        print_error("message \"%s\"\n  lacks \"%s\"\n", msg, want);
        fail();
    }
}

/* ---- The node configuration ---- */

static void test_conf_valid(void **state)
{
    fixture *f = *state;
    nodeconf c;
    char err[NODECONF_ERR_MAX], want[512];
    const char *path = put(f, "fr.ini",
                           "; a comment\n"
                           "# another\n"
                           "[node]\n"
                           "country = FR\n"
                           "data_dir = data\n"
                           "listen = 127.0.0.1:7401\n"
                           "roster = /etc/recnet/roster.ini ; inline comment\n"
                           "key_file = keys/fr.key\n"
                           "log_level = debug\n"
                           "checkpoint_interval = 0\n"
                           "\n"
                           "[peers]\n"
                           "dial = DE, NL,\n"
                           "    mirror-1\n"
                           "  EL\n"
                           "[limits]\n"
                           "peers_max = 64\n"
                           "batch_entries = 1\n"
                           "inflight_bytes = 16384\n"
                           "anti_entropy_ms = 5000\n"
                           "stall_ms = 1000\n"
                           "handshake_ms = 5000\n"
                           "idle_ms = 15000\n"
                           "backoff_min_ms = 100\n"
                           "backoff_max_ms = 30000\n"
                           "entries_per_s = 500000\n");
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
    assert_string_equal(c.country, "FR");
    snprintf(want, sizeof(want), "%s/data", f->dir);
    assert_string_equal(c.data_dir, want);
    assert_string_equal(c.listen.host, "127.0.0.1");
    assert_int_equal(c.listen.port, 7401);
    assert_string_equal(c.roster, "/etc/recnet/roster.ini");
    snprintf(want, sizeof(want), "%s/keys/fr.key", f->dir);
    assert_string_equal(c.key_file, want);
    snprintf(want, sizeof(want), "%s/data/network.key", f->dir);
    assert_string_equal(c.network_key_file, want);
    assert_int_equal(c.log_level, NODECONF_LOG_DEBUG);
    assert_int_equal(c.checkpoint_interval_s, 0);
    assert_true(c.dial_set);
    assert_int_equal(c.dial_line, 13);
    assert_int_equal(c.dial_n, 4);
    assert_string_equal(c.dial[0], "DE");
    assert_string_equal(c.dial[1], "NL");
    assert_string_equal(c.dial[2], "mirror-1");
    assert_string_equal(c.dial[3], "EL");
    assert_int_equal(c.limits.peers_max, 64);
    assert_int_equal(c.limits.batch_entries, 1);
    assert_int_equal(c.limits.inflight_bytes, 16384);
    assert_int_equal(c.limits.backoff_max_ms, 30000);
    assert_int_equal(c.limits.entries_per_s, 500000);
}

/* [node] roster_chain and roster_changes (PROTOCOL.md 15.4): paths resolved against the file's
 * directory, several changes on one line, none without a genesis. */
static void test_conf_roster_chain(void **state)
{
    fixture *f = *state;
    nodeconf c;
    char err[NODECONF_ERR_MAX], want[512];
    const char *path = put(f, "fr.ini",
                           "[node]\ncountry = FR\ndata_dir = /d\nlisten = 127.0.0.1:7401\n"
                           "roster = r.ini\nroster_chain = genesis.rc\n"
                           "roster_changes = changes/  /abs/v2.rc\tv3.rc\n");
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s/genesis.rc", f->dir);
    assert_string_equal(c.roster_chain, want);
    assert_int_equal(c.roster_changes_n, 3);
    snprintf(want, sizeof(want), "%s/changes/", f->dir);
    assert_string_equal(c.roster_changes[0], want);
    assert_string_equal(c.roster_changes[1], "/abs/v2.rc");
    snprintf(want, sizeof(want), "%s/v3.rc", f->dir);
    assert_string_equal(c.roster_changes[2], want);

    /* Without them, no chain: the node runs on its roster file as before. */
    path = put(f, "fr.ini",
               "[node]\ncountry = FR\ndata_dir = /d\nlisten = 127.0.0.1:7401\nroster = r.ini\n");
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
    assert_string_equal(c.roster_chain, "");
    assert_int_equal(c.roster_changes_n, 0);

    /* Changes without their genesis. */
    path = put(f, "fr.ini",
               "[node]\ncountry = FR\ndata_dir = /d\nlisten = 127.0.0.1:7401\nroster = r.ini\n"
               "roster_changes = v2.rc\n");
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), RN_EINVAL);
    assert_has(err, "node.roster_changes: changes need node.roster_chain");

    /* Too many paths. */
    path = put(f, "fr.ini",
               "[node]\ncountry = FR\ndata_dir = /d\nlisten = 127.0.0.1:7401\nroster = r.ini\n"
               "roster_chain = g\nroster_changes = 1 2 3 4 5 6 7 8 9\n");
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), RN_ETOOBIG);
    assert_has(err, "fr.ini:7: node.roster_changes: more than 8 paths");

    /* Written by nodeconf_write, read back equal. */
    path = put(f, "fr.ini",
               "[node]\ncountry = FR\ndata_dir = /d\nlisten = 127.0.0.1:7401\nroster = /r.ini\n"
               "roster_chain = /g.rc\nroster_changes = /c1 /c2\n");
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
    char out[600];
    snprintf(out, sizeof(out), "%s/written.ini", f->dir);
    assert_int_equal(nodeconf_write(out, &c, err, sizeof(err)), 0);
    nodeconf back;
    assert_int_equal(nodeconf_load(&back, out, err, sizeof(err)), 0);
    assert_string_equal(back.roster_chain, "/g.rc");
    assert_int_equal(back.roster_changes_n, 2);
    assert_string_equal(back.roster_changes[1], "/c2");
}

static void test_conf_defaults(void **state)
{
    fixture *f = *state;
    nodeconf c;
    char err[NODECONF_ERR_MAX];
    const char *path = put(f, "gr.ini",
                           "[node]\ncountry = EL\ndata_dir = /var/lib/recnet\n"
                           "listen = [::1]:7400\nroster = roster.ini\n");
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
    assert_string_equal(c.country, "GR");
    assert_string_equal(c.key_file, "/var/lib/recnet/node.key");
    assert_string_equal(c.network_key_file, "/var/lib/recnet/network.key");
    assert_string_equal(c.listen.host, "::1");
    assert_int_equal(c.log_level, NODECONF_LOG_INFO);
    assert_int_equal(c.checkpoint_interval_s, NODECONF_CHECKPOINT_INTERVAL_S_DEFAULT);
    assert_false(c.checkpoint_interval_set);
    assert_false(c.dial_set);
    assert_int_equal(c.limits.batch_entries, 0);

    /* A config in the current directory keeps relative paths as written. */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(f->dir), 0);
    assert_int_equal(nodeconf_load(&c, "gr.ini", err, sizeof(err)), 0);
    assert_string_equal(c.roster, "roster.ini");
    assert_int_equal(chdir(cwd), 0);

    /* A continuation may follow blank and comment lines, and ends at its inline comment as a
     * key line's value does. */
    path = put(f, "gr.ini",
               "[node]\ncountry = EL\ndata_dir = /d\nlisten = [::1]:7400\nroster = r\n"
               "[peers]\ndial = DE ; Germany\n\n; between\n    NL ; a comment, MT\n  mirror-1,\n");
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
    assert_int_equal(c.dial_n, 3);
    assert_string_equal(c.dial[0], "DE");
    assert_string_equal(c.dial[1], "NL");
    assert_string_equal(c.dial[2], "mirror-1");
}

typedef struct bad_case {
    const char *text;
    int code;
    const char *want; /* after "<path>:" */
} bad_case;

#define NODE_OK "[node]\ncountry = FR\ndata_dir = d\nlisten = 127.0.0.1:7400\nroster = r.ini\n"

static const bad_case conf_bad[] = {
    { "[node]\ncountry = FR\ndata_dir = d\nroster = r.ini\n", RN_EMISSING,
      "1: node.listen: required key is missing" },
    { "[peers]\ndial = DE\n", RN_EMISSING, "2: node.country: required key is missing (no [node]" },
    { NODE_OK "colour = blue\n", RN_EUNKNOWNFIELD, "6: node.colour: unknown key" },
    { NODE_OK "[nodes]\nx = 1\n", RN_EUNKNOWNFIELD, "6: [nodes]: unknown section" },
    { "country = FR\n", RN_EUNKNOWNFIELD, "1: country: key outside any section" },
    { NODE_OK "country = DE\n", RN_EDUPLICATE, "6: node.country: key given twice" },
    { NODE_OK "[limits]\n[node]\n", RN_EDUPLICATE,
      "7: [node]: section given twice (first at line 1)" },
    { NODE_OK "[limits]\nbatch_entries = 0\n", RN_EINVAL,
      "7: limits.batch_entries: 0 is outside 1..1024" },
    { NODE_OK "[limits]\nbatch_entries = 1025\n", RN_EINVAL,
      "7: limits.batch_entries: 1025 is outside 1..1024" },
    { NODE_OK "[limits]\npeers_max = 65\n", RN_EINVAL, "7: limits.peers_max: 65 is outside 1..64" },
    { NODE_OK "[limits]\ninflight_bytes = 16383\n", RN_EINVAL,
      "7: limits.inflight_bytes: 16383 is outside 16384..4194304" },
    { NODE_OK "[limits]\ninflight_bytes = 4194305\n", RN_EINVAL,
      "7: limits.inflight_bytes: 4194305 is outside 16384..4194304" },
    { NODE_OK "[limits]\nanti_entropy_ms = 3600001\n", RN_EINVAL,
      "7: limits.anti_entropy_ms: 3600001 is outside 100..3600000" },
    { NODE_OK "[limits]\nentries_per_s = 10000001\n", RN_EINVAL,
      "7: limits.entries_per_s: 10000001 is outside 1..10000000" },
    { NODE_OK "[limits]\nbackoff_min_ms = 60000\n", RN_EINVAL,
      "6: limits.backoff_max_ms: 30000 is below backoff_min_ms (60000)" },
    { NODE_OK "[limits]\nstall_ms = -1\n", RN_EINVAL,
      "7: limits.stall_ms: \"-1\" is not a decimal" },
    { NODE_OK "[limits]\nstall_ms = +5\n", RN_EINVAL,
      "7: limits.stall_ms: \"+5\" is not a decimal" },
    { NODE_OK "[limits]\nstall_ms = 10ms\n", RN_EINVAL,
      "7: limits.stall_ms: \"10ms\" is not a decimal" },
    { NODE_OK "[limits]\nstall_ms = 0x10\n", RN_EINVAL, "7: limits.stall_ms: \"0x10\" is not" },
    { NODE_OK "[limits]\nstall_ms =\n", RN_EINVAL, "7: limits.stall_ms: \"\" is not a decimal" },
    { NODE_OK "[limits]\nidle_ms = 99999999999999999999999\n", RN_EINVAL, "(too large)" },
    { NODE_OK "[limits]\nbackoff_min_ms = 5000\nbackoff_max_ms = 1000\n", RN_EINVAL,
      "6: limits.backoff_max_ms: 1000 is below backoff_min_ms (5000)" },
    { "[node]\ncountry = XX\n", RN_ECOUNTRY, "2: node.country: \"XX\" is not one of the 30" },
    { "[node]\ncountry = fr\n", RN_ECOUNTRY, "2: node.country: \"fr\" is not one" },
    { "[node]\ncountry = US\n", RN_ECOUNTRY, "2: node.country" },
    { "[node]\nlisten = 127.0.0.1\n", RN_EINVAL, "2: node.listen: \"127.0.0.1\" is not host:port" },
    { "[node]\nlisten = 127.0.0.1:0\n", RN_EINVAL, "2: node.listen" },
    { "[node]\nlisten = 127.0.0.1:65536\n", RN_EINVAL, "2: node.listen" },
    { "[node]\nlisten = :7400\n", RN_EINVAL, "2: node.listen" },
    { "[node]\nlisten = a b:7400\n", RN_EINVAL, "2: node.listen" },
    { "[node]\nlisten = []:7400\n", RN_EINVAL, "2: node.listen" },
    { "[node]\nlisten = localhost:7400\n", RN_EINVAL,
      "2: node.listen: \"localhost:7400\": the host must be an IP address" },
    { "[node]\nlisten = [::g]:7400\n", RN_EINVAL, "2: node.listen" },
    { "[node]\nlog_level = loud\n", RN_EINVAL, "2: node.log_level: \"loud\" is not error" },
    { "[node]\ncheckpoint_interval = 86401\n", RN_EINVAL,
      "2: node.checkpoint_interval: \"86401\" is not a number of seconds from 0 to 86400" },
    { "[node]\ncheckpoint_interval = -1\n", RN_EINVAL, "2: node.checkpoint_interval: \"-1\"" },
    { "[node]\ncheckpoint_interval = 1m\n", RN_EINVAL, "2: node.checkpoint_interval: \"1m\"" },
    { "[node]\ndata_dir =\n", RN_EINVAL, "2: node.data_dir: empty path" },
    { "[node]\ncountry = FR\n  DE\n", RN_EINVAL, "3: node.country: value continues" },
    { NODE_OK "[peers]\ndial = D E\n", 0, NULL }, /* two names separated by a space: fine */
    { NODE_OK "[peers]\ndial = D/E\n", RN_EINVAL, "7: peers.dial: \"D/E\" is not a member name" },
    { NODE_OK "[peers]\ndial = DE\ndial = NL\n", RN_EDUPLICATE, "8: peers.dial: key given twice" },
    { "[node]\nthis line has no equals sign\n", RN_EINVAL, "2: syntax error" },
    /* The grammar of PROTOCOL.md section 15.1, where inih alone would be more lenient. */
    { NODE_OK "[limits]\nstall_ms: 10\n", RN_EINVAL,
      "7: stall_ms: expected \"key = value\" (':' does not separate a key from its value)" },
    { "[node]\ncountry: FR\n", RN_EINVAL, "2: country: expected \"key = value\"" },
    { NODE_OK "[limits] x\nstall_ms = 10\n", RN_EINVAL, "6: [limits]: text after the ']'" },
    { NODE_OK "[limits];x\nstall_ms = 10\n", RN_EINVAL, "6: [limits]: text after the ']'" },
    { NODE_OK "[limits] \t; a comment\nstall_ms = 10\n", 0, NULL },
    { NODE_OK "[limits]\r\nstall_ms = 10\r\n", 0, NULL },
    { "[node]\n  country = FR\n", RN_EINVAL,
      "2: a line that starts with a blank continues the value of a key, and none precedes it" },
    { "  [node]\ncountry = FR\n", RN_EINVAL, "1: a line that starts with a blank continues" },
    { NODE_OK "[peers]\ndial = DE\n  [limits]\n", RN_EINVAL,
      "8: peers.dial: \"[limits]\" is not a member name" },
    { NODE_OK "  ; an indented comment\n", 0, NULL },
    { NODE_OK "[peers]\ndial = DE\n\n; between\n    NL ; a comment\n  MT\n", 0, NULL },
    { NODE_OK "[peers]\ndial = DE\n\n    NL/\n", RN_EINVAL, "9: peers.dial: \"NL/\" is not" },
    { NODE_OK "[node]\n", RN_EDUPLICATE, "6: [node]: section given twice" },
    { "[node]\nlog_level =;x\n", RN_EINVAL, "2: node.log_level: \";x\" is not" },
    { "[node]\nlog_level = ;x\n", RN_EINVAL, "2: node.log_level: \"\" is not" },
    { "\xef\xbb\xbf[node]\ncountry = EL\ndata_dir = d\nlisten = [::]:7400\nroster = r\n", 0, NULL },
    { NODE_OK "[limits]\nstall_ms = 0010\n", 0, NULL },
    { NODE_OK "Country = FR\n", RN_EUNKNOWNFIELD, "6: node.Country: unknown key" },
    { NODE_OK "[Limits]\n", RN_EUNKNOWNFIELD, "6: [Limits]: unknown section" },
    { NODE_OK "[ limits ]\n", RN_EUNKNOWNFIELD, "6: [ limits ]: unknown section" },
    { NODE_OK "[http]\nlisten = 127.0.0.1:8080\n", 0, NULL },
    { NODE_OK "[http]\nlisten = [::1]:8080\n", 0, NULL },
    { NODE_OK "[http]\nlisten = localhost:8080\n", RN_EINVAL,
      "7: http.listen: \"localhost:8080\": the host" },
    { NODE_OK "[http]\nlisten = 127.0.0.1:0\n", RN_EINVAL,
      "7: http.listen: \"127.0.0.1:0\" is not" },
    { NODE_OK "[http]\nlisten = 127.0.0.1\n", RN_EINVAL, "7: http.listen: \"127.0.0.1\" is not" },
    { NODE_OK "[http]\nport = 80\n", RN_EUNKNOWNFIELD, "7: http.port: unknown key" },
    { NODE_OK "[http]\nlisten = 127.0.0.1:80\nrate_per_s = 0\n", 0, NULL },
    { NODE_OK "[http]\nlisten = 127.0.0.1:80\nrate_per_s = 1000000\n", 0, NULL },
    { NODE_OK "[http]\nrate_per_s = 1000001\n", RN_EINVAL,
      "7: http.rate_per_s: \"1000001\" is not" },
    { NODE_OK "[http]\nrate_per_s = -1\n", RN_EINVAL, "7: http.rate_per_s: \"-1\" is not" },
    { NODE_OK "[http]\nrate_per_s = 1e3\n", RN_EINVAL, "7: http.rate_per_s: \"1e3\" is not" },
    { NODE_OK "[http]\nlisten = 127.0.0.1:8443\ntls_cert = c.pem\ntls_key = k.pem\n", 0, NULL },
    { NODE_OK "[http]\nlisten = 127.0.0.1:8443\ntls_cert = c.pem\n", RN_EINVAL,
      "6: http: tls_cert and tls_key go together" },
    { NODE_OK "[http]\ntls_cert = c.pem\ntls_key = k.pem\n", RN_EINVAL,
      "6: http: tls_cert and tls_key go together, and with listen" },
    { NODE_OK "[http]\nlisten = 127.0.0.1:8443\ntls_key =\n", RN_EINVAL,
      "8: http.tls_key: empty path" },
    { NODE_OK "[http]\nlisten = 127.0.0.1:8080\nissuer_docs = docs\ntrust = anchors.pem\n", 0,
      NULL },
    { NODE_OK "[http]\nissuer_docs = docs\n", RN_EINVAL,
      "6: http: issuer_docs and trust are for a gateway: give listen" },
    { NODE_OK "[http]\ntrust = anchors.pem\n", RN_EINVAL,
      "6: http: issuer_docs and trust are for a gateway" },
    { NODE_OK "[http]\nlisten = 127.0.0.1:8080\ntrust =\n", RN_EINVAL,
      "8: http.trust: empty path" },
    { NODE_OK "[http]\nlisten = 127.0.0.1:8080\nissuer_docs =\n", RN_EINVAL,
      "8: http.issuer_docs: empty path" },
    { "[node\n", RN_EINVAL, "1: syntax error" },
};

static void test_conf_errors(void **state)
{
    fixture *f = *state;
    nodeconf c;
    char err[NODECONF_ERR_MAX], want[600];
    for (size_t i = 0; i < sizeof(conf_bad) / sizeof(conf_bad[0]); i++) {
        const bad_case *b = &conf_bad[i];
        const char *path = put(f, "bad.ini", b->text);
        err[0] = '\0';
        int rc = nodeconf_load(&c, path, err, sizeof(err));
        if (rc != b->code) {
            print_error("case %zu: got %d (%s), want %d\n", i, rc, err, b->code);
            fail();
        }
        if (b->want == NULL)
            continue;
        if (b->want[0] == '(')
            snprintf(want, sizeof(want), "%s", b->want);
        else
            snprintf(want, sizeof(want), "%s:%s", path, b->want);
        assert_has(err, want);
    }
}

static void test_conf_long_line_and_missing(void **state)
{
    fixture *f = *state;
    nodeconf c;
    char err[NODECONF_ERR_MAX], text[1024], want[300];

    /* A line at the bound reads; one past it is an error at its line, never split. */
    char dir[NODECONF_LINE_MAX + 1];
    size_t pre = strlen("roster = /");
    memset(dir, 'a', sizeof(dir));
    dir[NODECONF_LINE_MAX - pre] = '\0';
    snprintf(text, sizeof(text),
             "[node]\ncountry = FR\nlisten = 1.2.3.4:5\ndata_dir = /d\nroster = /%s\n", dir);
    const char *path = put(f, "long.ini", text);
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
    assert_int_equal(strlen(c.roster), NODECONF_LINE_MAX - pre + 1);

    dir[NODECONF_LINE_MAX - pre] = 'a';
    dir[NODECONF_LINE_MAX - pre + 1] = '\0';
    snprintf(text, sizeof(text),
             "[node]\ncountry = FR\nlisten = 1.2.3.4:5\ndata_dir = /d\nroster = /%s\n", dir);
    path = put(f, "long.ini", text);
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), RN_ETOOBIG);
    snprintf(want, sizeof(want), "%s:5: line longer than %u", path, NODECONF_LINE_MAX);
    assert_has(err, want);

    /* Much longer than inih's buffer. */
    char huge[700];
    memset(huge, 'x', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    snprintf(text, sizeof(text), "[node]\n; %s\ncountry = ZZ\n", huge);
    path = put(f, "long.ini", text);
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), RN_ETOOBIG);
    snprintf(want, sizeof(want), "%s:2: line longer", path);
    assert_has(err, want);

    snprintf(want, sizeof(want), "%s/absent.ini", f->dir);
    assert_int_equal(nodeconf_load(&c, want, err, sizeof(err)), RN_EIO);
    assert_has(err, "absent.ini: cannot open: No such file or directory");

    /* A NUL byte is refused at its line, never read as the end of the line: not on the last
     * line (where the rest would be silently dropped), nor on another. */
    static const char last[] = NODE_OK "[limits]\nstall_ms = 10\0 and more";
    path = put_bytes(f, "nul.ini", last, sizeof(last) - 1);
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), RN_EINVAL);
    snprintf(want, sizeof(want), "%s:7: a NUL byte", path);
    assert_has(err, want);
    static const char mid[] = "[node]\ncountry = FR\0XX\n" NODE_OK;
    path = put_bytes(f, "nul.ini", mid, sizeof(mid) - 1);
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), RN_EINVAL);
    snprintf(want, sizeof(want), "%s:2: a NUL byte", path);
    assert_has(err, want);
}

/* ---- The roster file ---- */

/* A roster of FR, DE, GR (written EL) authorities and two mirrors, one without an address. */
static const char *roster_text(char *buf, size_t len)
{
    char k[5][PROTO_KEY_TEXT_LEN + 1];
    uint8_t pk[PROTO_KEY_BYTES];
    for (unsigned i = 0; i < 5; i++)
        key_of(i, pk, k[i]);
    snprintf(
        buf, len,
        "; the federation\n"
        "[member FR]\nrole = authority\ncountry = FR\nkey = %s\naddress = 127.0.0.1:7401\n"
        "\n[member DE]\nrole = authority\ncountry = DE\nkey = %s\naddress = de.example.eu:7402\n"
        "\n[member greece]\nrole = authority\ncountry = EL\nkey = %s\naddress = [::1]:7403\n"
        "\n[member mirror-1]\nrole = mirror\nkey = %s\naddress = 10.0.0.1:7404\n"
        "\n[member backup.fr]\nrole = mirror\ncountry = FR\nkey = %s\n",
        k[0], k[1], k[2], k[3], k[4]);
    return buf;
}

static void test_roster_valid(void **state)
{
    fixture *f = *state;
    nodeconf_roster r;
    char err[NODECONF_ERR_MAX], text[4096];
    uint8_t pk[PROTO_KEY_BYTES];
    const char *path = put(f, "roster.ini", roster_text(text, sizeof(text)));
    int rc = nodeconf_roster_load(&r, path, err, sizeof(err));
    if (rc != 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_int_equal(r.count, 5);
    assert_int_equal(r.roster.count, 5);
    assert_string_equal(r.members[2].name, "greece");
    assert_string_equal(r.members[2].country, "GR");
    assert_string_equal(r.members[2].address.host, "::1");
    assert_int_equal(r.members[1].address.port, 7402);
    assert_int_equal(r.members[3].role, PROTO_ROLE_MIRROR);
    assert_string_equal(r.members[3].country, "");
    assert_false(r.members[4].has_address);
    assert_int_equal(r.members[4].line, 25);

    key_of(2, pk, NULL);
    assert_ptr_equal(nodeconf_roster_by_key(&r, pk), &r.members[2]);
    const proto_member *gr = proto_roster_authority(&r.roster, "GR", 2);
    assert_non_null(gr);
    assert_memory_equal(gr->key, pk, PROTO_KEY_BYTES);
    assert_ptr_equal(nodeconf_roster_by_name(&r, "EL"), &r.members[2]);
    assert_ptr_equal(nodeconf_roster_by_name(&r, "GR"), &r.members[2]);
    assert_ptr_equal(nodeconf_roster_by_name(&r, "greece"), &r.members[2]);
    assert_ptr_equal(nodeconf_roster_by_name(&r, "mirror-1"), &r.members[3]);
    assert_null(nodeconf_roster_by_name(&r, "NL"));
    nodeconf_roster_free(&r);
    nodeconf_roster_free(&r); /* harmless twice */
}

static void test_roster_errors(void **state)
{
    fixture *f = *state;
    nodeconf_roster r;
    char err[NODECONF_ERR_MAX], text[2048], want[600];
    char k0[PROTO_KEY_TEXT_LEN + 1], k1[PROTO_KEY_TEXT_LEN + 1];
    uint8_t pk[PROTO_KEY_BYTES];
    key_of(0, pk, k0);
    key_of(1, pk, k1);
    char badkey[PROTO_KEY_TEXT_LEN + 1];
    memcpy(badkey, k0, sizeof(badkey));
    badkey[10] = badkey[10] == 'A' ? 'B' : 'A';

    struct {
        const char *fmt; /* %1$s and %2$s are two valid keys, %3$s an invalid one */
        int code;
        const char *want;
    } cases[] = {
        { "[member FR]\nrole = authority\ncountry = FR\nkey = %1$s\n"
          "[member FR]\nrole = mirror\nkey = %2$s\n",
          RN_EDUPLICATE, "5: [member FR]: member named twice (first at line 1)" },
        { "[member FR]\nrole = authority\ncountry = FR\nkey = %1$s\n"
          "[member M]\nrole = mirror\nkey = %1$s\n",
          RN_EDUPLICATE, "5: member M: key: same key as member FR (line 1)" },
        { "[member FR]\nrole = authority\ncountry = FR\nkey = %1$s\n"
          "[member FR2]\nrole = authority\ncountry = FR\nkey = %2$s\n",
          RN_EDUPLICATE, "5: member FR2: country: FR already has an authority (FR, line 1)" },
        { "[member GR]\nrole = authority\ncountry = GR\nkey = %1$s\n"
          "[member EL]\nrole = authority\ncountry = EL\nkey = %2$s\n",
          RN_EDUPLICATE, "5: member EL: country: GR already has an authority" },
        { "[member FR]\nrole = authority\ncountry = FR\nkey = %3$s\n", RN_EKEY,
          "4: member FR: key: not a valid rn1: public key" },
        { "[member FR]\nrole = authority\ncountry = FR\nkey = ssh-ed25519 AAAA\n", RN_EKEY,
          "4: member FR: key" },
        { "[member FR]\nrole = authority\nkey = %1$s\n", RN_EMISSING,
          "1: member FR: country: required key is missing for an authority" },
        { "[member FR]\ncountry = FR\nkey = %1$s\n", RN_EMISSING,
          "1: member FR: role: required key is missing" },
        { "[member FR]\nrole = authority\ncountry = FR\n", RN_EMISSING,
          "1: member FR: key: required key is missing" },
        { "[member FR]\n[member DE]\nrole = authority\ncountry = DE\nkey = %1$s\n", RN_EMISSING,
          "1: member FR: role: required key is missing" },
        { "[member FR]\nrole = king\n", RN_EINVAL,
          "2: member FR: role: \"king\" is not authority" },
        { "[member FR]\nrole = authority\ncountry = XX\n", RN_ECOUNTRY,
          "3: member FR: country: \"XX\" is not one of the 30" },
        { "[member FR]\naddress = nowhere\n", RN_EINVAL, "2: member FR: address: \"nowhere\"" },
        { "[member FR]\nrole = authority\nrole = mirror\n", RN_EDUPLICATE,
          "3: member FR: role: key given twice" },
        { "[member FR]\nweight = 3\n", RN_EUNKNOWNFIELD, "2: member FR: weight: unknown key" },
        { "[members]\nrole = mirror\n", RN_EUNKNOWNFIELD, "1: [members]: unknown section" },
        { "[member]\n", RN_EUNKNOWNFIELD, "1: [member]: unknown section" },
        { "[member a/b]\n", RN_EINVAL, "1: [member a/b]: member name must be" },
        { "role = mirror\n", RN_EUNKNOWNFIELD, "1: role: key outside any section" },
        { "; empty\n", RN_EMISSING, "1: no [member <name>] section" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(text, sizeof(text), cases[i].fmt, k0, k1, badkey);
#pragma GCC diagnostic pop
        const char *path = put(f, "roster.ini", text);
        err[0] = '\0';
        int rc = nodeconf_roster_load(&r, path, err, sizeof(err));
        if (rc != cases[i].code) {
            print_error("case %zu: got %d (%s), want %d\n", i, rc, err, cases[i].code);
            fail();
        }
        snprintf(want, sizeof(want), "%s:%s", path, cases[i].want);
        assert_has(err, want);
        assert_null(r.members); /* nothing left to free on failure */
    }
    snprintf(want, sizeof(want), "%s/absent.ini", f->dir);
    assert_int_equal(nodeconf_roster_load(&r, want, err, sizeof(err)), RN_EIO);
    assert_has(err, "absent.ini: cannot open: No such file");
}

/* ---- Resolving the dial list ---- */

static void test_resolve(void **state)
{
    fixture *f = *state;
    nodeconf c;
    nodeconf_roster r;
    char err[NODECONF_ERR_MAX], text[4096];
    uint8_t dial[NODECONF_DIAL_MAX][PROTO_KEY_BYTES];
    uint8_t k[6][PROTO_KEY_BYTES];
    size_t n = 0;
    for (unsigned i = 0; i < 6; i++)
        key_of(i, k[i], NULL);

    const char *rpath = put(f, "roster.ini", roster_text(text, sizeof(text)));
    assert_int_equal(nodeconf_roster_load(&r, rpath, err, sizeof(err)), 0);

    /* Default: every other member with an address (DE, greece, mirror-1). */
    const char *path = put(f, "fr.ini", NODE_OK);
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
    assert_int_equal(nodeconf_resolve(&c, &r, k[0], dial, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(dial[0], k[1], PROTO_KEY_BYTES);
    assert_memory_equal(dial[1], k[2], PROTO_KEY_BYTES);
    assert_memory_equal(dial[2], k[3], PROTO_KEY_BYTES);

    /* Named: countries (EL too) and member names. */
    path = put(f, "fr.ini", NODE_OK "[peers]\ndial = EL, mirror-1\n");
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
    assert_int_equal(nodeconf_resolve(&c, &r, k[0], dial, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(dial[0], k[2], PROTO_KEY_BYTES);
    assert_memory_equal(dial[1], k[3], PROTO_KEY_BYTES);

    /* Empty: dial nobody. */
    path = put(f, "fr.ini", NODE_OK "[peers]\ndial =\n");
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
    assert_int_equal(nodeconf_resolve(&c, &r, k[0], dial, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 0);

    struct {
        const char *dial;
        int code;
        const char *want;
    } cases[] = {
        { "NL", RN_ENOTFOUND, ":7: peers.dial: \"NL\" is neither a member" },
        { "FR", RN_EINVAL, ":7: peers.dial: \"FR\" is this node" },
        { "backup.fr", RN_EINVAL, ":7: peers.dial: member backup.fr has no address" },
        { "DE, greece, EL", RN_EDUPLICATE, ":7: peers.dial: member greece named twice" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char conf[512];
        snprintf(conf, sizeof(conf), NODE_OK "[peers]\ndial = %s\n", cases[i].dial);
        path = put(f, "fr.ini", conf);
        assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
        assert_int_equal(nodeconf_resolve(&c, &r, k[0], dial, &n, err, sizeof(err)), cases[i].code);
        assert_has(err, cases[i].want);
    }

    /* Our key must be a member, and our country its country. */
    path = put(f, "fr.ini", NODE_OK);
    assert_int_equal(nodeconf_load(&c, path, err, sizeof(err)), 0);
    assert_int_equal(nodeconf_resolve(&c, &r, k[5], dial, &n, err, sizeof(err)), RN_EROSTER);
    assert_has(err, "is not a member of the roster");
    assert_int_equal(nodeconf_resolve(&c, &r, k[1], dial, &n, err, sizeof(err)), RN_ECOUNTRY);
    assert_has(err, "node.country: FR, but our key is member DE");
    /* A mirror without a country fits any node country. */
    assert_int_equal(nodeconf_resolve(&c, &r, k[3], dial, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 3);
    nodeconf_roster_free(&r);
}

/* ---- Writers ---- */

/* [http] issuer_docs and trust: resolved against the file's directory, and written back. */
static void test_conf_http_verify(void **state)
{
    fixture *f = *state;
    nodeconf c, back;
    char err[NODECONF_ERR_MAX], want[300], path[256];
    const char *p = put(f, "gw.ini",
                        NODE_OK "[http]\nlisten = 127.0.0.1:8080\nissuer_docs = docs\n"
                                "trust = /etc/recnet/anchors.pem\n");
    assert_int_equal(nodeconf_load(&c, p, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s/docs", f->dir);
    assert_string_equal(c.http_issuer_docs, want);
    assert_string_equal(c.http_trust, "/etc/recnet/anchors.pem");
    snprintf(path, sizeof(path), "%s/gw-back.ini", f->dir);
    assert_int_equal(nodeconf_write(path, &c, err, sizeof(err)), 0);
    assert_int_equal(nodeconf_load(&back, path, err, sizeof(err)), 0);
    assert_string_equal(back.http_issuer_docs, c.http_issuer_docs);
    assert_string_equal(back.http_trust, c.http_trust);
    assert_int_equal(unlink(path), 0);
}

static void test_conf_write_round_trip(void **state)
{
    fixture *f = *state;
    nodeconf c, back;
    char err[NODECONF_ERR_MAX], path[256];
    memset(&c, 0, sizeof(c));
    memcpy(c.country, "NL", 3);
    snprintf(c.data_dir, sizeof(c.data_dir), "%s/data", f->dir);
    snprintf(c.roster, sizeof(c.roster), "%s/roster.ini", f->dir);
    snprintf(c.key_file, sizeof(c.key_file), "%s/data/node.key", f->dir);
    snprintf(c.network_key_file, sizeof(c.network_key_file), "%s/net.key", f->dir);
    memcpy(c.listen.host, "::", 3);
    c.listen.port = 7410;
    c.log_level = NODECONF_LOG_WARN;
    c.checkpoint_interval_s = 5;
    c.checkpoint_interval_set = true;
    c.dial_set = true;
    c.dial_n = 3;
    memcpy(c.dial[0], "FR", 3);
    memcpy(c.dial[1], "DE", 3);
    memcpy(c.dial[2], "mirror-1", 9);
    c.limits.batch_entries = 1024;
    c.limits.backoff_min_ms = 10;
    snprintf(path, sizeof(path), "%s/nl.ini", f->dir);

    assert_int_equal(nodeconf_write(path, &c, err, sizeof(err)), 0);
    assert_int_equal(nodeconf_load(&back, path, err, sizeof(err)), 0);
    assert_string_equal(back.country, "NL");
    assert_string_equal(back.data_dir, c.data_dir);
    assert_string_equal(back.roster, c.roster);
    assert_string_equal(back.key_file, c.key_file);
    assert_string_equal(back.network_key_file, c.network_key_file);
    assert_string_equal(back.listen.host, "::");
    assert_int_equal(back.listen.port, 7410);
    assert_int_equal(back.log_level, NODECONF_LOG_WARN);
    assert_int_equal(back.checkpoint_interval_s, 5);
    assert_int_equal(back.dial_n, 3);
    assert_string_equal(back.dial[2], "mirror-1");
    assert_memory_equal(&back.limits, &c.limits, sizeof(c.limits));

    /* Never overwritten; invalid configurations are not written. */
    assert_int_equal(nodeconf_write(path, &c, err, sizeof(err)), RN_EEXIST);
    snprintf(path, sizeof(path), "%s/bad.ini", f->dir);
    c.limits.batch_entries = 2000;
    assert_int_equal(nodeconf_write(path, &c, err, sizeof(err)), RN_EINVAL);
    assert_has(err, "limits.batch_entries: 2000 is outside 1..1024");
    c.limits.batch_entries = 0;

    /* A path that would not read back as written is refused, naming the key: blanks at either
     * end are stripped on reading, " ;" starts a comment, a control character breaks the line. */
    const char *unreadable[] = { "/a/roster.ini ", " /a/roster.ini", "/a ;b/roster.ini",
                                 "/a\t;b",         "/a\nb",          "/a\rb" };
    for (size_t i = 0; i < sizeof(unreadable) / sizeof(unreadable[0]); i++) {
        snprintf(c.roster, sizeof(c.roster), "%s", unreadable[i]);
        err[0] = '\0';
        assert_int_equal(nodeconf_write(path, &c, err, sizeof(err)), RN_EINVAL);
        assert_has(err, "node.roster: ");
        assert_has(err, "would not read back");
        assert_int_equal(access(path, F_OK), -1);
    }
    /* A ';' or '#' that no blank precedes is part of the value. */
    snprintf(c.roster, sizeof(c.roster), "%s/a;b#c.ini", f->dir);
    assert_int_equal(nodeconf_write(path, &c, err, sizeof(err)), 0);
    assert_int_equal(nodeconf_load(&back, path, err, sizeof(err)), 0);
    assert_string_equal(back.roster, c.roster);
    assert_int_equal(unlink(path), 0);

    c.country[0] = '\0';
    assert_int_equal(nodeconf_write(path, &c, err, sizeof(err)), RN_EINVAL);
    assert_int_equal(access(path, F_OK), -1);
}

static void test_roster_append(void **state)
{
    fixture *f = *state;
    nodeconf_roster r;
    nodeconf_member m;
    char err[NODECONF_ERR_MAX], path[256];
    snprintf(path, sizeof(path), "%s/roster.ini", f->dir);

    memset(&m, 0, sizeof(m));
    memcpy(m.name, "FR", 3);
    m.role = PROTO_ROLE_AUTHORITY;
    memcpy(m.country, "FR", 3);
    key_of(0, m.key, NULL);
    m.has_address = true;
    assert_int_equal(nodeconf_addr_parse("127.0.0.1:7401", 14, &m.address), 0);
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), 0);

    memcpy(m.name, "greece", 7);
    memcpy(m.country, "EL", 3); /* written as GR */
    key_of(1, m.key, NULL);
    assert_int_equal(nodeconf_addr_parse("[::1]:7402", 10, &m.address), 0);
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), 0);

    memcpy(m.name, "m1", 3);
    m.role = PROTO_ROLE_MIRROR;
    m.country[0] = '\0';
    m.has_address = false;
    key_of(2, m.key, NULL);
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), 0);

    /* Refused: a name, a key or an authority's country given twice, a bad country. */
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), RN_EDUPLICATE);
    assert_has(err, "member m1 is already in the roster");
    memcpy(m.name, "m2", 3);
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), RN_EDUPLICATE);
    assert_has(err, "member m1 already has this key");
    memcpy(m.name, "FR2", 4);
    m.role = PROTO_ROLE_AUTHORITY;
    memcpy(m.country, "FR", 3);
    key_of(3, m.key, NULL);
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), RN_EDUPLICATE);
    assert_has(err, "FR already has an authority");
    memcpy(m.country, "XX", 3);
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), RN_ECOUNTRY);
    m.country[0] = '\0';
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), RN_ECOUNTRY);

    assert_int_equal(nodeconf_roster_load(&r, path, err, sizeof(err)), 0);
    assert_int_equal(r.count, 3);
    assert_string_equal(r.members[1].name, "greece");
    assert_string_equal(r.members[1].country, "GR");
    assert_string_equal(r.members[1].address.host, "::1");
    assert_int_equal(r.members[1].address.port, 7402);
    assert_false(r.members[2].has_address);
    assert_int_equal(r.members[2].role, PROTO_ROLE_MIRROR);
    nodeconf_roster_free(&r);

    /* A hand-edited file without a final newline still appends cleanly. */
    FILE *fp = fopen(path, "a");
    assert_non_null(fp);
    fputs("; no newline", fp);
    fclose(fp);
    memcpy(m.name, "DE", 3);
    memcpy(m.country, "DE", 3);
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), 0);
    assert_int_equal(nodeconf_roster_load(&r, path, err, sizeof(err)), 0);
    assert_int_equal(r.count, 4);
    nodeconf_roster_free(&r);
}

/* The first member goes into an empty file, or one that holds only comments and blank lines
 * (a roster being started by hand), as it does into a file that does not exist yet. */
static void test_roster_append_first(void **state)
{
    fixture *f = *state;
    nodeconf_roster r;
    nodeconf_member m;
    char err[NODECONF_ERR_MAX];
    const char *starts[] = { "", "; the federation's roster\n\n# members follow\n", "\n\n",
                             "; no final newline" };

    memset(&m, 0, sizeof(m));
    memcpy(m.name, "FR", 3);
    m.role = PROTO_ROLE_AUTHORITY;
    memcpy(m.country, "FR", 3);
    key_of(0, m.key, NULL);
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
        const char *path = put(f, "first.ini", starts[i]);
        err[0] = '\0';
        int rc = nodeconf_roster_append(path, &m, err, sizeof(err));
        if (rc != 0) {
            print_error("case %zu: got %d (%s)\n", i, rc, err);
            fail();
        }
        assert_int_equal(nodeconf_roster_load(&r, path, err, sizeof(err)), 0);
        assert_int_equal(r.count, 1);
        assert_string_equal(r.members[0].name, "FR");
        nodeconf_roster_free(&r);
    }

    /* Such a file is still not a roster a node can run with. */
    const char *path = put(f, "first.ini", "; nobody yet\n");
    assert_int_equal(nodeconf_roster_load(&r, path, err, sizeof(err)), RN_EMISSING);
    assert_has(err, "no [member <name>] section");
    /* And a file that does not load for another reason is left alone. */
    path = put(f, "first.ini", "[members]\n");
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), RN_EUNKNOWNFIELD);
}

/* ---- The network key file ---- */

static void test_netkey(void **state)
{
    fixture *f = *state;
    uint8_t key[PROTO_NETKEY_BYTES], back[PROTO_NETKEY_BYTES];
    char err[NODECONF_ERR_MAX], path[256];
    snprintf(path, sizeof(path), "%s/network.key", f->dir);

    mode_t old = umask(0);
    assert_int_equal(conf_netkey_generate(path, key, err, sizeof(err)), 0);
    umask(old);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(conf_netkey_read(path, back, err, sizeof(err)), 0);
    assert_memory_equal(key, back, sizeof(key));
    assert_int_equal(conf_netkey_write(path, key, err, sizeof(err)), RN_EEXIST);

    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(conf_netkey_read(path, back, err, sizeof(err)), RN_EKEYPERM);
    assert_has(err, "mode 640");

    char b64[64];
    sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
    struct {
        const char *fmt;
        int code;
        const char *want;
    } cases[] = {
        { "# only a comment\n", RN_EKEY, "no key line" },
        { "%s\n%s\n", RN_EKEY, ":2: a second key line" },
        { "\n# c\nAAAA\n", RN_EKEY, ":3: not the base64" },
        { "%s", 0, NULL },     /* no final newline */
        { "%s\r\n", 0, NULL }, /* CRLF */
        { "# c\n\n%s\n\n", 0, NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[256];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
        snprintf(text, sizeof(text), cases[i].fmt, b64, b64);
#pragma GCC diagnostic pop
        unlink(path);
        put(f, "network.key", text);
        assert_int_equal(chmod(path, 0600), 0);
        int rc = conf_netkey_read(path, back, err, sizeof(err));
        if (rc != cases[i].code) {
            print_error("case %zu: got %d (%s)\n", i, rc, err);
            fail();
        }
        if (cases[i].want != NULL)
            assert_has(err, cases[i].want);
        else
            assert_memory_equal(key, back, sizeof(key));
    }

    /* A non-canonical spelling: the last character with unused bits set. */
    char nc[64];
    memcpy(nc, b64, sizeof(nc));
    nc[42] = nc[42] == 'B' ? 'C' : 'B';
    unlink(path);
    char text[128];
    snprintf(text, sizeof(text), "%s\n", nc);
    put(f, "network.key", text);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_not_equal(conf_netkey_read(path, back, err, sizeof(err)), 0);

    unlink(path);
    assert_int_equal(conf_netkey_read(path, back, err, sizeof(err)), RN_EIO);
    assert_has(err, "No such file");

    /* The bound: 4096 bytes (comments padding the key line) read, one more is too big. */
    static char big[4097];
    memset(big, '#', sizeof(big));
    big[4096 - 46] = '\n';
    memcpy(big + 4096 - 45, b64, 44);
    big[4095] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, big, 4096), 4096);
    close(fd);
    assert_int_equal(conf_netkey_read(path, back, err, sizeof(err)), 0);
    assert_memory_equal(key, back, sizeof(key));
    unlink(path);
    memmove(big + 1, big, 4096);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, big, 4097), 4097);
    close(fd);
    assert_int_equal(conf_netkey_read(path, back, err, sizeof(err)), RN_ETOOBIG);
    assert_has(err, "network.key: longer than 4096 bytes");
    unlink(path);

    /* A directory and a FIFO are not key files, and the FIFO must not block the reader (it did
     * before the two key files shared one reader). */
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(conf_netkey_read(path, back, err, sizeof(err)), RN_EKEY);
    assert_has(err, "network.key: not a regular file");
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(conf_netkey_read(path, back, err, sizeof(err)), RN_EKEY);
    assert_has(err, "network.key: not a regular file");
    unlink(path);
}

/* ---- The examples of PROTOCOL.md section 15 ---- */

/* The indented block (4 spaces) that follows the paragraph holding `marker` in section 15 of
 * proto/PROTOCOL.md, unindented, into out[0..cap). */
static void protocol_example(const char *marker, char *out, size_t cap)
{
    static char doc[400000];
    char path[512];
    snprintf(path, sizeof(path), "%s/proto/PROTOCOL.md", RN_SOURCE_DIR);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(doc, 1, sizeof(doc) - 1, fp);
    fclose(fp);
    doc[n] = '\0';
    const char *sec = strstr(doc, "\n## 15. ");
    assert_non_null(sec);
    const char *m = strstr(sec, marker);
    assert_non_null(m);
    const char *l = strstr(m, "\n\n    ");
    assert_non_null(l);
    l += 2;
    size_t len = 0;
    /* Indented lines, and the blank lines between them. */
    while (strncmp(l, "    ", 4) == 0 || (l[0] == '\n' && strncmp(l + 1, "    ", 4) == 0)) {
        const char *e = strchr(l, '\n');
        assert_non_null(e);
        const char *from = l[0] == '\n' ? l : l + 4;
        size_t k = (size_t)(e + 1 - from);
        assert_true(len + k < cap);
        memcpy(out + len, from, k);
        len += k;
        l = e + 1;
    }
    out[len] = '\0';
    assert_true(len > 0);
}

/* Reads the whole file `path` into out[0..cap), NUL-terminated. */
static void slurp(const char *path, char *out, size_t cap)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(out, 1, cap - 1, fp);
    fclose(fp);
    out[n] = '\0';
}

static void test_protocol_examples(void **state)
{
    fixture *f = *state;
    char text[4096], back[4096], err[NODECONF_ERR_MAX], path[256], want[300];

    /* 15.2: the network key file of the bytes 00..1f, byte for byte as the writer makes it. */
    uint8_t key[PROTO_NETKEY_BYTES], got[PROTO_NETKEY_BYTES];
    for (unsigned i = 0; i < sizeof(key); i++)
        key[i] = (uint8_t)i;
    protocol_example("Example, the 32 bytes `00 01 02 ... 1f`:", text, sizeof(text));
    snprintf(path, sizeof(path), "%s/network.key", f->dir);
    assert_int_equal(conf_netkey_write(path, key, err, sizeof(err)), 0);
    slurp(path, back, sizeof(back));
    assert_string_equal(back, text);
    assert_int_equal(strlen(back), 136);
    assert_int_equal(conf_netkey_read(path, got, err, sizeof(err)), 0);
    assert_memory_equal(got, key, sizeof(key));

    /* 15.3: the roster file, as roster add writes it for its two members, and as it reads. */
    protocol_example("Example (the keys of the seeds", text, sizeof(text));
    snprintf(path, sizeof(path), "%s/roster.ini", f->dir);
    nodeconf_member m;
    uint8_t seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES];
    memset(&m, 0, sizeof(m));
    memcpy(m.name, "FR", 3);
    m.role = PROTO_ROLE_AUTHORITY;
    memcpy(m.country, "FR", 3);
    memset(seed, 1, sizeof(seed));
    proto_key_sk_derive(seed, sk, m.key);
    m.has_address = true;
    assert_int_equal(nodeconf_addr_parse("fr.example.org:7400", 19, &m.address), 0);
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), 0);
    memcpy(m.name, "mirror-1", 9);
    m.role = PROTO_ROLE_MIRROR;
    m.country[0] = '\0';
    memset(seed, 2, sizeof(seed));
    proto_key_sk_derive(seed, sk, m.key);
    assert_int_equal(nodeconf_addr_parse("[2001:db8::1]:7400", 18, &m.address), 0);
    assert_int_equal(nodeconf_roster_append(path, &m, err, sizeof(err)), 0);
    slurp(path, back, sizeof(back));
    assert_string_equal(back, text);
    nodeconf_roster r;
    assert_int_equal(nodeconf_roster_load(&r, path, err, sizeof(err)), 0);
    assert_int_equal(r.count, 2);
    assert_string_equal(r.members[1].address.host, "2001:db8::1");
    nodeconf_roster_free(&r);

    /* 15.4: the complete configuration reads, every key as the table says. */
    protocol_example("A complete example (all keys;", text, sizeof(text));
    nodeconf c;
    const char *cpath = put(f, "fr.ini", text);
    int rc = nodeconf_load(&c, cpath, err, sizeof(err));
    if (rc != 0)
        print_error("%s\n", err);
    assert_int_equal(rc, 0);
    assert_string_equal(c.country, "FR");
    assert_string_equal(c.data_dir, "/var/lib/recnet/fr");
    assert_string_equal(c.listen.host, "0.0.0.0");
    snprintf(want, sizeof(want), "%s/roster.ini", f->dir);
    assert_string_equal(c.roster, want);
    assert_string_equal(c.network_key_file, "/etc/recnet/network.key");
    assert_int_equal(c.dial_n, 3);
    assert_string_equal(c.dial[2], "mirror-1");
    nodeconf_limits d = { 64, 1000, 4194304, 5000, 1000, 5000, 15000, 100, 30000, 500000 };
    assert_memory_equal(&c.limits, &d, sizeof(d));
    assert_true(c.map_bytes == 64ull << 30);
    assert_false(c.check_at_start);
}

/* [store]: map_size with its units and bounds, check_at_start (issue 10). */
static void test_conf_store(void **state)
{
    fixture *f = *state;
    nodeconf c;
    char err[NODECONF_ERR_MAX], text[512];
    static const char base[] = "[node]\ncountry = FR\nlisten = 1.2.3.4:5\ndata_dir = /d\n"
                               "roster = /r\n[store]\n";
    static const struct {
        const char *line;
        uint64_t bytes;   /* expected map_bytes when it loads */
        const char *want; /* else: part of the message */
    } cases[] = {
        { "map_size = 1048576", 1048576ull, NULL },
        { "map_size = 512M", 512ull << 20, NULL },
        { "map_size = 64G", 64ull << 30, NULL },
        { "map_size = 1T", 1ull << 40, NULL },
        { "map_size = 4096K", 4ull << 20, NULL },
        { "map_size = 1048575", 0, "7: store.map_size: \"1048575\" is not a size from 1M to 1T" },
        { "map_size = 2T", 0, "store.map_size: \"2T\" is not a size" },
        { "map_size = 64GB", 0, "store.map_size: \"64GB\" is not a size" },
        { "map_size = G", 0, "store.map_size: \"G\" is not a size" },
        { "map_size = -1M", 0, "store.map_size: \"-1M\" is not a size" },
        { "map_size = 99999999999999999999999T", 0, "store.map_size:" },
        { "check_at_start = maybe", 0, "store.check_at_start: \"maybe\" is not yes or no" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text), "%s%s\n", base, cases[i].line);
        const char *path = put(f, "store.ini", text);
        int rc = nodeconf_load(&c, path, err, sizeof(err));
        if (cases[i].want == NULL) {
            assert_int_equal(rc, 0);
            assert_true(c.map_bytes == cases[i].bytes);
        } else {
            assert_int_equal(rc, RN_EINVAL);
            assert_has(err, cases[i].want);
        }
    }
    snprintf(text, sizeof(text), "%scheck_at_start = yes\n", base);
    assert_int_equal(nodeconf_load(&c, put(f, "store.ini", text), err, sizeof(err)), 0);
    assert_true(c.check_at_start);
    assert_true(c.map_bytes == 0); /* not given: the store's default */
    snprintf(text, sizeof(text), "%smap_size = 1G\nmap_size = 2G\n", base);
    assert_int_equal(nodeconf_load(&c, put(f, "store.ini", text), err, sizeof(err)), RN_EDUPLICATE);
}

/* A data directory whose control socket path would not fit a Unix socket address is refused
 * when the configuration is read, before anything is created (issue 10). */
static void test_conf_socket_path(void **state)
{
    fixture *f = *state;
    nodeconf c;
    char err[NODECONF_ERR_MAX], text[512], dir[NODECONF_SOCKET_PATH_MAX + 2];
    size_t fit = NODECONF_SOCKET_PATH_MAX - strlen("/control.sock");

    memset(dir, 'a', sizeof(dir));
    dir[0] = '/';
    dir[fit] = '\0';
    snprintf(text, sizeof(text),
             "[node]\ncountry = FR\nlisten = 1.2.3.4:5\nroster = /r\ndata_dir = %s\n", dir);
    assert_int_equal(nodeconf_load(&c, put(f, "sock.ini", text), err, sizeof(err)), 0);
    assert_int_equal(nodeconf_socket_path_check(dir, err, sizeof(err)), 0);

    dir[fit] = 'a';
    dir[fit + 1] = '\0';
    snprintf(text, sizeof(text),
             "[node]\ncountry = FR\nlisten = 1.2.3.4:5\nroster = /r\ndata_dir = %s\n", dir);
    assert_int_equal(nodeconf_load(&c, put(f, "sock.ini", text), err, sizeof(err)), RN_ETOOBIG);
    assert_has(err, "node.data_dir:");
    assert_has(err, "/control.sock would be 108 bytes, longer than a Unix socket path allows");
    assert_int_equal(nodeconf_socket_path_check(dir, err, sizeof(err)), RN_ETOOBIG);
}

/* The readers of a text in memory (nodeconf_parse, nodeconf_roster_parse) read as the readers of
 * a file do, with the given path in messages and as the base of relative paths, and need no file:
 * the text is not NUL-terminated, an empty text is an empty file, and a NUL is still an error. */
static void test_parse_buffer(void **state)
{
    (void)state;
    static nodeconf c;
    nodeconf_roster r;
    char err[NODECONF_ERR_MAX];
    static const char conf[] = "[node]\ncountry = EL\ndata_dir = data\nlisten = [::1]:7400\n"
                               "roster = roster.ini\nX";
    assert_int_equal(
        nodeconf_parse(&c, "/nowhere/gr.ini", conf, sizeof(conf) - 2, err, sizeof(err)), 0);
    assert_string_equal(c.path, "/nowhere/gr.ini");
    assert_string_equal(c.country, "GR");
    assert_string_equal(c.data_dir, "/nowhere/data");
    assert_string_equal(c.roster, "/nowhere/roster.ini");
    assert_string_equal(c.key_file, "/nowhere/data/node.key");
    assert_int_equal(c.listen.port, 7400);
    /* One byte more is the "X" line: a syntax error at line 6 of the named text. */
    assert_int_equal(
        nodeconf_parse(&c, "/nowhere/gr.ini", conf, sizeof(conf) - 1, err, sizeof(err)), RN_EINVAL);
    assert_has(err, "/nowhere/gr.ini:6:");
    assert_int_equal(nodeconf_parse(&c, "empty.ini", "", 0, err, sizeof(err)), RN_EMISSING);
    assert_has(err, "empty.ini:");
    assert_int_equal(
        nodeconf_parse(&c, "nul.ini", "[node]\ncountry = F\0R\n", 21, err, sizeof(err)), RN_EINVAL);
    assert_has(err, "nul.ini:2: a NUL byte");

    static const char roster[] = "[member FR]\nrole = authority\ncountry = FR\n"
                                 "key = rn1:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=\n"
                                 "address = fr.example.org:7400\n";
    assert_int_equal(
        nodeconf_roster_parse(&r, "roster.ini", roster, sizeof(roster) - 1, err, sizeof(err)), 0);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.members[0].name, "FR");
    assert_int_equal(r.members[0].address.port, 7400);
    nodeconf_roster_free(&r);
    assert_int_equal(nodeconf_roster_parse(&r, "roster.ini", "; none\n", 7, err, sizeof(err)),
                     RN_EMISSING);
    assert_has(err, "roster.ini:1: no [member <name>] section");
    nodeconf_roster_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_conf_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_long_line_and_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roster_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roster_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_write_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_http_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roster_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roster_append_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_netkey, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protocol_examples, setup, teardown),
        cmocka_unit_test(test_parse_buffer),
        cmocka_unit_test_setup_teardown(test_conf_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_socket_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_roster_chain, setup, teardown),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
