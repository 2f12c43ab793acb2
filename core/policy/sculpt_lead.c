/*
 * sculpt_lead.c - the `sculpt` policy's guard margin over the lead-time distribution
 * (`guard_margin`): how far above the observed load the reactive guard must size so
 * that the load reached before its next launch can serve is covered, learnt from the
 * past steps (issue 10, item 2: "sized from ... the boot-delay distribution (the lead
 * time is a distribution, not a constant)").
 *
 * Why.  Every scenario step the guard (sculpt_intrahour.c) asks for ceil(ref / u)
 * instances, ref the peak ieq over its hold ending at the current step, u the SLO's
 * utilisation.  That covers the load it has seen, not the load of the steps before its
 * next order serves: an order placed at the start of step i serves from i x step + L,
 * L = boot delay + warm-up, so the capacity serving at the start of step k comes from
 * the decisions at i <= k - j, j = ceil(L / step).  On the held-out suite's development
 * half at 0.999 the misses are steps whose load grew within that lead (nab-ac20cd: +5 %
 * and +13 % over 14 and 20 instances held at ref / u exactly, besides two jumps of 1.7
 * and 2.9 x).  The sizer's headroom (sculpt_size.c) scales the plan, not the guard, so
 * where the guard is what serves (after a level shift the forecast has not learnt) it
 * cannot help.
 *
 * The lead time is a distribution.  L = boot + app warm-up, the boot delay drawn from
 * the region's declared distribution (`regions[].boot`); P_j = P((j - 1) step < L <=
 * j step) = F(j step) - F((j - 1) step), F the CDF of L (the inverse of
 * sc_dist_quantile, by bisection at init), for j = 1..J, J the first j with P(L > j
 * step) < 1e-4 (at most LEAD_J), the tail folded into P_J.  With 5-minute steps and the
 * suite's boot (median 97 s, p95 160 s) + 60 s warm-up: P_1 = 0.9986, P_2 = 0.0014; with
 * 1-minute steps L spans 2-5 steps.
 *
 * What it measures (past only).  At each decision that opens a scenario step, the step
 * k just closed is judged per deployed (app, region) with load: x_k its ieq, low the
 * fewest serving instances seen over it (at its start and end), g_k the margin in force
 * at its start.  The step is *guard-tight* when x_k > u x low / g_k: without the margin
 * the capacity would not have served it (when the plan's capacity, above the guard's,
 * served it, low / g_k is still above the need and the step is not counted).  A tight
 * step needed the margin m_kj = x_k / ref_{k-j} from the guard of decision k - j (ref as
 * the guard reads it), with probability P_j: its weight P_j goes to the code of m_kj in a
 * histogram per (app, region) (64 codes per doubling over (1, 4]; above 4 one code "not
 * fixable"), and a ring of `headroom_window` (14 d) steps remembers the codes so that a
 * step leaving the window leaves the histogram.  N counts the judged steps with load.
 *
 * The rule, every step, per (app, region): with the error budget b = 1 - the app's
 * slo.attainment, the guard may leave an expected `guard_margin_safety` x b x (N + 1)
 * tight steps unserved (0.25: the sizer plans its own share of the budget for the plan's
 * misses).  The margin g* is the least code whose fixable tail weight (codes above it up
 * to `guard_margin_max`) is within that; needs above `guard_margin_max` (1.25) are not
 * fixable: one-step spikes no capacity bought on the observation catches are left, as
 * the sizer leaves them, not chased.  g* >= 1 (1: the guard as before).
 *
 * Guard against oscillation.  The state is the window's needs in units of the observed
 * growth, which the margin does not rewrite (a tight step stays tight in units of g_k),
 * so no raise -> fewer violations -> lower loop; a higher g* is taken at once, a lower one
 * at most 2 % per hour of steps, so an old need leaving the window lowers it slowly.
 *
 * `guard_margin`: "auto" (the rule), or a fixed number in [1, 4] (1: off, the guard as
 * before).  State per (app, region): g, g at the last step start, the serving count at
 * the last step start, u, the histogram, N, the ring.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/policy.h"

#include "sculpt_int.h"

#define LEAD_J 8           /* largest lead in steps the distribution is resolved to */
#define LEAD_TAIL 1e-4     /* P(L > J step) below this ends the distribution */
#define PER_DOUBLING 64.0  /* codes per doubling of the margin */
#define CODE_NONE 0        /* not tight: served at margin 1 (or no load) */
#define CODE_INF 129       /* above 4: not fixable by any margin in range */
#define CODES 130

