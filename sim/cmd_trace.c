/*
 * cmd_trace.c - `sculpt trace import|info|gen`: bring outside traces into a store and
 * look at what a store holds.  `gen` is the synthetic generator (sim/cmd_trace_gen.c).
 *
 * import is all or nothing (sc_trace_import_files): the store is copied to a temporary
 * file, every FILE is imported into the copy, and the copy replaces the store only when
 * all succeeded, so a bad file leaves the original store byte-for-byte untouched and no
 * temporary file behind.  Errors are printed once by sc_cli_fail.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "import.h"
#include "sculpt/time.h"
#include "sculpt/tsdb.h"

static void trace_usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt trace COMMAND [OPTIONS]\n"
            "\n"
            "commands:\n"
            "  import   import CSV, NAB or M4 files into an HDF5 store\n"
            "  info     list the series of a store with their statistics\n"
            "  gen      generate synthetic multi-region traces (see traces/GENERATOR.md)\n"
            "\n"
            "Run 'sculpt trace COMMAND --help' for a command's options.\n");
}

static void import_usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt trace import [OPTIONS] -o STORE.h5 FILE...\n"
            "\n"
            "Import traces into STORE.h5 (created if missing, else appended to).  All or\n"
            "nothing: on any error the store is left untouched.  Series are stored as\n"
            "/series/<app>/<place>/<metric> (traces/README.md).\n"
            "\n"
            "  -o, --output STORE      the store to create or append to (required)\n"
            "  --format csv|nab|m4     input format (default csv)\n"
            "  --time-col N|NAME       time column: 0-based index or header name (default 0)\n"
            "  --value-col SPEC        value column(s): index, header name, comma list, or\n"
            "                          '*' for all but the time column (default 1); with\n"
            "                          several columns each becomes a place named by its header\n"
            "  --tz ZONE               zone of timestamps without an offset: UTC (default),\n"
            "                          +HH:MM, or an IANA name such as America/New_York\n"
            "  --unit U                unit attribute of the series (default none)\n"
            "  --scale X               multiply values by X (default 1)\n"
            "  --app A                 application name (default: file base name; m4: the row id)\n"
            "  --place P               place name (default global)\n"
            "  --place-kind geo|region what the place is (default geo)\n"
            "  --metric M              metric name (default load)\n"
            "  --step DURATION         resample to this step (e.g. 5m, 1h); default: keep\n"
            "  --resample max|mean|sum rule for --step (default max: the peak of each bin)\n"
            "  --duplicates RULE       rows with a repeated timestamp: error (default), or\n"
            "                          merged by max, mean, first or last\n"
            "  --origin TIME           resampling bins start at TIME + k*step (default epoch)\n"
            "  --m4-start TIME         m4: time of each row's first value (default 2000-01-01)\n"
            "  --m4-step DURATION      m4: sampling step (default 1h)\n"
            "  --m4-id-as app|place    m4: the row id names the app (default) or the place\n"
            "  --m4-continue           m4: rows already in the store continue after their\n"
            "                          last sample (import Hourly-test.csv after -train.csv)\n"
            "  --m4-ids LIST           m4: import only these comma-separated row ids\n"
            "  -h, --help              this help\n"
            "\n"
            "Missing values (empty, NA, nan) stay missing; out-of-order timestamps, and\n"
            "duplicates unless --duplicates says how to merge them, are errors naming\n"
            "file:line.  Exit status 2 on bad input.\n");
}

static void info_usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt trace info STORE.h5 [--json]\n"
            "\n"
            "List every series of the store: app, place, metric, unit, samples, missing\n"
            "samples, first and last time (UTC), min, mean and max of the present values.\n"
            "\n"
            "  --json      print JSON instead of a table\n"
            "  -h, --help  this help\n");
}

static int usage_fail(const char *where, const char *msg)
{
    sc_error err;
    sc_error_set(&err, SC_ERR_USAGE, where, "%s", msg);
    return sc_cli_fail(&err);
}

/* Copy an option argument into a fixed field; 0 ok, -1 too long. */
static int set_str(char *dst, size_t len, const char *src)
{
    if (strlen(src) >= len)
        return -1;
    snprintf(dst, len, "%s", src);
    return 0;
}

