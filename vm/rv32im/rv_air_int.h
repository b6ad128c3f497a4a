/* Internal interface of the RV32IM segment AIR (docs/rv-air.md): bus ids,
 * the column allocator, lookup multiplicity counters, and the conventions
 * every gadget of vm/rv32im/rv_air_*.c follows. The public interface
 * (prove/verify a segment) will be vm/rv32im/rv_air.h.
 *
 * Gadgets. A gadget is a group of columns of one table plus the constraints
 * and interactions that give them a meaning (a 32-bit adder, a byte split,
 * a decoder, a Poseidon2 permutation). Each has three functions:
 *   xxx_layout(g, cols, ...)  assigns column indices (no table exists yet:
 *                             a table's width must be known before
 *                             air_table_add), recording them in g;
 *   xxx_build(g, m, t, ...)   adds the constraints and interactions to
 *                             table t (operands given as air_expr, so a
 *                             gadget can be gated by a selector and reused
 *                             on other operands);
 *   xxx_fill(g, row, lk, ...) writes the witness columns of one row
 *                             (row-major gl_t, row[col]) from the operand
 *                             values and records every lookup it makes in
 *                             lk (so the lookup tables get their
 *                             multiplicities).
 * A gadget's build and fill take the same operands, and its tests show
 * that an honest fill passes stark_check_trace and that every wrong result
 * is rejected (naming the constraint or the bus).
 *
 * Selectors. Gadgets used by only some rows take a `sel` expression
 * (0/1, degree <= 1 unless documented) that multiplies their constraints
 * and their interactions' multiplicities; on rows where sel = 0 the
 * gadget's columns may hold anything (fill writes zeros).
 */
#ifndef CAIRN_VM_RV_AIR_INT_H
#define CAIRN_VM_RV_AIR_INT_H

#include <stdint.h>

#include "cairn/error.h"
#include "stark/air.h"
#include "stark/gl.h"

/* Bus ids (docs/rv-air.md "Buses"); the id is the first fingerprint
 * element, so tuples of different buses never match. */
enum {
    RV_BUS_MEM = 1,     /* (addr, value, ts) */
    RV_BUS_RANGE = 2,   /* (value, bits): 0 <= value < 2^bits, bits <= 16 */
    RV_BUS_BYTES = 3,   /* (a, b, a AND b, a OR b, a XOR b), a, b bytes */
    RV_BUS_DECODE = 4,  /* decode table classes */
    RV_BUS_MULDIV = 5,  /* (op, a, b, result) */
    RV_BUS_IO = 6,      /* ECALL read/write hand-off */
    RV_BUS_P2 = 7,      /* (in[12], out[12]): out = Poseidon2(in) */
    RV_BUS_NODE = 8,    /* (level, index, digest_in[4], digest_out[4]) */
    RV_BUS_JOURNAL = 9, /* (pos, byte) */
    RV_BUS_STATE = 10,  /* (tag, ...): cpu, ecall <-> state, see below */
    RV_BUS_ECALL = 11   /* (ts, last, part): cpu ECALL row -> ecall table (rv_air_ecall.h) */
};

/* RV_BUS_IO: the ecall table SENDS (ts, fd, buf, n, pos) for every read(0) /
 * write(1|2) ECALL that moves n > 0 bytes (after the EBADF and EFAULT
 * rules), ts = the ECALL's base timestamp 8 * (cycle + 1), buf = a1 +
 * done (byte address; done = the bytes earlier parts of the call moved,
 * rv.h "System calls in parts"), n = the bytes of this cycle, pos = the stream offset of its first byte counted from the
 * segment's start (input bytes read so far for fd 0, journal bytes
 * written so far for fd 1; 0 for fd 2: the host's debug log is in no
 * statement and its bytes need no order); the io table RECEIVES it
 * on the call's first row and moves the bytes (its memory accesses use
 * slot RV_SLOT_IO of that ts). */
