/*
 * cmd_forecast_fit.c - `sculpt forecast` plain mode: fit and predict the WIV.
 *
 *   sculpt forecast STORE.h5|TRACE.csv [--series APP/PLACE/METRIC ...] [--model NAME]
 *                   [--step 1h] [--horizons 1h,6h,24h] [--quantiles 0.5,0.9,0.95,0.99]
 *                   [--period M] [--at TIME] [--history D] [--events FEED] [--seed S]
 *                   [--json] [-o WIV.h5|WIV.json]
 *
 * the plain mode (issue 3 item 6): fits on the history of every selected series (default
 * all) of a store (core/tsdb) or of a CSV / NAB / M4 trace, which is read exactly as
 * `sculpt trace import` reads it (sc_trace_import into a temporary store in $TMPDIR,
 * removed before exit; the import options --format, --time-col, --value-col, --tz, --app,
 * --place, --metric, --duplicates, --m4-start, --m4-step apply), and predicts the Workload
 * Intensity Vector (sculpt/wiv.h).  Per series: the samples before the origin are read
 * (nothing at or after it; with --history D only those of the last D before it) and fed to
 * the Workload Prediction Engine (core/include/sculpt/wpe.h), which resamples them to
 * --step with the peak rule (bins on the Unix epoch, from the first sample's), the
 * period is --period or detected (sc_season_detect, lags up to 168 and n/3), the event
 * feed (--events) becomes regressor columns (sc_exog_from_feed: history rows, then the gap
 * and the path as announced rows; columns constant over the history are dropped), and the
 * fallback hierarchy NAME -> ets -> snaive -> naive (sc_forecaster_fit_fallback; "auto" =
 * ets -> snaive -> naive) fits the first model that can.  The origin is --at rounded down
 * to a whole step, or by default one step after the last bin of the series that ends last;
 * a series ending earlier is forecast over the gap and the WIV takes the steps from the
 * origin on.  Its WIV cell is (app, place); two selected series of one app and place (two
 * metrics) are an error.  A cell no series fills stays 0 (the WIV has no "absent" value;
 * "sources" in --json says which cells are filled).  The table prints per series the model
 * that answered, the period, the history and the mean and quantiles at each --horizons
 * lead (sc_wiv_summary: the step containing the lead).  --json prints the WIV JSON form
 * (sc_wiv_write_json's bytes, via a temporary file) with two keys added before the closing
 * brace: "sources" (per series: app, geo, series, model, period, history_steps, first_ms,
 * last_ms, gap_steps, and for an ensemble its members' labels and per-band weights) and
 * "model" (the model asked for); sc_wiv_read_json ignores them.  -o writes the WIV
 * atomically, HDF5 or JSON by the file name's extension.  --at earlier than a series'
 * first observation is an error (exit 2) naming the series and its first time: there is
 * nothing to fit, and a made-up forecast would look like one.  Progress goes to stderr
 * when it is a terminal and there are 8 series or more.  Outputs depend only on the data
 * before the origin, the options and the seed (no timings).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "import.h"
#include "sculpt/ensemble.h"
#include "sculpt/events.h"
#include "sculpt/forecast.h"
#include "sculpt/fsutil.h"
#include "sculpt/time.h"
#include "sculpt/tsdb.h"
#include "sculpt/wiv.h"
#include "sculpt/wpe.h"

#include "cmd_forecast.h"

/* ---- plain mode: fit on a store or CSV trace, predict, the WIV ----------------------- */

static void plain_usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt forecast STORE.h5|TRACE.csv [--series APP/PLACE/METRIC ...]\n"
            "                       [--model NAME] [--step 1h] [--horizons 1h,6h,24h]\n"
            "                       [--quantiles 0.5,0.9,0.95,0.99] [--period M] [--at TIME]\n"
            "                       [--history D] [--events FEED] [--seed S] [--json]\n"
            "                       [-o WIV.h5|WIV.json]\n"
            "       sculpt forecast --eval TRAIN.csv TEST.csv ... (see --eval --help)\n"
            "       sculpt forecast --backtest STORE.h5 ...     (see --backtest --help)\n"
            "\n"
            "Fit a model to the history of every selected series (default: all) of a store\n"
            "or of a CSV/NAB/M4 trace (read as `sculpt trace import` reads it), resampled\n"
            "to --step by the peak of each step, and forecast the Workload Intensity Vector\n"
            "(core/include/sculpt/wiv.h): per app x place a path of steps up to the longest\n"
            "horizon, each with a mean and quantiles.  Prints per series the model that\n"
            "answered (the fallback hierarchy: NAME, ets, snaive, naive) and the values at\n"
            "the --horizons leads.\n"
            "\n"
            "  --series KEY ...   series to forecast, APP/PLACE/METRIC (repeat or list)\n"
            "  --model NAME       naive, snaive, naive2, ets, arima, harmonic, lstm,\n"
            "                     ensemble (default), or auto (hierarchy ets, snaive, naive);\n"
            "                     --help-model [NAME] lists a model's parameters\n"
            "  --step D           step of the path; data are resampled to it by the peak\n"
            "                     rule (default 1h)\n"
            "  --horizons LIST    leads printed in the table; the path runs to the longest\n"
            "                     (default 1h,6h,24h)\n"
            "  --quantiles LIST   levels in (0, 1) (default 0.5,0.9,0.95,0.99)\n"
            "  --period M         seasonal period in steps (default: detected per series)\n"
            "  --at TIME          forecast origin, rounded down to a whole step; only data\n"
            "                     before it are read (default: one step after the last\n"
            "                     observation of any selected series)\n"
            "  --history D        fit on only the last D before the origin (default all)\n"
            "  --events FEED      event feed (CSV or JSON, traces/GENERATOR.md) used as\n"
            "                     regressors by the models that take them (arima, harmonic,\n"
            "                     lstm, and the ensemble's members that do)\n"
            "  --seed S           seed of simulated intervals (default 1)\n"
            "  --json             print the WIV JSON form (plus \"sources\") on stdout\n"
            "  -o FILE            write the WIV atomically: HDF5 (.h5, .hdf5) or JSON (.json)\n"
            "  -h, --help         this help\n"
            "\n"
            "CSV input options (as sculpt trace import): --format csv|nab|m4, --time-col,\n"
            "--value-col, --tz, --app, --place, --metric, --duplicates, --m4-start, --m4-step.\n"
            "\n"
            "Exit status 2 on bad input: an unknown series, a bad duration or level, --at\n"
            "before a series' first observation, an output that is an input; 3 on I/O: a\n"
            "missing or unreadable file, an output in a missing or unwritable directory.\n");
}

