/* spaprov — the admin CLI of the provisioning server, on the same database
 * as spaprovd: devices, accounts, groups, parameters at scopes, the
 * rendered profile a device would receive, and the event log. Every
 * listing has --json. Validation is the store's: an error names the bad
 * field and nothing is changed. Secrets are never printed (except the device
 * key with `device show --secrets`, to stdout, for staging a unit). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "spaprov/provd.h"
#include "spaprov/spaprov.h"

#define MAX_POS 8

/* The command line, split into options (anywhere) and positionals. */
typedef struct cli {
    const char *data, *config;
    bool json, decoded, replace, help, secrets, generic, all;
    const char *scope, *target, *serial, *account, *group, *model, *access, *name,
        *number, *description, *mac, *since, *kind, *limit, *batch, *ca, *passphrase_file,
        *cn, *ip, *out, *org, *key_type, *pin, *expires;
    const char *version, *via, *domains, *dns, *url, *key;   /* firmware, rc */
    char static_root[SPA_PROVD_STR * 2];
    const char *pos[MAX_POS];
    int npos;
    spa_store *st;
    spa_diags d;
} cli;

static void usage(FILE *f)
{
    fprintf(f,
        "usage: spaprov [--data DIR] [--config FILE] [--json] COMMAND ...\n"
        "  device add MAC MODEL [--serial S] [--account ID] [--group G]\n"
        "  device list [--model M] [--account ID] [--group G]\n"
        "  device show MAC [--secrets]  (--secrets: also the key, to stdout only)\n"
        "  device set MAC serial|model|account|group|state VALUE\n"
        "  device rm MAC\n"
        "  device import FILE.csv [--replace] [--batch N]\n"
        "  device rotate-key MAC | --all   new key and path, delivered under the old ones\n"
        "  account add ID [--name N] [--number X] | account list | account rm ID\n"
        "  account pin ID [--pin P] [--expires T]  new single-use binding PIN, printed once\n"
        "  group add NAME [--description D] | group list | group rm NAME\n"
        "  param set --scope global|model|group|account|device [--target X] NAME VALUE [--access na|ro|rw]\n"
        "  param unset --scope S [--target X] NAME\n"
        "  param list --scope S [--target X]\n"
        "  render MAC [--decoded]      the bytes the device receives (--decoded: the XML)\n"
        "  events [--mac M] [--since T] [--type|--kind K] [--limit N]  (reports: bodies decoded)\n"
        "  ca init [--ca DIR] [--org O] [--key-type ec|rsa] [--passphrase-file F]\n"
        "  ca issue-server --cn FQDN[/info] [--ip A] --out DIR\n"
        "  ca issue-device --model M --mac MAC --serial SN --out DIR\n"
        "  ca issue-device --generic --model M --out DIR\n"
        "  ca issue-device --batch devices.csv --out DIR   (model,mac,serial rows)\n"
        "  ca show [FILE]   a certificate (default: both roots)   ca list DIR\n"
        "    (--ca DIR: the CA, default DATA/ca; --passphrase-file: its passphrase)\n"
        "  firmware add IMAGE [--model M --version V] | firmware list [--model M]\n"
        "  firmware rm MODEL VERSION\n"
        "  firmware target MODEL VERSION [--via V1,V2] [--group G] | firmware targets\n"
        "  firmware untarget MODEL [--group G]\n"
        "  rc company add NAME --url U [--domains D] [--dns A[,B]] [--replace]\n"
        "  rc company list | rc company rm NAME\n"
        "  rc assign MAC COMPANY [--key K] | rc assign --batch FILE.csv | rc unassign MAC\n"
        "  rc list\n"
        "  spaprov --help | --version\n"
        "Data directory: ./spaprov-data unless --data. See spaprov(1).\n");
}

/* Options that take a value: name → field offset. */
static const char **opt_slot(cli *c, const char *name)
{
    static const struct { const char *n; size_t off; } t[] = {
#define O(x) { #x, offsetof(cli, x) }
        O(data), O(config), O(scope), O(target), O(serial), O(account), O(group), O(model),
        O(access), O(name), O(number), O(description), O(mac), O(since), O(kind), O(limit),
        O(batch), O(ca), O(cn), O(ip), O(out), O(org),
        { "passphrase-file", offsetof(cli, passphrase_file) },
        { "key-type", offsetof(cli, key_type) },
        O(pin), O(expires),
        { "type", offsetof(cli, kind) },
        O(via), O(domains), O(dns), O(url), O(key),
#undef O
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].n, name) == 0)
            return (const char **)(void *)((char *)c + t[i].off);
    return NULL;
}

static int parse_args(cli *c, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot;
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (c->npos >= MAX_POS) {
                fprintf(stderr, "spaprov: too many arguments\n");
                return -1;
            }
            c->pos[c->npos++] = a;
            continue;
        }
        a += 2;
        if (!strcmp(a, "json")) c->json = true;
        else if (!strcmp(a, "decoded")) c->decoded = true;
        else if (!strcmp(a, "replace")) c->replace = true;
        else if (!strcmp(a, "help")) c->help = true;
        else if (!strcmp(a, "secrets")) c->secrets = true;
        else if (!strcmp(a, "generic")) c->generic = true;
        else if (!strcmp(a, "all")) c->all = true;
        else if (!strcmp(a, "version") && c->npos > 0 && i + 1 < argc)
            c->version = argv[++i];   /* firmware add IMAGE --version V */
        else if (!strcmp(a, "version")) {
            printf("spaprov %s\n", spa_version());
            exit(0);
        } else if ((slot = opt_slot(c, a)) != NULL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "spaprov: --%s needs a value\n", a);
                return -1;
            }
            *slot = argv[++i];
        } else {
            fprintf(stderr, "spaprov: unknown option '--%s'\n", a);
            return -1;
        }
    }
    return 0;
}

static int fail(cli *c)
{
    spa_diags_print(&c->d, stderr);
    return 1;
}

static int need(cli *c, int n, const char *what)
{
    if (c->npos != n) {
        fprintf(stderr, "spaprov: usage: spaprov %s\n", what);
        return -1;
    }
    return 0;
}

/* ---- output helpers ------------------------------------------------------- */

