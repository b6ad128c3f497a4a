/* The key cache (stark.h "Key cache"): preprocessed roots on disk, so a
 * process that only verifies does not redo the preprocessed commitment of
 * every machine it needs (at the recursion layer's sizes, seconds to tens
 * of seconds of LDE and hashing, against milliseconds for the check of a
 * proof).
 *
 * An entry maps (this binary, the key's description, the preprocessed
 * values) to the preprocessed root. The three parts of its name:
 *  - the binary: a hash of /proc/self/exe, so a rebuilt binary (another
 *    AIR, another fill of the preprocessed columns) never reads an entry
 *    of an older one, and every build keeps entries of its own;
 *  - the description: the Poseidon2 digest of stark_key_desc (every
 *    table's shape, constraints and interactions, and the parameters);
 *  - the values: a 128-bit hash of every preprocessed column (two lanes
 *    of multiply-xorshift over the words). It tells apart the machines one
 *    binary builds (the lift programs of two segment sizes have one
 *    description and different values), none of which an outsider
 *    chooses, so it needs no resistance to crafted collisions.
 * What the cache cannot check is its own honesty: a root written into an
 * entry by someone else would make this process's verifying key another
 * machine's. Its safety is the directory's: entries are read only from a
 * directory and files owned by the user and writable by nobody else (as
 * ssh treats ~/.ssh), which is the trust one already places in the binary
 * itself. A prover that uses a cached key recomputes the root when it
 * first proves (stark_pk_ready) and refuses a key whose entry was wrong.
 *
 * Entry file (little-endian, KC_BYTES):
 *   0  8 magic "CAIRNKC1"    8  4 version    12  4 zero
 *  16 16 binary hash        32 32 description digest
 *  64 16 values hash        80 32 preprocessed root (4 canonical elements)
 * 112  8 FNV-1a 64 of bytes 0..111
 * Records (stark.h "Key cache": a layer above stores what it derives
 * from this binary alone, e.g. recursion/rc_fold.c the lift and join
 * programs' preprocessed roots of a fold), file HASH.KIND:
 *   0  8 magic "CAIRNKR1"    8  4 version    12  2 id length I
 *  14  2 value length V     16 16 binary hash
 *  32 16 kind, NUL-padded   48  I id (what the value is of)
 *  48+I  V value            48+I+V  8 FNV-1a 64 of the bytes before it
 * named by a hash of bytes 0..48+I; read only when every byte up to the
 * value is the one asked for.
 * Writes go to a temporary file that is renamed into place, so a reader
 * sees a whole entry or none; an entry that fails any check is ignored
 * (and replaced when the root is recomputed). Keys and records share the
 * reading (entry_read: ownership, mode, exact length) and writing. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/err.h"
#include "p2.h"
#include "stark_internal.h"

#define KC_MAGIC "CAIRNKC1"
#define KC_VERSION 1u
#define KC_BYTES 120u
#define KR_MAGIC "CAIRNKR1"
#define KR_HEAD 48u
#define KR_KIND 16u

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_init;            /* configuration read */
static int g_set;             /* stark_keycache_set was called */
static char g_dir[4096];      /* "" = off */
static char g_why[256];       /* why the cache is off */
static uint64_t g_exe[2];     /* binary hash */
static stark_keycache_stats g_st;

/* ---- hashing ---- */

static void mix_words(uint64_t h[2], const uint64_t *w, size_t n)
{
    /* two lanes with different multipliers and shifts: 128 bits that a
     * change of any word moves */
    uint64_t a = h[0], b = h[1];
    for (size_t i = 0; i < n; i++) {
        a = (a ^ w[i]) * 0x9e3779b97f4a7c15ull;
        a ^= a >> 29;
        b = (b + w[i]) * 0xc2b2ae3d27d4eb4full;
        b ^= b >> 31;
        b = (b << 17) | (b >> 47);
    }
    h[0] = a ^ (n * 0xff51afd7ed558ccdull);
    h[1] = b ^ (n * 0xc4ceb9fe1a85ec53ull);
}

