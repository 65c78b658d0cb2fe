/*
 * store_crash_test.c: crash safety of the replica (store/store.h): a writer process killed with
 * SIGKILL in the middle of ingest or of local append leaves a replica that is exactly as of some
 * commit, that has lost nothing it acknowledged, and from which ingest resumes.
 *
 * The parent builds, once, the logs of three authorities (IE, FR, NL) as a peer would send them:
 * several thousand signed entries each, so that the child does no signing work for them. Then, for
 * a bounded number of rounds, it forks a child that opens the replica and loops: ingest a run of
 * one of those logs from (a little before) its head, or store_append an entry of the node's own
 * authority (DE). After each call returns, the child writes what it achieved to a pipe: "a SEQ"
 * for an acknowledged append, "i AUTHOR HEAD" for an ingest. Even rounds are ingest-heavy (seven
 * ingests to one append), odd rounds append-heavy (the reverse), so that kills land in both; now
 * and then the child also runs the index pass (store_index_flush), so that some land there.
 * Once the child says its replica is open ("r"), the parent waits a random 5 to 80 ms (a seeded
 * PRNG, tests/support/rng.h; the seed is printed, and RN_SEED=<seed> repeats the kill times and the
 * child's choices), kills the child, reaps it, reopens the replica and asserts:
 *
 *   - store_check passes: every log complete and linked, heads naming the last entries, every
 *     index agreeing with the entries;
 *   - every acknowledged append is there, and at most one more (the one in flight);
 *   - every received log is a prefix of the log that was sent, and no shorter than the child
 *     reported (a killed process loses no commit: the kernel holds its writes; only a power cut
 *     could lose unsynced received entries, which peers would send again);
 *   - ingest resumes: the rest of every log, from head + 1, is accepted in full. This is done on
 *     a copy of the replica (mdb_env_copy) so that later rounds still have ingest to do, and on
 *     the replica itself after the last round.
 *
 * No child outlives the test: each is killed and reaped in its round, asks the kernel to kill it
 * if the parent dies (PR_SET_PDEATHSIG), and exits by itself after CHILD_LIFE_MS.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/record.h"
#include "store/store.h"
#include "tests/support/fixtures.h"
#include "tests/support/rng.h"
#include "store/store_internal.h"

#include "testutil.h"

#define S(s) proto_str_c(s)

#define ROUNDS        12u
#define LOG_ENTRIES   8000u /* entries of each received log */
#define RUN_MAX       48u   /* entries of one ingested run in the child, at most */
#define KILL_MIN_MS   5u
#define KILL_MAX_MS   80u
#define READY_MAX_MS  10000u /* from fork to the child's replica being open, at most */
#define CHILD_LIFE_MS 30000u /* a child that was somehow not killed exits by itself */
#define OWN_BODIES    16u

#define T_LOG 1767225600000ull

enum { A_IE, A_FR, A_NL, A_OWN, A_COUNT };
#define RECEIVED 3 /* authors IE, FR, NL: the logs received from peers */

typedef struct author {
    const char *country;
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
} author;

static author authors[A_COUNT] = {
    [A_IE] = { .country = "IE" },
    [A_FR] = { .country = "FR" },
    [A_NL] = { .country = "NL" },
    [A_OWN] = { .country = "DE" },
};

/* The received logs: logs[a][i] is the entry at seq i + 1. */
static proto_str *logs[RECEIVED];
static uint8_t (*log_ids[RECEIVED])[PROTO_ID_BYTES];

/* Bodies of the own authority's appends, used in turn. */
typedef struct body {
    uint8_t b[4096];
    size_t len;
} body;
static body own_bodies[OWN_BODIES];

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- Records ---- */

/* The ELM sample's specification (tests/support/fixtures.h) under id `id` of `prov`. */
static void spec_body(body *out, const char *id, const char *prov)
{
    proto_record r;
    fx_elm_spec(&r, id, prov);
    mp_buf b;
    mp_buf_init(&b, sizeof(out->b));
    assert_int_equal(proto_record_encode(&r, &b), 0);
    memcpy(out->b, b.data, b.len);
    out->len = b.len;
    mp_buf_free(&b);
}

static const char *const providers[A_COUNT] = { "IE:uniz", "FR:univ-paris", "NL:theed", "DE:tu-x" };

/* The received logs: specs of each author's provider, 64 ids in turn (so later entries are
 * new versions of earlier records), one second apart. */
