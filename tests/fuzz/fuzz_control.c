/*
 * fuzz_control.c: libFuzzer harness for the control request decoder (node_control, node/control.c).
 *
 * The control socket takes bytes from any local client, so node_control must survive any of
 * them. The harness builds, once, a core over a replica in a temporary directory holding the
 * federation of proof_fixture.h (Ireland's University of Zed and its spec, France's decisions and
 * policies), with the node being Germany's authority, and hands it every input as one request.
 * Beside not crashing, it checks that every call appends exactly one response within the response
 * bound that the control API's codec (proto/ctl.h) reads back, to the request's msgid, an error in
 * its one spelling; and that node_control returns 0 or RN_ETOOBIG only. Valid publish requests in
 * the corpus make the node author entries, so the replica grows while fuzzing; that is what a real
 * node does too.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <unistd.h>

#include <sodium.h>

#include "node/core.h"
#include "proto/ctl.h"
#include "proof_fixture.h"

static node *n;
static store s;
static mp_buf resp;
static mp_buf again; /* an error response re-encoded from what the codec read */
static char dir[64];

/* Removes the temporary replica when the process exits normally (the replay test; libFuzzer
 * exits through exit() too unless it crashes, when the directory is worth keeping). */
static void cleanup(void)
{
    DIR *dh;
    struct dirent *de;
    char path[512];
    node_free(n);
    store_close(&s);
    mp_buf_free(&resp);
    mp_buf_free(&again);
    dh = opendir(dir);
    if (dh == NULL)
        return;
    while ((de = readdir(dh)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        unlink(path);
    }
    closedir(dh);
    rmdir(dir);
}

static void ingest(const pf_entry *const *e, size_t count)
{
    proto_str raw[8];
    store_ingest_result res;
    rn_diag d;
    memset(&d, 0, sizeof(d));
    for (size_t i = 0; i < count; i++)
        raw[i] = (proto_str){ e[i]->b, (uint32_t)e[i]->len };
    RN_ASSERT(store_ingest(&s, raw, count, &res, &d) == 0);
}

static void init_once(void)
{
    static pf_world w;
    proto_roster ro;
    node_config cfg;
    RN_ASSERT(sodium_init() >= 0);
    snprintf(dir, sizeof(dir), "/tmp/fuzz_control.XXXXXX");
    RN_ASSERT(mkdtemp(dir) != NULL);
    RN_ASSERT(store_open(&s, dir, NULL) == 0);
    pf_world_build(&w);
    pf_roster_build(&w, &ro);
    RN_ASSERT(store_roster_set(&s, &ro) == 0);
    proto_roster_free(&ro);
    const pf_entry *ie[] = { &w.provider, &w.spec, &w.revocation };
    const pf_entry *fr[] = { &w.decision,           &w.policy,
                             &w.policy_other_field, &w.decision_other_spec,
                             &w.decision_expired,   &w.decision_employment };
    ingest(ie, 3);
    ingest(fr, 6);
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.sk, w.de.sk, sizeof(cfg.sk));
    cfg.rng_seed = 1;
    RN_ASSERT(node_new(&n, &s, &cfg, PF_T_2025_03_01) == 0);
    mp_buf_init(&resp, RN_CONTROL_RESPONSE_BYTES_MAX);
    mp_buf_init(&again, RN_CONTROL_RESPONSE_BYTES_MAX);
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        init_once();
        ready = true;
    }
    mp_buf_reset(&resp);
    int rc = node_control(n, data, size, &resp, PF_T_2025_03_01);
    RN_ASSERT(rc == 0 || rc == RN_ETOOBIG);
    RN_ASSERT(resp.len > 0 && resp.len <= RN_CONTROL_RESPONSE_BYTES_MAX);

    /* [1, msgid, error, result], read back with the control API's codec: one whole response,
     * error or result nil, an error in the node's one spelling (re-encoded to the same bytes),
     * and the msgid of the request when the request decodes. */
    ctl_response r;
    ctl_request q;
    ctl_error e;
    RN_ASSERT(ctl_response_decode(&r, resp.data, resp.len) == 0);
    memset(&e, 0, sizeof(e));
    if (ctl_request_decode(&q, data, size, &e) == 0 || q.msgid != 0)
        RN_ASSERT(r.msgid == q.msgid);
    if (r.is_error) {
        ctl_error back;
        RN_ASSERT(r.code < 0 && r.name != NULL && r.message != NULL);
        RN_ASSERT(r.field_len < sizeof(back.field) && r.message_len < sizeof(back.message));
        memset(&back, 0, sizeof(back));
        back.code = r.code;
        memcpy(back.field, r.field != NULL ? (const char *)r.field : "", r.field_len);
        memcpy(back.message, r.message, r.message_len);
        back.has_index = r.has_index;
        back.index = r.index;
        mp_buf_reset(&again);
        ctl_response_error(&again, r.msgid, &back);
        RN_ASSERT(again.len == resp.len && memcmp(again.data, resp.data, resp.len) == 0);
    }
    return 0;
}
