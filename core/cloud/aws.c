/*
 * aws.c - the AWS provider adapter (cloud.h): Auto Scaling groups over the Query API.
 *
 * Pools.  The on-demand pool of (app, region) is the Auto Scaling group named by the
 * template (default "sculpt-{app}-{region}") in that region; its desired capacity is
 * the pool's requested count.  The snapshot reports InService instances as ready,
 * Pending ones (and desired capacity not yet launched) as booting, Terminating ones as
 * draining.
 *
 * Spot (mixed-instances policy).  The spot pool of (app, region) lives in the same group:
 * desired capacity = on-demand + spot, and the group's MixedInstancesPolicy has
 * InstancesDistribution.OnDemandBaseCapacity = the on-demand count and
 * OnDemandPercentageAboveBaseCapacity = 0, so every instance above the base is spot.  A
 * group without a mixed-instances policy is all on demand (base = desired).  The
 * Describe answer gives no purchase option per instance, so the snapshot splits the
 * group's instances by the base: on demand takes InService instances first, then
 * Pending, up to the base; the rest are spot (the group launches the base first).  A
 * call on the spot pool, or on the on-demand pool of a group that already has a policy,
 * is one UpdateAutoScalingGroup that sets both numbers (absolute: written ahead as
 * "desired=N,od=M").
 *
 * Reserved.  The reserved pool of (app, region) exists where the scenario prices the
 * app's type reserved in the region; it is a set of EC2 instances tagged "sculpt-pool" =
 * the group name (ec2.c), outside the group.  The snapshot reads them with one
 * DescribeInstances per region that has a reserved pool (none elsewhere: running ->
 * ready, pending -> booting, shutting-down -> draining).  A provision is RunInstances
 * written ahead as "run=N,ct=TOKEN" (TOKEN derived from the plan id, the call's key and
 * the pool, resent unchanged after a crash, so EC2 launches once); a deprovision is written ahead as the pool's target
 * "reserved=T" and terminates what is above T (pending first), so a resend terminates
 * nothing more.  Bootstrap launches the scenario's initial reserved instances into each
 * reserved pool that has none.  With $.live.reservations.buy the reservation itself is
 * bought too (ri.c): a provision's form becomes "run=N,ct=TOKEN,ri=T", T the Reserved
 * Instances of the type the region should hold after it; the apply reads the RIs held,
 * buys what lacks (PurchaseReservedInstancesOffering), then runs the instances.  PREPARE
 * reports the purchase's upfront price for the budget guardrail.
 *
 * Calls (API version 2011-01-01, POST form bodies to autoscaling.REGION.amazonaws.com,
 * or the --endpoint URL; SigV4 scope REGION/autoscaling):
 *   DescribeAutoScalingGroups  AutoScalingGroupNames.member.N (<= 50 per call, the
 *                              API's limit), MaxRecords=100; one call per region and
 *                              batch; read-only, retried.
 *   SetDesiredCapacity         AutoScalingGroupName, DesiredCapacity, HonorCooldown=
 *                              false.  Absolute, so idempotent: retried, and its target
 *                              ("desired=N") is what PREPARE writes ahead in the journal.
 *   UpdateAutoScalingGroup     AutoScalingGroupName, DesiredCapacity, MixedInstancesPolicy.
 *                              LaunchTemplate.LaunchTemplateSpecification.{LaunchTemplate
 *                              Name = the group name, Version = $Latest}, .LaunchTemplate.
 *                              Overrides.member.1.InstanceType = the app's type, .Instances
 *                              Distribution.{OnDemandBaseCapacity, OnDemandPercentageAbove
 *                              BaseCapacity = 0, SpotAllocationStrategy = price-capacity-
 *                              optimized}.  Absolute as well: retried.
 *   bootstrap: EC2 CreateLaunchTemplate (2016-11-15; LaunchTemplateName = the group
 *   name, LaunchTemplateData.ImageId / .InstanceType) then CreateAutoScalingGroup
 *   (LaunchTemplate.LaunchTemplateName, MinSize 0, MaxSize = the app's max_instances,
 *   DesiredCapacity = the scenario's initial on-demand count, AvailabilityZones.member.1
 *   = REGION + "a"), each skipped when it exists ("AlreadyExists" answers count as done).
 * set_weight (routing): Route 53 weighted records of $.live.route53 (route53.c); without
 * that section a set_weight is SC_ERR_INPUT naming what is missing.
 * Throttling codes recognised: Throttling, ThrottlingException, RequestLimitExceeded,
 * RequestThrottled, ScalingActivityInProgress (retried: the group is busy),
 * ResourceContention (HTTP 500) and PriorRequestNotComplete (Route 53).
 *
 * Credentials: the environment, else the shared credentials file (sc_aws_credentials,
 * awscred.c, shared with the CloudWatch source).
 * Secrets: the secret key goes to libcurl only; messages carry the URL, the API's error
 * code and message, never a header.
 */
#define _POSIX_C_SOURCE 200809L
#include "sculpt/cloud.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudint.h"
#include "sculpt/live.h"

#define ASG_VERSION "2011-01-01"
#define EC2_VERSION "2016-11-15"
#define FORM "application/x-www-form-urlencoded; charset=utf-8"

