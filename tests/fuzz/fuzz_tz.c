/*
 * fuzz_tz.c - fuzz harness of the TZif reader (sc_tz_parse, core/include/sculpt/tz.h),
 * which reads the zone files named by --tz and by generator specs (from $TZDIR, so from
 * outside sculpt's control).
 *
 * The input is the bytes of a TZif file.  When it parses, offsets are read at instants
 * from before the first transition to far after the last one (the footer rule), and
 * local times are converted back.  Checks: every offset is within +-26 h (the reader
 * refuses larger ones), and a converted local time lies within two such offsets of its
 * local value.
 */
#include "fuzz.h"
#include "sculpt/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    sc_tz *z = NULL;
    sc_error err;
    if (sc_tz_parse(data, size, "Fuzz/Zone", NULL, &z, &err) != SC_OK)
        return 0;
    const int64_t lim = 26 * 3600;
    for (int64_t t = -INT64_C(4000000000); t < INT64_C(8000000000); t += 7 * 86400 + 3599) {
        int32_t off = sc_tz_offset(z, t);
        if (off <= -lim || off >= lim)
            abort();
        int64_t u = sc_tz_local_to_utc(z, t);
        if (u < t - 2 * lim || u > t + 2 * lim)
            abort();
    }
    sc_tz_free(z);
    return 0;
}
