/* CPU feature detection for runtime dispatch (BLAKE3 style): cpuid is read
 * once; every SIMD routine asks cpu_features() which paths it may take.
 * Tests narrow the mask with cpu_features_restrict() to run each path the
 * host supports, and the environment variable CAIRN_SIMD=scalar|avx2|avx512
 * does the same for the whole process. */
#ifndef CAIRN_COMMON_CPU_H
#define CAIRN_COMMON_CPU_H

enum {
    CPU_AVX2 = 1u << 0,      /* AVX2 (and BMI2) */
    CPU_AVX512 = 1u << 1,    /* AVX-512 F + DQ + VL + BW */
    CPU_AVX512IFMA = 1u << 2 /* AVX-512 IFMA52 */
};

/* Features detected on this host, intersected with any restriction. */
unsigned cpu_features(void);

/* Features detected on this host, ignoring restrictions. */
unsigned cpu_features_host(void);

/* Restricts dispatch to mask & host features (0 = scalar only). Not
 * thread-safe against concurrent dispatch; call between operations. */
void cpu_features_restrict(unsigned mask);

/* "scalar", "avx2" or "avx512": the widest path dispatch will take. */
const char *cpu_simd_name(void);

#endif
