/*
 * events_value.c - does the announced event feed reduce forecast error during events?
 * (issue 3 item 4).  Two measurements, each fitting the same model with and without the
 * feed's regressors (sc_exog_from_feed) at many rolling origins and scoring 24 h ahead:
 *
 *   A. synthetic campaigns: the generator (traces/src/gen.h) on the "synthetic" spec of
 *      scenarios/campaign.json, extended to WEEKS weeks, aggregated to hourly peaks.  The
 *      feed is the generator's ANNOUNCED feed (noisy: jittered windows and lifts,
 *      unstated lifts, cancelled campaigns that stay in it, unannounced campaigns missing
 *      from it); scoring uses the generator's ground truth.  Each forecast hour is
 *      classed by the truth as: inside an actual announced campaign, inside an actual
 *      unannounced one, inside the announced window of a cancelled one (no real
 *      effect), or outside all of them (flash crowds are counted as outside).
 *      Origins every 24 h after 3 weeks; each fit sees the last 3 weeks (504 h).
 *   B. EIA 13-region hourly demand 2020-2022 with a US federal holiday feed: for every
 *      (region, holiday) a forecast made at the holiday's start (local midnight) for its
 *      24 hours, and a control forecast one week earlier (a normal day of the same
 *      weekday); each fit sees the previous 16 weeks (so most windows hold a holiday).
 *      Origins whose history holds no holiday (the feed column would be all zero) are
 *      counted and scored with the no-feed model for both arms.  A third arm uses the
 *      feed as a POOLED multiplicative effect (sculpt/event_effect.h): the holiday's
 *      log effect per local hour, estimated across all 13 regions from the holidays of
 *      EARLIER YEARS only (data before 1 January of the origin's year), shrunk toward
 *      0; the history's holiday rows are divided by it before the fit and the
 *      forecast's holiday rows multiplied by it.  Only holidays from FROM_YEAR on are
 *      scored (default 2021, so every scored holiday has a year of earlier holidays).
 *
 * Scores: MAE (data units) and sMAPE (percent, 200|y-f|/(|y|+|f|)) per class.
 * Usage:
 *   bench_forecast_events_value SCENARIO.json EIA.csv HOLIDAYS.csv [MODEL] [WEEKS]
 *                               [FROM_YEAR] [noreg]
 * (MODEL default "harmonic", "NAME@P" for period P instead of 24; WEEKS default 12,
 * FROM_YEAR 2021, or FROM:TO for the holidays of those years only; SCENARIO.json and EIA.csv
 * may be "-" to skip part A or B).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_errno.h>

#include "gen.h"
#include "sculpt/event_effect.h"
#include "sculpt/events.h"
#include "sculpt/forecast.h"
#include "sculpt/fsutil.h"

#define HOUR_MS INT64_C(3600000)
#define H 24

enum { ARM_NONE = 0, ARM_FEED = 1, ARM_IND = 2, N_ARMS = 3 };
static const char *arm_name[N_ARMS] = {"no feed", "feed (indicator + lift)",
                                       "feed (indicator only)"};

typedef struct acc {
    double abs_sum, smape_sum;
    size_t n;
} acc;

static void acc_add(acc *a, double y, double f)
{
    double d = fabs(y - f), s = fabs(y) + fabs(f);
    a->abs_sum += d;
    a->smape_sum += s > 0 ? 200.0 * d / s : 0.0;
    a->n++;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fit model on y[0..n) with exog x (NULL = none) and forecast H steps into f. */
