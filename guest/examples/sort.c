/* sort: reads whitespace-separated signed decimal 32-bit integers from the
 * private input, sorts them (merge sort), and writes "n=<count>" and then
 * one number per line to the journal. Exits 1 if the input holds something
 * other than numbers, 3 if the heap runs out.
 *
 * Uses scanf, malloc/realloc and printf: the picolibc glue end to end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void merge_sort(int32_t *v, int32_t *tmp, size_t n)
{
    /* Bottom-up: runs of width w are merged pairwise into tmp, then the
     * roles swap, so each pass is one sweep with no recursion. */
    int32_t *src = v, *dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = src[j] < src[i] ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        int32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != v) memcpy(v, src, n * sizeof *v);
}

int main(void)
{
    size_t n = 0, cap = 1024;
    int32_t *v = malloc(cap * sizeof *v);
    if (!v) return 3;
    long x;
    int r;
    while ((r = scanf("%ld", &x)) == 1) {
        if (n == cap) {
            cap *= 2;
            int32_t *nv = realloc(v, cap * sizeof *v);
            if (!nv) return 3;
            v = nv;
        }
        v[n++] = (int32_t)x;
    }
    if (r != EOF) {
        fprintf(stderr, "sort: input item %lu is not a number\n", (unsigned long)n + 1);
        return 1;
    }
    int32_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp) return 3;
    merge_sort(v, tmp, n);
    for (size_t i = 1; i < n; i++)
        if (v[i - 1] > v[i]) return 4; /* our own invariant: cannot happen */

    printf("n=%lu\n", (unsigned long)n);
    for (size_t i = 0; i < n; i++) printf("%" PRId32 "\n", v[i]);
    free(tmp);
    free(v);
    return 0;
}