static void json_str(const char *s)
{
    putchar('"');
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static void json_kv(const char *k, const char *v, bool comma)
{
    json_str(k);
    putchar(':');
    if (v)
        json_str(v);
    else
        fputs("null", stdout);
    if (comma)
        putchar(',');
}

static const char *or_dash(const char *s)
{
    return s && s[0] ? s : "-";
}

static void time_text(int64_t t, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t == 0 || !gmtime_r(&tt, &tm))
        snprintf(out, n, "never");
    else
        strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- devices ---------------------------------------------------------------- */

typedef struct list_ctx {
    cli *c;
    size_t n;
} list_ctx;

static void device_json(const spa_device *dv)
{
    char lc[32];
    time_text(dv->last_contact, lc, sizeof lc);
    putchar('{');
    json_kv("mac", dv->mac, true);
    json_kv("serial", dv->serial, true);
    json_kv("model", dv->model, true);
    json_kv("account", dv->account, true);
    json_kv("group", dv->group, true);
    json_kv("state", spa_dev_state_name(dv->state), true);
    json_kv("fw_seen", dv->fw_seen, true);
    json_kv("last_contact", dv->last_contact ? lc : NULL, true);
    json_kv("path", dv->path, true);
    json_kv("prev_path", dv->prev_path, true);
    printf("\"key_gen\":%u}", dv->key_gen);
}

static int device_row(void *ctx, const spa_device *dv)
{
    list_ctx *l = ctx;
    if (l->c->json) {
        if (l->n)
            putchar(',');
        device_json(dv);
    } else {
        printf("%s  %-8s  %-12s  %-10s  %-10s  %s\n", dv->mac, dv->model, or_dash(dv->serial),
               or_dash(dv->account), or_dash(dv->group), spa_dev_state_name(dv->state));
    }
    l->n++;
    return 0;
}

static int device_list(cli *c)
{
    spa_device_filter f = { c->model, c->account, c->group, 0 };
    list_ctx l = { c, 0 };
    int rc;
    if (c->json)
        putchar('[');
    rc = spa_store_device_list(c->st, &f, 0, device_row, &l, &c->d);
    if (c->json)
        puts("]");
    return rc < 0 ? fail(c) : 0;
}

/* The device's latest upgrade results (from its syslog lines). */
static int upgrade_row(void *ctx, const spa_event *e)
{
    char t[32];
    (void)ctx;
    time_text(e->time, t, sizeof t);
    printf("upgrade       %s  %s\n", t, e->text);
    return 0;
}

static void show_upgrades(cli *c, const char *mac)
{
    spa_event_query q = { mac, 0, SPA_EV_UPGRADE, 10 };
    (void)spa_store_event_query(c->st, &q, upgrade_row, NULL, &c->d);
}

static int device_show(cli *c)
{
    spa_device dv;
    char lc[32], cr[32];
    int rc;
    if (need(c, 3, "device show MAC") < 0)
        return 2;
    rc = spa_store_device_get(c->st, c->pos[2], c->secrets ? SPA_STORE_SECRETS : 0, &dv,
                              &c->d);
    if (rc < 0)
        return fail(c);
    if (rc == 1) {
        fprintf(stderr, "spaprov: mac: no device %s\n", c->pos[2]);
        return 1;
    }
    if (c->secrets) {
        /* Only the key, alone on stdout, so scripts can capture it. */
        printf("%s\n", dv.key ? dv.key : "");
        spa_device_clear(&dv);
        return 0;
    }
    if (c->json) {
        device_json(&dv);
        putchar('\n');
    } else {
        time_text(dv.last_contact, lc, sizeof lc);
        time_text(dv.created, cr, sizeof cr);
        printf("mac           %s\nmodel         %s\nserial        %s\naccount       %s\n"
               "group         %s\nstate         %s\nfirmware seen %s\nlast contact  %s\n"
               "path          %s\nprevious path %s\nkey gen       %u\ncreated       %s\n",
               dv.mac, dv.model, or_dash(dv.serial), or_dash(dv.account), or_dash(dv.group),
               spa_dev_state_name(dv.state), or_dash(dv.fw_seen), lc, or_dash(dv.path),
               or_dash(dv.prev_path), dv.key_gen, cr);
        show_upgrades(c, dv.mac);
    }
    spa_device_clear(&dv);
    return 0;
}

static int device_import(cli *c)
{
    spa_buf b;
    spa_import_opts o = { 0, c->replace };
    long n;
    if (need(c, 3, "device import FILE.csv [--replace] [--batch N]") < 0)
        return 2;
    if (c->batch)
        o.batch = (size_t)strtoul(c->batch, NULL, 10);
    spa_buf_init(&b);
    if (spa_read_file(c->pos[2], &b, &c->d) < 0) {
        spa_buf_free(&b);
        return fail(c);
    }
    n = spa_store_device_import(c->st, b.data ? b.data : "", b.len, c->pos[2], &o, &c->d);
    spa_buf_free(&b);
    if (n < 0)
        return fail(c);
    spa_diags_print(&c->d, stderr);
    printf("imported %ld devices\n", n);
    return 0;
}

static int not_found(const char *what, const char *id);

/* rotate-key: collect the MACs first (no writes inside a listing). */
typedef struct mac_list {
    char (*v)[13];
    size_t n, cap;
} mac_list;

static int collect_mac(void *ctx, const spa_device *dv)
{
    mac_list *l = ctx;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 64;
        char (*v)[13] = realloc(l->v, nc * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = nc;
    }
    memcpy(l->v[l->n++], dv->mac, 13);
    return 0;
}

static int device_rotate(cli *c)
{
    mac_list l = { NULL, 0, 0 };
    size_t done = 0;
    int rc = 0;
    if (c->all ? c->npos != 2 : c->npos != 3) {
        fprintf(stderr, "spaprov: usage: spaprov device rotate-key MAC | --all\n");
        return 2;
    }
    if (!c->all) {
        rc = spa_store_device_rotate_key(c->st, c->pos[2], &c->d);
        if (rc == 0)
            printf("rotated 1 device\n");
        return rc < 0 ? fail(c) : rc == 1 ? not_found("device", c->pos[2]) : 0;
    }
    if (spa_store_device_list(c->st, NULL, 0, collect_mac, &l, &c->d) != 0) {
        free(l.v);
        if (!c->d.n)
            fprintf(stderr, "spaprov: out of memory\n");
        return fail(c);
    }
    for (size_t i = 0; i < l.n && rc >= 0; i++)
        if ((rc = spa_store_device_rotate_key(c->st, l.v[i], &c->d)) == 0)
            done++;
    free(l.v);
    printf("rotated %zu device%s\n", done, done == 1 ? "" : "s");
    return rc < 0 ? fail(c) : 0;
}

static int not_found(const char *what, const char *id)
{
    fprintf(stderr, "spaprov: %s: no such %s '%s'\n", what, what, id);
    return 1;
}

static int cmd_device(cli *c)
{
    const char *sub = c->npos > 1 ? c->pos[1] : "";
    int rc;
    if (!strcmp(sub, "add")) {
        if (need(c, 4, "device add MAC MODEL [--serial S] [--account ID] [--group G]") < 0)
            return 2;
        if (spa_store_device_add(c->st, c->pos[2], c->pos[3], c->serial ? c->serial : "",
                                 c->account, c->group, &c->d) < 0)
            return fail(c);
        return 0;
    }
    if (!strcmp(sub, "list"))
        return device_list(c);
    if (!strcmp(sub, "show"))
        return device_show(c);
    if (!strcmp(sub, "import"))
        return device_import(c);
    if (!strcmp(sub, "rotate-key"))
        return device_rotate(c);
    if (!strcmp(sub, "rm")) {
        if (need(c, 3, "device rm MAC") < 0)
            return 2;
        rc = spa_store_device_remove(c->st, c->pos[2], &c->d);
        return rc < 0 ? fail(c) : rc == 1 ? not_found("device", c->pos[2]) : 0;
    }
    if (!strcmp(sub, "set")) {
        if (need(c, 5, "device set MAC FIELD VALUE") < 0)
            return 2;
        rc = spa_store_device_update(c->st, c->pos[2], c->pos[3],
                                     c->pos[4][0] ? c->pos[4] : NULL, &c->d);
        return rc < 0 ? fail(c) : rc == 1 ? not_found("device", c->pos[2]) : 0;
    }
    fprintf(stderr, "spaprov: device: expected add, list, show, set, rm, import or rotate-key\n");
    return 2;
}

/* ---- accounts and groups -------------------------------------------------------- */

static int account_row(void *ctx, const spa_account *a)
{
    list_ctx *l = ctx;
    const char *pin = spa_account_pin_state(a, (int64_t)time(NULL));
    char t[32];
    time_text(a->pin_expires, t, sizeof t);
    if (l->c->json) {
        if (l->n)
            putchar(',');
        putchar('{');
        json_kv("id", a->id, true);
        json_kv("name", a->name, true);
        json_kv("number", a->number, true);
        json_kv("pin", pin, true);
        json_kv("pin_expires", a->pin_expires ? t : NULL, true);
        json_kv("pin_device", a->pin_mac[0] ? a->pin_mac : NULL, false);
        putchar('}');
    } else {
        printf("%-12s  %-24s  %-14s  pin %s%s%s\n", a->id, or_dash(a->name), or_dash(a->number),
               pin, a->pin_mac[0] ? " by " : "", a->pin_mac);
    }
    l->n++;
    return 0;
}

static int64_t parse_time(const char *s);

/* --expires: unix seconds, YYYY-MM-DDTHH:MM:SSZ, or +N[smhd] from now. */
static int64_t parse_expiry(const char *s)
{
    static const struct { char u; int64_t sec; } units[] = {
        { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
    char *end;
    long long x;
    if (s[0] != '+')
        return parse_time(s);
    errno = 0;
    x = strtoll(s + 1, &end, 10);
    if (errno || end == s + 1 || x <= 0 || x > 100000000LL)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (end[0] == units[i].u && end[1] == '\0')
            return (int64_t)time(NULL) + (int64_t)x * units[i].sec;
    return -1;
}

/* A new binding PIN: generated unless --pin; printed once, then only its
 * hash exists. */
static int account_pin(cli *c)
{
    char pin[SPA_PIN_MAX + 1], t[32];
    int64_t exp = 0;
    int rc;
    if (need(c, 3, "account pin ID [--pin P] [--expires T]") < 0)
        return 2;
    if (c->expires && (exp = parse_expiry(c->expires)) <= 0) {
        fprintf(stderr, "spaprov: --expires: '%s' is not unix seconds, YYYY-MM-DDTHH:MM:SSZ or "
                        "+N[smhd]\n", c->expires);
        return 2;
    }
    rc = spa_store_account_pin(c->st, c->pos[2], c->pin, exp, pin, sizeof pin, &c->d);
    if (rc < 0)
        return fail(c);
    if (rc == 1)
        return not_found("account", c->pos[2]);
    time_text(exp, t, sizeof t);
    if (c->json) {
        putchar('{');
        json_kv("account", c->pos[2], true);
        json_kv("pin", pin, true);
        json_kv("expires", exp ? t : NULL, false);
        puts("}");
    } else {
        printf("%s\n", pin);
        fprintf(stderr, "spaprov: PIN for account %s, single use, expires %s; it is stored "
                        "hashed and cannot be shown again\n", c->pos[2], exp ? t : "never");
    }
    OPENSSL_cleanse(pin, sizeof pin);
    return 0;
}

static int cmd_account(cli *c)
{
    const char *sub = c->npos > 1 ? c->pos[1] : "";
    list_ctx l = { c, 0 };
    int rc;
    if (!strcmp(sub, "add")) {
        if (need(c, 3, "account add ID [--name N] [--number X]") < 0)
            return 2;
        return spa_store_account_add(c->st, c->pos[2], c->name, c->number, &c->d) < 0 ? fail(c)
                                                                                     : 0;
    }
    if (!strcmp(sub, "list")) {
        if (c->json)
            putchar('[');
        rc = spa_store_account_list(c->st, 0, account_row, &l, &c->d);
        if (c->json)
            puts("]");
        return rc < 0 ? fail(c) : 0;
    }
    if (!strcmp(sub, "rm")) {
        if (need(c, 3, "account rm ID") < 0)
            return 2;
        rc = spa_store_account_remove(c->st, c->pos[2], &c->d);
        return rc < 0 ? fail(c) : rc == 1 ? not_found("account", c->pos[2]) : 0;
    }
    if (!strcmp(sub, "pin"))
        return account_pin(c);
    fprintf(stderr, "spaprov: account: expected add, list, rm or pin\n");
    return 2;
}

static int group_row(void *ctx, const char *name, const char *description)
{
    list_ctx *l = ctx;
    if (l->c->json) {
        if (l->n)
            putchar(',');
        putchar('{');
        json_kv("name", name, true);
        json_kv("description", description, false);
        putchar('}');
    } else {
        printf("%-16s  %s\n", name, or_dash(description));
    }
    l->n++;
    return 0;
}

static int cmd_group(cli *c)
{
    const char *sub = c->npos > 1 ? c->pos[1] : "";
    list_ctx l = { c, 0 };
    int rc;
    if (!strcmp(sub, "add")) {
        if (need(c, 3, "group add NAME [--description D]") < 0)
            return 2;
        return spa_store_group_add(c->st, c->pos[2], c->description, &c->d) < 0 ? fail(c) : 0;
    }
    if (!strcmp(sub, "list")) {
        if (c->json)
            putchar('[');
        rc = spa_store_group_list(c->st, group_row, &l, &c->d);
        if (c->json)
            puts("]");
        return rc < 0 ? fail(c) : 0;
    }
    if (!strcmp(sub, "rm")) {
        if (need(c, 3, "group rm NAME") < 0)
            return 2;
        rc = spa_store_group_remove(c->st, c->pos[2], &c->d);
        return rc < 0 ? fail(c) : rc == 1 ? not_found("group", c->pos[2]) : 0;
    }
    fprintf(stderr, "spaprov: group: expected add, list or rm\n");
    return 2;
}

/* ---- parameters ----------------------------------------------------------------- */

static int param_row(void *ctx, const spa_param_row *r)
{
    list_ctx *l = ctx;
    const char *v = r->masked ? "(secret)" : r->value;
    const char *acc = r->access == SPA_ACCESS_UNSET ? NULL : spa_access_name(r->access);
    if (l->c->json) {
        if (l->n)
            putchar(',');
        putchar('{');
        json_kv("scope", spa_scope_name(r->scope), true);
        json_kv("target", r->target, true);
        json_kv("name", r->name, true);
        json_kv("value", v, true);
        json_kv("access", acc, true);
        printf("\"masked\":%s}", r->masked ? "true" : "false");
    } else {
        printf("%-7s  %-14s  %-32s  %s%s%s\n", spa_scope_name(r->scope), or_dash(r->target),
               r->name, v ? v : "(access only)", acc ? "  access=" : "", acc ? acc : "");
    }
    l->n++;
    return 0;
}

static int scope_arg(cli *c, spa_scope *s)
{
    if (!c->scope) {
        fprintf(stderr, "spaprov: --scope: required (global, model, group, account or device)\n");
        return -1;
    }
    if (spa_scope_parse(c->scope, s) < 0) {
        fprintf(stderr, "spaprov: --scope: '%s' is not one of global, model, group, account, "
                        "device\n", c->scope);
        return -1;
    }
    if (*s != SPA_SCOPE_GLOBAL && !c->target) {
        fprintf(stderr, "spaprov: --target: required with --scope %s\n", c->scope);
        return -1;
    }
    return 0;
}

static int cmd_param(cli *c)
{
    const char *sub = c->npos > 1 ? c->pos[1] : "";
    const char *target;
    spa_access acc = SPA_ACCESS_UNSET;
    spa_scope s;
    list_ctx l = { c, 0 };
    int rc;

    if (scope_arg(c, &s) < 0)
        return 2;
    target = s == SPA_SCOPE_GLOBAL ? "" : c->target;
    if (!strcmp(sub, "set")) {
        if (need(c, 4, "param set --scope S [--target X] NAME VALUE [--access na|ro|rw]") < 0)
            return 2;
        if (c->access && spa_access_parse(c->access, &acc) < 0) {
            fprintf(stderr, "spaprov: --access: '%s' is not one of na, ro, rw\n", c->access);
            return 2;
        }
        return spa_store_param_set(c->st, s, target, c->pos[2], c->pos[3], acc, &c->d) < 0
                   ? fail(c) : 0;
    }
    if (!strcmp(sub, "unset")) {
        if (need(c, 3, "param unset --scope S [--target X] NAME") < 0)
            return 2;
        rc = spa_store_param_unset(c->st, s, target, c->pos[2], &c->d);
        if (rc == 1)
            fprintf(stderr, "spaprov: %s: not set at scope %s\n", c->pos[2], c->scope);
        return rc < 0 ? fail(c) : rc;
    }
    if (!strcmp(sub, "list")) {
        if (c->json)
            putchar('[');
        rc = spa_store_param_list(c->st, s, c->target ? target : NULL, 0, param_row, &l, &c->d);
        if (c->json)
            puts("]");
        return rc < 0 ? fail(c) : 0;
    }
    fprintf(stderr, "spaprov: param: expected set, unset or list\n");
    return 2;
}

/* ---- render and events -------------------------------------------------------------- */

static int cmd_render(cli *c)
{
    spa_provd_config cfg;
    spa_profile ov;
    spa_render_opts o;
    spa_buf out;
    int rc;
    if (need(c, 2, "render MAC [--decoded]") < 0)
        return 2;
    if (spa_provd_config_load(&cfg, c->config, &c->d) < 0)
        return fail(c);
    memset(&o, 0, sizeof o);
    o.format = SPA_RENDER_XML;
    o.gzip = !c->decoded;
    o.key = c->decoded ? SPA_RENDER_KEY_NONE : SPA_RENDER_KEY_DEVICE;
    o.md = SPA_MD_MD5;
    o.server_url = cfg.server_url;
    o.server_name = cfg.server_name;
    spa_profile_init(&ov);
    if (spa_provd_secprv_overlay(&cfg, &ov) < 0) {
        fprintf(stderr, "spaprov: out of memory\n");
        return 1;
    }
    o.overlay = ov.n ? &ov : NULL;
    char fwurl[SPA_PROVD_STR];
    spa_provd_firmware_url(&cfg, fwurl, sizeof fwurl);
    o.firmware_url = fwurl;
    if (!c->decoded && isatty(STDOUT_FILENO)) {
        spa_profile_free(&ov);
        fprintf(stderr, "spaprov: render: refusing to write encrypted bytes to a terminal "
                        "(redirect, or use --decoded)\n");
        return 2;
    }
    spa_buf_init(&out);
    rc = spa_render_device(c->st, c->pos[1], &o, NULL, &out, &c->d);
    if (rc == 0 && fwrite(out.data, 1, out.len, stdout) != out.len)
        rc = -1;
    spa_buf_free(&out);
    spa_profile_free(&ov);
    spa_diags_print(&c->d, stderr);
    if (rc == 1)
        fprintf(stderr, "spaprov: mac: no device %s\n", c->pos[1]);
    return rc == 0 ? 0 : 1;
}

/* A report body is shown as text when it is printable ASCII (XML, --post
 * text); anything else goes out as base64 (valid JSON whatever the bytes). */
static bool blob_is_text(const spa_event *e)
{
    const unsigned char *b = e->blob;
    for (size_t i = 0; i < e->blob_len; i++)
        if ((b[i] < 0x20 && b[i] != '\n' && b[i] != '\r' && b[i] != '\t') || b[i] >= 0x7f)
            return false;
    return true;
}

/* The body of a report event: JSON "body" (text) or "body_base64". */
static void blob_json(const spa_event *e)
{
    if (blob_is_text(e)) {
        fputs(",\"body\":", stdout);
        fputs("\"", stdout);
        for (size_t i = 0; i < e->blob_len; i++) {
            unsigned char ch = ((const unsigned char *)e->blob)[i];
            if (ch == '"' || ch == '\\')
                printf("\\%c", ch);
            else if (ch < 0x20)
                printf("\\u%04x", ch);
            else
                putchar(ch);
        }
        putchar('"');
    } else {
        size_t n = 4 * ((e->blob_len + 2) / 3) + 1;
        unsigned char *b64 = malloc(n);
        if (!b64)
            return;
        EVP_EncodeBlock(b64, e->blob, (int)e->blob_len);
        printf(",\"body_base64\":\"%s\"", (const char *)b64);
        free(b64);
    }
}

/* Under the event line, the body indented by four spaces. */
static void blob_text(const spa_event *e)
{
    const char *b = e->blob, *end = b + e->blob_len;
    if (!blob_is_text(e)) {
        printf("    (%zu bytes, binary: see --json)\n", e->blob_len);
        return;
    }
    while (b < end) {
        const char *nl = memchr(b, '\n', (size_t)(end - b));
        size_t n = nl ? (size_t)(nl - b) : (size_t)(end - b);
        printf("    %.*s\n", (int)n, b);
        b += n + (nl ? 1 : 0);
    }
}

static int event_row(void *ctx, const spa_event *e)
{
    list_ctx *l = ctx;
    char t[32];
    bool body = e->kind == SPA_EV_REPORT && e->blob && e->blob_len;
    time_text(e->time, t, sizeof t);
    if (l->c->json) {
        if (l->n)
            putchar(',');
        printf("{\"id\":%lld,", (long long)e->id);
        json_kv("time", t, true);
        json_kv("mac", e->mac, true);
        json_kv("kind", spa_event_kind_name(e->kind), true);
        json_kv("text", e->text, false);
        if (body)
            blob_json(e);
        putchar('}');
    } else {
        printf("%s  %-12s  %-8s  %s\n", t, or_dash(e->mac), spa_event_kind_name(e->kind),
               e->text);
        if (body && l->c->kind)   /* bodies when reports were asked for */
            blob_text(e);
    }
    l->n++;
    return 0;
}

/* Unix seconds or YYYY-MM-DDTHH:MM:SS[Z] (UTC); -1 on error. */
static int64_t parse_time(const char *s)
{
    struct tm tm;
    char *end;
    long long x;
    errno = 0;
    x = strtoll(s, &end, 10);
    if (!errno && *end == '\0' && end != s && x >= 0)
        return x;
    memset(&tm, 0, sizeof tm);
    end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end || (*end && strcmp(end, "Z") != 0))
        return -1;
    return (int64_t)timegm(&tm);
}

static int cmd_events(cli *c)
{
    spa_event_query q = { NULL, 0, -1, 0 };
    list_ctx l = { c, 0 };
    char mac[13];
    spa_event_kind k;
    int rc;
    if (c->mac) {
        if (spa_mac_find(c->mac, strlen(c->mac), mac) == SPA_MAC_NONE || strlen(c->mac) > 17) {
            fprintf(stderr, "spaprov: --mac: '%s' is not a MAC address\n", c->mac);
            return 2;
        }
        q.mac = mac;
    }
    if (c->since && (q.since = parse_time(c->since)) < 0) {
        fprintf(stderr, "spaprov: --since: '%s' is not unix seconds or YYYY-MM-DDTHH:MM:SSZ\n",
                c->since);
        return 2;
    }
    if (c->kind) {
        if (spa_event_kind_parse(c->kind, &k) < 0) {
            fprintf(stderr, "spaprov: --type: '%s' is not request, result, syslog, report, "
                            "security or upgrade\n", c->kind);
            return 2;
        }
        q.kind = (int)k;
    }
    if (c->limit)
        q.limit = (size_t)strtoul(c->limit, NULL, 10);
    if (c->json)
        putchar('[');
    rc = spa_store_event_query(c->st, &q, event_row, &l, &c->d);
    if (c->json)
        puts("]");
    return rc < 0 ? fail(c) : 0;
}

/* ---- certificate authority (lib/ca.c, docs/ca.md) -------------------------------- */

/* The first line of --passphrase-file into buf; 0, or -1 with a message. */
static int read_passphrase(cli *c, char *buf, size_t n)
{
    spa_buf b;
    size_t len;
    buf[0] = '\0';
    if (!c->passphrase_file)
        return 0;
    spa_buf_init(&b);
    if (spa_read_file(c->passphrase_file, &b, &c->d) < 0) {
        spa_buf_free(&b);
        return -1;
    }
    len = b.data ? strcspn(b.data, "\r\n") : 0;
    if (len == 0 || len >= n) {
        spa_diag_error(&c->d, "passphrase", "--passphrase-file: %s: the first line must hold "
                       "1 to %zu characters", c->passphrase_file, n - 1);
        len = 0;
    } else {
        memcpy(buf, b.data, len);
    }
    buf[len] = '\0';
    if (b.data)
        OPENSSL_cleanse(b.data, b.len);
    spa_buf_free(&b);
    return len ? 0 : -1;
}

/* Write DIR/NAME.crt (0644) and DIR/NAME.key (0600), never replacing a file. */
static int save_pair(cli *c, const char *name, const spa_buf *cert, const spa_buf *key)
{
    char crt[4096], kp[4096];
    struct stat sb;
    if (mkdir(c->out, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "spaprov: --out: %s: cannot create: %s\n", c->out, strerror(errno));
        return -1;
    }
    snprintf(crt, sizeof crt, "%s/%s.crt", c->out, name);
    snprintf(kp, sizeof kp, "%s/%s.key", c->out, name);
    if (lstat(crt, &sb) == 0 || lstat(kp, &sb) == 0) {
        fprintf(stderr, "spaprov: --out: %s/%s.crt or .key already exists (remove it to issue "
                        "again)\n", c->out, name);
        return -1;
    }
    if (spa_write_private_file(kp, key->data, key->len, 0600, &c->d) < 0 ||
        spa_write_private_file(crt, cert->data, cert->len, 0644, &c->d) < 0) {
        spa_diags_print(&c->d, stderr);
        return -1;
    }
    printf("%s\n%s\n", crt, kp);
    return 0;
}

static int ca_init(cli *c, const char *dir, const char *pass)
{
    spa_ca_init_opts o = { .passphrase = pass[0] ? pass : NULL, .org = c->org };
    if (c->key_type && spa_key_type_parse(c->key_type, &o.key_type) < 0) {
        fprintf(stderr, "spaprov: --key-type: '%s' is not ec or rsa\n", c->key_type);
        return 2;
    }
    if (spa_ca_init(dir, &o, &c->d) < 0)
        return fail(c);
    printf("%s/%s\n%s/%s\n", dir, SPA_CA_SERVER_CERT, dir, SPA_CA_CLIENT_CERT);
    return 0;
}

/* --ip A (checked by ca_issue): a hosts line (IP name) next to the
 * certificate, for spasim --hosts. */
static int save_hosts(cli *c, const char *fqdn)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s.hosts", c->out, fqdn);
    if (!(f = fopen(path, "wx")) || fprintf(f, "%s %s\n", c->ip, fqdn) < 0 || fclose(f) != 0) {
        fprintf(stderr, "spaprov: %s: cannot write (or it exists): %s\n", path, strerror(errno));
        return -1;
    }
    printf("%s\n", path);
    return 0;
}

static int ca_issue(cli *c, bool server, const char *dir, const char *pass)
{
    spa_issue_opts o = { 0 };
    spa_buf cert, key;
    spa_ca *ca;
    char name[300], why[256];
    int rc = 1;
    if (!c->out) {
        fprintf(stderr, "spaprov: --out: required (the folder for the certificate and key)\n");
        return 2;
    }
    if (c->key_type && spa_key_type_parse(c->key_type, &o.key_type) < 0) {
        fprintf(stderr, "spaprov: --key-type: '%s' is not ec or rsa\n", c->key_type);
        return 2;
    }
    if (server && (!c->cn || spa_cn_check(c->cn, name, sizeof name, why, sizeof why) < 0)) {
        fprintf(stderr, "spaprov: --cn: %s\n", c->cn ? why : "required (FQDN[/info])");
        return 2;
    }
    if (server && c->ip && inet_pton(AF_INET, c->ip, why) != 1 &&
        inet_pton(AF_INET6, c->ip, why) != 1) {
        fprintf(stderr, "spaprov: --ip: '%s' is not an IP address\n", c->ip);
        return 2;
    }
    if (!server && !c->batch && !c->model) {
        fprintf(stderr, "spaprov: --model: required (e.g. SPA2102)\n");
        return 2;
    }
    if (!(ca = spa_ca_load(dir, server ? SPA_CA_SERVER : SPA_CA_CLIENT, pass[0] ? pass : NULL,
                           &c->d)))
        return fail(c);
    spa_buf_init(&cert);
    spa_buf_init(&key);
    if (server) {
        if (spa_ca_issue_server(ca, c->cn, &o, &cert, &key, &c->d) == 0 &&
            save_pair(c, name, &cert, &key) == 0 && (!c->ip || save_hosts(c, name) == 0))
            rc = 0;
    } else if (c->batch) {
        spa_buf csv;
        long n = -1;
        spa_buf_init(&csv);
        if (spa_read_file(c->batch, &csv, &c->d) == 0)
            n = spa_ca_issue_batch(ca, csv.data ? csv.data : "", csv.len, c->batch, c->out, &o,
                                   &c->d);
        spa_buf_free(&csv);
        if (n >= 0)
            printf("issued %ld device certificates into %s (<mac>.crt, <mac>.key)\n", n, c->out);
        rc = n < 0;
    } else {
        spa_device_subject sj = { .product = c->model, .serial = c->serial, .mac = c->mac,
                                  .generic = c->generic };
        spa_cert_id id;
        if (spa_ca_issue_device(ca, &sj, &o, &cert, &key, &c->d) == 0 &&
            spa_cert_identity_pem(cert.data, cert.len, &id, &c->d) == 0) {
            if (id.generic)
                snprintf(name, sizeof name, "%s-generic", id.product);
            else
                snprintf(name, sizeof name, "%s", id.mac);
            rc = save_pair(c, name, &cert, &key) < 0;
        }
    }
    if (key.data)
        OPENSSL_cleanse(key.data, key.cap);
    spa_buf_free(&key);
    spa_buf_free(&cert);
    spa_ca_free(ca);
    spa_diags_print(&c->d, stderr);
    return rc;
}

/* What a certificate is, as text or JSON (one object, or a list row). */
static void cert_print(cli *c, const char *file, const spa_cert_info *ci, bool row)
{
    const char *kind = spa_cert_kind_name(ci->kind);
    const char *ident = ci->kind == SPA_CERT_DEVICE    ? ci->id.mac
                        : ci->kind == SPA_CERT_GENERIC ? ci->id.product
                                                       : ci->subject;
    if (c->json) {
        putchar('{');
        json_kv("file", file, true);
        json_kv("kind", kind, true);
        json_kv("subject", ci->subject, true);
        json_kv("issuer", ci->issuer, true);
        json_kv("not_before", ci->not_before, true);
        json_kv("not_after", ci->not_after, true);
        json_kv("key", ci->key_type, true);
        json_kv("sha256", ci->sha256, true);
        json_kv("product", ci->id.product[0] ? ci->id.product : NULL, true);
        json_kv("serial", ci->id.serial[0] ? ci->id.serial : NULL, true);
        json_kv("mac", ci->id.mac[0] ? ci->id.mac : NULL, true);
        json_kv("verified_by", ci->verified_by[0] ? ci->verified_by : NULL, false);
        putchar('}');
    } else if (row) {
        printf("%-28s  %-7s  %-40s  %s  %s\n", file, kind, ident, ci->not_after,
               ci->verified_by[0] ? ci->verified_by : "unverified");
    } else {
        printf("file          %s\nkind          %s\nsubject       %s\nissuer        %s\n"
               "not before    %s\nnot after     %s\nkey           %s\nsha256        %s\n",
               file, kind, ci->subject, ci->issuer, ci->not_before, ci->not_after, ci->key_type,
               ci->sha256);
        if (ci->kind == SPA_CERT_DEVICE || ci->kind == SPA_CERT_GENERIC)
            printf("product       %s\nserial        %s\nmac           %s\n", ci->id.product,
                   or_dash(ci->id.serial), or_dash(ci->id.mac));
        printf("verified by   %s\n", ci->verified_by[0] ? ci->verified_by : "neither root");
    }
}

/* ca show [FILE]: one certificate, or both roots of the CA folder. */
static int ca_show(cli *c, const char *dir)
{
    static const char *const roots[2] = { SPA_CA_SERVER_CERT, SPA_CA_CLIENT_CERT };
    char path[4096];
    spa_cert_info ci;
    int n = c->npos == 3 ? 1 : 2;
    if (c->json && n == 2)
        putchar('[');
    for (int i = 0; i < n; i++) {
        if (n == 1)
            snprintf(path, sizeof path, "%s", c->pos[2]);
        else
            snprintf(path, sizeof path, "%s/%s", dir, roots[i]);
        if (spa_cert_info_file(path, dir, &ci, &c->d) < 0)
            return fail(c);
        if (i)
            fputs(c->json ? "," : "\n", stdout);
        cert_print(c, path, &ci, false);
    }
    if (c->json)
        puts(n == 2 ? "]" : "");
    return 0;
}

static int crt_file(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && strcmp(e->d_name + n - 4, ".crt") == 0;
}

/* ca list DIR: every *.crt in DIR, one line (or object) each, by name. */
static int ca_list(cli *c, const char *dir)
{
    struct dirent **v;
    char path[4096];
    spa_cert_info ci;
    int n = scandir(c->pos[2], &v, crt_file, alphasort), bad = 0;
    if (n < 0) {
        fprintf(stderr, "spaprov: ca list: %s: %s\n", c->pos[2], strerror(errno));
        return 1;
    }
    if (c->json)
        putchar('[');
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", c->pos[2], v[i]->d_name);
        if (spa_cert_info_file(path, dir, &ci, &c->d) < 0)
            bad = 1;
        else {
            if (c->json && i)
                putchar(',');
            cert_print(c, v[i]->d_name, &ci, true);
        }
        free(v[i]);
    }
    free(v);
    if (c->json)
        puts("]");
    spa_diags_print(&c->d, stderr);
    return bad;
}

