/*
 * main.c: recnetd, the node each authority (or mirror) of the federation runs.
 *
 *     recnetd -c CONFIG        run the node described by CONFIG until SIGINT or SIGTERM
 *     recnetd --help | --version
 *
 * Start-up reads everything that can be wrong before anything is opened, in this order: the
 * configuration, the roster file, the secret key file (refused when group- or world-readable),
 * the network key file, and the configuration checked against the roster (our key a member, our
 * country its country, the dial list resolved). Then it takes the data directory's lock (so two
 * nodes never share a replica or a control socket), opens the replica, installs the roster file's
 * members in it, and hands over to the driver (driver.h).
 *
 * Exit codes: 0 after a clean shutdown; 1 when the node could not run (replica, lock, listen
 * address in use); 2 for a usage or configuration error, with the file, line and key named.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "conf/keyfile.h"
#include "conf/roster.h"
#include "node/driver.h"
#include "node/log.h"
#include "proto/key.h"
#include "proto/rosterchain.h"
#include "store/store.h"

#ifndef RECNET_VERSION
#define RECNET_VERSION "0.0.0"
#endif

enum { EXIT_RUN = 1, EXIT_CONFIG = 2 };

/* [limits] names every field of node_limits (conf/node.h's NODECONF_LIMITS), and run() copies
 * them by name: a field the file cannot set would be left at 0, the core's default. */
static_assert(sizeof(node_limits) == sizeof(nodeconf_limits),
              "a node_limits field not in [limits]");

static void usage(FILE *f)
{
    fprintf(f, "usage: recnetd -c CONFIG\n"
               "       recnetd --help | --version\n"
               "\n"
               "Runs one node of a recnet federation as CONFIG describes (an INI file: [node]\n"
               "country, data_dir, listen, roster, key_file, network_key_file, log_level,\n"
               "roster_chain, roster_changes;\n"
               "[peers] dial; [limits]; [store] map_size, check_at_start; [http] listen, the\n"
               "read-only HTTP/JSON gateway; see node/README.md).\n"
               "Logs go to stderr. SIGINT or SIGTERM shuts the node down cleanly. SIGHUP reads\n"
               "the configuration, the roster file, new change files and the key file again.\n"
               "\n"
               "  -c, --config CONFIG  the node's configuration file\n"
               "  -h, --help           this help\n"
               "  -V, --version        the version\n"
               "\n"
               "Exit status: 0 after a clean shutdown, 1 if the node could not run, 2 for a\n"
               "usage or configuration error.\n");
}

/* Takes an exclusive lock on <data_dir>/recnetd.lock for the life of the process. Returns the
 * descriptor, or -1 with the reason logged. */
static int lock_data_dir(const char *dir)
{
    char path[NODECONF_PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/recnetd.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        NODE_LOG_ERR("%s: %s", path, strerror(errno));
        return -1;
    }
    struct flock fl;
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        int e = errno;
        if (e == EACCES || e == EAGAIN)
            NODE_LOG_ERR("another recnetd is running on %s", dir);
        else
            NODE_LOG_ERR("%s: cannot lock: %s", path, strerror(e));
        close(fd);
        return -1;
    }
    return fd;
}

/* Everything start-up reads, wiped and freed on the way out. */
typedef struct startup {
    nodeconf conf;
    nodeconf_roster roster;
    node_config cfg;
    uint8_t seed[PROTO_SEED_BYTES];
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t dial[NODECONF_DIAL_MAX][PROTO_KEY_BYTES];
    size_t dial_n;
    store s;
    bool store_open;
    int lock_fd;
    /* [node] roster_chain: the genesis, the change files, the chain made of them. */
    uint8_t *genesis;
    size_t genesis_len;
    proto_str *changes;
    size_t changes_n;
    proto_rosterchain chain;
    bool chain_loaded;
} startup;

/*
 * The governed roster at start (PROTOCOL.md 15.4): the chain the replica holds or the genesis,
 * then the change files, installed in the replica (node_chain_prepare); our key a member of the
 * roster in force, an authority's country ours; the dial list. Returns 0 or the exit code.
 */
