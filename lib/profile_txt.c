/* profile_txt.c — the plain-text SPC source format, guide §2.6:
 *
 *     # comment
 *     import base.txt
 *     Name [!|?] ["value"] ;
 *
 * `!` = user read-write, `?` = read-only, no mark = not accessible; `Name ;`
 * leaves the value unchanged (DESIGN decision 2), `Name "" ;` empties it.
 * Quoted values take `\"` and `\\` escapes (any other backslash is literal);
 * newlines inside quotes become spaces, as in the XML format. `import` lines
 * splice another file, relative to the importing file, nested, with cycle
 * detection. Errors are collected with file:line:col; on any error nothing
 * is added to the caller's profile. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "spaprov/model.h"
#include "spaprov/profile.h"

#define DEFAULT_MAX_DEPTH 16

typedef struct txt_ctx {
    const spa_text_options *opt;
    spa_diags *diags;
    spa_profile *out;
    const char *stack[DEFAULT_MAX_DEPTH + 1];  /* real paths of open imports */
    unsigned depth;
    bool failed;
} txt_ctx;

typedef struct cursor {
    const char *s;
    size_t len, pos;
    unsigned line, col;
    const char *file;
} cursor;

static int peek(const cursor *c)
{
    return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static void advance(cursor *c)
{
    if (c->pos >= c->len)
        return;
    if (c->s[c->pos] == '\n') {
        c->line++;
        c->col = 1;
    } else {
        c->col++;
    }
    c->pos++;
}

static void error_at(txt_ctx *x, const cursor *c, unsigned line, unsigned col, const char *code,
                     const char *msg)
{
    spa_diag_add(x->diags, SPA_DIAG_ERROR, c->file, line, col, code, "%s", msg);
    x->failed = true;
}

static void skip_space_and_comments(cursor *c)
{
    for (;;) {
        int ch = peek(c);
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' || ch == '\v') {
            advance(c);
        } else if (ch == '#') {
            while (peek(c) != -1 && peek(c) != '\n')
                advance(c);
        } else {
            return;
        }
    }
}

static bool is_name_char(int ch)
{
    return ch > ' ' && ch < 0x7f && ch != '"' && ch != ';' && ch != '!' && ch != '?' &&
           ch != '#';
}

/* After an error: skip past the next ';' or to the end of the line. */
static void recover(cursor *c)
{
    int ch;
    while ((ch = peek(c)) != -1 && ch != '\n' && ch != ';')
        advance(c);
    if (ch == ';')
        advance(c);
}

/* Read a quoted value (cursor on the opening quote) into out. */
static int read_quoted(txt_ctx *x, cursor *c, spa_buf *out)
{
    unsigned line = c->line, col = c->col;
    advance(c);
    for (;;) {
        int ch = peek(c);
        if (ch == -1) {
            error_at(x, c, line, col, "unterminated-string", "unterminated quoted value");
            return -1;
        }
        advance(c);
        if (ch == '"')
            return 0;
        if (ch == '\\' && (peek(c) == '"' || peek(c) == '\\')) {
            ch = peek(c);
            advance(c);
        } else if (ch == '\n' || ch == '\r') {
            ch = ' ';
        } else if (ch >= 0x7f || (ch < ' ' && ch != '\t')) {
            error_at(x, c, c->line, c->col - 1, "non-ascii", "value is not printable ASCII");
            return -1;
        }
        if (spa_buf_putc(out, (char)ch) < 0) {
            error_at(x, c, line, col, "oom", "out of memory");
            return -1;
        }
    }
}

static int parse_file(txt_ctx *x, const char *data, size_t len, const char *file);

/* Directory part of path ("" when none), into out. */
static void dir_of(const char *path, char *out, size_t n)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    size_t k = slash ? (size_t)(slash - path) + 1 : 0;
    if (k >= n)
        k = 0;
    memcpy(out, path, k);
    out[k] = '\0';
}

