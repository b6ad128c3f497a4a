/* fibonacci: reads n (decimal text) from the private input, writes
 * "fib(n) = F\n" to the journal, F = fib(n) mod 2^64 (fib(0) = 0,
 * fib(1) = 1). Without input n = 30. The loop is n iterations, so n also
 * sets the run length: n = 1000000 is a few million cycles.
 *
 * Uses scanf on stdin and printf on stdout, exercising the picolibc glue.
 */
#include <inttypes.h>
#include <stdio.h>

int main(void)
{
    unsigned long n = 30;
    if (scanf("%lu", &n) != 1) n = 30; /* empty input: the default */

    uint64_t a = 0, b = 1;
    for (unsigned long i = 0; i < n; i++) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    printf("fib(%lu) = %" PRIu64 "\n", n, a);
    return 0;
}
