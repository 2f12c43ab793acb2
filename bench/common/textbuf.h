/*
 * textbuf.h - a growable text buffer for the benchmarks that write their scenario JSON
 * in memory (bench_scale, bench_yearlong, bench_live): put() appends printf-style text,
 * doubling the buffer as needed.  Out of memory ends the benchmark (exit 1).  The caller
 * owns b->p and frees it with free().
 */
#ifndef SCULPT_BENCH_TEXTBUF_H
#define SCULPT_BENCH_TEXTBUF_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct buf {
    char *p;          /* text, NUL-terminated */
    size_t n, cap;    /* bytes used (without the NUL), bytes allocated */
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3), unused));
static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = b->cap * 2 + (size_t)k + 1024;
        b->p = realloc(b->p, b->cap);
        if (!b->p) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
    }
}

#endif