static void mix_bytes(uint64_t h[2], const uint8_t *p, size_t n)
{
    uint64_t buf[512];
    while (n) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        memset(buf, 0, sizeof buf);
        memcpy(buf, p, k);
        mix_words(h, buf, (k + 7) / 8);
        p += k;
        n -= k;
    }
}

static uint64_t fnv64(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* ---- configuration ---- */

static void off(const char *why)
{
    g_dir[0] = 0;
    snprintf(g_why, sizeof g_why, "%s", why);
}

/* mkdir -p with mode 0700 for what is missing */
static int make_dirs(const char *path)
{
    char tmp[sizeof g_dir];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *s = tmp + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return -1;
        *s = '/';
    }
    return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* Owned by us and writable by nobody else: what an entry may be read from. */
static int private_to_us(const struct stat *st) { return st->st_uid == geteuid() && !(st->st_mode & 022); }

static void hash_exe(void)
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        off("this binary cannot be read (/proc/self/exe), so no entry could name it");
        return;
    }
    uint64_t h[2] = {0x6b65792d63616368ull, 0x652d62696e617279ull};
    uint8_t *buf = malloc(1 << 20);
    ssize_t r = 0;
    while (buf && (r = read(fd, buf, 1 << 20)) > 0) mix_bytes(h, buf, (size_t)r);
    close(fd);
    free(buf);
    if (!buf || r < 0) {
        off("reading this binary (/proc/self/exe) failed");
        return;
    }
    g_exe[0] = h[0], g_exe[1] = h[1];
}

static void configure(void)
{
    if (g_init) return;
    g_init = 1;
    if (!g_set) {
        const char *env = getenv("CAIRN_KEY_CACHE");
        if (env && (!*env || !strcmp(env, "off") || !strcmp(env, "0"))) {
            off("turned off (CAIRN_KEY_CACHE)");
            return;
        }
        if (env) {
            snprintf(g_dir, sizeof g_dir, "%s", env);
        } else {
            const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
            if (x && *x == '/') snprintf(g_dir, sizeof g_dir, "%s/cairn/keys", x);
            else if (home && *home == '/') snprintf(g_dir, sizeof g_dir, "%s/.cache/cairn/keys", home);
            else {
                off("no cache folder: neither CAIRN_KEY_CACHE, XDG_CACHE_HOME nor HOME is set");
                return;
            }
        }
    }
    if (!g_dir[0]) return;
    if (make_dirs(g_dir) != 0) {
        char why[sizeof g_why];
        snprintf(why, sizeof why, "cannot create %.180s: %s", g_dir, strerror(errno));
        off(why);
        return;
    }
    struct stat st;
    if (stat(g_dir, &st) != 0 || !S_ISDIR(st.st_mode) || !private_to_us(&st)) {
        char why[sizeof g_why];
        snprintf(why, sizeof why, "%.180s is not a folder of this user's that only it may write", g_dir);
        off(why);
        return;
    }
    hash_exe();
}

void stark_keycache_set(const char *dir)
{
    pthread_mutex_lock(&g_lock);
    g_set = 1;
    g_init = 0;
    if (dir && *dir) snprintf(g_dir, sizeof g_dir, "%s", dir);
    else off("turned off by the caller");
    configure();
    pthread_mutex_unlock(&g_lock);
}

void stark_keycache_get_stats(stark_keycache_stats *out)
{
    pthread_mutex_lock(&g_lock);
    configure();
    *out = g_st;
    out->enabled = g_dir[0] != 0;
    snprintf(out->dir, sizeof out->dir, "%s", g_dir);
    snprintf(out->why_off, sizeof out->why_off, "%s", out->enabled ? "" : g_why);
    pthread_mutex_unlock(&g_lock);
}

