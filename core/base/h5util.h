/*
 * h5util.h - the one set of HDF5 helpers of sculpt (internal: not installed).
 *
 * The library's public headers never include <hdf5.h>: a caller of libsculpt does not
 * need HDF5's headers.  Modules that read or write HDF5 (tsdb, the WIV writer, the
 * results files, the report) include this header by path ("../base/h5util.h",
 * "../core/base/h5util.h") and nothing else of HDF5 beyond <hdf5.h> itself.
 *
 * What is here, and the rules it keeps:
 *   - Error printing.  HDF5 prints its error stack to stderr by default.  The library
 *     turns that off for its OWN calls only: sc_h5_quiet_begin() saves the automatic
 *     error function of this thread's default error stack and disables it,
 *     sc_h5_quiet_end() puts the saved one back.  A host process's handler is never
 *     replaced for longer than one library call (never H5Eset_auto2 process-wide).
 *     Every public function of a module that calls HDF5 brackets its work with the pair.
 *   - Reproducible bytes.  Files, groups and datasets are created with object time
 *     tracking off; sc_h5_file_create() takes a fixed library-version range (the files
 *     of each kind keep the range they were always written with, so bytes do not change).
 *   - Never trust a stored length.  A string's or dataset's byte count as claimed by the
 *     file is checked before anything is allocated: attribute data is stored
 *     uncompressed in the object header, so a string attribute can hold no more bytes
 *     than the file has; dataset data may be deflate-compressed, and deflate expands at
 *     most SC_H5_MAX_EXPANSION times, so a dataset can hold no more than that many times
 *     the file's size.  A larger claim is refused (-2) without allocating.
 *   - Validate the shape of untrusted files before reading (issue 13, item 2): numeric
 *     data must be an integer or float of 1, 2, 4 or 8 bytes; a chunk (its dimensions
 *     times the type's size) must fit in SC_H5_CHUNK_MAX_BYTES and in what the file can
 *     expand to, since libhdf5 allocates a whole chunk to read any of it; an element of
 *     a fixed-length string list is at most SC_H5_STRLIST_WIDTH_MAX bytes.
 *
 * Return codes of the int helpers: 0 done; -1 the object is absent; -2 it is present
 * but not of the kind asked for (class, rank, shape, size bound) or HDF5 failed;
 * -3 out of memory.  Writers return 0 or -1.
 *
 * Ownership: every `char **out` / `void **out` is malloc'd and freed by the caller with
 * free() (string lists with sc_h5_strlist_free).
 */
#ifndef SCULPT_H5UTIL_H
#define SCULPT_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "sculpt/status.h"

/* Upper bound of deflate's expansion (zlib technical details: at most 1032:1). */
#define SC_H5_MAX_EXPANSION 1032u
/* Largest chunk read (bytes of one chunk, uncompressed): sculpt writes chunks of at most
 * a few MiB; libhdf5 itself caps a chunk at 4 GiB. */
#define SC_H5_CHUNK_MAX_BYTES ((hsize_t)256 << 20)
/* Widest element of a fixed-length string list (names, labels): sculpt's are < 64. */
#define SC_H5_STRLIST_WIDTH_MAX 4096u

/* ---- error printing, scoped ----------------------------------------------------- */

typedef struct sc_h5_quiet {
    H5E_auto2_t fn;   /* the host's automatic error function (may be NULL) */
    void *data;       /* its client data */
    int saved;        /* 1 when fn/data hold the saved values */
} sc_h5_quiet;

/* Save this thread's automatic error function and switch printing off. */
void sc_h5_quiet_begin(sc_h5_quiet *q);
/* Put the saved function back (no-op when nothing was saved). */
void sc_h5_quiet_end(sc_h5_quiet *q);

/* The innermost message on this thread's error stack (the most specific cause) into
 * buf, "" when the stack is empty; clears the stack.  Returns buf. */
const char *sc_h5_reason(char *buf, size_t len);

/* Close any HDF5 id by its type; negative ids are ignored. */
void sc_h5_close(hid_t id);

/* 1 if every stored chunk of dataset d (a contiguous or compact one passes) has filter
 * mask 0 (sculpt applies all its filters to every chunk, so another mask is corruption
 * that would make libhdf5 copy compressed bytes as raw data past its buffer), lies
 * inside the file, and, in a dataset without filters, is stored as exactly one chunk's
 * bytes (a changed pipeline message makes libhdf5 copy a whole chunk out of a shorter
 * buffer); checked before reading, from the chunk index only.  0 otherwise. */
int sc_h5_chunks_ok(hid_t d);

