/*
 * ec2.c - the EC2 instances of the AWS adapter's reserved pools (aws.c).
 *
 * A reserved pool of (app, region) is a set of plain EC2 instances (a reservation is a
 * billing construct: the instances it covers are ordinary on-demand instances of the
 * reserved type in the region) tagged "sculpt-pool" = the group name of (app, region).
 * Calls (EC2 Query API, version 2016-11-15, POST form bodies to ec2.REGION.amazonaws.com
 * or the --endpoint URL; SigV4 scope REGION/ec2):
 *   DescribeInstances   Filter.1 tag:sculpt-pool = the pools of the region, Filter.2
 *                       instance-state-name = pending | running | shutting-down,
 *                       MaxResults 1000, NextToken while the answer has one.  One call
 *                       per region and page; read-only, retried.  Answer leaves:
 *                       reservationSet/item/instancesSet/item/{instanceId, instanceState/
 *                       name, tagSet/item/{key, value}} (instanceId opens an instance).
 *   RunInstances        ImageId, InstanceType, MinCount = MaxCount = n (all or nothing),
 *                       ClientToken, TagSpecification.1.{ResourceType=instance, Tag.1.Key=
 *                       sculpt-pool, Tag.1.Value=the pool}.  Retried: EC2 answers a repeated
 *                       ClientToken with the first call's result and launches nothing
 *                       ("Ensuring idempotency in Amazon EC2 API requests"), so the token,
 *                       written ahead in the journal, makes a resent call after a crash or a
 *                       lost answer launch once.
 *   TerminateInstances  InstanceId.N.  Idempotent by default (the same reference).
 * Secrets: the credentials go to libcurl only (sc_aws_query).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudint.h"

#define EC2_VERSION "2016-11-15"

/* Index of pool name t in pools[n], -1 = none. */
static int pool_index(const char *const *pools, size_t n, const char *t)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(pools[i], t) == 0)
            return (int)i;
    return -1;
}

static int state_code(const char *name)
{
    if (strcmp(name, "pending") == 0)
        return SC_EC2_PENDING;
    if (strcmp(name, "running") == 0)
        return SC_EC2_RUNNING;
    if (strcmp(name, "shutting-down") == 0)
        return SC_EC2_SHUTTING_DOWN;
    return -1; /* stopping, stopped, terminated: not in a pool */
}

static sc_status push(sc_ec2_instance **list, size_t *n, size_t *cap,
                      const sc_ec2_instance *x, sc_error *err)
{
    if (*n == *cap) {
        size_t c2 = *cap ? 2 * *cap : 16;
        sc_ec2_instance *g = realloc(*list, c2 * sizeof *g);
        if (!g)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        *list = g;
        *cap = c2;
    }
    (*list)[(*n)++] = *x;
    return SC_OK;
}

/* Append the instances of one DescribeInstances answer to *list (those of the pools
 * asked for, in a state counted); *next gets the nextToken ("" = last page).  The
 * leaves of one instance are told apart by their instancesSet/item element, not by
 * their order (moto sorts an item's children by name: instanceId is not first). */
static sc_status parse_page(const sc_xml_leaf *lv, size_t nl, const char *const *pools,
                            size_t n_pools, sc_ec2_instance **list, size_t *n, size_t *cap,
                            char *next, size_t ncap, sc_error *err)
{
    sc_status st = SC_OK;
    next[0] = '\0';
    sc_ec2_instance cur;
    uint32_t cur_id = 0, tag_id = 0;
    char key[128] = "", val[256] = "";
    for (size_t i = 0; i <= nl && !st; i++) {
        uint32_t id = i < nl ? sc_xml_element_id(&lv[i], "instancesSet/item") : 0;
        if (cur_id && id != cur_id) {
            if (cur.pool >= 0 && cur.state >= 0 && cur.id[0])
                st = push(list, n, cap, &cur, err);
            cur_id = 0;
        }
        if (i == nl || st)
            break;
        const char *p = lv[i].path, *t = lv[i].text;
        if (!id) {
            if (sc_xml_path_ends(p, "DescribeInstancesResponse/nextToken"))
                snprintf(next, ncap, "%s", t);
            continue;
        }
        if (!cur_id) {
            memset(&cur, 0, sizeof cur);
            cur.pool = -1;
            cur.state = -1;
            cur_id = id;
            tag_id = 0;
        }
        if (sc_xml_path_ends(p, "instancesSet/item/instanceId")) {
            snprintf(cur.id, sizeof cur.id, "%s", t);
        } else if (sc_xml_path_ends(p, "instancesSet/item/instanceState/name")) {
            cur.state = state_code(t);
        } else if (sc_xml_path_ends(p, "instancesSet/item/tagSet/item/key") ||
                   sc_xml_path_ends(p, "instancesSet/item/tagSet/item/value")) {
            uint32_t tid = sc_xml_element_id(&lv[i], "tagSet/item");
            if (tid != tag_id) {
                tag_id = tid;
                key[0] = val[0] = '\0';
            }
            if (sc_xml_path_ends(p, "key"))
                snprintf(key, sizeof key, "%s", t);
            else
                snprintf(val, sizeof val, "%s", t);
            if (strcmp(key, SC_EC2_POOL_TAG) == 0 && val[0])
                cur.pool = pool_index(pools, n_pools, val);
        }
    }
    return st;
}