/* `spaprov ca …`: works on the CA folder only, never on the database. */
static int cmd_ca(cli *c, const char *data_dir)
{
    const char *sub = c->npos > 1 ? c->pos[1] : "";
    char dir[SPA_PROVD_STR + 48], pass[1024];
    int rc;
    /* list takes a folder, show an optional file, the others nothing */
    if (!strcmp(sub, "list") ? c->npos != 3
        : !strcmp(sub, "show") ? c->npos != 2 && c->npos != 3 : c->npos != 2) {
        fprintf(stderr, "spaprov: usage: spaprov ca init | issue-server | issue-device | "
                        "show [FILE] | list DIR  [options]\n");
        return 2;
    }
    if (c->ca) {
        snprintf(dir, sizeof dir, "%s", c->ca);
    } else {
        if (spa_provd_prepare_dir(data_dir, &c->d) < 0)
            return fail(c);
        snprintf(dir, sizeof dir, "%s/ca", data_dir);
    }
    if (read_passphrase(c, pass, sizeof pass) < 0)
        return fail(c);
    if (!strcmp(sub, "init"))
        rc = ca_init(c, dir, pass);
    else if (!strcmp(sub, "issue-server"))
        rc = ca_issue(c, true, dir, pass);
    else if (!strcmp(sub, "issue-device"))
        rc = ca_issue(c, false, dir, pass);
    else if (!strcmp(sub, "show"))
        rc = ca_show(c, dir);
    else if (!strcmp(sub, "list"))
        rc = ca_list(c, dir);
    else {
        fprintf(stderr, "spaprov: ca: expected init, issue-server, issue-device, show or list\n");
        rc = 2;
    }
    OPENSSL_cleanse(pass, sizeof pass);
    return rc;
}

