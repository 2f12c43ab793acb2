/*
 * fault.h - fault injection for tests (internal; built with -DSCULPT_FAULT=ON).
 *
 * In the manner of SQLite's test_malloc.c: a counter per kind of operation, and the
 * N-th operation of that kind fails (once).  N comes from the environment of the
 * process, read once:
 *
 *   SCULPT_FAULT_ALLOC=N   the N-th malloc/calloc/realloc/strdup made by sculpt's own
 *                          code returns NULL (errno ENOMEM)
 *   SCULPT_FAULT_IO=N      the N-th I/O step of an output fails with EIO: creating a
 *                          temporary file, fsync, rename (core/base/fsutil.c), and the
 *                          stdio writes fwrite/fputs/fclose of sculpt's code to files
 *
 * Allocation faults reach every allocation the library and the program make themselves:
 * the `sculpt` program of a SCULPT_FAULT build is linked with -Wl,--wrap=malloc (and
 * calloc, realloc, strdup, fwrite, fputs, fclose), which redirects the calls in
 * the statically linked objects to core/base/fault.c and leaves the sources untouched.
 * Allocations inside shared libraries (libhdf5, libcjson, GSL, GLPK, libc's own strdup)
 * are not counted: they are not sculpt's code, and their failure reaches sculpt as a
 * failed call it already checks.  SCULPT_FAULT_REPORT=1 prints, at exit, how many
 * operations of each kind ran (the range a sweep over N must cover).
 * SCULPT_FAULT_TRACE=1 prints where the injected fault happened (a symbolized stack in
 * a sanitizer build): how the sweep's "exit 0: the failure was absorbed" is tracked
 * down to the caller that swallowed it.
 *
 * Without SCULPT_FAULT the hooks are constants and compile away.
 */
#ifndef SCULPT_FAULT_H
#define SCULPT_FAULT_H

enum { SC_FAULT_IO_OPEN, SC_FAULT_IO_FSYNC, SC_FAULT_IO_RENAME, SC_FAULT_IO_WRITE };

#ifdef SC_FAULT
/* 1 if this I/O step must fail (the counter reached SCULPT_FAULT_IO). */
int sc_fault_io(int kind);
#else
#define sc_fault_io(kind) 0
#endif

#endif
