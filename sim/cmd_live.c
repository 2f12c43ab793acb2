/*
 * cmd_live.c - `sculpt live`: run a scenario's policy on a clock against a provider,
 * with a write-ahead journal and guardrails (the loop: sim/live.c, live.h).
 *
 *   sculpt live SCENARIO.json --provider mock|aws|azure|gcp|terraform
 *               [--policy LABEL] [--endpoint URL]
 *               [--metrics replay|store:PATH|prometheus:URL|cloudwatch]
 *               [--execute] [--bootstrap] [--journal PATH] [--out DIR]
 *               [--clock wall|fast:N] [--until DURATION] [--json]
 *
 * Built in this version: providers mock (shadow mode), aws (core/cloud/aws.c, with
 * route53.c), azure (core/cloud/azure.c), gcp (core/cloud/gcp.c) and terraform
 * (core/cloud/terraform.c),
 * metrics replay, store:PATH, prometheus:URL and cloudwatch (core/live/prom.c, metrics.c,
 * core/cloud/cloudwatch.c); --store
 * PATH appends every observation to an HDF5 store; with --provider mock and --out DIR
 * the shadow report DIR/shadow.csv (planned capacity vs observed load, `sculpt report`).
 * The other providers and sources are known by name and reported as not built.
 * stdout: each decision's plan, or with --json only the summary object at the end;
 * progress and errors go to stderr.  Exit codes: 0 ok, 1 runtime failure (or a back end
 * not built), 2 bad input or usage (a clairvoyant policy included), 3 I/O error.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "sculpt/cloud.h"
#include "sculpt/live.h"
#include "sculpt/policy.h"
#include "sculpt/scenario.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt live SCENARIO.json --provider mock|aws|azure|gcp|terraform\n"
            "                   [--policy LABEL] [--endpoint URL]\n"
            "                   [--metrics replay|store:PATH|prometheus:URL|cloudwatch]\n"
            "                   [--execute] [--bootstrap] [--journal PATH] [--out DIR]\n"
            "                   [--clock wall|fast:N] [--until DURATION] [--json]\n"
            "                   [--store PATH]\n"
            "\n"
            "Run a scenario's policy as a live loop: observe one step at a time, decide,\n"
            "journal the plan (write-ahead, fsync) and, with --execute, apply it through\n"
            "the provider under the scenario's guardrails ($.live.guardrails).  Without\n"
            "--execute nothing that changes real state is called (dry run); the mock\n"
            "provider is a shadow cloud that records what would have been done.  Rerun\n"
            "with the same --journal to resume after a crash: recorded calls are not\n"
            "repeated and calls in flight are repeated with the same idempotency key.\n"
            "\n"
            "  --provider NAME   mock (shadow cloud), aws (Auto Scaling groups: on-demand\n"
            "                    and spot pools; Route 53 weights, $.live.route53), azure\n"
            "                    (scale sets, Traffic Manager weights, $.live.azure),\n"
            "                    gcp (managed instance groups, backend capacity scalers,\n"
            "                    $.live.gcp), terraform (a .tf.json per plan revision in\n"
            "                    --out, $.live.apply_command run on each with --execute)\n"
            "  --endpoint URL    replaces every service endpoint (https, or http to a\n"
            "                    loopback host); the region stays in the SigV4 scope\n"
            "  --execute         make the mutating calls (default: dry run)\n"
            "  --bootstrap       create the missing groups (with --execute; loopback\n"
            "                    endpoints only unless $.live.allow_remote_bootstrap)\n"
            "  --policy LABEL    the scenario policy to run (default: $.live.policy, else\n"
            "                    the first that is not clairvoyant; clairvoyant: exit 2)\n"
            "  --metrics SRC     replay (default: the scenario's traces, one step at a\n"
            "                    time), store:PATH (a store of observations written by\n"
            "                    --store, else every trace from that HDF5 store), or\n"
            "                    prometheus:URL (query_range per app and geography:\n"
            "                    $.live.metrics.prometheus.load, .latency, .errors), or\n"
            "                    cloudwatch (GetMetricData; $.live.metrics.cloudwatch,\n"
            "                    its endpoint replaced by --endpoint)\n"
            "  --store PATH      append every observation to this HDF5 store (default:\n"
            "                    $.live.metrics.store), replayable with store:PATH\n"
            "  --journal PATH    the journal (default DIR/journal with --out, else\n"
            "                    ./sculpt-live-<scenario>.journal)\n"
            "  --out DIR         output directory (created); with --provider mock also\n"
            "                    DIR/shadow.csv, the shadow report (`sculpt report DIR`)\n"
            "  --clock C         wall (default) or fast:N (N times faster)\n"
            "  --until DUR       stop at loop time origin + DUR (origin: the journal's,\n"
            "                    the scenario start on a new journal)\n"
            "  --json            print only the summary object on stdout\n"
            "  -h, --help        this help\n");
}

static int fail_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "sculpt: error: %s%s%s [ERR_USAGE]\n", msg, arg ? ": " : "",
            arg ? arg : "");
    return 2;
}

/* The policy to run: --policy, else $.live.policy, else the first non-clairvoyant. */
static sc_status pick_policy(const sc_scenario *sc, const char *label, const char *section,
                             const sc_policy_spec **out, sc_error *err)
{
    const char *want = label ? label : (section && section[0] ? section : NULL);
    if (want) {
        for (size_t i = 0; i < sc->n_policies; i++)
            if (strcmp(sc->policies[i].label, want) == 0) {
                *out = &sc->policies[i];
                return SC_OK;
            }
        char list[512] = "";
        for (size_t i = 0; i < sc->n_policies; i++) {
            strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
            strncat(list, sc->policies[i].label, sizeof list - strlen(list) - 1);
        }
        return sc_error_set(err, SC_ERR_INPUT, label ? "--policy" : sc->path,
                            "no policy labelled '%s' in the scenario%s (labels: %s)", want,
                            label ? "" : " ($.live.policy)", list);
    }
    for (size_t i = 0; i < sc->n_policies; i++) {
        const sc_policy_type *pt;
        if (sc_policy_find(sc->policies[i].name, &pt, NULL) == SC_OK && !pt->clairvoyant) {
            *out = &sc->policies[i];
            return SC_OK;
        }
    }
    return sc_error_set(err, SC_ERR_INPUT, sc->path,
                        "every policy of the scenario is clairvoyant; live mode needs one "
                        "that reads the past only");
}

