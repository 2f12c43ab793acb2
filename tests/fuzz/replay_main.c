/*
 * replay_main.c - run a fuzz harness over a corpus without libFuzzer.
 *
 * Linked with one harness (tests/fuzz/fuzz_<name>.c) into fuzz_replay_<name>, which
 * CTest runs as `fuzz_replay_<name> tests/fuzz/corpus/<name>`: every regular file of
 * each directory argument (or each file argument) is read whole and passed to
 * LLVMFuzzerTestOneInput once.  Files are taken in byte order of their names so runs
 * are reproducible.  The harness aborts on a broken promise and the sanitizers abort on
 * memory errors, so "it returned" is the pass criterion; a directory with no inputs is
 * a failure (a misconfigured test must not pass silently).
 *
 * Exit status: 0 when every input ran, 1 when an argument cannot be read or is empty.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feed one file to the harness; 0 on success, -1 if it cannot be read. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        free(buf);
        fprintf(stderr, "replay: cannot read %s\n", path);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

/* Feed every regular file of dir, sorted by name; returns the count or -1. */
static long run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: cannot open directory %s\n", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    long rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
            cap = nc;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = -1;
            break;
        }
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_str);
    long count = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(len);
        if (!path) {
            rc = -1;
            break;
        }
        snprintf(path, len, "%s/%s", dir, names[i]);
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            if (run_file(path) != 0)
                rc = -1;
            else
                count++;
        }
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc < 0 ? -1 : count;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 1;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "replay: cannot stat %s\n", argv[i]);
            status = 1;
        } else if (S_ISDIR(sb.st_mode)) {
            long n = run_dir(argv[i]);
            if (n <= 0) {
                fprintf(stderr, "replay: %s: %s\n", argv[i], n < 0 ? "read error" : "no inputs");
                status = 1;
            } else {
                printf("replay: %s: %ld inputs ran\n", argv[i], n);
            }
        } else if (run_file(argv[i]) != 0) {
            status = 1;
        } else {
            printf("replay: %s ran\n", argv[i]);
        }
    }
    return status;
}