typedef struct aws {
    const sc_scenario *sc;
    char endpoint[512];         /* "" = real endpoints */
    char tmpl[128];
    char image[64];
    sc_aws_creds cred;          /* environment or shared credentials file (awscred.c) */
    sc_http *http;
    char (*group)[256];         /* [ar] group names */
    int *desired;               /* [ar] last known desired capacity, -1 = unknown */
    int *od_base;               /* [ar] OnDemandBaseCapacity of the group's mixed-instances
                                   policy; -1 = no policy (all on demand) */
    int *reserved;              /* [ar] pending + running instances of the reserved pool
                                   (ec2.c), -1 = unknown */
    char *res_ok;               /* [ar] 1 = the region offers a reserved price for the
                                   app's type: the reserved pool exists */
    char key[SC_LIVE_KEY_MAX];
    char plan[SC_LIVE_PLAN_ID_MAX]; /* the loop's plan id (PLAN_ID), "" = none yet */
    char payload[SC_LIVE_PAYLOAD_MAX];
    long mutating, read_only;
    sc_route53 r53;             /* $.live.route53: routing weights (route53.c) */
    sc_ri_config ri;            /* $.live.reservations: Reserved Instances bought (ri.c) */
} aws;

static int aws_throttle(long status, const char *body)
{
    static const char *const codes[] = {"<Code>Throttling</Code>",
                                        "<Code>ThrottlingException</Code>",
                                        "<Code>RequestLimitExceeded</Code>",
                                        "<Code>RequestThrottled</Code>",
                                        "<Code>ScalingActivityInProgress</Code>",
                                        "<Code>ResourceContention</Code>",
                                        "<Code>PriorRequestNotComplete</Code>"};
    if (status < 400)
        return 0;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strstr(body, codes[i]))
            return 1;
    return 0;
}

/* ---- requests ----------------------------------------------------------------------- */

void sc_aws_api_error(const char *body, char *code, size_t ccap, char *msg, size_t mcap)
{
    snprintf(code, ccap, "HTTP error");
    msg[0] = '\0';
    sc_xml_leaf *lv;
    size_t n;
    if (sc_xml_leaves(body, strlen(body), &lv, &n, NULL) != SC_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        if (sc_xml_path_ends(lv[i].path, "Error/Code"))
            snprintf(code, ccap, "%s", lv[i].text);
        else if (sc_xml_path_ends(lv[i].path, "Error/Message"))
            snprintf(msg, mcap, "%s", lv[i].text);
    }
    sc_xml_leaves_free(lv, n);
}

sc_status sc_aws_query(const sc_aws_auth *auth, const char *service, const char *region,
                       const char *body, int idempotent, const char *ok_codes,
                       sc_http_resp *resp, sc_error *err)
{
    char url[600], scope[128];
    if (auth->endpoint && auth->endpoint[0])
        snprintf(url, sizeof url, "%s", auth->endpoint);
    else
        snprintf(url, sizeof url, "https://%s.%s.amazonaws.com/", service, region);
    snprintf(scope, sizeof scope, "aws:amz:%s:%s", region, service);
    sc_http_req rq = {.method = "POST", .url = url, .body = body, .content_type = FORM,
                      .sigv4 = scope, .user = auth->akid, .secret = auth->secret,
                      .session_token = auth->token && auth->token[0] ? auth->token : NULL,
                      .idempotent = idempotent};
    sc_status st = sc_http_do(auth->http, &rq, resp, err);
    if (st)
        return st;
    if (resp->status >= 200 && resp->status < 300)
        return SC_OK;
    char code[128], msg[512];
    sc_aws_api_error(resp->body, code, sizeof code, msg, sizeof msg);
    if (ok_codes) {
        const char *p = strstr(ok_codes, code);
        size_t l = strlen(code);
        if (p && (p == ok_codes || p[-1] == '|') && (p[l] == '\0' || p[l] == '|'))
            return SC_OK;
    }
    const char *action = strstr(body, "Action=");
    char act[64] = "";
    if (action)
        snprintf(act, sizeof act, "%.*s", (int)strcspn(action + 7, "&"), action + 7);
    int attempts = resp->attempts;
    long status = resp->status;
    sc_http_resp_cleanup(resp);
    return sc_error_set(err, status >= 500 || aws_throttle(status, code) ? SC_ERR_IO : SC_ERR_INPUT,
                        url, "%s in %s: HTTP %ld %s%s%s (after %d attempt%s)", act, region,
                        status, code, msg[0] ? ": " : "", msg, attempts,
                        attempts == 1 ? "" : "s");
}

static sc_aws_auth auth_of(const aws *a)
{
    sc_aws_auth auth = {a->http, a->endpoint, a->cred.akid, a->cred.secret, a->cred.token};
    return auth;
}

sc_status sc_aws_query_xml(const sc_aws_auth *auth, const char *service, const char *region,
                           const char *body, int idempotent, sc_xml_leaf **lv, size_t *n,
                           sc_error *err)
{
    sc_http_resp resp;
    sc_status st = sc_aws_query(auth, service, region, body, idempotent, NULL, &resp, err);
    if (st)
        return st;
    st = sc_xml_leaves(resp.body, resp.len, lv, n, err);
    sc_http_resp_cleanup(&resp);
    return st;
}

/* sc_aws_query with the adapter's client and credentials. */
static sc_status call(aws *a, const char *service, const char *region, const char *body,
                      int idempotent, const char *ok_codes, sc_http_resp *resp, sc_error *err)
{
    sc_aws_auth auth = auth_of(a);
    return sc_aws_query(&auth, service, region, body, idempotent, ok_codes, resp, err);
}

/* ---- snapshot ----------------------------------------------------------------------- */

typedef struct group_state {
    char name[256];
    int desired, in_service, pending, terminating, found;
    int od_base;                /* -1 = no mixed-instances policy */
} group_state;

