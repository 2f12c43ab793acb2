/*
 * fuzz_journal.c - fuzz harness of the live journal reader (sc_journal_open, live.h,
 * core/live/journal.c): the file a crash may have cut anywhere, and a person may edit.
 *
 * The input follows a valid header line for a stand-in scenario (name "f", hash 1).
 * Checks: on failure *out is NULL and err is filled; on success every decision's
 * actions lie inside the action array, every recorded call is found by its own key, the
 * file now ends on a record boundary (a torn tail was cut), and opening it again gives
 * the same decisions and actions (recovery is idempotent).
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp in fuzz.h */
#define SC_FUZZ_NEEDS_TMPDIR
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "sculpt/live.h"

static const char header[] =
    "#sculpt-journal 1 hash=0000000000000001 origin=0 policy=x scenario=f\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    size_t hl = sizeof header - 1;
    uint8_t *buf = malloc(hl + size + 1);
    if (!buf)
        return 0;
    memcpy(buf, header, hl);
    memcpy(buf + hl, data, size);
    char path[512];
    if (sc_fuzz_write_file("journal", buf, hl + size, path, sizeof path)) {
        free(buf);
        return 0;
    }
    free(buf);
    sc_scenario sc;
    memset(&sc, 0, sizeof sc);
    snprintf(sc.name, sizeof sc.name, "f");
    sc.hash = 1;
    sc_journal *j = (sc_journal *)&sc; /* must be overwritten */
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_journal_open(path, &sc, "x", 0, &j, &err);
    if (st != SC_OK) {
        if (j != NULL || err.status == SC_OK)
            abort();
        unlink(path);
        return 0;
    }
    size_t nd, na;
    const sc_journal_decision *d = sc_journal_decisions(j, &nd);
    sc_journal_actions(j, &na);
    for (size_t i = 0; i < nd; i++)
        if (d[i].first_action > na || d[i].n_actions > na - d[i].first_action)
            abort();
    sc_journal_close(j);
    /* the file ends on a record boundary */
    FILE *fp = fopen(path, "rb");
    if (!fp)
        abort();
    fseek(fp, -1, SEEK_END);
    if (fgetc(fp) != '\n')
        abort();
    fclose(fp);
    /* a second open finds the same */
    if (sc_journal_open(path, &sc, "x", 0, &j, &err) != SC_OK)
        abort();
    size_t nd2, na2;
    sc_journal_decisions(j, &nd2);
    sc_journal_actions(j, &na2);
    if (nd2 != nd || na2 != na)
        abort();
    sc_journal_close(j);
    unlink(path);
    return 0;
}
