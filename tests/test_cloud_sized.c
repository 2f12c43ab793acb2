/*
 * test_cloud_sized.c - what the Azure and GCP adapters share (core/cloud/cloudrest.h),
 * without a server: the absolute-size pools (sized.c) and the error answers (rest.c).
 *
 * Expected values by hand, on tests/live/azure.json (one app "web" of type
 * Standard_D2s_v5, regions eastus = 0 and westeurope = 1): pool (app 0, region 1, spot)
 * is slot (0 x 2 + 1) x 2 + 1 = 3 of size[];
 *  - a provision of 3 from a known size 5 targets 8; a deprovision of 6 from 4 targets 0
 *    (never below); an unknown size (-1) is read through the snapshot first, once;
 *  - results: 5 -> 8 for +3 accepts 3; 5 -> 7 for +3 (a target given by the journal)
 *    accepts 2; 2 -> 0 for -4 accepts 2 and is limited by 2; an unknown size before
 *    accepts the count asked;
 *  - the journal payload "capacity=N" is read back only under its own key ("size=7"
 *    is not a capacity: the target is computed again) and cleared once read; CALL
 *    hands it over, PREPARE writes 1 + 2 = "capacity=3";
 *  - the OAuth2 token endpoint's {"error", "error_description"} (RFC 6749 section 5.2)
 *    is read by the shared code, an {"error": {...}} object by the adapter's reader, and
 *    an answer that is not JSON gives "HTTP error" and no message.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sculpt/cloud.h"
#include "sculpt/live.h"
#include "sculpt/sculpt.h"

#include "../core/cloud/cloudrest.h"

#define AZJSON SC_SOURCE_DIR "/tests/live/azure.json"

static sc_scenario *sc;
static sc_sized z;
static int n_snapshots;
static int snapshot_size; /* what the fake cloud reports for every pool */

/* A snapshot as the adapters' are: it refreshes size[] of every pool. */
static sc_status fake_snapshot(void *state, sc_pool_state *out, size_t n, int since_last,
                               sc_error *err)
{
    (void)out;
    (void)n;
    (void)since_last;
    (void)err;
    sc_sized *s = state;
    n_snapshots++;
    for (size_t i = 0; i < 2 * sc->n_apps * sc->n_regions; i++)
        s->size[i] = snapshot_size;
    return SC_OK;
}

static void setup(void)
{
    cr_assert_eq(sc_global_init(), SC_OK);
    sc_error err;
    cr_assert_eq(sc_scenario_load(AZJSON, &sc, &err), SC_OK, "%s", err.msg);
    z = (sc_sized){.sc = sc, .who = "azure", .key = "capacity",
                   .manages = "the adapter manages MANAGED", .snapshot = fake_snapshot,
                   .state = &z};
    cr_assert_eq(sc_sized_alloc(&z, NULL, &err), SC_OK);
    n_snapshots = 0;
    snapshot_size = 4;
}

static void teardown(void)
{
    sc_sized_cleanup(&z);
    sc_scenario_free(sc);
}

TestSuite(sized, .init = setup, .fini = teardown);

static sc_action act_of(sc_action_kind kind, int region, sc_purchase option, int count)
{
    sc_action a = {.kind = kind, .app = 0, .region = region, .type = 0, .option = option,
                   .count = count, .to_region = -1, .to_type = -1};
    return a;
}

Test(sized, names_and_slots)
{
    cr_assert_str_eq(z.group[0], "sculpt-web-eastus");
    cr_assert_str_eq(z.group[1], "sculpt-web-westeurope");
    for (int i = 0; i < 4; i++)
        cr_assert_eq(z.size[i], -1, "every size unknown at first");
    sc_action a = act_of(SC_ACTION_PROVISION, 1, SC_PURCHASE_SPOT, 1);
    cr_assert_eq(sc_sized_slot(&z, &a), 3);
    a = act_of(SC_ACTION_PROVISION, 1, SC_PURCHASE_ONDEMAND, 1);
    cr_assert_eq(sc_sized_slot(&z, &a), 2);
    sc_sized_cleanup(&z);
    sc_error err;
    cr_assert_eq(sc_sized_alloc(&z, "g-{region}-{app}", &err), SC_OK);
    cr_assert_str_eq(z.group[1], "g-westeurope-web");
}