#define FC_MAX_STEPS 1000000u /* longest forecast a series may need (gap + path), steps */
#define FC_LIST_NAMES 8       /* series named in an "unknown series" message */
#define FC_MAX_LEADS 16       /* --horizons leads in the table (as the backtest's horizons) */

enum {
    FC_OPT_FORMAT = 256,
    FC_OPT_TIME_COL,
    FC_OPT_VALUE_COL,
    FC_OPT_TZ,
    FC_OPT_APP,
    FC_OPT_PLACE,
    FC_OPT_METRIC,
    FC_OPT_DUPLICATES,
    FC_OPT_M4_START,
    FC_OPT_M4_STEP,
};

typedef struct fc_args {
    const char *input;             /* STORE.h5 or TRACE.csv */
    const char *model;             /* registry name or "auto" */
    const char **series;           /* nseries keys APP/PLACE/METRIC (argv strings) */
    size_t nseries;
    int64_t step_ms;               /* path step and resampling step, ms */
    int64_t lead_ms[FC_MAX_LEADS]; /* table leads, ms */
    char lead_label[FC_MAX_LEADS][32];
    size_t nlead;
    double q[SC_WIV_MAX_QUANTILES]; /* ascending levels */
    size_t nq;
    long period;                   /* 0 = detect per series */
    int has_at;
    sc_time_ms at_ms;              /* --at as given */
    const char *events;            /* feed path or NULL */
    int64_t history_ms;            /* read only the last this much before the origin;
                                      0 = all */
    unsigned long long seed;
    int json;
    const char *out;               /* -o path or NULL */
    int out_json;                  /* 1: -o is JSON, 0: HDF5 */
    sc_import_opts imp;            /* how a CSV trace is read */
} fc_args;

/* What answered for one series. */
typedef struct fc_source {
    sc_series_key key;             /* borrowed from the key buffers */
    size_t a, g;                   /* WIV cell */
    char model[32];                /* the model that answered */
    int period;                    /* seasonal period used, steps */
    size_t history;                /* steps of history (resampled, first to last bin) */
    sc_time_ms first_ms, last_ms;  /* first and last history bin */
    size_t gap;                    /* steps between the last bin and the origin */
    int has_ens;                   /* 1 when an ensemble answered: ens is filled */
    sc_ensemble_info ens;          /* its members and weights */
} fc_source;

static int fc_parse_levels(fc_args *a, const char *text, sc_error *err)
{
    return sc_cmd_forecast_parse_levels(text, a->q, SC_WIV_MAX_QUANTILES, &a->nq, err);
}

static int fc_parse_leads(fc_args *a, const char *text, sc_error *err)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", text);
    a->nlead = 0;
    for (char *sp = NULL, *tok = strtok_r(buf, ",", &sp); tok; tok = strtok_r(NULL, ",", &sp)) {
        int64_t ms;
        if (sc_duration_parse(tok, &ms) != SC_OK || ms <= 0) {
            sc_error_set(err, SC_ERR_USAGE, "--horizons",
                         "'%s': expected a positive duration such as 1h, 6h, 24h", tok);
            return 0;
        }
        if (a->nlead == FC_MAX_LEADS) {
            sc_error_set(err, SC_ERR_USAGE, "--horizons", "at most %d horizons",
                         FC_MAX_LEADS);
            return 0;
        }
        snprintf(a->lead_label[a->nlead], sizeof a->lead_label[0], "%s", tok);
        a->lead_ms[a->nlead++] = ms;
    }
    if (a->nlead == 0) {
        sc_error_set(err, SC_ERR_USAGE, "--horizons", "expected a comma list of durations");
        return 0;
    }
    return 1;
}

/* Is the file an HDF5 file (signature at offset 0)? */
static int fc_is_hdf5(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char buf[8];
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    return n == sizeof buf && memcmp(buf, sig, sizeof sig) == 0;
}

static int fc_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* The output's directory must exist and be writable, checked before any work so a bad
 * path costs nothing and leaves nothing. */
