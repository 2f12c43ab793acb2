/*
 * init.c - process set-up of libsculpt and its runtime version (sculpt/sculpt.h).  In
 * sim/ (part of the library) because it registers the simulator's plug-ins: it sits on
 * every core module, so it cannot live in core/base without a cycle.
 *
 * sc_global_init() runs its body once per process under pthread_once, so any number of
 * threads (and a host plus the `sculpt` program's main) may call it.  It touches only
 * what must be process-wide and belongs to nobody else:
 *
 *  - GSL's error handler: GSL keeps one global pointer, NULL meaning "the default
 *    handler", which prints and aborts.  There is no getter, so the handler is read by
 *    swapping: gsl_set_error_handler_off() returns the previous one; if that was NULL
 *    (the default), the handler stays off, otherwise the host's own handler is put back
 *    at once.  Either way sculpt checks every GSL return code, so it works with both.
 *  - GLPK's terminal output, through sc_optimizer_global_init() (itself once-only).
 *  - The simulator's plug-ins (the mock provider), through sc_sim_register().
 *
 * HDF5's automatic error printing is not touched here: the library silences it only
 * around its own HDF5 calls and restores the caller's handler after them.
 */
#include "sculpt/sculpt.h"

#include <pthread.h>
#include <stddef.h>

#include <gsl/gsl_errno.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static sc_status init_status = SC_OK; /* written once inside pthread_once */
static int gsl_replaced;              /* 1: the default handler was switched off */

static void init_body(void)
{
    gsl_error_handler_t *prev = gsl_set_error_handler_off();
    if (prev != NULL)
        gsl_set_error_handler(prev); /* the host's handler (or its own "off"): keep it */
    else
        gsl_replaced = 1;
    sc_optimizer_global_init();
    sc_sim_register();
    init_status = SC_OK;
}

sc_status sc_global_init(void)
{
    if (pthread_once(&init_once, init_body) != 0)
        return SC_ERR_INTERNAL;
    return init_status;
}

int sc_global_gsl_handler_replaced(void)
{
    return gsl_replaced;
}

int sc_version(void)
{
    return SC_VERSION_NUMBER;
}

const char *sc_version_string(void)
{
    return SC_VERSION;
}

const char *sc_version_commit(void)
{
    return SC_GIT_COMMIT;
}
