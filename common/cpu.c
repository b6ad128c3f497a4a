#include "cpu.h"

#include <pthread.h>
#include <stdio.h>
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
static unsigned restrict_mask = ~0u;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* Runs once per process, whichever thread asks first: cpuid, then the
 * CAIRN_SIMD override. */
static void init(void)
{
    host_mask = detect();
    const char *s = getenv("CAIRN_SIMD");
    if (!s || !*s || !strcmp(s, "avx512")) return;
    if (!strcmp(s, "scalar")) restrict_mask = 0;
    else if (!strcmp(s, "avx2")) restrict_mask = CPU_AVX2;
    else fprintf(stderr, "cairn: ignoring CAIRN_SIMD=%s (expected scalar, avx2 or avx512)\n", s);
}

unsigned cpu_features_host(void)
{
    pthread_once(&init_once, init);
    return host_mask;
}

unsigned cpu_features(void)
{
    pthread_once(&init_once, init);
    return host_mask & restrict_mask;
}

void cpu_features_restrict(unsigned mask)
{
    pthread_once(&init_once, init);
    restrict_mask = mask;
}

const char *cpu_simd_name(void)
{
    unsigned f = cpu_features();
    if (f & CPU_AVX512) return "avx512";
    if (f & CPU_AVX2) return "avx2";
    return "scalar";
}