enum {
    OPT_FORMAT = 1000, OPT_TIME_COL, OPT_VALUE_COL, OPT_TZ, OPT_UNIT, OPT_SCALE, OPT_APP,
    OPT_PLACE, OPT_PLACE_KIND, OPT_METRIC, OPT_STEP, OPT_RESAMPLE, OPT_DUPLICATES, OPT_ORIGIN, OPT_M4_START,
    OPT_M4_STEP, OPT_M4_ID_AS, OPT_M4_CONTINUE, OPT_M4_IDS, OPT_JSON
};

static int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"time-col", required_argument, NULL, OPT_TIME_COL},
        {"value-col", required_argument, NULL, OPT_VALUE_COL},
        {"tz", required_argument, NULL, OPT_TZ},
        {"unit", required_argument, NULL, OPT_UNIT},
        {"scale", required_argument, NULL, OPT_SCALE},
        {"app", required_argument, NULL, OPT_APP},
        {"place", required_argument, NULL, OPT_PLACE},
        {"place-kind", required_argument, NULL, OPT_PLACE_KIND},
        {"metric", required_argument, NULL, OPT_METRIC},
        {"step", required_argument, NULL, OPT_STEP},
        {"resample", required_argument, NULL, OPT_RESAMPLE},
        {"duplicates", required_argument, NULL, OPT_DUPLICATES},
        {"origin", required_argument, NULL, OPT_ORIGIN},
        {"m4-start", required_argument, NULL, OPT_M4_START},
        {"m4-step", required_argument, NULL, OPT_M4_STEP},
        {"m4-id-as", required_argument, NULL, OPT_M4_ID_AS},
        {"m4-continue", no_argument, NULL, OPT_M4_CONTINUE},
        {"m4-ids", required_argument, NULL, OPT_M4_IDS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    const char *out = NULL;
    char msg[512];
    int c;
    optind = 0; /* glibc: full re-initialisation, so the parser can run more than once */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
        const char *a = optarg;
        int too_long = 0;
        switch (c) {
        case 'o': out = a; break;
        case 'h': import_usage(stdout); return 0;
        case OPT_FORMAT:
            if (sc_trace_format_parse(a, &opt.format) != SC_OK)
                return usage_fail("trace import: --format", "expected csv, nab or m4");
            break;
        case OPT_TIME_COL: too_long = set_str(opt.time_col, sizeof opt.time_col, a); break;
        case OPT_VALUE_COL: too_long = set_str(opt.value_col, sizeof opt.value_col, a); break;
        case OPT_TZ: too_long = set_str(opt.tz, sizeof opt.tz, a); break;
        case OPT_UNIT: too_long = set_str(opt.unit, sizeof opt.unit, a); break;
        case OPT_APP: too_long = set_str(opt.app, sizeof opt.app, a); break;
        case OPT_PLACE: too_long = set_str(opt.place, sizeof opt.place, a); break;
        case OPT_PLACE_KIND: too_long = set_str(opt.place_kind, sizeof opt.place_kind, a); break;
        case OPT_METRIC: too_long = set_str(opt.metric, sizeof opt.metric, a); break;
        case OPT_M4_IDS: too_long = set_str(opt.m4_ids, sizeof opt.m4_ids, a); break;
        case OPT_SCALE: {
            char *end;
            opt.scale = strtod(a, &end);
            if (end == a || *end || !isfinite(opt.scale))
                return usage_fail("trace import: --scale", "expected a finite number");
            break;
        }
        case OPT_STEP:
            if (sc_duration_parse(a, &opt.step_ms) != SC_OK || opt.step_ms <= 0)
                return usage_fail("trace import: --step",
                                  "expected a positive duration such as 300s, 5m, 1h");
            break;
        case OPT_M4_STEP:
            if (sc_duration_parse(a, &opt.m4_step_ms) != SC_OK || opt.m4_step_ms <= 0)
                return usage_fail("trace import: --m4-step",
                                  "expected a positive duration such as 1h");
            break;
        case OPT_RESAMPLE:
            if (sc_resample_rule_parse(a, &opt.resample) != SC_OK)
                return usage_fail("trace import: --resample", "expected max, mean or sum");
            break;
        case OPT_DUPLICATES:
            if (sc_dup_rule_parse(a, &opt.duplicates) != SC_OK)
                return usage_fail("trace import: --duplicates",
                                  "expected error, max, mean, first or last");
            break;
        case OPT_ORIGIN:
            if (sc_time_parse(a, NULL, &opt.origin_ms) != SC_OK)
                return usage_fail("trace import: --origin",
                                  "expected a time such as 2020-01-01T00:00Z");
            break;
        case OPT_M4_START: {
            char why[512]; /* a local time in a daylight-saving gap says which gap */
            if (sc_time_parse_why(a, opt.tz[0] ? opt.tz : NULL, &opt.m4_start_ms, why,
                                  sizeof why) != SC_OK)
                return usage_fail("trace import: --m4-start",
                                  why[0] ? why : "expected a time such as 2015-01-01T00:00Z");
            break;
        }
        case OPT_M4_ID_AS:
            if (strcmp(a, "app") == 0)
                opt.m4_id_as_place = 0;
            else if (strcmp(a, "place") == 0)
                opt.m4_id_as_place = 1;
            else
                return usage_fail("trace import: --m4-id-as", "expected app or place");
            break;
        case OPT_M4_CONTINUE: opt.m4_continue = 1; break;
        case ':':
            snprintf(msg, sizeof msg, "option %s needs an argument", argv[optind - 1]);
            return usage_fail("trace import", msg);
        default:
            snprintf(msg, sizeof msg, "unknown option %s (see sculpt trace import --help)",
                     argv[optind - 1]);
            return usage_fail("trace import", msg);
        }
        if (too_long) {
            snprintf(msg, sizeof msg, "argument of %s is too long", argv[optind - 1]);
            return usage_fail("trace import", msg);
        }
    }
    if (!out)
        return usage_fail("trace import", "missing -o STORE.h5 (see --help)");
    if (optind >= argc)
        return usage_fail("trace import", "no input FILE given (see --help)");
    const char *const *files = (const char *const *)(argv + optind);
    size_t n_files = (size_t)(argc - optind);
    sc_error err;
    sc_error_clear(&err);
    size_t n_series = 0;
    sc_status st = sc_trace_import_files(out, files, n_files, &opt, &n_series, &err);
    if (st != SC_OK)
        return sc_cli_fail(&err);
    printf("imported %zu series from %zu file%s into %s\n", n_series, n_files,
           n_files == 1 ? "" : "s", out);
    return 0;
}

