/*
 * cmd_outputs.c - what every writing command checks before it works (cli.h): that no
 * output is one of its inputs or another output (file identity after resolving links,
 * sc_output_check in core/base/fsutil.c; equal names for outputs not made yet), and the
 * list of files a scenario reads (the scenario file, its synthetic generator spec and
 * every store or CSV trace it names).  Also puts the final name of an output back into
 * a message that named its temporary file.
 */
#include <string.h>

#include "cli.h"
#include "sculpt/fsutil.h"
#include "sculpt/scenario.h"

sc_status sc_cli_check_outputs(const char *const *outs, size_t n_out, const char *const *ins,
                               size_t n_in, sc_error *err)
{
    for (size_t i = 0; i < n_out; i++) {
        if (!outs[i])
            continue;
        sc_status st = sc_output_check(outs[i], ins, n_in, err);
        if (st)
            return st;
        for (size_t j = 0; j < i; j++)
            if (outs[j] && (strcmp(outs[i], outs[j]) == 0 || sc_path_same_file(outs[i], outs[j])))
                return sc_error_set(err, SC_ERR_USAGE, outs[i],
                                    "given as two outputs; each output needs its own file");
    }
    return SC_OK;
}

size_t sc_cli_scenario_inputs(const sc_scenario *sc, const char **ins, size_t cap)
{
    size_t n = 0;
    if (n < cap)
        ins[n++] = sc->path;
    if (sc->synthetic_path[0] && n < cap)
        ins[n++] = sc->synthetic_path;
    for (size_t i = 0; i < sc->n_traces && n < cap; i++)
        if (sc->traces[i].kind != SC_TRACE_SYNTHETIC && sc->traces[i].path[0])
            ins[n++] = sc->traces[i].path;
    return n;
}

void sc_cli_error_final_name(const sc_atomic_file *af, sc_error *err)
{
    size_t tl = strlen(af->path);
    if (!err || !af->path[0] || strncmp(err->where, af->path, tl) != 0 ||
        strncmp(err->where + tl, ".tmp.", 5) != 0)
        return;
    /* "<path>.tmp.<hex>[.tmp.<hex>...]<rest>" -> "<path><rest>" */
    const char *p = err->where + tl;
    while (strncmp(p, ".tmp.", 5) == 0 && strlen(p) >= 21)
        p += 21;
    memmove(err->where + tl, p, strlen(p) + 1);
}
