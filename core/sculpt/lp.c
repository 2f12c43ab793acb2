/*
 * lp.c - the `lp` optimizer: the capacity problem of optimizer.h as a linear
 * programme on GLPK, mixed-integer where it pays.
 *
 * Columns (in this order, so the model is the same bytes for the same input):
 *   xres[r]                     reserved instances held over the horizon
 *   x[r][o][k], o in {od, spot} instances per step
 *   up[r][o][k], dn[r][o][k]    L1 split of x[k] - x[k-1] (only with a flap budget)
 *   y[g][r][k]                  ieq routed g -> r (only where route_ok)
 *   z[g][k][q]                  served ieq in quantile segment q
 * Rows:
 *   cap[r][k]   sum_g f_gr y - su (x_od + x_res + (1 - loss) x_spot) <= 0
 *               (f_gr = su / route_serve_util[g][r] >= 1: a route whose network latency
 *               leaves less room for queueing runs at a lower utilisation; 1 = at su)
 *   bal[g][k]   sum_r y - sum_q z = 0
 *   tot[r][k]   lower <= x_od + x_res + x_spot <= upper
 *   spot[r][k]  (1 - s) x_spot - s (x_od + x_res) <= 0     (spot offered, s < 1)
 *   diff[r][o][k] x[k] - x[k-1] - up + dn = 0 (x[-1] = current; with a flap budget)
 *   flap[r]     sum (up + dn) + x_res <= budget + current_res
 * The formulation, with the objective, is written out in core/sculpt/README.md.
 *
 * Integrality: with at most cfg->milp_max_int integer columns the instance columns are
 * integer and glp_intopt (branch and bound, no time limit, so deterministic) proves
 * the optimum, starting from the optimal LP basis; otherwise the LP relaxation is
 * rounded up (then clipped to the limits and the spot share) and the routing re-solved
 * with the counts fixed.  lp_bound_usd is the relaxation's objective in both cases.
 *
 * Warm start: with cfg->warm_start the glp_prob is kept between solves; when the next
 * problem has the same shape (dimensions, allowed routes, offered options, flap and
 * spot rows) only bounds, objective and the data-dependent rows are rewritten and the
 * dual simplex starts from the previous basis (GLPK's presolver is off then, since it
 * discards the basis).  A different shape rebuilds the model (cold start, presolver as
 * configured).
 *
 * Newsvendor path (cfg->newsvendor): without a flap budget or a reserved purchase, and
 * with every geography routed to at most one region, each (region, step) is a
 * two-variable integer problem solved exactly here without GLPK (see "The newsvendor
 * path" below); GLPK remains the path for everything else and the fallback.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glpk.h>

#include "optint.h"
#include "sculpt/optimizer.h"

typedef struct lp_state {
    glp_prob *lp;
    /* shape of the model in lp */
    int R, G, K, Q, flap, built;
    unsigned char *route_ok;     /* [G*R] copy */
    unsigned char *offered;      /* [R*3] */
    unsigned char *spotrow;      /* [R] */
    /* column / row indices (1-based; 0 = absent) */
    int *c_res;                  /* [R] */
    int *c_x;                    /* [(r*3+o)*K+k], o = od, spot */
    int *c_up, *c_dn;            /* same layout */
    int *c_y;                    /* [(g*R+r)*K+k] */
    int *c_z;                    /* [(g*K+k)*Q+q] */
    int *r_cap, *r_tot, *r_spot; /* [r*K+k] */
    int *r_bal;                  /* [g*K+k] */
    int *r_diff;                 /* [(r*3+o)*K+k] */
    int *r_flap;                 /* [R] */
    /* scratch */
    int *ind;                    /* 1-based row buffer */
    double *val;
    int *xi;                     /* integer x */
    double *routed;
    int n_cols, n_rows;
    /* per-step decomposition (see lp_solve_steps) */
    struct lp_state *sub;        /* model of one step, kept warm across steps */
    sc_opt_solution *sub_sol;    /* its solution */
    double *sub_demand;          /* [G*Q] */
    int *sub_lead;               /* [R] */
    double *full_relaxed;        /* [R*3*K] */
    int *full_x;                 /* [R*3*K] */
    double *full_routed;         /* [G*R*K] */
    int sub_R, sub_G, sub_K, sub_Q;
    /* newsvendor path (nv_solve) */
    int *nv_x;                   /* [R*3*K] */
    double *nv_relaxed;          /* [R*3*K] */
    double *nv_routed;           /* [G*R*K] */
    double *nv_w, *nv_v;         /* [G*Q] segments of one (region, step) */
    int *nv_g;                   /* [G*Q] their geography */
    int *nv_region;              /* [G] the one allowed region, -1 none */
    int nv_R, nv_G, nv_K, nv_Q;
    /* one utilisation per region (solve_region_util): the models of the consistent
     * passes, kept warm apart from the per-route one, and their route data */
    struct lp_state *ru, *ru0;   /* pass 2 (region at its least routed u), pass 0 (su) */
    sc_opt_solution *ru_sol;     /* pass 0's solution */
    unsigned char *ru_ok;        /* [G*R] */
    double *ru_u;                /* [G*R] */
    double *ru_reg;              /* [R] */
    int ru_R, ru_G, ru_K, ru_Q;
} lp_state;

static void lp_free_sub(lp_state *s);
static void lp_free_ru(lp_state *s);

static void lp_free_nv(lp_state *s)
{
    free(s->nv_x);
    free(s->nv_relaxed);
    free(s->nv_routed);
    free(s->nv_w);
    free(s->nv_v);
    free(s->nv_g);
    free(s->nv_region);
    s->nv_x = NULL;
    s->nv_relaxed = NULL;
    s->nv_routed = NULL;
    s->nv_w = s->nv_v = NULL;
    s->nv_g = s->nv_region = NULL;
    s->nv_R = s->nv_G = s->nv_K = s->nv_Q = 0;
}

static void lp_free_model(lp_state *s)
{
    lp_free_sub(s);
    lp_free_ru(s);
    if (s->lp)
        glp_delete_prob(s->lp);
    s->lp = NULL;
    free(s->route_ok);
    free(s->offered);
    free(s->spotrow);
    free(s->c_res);
    free(s->c_x);
    free(s->c_up);
    free(s->c_dn);
    free(s->c_y);
    free(s->c_z);
    free(s->r_cap);
    free(s->r_tot);
    free(s->r_spot);
    free(s->r_bal);
    free(s->r_diff);
    free(s->r_flap);
    free(s->ind);
    free(s->val);
    free(s->xi);
    free(s->routed);
    lp_free_nv(s);
    memset(s, 0, sizeof *s);
}

static void lp_free_ru(lp_state *s)
{
    lp_state *m[2] = {s->ru, s->ru0};
    s->ru = s->ru0 = NULL;
    for (int i = 0; i < 2; i++)
        if (m[i]) {
            lp_free_model(m[i]);
            free(m[i]);
        }
    sc_opt_solution_free(s->ru_sol);
    s->ru_sol = NULL;
    free(s->ru_ok);
    free(s->ru_u);
    free(s->ru_reg);
    s->ru_ok = NULL;
    s->ru_u = s->ru_reg = NULL;
    s->ru_R = s->ru_G = s->ru_K = s->ru_Q = 0;
}

static void lp_free_sub(lp_state *s)
{
    if (s->sub) {
        lp_state *sub = s->sub;
        s->sub = NULL;
        lp_free_model(sub);
        free(sub);
    }
    sc_opt_solution_free(s->sub_sol);
    s->sub_sol = NULL;
    free(s->sub_demand);
    free(s->sub_lead);
    free(s->full_relaxed);
    free(s->full_x);
    free(s->full_routed);
    s->sub_demand = NULL;
    s->sub_lead = NULL;
    s->full_relaxed = NULL;
    s->full_x = NULL;
    s->full_routed = NULL;
    s->sub_R = s->sub_G = s->sub_K = s->sub_Q = 0;
}

static void lp_cleanup(void *state)
{
    lp_free_nv(state);
    lp_free_model(state);
}

static sc_status lp_init(void *state, const sc_opt_config *cfg, sc_error *err)
{
    memset(state, 0, sizeof(lp_state));
    return SC_OK;
}

static int has_spot_row(const sc_opt_problem *p, int r)
{
    return sc_opt_offered(p, r, SC_PURCHASE_SPOT) && p->spot_max_share < 1.0;
}