static int chain_start(startup *st)
{
    rn_diag d = { 0 };
    size_t skipped = 0;
    char err[NODECONF_ERR_MAX];
    int rc = node_chain_prepare(&st->s, st->genesis, st->genesis_len, st->changes, st->changes_n,
                                &st->chain, &skipped, &d);
    if (rc == RN_EINCONSISTENT) {
        NODE_LOG_ERR("%s: node.roster_chain: %s is not the genesis of the chain this replica "
                     "holds (another federation)",
                     st->conf.path, st->conf.roster_chain);
        return EXIT_CONFIG;
    }
    if (rc != 0) {
        NODE_LOG_ERR("%s: node.roster_chain: %s: %s%s%s", st->conf.path, st->conf.roster_chain,
                     rn_strerror(rc), d.field != NULL ? ", field " : "",
                     d.field != NULL ? d.field : "");
        return rc == RN_ESTORE || rc == RN_EFULL || rc == RN_ENOMEM ? EXIT_RUN : EXIT_CONFIG;
    }
    st->chain_loaded = true;
    if (skipped > 0)
        NODE_LOG_WARN("node.roster_changes: %zu change document%s not applied (the first, for "
                      "version %u: %s%s%s)",
                      skipped, skipped == 1 ? "" : "s", d.index, rn_strerror(d.code),
                      d.field != NULL ? ", field " : "", d.field != NULL ? d.field : "");
    uint64_t v = proto_rosterchain_version(&st->chain);
    const proto_member *me = proto_roster_find(&st->chain.current, st->pk);
    char kt[PROTO_KEY_TEXT_LEN + 1];
    proto_key_text_format(st->pk, kt);
    if (me == NULL) {
        NODE_LOG_ERR("%s: node.key_file: %s is not a member of the governed roster at version "
                     "%llu (a key rotated away or removed signs nothing more: use the new key)",
                     st->conf.path, kt, (unsigned long long)v);
        return EXIT_CONFIG;
    }
    if (me->role == PROTO_ROLE_AUTHORITY && strcmp(me->country, st->conf.country) != 0) {
        NODE_LOG_ERR("%s: node.country: %s, but the governed roster makes this key the authority "
                     "of %s",
                     st->conf.path, st->conf.country, me->country);
        return EXIT_CONFIG;
    }
    if (node_driver_dial_list(&st->conf, &st->roster, &st->s, st->pk, st->dial, &st->dial_n, err,
                              sizeof(err)) != 0) {
        NODE_LOG_ERR("%s", err);
        return EXIT_CONFIG;
    }
    NODE_LOG_INFO("governed roster \"%s\" at version %llu", st->chain.federation,
                  (unsigned long long)v);
    st->cfg.chain = &st->chain;
    return 0;
}

