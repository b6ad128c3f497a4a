/* The key cache (stark.h "Key cache", stark/keycache.c), on the range-check
 * machine (a preprocessed column of 2^16 rows): a second setup reads the
 * root the first stored and gives the same verifying key; its proving key
 * commits when it first proves and its proofs are byte-identical to those
 * of a key that committed at once; a damaged, foreign or non-private entry
 * is ignored and recomputed; an entry with another root (a consistent
 * forgery of the file) is caught by the first proof and deleted; a folder
 * others may write is not used; off means no files. stark_vk_from_root
 * with the stored root gives stark_setup's key, with another root another
 * key. Records (a layer above's entries): read back as stored, only for
 * their kind, id and value length; a damaged, truncated, extended,
 * foreign or non-private record is ignored (-1, counted as bad). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "stark/machines.h"
#include "stark/stark.h"
#include "testutil.h"

static air_machine *M;
static stark_params P;
static const char *DIR_;

static void stats(stark_keycache_stats *s) { stark_keycache_get_stats(s); }

/* The one entry file of the cache folder (the machine has one key). */
static const char *entry(void) { return test_cache_file(DIR_, ".key"); }

static int prove(const stark_pk *pk, uint8_t **proof, size_t *len)
{
    gl_t *v, *r, pub[STARK_LOOKUP_NPUB];
    if (stark_lookup_trace(&v, &r, pub, 4, 7) != CAIRN_OK) return -1;
    stark_trace tr[2] = {{v, 4}, {r, STARK_LOOKUP_RANGE_LOG}};
    cairn_err e = stark_prove(pk, tr, pub, STARK_LOOKUP_NPUB, proof, len);
    if (e != CAIRN_OK) fprintf(stderr, "prove: %s\n", cairn_last_error());
    free(v);
    free(r);
    return e == CAIRN_OK ? 0 : (int)e;
}

static void setup(void)
{
    CU_ASSERT_EQUAL_FATAL(stark_machine_lookup(&M), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(stark_params_preset(&P, "test"), CAIRN_OK);
    DIR_ = test_tmpdir("keycache_XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(DIR_);
    stark_keycache_set(DIR_);
}

static void test_hit(void)
{
    setup();
    stark_keycache_stats s0, s1;
    stats(&s0);
    CU_ASSERT_TRUE(s0.enabled);
    stark_pk *pk1, *pk2;
    stark_vk *vk1, *vk2;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk1, &vk1, M, &P), CAIRN_OK); /* commits, stores */
    CU_ASSERT_STRING_NOT_EQUAL(entry(), "");
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk2, &vk2, M, &P), CAIRN_OK); /* reads */
    stats(&s1);
    CU_ASSERT_EQUAL(s1.stores - s0.stores, 1);
    CU_ASSERT_EQUAL(s1.hits - s0.hits, 1);
    p2_digest d1 = stark_vk_digest(vk1), d2 = stark_vk_digest(vk2);
    CU_ASSERT_EQUAL(memcmp(d1.v, d2.v, sizeof d1.v), 0);
    uint8_t *a, *b;
    size_t na, nb;
    CU_ASSERT_EQUAL_FATAL(prove(pk1, &a, &na), 0);
    CU_ASSERT_EQUAL_FATAL(prove(pk2, &b, &nb), 0); /* the lazy key commits here */
    CU_ASSERT_TRUE(na == nb && !memcmp(a, b, na));
    CU_ASSERT_EQUAL(stark_verify(vk2, (gl_t[]){16}, STARK_LOOKUP_NPUB, b, nb, TEST_ANY_HEIGHTS), CAIRN_OK);
    free(a);
    free(b);
    stark_pk_free(pk1);
    stark_pk_free(pk2);
    stark_vk_free(vk1);
    stark_vk_free(vk2);
}