/* ---- entries ---- */

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The entry's bytes but the root and checksum, and its file name. */
static cairn_err entry_of(uint8_t e[KC_BYTES], char *path, size_t cap, const air_machine *m, const stark_params *p)
{
    gl_t *d;
    size_t n;
    FORWARD_IF_ERROR(stark_key_desc(&d, &n, m, p));
    p2_digest desc;
    p2_hash(&desc, d, n);
    free(d);
    uint64_t vh[2] = {0x7072652d76616c75ull, 0x65732d6f662d6b65ull};
    for (unsigned t = 0; t < m->ntables; t++) {
        const air_table *tb = m->tables[t];
        uint64_t shape[3] = {t, tb->npre, tb->pre_log_n};
        mix_words(vh, shape, 3);
        if (tb->npre) mix_words(vh, tb->pre, ((size_t)1 << tb->pre_log_n) * tb->npre);
    }
    memset(e, 0, KC_BYTES);
    memcpy(e, KC_MAGIC, 8);
    put64(e + 8, KC_VERSION);
    put64(e + 16, g_exe[0]);
    put64(e + 24, g_exe[1]);
    for (int i = 0; i < P2_DIGEST; i++) put64(e + 32 + 8 * i, desc.v[i]);
    put64(e + 64, vh[0]);
    put64(e + 72, vh[1]);
    uint64_t name[2] = {0x656e7472792d6e61ull, 0x6d652d6f662d6b63ull};
    mix_bytes(name, e, 80);
    snprintf(path, cap, "%s/%016llx%016llx.key", g_dir, (unsigned long long)name[0], (unsigned long long)name[1]);
    return CAIRN_OK;
}

/* ---- entry files (keys and records alike) ---- */

static int cache_on(void)
{
    pthread_mutex_lock(&g_lock);
    configure();
    const int on = g_dir[0] != 0;
    pthread_mutex_unlock(&g_lock);
    return on;
}

/* Reads the entry file at path, which must be exactly n bytes: 1 with got
 * filled, 0 when there is none, -1 when there is one but it is not a
 * regular file of ours that nobody else may write, or not n bytes long. */
static int entry_read(const char *path, uint8_t *got, size_t n)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    struct stat st;
    ssize_t r = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && private_to_us(&st) ? read(fd, got, n) : -1;
    uint8_t extra;
    const int ok = r == (ssize_t)n && read(fd, &extra, 1) == 0;
    close(fd);
    return ok ? 1 : -1;
}

/* Writes an entry file: a temporary file renamed into place (a reader
 * sees all of it or nothing); failures are silent, they only cost the
 * next process the recomputation. */
static void entry_write(const char *path, const uint8_t *e, size_t n)
{
    char tmp[sizeof g_dir + 64];
    snprintf(tmp, sizeof tmp, "%s/.tmp-%ld-%s", g_dir, (long)getpid(), "XXX" "XXX"); /* mkstemp's template */
    int fd = mkstemp(tmp);
    if (fd < 0) return;
    int ok = write(fd, e, n) == (ssize_t)n;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return;
    }
    pthread_mutex_lock(&g_lock);
    g_st.stores++;
    pthread_mutex_unlock(&g_lock);
}

static void count(int found, int bad)
{
    pthread_mutex_lock(&g_lock);
    if (found) g_st.hits++;
    else g_st.misses++;
    if (bad) g_st.bad++;
    pthread_mutex_unlock(&g_lock);
}

cairn_err stark_keycache_lookup(int *found, p2_digest *root, char *path, size_t cap, const air_machine *m,
                                const stark_params *p)
{
    *found = 0;
    path[0] = 0;
    if (!cache_on()) return CAIRN_OK;
    uint8_t want[KC_BYTES], got[KC_BYTES];
    FORWARD_IF_ERROR(entry_of(want, path, cap, m, p));
    const int r = entry_read(path, got, KC_BYTES);
    int bad = r < 0;
    if (r > 0) {
        if (memcmp(got, want, 80) != 0 || get64(got + 112) != fnv64(got, 112)) {
            bad = 1;
        } else {
            for (int i = 0; i < P2_DIGEST; i++) {
                root->v[i] = get64(got + 80 + 8 * i);
                if (root->v[i] >= GL_P) bad = 1;
            }
            *found = !bad;
        }
    }
    count(*found, bad);
    return CAIRN_OK;
}