static sc_status fc_check_out(const char *path, sc_error *err)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    struct stat sb;
    /* I/O (exit 3) as the README's table says: a directory that is missing or not
     * writable; a directory given as the output file is usage (exit 2) */
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return sc_error_set(err, SC_ERR_IO, path,
                            "cannot write here: directory '%s' does not exist", dir);
    if (access(dir, W_OK) != 0)
        return sc_error_set(err, SC_ERR_IO, path,
                            "cannot write here: directory '%s' is not writable", dir);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return sc_error_set(err, SC_ERR_USAGE, path, "is a directory");
    return SC_OK;
}

/* A temporary file name in $TMPDIR (or /tmp), created empty; 0 on failure. */
static int fc_temp_name(char *buf, size_t cap, const char *tag)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    if ((size_t)snprintf(buf, cap, "%s/sculpt-forecast-%s-XXXXXX", dir, tag) >= cap)
        return 0;
    int fd = mkstemp(buf);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

/* The fallback chain for a model: NAME first, then the default hierarchy without NAME
 * ("auto" = the default hierarchy alone: *count = 0, names NULL). */
static const char *const *fc_chain(const char *model, const char **buf, size_t *count)
{
    static const char *const hier[] = {"ets", "snaive", "naive"};
    if (strcmp(model, "auto") == 0) {
        *count = 0;
        return NULL;
    }
    size_t c = 0;
    buf[c++] = model;
    for (size_t i = 0; i < sizeof hier / sizeof hier[0]; i++)
        if (strcmp(hier[i], model) != 0)
            buf[c++] = hier[i];
    *count = c;
    return buf;
}

/* Name of position i of a key list as text. */
static void fc_key_text(const sc_series_key *k, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s/%s", k->app, k->place, k->metric);
}

/* "no series X" with the first few valid names. */
static sc_status fc_unknown_series(const char *input, const char *want,
                                   const sc_series_info *list, size_t n, sc_error *err)
{
    char names[800] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && i < FC_LIST_NAMES; i++) {
        int w = snprintf(names + len, sizeof names - len, "%s%s/%s/%s", i ? ", " : "",
                         list[i].app, list[i].place, list[i].metric);
        if (w < 0 || (size_t)w >= sizeof names - len)
            break;
        len += (size_t)w;
    }
    if (n > FC_LIST_NAMES)
        return sc_error_set(err, SC_ERR_NOTFOUND, input,
                            "no series %s; valid series include %s (%zu in all, see "
                            "sculpt trace info)",
                            want, names, n);
    return sc_error_set(err, SC_ERR_NOTFOUND, input, "no series %s; valid series: %s", want,
                        names);
}

/* Read one series, then feed, fit and predict it through the Workload Prediction
 * Engine (wpe.h) into its WIV cell.  The engine resamples to --step by the peak rule
 * from the bin of the first sample (bins on the Unix epoch, as sc_resample), fits the
 * whole history up to the bin of the last sample with the fallback hierarchy, and
 * predicts the gap to the origin and the path; every event of --events is known (the
 * feed is the announcement) and enters with its lift column. */
