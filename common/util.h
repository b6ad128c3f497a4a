/* Small shared helpers: a seeded RNG for tests and benchmarks (never for
 * anything secret), a monotonic clock, peak memory. */
#ifndef CAIRN_COMMON_UTIL_H
#define CAIRN_COMMON_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* xoshiro256** seeded through splitmix64. Deterministic per seed. */
typedef struct { uint64_t s[4]; } rng_t;

void rng_seed(rng_t *r, uint64_t seed);
uint64_t rng_u64(rng_t *r);

/* Seed for a randomised test: $CAIRN_TEST_SEED if set, else from the clock.
 * Prints "seed: N (name)" to stderr so a failure can be replayed. */
uint64_t test_seed(const char *name);

/* Seconds from a monotonic clock. */
double now_sec(void);

/* CPU seconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID). */
double thread_cpu_sec(void);

/* CPU seconds the process has used, all threads (CLOCK_PROCESS_CPUTIME_ID). */
double process_cpu_sec(void);

/* Wall-clock time: nanoseconds since the Unix epoch (CLOCK_REALTIME), for
 * timestamps stored in job files. */
uint64_t unix_ns(void);

/* Peak resident set size of this process in bytes (0 if unknown). */
size_t peak_rss_bytes(void);

#endif