/* 1 if dataset d is numeric data sculpt could have written: class integer (mask bit 1)
 * or float (bit 2) of 1, 2, 4 or 8 bytes, its chunks pass sc_h5_chunks_ok, and its
 * extent's bytes (as the native type of that size) fit in what the file can hold. */
int sc_h5_numeric_ok(hid_t d, unsigned class_mask);

/* ---- files, groups ---------------------------------------------------------------- */

typedef enum sc_h5_libver {
    SC_H5_LIBVER_DEFAULT = 0,  /* HDF5's default range (earliest, latest): results files */
    SC_H5_LIBVER_V18 = 1       /* (1.8, 1.8): the series store */
} sc_h5_libver;

/* File access properties with the given version range (close with H5Pclose), or -1. */
hid_t sc_h5_fapl(sc_h5_libver v);
/* Create (truncate) path with object time tracking off and the version range v.
 * Returns the file id or -1. */
hid_t sc_h5_file_create(const char *path, sc_h5_libver v);
/* Create a group with time tracking off; -1 on failure. */
hid_t sc_h5_group_create(hid_t parent, const char *name);
/* Dataset creation properties with time tracking off (close with H5Pclose), or -1. */
hid_t sc_h5_dcpl(void);

/* 1 if every link of the relative or absolute path exists (each level is checked, so
 * a missing parent is "no", not an error), else 0.  Allocates nothing; a path of 1024
 * bytes or more is not checked and reads as present (-1: the caller's open reports). */
int sc_h5_exists(hid_t loc, const char *path);

/* ---- attributes --------------------------------------------------------------------- */

/* How a fixed-length string attribute or dataset is sized in the file. */
typedef enum sc_h5_strsize {
    SC_H5_STR_EXACT = 0,  /* strlen bytes (1 for ""), null-terminated pad: results files */
    SC_H5_STR_NUL = 1     /* strlen + 1 bytes, the NUL stored: store, WIV */
} sc_h5_strsize;

/* Write (replace) a scalar fixed-length ASCII string attribute. */
int sc_h5_attr_write_str(hid_t obj, const char *name, const char *val, sc_h5_strsize how);
/* Write (replace) a scalar numeric attribute stored as file_type from *val of mem_type. */
int sc_h5_attr_write_num(hid_t obj, const char *name, hid_t file_type, hid_t mem_type,
                         const void *val);
int sc_h5_attr_write_i64(hid_t obj, const char *name, hid_t file_type, int64_t v);
int sc_h5_attr_write_f64(hid_t obj, const char *name, hid_t file_type, double v);

/* Read a scalar string attribute (fixed or variable length) into *out (malloc'd). */
int sc_h5_attr_read_str(hid_t obj, const char *name, char **out);
/* The same into buf[cap] (truncated to fit; buf is "" on failure). */
int sc_h5_attr_read_strbuf(hid_t obj, const char *name, char *buf, size_t cap);
/* Read a scalar integer or float attribute converted to mem_type. */
int sc_h5_attr_read_num(hid_t obj, const char *name, hid_t mem_type, void *out);
/* Read a scalar attribute that must be of integer class. */
int sc_h5_attr_read_int(hid_t obj, const char *name, int64_t *out);

/* ---- datasets ----------------------------------------------------------------------- */

/* Storage of a numeric dataset. */
typedef struct sc_h5_dsopt {
    hsize_t chunk_rows;  /* 0: contiguous; else rows (first dimension) per chunk, capped
                            at the row count; an empty dataset stays contiguous */
    int shuffle;         /* 1: shuffle filter before deflate */
    int deflate;         /* 0: none, else the deflate level 1..9 */
} sc_h5_dsopt;

/* Write a numeric dataset of rank 1..4 with dims[rank], stored as file_type, from
 * data of mem_type (row-major).  opt may be NULL (contiguous, no filter). */
int sc_h5_write_nd(hid_t loc, const char *name, int rank, const hsize_t *dims,
                   hid_t file_type, hid_t mem_type, const void *data, const sc_h5_dsopt *opt);

/* The same, leaving the dataset open (for attributes written before it is closed, as
 * existing files were): the caller closes the id; -1 on failure. */
hid_t sc_h5_write_nd_open(hid_t loc, const char *name, int rank, const hsize_t *dims,
                          hid_t file_type, hid_t mem_type, const void *data,
                          const sc_h5_dsopt *opt);

/* Read a numeric dataset of rank `rank` (integer or float class) into a malloc'd
 * array of mem_type elements of elsize bytes; dims[rank] receives its shape.  When
 * `expect` is non-NULL the shape must equal expect[rank] (else -2). */
int sc_h5_read_nd(hid_t loc, const char *name, hid_t mem_type, size_t elsize, int rank,
                  const hsize_t *expect, hsize_t *dims, void **out);
