/*
 * report.c - `sculpt report`: the report directory, its tables and its HTML page
 * (layout and guarantees in report.h).
 *
 * Steps: check the destination and gnuplot (nothing created yet), open and validate the
 * results file, build everything in DIR's temporary sibling (plots first: gnuplot is
 * the step most likely to fail), then rename it into place.  With --force an existing
 * report is first renamed aside, the new one renamed in, and the old one removed; if
 * the second rename fails the old one is put back.
 *
 * Number formats are fixed and shared by HTML and Markdown (the same precision as the
 * table `sculpt run` prints); the CSV has full precision ("%.17g", exact round trip).
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include "report.h"

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <signal.h>

#include "report_data.h"
#include "report_plot.h"
#include "report_sweep.h"
#include "sculpt/fsutil.h"
#include "sculpt/time.h"
#include "sculpt/version.h"

#define MARKER ".sculpt-report"

void sc_report_opts_init(sc_report_opts *opts)
{
    opts->png = 1;
    opts->svg = 1;
    opts->force = 0;
    opts->gnuplot = NULL;
}

sc_status sc_report_formats_parse(const char *list, sc_report_opts *opts, sc_error *err)
{
    int png = 0, svg = 0, none = 0;
    const char *p = list ? list : "";
    if (!*p)
        return sc_error_set(err, SC_ERR_USAGE, "--format", "empty list; expected png, svg, "
                            "png,svg or none");
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 3 && strncmp(p, "png", 3) == 0)
            png = 1;
        else if (n == 3 && strncmp(p, "svg", 3) == 0)
            svg = 1;
        else if (n == 4 && strncmp(p, "none", 4) == 0)
            none = 1;
        else
            return sc_error_set(err, SC_ERR_USAGE, "--format", "unknown format '%.*s'; "
                                "expected png, svg or none (comma-separated)", (int)n, p);
        p += n;
        if (*p == ',')
            p++;
    }
    if (none && (png || svg))
        return sc_error_set(err, SC_ERR_USAGE, "--format", "'none' cannot be combined with "
                            "png or svg");
    opts->png = png;
    opts->svg = svg;
    return SC_OK;
}

/* ---- the destination -------------------------------------------------------------- */

typedef struct dest {
    char dir[4096];     /* DIR without trailing slashes */
    char tmp[4300];     /* sibling being built */
    char old[4300];     /* where an existing report is moved aside */
} dest;

static sc_status dest_init(dest *d, const char *dir, sc_error *err)
{
    if (!dir || !*dir)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "no output directory (-o DIR)");
    size_t n = strlen(dir);
    if (n >= sizeof d->dir)
        return sc_error_set(err, SC_ERR_USAGE, dir, "output directory name too long");
    memcpy(d->dir, dir, n + 1);
    while (n > 1 && d->dir[n - 1] == '/')
        d->dir[--n] = '\0';
    const char *slash = strrchr(d->dir, '/');
    const char *base = slash ? slash + 1 : d->dir;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return sc_error_set(err, SC_ERR_USAGE, dir, "expected a directory name to create "
                            "(not '.', '..' or '/')");
    int plen = slash ? (int)(slash - d->dir) + 1 : 0;
    snprintf(d->tmp, sizeof d->tmp, "%.*s.%s.tmp.%ld", plen, d->dir, base, (long)getpid());
    snprintf(d->old, sizeof d->old, "%.*s.%s.old.%ld", plen, d->dir, base, (long)getpid());
    return SC_OK;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* rm -rf path (never follows symlinks). */
static void rm_tree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (!S_ISDIR(sb.st_mode)) {
        unlink(path);
        return;
    }
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Remove ".<name>.tmp.<pid>" directories beside d->dir whose process is gone (left by
 * kill -9; issue 13).  A live pid (or one reused since) keeps its directory. */
static void clean_stale(const dest *d)
{
    char parent[4300];
    const char *slash = strrchr(d->dir, '/');
    const char *base = slash ? slash + 1 : d->dir;
    if (slash)
        snprintf(parent, sizeof parent, "%.*s", slash == d->dir ? 1 : (int)(slash - d->dir),
                 d->dir);
    else
        snprintf(parent, sizeof parent, ".");
    char prefix[4300];
    snprintf(prefix, sizeof prefix, ".%s.tmp.", base);
    size_t pl = strlen(prefix);
    DIR *dh = opendir(parent);
    if (!dh)
        return;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        if (strncmp(e->d_name, prefix, pl) != 0)
            continue;
        char *end = NULL;
        long pid = strtol(e->d_name + pl, &end, 10);
        if (pid <= 0 || *end)
            continue; /* not a name we make */
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* its process still runs (EPERM: someone else's) */
        char p[8700];
        snprintf(p, sizeof p, "%s/%s", parent, e->d_name);
        rm_tree(p);
    }
    closedir(dh);
}