static int fit_predict(const char *model, const double *y, size_t n,
                       const sc_forecast_exog *x, double *f)
{
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    /* "NAME@P" sets the period P (e.g. snaive@168) */
    char name[64];
    snprintf(name, sizeof name, "%s", model);
    char *at = strchr(name, '@');
    if (at) {
        *at = '\0';
        cfg.period = atoi(at + 1);
    }
    model = name;
    sc_forecaster *fc = NULL;
    sc_error err = {0};
    /* multiplicative effects (cycles x events) are additive in logs; NaN stays missing */
    double *ly = malloc(n * sizeof *ly);
    if (!ly)
        return -1;
    for (size_t i = 0; i < n; i++)
        ly[i] = y[i] > 0 ? log(y[i]) : NAN;
    if (sc_forecaster_alloc(model, &cfg, &fc, &err) != SC_OK ||
        sc_forecaster_fit(fc, ly, n, x, &err) != SC_OK ||
        sc_forecaster_predict(fc, H, NULL, 0, f, NULL, &err) != SC_OK) {
        fprintf(stderr, "fit failed (%s): %s: %s\n", model, err.where, err.msg);
        sc_forecaster_free(fc);
        free(ly);
        return -1;
    }
    for (size_t h = 0; h < H; h++)
        f[h] = exp(f[h]);
    sc_forecaster_free(fc);
    free(ly);
    return 0;
}

/* Keep only the indicator columns (all but the last, the lift) of src into dst. */
static void indicator_only(const sc_forecast_exog *src, size_t rows, double *buf,
                           sc_forecast_exog *dst)
{
    size_t nc = src->ncols - 1;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < nc; c++)
            buf[r * nc + c] = src->x[r * src->ncols + c];
    dst->x = buf;
    dst->ncols = nc;
    dst->n_future = src->n_future;
}

static int scope_match(const char *s, const char *name)
{
    return strcmp(s, "*") == 0 || strcmp(s, name) == 0;
}

/* Hour classes of part A. */
enum { C_ANN = 0, C_UNANN = 1, C_CANC = 2, C_OUT = 3, N_CLASS = 4 };
static const char *class_name[N_CLASS] = {"actual campaign, announced",
                                          "actual campaign, unannounced",
                                          "cancelled campaign's window",
                                          "outside campaigns"};

static void mark(unsigned char *cls, size_t nh, sc_time_ms t0, sc_time_ms s, sc_time_ms e,
                 unsigned char c)
{
    for (size_t k = 0; k < nh; k++) {
        sc_time_ms a = t0 + (int64_t)k * HOUR_MS, b = a + HOUR_MS;
        if (s < b && e > a && (cls[k] == C_OUT || c < cls[k]))
            cls[k] = c;
    }
}

static void print_table(const char *const *rows, size_t nrows, acc (*a)[N_ARMS], int arms)
{
    printf("| hours | n |");
    for (int m = 0; m < arms; m++)
        printf(" MAE %s | sMAPE %s |", arm_name[m], arm_name[m]);
    printf("\n|---|---|");
    for (int m = 0; m < arms; m++)
        printf("---|---|");
    printf("\n");
    for (size_t c = 0; c < nrows; c++) {
        printf("| %s | %zu |", rows[c], a[c][0].n);
        for (int m = 0; m < arms; m++) {
            double n = a[c][m].n ? (double)a[c][m].n : NAN;
            printf(" %.1f | %.2f |", a[c][m].abs_sum / n, a[c][m].smape_sum / n);
        }
        printf("\n");
    }
}

