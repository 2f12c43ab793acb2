/*
 * ri.c - buying the reservations of the AWS adapter's reserved pools (aws.c, ec2.c).
 *
 * A reserved pool's instances are plain EC2 instances (ec2.c); what makes them cheaper
 * is a Reserved Instance (RI) of the same type, product, tenancy and scope held by the
 * account: a billing commitment for a term, bought once and kept until the term ends
 * (a pool that shrinks keeps its RIs; one that grows again uses them first).  With
 * $.live.reservations.buy the adapter makes the RIs held follow the reserved pools:
 *
 *   target T (written ahead)  the reserved instances of the type in the region after the
 *                             call: the sum over the reserved pools of that type there
 *                             (every app whose type it is), a provision's count added.
 *   held C                    DescribeReservedInstances, Filter instance-type = the type,
 *                             state = active | payment-pending, scope = Region (or
 *                             availability-zone = the zone for zonal RIs), product-
 *                             description = the product: the sum of instanceCount.
 *   buy T - C when positive   DescribeReservedInstancesOfferings (InstanceType,
 *                             ProductDescription, OfferingClass, OfferingType,
 *                             InstanceTenancy, MinDuration = MaxDuration = the region's
 *                             reserved_term in seconds, IncludeMarketplace = false,
 *                             AvailabilityZone or Filter scope = Region; every page),
 *                             the offering with the least total price over the term
 *                             (fixedPrice + usagePrice x term hours + hourly recurring
 *                             charges x term hours; ties: the smaller id), checked again
 *                             against the request (a server that ignores a filter cannot
 *                             sell another term, class or type), then
 *                             PurchaseReservedInstancesOffering (InstanceCount,
 *                             ReservedInstancesOfferingId).
 *
 * Idempotency.  The purchase API has no ClientToken, so the call's absolute form "ri=T"
 * is written ahead in the journal with the RunInstances of the provision (aws.c); a
 * repeat (a resend after a lost answer, or a resume after a crash) first reads C again
 * and buys only T - C: a purchase that went through is seen as held (payment-pending
 * counts) and is not bought twice.  The purchase itself is never retried blindly: on a
 * transport error the adapter reads C again and is done when C >= T.
 *
 * The upfront price of a purchase (its offering's fixedPrice x count) is reported to the
 * live loop at PREPARE (sc_live_call.upfront_usd), whose budget guardrail counts it
 * (guard.c).  Requests: EC2 Query API 2016-11-15 (names from the API reference; see
 * the .params files of tests/live/fixtures/aws).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cloudint.h"
#include "sculpt/json.h"
#include "sculpt/live.h"

#define EC2_VERSION "2016-11-15"

static int one_of(const char *v, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(v, *set) == 0)
            return 1;
    return 0;
}

sc_status sc_ri_read(const sc_scenario *sc, sc_ri_config *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->offering_class, sizeof out->offering_class, "standard");
    snprintf(out->offering_type, sizeof out->offering_type, "No Upfront");
    snprintf(out->product, sizeof out->product, "Linux/UNIX");
    snprintf(out->scope, sizeof out->scope, "Region");
    snprintf(out->zone, sizeof out->zone, "{region}a");
    snprintf(out->tenancy, sizeof out->tenancy, "default");
    cJSON *root = NULL;
    sc_status st = SC_OK;
    sc_json_ctx cx = {sc->path, err};
    const cJSON *r = NULL;
    static const char *const keys[] = {"buy", "offering_class", "offering_type", "product",
                                       "scope", "availability_zone", "tenancy", NULL};
    static const char *const classes[] = {"standard", "convertible", NULL};
    static const char *const types[] = {"No Upfront", "Partial Upfront", "All Upfront", NULL};
    static const char *const scopes[] = {"Region", "Availability Zone", NULL};
    static const char *const tenancies[] = {"default", "dedicated", NULL};
    const char *p = "$.live.reservations";
    if ((st = sc_live_subsection(sc, "reservations", &root, &r, err)) || !r)
        goto done;
    if ((st = sc_json_check_keys(&cx, r, p, keys)) ||
        (st = sc_json_get_bool(&cx, r, p, "buy", SC_JSON_OPTIONAL, 0, &out->buy)) ||
        (st = sc_json_get_string_buf(&cx, r, p, "offering_class", SC_JSON_OPTIONAL,
                                     out->offering_class, out->offering_class,
                                     sizeof out->offering_class)) ||
        (st = sc_json_get_string_buf(&cx, r, p, "offering_type", SC_JSON_OPTIONAL,
                                     out->offering_type, out->offering_type,
                                     sizeof out->offering_type)) ||
        (st = sc_json_get_string_buf(&cx, r, p, "product", SC_JSON_OPTIONAL, out->product,
                                     out->product, sizeof out->product)) ||
        (st = sc_json_get_string_buf(&cx, r, p, "scope", SC_JSON_OPTIONAL, out->scope,
                                     out->scope, sizeof out->scope)) ||
        (st = sc_json_get_string_buf(&cx, r, p, "availability_zone", SC_JSON_OPTIONAL,
                                     out->zone, out->zone, sizeof out->zone)) ||
        (st = sc_json_get_string_buf(&cx, r, p, "tenancy", SC_JSON_OPTIONAL, out->tenancy,
                                     out->tenancy, sizeof out->tenancy)))
        goto done;
    if (!one_of(out->offering_class, classes))
        st = sc_json_fail(&cx, SC_ERR_INPUT, p, "offering_class",
                          "expected standard or convertible, got '%s'", out->offering_class);
    else if (!one_of(out->offering_type, types))
        st = sc_json_fail(&cx, SC_ERR_INPUT, p, "offering_type",
                          "expected No Upfront, Partial Upfront or All Upfront, got '%s'",
                          out->offering_type);
    else if (!one_of(out->scope, scopes))
        st = sc_json_fail(&cx, SC_ERR_INPUT, p, "scope",
                          "expected Region or Availability Zone, got '%s'", out->scope);
    else if (!one_of(out->tenancy, tenancies))
        st = sc_json_fail(&cx, SC_ERR_INPUT, p, "tenancy", "expected default or dedicated, got '%s'",
                          out->tenancy);
    else if (!out->product[0])
        st = sc_json_fail(&cx, SC_ERR_INPUT, p, "product", "is empty");
done:
    cJSON_Delete(root);
    return st;
}

static int zonal(const sc_ri_config *c)
{
    return strcmp(c->scope, "Availability Zone") == 0;
}

/* The zone of region from the template ("{region}a"). */
static void zone_of(const sc_ri_config *c, const char *region, char *out, size_t cap)
{
    sc_cloud_expand(out, cap, c->zone, "", "", region);
}