/* 1 if dir is empty or holds the report marker. */
static int replaceable(const char *dir)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/" MARKER, dir);
    if (access(p, F_OK) == 0)
        return 1;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    closedir(d);
    return empty;
}

static sc_status check_dest(const dest *d, int force, sc_error *err)
{
    struct stat sb;
    if (lstat(d->dir, &sb) != 0)
        return SC_OK;
    if (!force)
        return sc_error_set(err, SC_ERR_USAGE, d->dir, "already exists; remove it or pass "
                            "--force to replace an existing report");
    if (!S_ISDIR(sb.st_mode))
        return sc_error_set(err, SC_ERR_USAGE, d->dir, "exists and is not a directory; "
                            "refusing to replace it");
    if (!replaceable(d->dir))
        return sc_error_set(err, SC_ERR_USAGE, d->dir, "exists and is not a sculpt report "
                            "(no " MARKER " file) nor empty; refusing to replace it even "
                            "with --force");
    return SC_OK;
}

void sc_report_temp_results_path(const char *dir, char *out, size_t cap)
{
    dest d;
    if (dest_init(&d, dir, NULL) != SC_OK) {
        snprintf(out, cap, "sculpt-report-results.%ld.h5", (long)getpid());
        return;
    }
    const char *slash = strrchr(d.dir, '/');
    const char *base = slash ? slash + 1 : d.dir;
    int plen = slash ? (int)(slash - d.dir) + 1 : 0;
    snprintf(out, cap, "%.*s.%s.results.%ld.h5", plen, d.dir, base, (long)getpid());
}

sc_status sc_report_check_output(const char *dir, const sc_report_opts *opts, sc_error *err)
{
    dest d;
    sc_status st = dest_init(&d, dir, err);
    if (!st)
        st = check_dest(&d, opts->force, err);
    if (!st && (opts->png || opts->svg)) {
        char gp[4096];
        st = sc_report_gnuplot_find(opts->gnuplot, gp, sizeof gp, err);
    }
    return st;
}

static sc_status dest_commit(dest *d, int force, sc_error *err)
{
    struct stat sb;
    int moved = 0;
    if (lstat(d->dir, &sb) == 0) {
        /* appeared or was checked under --force: re-check, the world may have changed */
        sc_status st = check_dest(d, force, err);
        if (st)
            return st;
        if (rename(d->dir, d->old) != 0)
            return sc_error_set(err, SC_ERR_IO, d->dir, "cannot move the old report aside: "
                                "%s", strerror(errno));
        moved = 1;
    }
    if (rename(d->tmp, d->dir) != 0) {
        int e = errno;
        if (moved)
            rename(d->old, d->dir);
        return sc_error_set(err, SC_ERR_IO, d->dir, "cannot rename %s into place: %s", d->tmp,
                            strerror(e));
    }
    if (moved)
        rm_tree(d->old);
    return SC_OK;
}

/* ---- number formats and escaping -------------------------------------------------- */

/* The report's table of runs: label and type, then one column per schema-table field
 * (sim/results_schema.h, referenced by row index so a renamed or removed field fails to
 * compile), with its heading and how it is shown (x scale, fixed decimals). */
typedef struct col {
    const char *head_html, *head_md;
    int field;        /* SC_RFI_* row of the schema table; -1 for the two text columns */
    double scale;     /* shown value = scale x stored value */
    int decimals;
} col;

