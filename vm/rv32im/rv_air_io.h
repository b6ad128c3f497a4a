/* The io and journal tables of the RV32IM segment AIR (docs/rv-air.md
 * "Buses", "State digests"): the memory words that read(0) / write(1|2)
 * move, and the journal chain over the bytes written to fd 1.
 *
 * ---- table `io`: one row per memory word a call moves --------------------
 * Rows of one call are consecutive and in address order (the rv_trace io
 * table rows, rv.h); rows of different calls follow each other; padding
 * rows (active = 0) come last. Per row:
 *   active, first, last   booleans: a call's row, its first, its last row
 *   fd0, fd1, fd2         one-hot fd of the call (sum = active)
 *   ts                    the ECALL's base timestamp 8 (cycle + 1)
 *   waddr                 word address (byte address >> 2), < 2^30
 *   buf, rem              first row: the buffer's byte address; every row:
 *                         bytes of the call from this row's first one on
 *   pos                   stream offset of the row's first moved byte (fd 2:
 *                         counted from the call's first byte, rv_air_int.h)
 *   mask[4]               byte k of the word is moved
 *   prev[4]               bytes of the word before the access (8-bit)
 *   byte[4]               the moved bytes (8-bit): fd 0 the input bytes
 *                         written, fd 1/2 = prev where masked
 *   value                 the word after the access
 *   mem[2], wlo, whi      the access gadget's ts limbs; waddr's 16/14-bit limbs
 * Constraints (the rules of rv.h's io table):
 *   - the first row RECEIVES (ts, fd1 + 2 fd2, buf, rem, pos) on RV_BUS_IO
 *     (the ecall table's hand-off: rem = n there) and covers buf:
 *     buf = 4 waddr + (index of its first masked byte), mask nonzero;
 *   - masks are contiguous runs; a row that is not its call's first has
 *     mask[0] = 1, one that is not its call's last has mask[3] = 1;
 *   - within a call the next row has the same ts and fd, waddr + 1,
 *     pos + popcount(mask), rem - popcount(mask); the last row has
 *     rem = popcount(mask). So the call's bytes are exactly [buf, buf + n)
 *     in order (sum of popcounts = n: every term is small, no wrap);
 *   - each row is one memory access (rv_air_mem.h) at ts + RV_SLOT_IO of
 *     waddr from prev = sum prev[k] 256^k to value = prev + sum mask[k]
 *     (byte[k] - prev[k]) 256^k (unmasked bytes unchanged), and for fd 1/2
 *     byte[k] = prev[k] where masked (a read: value = prev);
 *   - fd 1 rows SEND (pos + masked bytes before k, byte[k]) on
 *     RV_BUS_JOURNAL for every masked k (multiplicity fd1 * mask[k]).
 * The io table relies on the ecall table for the hand-off: n > 0 only for
 * calls that pass the EBADF/EFAULT rules (so [buf, buf + n) avoids page 0 and
 * does not wrap; waddr < 2^30 is checked here regardless, so no io word is
 * ever a register address).
 *
 * ---- table `journal`: one row per 16-byte journal block ------------------
 * Row 0 is the block holding global journal byte start.journal_len (its
 * first s0 = start.journal_len mod 16 bytes are the start tail); each
 * following row is the next block; the last active row is the block left
 * incomplete at the end (the end tail, possibly empty). Per row:
 *   active, last, row0
 *   base                  segment position of the block's byte 0 (row 0:
 *                         -s0; +16 per row)
 *   J                     journal bytes written in the segment (constant)
 *   chain[4]              J_k entering the block
 *   tail_in[4]            row 0: the start tail words
 *   b[16]                 the block's bytes (8-bit where they come from the
 *                         start tail; from io otherwise; 0 where unwritten)
 *   o[16], w[16]          byte j is old (start tail) / written now; z = 1 -
 *                         o - w: unwritten. Per row o..o w..w z..z in order;
 *                         o only on row 0 (sum o = s0)
 *   out[12]               the compression's permutation output
 * A row that is not the last is complete (no z) and chains: it SENDS
 * ((chain, block words, 0^4), out) on RV_BUS_P2 and the next row's chain
 * is out[0..3]; the last row has z at byte 15 and sum(o + w) + base = J.
 * Each w byte is RECEIVED as (base + j, b[j]) on RV_BUS_JOURNAL, so the
 * segment's journal bytes 0..J-1 are consumed in order, each once. The
 * state fields come over RV_BUS_STATE from the state table (rv_air_int.h):
 * row 0 RECEIVES (JOURNAL_IN, chain, s0, J) and (JTAIL_IN, tail_in); the
 * last row RECEIVES (JOURNAL_OUT, chain) and (JTAIL_OUT, block words).
 * That is rv_journal_append's chain: J_{k+1} = p2_compress(J_k, block_k as
 * 4 LE words), tail zero-padded. The number of rows is the caller's budget.
 */
