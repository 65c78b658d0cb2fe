/*
 * cmd_local.c: the commands that need no node: init, keygen, roster show|add. Files are written
 * by conf/keyfile.h (the secret key and the network key: O_EXCL, O_NOFOLLOW, mode 0600, fsync'd)
 * and conf/node.h, conf/roster.h (the configuration, the roster file), never overwriting
 * anything.
 *
 * What init writes and prints must work as it stands, since operators copy it: the roster path
 * given on the command line is the current directory's, so it goes into the configuration made
 * absolute (the node resolves relative paths against the data directory), and the commands
 * printed afterwards (roster add with the address init was given, the network key's place, how
 * to start the node) run as printed. proto/PROTOCOL.md section 15 specifies the files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "conf/keyfile.h"
#include "conf/roster.h"
#include "proto/codes.h"
#include "proto/key.h"

/* The configuration file that init writes in a data directory. */
#define CLI_CONFIG_NAME "recnet.ini"

static int keyfile_fail(const char *path, int rc, int sys_errno)
{
    if (rc == RN_EEXIST)
        return cli_fail(CLI_ERROR, "%s already exists: a key is never overwritten", path);
    if (rc == RN_EIO && sys_errno != 0)
        return cli_fail(CLI_ERROR, "%s: %s", path, strerror(sys_errno));
    return cli_fail(CLI_ERROR, "%s: %s", path, rn_strerror(rc));
}

/* DIR/NAME into out[0..cap), without doubling a slash DIR ends with. */
static int path_join(const cli_cmd *cmd, char *out, size_t cap, const char *dir, const char *name)
{
    size_t n = strlen(dir);
    const char *sep = n > 0 && dir[n - 1] == '/' ? "" : "/";
    int w = snprintf(out, cap, "%s%s%s", dir, sep, name);
    if (w < 0 || (size_t)w >= cap)
        return cli_usage(cmd, "path too long: %s%s%s", dir, sep, name);
    return 0;
}

/* Prints `s` as one shell word: as it is when every character is one the shell leaves alone
 * (paths, keys rn1:..., addresses), else in single quotes. */
static void print_word(const char *s)
{
    if (s[0] != '\0' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                                  "/._-+=:,@%[]") == strlen(s)) {
        fputs(s, stdout);
        return;
    }
    putchar('\'');
    for (; *s != '\0'; s++)
        if (*s == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*s);
    putchar('\'');
}

int cmd_keygen(cli *c, const cli_cmd *cmd, cli_args *a)
{
    uint8_t pk[PROTO_KEY_BYTES];
    char text[PROTO_KEY_TEXT_LEN + 1];
    int sys_errno = 0;
    (void)cmd;
    int rc = conf_keyfile_generate(a->pos[0], pk, &sys_errno);
    if (rc < 0)
        return keyfile_fail(a->pos[0], rc, sys_errno);
    proto_key_text_format(pk, text);
    if (c->json) {
        json_t *o = json_pack("{s:s, s:s}", "key_file", a->pos[0], "key", text);
        cli_json_print(o);
        json_decref(o);
    } else {
        printf("%s\n", text);
    }
    return CLI_OK;
}

static int netkey(const char *path, bool json)
{
    uint8_t key[PROTO_NETKEY_BYTES];
    char err[NODECONF_ERR_MAX];
    int rc = conf_netkey_generate(path, key, err, sizeof(err));
    memset(key, 0, sizeof(key));
    if (rc < 0)
        return cli_fail(CLI_ERROR, "%s", err);
    if (!json)
        printf("network key written to %s: give it to every member of the federation, "
               "privately\n",
               path);
    return CLI_OK;
}

/* The roster file that init writes into the configuration, into out[0..cap): without --roster,
 * "roster.ini", which the node reads relative to the configuration's directory (DIR/roster.ini);
 * with it, the path given, relative to the current directory as every path on the command line
 * is, made absolute (so that the node, which reads paths relative to DIR, finds the same file).
 * *shown is what the operator is told: the path from the current directory. */
static int init_roster(const cli_cmd *cmd, const char *given, const char *dir, char *out,
                       size_t cap, char *shown, size_t shown_cap)
{
    char cwd[CLI_PATH_BYTES];
    int rc;
    if (given == NULL) {
        snprintf(out, cap, "roster.ini");
        return path_join(cmd, shown, shown_cap, dir, "roster.ini");
    }
    if (given[0] == '\0')
        return cli_usage(cmd, "--roster: an empty path");
    if (given[0] == '/') {
        if (strlen(given) >= cap)
            return cli_usage(cmd, "--roster %s: path too long", given);
        snprintf(out, cap, "%s", given);
    } else {
        while (given[0] == '.' && given[1] == '/')
            given += 2 + strspn(given + 2, "/");
        if (getcwd(cwd, sizeof(cwd)) == NULL)
            return cli_fail(CLI_ERROR, "cannot read the current directory: %s", strerror(errno));
        if ((rc = path_join(cmd, out, cap, cwd, given)) != 0)
            return rc;
    }
    /* The configuration holds it on one line of at most NODECONF_LINE_MAX characters. */
    if (strlen("roster = ") + strlen(out) > NODECONF_LINE_MAX)
        return cli_usage(cmd, "--roster %s: the path %s is longer than a configuration line allows",
                         given, out);
    snprintf(shown, shown_cap, "%s", out);
    return 0;
}

