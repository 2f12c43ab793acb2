/*
 * fuzz_aws_xml.c - fuzz harness of the cloud adapters' XML reader (sc_xml_leaves,
 * core/cloud/cloudint.h), which reads every EC2 and Auto Scaling answer.
 *
 * Checks: on failure the list is NULL and err is filled; on success every leaf has a
 * non-empty path without a leading '/', text without leading or trailing whitespace,
 * and sc_xml_path_ends finds each path's own last element.
 */
#include <string.h>

#include "fuzz.h"
#include "../../core/cloud/cloudint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    sc_xml_leaf *lv = (sc_xml_leaf *)1;
    size_t n = 99;
    sc_error err;
    sc_error_clear(&err);
    if (sc_xml_leaves((const char *)data, size, &lv, &n, &err) != SC_OK) {
        if (lv != NULL || n != 0 || err.status == SC_OK)
            abort();
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const char *p = lv[i].path, *t = lv[i].text;
        if (!p[0] || p[0] == '/' || !t)
            abort();
        size_t l = strlen(t);
        if (l && (strchr(" \t\r\n", t[0]) || strchr(" \t\r\n", t[l - 1])))
            abort();
        const char *last = strrchr(p, '/');
        if (!sc_xml_path_ends(p, last ? last + 1 : p))
            abort();
    }
    sc_xml_leaves_free(lv, n);
    return 0;
}
