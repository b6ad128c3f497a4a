/* libFuzzer harness for the proof parser and the verifier: arbitrary bytes
 * are parsed against a fixed small verifying key (fib machine, 2 queries);
 * if parsing succeeds the verifier runs. Neither may crash, and the
 * verifier must not accept anything but the embedded valid proof.
 *
 * Input modes (first byte): even = the bytes after it are a proof; odd =
 * the rest is a list of (offset u16, xor u8) edits applied to the embedded
 * valid proof, so mutations reach deep into the verifier instead of
 * stopping at the header (the path bitmap and the references to repeated
 * Merkle path digests included). The valid proof is made at start-up by the
 * prover itself, so it always matches the current format. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stark/machines.h"
#include "stark/stark.h"

#define FIB_LOG_N 4
#define SEED_QUERIES 2

static air_machine *fib;
static stark_vk *vk;
static stark_pk *pk;
static gl_t pub[STARK_FIB_NPUB];
static uint8_t *seed_proof;
static size_t seed_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    stark_params p;
    if (stark_machine_fib(&fib) != CAIRN_OK || stark_params_preset(&p, "test") != CAIRN_OK)
        abort();
    p.queries = SEED_QUERIES;
    if (stark_setup(&pk, &vk, fib, &p) != CAIRN_OK) abort();
    /* the seed has Merkle path digests written as references to earlier
     * ones (stark/proof.c "Path slots"), so edits reach their parsing:
     * whether its two queries share a sibling depends on the transcript
     * (the key digest, so the format version, and the trace), so the
     * first trace seed whose proof has one is taken */
    for (uint64_t seed = 1; seed <= 64; seed++) {
        gl_t *main = NULL;
        if (stark_fib_trace(&main, pub, FIB_LOG_N, seed) != CAIRN_OK) abort();
        stark_trace tr = {main, FIB_LOG_N};
        if (stark_prove(pk, &tr, pub, STARK_FIB_NPUB, &seed_proof, &seed_len) != CAIRN_OK) abort();
        free(main);
        if (stark_verify(vk, pub, STARK_FIB_NPUB, seed_proof, seed_len, (unsigned[AIR_MAX_TABLES]){FIB_LOG_N}) !=
            CAIRN_OK)
            abort();
        stark_proof_sizes z;
        if (stark_proof_measure(&z, vk, seed_proof, seed_len) != CAIRN_OK) abort();
        if (z.path_refs > 0) return 0;
        free(seed_proof);
    }
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    if ((data[0] & 1) == 0) {
        (void)stark_verify(vk, pub, STARK_FIB_NPUB, data + 1, size - 1, (unsigned[AIR_MAX_TABLES]){FIB_LOG_N});
        return 0;
    }
    uint8_t *buf = malloc(seed_len);
    if (!buf) return 0;
    memcpy(buf, seed_proof, seed_len);
    size_t len = seed_len;
    int changed = 0;
    for (size_t i = 1; i + 3 <= size; i += 3) {
        size_t off = ((size_t)data[i] | (size_t)data[i + 1] << 8) % seed_len;
        buf[off] ^= data[i + 2];
        changed |= data[i + 2] != 0;
    }
    /* a trailing odd byte truncates instead */
    if ((size - 1) % 3 == 1) len -= 1 + data[size - 1] % 16;
    cairn_err e = stark_verify(vk, pub, STARK_FIB_NPUB, buf, len, (unsigned[AIR_MAX_TABLES]){FIB_LOG_N});
    if (e == CAIRN_OK && (changed || len != seed_len)) {
        /* XORs may cancel out; only a really different proof is a bug */
        if (len != seed_len || memcmp(buf, seed_proof, len) != 0) abort();
    }
    free(buf);
    return 0;
}
