/*
 * fault.c - allocation and I/O fault injection for tests (fault.h), built in only with
 * -DSCULPT_FAULT=ON (which defines SC_FAULT and links every program with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=fwrite,
 * --wrap=fputs,--wrap=fclose).
 *
 * Why --wrap and not a sculpt allocator called everywhere: the library calls malloc
 * directly in some 200 places; rewriting them all to inject faults would be intrusive
 * and would itself be a source of bugs.  The linker redirects exactly the calls made
 * by sculpt's own (statically linked) objects, which is the code under test, and leaves
 * the shared libraries' internal allocations alone.  The price: the counts depend on
 * the build (a different compiler may allocate in a different order), so tests sweep N
 * over the range SCULPT_FAULT_REPORT prints rather than hard-coding N.
 *
 * Counters are process-wide atomics (threads of `run` and `sweep` share them): the N-th
 * call of a kind fails once, whichever thread makes it.  With several threads, which
 * allocation is the N-th is not deterministic; the tests run single-threaded (-j 1).
 */
#ifdef SC_FAULT
#define _GNU_SOURCE
#endif
#include "fault.h"

#ifdef SC_FAULT

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
size_t __real_fwrite(const void *p, size_t size, size_t n, FILE *f);
int __real_fputs(const char *s, FILE *f);
int __real_fclose(FILE *f);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
size_t __wrap_fwrite(const void *p, size_t size, size_t n, FILE *f);
int __wrap_fputs(const char *s, FILE *f);
int __wrap_fclose(FILE *f);

static _Atomic long n_alloc, n_io;     /* calls so far */
static long fail_alloc = -1, fail_io = -1; /* the N to fail; 0: never */
static _Atomic int inited;

static long env_long(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : 0;
}

static void report(void)
{
    fprintf(stderr, "sculpt-fault: %ld allocations, %ld I/O steps\n", (long)atomic_load(&n_alloc),
            (long)atomic_load(&n_io));
}

static void init(void)
{
    int expect = 0;
    if (!atomic_compare_exchange_strong(&inited, &expect, 1))
        return;
    fail_alloc = env_long("SCULPT_FAULT_ALLOC");
    fail_io = env_long("SCULPT_FAULT_IO");
    if (env_long("SCULPT_FAULT_REPORT"))
        atexit(report);
}

#if defined(__SANITIZE_ADDRESS__)
void __sanitizer_print_stack_trace(void); /* the sanitizer runtime's, symbolized */
#endif

/* SCULPT_FAULT_TRACE=1: print where the injected fault happened (a symbolized stack in a
 * sanitizer build), to find the caller that absorbs it. */
static void trace(const char *what, long k)
{
    if (!env_long("SCULPT_FAULT_TRACE"))
        return;
    fprintf(stderr, "sculpt-fault: failing %s #%ld here:\n", what, k);
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_print_stack_trace();
#endif
}

/* 1 if this allocation must fail. */
static int alloc_fails(void)
{
    init();
    long k = atomic_fetch_add(&n_alloc, 1) + 1;
    if (fail_alloc > 0 && k == fail_alloc) {
        trace("allocation", k);
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

int sc_fault_io(int kind)
{
    (void)kind;
    init();
    long k = atomic_fetch_add(&n_io, 1) + 1;
    if (fail_io > 0 && k == fail_io) {
        trace("I/O step", k);
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n) { return alloc_fails() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size)
{
    return alloc_fails() ? NULL : __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n) { return alloc_fails() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return alloc_fails() ? NULL : __real_strdup(s); }

/* Writes to files (never to the terminal streams) count as I/O steps.  A failing write
 * also sets the stream's error indicator, as a real one does (callers that check only
 * ferror() at the end must see it): glibc's flag, the one libc sculpt is built on. */
static int io_fails(FILE *f)
{
    if (f == stdout || f == stderr || !__fwritable(f)) /* input streams do not count */
        return 0;
    if (sc_fault_io(SC_FAULT_IO_WRITE)) {
        errno = EIO;
#ifdef __GLIBC__
        f->_flags |= 0x0020; /* _IO_ERR_SEEN (bits/types/struct_FILE.h) */
#endif
        return 1;
    }
    return 0;
}

size_t __wrap_fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    return io_fails(f) ? 0 : __real_fwrite(p, size, n, f);
}
int __wrap_fputs(const char *s, FILE *f) { return io_fails(f) ? EOF : __real_fputs(s, f); }
int __wrap_fclose(FILE *f)
{
    int bad = io_fails(f);
    int r = __real_fclose(f); /* always closed: a failed close still frees the stream */
    return bad ? EOF : r;
}

#else
typedef int sc_fault_not_built; /* ISO C: a translation unit is not empty */
#endif
