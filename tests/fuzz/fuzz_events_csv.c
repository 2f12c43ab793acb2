/*
 * fuzz_events_csv.c - fuzz harness of the event feed CSV parser
 * (sc_event_feed_parse_csv, core/include/sculpt/events.h).
 *
 * The input is the feed text (cut at an embedded NUL, as a C string).  On success every
 * event must satisfy sc_event_validate (the parser's promise), and sorting the feed must
 * keep it valid; on failure *out must be NULL and err must say why.
 */
#include "fuzz.h"
#include "sculpt/events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    char *text = sc_fuzz_strndup(data, size);
    if (!text)
        return 0;
    sc_event_feed *feed = NULL;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_event_feed_parse_csv(text, "fuzz.csv", &feed, &err);
    if (st == SC_OK) {
        if (!feed)
            abort();
        sc_event_feed_sort(feed);
        for (size_t i = 0; i < feed->n; i++) {
            if (sc_event_validate(&feed->events[i], "fuzz", &err) != SC_OK)
                abort();
            if (i > 0 && feed->events[i].start_ms < feed->events[i - 1].start_ms)
                abort();
        }
    } else if (feed || err.status == SC_OK) {
        abort();
    }
    sc_event_feed_free(feed);
    free(text);
    return 0;
}
