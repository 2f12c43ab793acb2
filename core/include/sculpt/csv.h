/*
 * csv.h - the one CSV reader of sculpt (RFC 4180), used by trace import
 * (traces/src/import.c) and the event feed (core/tsdb/events.c).
 *
 * Input: comma-separated records, one per line, LF or CRLF line ends, an optional UTF-8
 * byte-order mark.  A field in double quotes may contain commas, line breaks and quotes
 * written twice ("a ""b"", c" is: a "b", c); the quotes are removed.  Whole-line blank
 * lines are skipped, and so are comment lines when opts.comment is set ('#': lines whose
 * first non-blank character is '#').  Unless opts.keep_space, white space around a field
 * (and around the quotes of a quoted one) is removed - a relaxation of RFC 4180 that
 * every sculpt reader had and that hand-written files rely on.  A quote inside an unquoted
 * field is kept as a character.  Errors name "file:line" (the line where the record
 * starts, 1-based, counting every physical line): an unterminated quoted field, text
 * after a closing quote, a NUL byte, or a record whose field count differs from
 * opts.n_fields when that is set.
 *
 * The text is copied once and split in place; all records and fields live in one
 * sc_csv that the caller frees with sc_csv_free().  Memory: the copy plus one pointer per
 * field (at most one per comma or line), bounded by the input size.
 */
#ifndef SCULPT_CSV_H
#define SCULPT_CSV_H

#include "sculpt/export.h"

#include <stddef.h>

#include "sculpt/status.h"

SC_BEGIN_DECLS

typedef struct sc_csv_opts {
    char comment;    /* skip lines whose first non-blank character is this; 0 = none */
    int keep_space;  /* 1: keep white space around fields (strict RFC 4180); 0 = trim */
    size_t n_fields; /* > 0: every record must have exactly this many fields */
} sc_csv_opts;

typedef struct sc_csv_rec {
    size_t line; /* 1-based physical line where the record starts */
    size_t n;    /* number of fields, >= 1 */
    char **f;    /* [n] NUL-terminated fields, unquoted; owned by the sc_csv */
} sc_csv_rec;

typedef struct sc_csv {
    sc_csv_rec *rec; /* [n_rec] records in file order (blank and comment lines skipped) */
    size_t n_rec;
    char *buf_;      /* private: the split copy of the text */
    char **fields_;  /* private: storage of every record's field pointers */
} sc_csv;

/* Split `len` bytes of `text` (need not be NUL-terminated).  `file` names the input in
 * errors (NULL = "<csv>"); opts may be NULL (defaults: no comments, trim, any count).
 * On success *out is new and the caller frees it with sc_csv_free(); on error *out is
 * NULL and err says where and what (SC_ERR_INPUT, SC_ERR_NOMEM). */
sc_status sc_csv_parse(const char *text, size_t len, const char *file, const sc_csv_opts *opts,
                       sc_csv **out, sc_error *err);

/* Read and split the file at `path` (errors of reading: SC_ERR_IO naming the path). */
sc_status sc_csv_read(const char *path, const sc_csv_opts *opts, sc_csv **out, sc_error *err);

/* Free; NULL is a no-op. */
void sc_csv_free(sc_csv *csv);

SC_END_DECLS

#endif
