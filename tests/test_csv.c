/*
 * test_csv.c - the one CSV reader (core/base/csv.c, sculpt/csv.h).
 *
 * Expected splits are written by hand from RFC 4180 section 2 (its rules 1-7 and
 * examples: fields with commas, line breaks and doubled quotes inside quotes; CRLF line
 * ends; the last record with or without a line break), plus sculpt's documented
 * relaxations (trimmed white space, blank and comment lines skipped, a BOM).
 */
#include <criterion/criterion.h>

#include <string.h>

#include "sculpt/csv.h"

static sc_csv *split(const char *text, const sc_csv_opts *o)
{
    sc_csv *c = NULL;
    sc_error err;
    sc_status st = sc_csv_parse(text, strlen(text), "t.csv", o, &c, &err);
    cr_assert_eq(st, SC_OK, "%s: %s", err.where, err.msg);
    return c;
}

static void expect_fields(const sc_csv_rec *r, size_t line, size_t n, const char *const *f)
{
    cr_expect_eq(r->line, line);
    cr_assert_eq(r->n, n, "line %zu: %zu fields", line, r->n);
    for (size_t i = 0; i < n; i++)
        cr_expect_str_eq(r->f[i], f[i], "line %zu field %zu", line, i);
}

Test(csv, rfc4180_examples)
{
    /* RFC 4180 2.6 and 2.7: "aaa","b CRLF bb","ccc" and "aaa","b""bb","ccc";
     * a comma inside quotes; an empty field; CRLF line ends, no final line break */
    const char *text = "\"aaa\",\"b\r\nbb\",\"ccc\"\r\n"
                       "zzz,yyy,xxx\r\n"
                       "\"aaa\",\"b\"\"bb\",\"ccc\"\r\n"
                       "\"a,b\",,\"\"";
    sc_csv *c = split(text, NULL);
    cr_assert_eq(c->n_rec, 4);
    expect_fields(&c->rec[0], 1, 3, (const char *[]){"aaa", "b\r\nbb", "ccc"});
    expect_fields(&c->rec[1], 3, 3, (const char *[]){"zzz", "yyy", "xxx"});
    expect_fields(&c->rec[2], 4, 3, (const char *[]){"aaa", "b\"bb", "ccc"});
    expect_fields(&c->rec[3], 5, 3, (const char *[]){"a,b", "", ""});
    sc_csv_free(c);
    sc_csv_free(NULL);
}

Test(csv, bom_blank_comment_lines_and_trimming)
{
    const char *text = "\xEF\xBB\xBF time , value \n"
                       "\n"
                       "   \t\n"
                       "# a comment, with a comma\n"
                       "  \"2024-01-01 00:00\" ,  5 \n"
                       "2024-01-01 01:00,\n";
    sc_csv_opts o = {'#', 0, 2};
    sc_csv *c = split(text, &o);
    cr_assert_eq(c->n_rec, 3);
    expect_fields(&c->rec[0], 1, 2, (const char *[]){"time", "value"});
    expect_fields(&c->rec[1], 5, 2, (const char *[]){"2024-01-01 00:00", "5"});
    expect_fields(&c->rec[2], 6, 2, (const char *[]){"2024-01-01 01:00", ""});
    sc_csv_free(c);
    /* without a comment character '#' starts an ordinary field; keep_space keeps blanks */
    sc_csv_opts strict = {0, 1, 0};
    c = split("# x, y \n", &strict);
    expect_fields(&c->rec[0], 1, 2, (const char *[]){"# x", " y "});
    sc_csv_free(c);
    /* an empty text has no records */
    c = split("", NULL);
    cr_expect_eq(c->n_rec, 0);
    sc_csv_free(c);
}

static void expect_error(const char *text, size_t len, const sc_csv_opts *o, const char *where,
                         const char *msg)
{
    sc_csv *c = (sc_csv *)1;
    sc_error err;
    cr_assert_eq(sc_csv_parse(text, len, "t.csv", o, &c, &err), SC_ERR_INPUT, "%s", text);
    cr_expect_null(c);
    cr_expect_str_eq(err.where, where);
    cr_expect(strstr(err.msg, msg), "'%s' lacks '%s'", err.msg, msg);
}

Test(csv, errors_name_the_line)
{
    /* the quote opened on line 2 is never closed: the record's line is named */
    expect_error("a,b\n\"open,b\nc,d\n", 16, NULL, "t.csv:2", "unterminated");
    expect_error("a,b\n\"x\"y,b\n", 11, NULL, "t.csv:2", "after a closing quote");
    /* a multi-line field moves the line count on: the bad record starts on line 4 */
    sc_csv_opts two = {0, 0, 2};
    expect_error("a,b\n\"1\n2\",x\nc,d,e\n", 18, &two, "t.csv:4", "expected 2");
    expect_error("a,b\nc\n", 6, &two, "t.csv:2", "got 1");
    expect_error("a,b\nc,\0d\n", 9, NULL, "t.csv:2", "NUL");
}

Test(csv, read_a_file_and_report_a_missing_one)
{
    sc_csv *c = NULL;
    sc_error err;
    const char *eia =
        SC_SOURCE_DIR "/traces/data/eia/eia_13regions_demand_MW_hourly_utc_2020_2022.csv";
    cr_assert_eq(sc_csv_read(eia, NULL, &c, &err), SC_OK, "%s", err.msg);
    /* wc -l: 26,305 lines = a header and 26,304 hourly rows of 14 fields */
    cr_expect_eq(c->n_rec, 26305);
    expect_fields(&c->rec[0], 1, 14,
                  (const char *[]){"date_time_utc", "CAL", "NW", "SW", "CENT", "TEX", "MIDW",
                                   "TEN", "SE", "FLA", "CAR", "MIDA", "NY", "NE"});
    cr_expect_eq(c->rec[26304].n, 14);
    sc_csv_free(c);
    cr_expect_eq(sc_csv_read("/nonexistent/x.csv", NULL, &c, &err), SC_ERR_IO);
    cr_expect_null(c);
}
