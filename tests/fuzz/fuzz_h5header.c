/*
 * fuzz_h5header.c - the raw object-header check of the untrusted-HDF5 probe
 * (sc_h5_probe_header, core/base/h5probe.c): sculpt's own parser of HDF5 object
 * headers, attribute messages, dataspaces and continuation chains, run before libhdf5
 * decodes a file from elsewhere.
 *
 * Input: 8 bytes, the header's address (little-endian, its top bit cleared, taken modulo
 * the image's size), then the file image.  Offsets and lengths are 8 bytes (sculpt's
 * files and HDF5's default), or 4 bytes when the top bit of the eighth byte is set.  Contract checked: the result is 0 or -1, and -1 comes with a message.
 * No libhdf5 call: a crash here is sculpt's.
 */
#include "fuzz.h"

#include "../../core/base/h5util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9 || size > SC_FUZZ_MAX_INPUT)
        return 0;
    uint64_t addr = 0;
    for (int i = 7; i >= 0; i--)
        addr = (addr << 8) | (i == 7 ? (data[i] & 0x7f) : data[i]);
    const unsigned char *img = data + 8;
    size_t n = size - 8;
    addr %= n;
    unsigned w = (data[7] & 0x80) ? 4 : 8;
    /* a private copy of exactly n bytes, so that ASan sees any read past the image */
    unsigned char *copy = malloc(n);
    if (!copy)
        return 0;
    memcpy(copy, img, n);
    char why[256];
    int rc = sc_h5_probe_header(copy, n, addr, w, w, why, sizeof why);
    if (rc != 0 && rc != -1)
        abort();
    if (rc == -1 && why[0] == '\0')
        abort();
    free(copy);
    return 0;
}