static const col summary_cols[] = {
    {"policy", "policy", -1, 1, 0},
    {"type", "type", -1, 1, 0},
    {"cost (USD)", "cost (USD)", SC_RFI_cost_usd, 1, 2},
    {"penalised cost (USD)", "penalised cost (USD)", SC_RFI_penalised_cost_usd, 1, 2},
    {"SLO attainment (%)", "SLO attainment (%)", SC_RFI_slo_attainment, 100, 3},
    {"violation minutes", "violation minutes", SC_RFI_violation_minutes, 1, 1},
    {"unserved (%)", "unserved (%)", SC_RFI_unserved_fraction, 100, 4},
    {"idle capacity (instance-h)", "idle capacity (instance-h)", SC_RFI_idle_capacity_hours, 1,
     1},
    {"actions", "actions", SC_RFI_actions, 1, 0},
};
#define N_COLS (sizeof summary_cols / sizeof summary_cols[0])

/* The formatted figures of one run, columns 2.. of summary_cols. */
static void format_figures(const sc_report_run *u, char out[][48])
{
    for (size_t c = 2; c < N_COLS; c++) {
        const sc_results_field *fd = &sc_results_fields[summary_cols[c].field];
        if (fd->type == SC_RF_LONG)
            snprintf(out[c - 2], 48, "%ld", *(const long *)((const char *)&u->sum + fd->offset));
        else
            snprintf(out[c - 2], 48, "%.*f", summary_cols[c].decimals,
                     summary_cols[c].scale * sc_results_field_number(&u->sum, fd));
    }
}

static void html_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void md_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '|' || c == '\\' || c == '*' || c == '_' || c == '`')
            fputc('\\', f);
        fputc(c < 0x20 ? ' ' : (int)c, f);
    }
}

static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static FILE *open_out(const char *dir, const char *name, sc_error *err)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    if (!f)
        sc_error_set(err, SC_ERR_IO, p, "cannot create: %s", strerror(errno));
    return f;
}

static sc_status close_out(FILE *f, const char *dir, const char *name, sc_error *err)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return sc_error_set(err, SC_ERR_IO, dir, "%s: write failed (disk full?)", name);
    return SC_OK;
}

/* ---- tables ----------------------------------------------------------------------- */

static void csv_num(FILE *f, double v);

static void csv_num(FILE *f, double v)
{
    fputc(',', f);
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("nan", f);
}

/* ---- sweep tables ------------------------------------------------------------------ */

static const char *const sweep_heads[SC_REPORT_SM_COUNT] = {
    "cost (USD)", "penalised cost (USD)", "SLO attainment (%)", "violation minutes",
    "unserved (%)"};
static const double sweep_scale[SC_REPORT_SM_COUNT] = {1, 1, 100, 1, 100};
static const int sweep_prec[SC_REPORT_SM_COUNT] = {2, 2, 3, 1, 4};

/* "mean ± ci" (just the mean when the CI is NaN: one replicate) */
static void format_pm(const sc_report_sweep_row *w, int m, char *out, size_t cap)
{
    double sc = sweep_scale[m];
    if (isfinite(w->ci95[m]))
        snprintf(out, cap, "%.*f ± %.*f", sweep_prec[m], w->mean[m] * sc, sweep_prec[m],
                 w->ci95[m] * sc);
    else
        snprintf(out, cap, "%.*f", sweep_prec[m], w->mean[m] * sc);
}

static const char *front_text(const sc_report_sweep_row *w)
{
    return w->front_all ? "all, policy" : w->front_policy ? "policy" : "";
}

static void sweep_csv(const sc_report_sweep *s, FILE *f)
{
    fputs("setting,parameters,policy,n", f);
    for (int m = 0; m < SC_REPORT_SM_COUNT; m++)
        fprintf(f, ",%s_mean,%s_ci95", sc_report_sweep_metric(m), sc_report_sweep_metric(m));
    fputs(",on_policy_front,on_front\n", f);
    for (size_t i = 0; i < s->n_rows; i++) {
        const sc_report_sweep_row *w = &s->rows[i];
        fprintf(f, "%" PRId64 ",", w->setting);
        csv_field(f, s->settings[w->setting]);
        fputc(',', f);
        csv_field(f, w->label);
        fprintf(f, ",%" PRId64, w->n);
        for (int m = 0; m < SC_REPORT_SM_COUNT; m++) {
            csv_num(f, w->mean[m]);
            csv_num(f, w->ci95[m]);
        }
        fprintf(f, ",%d,%d\n", w->front_policy, w->front_all);
    }
}

