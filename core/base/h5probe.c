/*
 * h5probe.c - walk an untrusted HDF5 file in a forked child before the process opens it
 * (issue 13, item 2; contract in h5util.h, "untrusted files").
 *
 * Why a child: libhdf5 1.10.8 decodes object headers, attribute messages, B-trees and
 * heaps itself, with too few bounds checks (tests/fuzz/corpus/results/crash_* held
 * files whose attribute message makes H5Aexists copy past the header's buffer, and SEGV
 * under ASan).  Nothing sculpt can ask the library before that decoding happens, so the
 * decoding is done first in another process.  sc_h5_probe() forks; the child, under
 * resource limits, opens the file read-only and walks it at one of three levels
 * (h5util.h):
 *
 *   headers  H5Lvisit lists every link of every group (libhdf5 decodes the groups:
 *            symbol tables, B-trees, local heaps, link messages), and every object
 *            header reached by a hard link is read raw from a read-only map of the file
 *            and checked against the format specification (below) before libhdf5 ever
 *            decodes its messages;
 *   attrs    + libhdf5 decodes every attribute message (H5Aiterate_by_name);
 *   full     + every object opened, every attribute's data read (variable-length
 *            strings reclaimed), every dataset's chunk index checked (sc_h5_chunks_ok)
 *            and all of its data read in blocks of at most PROBE_BLOCK_BYTES, when the
 *            readers' own bounds would let it be read.
 *
 * The raw check is what the readers cannot do themselves: an attribute message whose
 * parts claim more bytes than the message holds is refused (the crashers above), and so
 * is a message running past its chunk, a chunk past the end of the file, a continuation
 * pointing back into its header.
 *
 * The child ends with _exit (no atexit handler, no library shutdown):
 *   PROBE_EXIT_CLEAN    the walk finished (HDF5 may have refused parts of the file:
 *                       the reader in the parent refuses them again with its own,
 *                       more precise message, so a truncated or non-sculpt file keeps
 *                       the exit status and message it always had);
 *   PROBE_EXIT_BAD      the raw check failed; one line of text goes up the pipe.
 * Any other ending (a signal: SIGSEGV, SIGBUS, SIGABRT, SIGALRM from the wall-clock
 * alarm, SIGXCPU from RLIMIT_CPU, SIGKILL from the kernel; or a sanitizer's exit code)
 * means libhdf5 could not read the file safely.
 *
 * Limits in the child: RLIMIT_AS = the address space the parent has plus the map plus
 * PROBE_AS_BUDGET (relative, so it also holds under ASan's and valgrind's large
 * reservations), RLIMIT_CPU and alarm() from the file's size (PROBE_CPU_BASE_S plus one
 * second per PROBE_BYTES_PER_CPU_S; the wall-clock bound is PROBE_WALL_FACTOR times
 * that, for a loaded machine), PR_SET_PDEATHSIG so the child never outlives its parent
 * (a SIGINT of the parent ends it too), SIGINT/SIGTERM back to their defaults (the
 * CLI's handler would remove the parent's temporary files from the child), and stderr
 * on /dev/null unless SCULPT_H5_PROBE_DEBUG is set (a sanitizer's report stays
 * visible then).
 *
 * Verdicts of clean files are remembered per (device, inode, size, mtime) for the life
 * of the process (PROBE_CACHE entries, under a mutex): `report` opens one results file
 * up to three times, a sweep reads one store per setting.  A file swapped between the
 * probe and the open is not covered (the probe and the open name the same path).
 *
 * Threads: fork() in a process with threads gives a child with one thread; the child
 * calls only libhdf5 and malloc (glibc keeps malloc usable across fork).  The death
 * signal follows the forking thread (OpenMP's workers live as long as the process).  A
 * child that finds HDF5's global state mid-call in another thread at best fails (clean)
 * and at worst hangs until the alarm (reported as hostile: a false alarm, never a
 * crash).
 */
