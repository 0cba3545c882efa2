/* raw_zlib_aes.c — the floor for `spc --batch`: gzip + openssl-enc style
 * AES-256-CBC (fresh salt, EVP_BytesToKey MD5) of one profile N times, in
 * memory, with plain zlib and EVP calls and no spaprov code, on J threads.
 * bench/spc_batch.sh compares spc's throughput with this figure.
 *
 * usage: raw_zlib_aes FILE N JOBS   → prints "raw: N files ... MB/s" */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <zlib.h>

typedef struct job {
    const unsigned char *in;
    size_t len;
    long count;
    size_t out_bytes;
    int failed;
    pthread_t th;
} job;

static int one(z_stream *z, EVP_CIPHER_CTX *cc, const unsigned char *in, size_t len,
               unsigned char *gz, size_t gzcap, unsigned char *enc, size_t *outlen)
{
    unsigned char salt[8], key[32], iv[16];
    int n1 = 0, n2 = 0;
    size_t gzlen;

    if (deflateReset(z) != Z_OK)
        return -1;
    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = (uInt)len;
    z->next_out = gz;
    z->avail_out = (uInt)gzcap;
    if (deflate(z, Z_FINISH) != Z_STREAM_END)
        return -1;
    gzlen = gzcap - z->avail_out;
    if (RAND_bytes(salt, 8) != 1 ||
        EVP_BytesToKey(EVP_aes_256_cbc(), EVP_md5(), salt, (const unsigned char *)"bench", 5, 1,
                       key, iv) != 32)
        return -1;
    memcpy(enc, "Salted__", 8);
    memcpy(enc + 8, salt, 8);
    if (EVP_EncryptInit_ex(cc, EVP_aes_256_cbc(), NULL, key, iv) != 1 ||
        EVP_EncryptUpdate(cc, enc + 16, &n1, gz, (int)gzlen) != 1 ||
        EVP_EncryptFinal_ex(cc, enc + 16 + n1, &n2) != 1)
        return -1;
    *outlen = 16 + (size_t)n1 + (size_t)n2;
    return 0;
}

static void *run(void *arg)
{
    job *j = arg;
    z_stream z;
    EVP_CIPHER_CTX *cc = EVP_CIPHER_CTX_new();
    size_t cap;
    unsigned char *gz, *enc;

    memset(&z, 0, sizeof z);
    if (!cc || deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        j->failed = 1;
        EVP_CIPHER_CTX_free(cc);
        return NULL;
    }
    cap = deflateBound(&z, (uLong)j->len);
    gz = malloc(cap);
    enc = malloc(cap + 48);
    for (long i = 0; gz && enc && i < j->count; i++) {
        size_t o = 0;
        if (one(&z, cc, j->in, j->len, gz, cap, enc, &o) < 0) {
            j->failed = 1;
            break;
        }
        j->out_bytes += o;
    }
    if (!gz || !enc)
        j->failed = 1;
    free(gz);
    free(enc);
    deflateEnd(&z);
    EVP_CIPHER_CTX_free(cc);
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    FILE *f;
    unsigned char *buf;
    long size, n, jobs;
    job *js;
    double t0, dt;
    size_t out = 0;
    int failed = 0;

    if (argc != 4 || (n = atol(argv[2])) <= 0 || (jobs = atol(argv[3])) <= 0 || jobs > 256) {
        fprintf(stderr, "usage: raw_zlib_aes FILE N JOBS\n");
        return 1;
    }
    f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "raw_zlib_aes: cannot read %s\n", argv[1]);
        return 1;
    }
    buf = malloc((size_t)size);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "raw_zlib_aes: cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    js = calloc((size_t)jobs, sizeof *js);
    if (!js)
        return 1;
    t0 = now_s();
    for (long i = 0; i < jobs; i++) {
        js[i].in = buf;
        js[i].len = (size_t)size;
        js[i].count = n / jobs + (i < n % jobs ? 1 : 0);
        if (pthread_create(&js[i].th, NULL, run, &js[i]) != 0)
            return 1;
    }
    for (long i = 0; i < jobs; i++) {
        pthread_join(js[i].th, NULL);
        out += js[i].out_bytes;
        failed |= js[i].failed;
    }
    dt = now_s() - t0;
    printf("raw: %ld files of %ld bytes in %.3f s on %ld threads: %.1f MB/s XML in, %.0f files/s, %.1f MB out\n",
           n, size, dt, jobs, (double)size * (double)n / 1e6 / dt, (double)n / dt, (double)out / 1e6);
    free(js);
    free(buf);
    return failed;
}