sc_status sc_ri_held(const sc_aws_auth *auth, const sc_ri_config *c, const char *region,
                     const char *type, int *held, long *read_only, sc_error *err)
{
    char body[2048], zone[96];
    size_t len = 0;
    body[0] = '\0';
    *held = 0;
    sc_http_form_append(body, sizeof body, &len, "Action", "DescribeReservedInstances");
    sc_http_form_append(body, sizeof body, &len, "Version", EC2_VERSION);
    sc_http_form_append(body, sizeof body, &len, "Filter.1.Name", "instance-type");
    sc_http_form_append(body, sizeof body, &len, "Filter.1.Value.1", type);
    sc_http_form_append(body, sizeof body, &len, "Filter.2.Name", "state");
    sc_http_form_append(body, sizeof body, &len, "Filter.2.Value.1", "active");
    sc_http_form_append(body, sizeof body, &len, "Filter.2.Value.2", "payment-pending");
    sc_http_form_append(body, sizeof body, &len, "Filter.3.Name", "product-description");
    sc_http_form_append(body, sizeof body, &len, "Filter.3.Value.1", c->product);
    sc_http_form_append(body, sizeof body, &len, "Filter.4.Name", "scope");
    sc_http_form_append(body, sizeof body, &len, "Filter.4.Value.1", c->scope);
    if (zonal(c)) {
        zone_of(c, region, zone, sizeof zone);
        sc_http_form_append(body, sizeof body, &len, "Filter.5.Name", "availability-zone");
        sc_http_form_append(body, sizeof body, &len, "Filter.5.Value.1", zone);
    }
    sc_xml_leaf *lv;
    size_t n;
    sc_status st = sc_aws_query_xml(auth, "ec2", region, body, 1, &lv, &n, err);
    (*read_only)++;
    if (st)
        return st;
    /* per item: its count, kept when its state and type are the ones asked for (a server
     * that ignores a filter does not inflate the count) */
    uint32_t cur = 0;
    int count = 0, ok_state = 0, ok_type = 0;
    for (size_t i = 0; i <= n; i++) {
        uint32_t id = i < n ? sc_xml_element_id(&lv[i], "reservedInstancesSet/item") : 0;
        if (cur && id != cur) {
            if (ok_state && ok_type)
                *held += count;
            cur = 0;
        }
        if (i == n)
            break;
        if (!id)
            continue;
        if (!cur) {
            cur = id;
            count = ok_state = ok_type = 0;
        }
        const char *p = lv[i].path, *t = lv[i].text;
        if (sc_xml_path_ends(p, "reservedInstancesSet/item/instanceCount"))
            count = atoi(t);
        else if (sc_xml_path_ends(p, "reservedInstancesSet/item/state"))
            ok_state = strcmp(t, "active") == 0 || strcmp(t, "payment-pending") == 0;
        else if (sc_xml_path_ends(p, "reservedInstancesSet/item/instanceType"))
            ok_type = strcmp(t, type) == 0;
    }
    sc_xml_leaves_free(lv, n);
    return SC_OK;
}

