/*
 * fsutil.h - output files written atomically, checked against the inputs, and cleaned
 * up on interruption.
 *
 * An output is written to a temporary file in its own directory and renamed over the
 * final name only when it is complete, so a failed or interrupted command leaves no
 * half-written file under the final name.
 *
 *   - The temporary name is "<base>.tmp.<16 hex digits>" beside the output, the digits
 *     from getrandom(2): unpredictable, so a link planted in advance cannot catch the
 *     write.  sc_atomic_begin creates the file itself, exclusively and without following
 *     links (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0666 less the umask), and holds an advisory
 *     open-file-description lock (fcntl F_OFD_SETLK; not flock, which HDF5 itself
 *     takes on the files it creates) on it until commit or abort.  Writers then open af->tmp by name (HDF5
 *     and stdio both do), which opens the file just made.
 *   - Commit fsyncs the temporary file, renames it into place and fsyncs the directory.
 *   - Stale temporary files of the same output (left by kill -9 or a power cut: their
 *     lock died with the process) are removed by the next sc_atomic_begin of that output;
 *     a temporary file still locked belongs to a live writer and is kept.
 *   - Every live temporary file (and every temporary directory registered with
 *     sc_tmp_register) is in one process-wide table of fixed size, so that a signal
 *     handler can remove them all with sc_tmp_cleanup_signal(), which only calls
 *     async-signal-safe functions (unlink, open, getdents64, unlinkat, rmdir).  This is
 *     the one piece of process-wide state here: interruption is process-wide by nature.
 *   - A command with several outputs writes them all to temporary files first, then
 *     commits them together with sc_atomic_commit_all: either every output is replaced
 *     or, if a rename fails, those already renamed are put back as they were.
 *
 * Output equal to an input is refused by file identity (device and inode, after
 * resolving links), not by name: sc_output_check.
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
    char tmp[4200];   /* temporary name in the same directory ("" if none was made) */
    int fd;           /* open on tmp and write-locked while live; -1 otherwise */
    int slot;         /* entry in the live-temporary table, -1 if none */
} sc_atomic_file;

/* Create the temporary file for path (exclusively, see above) and remove stale ones of
 * the same output.  A path that is a directory is SC_ERR_USAGE (exit 2); a directory
 * that cannot be written is SC_ERR_IO (exit 3).  On failure nothing is left and
 * af->tmp is "". */
sc_status sc_atomic_begin(sc_atomic_file *af, const char *path, sc_error *err);
/* fsync tmp, rename it over path, fsync the directory.  On failure removes tmp. */
sc_status sc_atomic_commit(sc_atomic_file *af, sc_error *err);
/* Commit n temporary files together: all are fsynced before the first rename; if a
 * rename fails, the outputs already renamed are restored (previous file put back, or
 * removed if there was none) and every temporary file is removed. */
sc_status sc_atomic_commit_all(sc_atomic_file *const *afs, size_t n, sc_error *err);
/* Remove tmp if it exists (call on any failure path).  af may be NULL; idempotent (a
 * second call does nothing); af->tmp keeps the name, for messages. */
void sc_atomic_abort(sc_atomic_file *af);

/* Refuse an output that is the same file as one of the inputs (device and inode after
 * resolving links; inputs that do not exist or are NULL are skipped): SC_ERR_USAGE
 * naming both.  Also refuses an output that is an existing directory.  A missing
 * output is fine. */
sc_status sc_output_check(const char *output, const char *const *inputs, size_t n_inputs,
                          sc_error *err);
/* 1 if a and b name the same existing file (device and inode, links resolved). */
int sc_path_same_file(const char *a, const char *b);

/* Register a temporary file or directory (removed recursively) for removal by
 * sc_tmp_cleanup_signal; returns the slot or -1 when the table is full (the path is
 * then only cleaned by its owner).  Unregister with the slot once the path is renamed
 * or removed. */
int sc_tmp_register(const char *path, int is_dir);
void sc_tmp_unregister(int slot);
/* Bracket the registration and creation of a temporary path (register first, then
 * create; unregister inside the bracket if the creation fails).  Once a signal handler
 * has begun sc_tmp_cleanup_signal, sc_tmp_create_begin does not return (the process is
 * about to _exit), and the handler waits for brackets in progress to end, so no
 * temporary path is created behind its back by another thread. */
void sc_tmp_create_begin(void);
void sc_tmp_create_end(void);
/* Remove every registered temporary path.  Async-signal-safe: for a handler of SIGINT
 * or SIGTERM that then calls _exit. */
void sc_tmp_cleanup_signal(void);

/* Read a whole file into a NUL-terminated buffer; caller frees with free().  A
 * directory is SC_ERR_USAGE.  Bounded before allocating: a regular file above
 * SC_FILE_MAX_BYTES, or a device or pipe giving more than SC_STREAM_MAX_BYTES (so
 * /dev/zero is refused, not read until memory runs out), is SC_ERR_RANGE with the
 * figure. */
#define SC_FILE_MAX_BYTES ((size_t)1 << 30)   /* 1 GiB */
#define SC_STREAM_MAX_BYTES ((size_t)1 << 26) /* 64 MiB */
sc_status sc_file_read_all(const char *path, char **out, size_t *out_len, sc_error *err);

SC_END_DECLS

#endif
