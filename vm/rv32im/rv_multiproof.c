/* Size of a page set's Merkle multiproof (see rv.h). Kept apart from the
 * tree so that the snapshot parser (and its fuzz harness) need no hashing. */
#include <stdlib.h>
#include <string.h>

#include "rv_internal.h"

size_t rv_multiproof_size(const uint32_t *page_index, size_t npages)
{
    if (npages == 0) return 0;
    uint32_t *cur = malloc(npages * sizeof *cur);
    if (!cur) return SIZE_MAX;
    memcpy(cur, page_index, npages * sizeof *cur);
    size_t m = npages, k = 0;
    WALK_SIBLINGS(cur, m, { (void)level; (void)sib; k++; });
    free(cur);
    return k;
}

