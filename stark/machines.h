/* Example machines for the STARK engine, with trace generators producing
 * random valid instances (tests and benchmarks).
 *
 *  - fib: one table (a, b, i), public (a0, a1, result, n): a' = b,
 *    b' = a + b, result = b on the last row; the row counter i runs 0..n-1,
 *    so n (the number of rows) is part of the statement.
 *  - lookup: table "values" (a, b, c = a + b, i) sends a and b to a range
 *    bus; table "range" has a preprocessed column 0..65535 (2^16 rows) and
 *    a multiplicity column, and receives each value with its multiplicity.
 *    Public: n, the number of rows of "values" (the counter i runs 0..n-1).
 *  - p2chain: knowledge of w_0..w_n (digests of 4 elements) with
 *    d_1 = H(w_0, w_1), d_i = H(d_(i-1), w_i), out = d_n, where
 *    H = p2_compress (one permutation of (left || right || 0^4), first 4
 *    elements). One row per permutation; see machine_p2chain.c.
 *    Public: out (4 elements) and n (the number of hashes = rows).
 */
#ifndef CAIRN_STARK_MACHINES_H
#define CAIRN_STARK_MACHINES_H

#include <stdint.h>

#include "air.h"
#include "stark.h"

enum { STARK_FIB_NPUB = 4, STARK_LOOKUP_NPUB = 1, STARK_P2CHAIN_NPUB = 5 };
#define STARK_LOOKUP_RANGE_LOG 16
/* The trace generators take log heights 1..STARK_MACHINE_MAX_LOG_N (the
 * largest table height a proof may state); any other is CAIRN_ERR_USAGE,
 * so a height from a command line never reaches a size computation. */
#define STARK_MACHINE_MAX_LOG_N 26

cairn_err stark_machine_fib(air_machine **out);
/* main: 2^log_n x 3 (malloc'd, caller frees); pub[4]. */
cairn_err stark_fib_trace(gl_t **main, gl_t pub[STARK_FIB_NPUB], unsigned log_n, uint64_t seed);

cairn_err stark_machine_lookup(air_machine **out);
/* values: 2^log_n x 4; range: 2^16 x 1 (multiplicities); both malloc'd;
 * pub[1]. */
cairn_err stark_lookup_trace(gl_t **values, gl_t **range, gl_t pub[STARK_LOOKUP_NPUB],
                             unsigned log_n, uint64_t seed);

cairn_err stark_machine_p2chain(air_machine **out);
unsigned stark_p2chain_width(void); /* main columns */
/* main: 2^log_n x width; pub: out[4], n. */
cairn_err stark_p2chain_trace(gl_t **main, gl_t pub[STARK_P2CHAIN_NPUB], unsigned log_n,
                              uint64_t seed);

#endif
