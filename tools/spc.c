/* spc.c — the SPA profile compiler: a free replacement for the vendor's
 * spc.exe that keeps its command lines (`spc [--scramble P | --target MAC |
 * --aes|--rc4 --hex-key H|--ascii-key P] SRC OUT`, `--sample-profile`,
 * `--sample-xml`) and adds the open format (--xml/--gzip/--key), decoding,
 * linting and batch compilation. Argument parsing and wiring only: every
 * behaviour lives in libspaprov (crypt.h, cfg.h, lint.h, batch.h).
 *
 * Exit status: 0 ok; 1 usage, syntax or lint errors, I/O errors; 2 a file
 * that cannot be decoded (corrupt file / wrong key), nothing written;
 * --batch: the number of failed rows (at most 125), 126 if it cannot start. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "spaprov/spaprov.h"
#include "spaprov/batch.h"
#include "spaprov/cfg.h"
#include "spaprov/crypt.h"
#include "spaprov/firmware.h"
#include "spaprov/lint.h"

#ifndef SPAPROV_VERSION
#define SPAPROV_VERSION "0"
#endif

#define EXIT_USAGE 1
#define EXIT_DECODE 2
#define EXIT_BATCH_SETUP 126

typedef enum {
    MODE_COMPILE, MODE_XML, MODE_DECODE, MODE_LINT, MODE_BATCH, MODE_SAMPLE_TEXT, MODE_SAMPLE_XML,
    MODE_FIRMWARE, MODE_FIRMWARE_INFO
} spc_mode;

typedef struct spc_args {
    spc_mode mode;
    bool mode_set;
    const char *scramble, *target, *hex_key, *ascii_key;
    spa_cfg_cipher cipher;
    const char *sample_out;
    const char *fw_version;   /* --firmware VERSION */
    const char *model;
    bool gzip, text, json, no_gzip;
    const char *key;          /* --key / --key-file (owned when key_owned) */
    char *key_owned;
    spa_md md;
    const char *mac;
    const char *devices, *out_dir, *key_column, *batch_tmpl;
    unsigned jobs;
    int level;
    char **rest;
    int nrest;
} spc_args;

