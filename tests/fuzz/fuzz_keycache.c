/* libFuzzer harness for the key cache's reader (stark/keycache.c): the
 * files of the cache folder are bytes on disk that any earlier process
 * (or a damaged disk) wrote. Whatever a key entry or a record file holds,
 * the reader must return "no entry" or "damaged" or the value that the
 * file really holds for exactly the key or record asked for, never crash
 * or read out of bounds; an unchanged valid file must be found.
 *
 * Input modes (first byte):
 *   bit 0 clear: the bytes after it are the file;
 *   bit 0 set:   a valid template file, bytes 1..2 say where to start
 *                XORing the rest onto it, and bit 3 truncates it there;
 *   bit 1:       0 the key entry of a small machine, 1 a record;
 *   bit 4:       the checksum (the last 8 bytes) is recomputed before
 *                reading, so that mutations get past it to the field
 *                checks (the reader must hold on its own). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_input.h"

#include "stark/machines.h"
#include "stark/stark_internal.h"

#define NVAL 64u
#define REC_KIND "fuzz"
#define ENTRY_ROOT 80u  /* keycache.c: the root's offset in a key entry */
#define ENTRY_BYTES 120u
#define REC_HEAD 48u    /* keycache.c: KR_HEAD */

static air_machine *g_m;
static stark_params g_p;
static char g_path[2][4200];
static uint8_t *g_tmpl[2];
static size_t g_tlen[2];
static uint8_t g_id[24], g_val[NVAL];

static uint64_t fnv64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_file(const char *path, const uint8_t *b, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || (n && write(fd, b, n) != (ssize_t)n) || close(fd) != 0) abort();
}

static uint8_t *slurp(size_t *n, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) abort();
    uint8_t *b = malloc(4096);
    if (!b) abort();
    *n = fread(b, 1, 4096, f);
    fclose(f);
    return b;
}

static char g_dir[] = "/tmp/cairn-fuzz-keycache-" "XXX" "XXX"; /* mkdtemp's template */

/* The folder goes at exit: its two files (and a rename's leftover). */
static void cleanup(void)
{
    for (int t = 0; t < 2; t++)
        if (g_path[t][0]) unlink(g_path[t]);
    rmdir(g_dir);
}

static void init(void)
{
    if (!mkdtemp(g_dir)) abort();
    atexit(cleanup);
    const char *dir = g_dir;
    stark_keycache_set(dir);
    if (stark_machine_fib(&g_m) != CAIRN_OK || stark_params_preset(&g_p, "test") != CAIRN_OK) abort();
    const p2_digest root = {{1, 2, GL_P - 1, 0}};
    stark_keycache_store(g_m, &g_p, &root);
    int found = 0;
    p2_digest got;
    if (stark_keycache_lookup(&found, &got, g_path[0], sizeof g_path[0], g_m, &g_p) != CAIRN_OK || !found ||
        memcmp(&got, &root, sizeof root))
        abort();
    g_tmpl[0] = slurp(&g_tlen[0], g_path[0]);
    for (size_t i = 0; i < sizeof g_id; i++) g_id[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < NVAL; i++) g_val[i] = (uint8_t)(i * 13 + 5);
    stark_keycache_record_put(REC_KIND, g_id, sizeof g_id, g_val, NVAL);
    uint8_t v[NVAL];
    if (stark_keycache_record_get(v, NVAL, g_path[1], sizeof g_path[1], REC_KIND, g_id, sizeof g_id) != 1 ||
        memcmp(v, g_val, NVAL))
        abort();
    g_tmpl[1] = slurp(&g_tlen[1], g_path[1]);
    if (g_tlen[0] != ENTRY_BYTES || g_tlen[1] != REC_HEAD + sizeof g_id + NVAL + 8) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_m) init();
    if (size == 0) return 0;
    const unsigned t = (data[0] >> 1) & 1u;
    size_t n;
    uint8_t *b = fuzz_input(&n, data, size, g_tmpl[t], g_tlen[t], data[0] & 8);
    if ((data[0] & 16) && n >= 8) {
        const uint64_t h = fnv64(b, n - 8);
        for (int i = 0; i < 8; i++) b[n - 8 + i] = (uint8_t)(h >> (8 * i));
    }
    put_file(g_path[t], b, n);
    const int same = n == g_tlen[t] && !memcmp(b, g_tmpl[t], n);
    /* the bytes that must equal the template for the file to be the one
     * asked for: a key entry's name fields, a record's head and id */
    const size_t head = t ? REC_HEAD + sizeof g_id : ENTRY_ROOT;
    const int whole = n == g_tlen[t] && !memcmp(b, g_tmpl[t], head) && get64(b + n - 8) == fnv64(b, n - 8);
    if (t == 0) {
        int found = -1;
        p2_digest root;
        char path[sizeof g_path[0]];
        if (stark_keycache_lookup(&found, &root, path, sizeof path, g_m, &g_p) != CAIRN_OK) abort();
        if (same && !found) abort();
        if (found) {
            if (!whole) abort();
            for (int i = 0; i < P2_DIGEST; i++)
                if (root.v[i] >= GL_P || root.v[i] != get64(b + ENTRY_ROOT + 8 * i)) abort();
        }
    } else {
        uint8_t v[NVAL];
        char path[sizeof g_path[1]];
        const int r = stark_keycache_record_get(v, NVAL, path, sizeof path, REC_KIND, g_id, sizeof g_id);
        if (r < -1 || r > 1 || r == 0 || (same && r != 1)) abort(); /* the file exists: never "none" */
        if (r == 1 && (!whole || memcmp(v, b + head, NVAL))) abort();
    }
    free(b);
    return 0;
}