static int same_shape(const lp_state *s, const sc_opt_problem *p)
{
    if (!s->built || s->R != p->n_regions || s->G != p->n_geos || s->K != p->n_steps ||
        s->Q != p->n_quant || s->flap != (p->flap_budget >= 0))
        return 0;
    if (memcmp(s->route_ok, p->route_ok, (size_t)s->G * s->R) != 0)
        return 0;
    for (int r = 0; r < s->R; r++) {
        for (int o = 0; o < SC_PURCHASE_COUNT; o++)
            if (s->offered[r * 3 + o] != sc_opt_offered(p, r, o))
                return 0;
        if (s->spotrow[r] != has_spot_row(p, r))
            return 0;
    }
    return 1;
}

#define XK(s, r, o, k) (((size_t)(r) * 3 + (size_t)(o)) * (size_t)(s)->K + (size_t)(k))

/* Build the model's structure (columns, rows, structural coefficients). */
static sc_status lp_build(lp_state *s, const sc_opt_problem *p, sc_error *err)
{
    lp_free_model(s);
    int R = p->n_regions, G = p->n_geos, K = p->n_steps, Q = p->n_quant;
    s->R = R;
    s->G = G;
    s->K = K;
    s->Q = Q;
    s->flap = p->flap_budget >= 0;
    size_t nx = (size_t)R * 3 * K;
    s->route_ok = malloc((size_t)G * R);
    s->offered = malloc((size_t)R * 3);
    s->spotrow = malloc((size_t)R);
    s->c_res = calloc((size_t)R, sizeof(int));
    s->c_x = calloc(nx, sizeof(int));
    s->c_up = calloc(nx, sizeof(int));
    s->c_dn = calloc(nx, sizeof(int));
    s->c_y = calloc((size_t)G * R * K, sizeof(int));
    s->c_z = calloc((size_t)G * K * Q, sizeof(int));
    s->r_cap = calloc((size_t)R * K, sizeof(int));
    s->r_tot = calloc((size_t)R * K, sizeof(int));
    s->r_spot = calloc((size_t)R * K, sizeof(int));
    s->r_bal = calloc((size_t)G * K, sizeof(int));
    s->r_diff = calloc(nx, sizeof(int));
    s->r_flap = calloc((size_t)R, sizeof(int));
    s->xi = calloc(nx, sizeof(int));
    s->routed = calloc((size_t)G * R * K, sizeof(double));
    if (!s->route_ok || !s->offered || !s->spotrow || !s->c_res || !s->c_x || !s->c_up ||
        !s->c_dn || !s->c_y || !s->c_z || !s->r_cap || !s->r_tot || !s->r_spot || !s->r_bal ||
        !s->r_diff || !s->r_flap || !s->xi || !s->routed)
        goto nomem;
    memcpy(s->route_ok, p->route_ok, (size_t)G * R);
    for (int r = 0; r < R; r++) {
        for (int o = 0; o < 3; o++)
            s->offered[r * 3 + o] = (unsigned char)sc_opt_offered(p, r, o);
        s->spotrow[r] = (unsigned char)has_spot_row(p, r);
    }
    /* Columns. */
    int nc = 0;
    for (int r = 0; r < R; r++)
        s->c_res[r] = ++nc;
    for (int r = 0; r < R; r++)
        for (int o = 0; o < 3; o += 2)
            for (int k = 0; k < K; k++)
                s->c_x[XK(s, r, o, k)] = ++nc;
    if (s->flap)
        for (int r = 0; r < R; r++)
            for (int o = 0; o < 3; o += 2)
                for (int k = 0; k < K; k++) {
                    s->c_up[XK(s, r, o, k)] = ++nc;
                    s->c_dn[XK(s, r, o, k)] = ++nc;
                }
    for (int g = 0; g < G; g++)
        for (int r = 0; r < R; r++)
            if (p->route_ok[SC_OPT_GR(p, g, r)])
                for (int k = 0; k < K; k++)
                    s->c_y[(SC_OPT_GR(p, g, r)) * (size_t)K + (size_t)k] = ++nc;
    for (int g = 0; g < G; g++)
        for (int k = 0; k < K; k++)
            for (int q = 0; q < Q; q++)
                s->c_z[(SC_OPT_GK(p, g, k)) * (size_t)Q + (size_t)q] = ++nc;
    /* Rows. */
    int nr = 0;
    for (int r = 0; r < R; r++)
        for (int k = 0; k < K; k++)
            s->r_cap[SC_OPT_RK(p, r, k)] = ++nr;
    for (int g = 0; g < G; g++)
        for (int k = 0; k < K; k++)
            s->r_bal[SC_OPT_GK(p, g, k)] = ++nr;
    for (int r = 0; r < R; r++)
        for (int k = 0; k < K; k++)
            s->r_tot[SC_OPT_RK(p, r, k)] = ++nr;
    for (int r = 0; r < R; r++)
        if (s->spotrow[r])
            for (int k = 0; k < K; k++)
                s->r_spot[SC_OPT_RK(p, r, k)] = ++nr;
    if (s->flap) {
        for (int r = 0; r < R; r++)
            for (int o = 0; o < 3; o += 2)
                for (int k = 0; k < K; k++)
                    s->r_diff[XK(s, r, o, k)] = ++nr;
        for (int r = 0; r < R; r++)
            s->r_flap[r] = ++nr;
    }
    s->n_cols = nc;
    s->n_rows = nr;
    /* longest row: capacity (G + 3), balance (R + Q), flap (4K + 1) */
    int rowmax = G + R + Q + 4 * K + 16;
    s->ind = malloc(((size_t)rowmax + 1) * sizeof(int));
    s->val = malloc(((size_t)rowmax + 1) * sizeof(double));
    if (!s->ind || !s->val)
        goto nomem;

    s->lp = glp_create_prob();
    glp_set_obj_dir(s->lp, GLP_MIN);
    glp_add_cols(s->lp, nc);
    glp_add_rows(s->lp, nr);
    /* Structural rows whose coefficients do not depend on data. */
    for (int g = 0; g < G; g++)
        for (int k = 0; k < K; k++) {
            int n = 0;
            for (int r = 0; r < R; r++) {
                int c = s->c_y[(SC_OPT_GR(p, g, r)) * (size_t)K + (size_t)k];
                if (c) {
                    s->ind[++n] = c;
                    s->val[n] = 1.0;
                }
            }
            for (int q = 0; q < Q; q++) {
                s->ind[++n] = s->c_z[(SC_OPT_GK(p, g, k)) * (size_t)Q + (size_t)q];
                s->val[n] = -1.0;
            }
            glp_set_mat_row(s->lp, s->r_bal[SC_OPT_GK(p, g, k)], n, s->ind, s->val);
        }
    for (int r = 0; r < R; r++)
        for (int k = 0; k < K; k++) {
            int n = 0;
            s->ind[++n] = s->c_res[r];
            s->val[n] = 1.0;
            s->ind[++n] = s->c_x[XK(s, r, 0, k)];
            s->val[n] = 1.0;
            s->ind[++n] = s->c_x[XK(s, r, 2, k)];
            s->val[n] = 1.0;
            glp_set_mat_row(s->lp, s->r_tot[SC_OPT_RK(p, r, k)], n, s->ind, s->val);
        }
    if (s->flap) {
        for (int r = 0; r < R; r++) {
            for (int o = 0; o < 3; o += 2)
                for (int k = 0; k < K; k++) {
                    int n = 0;
                    s->ind[++n] = s->c_x[XK(s, r, o, k)];
                    s->val[n] = 1.0;
                    if (k > 0) {
                        s->ind[++n] = s->c_x[XK(s, r, o, k - 1)];
                        s->val[n] = -1.0;
                    }
                    s->ind[++n] = s->c_up[XK(s, r, o, k)];
                    s->val[n] = -1.0;
                    s->ind[++n] = s->c_dn[XK(s, r, o, k)];
                    s->val[n] = 1.0;
                    glp_set_mat_row(s->lp, s->r_diff[XK(s, r, o, k)], n, s->ind, s->val);
                }
            /* the flap row itself is written by lp_set_data */
        }
    }
    s->built = 1;
    return SC_OK;
nomem:
    lp_free_model(s);
    return sc_error_set(err, SC_ERR_NOMEM, "optimizer lp", "out of memory");
}

static void set_col(glp_prob *lp, int j, double lo, double hi)
{
    if (hi < 0 || !isfinite(hi))
        glp_set_col_bnds(lp, j, GLP_LO, lo, 0.0);
    else if (hi <= lo)
        glp_set_col_bnds(lp, j, GLP_FX, lo, lo);
    else
        glp_set_col_bnds(lp, j, GLP_DB, lo, hi);
}