static void fmt_num(double x, char *buf, size_t len)
{
    if (isnan(x))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.6g", x);
}

static int print_table(const sc_series_info *info, size_t n)
{
    /* column widths from the content */
    int wa = 3, wp = 5, wm = 6, wu = 4;
    for (size_t i = 0; i < n; i++) {
        int la = (int)strlen(info[i].app), lp = (int)strlen(info[i].place);
        int lm = (int)strlen(info[i].metric), lu = (int)strlen(info[i].unit);
        wa = la > wa ? la : wa;
        wp = lp > wp ? lp : wp;
        wm = lm > wm ? lm : wm;
        wu = lu > wu ? lu : wu;
    }
    printf("%-*s  %-*s  %-*s  %-*s  %9s  %8s  %-20s  %-20s  %12s  %12s  %12s\n", wa, "app", wp,
           "place", wm, "metric", wu, "unit", "n", "missing", "first", "last", "min", "mean",
           "max");
    for (size_t i = 0; i < n; i++) {
        const sc_series_info *s = &info[i];
        char f[32] = "-", l[32] = "-", mn[32], me[32], mx[32];
        if (s->n > 0) {
            sc_time_format(s->t_first, f, sizeof f);
            sc_time_format(s->t_last, l, sizeof l);
        }
        fmt_num(s->min, mn, sizeof mn);
        fmt_num(s->mean, me, sizeof me);
        fmt_num(s->max, mx, sizeof mx);
        printf("%-*s  %-*s  %-*s  %-*s  %9zu  %8zu  %-20s  %-20s  %12s  %12s  %12s\n", wa,
               s->app, wp, s->place, wm, s->metric, wu, s->unit[0] ? s->unit : "-", s->n,
               s->n_missing, f, l, mn, me, mx);
    }
    return 0;
}