static void logs_make(void)
{
    static uint8_t buf[RN_ENTRY_BYTES_MAX];
    body bodies[64];
    for (int a = 0; a < RECEIVED; a++) {
        for (int j = 0; j < 64; j++) {
            char id[64];
            snprintf(id, sizeof(id), "%s/mc-%d", providers[a], j);
            spec_body(&bodies[j], id, providers[a]);
        }
        logs[a] = calloc(LOG_ENTRIES, sizeof(*logs[a]));
        log_ids[a] = calloc(LOG_ENTRIES, sizeof(*log_ids[a]));
        assert_true(logs[a] != NULL && log_ids[a] != NULL);
        for (uint32_t i = 0; i < LOG_ENTRIES; i++) {
            const body *b = &bodies[i % 64];
            proto_entry_draft dr = { .seq = i + 1,
                                     .prev = i == 0 ? NULL : log_ids[a][i - 1],
                                     .timestamp_ms = T_LOG + 1000ull * i,
                                     .kind = PROTO_KIND_SPEC,
                                     .body = b->b,
                                     .body_len = b->len };
            size_t len;
            assert_int_equal(proto_entry_sign(&dr, authors[a].sk, buf, sizeof(buf), &len), 0);
            uint8_t *e = malloc(len);
            assert_non_null(e);
            memcpy(e, buf, len);
            logs[a][i] = (proto_str){ e, (uint32_t)len };
            proto_entry_id(e, len, log_ids[a][i]);
        }
    }
    for (uint32_t j = 0; j < OWN_BODIES; j++) {
        char id[64];
        snprintf(id, sizeof(id), "%s/mc-%u", providers[A_OWN], j);
        spec_body(&own_bodies[j], id, providers[A_OWN]);
    }
}

static void logs_free(void)
{
    for (int a = 0; a < RECEIVED; a++) {
        for (uint32_t i = 0; logs[a] != NULL && i < LOG_ENTRIES; i++)
            free((void *)logs[a][i].ptr);
        free(logs[a]);
        free(log_ids[a]);
        logs[a] = NULL;
        log_ids[a] = NULL;
    }
}

/* ---- Files and the child, for the teardown ---- */

static char dir[64], copy[64]; /* the replica, and the copy ingest resumes on ("" when none) */
static pid_t child;            /* the live child, or 0 */

static void rm_dir(const char *path)
{
    (void)test_rmtree(path);
}

/* ---- The child: a writer that is killed at a random moment ---- */

static void say(int fd, const char *line, size_t len)
{
    /* One line is far below PIPE_BUF, so it arrives whole or not at all. */
    while (write(fd, line, len) < 0) {
        if (errno != EINTR)
            _exit(6);
    }
}

static uint64_t child_head(store *s, const uint8_t *key)
{
    store_read r;
    store_head h;
    if (store_query_begin(s, &r) != 0)
        _exit(7);
    int rc = store_head_get(&r, key, &h);
    store_read_end(&r);
    if (rc == RN_ENOTFOUND)
        return 0;
    if (rc != 0)
        _exit(7);
    return h.seq;
}

/* Never returns. Exit codes other than death by SIGKILL are failures the parent reports. */
static _Noreturn void child_main(const char *path, unsigned round, uint64_t seed, int fd)
{
    store s;
    uint64_t rng = seed ^ (0x5eedull * (round + 1));
    const bool ingest_heavy = round % 2 == 0;
    const uint64_t born = now_ms();
    char line[64];

    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        _exit(8);
    if (store_open(&s, path, NULL) != 0)
        _exit(2);
    /* The heads as the replica has them, then as this child's own ingests move them. */
    uint64_t heads[RECEIVED];
    for (int a = 0; a < RECEIVED; a++)
        heads[a] = child_head(&s, authors[a].pk);
    say(fd, "r\n", 2);
    for (uint64_t iter = 0;; iter++) {
        if (now_ms() - born > CHILD_LIFE_MS)
            _exit(5);
        /* Now and then the index pass runs on its own, as a node's does when idle, so that some
         * kills land in it too. */
        if (test_rng_next(&rng) % 8 == 0 && store_index_flush(&s) != 0)
            _exit(9);
        bool append = ingest_heavy ? iter % 8 == 7 : iter % 8 != 7;
        int a = (int)(test_rng_next(&rng) % RECEIVED);
        for (int tries = 0; tries < RECEIVED && heads[a] >= LOG_ENTRIES; tries++)
            a = (a + 1) % RECEIVED;
        uint64_t head = heads[a];
        if (head >= LOG_ENTRIES)
            append = true; /* every received log is complete */

        if (append) {
            const body *b = &own_bodies[iter % OWN_BODIES];
            uint64_t seq;
            if (store_append(&s, authors[A_OWN].sk, PROTO_KIND_SPEC, b->b, b->len, T_LOG + iter,
                             NULL, &seq, NULL, NULL) != 0)
                _exit(3);
            int n = snprintf(line, sizeof(line), "a %" PRIu64 "\n", seq);
            say(fd, line, (size_t)n);
            continue;
        }
        /* A run from up to three entries before the head (some duplicates), of 1 .. RUN_MAX. */
        uint64_t back = test_rng_next(&rng) % 4;
        uint64_t from = head + 1 > back ? head + 1 - back : 1;
        uint64_t n = 1 + test_rng_next(&rng) % RUN_MAX;
        if (from - 1 + n > LOG_ENTRIES)
            n = LOG_ENTRIES - (from - 1);
        store_ingest_result res;
        rn_diag d = { 0 };
        int rc = store_ingest(&s, &logs[a][from - 1], (size_t)n, &res, &d);
        uint64_t want = from - 1 + n > head ? from - 1 + n : head;
        if (rc != 0 || res.head_seq != want) {
            fprintf(stderr,
                    "child: ingest of %s %" PRIu64 " .. %" PRIu64 " over head %" PRIu64
                    ": %s at %u, head %" PRIu64 "\n",
                    authors[a].country, from, from - 1 + n, head, rn_err_name(rc), d.index,
                    res.head_seq);
            _exit(4);
        }
        heads[a] = res.head_seq;
        int len = snprintf(line, sizeof(line), "i %d %" PRIu64 "\n", a, res.head_seq);
        say(fd, line, (size_t)len);
    }
}