/* ---- firmware ------------------------------------------------------------ */

static int firmware_row(void *ctx, const spa_firmware *f)
{
    list_ctx *l = ctx;
    char t[32];
    time_text(f->added, t, sizeof t);
    if (l->c->json) {
        if (l->n)
            putchar(',');
        putchar('{');
        json_kv("model", f->model, true);
        json_kv("version", f->version, true);
        json_kv("path", f->path, true);
        json_kv("sha256", f->sha256, true);
        json_kv("added", t, true);
        printf("\"size\":%lld}", (long long)f->size);
    } else {
        printf("%-8s  %-12s  %10lld  %.16s  %s\n", f->model, f->version, (long long)f->size,
               f->sha256, f->path);
    }
    l->n++;
    return 0;
}

static int fw_target_row(void *ctx, const spa_fw_target *t)
{
    list_ctx *l = ctx;
    if (l->c->json) {
        if (l->n)
            putchar(',');
        putchar('{');
        json_kv("scope", spa_scope_name(t->scope), true);
        json_kv("target", t->target, true);
        json_kv("model", t->model, true);
        json_kv("version", t->version, true);
        json_kv("via", t->via, false);
        putchar('}');
    } else {
        printf("%-6s  %-12s  %-8s  %-12s  via %s\n", spa_scope_name(t->scope), t->target,
               t->model, t->version, or_dash(t->via));
    }
    l->n++;
    return 0;
}

