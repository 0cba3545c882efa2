/* profile_xml.c — the open (XML) profile format, guide §2.2, on expat.
 *
 * Rules: parameters are the child elements of <flat-profile>, which may sit
 * anywhere in the document and may carry a namespace (elements are matched by
 * local name); the last occurrence wins; values are trimmed and newlines
 * become spaces; escapes and numeric references are decoded by expat; only
 * ASCII is accepted; `ua` sets user access; <X/> leaves the value unchanged
 * while <X></X> sets it empty; other elements are ignored but counted. With an
 * alias map (--alias), elements anywhere are mapped to parameters by path. */
#include <expat.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/alias.h"
#include "spaprov/profile.h"

#define NS_SEP '\x01'
#define MAX_DEPTH 256

typedef struct frame {
    size_t path_len;       /* length of the path before this element */
    bool has_children;
    bool contains_fp;      /* a <flat-profile> was inside */
    bool is_fp;            /* this element is a <flat-profile> */
} frame;

typedef struct xml_ctx {
    XML_Parser parser;
    const char *data;
    const char *file;
    const spa_xml_options *opt;
    spa_diags *diags;
    spa_profile *out;
    frame stack[MAX_DEPTH];
    unsigned depth;          /* elements open */
    unsigned fp_depth;       /* depth of the innermost open flat-profile (0 = none) */
    spa_buf path;            /* "/a/b/c" of the open elements */
    spa_buf text;            /* direct text of the innermost element */
    /* the open parameter element, if any */
    unsigned param_depth;
    bool param_empty_tag;
    spa_access param_access;
    unsigned param_line, param_col;
    bool failed;
} xml_ctx;

static const char *local_name(const XML_Char *name)
{
    const char *sep = strrchr(name, NS_SEP);
    return sep ? sep + 1 : name;
}