/* ---- The parent ---- */

/* What the child acknowledged in one round. */
typedef struct acks {
    uint64_t append_max;         /* highest acknowledged own seq, 0 if none */
    uint64_t appends;            /* acknowledged appends */
    uint64_t ingests;            /* acknowledged ingests */
    bool ready;                  /* the child has opened the replica */
    uint64_t head_min[RECEIVED]; /* the received heads must be at least these */
    char buf[256];               /* a partial line */
    size_t len;
} acks;

static uint64_t parse_u64(const char *s, char **end)
{
    errno = 0;
    unsigned long long v = strtoull(s, end, 10);
    assert_int_equal(errno, 0);
    assert_true(*end != s);
    return (uint64_t)v;
}

static void acks_line(acks *k, char *line)
{
    char *end;
    if (line[0] == 'a' && line[1] == ' ') {
        uint64_t seq = parse_u64(line + 2, &end);
        assert_true(seq > k->append_max); /* appends are acknowledged in order */
        k->append_max = seq;
        k->appends++;
    } else if (line[0] == 'r' && line[1] == '\0') {
        k->ready = true;
    } else if (line[0] == 'i' && line[1] == ' ') {
        uint64_t a = parse_u64(line + 2, &end);
        uint64_t h = parse_u64(end, &end);
        assert_true(a < RECEIVED);
        if (h > k->head_min[a])
            k->head_min[a] = h;
        k->ingests++;
    } else {
        fail_msg("unexpected line from the child: %s", line);
    }
}

/* Reads what is available on fd; returns false at end of file. */
static bool acks_read(acks *k, int fd)
{
    ssize_t n = read(fd, k->buf + k->len, sizeof(k->buf) - 1 - k->len);
    if (n < 0 && errno == EINTR)
        return true;
    assert_true(n >= 0);
    if (n == 0)
        return false;
    k->len += (size_t)n;
    char *p = k->buf, *nl;
    while ((nl = memchr(p, '\n', k->len - (size_t)(p - k->buf))) != NULL) {
        *nl = '\0';
        acks_line(k, p);
        p = nl + 1;
    }
    k->len -= (size_t)(p - k->buf);
    memmove(k->buf, p, k->len);
    return true;
}

/* Ingests the rest of every received log from head + 1, in runs of 1,000; all of it must be
 * accepted. */
static void resume(const char *path)
{
    store s;
    store_read r;
    assert_int_equal(store_open(&s, path, NULL), 0);
    for (int a = 0; a < RECEIVED; a++) {
        store_head h = { .seq = 0 };
        assert_int_equal(store_query_begin(&s, &r), 0);
        int rc = store_head_get(&r, authors[a].pk, &h);
        store_read_end(&r);
        assert_true(rc == 0 || rc == RN_ENOTFOUND);
        for (uint64_t from = h.seq + 1; from <= LOG_ENTRIES;) {
            size_t n = LOG_ENTRIES - (from - 1) < 1000 ? LOG_ENTRIES - (from - 1) : 1000;
            store_ingest_result res;
            rn_diag d = { 0 };
            assert_int_equal(store_ingest(&s, &logs[a][from - 1], n, &res, &d), 0);
            assert_int_equal(res.accepted, n);
            assert_int_equal(res.duplicates, 0);
            assert_int_equal(res.head_seq, from - 1 + n);
            from += n;
        }
    }
    store_check_result cr;
    assert_int_equal(store_check(&s, &cr), 0);
    assert_true(cr.entries >= RECEIVED * LOG_ENTRIES);
    store_close(&s);
}