/* Sets up a key and says whether it came from the cache. */
static int from_cache(stark_pk **pk, stark_vk **vk)
{
    stark_keycache_stats s0, s1;
    stats(&s0);
    if (stark_setup(pk, vk, M, &P) != CAIRN_OK) return -1;
    stats(&s1);
    return s1.hits > s0.hits;
}

static void rewrite(const char *path, size_t off, uint8_t x, int fix_checksum)
{
    CU_ASSERT_EQUAL(test_cache_edit(path, (long)off, 1, x, fix_checksum), 0);
}

static void test_damaged(void)
{
    stark_pk *pk;
    stark_vk *vk;
    const char *path = entry();
    CU_ASSERT_STRING_NOT_EQUAL_FATAL(path, "");
    /* a flipped byte of the root (checksum left): ignored, recomputed, stored again */
    rewrite(path, 90, 1, 0);
    stark_keycache_stats s0, s1;
    stats(&s0);
    CU_ASSERT_EQUAL(from_cache(&pk, &vk), 0);
    stats(&s1);
    CU_ASSERT_EQUAL(s1.bad - s0.bad, 1);
    CU_ASSERT_EQUAL(s1.stores - s0.stores, 1);
    stark_pk_free(pk);
    stark_vk_free(vk);
    CU_ASSERT_EQUAL(from_cache(&pk, &vk), 1);
    stark_pk_free(pk);
    stark_vk_free(vk);
    /* another binary's entry (its hash differs; checksum consistent): ignored */
    rewrite(path, 16, 0x80, 1);
    CU_ASSERT_EQUAL(from_cache(&pk, &vk), 0);
    stark_pk_free(pk);
    stark_vk_free(vk);
    /* a truncated entry */
    CU_ASSERT_EQUAL(truncate(path, 100), 0);
    CU_ASSERT_EQUAL(from_cache(&pk, &vk), 0);
    stark_pk_free(pk);
    stark_vk_free(vk);
    /* an entry others may write */
    CU_ASSERT_EQUAL(chmod(path, 0666), 0);
    CU_ASSERT_EQUAL(from_cache(&pk, &vk), 0);
    stark_pk_free(pk);
    stark_vk_free(vk);
    CU_ASSERT_EQUAL(chmod(path, 0600), 0);
    CU_ASSERT_EQUAL(from_cache(&pk, &vk), 1);
    stark_pk_free(pk);
    stark_vk_free(vk);
}

static void test_wrong_root(void)
{
    const char *path = entry();
    CU_ASSERT_STRING_NOT_EQUAL_FATAL(path, "");
    /* a well-formed entry with another (canonical) root: the verifying key
     * is another machine's, which nothing in the file shows; the first
     * proof recomputes the root, refuses the key and deletes the entry */
    rewrite(path, 81, 1, 1);
    stark_pk *pk;
    stark_vk *vk;
    CU_ASSERT_EQUAL_FATAL(from_cache(&pk, &vk), 1);
    uint8_t *proof = NULL;
    size_t len;
    CU_ASSERT_EQUAL(prove(pk, &proof, &len), CAIRN_ERR_INTERNAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(cairn_last_error(), "key cache entry"));
    CU_ASSERT_EQUAL(access(path, F_OK), -1);
    stark_keycache_stats s;
    stats(&s);
    CU_ASSERT_EQUAL(s.wrong, 1);
    stark_pk_free(pk);
    stark_vk_free(vk);
    /* rebuilt from scratch: right again */
    CU_ASSERT_EQUAL(from_cache(&pk, &vk), 0);
    CU_ASSERT_EQUAL(prove(pk, &proof, &len), 0);
    free(proof);
    stark_pk_free(pk);
    stark_vk_free(vk);
}

