/* The fuzz harnesses are compiled without ISA flags, so the AVX2/AVX-512
 * kernels cannot be built into them. These stand-ins satisfy the linker;
 * every harness calls cpu_features_restrict(0) first, so dispatch never
 * reaches them (they abort if it ever does). */
#include <stdlib.h>

#include "stark/gl_simd.h"
#include "stark/ntt_kern.h"
#include "stark/p2_impl.h"

#define STUB_VEC(name)                                                       \
    void name(gl_t *out, const gl_t *a, const gl_t *b, size_t n)            \
    {                                                                        \
        (void)out, (void)a, (void)b, (void)n;                                \
        abort();                                                             \
    }
STUB_VEC(gl_vec_add_avx2)
STUB_VEC(gl_vec_sub_avx2)
STUB_VEC(gl_vec_mul_avx2)
STUB_VEC(gl_vec_add_avx512)
STUB_VEC(gl_vec_sub_avx512)
STUB_VEC(gl_vec_mul_avx512)
void gl_vec_mul_scalar_avx2(gl_t *out, const gl_t *a, gl_t s, size_t n)
{
    (void)out, (void)a, (void)s, (void)n;
    abort();
}
void gl_vec_mul_scalar_avx512(gl_t *out, const gl_t *a, gl_t s, size_t n)
{
    (void)out, (void)a, (void)s, (void)n;
    abort();
}
#define STUB_SOA(name)                                                       \
    void name(gl_t *soa)                                                     \
    {                                                                        \
        (void)soa;                                                           \
        abort();                                                             \
    }
STUB_SOA(p2_permute_soa8_avx2)
STUB_SOA(p2_permute_soa4_avx2)
STUB_SOA(p2_permute_soa16_avx512)
STUB_SOA(p2_permute_soa8_avx512)
STUB_SOA(p2_permute_single_avx512)
int p2_test_op_avx2(int op, gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    (void)op, (void)out, (void)a, (void)b, (void)n;
    abort();
}
int p2_test_op_avx512(int op, gl_t *out, const gl_t *a, const gl_t *b, size_t n)
{
    (void)op, (void)out, (void)a, (void)b, (void)n;
    abort();
}
const ntt_kern ntt_kern_avx2 = {0, 0};
const ntt_kern ntt_kern_avx512 = {0, 0};

/* Some library files call the OpenMP runtime directly; without -fopenmp the
 * harness runs on one thread. */
int omp_get_max_threads(void) { return 1; }
int omp_get_thread_num(void) { return 0; }
int omp_get_num_threads(void) { return 1; }