/* Bounds, objective and data-dependent rows.  Allocation-free. */
static void lp_set_data(lp_state *s, const sc_opt_problem *p, int milp)
{
    glp_prob *lp = s->lp;
    int R = s->R, G = s->G, K = s->K, Q = s->Q;
    double h = sc_opt_hours(p), su = p->serve_util, sh = p->spot_max_share;
    double constant = 0.0;
    for (int r = 0; r < R; r++) {
        double up = sc_opt_upper(p, r);
        double loss = p->spot_loss ? p->spot_loss[r] : 0.0;
        int cres = p->current[r * 3 + SC_PURCHASE_RESERVED];
        /* reserved */
        int j = s->c_res[r];
        if (s->offered[r * 3 + 1]) {
            set_col(lp, j, cres, p->may_buy_reserved ? up : cres);
            glp_set_obj_coef(lp, j, p->price[r * 3 + 1] * h * K);
        } else {
            glp_set_col_bnds(lp, j, GLP_FX, 0.0, 0.0);
            glp_set_obj_coef(lp, j, 0.0);
        }
        glp_set_col_kind(lp, j, milp ? GLP_IV : GLP_CV);
        for (int o = 0; o < 3; o += 2) {
            int cur = p->current[r * 3 + o];
            int off = s->offered[r * 3 + o] && !(o == 2 && sh <= 0);
            for (int k = 0; k < K; k++) {
                j = s->c_x[XK(s, r, o, k)];
                if (!off) {
                    glp_set_col_bnds(lp, j, GLP_FX, 0.0, 0.0);
                    glp_set_obj_coef(lp, j, 0.0);
                } else {
                    double hi = up;
                    if (k < p->lead_steps[r] && (hi < 0 || cur < hi))
                        hi = cur;
                    if (hi == 0)
                        glp_set_col_bnds(lp, j, GLP_FX, 0.0, 0.0);
                    else
                        set_col(lp, j, 0.0, hi);
                    glp_set_obj_coef(lp, j, p->price[r * 3 + o] * h);
                }
                glp_set_col_kind(lp, j, milp ? GLP_IV : GLP_CV);
                if (s->flap) {
                    glp_set_col_bnds(lp, s->c_up[XK(s, r, o, k)], GLP_LO, 0.0, 0.0);
                    glp_set_col_bnds(lp, s->c_dn[XK(s, r, o, k)], GLP_LO, 0.0, 0.0);
                    int row = s->r_diff[XK(s, r, o, k)];
                    double rhs = k == 0 ? (off ? cur : 0) : 0.0;
                    glp_set_row_bnds(lp, row, GLP_FX, rhs, rhs);
                }
            }
        }
        for (int k = 0; k < K; k++) {
            /* capacity row */
            int n = 0;
            for (int g = 0; g < G; g++) {
                int c = s->c_y[(SC_OPT_GR(p, g, r)) * (size_t)K + (size_t)k];
                if (c) {
                    s->ind[++n] = c;
                    s->val[n] = sc_opt_route_factor(p, g, r);
                }
            }
            s->ind[++n] = s->c_res[r];
            s->val[n] = -su;
            s->ind[++n] = s->c_x[XK(s, r, 0, k)];
            s->val[n] = -su;
            s->ind[++n] = s->c_x[XK(s, r, 2, k)];
            s->val[n] = -su * (1.0 - loss);
            int row = s->r_cap[SC_OPT_RK(p, r, k)];
            glp_set_mat_row(lp, row, n, s->ind, s->val);
            glp_set_row_bnds(lp, row, GLP_UP, 0.0, 0.0);
            /* total row */
            double lo = sc_opt_lower(p, r, k);
            row = s->r_tot[SC_OPT_RK(p, r, k)];
            if (up < 0)
                glp_set_row_bnds(lp, row, GLP_LO, lo, 0.0);
            else if (up <= lo)
                glp_set_row_bnds(lp, row, GLP_FX, up, up);
            else
                glp_set_row_bnds(lp, row, GLP_DB, lo, up);
            /* spot share row */
            if (s->spotrow[r]) {
                n = 0;
                s->ind[++n] = s->c_x[XK(s, r, 2, k)];
                s->val[n] = 1.0 - sh;
                s->ind[++n] = s->c_x[XK(s, r, 0, k)];
                s->val[n] = -sh;
                s->ind[++n] = s->c_res[r];
                s->val[n] = -sh;
                row = s->r_spot[SC_OPT_RK(p, r, k)];
                glp_set_mat_row(lp, row, n, s->ind, s->val);
                glp_set_row_bnds(lp, row, GLP_UP, 0.0, 0.0);
            }
        }
        if (s->flap) {
            int n = 0;
            for (int o = 0; o < 3; o += 2)
                for (int k = 0; k < K; k++) {
                    s->ind[++n] = s->c_up[XK(s, r, o, k)];
                    s->val[n] = 1.0;
                    s->ind[++n] = s->c_dn[XK(s, r, o, k)];
                    s->val[n] = 1.0;
                }
            s->ind[++n] = s->c_res[r];
            s->val[n] = 1.0;
            double cres_off = s->offered[r * 3 + 1] ? cres : 0;
            glp_set_mat_row(lp, s->r_flap[r], n, s->ind, s->val);
            glp_set_row_bnds(lp, s->r_flap[r], GLP_UP, 0.0, p->flap_budget + cres_off);
        }
    }
    for (int g = 0; g < G; g++)
        for (int r = 0; r < R; r++) {
            double e = p->egress_per_ieq_hour ? p->egress_per_ieq_hour[SC_OPT_GR(p, g, r)] : 0.0;
            for (int k = 0; k < K; k++) {
                int c = s->c_y[(SC_OPT_GR(p, g, r)) * (size_t)K + (size_t)k];
                if (c) {
                    glp_set_col_bnds(lp, c, GLP_LO, 0.0, 0.0);
                    glp_set_obj_coef(lp, c, e * h);
                }
            }
        }
    for (int g = 0; g < G; g++)
        for (int k = 0; k < K; k++) {
            glp_set_row_bnds(lp, s->r_bal[SC_OPT_GK(p, g, k)], GLP_FX, 0.0, 0.0);
            double prev = 0.0;
            for (int q = 0; q < Q; q++) {
                double d = sc_opt_dq(p, g, k, q);
                int c = s->c_z[(SC_OPT_GK(p, g, k)) * (size_t)Q + (size_t)q];
                double wdt = d - prev;
                if (wdt <= 0)
                    glp_set_col_bnds(lp, c, GLP_FX, 0.0, 0.0);
                else
                    glp_set_col_bnds(lp, c, GLP_DB, 0.0, wdt);
                glp_set_obj_coef(lp, c, -p->penalty_per_ieq_hour * h * sc_opt_bq(p, q));
                constant += p->penalty_per_ieq_hour * h * sc_opt_wq(p, q) * d;
                prev = d;
            }
        }
    glp_set_obj_coef(lp, 0, constant);
}

static sc_status run_simplex(lp_state *s, int presolve, int warm, sc_error *err)
{
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = presolve ? GLP_ON : GLP_OFF;
    parm.meth = warm ? GLP_DUALP : GLP_PRIMAL;
    int ret = glp_simplex(s->lp, &parm);
    if (ret != 0 && !presolve) {
        /* The old basis is not usable (singular or invalid): start afresh. */
        glp_adv_basis(s->lp, 0);
        parm.meth = GLP_PRIMAL;
        ret = glp_simplex(s->lp, &parm);
    }
    if (ret != 0 && presolve) {
        parm.presolve = GLP_OFF;
        glp_adv_basis(s->lp, 0);
        ret = glp_simplex(s->lp, &parm);
    }
    if (ret != 0)
        return sc_error_set(err, SC_ERR_INTERNAL, "optimizer lp", "glp_simplex failed (code %d)",
                            ret);
    int stat = glp_get_status(s->lp);
    if (stat != GLP_OPT)
        return sc_error_set(err, stat == GLP_NOFEAS ? SC_ERR_INFEASIBLE : SC_ERR_INTERNAL,
                            "optimizer lp", "LP not solved to optimality (GLPK status %d)",
                            stat);
    return SC_OK;
}