#define _GNU_SOURCE
#include "h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PROBE_EXIT_CLEAN 0
#define PROBE_EXIT_BAD 86
#define PROBE_BLOCK_BYTES ((hsize_t)16 << 20)          /* largest read buffer */
#define PROBE_AS_BUDGET ((rlim_t)1 << 30)              /* bytes of address space added */
#define PROBE_CPU_BASE_S 10u                           /* CPU seconds for any file */
#define PROBE_BYTES_PER_CPU_S ((unsigned long long)8 << 20)
#define PROBE_WALL_FACTOR 3u
#define PROBE_CACHE 16
#define PROBE_DEPTH_DEFAULT SC_H5_PROBE_HEADERS


/* ---- object headers, raw (child) ----------------------------------------------------
 *
 * What libhdf5 1.10.8 does not check before its memcpy: that an attribute message's
 * parts (name, datatype, dataspace, data = points x element size) fit inside the
 * message.  The header is read from a read-only map of the file and checked against the HDF5 File
 * Format Specification (version 3.0): "Version 1 Data Object Header Prefix" / "Version 2
 * Data Object Header Prefix" (IV.A.1), "Object Header Continuation Message" (0x0010),
 * "Attribute Message" (0x000C) versions 1-3, "Dataspace Message" (0x0001) versions 1-2
 * and "Datatype Message" (0x0003, element size at bytes 4-7).  Every message must lie
 * inside its chunk and every chunk inside the file; shared parts are not followed (the
 * library reads them through their own checked paths). */

typedef struct raw {
    const unsigned char *map; /* the file, mapped read-only (NULL: not checked) */
    hsize_t fs;         /* its size (bytes mapped) */
    hsize_t base;       /* the base address (user block size) */
    unsigned so, sl;    /* size of offsets, size of lengths (superblock) */
    char *why;          /* message on failure */
    size_t wlen;
    const char *name;   /* the object */
} raw;