static int print_json(const char *path, const sc_series_info *info, size_t n)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *arr = cJSON_CreateArray();
    if (!root || !arr) {
        cJSON_Delete(root);
        cJSON_Delete(arr);
        return -1;
    }
    cJSON_AddStringToObject(root, "store", path);
    cJSON_AddStringToObject(root, "schema", "sculpt-tsdb");
    cJSON_AddNumberToObject(root, "schema_version", 1);
    cJSON_AddItemToObject(root, "series", arr);
    for (size_t i = 0; i < n; i++) {
        const sc_series_info *s = &info[i];
        cJSON *o = cJSON_CreateObject();
        if (!o) {
            cJSON_Delete(root);
            return -1;
        }
        char f[32], l[32];
        cJSON_AddStringToObject(o, "app", s->app);
        cJSON_AddStringToObject(o, "place", s->place);
        cJSON_AddStringToObject(o, "place_kind", s->place_kind);
        cJSON_AddStringToObject(o, "metric", s->metric);
        cJSON_AddStringToObject(o, "unit", s->unit);
        cJSON_AddNumberToObject(o, "step_ms", (double)s->step_ms);
        cJSON_AddNumberToObject(o, "n", (double)s->n);
        cJSON_AddNumberToObject(o, "missing", (double)s->n_missing);
        if (s->n > 0) {
            cJSON_AddStringToObject(o, "first", sc_time_format(s->t_first, f, sizeof f));
            cJSON_AddStringToObject(o, "last", sc_time_format(s->t_last, l, sizeof l));
            cJSON_AddNumberToObject(o, "first_ms", (double)s->t_first);
            cJSON_AddNumberToObject(o, "last_ms", (double)s->t_last);
        } else {
            cJSON_AddNullToObject(o, "first");
            cJSON_AddNullToObject(o, "last");
        }
        /* cJSON prints non-finite numbers as null: a series without values has none */
        cJSON_AddNumberToObject(o, "min", s->min);
        cJSON_AddNumberToObject(o, "mean", s->mean);
        cJSON_AddNumberToObject(o, "max", s->max);
        cJSON_AddItemToArray(arr, o);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return -1;
    printf("%s\n", text);
    cJSON_free(text);
    return 0;
}

static int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c;
    char msg[512];
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON: json = 1; break;
        case 'h': info_usage(stdout); return 0;
        default:
            snprintf(msg, sizeof msg, "unknown option %s (see sculpt trace info --help)",
                     argv[optind - 1]);
            return usage_fail("trace info", msg);
        }
    }
    if (argc - optind != 1)
        return usage_fail("trace info", "expected exactly one STORE.h5 (see --help)");
    const char *path = argv[optind];
    sc_error err;
    sc_error_clear(&err);
    sc_tsdb *db = NULL;
    sc_series_info *info = NULL;
    size_t n = 0;
    sc_status st = sc_tsdb_open(path, SC_TSDB_READ, &db, &err);
    if (st == SC_OK)
        st = sc_tsdb_list(db, &info, &n, &err);
    sc_tsdb_close(db, st == SC_OK ? &err : NULL);
    if (st != SC_OK) {
        free(info);
        return sc_cli_fail(&err);
    }
    int rc = json ? print_json(path, info, n) : print_table(info, n);
    free(info);
    if (rc != 0) {
        sc_error_set(&err, SC_ERR_NOMEM, path, "out of memory formatting the listing");
        return sc_cli_fail(&err);
    }
    return 0;
}

int sc_cmd_trace(int argc, char **argv)
{
    if (argc < 2) {
        trace_usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        trace_usage(stdout);
        return 0;
    }
    if (strcmp(sub, "import") == 0)
        return cmd_import(argc - 1, argv + 1);
    if (strcmp(sub, "info") == 0)
        return cmd_info(argc - 1, argv + 1);
    if (strcmp(sub, "gen") == 0)
        return sc_cmd_trace_gen(argc - 1, argv + 1);
    char msg[512];
    snprintf(msg, sizeof msg, "unknown trace command '%.200s'; valid: import, info, gen", sub);
    return usage_fail("trace", msg);
}
