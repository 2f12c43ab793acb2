/*
 * fuzz_time.c - fuzz harness of the timestamp and duration parsers (sc_time_parse,
 * sc_duration_parse, core/include/sculpt/time.h), which read every time cell of traces,
 * event feeds, scenarios and generator specs.
 *
 * The input is split at its first newline: the part before is the text to parse, the
 * part after (up to 63 bytes) the time zone of timestamps without an offset ("" = UTC,
 * "+05:30", an IANA name, or garbage).  The text is given to sc_time_parse with that
 * zone and with NULL, and to sc_duration_parse.  Checks: a parsed timestamp formats
 * back without trouble; with an explicit offset or "Z" the zone must not matter; a
 * parsed duration is >= 0.
 */
#include <string.h>

#include "fuzz.h"
#include "sculpt/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) /* a time cell is short; longer inputs only cost time */
        return 0;
    char *text = sc_fuzz_strndup(data, size);
    if (!text)
        return 0;
    char tz[64] = "";
    char *nl = strchr(text, '\n');
    if (nl) {
        *nl = '\0';
        snprintf(tz, sizeof tz, "%s", nl + 1);
    }
    sc_time_ms t_utc = 0, t_zone = 0;
    sc_status su = sc_time_parse(text, NULL, &t_utc);
    sc_status sz = sc_time_parse(text, tz, &t_zone);
    if (su == SC_OK) {
        char buf[32];
        sc_time_format(t_utc, buf, sizeof buf);
        size_t len = strlen(text);
        while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
            len--;
        /* "...Z" names its own offset: any zone must give the same instant */
        if (len > 10 && text[len - 1] == 'Z' && (sz != SC_OK || t_zone != t_utc))
            abort();
    }
    int64_t ms = 0;
    if (sc_duration_parse(text, &ms) == SC_OK && ms < 0)
        abort();
    free(text);
    return 0;
}