static sc_status fc_one(sc_tsdb *db, const fc_args *a, const sc_event_feed *feed,
                        sc_time_ms origin, sc_wiv *w, fc_source *src, sc_error *err)
{
    char what[512], key[256];
    fc_key_text(&src->key, key, sizeof key);
    snprintf(what, sizeof what, "%s: %s", a->input, key);
    sc_time_ms *t = NULL;
    double *v = NULL, *vr = NULL, *mean = NULL, *quant = NULL;
    size_t n = 0, nr = 0;
    sc_wpe *wpe = NULL;
    sc_error ferr;
    sc_error_clear(&ferr);
    sc_time_ms from = a->history_ms ? sc_time_add(origin, -a->history_ms) : SC_TIME_MIN;
    sc_status st = sc_tsdb_read(db, &src->key, from, origin, &t, &v, &n, err);
    if (st == SC_OK && n == 0) {
        char at[40], first[40];
        sc_series_info info;
        sc_time_format(origin, at, sizeof at);
        if (a->history_ms && sc_tsdb_info(db, &src->key, &info, NULL) == SC_OK && info.n > 0 &&
            info.t_first < origin)
            st = sc_error_set(err, SC_ERR_EMPTY, what,
                              "no observation in the --history window before the origin %s "
                              "(the last is at %s)",
                              at, sc_time_format(info.t_last, first, sizeof first));
        else if (sc_tsdb_info(db, &src->key, &info, NULL) == SC_OK && info.n > 0)
            st = sc_error_set(err, SC_ERR_EMPTY, what,
                              "no observation before the origin %s (the first is at %s)", at,
                              sc_time_format(info.t_first, first, sizeof first));
        else
            st = sc_error_set(err, SC_ERR_EMPTY, what, "series has no samples");
    }
    if (st != SC_OK)
        goto done;
    int64_t k_first = sc_time_floor_div(t[0], a->step_ms);
    int64_t k_last = sc_time_floor_div(t[n - 1], a->step_ms);
    uint64_t span = (uint64_t)k_last - (uint64_t)k_first;
    if (span >= SC_RESAMPLE_MAX_BINS) {
        st = sc_error_set(err, SC_ERR_RANGE, NULL, "resampling to %lld ms gives %llu bins (limit %u)",
                          (long long)a->step_ms, (unsigned long long)span + 1,
                          SC_RESAMPLE_MAX_BINS);
        goto done;
    }
    nr = (size_t)(k_last - k_first) + 1;
    src->history = nr;
    src->first_ms = k_first * a->step_ms;
    src->last_ms = k_last * a->step_ms;
    src->gap = (size_t)((origin - src->last_ms) / a->step_ms - 1);
    if (src->gap > FC_MAX_STEPS - w->steps) {
        st = sc_error_set(err, SC_ERR_RANGE, what,
                          "its history ends %zu steps before the origin; at most %u steps "
                          "ahead can be forecast",
                          src->gap, FC_MAX_STEPS);
        goto done;
    }
    size_t h = src->gap + w->steps;
    sc_wpe_config wc;
    sc_wpe_config_init(&wc);
    wc.step_ms = a->step_ms;
    wc.start_ms = src->first_ms;
    wc.history = nr;
    wc.refit_ms = 0;
    wc.warm = 0;
    wc.horizon = h;
    wc.nq = w->nq;
    memcpy(wc.q, w->q, w->nq * sizeof *w->q);
    const char *chain_buf[4];
    size_t nchain;
    const char *const *chain = fc_chain(a->model, chain_buf, &nchain);
    for (size_t i = 0; i < nchain; i++)
        snprintf(wc.names[i], sizeof wc.names[i], "%s", chain[i]);
    wc.n_names = nchain;
    wc.fc.seed = a->seed;
    wc.feed = feed;
    wc.announce_lead_ms = INT64_MAX;
    wc.event_lift = 1;
    wc.n_future = h;
    if ((st = sc_wpe_alloc(&wc, 1, &wpe, err)) != SC_OK ||
        (st = sc_wpe_series_set(wpe, 0, src->key.app, src->key.place, NULL, 0, err)) != SC_OK ||
        (st = sc_wpe_observe_many(wpe, 0, t, v, n, err)) != SC_OK) {
        snprintf(err->where, sizeof err->where, "%s", what);
        goto done;
    }
    int m = (int)a->period;
    if (m <= 0) {
        int maxp = 168;
        if ((size_t)maxp > nr / 3)
            maxp = (int)(nr / 3);
        m = 1;
        if (maxp >= 2) {
            if (!(vr = malloc(nr * sizeof *vr))) {
                st = sc_error_set(err, SC_ERR_NOMEM, what, "out of memory");
                goto done;
            }
            for (size_t i = 0; i < nr; i++)
                vr[i] = sc_wpe_step_value(wpe, 0, k_first + (int64_t)i);
            if ((st = sc_season_detect(vr, nr, maxp, &m, err)) != SC_OK)
                goto done;
        }
    }
    src->period = m;
    if ((st = sc_wpe_series_period(wpe, 0, m, err)) != SC_OK)
        goto done;
    mean = malloc(h * sizeof *mean);
    quant = malloc(h * w->nq * sizeof *quant);
    if (!mean || !quant) {
        st = sc_error_set(err, SC_ERR_NOMEM, what, "allocating a %zu-step forecast", h);
        goto done;
    }
    sc_wpe_info info;
    st = sc_wpe_forecast(wpe, 0, sc_time_add(src->last_ms, a->step_ms), h, mean, quant, &info,
                         &ferr);
    if (st != SC_OK) {
        sc_error_set(err, st, what, "%s", ferr.msg);
        goto done;
    }
    snprintf(src->model, sizeof src->model, "%s", info.model);
    src->has_ens = strcmp(src->model, "ensemble") == 0 &&
                   sc_ensemble_info_get(sc_wpe_forecaster(wpe, 0), &src->ens, NULL) == SC_OK;
    st = sc_wiv_set_cell(w, src->a, src->g, a->step_ms, mean + src->gap,
                         quant + src->gap * w->nq, w->steps, NULL, err);
done:
    sc_wpe_free(wpe);
    free(t);
    free(v);
    free(vr);
    free(mean);
    free(quant);
    return st;
}

/* Index of name in names[0..n-1], appending it when absent. */
static size_t fc_intern(const char **names, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    names[*n] = name;
    return (*n)++;
}