static void read_x(lp_state *s, const sc_opt_problem *p, int mip, double *xr)
{
    int R = s->R, K = s->K;
    for (int r = 0; r < R; r++) {
        double vr = mip ? glp_mip_col_val(s->lp, s->c_res[r]) : glp_get_col_prim(s->lp, s->c_res[r]);
        for (int k = 0; k < K; k++) {
            xr[SC_OPT_X(p, r, 1, k)] = vr;
            for (int o = 0; o < 3; o += 2) {
                int j = s->c_x[XK(s, r, o, k)];
                xr[SC_OPT_X(p, r, o, k)] = mip ? glp_mip_col_val(s->lp, j) : glp_get_col_prim(s->lp, j);
            }
        }
    }
}

static void read_routed(lp_state *s, const sc_opt_problem *p, int mip)
{
    size_t n = (size_t)s->G * s->R * s->K;
    for (size_t i = 0; i < n; i++) {
        int c = s->c_y[i];
        double v = c ? (mip ? glp_mip_col_val(s->lp, c) : glp_get_col_prim(s->lp, c)) : 0.0;
        s->routed[i] = v > 0 ? v : 0.0;
    }
}

/* Round the relaxation up, then repair limits and spot share. */
static void round_up(const sc_opt_problem *p, const double *xr, int *xi)
{
    int R = p->n_regions, K = p->n_steps;
    for (int r = 0; r < R; r++) {
        double up = sc_opt_upper(p, r);
        int res = (int)ceil(xr[SC_OPT_X(p, r, 1, 0)] - 1e-6);
        if (res < 0)
            res = 0;
        for (int k = 0; k < K; k++) {
            int od = (int)ceil(xr[SC_OPT_X(p, r, 0, k)] - 1e-6);
            int sp = (int)ceil(xr[SC_OPT_X(p, r, 2, k)] - 1e-6);
            if (od < 0)
                od = 0;
            if (sp < 0)
                sp = 0;
            while (up >= 0 && od + sp + res > up) {
                if (od > 0)
                    od--;
                else if (sp > 0)
                    sp--;
                else
                    break;
            }
            if (sc_opt_offered(p, r, SC_PURCHASE_SPOT))
                while (sp > 0 && sp > p->spot_max_share * (od + sp + res) + 1e-9) {
                    sp--;
                    if (sc_opt_offered(p, r, SC_PURCHASE_ONDEMAND) &&
                        !(k < p->lead_steps[r] && od >= p->current[r * 3]))
                        od++;
                }
            xi[SC_OPT_X(p, r, 0, k)] = od;
            xi[SC_OPT_X(p, r, 1, k)] = res;
            xi[SC_OPT_X(p, r, 2, k)] = sp;
        }
    }
}

static sc_status lp_solve_one(lp_state *s, const sc_opt_config *cfg, const sc_opt_problem *p,
                             sc_opt_solution *sol, sc_error *err);
static sc_status solve_region_util(lp_state *s, const sc_opt_config *cfg,
                                   const sc_opt_problem *p, sc_opt_solution *sol, sc_error *err);

/* With route utilisations (route_serve_util), the routing columns of the geographies
 * with a choice of region (more than one allowed), over the steps.  They count toward milp_max_int with the integer columns: each is a
 * branching direction the search must close, and on `global` (4 geographies x 7
 * regions, routes at their own utilisation) the per-step branch and bound took minutes
 * per run where the rounded relaxation takes seconds. */
static int uses_route_util(const sc_opt_problem *p);

static int route_cols(const sc_opt_problem *p)
{
    if (!uses_route_util(p))
        return 0; /* the rule as it was before route utilisations */
    int n = 0;
    for (int g = 0; g < p->n_geos; g++) {
        int m = 0;
        for (int r = 0; r < p->n_regions; r++)
            m += p->route_ok[SC_OPT_GR(p, g, r)] != 0;
        if (m > 1)
            n += m;
    }
    return n * p->n_steps;
}

/*
 * Without a flap budget and without a reserved purchase, nothing couples the steps:
 * lead times are bounds, reserved counts are fixed, so the problem separates into K
 * one-step problems.  They are solved in turn on one small model that stays warm from
 * step to step (consecutive steps differ only in demand and the lead bounds), each
 * one exactly (MILP) when small enough, and the parts are put back together: the sum
 * of optimal parts is the optimum of the whole.
 */
static int separable(const sc_opt_problem *p)
{
    if (p->n_steps <= 1 || p->flap_budget >= 0)
        return 0;
    if (p->may_buy_reserved)
        for (int r = 0; r < p->n_regions; r++)
            if (sc_opt_offered(p, r, SC_PURCHASE_RESERVED))
                return 0;
    return 1;
}

static sc_status lp_solve_steps(lp_state *s, const sc_opt_config *cfg, const sc_opt_problem *p,
                                sc_opt_solution *sol, sc_error *err)
{
    int R = p->n_regions, G = p->n_geos, K = p->n_steps, Q = p->n_quant;
    size_t nx = (size_t)R * 3 * (size_t)K;
    if (!s->sub || s->sub_R != R || s->sub_G != G || s->sub_K != K || s->sub_Q != Q) {
        lp_free_sub(s);
        s->sub = calloc(1, sizeof *s->sub);
        s->sub_demand = calloc((size_t)G * Q, sizeof *s->sub_demand);
        s->sub_lead = calloc((size_t)R, sizeof *s->sub_lead);
        s->full_relaxed = calloc(nx, sizeof *s->full_relaxed);
        s->full_x = calloc(nx, sizeof *s->full_x);
        s->full_routed = calloc((size_t)G * R * K, sizeof *s->full_routed);
        if (!s->sub || !s->sub_demand || !s->sub_lead || !s->full_relaxed || !s->full_x ||
            !s->full_routed) {
            lp_free_sub(s);
            return sc_error_set(err, SC_ERR_NOMEM, "optimizer lp", "out of memory");
        }
        sc_status st = sc_opt_solution_alloc(R, G, 1, Q, &s->sub_sol, err);
        if (st) {
            lp_free_sub(s);
            return st;
        }
        s->sub_R = R;
        s->sub_G = G;
        s->sub_K = K;
        s->sub_Q = Q;
    }
    /* Integrality as for the whole problem: MILP per step only when the whole problem
     * is within milp_max_int integer columns (so both paths agree on the method). */
    int n_int = route_cols(p);
    for (int r = 0; r < R; r++)
        n_int += (sc_opt_offered(p, r, 0) + sc_opt_offered(p, r, 2)) * K;
    sc_opt_config sub_cfg = *cfg;
    sub_cfg.milp_max_int = cfg->milp_max_int > 0 && n_int <= cfg->milp_max_int ? n_int : 0;
    cfg = &sub_cfg;
    sc_opt_problem sp = *p;
    sp.n_steps = 1;
    sp.demand = s->sub_demand;
    sp.lead_steps = s->sub_lead;
    double bound = 0.0;
    long iters = 0;
    int proved = 1, all_milp = 1;
    for (int k = 0; k < K; k++) {
        sp.start_ms = sc_time_add(p->start_ms, (int64_t)k * p->step_ms);
        for (int g = 0; g < G; g++)
            for (int q = 0; q < Q; q++)
                s->sub_demand[g * Q + q] = p->demand[((size_t)g * K + (size_t)k) * Q + (size_t)q];
        for (int r = 0; r < R; r++)
            s->sub_lead[r] = k < p->lead_steps[r] ? 1 : 0;
        sc_status st = solve_region_util(s->sub, cfg, &sp, s->sub_sol, err);
        if (st)
            return st;
        bound += s->sub_sol->lp_bound_usd;
        iters += s->sub_sol->iterations;
        proved = proved && s->sub_sol->proved_optimal;
        all_milp = all_milp && s->sub_sol->method == SC_OPT_METHOD_MILP;
        for (int r = 0; r < R; r++)
            for (int o = 0; o < 3; o++) {
                s->full_x[SC_OPT_X(p, r, o, k)] = s->sub_sol->x[r * 3 + o];
                s->full_relaxed[SC_OPT_X(p, r, o, k)] = s->sub_sol->x_relaxed[r * 3 + o];
            }
        for (int g = 0; g < G; g++)
            for (int r = 0; r < R; r++)
                s->full_routed[SC_OPT_GR(p, g, r) * (size_t)K + (size_t)k] =
                    s->sub_sol->routed[SC_OPT_GR(p, g, r)];
    }
    memcpy(sol->x_relaxed, s->full_relaxed, nx * sizeof *sol->x_relaxed);
    sc_opt_fill(p, s->full_x, s->full_routed, sol);
    sol->lp_bound_usd = bound;
    sol->iterations = iters;
    sol->proved_optimal = proved;
    sol->method = all_milp ? SC_OPT_METHOD_MILP : SC_OPT_METHOD_LP_ROUNDED;
    return SC_OK;
}

