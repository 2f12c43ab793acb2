/*
 * fsutil.c - atomic output files and whole-file reads (see fsutil.h).
 */
#include "sculpt/fsutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

sc_status sc_atomic_begin(sc_atomic_file *af, const char *path, sc_error *err)
{
    if (!path || !*path)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "empty output path");
    if (strlen(path) >= sizeof af->path)
        return sc_error_set(err, SC_ERR_USAGE, path, "output path too long");
    snprintf(af->path, sizeof af->path, "%s", path);
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%ld", path, (long)getpid());
    return SC_OK;
}

sc_status sc_atomic_commit(sc_atomic_file *af, sc_error *err)
{
    if (rename(af->tmp, af->path) != 0) {
        int e = errno;
        unlink(af->tmp);
        return sc_error_set(err, SC_ERR_IO, af->path, "cannot rename %s into place: %s",
                            af->tmp, strerror(e));
    }
    return SC_OK;
}

void sc_atomic_abort(sc_atomic_file *af)
{
    if (af && af->tmp[0])
        unlink(af->tmp);
}

sc_status sc_file_read_all(const char *path, char **out, size_t *out_len, sc_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return sc_error_set(err, SC_ERR_IO, path, "cannot open: %s", strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory reading file");
    }
    for (;;) {
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory reading file");
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return sc_error_set(err, SC_ERR_IO, path, "read error");
    }
    buf[len] = '\0';
    *out = buf;
    if (out_len)
        *out_len = len;
    return SC_OK;
}