static void do_import(txt_ctx *x, const cursor *c, unsigned line, unsigned col, const char *name)
{
    if (!x->opt || !x->opt->allow_import) {
        error_at(x, c, line, col, "import-disabled", "import is not allowed here");
        return;
    }
    unsigned max = x->opt->max_depth ? x->opt->max_depth : DEFAULT_MAX_DEPTH;
    if (max > DEFAULT_MAX_DEPTH)
        max = DEFAULT_MAX_DEPTH;
    char path[PATH_MAX], real[PATH_MAX];
    dir_of(c->file, path, sizeof path);
    if (name[0] == '/')
        path[0] = '\0';
    if (strlen(path) + strlen(name) >= sizeof path) {
        error_at(x, c, line, col, "import", "import path too long");
        return;
    }
    strcat(path, name);
    if (!realpath(path, real)) {
        spa_diag_add(x->diags, SPA_DIAG_ERROR, c->file, line, col, "import",
                     "cannot import '%s': no such file", path);
        x->failed = true;
        return;
    }
    for (unsigned i = 0; i < x->depth; i++)
        if (strcmp(x->stack[i], real) == 0) {
            spa_diag_add(x->diags, SPA_DIAG_ERROR, c->file, line, col, "import-cycle",
                         "import cycle: '%s' is already being imported", path);
            x->failed = true;
            return;
        }
    if (x->depth >= max) {
        error_at(x, c, line, col, "import-depth", "imports nested too deeply");
        return;
    }
    spa_buf text;
    spa_buf_init(&text);
    if (spa_read_file(path, &text, x->diags) < 0) {
        x->failed = true;
    } else {
        x->stack[x->depth++] = real;
        parse_file(x, text.data, text.len, path);
        x->depth--;
    }
    spa_buf_free(&text);
}

/* "import FILE" at the start of a line; cursor just after "import". */
static void parse_import(txt_ctx *x, cursor *c, unsigned line, unsigned col)
{
    while (peek(c) == ' ' || peek(c) == '\t')
        advance(c);
    size_t start = c->pos;
    while (peek(c) != -1 && peek(c) != '\n' && peek(c) != '#')
        advance(c);
    size_t end = c->pos;
    while (end > start && (c->s[end - 1] == ' ' || c->s[end - 1] == '\t' || c->s[end - 1] == '\r'))
        end--;
    if (end == start || end - start >= PATH_MAX) {
        error_at(x, c, line, col, "import", "import needs a file name");
        return;
    }
    char name[PATH_MAX];
    memcpy(name, c->s + start, end - start);
    name[end - start] = '\0';
    do_import(x, c, line, col, name);
}

static bool at_line_start(const cursor *c, size_t pos)
{
    while (pos > 0 && (c->s[pos - 1] == ' ' || c->s[pos - 1] == '\t'))
        pos--;
    return pos == 0 || c->s[pos - 1] == '\n';
}

/* After "import": blanks, then a file name (not a mark, value or ';', which
 * would make it a parameter that happens to be called "import"). */
static bool is_import_directive(const cursor *c)
{
    size_t i = c->pos;
    if (i >= c->len || (c->s[i] != ' ' && c->s[i] != '\t'))
        return false;
    while (i < c->len && (c->s[i] == ' ' || c->s[i] == '\t'))
        i++;
    return i < c->len && c->s[i] != '!' && c->s[i] != '?' && c->s[i] != '"' &&
           c->s[i] != ';' && c->s[i] != '\n' && c->s[i] != '#';
}

/* One `Name [mark] ["value"] ;` statement; cursor on the name. */
static void parse_pair(txt_ctx *x, cursor *c)
{
    unsigned line = c->line, col = c->col;
    size_t start = c->pos;
    while (is_name_char(peek(c)))
        advance(c);
    size_t nlen = c->pos - start;
    if (nlen == 0) {
        error_at(x, c, line, col, "syntax", "expected a parameter name");
        recover(c);
        return;
    }
    if (nlen == 6 && memcmp(c->s + start, "import", 6) == 0 && at_line_start(c, start) &&
        is_import_directive(c)) {
        parse_import(x, c, line, col);
        return;
    }
    char name[SPA_NAME_MAX];
    if (nlen >= sizeof name) {
        error_at(x, c, line, col, "bad-name", "parameter name too long");
        recover(c);
        return;
    }
    memcpy(name, c->s + start, nlen);
    name[nlen] = '\0';
    skip_space_and_comments(c);
    spa_access a = SPA_ACCESS_NA;
    if (peek(c) == '!' || peek(c) == '?') {
        a = peek(c) == '!' ? SPA_ACCESS_RW : SPA_ACCESS_RO;
        advance(c);
        skip_space_and_comments(c);
    }
    spa_buf value;
    spa_buf_init(&value);
    bool has_value = false;
    if (peek(c) == '"') {
        if (read_quoted(x, c, &value) < 0) {
            spa_buf_free(&value);
            recover(c);
            return;
        }
        has_value = true;
        skip_space_and_comments(c);
    }
    if (peek(c) != ';') {
        spa_diag_add(x->diags, SPA_DIAG_ERROR, c->file, c->line, c->col, "syntax",
                     "expected ';' after %s '%s'", has_value ? "the value of" : "parameter",
                     name);
        x->failed = true;
        spa_buf_free(&value);
        recover(c);
        return;
    }
    advance(c);
    if (has_value && spa_buf_reserve(&value, 0) < 0) {
        error_at(x, c, line, col, "oom", "out of memory");
    } else {
        int rc = spa_profile_set(x->out, name, has_value ? value.data : NULL, a, c->file,
                                 line, col);
        if (rc == -1)
            error_at(x, c, line, col, "bad-name", "invalid parameter name");
        else if (rc == -2)
            error_at(x, c, line, col, "oom", "out of memory");
    }
    spa_buf_free(&value);
}

