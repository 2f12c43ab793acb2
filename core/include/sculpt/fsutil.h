/*
 * fsutil.h - files written atomically: output goes to "<path>.tmp.<pid>" in the same
 * directory and is renamed over <path> only on success, so a failed run leaves no
 * half-written file behind.
 */
#ifndef SCULPT_FSUTIL_H
#define SCULPT_FSUTIL_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdio.h>

#include "sculpt/status.h"

SC_BEGIN_DECLS

typedef struct sc_atomic_file {
    char path[4096];  /* final name */
    char tmp[4200];   /* temporary name in the same directory */
} sc_atomic_file;

/* Choose a temporary name for path (does not create it). */
sc_status sc_atomic_begin(sc_atomic_file *af, const char *path, sc_error *err);
/* Rename tmp over path. On failure removes tmp. */
sc_status sc_atomic_commit(sc_atomic_file *af, sc_error *err);
/* Remove tmp if it exists (call on any failure path). */
void sc_atomic_abort(sc_atomic_file *af);

/* Read a whole file into a NUL-terminated buffer; caller frees with free(). */
sc_status sc_file_read_all(const char *path, char **out, size_t *out_len, sc_error *err);

SC_END_DECLS

#endif