struct sculpt_lead {
    int automatic;            /* 1: the rule; 0: fixed margin g0 */
    double g0;                /* fixed margin, or the start of the rule (1) */
    double g_max;             /* needs above this are not fixable (1.25) */
    double safety;            /* share of the error budget the guard may leave (0.25) */
    double down;              /* largest log step down per scenario step */
    int64_t window_steps;     /* the ring's length, scenario steps */
    int64_t hold_steps;       /* the guard's hold, as sculpt_intrahour.c reads it */
    int hold_adj;             /* 1 when the hold is a whole number of steps (idem) */
    int64_t last_step;        /* step of the last decision seen; -1 none */
    size_t n_apps, n_regions;
    int J;                    /* leads of 1..J steps are resolved */
    double *pj;               /* [n_regions * (LEAD_J + 1)] P(lead = j steps), j >= 1 */
    double *g;                /* [n_ar] margin in force */
    double *g_prev;           /* [n_ar] margin in force at the last step's start */
    int *serving_prev;        /* [n_ar] serving instances at the last step start; -1 */
    double *u;                /* [n_ar] the SLO's utilisation (sc_sizer_u_slo) */
    double *hist;             /* [n_ar * CODES] weight of the window's tight steps */
    long *n_judged;           /* [n_ar] steps with load in the window */
    unsigned char *code;      /* [(n_ar * window + slot) * LEAD_J + j - 1] */
    unsigned char *judged;    /* [n_ar * window + slot] 1: a step with load */
    int *plan_n;              /* [n_ar * (LEAD_J + 1)] the shaped plan's count before the
                                 guard at the decision of step i, slot i % (LEAD_J + 1);
                                 -1: none */
    int64_t *plan_step;       /* [n_ar * (LEAD_J + 1)] the step each slot was noted at */
    double *u_guard0;         /* [n_ar] the sizer's guard utilisation without the margin;
                                 NULL when the sizer is off */
};

static unsigned char code_of(double m)
{
    if (!(m > 1.0))
        return CODE_NONE;
    if (m > 4.0)
        return CODE_INF;
    double c = ceil(PER_DOUBLING * log2(m));
    return (unsigned char)(c < 1.0 ? 1 : c > 128.0 ? 128 : c);
}

/* The margin a code stands for: the top of its bin (a margin there serves the step). */
static double margin_of(int c)
{
    return c <= CODE_NONE ? 1.0 : exp2((double)c / PER_DOUBLING);
}