/* After a kill: the replica is whole and holds everything acknowledged. Returns the own head. */
static uint64_t verify(const char *path, const acks *k, uint64_t own_before,
                       uint64_t heads[RECEIVED])
{
    store s;
    store_read r;
    store_head h;
    store_check_result cr;

    assert_int_equal(store_open(&s, path, NULL), 0);
    assert_int_equal(store_check(&s, &cr), 0);

    uint64_t total = 0, logs_held = 0;
    assert_int_equal(store_query_begin(&s, &r), 0);
    for (int a = 0; a < RECEIVED; a++) {
        int rc = store_head_get(&r, authors[a].pk, &h);
        heads[a] = 0;
        if (rc == RN_ENOTFOUND) {
            assert_int_equal(k->head_min[a], 0);
            continue;
        }
        assert_int_equal(rc, 0);
        /* A prefix of the log that was sent, no shorter than acknowledged. */
        assert_true(h.seq >= k->head_min[a]);
        assert_true(h.seq <= LOG_ENTRIES);
        assert_memory_equal(h.id, log_ids[a][h.seq - 1], PROTO_ID_BYTES);
        assert_int_equal(h.flags, 0);
        proto_str e;
        assert_int_equal(store_entry_get(&r, authors[a].pk, h.seq, &e), 0);
        assert_int_equal(e.len, logs[a][h.seq - 1].len);
        assert_memory_equal(e.ptr, logs[a][h.seq - 1].ptr, e.len);
        total += h.seq;
        heads[a] = h.seq;
        logs_held++;
    }
    /* Every acknowledged append, and at most the one in flight besides. */
    uint64_t own = 0, floor = k->append_max > own_before ? k->append_max : own_before;
    int rc = store_head_get(&r, authors[A_OWN].pk, &h);
    if (rc == 0) {
        own = h.seq;
        assert_int_equal(h.flags, 0);
    } else {
        assert_int_equal(rc, RN_ENOTFOUND);
    }
    assert_true(own >= floor);
    assert_true(own <= floor + 1);
    for (uint64_t seq = own_before + 1; seq <= k->append_max; seq++) {
        proto_str e;
        proto_entry pe;
        assert_int_equal(store_entry_get(&r, authors[A_OWN].pk, seq, &e), 0);
        assert_int_equal(proto_entry_decode(&pe, e.ptr, e.len, NULL), 0);
        assert_int_equal(proto_entry_verify(&pe), 0);
    }
    store_read_end(&r);
    total += own;
    assert_int_equal(cr.entries, total);
    assert_int_equal(cr.authors, logs_held + (own > 0 ? 1u : 0u));
    store_close(&s);
    return own;
}

