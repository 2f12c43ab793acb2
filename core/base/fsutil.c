/*
 * fsutil.c - atomic output files, output-versus-input checks, the table of live
 * temporary paths for signal cleanup, and bounded whole-file reads (see fsutil.h).
 *
 * The table of live temporary paths: SC_TMP_SLOTS entries, each a path buffer and an
 * atomic state (0 free, 1 being filled, 2 file, 3 directory).  A slot is claimed with a
 * compare-and-swap from 0 to 1, filled, then published as 2 or 3; the signal handler
 * only reads published slots.  Unregistering sets the state back to 0.
 *
 * Creation races: the handler runs on one thread while the others go on until _exit, so
 * a temporary path is registered *before* it is created, inside a creation section
 * (sc_tmp_create_begin / end: a count of sections in progress and a "dying" flag, both
 * sequentially consistent atomics, so a section either sees the flag or is counted by
 * the handler).  The handler sets the flag, waits (at most 0.3 s) until no section is in
 * progress, then removes what is registered: every path created before it is in the
 * table, and a thread entering a section afterwards waits there for the _exit.  A
 * signal that lands on a thread inside its own section finds its path registered
 * before it exists (unlink of a missing path is harmless), so nothing escapes.
 */
#define _GNU_SOURCE
#include "sculpt/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"

/* ---------------------------------------------------------------------------------- */
/* the table of live temporary paths                                                   */

#define SC_TMP_SLOTS 64
#define SC_TMP_PATH 4200

static struct {
    _Atomic int state;        /* 0 free, 1 filling, 2 file, 3 directory */
    char path[SC_TMP_PATH];   /* NUL-terminated while state is 2 or 3 */
} tmp_table[SC_TMP_SLOTS];

static _Atomic int tmp_dying;    /* 1 once a handler has begun removing temporaries */
static _Atomic int tmp_inflight; /* creation sections in progress */

void sc_tmp_create_begin(void)
{
    atomic_fetch_add(&tmp_inflight, 1);
    if (atomic_load(&tmp_dying)) {
        atomic_fetch_sub(&tmp_inflight, 1);
        for (;;)
            pause(); /* the handler is about to _exit the process */
    }
}

void sc_tmp_create_end(void)
{
    atomic_fetch_sub(&tmp_inflight, 1);
}

int sc_tmp_register(const char *path, int is_dir)
{
    size_t n = strlen(path);
    if (n >= SC_TMP_PATH)
        return -1;
    for (int i = 0; i < SC_TMP_SLOTS; i++) {
        int expect = 0;
        if (atomic_compare_exchange_strong(&tmp_table[i].state, &expect, 1)) {
            memcpy(tmp_table[i].path, path, n + 1);
            atomic_store(&tmp_table[i].state, is_dir ? 3 : 2);
            return i;
        }
    }
    return -1;
}

void sc_tmp_unregister(int slot)
{
    if (slot >= 0 && slot < SC_TMP_SLOTS)
        atomic_store(&tmp_table[slot].state, 0);
}

/* rm -r of dirfd/name without following links, with system calls only (no malloc, no
 * stdio): async-signal-safe.  depth bounds the recursion (reports are two deep). */
static void rm_tree_at(int dirfd, const char *name, int depth)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
        return;
    if (depth <= 0)
        return;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[4096] __attribute__((aligned(8)));
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            /* struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name */
            unsigned short reclen;
            memcpy(&reclen, buf + off + 16, sizeof reclen);
            const char *nm = buf + off + 19;
            if (!(nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0'))))
                rm_tree_at(fd, nm, depth - 1);
            off += reclen;
        }
    }
    close(fd);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

void sc_tmp_cleanup_signal(void)
{
    atomic_store(&tmp_dying, 1);
    /* sections of other threads end within microseconds; one of this thread (the
     * signal landed inside it) never does, hence the bound */
    for (int i = 0; i < 300 && atomic_load(&tmp_inflight) > 0; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    for (int i = 0; i < SC_TMP_SLOTS; i++) {
        int s = atomic_load(&tmp_table[i].state);
        if (s == 2)
            unlink(tmp_table[i].path);
        else if (s == 3)
            rm_tree_at(AT_FDCWD, tmp_table[i].path, 8);
    }
}

/* ---------------------------------------------------------------------------------- */
/* atomic files                                                                        */

/* dir part of path into dir ("." when none), base part into *base. */
static void split_path(const char *path, char *dir, size_t cap, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, cap, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, cap, "/");
        *base = slash + 1;
    } else {
        snprintf(dir, cap, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    }
}

/* 1 if name is a temporary name of output base: base ".tmp." HEX16, possibly nested
 * (a writer that itself writes atomically into a temporary name). */