/* Describe the groups of region r (all apps), into gs[app]. */
static sc_status describe_region(aws *a, int r, group_state *gs, sc_error *err)
{
    const sc_scenario *sc = a->sc;
    const char *region = sc->regions[r].name;
    for (size_t a0 = 0; a0 < sc->n_apps; a0 += 50) {
        char body[16384];
        size_t len = 0;
        body[0] = '\0';
        sc_http_form_append(body, sizeof body, &len, "Action", "DescribeAutoScalingGroups");
        sc_http_form_append(body, sizeof body, &len, "Version", ASG_VERSION);
        sc_http_form_append(body, sizeof body, &len, "MaxRecords", "100");
        for (size_t k = 0; a0 + k < sc->n_apps && k < 50; k++) {
            char key[64];
            snprintf(key, sizeof key, "AutoScalingGroupNames.member.%zu", k + 1);
            sc_http_form_append(body, sizeof body, &len, key,
                                a->group[(a0 + k) * sc->n_regions + (size_t)r]);
        }
        sc_xml_leaf *lv;
        size_t n;
        sc_aws_auth auth = auth_of(a);
        sc_status st = sc_aws_query_xml(&auth, "autoscaling", region, body, 1, &lv, &n, err);
        a->read_only++;
        if (st)
            return st;
        group_state cur;
        memset(&cur, 0, sizeof cur);
        int have = 0;
        for (size_t i = 0; i <= n; i++) {
            int flush = i == n || sc_xml_path_ends(lv[i].path,
                                                   "AutoScalingGroups/member/AutoScalingGroupName");
            if (flush && have) {
                for (size_t k = 0; a0 + k < sc->n_apps && k < 50; k++)
                    if (strcmp(a->group[(a0 + k) * sc->n_regions + (size_t)r], cur.name) == 0) {
                        gs[a0 + k] = cur;
                        gs[a0 + k].found = 1;
                    }
                have = 0;
            }
            if (i == n)
                break;
            const char *p = lv[i].path, *t = lv[i].text;
            if (flush) {
                memset(&cur, 0, sizeof cur);
                cur.od_base = -1;
                snprintf(cur.name, sizeof cur.name, "%s", t);
                have = 1;
            } else if (have && sc_xml_path_ends(p, "MixedInstancesPolicy/InstancesDistribution/"
                                                   "OnDemandBaseCapacity")) {
                cur.od_base = atoi(t);
            } else if (have && sc_xml_path_ends(p, "AutoScalingGroups/member/DesiredCapacity")) {
                cur.desired = atoi(t);
            } else if (have && sc_xml_path_ends(p, "Instances/member/LifecycleState")) {
                if (strcmp(t, "InService") == 0)
                    cur.in_service++;
                else if (strncmp(t, "Pending", 7) == 0)
                    cur.pending++;
                else if (strncmp(t, "Terminating", 11) == 0)
                    cur.terminating++;
            }
        }
        sc_xml_leaves_free(lv, n);
    }
    return SC_OK;
}

/* The reserved pools of region r (the apps whose type the region prices reserved):
 * one DescribeInstances (per page) when it has any, none otherwise.  Fills the reserved
 * entries of out (NULL = only the cache a->reserved). */
static sc_status describe_reserved(aws *a, int r, sc_pool_state *out, sc_error *err)
{
    const sc_scenario *sc = a->sc;
    size_t nr = sc->n_regions, np = 0;
    const char **pools = calloc(sc->n_apps + 1, sizeof *pools);
    size_t *app_of = calloc(sc->n_apps + 1, sizeof *app_of);
    sc_ec2_instance *list = NULL;
    size_t n = 0;
    sc_status st = SC_OK;
    if (!pools || !app_of) {
        st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        goto done;
    }
    for (size_t ap = 0; ap < sc->n_apps; ap++)
        if (a->res_ok[ap * nr + (size_t)r]) {
            app_of[np] = ap;
            pools[np++] = a->group[ap * nr + (size_t)r];
        }
    if (np == 0)
        goto done;
    sc_aws_auth auth = auth_of(a);
    if ((st = sc_ec2_describe(&auth, sc->regions[r].name, pools, np, &list, &n, &a->read_only,
                              err)))
        goto done;
    for (size_t k = 0; k < np; k++) {
        size_t ar = app_of[k] * nr + (size_t)r;
        sc_pool_state ps;
        memset(&ps, 0, sizeof ps);
        for (size_t i = 0; i < n; i++)
            if (list[i].pool == (int)k) {
                if (list[i].state == SC_EC2_RUNNING)
                    ps.ready++;
                else if (list[i].state == SC_EC2_PENDING)
                    ps.booting++;
                else
                    ps.draining++;
            }
        a->reserved[ar] = ps.ready + ps.booting;
        if (out)
            out[ar * SC_PURCHASE_COUNT + SC_PURCHASE_RESERVED] = ps;
    }
done:
    free(list);
    free(pools);
    free(app_of);
    return st;
}

static sc_status aws_snapshot(void *state, sc_pool_state *out, size_t n, int since_last,
                              sc_error *err)
{
    aws *a = state;
    const sc_scenario *sc = a->sc;
    size_t na = sc->n_apps, nr = sc->n_regions;
    group_state *gs = calloc(na + 1, sizeof *gs);
    if (!gs)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    memset(out, 0, n * sizeof *out);
    sc_status st = SC_OK;
    for (size_t r = 0; r < nr && !st; r++) {
        memset(gs, 0, (na + 1) * sizeof *gs);
        if ((st = describe_region(a, (int)r, gs, err)))
            break;
        for (size_t ap = 0; ap < na; ap++) {
            size_t ar = ap * nr + r;
            if (!gs[ap].found) {
                st = sc_error_set(err, SC_ERR_NOTFOUND, "aws",
                                  "Auto Scaling group '%s' not found in %s: create it, or run "
                                  "with --bootstrap",
                                  a->group[ar], sc->regions[r].name);
                break;
            }
            sc_pool_state *p = &out[ar * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND];
            sc_pool_state *s = &out[ar * SC_PURCHASE_COUNT + SC_PURCHASE_SPOT];
            int ready = gs[ap].in_service, pending = gs[ap].pending;
            int launched = ready + pending;
            if (gs[ap].desired > launched)
                pending += gs[ap].desired - launched;
            /* on demand: the base (all of the group without a policy), ready first */
            int base = gs[ap].od_base < 0 ? ready + pending : gs[ap].od_base;
            p->ready = ready < base ? ready : base;
            p->booting = pending < base - p->ready ? pending : base - p->ready;
            s->ready = ready - p->ready;
            s->booting = pending - p->booting;
            p->draining = gs[ap].terminating;
            a->desired[ar] = gs[ap].desired;
            a->od_base[ar] = gs[ap].od_base;
        }
        if (!st)
            st = describe_reserved(a, (int)r, out, err);
    }
    free(gs);
    return st;
}

