/*
 * status.h - the one status enum of sculpt, its names, messages and exit codes.
 *
 * Every function that can fail returns an sc_status; results travel through OUT
 * pointers.  The enum, the printable names, the human messages and the process exit
 * codes all come from the single X-macro table below (libuv's habit), so they can never
 * drift apart.  A failing call also fills an sc_error (when the caller passes one) with
 * the context a person needs: what was being read, where (file:line or file: JSON path)
 * and what was expected.
 *
 * Exit codes (documented in README.md):
 *   0  success
 *   1  runtime failure (out of memory, internal error, back end not built)
 *   2  bad input: usage, scenario, trace, store content
 *   3  I/O failure: cannot read or write a file that should be readable/writable
 *   4  regression detected (sculpt compare)
 */
#ifndef SCULPT_STATUS_H
#define SCULPT_STATUS_H

#include "sculpt/export.h"

#include <stdarg.h>
#include <stdio.h>

SC_BEGIN_DECLS

/*  X(NAME, exit_code, message) */
#define SC_STATUS_TABLE(X)                                                         \
    X(OK, 0, "success")                                                           \
    X(ERR_NOMEM, 1, "out of memory")                                              \
    X(ERR_INTERNAL, 1, "internal error")                                          \
    X(ERR_NOTBUILT, 1, "back end known but not built into this binary")           \
    X(ERR_USAGE, 2, "bad command-line usage")                                     \
    X(ERR_INPUT, 2, "bad input")                                                  \
    X(ERR_NOTFOUND, 2, "not found")                                               \
    X(ERR_RANGE, 2, "value out of range")                                         \
    X(ERR_EMPTY, 2, "no usable data")                                             \
    X(ERR_INFEASIBLE, 1, "problem infeasible")                                    \
    X(ERR_IO, 3, "input/output error")                                            \
    X(ERR_REGRESSION, 4, "regression detected")

typedef enum sc_status {
#define SC_X_(name, code, msg) SC_##name,
    SC_STATUS_TABLE(SC_X_)
#undef SC_X_
    SC_STATUS_COUNT
} sc_status;

/* "OK", "ERR_INPUT", ...; never NULL. */
const char *sc_status_name(sc_status st);
/* A short human message; never NULL. */
const char *sc_status_message(sc_status st);
/* Process exit code for a status (table above). */
int sc_status_exit_code(sc_status st);

/* Error with context.  `where` is "file:line", "file: $.apps[2].slo" or "" . */
typedef struct sc_error {
    sc_status status;  /* SC_OK when nothing went wrong */
    char where[1536];  /* place in the input: file and line or JSON path */
    char msg[1024];    /* what went wrong and what was expected */
} sc_error;

/* Reset to "no error". err may be NULL. */
void sc_error_clear(sc_error *err);

/* Fill err (if not NULL) and return st, so a caller can write
 *     return sc_error_set(err, SC_ERR_INPUT, path, "expected a positive number");
 * `where` may be NULL.  Messages are truncated to fit, never overflow. */
sc_status sc_error_set(sc_error *err, sc_status st, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
sc_status sc_error_setv(sc_error *err, sc_status st, const char *where, const char *fmt,
                        va_list ap);

/* Print "sculpt: error: <where>: <msg> [ERR_INPUT]" on one line. */
void sc_error_print(const sc_error *err, FILE *fp);

SC_END_DECLS

#endif
