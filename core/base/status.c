/*
 * status.c - names, messages and exit codes of sc_status, from the table in status.h,
 * and the sc_error helpers.
 */
#include "sculpt/status.h"

#include <string.h>

static const char *const status_names[] = {
#define SC_X_(name, code, msg) #name,
    SC_STATUS_TABLE(SC_X_)
#undef SC_X_
};
static const char *const status_messages[] = {
#define SC_X_(name, code, msg) msg,
    SC_STATUS_TABLE(SC_X_)
#undef SC_X_
};
static const int status_exit_codes[] = {
#define SC_X_(name, code, msg) code,
    SC_STATUS_TABLE(SC_X_)
#undef SC_X_
};

const char *sc_status_name(sc_status st)
{
    if ((unsigned)st >= SC_STATUS_COUNT)
        return "ERR_UNKNOWN";
    return status_names[st];
}

const char *sc_status_message(sc_status st)
{
    if ((unsigned)st >= SC_STATUS_COUNT)
        return "unknown status";
    return status_messages[st];
}

int sc_status_exit_code(sc_status st)
{
    if ((unsigned)st >= SC_STATUS_COUNT)
        return 1;
    return status_exit_codes[st];
}

void sc_error_clear(sc_error *err)
{
    if (!err)
        return;
    err->status = SC_OK;
    err->where[0] = '\0';
    err->msg[0] = '\0';
}

sc_status sc_error_setv(sc_error *err, sc_status st, const char *where, const char *fmt,
                        va_list ap)
{
    if (!err)
        return st;
    err->status = st;
    snprintf(err->where, sizeof err->where, "%s", where ? where : "");
    if (fmt)
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    else
        snprintf(err->msg, sizeof err->msg, "%s", sc_status_message(st));
    return st;
}

sc_status sc_error_set(sc_error *err, sc_status st, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sc_error_setv(err, st, where, fmt, ap);
    va_end(ap);
    return st;
}

void sc_error_print(const sc_error *err, FILE *fp)
{
    if (!err || err->status == SC_OK)
        return;
    if (err->where[0])
        fprintf(fp, "sculpt: error: %s: %s [%s]\n", err->where,
                err->msg[0] ? err->msg : sc_status_message(err->status),
                sc_status_name(err->status));
    else
        fprintf(fp, "sculpt: error: %s [%s]\n",
                err->msg[0] ? err->msg : sc_status_message(err->status),
                sc_status_name(err->status));
}
