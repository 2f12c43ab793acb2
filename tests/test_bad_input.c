/*
 * test_bad_input.c - the bad-input table (tests/bad_input/README.md) is the test: every
 * row of the page's table is run as it is written (its shell snippet in a fresh directory
 * with the fixtures the page lists), and must exit with the row's status, print the row's
 * message fragment on stderr, leave the existing output out.h5 untouched and leave no
 * temporary file.  The expected values are the page's, written from the README's
 * exit-status table; the page and this test cannot disagree.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sculpt/fsutil.h"

#define PAGE SC_SOURCE_DIR "/tests/bad_input/README.md"

typedef struct row {
    char id[16], command[64], kind[256], shell[2048], message[512];
    int exit_code;
} row;

/* Trim spaces and one pair of enclosing backticks, in place. */
static char *cell(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = '\0';
    if (n >= 2 && s[0] == '`' && s[n - 1] == '`') {
        s[n - 1] = '\0';
        s++;
    }
    return s;
}

/* The rows of the page's table (lines "| Bnn | ..."); *n_out rows, caller frees. */
static row *read_rows(size_t *n_out)
{
    char *text = NULL;
    cr_assert_eq(sc_file_read_all(PAGE, &text, NULL, NULL), SC_OK, "cannot read %s", PAGE);
    row *rows = calloc(256, sizeof *rows);
    size_t n = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && n < 256;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "| B", 3) != 0)
            continue;
        /* split on " | " (cells never contain a '|'; the page avoids it) */
        char *cells[8];
        int nc = 0;
        char *p = line + 1;
        while (nc < 8) {
            char *bar = strchr(p, '|');
            if (!bar)
                break;
            *bar = '\0';
            cells[nc++] = cell(p);
            p = bar + 1;
        }
        cr_assert_eq(nc, 6, "%s: a row needs 6 cells, has %d", PAGE, nc);
        row *r = &rows[n++];
        snprintf(r->id, sizeof r->id, "%s", cells[0]);
        snprintf(r->command, sizeof r->command, "%s", cells[1]);
        snprintf(r->kind, sizeof r->kind, "%s", cells[2]);
        snprintf(r->shell, sizeof r->shell, "%s", cells[3]);
        r->exit_code = atoi(cells[4]);
        snprintf(r->message, sizeof r->message, "%s", cells[5]);
    }
    free(text);
    *n_out = n;
    return rows;
}

static int count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

Test(bad_input, every_row_of_the_page, .timeout = 900)
{
    size_t n = 0;
    row *rows = read_rows(&n);
    cr_assert_geq(n, 40, "the page lists %zu kinds of bad input; at least 40 expected", n);
    /* at least one row per command that takes input */
    const char *cmds[] = {"run", "scenario check", "trace gen", "trace import", "trace info",
                          "forecast", "plan", "sweep", "report", "compare"};
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        int seen = 0;
        for (size_t i = 0; i < n; i++)
            seen |= strcmp(rows[i].command, cmds[c]) == 0;
        cr_expect(seen, "no row for `sculpt %s`", cmds[c]);
    }
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        char dir[64] = "/tmp/sculpt-bad-XXXXXX";
        cr_assert_not_null(mkdtemp(dir));
        /* the snippet, byte for byte, as a script (no quoting to get wrong) */
        char script[128];
        snprintf(script, sizeof script, "%s/.row.sh", dir);
        FILE *f = fopen(script, "w");
        cr_assert_not_null(f);
        fprintf(f, "%s\n", r->shell);
        fclose(f);
        char cmd[4096];
        snprintf(cmd, sizeof cmd,
                 "cd '%s' && cp '%s/tests/fixtures/sim/unit.json' "
                 "'%s/tests/fixtures/sim/flat.csv' . && cp '%s/traces/specs/demo.json' "
                 "spec.json && printf 'KEEP\\n' > out.h5 && "
                 "S='%s' SRC='%s' timeout 60 bash .row.sh >.stdout.txt 2>.stderr.txt",
                 dir, SC_SOURCE_DIR, SC_SOURCE_DIR, SC_SOURCE_DIR, SC_SCULPT_BIN,
                 SC_SOURCE_DIR);
        int st = system(cmd);
        int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        char p[128], *err = NULL, *keep = NULL;
        snprintf(p, sizeof p, "%s/.stderr.txt", dir);
        if (sc_file_read_all(p, &err, NULL, NULL) != SC_OK)
            err = strdup("");
        snprintf(p, sizeof p, "%s/out.h5", dir);
        if (sc_file_read_all(p, &keep, NULL, NULL) != SC_OK)
            keep = strdup("(missing)");
        int ok = 1;
        if (rc != r->exit_code) {
            cr_log_error("%s (%s: %s): exit %d, the page says %d; stderr: %s", r->id,
                         r->command, r->kind, rc, r->exit_code, err);
            ok = 0;
        }
        if (!strstr(err, r->message)) {
            cr_log_error("%s (%s: %s): stderr lacks '%s': %s", r->id, r->command, r->kind,
                         r->message, err);
            ok = 0;
        }
        if (strcmp(keep, "KEEP\n") != 0) {
            cr_log_error("%s (%s: %s): the existing output out.h5 was changed", r->id,
                         r->command, r->kind);
            ok = 0;
        }
        if (count_tmp(dir) != 0) {
            cr_log_error("%s (%s: %s): a temporary file was left", r->id, r->command,
                         r->kind);
            ok = 0;
        }
        failed += !ok;
        free(err);
        free(keep);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        (void)!system(cmd);
    }
    cr_assert_eq(failed, 0, "%d of %zu rows of %s failed (see above)", failed, n, PAGE);
    free(rows);
}