sc_status sc_ec2_describe(const sc_aws_auth *auth, const char *region, const char *const *pools,
                          size_t n_pools, sc_ec2_instance **out, size_t *n_out, long *read_only,
                          sc_error *err)
{
    *out = NULL;
    *n_out = 0;
    size_t cap = 0;
    char next[1024] = "";
    sc_status st = SC_OK;
    do {
        size_t blen = 1024 + n_pools * 300, len = 0;
        char *body = malloc(blen);
        if (!body) {
            st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        body[0] = '\0';
        sc_http_form_append(body, blen, &len, "Action", "DescribeInstances");
        sc_http_form_append(body, blen, &len, "Version", EC2_VERSION);
        sc_http_form_append(body, blen, &len, "Filter.1.Name", "tag:" SC_EC2_POOL_TAG);
        for (size_t i = 0; i < n_pools; i++) {
            char k[64];
            snprintf(k, sizeof k, "Filter.1.Value.%zu", i + 1);
            sc_http_form_append(body, blen, &len, k, pools[i]);
        }
        sc_http_form_append(body, blen, &len, "Filter.2.Name", "instance-state-name");
        sc_http_form_append(body, blen, &len, "Filter.2.Value.1", "pending");
        sc_http_form_append(body, blen, &len, "Filter.2.Value.2", "running");
        sc_http_form_append(body, blen, &len, "Filter.2.Value.3", "shutting-down");
        sc_http_form_append(body, blen, &len, "MaxResults", "1000");
        if (next[0])
            sc_http_form_append(body, blen, &len, "NextToken", next);
        sc_xml_leaf *lv;
        size_t nl;
        st = sc_aws_query_xml(auth, "ec2", region, body, 1, &lv, &nl, err);
        free(body);
        (*read_only)++;
        if (st)
            break;
        char prev[sizeof next];
        memcpy(prev, next, sizeof next);
        st = parse_page(lv, nl, pools, n_pools, out, n_out, &cap, next, sizeof next, err);
        sc_xml_leaves_free(lv, nl);
        if (!st && next[0] && strcmp(next, prev) == 0)
            st = sc_error_set(err, SC_ERR_IO, region,
                              "DescribeInstances answered the same NextToken twice");
    } while (!st && next[0]);
    if (st) {
        free(*out);
        *out = NULL;
        *n_out = 0;
    }
    return st;
}

sc_status sc_ec2_run(const sc_aws_auth *auth, const char *region, const char *pool,
                     const char *image, const char *type, int count, const char *token,
                     int *launched, long *mutating, sc_error *err)
{
    char body[2048], num[32];
    size_t len = 0;
    body[0] = '\0';
    snprintf(num, sizeof num, "%d", count);
    sc_http_form_append(body, sizeof body, &len, "Action", "RunInstances");
    sc_http_form_append(body, sizeof body, &len, "Version", EC2_VERSION);
    sc_http_form_append(body, sizeof body, &len, "ImageId", image);
    sc_http_form_append(body, sizeof body, &len, "InstanceType", type);
    sc_http_form_append(body, sizeof body, &len, "MinCount", num);
    sc_http_form_append(body, sizeof body, &len, "MaxCount", num);
    sc_http_form_append(body, sizeof body, &len, "ClientToken", token);
    sc_http_form_append(body, sizeof body, &len, "TagSpecification.1.ResourceType", "instance");
    sc_http_form_append(body, sizeof body, &len, "TagSpecification.1.Tag.1.Key", SC_EC2_POOL_TAG);
    sc_http_form_append(body, sizeof body, &len, "TagSpecification.1.Tag.1.Value", pool);
    sc_xml_leaf *lv;
    size_t n;
    sc_status st = sc_aws_query_xml(auth, "ec2", region, body, 1, &lv, &n, err);
    (*mutating)++;
    if (st)
        return st;
    *launched = 0;
    for (size_t i = 0; i < n; i++)
        if (sc_xml_path_ends(lv[i].path, "RunInstancesResponse/instancesSet/item/instanceId"))
            (*launched)++;
    sc_xml_leaves_free(lv, n);
    return SC_OK;
}

sc_status sc_ec2_terminate(const sc_aws_auth *auth, const char *region, const char *const *ids,
                           size_t n, long *mutating, sc_error *err)
{
    size_t blen = 256 + n * 64, len = 0;
    char *body = malloc(blen);
    if (!body)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    body[0] = '\0';
    sc_http_form_append(body, blen, &len, "Action", "TerminateInstances");
    sc_http_form_append(body, blen, &len, "Version", EC2_VERSION);
    for (size_t i = 0; i < n; i++) {
        char k[48];
        snprintf(k, sizeof k, "InstanceId.%zu", i + 1);
        sc_http_form_append(body, blen, &len, k, ids[i]);
    }
    sc_http_resp resp;
    sc_status st = sc_aws_query(auth, "ec2", region, body, 1, NULL, &resp, err);
    free(body);
    (*mutating)++;
    if (st)
        return st;
    sc_http_resp_cleanup(&resp);
    return SC_OK;
}

void sc_aws_client_token(const char *plan, const char *key, const char *pool, char *out)
{
    char text[1024];
    snprintf(text, sizeof text, "sculpt-ct|%s|%s|%s", plan, key, pool);
    sc_uuid_from(text, out);
}

/* Terminate order: pending before running (a booting instance serves nothing yet), then
 * the larger instance id first; a stable order, so the choice does not depend on the
 * order of the answer. */
static int victim_cmp(const void *x, const void *y)
{
    const sc_ec2_instance *a = x, *b = y;
    if (a->state != b->state)
        return a->state == SC_EC2_PENDING ? -1 : b->state == SC_EC2_PENDING ? 1 : 0;
    return -strcmp(a->id, b->id);
}

void sc_ec2_sort_victims(sc_ec2_instance *list, size_t n)
{
    qsort(list, n, sizeof *list, victim_cmp);
}
