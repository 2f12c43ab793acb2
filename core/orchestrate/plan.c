/*
 * plan.c - plans and Resource Allocation Plans as containers (types in orchestrator.h).
 *
 * A plan is a growable array of actions that the caller reuses between decisions: clear
 * keeps the storage, so a policy's steady state does not allocate.  The same holds for a
 * RAP.  What turns an optimizer solution into a RAP needs the optimizer's types and lives
 * in core/sculpt/plan.c; only the containers are here, so core/orchestrate depends on
 * neither core/policy nor core/sculpt.
 */
#include "sculpt/orchestrator.h"

#include <stdlib.h>
#include <string.h>

void sc_plan_init(sc_plan *plan)
{
    plan->actions = NULL;
    plan->n = plan->cap = 0;
}

void sc_plan_cleanup(sc_plan *plan)
{
    free(plan->actions);
    sc_plan_init(plan);
}

void sc_plan_clear(sc_plan *plan)
{
    plan->n = 0;
}

sc_status sc_plan_push(sc_plan *plan, const sc_action *act)
{
    if (plan->n == plan->cap) {
        size_t nc = plan->cap ? plan->cap * 2 : 64;
        sc_action *na = realloc(plan->actions, nc * sizeof *na);
        if (!na)
            return SC_ERR_NOMEM;
        plan->actions = na;
        plan->cap = nc;
    }
    plan->actions[plan->n++] = *act;
    return SC_OK;
}

void sc_rap_init(sc_rap *rap)
{
    memset(rap, 0, sizeof *rap);
    rap->proved_optimal = 1;
}

void sc_rap_cleanup(sc_rap *rap)
{
    free(rap->actions);
    sc_rap_init(rap);
}

void sc_rap_clear(sc_rap *rap)
{
    sc_rap_action *a = rap->actions;
    size_t cap = rap->cap;
    sc_rap_init(rap);
    rap->actions = a;
    rap->cap = cap;
}