typedef struct offering {
    char id[128];
    char type[64], cls[16], otype[24], product[64], scope[24];
    int64_t duration_s;
    double fixed, usage, recurring;
    int market;
} offering;

sc_status sc_ri_offering(const sc_aws_auth *auth, const sc_ri_config *c, const char *region,
                         const char *type, int64_t duration_s, char *id, size_t id_cap,
                         double *fixed_usd, long *read_only, sc_error *err)
{
    char next[1024] = "", dur[32], zone[96];
    snprintf(dur, sizeof dur, "%" PRId64, duration_s);
    double best_total = INFINITY;
    id[0] = '\0';
    *fixed_usd = 0;
    sc_status st = SC_OK;
    int pages = 0;
    do {
        char body[2048];
        size_t len = 0;
        body[0] = '\0';
        sc_http_form_append(body, sizeof body, &len, "Action",
                            "DescribeReservedInstancesOfferings");
        sc_http_form_append(body, sizeof body, &len, "Version", EC2_VERSION);
        sc_http_form_append(body, sizeof body, &len, "InstanceType", type);
        sc_http_form_append(body, sizeof body, &len, "ProductDescription", c->product);
        sc_http_form_append(body, sizeof body, &len, "OfferingClass", c->offering_class);
        sc_http_form_append(body, sizeof body, &len, "OfferingType", c->offering_type);
        sc_http_form_append(body, sizeof body, &len, "InstanceTenancy", c->tenancy);
        sc_http_form_append(body, sizeof body, &len, "MinDuration", dur);
        sc_http_form_append(body, sizeof body, &len, "MaxDuration", dur);
        sc_http_form_append(body, sizeof body, &len, "IncludeMarketplace", "false");
        if (zonal(c)) {
            zone_of(c, region, zone, sizeof zone);
            sc_http_form_append(body, sizeof body, &len, "AvailabilityZone", zone);
        } else {
            sc_http_form_append(body, sizeof body, &len, "Filter.1.Name", "scope");
            sc_http_form_append(body, sizeof body, &len, "Filter.1.Value.1", "Region");
        }
        sc_http_form_append(body, sizeof body, &len, "MaxResults", "100");
        if (next[0])
            sc_http_form_append(body, sizeof body, &len, "NextToken", next);
        sc_xml_leaf *lv;
        size_t n;
        st = sc_aws_query_xml(auth, "ec2", region, body, 1, &lv, &n, err);
        (*read_only)++;
        if (st)
            return st;
        char prev[sizeof next];
        memcpy(prev, next, sizeof next);
        next[0] = '\0';
        offering o;
        uint32_t cur = 0;
        for (size_t i = 0; i <= n; i++) {
            uint32_t eid =
                i < n ? sc_xml_element_id(&lv[i], "reservedInstancesOfferingsSet/item") : 0;
            if (cur && eid != cur) {
                /* the offering as asked for, whatever filters the server honoured */
                int fits = o.id[0] && strcmp(o.type, type) == 0 && o.duration_s == duration_s &&
                           strcmp(o.cls, c->offering_class) == 0 &&
                           strcmp(o.otype, c->offering_type) == 0 &&
                           strcmp(o.product, c->product) == 0 && !o.market &&
                           (!o.scope[0] || strcmp(o.scope, c->scope) == 0);
                double total = o.fixed + (o.usage + o.recurring) * (double)duration_s / 3600.0;
                if (fits && (total < best_total ||
                             (total == best_total && strcmp(o.id, id) < 0))) {
                    best_total = total;
                    snprintf(id, id_cap, "%s", o.id);
                    *fixed_usd = o.fixed;
                }
                cur = 0;
            }
            if (i == n)
                break;
            const char *p = lv[i].path, *t = lv[i].text;
            if (!eid) {
                if (sc_xml_path_ends(p, "DescribeReservedInstancesOfferingsResponse/nextToken"))
                    snprintf(next, sizeof next, "%s", t);
                continue;
            }
            if (!cur) {
                memset(&o, 0, sizeof o);
                cur = eid;
            }
            static const char item[] = "reservedInstancesOfferingsSet/item/";
            const char *base = strstr(p, item);
            const char *leaf = base ? base + sizeof item - 1 : NULL;
            if (leaf && strcmp(leaf, "recurringCharges/item/amount") == 0) {
                o.recurring += strtod(t, NULL); /* Frequency Hourly, the only one */
                continue;
            }
            if (!leaf || strchr(leaf, '/'))
                continue; /* deeper (pricingDetailsSet, ...) */
            if (strcmp(leaf, "reservedInstancesOfferingId") == 0)
                snprintf(o.id, sizeof o.id, "%s", t);
            else if (strcmp(leaf, "instanceType") == 0)
                snprintf(o.type, sizeof o.type, "%s", t);
            else if (strcmp(leaf, "offeringClass") == 0)
                snprintf(o.cls, sizeof o.cls, "%s", t);
            else if (strcmp(leaf, "offeringType") == 0)
                snprintf(o.otype, sizeof o.otype, "%s", t);
            else if (strcmp(leaf, "productDescription") == 0)
                snprintf(o.product, sizeof o.product, "%s", t);
            else if (strcmp(leaf, "scope") == 0)
                snprintf(o.scope, sizeof o.scope, "%s", t);
            else if (strcmp(leaf, "duration") == 0)
                o.duration_s = strtoll(t, NULL, 10);
            else if (strcmp(leaf, "fixedPrice") == 0)
                o.fixed = strtod(t, NULL);
            else if (strcmp(leaf, "usagePrice") == 0)
                o.usage = strtod(t, NULL);
            else if (strcmp(leaf, "marketplace") == 0)
                o.market = strcmp(t, "true") == 0;
        }
        sc_xml_leaves_free(lv, n);
        if (next[0] && (strcmp(next, prev) == 0 || ++pages > 100))
            return sc_error_set(err, SC_ERR_IO, region,
                                "DescribeReservedInstancesOfferings kept answering pages "
                                "(NextToken '%s')",
                                next);
    } while (next[0]);
    if (!id[0])
        return sc_error_set(err, SC_ERR_INPUT, region,
                            "no Reserved Instance offering for %s in %s (%s, %s, %s, %s "
                            "tenancy, %" PRId64 " s term, scope %s): check "
                            "$.live.reservations and the region's reserved_term",
                            type, region, c->offering_class, c->offering_type, c->product,
                            c->tenancy, duration_s, c->scope);
    return SC_OK;
}