static void sweep_md(const sc_report_results *r, FILE *f)
{
    const sc_report_sweep *s = r->sweep;
    fputs("# sculpt sweep report: ", f);
    md_esc(f, s->name);
    fprintf(f, "\n\n%" PRId64 " settings x %" PRId64 " replicates = %" PRId64
               " runs of scenario ", s->n_settings, s->n_replicates, s->n_runs);
    md_esc(f, r->scenario_name);
    fprintf(f, "; base seed %" PRIu64 ". Figures: mean ± half-width of the 95 %% confidence "
               "interval over the replicates.\n\nAxes: ", s->base_seed);
    for (size_t i = 0; i < s->n_axes; i++) {
        fputs(i ? ", `" : "`", f);
        fputs(s->axes[i], f);
        fputc('`', f);
    }
    fputs("\n\n| setting | parameters | policy | n", f);
    for (int m = 0; m < SC_REPORT_SM_COUNT; m++)
        fprintf(f, " | %s", sweep_heads[m]);
    fputs(" | Pareto front |\n|---:|---|---|---:", f);
    for (int m = 0; m < SC_REPORT_SM_COUNT; m++)
        fputs("|---:", f);
    fputs("|---|\n", f);
    for (size_t i = 0; i < s->n_rows; i++) {
        const sc_report_sweep_row *w = &s->rows[i];
        fprintf(f, "| %" PRId64 " | ", w->setting);
        md_esc(f, s->setting_short[w->setting]);
        fputs(" | ", f);
        md_esc(f, w->label);
        fprintf(f, " | %" PRId64, w->n);
        for (int m = 0; m < SC_REPORT_SM_COUNT; m++) {
            char v[96];
            format_pm(w, m, v, sizeof v);
            fprintf(f, " | %s", v);
        }
        fprintf(f, " | %s |\n", front_text(w));
    }
    fprintf(f, "\nsculpt %s (commit %s), sweep hash %s, scenario hash %s.\n",
            r->sculpt_version, r->git_commit, s->hash, r->scenario_hash);
}

static void sweep_html(const sc_report_results *r, FILE *f)
{
    const sc_report_sweep *s = r->sweep;
    fprintf(f, "<p>%" PRId64 " settings &times; %" PRId64 " replicates = %" PRId64
               " runs of scenario ", s->n_settings, s->n_replicates, s->n_runs);
    html_esc(f, r->scenario_name);
    fprintf(f, ", base seed %" PRIu64 ". Figures are the mean &plusmn; the half-width of the "
               "95 %% confidence interval over the replicates (Student t). Tables: "
               "<a href=\"summary.csv\">summary.csv</a>, <a href=\"summary.md\">summary.md</a>."
               "</p>\n<table class=\"kv\" id=\"axes\"><tr><th>axes</th><td>", s->base_seed);
    for (size_t i = 0; i < s->n_axes; i++) {
        if (i)
            fputs(", ", f);
        fputs("<code>", f);
        html_esc(f, s->axes[i]);
        fputs("</code>", f);
    }
    fputs("</td></tr></table>\n<h2 id=\"summary-h\">Summary</h2>\n<table id=\"summary\">\n"
          "<thead><tr><th>setting</th><th class=\"l\">parameters</th><th class=\"l\">policy"
          "</th><th>n</th>", f);
    for (int m = 0; m < SC_REPORT_SM_COUNT; m++)
        fprintf(f, "<th>%s</th>", sweep_heads[m]);
    fputs("<th class=\"l\">Pareto front</th></tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < s->n_rows; i++) {
        const sc_report_sweep_row *w = &s->rows[i];
        size_t k = 0;
        while (k < s->n_policies && strcmp(s->policies[k], w->label) != 0)
            k++;
        fprintf(f, "<tr><td>%" PRId64 "</td><td class=\"l\" title=\"", w->setting);
        html_esc(f, s->settings[w->setting]);
        fputs("\">", f);
        html_esc(f, s->setting_short[w->setting]);
        fprintf(f, "</td><td class=\"l\"><span class=\"swatch\" style=\"background:%s\">"
                   "</span>", sc_report_colour(k));
        html_esc(f, w->label);
        fprintf(f, "</td><td>%" PRId64 "</td>", w->n);
        for (int m = 0; m < SC_REPORT_SM_COUNT; m++) {
            char v[96];
            format_pm(w, m, v, sizeof v);
            fprintf(f, "<td>%s</td>", v);
        }
        fprintf(f, "<td class=\"l\">%s</td></tr>\n", front_text(w));
    }
    fputs("</tbody>\n</table>\n<p class=\"note\">Pareto front: no other row has a lower or "
          "equal mean cost and a higher or equal mean SLO attainment (one of them strictly); "
          "&ldquo;policy&rdquo; compares the rows of the same policy, &ldquo;all&rdquo; every "
          "row.</p>\n", f);
}