static int parse_file(txt_ctx *x, const char *data, size_t len, const char *file)
{
    cursor c = { .s = data, .len = len, .line = 1, .col = 1, .file = file };
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        c.pos = 3;
    for (;;) {
        skip_space_and_comments(&c);
        if (peek(&c) == -1)
            return 0;
        if (peek(&c) == 0 || peek(&c) >= 0x7f) {
            error_at(x, &c, c.line, c.col, "non-ascii", "unexpected non-ASCII byte");
            recover(&c);
            if (peek(&c) != -1)
                advance(&c);
            continue;
        }
        parse_pair(x, &c);
    }
}

int spa_profile_parse_text(spa_profile *p, const char *data, size_t len, const char *file,
                           const spa_text_options *opt, spa_diags *d)
{
    spa_profile tmp;
    spa_profile_init(&tmp);
    txt_ctx x = { .opt = opt, .diags = d, .out = &tmp };
    char real[PATH_MAX];
    if (file && realpath(file, real))
        x.stack[x.depth++] = real;
    parse_file(&x, data, len, file);
    int rc = -1;
    if (!x.failed) {
        rc = 0;
        for (size_t i = 0; i < tmp.n && rc == 0; i++) {
            const spa_profile_entry *e = &tmp.v[i];
            if (spa_profile_set(p, e->name, e->value, e->access, e->file, e->line, e->col) < 0)
                rc = -1;
        }
        p->duplicates += tmp.duplicates;
    }
    spa_profile_free(&tmp);
    return rc;
}

int spa_profile_load_text_file(spa_profile *p, const char *path, spa_diags *d)
{
    spa_buf text;
    spa_buf_init(&text);
    int rc = spa_read_file(path, &text, d);
    if (rc == 0) {
        spa_text_options opt = { .allow_import = true };
        rc = spa_profile_parse_text(p, text.data, text.len, path, &opt, d);
    }
    spa_buf_free(&text);
    return rc;
}

int spa_text_quote(const char *value, spa_buf *out)
{
    if (spa_buf_putc(out, '"') < 0)
        return -1;
    for (const char *s = value;;) {
        size_t run = strcspn(s, "\"\\");
        if (spa_buf_append(out, s, run) < 0)
            return -1;
        s += run;
        if (!*s)
            break;
        if (spa_buf_putc(out, '\\') < 0 || spa_buf_putc(out, *s++) < 0)
            return -1;
    }
    return spa_buf_putc(out, '"');
}

/* Text spelling: the model's web name with spaces → '_', else the heuristic. */
static void text_name(const spa_model *m, const char *canonical, char *out, size_t n)
{
    const spa_param_def *def = m ? spa_model_param(m, canonical) : NULL;
    if (def && def->web_name && strlen(def->web_name) < n) {
        strcpy(out, def->web_name);
        for (char *s = out; *s; s++)
            if (*s == ' ')
                *s = '_';
        char check[SPA_NAME_MAX];
        if (spa_name_canonical(out, strlen(out), check, sizeof check) == 0 &&
            strcmp(check, canonical) == 0)
            return;
    }
    if (spa_name_text(canonical, out, n) < 0)
        snprintf(out, n, "%s", canonical);
}

int spa_profile_write_text(const spa_profile *p, const spa_model *m, spa_buf *out)
{
    for (size_t i = 0; i < p->n; i++) {
        const spa_profile_entry *e = &p->v[i];
        char name[SPA_NAME_MAX];
        text_name(m, e->name, name, sizeof name);
        const char *mark = e->access == SPA_ACCESS_RW ? " !" : e->access == SPA_ACCESS_RO ? " ?" : "";
        if (spa_buf_puts(out, name) < 0 || spa_buf_puts(out, mark) < 0)
            return -1;
        if (e->value && (spa_buf_putc(out, ' ') < 0 || spa_text_quote(e->value, out) < 0))
            return -1;
        if (spa_buf_puts(out, " ;\n") < 0)
            return -1;
    }
    return 0;
}