static void test_crash(void **state)
{
    (void)state;
    uint64_t seed;
    const char *env = getenv("RN_SEED");
    if (env != NULL) {
        char *end;
        seed = parse_u64(env, &end);
    } else {
        randombytes_buf(&seed, sizeof(seed));
    }
    print_message("store_crash: seed %" PRIu64 " (RN_SEED=%" PRIu64 " repeats this run)\n", seed,
                  seed);
    uint64_t rng = seed;

    const uint64_t t0 = now_ms();
    logs_make();
    print_message("store_crash: %u signed entries made in %" PRIu64 " ms\n", RECEIVED * LOG_ENTRIES,
                  now_ms() - t0);

    snprintf(dir, sizeof(dir), "/tmp/recnet-store-crash-XXXXXX");
    assert_non_null(mkdtemp(dir));
    {
        store s;
        proto_roster ro;
        assert_int_equal(store_open(&s, dir, NULL), 0);
        assert_int_equal(proto_roster_init(&ro, 8), 0);
        for (int a = 0; a < A_COUNT; a++)
            assert_int_equal(
                proto_roster_add(&ro, authors[a].country, 2, PROTO_ROLE_AUTHORITY, authors[a].pk),
                0);
        assert_int_equal(store_roster_set(&s, &ro), 0);
        proto_roster_free(&ro);
        store_close(&s);
    }

    uint64_t own = 0, appends = 0, ingests = 0;
    for (unsigned round = 0; round < ROUNDS; round++) {
        const uint64_t wait_ms =
            KILL_MIN_MS + test_rng_next(&rng) % (KILL_MAX_MS - KILL_MIN_MS + 1);
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        /* Nothing of LMDB is open in the parent across fork. */
        pid_t pid = fork();
        assert_true(pid >= 0);
        child = pid;
        if (pid == 0) {
            close(fds[0]);
            child_main(dir, round, seed, fds[1]);
        }
        close(fds[1]);

        acks k;
        memset(&k, 0, sizeof(k));
        /* The kill is timed from the moment the child has opened the replica, so that a slow
         * start (a sanitizer build, a loaded machine) does not eat the window. */
        const uint64_t forked = now_ms();
        uint64_t start = 0;
        for (;;) {
            uint64_t t = now_ms();
            if (start == 0 && k.ready)
                start = t;
            if (start == 0 && t - forked >= READY_MAX_MS)
                break; /* never ready: reported below */
            if (start != 0 && t - start >= wait_ms)
                break;
            uint64_t left = start == 0 ? READY_MAX_MS - (t - forked) : wait_ms - (t - start);
            struct pollfd p = { .fd = fds[0], .events = POLLIN };
            int pr = poll(&p, 1, (int)left);
            if (pr > 0 && !acks_read(&k, fds[0]))
                break; /* the child ended early: reported below */
        }
        (void)kill(pid, SIGKILL);
        int status;
        while (waitpid(pid, &status, 0) < 0)
            assert_int_equal(errno, EINTR);
        child = 0;
        while (acks_read(&k, fds[0])) {
        }
        close(fds[0]);
        if (!k.ready)
            fail_msg("round %u: the child did not open the replica within %u ms", round,
                     READY_MAX_MS);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
            fail_msg("round %u: the child ended by itself (status 0x%x, exit code %d)", round,
                     (unsigned)status, WIFEXITED(status) ? WEXITSTATUS(status) : -1);

        uint64_t heads[RECEIVED];
        uint64_t own_after = verify(dir, &k, own, heads);
        print_message(
            "store_crash: round %2u (%s-heavy) killed after %2" PRIu64 " ms: %3" PRIu64
            " appends and %4" PRIu64 " ingests acknowledged; own head %" PRIu64
            "%s; received heads %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
            round, round % 2 == 0 ? "ingest" : "append", wait_ms, k.appends, k.ingests, own_after,
            own_after > (k.append_max > own ? k.append_max : own) ? " (one unacknowledged)" : "",
            heads[0], heads[1], heads[2]);
        own = own_after;
        appends += k.appends;
        ingests += k.ingests;

        /* Ingest resumes: on a copy, so that later rounds still have logs to ingest. */
        if (round + 1 < ROUNDS) {
            store s;
            snprintf(copy, sizeof(copy), "/tmp/recnet-store-crash-copy-XXXXXX");
            assert_non_null(mkdtemp(copy));
            assert_int_equal(store_open(&s, dir, NULL), 0);
            assert_int_equal(mdb_env_copy(s.priv->env, copy), 0);
            store_close(&s);
            resume(copy);
            rm_dir(copy);
            copy[0] = '\0';
        }
    }
    /* And on the replica itself after the last kill. */
    resume(dir);
    assert_true(appends > 0);
    assert_true(ingests > 0);
    print_message("store_crash: %u rounds, %" PRIu64 " appends and %" PRIu64
                  " ingests acknowledged, %" PRIu64 " ms in all\n",
                  ROUNDS, appends, ingests, now_ms() - t0);
}

/* Runs after the test, whether it passed or failed: no child outlives it, no directory stays. */
static int crash_teardown(void **state)
{
    (void)state;
    if (child > 0) {
        (void)kill(child, SIGKILL);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
        }
        child = 0;
    }
    if (dir[0] != '\0')
        rm_dir(dir);
    if (copy[0] != '\0')
        rm_dir(copy);
    dir[0] = copy[0] = '\0';
    logs_free();
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    for (int i = 0; i < A_COUNT; i++) {
        char label[64];
        uint8_t seed[32];
        snprintf(label, sizeof(label), "recnet store crash test key %s", authors[i].country);
        crypto_generichash(seed, 32, (const uint8_t *)label, strlen(label), NULL, 0);
        crypto_sign_seed_keypair(authors[i].pk, authors[i].sk, seed);
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_crash, crash_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