static int firmware_list(cli *c, bool targets)
{
    list_ctx l = { c, 0 };
    int rc;
    if (c->json)
        putchar('[');
    rc = targets ? spa_store_fw_target_list(c->st, fw_target_row, &l, &c->d)
                 : spa_store_firmware_list(c->st, c->model, firmware_row, &l, &c->d);
    if (c->json)
        puts("]");
    return rc < 0 ? fail(c) : 0;
}

static int cmd_firmware(cli *c)
{
    const char *sub = c->npos > 1 ? c->pos[1] : "";
    spa_scope sc = c->group ? SPA_SCOPE_GROUP : SPA_SCOPE_MODEL;
    char ver[64];
    int rc;
    if (!strcmp(sub, "add")) {
        if (need(c, 3, "firmware add IMAGE [--model M --version V]") < 0)
            return 2;
        if (spa_provd_firmware_add(c->st, c->static_root, c->pos[2], c->model, c->version, ver,
                                   sizeof ver, &c->d) < 0)
            return fail(c);
        spa_diags_print(&c->d, stderr);
        printf("added %s\n", ver);
        return 0;
    }
    if (!strcmp(sub, "list") || !strcmp(sub, "targets"))
        return need(c, 2, "firmware list|targets") < 0 ? 2 : firmware_list(c, sub[0] == 't');
    if (!strcmp(sub, "rm")) {
        if (need(c, 4, "firmware rm MODEL VERSION") < 0)
            return 2;
        rc = spa_provd_firmware_remove(c->st, c->static_root, c->pos[2], c->pos[3], &c->d);
        spa_diags_print(&c->d, stderr);
        return rc < 0 ? 1 : rc == 1 ? not_found("firmware", c->pos[3]) : 0;
    }
    if (!strcmp(sub, "target")) {
        if (need(c, 4, "firmware target MODEL VERSION [--via V1,V2] [--group G]") < 0)
            return 2;
        return spa_store_fw_target_set(c->st, sc, c->group, c->pos[2], c->pos[3], c->via,
                                       &c->d) < 0 ? fail(c) : 0;
    }
    if (!strcmp(sub, "untarget")) {
        if (need(c, 3, "firmware untarget MODEL [--group G]") < 0)
            return 2;
        rc = spa_store_fw_target_unset(c->st, sc, c->group, c->pos[2], &c->d);
        return rc < 0 ? fail(c) : rc == 1 ? not_found("firmware target", c->pos[2]) : 0;
    }
    fprintf(stderr, "spaprov: firmware: expected add, list, rm, target, targets or untarget\n");
    return 2;
}