static uint64_t le(const unsigned char *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

static int raw_fail(raw *r, const char *what, uint64_t a, uint64_t b)
{
    snprintf(r->why, r->wlen, "object '%.100s': %s (%llu > %llu)", r->name, what,
             (unsigned long long)a, (unsigned long long)b);
    return -1;
}

/* The len bytes at file address addr (NULL when they are not all inside the file). */
static const unsigned char *raw_at(const raw *r, uint64_t addr, uint64_t len)
{
    if (addr > r->fs || len > r->fs || r->base > r->fs - addr ||
        len > r->fs - addr - r->base || len == 0)
        return NULL;
    return r->map + r->base + addr;
}

/* Points of a dataspace message body d[n]; -1 when it cannot be read. */
static int64_t raw_points(raw *r, const unsigned char *d, uint64_t n)
{
    if (n < 4)
        return -1;
    unsigned ver = d[0], rank = d[1], flags = d[2];
    uint64_t off;
    if (ver == 1) {
        off = 8;
    } else if (ver == 2) {
        if (d[3] == 2)
            return 0; /* null */
        if (d[3] == 0)
            return 1; /* scalar */
        off = 4;
    } else {
        return -1;
    }
    if (rank == 0)
        return 1;
    if (rank > 32 || off + (uint64_t)rank * r->sl * ((flags & 1) ? 2 : 1) > n)
        return -1;
    uint64_t np = 1;
    for (unsigned i = 0; i < rank; i++) {
        uint64_t dim = le(d + off + (uint64_t)i * r->sl, r->sl);
        if (dim && np > UINT64_MAX / dim)
            return -1;
        np *= dim;
    }
    return np > (uint64_t)INT64_MAX ? -1 : (int64_t)np;
}

/* Check one attribute message body m[n]. */
static int raw_attr(raw *r, const unsigned char *m, uint64_t n)
{
    if (n < 8)
        return raw_fail(r, "an attribute message shorter than its fixed fields", 8, n);
    unsigned ver = m[0], flags = m[1];
    uint64_t ns = le(m + 2, 2), dts = le(m + 4, 2), dss = le(m + 6, 2), off = 8;
    if (ver == 3)
        off = 9;
    else if (ver != 1 && ver != 2)
        return 0; /* unknown version: libhdf5 refuses it */
    uint64_t pad = ver == 1 ? 7 : 0;
    uint64_t pn = (ns + pad) & ~pad, pt = (dts + pad) & ~pad, ps = (dss + pad) & ~pad;
    if (off + pn + pt + ps > n)
        return raw_fail(r, "an attribute's name, datatype and dataspace run past its message",
                        off + pn + pt + ps, n);
    if (ver > 1 && (flags & 3))
        return 0; /* shared datatype or dataspace: read through the library's checks */
    const unsigned char *dt = m + off + pn, *ds = dt + pt;
    if (dts < 8)
        return raw_fail(r, "an attribute's datatype shorter than its fixed fields", 8, dts);
    uint64_t esize = le(dt + 4, 4);
    if ((dt[0] & 0x0f) == 9) /* variable length: stored as length + heap ID */
        esize = 4 + r->so + 4;
    int64_t np = raw_points(r, ds, dss);
    if (np < 0)
        return 0; /* the library refuses the dataspace itself */
    if (esize && (uint64_t)np > (n - off - pn - pt - ps) / esize)
        return raw_fail(r, "an attribute's data (points x element size) runs past its message",
                        (uint64_t)np * esize, n - off - pn - pt - ps);
    return 0;
}

/* Check every message of the object header at addr, following continuations (at most
 * RAW_MAX_CHUNKS chunks). */
#define RAW_MAX_CHUNKS 4096
static int raw_header(raw *r, uint64_t addr)
{
    const unsigned char *pre = raw_at(r, addr, 16);
    if (!pre)
        return raw_fail(r, "its header lies outside the file", addr, r->fs);
    int v2 = memcmp(pre, "OHDR", 4) == 0;
    uint64_t caddr, clen; /* the chunk's messages: address and length */
    if (!v2) {
        if (pre[0] != 1)
            return 0; /* unknown: libhdf5 refuses it */
        caddr = addr + 16;
        clen = le(pre + 8, 4);
    } else {
        unsigned flags = pre[5];
        uint64_t o = 6 + ((flags & 0x20) ? 16 : 0) + ((flags & 0x10) ? 4 : 0);
        unsigned w = 1u << (flags & 3);
        if (!raw_at(r, addr, o + w))
            return raw_fail(r, "its header lies outside the file", addr, r->fs);
        caddr = addr + o + w;
        clen = le(pre + o, w);
    }
    uint64_t queue_a[RAW_MAX_CHUNKS], queue_l[RAW_MAX_CHUNKS];
    size_t nq = 0, qi = 0;
    queue_a[nq] = caddr;
    queue_l[nq++] = clen;
    int first = 1;
    while (qi < nq) {
        uint64_t a = queue_a[qi], l = queue_l[qi++];
        const unsigned char *c = raw_at(r, a, l);
        if (!c)
            return raw_fail(r, "a header chunk runs past the end of the file", a + l, r->fs);
        uint64_t p = 0, end = l;
        if (v2) {
            if (!first) {
                if (l < 8 || memcmp(c, "OCHK", 4) != 0)
                    return 0; /* the library refuses it (signature, checksum) */
                p = 4;
            }
            end = first ? l : l - 4; /* a continuation chunk ends with its checksum */
        }
        first = 0;
        unsigned hdr = v2 ? ((pre[5] & 0x04) ? 6 : 4) : 8;
        while (p + hdr <= end) {
            uint64_t type = v2 ? c[p] : le(c + p, 2);
            uint64_t size = v2 ? le(c + p + 1, 2) : le(c + p + 2, 2);
            unsigned mflags = v2 ? c[p + 3] : c[p + 4];
            p += hdr;
            if (size > end - p)
                return raw_fail(r, "a header message runs past its chunk", p + size, end);
            const unsigned char *m = c + p;
            if (type == 0x0C && !(mflags & 0x02) && raw_attr(r, m, size) < 0)
                return -1;
            if (type == 0x10 && size >= (uint64_t)r->so + r->sl) {
                uint64_t ca = le(m, r->so);
                size_t k = 0;
                while (k < nq && queue_a[k] != ca)
                    k++;
                if (k < nq)
                    return raw_fail(r, "a header continuation points back into the header",
                                    nq, k);
                if (nq == RAW_MAX_CHUNKS)
                    return raw_fail(r, "more header continuations than allowed", nq + 1,
                                    RAW_MAX_CHUNKS);
                queue_a[nq] = ca;
                queue_l[nq++] = le(m + r->so, r->sl);
            }
            p += size;
        }
    }
    return 0;
}

int sc_h5_probe_header(const unsigned char *img, size_t size, uint64_t addr, unsigned so,
                       unsigned sl, char *why, size_t len)
{
    if (len)
        why[0] = '\0';
    if ((so != 2 && so != 4 && so != 8) || (sl != 2 && sl != 4 && sl != 8))
        return 0;
    raw r = {.map = img, .fs = size, .base = 0, .so = so, .sl = sl, .why = why, .wlen = len,
             .name = "."};
    return size ? raw_header(&r, addr) : 0;
}

/* ---- the walk (child) ------------------------------------------------------------ */

typedef struct walk {
    hid_t file;         /* the open file */
    hsize_t fs;         /* its size in bytes */
    int bad;            /* 1 once an inconsistency is found */
    char why[240];      /* what, for the parent's message */
    raw raw;            /* the same file for raw reads of object headers */
    int depth;          /* sc_h5_probe_depth */
} walk;

/* Read `bytes` bytes of data described by (type ft, space sp) from an attribute (d < 0)
 * or a dataset, into a scratch buffer; variable-length data is reclaimed. */
static void read_all(hid_t a, hid_t d, hid_t ft, hid_t sp, hsize_t npoints)
{
    int vlen = H5Tis_variable_str(ft) > 0 || H5Tget_class(ft) == H5T_VLEN;
    hid_t mt = -1;
    if (H5Tis_variable_str(ft) > 0) {
        mt = H5Tcopy(H5T_C_S1);
        if (mt >= 0 && H5Tset_size(mt, H5T_VARIABLE) < 0) {
            H5Tclose(mt);
            mt = -1;
        }
    } else {
        mt = H5Tget_native_type(ft, H5T_DIR_DEFAULT);
    }
    if (mt < 0)
        return;
    size_t w = H5Tget_size(mt);
    if (w == 0 || npoints == 0) {
        H5Tclose(mt);
        return;
    }
    if (a >= 0) {
        /* attributes: bounded by the header, read whole */
        void *buf = calloc((size_t)npoints, w);
        if (buf && H5Aread(a, mt, buf) >= 0 && vlen)
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
        free(buf);
        H5Tclose(mt);
        return;
    }
    /* datasets: blocks of whole rows (first dimension) of at most PROBE_BLOCK_BYTES */
    int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t dims[H5S_MAX_RANK], start[H5S_MAX_RANK], count[H5S_MAX_RANK];
    if (rank < 0 || H5Sget_simple_extent_dims(sp, dims, NULL) != rank) {
        H5Tclose(mt);
        return;
    }
    if (rank == 0) {
        void *buf = calloc(1, w);
        if (buf && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0 && vlen)
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
        free(buf);
        H5Tclose(mt);
        return;
    }
    hsize_t row = w;
    for (int i = 1; i < rank; i++)
        row *= dims[i];
    hsize_t rows = row ? PROBE_BLOCK_BYTES / row : 0;
    if (rows == 0)
        rows = 1;
    if (rows > dims[0])
        rows = dims[0];
    if (row > PROBE_BLOCK_BYTES) {
        H5Tclose(mt);
        return; /* one row larger than the block: the readers refuse such shapes */
    }
    void *buf = calloc((size_t)rows, (size_t)row);
    for (hsize_t r0 = 0; buf && r0 < dims[0]; r0 += rows) {
        hsize_t n = dims[0] - r0 < rows ? dims[0] - r0 : rows;
        start[0] = r0;
        count[0] = n;
        for (int i = 1; i < rank; i++) {
            start[i] = 0;
            count[i] = dims[i];
        }
        hid_t fsp = H5Scopy(sp);
        hid_t msp = H5Screate_simple(rank, count, NULL);
        int ok = fsp >= 0 && msp >= 0 &&
                 H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
                 H5Dread(d, mt, msp, fsp, H5P_DEFAULT, buf) >= 0;
        if (ok && vlen)
            H5Dvlen_reclaim(mt, msp, H5P_DEFAULT, buf);
        sc_h5_close(msp);
        sc_h5_close(fsp);
        if (!ok)
            break; /* the reader will refuse it with its own message */
    }
    free(buf);
    H5Tclose(mt);
}

/* The bytes an element list of (type, space) claims, or 0 when not computable. */
static hsize_t claim_of(hid_t ft, hid_t sp, hsize_t *npoints)
{
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    size_t w = H5Tis_variable_str(ft) > 0 ? sizeof(char *) : H5Tget_size(ft);
    *npoints = np > 0 ? (hsize_t)np : 0;
    if (np < 0 || w == 0)
        return 0;
    if (*npoints && (hsize_t)w > ((hsize_t)-1) / *npoints)
        return (hsize_t)-1;
    return (hsize_t)w * *npoints;
}

typedef struct attr_walk {
    walk *w;
} attr_walk;

static herr_t attr_cb(hid_t loc, const char *name, const H5A_info_t *ai, void *op)
{
    (void)ai;
    attr_walk *aw = op;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return 0;
    hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
    if (ft >= 0 && sp >= 0) {
        hsize_t np = 0, claim = claim_of(ft, sp, &np);
        /* attribute data is stored raw: it cannot claim more than the file holds */
        if (claim <= aw->w->fs)
            read_all(a, -1, ft, sp, np);
    }
    sc_h5_close(sp);
    sc_h5_close(ft);
    H5Aclose(a);
    return 0;
}

static herr_t noop_attr_cb(hid_t loc, const char *name, const H5A_info_t *ai, void *op)
{
    (void)loc, (void)name, (void)ai, (void)op;
    return 0;
}

/* One object (at file address addr, reached as name from root): its header raw, then
 * what the level asks of libhdf5.  0 to go on, 1 to stop. */
static int visit_object(walk *w, hid_t root, const char *name, haddr_t addr)
{
    if (w->raw.map) {
        w->raw.name = name;
        if (raw_header(&w->raw, addr) < 0) {
            w->bad = 1;
            return 1; /* stop: the library would decode what is not there */
        }
    }
    hsize_t idx = 0;
    if (w->depth == SC_H5_PROBE_ATTRS) {
        /* libhdf5 decodes every attribute message of the header to build its table */
        H5Aiterate_by_name(root, name, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, noop_attr_cb,
                           NULL, H5P_DEFAULT);
        return 0;
    }
    if (w->depth < SC_H5_PROBE_FULL)
        return 0;
    hid_t o = H5Oopen(root, name, H5P_DEFAULT);
    if (o < 0)
        return 0;
    attr_walk aw = {w};
    H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, attr_cb, &aw);
    if (H5Iget_type(o) == H5I_DATASET) {
        hid_t ft = H5Dget_type(o), sp = H5Dget_space(o);
        hsize_t np = 0;
        /* the readers' bounds (h5util.c): chunks inside the file with every filter
         * applied, and no more data than the file can expand to */
        if (ft >= 0 && sp >= 0 && sc_h5_chunks_ok(o) &&
            claim_of(ft, sp, &np) / SC_H5_MAX_EXPANSION <= w->fs)
            read_all(-1, o, ft, sp, np);
        sc_h5_close(sp);
        sc_h5_close(ft);
    }
    H5Oclose(o);
    return 0;
}