/* A duration as the largest whole unit: "1h", "90m", "1d", "250ms". */
static const char *fc_duration_text(int64_t ms, char *buf, size_t cap)
{
    static const struct {
        int64_t ms;
        const char *unit;
    } units[] = {{SC_MS_PER_DAY, "d"}, {SC_MS_PER_HOUR, "h"}, {SC_MS_PER_MIN, "m"},
                 {SC_MS_PER_SEC, "s"}, {1, "ms"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms % units[i].ms == 0) {
            snprintf(buf, cap, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
            break;
        }
    return buf;
}

static void fc_print_table(const fc_args *a, const sc_wiv *w, const fc_source *src,
                           size_t ns)
{
    char at[40], step[32];
    printf("%s: %zu series, model %s, step %s, origin %s, %zu steps\n", a->input, ns,
           a->model, fc_duration_text(a->step_ms, step, sizeof step),
           sc_time_format(w->origin_ms, at, sizeof at), w->steps);
    for (size_t i = 0; i < ns; i++) {
        const fc_source *s = &src[i];
        char key[256], last[40];
        fc_key_text(&s->key, key, sizeof key);
        printf("\n%s: answered by %s, period %d, %zu steps of history, the last at %s", key,
               s->model, s->period, s->history, sc_time_format(s->last_ms, last, sizeof last));
        if (s->gap)
            printf(" (%zu steps before the origin)", s->gap);
        if (s->has_ens) {
            printf("\n  weights by horizon band (steps 1-%zu", s->ens.band_end[0]);
            for (int b = 1; b < SC_ENSEMBLE_NBANDS; b++)
                printf(", %zu-%zu", s->ens.band_end[b - 1] + 1, s->ens.band_end[b]);
            printf("):");
            for (size_t k = 0; k < s->ens.count; k++) {
                printf("%s %s", k ? ";" : "", s->ens.label[k]);
                for (int b = 0; b < SC_ENSEMBLE_NBANDS; b++)
                    printf(" %.2f", s->ens.weight[k][b]);
            }
        }
        printf("\n%-8s %14s", "lead", "mean");
        for (size_t k = 0; k < w->nq; k++) {
            char h[32];
            snprintf(h, sizeof h, "q%g", w->q[k]);
            printf(" %14s", h);
        }
        printf("\n");
        double qv[SC_WIV_MAX_QUANTILES], mv;
        for (size_t j = 0; j < a->nlead; j++) {
            if (sc_wiv_summary(w, s->a, s->g, a->lead_ms[j], &mv, qv, NULL) != SC_OK)
                continue;
            printf("%-8s %14.4f", a->lead_label[j], mv);
            for (size_t k = 0; k < w->nq; k++)
                printf(" %14.4f", qv[k]);
            printf("\n");
        }
    }
}

/* The WIV JSON form (sc_wiv_write_json, through a temporary file) on stdout, with a
 * "sources" array added before the closing brace. */
static sc_status fc_print_json(const fc_args *a, const sc_wiv *w, const fc_source *src,
                               size_t ns, sc_error *err)
{
    char tmp[4096];
    if (!fc_temp_name(tmp, sizeof tmp, "json"))
        return sc_error_set(err, SC_ERR_IO, "TMPDIR", "cannot create a temporary file");
    /* The atomic writer renames a sibling over tmp: write a name of our own in its dir. */
    char path[4200];
    snprintf(path, sizeof path, "%s.json", tmp);
    char *text = NULL;
    size_t len = 0;
    sc_status st = sc_wiv_write_json(w, path, err);
    if (st == SC_OK)
        st = sc_file_read_all(path, &text, &len, err);
    remove(path);
    remove(tmp);
    if (st != SC_OK)
        return st;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
        len--;
    if (len == 0 || text[len - 1] != '}') {
        free(text);
        return sc_error_set(err, SC_ERR_INTERNAL, "--json", "unexpected WIV JSON text");
    }
    fwrite(text, 1, len - 1, stdout);
    free(text);
    printf(",\"sources\":[");
    for (size_t i = 0; i < ns; i++) {
        const fc_source *s = &src[i];
        char key[256];
        fc_key_text(&s->key, key, sizeof key);
        printf("%s{\"app\":", i ? "," : "");
        sc_cmd_forecast_print_json_string(w->apps[s->a]);
        printf(",\"geo\":");
        sc_cmd_forecast_print_json_string(w->geos[s->g]);
        printf(",\"series\":");
        sc_cmd_forecast_print_json_string(key);
        printf(",\"model\":");
        sc_cmd_forecast_print_json_string(s->model);
        printf(",\"period\":%d,\"history_steps\":%zu,\"first_ms\":%lld,\"last_ms\":%lld,"
               "\"gap_steps\":%zu",
               s->period, s->history, (long long)s->first_ms, (long long)s->last_ms, s->gap);
        if (s->has_ens) {
            printf(",\"members\":[");
            for (size_t k = 0; k < s->ens.count; k++) {
                printf("%s{\"label\":", k ? "," : "");
                sc_cmd_forecast_print_json_string(s->ens.label[k]);
                printf(",\"weights\":[");
                for (int b = 0; b < SC_ENSEMBLE_NBANDS; b++)
                    printf("%s%.6f", b ? "," : "", s->ens.weight[k][b]);
                printf("]}");
            }
            printf("]");
        }
        printf("}");
    }
    printf("],\"model\":");
    sc_cmd_forecast_print_json_string(a->model);
    printf("}\n");
    return SC_OK;
}

static int fc_run(fc_args *a)
{
    sc_error err;
    sc_error_clear(&err);
    sc_status st = SC_OK;
    sc_tsdb *db = NULL;
    sc_event_feed *feed = NULL;
    sc_series_info *list = NULL;
    size_t nlist = 0;
    sc_series_key *keys = NULL;
    char (*keybuf)[256] = NULL;
    fc_source *src = NULL;
    const char **apps = NULL, **geos = NULL;
    sc_wiv *w = NULL;
    char temp_store[4096] = "";
    size_t ns = 0;

    /* 1. Everything that can be checked without reading data. */
    if (strcmp(a->model, "auto") != 0) {
        const sc_forecaster_type *type;
        if ((st = sc_forecaster_type_find(a->model, &type, &err)) != SC_OK)
            goto done;
    }
    if (a->out) {
        if (fc_has_suffix(a->out, ".json"))
            a->out_json = 1;
        else if (fc_has_suffix(a->out, ".h5") || fc_has_suffix(a->out, ".hdf5"))
            a->out_json = 0;
        else {
            st = sc_error_set(&err, SC_ERR_USAGE, a->out,
                              "-o: expected a name ending in .h5, .hdf5 or .json");
            goto done;
        }
        if ((st = fc_check_out(a->out, &err)) != SC_OK)
            goto done;
        const char *ins[2] = {a->input, a->events};
        if ((st = sc_output_check(a->out, ins, 2, &err)) != SC_OK)
            goto done;
    }
    if (access(a->input, R_OK) != 0) {
        st = sc_error_set(&err, SC_ERR_IO, a->input, "no such file (or it is unreadable)");
        goto done;
    }
    if (a->events && access(a->events, R_OK) != 0) {
        st = sc_error_set(&err, SC_ERR_IO, a->events,
                          "--events: no such file (or it is unreadable)");
        goto done;
    }
    if (a->events && (st = sc_event_feed_read(a->events, &feed, &err)) != SC_OK)
        goto done;

    /* 2. The store, or a CSV trace imported into a temporary one. */
    if (fc_is_hdf5(a->input) || fc_has_suffix(a->input, ".h5") ||
        fc_has_suffix(a->input, ".hdf5")) {
        st = sc_tsdb_open(a->input, SC_TSDB_READ, &db, &err);
    } else {
        if (!fc_temp_name(temp_store, sizeof temp_store, "store")) {
            temp_store[0] = '\0';
            st = sc_error_set(&err, SC_ERR_IO, "TMPDIR", "cannot create a temporary store");
            goto done;
        }
        st = sc_tsdb_open(temp_store, SC_TSDB_CREATE, &db, &err);
        if (st == SC_OK)
            st = sc_trace_import(db, a->input, &a->imp, NULL, &err);
    }
    if (st != SC_OK)
        goto done;
    if ((st = sc_tsdb_list(db, &list, &nlist, &err)) != SC_OK)
        goto done;
    if (nlist == 0) {
        st = sc_error_set(&err, SC_ERR_EMPTY, a->input, "no series to forecast");
        goto done;
    }

    /* 3. The selected series and their WIV cells. */
    ns = a->nseries ? a->nseries : nlist;
    keys = calloc(ns, sizeof *keys);
    keybuf = calloc(ns, sizeof *keybuf);
    src = calloc(ns, sizeof *src);
    apps = calloc(ns, sizeof *apps);
    geos = calloc(ns, sizeof *geos);
    if (!keys || !keybuf || !src || !apps || !geos) {
        st = sc_error_set(&err, SC_ERR_NOMEM, a->input, "allocating %zu series", ns);
        goto done;
    }
    for (size_t i = 0; i < ns; i++) {
        if (!a->nseries) {
            keys[i] = (sc_series_key){list[i].app, list[i].place, list[i].metric};
            continue;
        }
        if (!sc_cmd_forecast_split_key(a->series[i], keybuf[i], sizeof keybuf[i], &keys[i])) {
            st = sc_error_set(&err, SC_ERR_USAGE, "--series", "'%s': expected APP/PLACE/METRIC",
                              a->series[i]);
            goto done;
        }
        if (!sc_tsdb_has(db, &keys[i])) {
            st = fc_unknown_series(a->input, a->series[i], list, nlist, &err);
            goto done;
        }
    }
    size_t na = 0, ng = 0;
    for (size_t i = 0; i < ns; i++) {
        src[i].key = keys[i];
        src[i].a = fc_intern(apps, &na, keys[i].app);
        src[i].g = fc_intern(geos, &ng, keys[i].place);
        for (size_t j = 0; j < i; j++)
            if (src[j].a == src[i].a && src[j].g == src[i].g) {
                char k1[256], k2[256];
                fc_key_text(&keys[j], k1, sizeof k1);
                fc_key_text(&keys[i], k2, sizeof k2);
                st = sc_error_set(&err, SC_ERR_INPUT, a->input,
                                  "series %s and %s fill the same WIV cell (%s, %s); choose "
                                  "one with --series",
                                  k1, k2, keys[i].app, keys[i].place);
                goto done;
            }
    }

    /* 4. The origin: --at rounded down to a step, or one step after the last bin. */
    sc_time_ms origin;
    if (a->has_at) {
        origin = sc_time_floor_div(a->at_ms, a->step_ms) * a->step_ms;
    } else {
        origin = SC_TIME_MIN;
        for (size_t i = 0; i < ns; i++) {
            sc_series_info info;
            if ((st = sc_tsdb_info(db, &keys[i], &info, &err)) != SC_OK)
                goto done;
            if (info.n == 0)
                continue;
            sc_time_ms o = (sc_time_floor_div(info.t_last, a->step_ms) + 1) * a->step_ms;
            if (o > origin)
                origin = o;
        }
        if (origin == SC_TIME_MIN) {
            st = sc_error_set(&err, SC_ERR_EMPTY, a->input, "the selected series have no samples");
            goto done;
        }
    }
    int64_t longest = 0;
    for (size_t j = 0; j < a->nlead; j++)
        if (a->lead_ms[j] > longest)
            longest = a->lead_ms[j];
    size_t steps = (size_t)((longest + a->step_ms - 1) / a->step_ms);
    if (steps > FC_MAX_STEPS) {
        st = sc_error_set(&err, SC_ERR_USAGE, "--horizons", "a path of %zu steps; at most %u",
                          steps, FC_MAX_STEPS);
        goto done;
    }
    if ((st = sc_wiv_alloc(apps, na, geos, ng, steps, origin, a->step_ms, a->q, a->nq, &w,
                           &err)) != SC_OK)
        goto done;

    /* 5. Fit and predict every series. */
    int progress = sc_cli_is_tty() && ns >= 8;
    for (size_t i = 0; i < ns && st == SC_OK; i++) {
        if (progress)
            fprintf(stderr, "\rforecast %s: series %zu/%zu", a->model, i + 1, ns);
        st = fc_one(db, a, feed, origin, w, &src[i], &err);
    }
    if (progress)
        fprintf(stderr, "\r%60s\r", "");
    if (st != SC_OK)
        goto done;

    /* 6. Outputs: the file first (atomic), then stdout. */
    if (a->out) {
        st = a->out_json ? sc_wiv_write_json(w, a->out, &err) : sc_wiv_write_hdf5(w, a->out, &err);
        if (st != SC_OK)
            goto done;
    }
    if (a->json)
        st = fc_print_json(a, w, src, ns, &err);
    else
        fc_print_table(a, w, src, ns);
    fflush(stdout);

done:;
    int rc = st == SC_OK ? 0 : sc_cli_fail(&err);
    sc_wiv_free(w);
    free(apps);
    free(geos);
    free(src);
    free(keybuf);
    free(keys);
    free(list);
    sc_event_feed_free(feed);
    if (db) {
        sc_error close_err;
        sc_tsdb_close(db, &close_err);
    }
    if (temp_store[0])
        remove(temp_store);
    return rc;
}

/* Is word a series key (three valid names) rather than a file? */
static int fc_is_key_word(const char *word)
{
    char buf[256];
    sc_series_key k;
    return word[0] != '-' && access(word, F_OK) != 0 &&
           sc_cmd_forecast_split_key(word, buf, sizeof buf, &k);
}

static int fc_set_str(char *dst, size_t cap, const char *src, const char *opt)
{
    if (strlen(src) >= cap) {
        sc_error e;
        sc_error_set(&e, SC_ERR_USAGE, opt, "value too long (at most %zu bytes)", cap - 1);
        sc_cli_fail(&e);
        return 0;
    }
    snprintf(dst, cap, "%s", src);
    return 1;
}

int sc_cmd_forecast_fit(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"series", required_argument, NULL, 'S'},   {"model", required_argument, NULL, 'm'},
        {"step", required_argument, NULL, 't'},     {"horizons", required_argument, NULL, 'H'},
        {"quantiles", required_argument, NULL, 'q'}, {"period", required_argument, NULL, 'p'},
        {"at", required_argument, NULL, 'a'},       {"events", required_argument, NULL, 'E'},
        {"history", required_argument, NULL, 'W'},
        {"seed", required_argument, NULL, 's'},     {"json", no_argument, NULL, 'j'},
        {"output", required_argument, NULL, 'o'},   {"help", no_argument, NULL, 'h'},
        {"format", required_argument, NULL, FC_OPT_FORMAT},
        {"time-col", required_argument, NULL, FC_OPT_TIME_COL},
        {"value-col", required_argument, NULL, FC_OPT_VALUE_COL},
        {"tz", required_argument, NULL, FC_OPT_TZ},
        {"app", required_argument, NULL, FC_OPT_APP},
        {"place", required_argument, NULL, FC_OPT_PLACE},
        {"metric", required_argument, NULL, FC_OPT_METRIC},
        {"duplicates", required_argument, NULL, FC_OPT_DUPLICATES},
        {"m4-start", required_argument, NULL, FC_OPT_M4_START},
        {"m4-step", required_argument, NULL, FC_OPT_M4_STEP},
        {NULL, 0, NULL, 0},
    };
    sc_error err;
    sc_error_clear(&err);
    fc_args a;
    memset(&a, 0, sizeof a);
    a.model = "ensemble";
    a.step_ms = SC_MS_PER_HOUR;
    a.seed = 1;
    sc_import_opts_init(&a.imp);
    const char *leads = "1h,6h,24h", *levels = "0.5,0.9,0.95,0.99", *at_text = NULL;
    const char *m4_start = NULL;
    size_t cap = 1;   /* series slots: every word, and every comma of a word */
    for (int i = 0; i < argc; i++) {
        cap++;
        for (const char *p = argv[i]; *p; p++)
            cap += *p == ',';
    }
    a.series = calloc(cap, sizeof *a.series);
    if (!a.series)
        return sc_cli_fail(&(sc_error){SC_ERR_NOMEM, "forecast", "out of memory"});
    int rc = -1, c;
    optind = 1;
    opterr = 0;
    while (rc < 0 && (c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'S': {
            /* A comma list, and further words up to the next option that are keys. */
            char *list = optarg;
            for (char *p = list; p; p = strchr(p, ',')) {
                if (*p == ',')
                    *p++ = '\0';
                if (*p)
                    a.series[a.nseries++] = p;
            }
            while (optind < argc && fc_is_key_word(argv[optind]))
                a.series[a.nseries++] = argv[optind++];
            break;
        }
        case 'm':
            a.model = optarg;
            break;
        case 't':
            if (sc_duration_parse(optarg, &a.step_ms) != SC_OK || a.step_ms <= 0) {
                sc_error_set(&err, SC_ERR_USAGE, "--step",
                             "'%s': expected a positive duration such as 5m, 1h", optarg);
                rc = sc_cli_fail(&err);
            }
            break;
        case 'H':
            leads = optarg;
            break;
        case 'q':
            levels = optarg;
            break;
        case 'p':
            if (!sc_cmd_forecast_parse_size(optarg, 1, SC_FORECAST_MAX_PERIOD, &a.period)) {
                sc_error_set(&err, SC_ERR_USAGE, "--period", "expected an integer in [1, %d]",
                             SC_FORECAST_MAX_PERIOD);
                rc = sc_cli_fail(&err);
            }
            break;
        case 'a':
            at_text = optarg;
            break;
        case 'E':
            a.events = optarg;
            break;
        case 'W':
            if (sc_duration_parse(optarg, &a.history_ms) != SC_OK || a.history_ms <= 0) {
                sc_error_set(&err, SC_ERR_USAGE, "--history",
                             "'%s': expected a positive duration such as 8w", optarg);
                rc = sc_cli_fail(&err);
            }
            break;
        case 's': {
            char *end;
            errno = 0;
            a.seed = strtoull(optarg, &end, 10);
            /* as `trace gen --seed`: strtoull would wrap "-1" to 2^64-1 */
            if (!*optarg || *end || errno || optarg[0] == '-' || optarg[0] == '+')
                rc = sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--seed",
                                             "expected a non-negative integer"});
            break;
        }
        case 'j':
            a.json = 1;
            break;
        case 'o':
            a.out = optarg;
            break;
        case 'h':
            plain_usage(stdout);
            rc = 0;
            break;
        case FC_OPT_FORMAT:
            if (sc_trace_format_parse(optarg, &a.imp.format) != SC_OK)
                rc = sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--format",
                                             "expected csv, nab or m4"});
            break;
        case FC_OPT_TIME_COL:
            rc = fc_set_str(a.imp.time_col, sizeof a.imp.time_col, optarg, "--time-col") ? -1 : 2;
            break;
        case FC_OPT_VALUE_COL:
            rc = fc_set_str(a.imp.value_col, sizeof a.imp.value_col, optarg, "--value-col") ? -1
                                                                                             : 2;
            break;
        case FC_OPT_TZ:
            rc = fc_set_str(a.imp.tz, sizeof a.imp.tz, optarg, "--tz") ? -1 : 2;
            break;
        case FC_OPT_APP:
            rc = fc_set_str(a.imp.app, sizeof a.imp.app, optarg, "--app") ? -1 : 2;
            break;
        case FC_OPT_PLACE:
            rc = fc_set_str(a.imp.place, sizeof a.imp.place, optarg, "--place") ? -1 : 2;
            break;
        case FC_OPT_METRIC:
            rc = fc_set_str(a.imp.metric, sizeof a.imp.metric, optarg, "--metric") ? -1 : 2;
            break;
        case FC_OPT_DUPLICATES:
            if (sc_dup_rule_parse(optarg, &a.imp.duplicates) != SC_OK)
                rc = sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--duplicates",
                                             "expected error, max, mean, first or last"});
            break;
        case FC_OPT_M4_START:
            m4_start = optarg;
            break;
        case FC_OPT_M4_STEP:
            if (sc_duration_parse(optarg, &a.imp.m4_step_ms) != SC_OK || a.imp.m4_step_ms <= 0)
                rc = sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--m4-step",
                                             "expected a positive duration such as 1h"});
            break;
        default:
            sc_error_set(&err, SC_ERR_USAGE, "forecast", "unknown or incomplete option '%s'",
                         argv[optind - 1]);
            plain_usage(stderr);
            rc = sc_cli_fail(&err);
            break;
        }
    }
    if (rc < 0) {
        /* Positional words: the input (exactly one). */
        for (int i = optind; i < argc && rc < 0; i++) {
            if (a.input) {
                sc_error_set(&err, SC_ERR_USAGE, "forecast",
                             "one input expected, got '%s' and '%s'", a.input, argv[i]);
                rc = sc_cli_fail(&err);
            }
            a.input = argv[i];
        }
    }
    if (rc < 0 && !a.input) {
        sc_error_set(&err, SC_ERR_USAGE, "forecast", "expected STORE.h5 or TRACE.csv");
        plain_usage(stderr);
        rc = sc_cli_fail(&err);
    }
    if (rc < 0 && (!fc_parse_leads(&a, leads, &err) || !fc_parse_levels(&a, levels, &err)))
        rc = sc_cli_fail(&err);
    if (rc < 0 && at_text) {
        if (sc_time_parse(at_text, NULL, &a.at_ms) != SC_OK) {
            sc_error_set(&err, SC_ERR_USAGE, "--at",
                         "'%s': expected a time such as 2024-01-08T00:00Z", at_text);
            rc = sc_cli_fail(&err);
        }
        a.has_at = 1;
    }
    char why[512]; /* a local time in a daylight-saving gap says which gap */
    if (rc < 0 && m4_start &&
        sc_time_parse_why(m4_start, a.imp.tz[0] ? a.imp.tz : NULL, &a.imp.m4_start_ms, why,
                          sizeof why) != SC_OK) {
        if (why[0])
            sc_error_set(&err, SC_ERR_USAGE, "--m4-start", "%s", why);
        else
            sc_error_set(&err, SC_ERR_USAGE, "--m4-start", "'%s': expected a time", m4_start);
        rc = sc_cli_fail(&err);
    }
    if (rc < 0)
        rc = fc_run(&a);
    free(a.series);
    return rc;
}