/* ---- remote customization (vendor mode) ------------------------------------ */

static int company_row(void *ctx, const spa_rc_company *co)
{
    list_ctx *l = ctx;
    if (l->c->json) {
        if (l->n)
            putchar(',');
        putchar('{');
        json_kv("name", co->name, true);
        json_kv("domains", co->domains, true);
        json_kv("dns", co->dns, true);
        json_kv("url", co->url, false);
        putchar('}');
    } else {
        printf("%-16s  domains %s  dns %s  url %s\n", co->name, or_dash(co->domains),
               or_dash(co->dns), co->url);
    }
    l->n++;
    return 0;
}

static int unit_row(void *ctx, const char *mac, const char *company, bool has_key)
{
    list_ctx *l = ctx;
    if (l->c->json) {
        if (l->n)
            putchar(',');
        putchar('{');
        json_kv("mac", mac, true);
        json_kv("company", company, true);
        printf("\"key\":%s}", has_key ? "true" : "false");
    } else {
        printf("%s  %s%s\n", mac, company, has_key ? "  (key set)" : "");
    }
    l->n++;
    return 0;
}

static int rc_list(cli *c, bool companies)
{
    list_ctx l = { c, 0 };
    int rc;
    if (c->json)
        putchar('[');
    rc = companies ? spa_store_rc_company_list(c->st, company_row, &l, &c->d)
                   : spa_store_rc_unit_list(c->st, NULL, unit_row, &l, &c->d);
    if (c->json)
        puts("]");
    return rc < 0 ? fail(c) : 0;
}

