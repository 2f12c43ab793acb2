/*
 * cmd_scenario.c - `sculpt scenario check [--json] FILE...`: load and validate scenario
 * files without running them.
 *
 * For each file the full loader runs (sc_scenario_load: schema, names, references,
 * ranges, the latency matrix, step divisibility), then the trace files it names are
 * checked for readability.  A valid file gets a one-line summary on stdout (then, for a
 * region with random outages (mtbf), the windows drawn); an invalid
 * one gets its error once on stderr ("sculpt: error: demo.json: $.apps[0].slo.latency_ms:
 * ... [ERR_INPUT]").  A missing trace file or store is only a warning (stderr): stores are
 * often produced later by `sculpt trace`, and `sculpt run` reports it as an error.  All
 * files are checked; the exit status is that of the first failure (2 for bad input, 3
 * when a scenario file cannot be read), or 0.
 *
 * With --json, stdout is one JSON array with an object per file (machine-readable
 * summary or error); messages still go to stderr.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "sculpt/scenario.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt scenario check [--json] FILE...\n"
            "\n"
            "Validate scenario files without running them (schema: scenarios/README.md).\n"
            "Prints one summary line per valid file (geos, regions, instance types, apps,\n"
            "policies, simulated span) and each error once on stderr, with the file and\n"
            "the JSON path of the offending value.\n"
            "\n"
            "options:\n"
            "  --json      print a JSON array with one object per file on stdout\n"
            "  -h, --help  show this help\n"
            "\n"
            "Exit status: 0 all files valid, 2 a file is invalid or bad usage,\n"
            "3 a file cannot be read.\n");
}

static void fmt_dur(int64_t ms, char *buf, size_t cap)
{
    static const struct { int64_t ms; const char *unit; } units[] = {
        {SC_MS_PER_DAY, "d"}, {SC_MS_PER_HOUR, "h"}, {SC_MS_PER_MIN, "m"},
        {SC_MS_PER_SEC, "s"}, {1, "ms"}};
    if (ms == 0) {
        snprintf(buf, cap, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms % units[i].ms == 0) {
            snprintf(buf, cap, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
            return;
        }
}

/* Warn about trace files that cannot be read; returns how many. */
static int check_trace_files(const sc_scenario *sc, cJSON *warnings)
{
    int n = 0;
    for (size_t i = 0; i < sc->n_traces; i++) {
        const sc_trace_ref *t = &sc->traces[i];
        if (t->kind == SC_TRACE_SYNTHETIC || access(t->path, R_OK) == 0)
            continue;
        int seen = 0; /* one warning per file, even when several traces share it */
        for (size_t j = 0; j < i; j++)
            seen |= sc->traces[j].kind != SC_TRACE_SYNTHETIC &&
                    strcmp(sc->traces[j].path, t->path) == 0;
        if (seen)
            continue;
        char msg[2600];
        snprintf(msg, sizeof msg, "%s: $.traces[%zu].%s: cannot read %s (needed by 'sculpt run')",
                 sc->path, i, t->kind == SC_TRACE_CSV ? "csv" : "store", t->path);
        fprintf(stderr, "sculpt: warning: %s\n", msg);
        if (warnings)
            cJSON_AddItemToArray(warnings, cJSON_CreateString(msg));
        n++;
    }
    return n;
}

static void print_summary(const sc_scenario *sc)
{
    char t0[32], t1[32], wu[32], du[32], st[32];
    sc_time_format(sc->start, t0, sizeof t0);
    sc_time_format(sc->start + sc->warmup_ms + sc->duration_ms, t1, sizeof t1);
    fmt_dur(sc->warmup_ms, wu, sizeof wu);
    fmt_dur(sc->duration_ms, du, sizeof du);
    fmt_dur(sc->step_ms, st, sizeof st);
#define SC_PL_(n, one, many) (n), ((n) == 1 ? (one) : (many))
    printf("%s: ok: '%s': %zu %s, %zu %s, %zu %s, %zu %s, %zu %s, %zu %s; span %s to %s "
           "(warm-up %s, measured %s, step %s, %lld steps); seed %" PRIu64
           ", hash %016" PRIx64 "\n",
           sc->path, sc->name, SC_PL_(sc->n_geos, "geo", "geos"),
           SC_PL_(sc->n_regions, "region", "regions"), SC_PL_(sc->n_types, "type", "types"),
           SC_PL_(sc->n_apps, "app", "apps"), SC_PL_(sc->n_traces, "trace", "traces"),
           SC_PL_(sc->n_policies, "policy", "policies"), t0, t1, wu, du, st,
           (long long)((sc->warmup_ms + sc->duration_ms) / sc->step_ms), sc->seed, sc->hash);
#undef SC_PL_
    /* regions with random outages (mtbf): the drawn windows, merged with the scheduled */
    for (size_t r = 0; r < sc->n_regions; r++) {
        const sc_region *rg = &sc->regions[r];
        if (rg->mtbf_ms <= 0)
            continue;
        char a[32], b[32];
        fmt_dur(rg->mtbf_ms, a, sizeof a);
        fmt_dur(rg->mttr_ms, b, sizeof b);
        printf("  region '%s': mtbf %s, mttr %s: %zu random outage%s; %zu window%s:\n",
               rg->name, a, b, rg->n_outages_random, rg->n_outages_random == 1 ? "" : "s",
               rg->n_outages, rg->n_outages == 1 ? "" : "s");
        for (size_t k = 0; k < rg->n_outages; k++) {
            const sc_outage *o = &rg->outages[k];
            sc_time_format(o->start_ms, a, sizeof a);
            printf("    %s for %.3f s, lost %g\n", a, (double)o->duration_ms / 1000.0,
                   o->lost);
        }
    }
}