sc_status sc_ri_purchase(const sc_aws_auth *auth, const char *region, const char *offering_id,
                         int count, char *ri_id, size_t ri_cap, long *mutating, sc_error *err)
{
    char body[1024], num[32];
    size_t len = 0;
    body[0] = '\0';
    snprintf(num, sizeof num, "%d", count);
    sc_http_form_append(body, sizeof body, &len, "Action", "PurchaseReservedInstancesOffering");
    sc_http_form_append(body, sizeof body, &len, "Version", EC2_VERSION);
    sc_http_form_append(body, sizeof body, &len, "ReservedInstancesOfferingId", offering_id);
    sc_http_form_append(body, sizeof body, &len, "InstanceCount", num);
    sc_xml_leaf *lv;
    size_t n;
    /* not idempotent: never resent blindly (the caller reads the RIs held instead) */
    sc_status st = sc_aws_query_xml(auth, "ec2", region, body, 0, &lv, &n, err);
    (*mutating)++;
    if (st)
        return st;
    ri_id[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (sc_xml_path_ends(lv[i].path,
                             "PurchaseReservedInstancesOfferingResponse/reservedInstancesId"))
            snprintf(ri_id, ri_cap, "%s", lv[i].text);
    sc_xml_leaves_free(lv, n);
    if (!ri_id[0])
        return sc_error_set(err, SC_ERR_IO, region,
                            "PurchaseReservedInstancesOffering answered without a "
                            "reservedInstancesId");
    return SC_OK;
}