static int rc_company(cli *c)
{
    const char *sub = c->npos > 2 ? c->pos[2] : "";
    int rc;
    if (!strcmp(sub, "add")) {
        if (need(c, 4, "rc company add NAME --url U [--domains D] [--dns A[,B]] [--replace]") < 0)
            return 2;
        return spa_store_rc_company_add(c->st, c->pos[3], c->domains, c->dns, c->url, c->replace,
                                        &c->d) < 0 ? fail(c) : 0;
    }
    if (!strcmp(sub, "list"))
        return rc_list(c, true);
    if (!strcmp(sub, "rm")) {
        if (need(c, 4, "rc company rm NAME") < 0)
            return 2;
        rc = spa_store_rc_company_remove(c->st, c->pos[3], &c->d);
        return rc < 0 ? fail(c) : rc == 1 ? not_found("company", c->pos[3]) : 0;
    }
    fprintf(stderr, "spaprov: rc company: expected add, list or rm\n");
    return 2;
}

static int cmd_rc(cli *c)
{
    const char *sub = c->npos > 1 ? c->pos[1] : "";
    spa_buf b;
    long n;
    int rc;
    if (!strcmp(sub, "company"))
        return rc_company(c);
    if (!strcmp(sub, "list"))
        return rc_list(c, false);
    if (!strcmp(sub, "assign") && c->batch) {
        if (need(c, 2, "rc assign --batch FILE.csv") < 0)
            return 2;
        spa_buf_init(&b);
        n = spa_read_file(c->batch, &b, &c->d) < 0 ? -1
            : spa_store_rc_assign_csv(c->st, b.data, b.len, c->batch, &c->d);
        if (b.data)
            memset(b.data, 0, b.len);   /* the file may hold keys */
        spa_buf_free(&b);
        if (n < 0)
            return fail(c);
        printf("assigned %ld\n", n);
        return 0;
    }
    if (!strcmp(sub, "assign")) {
        if (need(c, 4, "rc assign MAC COMPANY [--key K]") < 0)
            return 2;
        return spa_store_rc_assign(c->st, c->pos[2], c->pos[3], c->key, &c->d) < 0 ? fail(c) : 0;
    }
    if (!strcmp(sub, "unassign")) {
        if (need(c, 3, "rc unassign MAC") < 0)
            return 2;
        rc = spa_store_rc_unassign(c->st, c->pos[2], &c->d);
        return rc < 0 ? fail(c) : rc == 1 ? not_found("unit", c->pos[2]) : 0;
    }
    fprintf(stderr, "spaprov: rc: expected company, assign, unassign or list\n");
    return 2;
}