static sc_status aws_describe(void *state, int app, int region, int type, sc_purchase option,
                              sc_pool_state *out, sc_error *err)
{
    aws *a = state;
    (void)type;
    return sc_cloud_describe_by_snapshot(aws_snapshot, state, a->sc->n_apps, a->sc->n_regions,
                                         app, region, option, out, err);
}

/* ---- apply -------------------------------------------------------------------------- */

static sc_status check_pool(aws *a, const sc_action *act, sc_error *err)
{
    const sc_scenario *sc = a->sc;
    if (act->kind == SC_ACTION_SET_WEIGHT) {
        if (!a->r53.enabled)
            return sc_error_set(err, SC_ERR_INPUT, sc->path,
                                "set_weight for %s in geography %s: routing on aws needs "
                                "$.live.route53 with a hosted_zone_id",
                                sc->apps[act->app].name, sc->geos[act->geo].name);
        return SC_OK;
    }
    size_t ar = (size_t)act->app * sc->n_regions + (size_t)act->region;
    if (act->type != sc->apps[act->app].instance_type ||
        (act->option == SC_PURCHASE_RESERVED && !a->res_ok[ar]))
        return sc_error_set(err, SC_ERR_INPUT, "aws",
                            "pool %s/%s %s %s: the aws adapter manages the pools of each "
                            "app's own instance type only, and a reserved pool only where "
                            "the scenario prices the type reserved in the region",
                            sc->apps[act->app].name, sc->regions[act->region].name,
                            sc->types[act->type].name, sc_purchase_name(act->option));
    if (act->kind != SC_ACTION_PROVISION && act->kind != SC_ACTION_DEPROVISION)
        return sc_error_set(err, SC_ERR_INTERNAL, "aws", "unexpected action kind");
    return SC_OK;
}

/* The group's target (desired capacity, on-demand base; base -1 = keep the group
 * without a mixed-instances policy, SetDesiredCapacity) after act, from the last known
 * state (read when unknown). */
static sc_status target_of(aws *a, const sc_action *act, int *target, int *base,
                           sc_error *err)
{
    size_t ar = (size_t)act->app * a->sc->n_regions + (size_t)act->region;
    if (a->desired[ar] < 0) {
        size_t n = a->sc->n_apps * a->sc->n_regions * SC_PURCHASE_COUNT;
        sc_pool_state *all = calloc(n, sizeof *all);
        if (!all)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        sc_status st = aws_snapshot(a, all, n, 0, err);
        free(all);
        if (st)
            return st;
    }
    int d = a->desired[ar], b = a->od_base[ar];
    int od = b < 0 ? d : (b < d ? b : d), spot = d - od;
    int delta = act->kind == SC_ACTION_PROVISION ? act->count : -act->count;
    if (act->option == SC_PURCHASE_SPOT) {
        spot = spot + delta < 0 ? 0 : spot + delta;
        *base = od;
    } else {
        od = od + delta < 0 ? 0 : od + delta;
        *base = b < 0 ? -1 : od;
    }
    *target = od + spot;
    return SC_OK;
}

/* The pool's own count in a group of desired d with on-demand base b (-1 = none). */
static int pool_count(int option, int d, int b)
{
    int od = b < 0 ? d : (b < d ? b : d);
    return option == SC_PURCHASE_SPOT ? d - od : od;
}

/* ---- reserved pools: EC2 instances tagged with the pool (ec2.c) -------------------- */

/* ---- Reserved Instances bought as the reserved pools grow (ri.c) ----------------- */

/* The RI target of a provision act: the reserved instances of its type in its region
 * after the call (every reserved pool of that type there, act's count added: RIs are the
 * account's, not a pool's); *buy = what the RIs held lack for it (0 when they cover it)
 * and *fixed its upfront price per instance (the offering sc_ri_offering picks). */
static sc_status ri_plan(aws *a, const sc_action *act, int *target, int *buy, double *fixed,
                         char *id, size_t id_cap, sc_error *err)
{
    const sc_scenario *sc = a->sc;
    size_t nr = sc->n_regions, r = (size_t)act->region;
    *buy = 0;
    *fixed = 0.0;
    id[0] = '\0';
    int unknown = 0;
    for (size_t ap = 0; ap < sc->n_apps; ap++)
        unknown |= a->res_ok[ap * nr + r] && a->reserved[ap * nr + r] < 0;
    sc_status st;
    if (unknown && (st = describe_reserved(a, act->region, NULL, err)))
        return st;
    int t = act->count;
    for (size_t ap = 0; ap < sc->n_apps; ap++)
        if (a->res_ok[ap * nr + r] && sc->apps[ap].instance_type == act->type)
            t += a->reserved[ap * nr + r] > 0 ? a->reserved[ap * nr + r] : 0;
    *target = t;
    sc_aws_auth auth = auth_of(a);
    const char *region = sc->regions[r].name, *type = sc->types[act->type].name;
    int held = 0;
    if ((st = sc_ri_held(&auth, &a->ri, region, type, &held, &a->read_only, err)))
        return st;
    if (held >= t)
        return SC_OK;
    if ((st = sc_ri_offering(&auth, &a->ri, region, type, sc->regions[r].reserved_term_ms / 1000,
                             id, id_cap, fixed, &a->read_only, err)))
        return st;
    *buy = t - held;
    return SC_OK;
}