Test(sized, targets_from_known_and_unknown_sizes)
{
    sc_error err;
    int target;
    sc_action up = act_of(SC_ACTION_PROVISION, 0, SC_PURCHASE_ONDEMAND, 3);
    z.size[0] = 5;
    cr_assert_eq(sc_sized_target(&z, &up, &target, &err), SC_OK);
    cr_assert_eq(target, 8);
    cr_assert_eq(n_snapshots, 0, "a known size is not read again");
    sc_action down = act_of(SC_ACTION_DEPROVISION, 1, SC_PURCHASE_SPOT, 6);
    cr_assert_eq(sc_sized_target(&z, &down, &target, &err), SC_OK);
    cr_assert_eq(n_snapshots, 1, "an unknown size is read through the snapshot");
    cr_assert_eq(target, 0, "4 - 6 stops at 0");
}

Test(sized, payload_written_ahead_and_read_back)
{
    sc_error err;
    z.size[0] = 5;
    sc_action up = act_of(SC_ACTION_PROVISION, 0, SC_PURCHASE_ONDEMAND, 3);
    sc_live_call c = {.act = &up, .key = "k"};
    cr_assert_eq(sc_sized_prepare(&z, &c, &err), SC_OK);
    cr_assert_str_eq(c.payload, "capacity=8");
    sc_action w = {.kind = SC_ACTION_SET_WEIGHT, .app = 0, .geo = 0, .region = 1, .weight = 77,
                   .to_region = -1, .to_type = -1};
    sc_live_call cw = {.act = &w, .key = "k2"};
    cr_assert_eq(sc_sized_prepare(&z, &cw, &err), SC_OK);
    cr_assert_str_eq(cw.payload, "weight=77");

    /* the journal's target wins over the size now (a repeat after a crash) */
    char payload[SC_LIVE_PAYLOAD_MAX] = "capacity=7";
    int before, target;
    cr_assert_eq(sc_sized_begin(&z, &up, payload, &before, &target, &err), SC_OK);
    cr_assert_eq(target, 7);
    cr_assert_eq(before, 5);
    cr_assert_str_eq(payload, "", "the payload is used once");
    /* another adapter's key is not a capacity: computed again */
    snprintf(payload, sizeof payload, "size=7");
    cr_assert_eq(sc_sized_begin(&z, &up, payload, &before, &target, &err), SC_OK);
    cr_assert_eq(target, 8);
    cr_assert_str_eq(payload, "");
    /* unknown before: read, then the size it read is the size before */
    sc_action sp = act_of(SC_ACTION_PROVISION, 1, SC_PURCHASE_SPOT, 2);
    cr_assert_eq(sc_sized_begin(&z, &sp, payload, &before, &target, &err), SC_OK);
    cr_assert_eq(before, 4);
    cr_assert_eq(target, 6);
}

Test(sized, results_by_hand)
{
    sc_action up = act_of(SC_ACTION_PROVISION, 0, SC_PURCHASE_ONDEMAND, 3);
    sc_action_result r = {0};
    sc_sized_done(&z, &up, 5, 8, &r);
    cr_assert_eq(r.accepted, 3);
    cr_assert_eq(r.limited, 0);
    cr_assert_eq(z.size[0], 8, "the size set is remembered");
    memset(&r, 0, sizeof r);
    sc_sized_done(&z, &up, 5, 7, &r);
    cr_assert_eq(r.accepted, 2, "5 -> 7 moved 2 of the 3 asked");
    sc_action down = act_of(SC_ACTION_DEPROVISION, 1, SC_PURCHASE_SPOT, 4);
    memset(&r, 0, sizeof r);
    sc_sized_done(&z, &down, 2, 0, &r);
    cr_assert_eq(r.accepted, 2);
    cr_assert_eq(r.limited, 2, "2 of the 4 were not there to remove");
    cr_assert_eq(z.size[3], 0);
    memset(&r, 0, sizeof r);
    sc_sized_done(&z, &down, -1, 0, &r);
    cr_assert_eq(r.accepted, 4, "unknown before: the count asked");
    cr_assert_eq(r.limited, 0);
}

