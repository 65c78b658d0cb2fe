/*
 * main.c: the recnet-sim command line.
 *
 *   recnet-sim [options] [SCENARIO]
 *
 * SCENARIO is a scenario file or the name of one shipped in simnet/scenarios (default, steady,
 * recognition, partition-heal, crash-storm, equivocation, misbehaviour, garbled-run, liar-heads,
 * want-loop, scale-1000, clock-step, roster-partition, roster-crash, compromised-key, split-view);
 * without one the shipped `default` runs (the 30 authorities publishing the demo workload, with
 * answers expected of every node), so that a bare `recnet-sim` shows what the simulator does. `-e`
 * adds directives after the file, and `--nodes` chooses the nodes, so any setting can be changed
 * from the command line; a directive's messages name it by its position ("-e #3"). The first report
 * carries a legend of its abbreviations (once per invocation). Exit status: 0 when every check and
 * expectation passed, 1 when one failed (the seed and the command that reproduces the run are
 * printed), 2 for a usage error or a run that could not be set up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "simnet/sim.h"

#ifndef RN_SIM_SCENARIOS
#define RN_SIM_SCENARIOS "simnet/scenarios"
#endif

static const char *shipped[] = { "default",          "steady",       "recognition",
                                 "partition-heal",   "crash-storm",  "equivocation",
                                 "misbehaviour",     "garbled-run",  "liar-heads",
                                 "want-loop",        "scale-1000",   "clock-step",
                                 "roster-partition", "roster-crash", "compromised-key",
                                 "split-view" };

/* The scenario run when none is given. */
#define DEFAULT_SCENARIO "default"

/* A directive given on the command line: the text of an -e, or "nodes ..." from --nodes. */
typedef struct setarg {
    const char *text;
    char origin[32]; /* "-e #3", "--nodes" */
    char buf[256];   /* --nodes: the directive built */
} setarg;

static void usage(FILE *f)
{
    fprintf(f, "usage: recnet-sim [options] [SCENARIO]\n"
               "  SCENARIO         a scenario file, or a shipped one: default (when none is\n"
               "                   given), steady, recognition, partition-heal, crash-storm,\n"
               "                   equivocation, misbehaviour, garbled-run, liar-heads,\n"
               "                   want-loop, scale-1000, clock-step, roster-partition,\n"
               "                   roster-crash, compromised-key, split-view\n"
               "  -e, --set LINE   one more directive after the scenario (repeatable),\n"
               "                   e.g. -e 'nodes 10' -e 'run 20s' -e 'at 5s crash FR'\n"
               "  --nodes LIST     the nodes: a count, or country codes (IE,FR,DE): the same\n"
               "                   as -e 'nodes ...'\n"
               "  --seed N         the run's seed (default: the scenario's, else 1)\n"
               "  --seeds A-B      run seeds A to B in turn; stop at the first failure\n"
               "  --keep           keep the replicas (their directory is printed)\n"
               "  --dir DIR        parent of the run's temporary directory ($TMPDIR or /tmp)\n"
               "  -v, --verbose    print timed directives and checks as they happen\n"
               "  --list           list the shipped scenarios\n"
               "  -h, --help\n"
               "Without SCENARIO, -e or --nodes the default scenario runs; with -e or --nodes\n"
               "alone, they describe the run from the built-in settings (nothing published).\n"
               "The first report explains RMR, LDH, HAVE, WANT and HEADS in a legend.\n"
               "Exit status: 0 all checks passed, 1 a check failed, 2 usage or set-up error.\n");
}

/* Prints argv as a shell command, without any --seed/--seeds, followed by --seed `seed`. */
static void print_repro(int argc, char **argv, uint64_t seed)
{
    char cwd[4096];
    printf("reproduce: cd ");
    printf("%s", getcwd(cwd, sizeof(cwd)) != NULL ? cwd : ".");
    printf(" && ");
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 || strcmp(argv[i], "--seeds") == 0) {
            i++;
            continue;
        }
        const char *a = argv[i];
        bool plain = a[0] != '\0' && strpbrk(a, " \t'\"\\$`*?|&;<>()#!") == NULL;
        if (i > 0)
            putchar(' ');
        if (plain) {
            printf("%s", a);
        } else {
            putchar('\'');
            for (const char *p = a; *p; p++)
                if (*p == '\'')
                    printf("'\\''");
                else
                    putchar(*p);
            putchar('\'');
        }
    }
    printf(" --seed %llu\n", (unsigned long long)seed);
}