/* Every hard link below the root (H5Lvisit reads the groups, not the objects' headers:
 * their first reader is raw_header). */
static herr_t link_cb(hid_t root, const char *name, const H5L_info_t *info, void *op)
{
    if (info->type != H5L_TYPE_HARD)
        return 0; /* soft and external links are not followed by sculpt's readers */
    return visit_object(op, root, name, info->u.address);
}

/* Everything in path, in this (child) process; PROBE_EXIT_CLEAN or PROBE_EXIT_BAD. */
static int walk_file(const char *path, int depth, char *why, size_t len)
{
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    walk w = {.file = -1, .depth = depth};
    char reason[160];
    int fd = -1;
    void *map = MAP_FAILED;
    struct stat sb;
    w.file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t fcpl = w.file >= 0 ? H5Fget_create_plist(w.file) : -1;
    size_t so = 0, sl = 0;
    hsize_t ub = 0;
    if (fcpl >= 0 && H5Pget_sizes(fcpl, &so, &sl) >= 0 && H5Pget_userblock(fcpl, &ub) >= 0 &&
        (so == 2 || so == 4 || so == 8) && (sl == 2 || sl == 4 || sl == 8))
        fd = open(path, O_RDONLY | O_CLOEXEC);
    sc_h5_close(fcpl);
    if (fd >= 0 && fstat(fd, &sb) == 0 && sb.st_size > 0)
        map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (w.file >= 0 && H5Fget_filesize(w.file, &w.fs) >= 0 && w.fs > 0) {
        if (map != MAP_FAILED)
            w.raw = (raw){.map = map, .fs = (hsize_t)sb.st_size, .base = ub,
                          .so = (unsigned)so, .sl = (unsigned)sl, .why = w.why,
                          .wlen = sizeof w.why};
        H5O_info_t ri;
        if (H5Oget_info2(w.file, &ri, H5O_INFO_BASIC) >= 0 &&
            visit_object(&w, w.file, ".", ri.addr) == 0 &&
            H5Lvisit(w.file, H5_INDEX_NAME, H5_ITER_NATIVE, link_cb, &w) < 0 && !w.bad &&
            w.raw.map) {
            /* a group whose index cannot be listed: the objects below it were not
             * checked, yet a reader looking one up by name may still reach it through
             * the parts of the index that are intact (found by mutating a results file:
             * a B-tree node's signature and an attribute message, together) */
            w.bad = 1;
            snprintf(w.why, sizeof w.why, "libhdf5 cannot list every object in the file "
                     "(a group's index is damaged: %s)", sc_h5_reason(reason, sizeof reason));
        }
    }
    if (map != MAP_FAILED)
        munmap(map, (size_t)sb.st_size);
    if (fd >= 0)
        close(fd);
    if (w.file >= 0)
        H5Fclose(w.file);
    sc_h5_quiet_end(&q);
    snprintf(why, len, "%s", w.why);
    return w.bad ? PROBE_EXIT_BAD : PROBE_EXIT_CLEAN;
}