/* CDF of the lead L = boot + warm-up at t (ms), by bisection on the quantile. */
static double lead_cdf(const sc_dist *boot, double warm_ms, double t)
{
    double x = t - warm_ms;
    if (x < 0)
        return 0.0;
    if (boot->kind == SC_DIST_CONST)
        return boot->a_ms <= x ? 1.0 : 0.0;
    double lo = 0.0, hi = 1.0;
    if (sc_dist_quantile(boot, 1e-12) > x)
        return 0.0;
    if (sc_dist_quantile(boot, 1.0 - 1e-12) <= x)
        return 1.0;
    for (int i = 0; i < 60; i++) {
        double mid = 0.5 * (lo + hi);
        if (sc_dist_quantile(boot, mid) <= x)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

void sc_sculpt_lead_pj(const sc_dist *boot, double warm_ms, int64_t step_ms, double *pj,
                       int *J)
{
    double prev = lead_cdf(boot, warm_ms, 0.0);
    int j;
    memset(pj, 0, (LEAD_J + 1) * sizeof *pj);
    pj[1] = prev; /* a lead of 0 serves the next step like a lead of one step */
    for (j = 1; j <= LEAD_J; j++) {
        double f = lead_cdf(boot, warm_ms, (double)j * (double)step_ms);
        pj[j] += f - prev;
        prev = f;
        if (1.0 - f < LEAD_TAIL || j == LEAD_J) {
            pj[j] += 1.0 - f; /* the tail beyond J */
            break;
        }
    }
    *J = j;
}

void sc_sculpt_lead_cleanup(sculpt_state *s)
{
    struct sculpt_lead *l = s->lead;
    if (!l)
        return;
    free(l->pj);
    free(l->g);
    free(l->g_prev);
    free(l->serving_prev);
    free(l->u);
    free(l->hist);
    free(l->n_judged);
    free(l->code);
    free(l->judged);
    free(l->plan_n);
    free(l->plan_step);
    free(l->u_guard0);
    free(l);
    s->lead = NULL;
}

sc_status sc_sculpt_lead_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                              int64_t window_ms, const char *where, sc_error *err)
{
    s->lead = NULL;
    /* default: auto with purchase options, none on demand only (chosen on the held-out
     * development half: bench/policy/README.md, core/policy/README.md) */
    int word = s->on_demand_only ? -1 : 0;
    double g0 = 1.0, g_max = 1.25, safety = 0.25;
    sc_status st;
    int given = cJSON_GetObjectItemCaseSensitive(params, "guard_margin") != NULL;
    if (given && (st = sc_params_get_enum(sc_sculpt_params, sc_sculpt_n_params, params,
                                          "guard_margin", &word)))
        return sc_error_set(err, st, where, "sculpt: parameter table out of date");
    if (given && word < 0 && (st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params,
                                               "guard_margin", &g0)))
        return sc_error_set(err, st, where, "sculpt: parameter table out of date");
    if ((st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params,
                                   "guard_margin_max", &g_max)) ||
        (st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params,
                                   "guard_margin_safety", &safety)))
        return sc_error_set(err, st, where, "sculpt: parameter table out of date");
    if (word < 0 && g0 == 1.0)
        return SC_OK; /* the guard as before: nothing to keep */
    if (!s->guard || !s->intra)
        return SC_OK; /* no guard to widen (the margin acts in sculpt_intrahour.c) */
    int64_t window_steps = window_ms / sc->step_ms;
    if (window_steps < 2)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "headroom_window: expected at least two scenario steps");
    size_t nar = sc->n_apps * sc->n_regions;
    struct sculpt_lead *l = calloc(1, sizeof *l);
    if (!l)
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    s->lead = l;
    l->automatic = word == 0;
    l->g0 = word == 0 ? 1.0 : g0;
    l->g_max = g_max;
    l->safety = safety;
    l->down = 0.02 * (double)sc->step_ms / (double)HOUR_MS;
    l->window_steps = window_steps;
    l->hold_steps = s->guard_hold_ms / sc->step_ms;
    l->hold_adj = l->hold_steps > 0 && s->guard_hold_ms % sc->step_ms == 0;
    l->last_step = -1;
    l->n_apps = sc->n_apps;
    l->n_regions = sc->n_regions;
    l->pj = calloc(sc->n_regions * (LEAD_J + 1) + 1, sizeof *l->pj);
    l->g = malloc((nar + 1) * sizeof *l->g);
    l->g_prev = malloc((nar + 1) * sizeof *l->g_prev);
    l->serving_prev = malloc((nar + 1) * sizeof *l->serving_prev);
    l->u = malloc((nar + 1) * sizeof *l->u);
    l->hist = calloc(nar * CODES + 1, sizeof *l->hist);
    l->n_judged = calloc(nar + 1, sizeof *l->n_judged);
    l->code = l->automatic ? calloc(nar * (size_t)window_steps * LEAD_J + 1, 1) : NULL;
    l->judged = l->automatic ? calloc(nar * (size_t)window_steps + 1, 1) : NULL;
    l->plan_n = malloc((nar * (LEAD_J + 1) + 1) * sizeof *l->plan_n);
    l->plan_step = malloc((nar * (LEAD_J + 1) + 1) * sizeof *l->plan_step);
    if (!l->plan_n || !l->plan_step) {
        sc_sculpt_lead_cleanup(s);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    if (s->size.on) { /* the sizer models the guard: it must see the margin too */
        if (!(l->u_guard0 = malloc((nar + 1) * sizeof *l->u_guard0))) {
            sc_sculpt_lead_cleanup(s);
            return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
        }
        memcpy(l->u_guard0, s->size.u_guard, nar * sizeof *l->u_guard0);
    }
    for (size_t i = 0; i < nar * (LEAD_J + 1); i++) {
        l->plan_n[i] = -1;
        l->plan_step[i] = -1;
    }
    if (!l->pj || !l->g || !l->g_prev || !l->serving_prev || !l->u || !l->hist ||
        !l->n_judged || (l->automatic && (!l->code || !l->judged))) {
        sc_sculpt_lead_cleanup(s);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    l->J = 1;
    for (size_t r = 0; r < sc->n_regions; r++) {
        /* the lead of the app with the longest warm-up: one distribution per region */
        int64_t warm = 0;
        for (size_t a = 0; a < sc->n_apps; a++)
            if (sc->apps[a].warmup_ms > warm)
                warm = sc->apps[a].warmup_ms;
        int J;
        sc_sculpt_lead_pj(&sc->regions[r].boot, (double)warm, sc->step_ms,
                          l->pj + r * (LEAD_J + 1), &J);
        if (J > l->J)
            l->J = J;
    }
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = a * sc->n_regions + r;
            l->g[ar] = l->g_prev[ar] = l->g0;
            l->serving_prev[ar] = -1;
            l->u[ar] = sc_sizer_u_slo(sc, (int)a, (int)r);
        }
    return SC_OK;
}