/* Whether `host` is the unspecified address (0.0.0.0 or ::): a listener on every interface,
 * which tells nobody where to dial. */
static bool host_unspecified(const char *host)
{
    unsigned char ip[16];
    static const unsigned char zero[16];
    if (inet_pton(AF_INET, host, ip) == 1)
        return memcmp(ip, zero, 4) == 0;
    return inet_pton(AF_INET6, host, ip) == 1 && memcmp(ip, zero, 16) == 0;
}

/* What init prints after a node's directory is made: the commands that come next, each one a
 * command that runs as printed (HOST and NETWORK_KEY stand for what init cannot know). */
static void init_next_steps(const char *dir, const char *conf_path, const char *cc, const char *key,
                            const char *roster, const nodeconf_addr *listen, const char *nk)
{
    char addr[300], nk_dest[CLI_PATH_BYTES];
    bool any = host_unspecified(listen->host);
    if (any)
        snprintf(addr, sizeof(addr), "HOST:%u", (unsigned)listen->port);
    else
        nodeconf_addr_format(listen, addr, sizeof(addr));
    size_t n = strlen(dir);
    snprintf(nk_dest, sizeof(nk_dest), "%s%snetwork.key", dir,
             n > 0 && dir[n - 1] == '/' ? "" : "/");

    printf("Next, add the node to the federation's roster (the same file on every member):\n"
           "  recnetctl roster add --roster ");
    print_word(roster);
    printf(" --name %s --role authority --country %s --key %s --address ", cc, cc, key);
    print_word(addr);
    printf("\n");
    if (any)
        printf("  (HOST: the name or address at which the other members reach this node)\n");
    printf("give it the federation's network key (from recnetctl init --network-key FILE):\n"
           "  install -m 600 ");
    print_word(nk != NULL ? nk : "NETWORK_KEY");
    printf(" ");
    print_word(nk_dest);
    printf("\nand start it:\n  recnetd -c ");
    print_word(conf_path);
    printf("\n");
}