static void usage(FILE *f)
{
    fputs("usage: spc [--scramble PHRASE | --target MAC] [--aes|--rc4 --hex-key HEX|--ascii-key PHRASE] SRC OUT\n"
          "       spc --xml [--gzip] [--key PHRASE|--key-file F] [--md md5|sha256] SRC OUT\n"
          "       spc --decode [--key K|--key-file F] [--mac MAC] [--text] [--model M] IN OUT\n"
          "       spc --lint [--model M] [--json] [--key K] [--mac MAC] FILE...\n"
          "       spc --batch TEMPLATE --devices CSV --out-dir DIR [--key PHRASE|--key-file F|--key-column C]\n"
          "           [--md md5|sha256] [--no-gzip] [-j N] [--model M]\n"
          "       spc --sample-profile OUT [--model M]    spc --sample-xml OUT [--model M]\n"
          "       spc --firmware VERSION [--model M] PAYLOAD OUT    spc --firmware-info IMAGE\n"
          "       spc --help | --version\n"
          "SRC may be plain-text SPC source or XML (sniffed). Default model SPA2102.\n"
          "Exit: 0 ok, 1 usage/syntax/lint errors, 2 corrupt file or wrong key;\n"
          "--batch: number of failed rows (max 125). See spc(1).\n",
          f);
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    fputs("spc: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

static int set_mode(spc_args *a, spc_mode m)
{
    if (a->mode_set && a->mode != m)
        return fail("--xml, --decode, --lint, --batch, --firmware* and --sample-* are separate modes");
    a->mode = m;
    a->mode_set = true;
    return 0;
}

/* First line of a file, as a key that never appears on the command line. */
static int read_key_file(spc_args *a, const char *path)
{
    spa_buf b;
    spa_diags d;
    spa_buf_init(&b);
    spa_diags_init(&d);
    if (spa_read_file(path, &b, &d) < 0) {
        spa_diags_print(&d, stderr);
        spa_diags_free(&d);
        return -1;
    }
    spa_diags_free(&d);
    size_t n = strcspn(b.data ? b.data : "", "\r\n");
    if (b.data)
        b.data[n] = '\0';
    free(a->key_owned);
    a->key_owned = spa_buf_steal(&b);
    a->key = a->key_owned;
    return 0;
}

enum {
    O_SCRAMBLE = 256, O_TARGET, O_AES, O_RC4, O_HEXKEY, O_ASCIIKEY, O_SAMPLE_PROFILE,
    O_SAMPLE_XML, O_MODEL, O_XML, O_GZIP, O_KEY, O_KEYFILE, O_MD, O_DECODE, O_MAC, O_TEXT,
    O_LINT, O_JSON, O_BATCH, O_DEVICES, O_OUTDIR, O_KEYCOL, O_NOGZIP, O_LEVEL, O_FIRMWARE,
    O_FIRMWARE_INFO
};

static const struct option longopts[] = {
    { "scramble", required_argument, NULL, O_SCRAMBLE },
    { "firmware", required_argument, NULL, O_FIRMWARE },
    { "firmware-info", no_argument, NULL, O_FIRMWARE_INFO },
    { "target", required_argument, NULL, O_TARGET },
    { "aes", no_argument, NULL, O_AES },
    { "rc4", no_argument, NULL, O_RC4 },
    { "hex-key", required_argument, NULL, O_HEXKEY },
    { "ascii-key", required_argument, NULL, O_ASCIIKEY },
    { "sample-profile", required_argument, NULL, O_SAMPLE_PROFILE },
    { "sample-xml", required_argument, NULL, O_SAMPLE_XML },
    { "model", required_argument, NULL, O_MODEL },
    { "xml", no_argument, NULL, O_XML },
    { "gzip", no_argument, NULL, O_GZIP },
    { "key", required_argument, NULL, O_KEY },
    { "key-file", required_argument, NULL, O_KEYFILE },
    { "md", required_argument, NULL, O_MD },
    { "decode", no_argument, NULL, O_DECODE },
    { "mac", required_argument, NULL, O_MAC },
    { "text", no_argument, NULL, O_TEXT },
    { "lint", no_argument, NULL, O_LINT },
    { "json", no_argument, NULL, O_JSON },
    { "batch", required_argument, NULL, O_BATCH },
    { "devices", required_argument, NULL, O_DEVICES },
    { "out-dir", required_argument, NULL, O_OUTDIR },
    { "key-column", required_argument, NULL, O_KEYCOL },
    { "no-gzip", no_argument, NULL, O_NOGZIP },
    { "level", required_argument, NULL, O_LEVEL },
    { "jobs", required_argument, NULL, 'j' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    unsigned long v;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* One option; returns 0, or an exit status (< 0 for "exit 0 now"). */
static int take_option(spc_args *a, int c)
{
    unsigned u;
    switch (c) {
    case O_SCRAMBLE: a->scramble = optarg; return 0;
    case O_TARGET: a->target = optarg; return 0;
    case O_AES: a->cipher = SPA_CFG_AES; return 0;
    case O_RC4: a->cipher = SPA_CFG_RC4; return 0;
    case O_HEXKEY: a->hex_key = optarg; return 0;
    case O_ASCIIKEY: a->ascii_key = optarg; return 0;
    case O_SAMPLE_PROFILE: a->sample_out = optarg; return set_mode(a, MODE_SAMPLE_TEXT);
    case O_SAMPLE_XML: a->sample_out = optarg; return set_mode(a, MODE_SAMPLE_XML);
    case O_MODEL: a->model = optarg; return 0;
    case O_XML: return set_mode(a, MODE_XML);
    case O_GZIP: a->gzip = true; return 0;
    case O_KEY: a->key = optarg; return 0;
    case O_KEYFILE: return read_key_file(a, optarg) < 0 ? EXIT_USAGE : 0;
    case O_MD:
        return spa_md_parse(optarg, &a->md) < 0 ? fail("--md takes md5 or sha256") : 0;
    case O_DECODE: return set_mode(a, MODE_DECODE);
    case O_MAC: a->mac = optarg; return 0;
    case O_TEXT: a->text = true; return 0;
    case O_LINT: return set_mode(a, MODE_LINT);
    case O_JSON: a->json = true; return 0;
    case O_BATCH: a->batch_tmpl = optarg; return set_mode(a, MODE_BATCH);
    case O_FIRMWARE: a->fw_version = optarg; return set_mode(a, MODE_FIRMWARE);
    case O_FIRMWARE_INFO: return set_mode(a, MODE_FIRMWARE_INFO);
    case O_DEVICES: a->devices = optarg; return 0;
    case O_OUTDIR: a->out_dir = optarg; return 0;
    case O_KEYCOL: a->key_column = optarg; return 0;
    case O_NOGZIP: a->no_gzip = true; return 0;
    case O_LEVEL:
        if (parse_uint(optarg, 9, &u) < 0 || u == 0)
            return fail("--level takes 1..9");
        a->level = (int)u;
        return 0;
    case 'j':
        if (parse_uint(optarg, 256, &a->jobs) < 0 || a->jobs == 0)
            return fail("-j takes 1..256");
        return 0;
    case 'h': usage(stdout); return -1;
    case 'V': printf("spc (spaprov) %s\n", SPAPROV_VERSION); return -1;
    default: usage(stderr); return EXIT_USAGE;
    }
}

static int parse_args(spc_args *a, int argc, char **argv)
{
    int c, rc;
    memset(a, 0, sizeof *a);
    a->md = SPA_MD_MD5;
    while ((c = getopt_long(argc, argv, "hVj:", longopts, NULL)) != -1)
        if ((rc = take_option(a, c)) != 0)
            return rc;
    a->rest = argv + optind;
    a->nrest = argc - optind;
    return 0;
}

/* ---- shared helpers ---- */

static spa_model *load_model(const char *name)
{
    spa_diags d;
    spa_model *m;
    spa_diags_init(&d);
    if (name && strchr(name, '/'))
        m = spa_model_load_file(name, &d);
    else
        m = spa_model_load_builtin(name ? name : "SPA2102", &d);
    if (!m) {
        spa_diags_print(&d, stderr);
        if (!d.n)
            fail("unknown model '%s'", name ? name : "SPA2102");
    }
    spa_diags_free(&d);
    return m;
}

/* Parse a source file (XML or plain text with imports); 0 or -1 after
 * printing the diagnostics. */
static int load_source(const char *path, spa_profile *p)
{
    spa_buf raw;
    spa_diags d;
    int rc;
    spa_buf_init(&raw);
    spa_diags_init(&d);
    rc = spa_read_file(path, &raw, &d);
    if (rc == 0) {
        if (spa_profile_looks_xml(raw.data, raw.len))
            rc = spa_profile_parse_xml(p, raw.data, raw.len, path, NULL, &d);
        else
            rc = spa_profile_load_text_file(p, path, &d);
    }
    spa_diags_print(&d, stderr);
    spa_diags_free(&d);
    if (raw.data)
        OPENSSL_cleanse(raw.data, raw.cap);
    spa_buf_free(&raw);
    return rc < 0 ? -1 : 0;
}

static int write_out(const char *path, const spa_buf *b, unsigned mode)
{
    char why[300];
    if (spa_write_file_atomic(path, b->data ? b->data : "", b->len, mode, why, sizeof why) < 0)
        return fail("%s", why);
    return 0;
}

static void wipe(spa_buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->cap);
    spa_buf_free(b);
}

static int need_two(const spc_args *a, const char *what)
{
    if (a->nrest != 2) {
        usage(stderr);
        return fail("%s needs exactly two file names", what);
    }
    return 0;
}

/* ---- modes ---- */

static int run_compile(const spc_args *a)
{
    spa_profile p;
    spa_buf xml, out;
    char why[200];
    int rc;
    spa_cfg_opts o = { .cipher = a->cipher, .scramble = a->scramble, .target = a->target,
                       .hex_key = a->hex_key, .ascii_key = a->ascii_key, .xml = true,
                       .level = a->level };

    if ((rc = need_two(a, "compiling")) != 0)
        return rc;
    if (a->key || a->gzip)
        return fail("--key and --gzip belong to --xml (the open format)");
    if ((a->hex_key || a->ascii_key) && a->cipher == SPA_CFG_NONE)
        o.cipher = SPA_CFG_AES;
    if (o.cipher == SPA_CFG_RC4)
        fprintf(stderr, "spc: warning: RC4 is weak and broken; use it only for units that "
                        "cannot take --aes\n");
    spa_profile_init(&p);
    spa_buf_init(&xml);
    spa_buf_init(&out);
    rc = load_source(a->rest[0], &p) < 0 ? EXIT_USAGE : 0;
    if (rc == 0 && spa_profile_write_xml(&p, &xml) < 0)
        rc = fail("out of memory");
    if (rc == 0 && spa_cfg_pack(NULL, xml.data, xml.len, &o, &out, why, sizeof why) < 0)
        rc = fail("%s", why);
    if (rc == 0)
        rc = write_out(a->rest[1], &out, (a->hex_key || a->ascii_key) ? 0644 : 0600);
    spa_profile_free(&p);
    wipe(&xml);
    spa_buf_free(&out);
    return rc;
}

static int run_xml(const spc_args *a)
{
    spa_profile p;
    spa_buf xml, gz, enc;
    const spa_buf *body = &xml;
    int rc;

    if ((rc = need_two(a, "--xml")) != 0)
        return rc;
    if (a->scramble || a->target || a->hex_key || a->ascii_key || a->cipher)
        return fail("--xml writes the open format: use --key, not the binary CFG options");
    spa_profile_init(&p);
    spa_buf_init(&xml);
    spa_buf_init(&gz);
    spa_buf_init(&enc);
    rc = load_source(a->rest[0], &p) < 0 ? EXIT_USAGE : 0;
    if (rc == 0 && spa_profile_write_xml(&p, &xml) < 0)
        rc = fail("out of memory");
    if (rc == 0 && a->gzip) {
        if (spa_gzip(NULL, xml.data, xml.len, a->level, &gz) < 0)
            rc = fail("gzip failed");
        body = &gz;
    }
    if (rc == 0 && a->key) {
        if (!*a->key)
            rc = fail("--key needs a non-empty phrase");
        else if (spa_openssl_encrypt(NULL, body->data, body->len, a->key, a->md, NULL, &enc) < 0)
            rc = fail("encryption failed");
        body = &enc;
    }
    if (rc == 0)
        rc = write_out(a->rest[1], body, a->key ? 0644 : 0600);
    spa_profile_free(&p);
    wipe(&xml);
    wipe(&gz);
    spa_buf_free(&enc);
    return rc;
}

static int run_decode(const spc_args *a)
{
    spa_buf raw, out;
    spa_profile p;
    spa_diags d;
    spa_decode_info info;
    spa_decode_opts o = { .key = a->key, .mac = a->mac };
    spa_model *m = NULL;
    int rc;

    if ((rc = need_two(a, "--decode")) != 0)
        return rc;
    spa_buf_init(&raw);
    spa_buf_init(&out);
    spa_profile_init(&p);
    spa_diags_init(&d);
    if (spa_read_file(a->rest[0], &raw, &d) < 0) {
        spa_diags_print(&d, stderr);
        rc = EXIT_USAGE;
        goto out;
    }
    rc = spa_decode_profile(NULL, raw.data ? raw.data : "", raw.len, a->rest[0], &o, &p, &info, &d);
    if (rc == SPA_DEC_SYNTAX) {
        spa_diags_print(&d, stderr);
        rc = EXIT_USAGE;
        goto out;
    }
    if (rc != SPA_DEC_OK) {
        fprintf(stderr, "spc: %s: %s: %s\n", a->rest[0], spa_dec_status_name(rc), info.why);
        rc = rc == SPA_DEC_OOM ? EXIT_USAGE : EXIT_DECODE;
        goto out;
    }
    if (a->text && a->model && !(m = load_model(a->model))) {
        rc = EXIT_USAGE;
        goto out;
    }
    if ((a->text ? spa_profile_write_text(&p, m, &out) : spa_profile_write_xml(&p, &out)) < 0) {
        rc = fail("out of memory");
        goto out;
    }
    rc = write_out(a->rest[1], &out, 0600);
out:
    spa_model_free(m);
    spa_profile_free(&p);
    spa_diags_free(&d);
    wipe(&raw);
    wipe(&out);
    return rc;
}

static int run_lint(const spc_args *a)
{
    spa_model *m;
    spa_diags d;
    spa_decode_opts o = { .key = a->key, .mac = a->mac };
    size_t errors = 0;

    if (a->nrest < 1) {
        usage(stderr);
        return fail("--lint needs at least one file");
    }
    if (!(m = load_model(a->model)))
        return EXIT_USAGE;
    spa_diags_init(&d);
    for (int i = 0; i < a->nrest; i++)
        errors += spa_lint_file(a->rest[i], m, &o, &d);
    if (a->json) {
        spa_buf j;
        spa_buf_init(&j);
        if (spa_diags_json(&d, &j) == 0)
            fputs(j.data, stdout);
        spa_buf_free(&j);
    } else {
        spa_diags_print(&d, stdout);
        fprintf(stderr, "spc: %zu error%s, %zu warning%s in %d file%s\n", d.errors,
                d.errors == 1 ? "" : "s", d.warnings, d.warnings == 1 ? "" : "s", a->nrest,
                a->nrest == 1 ? "" : "s");
    }
    spa_diags_free(&d);
    spa_model_free(m);
    return errors ? EXIT_USAGE : 0;
}

static int run_sample(const spc_args *a)
{
    spa_model *m;
    spa_profile p;
    spa_buf out;
    int rc = 0;

    if (a->nrest != 0) {
        usage(stderr);
        return fail("--sample-profile/--sample-xml take the output file as their argument");
    }
    if (!(m = load_model(a->model)))
        return EXIT_USAGE;
    spa_profile_init(&p);
    spa_buf_init(&out);
    for (size_t i = 0; i < m->nparams && rc == 0; i++) {
        const spa_param_def *def = &m->params[i];
        if (spa_profile_set(&p, def->name, def->def_value ? def->def_value : "", def->def_access,
                            NULL, 0, 0) < 0)
            rc = fail("cannot add parameter '%s'", def->name);
    }
    if (rc == 0 && (a->mode == MODE_SAMPLE_XML ? spa_profile_write_xml(&p, &out)
                                               : spa_profile_write_text(&p, m, &out)) < 0)
        rc = fail("out of memory");
    if (rc == 0)
        rc = write_out(a->sample_out, &out, 0644);
    spa_buf_free(&out);
    spa_profile_free(&p);
    spa_model_free(m);
    return rc;
}

static int run_batch(const spc_args *a)
{
    spa_model *m;
    spa_profile tmpl;
    spa_diags d;
    spa_batch_result r;
    int rc;
    spa_batch_opts o = { .csv_path = a->devices, .out_dir = a->out_dir, .key = a->key,
                         .key_column = a->key_column, .md = a->md, .no_gzip = a->no_gzip,
                         .level = a->level, .jobs = a->jobs, .err = stderr,
                         .progress = isatty(STDERR_FILENO) != 0 };

    if (!a->devices || !a->out_dir || a->nrest != 0) {
        usage(stderr);
        fail("--batch needs --devices CSV and --out-dir DIR, and no other file names");
        return EXIT_BATCH_SETUP;
    }
    if (a->key && a->key_column) {
        fail("give --key or --key-column, not both");
        return EXIT_BATCH_SETUP;
    }
    if (mkdir(a->out_dir, 0755) < 0 && errno != EEXIST) {
        fail("cannot create %s: %s", a->out_dir, strerror(errno));
        return EXIT_BATCH_SETUP;
    }
    if (!(m = load_model(a->model)))
        return EXIT_BATCH_SETUP;
    spa_profile_init(&tmpl);
    spa_diags_init(&d);
    if (load_source(a->batch_tmpl, &tmpl) < 0) {
        rc = EXIT_BATCH_SETUP;
        goto out;
    }
    o.tmpl = &tmpl;
    o.model = m;
    d.limit = 100000;
    rc = spa_batch_run(&o, &r, &d);
    spa_diags_print(&d, stderr);
    if (rc < 0) {
        rc = EXIT_BATCH_SETUP;
        goto out;
    }
    fprintf(stderr,
            "spc: batch: %zu of %zu devices compiled, %zu failed; %.1f MB XML -> %.1f MB in "
            "%.2f s (%.0f devices/s, %.1f MB/s)\n",
            r.ok, r.rows, r.failed, (double)r.bytes_xml / 1e6, (double)r.bytes_out / 1e6,
            r.seconds, r.seconds > 0 ? (double)r.ok / r.seconds : 0.0,
            r.seconds > 0 ? (double)r.bytes_xml / 1e6 / r.seconds : 0.0);
    rc = r.failed > 125 ? 125 : (int)r.failed;
out:
    spa_diags_free(&d);
    spa_profile_free(&tmpl);
    spa_model_free(m);
    return rc;
}

/* ---- firmware images (docs/firmware-format.md) ---- */

/* --firmware VERSION [--model M] PAYLOAD OUT: wrap a payload into an image. */
static int run_firmware(const spc_args *a)
{
    if (a->nrest != 2)
        return fail("--firmware needs PAYLOAD and OUT");
    spa_model *m = load_model(a->model);
    if (!m)
        return EXIT_USAGE;
    spa_buf payload, image;
    spa_diags d;
    char why[256];
    spa_buf_init(&payload);
    spa_buf_init(&image);
    spa_diags_init(&d);
    int rc = EXIT_USAGE;
    if (spa_read_file(a->rest[0], &payload, &d) < 0)
        spa_diags_print(&d, stderr);
    else if (spa_fw_build(m->name, a->fw_version, payload.data, payload.len, &image, why,
                          sizeof why) < 0)
        fail("%s", why);
    else
        rc = write_out(a->rest[1], &image, 0644);
    spa_diags_free(&d);
    spa_buf_free(&payload);
    spa_buf_free(&image);
    spa_model_free(m);
    return rc;
}

/* --firmware-info IMAGE: verify an image and print what it installs. */
static int run_firmware_info(const spc_args *a)
{
    if (a->nrest != 1)
        return fail("--firmware-info needs IMAGE");
    spa_buf image;
    spa_diags d;
    spa_buf_init(&image);
    spa_diags_init(&d);
    int rc = EXIT_USAGE;
    if (spa_read_file(a->rest[0], &image, &d) < 0) {
        spa_diags_print(&d, stderr);
    } else {
        spa_fw_info info;
        char why[256] = "";
        int st = spa_fw_parse(image.data, image.len, &info, why, sizeof why);
        if (st == SPA_FW_OK) {
            printf("model %s\nversion %s\npayload %zu bytes\n", info.model, info.version,
                   info.payload_len);
            rc = 0;
        } else {
            fprintf(stderr, "spc: %s: %s (%s)\n", a->rest[0], spa_fw_status_name(st), why);
            rc = EXIT_DECODE;
        }
    }
    spa_diags_free(&d);
    spa_buf_free(&image);
    return rc;
}

int main(int argc, char **argv)
{
    spc_args a;
    int rc = parse_args(&a, argc, argv);

    if (rc != 0) {
        free(a.key_owned);
        return rc < 0 ? 0 : rc;
    }
    switch (a.mode) {
    case MODE_COMPILE: rc = run_compile(&a); break;
    case MODE_XML: rc = run_xml(&a); break;
    case MODE_DECODE: rc = run_decode(&a); break;
    case MODE_LINT: rc = run_lint(&a); break;
    case MODE_BATCH: rc = run_batch(&a); break;
    case MODE_FIRMWARE: rc = run_firmware(&a); break;
    case MODE_FIRMWARE_INFO: rc = run_firmware_info(&a); break;
    case MODE_SAMPLE_TEXT:
    case MODE_SAMPLE_XML: rc = run_sample(&a); break;
    }
    if (a.key_owned) {
        OPENSSL_cleanse(a.key_owned, strlen(a.key_owned));
        free(a.key_owned);
    }
    return rc;
}