static sc_status write_csv(const sc_report_results *r, const char *dir, sc_error *err)
{
    FILE *f = open_out(dir, "summary.csv", err);
    if (!f)
        return err ? err->status : SC_ERR_IO;
    if (r->sweep) {
        sweep_csv(r->sweep, f);
        return close_out(f, dir, "summary.csv", err);
    }
    /* label and type, then every SC_RF_REPORT row of the schema table, in table order */
    fputs("policy,type", f);
    for (int i = 0; i < SC_RESULTS_N_FIELDS; i++)
        if ((sc_results_fields[i].flags & SC_RF_REPORT) && sc_results_fields[i].type != SC_RF_STR)
            fprintf(f, ",%s", sc_results_fields[i].name);
    fputc('\n', f);
    for (size_t j = 0; j < r->n_runs; j++) {
        const sc_report_run *u = &r->runs[j];
        csv_field(f, u->label);
        fputc(',', f);
        csv_field(f, u->policy);
        for (int i = 0; i < SC_RESULTS_N_FIELDS; i++) {
            const sc_results_field *fd = &sc_results_fields[i];
            if (!(fd->flags & SC_RF_REPORT) || fd->type == SC_RF_STR)
                continue;
            if (fd->type == SC_RF_LONG)
                fprintf(f, ",%ld", *(const long *)((const char *)&u->sum + fd->offset));
            else
                csv_num(f, sc_results_field_number(&u->sum, fd));
        }
        fputc('\n', f);
    }
    return close_out(f, dir, "summary.csv", err);
}

static void period_text(const sc_report_results *r, char *out, size_t cap)
{
    if (r->n_steps <= r->warmup_steps) {
        snprintf(out, cap, "no measured steps");
        return;
    }
    char a[32], b[32];
    sc_time_format(r->time_ms[r->warmup_steps], a, sizeof a);
    sc_time_format(r->time_ms[r->n_steps - 1] + r->step_ms, b, sizeof b);
    snprintf(out, cap, "%s to %s", a, b);
}

static void step_text(int64_t ms, char *out, size_t cap)
{
    if (ms % 3600000 == 0)
        snprintf(out, cap, "%" PRId64 " h", ms / 3600000);
    else if (ms % 60000 == 0)
        snprintf(out, cap, "%" PRId64 " min", ms / 60000);
    else if (ms % 1000 == 0)
        snprintf(out, cap, "%" PRId64 " s", ms / 1000);
    else
        snprintf(out, cap, "%" PRId64 " ms", ms);
}

static sc_status write_md(const sc_report_results *r, const char *dir, sc_error *err)
{
    FILE *f = open_out(dir, "summary.md", err);
    if (!f)
        return err ? err->status : SC_ERR_IO;
    if (r->sweep) {
        sweep_md(r, f);
        return close_out(f, dir, "summary.md", err);
    }
    char period[96], step[32];
    period_text(r, period, sizeof period);
    step_text(r->step_ms, step, sizeof step);
    fputs("# sculpt report: ", f);
    md_esc(f, r->scenario_name);
    fprintf(f, "\n\nMeasured period %s (%" PRId64 " steps of %s after %" PRId64
               " warm-up steps); seed %" PRIu64 ".\n\n",
            period, r->n_steps - r->warmup_steps, step, r->warmup_steps, r->seed);
    for (size_t c = 0; c < N_COLS; c++)
        fprintf(f, "| %s ", summary_cols[c].head_md);
    fputs("|\n", f);
    for (size_t c = 0; c < N_COLS; c++)
        fputs(c < 2 ? "|---" : "|---:", f);
    fputs("|\n", f);
    for (size_t j = 0; j < r->n_runs; j++) {
        const sc_report_run *u = &r->runs[j];
        char fig[N_COLS - 2][48];
        format_figures(u, fig);
        fputs("| ", f);
        md_esc(f, u->label);
        fputs(" | ", f);
        md_esc(f, u->policy);
        for (size_t c = 0; c < N_COLS - 2; c++)
            fprintf(f, " | %s", fig[c]);
        fputs(" |\n", f);
    }
    fprintf(f, "\nsculpt %s (commit %s), scenario hash %s.\n", r->sculpt_version, r->git_commit,
            r->scenario_hash);
    return close_out(f, dir, "summary.md", err);
}