/* ---- the newsvendor path -------------------------------------------------------------
 *
 * When the steps separate (no flap budget, no reserved purchase) and every geography
 * can be routed to at most one region, nothing couples two regions either: each
 * (region r, step k) is its own problem in two integer variables, o on-demand and s
 * spot instances (reserved fixed at what is held, res):
 *
 *   minimise  F(o, s) = a o + b s - V(su (o + res + beta s))
 *   subject to 0 <= o <= O, 0 <= s <= S, L <= o + s <= U, (1 - sh) s <= sh (o + res)
 *
 * with a, b the prices of one instance for the step, beta = 1 - spot_loss, O and S the
 * bounds of the GLPK model's columns (limits, lead time: current counts), L and U its
 * total row less res, the spot row when spot is offered and sh < 1.  V(C) is the value
 * of serving C ieq: the quantile segments of the geographies routed to r, each worth
 * h (penalty B_q - egress) per ieq, filled in decreasing order of value (a concave
 * piecewise-linear function; segments of value <= 0 are never served).  The rest of the
 * objective (reserved cost, h penalty E[D]) is constant.  F is convex.
 *
 * LP relaxation: F is linear between the parallel lines o + beta s = T_j where V has a
 * kink, so its minimum over the polygon is at a vertex of the polygon cut by those
 * lines: every intersection of two lines (constraint or kink) is tried.
 *
 * Integer optimum: G(s) = min over real o of F(o, s) is convex in s (a partial minimum
 * of a convex function over a convex set) and is smallest at the relaxation's s*.  For
 * a fixed integer s, F is convex in o, so the best integer o is next to the best real o
 * in the integer range, clip(t* - beta s): t* = (ieq of the segments worth more than
 * a / su) / su - res.  The search takes s = floor(s*), floor(s*) - 1, ... and
 * floor(s*) + 1, ... and stops in each direction once G(s) is no better than the best
 * integer point found (G(s) bounds every integer point with that s from below, and G
 * only grows further out), so the result is the proved integer optimum.  Ties go to
 * the first point found (deterministic).
 *
 * Anything the path cannot settle (an empty polygon, no integer point, a search longer
 * than NV_MAX_SEARCH) falls back to GLPK for the whole problem.
 * tests/test_newsvendor.c checks it against GLPK's MILP on random instances.
 */
#define NV_MAX_SEARCH 1000000L

typedef struct nv_sub {
    double a, b;         /* USD per on-demand / spot instance over the step */
    double beta;         /* serving fraction of a spot instance, 1 - spot_loss */
    double su;           /* serve_util */
    double res;          /* reserved instances held (fixed) */
    double O, S;         /* bounds of on-demand, spot (INFINITY = none) */
    double L, U;         /* bounds of on-demand + spot (U INFINITY = none) */
    double sh;           /* spot share cap with a spot row, else -1 */
    int n;               /* segments */
    const double *w, *v; /* widths (ieq) and values (USD per ieq), v decreasing, > 0 */
} nv_sub;

static double nv_value(const nv_sub *q, double c)
{
    double val = 0.0;
    for (int j = 0; j < q->n && c > 0; j++) {
        double t = c < q->w[j] ? c : q->w[j];
        val += q->v[j] * t;
        c -= t;
    }
    return val;
}

static double nv_f(const nv_sub *q, double o, double s)
{
    return q->a * o + q->b * s - nv_value(q, q->su * (o + q->res + q->beta * s));
}

static int nv_feasible(const nv_sub *q, double o, double s)
{
    double tol = 1e-9 * (1.0 + fabs(o) + fabs(s) + q->res);
    if (o < -tol || s < -tol || o > q->O + tol || s > q->S + tol)
        return 0;
    if (o + s < q->L - tol || o + s > q->U + tol)
        return 0;
    if (q->sh >= 0 && (1.0 - q->sh) * s > q->sh * (o + q->res) + tol)
        return 0;
    return 1;
}

/* Range of real o at spot count s: [*lo, *hi] (empty when *lo > *hi). */
static void nv_orange(const nv_sub *q, double s, double *lo, double *hi)
{
    double l = 0.0, h = q->O;
    if (q->L - s > l)
        l = q->L - s;
    if (q->sh > 0 && q->sh < 1) {
        double m = (1.0 - q->sh) * s / q->sh - q->res;
        if (m > l)
            l = m;
    }
    if (q->U - s < h)
        h = q->U - s;
    *lo = l;
    *hi = h;
}

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* Vertices of the polygon of one (region, step), kept while its bounds stay the same
 * (they change only at the lead-time boundary within a region). */
typedef struct nv_poly {
    double key[7];       /* O, S, L, U, sh, res, beta */
    int valid, n;
    double o[21], s[21]; /* vertices */
} nv_poly;

static void nv_poly_update(nv_poly *pg, const nv_sub *q)
{
    double key[7] = {q->O, q->S, q->L, q->U, q->sh, q->res, q->beta};
    if (pg->valid && memcmp(key, pg->key, sizeof key) == 0)
        return;
    memcpy(pg->key, key, sizeof key);
    pg->valid = 1;
    pg->n = 0;
    double ln[7][3];
    int n = 0;
    ln[n][0] = 1, ln[n][1] = 0, ln[n++][2] = 0;
    if (isfinite(q->O))
        ln[n][0] = 1, ln[n][1] = 0, ln[n++][2] = q->O;
    ln[n][0] = 0, ln[n][1] = 1, ln[n++][2] = 0;
    if (isfinite(q->S))
        ln[n][0] = 0, ln[n][1] = 1, ln[n++][2] = q->S;
    ln[n][0] = 1, ln[n][1] = 1, ln[n++][2] = q->L;
    if (isfinite(q->U))
        ln[n][0] = 1, ln[n][1] = 1, ln[n++][2] = q->U;
    if (q->sh >= 0)
        ln[n][0] = -q->sh, ln[n][1] = 1.0 - q->sh, ln[n++][2] = q->sh * q->res;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double det = ln[i][0] * ln[j][1] - ln[i][1] * ln[j][0];
            if (fabs(det) < 1e-12)
                continue;
            double o = (ln[i][2] * ln[j][1] - ln[i][1] * ln[j][2]) / det;
            double s = (ln[i][0] * ln[j][2] - ln[i][2] * ln[j][0]) / det;
            if (!nv_feasible(q, o, s))
                continue;
            pg->o[pg->n] = o < 0 ? 0 : o;
            pg->s[pg->n++] = s < 0 ? 0 : s;
        }
}

/* LP relaxation: minimum of F over the polygon (its vertices pg, and on each kink line
 * o + beta s = T the two ends of its chord, where F's linear pieces meet); 0 if the
 * polygon is empty. */
static int nv_relax(const nv_sub *q, nv_poly *pg, double *fo, double *fs, double *fv)
{
    nv_poly_update(pg, q);
    if (pg->n == 0)
        return 0;
    *fo = pg->o[0];
    *fs = pg->s[0];
    *fv = nv_f(q, *fo, *fs);
    for (int i = 1; i < pg->n; i++) {
        double f = nv_f(q, pg->o[i], pg->s[i]);
        if (f < *fv) {
            *fo = pg->o[i];
            *fs = pg->s[i];
            *fv = f;
        }
    }
    double b = q->beta, wsum = 0.0;
    for (int j = 0; j <= q->n; j++) {
        double t = wsum / q->su - q->res;
        if (j < q->n)
            wsum += q->w[j];
        /* chord of o = t - b s in the polygon: an interval of s */
        double lo = 0.0, hi = q->S;
        if (t / b < hi)
            hi = t / b; /* o >= 0 */
        if ((t - q->O) / b > lo)
            lo = (t - q->O) / b; /* o <= O */
        if (b < 1) {
            double l2 = (q->L - t) / (1 - b), u2 = (q->U - t) / (1 - b);
            lo = l2 > lo ? l2 : lo;
            hi = u2 < hi ? u2 : hi;
        } else if (t < q->L - 1e-9 * (1 + fabs(t)) || t > q->U + 1e-9 * (1 + fabs(t))) {
            continue;
        }
        if (q->sh >= 0) {
            double u3 = q->sh * (q->res + t) / (q->sh * b + 1 - q->sh);
            hi = u3 < hi ? u3 : hi;
        }
        if (lo > hi + 1e-9 * (1 + fabs(hi)))
            continue;
        if (hi < lo)
            hi = lo;
        for (int e = 0; e < 2; e++) {
            double sv = e ? hi : lo, ov = t - b * sv;
            if (!isfinite(sv) || !nv_feasible(q, ov, sv))
                continue;
            double f = nv_f(q, ov < 0 ? 0 : ov, sv);
            if (f < *fv) {
                *fo = ov < 0 ? 0 : ov;
                *fs = sv;
                *fv = f;
            }
        }
    }
    return 1;
}