static int is_tmp_of(const char *name, const char *base)
{
    size_t bl = strlen(base);
    if (strncmp(name, base, bl) != 0)
        return 0;
    const char *p = name + bl;
    int segs = 0;
    while (*p) {
        if (strncmp(p, ".tmp.", 5) != 0)
            return 0;
        p += 5;
        for (int i = 0; i < 16; i++, p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
                return 0;
        segs++;
    }
    return segs > 0;
}

/* Remove temporary files of base in dir that no live process holds locked. */
static void clean_stale(const char *dir, const char *base)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_tmp_of(e->d_name, base))
            continue;
        int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            if (errno == ELOOP) /* a planted link under a temporary name: remove it */
                unlinkat(dfd, e->d_name, 0);
            continue;
        }
        struct stat sb;
        struct flock lk = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && fcntl(fd, F_OFD_SETLK, &lk) == 0)
            unlinkat(dfd, e->d_name, 0);
        close(fd);
    }
    closedir(d);
}

static void fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

sc_status sc_atomic_begin(sc_atomic_file *af, const char *path, sc_error *err)
{
    af->tmp[0] = '\0';
    af->path[0] = '\0';
    af->fd = -1;
    af->slot = -1;
    if (!path || !*path)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "empty output path");
    if (strlen(path) + 22 >= sizeof af->path)
        return sc_error_set(err, SC_ERR_USAGE, path, "output path too long");
    size_t pl = strlen(path);
    if (path[pl - 1] == '/')
        return sc_error_set(err, SC_ERR_USAGE, path, "expected a file name, not a directory");
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return sc_error_set(err, SC_ERR_USAGE, path,
                            "is a directory; expected a file name to write");
    snprintf(af->path, sizeof af->path, "%s", path);
    char dir[4096];
    const char *base;
    split_path(path, dir, sizeof dir, &base);
    clean_stale(dir, base);
    for (int attempt = 0; attempt < 16; attempt++) {
        uint64_t r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
            /* no entropy source: the address of af, the pid and the attempt; still
             * exclusive (O_EXCL), only less unpredictable */
            r = (uint64_t)(uintptr_t)af ^ ((uint64_t)getpid() << 32) ^ (uint64_t)attempt;
        }
        snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%016llx", path, (unsigned long long)r);
        sc_tmp_create_begin(); /* registered before it exists: fsutil.c's opening note */
        int slot = sc_tmp_register(af->tmp, 0);
        int fd = sc_fault_io(SC_FAULT_IO_OPEN)
                     ? (errno = EIO, -1)
                     : open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                            0666);
        int e = errno;
        if (fd < 0)
            sc_tmp_unregister(slot);
        sc_tmp_create_end();
        if (fd < 0 && e == EEXIST)
            continue;
        if (fd < 0) {
            af->tmp[0] = '\0';
            return sc_error_set(err, SC_ERR_IO, path, "cannot create a file in %s: %s", dir,
                                strerror(e));
        }
        struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        fcntl(fd, F_OFD_SETLK, &lk);
        af->fd = fd;
        af->slot = slot;
        return SC_OK;
    }
    af->tmp[0] = '\0';
    return sc_error_set(err, SC_ERR_IO, path, "cannot create a temporary file in %s", dir);
}

/* Release af's lock and table slot (the file itself is left as it is). */
static void release(sc_atomic_file *af)
{
    if (af->fd >= 0)
        close(af->fd);
    af->fd = -1;
    sc_tmp_unregister(af->slot);
    af->slot = -1;
}

void sc_atomic_abort(sc_atomic_file *af)
{
    /* only while live (fd open): a second abort never removes a file that another
     * writer may since have created under the same name; af->tmp is kept for messages */
    if (!af || af->fd < 0)
        return;
    if (af->tmp[0])
        unlink(af->tmp);
    release(af);
}

/* fsync the file now under af->tmp (a writer may have replaced the one we created, so
 * open it again by name, never following a link). */
static sc_status sync_tmp(sc_atomic_file *af, sc_error *err)
{
    int fd = open(af->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return sc_error_set(err, SC_ERR_IO, af->path, "cannot reopen the temporary file: %s",
                            strerror(e));
    }
    int bad = sc_fault_io(SC_FAULT_IO_FSYNC) ? (errno = EIO, 1) : fsync(fd) != 0;
    int e = errno;
    close(fd);
    if (bad && e != EINVAL && e != EROFS) /* EINVAL: a file system without fsync */
        return sc_error_set(err, SC_ERR_IO, af->path, "cannot fsync: %s", strerror(e));
    return SC_OK;
}

static int do_rename(const char *from, const char *to)
{
    if (sc_fault_io(SC_FAULT_IO_RENAME)) {
        errno = EIO;
        return -1;
    }
    return rename(from, to);
}