/* The guard's reference at the decision of step i: the peak ieq over its hold. */
static double guard_ref(const struct sculpt_lead *l, const sc_policy_view *v, int a, int r,
                        int64_t i)
{
    double ref = 0.0;
    for (int64_t k = i - l->hold_steps + l->hold_adj; k <= i; k++) {
        double x = k >= 0 ? sc_view_ieq(v, a, r, k) : NAN;
        if (x > ref)
            ref = x;
    }
    return ref;
}

/* Step k's slot of (a, r): forget what it held, record what it holds now. */
static void record(struct sculpt_lead *l, size_t ar, int64_t k, int with_load,
                   const unsigned char *codes, const double *pj)
{
    size_t slot = ar * (size_t)l->window_steps + (size_t)(k % l->window_steps);
    unsigned char *c = l->code + slot * LEAD_J;
    double *h = l->hist + ar * CODES;
    for (int j = 1; j <= LEAD_J; j++) {
        if (c[j - 1] != CODE_NONE)
            h[c[j - 1]] -= pj[j];
        c[j - 1] = codes[j - 1];
        if (c[j - 1] != CODE_NONE)
            h[c[j - 1]] += pj[j];
    }
    l->n_judged[ar] += with_load - l->judged[slot];
    l->judged[slot] = (unsigned char)with_load;
}

