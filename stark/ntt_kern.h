/* Private to the NTT: the butterfly kernels each dispatch path supplies
 * (scalar in ntt.c, ntt_avx2.c, ntt_avx512.c). ntt.c decides which
 * butterflies to run in which order (cache blocking, threads); a kernel
 * only runs them.
 *
 * Twiddle tables: tw[s] holds w_s^j for j < 2^s, where w_s is a primitive
 * 2^(s+1)-th root of unity (or its inverse for inverse transforms). Layer s
 * of a transform pairs elements 2^s apart:
 *   DIT (bit-reversed in, natural out), layers s = 0, 1, ...:
 *       (x, y) -> (x + t y, x - t y)
 *   DIF (natural in, bit-reversed out), layers s = L-1, ..., 0:
 *       (x, y) -> (x + y, (x - y) t)
 * with t = tw[s][j mod 2^s] for the pair whose first element has index j.
 */
#ifndef CAIRN_STARK_NTT_KERN_H
#define CAIRN_STARK_NTT_KERN_H

#include <stddef.h>

#include "gl.h"

#define NTT_K_DIF 1u /* DIF butterflies, else DIT */
#define NTT_K_VEC 2u /* one twiddle per lane, else one per unit */

typedef struct {
    /* One layer over a group of nunits units (a power of two): unit i is
     * `width` contiguous elements at base + i*ustride. Units i and i + hr
     * are paired, for i in the first half of each block of 2*hr units; the
     * pair with i mod hr = r uses the twiddles at tw + r*tw_step: tw[0] for
     * every lane, or tw[0..width) lane by lane with NTT_K_VEC. */
    void (*layer)(gl_t *base, size_t ustride, size_t width, size_t nunits, size_t hr,
                  const gl_t *tw, size_t tw_step, unsigned mode);
    /* Layers [s_lo, s_hi) of one contiguous column of 2^s_hi elements, in
     * DIT (increasing) or DIF (decreasing) order; tw as above. */
    void (*block)(gl_t *a, unsigned s_lo, unsigned s_hi, const gl_t *const *tw, int dif);
} ntt_kern;

extern const ntt_kern ntt_kern_scalar;
extern const ntt_kern ntt_kern_avx2;
extern const ntt_kern ntt_kern_avx512;

/* The scalar block kernel; the SIMD ones use it for blocks too small for
 * their shuffles. */
void ntt_block_scalar(gl_t *a, unsigned s_lo, unsigned s_hi, const gl_t *const *tw, int dif);

/* For tests: overrides the cache-blocking parameters of ntt.c so that
 * small transforms take the multi-pass paths (0 keeps a default): bytes of
 * a strided group, log2 of a contiguous one-column block, lanes of a
 * one-column unit (a power of two), columns per strip. Not thread-safe;
 * call between transforms. */
void ntt_set_blocking(size_t group_bytes, unsigned col_block_log, size_t col_unit, size_t strip_cols);

#endif