sc_status sc_atomic_commit(sc_atomic_file *af, sc_error *err)
{
    sc_atomic_file *one = af;
    return sc_atomic_commit_all(&one, 1, err);
}

sc_status sc_atomic_commit_all(sc_atomic_file *const *afs, size_t n, sc_error *err)
{
    sc_status st = SC_OK;
    for (size_t i = 0; i < n && st == SC_OK; i++)
        st = sync_tmp(afs[i], err);
    /* backups of the outputs being replaced, so a failed rename can put them back */
    char (*bak)[4200] = n > 1 ? calloc(n, sizeof *bak) : NULL;
    if (st == SC_OK && n > 1 && !bak)
        st = sc_error_set(err, SC_ERR_NOMEM, afs[0]->path, "out of memory committing outputs");
    for (size_t i = 0; i < n && st == SC_OK && bak; i++) {
        uint64_t r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
            r = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull + i;
        snprintf(bak[i], sizeof bak[i], "%s.tmp.%016llx", afs[i]->path,
                 (unsigned long long)r);
        if (link(afs[i]->path, bak[i]) != 0)
            bak[i][0] = '\0'; /* no previous file (or no hard links): removed on undo */
    }
    size_t done = 0;
    for (; done < n && st == SC_OK; done++) {
        if (do_rename(afs[done]->tmp, afs[done]->path) != 0) {
            int e = errno;
            st = sc_error_set(err, SC_ERR_IO, afs[done]->path, "cannot rename %s into place: %s",
                              afs[done]->tmp, strerror(e));
            break;
        }
        afs[done]->tmp[0] = '\0';
    }
    if (st != SC_OK) {
        for (size_t j = 0; j < done; j++) { /* undo */
            if (bak && bak[j][0])
                rename(bak[j], afs[j]->path);
            else
                unlink(afs[j]->path);
            if (bak)
                bak[j][0] = '\0';
        }
    }
    for (size_t i = 0; bak && i < n; i++)
        if (bak[i][0])
            unlink(bak[i]);
    free(bak);
    for (size_t i = 0; i < n; i++) {
        if (st == SC_OK) {
            char dir[4096];
            const char *base;
            split_path(afs[i]->path, dir, sizeof dir, &base);
            fsync_dir(dir);
        }
        sc_atomic_abort(afs[i]); /* removes a temporary file not renamed; releases */
    }
    return st;
}

/* ---------------------------------------------------------------------------------- */
/* outputs against inputs                                                              */

int sc_path_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

sc_status sc_output_check(const char *output, const char *const *inputs, size_t n_inputs,
                          sc_error *err)
{
    if (!output)
        return SC_OK;
    if (!*output)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "empty output path");
    struct stat so;
    if (stat(output, &so) != 0)
        return SC_OK;
    if (S_ISDIR(so.st_mode))
        return sc_error_set(err, SC_ERR_USAGE, output,
                            "is a directory; expected a file name to write");
    for (size_t i = 0; i < n_inputs; i++)
        if (sc_path_same_file(output, inputs[i]))
            return sc_error_set(err, SC_ERR_USAGE, output,
                                "output is the same file as the input %s; refusing to "
                                "overwrite an input",
                                inputs[i]);
    return SC_OK;
}

/* ---------------------------------------------------------------------------------- */
/* whole-file reads                                                                    */

sc_status sc_file_read_all(const char *path, char **out, size_t *out_len, sc_error *err)
{
    *out = NULL;
    if (out_len)
        *out_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sc_error_set(err, SC_ERR_IO, path, "cannot open: %s", strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return sc_error_set(err, SC_ERR_IO, path, "cannot stat: %s", strerror(e));
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        return sc_error_set(err, SC_ERR_USAGE, path, "is a directory; expected a file");
    }
    int regular = S_ISREG(sb.st_mode);
    size_t limit = regular ? SC_FILE_MAX_BYTES : SC_STREAM_MAX_BYTES;
    if (regular && (uint64_t)sb.st_size > limit) {
        close(fd);
        return sc_error_set(err, SC_ERR_RANGE, path,
                            "file of %lld bytes is larger than the %zu bytes read whole",
                            (long long)sb.st_size, limit);
    }
    size_t cap = regular ? (size_t)sb.st_size + 2 : (size_t)1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory reading file");
    }
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > limit) {
                free(buf);
                close(fd);
                return sc_error_set(err, SC_ERR_RANGE, path,
                                    "more than %zu bytes from a %s; expected a regular file",
                                    limit, regular ? "file that grew" : "device or pipe");
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                close(fd);
                return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory reading file");
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return sc_error_set(err, e == EISDIR ? SC_ERR_USAGE : SC_ERR_IO, path,
                                "read error: %s", strerror(e));
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    *out = buf;
    if (out_len)
        *out_len = len;
    return SC_OK;
}