int sc_cmd_live(int argc, char **argv)
{
    static const struct option opts[] = {
        {"provider", required_argument, 0, 'p'}, {"policy", required_argument, 0, 'P'},
        {"endpoint", required_argument, 0, 'e'}, {"metrics", required_argument, 0, 'm'},
        {"execute", no_argument, 0, 'x'},        {"bootstrap", no_argument, 0, 'b'},
        {"journal", required_argument, 0, 'j'},  {"out", required_argument, 0, 'o'},
        {"clock", required_argument, 0, 'c'},    {"until", required_argument, 0, 'u'},
        {"json", no_argument, 0, 'J'},           {"help", no_argument, 0, 'h'},
        {"store", required_argument, 0, 's'},
        {0, 0, 0, 0}};
    const char *provider = NULL, *policy = NULL, *endpoint = NULL, *metrics = "replay";
    const char *journal = NULL, *outdir = NULL, *clock_s = "wall", *until_s = NULL;
    const char *store = NULL;
    int execute = 0, bootstrap = 0, json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': provider = optarg; break;
        case 'P': policy = optarg; break;
        case 'e': endpoint = optarg; break;
        case 'm': metrics = optarg; break;
        case 'x': execute = 1; break;
        case 'b': bootstrap = 1; break;
        case 'j': journal = optarg; break;
        case 'o': outdir = optarg; break;
        case 'c': clock_s = optarg; break;
        case 'u': until_s = optarg; break;
        case 'J': json = 1; break;
        case 's': store = optarg; break;
        case 'h': usage(stdout); return 0;
        default:
            usage(stderr);
            return fail_usage("unknown option or missing argument", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return fail_usage("expected exactly one SCENARIO.json", NULL);
    }
    if (!provider)
        return fail_usage("--provider is required (mock, aws, azure, gcp, terraform)", NULL);
    sc_error err;
    sc_error_clear(&err);
    double speed = 1.0;
    if (sc_live_clock_parse(clock_s, &speed, &err))
        return sc_cli_fail(&err);
    int64_t until_ms = 0;
    if (until_s && (sc_duration_parse(until_s, &until_ms) != SC_OK || until_ms <= 0))
        return fail_usage("--until expects a positive duration such as 6h or 2d", until_s);
    const sc_provider_type *prt;
    if (sc_provider_find(provider, &prt, &err)) {
        snprintf(err.where, sizeof err.where, "--provider");
        return sc_cli_fail(&err);
    }
    if (strcmp(provider, "terraform") == 0 && bootstrap)
        return fail_usage("--bootstrap applies to the cloud providers (aws, azure, gcp)", NULL);
    if (strcmp(provider, "mock") == 0 && bootstrap)
        return fail_usage("--bootstrap applies to cloud providers, not the mock", NULL);
    if (strcmp(provider, "mock") == 0 && endpoint && strcmp(metrics, "cloudwatch") != 0)
        return fail_usage("--endpoint applies to cloud providers (and to --metrics "
                          "cloudwatch), not the mock",
                          NULL);
    if (bootstrap && !execute)
        return fail_usage("--bootstrap creates groups, a mutating call: it needs --execute",
                          NULL);

    sc_scenario *sc = NULL;
    if (sc_scenario_load(argv[optind], &sc, &err))
        return sc_cli_fail(&err);
    int rc = 0;
    sc_live_section sec;
    memset(&sec, 0, sizeof sec);
    const sc_policy_spec *spec = NULL;
    if (sc_live_section_read(sc, &sec, &err) ||
        pick_policy(sc, policy, sec.policy, &spec, &err)) {
        rc = sc_cli_fail(&err);
        goto done;
    }
    char jpath[1200];
    if (outdir) { /* mkdir -p */
        char d[1024];
        snprintf(d, sizeof d, "%s", outdir);
        for (char *p = d + 1;; p++) {
            if (*p != '/' && *p != '\0')
                continue;
            char keep = *p;
            *p = '\0';
            struct stat stt;
            if (mkdir(d, 0777) != 0 && (stat(d, &stt) != 0 || !S_ISDIR(stt.st_mode))) {
                sc_error_set(&err, SC_ERR_IO, d, "cannot create the output directory");
                rc = sc_cli_fail(&err);
                goto done;
            }
            *p = keep;
            if (!keep)
                break;
        }
    }
    if (journal)
        snprintf(jpath, sizeof jpath, "%s", journal);
    else if (outdir)
        snprintf(jpath, sizeof jpath, "%s/journal", outdir);
    else
        snprintf(jpath, sizeof jpath, "sculpt-live-%s.journal", sc->name);
    sc_cloud_config cc = {.sc = sc,
                          .endpoint = endpoint,
                          .group_name = sec.group_name,
                          .bootstrap = bootstrap,
                          .allow_remote_bootstrap = sec.allow_remote_bootstrap,
                          .out_dir = outdir,
                          .apply_command = sec.apply_command[0] ? sec.apply_command : NULL,
                          .execute = execute};
    sc_live_config cfg = {.sc = sc,
                          .provider_config = &cc,
                          .policy = spec,
                          .metrics = metrics,
                          .provider = provider,
                          .execute = execute,
                          .journal_path = jpath,
                          .clock_speed = speed,
                          .until_ms = until_ms,
                          .guard = &sec.guard,
                          .progress = stderr,
                          .plan_out = json ? NULL : stdout,
                          .store_path = store,
                          .metrics_endpoint = endpoint};
    char shadow[1300];
    if (outdir && strcmp(provider, "mock") == 0) {
        snprintf(shadow, sizeof shadow, "%s/shadow.csv", outdir);
        cfg.shadow_csv = shadow;
    }
    fprintf(stderr, "live: scenario %s, policy %s (%s), provider %s%s, journal %s\n", sc->name,
            spec->label, spec->name, provider, execute ? ", EXECUTE" : ", dry run", jpath);
    sc_live_summary sum;
    if (sc_live_run(&cfg, &sum, &err)) {
        rc = sc_cli_fail(&err);
        goto done;
    }
    fprintf(stderr,
            "live: %ld steps, %ld decisions, %ld actions planned, %ld mutating calls, %ld "
            "replayed from the journal, %ld cut by guardrails\n",
            sum.steps, sum.decisions, sum.actions_planned, sum.calls_mutating,
            sum.journal_replayed, sum.guard_cut);
    if (sum.remote || sum.obs_stored)
        fprintf(stderr, "live: observations: %ld gaps (last reading carried), %ld samples "
                        "stored\n", sum.obs_gaps, sum.obs_stored);
    if (sum.slo_steps > 0)
        fprintf(stderr, "live: SLO attainment %.4f over %ld app-geo-steps with a latency "
                        "signal (objective %.4f)%s\n",
                (double)sum.slo_met / (double)sum.slo_steps, sum.slo_steps, sum.slo_objective,
                (double)sum.slo_met / (double)sum.slo_steps < sum.slo_objective ? ": MISSED"
                                                                                : "");
    if (json) {
        char *txt = sc_live_summary_json(&sum);
        if (!txt) {
            sc_error_set(&err, SC_ERR_NOMEM, NULL, "out of memory");
            rc = sc_cli_fail(&err);
            goto done;
        }
        printf("%s\n", txt);
        free(txt);
    }
done:
    sc_live_section_cleanup(&sec);
    sc_scenario_free(sc);
    return rc;
}
