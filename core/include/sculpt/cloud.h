/*
 * cloud.h - live provider adapters (core/cloud/): the clouds behind the provider
 * interface (provider.h), for `sculpt live`.
 *
 * Built: "aws" (aws.c): one Auto Scaling group per (app, region), named from the live
 * section's template (default "sculpt-{app}-{region}"); the on-demand pool of (app,
 * region) is the group's desired capacity.  Calls: DescribeAutoScalingGroups (snapshot,
 * one call per region), SetDesiredCapacity (apply: the absolute target is written ahead
 * in the journal, SC_PROVIDER_CTRL_PREPARE, so a repeat after a crash sends the same
 * value), and with bootstrap EC2 CreateLaunchTemplate + CreateAutoScalingGroup for the
 * groups that are missing.  SigV4 by libcurl with the region and service in the scope;
 * credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY [/ AWS_SESSION_TOKEN] or
 * the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials,
 * profile AWS_PROFILE or "default").  The spot pool of (app, region) is the part of
 * the same group above the on-demand base of its mixed-instances policy (one
 * UpdateAutoScalingGroup sets desired capacity and base, written ahead as
 * "desired=N,od=M").  Reserved pools (EC2 RunInstances) and CloudWatch are later work.
 * "terraform" (terraform.c): the declared capacities as Terraform JSON; each plan revision
 * (a decision or a due action that changed a count) is written to OUT_DIR/plan-<loop time
 * ms>.tf.json (atomically) and, with execute, the live section's apply_command is run
 * on it (`sh -c 'CMD "$1"' sculpt FILE`; a non-zero exit stops the loop).  Its pools start
 * at the scenario's initial allocation.  It changes no state by itself, so a dry run
 * still writes the revisions (the reviewable plan) but runs no command.
 * "azure" (azure.c): a scale set per (app, region) ("-spot" suffix for the spot pool),
 * sku.capacity through Resource Manager (api-version 2024-07-01, async operations
 * followed), routing weights on Traffic Manager endpoints; client-credentials token from
 * AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET; $.live.azure names the
 * subscription and resource group.
 * "gcp" (gcp.c): a regional managed instance group per (app, region) ("-spot" for the
 * spot pool), resized with a stable requestId (a UUID from the journal key, pool and
 * size) and its operation followed; routing weights as backend-service capacity
 * scalers; the token from a service-account JWT (RS256, jwt.c) named by
 * GOOGLE_APPLICATION_CREDENTIALS; $.live.gcp names the project and backend service.
 */
#ifndef SCULPT_CLOUD_H
#define SCULPT_CLOUD_H

#include "sculpt/export.h"

#include <stdint.h>

#include "sculpt/provider.h"
#include "sculpt/scenario.h"
#include "sculpt/time.h"

SC_BEGIN_DECLS

/* The config every cloud adapter's init takes (sc_provider_alloc's config). */
typedef struct sc_cloud_config {
    const sc_scenario *sc;      /* borrowed */
    const char *endpoint;       /* replaces every service endpoint; NULL = the real ones */
    const char *group_name;     /* template with {app} and {region}; NULL = default */
    int bootstrap;              /* create missing groups at init (needs allow below or a
                                   loopback endpoint) */
    int allow_remote_bootstrap; /* $.live.allow_remote_bootstrap */
    const char *image_id;       /* launch template image; NULL = "ami-12c6146b" */
    int max_attempts;           /* retries: attempts per idempotent call (0 = 5) */
    int64_t backoff_base_ms;    /* first backoff bound (0 = 200 ms) */
    int64_t backoff_cap_ms;     /* truncation (0 = 20 s) */
    uint64_t seed;              /* jitter stream (0 = the scenario's seed) */
    /* terraform */
    const char *out_dir;        /* where revisions go (required) */
    const char *apply_command;  /* run on each revision with execute; NULL = none */
    int execute;                /* the loop's --execute */
} sc_cloud_config;

/* A revision boundary (the loop calls ctrl SC_PROVIDER_CTRL_REVISION after each
 * decision and each batch of due actions; arg: const sc_cloud_revision *). */
typedef struct sc_cloud_revision {
    sc_time_ms t;               /* loop time */
    int replaying;              /* the journal records this revision as applied: write
                                   the file again, run nothing */
    int written;                /* out: 1 when the revision was applied (its command
                                   ran and succeeded): the loop journals it */
} sc_cloud_revision;
#define SC_PROVIDER_CTRL_REVISION 0x4c11

/* Terraform JSON (.tf.json) for the groups of every (app, region) of sc holding
 * counts[(app * n_regions + region) * SC_PURCHASE_COUNT + option] instances: per region a
 * provider "aws" alias, per (app, region) an aws_launch_template and an
 * aws_autoscaling_group (min/max from the app, desired = the sum, a mixed-instances
 * split: on-demand base = on-demand + reserved, the rest spot).  Group names from
 * group_tmpl ({app}, {region}; NULL = "sculpt-{app}-{region}").  *out is freed by the
 * caller with free(). */
sc_status sc_terraform_render(const sc_scenario *sc, const char *group_tmpl, const int *counts,
                              char **out, sc_error *err);

/* Counters of an adapter instance (ctrl op SC_PROVIDER_CTRL_CLOUD_STATS, arg
 * sc_cloud_stats *). */
typedef struct sc_cloud_stats {
    long requests;              /* HTTP requests sent, retries included */
    long mutating, read_only;   /* API calls by kind (one per logical call) */
    long retries, throttles;
} sc_cloud_stats;
#define SC_PROVIDER_CTRL_CLOUD_STATS 0x4c10

extern const sc_provider_type sc_aws_provider_type;
extern const sc_provider_type sc_terraform_provider_type;
extern const sc_provider_type sc_azure_provider_type;
extern const sc_provider_type sc_gcp_provider_type;

SC_END_DECLS

#endif
