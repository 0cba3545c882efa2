/* profile_parse.c — micro-benchmark (not a test): parse + canonical write
 * throughput of a 500-parameter profile, in both formats.
 * Usage: profile_parse [iterations]   (default 2000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "spaprov/spaprov.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void make_profile(spa_buf *xml)
{
    spa_buf_puts(xml, "<flat-profile>\n");
    for (int i = 0; i < 500; i++)
        spa_buf_printf(xml, "  <Param_%d_%d_ ua=\"%s\">value &amp; %d (*xx|[3469]11|0|00)</Param_%d_%d_>\n",
                       i / 4, i % 4 + 1, i % 3 ? "na" : "rw", i, i / 4, i % 4 + 1);
    spa_buf_puts(xml, "</flat-profile>\n");
}

typedef int (*parse_fn)(spa_profile *, const spa_buf *);

static int parse_xml(spa_profile *p, const spa_buf *in)
{
    return spa_profile_parse_xml(p, in->data, in->len, "b.xml", NULL, NULL);
}

static int parse_txt(spa_profile *p, const spa_buf *in)
{
    return spa_profile_parse_text(p, in->data, in->len, "b.txt", NULL, NULL);
}

static void run(const char *label, parse_fn parse, const spa_buf *in, int xml_out, long iters)
{
    spa_buf out;
    spa_buf_init(&out);
    double t0 = now();
    for (long i = 0; i < iters; i++) {
        spa_profile p;
        spa_profile_init(&p);
        if (parse(&p, in) != 0 || p.n != 500) {
            fprintf(stderr, "parse failed\n");
            exit(1);
        }
        spa_buf_reset(&out);
        if (xml_out ? spa_profile_write_xml(&p, &out) : spa_profile_write_text(&p, NULL, &out))
            exit(1);
        spa_profile_free(&p);
    }
    double dt = now() - t0;
    printf("%-28s %8.0f profiles/s  %8.0f params/s  %6.1f MB/s in\n", label, (double)iters / dt,
           (double)iters * 500 / dt, (double)iters * (double)in->len / dt / 1e6);
    spa_buf_free(&out);
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 2000;
    spa_buf xml, txt;
    spa_buf_init(&xml);
    spa_buf_init(&txt);
    make_profile(&xml);
    spa_profile p;
    spa_profile_init(&p);
    parse_xml(&p, &xml);
    spa_profile_write_text(&p, NULL, &txt);
    spa_profile_free(&p);
    printf("500-parameter profile: %zu bytes XML, %zu bytes text, %ld iterations\n", xml.len,
           txt.len, iters);
    run("XML parse + XML write", parse_xml, &xml, 1, iters);
    run("text parse + text write", parse_txt, &txt, 0, iters);
    spa_buf_free(&xml);
    spa_buf_free(&txt);
    return 0;
}