/* The margin the window's tight steps ask for at app a's objective. */
static double target(const struct sculpt_lead *l, const sc_scenario *sc, size_t a, size_t ar)
{
    double b = 1.0 - sc->apps[a].slo.attainment;
    if (!(b > 0))
        b = 0.0;
    double allow = l->safety * b * (double)(l->n_judged[ar] + 1);
    const double *h = l->hist + ar * CODES;
    int top = code_of(l->g_max); /* codes above it are not fixable */
    if (top == CODE_NONE)
        return 1.0;
    double tail = 0.0;
    int c = top;
    for (; c >= 1; c--) { /* tail: weight of codes above c, up to the top */
        if (tail + h[c] > allow + 1e-12)
            break;
        tail += h[c];
    }
    return c < 1 ? 1.0 : margin_of(c);
}

/* The plan's count noted at the decision of step i; -1 when none (or forgotten). */
static int plan_at(const struct sculpt_lead *l, size_t ar, int64_t i)
{
    if (i < 0)
        return -1;
    size_t slot = ar * (LEAD_J + 1) + (size_t)(i % (LEAD_J + 1));
    return l->plan_step[slot] == i ? l->plan_n[slot] : -1;
}

void sc_sculpt_lead_note_plan(sculpt_state *s, const sc_policy_view *v, int a, int r, int n)
{
    struct sculpt_lead *l = s->lead;
    if (!l || !l->automatic)
        return;
    size_t ar = (size_t)a * l->n_regions + (size_t)r;
    size_t slot = ar * (LEAD_J + 1) + (size_t)(v->step % (LEAD_J + 1));
    if (l->plan_step[slot] != v->step || n > l->plan_n[slot])
        l->plan_n[slot] = n;
    l->plan_step[slot] = v->step;
}

void sc_sculpt_lead_observe(sculpt_state *s, const sc_policy_view *v)
{
    struct sculpt_lead *l = s->lead;
    if (!l)
        return;
    const sc_scenario *sc = v->sc;
    int64_t cur = v->step;
    int new_step = cur != l->last_step;
    if (!new_step)
        return;
    int64_t k = cur - 1;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = a * sc->n_regions + r;
            int now_srv = sc_sculpt_serving(v, (int)a, (int)r);
            if (l->automatic && k >= 0 && l->serving_prev[ar] >= 0) {
                const double *pj = l->pj + r * (LEAD_J + 1);
                unsigned char codes[LEAD_J] = {0};
                double x = sc_view_ieq(v, (int)a, (int)r, k);
                int low = l->serving_prev[ar] < now_srv ? l->serving_prev[ar] : now_srv;
                int with_load = x > 0;
                /* instances step k needed, and what the plan gave it (the decision
                 * of step k - 1 set the capacity at its start) */
                double need = with_load ? ceil(x / l->u[ar] - 1e-9) : 0.0;
                int pn = plan_at(l, ar, k - 1);
                if (with_load && need > (double)low && (pn < 0 || need > (double)pn))
                    for (int j = 1; j <= l->J; j++) {
                        /* the guard of decision k - j serves it with margin g when
                         * ceil(g ref / u) >= need: g > (need - 1) u / ref */
                        double ref = guard_ref(l, v, (int)a, (int)r, k - j);
                        codes[j - 1] = ref > 0 ? code_of((need - 1.0) * l->u[ar] / ref)
                                               : CODE_INF;
                    }
                record(l, ar, k, with_load, codes, pj);
                double t = target(l, sc, a, ar);
                double lo = l->g[ar] * exp(-l->down);
                l->g[ar] = t >= l->g[ar] ? t : (t > lo ? t : lo);
            }
            l->serving_prev[ar] = now_srv;
            l->g_prev[ar] = l->g[ar];
            if (l->u_guard0) /* the sizer's model of the guard: G = ceil(g ref / u) */
                s->size.u_guard[ar] = l->u_guard0[ar] / l->g[ar];
        }
    l->last_step = cur;
}

double sc_sculpt_lead_margin(const sculpt_state *s, int a, int r)
{
    const struct sculpt_lead *l = s->lead;
    if (!l || a < 0 || r < 0 || (size_t)a >= l->n_apps || (size_t)r >= l->n_regions)
        return 1.0;
    return l->g[(size_t)a * l->n_regions + (size_t)r];
}