static int dispatch(cli *c)
{
    const char *cmd = c->pos[0];
    if (!strcmp(cmd, "device"))
        return cmd_device(c);
    if (!strcmp(cmd, "account"))
        return cmd_account(c);
    if (!strcmp(cmd, "group"))
        return cmd_group(c);
    if (!strcmp(cmd, "param"))
        return cmd_param(c);
    if (!strcmp(cmd, "render"))
        return cmd_render(c);
    if (!strcmp(cmd, "events"))
        return cmd_events(c);
    if (!strcmp(cmd, "firmware"))
        return cmd_firmware(c);
    if (!strcmp(cmd, "rc"))
        return cmd_rc(c);
    fprintf(stderr, "spaprov: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}

int main(int argc, char **argv)
{
    cli c;
    char db[SPA_PROVD_STR + 16];
    int rc;

    memset(&c, 0, sizeof c);
    spa_diags_init(&c.d);
    if (parse_args(&c, argc, argv) < 0)
        return 2;
    if (c.help) {
        usage(stdout);
        return 0;
    }
    if (c.npos == 0) {
        usage(stderr);
        return 2;
    }
    {
        spa_provd_config cfg;
        if (spa_provd_config_load(&cfg, c.config, &c.d) < 0)
            return fail(&c);
        if (c.data)
            snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s", c.data);
        snprintf(db, sizeof db, "%s", cfg.data_dir);
        spa_provd_static_root(&cfg, c.static_root, sizeof c.static_root);
    }
    if (!strcmp(c.pos[0], "ca")) {
        rc = cmd_ca(&c, db);
        spa_diags_free(&c.d);
        return rc;
    }
    if (spa_provd_prepare_dir(db, &c.d) < 0)
        return fail(&c);
    {
        char path[SPA_PROVD_STR + 32];
        spa_provd_db_path(db, path, sizeof path);
        c.st = spa_store_open(path, NULL, &c.d);
    }
    if (!c.st)
        return fail(&c);
    rc = dispatch(&c);
    spa_store_close(c.st);
    spa_diags_free(&c.d);
    return rc;
}