Test(sized, other_pools_refused)
{
    sc_error err;
    sc_action res = act_of(SC_ACTION_PROVISION, 0, SC_PURCHASE_RESERVED, 1);
    cr_assert_eq(sc_sized_check(&z, &res, &err), SC_ERR_INPUT);
    cr_assert_str_eq(err.where, "azure");
    cr_assert_str_eq(err.msg,
                     "pool web/eastus Standard_D2s_v5 reserved: the adapter manages MANAGED");
    sc_live_call c = {.act = &res, .key = "k"};
    cr_assert_eq(sc_sized_prepare(&z, &c, &err), SC_ERR_INPUT);
    cr_assert_str_eq(c.payload, "", "nothing written ahead for a refused call");
    sc_action ok = act_of(SC_ACTION_DEPROVISION, 1, SC_PURCHASE_SPOT, 1);
    cr_assert_eq(sc_sized_check(&z, &ok, &err), SC_OK);
}

Test(sized, ctrl_shared_by_both_adapters)
{
    sc_error err;
    char payload[SC_LIVE_PAYLOAD_MAX] = "";
    sc_action up = act_of(SC_ACTION_PROVISION, 0, SC_PURCHASE_ONDEMAND, 2);
    sc_live_call c = {.act = &up, .key = "k"};
    snprintf(c.payload, sizeof c.payload, "capacity=9");
    cr_assert_eq(sc_sized_ctrl(&z, NULL, payload, 0, 0, SC_PROVIDER_CTRL_CALL, &c, &err), SC_OK);
    cr_assert_str_eq(payload, "capacity=9", "CALL hands the journal's payload to apply");
    z.size[0] = 1;
    sc_live_call p = {.act = &up, .key = "k"};
    cr_assert_eq(sc_sized_ctrl(&z, NULL, payload, 0, 0, SC_PROVIDER_CTRL_PREPARE, &p, &err),
                 SC_OK);
    cr_assert_str_eq(p.payload, "capacity=3");
    int real = 0;
    cr_assert_eq(sc_sized_ctrl(&z, NULL, payload, 0, 0, SC_PROVIDER_CTRL_IS_REAL, &real, &err),
                 SC_OK);
    cr_assert_eq(real, 1);
    cr_assert_eq(sc_sized_ctrl(&z, NULL, payload, 0, 0, SC_PROVIDER_CTRL_REPLAYED, &c, &err),
                 SC_ERR_NOTFOUND, "what the adapter does not answer itself is not known");
}

/* ---- error answers --------------------------------------------------------------- */

static void obj_reader(const cJSON *e, char *code, size_t ccap, char *msg, size_t mcap)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    snprintf(code, ccap, "obj:%s", cJSON_IsString(c) ? c->valuestring : "?");
    snprintf(msg, mcap, "%s", cJSON_IsString(m) ? m->valuestring : "");
}

Test(rest, error_shapes)
{
    sc_rest api = {.error_obj = obj_reader};
    char code[64], msg[128];
    sc_rest_error(&api, "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215\"}",
                  code, sizeof code, msg, sizeof msg);
    cr_assert_str_eq(code, "invalid_client");
    cr_assert_str_eq(msg, "AADSTS7000215");
    sc_rest_error(&api, "{\"error\":{\"code\":\"OperationNotAllowed\",\"message\":\"quota\"}}",
                  code, sizeof code, msg, sizeof msg);
    cr_assert_str_eq(code, "obj:OperationNotAllowed");
    cr_assert_str_eq(msg, "quota");
    sc_rest_error(&api, "<html>502 Bad Gateway</html>", code, sizeof code, msg, sizeof msg);
    cr_assert_str_eq(code, "HTTP error");
    cr_assert_str_eq(msg, "");
    sc_rest_error(&api, "{\"error\":\"invalid_client\"}", code, 4, msg, sizeof msg);
    cr_assert_str_eq(code, "inv", "bounded by its buffer");
    cr_assert_str_eq(msg, "");
}