void stark_keycache_store(const air_machine *m, const stark_params *p, const p2_digest *root)
{
    if (!cache_on()) return;
    uint8_t e[KC_BYTES];
    char path[sizeof g_dir + 64];
    if (entry_of(e, path, sizeof path, m, p) != CAIRN_OK) {
        cairn_clear_error();
        return;
    }
    for (int i = 0; i < P2_DIGEST; i++) put64(e + 80 + 8 * i, root->v[i]);
    put64(e + 112, fnv64(e, 112));
    entry_write(path, e, KC_BYTES);
}

/* ---- records ---- */

/* A record's bytes but the value and checksum (want, KR_HEAD + nid), and
 * its file name; 0 for a kind, id or value outside the limits. */
static int record_of(uint8_t *want, char *path, size_t cap, const char *kind, const uint8_t *id, size_t nid,
                     size_t nval)
{
    const size_t nk = strlen(kind);
    if (!nk || nk >= KR_KIND || !nid || nid > STARK_KEYCACHE_MAX_ID || !nval || nval > STARK_KEYCACHE_MAX_VAL)
        return 0;
    for (size_t i = 0; i < nk; i++)
        if (!((kind[i] >= 'a' && kind[i] <= 'z') || (kind[i] >= '0' && kind[i] <= '9'))) return 0;
    memset(want, 0, KR_HEAD);
    memcpy(want, KR_MAGIC, 8);
    put64(want + 8, KC_VERSION | (uint64_t)nid << 32 | (uint64_t)nval << 48);
    put64(want + 16, g_exe[0]);
    put64(want + 24, g_exe[1]);
    memcpy(want + 32, kind, nk);
    memcpy(want + KR_HEAD, id, nid);
    uint64_t name[2] = {0x7265636f72642d6eull, 0x616d652d6f662d6bull};
    mix_bytes(name, want, KR_HEAD + nid);
    snprintf(path, cap, "%s/%016llx%016llx.%s", g_dir, (unsigned long long)name[0], (unsigned long long)name[1],
             kind);
    return 1;
}

int stark_keycache_record_get(uint8_t *val, size_t nval, char *path, size_t cap, const char *kind, const uint8_t *id,
                              size_t nid)
{
    path[0] = 0;
    if (!cache_on()) return 0;
    uint8_t want[KR_HEAD + STARK_KEYCACHE_MAX_ID], got[KR_HEAD + STARK_KEYCACHE_MAX_ID + STARK_KEYCACHE_MAX_VAL + 8];
    if (!record_of(want, path, cap, kind, id, nid, nval)) {
        path[0] = 0;
        return 0;
    }
    const size_t head = KR_HEAD + nid, n = head + nval + 8;
    int r = entry_read(path, got, n);
    if (r > 0 && (memcmp(got, want, head) != 0 || get64(got + n - 8) != fnv64(got, n - 8))) r = -1;
    if (r > 0) memcpy(val, got + head, nval);
    count(r > 0, r < 0);
    return r;
}

void stark_keycache_record_reject(void)
{
    pthread_mutex_lock(&g_lock);
    if (g_st.hits) g_st.hits--;
    g_st.misses++;
    g_st.bad++;
    pthread_mutex_unlock(&g_lock);
}

void stark_keycache_record_put(const char *kind, const uint8_t *id, size_t nid, const uint8_t *val, size_t nval)
{
    if (!cache_on()) return;
    uint8_t e[KR_HEAD + STARK_KEYCACHE_MAX_ID + STARK_KEYCACHE_MAX_VAL + 8];
    char path[sizeof g_dir + 64];
    if (!record_of(e, path, sizeof path, kind, id, nid, nval)) return;
    const size_t head = KR_HEAD + nid, n = head + nval + 8;
    memcpy(e + head, val, nval);
    put64(e + n - 8, fnv64(e, n - 8));
    entry_write(path, e, n);
}

void stark_keycache_forget(const char *path)
{
    if (path && *path) unlink(path);
    pthread_mutex_lock(&g_lock);
    g_st.wrong++;
    pthread_mutex_unlock(&g_lock);
}