static void test_vk_from_root(void)
{
    stark_pk *pk;
    stark_vk *vk, *v2, *v3;
    CU_ASSERT_EQUAL_FATAL(stark_setup(&pk, &vk, M, &P), CAIRN_OK);
    p2_digest root = stark_vk_pre_root(vk), other = root;
    CU_ASSERT_EQUAL_FATAL(stark_vk_from_root(&v2, M, &P, &root), CAIRN_OK);
    p2_digest a = stark_vk_digest(vk), b = stark_vk_digest(v2);
    CU_ASSERT_EQUAL(memcmp(a.v, b.v, sizeof a.v), 0);
    /* proofs of the machine verify under it, and not under another root's */
    uint8_t *proof;
    size_t len;
    CU_ASSERT_EQUAL_FATAL(prove(pk, &proof, &len), 0);
    CU_ASSERT_EQUAL(stark_verify(v2, (gl_t[]){16}, STARK_LOOKUP_NPUB, proof, len, TEST_ANY_HEIGHTS), CAIRN_OK);
    other.v[1] = gl_add(other.v[1], 1);
    CU_ASSERT_EQUAL_FATAL(stark_vk_from_root(&v3, M, &P, &other), CAIRN_OK);
    b = stark_vk_digest(v3);
    CU_ASSERT_NOT_EQUAL(memcmp(a.v, b.v, sizeof a.v), 0);
    CU_ASSERT_EQUAL(stark_verify(v3, (gl_t[]){16}, STARK_LOOKUP_NPUB, proof, len, TEST_ANY_HEIGHTS),
                    CAIRN_ERR_VERIFY);
    other.v[0] = GL_P;
    stark_vk *v4 = NULL;
    CU_ASSERT_EQUAL(stark_vk_from_root(&v4, M, &P, &other), CAIRN_ERR_USAGE);
    CU_ASSERT_PTR_NULL(v4);
    free(proof);
    stark_pk_free(pk);
    stark_vk_free(vk);
    stark_vk_free(v2);
    stark_vk_free(v3);
}

static void test_records(void)
{
    static const uint8_t id[] = "what the value is of", val[40] = {1, 2, 3, 4, 5, [39] = 9};
    uint8_t got[40], big[41];
    char path[4200];
    stark_keycache_stats s0, s1;
    CU_ASSERT_EQUAL(stark_keycache_record_get(got, sizeof got, path, sizeof path, "test", id, sizeof id), 0);
    stark_keycache_record_put("test", id, sizeof id, val, sizeof val);
    const char *file = test_cache_file(DIR_, ".test");
    CU_ASSERT_STRING_EQUAL(path, file);
    struct stat st;
    CU_ASSERT_EQUAL(stat(file, &st), 0);
    CU_ASSERT_EQUAL(st.st_size, 48 + (off_t)sizeof id + (off_t)sizeof val + 8);
    CU_ASSERT_EQUAL(st.st_mode & 077, 0);
    memset(got, 0, sizeof got);
    CU_ASSERT_EQUAL(stark_keycache_record_get(got, sizeof got, path, sizeof path, "test", id, sizeof id), 1);
    CU_ASSERT_EQUAL(memcmp(got, val, sizeof val), 0);
    /* another kind, id or value length: not this record */
    CU_ASSERT_EQUAL(stark_keycache_record_get(got, sizeof got, path, sizeof path, "other", id, sizeof id), 0);
    CU_ASSERT_EQUAL(stark_keycache_record_get(got, sizeof got, path, sizeof path, "test", id, sizeof id - 1), 0);
    CU_ASSERT_EQUAL(stark_keycache_record_get(big, sizeof big, path, sizeof path, "test", id, sizeof id), 0);
    CU_ASSERT_EQUAL(stark_keycache_record_get(got, sizeof got, path, sizeof path, "Bad!", id, sizeof id), 0);
    /* damaged: a value byte (checksum left), the binary hash (checksum
     * fixed: another binary's), the id, truncated, extended, others may
     * write it; each ignored and counted, and a store makes it whole */
    static const struct {
        size_t off;
        int fix;
    } flips[] = {{48 + sizeof id + 3, 0}, {20, 1}, {48 + 2, 1}, {8, 1}, {0, 1}};
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        rewrite(file, flips[i].off, 0x10, flips[i].fix);
        stats(&s0);
        CU_ASSERT_EQUAL(stark_keycache_record_get(got, sizeof got, path, sizeof path, "test", id, sizeof id), -1);
        stats(&s1);
        CU_ASSERT_EQUAL(s1.bad - s0.bad, 1);
        stark_keycache_record_put("test", id, sizeof id, val, sizeof val);
        CU_ASSERT_EQUAL(stark_keycache_record_get(got, sizeof got, path, sizeof path, "test", id, sizeof id), 1);
    }
    CU_ASSERT_EQUAL(truncate(file, st.st_size - 1), 0);
    CU_ASSERT_EQUAL(stark_keycache_record_get(got, sizeof got, path, sizeof path, "test", id, sizeof id), -1);
    stark_keycache_record_put("test", id, sizeof id, val, sizeof val);
    FILE *f = fopen(file, "ab");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputc(0, f);
    fclose(f);
    CU_ASSERT_EQUAL(stark_keycache_record_get(got, sizeof got, path, sizeof path, "test", id, sizeof id), -1);
    stark_keycache_record_put("test", id, sizeof id, val, sizeof val);
    CU_ASSERT_EQUAL(chmod(file, 0620), 0);
    CU_ASSERT_EQUAL(stark_keycache_record_get(got, sizeof got, path, sizeof path, "test", id, sizeof id), -1);
    CU_ASSERT_EQUAL(chmod(file, 0600), 0);
    CU_ASSERT_EQUAL(stark_keycache_record_get(got, sizeof got, path, sizeof path, "test", id, sizeof id), 1);
    unlink(file);
}