/* ---- the fork (parent) ------------------------------------------------------------ */

typedef struct probe_key {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} probe_key;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static probe_key cache[PROBE_CACHE];
static size_t cache_n, cache_next;

static int key_eq(const probe_key *a, const probe_key *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static int cache_has(const probe_key *k)
{
    int hit = 0;
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < cache_n && !hit; i++)
        hit = key_eq(&cache[i], k);
    pthread_mutex_unlock(&cache_lock);
    return hit;
}

static void cache_put(const probe_key *k)
{
    pthread_mutex_lock(&cache_lock);
    cache[cache_next] = *k;
    cache_next = (cache_next + 1) % PROBE_CACHE;
    if (cache_n < PROBE_CACHE)
        cache_n++;
    pthread_mutex_unlock(&cache_lock);
}

/* Bytes of address space this process has mapped (VmSize), or 0 when unknown. */
static rlim_t vm_size(void)
{
    FILE *fp = fopen("/proc/self/statm", "r");
    unsigned long long pages = 0;
    if (fp) {
        if (fscanf(fp, "%llu", &pages) != 1)
            pages = 0;
        fclose(fp);
    }
    long ps = sysconf(_SC_PAGESIZE);
    return (rlim_t)pages * (rlim_t)(ps > 0 ? ps : 4096);
}