static void fail_at(xml_ctx *c, unsigned line, unsigned col, const char *code, const char *msg,
                    const char *arg)
{
    spa_diag_add(c->diags, SPA_DIAG_ERROR, c->file, line, col, code, "%s%s%s%s", msg,
                 arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
    c->failed = true;
    XML_StopParser(c->parser, XML_FALSE);
}

static unsigned cur_line(const xml_ctx *c)
{
    return (unsigned)XML_GetCurrentLineNumber(c->parser);
}

static unsigned cur_col(const xml_ctx *c)
{
    return (unsigned)XML_GetCurrentColumnNumber(c->parser) + 1;
}

/* <X/>: the start tag's bytes end in "/>". Valid because the whole document
 * is handed to expat in one buffer. */
static bool is_empty_tag(const xml_ctx *c)
{
    XML_Index at = XML_GetCurrentByteIndex(c->parser);
    int n = XML_GetCurrentByteCount(c->parser);
    return at >= 0 && n >= 2 && c->data[at + n - 2] == '/';
}

static int read_ua(xml_ctx *c, const XML_Char **attrs, spa_access *a)
{
    *a = SPA_ACCESS_UNSET;
    for (size_t i = 0; attrs[i]; i += 2) {
        if (strcmp(local_name(attrs[i]), "ua") != 0)
            continue;
        if (spa_access_parse(attrs[i + 1], a) < 0) {
            fail_at(c, cur_line(c), cur_col(c), "bad-ua",
                    "ua must be na, ro or rw, not", attrs[i + 1]);
            return -1;
        }
    }
    return 0;
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    xml_ctx *c = ud;
    if (c->failed)
        return;
    const char *local = local_name(name);
    if (c->depth >= MAX_DEPTH) {
        fail_at(c, cur_line(c), cur_col(c), "too-deep", "elements nested too deeply", NULL);
        return;
    }
    if (c->depth)
        c->stack[c->depth - 1].has_children = true;
    c->stack[c->depth] = (frame){ .path_len = c->path.len };
    c->depth++;
    if (spa_buf_putc(&c->path, '/') < 0 || spa_buf_puts(&c->path, local) < 0) {
        fail_at(c, cur_line(c), cur_col(c), "oom", "out of memory", NULL);
        return;
    }
    spa_buf_reset(&c->text);
    if (strcmp(local, "flat-profile") == 0 && !c->param_depth) {
        c->fp_depth = c->depth;
        c->stack[c->depth - 1].is_fp = true;
        for (unsigned i = 0; i + 1 < c->depth; i++)
            c->stack[i].contains_fp = true;
        return;
    }
    if (c->fp_depth && c->depth == c->fp_depth + 1) {
        c->param_depth = c->depth;
        c->param_empty_tag = is_empty_tag(c);
        c->param_line = cur_line(c);
        c->param_col = cur_col(c);
        read_ua(c, attrs, &c->param_access);
    }
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    xml_ctx *c = ud;
    if (c->failed)
        return;
    if (c->param_depth && c->depth != c->param_depth)
        return;   /* text of something nested inside a parameter */
    if (spa_buf_append(&c->text, s, (size_t)len) < 0)
        fail_at(c, cur_line(c), cur_col(c), "oom", "out of memory", NULL);
}

/* Trim and turn newlines into spaces, in place; returns the new start. */
static char *normalize_value(char *s, size_t *len)
{
    for (size_t i = 0; i < *len; i++)
        if (s[i] == '\n' || s[i] == '\r')
            s[i] = ' ';
    size_t b = 0, e = *len;
    while (b < e && (s[b] == ' ' || s[b] == '\t'))
        b++;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    s[e] = '\0';
    *len = e - b;
    return s + b;
}

/* Record a parameter whose element just closed. */
static void emit_param(xml_ctx *c, const char *name, bool empty_tag, spa_access a,
                       unsigned line, unsigned col)
{
    const char *value = NULL;
    if (!empty_tag) {
        if (spa_buf_reserve(&c->text, 0) < 0) {
            fail_at(c, line, col, "oom", "out of memory", NULL);
            return;
        }
        size_t len = c->text.len;
        value = normalize_value(c->text.data, &len);
        if (!spa_value_is_ascii(value, len)) {
            if (c->opt && c->opt->skip_non_ascii) {
                spa_diag_add(c->diags, SPA_DIAG_WARNING, c->file, line, col, "non-ascii",
                             "value is not printable ASCII in '%s': entry dropped", name);
                return;
            }
            fail_at(c, line, col, "non-ascii", "value is not printable ASCII in", name);
            return;
        }
    }
    int rc = spa_profile_set(c->out, name, value, a, c->file, line, col);
    if (rc == -1)
        fail_at(c, line, col, "bad-name", "invalid parameter name", name);
    else if (rc == -2)
        fail_at(c, line, col, "oom", "out of memory", NULL);
}

static void on_end(void *ud, const XML_Char *name)
{
    xml_ctx *c = ud;
    if (c->failed)
        return;
    frame *f = &c->stack[c->depth - 1];
    const char *local = local_name(name);
    if (c->param_depth == c->depth) {
        emit_param(c, local, c->param_empty_tag, c->param_access, c->param_line, c->param_col);
        c->param_depth = 0;
    } else if (c->fp_depth == c->depth) {
        /* an enclosing flat-profile, if any, becomes current again */
        c->fp_depth = 0;
        for (unsigned i = c->depth - 1; i > 0; i--)
            if (c->stack[i - 1].is_fp) {
                c->fp_depth = i;
                break;
            }
    } else if (!c->param_depth) {
        const char *param = NULL;
        if (c->opt && c->opt->aliases && !f->has_children)
            param = spa_alias_map_lookup(c->opt->aliases, c->path.data, c->path.len);
        if (param)
            emit_param(c, param, false, SPA_ACCESS_UNSET, cur_line(c), cur_col(c));
        else if (!f->contains_fp)
            c->out->ignored_elements++;
    } else {
        c->out->ignored_elements++;   /* nested inside a parameter element */
    }
    c->path.len = f->path_len;
    c->path.data[c->path.len] = '\0';
    c->depth--;
    spa_buf_reset(&c->text);
}

/* Move tmp's entries into p (last wins), leaving tmp empty. */
static int merge_into(spa_profile *p, spa_profile *tmp)
{
    if (p->n == 0) {
        size_t dups = p->duplicates, ign = p->ignored_elements;
        spa_profile_free(p);
        *p = *tmp;
        p->duplicates += dups;
        p->ignored_elements += ign;
        spa_profile_init(tmp);
        return 0;
    }
    for (size_t i = 0; i < tmp->n; i++) {
        const spa_profile_entry *e = &tmp->v[i];
        if (spa_profile_set(p, e->name, e->value, e->access, e->file, e->line, e->col) < 0)
            return -2;
    }
    p->ignored_elements += tmp->ignored_elements;
    p->duplicates += tmp->duplicates;
    spa_profile_free(tmp);
    return 0;
}

int spa_profile_parse_xml(spa_profile *p, const char *data, size_t len, const char *file,
                          const spa_xml_options *opt, spa_diags *d)
{
    if (len > (size_t)INT32_MAX) {
        spa_diag_add(d, SPA_DIAG_ERROR, file, 0, 0, "too-large", "profile too large");
        return -1;
    }
    spa_profile tmp;
    spa_profile_init(&tmp);
    xml_ctx c = { .data = data, .file = file, .opt = opt, .diags = d, .out = &tmp };
    spa_buf_init(&c.path);
    spa_buf_init(&c.text);
    c.parser = XML_ParserCreateNS(NULL, NS_SEP);
    if (!c.parser || spa_buf_reserve(&c.path, 64) < 0) {
        spa_diag_add(d, SPA_DIAG_ERROR, file, 0, 0, "oom", "out of memory");
        c.failed = true;
    } else {
        XML_SetUserData(c.parser, &c);
        XML_SetElementHandler(c.parser, on_start, on_end);
        XML_SetCharacterDataHandler(c.parser, on_text);
        XML_SetParamEntityParsing(c.parser, XML_PARAM_ENTITY_PARSING_NEVER);
        if (XML_Parse(c.parser, data, (int)len, XML_TRUE) == XML_STATUS_ERROR && !c.failed) {
            spa_diag_add(d, SPA_DIAG_ERROR, file, (unsigned)XML_GetCurrentLineNumber(c.parser),
                         (unsigned)XML_GetCurrentColumnNumber(c.parser) + 1, "xml-syntax",
                         "%s", XML_ErrorString(XML_GetErrorCode(c.parser)));
            c.failed = true;
        }
    }
    if (c.parser)
        XML_ParserFree(c.parser);
    spa_buf_free(&c.path);
    spa_buf_free(&c.text);
    int rc = c.failed ? -1 : merge_into(p, &tmp);
    if (rc == -2)
        spa_diag_add(d, SPA_DIAG_ERROR, file, 0, 0, "oom", "out of memory");
    spa_profile_free(&tmp);
    return rc < 0 ? -1 : 0;
}

static int put_escaped(spa_buf *out, const char *s)
{
    for (;;) {
        size_t run = strcspn(s, "&<>");
        if (spa_buf_append(out, s, run) < 0)
            return -1;
        s += run;
        if (!*s)
            return 0;
        if (spa_buf_puts(out, *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : "&gt;") < 0)
            return -1;
        s++;
    }
}

/* "<name", "</name>" and the like without printf. */
static int put3(spa_buf *out, const char *a, const char *b, const char *c)
{
    return spa_buf_puts(out, a) | spa_buf_puts(out, b) | spa_buf_puts(out, c);
}

int spa_profile_write_xml(const spa_profile *p, spa_buf *out)
{
    if (spa_buf_puts(out, "<flat-profile>\n") < 0)
        return -1;
    for (size_t i = 0; i < p->n; i++) {
        const spa_profile_entry *e = &p->v[i];
        int rc = put3(out, "  <", e->name, "");
        if (e->access != SPA_ACCESS_UNSET)
            rc |= put3(out, " ua=\"", spa_access_name(e->access), "\"");
        if (!e->value)
            rc |= spa_buf_puts(out, "/>\n");
        else
            rc |= spa_buf_putc(out, '>') | put_escaped(out, e->value) |
                  put3(out, "</", e->name, ">\n");
        if (rc)
            return -1;
    }
    return spa_buf_puts(out, "</flat-profile>\n");
}