#ifndef CAIRN_VM_RV_AIR_IO_H
#define CAIRN_VM_RV_AIR_IO_H

#include <stddef.h>
#include <stdint.h>

#include "rv.h"
#include "rv_air_int.h"
#include "rv_air_mem.h"
#include "rv_air_p2.h"

enum {
    RV_IOT_ACTIVE = 0,
    RV_IOT_FIRST = 1,
    RV_IOT_LAST = 2,
    RV_IOT_FD0 = 3, /* fd0, fd1, fd2 */
    RV_IOT_TS = 6,
    RV_IOT_WADDR = 7,
    RV_IOT_BUF = 8,
    RV_IOT_REM = 9,
    RV_IOT_POS = 10,
    RV_IOT_MASK = 11,  /* 4 */
    RV_IOT_PREV = 15,  /* 4 */
    RV_IOT_BYTE = 19,  /* 4 */
    RV_IOT_VALUE = 23,
    RV_IOT_MEM = 24,   /* rv_mem_g: 2 */
    RV_IOT_WLO = 26,
    RV_IOT_WHI = 27,
    RV_IOT_NCOLS = 28
};

enum {
    RV_JT_ACTIVE = 0,
    RV_JT_LAST = 1,
    RV_JT_ROW0 = 2,
    RV_JT_BASE = 3,
    RV_JT_J = 4,
    RV_JT_CHAIN = 5,               /* 4 */
    RV_JT_TAIL_IN = 9,             /* 4 */
    RV_JT_B = 13,                  /* 16 */
    RV_JT_O = RV_JT_B + 16,        /* 16 */
    RV_JT_W = RV_JT_O + 16,        /* 16 */
    RV_JT_OUT = RV_JT_W + 16,      /* 12 */
    RV_JT_NCOLS = RV_JT_OUT + P2_WIDTH /* 73 */
};

/* One read(0)/write(1|2) call of a trace: its hand-off (what the cpu
 * sends on RV_BUS_IO) and its rows [first, first + nrows) of tr's io
 * table. */
typedef struct {
    uint32_t ts, fd, buf, n, pos;
    size_t first, nrows;
} rv_io_call;

/* The call whose rows start at io row `first` of tr (CAIRN_ERR_CORRUPT if
 * the rows do not follow rv.h's rules). */
cairn_err rv_io_call_at(rv_io_call *c, const rv_trace *tr, size_t first);

/* Adds the tables (NULL on error, recorded in m). */
air_table *rv_io_table_add(air_machine *m);
air_table *rv_journal_table_add(air_machine *m);

/* io rows are filled call by call, in cycle order, each when the cpu
 * reaches the ECALL (the accesses go through the shared tracker at
 * ts + RV_SLOT_IO, after the ECALL's own accesses). main: 2^log_n x
 * RV_IOT_NCOLS, row-major, the caller's; *row is the next free row.
 * CAIRN_ERR_LIMIT if the call does not fit. */
cairn_err rv_io_fill_call(gl_t *main, unsigned log_n, size_t *row, rv_lookups *lk, rv_memtrack *mt,
                          const rv_trace *tr, const rv_io_call *c);
/* Zeroes rows [row, 2^log_n) (padding). */
void rv_io_fill_pad(gl_t *main, unsigned log_n, size_t row);
/* Every call of tr in order, then padding (for a prover whose tracker sees
 * no other access between them, e.g. tests). */
cairn_err rv_io_fill(gl_t *main, unsigned log_n, rv_lookups *lk, rv_memtrack *mt, const rv_trace *tr);

/* Rows the journal of a segment needs: (start_len mod 16 + nbytes) / 16 + 1. */
size_t rv_journal_rows(uint64_t start_len, uint64_t nbytes);
/* All 2^log_n journal rows of snapshot s from the fd 1 words of its trace
 * tr; records the block compressions in calls and the tail-byte range
 * checks in lk. CAIRN_ERR_LIMIT if the blocks do not fit,
 * CAIRN_ERR_VERIFY if the bytes do not give s->end's journal fields. */
cairn_err rv_journal_fill(gl_t *main, unsigned log_n, rv_p2_calls *calls, rv_lookups *lk,
                          const rv_snapshot *s, const rv_trace *tr);

#endif