/* RV_BUS_STATE tuples (the state table RECEIVES each exactly once):
 *   (RV_STATE_START, pc, 0, 0, 0, 0, 0): cpu row 0 (always active);
 *   (RV_STATE_END, next_pc, 0, 0, 0, 0, 0): the cpu's last active row;
 *   (RV_STATE_ECALLS, start input_eof, halted, exit_code, input_bytes,
 *    journal_bytes, end input_eof): the ecall table's final row;
 *    input_bytes / journal_bytes are the bytes read from fd 0 / written to
 *    fd 1 during the segment;
 *   (RV_STATE_SYSDONE, start sys_done, end sys_done, 0, 0, 0, 0): the
 *    ecall table's final row (rv.h "System calls in parts"). */
/* The state table also SENDS the journal fields to the journal table
 * (rv_air_io.h), which RECEIVES each once (same tuple length, 7):
 *   (RV_STATE_JOURNAL_IN, chain[4], start journal_len mod 16, journal_bytes),
 *   (RV_STATE_JTAIL_IN, start tail[4], 0, 0),
 *   (RV_STATE_JOURNAL_OUT, end chain[4], 0, 0),
 *   (RV_STATE_JTAIL_OUT, end tail[4], 0, 0). */
enum {
    RV_STATE_START = 1,
    RV_STATE_END = 2,
    RV_STATE_JOURNAL_IN = 3,
    RV_STATE_JTAIL_IN = 4,
    RV_STATE_JOURNAL_OUT = 5,
    RV_STATE_JTAIL_OUT = 6,
    RV_STATE_ECALLS = 7,
    RV_STATE_SYSDONE = 8
};

/* Memory-argument timestamps: ts = 8 * (cycle + 1) + slot; 0 = start. */
enum {
    RV_SLOT_FETCH = 0,
    RV_SLOT_RS1 = 1, /* ECALL (ecall table): a7 */
    RV_SLOT_RS2 = 2,
    RV_SLOT_DATA = 3, /* load/store word; ECALL: a1 */
    RV_SLOT_RD = 4,   /* ECALL: a0, found (the argument) and left (the result) */
    RV_SLOT_ARG = 5,  /* ECALL: a2 */
    RV_SLOT_IO = 6    /* io table words of the ECALL */
};
/* The machine's degree bound (air_machine_finish): 5, so that LogUp
 * groups four interactions per helper column where the LDE holds a
 * degree-5 constraint (blowup 4: proven-100) and pairs at blowup 2
 * (stark_lu_degree): 15 extension cells per cycle instead of 29, for a
 * quotient domain twice as large on the tables with interactions. At
 * po2 20, proven-100: about 10% less prover time, proofs 6% smaller,
 * about 1 GiB more at the peak (6.9 GiB; docs/rv-air.md "Groups of four,
 * taken"). The machine's own constraints stay at degree 3. */
#define RV_AIR_MAX_DEGREE 5

#define RV_REG_ADDR(i) ((gl_t)1 << 30 | (gl_t)(i)) /* register x_i on the bus */

/* Range table: every (value, bits) with bits = 0..RV_RANGE_MAX_BITS and
 * value < 2^bits, one row each (2^17 - 1 rows, padded to 2^17 with a
 * repeat of (0, 0), whose multiplicity column stays 0 in the padding). */
#define RV_RANGE_MAX_BITS 16
#define RV_RANGE_LOG 17
/* Bytes table: (a, b, and, or, xor) for all bytes a, b: 2^16 rows. */
#define RV_BYTES_LOG 16

/* Column allocator for one table. */
typedef struct {
    unsigned n; /* columns allocated so far */
} rv_cols;

static inline unsigned rv_col_alloc(rv_cols *c, unsigned n)
{
    unsigned first = c->n;
    c->n += n;
    return first;
}

/* Lookup multiplicities, counted while rows are filled. Index of (value,
 * bits) in the range table: (1 << bits) - 1 + value; of (a, b) in the bytes
 * table: a * 256 + b. Single-threaded fill for now (the counters are plain
 * integers). */
typedef struct {
    uint32_t *range; /* 2^RV_RANGE_LOG entries */
    uint32_t *bytes; /* 2^RV_BYTES_LOG entries */
} rv_lookups;

static inline uint32_t rv_range_index(uint32_t value, unsigned bits)
{
    return (1u << bits) - 1u + value;
}

#endif