/* ---- HTML -------------------------------------------------------------------------- */

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
    "sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#1b1b1b;"
    "line-height:1.45}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;"
    "padding-bottom:.2em}\n"
    "table{border-collapse:collapse;margin:1em 0;font-variant-numeric:tabular-nums}\n"
    "th,td{padding:.35em .7em;border-bottom:1px solid #e3e3e3;text-align:right}\n"
    "th{background:#f4f6f8;font-weight:600}\n"
    "td.l,th.l{text-align:left}\n"
    "table.kv th{text-align:left;background:none}table.kv td{text-align:left}\n"
    "figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}\n"
    "figcaption{font-size:.9em;color:#555}\n"
    ".swatch{display:inline-block;width:.8em;height:.8em;margin-right:.4em;"
    "border-radius:2px;vertical-align:baseline}\n"
    ".note{color:#555;font-style:italic}\n"
    "code{background:#f4f6f8;padding:0 .2em}\n";

static void html_figure(FILE *f, const sc_report_plot *p, int png, int svg)
{
    fputs("<figure>", f);
    fprintf(f, "<img src=\"plots/%s.%s\" alt=\"", p->name, png ? "png" : "svg");
    html_esc(f, p->title);
    fputs("\" width=\"960\" height=\"400\">\n<figcaption>", f);
    html_esc(f, p->title);
    if (svg)
        fprintf(f, " (<a href=\"plots/%s.svg\">SVG</a>)", p->name);
    fputs("</figcaption></figure>\n", f);
}

static void html_section(FILE *f, const sc_report_plots *pl, sc_report_section sec, int png,
                         int svg)
{
    for (size_t i = 0; i < pl->n; i++)
        if (pl->v[i].section == sec)
            html_figure(f, &pl->v[i], png, svg);
}

static size_t count_section(const sc_report_plots *pl, sc_report_section sec)
{
    size_t n = 0;
    for (size_t i = 0; i < pl->n; i++)
        n += pl->v[i].section == sec;
    return n;
}

static sc_status write_html(const sc_report_results *r, const sc_report_plots *pl,
                            const char *dir, int png, int svg, sc_error *err)
{
    FILE *f = open_out(dir, "index.html", err);
    if (!f)
        return err ? err->status : SC_ERR_IO;
    int plots = png || svg;
    char period[96], step[32];
    period_text(r, period, sizeof period);
    step_text(r->step_ms, step, sizeof step);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>sculpt report: ",
          f);
    html_esc(f, r->sweep ? r->sweep->name : r->scenario_name);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>sculpt %sreport: ", css,
            r->sweep ? "sweep " : "");
    html_esc(f, r->sweep ? r->sweep->name : r->scenario_name);
    fputs("</h1>\n", f);
    if (r->sweep) {
        sweep_html(r, f);
        goto plots;
    }
    fprintf(f, "<p>%zu polic%s over the measured period %s: %" PRId64
               " steps of %s, after %" PRId64 " warm-up steps (excluded from every figure). "
               "Tables: <a href=\"summary.csv\">summary.csv</a>, "
               "<a href=\"summary.md\">summary.md</a>.</p>\n",
            r->n_runs, r->n_runs == 1 ? "y" : "ies", period, r->n_steps - r->warmup_steps,
            step, r->warmup_steps);

    fputs("<h2 id=\"summary-h\">Summary</h2>\n<table id=\"summary\">\n<thead><tr>", f);
    for (size_t c = 0; c < N_COLS; c++)
        fprintf(f, "<th%s>%s</th>", c < 2 ? " class=\"l\"" : "", summary_cols[c].head_html);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t j = 0; j < r->n_runs; j++) {
        const sc_report_run *u = &r->runs[j];
        char fig[N_COLS - 2][48];
        format_figures(u, fig);
        fprintf(f, "<tr><td class=\"l\"><span class=\"swatch\" style=\"background:%s\">"
                   "</span>",
                sc_report_colour(j));
        html_esc(f, u->label);
        fputs("</td><td class=\"l\">", f);
        html_esc(f, u->policy);
        fputs("</td>", f);
        for (size_t c = 0; c < N_COLS - 2; c++)
            fprintf(f, "<td>%s</td>", fig[c]);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n"
          "<p class=\"note\">Cost: instances and egress over the measured period. Penalised "
          "cost adds the SLO penalty for unserved load. SLO attainment: share of "
          "application-geography steps meeting the SLO. Idle capacity: serving "
          "instance-hours above demand.</p>\n",
          f);