static int part_a(const char *scenario, const char *model, int weeks)
{
    char *text = NULL;
    size_t len;
    sc_error err = {0};
    if (sc_file_read_all(scenario, &text, &len, &err) != SC_OK) {
        sc_error_print(&err, stderr);
        return 2;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *spec = root ? cJSON_GetObjectItemCaseSensitive(root, "synthetic") : NULL;
    const cJSON *seedj = root ? cJSON_GetObjectItemCaseSensitive(root, "seed") : NULL;
    if (!spec) {
        fprintf(stderr, "%s: expected an object with a \"synthetic\" spec\n", scenario);
        cJSON_Delete(root);
        return 2;
    }
    uint64_t seed = cJSON_IsNumber(seedj) ? (uint64_t)seedj->valuedouble : 1;
    sc_gen_options opt = {0};
    opt.duration_ms = (int64_t)weeks * 7 * 24 * HOUR_MS;
    sc_gen_result *res = NULL;
    sc_status st = sc_gen_run_json(spec, scenario, "$.synthetic", seed, &opt, &res, &err);
    cJSON_Delete(root);
    if (st != SC_OK) {
        sc_error_print(&err, stderr);
        return 2;
    }
    size_t per = (size_t)(HOUR_MS / res->step_ms), nh = res->n_steps / per;
    size_t hist = 21 * 24;
    printf("## A. synthetic campaigns (%s, seed %llu, %d weeks, %zu series, hourly peaks)\n\n",
           scenario, (unsigned long long)seed, weeks, res->n_series);
    /* census of the truth */
    size_t n_st[5] = {0};
    for (size_t i = 0; i < res->n_truth; i++)
        n_st[res->truth[i].status]++;
    printf("truth: %zu announced+happened, %zu unannounced, %zu cancelled campaigns, %zu flash "
           "crowds; feed: %zu events\n\n",
           n_st[SC_GEN_HAPPENED], n_st[SC_GEN_UNANNOUNCED], n_st[SC_GEN_CANCELLED],
           n_st[SC_GEN_FLASH_CROWD], res->feed->n);
    acc a[N_CLASS][N_ARMS];
    memset(a, 0, sizeof a);
    double *y = malloc(nh * sizeof *y), *xb = malloc((hist + H) * SC_FORECAST_MAX_EXOG *
                                                     sizeof *xb);
    unsigned char *cls = malloc(nh);
    size_t fits = 0, failed = 0, origins = 0;
    double t_start = now();
    for (size_t s = 0; s < res->n_series; s++) {
        const sc_gen_series *se = &res->series[s];
        for (size_t k = 0; k < nh; k++) {
            double m = se->v[k * per];
            for (size_t j = 1; j < per; j++)
                if (se->v[k * per + j] > m)
                    m = se->v[k * per + j];
            y[k] = m;
        }
        memset(cls, C_OUT, nh);
        for (size_t i = 0; i < res->n_truth; i++) {
            const sc_gen_truth *tr = &res->truth[i];
            if (strcmp(tr->kind, "campaign") != 0 || !scope_match(tr->app, se->app) ||
                !scope_match(tr->geo, se->geo))
                continue;
            unsigned char c = tr->status == SC_GEN_HAPPENED       ? C_ANN
                              : tr->status == SC_GEN_UNANNOUNCED  ? C_UNANN
                              : tr->status == SC_GEN_CANCELLED    ? C_CANC
                                                                  : C_OUT;
            if (c != C_OUT)
                mark(cls, nh, se->start_ms, tr->actual_start_ms, tr->actual_end_ms, c);
        }
        for (size_t o = hist; o + H <= nh; o += 24) {
            size_t lo = o - hist;
            sc_forecast_exog x;
            if (sc_exog_from_feed(res->feed, se->app, se->geo,
                                  se->start_ms + (int64_t)lo * HOUR_MS, HOUR_MS, hist, H, &x,
                                  &err) != SC_OK) {
                sc_error_print(&err, stderr);
                return 1;
            }
            /* the model runs on log(y): the announced lift L enters as log(1 + L) */
            for (size_t k = 0; x.ncols && k < hist + H; k++) {
                double *l = (double *)&x.x[k * x.ncols + x.ncols - 1];
                *l = log1p(*l);
            }
            double f[N_ARMS][H];
            int ok = fit_predict(model, y + lo, hist, NULL, f[ARM_NONE]) == 0;
            fits++;
            if (ok && x.ncols) {
                sc_forecast_exog xi;
                ok = fit_predict(model, y + lo, hist, &x, f[ARM_FEED]) == 0;
                indicator_only(&x, hist + H, xb, &xi);
                ok = ok && fit_predict(model, y + lo, hist, &xi, f[ARM_IND]) == 0;
                fits += 2;
            } else if (ok) {
                memcpy(f[ARM_FEED], f[ARM_NONE], sizeof f[0]);
                memcpy(f[ARM_IND], f[ARM_NONE], sizeof f[0]);
            }
            sc_exog_free(&x);
            if (!ok) {
                failed++;
                continue;
            }
            origins++;
            for (size_t hh = 0; hh < H; hh++)
                for (int m = 0; m < N_ARMS; m++)
                    acc_add(&a[cls[o + hh]][m], y[o + hh], f[m][hh]);
        }
    }
    printf("model %s, %zu origins x 24 h scored, %zu fits, %zu failed origins, %.1f s\n\n",
           model, origins, fits, failed, now() - t_start);
    print_table(class_name, N_CLASS, a, N_ARMS);
    printf("\n");
    free(y);
    free(xb);
    free(cls);
    sc_gen_result_free(res);
    return 0;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t yy, int mm, int dd)
{
    yy -= mm <= 2;
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (mm + (mm > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

#define EIA_MAXR 16
/* The pooled holiday effect from data before 1 January of `year` (cached per year). */
#define EFF_YEARS 8
static sc_event_effect *effect_for_year(sc_event_effect **cache, int first_year, int year,
                                        const sc_event_feed *feed, const sc_event_series *ser,
                                        size_t nr)
{
    int i = year - first_year;
    if (i < 0 || i >= EFF_YEARS)
        return NULL;
    if (!cache[i]) {
        sc_error err = {0};
        sc_time_ms until = days_from_civil(year, 1, 1) * 86400 * 1000;
        if (sc_event_effect_fit(feed, ser, nr, HOUR_MS, until, 168, 24, &cache[i], &err) !=
            SC_OK) {
            sc_error_print(&err, stderr);
            return NULL;
        }
        const sc_event_effect *e = cache[i];
        for (size_t k = 0; k < e->nkinds; k++) {
            printf("pooled effect of '%s' from data before %d-01-01 (%zu region-events, "
                   "%zu start days): local hour: exp(beta) [raw]\n",
                   e->kind[k], year, e->events[k], e->clusters[k][0]);
            for (size_t j = 0; j < e->len; j++)
                printf("  %02zu: %.3f [%.3f]%s", j, exp(e->beta[k][j]), exp(e->raw[k][j]),
                       j % 6 == 5 ? "\n" : "");
        }
        printf("\n");
    }
    return cache[i];
}

static int part_b(const char *csv, const char *holidays, const char *model, int from_year,
                  int to_year, int with_regressor)
{
    char *text = NULL;
    size_t len;
    sc_error err = {0};
    if (sc_file_read_all(csv, &text, &len, &err) != SC_OK) {
        sc_error_print(&err, stderr);
        return 2;
    }
    char names[EIA_MAXR][SC_EVENT_NAME_MAX];
    size_t nr = 0, cap = 32768, n = 0;
    double *v = malloc(cap * EIA_MAXR * sizeof *v);
    sc_time_ms t0 = 0;
    char *save = NULL;
    int line = 0;
    for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        line++;
        char *fs = NULL, *tok = strtok_r(ln, ",\r", &fs);
        if (line == 1) {
            while ((tok = strtok_r(NULL, ",\r", &fs)) && nr < EIA_MAXR)
                snprintf(names[nr++], SC_EVENT_NAME_MAX, "%s", tok);
            continue;
        }
        int Y, M, D, hh, mi, ss;
        if (!tok || sscanf(tok, "%d-%d-%d %d:%d:%d", &Y, &M, &D, &hh, &mi, &ss) != 6) {
            fprintf(stderr, "%s:%d: expected a timestamp\n", csv, line);
            return 2;
        }
        sc_time_ms t = (days_from_civil(Y, M, D) * 86400 + hh * 3600 + mi * 60 + ss) * 1000;
        if (n == 0)
            t0 = t;
        else if (t != t0 + (int64_t)n * HOUR_MS) {
            fprintf(stderr, "%s:%d: expected consecutive hours\n", csv, line);
            return 2;
        }
        if (n == cap) {
            cap *= 2;
            v = realloc(v, cap * EIA_MAXR * sizeof *v);
        }
        /* fields may be empty: parse by hand on the raw remainder */
        for (size_t r = 0; r < nr; r++) {
            tok = strtok_r(NULL, ",\r", &fs);
            v[n * EIA_MAXR + r] = tok && *tok ? strtod(tok, NULL) : NAN;
        }
        n++;
    }
    free(text);
    sc_event_feed *feed = NULL;
    if (sc_event_feed_read(holidays, &feed, &err) != SC_OK) {
        sc_error_print(&err, stderr);
        return 2;
    }
    size_t hist = 16 * 7 * 24;
    /* per-region columns for the pooled effect */
    double *cols = malloc(n * nr * sizeof *cols);
    sc_event_series ser[EIA_MAXR];
    for (size_t r = 0; r < nr; r++) {
        for (size_t k = 0; k < n; k++)
            cols[r * n + k] = v[k * EIA_MAXR + r];
        ser[r] = (sc_event_series){"*", names[r], cols + r * n, n, t0};
    }
    int first_year = from_year;
    sc_event_effect *eff_cache[EFF_YEARS] = {0};
    printf("## B. EIA 13-region demand + US federal holidays (%s, %zu hours, %zu regions, "
           "%zu feed events)\n\n",
           holidays, n, nr, feed->n);
    enum { D_HOL = 0, D_CTRL = 1 };
    static const char *rows[2] = {"holiday (observed day, local)",
                                  "control: same weekday one week earlier"};
    acc a[2][N_ARMS];
    memset(a, 0, sizeof a);
    double *y = malloc(n * sizeof *y);
    size_t origins = 0, no_hol_hist = 0, failed = 0;
    double t_start = now();
    clock_t c_start = clock();
    for (size_t r = 0; r < nr; r++) {
        for (size_t k = 0; k < n; k++)
            y[k] = v[k * EIA_MAXR + r];
        for (size_t e = 0; e < feed->n; e++) {
            const sc_event *ev = &feed->events[e];
            if (!sc_event_applies(ev, "*", names[r]) || strcmp(ev->geo, names[r]) != 0)
                continue;
            for (int d = 0; d < 2; d++) {
                sc_time_ms ts = ev->start_ms - (d == D_CTRL ? 7 * 24 * HOUR_MS : 0);
                int64_t o = (ts - t0) / HOUR_MS; /* starts are on whole hours */
                if (o < (int64_t)hist || o + H > (int64_t)n)
                    continue;
                /* the year of the HOLIDAY (a control origin belongs to its holiday) */
                int year = first_year;
                while (year < first_year + EFF_YEARS - 1 &&
                       ev->start_ms >= days_from_civil(year + 1, 1, 1) * 86400 * 1000)
                    year++;
                if (ev->start_ms < days_from_civil(first_year, 1, 1) * 86400 * 1000 ||
                    ev->start_ms >= days_from_civil(to_year + 1, 1, 1) * 86400 * 1000)
                    continue;
                size_t lo = (size_t)o - hist;
                sc_forecast_exog x;
                if (sc_exog_from_feed(feed, "*", names[r], t0 + (int64_t)lo * HOUR_MS,
                                      HOUR_MS, hist, H, &x, &err) != SC_OK) {
                    sc_error_print(&err, stderr);
                    return 1;
                }
                /* the control window must be a normal day */
                int in_future = 0, in_hist = 0;
                for (size_t k = 0; k < hist + H; k++)
                    if (x.ncols && x.x[k * x.ncols] > 0)
                        *(k < hist ? &in_hist : &in_future) = 1;
                if (d == D_CTRL && in_future) {
                    sc_exog_free(&x);
                    continue;
                }
                double f[N_ARMS][H];
                int ok = fit_predict(model, y + lo, hist, NULL, f[ARM_NONE]) == 0;
                /* pooled effect: de-holiday the history, fit, re-holiday the forecast */
                const sc_event_effect *eff =
                    ok ? effect_for_year(eff_cache, first_year, year, feed, ser, nr) : NULL;
                if (ok && eff) {
                    double *ya = malloc(hist * sizeof *ya);
                    memcpy(ya, y + lo, hist * sizeof *ya);
                    ok = sc_event_effect_apply(eff, feed, "*", names[r],
                                               t0 + (int64_t)lo * HOUR_MS, ya, hist, -1,
                                               &err) == SC_OK &&
                         fit_predict(model, ya, hist, NULL, f[ARM_IND]) == 0 &&
                         sc_event_effect_apply(eff, feed, "*", names[r],
                                               t0 + o * HOUR_MS, f[ARM_IND], H, 1,
                                               &err) == SC_OK;
                    free(ya);
                } else {
                    ok = 0;
                }
                if (ok && in_hist && with_regressor) {
                    /* one kind, no lifts: indicator + an all-zero lift column would be
                     * singular, so the indicator alone */
                    double xb[(16 * 7 * 24 + H)];
                    sc_forecast_exog xi;
                    indicator_only(&x, hist + H, xb, &xi);
                    ok = fit_predict(model, y + lo, hist, &xi, f[ARM_FEED]) == 0;
                } else if (ok) {
                    memcpy(f[ARM_FEED], f[ARM_NONE], sizeof f[0]);
                    if (d == D_HOL && !in_hist)
                        no_hol_hist++;
                }
                sc_exog_free(&x);
                if (!ok) {
                    failed++;
                    continue;
                }
                origins++;
                for (size_t hh = 0; hh < H; hh++)
                    if (isfinite(y[o + hh]))
                        for (int m = 0; m < 3; m++)
                            acc_add(&a[d][m], y[o + hh], f[m][hh]);
            }
        }
    }
    printf("model %s, %zu origins x 24 h, %zu holiday origins without a holiday in their "
           "16-week history (scored with the no-feed model in both arms), %zu failed, "
           "%.1f s wall, %.1f s CPU\n\n",
           model, origins, no_hol_hist, failed, now() - t_start,
           (double)(clock() - c_start) / CLOCKS_PER_SEC);
    arm_name[ARM_FEED] = "feed as regressor";
    arm_name[ARM_IND] = "feed as pooled effect";
    print_table(rows, 2, a, 3);
    printf("\n");
    free(y);
    free(v);
    free(cols);
    for (int i = 0; i < EFF_YEARS; i++)
        sc_event_effect_free(eff_cache[i]);
    sc_event_feed_free(feed);
    return 0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 4) {
        fprintf(stderr, "usage: %s SCENARIO.json EIA.csv|- HOLIDAYS.csv [MODEL] [WEEKS]\n",
                argv[0]);
        return 2;
    }
    const char *model = argc > 4 ? argv[4] : "harmonic";
    int weeks = argc > 5 ? atoi(argv[5]) : 12;
    /* FROM_YEAR or FROM:TO (years of the scored holidays) */
    int from_year = argc > 6 ? atoi(argv[6]) : 2021, to_year = 9999;
    if (argc > 6 && strchr(argv[6], ':'))
        to_year = atoi(strchr(argv[6], ':') + 1);
    /* a 7th argument "noreg" skips part B's regressor arm (it then repeats "no feed") */
    int with_regressor = !(argc > 7 && strcmp(argv[7], "noreg") == 0);
    if (weeks < 4) {
        fprintf(stderr, "WEEKS must be >= 4\n");
        return 2;
    }
    if (strcmp(argv[1], "-") != 0) {
        int rc = part_a(argv[1], model, weeks);
        if (rc)
            return rc;
    }
    fflush(stdout);
    if (strcmp(argv[2], "-") != 0)
        return part_b(argv[2], argv[3], model, from_year, to_year, with_regressor);
    return 0;
}