static void test_folder(void)
{
    stark_keycache_stats s;
    /* a folder others may write is not used */
    CU_ASSERT_EQUAL(chmod(DIR_, 0777), 0);
    stark_keycache_set(DIR_);
    stats(&s);
    CU_ASSERT_FALSE(s.enabled);
    CU_ASSERT_PTR_NOT_NULL(strstr(s.why_off, "only it may write"));
    CU_ASSERT_EQUAL(chmod(DIR_, 0700), 0);
    /* off: no lookups, no files */
    const char *path = entry();
    if (*path) unlink(path);
    stark_keycache_set(NULL);
    stats(&s);
    CU_ASSERT_FALSE(s.enabled);
    stark_pk *pk;
    stark_vk *vk;
    CU_ASSERT_EQUAL(from_cache(&pk, &vk), 0);
    CU_ASSERT_STRING_EQUAL(entry(), "");
    stark_pk_free(pk);
    stark_vk_free(vk);
    static const uint8_t id[1] = {7}, val[1] = {8};
    uint8_t got[1];
    char rp[4200];
    stark_keycache_record_put("test", id, 1, val, 1);
    CU_ASSERT_EQUAL(stark_keycache_record_get(got, 1, rp, sizeof rp, "test", id, 1), 0);
    CU_ASSERT_STRING_EQUAL(rp, "");
    CU_ASSERT_STRING_EQUAL(test_cache_file(DIR_, ".test"), "");
    /* a nested folder that does not exist yet is created, private */
    stark_keycache_set(test_path("a/b/keys"));
    stats(&s);
    CU_ASSERT_TRUE(s.enabled);
    struct stat st;
    CU_ASSERT_EQUAL(stat(test_path("a/b/keys"), &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 077, 0);
    air_machine_free(M);
}

int main(void)
{
    static const test_case cases[] = {{"a second setup reads the stored root", test_hit},
                                      {"damaged, foreign, non-private entries are ignored", test_damaged},
                                      {"an entry with another root is caught by the first proof", test_wrong_root},
                                      {"a key from a known root", test_vk_from_root},
                                      {"records: read back, damaged ones ignored", test_records},
                                      {"folders others may write, off, created", test_folder},
                                      {NULL, NULL}};
    return test_run_suite("keycache", cases);
}