static cJSON *json_summary(const sc_scenario *sc, cJSON *warnings)
{
    cJSON *o = cJSON_CreateObject();
    char buf[64];
    cJSON_AddStringToObject(o, "file", sc->path);
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddStringToObject(o, "name", sc->name);
    snprintf(buf, sizeof buf, "%" PRIu64, sc->seed);
    cJSON_AddStringToObject(o, "seed", buf);
    snprintf(buf, sizeof buf, "%016" PRIx64, sc->hash);
    cJSON_AddStringToObject(o, "hash", buf);
    cJSON_AddNumberToObject(o, "geos", (double)sc->n_geos);
    cJSON_AddNumberToObject(o, "regions", (double)sc->n_regions);
    cJSON_AddNumberToObject(o, "instance_types", (double)sc->n_types);
    cJSON_AddNumberToObject(o, "apps", (double)sc->n_apps);
    cJSON_AddNumberToObject(o, "traces", (double)sc->n_traces);
    cJSON *pol = cJSON_AddArrayToObject(o, "policies");
    for (size_t i = 0; i < sc->n_policies; i++)
        cJSON_AddItemToArray(pol, cJSON_CreateString(sc->policies[i].label));
    cJSON_AddStringToObject(o, "start", sc_time_format(sc->start, buf, sizeof buf));
    cJSON_AddStringToObject(
        o, "end", sc_time_format(sc->start + sc->warmup_ms + sc->duration_ms, buf, sizeof buf));
    cJSON_AddNumberToObject(o, "warmup_ms", (double)sc->warmup_ms);
    cJSON_AddNumberToObject(o, "duration_ms", (double)sc->duration_ms);
    cJSON_AddNumberToObject(o, "step_ms", (double)sc->step_ms);
    cJSON_AddNumberToObject(o, "steps",
                            (double)((sc->warmup_ms + sc->duration_ms) / sc->step_ms));
    cJSON_AddItemToObject(o, "warnings", warnings);
    return o;
}

static cJSON *json_error(const char *file, const sc_error *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", file);
    cJSON_AddBoolToObject(o, "ok", 0);
    cJSON_AddStringToObject(o, "status", sc_status_name(err->status));
    cJSON_AddNumberToObject(o, "exit_code", sc_status_exit_code(err->status));
    cJSON_AddStringToObject(o, "where", err->where);
    cJSON_AddStringToObject(o, "message", err->msg);
    return o;
}

static int cmd_check(int argc, char **argv)
{
    int json = 0, nfiles = 0, opts_done = 0;
    /* argv[1..] holds options and files; files are compacted to the front of files[]. */
    const char **files = malloc((size_t)argc * sizeof *files);
    if (!files) {
        fprintf(stderr, "sculpt: error: out of memory [ERR_NOMEM]\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && strcmp(a, "--") == 0) {
            opts_done = 1;
        } else if (!opts_done && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            usage(stdout);
            free(files);
            return 0;
        } else if (!opts_done && strcmp(a, "--json") == 0) {
            json = 1;
        } else if (!opts_done && a[0] == '-' && a[1]) {
            fprintf(stderr, "sculpt: error: scenario check: unknown option '%s' "
                            "(see 'sculpt scenario check --help') [ERR_USAGE]\n", a);
            free(files);
            return 2;
        } else {
            files[nfiles++] = a;
        }
    }
    if (nfiles == 0) {
        fprintf(stderr, "sculpt: error: scenario check: no scenario file given "
                        "(usage: sculpt scenario check [--json] FILE...) [ERR_USAGE]\n");
        free(files);
        return 2;
    }
    cJSON *all = json ? cJSON_CreateArray() : NULL;
    int rc = 0;
    for (int i = 0; i < nfiles; i++) {
        const char *f = files[i];
        sc_scenario *sc = NULL;
        sc_error err;
        sc_error_clear(&err);
        sc_status st = sc_scenario_load(f, &sc, &err);
        if (st != SC_OK) {
            int code = sc_cli_fail(&err);
            if (!rc)
                rc = code;
            if (all)
                cJSON_AddItemToArray(all, json_error(f, &err));
            continue;
        }
        cJSON *warnings = all ? cJSON_CreateArray() : NULL;
        check_trace_files(sc, warnings);
        if (all)
            cJSON_AddItemToArray(all, json_summary(sc, warnings));
        else
            print_summary(sc);
        sc_scenario_free(sc);
    }
    if (all) {
        char *s = cJSON_Print(all);
        if (s) {
            fputs(s, stdout);
            fputc('\n', stdout);
            free(s);
        } else if (!rc) {
            rc = 1;
        }
        cJSON_Delete(all);
    }
    free(files);
    if (fflush(stdout) != 0 && !rc)
        rc = 3;
    return rc;
}

int sc_cmd_scenario(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(sub, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    fprintf(stderr, "sculpt: error: scenario: unknown subcommand '%s'; valid subcommands: "
                    "check [ERR_USAGE]\n", sub);
    return 2;
}