/* Best integer o at integer s (INFINITY if none); *oi its value. */
static double nv_int_at(const nv_sub *q, double s, double tu, double *oi)
{
    double lo, hi;
    nv_orange(q, s, &lo, &hi);
    lo = ceil(lo - 1e-9 * (1.0 + fabs(lo)));
    hi = floor(hi + 1e-9 * (1.0 + fabs(hi)));
    if (lo > hi)
        return INFINITY;
    double oc = clampd(tu - q->beta * s, lo, hi);
    double o1 = clampd(floor(oc), lo, hi), o2 = clampd(ceil(oc), lo, hi);
    double f1 = nv_f(q, o1, s), f2 = o2 != o1 ? nv_f(q, o2, s) : INFINITY;
    *oi = f2 < f1 ? o2 : o1;
    return f2 < f1 ? f2 : f1;
}

/* G(s): minimum of F over real o at s; INFINITY if s is infeasible. */
static double nv_g(const nv_sub *q, double s, double tu)
{
    double lo, hi;
    nv_orange(q, s, &lo, &hi);
    if (lo > hi + 1e-9 * (1.0 + fabs(hi)))
        return INFINITY;
    return nv_f(q, clampd(tu - q->beta * s, lo, lo > hi ? lo : hi), s);
}

/* Solve one (region, step): relaxation (ro, rs, rv) and integer optimum (io, is, iv).
 * Returns 0 when the path cannot settle it. */
static int nv_solve_sub(const nv_sub *q, nv_poly *pg, double *ro, double *rs, double *rv,
                        int *io, int *is, double *iv)
{
    if (!nv_relax(q, pg, ro, rs, rv))
        return 0;
    /* unconstrained best t = o + beta s */
    double wstar = 0.0;
    for (int j = 0; j < q->n && q->su * q->v[j] > q->a; j++)
        wstar += q->w[j];
    double tu = wstar / q->su - q->res;
    double best = INFINITY, bo = 0, bs = 0;
    long steps = 0;
    double s0 = floor(*rs + 1e-9);
    for (int dir = -1; dir <= 1; dir += 2) {
        for (double s = dir < 0 ? s0 : s0 + 1; s >= 0 && s <= q->S; s += dir) {
            if (++steps > NV_MAX_SEARCH)
                return 0;
            double g = nv_g(q, s, tu);
            if (g == INFINITY)
                break; /* the feasible s are an interval holding s*: past its end */
            if (g >= best - 1e-12 * (1.0 + fabs(best)))
                break;
            double o = 0.0;
            double f = nv_int_at(q, s, tu, &o);
            if (f < best) {
                best = f;
                bo = o;
                bs = s;
            }
        }
    }
    if (best == INFINITY)
        return 0;
    *io = (int)bo;
    *is = (int)bs;
    *iv = best;
    return 1;
}

/* Does the newsvendor path apply to p?  (separable, and each geography has at most one
 * allowed region) */
static int nv_applies(const sc_opt_problem *p)
{
    if (p->flap_budget >= 0)
        return 0;
    if (p->may_buy_reserved)
        for (int r = 0; r < p->n_regions; r++)
            if (sc_opt_offered(p, r, SC_PURCHASE_RESERVED))
                return 0;
    for (int g = 0; g < p->n_geos; g++) {
        int n = 0;
        for (int r = 0; r < p->n_regions; r++)
            n += p->route_ok[SC_OPT_GR(p, g, r)] != 0;
        if (n > 1)
            return 0;
    }
    return 1;
}

static sc_status nv_alloc(lp_state *s, const sc_opt_problem *p, sc_error *err)
{
    int R = p->n_regions, G = p->n_geos, K = p->n_steps, Q = p->n_quant;
    if (s->nv_R == R && s->nv_G == G && s->nv_K == K && s->nv_Q == Q)
        return SC_OK;
    lp_free_nv(s);
    size_t nx = (size_t)R * 3 * (size_t)K, ns = (size_t)G * (size_t)Q;
    s->nv_x = calloc(nx, sizeof *s->nv_x);
    s->nv_relaxed = calloc(nx, sizeof *s->nv_relaxed);
    s->nv_routed = calloc((size_t)G * R * K, sizeof *s->nv_routed);
    s->nv_w = calloc(ns, sizeof *s->nv_w);
    s->nv_v = calloc(ns, sizeof *s->nv_v);
    s->nv_g = calloc(ns, sizeof *s->nv_g);
    s->nv_region = calloc((size_t)G, sizeof *s->nv_region);
    if (!s->nv_x || !s->nv_relaxed || !s->nv_routed || !s->nv_w || !s->nv_v || !s->nv_g ||
        !s->nv_region) {
        lp_free_nv(s);
        return sc_error_set(err, SC_ERR_NOMEM, "optimizer lp", "out of memory");
    }
    s->nv_R = R;
    s->nv_G = G;
    s->nv_K = K;
    s->nv_Q = Q;
    return SC_OK;
}