plots:
    if (!plots) {
        fputs("<p class=\"note\">Plots were not requested (--format none).</p>\n", f);
    } else {
        if (r->sweep) {
            fputs("<h2 id=\"sweep\">Sweep: cost against SLO attainment</h2>\n", f);
            html_section(f, pl, SC_REPORT_SEC_SWEEP, png, svg);
        }
        if (!r->sweep) {
            fputs("<h2 id=\"cost\">Cost</h2>\n", f);
            html_section(f, pl, SC_REPORT_SEC_COST, png, svg);
            fputs("<h2 id=\"demand\">Demand and capacity</h2>\n", f);
            if (count_section(pl, SC_REPORT_SEC_DEMAND) == 0)
                fputs("<p class=\"note\">No per-step series in the results (the scenario "
                      "disabled them or the run used --no-per-step), so there are no plots "
                      "over time.</p>\n",
                      f);
            for (size_t a = 0; a < r->n_apps; a++) {
                char prefix[64];
                snprintf(prefix, sizeof prefix, "demand_%zu_", a);
                int any = 0;
                for (size_t i = 0; i < pl->n; i++) {
                    if (pl->v[i].section != SC_REPORT_SEC_DEMAND ||
                        strncmp(pl->v[i].name, prefix, strlen(prefix)) != 0)
                        continue;
                    if (!any) {
                        fputs("<h3>", f);
                        html_esc(f, r->apps[a]);
                        fputs("</h3>\n", f);
                        any = 1;
                    }
                    html_figure(f, &pl->v[i], png, svg);
                }
            }
            if (count_section(pl, SC_REPORT_SEC_ROUTING) > 0) {
                fputs("<h2 id=\"routing\">Where load is served</h2>\n"
                      "<p class=\"note\">Runs whose routing differs from the first run's: "
                      "the share of all apps' load routed to each region.</p>\n",
                      f);
                html_section(f, pl, SC_REPORT_SEC_ROUTING, png, svg);
            }
            fputs("<h2 id=\"forecast\">Forecasts</h2>\n", f);
            if (count_section(pl, SC_REPORT_SEC_FORECAST) == 0)
                fputs("<p class=\"note\">The results hold no forecasts "
                      "(series/&lt;app&gt;/&lt;region&gt;/forecast_mean); only predictive "
                      "policies record them.</p>\n",
                      f);
            html_section(f, pl, SC_REPORT_SEC_FORECAST, png, svg);
        } else {
            fputs("<p class=\"note\">Plots over time are not drawn for sweeps: run one "
                  "setting with <code>sculpt run --report</code> for those.</p>\n", f);
        }
        fputs("<p class=\"note\">Each plot's data and the gnuplot script are in "
              "<code>gnuplot/</code>; re-make them with <code>gnuplot gnuplot/plots.gp</code> "
              "from this directory.</p>\n",
              f);
    }

    fputs("<h2 id=\"provenance\">Provenance</h2>\n<table class=\"kv\" id=\"provenance-t\">\n",
          f);
    if (r->sweep) {
        fputs("<tr><th>sweep</th><td>", f);
        html_esc(f, r->sweep->name);
        fputs("</td></tr>\n<tr><th>sweep hash</th><td>", f);
        html_esc(f, r->sweep->hash);
        fputs("</td></tr>\n", f);
    }
    const char *keys[] = {"results file", "schema", "sculpt version (results)",
                          "git commit (results)", "scenario", "scenario hash"};
    char sv[96];
    snprintf(sv, sizeof sv, "%s v%" PRId64, r->schema, r->schema_version);
    const char *base = strrchr(r->path, '/');
    base = base ? base + 1 : r->path;
    const char *vals[] = {base, sv, r->sculpt_version, r->git_commit, r->scenario_name,
                          r->scenario_hash};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        fprintf(f, "<tr><th>%s</th><td>", keys[i]);
        html_esc(f, vals[i]);
        fputs("</td></tr>\n", f);
    }
    fprintf(f, "<tr><th>%s</th><td>%" PRIu64 "</td></tr>\n", r->sweep ? "base seed" : "seed",
            r->seed);
    if (!r->sweep) {
        fprintf(f, "<tr><th>step</th><td>%s</td></tr>\n", step);
        fprintf(f, "<tr><th>steps</th><td>%" PRId64 " (%" PRId64 " warm-up)</td></tr>\n",
                r->n_steps, r->warmup_steps);
    }
    fprintf(f, "<tr><th>report made by</th><td>sculpt %s (commit %s)</td></tr>\n", SC_VERSION,
            SC_GIT_COMMIT);
    fputs("</table>\n</body>\n</html>\n", f);
    return close_out(f, dir, "index.html", err);
}

