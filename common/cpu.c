#include "cpu.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>

static unsigned detect(void)
{
    unsigned a, b, c, d, f = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    /* OS support for the YMM/ZMM state (XGETBV). */
    unsigned a1, b1, c1, d1;
    if (!__get_cpuid(1, &a1, &b1, &c1, &d1)) return 0;
    if (!(c1 & (1u << 27))) return 0; /* OSXSAVE */
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    int ymm = (lo & 0x6) == 0x6, zmm = (lo & 0xe6) == 0xe6;
    if (ymm && (b & (1u << 5)) && (b & (1u << 8))) f |= CPU_AVX2; /* AVX2, BMI2 */
    unsigned need512 = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31); /* F DQ BW VL */
    if (zmm && (b & need512) == need512) {
        f |= CPU_AVX512;
        if (b & (1u << 21)) f |= CPU_AVX512IFMA;
    }
    return f;
}
#else
static unsigned detect(void) { return 0; }
#endif

static unsigned host_mask;
static int host_done;
static unsigned restrict_mask = ~0u;
static int env_done;

unsigned cpu_features_host(void)
{
    if (!host_done) {
        host_mask = detect();
        host_done = 1;
    }
    return host_mask;
}

unsigned cpu_features(void)
{
    if (!env_done) {
        const char *s = getenv("CAIRN_SIMD");
        if (s) {
            if (!strcmp(s, "scalar")) restrict_mask = 0;
            else if (!strcmp(s, "avx2")) restrict_mask = CPU_AVX2;
        }
        env_done = 1;
    }
    return cpu_features_host() & restrict_mask;
}

void cpu_features_restrict(unsigned mask)
{
    env_done = 1;
    restrict_mask = mask;
}

const char *cpu_simd_name(void)
{
    unsigned f = cpu_features();
    if (f & CPU_AVX512) return "avx512";
    if (f & CPU_AVX2) return "avx2";
    return "scalar";
}
