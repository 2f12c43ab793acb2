/*
 * xml.c - the flat XML reader of the cloud adapters (cloudint.h): expat, leaves only.
 */
#include "cloudint.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>

typedef struct xctx {
    char path[256];
    size_t depth_len[64];       /* path length before each open element */
    int depth;
    int has_child[64];          /* the element at depth d has a child element */
    uint32_t open_id[64];       /* document-order ordinal of the open element at depth d */
    uint32_t n_open;            /* start tags seen */
    char *text; size_t tlen, tcap;
    sc_xml_leaf *list; size_t n, cap;
    int oom;
} xctx;

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    xctx *x = ud;
    (void)attrs;
    if (x->depth > 0)
        x->has_child[x->depth - 1] = 1;
    if (x->depth >= 64) {
        x->oom = 1;
        return;
    }
    size_t l = strlen(x->path);
    x->depth_len[x->depth] = l;
    x->has_child[x->depth] = 0;
    x->open_id[x->depth] = ++x->n_open;
    snprintf(x->path + l, sizeof x->path - l, "%s%s", l ? "/" : "", name);
    x->depth++;
    x->tlen = 0;
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    xctx *x = ud;
    if (x->tlen + (size_t)len + 1 > x->tcap) {
        size_t c = x->tcap ? x->tcap * 2 : 256;
        while (c < x->tlen + (size_t)len + 1)
            c *= 2;
        char *q = realloc(x->text, c);
        if (!q) {
            x->oom = 1;
            return;
        }
        x->text = q;
        x->tcap = c;
    }
    memcpy(x->text + x->tlen, s, (size_t)len);
    x->tlen += (size_t)len;
}

static void on_end(void *ud, const XML_Char *name)
{
    xctx *x = ud;
    (void)name;
    if (x->depth <= 0)
        return;
    x->depth--;
    if (!x->has_child[x->depth]) {
        if (x->n == x->cap) {
            size_t c = x->cap ? x->cap * 2 : 32;
            sc_xml_leaf *q = realloc(x->list, c * sizeof *q);
            if (!q) {
                x->oom = 1;
                return;
            }
            x->list = q;
            x->cap = c;
        }
        const char *t = x->text ? x->text : "";
        size_t a = 0, b = x->tlen;
        while (a < b && strchr(" \t\r\n", t[a]))
            a++;
        while (b > a && strchr(" \t\r\n", t[b - 1]))
            b--;
        sc_xml_leaf *lf = &x->list[x->n];
        snprintf(lf->path, sizeof lf->path, "%s", x->path);
        for (int d = 0; d < SC_XML_IDS; d++)
            lf->ids[d] = d <= x->depth ? x->open_id[d] : 0;
        lf->text = malloc(b - a + 1);
        if (!lf->text) {
            x->oom = 1;
            return;
        }
        memcpy(lf->text, t + a, b - a);
        lf->text[b - a] = '\0';
        x->n++;
    }
    x->path[x->depth_len[x->depth]] = '\0';
    x->tlen = 0;
}

sc_status sc_xml_leaves(const char *xml, size_t len, sc_xml_leaf **out, size_t *n,
                        sc_error *err)
{
    *out = NULL;
    *n = 0;
    XML_Parser p = XML_ParserCreate("UTF-8");
    if (!p)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    xctx x;
    memset(&x, 0, sizeof x);
    XML_SetUserData(p, &x);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    sc_status st = SC_OK;
    if (XML_Parse(p, xml, (int)len, 1) != XML_STATUS_OK)
        st = sc_error_set(err, SC_ERR_INPUT, NULL, "malformed XML answer at line %lu: %s",
                          (unsigned long)XML_GetCurrentLineNumber(p),
                          XML_ErrorString(XML_GetErrorCode(p)));
    else if (x.oom)
        st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory reading an XML answer");
    XML_ParserFree(p);
    free(x.text);
    if (st) {
        sc_xml_leaves_free(x.list, x.n);
        return st;
    }
    *out = x.list;
    *n = x.n;
    return SC_OK;
}

void sc_xml_leaves_free(sc_xml_leaf *list, size_t n)
{
    if (!list)
        return;
    for (size_t i = 0; i < n; i++)
        free(list[i].text);
    free(list);
}

int sc_xml_path_ends(const char *path, const char *suffix)
{
    size_t a = strlen(path), b = strlen(suffix);
    if (b > a)
        return 0;
    if (strcmp(path + a - b, suffix) != 0)
        return 0;
    return a == b || path[a - b - 1] == '/';
}

uint32_t sc_xml_element_id(const sc_xml_leaf *lf, const char *elem)
{
    size_t l = strlen(elem), pl = strlen(lf->path);
    uint32_t id = 0;
    for (size_t i = 0; i + l <= pl; i++) {
        if ((i == 0 || lf->path[i - 1] == '/') && strncmp(lf->path + i, elem, l) == 0 &&
            (lf->path[i + l] == '/' || lf->path[i + l] == '\0')) {
            int depth = 0; /* the element's depth: the slashes up to its end */
            for (size_t k = 0; k < i + l; k++)
                depth += lf->path[k] == '/';
            if (depth < SC_XML_IDS)
                id = lf->ids[depth];
        }
    }
    return id;
}