/* Read a 1-D numeric dataset of exactly n elements into buf[n] (caller's). */
int sc_h5_read_1d_into(hid_t loc, const char *name, hid_t mem_type, hsize_t n, void *buf);

/* Write a scalar fixed-length string dataset (size strlen, 1 for "", null-terminated
 * pad: the results files' layout). */
int sc_h5_write_string(hid_t loc, const char *name, const char *text);
/* Read a scalar string dataset (fixed or variable length) into *out (malloc'd). */
int sc_h5_read_string(hid_t loc, const char *name, char **out);

/* Write n strings as a 1-D fixed-length string dataset.  width 0: the longest string
 * (at least 1) with null padding (results files); width > 0: that width with
 * null-terminated padding (each string must be shorter than width). */
int sc_h5_write_strlist(hid_t loc, const char *name, const char *const *v, size_t n,
                        size_t width);
/* Read a 1-D string dataset (fixed or variable length) into *out[*n] (malloc'd
 * strings; free with sc_h5_strlist_free). */
int sc_h5_read_strlist(hid_t loc, const char *name, char ***out, size_t *n);
void sc_h5_strlist_free(char **v, size_t n);

/* ---- untrusted files (h5probe.c) ------------------------------------------------------ */

/* libhdf5 1.10.8 decodes object headers and attribute messages itself, with too few
 * bounds checks: a hostile file can make it read past its own buffers before any
 * caller sees a value.  sc_h5_probe walks the whole file (every object, attribute,
 * dataset shape, type, chunk index and data) in a forked child under resource limits,
 * so that such a read happens there.  Call it on every file from elsewhere before
 * opening it (results files, stores).  Design, limits and exit protocol: h5probe.c. */
typedef enum sc_h5_probe_result {
    SC_H5_PROBE_CLEAN = 0,      /* walked to the end (parts may have been refused by
                                   HDF5: the reader says what, as it always did); also
                                   for a path that is not a regular file */
    SC_H5_PROBE_HOSTILE = 1,    /* the walk crashed, hit a limit or timed out, or the
                                   file is inconsistent in a way the readers cannot see */
    SC_H5_PROBE_UNAVAILABLE = 2 /* pipe, fork or wait failed: the file was not checked */
} sc_h5_probe_result;

/* How much the child walks (each level includes the ones above it):
 *   HEADERS  every object reachable from the root (H5Ovisit2: groups' links, symbol
 *            tables, B-trees, header prefixes decoded by libhdf5) and every object
 *            header read raw and checked (h5probe.c);
 *            (the default: a few ms, bench/untrusted/README.md);
 *   ATTRS    + libhdf5 decodes every attribute message (the table H5Aiterate builds);
 *   FULL     + every attribute's and every dataset's data read (datasets that pass
 *            sc_h5_chunks_ok and the expansion bound), in blocks of 16 MiB.
 * OFF skips the probe.  The environment variable SCULPT_H5_PROBE (off, headers, attrs,
 * full) chooses the level of sc_h5_probe; costs in bench/untrusted/README.md. */
enum { SC_H5_PROBE_OFF = 0, SC_H5_PROBE_HEADERS = 1, SC_H5_PROBE_ATTRS = 2,
       SC_H5_PROBE_FULL = 3 };
/* The level of sc_h5_probe: SCULPT_H5_PROBE, else HEADERS. */
int sc_h5_probe_depth_default(void);

/* Probe path at the default level; why[len] receives one line for anything but CLEAN.
 * Clean verdicts are remembered per (device, inode, size, mtime) for the life of the
 * process. */
sc_h5_probe_result sc_h5_probe(const char *path, char *why, size_t len);
/* The same at a given level, without the remembered verdicts (tests, benchmarks). */
sc_h5_probe_result sc_h5_probe_run(const char *path, int depth, char *why, size_t len);

/* The raw check of the probe alone, in this process, on a file image img[size]: the
 * object header at file address addr (no user block), with offsets of `so` and lengths
 * of `sl` bytes (2, 4 or 8; other sizes are not checked).  0 when it passes (or is of a
 * version the check does not know: libhdf5 refuses those), -1 with why[len] filled.
 * For the fuzz harness tests/fuzz/fuzz_h5header.c. */
int sc_h5_probe_header(const unsigned char *img, size_t size, uint64_t addr, unsigned so,
                       unsigned sl, char *why, size_t len);

/* sc_h5_probe as a status: SC_OK when clean; else SC_ERR_IO (exit 3) with the path and
 * "corrupt or hostile HDF5 file: <why>" (or why the check could not run). */
sc_status sc_h5_probe_check(const char *path, sc_error *err);

#endif