/* Solve p on the newsvendor path into sol; *done = 0 when it must go to GLPK. */
static sc_status nv_solve(lp_state *s, const sc_opt_problem *p, sc_opt_solution *sol, int *done,
                          sc_error *err)
{
    *done = 0;
    sc_status st = nv_alloc(s, p, err);
    if (st)
        return st;
    int R = p->n_regions, G = p->n_geos, K = p->n_steps, Q = p->n_quant;
    double h = sc_opt_hours(p), pen = p->penalty_per_ieq_hour, sh = p->spot_max_share;
    for (int g = 0; g < G; g++) {
        s->nv_region[g] = -1;
        for (int r = 0; r < R; r++)
            if (p->route_ok[SC_OPT_GR(p, g, r)])
                s->nv_region[g] = r;
    }
    memset(s->nv_routed, 0, (size_t)G * R * K * sizeof *s->nv_routed);
    double bound = 0.0;
    /* constant part: h penalty E[D] over every (g, k) */
    for (int g = 0; g < G; g++)
        for (int k = 0; k < K; k++) {
            const double *dk = p->demand + SC_OPT_GK(p, g, k) * (size_t)Q;
            double d = 0.0;
            for (int q = 0; q < Q; q++) {
                if (dk[q] > d && isfinite(dk[q])) /* sc_opt_dq as a running maximum */
                    d = dk[q];
                bound += pen * h * sc_opt_wq(p, q) * d;
            }
        }
    for (int r = 0; r < R; r++) {
        nv_sub sub;
        nv_poly pg = {.valid = 0};
        double up = sc_opt_upper(p, r);
        int res_off = sc_opt_offered(p, r, SC_PURCHASE_RESERVED);
        int od_off = sc_opt_offered(p, r, SC_PURCHASE_ONDEMAND);
        int sp_off = sc_opt_offered(p, r, SC_PURCHASE_SPOT) && !(sh <= 0);
        int cur_od = p->current[r * 3 + SC_PURCHASE_ONDEMAND];
        int cur_sp = p->current[r * 3 + SC_PURCHASE_SPOT];
        sub.res = res_off ? p->current[r * 3 + SC_PURCHASE_RESERVED] : 0;
        sub.a = od_off ? p->price[r * 3 + SC_PURCHASE_ONDEMAND] * h : 0.0;
        sub.b = sp_off ? p->price[r * 3 + SC_PURCHASE_SPOT] * h : 0.0;
        sub.beta = 1.0 - (p->spot_loss ? p->spot_loss[r] : 0.0);
        sub.su = p->serve_util;
        sub.sh = has_spot_row(p, r) ? sh : -1.0;
        if (res_off)
            bound += K * h * p->price[r * 3 + SC_PURCHASE_RESERVED] * sub.res;
        for (int k = 0; k < K; k++) {
            int lead = k < p->lead_steps[r];
            double ho = up, hs = up;
            if (lead && (ho < 0 || cur_od < ho))
                ho = cur_od;
            if (lead && (hs < 0 || cur_sp < hs))
                hs = cur_sp;
            sub.O = !od_off ? 0.0 : ho < 0 ? INFINITY : ho;
            sub.S = !sp_off ? 0.0 : hs < 0 ? INFINITY : hs;
            double lo = sc_opt_lower(p, r, k);
            if (up < 0) {
                sub.L = lo - sub.res;
                sub.U = INFINITY;
            } else if (up <= lo) {
                sub.L = sub.U = up - sub.res;
            } else {
                sub.L = lo - sub.res;
                sub.U = up - sub.res;
            }
            /* segments of the geographies routed to r, by decreasing value */
            int n = 0;
            for (int g = 0; g < G; g++) {
                if (s->nv_region[g] != r)
                    continue;
                double e = p->egress_per_ieq_hour ? p->egress_per_ieq_hour[SC_OPT_GR(p, g, r)]
                                                  : 0.0;
                /* in units of the capacity row: a route at a lower utilisation takes f
                 * per ieq, so its segment is f times wider and worth 1/f per unit */
                double f = sc_opt_route_factor(p, g, r);
                const double *dk = p->demand + SC_OPT_GK(p, g, k) * (size_t)Q;
                double prev = 0.0, d = 0.0;
                for (int q = 0; q < Q; q++) {
                    if (dk[q] > d && isfinite(dk[q])) /* sc_opt_dq, running maximum */
                        d = dk[q];
                    double v = h * (pen * sc_opt_bq(p, q) - e) / f;
                    if (d - prev > 0 && v > 0) {
                        /* insertion by value; equal values keep (g, q) order */
                        int i = n++;
                        while (i > 0 && s->nv_v[i - 1] < v) {
                            s->nv_v[i] = s->nv_v[i - 1];
                            s->nv_w[i] = s->nv_w[i - 1];
                            s->nv_g[i] = s->nv_g[i - 1];
                            i--;
                        }
                        s->nv_v[i] = v;
                        s->nv_w[i] = (d - prev) * f;
                        s->nv_g[i] = g;
                    }
                    prev = d;
                }
            }
            sub.n = n;
            sub.w = s->nv_w;
            sub.v = s->nv_v;
            double ro = 0, rs = 0, rv = 0, iv = 0;
            int io = 0, is = 0;
            if (!nv_solve_sub(&sub, &pg, &ro, &rs, &rv, &io, &is, &iv))
                return SC_OK; /* not done: GLPK */
            bound += rv;
            s->nv_x[SC_OPT_X(p, r, SC_PURCHASE_ONDEMAND, k)] = io;
            s->nv_x[SC_OPT_X(p, r, SC_PURCHASE_RESERVED, k)] = (int)sub.res;
            s->nv_x[SC_OPT_X(p, r, SC_PURCHASE_SPOT, k)] = is;
            s->nv_relaxed[SC_OPT_X(p, r, SC_PURCHASE_ONDEMAND, k)] = ro;
            s->nv_relaxed[SC_OPT_X(p, r, SC_PURCHASE_RESERVED, k)] = sub.res;
            s->nv_relaxed[SC_OPT_X(p, r, SC_PURCHASE_SPOT, k)] = rs;
            /* route the integer capacity through the segments in value order */
            double c = sub.su * (io + sub.res + sub.beta * is);
            for (int j = 0; j < n && c > 0; j++) {
                double t = c < s->nv_w[j] ? c : s->nv_w[j];
                s->nv_routed[SC_OPT_GR(p, s->nv_g[j], r) * (size_t)K + (size_t)k] +=
                    t / sc_opt_route_factor(p, s->nv_g[j], r);
                c -= t;
            }
        }
    }
    memcpy(sol->x_relaxed, s->nv_relaxed, (size_t)R * 3 * K * sizeof *sol->x_relaxed);
    sc_opt_fill(p, s->nv_x, s->nv_routed, sol);
    sol->lp_bound_usd = bound;
    sol->iterations = 0;
    sol->proved_optimal = 1;
    sol->method = SC_OPT_METHOD_MILP;
    *done = 1;
    return SC_OK;
}

/* ---- one utilisation per region ------------------------------------------------------
 *
 * The capacity row charges each route its own utilisation (f_gr), but a region's
 * instances sit behind one balancer: they all run at one utilisation, so a region that
 * takes a far geography's load at u_gr runs its home load at u_gr too.  The per-route
 * LP therefore under-counts the capacity a mixed region needs (on `global` it planned
 * far routes into regions that then ran above the far route's utilisation: 4,000
 * violation minutes).  So, when some allowed route runs below serve_util:
 *   pass 1: the per-route LP (as above), which says which routes are worth using;
 *   pass 2: each region at u_r = the least utilisation of the routes pass 1 loads into
 *           it (over the horizon), every route into r charged su / u_r, and routes that
 *           need less than u_r disallowed: a plan whose capacity is sized as the region
 *           will run;
 *   pass 0: every region at serve_util, only the routes within the bound there (the
 *           model without route utilisations);
 * and the plan is pass 2's or pass 0's, whichever has the lower objective (both are
 * consistent: each geography is routed only where the region's single utilisation
 * meets its bound).  A geography left with no route in pass 2 keeps its pass-1 routes
 * at the lesser of its own and the region's utilisation.  lp_bound_usd is the chosen
 * pass's relaxation. */
static int uses_route_util(const sc_opt_problem *p)
{
    if (!p->route_serve_util)
        return 0;
    for (int i = 0; i < p->n_geos * p->n_regions; i++)
        if (p->route_ok[i] && p->route_serve_util[i] > 0 &&
            p->route_serve_util[i] < p->serve_util)
            return 1;
    return 0;
}

static sc_status ru_alloc(lp_state *s, const sc_opt_problem *p, sc_error *err)
{
    int R = p->n_regions, G = p->n_geos, K = p->n_steps, Q = p->n_quant;
    if (s->ru && s->ru_R == R && s->ru_G == G && s->ru_K == K && s->ru_Q == Q)
        return SC_OK;
    lp_free_ru(s);
    s->ru = calloc(1, sizeof *s->ru);
    s->ru0 = calloc(1, sizeof *s->ru0);
    s->ru_ok = calloc((size_t)G * R, 1);
    s->ru_u = calloc((size_t)G * R, sizeof *s->ru_u);
    s->ru_reg = calloc((size_t)R, sizeof *s->ru_reg);
    sc_status st = SC_OK;
    if (!s->ru || !s->ru0 || !s->ru_ok || !s->ru_u || !s->ru_reg)
        st = sc_error_set(err, SC_ERR_NOMEM, "optimizer lp", "out of memory");
    else
        st = sc_opt_solution_alloc(R, G, K, Q, &s->ru_sol, err);
    if (st) {
        lp_free_ru(s);
        return st;
    }
    s->ru_R = R;
    s->ru_G = G;
    s->ru_K = K;
    s->ru_Q = Q;
    return SC_OK;
}