/* Make the RIs of act's type in its region reach target: read what is held, buy the
 * rest (a resend or a resume buys nothing twice: a purchase made is held).  A purchase
 * whose answer is lost is judged by reading the RIs again. */
static sc_status ri_apply(aws *a, const sc_action *act, int target, sc_error *err)
{
    const sc_scenario *sc = a->sc;
    const char *region = sc->regions[act->region].name, *type = sc->types[act->type].name;
    sc_aws_auth auth = auth_of(a);
    int held = 0;
    sc_status st = sc_ri_held(&auth, &a->ri, region, type, &held, &a->read_only, err);
    if (st || held >= target)
        return st;
    char id[128], ri_id[128];
    double fixed;
    if ((st = sc_ri_offering(&auth, &a->ri, region, type,
                             sc->regions[act->region].reserved_term_ms / 1000, id, sizeof id,
                             &fixed, &a->read_only, err)))
        return st;
    st = sc_ri_purchase(&auth, region, id, target - held, ri_id, sizeof ri_id, &a->mutating,
                        err);
    if (st == SC_ERR_IO) { /* no answer: did it go through? */
        sc_error e2;
        int again = 0;
        if (sc_ri_held(&auth, &a->ri, region, type, &again, &a->read_only, &e2) == SC_OK &&
            again >= target)
            return SC_OK;
    }
    return st;
}

/* The absolute form of a reserved call, written ahead (PREPARE).  Provision:
 * "run=N,ct=TOKEN", TOKEN = sc_aws_client_token(plan id, key, pool): the same for the
 * same call of the same plan whatever the attempt (journaled, and derivable again), so
 * two identical runs write identical journals, while another plan (scenario, policy or
 * origin) never meets this one's tokens.  Bootstrap (no plan yet) uses "bootstrap-" and
 * the scenario's hash as its plan id.  Deprovision: "reserved=T", the pool's target
 * count (current - N, at least 0). */
static sc_status reserved_prepare(aws *a, const sc_action *act, const char *key, char *payload,
                                  size_t cap, double *upfront, char *commits, size_t ccap,
                                  sc_error *err)
{
    size_t ar = (size_t)act->app * a->sc->n_regions + (size_t)act->region;
    if (upfront)
        *upfront = 0.0;
    if (commits && ccap)
        commits[0] = '\0';
    if (act->kind == SC_ACTION_PROVISION) {
        char plan[48], token[SC_AWS_TOKEN_MAX];
        if (a->plan[0])
            snprintf(plan, sizeof plan, "%s", a->plan);
        else
            snprintf(plan, sizeof plan, "bootstrap-%016" PRIx64, a->sc->hash);
        sc_aws_client_token(plan, key ? key : "", a->group[ar], token);
        if (!a->ri.buy) {
            snprintf(payload, cap, "run=%d,ct=%s", act->count, token);
            return SC_OK;
        }
        int target, buy;
        double fixed;
        char id[128];
        sc_status st = ri_plan(a, act, &target, &buy, &fixed, id, sizeof id, err);
        if (st)
            return st;
        if (upfront)
            *upfront = buy * fixed;
        if (commits && ccap && buy > 0) /* what a review (a dry run's journal) shows */
            snprintf(commits, ccap, "ri:%s:%s:%s:%d", a->sc->regions[act->region].name,
                     a->sc->types[act->type].name, id, buy);
        snprintf(payload, cap, "run=%d,ct=%s,ri=%d", act->count, token, target);
        return SC_OK;
    }
    sc_status st;
    if (a->reserved[ar] < 0 && (st = describe_reserved(a, act->region, NULL, err)))
        return st;
    int t = a->reserved[ar] - act->count;
    snprintf(payload, cap, "reserved=%d", t < 0 ? 0 : t);
    return SC_OK;
}

