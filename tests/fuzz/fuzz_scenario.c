/*
 * fuzz_scenario.c: libFuzzer harness for the simulator's scenario parser (sim_scenario_parse,
 * simnet/sim.h).
 *
 * Scenario files and -e options are typed by people and shared between them, so the parser must
 * survive any text: long lines, NUL bytes, numbers past their bounds, directives cut short. The
 * input is one scenario, applied over the defaults as recnet-sim applies a file; messages go to
 * /dev/null. Beside not crashing, the harness checks that -1 is the only failure, and that an
 * accepted scenario keeps every count within the array it counts, its probabilities within
 * 0 .. 1, its latencies ordered, and every text NUL-terminated within its field.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto/error.h"
#include "simnet/sim.h"

#define TERMINATED(a) RN_ASSERT(memchr((a), '\0', sizeof(a)) != NULL)

static void check(const sim_scenario *sc)
{
    TERMINATED(sc->name);
    RN_ASSERT(sc->nodes >= 1 && sc->nodes <= SIM_NODES_MAX);
    RN_ASSERT(sc->authorities >= 1 && sc->authorities <= PROTO_COUNTRIES_COUNT);
    RN_ASSERT(sc->countries_n <= PROTO_COUNTRIES_COUNT);
    for (uint32_t i = 0; i < sc->countries_n; i++)
        RN_ASSERT(sc->countries[i] < PROTO_COUNTRIES_COUNT);
    RN_ASSERT(sc->lat_min_ms <= sc->lat_max_ms);
    const double probs[] = { sc->loss, sc->reorder, sc->duplicate, sc->corrupt };
    for (size_t i = 0; i < sizeof(probs) / sizeof(probs[0]); i++)
        RN_ASSERT(probs[i] >= 0.0 && probs[i] <= 1.0);
    RN_ASSERT(sc->streams_n <= SIM_STREAMS_MAX);
    RN_ASSERT(sc->events_n <= SIM_EVENTS_MAX);
    RN_ASSERT(sc->expects_n <= SIM_EXPECTS_MAX);
    for (size_t i = 0; i < sc->events_n; i++) {
        TERMINATED(sc->events[i].arg);
        TERMINATED(sc->events[i].arg2);
        TERMINATED(sc->events[i].where);
    }
    for (size_t i = 0; i < sc->expects_n; i++) {
        TERMINATED(sc->expects[i].spec);
        TERMINATED(sc->expects[i].specs);
        TERMINATED(sc->expects[i].group);
        TERMINATED(sc->expects[i].text);
        TERMINATED(sc->expects[i].where);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    static sim_scenario sc; /* over 100 KiB */
    if (devnull == NULL) {
        devnull = fopen("/dev/null", "w");
        RN_ASSERT(devnull != NULL);
    }
    sim_scenario_defaults(&sc);
    int rc = sim_scenario_parse(&sc, (const char *)data, size, "fuzz.sim", devnull);
    RN_ASSERT(rc == 0 || rc == -1);
    if (rc == 0)
        check(&sc);
    return 0;
}