static sc_status solve_region_util(lp_state *s, const sc_opt_config *cfg,
                                   const sc_opt_problem *p, sc_opt_solution *sol, sc_error *err)
{
    if (!uses_route_util(p))
        return lp_solve_one(s, cfg, p, sol, err);
    int R = p->n_regions, G = p->n_geos, K = p->n_steps;
    double su = p->serve_util;
    /* pass 1 (first: a cold build of s frees the other passes' models) */
    sc_status st = lp_solve_one(s, cfg, p, sol, err);
    if (st || (st = ru_alloc(s, p, err)))
        return st;
    for (int r = 0; r < R; r++) {
        s->ru_reg[r] = su;
        for (int g = 0; g < G; g++) {
            if (!p->route_ok[SC_OPT_GR(p, g, r)])
                continue;
            double u = su / sc_opt_route_factor(p, g, r), y = 0.0;
            for (int k = 0; k < K; k++)
                y += sol->routed[SC_OPT_GR(p, g, r) * (size_t)K + (size_t)k];
            if (y > 1e-9 && u < s->ru_reg[r])
                s->ru_reg[r] = u;
        }
    }
    /* pass 2 */
    for (int g = 0; g < G; g++) {
        int any = 0;
        for (int r = 0; r < R; r++) {
            size_t i = SC_OPT_GR(p, g, r);
            double u = su / sc_opt_route_factor(p, g, r);
            int ok = p->route_ok[i] && u >= s->ru_reg[r] * (1.0 - 1e-12);
            s->ru_ok[i] = (unsigned char)ok;
            s->ru_u[i] = ok && s->ru_reg[r] < su ? s->ru_reg[r] : 0.0;
            any |= ok;
        }
        for (int r = 0; r < R && !any; r++) {
            size_t i = SC_OPT_GR(p, g, r);
            double u = fmin(su / sc_opt_route_factor(p, g, r), s->ru_reg[r]);
            s->ru_ok[i] = p->route_ok[i];
            s->ru_u[i] = p->route_ok[i] && u < su ? u : 0.0;
        }
    }
    sc_opt_problem p2 = *p;
    p2.route_ok = s->ru_ok;
    p2.route_serve_util = s->ru_u;
    if ((st = lp_solve_one(s->ru, cfg, &p2, sol, err)))
        return st;
    /* pass 0 (ru_ok reused: pass 2 is done with it) */
    int any0 = 1;
    for (int g = 0; g < G; g++) {
        int any = 0;
        for (int r = 0; r < R; r++) {
            size_t i = SC_OPT_GR(p, g, r);
            int ok = p->route_ok[i] && sc_opt_route_factor(p, g, r) == 1.0;
            s->ru_ok[i] = (unsigned char)ok;
            any |= ok;
        }
        any0 &= any || !p->route_ok; /* a geography served only below su: no pass 0 */
    }
    if (!any0)
        return SC_OK;
    sc_opt_problem p0 = *p;
    p0.route_ok = s->ru_ok;
    p0.route_serve_util = NULL;
    if ((st = lp_solve_one(s->ru0, cfg, &p0, s->ru_sol, err)))
        return st;
    if (s->ru_sol->objective_usd < sol->objective_usd) {
        size_t nx = (size_t)R * 3 * (size_t)K, ny = (size_t)G * R * K, ng = (size_t)G * K;
        sc_opt_solution *a = s->ru_sol;
        memcpy(sol->x, a->x, nx * sizeof *a->x);
        memcpy(sol->x_relaxed, a->x_relaxed, nx * sizeof *a->x_relaxed);
        memcpy(sol->routed, a->routed, ny * sizeof *a->routed);
        memcpy(sol->served, a->served, ng * sizeof *a->served);
        memcpy(sol->shortfall, a->shortfall, ng * sizeof *a->shortfall);
        memcpy(sol->cover, a->cover, ng * sizeof *a->cover);
        memcpy(sol->binding, a->binding, (size_t)R * K * sizeof *a->binding);
        sol->cost_instances_usd = a->cost_instances_usd;
        sol->cost_egress_usd = a->cost_egress_usd;
        sol->penalty_usd = a->penalty_usd;
        sol->objective_usd = a->objective_usd;
        sol->lp_bound_usd = a->lp_bound_usd;
        sol->proved_optimal = a->proved_optimal;
        sol->method = a->method;
        sol->unmet = a->unmet;
        memcpy(sol->unmet_msg, a->unmet_msg, sizeof sol->unmet_msg);
        sol->iterations += a->iterations;
    }
    return SC_OK;
}

static sc_status lp_solve(void *state, const sc_opt_config *cfg, const sc_opt_problem *p,
                          sc_opt_solution *sol, sc_error *err)
{
    lp_state *s = state;
    if (cfg->newsvendor && nv_applies(p)) {
        int done;
        sc_status st = nv_solve(s, p, sol, &done, err);
        if (st || done)
            return st;
    }
    if (cfg->decompose_steps && separable(p))
        return lp_solve_steps(s, cfg, p, sol, err);
    return solve_region_util(s, cfg, p, sol, err);
}

static sc_status lp_solve_one(lp_state *s, const sc_opt_config *cfg, const sc_opt_problem *p,
                             sc_opt_solution *sol, sc_error *err)
{
    int R = p->n_regions, K = p->n_steps;
    int warm = cfg->warm_start && same_shape(s, p);
    if (!warm) {
        sc_status st = lp_build(s, p, err);
        if (st)
            return st;
    }
    int n_int = route_cols(p);
    for (int r = 0; r < R; r++) {
        n_int += sc_opt_offered(p, r, 1) && p->may_buy_reserved;
        n_int += (sc_opt_offered(p, r, 0) + sc_opt_offered(p, r, 2)) * K;
    }
    int milp = cfg->milp_max_int > 0 && n_int <= cfg->milp_max_int;
    lp_set_data(s, p, milp);
    glp_set_it_cnt(s->lp, 0);
    sc_status st = run_simplex(s, !warm && cfg->presolve, warm, err);
    if (st)
        return st;
    sol->lp_bound_usd = glp_get_obj_val(s->lp);
    sol->iterations = glp_get_it_cnt(s->lp);
    read_x(s, p, 0, sol->x_relaxed);
    int integral = 1;
    size_t nx = (size_t)R * 3 * K;
    for (size_t i = 0; i < nx; i++)
        if (fabs(sol->x_relaxed[i] - floor(sol->x_relaxed[i] + 0.5)) > 1e-7)
            integral = 0;
    if (milp && !integral) {
        glp_iocp iocp;
        glp_init_iocp(&iocp);
        iocp.msg_lev = GLP_MSG_OFF;
        iocp.presolve = GLP_OFF;
        iocp.mip_gap = 0.0;
        int ret = glp_intopt(s->lp, &iocp);
        int mst = glp_mip_status(s->lp);
        if (ret == 0 && mst == GLP_OPT) {
            for (int r = 0; r < R; r++) {
                double vr = glp_mip_col_val(s->lp, s->c_res[r]);
                for (int k = 0; k < K; k++) {
                    s->xi[SC_OPT_X(p, r, 1, k)] = (int)floor(vr + 0.5);
                    for (int o = 0; o < 3; o += 2)
                        s->xi[SC_OPT_X(p, r, o, k)] =
                            (int)floor(glp_mip_col_val(s->lp, s->c_x[XK(s, r, o, k)]) + 0.5);
                }
            }
            read_routed(s, p, 1);
            sc_opt_fill(p, s->xi, s->routed, sol);
            sol->method = SC_OPT_METHOD_MILP;
            sol->proved_optimal = 1;
            return SC_OK;
        }
        /* Branch and bound failed: fall through to rounding. */
    }
    if (integral) {
        for (size_t i = 0; i < nx; i++)
            s->xi[i] = (int)floor(sol->x_relaxed[i] + 0.5);
        read_routed(s, p, 0);
        sc_opt_fill(p, s->xi, s->routed, sol);
        sol->method = milp ? SC_OPT_METHOD_MILP : SC_OPT_METHOD_LP_ROUNDED;
        sol->proved_optimal = 1;
        return SC_OK;
    }
    round_up(p, sol->x_relaxed, s->xi);
    /* Fix the counts and re-solve the routing. */
    for (int r = 0; r < R; r++) {
        double v = s->xi[SC_OPT_X(p, r, 1, 0)];
        glp_set_col_kind(s->lp, s->c_res[r], GLP_CV);
        glp_set_col_bnds(s->lp, s->c_res[r], GLP_FX, v, v);
        for (int o = 0; o < 3; o += 2)
            for (int k = 0; k < K; k++) {
                int j = s->c_x[XK(s, r, o, k)];
                v = s->xi[SC_OPT_X(p, r, o, k)];
                glp_set_col_kind(s->lp, j, GLP_CV);
                glp_set_col_bnds(s->lp, j, GLP_FX, v, v);
            }
        /* Rounding may exceed the flap budget or bounds of the total row slightly;
         * relax those rows for the routing re-solve (sc_opt_check_x reports it). */
        if (s->flap)
            glp_set_row_bnds(s->lp, s->r_flap[r], GLP_FR, 0.0, 0.0);
        for (int k = 0; k < K; k++)
            glp_set_row_bnds(s->lp, s->r_tot[SC_OPT_RK(p, r, k)], GLP_FR, 0.0, 0.0);
    }
    glp_set_it_cnt(s->lp, 0);
    st = run_simplex(s, 0, 1, err);
    if (st)
        return st;
    sol->iterations += glp_get_it_cnt(s->lp);
    read_routed(s, p, 0);
    sc_opt_fill(p, s->xi, s->routed, sol);
    sol->method = SC_OPT_METHOD_LP_ROUNDED;
    sol->proved_optimal = 0;
    return SC_OK;
}

const sc_optimizer_type sc_optimizer_lp = {
    .name = "lp",
    .version = 2,
    .state_size = sizeof(lp_state),
    .init = lp_init,
    .cleanup = lp_cleanup,
    .solve = lp_solve,
    .params = sc_optimizer_lp_params,
    .n_params = sizeof sc_optimizer_lp_params / sizeof sc_optimizer_lp_params[0],
};