int cmd_init(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *country = cli_optval(cmd, a, "country");
    const char *listen = cli_optval(cmd, a, "listen");
    const char *roster = cli_optval(cmd, a, "roster");
    const char *nk = cli_optval(cmd, a, "network-key");
    const char *dir = a->pos_n > 0 ? a->pos[0] : c->data_dir;
    nodeconf *conf = NULL;
    char key_path[CLI_PATH_BYTES], conf_path[CLI_PATH_BYTES], err[NODECONF_ERR_MAX];
    char roster_shown[CLI_PATH_BYTES], addr[300];
    char text[PROTO_KEY_TEXT_LEN + 1];
    uint8_t pk[PROTO_KEY_BYTES];
    int sys_errno = 0, rc;

    if (country == NULL && nk == NULL)
        return cli_usage(cmd, "--country CC (a node), or --network-key FILE (a federation)");
    if (country == NULL) {
        rc = netkey(nk, c->json);
        if (rc == CLI_OK && c->json) {
            json_t *o = json_pack("{s:s}", "network_key_file", nk);
            cli_json_print(o);
            json_decref(o);
        }
        return rc;
    }
    const proto_country *cc = proto_country_find(country, strlen(country));
    if (cc == NULL)
        return cli_usage(cmd, "--country %s: not one of the 30 country codes", country);
    if (dir == NULL)
        return cli_usage(cmd, "which directory? give DIR or -d DATA_DIR");
    {
        /* The node will read data_dir "." against DIR, as "DIR/.": its control socket must
         * fit a Unix socket address, checked before anything is created. */
        char node_dir[CLI_PATH_BYTES];
        if ((rc = path_join(cmd, node_dir, sizeof(node_dir), dir, ".")) != 0)
            return rc;
        if (nodeconf_socket_path_check(node_dir, err, sizeof(err)) != 0)
            return cli_usage(cmd, "DIR %s: %s", dir, err);
    }
    conf = calloc(1, sizeof(*conf));
    if (conf == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    /* Paths in the configuration are relative to its own directory, the data directory; the
     * roster given on the command line is made absolute (init_roster). */
    snprintf(conf->country, sizeof(conf->country), "%s", cc->alpha2);
    snprintf(conf->data_dir, sizeof(conf->data_dir), ".");
    if ((rc = init_roster(cmd, roster, dir, conf->roster, sizeof(conf->roster), roster_shown,
                          sizeof(roster_shown))) != 0)
        goto out;
    snprintf(conf->key_file, sizeof(conf->key_file), "node.key");
    snprintf(conf->network_key_file, sizeof(conf->network_key_file), "network.key");
    conf->log_level = NODECONF_LOG_INFO;
    if (listen == NULL)
        listen = "0.0.0.0:7400";
    if (nodeconf_addr_parse(listen, strlen(listen), &conf->listen) < 0) {
        rc = cli_usage(cmd, "--listen %s: expected HOST:PORT", listen);
        goto out;
    }
    if ((rc = path_join(cmd, key_path, sizeof(key_path), dir, "node.key")) != 0 ||
        (rc = path_join(cmd, conf_path, sizeof(conf_path), dir, CLI_CONFIG_NAME)) != 0)
        goto out;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        rc = cli_fail(CLI_ERROR, "cannot create %s: %s", dir, strerror(errno));
        goto out;
    }
    /* Refuse before creating anything when a configuration is already there. */
    struct stat st;
    if (lstat(conf_path, &st) == 0) {
        rc = cli_fail(CLI_ERROR, "%s already exists: this directory is initialised", conf_path);
        goto out;
    }
    rc = conf_keyfile_generate(key_path, pk, &sys_errno);
    if (rc < 0) {
        rc = keyfile_fail(key_path, rc, sys_errno);
        goto out;
    }
    if (nodeconf_write(conf_path, conf, err, sizeof(err)) < 0) {
        rc = cli_fail(CLI_ERROR, "%s (the key %s was created)", err, key_path);
        goto out;
    }
    if (nk != NULL && (rc = netkey(nk, c->json)) != CLI_OK)
        goto out;
    proto_key_text_format(pk, text);
    nodeconf_addr_format(&conf->listen, addr, sizeof(addr));
    if (c->json) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "data_dir", dir, "config",
                              conf_path, "key_file", key_path, "country", cc->alpha2, "key", text,
                              "listen", addr, "roster", roster_shown);
        if (nk != NULL)
            json_object_set_new(o, "network_key_file", json_string(nk));
        cli_json_print(o);
        json_decref(o);
    } else {
        printf("initialised %s for the authority of %s\n", dir, cc->alpha2);
        printf("  configuration  %s\n", conf_path);
        printf("  secret key     %s (mode 0600; back it up, never share it)\n", key_path);
        printf("  public key     %s\n", text);
        printf("  listens on     %s\n", addr);
        printf("  roster         %s\n\n", roster_shown);
        init_next_steps(dir, conf_path, cc->alpha2, text, roster_shown, &conf->listen, nk);
    }
    rc = CLI_OK;
out:
    free(conf);
    return rc;
}

/* The roster file of a command: --roster, FILE, or the one DATA_DIR's configuration names. */
static int roster_path(cli *c, const cli_cmd *cmd, const cli_args *a, char *out, size_t cap)
{
    const char *r = cli_optval(cmd, a, "roster");
    if (r == NULL && a->pos_n > 0)
        r = a->pos[0];
    if (r != NULL) {
        snprintf(out, cap, "%s", r);
        return CLI_OK;
    }
    if (c->data_dir == NULL)
        return cli_usage(cmd, "which roster? give FILE, --roster FILE or -d DATA_DIR");
    nodeconf *conf = calloc(1, sizeof(*conf));
    char path[CLI_PATH_BYTES], err[NODECONF_ERR_MAX];
    if (conf == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    int rc = path_join(cmd, path, sizeof(path), c->data_dir, CLI_CONFIG_NAME);
    if (rc == 0 && nodeconf_load(conf, path, err, sizeof(err)) < 0)
        rc = cli_fail(CLI_ERROR, "%s", err);
    if (rc == 0)
        snprintf(out, cap, "%s", conf->roster);
    free(conf);
    return rc;
}

int cmd_roster_show(cli *c, const cli_cmd *cmd, cli_args *a)
{
    char path[CLI_PATH_BYTES], err[NODECONF_ERR_MAX], key[PROTO_KEY_TEXT_LEN + 1], addr[280];
    nodeconf_roster r;
    int rc = roster_path(c, cmd, a, path, sizeof(path));
    if (rc != CLI_OK)
        return rc;
    rc = nodeconf_roster_load(&r, path, err, sizeof(err));
    if (rc < 0)
        return cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "%s", err);
    json_t *all = json_array();
    cli_table t;
    cli_table_init(&t, 5);
    cli_table_row(&t, "NAME", "ROLE", "COUNTRY", "ADDRESS", "KEY");
    for (size_t i = 0; i < r.count; i++) {
        const nodeconf_member *m = &r.members[i];
        proto_key_text_format(m->key, key);
        if (m->has_address)
            nodeconf_addr_format(&m->address, addr, sizeof(addr));
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", m->name, "role",
                              proto_role_name((int)m->role), "country", m->country, "key", key);
        if (o != NULL && m->has_address)
            json_object_set_new(o, "address", json_string(addr));
        json_array_append_new(all, o);
        cli_table_row(&t, m->name, proto_role_name((int)m->role),
                      m->country[0] != '\0' ? m->country : NULL, m->has_address ? addr : NULL, key);
    }
    if (c->json)
        cli_json_print(all);
    else
        cli_table_print(&t);
    cli_table_free(&t);
    json_decref(all);
    nodeconf_roster_free(&r);
    return CLI_OK;
}

