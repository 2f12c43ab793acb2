/*
 * csv.c - the one CSV reader (contract in csv.h): RFC 4180 records split in place.
 *
 * One pass over a private copy of the text, at the start of a physical line each time
 * round the outer loop: a blank or comment line is skipped, anything else is a record.
 * A record is read field by field; a quoted field is unescaped in place (the write
 * pointer never overtakes the read pointer, because every escape shrinks the text) and
 * may run over line ends, which are counted so that line numbers stay physical.  Each
 * field is NUL-terminated where its separator or closing quote was, after the separator
 * has been looked at.  Sizes are known before the pass: at most one record per line and
 * one field per comma or line, so the two arrays are allocated once, bounded by the input.
 */
#include "sculpt/csv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/fsutil.h"

/* white space other than the line feed, which ends a record */
static int is_blank(char c)
{
    return c != '\n' && isspace((unsigned char)c);
}

void sc_csv_free(sc_csv *csv)
{
    if (!csv)
        return;
    free(csv->rec);
    free(csv->fields_);
    free(csv->buf_);
    free(csv);
}

static sc_status fail_at(sc_error *err, sc_status st, const char *file, size_t line,
                         const char *msg)
{
    char where[1100];
    snprintf(where, sizeof where, "%.1000s:%zu", file, line);
    return sc_error_set(err, st, where, "%s", msg);
}

sc_status sc_csv_parse(const char *text, size_t len, const char *file, const sc_csv_opts *opts,
                       sc_csv **out, sc_error *err)
{
    *out = NULL;
    static const sc_csv_opts defaults = {0, 0, 0};
    if (!opts)
        opts = &defaults;
    if (!file)
        file = "<csv>";
    if (!text)
        len = 0;
    const char *nul = len ? memchr(text, '\0', len) : NULL;
    if (nul) {
        size_t line = 1;
        for (const char *q = text; q < nul; q++)
            line += *q == '\n';
        return fail_at(err, SC_ERR_INPUT, file, line,
                       "binary file (NUL byte); expected CSV text");
    }
    sc_status st = SC_OK;
    sc_csv *c = calloc(1, sizeof *c);
    if (!c || !(c->buf_ = malloc(len + 1))) {
        st = sc_error_set(err, SC_ERR_NOMEM, file, "out of memory reading CSV");
        goto fail;
    }
    if (len)
        memcpy(c->buf_, text, len);
    c->buf_[len] = '\0';
    char *p = c->buf_, *end = c->buf_ + len;
    if (len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        p += 3;
    size_t n_lines = 1, n_commas = 0;
    for (const char *q = p; q < end; q++) {
        n_lines += *q == '\n';
        n_commas += *q == ',';
    }
    c->rec = calloc(n_lines, sizeof *c->rec);
    c->fields_ = calloc(n_lines + n_commas, sizeof *c->fields_);
    if (!c->rec || !c->fields_) {
        st = sc_error_set(err, SC_ERR_NOMEM, file, "out of memory splitting CSV");
        goto fail;
    }
    const int trim = !opts->keep_space;
    size_t line = 1, nf = 0;
    while (p < end) {
        /* a blank or comment line? */
        const char *q = p;
        while (q < end && is_blank(*q))
            q++;
        if (q == end || *q == '\n' || (opts->comment && *q == opts->comment)) {
            while (q < end && *q != '\n')
                q++;
            if (q < end)
                line++;
            p = (char *)q + (q < end);
            continue;
        }
        sc_csv_rec *r = &c->rec[c->n_rec++];
        r->line = line;
        r->f = &c->fields_[nf];
        r->n = 0;
        char *s = p;
        for (;;) {
            if (trim)
                while (s < end && is_blank(*s))
                    s++;
            char *field = s, *w;
            if (s < end && *s == '"') {
                char *rd = s + 1;
                w = s;
                for (;;) {
                    if (rd >= end) {
                        st = fail_at(err, SC_ERR_INPUT, file, r->line,
                                     "unterminated quoted field (a '\"' opens a field that "
                                     "no closing '\"' ends)");
                        goto fail;
                    }
                    if (*rd == '"') {
                        if (rd + 1 < end && rd[1] == '"') {
                            *w++ = '"';
                            rd += 2;
                            continue;
                        }
                        rd++;
                        break;
                    }
                    line += *rd == '\n';
                    *w++ = *rd++;
                }
                if (trim)
                    while (rd < end && is_blank(*rd))
                        rd++;
                if (rd < end && *rd == '\r' && (rd + 1 == end || rd[1] == '\n'))
                    rd++;
                if (rd < end && *rd != ',' && *rd != '\n') {
                    st = fail_at(err, SC_ERR_INPUT, file, line,
                                 "text after a closing quote; expected ',' or end of line");
                    goto fail;
                }
                s = rd;
            } else {
                char *e = s;
                while (e < end && *e != ',' && *e != '\n')
                    e++;
                w = e;
                if (w > field && w[-1] == '\r' && (e == end || *e == '\n'))
                    w--; /* the CR of CRLF */
                if (trim)
                    while (w > field && is_blank(w[-1]))
                        w--;
                s = e;
            }
            int last = s >= end || *s == '\n';
            *w = '\0'; /* w <= s: the separator was read above */
            r->f[r->n++] = field;
            nf++;
            if (last) {
                if (s < end) {
                    line++;
                    s++;
                }
                p = s;
                break;
            }
            s++; /* past the comma */
        }
        if (opts->n_fields && r->n != opts->n_fields) {
            char msg[128];
            snprintf(msg, sizeof msg, "expected %zu comma-separated fields, got %zu",
                     opts->n_fields, r->n);
            st = fail_at(err, SC_ERR_INPUT, file, r->line, msg);
            goto fail;
        }
    }
    *out = c;
    return SC_OK;
fail:
    sc_csv_free(c);
    return st;
}

sc_status sc_csv_read(const char *path, const sc_csv_opts *opts, sc_csv **out, sc_error *err)
{
    *out = NULL;
    char *buf = NULL;
    size_t len = 0;
    sc_status st = sc_file_read_all(path, &buf, &len, err);
    if (st != SC_OK)
        return st;
    st = sc_csv_parse(buf, len, path, opts, out, err);
    free(buf);
    return st;
}
