/* libFuzzer harness for the proof parser and the verifier: arbitrary bytes
 * are parsed against a fixed small verifying key (fib machine, 2 queries);
 * if parsing succeeds the verifier runs. Neither may crash, and the
 * verifier must not accept anything but the embedded valid proof.
 *
 * Input modes (first byte): even = the bytes after it are a proof; odd =
 * the rest is a list of (offset u16, xor u8) edits applied to the embedded
 * valid proof (fuzz_proof_seed.h), so mutations reach deep into the
 * verifier instead of stopping at the header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpu.h"
#include "stark/machines.h"
#include "stark/stark.h"
#include "fuzz_proof_seed.h"

static air_machine *fib;
static stark_vk *vk;
static stark_pk *pk;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    cpu_features_restrict(0); /* the SIMD kernels are not built in */
    stark_params p;
    if (stark_machine_fib(&fib) != CAIRN_OK || stark_params_preset(&p, "test") != CAIRN_OK)
        abort();
    p.queries = FUZZ_SEED_QUERIES;
    if (stark_setup(&pk, &vk, fib, &p) != CAIRN_OK) abort();
    /* the embedded proof must still be valid for this key */
    static const gl_t pub[3] = FUZZ_SEED_PUB;
    if (stark_verify(vk, pub, 3, fuzz_seed_proof, sizeof fuzz_seed_proof) != CAIRN_OK) abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const gl_t pub[3] = FUZZ_SEED_PUB;
    if (size < 1) return 0;
    if ((data[0] & 1) == 0) {
        (void)stark_verify(vk, pub, 3, data + 1, size - 1);
        return 0;
    }
    uint8_t *buf = malloc(sizeof fuzz_seed_proof);
    if (!buf) return 0;
    memcpy(buf, fuzz_seed_proof, sizeof fuzz_seed_proof);
    size_t len = sizeof fuzz_seed_proof;
    int changed = 0;
    for (size_t i = 1; i + 3 <= size; i += 3) {
        size_t off = ((size_t)data[i] | (size_t)data[i + 1] << 8) % sizeof fuzz_seed_proof;
        buf[off] ^= data[i + 2];
        changed |= data[i + 2] != 0;
    }
    /* a trailing odd byte truncates instead */
    if ((size - 1) % 3 == 1) len -= 1 + data[size - 1] % 16;
    cairn_err e = stark_verify(vk, pub, 3, buf, len);
    if (e == CAIRN_OK && (changed || len != sizeof fuzz_seed_proof)) {
        /* XORs may cancel out; only a really different proof is a bug */
        if (len != sizeof fuzz_seed_proof || memcmp(buf, fuzz_seed_proof, len) != 0) abort();
    }
    free(buf);
    return 0;
}
