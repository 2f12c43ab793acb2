/*
 * fuzz.h - shared helpers of the fuzz harnesses (tests/fuzz/README.md).
 *
 * Every harness in tests/fuzz/ defines LLVMFuzzerTestOneInput and is linked either with
 * libFuzzer (clang -fsanitize=fuzzer, option SCULPT_FUZZ) or with replay_main.c, which
 * feeds it every file of a corpus directory (CTest: fuzz_replay_<harness>).
 *
 * The helpers below are static so each harness carries its own copy and no prototype is
 * needed outside this header.  Harness rules:
 *  - inputs larger than SC_FUZZ_MAX_INPUT are skipped (return 0), so one input finishes
 *    quickly;
 *  - nothing is written outside one private directory made with mkdtemp under /tmp
 *    (removed at exit); files in it are removed after each input;
 *  - everything allocated is freed on every path, so LeakSanitizer stays quiet.
 */
#ifndef SCULPT_FUZZ_H
#define SCULPT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SC_FUZZ_MAX_INPUT (64u * 1024u) /* bytes: larger inputs are skipped */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (malloc'ed; caller frees), or NULL. */
static inline char *sc_fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return NULL;
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* Does the input contain `needle` (bytes, not NUL-terminated)? */
static inline int sc_fuzz_contains(const uint8_t *data, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0 || size < n)
        return 0;
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, needle, n) == 0)
            return 1;
    return 0;
}

#ifdef SC_FUZZ_NEEDS_TMPDIR
#include <unistd.h>

static char sc_fuzz_dir_[64];

static void sc_fuzz_dir_remove_(void)
{
    if (sc_fuzz_dir_[0])
        rmdir(sc_fuzz_dir_);
}

/* The private directory of this process ("/tmp/sculpt-fuzz-XXXXXX"), made on first use
 * and removed at exit (it is empty by then: harnesses remove their files).  NULL when it
 * cannot be made. */
static inline const char *sc_fuzz_dir(void)
{
    if (!sc_fuzz_dir_[0]) {
        char tmpl[] = "/tmp/sculpt-fuzz-XXXXXX";
        if (!mkdtemp(tmpl))
            return NULL;
        snprintf(sc_fuzz_dir_, sizeof sc_fuzz_dir_, "%s", tmpl);
        atexit(sc_fuzz_dir_remove_);
    }
    return sc_fuzz_dir_;
}

/* Write the bytes to <dir>/<name>; the full path goes to out[cap].  0 on success. */
static inline int sc_fuzz_write_file(const char *name, const uint8_t *data, size_t size,
                                     char *out, size_t cap)
{
    const char *dir = sc_fuzz_dir();
    if (!dir)
        return -1;
    int w = snprintf(out, cap, "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= cap)
        return -1;
    FILE *f = fopen(out, "wb");
    if (!f)
        return -1;
    size_t put = size ? fwrite(data, 1, size, f) : 0;
    int rc = fclose(f);
    if (put != size || rc != 0) {
        remove(out);
        return -1;
    }
    return 0;
}
#endif

#endif