static int parse_seed(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (s[0] < '0' || s[0] > '9' || errno != 0 || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    sim_scenario sc;
    sim_scenario_defaults(&sc);
    const char *scenario = NULL;
    static setarg sets[64];
    size_t sets_n = 0, e_n = 0;
    bool seed_given = false, seeds_given = false;
    uint64_t seed = 0, seed_lo = 0, seed_hi = 0;
    sim_options opt = { .out = stdout };

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--list") == 0) {
            for (size_t k = 0; k < sizeof(shipped) / sizeof(shipped[0]); k++)
                printf("%s\t%s/%s.sim\n", shipped[k], RN_SIM_SCENARIOS, shipped[k]);
            return 0;
        } else if ((strcmp(a, "-e") == 0 || strcmp(a, "--set") == 0 || strcmp(a, "--nodes") == 0) &&
                   i + 1 < argc) {
            if (sets_n == sizeof(sets) / sizeof(sets[0])) {
                fprintf(stderr, "recnet-sim: too many -e and --nodes\n");
                return 2;
            }
            setarg *sa = &sets[sets_n++];
            if (strcmp(a, "--nodes") == 0) {
                /* "IE,FR,DE" or "10": the directive `nodes IE FR DE` or `nodes 10`. */
                int m = snprintf(sa->buf, sizeof(sa->buf), "nodes %s", argv[++i]);
                if (m < 0 || (size_t)m >= sizeof(sa->buf)) {
                    fprintf(stderr, "recnet-sim: --nodes: too long\n");
                    return 2;
                }
                for (char *c = sa->buf; *c; c++)
                    if (*c == ',')
                        *c = ' ';
                sa->text = sa->buf;
                snprintf(sa->origin, sizeof(sa->origin), "--nodes");
            } else {
                sa->text = argv[++i];
                snprintf(sa->origin, sizeof(sa->origin), "-e #%zu", ++e_n);
            }
        } else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
            if (parse_seed(argv[++i], &seed) != 0) {
                fprintf(stderr, "recnet-sim: --seed: not a number: %s\n", argv[i]);
                return 2;
            }
            seed_given = true;
        } else if (strcmp(a, "--seeds") == 0 && i + 1 < argc) {
            char buf[64];
            snprintf(buf, sizeof(buf), "%s", argv[++i]);
            char *dash = strchr(buf, '-');
            if (dash == NULL || (*dash = '\0', parse_seed(buf, &seed_lo) != 0) ||
                parse_seed(dash + 1, &seed_hi) != 0 || seed_hi < seed_lo) {
                fprintf(stderr, "recnet-sim: --seeds: expected A-B\n");
                return 2;
            }
            seeds_given = true;
        } else if (strcmp(a, "--keep") == 0) {
            opt.keep = true;
        } else if (strcmp(a, "--dir") == 0 && i + 1 < argc) {
            opt.dir = argv[++i];
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            opt.verbose = true;
        } else if (a[0] == '-' || scenario != NULL) {
            fprintf(stderr, "recnet-sim: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            scenario = a;
        }
    }

    /* Nothing said: the default scenario. With -e or --nodes alone, those lines describe the run
     * from the built-in settings (sim_scenario_defaults: 30 nodes, nothing published). */
    if (scenario == NULL && sets_n == 0) {
        scenario = DEFAULT_SCENARIO;
        fprintf(stderr,
                "recnet-sim: no scenario given: running '%s' (%s/%s.sim); --help for usage, --list "
                "for the others\n",
                DEFAULT_SCENARIO, RN_SIM_SCENARIOS, DEFAULT_SCENARIO);
    }
    if (scenario != NULL) {
        char path[4096];
        if (strchr(scenario, '/') != NULL || access(scenario, R_OK) == 0)
            snprintf(path, sizeof(path), "%s", scenario);
        else
            snprintf(path, sizeof(path), "%s/%s.sim", RN_SIM_SCENARIOS, scenario);
        if (sim_scenario_load(&sc, path, stderr) != 0)
            return 2;
    }
    for (size_t k = 0; k < sets_n; k++)
        if (sim_scenario_parse_arg(&sc, sets[k].text, sets[k].origin, stderr) != 0)
            return 2;
    if (seed_given)
        sc.seed = seed;
    if (!seeds_given)
        seed_lo = seed_hi = sc.seed;

    for (uint64_t s = seed_lo;; s++) {
        sc.seed = s;
        opt.legend = s == seed_lo; /* once: with the first report */
        sim_result res;
        int rc = sim_run(&sc, &opt, &res);
        if (rc < 0)
            return 2;
        if (rc != 0) {
            printf("FAILED: %s\n", res.failure);
            printf("seed: %llu\n", (unsigned long long)s);
            print_repro(argc, argv, s);
            return 1;
        }
        printf("PASS\n");
        if (s == seed_hi)
            break;
        printf("\n");
    }
    return 0;
}