static int run(const char *config_path)
{
    startup *st = calloc(1, sizeof(*st));
    char err[NODECONF_ERR_MAX];
    int code = EXIT_CONFIG;
    int rc, sys_errno = 0;
    rn_diag diag = { 0 };

    if (st == NULL) {
        fprintf(stderr, "recnetd: out of memory\n");
        return EXIT_RUN;
    }
    st->lock_fd = -1;
    if (nodeconf_load(&st->conf, config_path, err, sizeof(err)) != 0) {
        fprintf(stderr, "recnetd: %s\n", err);
        goto out;
    }
    node_log_set_level((node_log_level)st->conf.log_level);
    if (nodeconf_roster_load(&st->roster, st->conf.roster, err, sizeof(err)) != 0) {
        NODE_LOG_ERR("%s", err);
        goto out;
    }

    rc = conf_keyfile_read(st->conf.key_file, st->seed, st->pk, &sys_errno, &diag);
    if (rc == RN_EIO) {
        NODE_LOG_ERR("%s: cannot read the secret key file: %s", st->conf.key_file,
                     strerror(sys_errno));
        goto out;
    } else if (rc == RN_EKEYFILE && diag.field != NULL) {
        NODE_LOG_ERR("%s:%u: %s: %s", st->conf.key_file, diag.index, diag.field, rn_strerror(rc));
        goto out;
    } else if (rc != 0) {
        NODE_LOG_ERR("%s: %s", st->conf.key_file, rn_strerror(rc));
        goto out;
    }
    proto_key_sk_derive(st->seed, st->cfg.sk, NULL);
    if (conf_netkey_read(st->conf.network_key_file, st->cfg.netkey, err, sizeof(err)) != 0) {
        NODE_LOG_ERR("%s", err);
        goto out;
    }
    /* With a governed roster, membership is the chain's (checked once it is loaded); the roster
     * file gives names and addresses. */
    bool governed = st->conf.roster_chain[0] != '\0';
    if (!governed && nodeconf_resolve(&st->conf, &st->roster, st->pk, st->dial, &st->dial_n, err,
                                      sizeof(err)) != 0) {
        NODE_LOG_ERR("%s", err);
        goto out;
    }
    if (governed) {
        rc = node_driver_read_file(st->conf.roster_chain, RN_ROSTERCHAIN_GENESIS_BYTES_MAX,
                                   &st->genesis, &st->genesis_len, err, sizeof(err));
        if (rc == 0)
            rc =
                node_driver_read_changes(&st->conf, &st->changes, &st->changes_n, err, sizeof(err));
        if (rc != 0) {
            NODE_LOG_ERR("%s", err);
            goto out;
        }
    }

    struct stat sb;
    if (stat(st->conf.data_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        NODE_LOG_ERR("%s: node.data_dir: %s is not a directory", st->conf.path, st->conf.data_dir);
        goto out;
    }
    code = EXIT_RUN;
    st->lock_fd = lock_data_dir(st->conf.data_dir);
    if (st->lock_fd < 0)
        goto out;
    store_options so = { .map_bytes = st->conf.map_bytes };
    rc = store_open(&st->s, st->conf.data_dir, &so);
    if (rc == RN_ENOMEM) {
        NODE_LOG_ERR(
            "%s: cannot open the replica: %s (it maps store.map_size, %llu bytes, of "
            "address space: lower [store] map_size or raise the limit, ulimit -v)",
            st->conf.data_dir, rn_strerror(rc),
            (unsigned long long)(so.map_bytes != 0 ? so.map_bytes : RN_STORE_MAP_BYTES_DEFAULT));
        goto out;
    }
    if (rc != 0) {
        NODE_LOG_ERR("%s: cannot open the replica: %s", st->conf.data_dir, rn_strerror(rc));
        goto out;
    }
    st->store_open = true;
    if (governed) {
        code = chain_start(st);
        if (code != 0)
            goto out;
        code = EXIT_RUN;
    } else {
        rc = store_roster_set(&st->s, &st->roster.roster);
        if (rc != 0) {
            NODE_LOG_ERR("%s: cannot install the roster: %s", st->conf.data_dir, rn_strerror(rc));
            goto out;
        }
    }

    /* The driver is where randomness comes from: the core's generator seed here, handshake
     * seeds per connection. */
    st->cfg.dial = (const uint8_t(*)[PROTO_KEY_BYTES])st->dial;
    st->cfg.dial_n = st->dial_n;
    randombytes_buf(&st->cfg.rng_seed, sizeof(st->cfg.rng_seed));
#define COPY_LIMIT(field, min, max) st->cfg.limits.field = st->conf.limits.field;
    NODECONF_LIMITS(COPY_LIMIT)
#undef COPY_LIMIT

    rc = node_driver_run(&st->s, &st->cfg, &st->conf, &st->roster);
    if (rc == 0)
        code = 0;
    else if (rc == RN_EINVAL)
        code = EXIT_CONFIG;
    if (rc == 0)
        NODE_LOG_INFO("stopped cleanly");
out:
    if (st->chain_loaded)
        proto_rosterchain_free(&st->chain);
    free(st->genesis);
    node_driver_free_changes(st->changes, st->changes_n);
    sodium_memzero(st->seed, sizeof(st->seed));
    sodium_memzero(&st->cfg, sizeof(st->cfg));
    if (st->store_open)
        store_close(&st->s);
    nodeconf_roster_free(&st->roster);
    if (st->lock_fd >= 0)
        close(st->lock_fd);
    free(st);
    return code;
}

int main(int argc, char **argv)
{
    const char *config = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("recnetd %s\n", RECNET_VERSION);
            return 0;
        }
        if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc &&
            config == NULL) {
            config = argv[++i];
            continue;
        }
        if (strncmp(a, "--config=", 9) == 0 && config == NULL) {
            config = a + 9;
            continue;
        }
        fprintf(stderr, "recnetd: unexpected argument \"%s\"\n", a);
        usage(stderr);
        return EXIT_CONFIG;
    }
    if (config == NULL) {
        usage(stderr);
        return EXIT_CONFIG;
    }

    /* A peer that goes away mid-write must be an error on that connection, not our death. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    if (sodium_init() < 0) {
        fprintf(stderr, "recnetd: libsodium failed to initialise\n");
        return EXIT_RUN;
    }
    return run(config);
}