static void child(const char *path, int depth, int fd, unsigned cpu_s, rlim_t as)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    signal(SIGXCPU, SIG_DFL);
    if (!getenv("SCULPT_H5_PROBE_DEBUG")) {
        int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (nul >= 0) {
            dup2(nul, STDOUT_FILENO);
            dup2(nul, STDERR_FILENO);
            close(nul);
        }
    }
    struct rlimit cpu = {cpu_s, cpu_s + 1};
    setrlimit(RLIMIT_CPU, &cpu);
    if (as) {
        struct rlimit r = {as, as};
        setrlimit(RLIMIT_AS, &r);
    }
    alarm(cpu_s * PROBE_WALL_FACTOR);
    char why[240];
    int code = walk_file(path, depth, why, sizeof why);
    if (code == PROBE_EXIT_BAD) {
        size_t n = strlen(why);
        if (write(fd, why, n) != (ssize_t)n)
            code = PROBE_EXIT_BAD;
    }
    _exit(code);
}

int sc_h5_probe_depth_default(void)
{
    const char *e = getenv("SCULPT_H5_PROBE");
    if (!e || !*e)
        return PROBE_DEPTH_DEFAULT;
    if (strcmp(e, "off") == 0)
        return SC_H5_PROBE_OFF;
    if (strcmp(e, "headers") == 0)
        return SC_H5_PROBE_HEADERS;
    if (strcmp(e, "attrs") == 0)
        return SC_H5_PROBE_ATTRS;
    if (strcmp(e, "full") == 0)
        return SC_H5_PROBE_FULL;
    return PROBE_DEPTH_DEFAULT;
}