static sc_status reserved_apply(aws *a, const sc_action *act, const char *payload,
                                sc_action_result *res, sc_error *err)
{
    const sc_scenario *sc = a->sc;
    size_t ar = (size_t)act->app * sc->n_regions + (size_t)act->region;
    const char *region = sc->regions[act->region].name;
    char own[SC_LIVE_PAYLOAD_MAX];
    sc_status st;
    if (!payload[0]) { /* applied outside live mode: no journaled form */
        if ((st = reserved_prepare(a, act, a->key, own, sizeof own, NULL, NULL, 0, err)))
            return st;
        payload = own;
    }
    sc_aws_auth auth = auth_of(a);
    int n = -1;
    char token[64] = "";
    if (act->kind == SC_ACTION_PROVISION) {
        int ri_target = -1;
        if (sscanf(payload, "run=%d,ct=%63[^,],ri=%d", &n, token, &ri_target) < 2 || n < 0)
            return sc_error_set(err, SC_ERR_INPUT, "aws",
                                "reserved call form '%s': expected run=N,ct=TOKEN[,ri=T]",
                                payload);
        if (ri_target >= 0 && (st = ri_apply(a, act, ri_target, err)))
            return st;
        int launched = 0;
        if (n > 0 &&
            (st = sc_ec2_run(&auth, region, a->group[ar], a->image,
                             sc->types[act->type].name, n, token, &launched, &a->mutating, err)))
            return st;
        if (a->reserved[ar] >= 0)
            a->reserved[ar] = -1; /* a resent call may answer instances counted already */
        res->accepted = launched < act->count ? launched : act->count;
        return SC_OK;
    }
    if (sscanf(payload, "reserved=%d", &n) != 1 || n < 0)
        return sc_error_set(err, SC_ERR_INPUT, "aws",
                            "reserved call form '%s': expected reserved=N", payload);
    const char *pool = a->group[ar];
    sc_ec2_instance *list = NULL;
    size_t m = 0;
    if ((st = sc_ec2_describe(&auth, region, &pool, 1, &list, &m, &a->read_only, err)))
        return st;
    size_t k = 0; /* the active ones first, in the order a scale-in takes them */
    for (size_t i = 0; i < m; i++)
        if (list[i].state != SC_EC2_SHUTTING_DOWN)
            list[k++] = list[i];
    sc_ec2_sort_victims(list, k);
    size_t cut = k > (size_t)n ? k - (size_t)n : 0;
    const char **ids = calloc(cut + 1, sizeof *ids);
    if (!ids) {
        free(list);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < cut; i++)
        ids[i] = list[i].id;
    st = cut ? sc_ec2_terminate(&auth, region, ids, cut, &a->mutating, err) : SC_OK;
    free(ids);
    free(list);
    if (st)
        return st;
    a->reserved[ar] = (int)(k - cut);
    res->accepted = (int)cut < act->count ? (int)cut : act->count;
    if ((int)cut < act->count)
        res->limited = act->count - (int)cut;
    return SC_OK;
}

static sc_status aws_apply(void *state, const sc_action *act, sc_time_ms now,
                           sc_action_result *res, sc_error *err)
{
    aws *a = state;
    (void)now;
    sc_status st = check_pool(a, act, err);
    if (st)
        return st;
    const sc_scenario *sc = a->sc;
    if (act->kind == SC_ACTION_SET_WEIGHT) {
        a->payload[0] = '\0';
        a->key[0] = '\0';
        sc_aws_auth auth = {a->http, a->endpoint, a->cred.akid, a->cred.secret,
                            a->cred.token};
        st = sc_route53_set_weight(&a->r53, &auth, sc, act->app, act->geo, act->region,
                                   act->weight, &a->mutating, &a->read_only, err);
        if (st)
            return st;
        res->accepted = 1;
        return SC_OK;
    }
    if (act->option == SC_PURCHASE_RESERVED) {
        char payload[SC_LIVE_PAYLOAD_MAX];
        snprintf(payload, sizeof payload, "%s", a->payload);
        a->payload[0] = '\0';
        st = reserved_apply(a, act, payload, res, err);
        a->key[0] = '\0';
        return st;
    }
    size_t ar = (size_t)act->app * sc->n_regions + (size_t)act->region;
    int target = -1, base = -1;
    if (a->payload[0]) {
        int k = sscanf(a->payload, "desired=%d,od=%d", &target, &base);
        if (k < 1)
            target = -1;
        else if (k < 2)
            base = -1;
    }
    a->payload[0] = '\0';
    a->key[0] = '\0';
    if (target < 0 && (st = target_of(a, act, &target, &base, err)))
        return st;
    int before_d = a->desired[ar], before_b = a->od_base[ar];
    int before = before_d >= 0 ? pool_count(act->option, before_d, before_b) : -1;
    char body[2048], num[32];
    size_t len = 0;
    body[0] = '\0';
    snprintf(num, sizeof num, "%d", target);
    if (base < 0) {
        sc_http_form_append(body, sizeof body, &len, "Action", "SetDesiredCapacity");
        sc_http_form_append(body, sizeof body, &len, "Version", ASG_VERSION);
        sc_http_form_append(body, sizeof body, &len, "AutoScalingGroupName", a->group[ar]);
        sc_http_form_append(body, sizeof body, &len, "DesiredCapacity", num);
        sc_http_form_append(body, sizeof body, &len, "HonorCooldown", "false");
    } else {
        char bnum[32];
        snprintf(bnum, sizeof bnum, "%d", base);
        sc_http_form_append(body, sizeof body, &len, "Action", "UpdateAutoScalingGroup");
        sc_http_form_append(body, sizeof body, &len, "Version", ASG_VERSION);
        sc_http_form_append(body, sizeof body, &len, "AutoScalingGroupName", a->group[ar]);
        sc_http_form_append(body, sizeof body, &len, "DesiredCapacity", num);
        sc_http_form_append(body, sizeof body, &len,
                            "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification."
                            "LaunchTemplateName",
                            a->group[ar]);
        sc_http_form_append(body, sizeof body, &len,
                            "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification."
                            "Version",
                            "$Latest");
        sc_http_form_append(body, sizeof body, &len,
                            "MixedInstancesPolicy.LaunchTemplate.Overrides.member.1."
                            "InstanceType",
                            sc->types[sc->apps[act->app].instance_type].name);
        sc_http_form_append(body, sizeof body, &len,
                            "MixedInstancesPolicy.InstancesDistribution.OnDemandBaseCapacity",
                            bnum);
        sc_http_form_append(body, sizeof body, &len,
                            "MixedInstancesPolicy.InstancesDistribution."
                            "OnDemandPercentageAboveBaseCapacity",
                            "0");
        sc_http_form_append(body, sizeof body, &len,
                            "MixedInstancesPolicy.InstancesDistribution.SpotAllocationStrategy",
                            "price-capacity-optimized");
    }
    sc_http_resp resp;
    st = call(a, "autoscaling", sc->regions[act->region].name, body, 1, NULL, &resp, err);
    a->mutating++;
    if (st)
        return st;
    sc_http_resp_cleanup(&resp);
    a->desired[ar] = target;
    a->od_base[ar] = base;
    int after = pool_count(act->option, target, base);
    int moved = before >= 0 ? (after > before ? after - before : before - after) : act->count;
    res->accepted = moved < act->count ? moved : act->count;
    if (act->kind == SC_ACTION_DEPROVISION && before >= 0 && before < act->count)
        res->limited = act->count - before;
    return SC_OK;
}

