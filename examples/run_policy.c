/*
 * run_policy.c - embedding libsculpt: run one policy of a scenario and print its summary.
 *
 *   run_policy SCENARIO.json [LABEL]
 *
 * Runs the policy with that label (default: the scenario's first) and prints its summary
 * as one JSON object, the same keys and values as `sculpt run --json` prints for it.
 * Uses only the installed headers and links only libsculpt:
 *
 *   cc run_policy.c $(pkg-config --cflags --libs sculpt) -o run_policy
 *
 * Exit status: 0 ok, 2 bad usage or input (the error on stderr), 1 anything else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sculpt/sculpt.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: run_policy SCENARIO.json [LABEL]\n");
        return 2;
    }
    if (sc_version() / 10000 != SC_VERSION_MAJOR) {
        fprintf(stderr, "run_policy: built for sculpt %s, running with %s\n", SC_VERSION,
                sc_version_string());
        return 1;
    }
    if (sc_global_init() != SC_OK) {
        fprintf(stderr, "run_policy: sc_global_init failed\n");
        return 1;
    }

    int rc = 1;
    sc_error err = {0};
    sc_scenario *sc = NULL;
    sc_world *world = NULL;
    sc_run *run = NULL;
    char *json = NULL;
    const sc_policy_spec *spec = NULL;

    if (sc_scenario_load(argv[1], &sc, &err))
        goto fail;
    for (size_t i = 0; i < sc->n_policies && !spec; i++)
        if (argc < 3 || strcmp(sc->policies[i].label, argv[2]) == 0)
            spec = &sc->policies[i];
    if (!spec) {
        sc_error_set(&err, SC_ERR_NOTFOUND, argv[1], "no policy labelled '%s'",
                     argc < 3 ? "(any)" : argv[2]);
        goto fail;
    }
    if (sc_world_build(sc, &world, &err))
        goto fail;
    if (sc_run_policy(world, spec, 0, &run, &err))
        goto fail;
    json = sc_run_json(run);
    if (!json) {
        sc_error_set(&err, SC_ERR_NOMEM, NULL, "out of memory");
        goto fail;
    }
    printf("%s\n", json);
    rc = 0;
    goto done;

fail:
    sc_error_print(&err, stderr);
    rc = sc_status_exit_code(err.status) ? sc_status_exit_code(err.status) : 1;
done:
    free(json);
    sc_run_free(run);
    sc_world_free(world);
    sc_scenario_free(sc);
    return rc;
}
