/*
 * sculpt.h - the embedding API of libsculpt in one include: process set-up, the runtime
 * version, and every public header (the simulator, scenarios, policies, forecasters,
 * optimizers, the series store).
 *
 *   #include <sculpt/sculpt.h>          // cc app.c $(pkg-config --cflags --libs sculpt)
 *   if (sc_global_init() != SC_OK) ...  // once, before other sculpt calls
 *   ... sc_scenario_load / sc_world_build / sc_run_policy / sc_run_json (simulator.h)
 *
 * The public headers need no GSL, cJSON, HDF5 or GLPK header: values of those libraries
 * never cross the API (cJSON only as an opaque `struct cJSON *`).
 *
 * Threads: after sc_global_init() returns, the registries (policy, provider, forecaster,
 * optimizer: *_register, *_find) may be used from several threads at once, and several
 * threads may run policies on one world (simulator.h).
 *
 * What sc_global_init() does to the process, and what it leaves alone:
 *  - GSL: its error handler is one process-wide pointer.  GSL's default handler aborts
 *    the process, which a library must never do on bad data, and sculpt checks every
 *    GSL return code.  So: if the process still has GSL's default (abort) handler,
 *    sc_global_init() turns the handler off; if the host has installed its own handler
 *    (or turned it off itself), that handler is kept and sculpt relies on return codes
 *    as always (a host handler that aborts or longjmps then acts on sculpt's GSL calls
 *    too; that is the host's choice).  The check-and-set runs once, but it is not atomic
 *    with respect to a host thread calling gsl_set_error_handler at the same moment:
 *    call sc_global_init() before starting such threads.
 *  - HDF5: sc_global_init() changes nothing.  The library's own HDF5 calls silence
 *    automatic error printing around themselves and restore the caller's setting
 *    (core/base/h5util); errors come back as sc_error.
 *  - GLPK: terminal output off (GLPK's own per-environment setting).
 *  - Registers the simulator's mock provider (sc_sim_register).
 * Calling it again, from any thread, is harmless and returns the first call's status.
 */
#ifndef SCULPT_SCULPT_H
#define SCULPT_SCULPT_H

#include "sculpt/export.h"

#include "sculpt/ensemble.h"
#include "sculpt/event_effect.h"
#include "sculpt/events.h"
#include "sculpt/forecast.h"
#include "sculpt/fsutil.h"
#include "sculpt/optimizer.h"
#include "sculpt/plan.h"
#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"
#include "sculpt/provider.h"
#include "sculpt/rng.h"
#include "sculpt/scenario.h"
#include "sculpt/simulator.h"
#include "sculpt/status.h"
#include "sculpt/time.h"
#include "sculpt/tsdb.h"
#include "sculpt/version.h"
#include "sculpt/wiv.h"

SC_BEGIN_DECLS

/* Set up the library for this process (see above).  Idempotent and thread-safe. */
sc_status sc_global_init(void);

/* 1 if sc_global_init() found GSL's default handler and turned it off, 0 if it kept a
 * handler the host had installed (or init has not run). */
int sc_global_gsl_handler_replaced(void);

/* The version of the library the program runs with: MAJOR * 10000 + MINOR * 100 + PATCH,
 * to compare with SC_VERSION_NUMBER of the headers it was compiled with. */
int sc_version(void);

/* The same as text, "MAJOR.MINOR.PATCH" (static storage). */
const char *sc_version_string(void);

/* The git commit the library was built from, or "unknown" (static storage). */
const char *sc_version_commit(void);

SC_END_DECLS

#endif