/* ---- bootstrap ---------------------------------------------------------------------- */

/* The scenario's initial reserved instances, launched in every reserved pool that has
 * none (read first: a rerun, or a resume after a crash inside this step, finds them). */
static sc_status bootstrap_reserved(aws *a, sc_error *err)
{
    const sc_scenario *sc = a->sc;
    for (size_t r = 0; r < sc->n_regions; r++) {
        int any = 0;
        for (size_t ap = 0; ap < sc->n_apps; ap++)
            any |= a->res_ok[ap * sc->n_regions + r] &&
                   sc_cloud_initial(&sc->apps[ap], (int)r, SC_PURCHASE_RESERVED) > 0;
        if (!any)
            continue;
        sc_status st = describe_reserved(a, (int)r, NULL, err);
        for (size_t ap = 0; ap < sc->n_apps && !st; ap++) {
            size_t ar = ap * sc->n_regions + r;
            int want = sc_cloud_initial(&sc->apps[ap], (int)r, SC_PURCHASE_RESERVED);
            if (!a->res_ok[ar] || want <= 0 || a->reserved[ar] > 0)
                continue;
            sc_action act = {.kind = SC_ACTION_PROVISION, .app = (int)ap, .region = (int)r,
                             .type = sc->apps[ap].instance_type,
                             .option = SC_PURCHASE_RESERVED, .count = want, .to_region = -1,
                             .to_type = -1};
            sc_action_result res;
            char payload[SC_LIVE_PAYLOAD_MAX];
            memset(&res, 0, sizeof res);
            if (!(st = reserved_prepare(a, &act, "bootstrap", payload, sizeof payload, NULL,
                                        NULL, 0, err)))
                st = reserved_apply(a, &act, payload, &res, err);
        }
        if (st)
            return st;
    }
    return SC_OK;
}

static sc_status bootstrap(aws *a, sc_error *err)
{
    const sc_scenario *sc = a->sc;
    for (size_t r = 0; r < sc->n_regions; r++)
        for (size_t ap = 0; ap < sc->n_apps; ap++) {
            const sc_app *app = &sc->apps[ap];
            const char *region = sc->regions[r].name;
            const char *g = a->group[ap * sc->n_regions + r];
            char body[4096], num[32];
            size_t len = 0;
            body[0] = '\0';
            sc_http_form_append(body, sizeof body, &len, "Action", "CreateLaunchTemplate");
            sc_http_form_append(body, sizeof body, &len, "Version", EC2_VERSION);
            sc_http_form_append(body, sizeof body, &len, "LaunchTemplateName", g);
            sc_http_form_append(body, sizeof body, &len, "LaunchTemplateData.ImageId", a->image);
            sc_http_form_append(body, sizeof body, &len, "LaunchTemplateData.InstanceType",
                                sc->types[app->instance_type].name);
            sc_http_resp resp;
            sc_status st = call(a, "ec2", region, body, 0,
                                "InvalidLaunchTemplateName.AlreadyExistsException", &resp, err);
            a->mutating++;
            if (st)
                return st;
            sc_http_resp_cleanup(&resp);
            int initial = sc_cloud_initial(app, (int)r, SC_PURCHASE_ONDEMAND);
            len = 0;
            body[0] = '\0';
            sc_http_form_append(body, sizeof body, &len, "Action", "CreateAutoScalingGroup");
            sc_http_form_append(body, sizeof body, &len, "Version", ASG_VERSION);
            sc_http_form_append(body, sizeof body, &len, "AutoScalingGroupName", g);
            sc_http_form_append(body, sizeof body, &len, "LaunchTemplate.LaunchTemplateName", g);
            sc_http_form_append(body, sizeof body, &len, "LaunchTemplate.Version", "$Latest");
            sc_http_form_append(body, sizeof body, &len, "MinSize", "0");
            snprintf(num, sizeof num, "%d", app->max_instances);
            sc_http_form_append(body, sizeof body, &len, "MaxSize", num);
            snprintf(num, sizeof num, "%d", initial);
            sc_http_form_append(body, sizeof body, &len, "DesiredCapacity", num);
            char az[96];
            snprintf(az, sizeof az, "%sa", region);
            sc_http_form_append(body, sizeof body, &len, "AvailabilityZones.member.1", az);
            st = call(a, "autoscaling", region, body, 0, "AlreadyExists", &resp, err);
            a->mutating++;
            if (st)
                return st;
            sc_http_resp_cleanup(&resp);
        }
    return bootstrap_reserved(a, err);
}

/* ---- life cycle --------------------------------------------------------------------- */

static void aws_cleanup(void *state)
{
    aws *a = state;
    sc_http_free(a->http);
    free(a->group);
    free(a->desired);
    free(a->od_base);
    free(a->reserved);
    free(a->res_ok);
    /* the secret does not outlive the adapter in its memory */
    sc_aws_creds_wipe(&a->cred);
}