sc_h5_probe_result sc_h5_probe(const char *path, char *why, size_t len)
{
    if (len)
        why[0] = '\0';
    int depth = sc_h5_probe_depth_default();
    if (depth == SC_H5_PROBE_OFF)
        return SC_H5_PROBE_CLEAN;
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return SC_H5_PROBE_CLEAN; /* not a file: the reader says what it is */
    probe_key key = {sb.st_dev, sb.st_ino, sb.st_size, sb.st_mtim};
    if (cache_has(&key))
        return SC_H5_PROBE_CLEAN;
    sc_h5_probe_result r = sc_h5_probe_run(path, depth, why, len);
    if (r == SC_H5_PROBE_CLEAN)
        cache_put(&key);
    return r;
}

sc_h5_probe_result sc_h5_probe_run(const char *path, int depth, char *why, size_t len)
{
    if (len)
        why[0] = '\0';
    if (depth <= SC_H5_PROBE_OFF)
        return SC_H5_PROBE_CLEAN;
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return SC_H5_PROBE_CLEAN;
    unsigned cpu_s = PROBE_CPU_BASE_S +
                     (unsigned)((unsigned long long)sb.st_size / PROBE_BYTES_PER_CPU_S);
    rlim_t cur = vm_size();
    rlim_t as = cur ? cur + PROBE_AS_BUDGET + (rlim_t)sb.st_size : 0; /* + the map */
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(why, len, "cannot check the file: pipe: %s", strerror(errno));
        return SC_H5_PROBE_UNAVAILABLE;
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        snprintf(why, len, "cannot check the file: fork: %s", strerror(e));
        return SC_H5_PROBE_UNAVAILABLE;
    }
    if (pid == 0) {
        close(fds[0]);
        child(path, depth, fds[1], cpu_s, as);
    }
    close(fds[1]);
    char msg[240];
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fds[0], msg + got, sizeof msg - 1 - got);
        if (r > 0 && got + (size_t)r < sizeof msg - 1) {
            got += (size_t)r;
            continue;
        }
        if (r > 0)
            got += (size_t)r;
        if (r < 0 && errno == EINTR)
            continue;
        break;
    }
    msg[got] = '\0';
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(why, len, "cannot check the file: waitpid: %s", strerror(errno));
            return SC_H5_PROBE_UNAVAILABLE;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == PROBE_EXIT_CLEAN)
        return SC_H5_PROBE_CLEAN;
    if (WIFEXITED(status) && WEXITSTATUS(status) == PROBE_EXIT_BAD)
        snprintf(why, len, "%s", msg);
    else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        snprintf(why, len, "reading it with libhdf5 did not finish in %u s", cpu_s *
                 PROBE_WALL_FACTOR);
    else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU)
        snprintf(why, len, "reading it with libhdf5 took more than %u s of CPU", cpu_s);
    else if (WIFSIGNALED(status))
        snprintf(why, len, "reading it crashed libhdf5 (%s in a checking process)",
                 strsignal(WTERMSIG(status)));
    else
        snprintf(why, len, "reading it failed inside libhdf5 (a checking process exited "
                 "with status %d)", WEXITSTATUS(status));
    return SC_H5_PROBE_HOSTILE;
}

sc_status sc_h5_probe_check(const char *path, sc_error *err)
{
    char why[256];
    sc_h5_probe_result r = sc_h5_probe(path, why, sizeof why);
    if (r == SC_H5_PROBE_CLEAN)
        return SC_OK;
    if (r == SC_H5_PROBE_UNAVAILABLE)
        return sc_error_set(err, SC_ERR_IO, path, "%s", why);
    return sc_error_set(err, SC_ERR_IO, path, "corrupt or hostile HDF5 file: %s", why);
}
