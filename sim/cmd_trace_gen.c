/*
 * cmd_trace_gen.c - `sculpt trace gen`: run the synthetic trace generator (traces/src/
 * gen.h) on a JSON spec and write the series to a store, the announced events to a feed
 * and, on request, the ground truth to a CSV.
 *
 * All outputs are first written under temporary names in their own directories and
 * renamed into place only when every one of them is complete, so a failed run leaves
 * nothing behind (and never a store without its feed).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gen.h"
#include "sculpt/events.h"
#include "sculpt/fsutil.h"
#include "sculpt/tsdb.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt trace gen SPEC.json -o STORE.h5 [options]\n"
            "\n"
            "Generate synthetic multi-region traces (daily and weekly cycles in each\n"
            "geography's local time, trend, AR(1) noise, flash crowds, campaigns) from a\n"
            "spec (traces/GENERATOR.md) and a seed.\n"
            "\n"
            "options:\n"
            "  -o, --output STORE.h5    time-series store to create (required)\n"
            "  --events FEED.csv|.json  announced event feed (default: beside the store,\n"
            "                           <store without .h5>.events.csv)\n"
            "  --truth TRUTH.csv        also write the ground truth (every campaign as\n"
            "                           announced and as it happened, flash crowds)\n"
            "  --seed N                 random seed (default 1)\n"
            "  --start TIME             override the spec's start (ISO-8601, UTC)\n"
            "  --duration D             override the spec's duration (\"21d\", \"2w\")\n"
            "  --step D                 override the spec's step (\"5m\", \"1h\")\n"
            "  -q, --quiet              print nothing on success\n"
            "  -h, --help               this help\n"
            "\n"
            "Exit status: 0 ok, 2 bad spec or usage (the message names the JSON path),\n"
            "3 I/O error.\n");
}

static int usage_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_fail(const char *fmt, ...)
{
    sc_error err;
    sc_error_clear(&err);
    va_list ap;
    va_start(ap, fmt);
    sc_error_setv(&err, SC_ERR_USAGE, "trace gen", fmt, ap);
    va_end(ap);
    sc_cli_fail(&err);
    fprintf(stderr, "Run 'sculpt trace gen --help' for usage.\n");
    return 2;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int sc_cmd_trace_gen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"events", required_argument, NULL, 'e'},
        {"truth", required_argument, NULL, 't'},  {"seed", required_argument, NULL, 's'},
        {"start", required_argument, NULL, 'S'},  {"duration", required_argument, NULL, 'D'},
        {"step", required_argument, NULL, 'P'},   {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *out_path = NULL, *events_arg = NULL, *truth_path = NULL;
    uint64_t seed = 1;
    int quiet = 0;
    sc_gen_options opt;
    memset(&opt, 0, sizeof opt);
    optind = 0; /* glibc: full re-initialisation (other subcommands may have used getopt) */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'e': events_arg = optarg; break;
        case 't': truth_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        case 's': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (end == optarg || *end || errno || optarg[0] == '-')
                return usage_fail("--seed: expected a non-negative integer, got '%s'", optarg);
            seed = (uint64_t)v;
            break;
        }
        case 'S':
            if (sc_time_parse(optarg, "UTC", &opt.start_ms) != SC_OK)
                return usage_fail("--start: expected an ISO-8601 time, got '%s'", optarg);
            opt.override_start = 1;
            break;
        case 'D':
            if (sc_duration_parse(optarg, &opt.duration_ms) != SC_OK || opt.duration_ms <= 0)
                return usage_fail("--duration: expected a duration such as 21d, got '%s'",
                                  optarg);
            break;
        case 'P':
            if (sc_duration_parse(optarg, &opt.step_ms) != SC_OK || opt.step_ms <= 0)
                return usage_fail("--step: expected a duration such as 5m, got '%s'", optarg);
            break;
        case ':': return usage_fail("option %s needs a value", argv[optind - 1]);
        default: return usage_fail("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_fail("%s", "missing SPEC.json");
    if (argc - optind > 1)
        return usage_fail("unexpected argument '%s'", argv[optind + 1]);
    const char *spec_path = argv[optind];
    if (!out_path)
        return usage_fail("%s", "missing -o STORE.h5");

    char events_path[4096];
    if (events_arg) {
        snprintf(events_path, sizeof events_path, "%s", events_arg);
    } else {
        size_t l = strlen(out_path);
        if (ends_with(out_path, ".h5"))
            l -= 3;
        if (l + sizeof ".events.csv" > sizeof events_path)
            return usage_fail("output path too long: %s", out_path);
        snprintf(events_path, sizeof events_path, "%.*s.events.csv", (int)l, out_path);
    }

    sc_error err;
    sc_error_clear(&err);
    char *text = NULL;
    sc_gen_result *res = NULL;
    sc_tsdb *db = NULL;
    sc_atomic_file af_store, af_events, af_truth;
    af_store.path[0] = af_events.path[0] = af_truth.path[0] = '\0';
    int have_store = 0, have_events = 0, have_truth = 0;
    /* no output may be an input or another output (file identity, links resolved) */
    const char *ins[3] = {spec_path, out_path, events_path};
    sc_status st = sc_output_check(out_path, ins, 1, &err);
    if (st == SC_OK)
        st = sc_output_check(events_path, ins, 2, &err);
    if (st == SC_OK && truth_path)
        st = sc_output_check(truth_path, ins, 3, &err);
    if (st == SC_OK && (strcmp(out_path, events_path) == 0 ||
                        (truth_path && (strcmp(truth_path, out_path) == 0 ||
                                        strcmp(truth_path, events_path) == 0))))
        st = sc_error_set(&err, SC_ERR_USAGE, out_path, "two outputs have the same name");
    if (st != SC_OK)
        goto fail;
    st = sc_file_read_all(spec_path, &text, NULL, &err);
    if (st != SC_OK)
        goto fail;
    if ((st = sc_gen_run(text, spec_path, seed, &opt, &res, &err)) != SC_OK)
        goto fail;

    /* store */
    if ((st = sc_atomic_begin(&af_store, out_path, &err)) != SC_OK)
        goto fail;
    have_store = 1;
    if ((st = sc_tsdb_open(af_store.tmp, SC_TSDB_CREATE, &db, &err)) != SC_OK)
        goto fail;
    if ((st = sc_gen_write(res, db, &err)) != SC_OK)
        goto fail;
    st = sc_tsdb_close(db, &err);
    db = NULL;
    if (st != SC_OK)
        goto fail;
    /* feed (format by the final name) */
    if ((st = sc_atomic_begin(&af_events, events_path, &err)) != SC_OK)
        goto fail;
    have_events = 1;
    st = ends_with(events_path, ".json")
             ? sc_event_feed_write_json(res->feed, af_events.tmp, &err)
             : sc_event_feed_write_csv(res->feed, af_events.tmp, &err);
    if (st != SC_OK)
        goto fail;
    /* truth */
    if (truth_path) {
        if ((st = sc_atomic_begin(&af_truth, truth_path, &err)) != SC_OK)
            goto fail;
        have_truth = 1;
        if ((st = sc_gen_truth_write_csv(res, af_truth.tmp, &err)) != SC_OK)
            goto fail;
    }
    /* everything complete: rename into place, all together or none */
    {
        sc_atomic_file *all[3] = {&af_store, &af_events, &af_truth};
        st = sc_atomic_commit_all(all, have_truth ? 3 : 2, &err);
        have_store = have_events = have_truth = 0;
        if (st != SC_OK)
            goto fail;
    }
    if (!quiet) {
        size_t n_cancel = 0, n_unann = 0, n_flash = 0;
        for (size_t i = 0; i < res->n_truth; i++) {
            n_cancel += res->truth[i].status == SC_GEN_CANCELLED;
            n_unann += res->truth[i].status == SC_GEN_UNANNOUNCED;
            n_flash += res->truth[i].status == SC_GEN_FLASH_CROWD;
        }
        printf("wrote %zu series x %zu steps (seed %" PRIu64 ") to %s\n", res->n_series,
               res->n_steps, seed, out_path);
        printf("wrote %zu announced events to %s (%zu cancelled; %zu unannounced campaigns "
               "and %zu flash crowds not in the feed)\n",
               res->feed->n, events_path, n_cancel, n_unann, n_flash);
        if (truth_path)
            printf("wrote %zu ground-truth records to %s\n", res->n_truth, truth_path);
    }
    sc_gen_result_free(res);
    free(text);
    return 0;

fail:
    if (db)
        sc_tsdb_close(db, NULL);
    /* messages about a temporary file name the output instead */
    sc_cli_error_final_name(&af_store, &err);
    sc_cli_error_final_name(&af_events, &err);
    sc_cli_error_final_name(&af_truth, &err);
    if (have_store)
        sc_atomic_abort(&af_store);
    if (have_events)
        sc_atomic_abort(&af_events);
    if (have_truth)
        sc_atomic_abort(&af_truth);
    sc_gen_result_free(res);
    free(text);
    return sc_cli_fail(&err);
}