/* --key: a public key rn1:... as it is, or a secret key file (the member's own, on its machine)
 * whose public key is taken; the seed is wiped at once. */
static int member_key(const char *v, uint8_t pk[PROTO_KEY_BYTES])
{
    uint8_t seed[PROTO_SEED_BYTES];
    int sys_errno = 0;
    if (strncmp(v, PROTO_KEY_TEXT_PREFIX, PROTO_KEY_TEXT_PREFIX_LEN) == 0) {
        if (proto_key_text_parse(v, strlen(v), pk) < 0)
            return cli_fail(CLI_REFUSED, "--key %s: not a valid key rn1:...", v);
        return CLI_OK;
    }
    int rc = conf_keyfile_read(v, seed, pk, &sys_errno, NULL);
    sodium_memzero(seed, sizeof(seed));
    if (rc < 0)
        return cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED,
                        "--key %s: neither a key rn1:... nor a secret key file: %s%s%s", v,
                        rn_strerror(rc), sys_errno != 0 ? ": " : "",
                        sys_errno != 0 ? strerror(sys_errno) : "");
    return CLI_OK;
}

int cmd_roster_add(cli *c, const cli_cmd *cmd, cli_args *a)
{
    const char *name = cli_optval(cmd, a, "name"), *role = cli_optval(cmd, a, "role"),
               *country = cli_optval(cmd, a, "country"), *key = cli_optval(cmd, a, "key"),
               *address = cli_optval(cmd, a, "address");
    char path[CLI_PATH_BYTES], err[NODECONF_ERR_MAX];
    nodeconf_member m;
    memset(&m, 0, sizeof(m));
    int rc = roster_path(c, cmd, a, path, sizeof(path));
    if (rc != CLI_OK)
        return rc;
    if (name == NULL || role == NULL || key == NULL)
        return cli_usage(cmd, "--name, --role and --key are required");
    if (strlen(name) > NODECONF_NAME_MAX)
        return cli_usage(cmd, "--name: at most %u characters", NODECONF_NAME_MAX);
    snprintf(m.name, sizeof(m.name), "%s", name);
    if (strcmp(role, "authority") == 0)
        m.role = PROTO_ROLE_AUTHORITY;
    else if (strcmp(role, "mirror") == 0)
        m.role = PROTO_ROLE_MIRROR;
    else
        return cli_usage(cmd, "--role: authority or mirror");
    if (country != NULL) {
        const proto_country *cc = proto_country_find(country, strlen(country));
        if (cc == NULL)
            return cli_usage(cmd, "--country %s: not one of the 30 country codes", country);
        snprintf(m.country, sizeof(m.country), "%s", cc->alpha2);
    } else if (m.role == PROTO_ROLE_AUTHORITY) {
        return cli_usage(cmd, "an authority needs --country");
    }
    if ((rc = member_key(key, m.key)) != CLI_OK)
        return rc;
    if (address != NULL) {
        if (nodeconf_addr_parse(address, strlen(address), &m.address) < 0)
            return cli_usage(cmd, "--address %s: expected HOST:PORT", address);
        m.has_address = true;
    }
    rc = nodeconf_roster_append(path, &m, err, sizeof(err));
    if (rc < 0)
        return cli_fail(rc == RN_EIO ? CLI_ERROR : CLI_REFUSED, "%s", err);
    if (!c->json)
        printf("added %s (%s%s%s) to %s\n", m.name, role, m.country[0] != '\0' ? " of " : "",
               m.country, path);
    else {
        json_t *o = json_pack("{s:s, s:s, s:s}", "roster", path, "name", m.name, "role", role);
        cli_json_print(o);
        json_decref(o);
    }
    return CLI_OK;
}