static void expand(char *out, size_t cap, const char *tmpl, const char *app, const char *region)
{
    size_t l = 0;
    for (const char *p = tmpl; *p && l + 1 < cap;) {
        const char *v = NULL;
        if (strncmp(p, "{app}", 5) == 0)
            v = app, p += 5;
        else if (strncmp(p, "{region}", 8) == 0)
            v = region, p += 8;
        if (v) {
            l += (size_t)snprintf(out + l, cap - l, "%s", v);
            if (l >= cap)
                l = cap - 1;
        } else {
            out[l++] = *p++;
        }
    }
    out[l] = '\0';
}

static sc_status aws_init(void *state, const void *config, sc_error *err)
{
    aws *a = state;
    const sc_cloud_config *cfg = config;
    if (!cfg || !cfg->sc)
        return sc_error_set(err, SC_ERR_INTERNAL, "aws", "the aws adapter needs a config");
    const sc_scenario *sc = cfg->sc;
    a->sc = sc;
    sc_status st;
    int loopback = 0;
    if (cfg->endpoint) {
        if ((st = sc_http_check_url(cfg->endpoint, &loopback, err)))
            return st;
        snprintf(a->endpoint, sizeof a->endpoint, "%s", cfg->endpoint);
    }
    if ((st = sc_cloud_bootstrap_allowed(cfg, loopback, "groups", "the real AWS endpoints",
                                         err)))
        return st;
    snprintf(a->tmpl, sizeof a->tmpl, "%s", cfg->group_name ? cfg->group_name
                                                              : "sculpt-{app}-{region}");
    snprintf(a->image, sizeof a->image, "%s", cfg->image_id ? cfg->image_id : "ami-12c6146b");
    if ((st = sc_aws_credentials("aws", &a->cred, err)) ||
        (st = sc_route53_read(sc, &a->r53, err)) || (st = sc_ri_read(sc, &a->ri, err)))
        return st;
    size_t nar = sc->n_apps * sc->n_regions;
    a->group = calloc(nar + 1, sizeof *a->group);
    a->desired = malloc((nar + 1) * sizeof *a->desired);
    a->od_base = malloc((nar + 1) * sizeof *a->od_base);
    a->reserved = malloc((nar + 1) * sizeof *a->reserved);
    a->res_ok = calloc(nar + 1, 1);
    if (!a->group || !a->desired || !a->od_base || !a->reserved || !a->res_ok) {
        aws_cleanup(a);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    for (size_t ap = 0; ap < sc->n_apps; ap++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            expand(a->group[ap * sc->n_regions + r], sizeof a->group[0], a->tmpl,
                   sc->apps[ap].name, sc->regions[r].name);
            a->desired[ap * sc->n_regions + r] = -1;
            a->od_base[ap * sc->n_regions + r] = -1;
            a->reserved[ap * sc->n_regions + r] = -1;
            double pr = sc->regions[r].types[sc->apps[ap].instance_type]
                            .price_per_hour[SC_PURCHASE_RESERVED];
            a->res_ok[ap * sc->n_regions + r] = pr == pr && pr >= 0;
        }
    sc_http_retry rt = {.max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 5,
                        .base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 200,
                        .cap_ms = cfg->backoff_cap_ms > 0 ? cfg->backoff_cap_ms : 20000,
                        .max_retry_after_ms = 60000,
                        .seed = cfg->seed ? cfg->seed : sc->seed};
    if ((st = sc_http_alloc(&rt, aws_throttle, &a->http, err))) {
        aws_cleanup(a);
        return st;
    }
    if (cfg->bootstrap && (st = bootstrap(a, err))) {
        aws_cleanup(a);
        return st;
    }
    return SC_OK;
}

static sc_status aws_ctrl(void *state, int op, void *arg, sc_error *err)
{
    aws *a = state;
    switch (op) {
    case SC_PROVIDER_CTRL_IDEMPOTENCY_KEY:
        snprintf(a->key, sizeof a->key, "%s", (const char *)arg);
        return SC_OK;
    case SC_PROVIDER_CTRL_PLAN_ID:
        snprintf(a->plan, sizeof a->plan, "%s", (const char *)arg);
        return SC_OK;
    case SC_PROVIDER_CTRL_CALL: {
        const sc_live_call *c = arg;
        snprintf(a->payload, sizeof a->payload, "%s", c->payload);
        return SC_OK;
    }
    case SC_PROVIDER_CTRL_PREPARE: {
        sc_live_call *c = arg;
        sc_status st = check_pool(a, c->act, err);
        int target, base;
        if (!st && c->act->kind == SC_ACTION_SET_WEIGHT) {
            snprintf(c->payload, sizeof c->payload, "weight=%d", c->act->weight);
            return SC_OK;
        }
        if (!st && c->act->option == SC_PURCHASE_RESERVED)
            return reserved_prepare(a, c->act, c->key, c->payload, sizeof c->payload,
                                    &c->upfront_usd, c->commits, sizeof c->commits, err);
        if (!st)
            st = target_of(a, c->act, &target, &base, err);
        if (!st && base < 0)
            snprintf(c->payload, sizeof c->payload, "desired=%d", target);
        else if (!st)
            snprintf(c->payload, sizeof c->payload, "desired=%d,od=%d", target, base);
        return st;
    }
    case SC_PROVIDER_CTRL_IS_REAL:
        *(int *)arg = 1;
        return SC_OK;
    case SC_PROVIDER_CTRL_CLOUD_STATS:
        sc_cloud_stats_fill(arg, a->http, a->mutating, a->read_only);
        return SC_OK;
    default:
        return SC_ERR_NOTFOUND;
    }
}

const sc_provider_type sc_aws_provider_type = {
    .name = "aws",
    .version = 2,
    .state_size = sizeof(aws),
    .init = aws_init,
    .cleanup = aws_cleanup,
    .apply = aws_apply,
    .describe = aws_describe,
    .ctrl = aws_ctrl,
    .snapshot = aws_snapshot,
};