/* ---- the whole report ------------------------------------------------------------- */

static sc_status check_plots(const char *dir, const sc_report_plots *pl, int png, int svg,
                             sc_error *err)
{
    for (size_t i = 0; i < pl->n; i++)
        for (int k = 0; k < 2; k++) {
            if ((k == 0 && !png) || (k == 1 && !svg))
                continue;
            char p[4400];
            snprintf(p, sizeof p, "%s/plots/%s.%s", dir, pl->v[i].name, k ? "svg" : "png");
            struct stat sb;
            if (stat(p, &sb) != 0 || sb.st_size == 0)
                return sc_error_set(err, SC_ERR_INTERNAL, p, "gnuplot did not write this "
                                    "plot (see gnuplot/plots.gp)");
        }
    return SC_OK;
}

sc_status sc_report_write(const char *results_path, const char *dir, const sc_report_opts *opts,
                          sc_error *err)
{
    sc_report_opts o;
    if (opts)
        o = *opts;
    else
        sc_report_opts_init(&o);
    dest d;
    sc_status st = dest_init(&d, dir, err);
    if (st)
        return st;
    char gnuplot[4096] = "";
    if ((st = check_dest(&d, o.force, err)))
        return st;
    sc_report_results *r = NULL;
    if ((st = sc_report_results_open(results_path, &r, err)))
        return st;
    if ((o.png || o.svg) && (st = sc_report_gnuplot_find(o.gnuplot, gnuplot, sizeof gnuplot,
                                                         err))) {
        sc_report_results_free(r);
        return st;
    }
    sc_report_plots pl = {0};
    rm_tree(d.tmp); /* a leftover of a crashed run with the same pid */
    clean_stale(&d);
    /* removed by the CLI's SIGINT/SIGTERM handler if interrupted (fsutil.h); registered
     * before it exists */
    sc_tmp_create_begin();
    int tmp_slot = sc_tmp_register(d.tmp, 1);
    int mk = mkdir(d.tmp, 0777), mk_errno = errno;
    if (mk != 0)
        sc_tmp_unregister(tmp_slot);
    sc_tmp_create_end();
    if (mk != 0) {
        st = sc_error_set(err, SC_ERR_IO, d.tmp, "cannot create the report directory: %s",
                          strerror(mk_errno));
        sc_report_results_free(r);
        return st;
    }
    if (o.png || o.svg) {
        st = sc_report_plots_write(r, d.tmp, o.png, o.svg, &pl, err);
        if (!st)
            st = sc_report_gnuplot_run(gnuplot, d.tmp, err);
        if (!st)
            st = check_plots(d.tmp, &pl, o.png, o.svg, err);
    }
    if (!st)
        st = write_csv(r, d.tmp, err);
    if (!st)
        st = write_md(r, d.tmp, err);
    if (!st)
        st = write_html(r, &pl, d.tmp, o.png, o.svg, err);
    if (!st) {
        FILE *f = open_out(d.tmp, MARKER, err);
        if (!f)
            st = err ? err->status : SC_ERR_IO;
        else {
            fputs("This directory was written by `sculpt report`; `sculpt report --force` "
                  "may replace it.\n", f);
            st = close_out(f, d.tmp, MARKER, err);
        }
    }
    if (!st)
        st = dest_commit(&d, o.force, err);
    if (st)
        rm_tree(d.tmp);
    sc_tmp_unregister(tmp_slot);
    sc_report_plots_cleanup(&pl);
    sc_report_results_free(r);
    return st;
}
