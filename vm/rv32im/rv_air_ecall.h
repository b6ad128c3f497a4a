/* The `ecall` table of the RV32IM segment AIR (docs/rv-air.md "ecall";
 * conventions in rv_air_int.h): one row per ECALL of the segment, in
 * cycle order, then padding. The cpu's ECALL row only fetches, decodes
 * and moves to pc + 4 (pc for a part); it SENDS (ts, last, part) on
 * RV_BUS_ECALL (ts = 8 (cycle + 1), last = its `last` flag, part = the
 * row ran a part of a call, below) and this table RECEIVES it on an active
 * row, so every ECALL cycle has exactly one row here and every row here is
 * an ECALL cycle (ts is strictly increasing: rows are in cycle order).
 *
 * A row performs the ECALL's register accesses itself, at the slots of
 * its ts: a7 read at RV_SLOT_RS1, a1 at RV_SLOT_DATA, a2 at RV_SLOT_ARG,
 * and a0 at RV_SLOT_RD as one access that finds fd (the argument) and
 * leaves the result (exit: leaves fd). Classes by a7 (exit / exit_group,
 * read, write, any other -> -ENOSYS), fd and buffer rules (EBADF, EFAULT
 * as buf_ok in rv_exec.c), n: read(0) returns n <= len with the input
 * end-of-file rule (docs/rv-air.md "Input end-of-file"), write returns
 * len. Calls with n > 0 SEND (ts, fd, buf + dn, n, pos) on RV_BUS_IO (dn:
 * calls in parts, below), pos the
 * running byte count of the fd (0: input, 1: journal) at the call, 0 for
 * fd 2 (the debug log is in no statement). An exit row needs last = 1.
 *
 * Running columns (the values before the row; padding rows carry them):
 * the byte counters of fd 0 and 1, input end-of-file (starting at the
 * start state's, a constant column seof), halted and the exit code. The
 * table's final row SENDS (RV_STATE_ECALLS, seof, halted, exit_code,
 * input_bytes, journal_bytes, input_eof) of the state after it on
 * RV_BUS_STATE; the state table receives it.
 *
 * System calls in parts (rv.h): a passing read(0)/write(1|2) may run in
 * several cycles. Running column `dn` (the call's bytes moved by earlier
 * parts; the start state's sys_done, constant column sdone, on the first
 * row) and `nt` (the total after this row): the row moves bytes [dn, nt)
 * of the buffer, i.e. SENDS (ts, fd, buf + dn, nt - dn, pos) on
 * RV_BUS_IO. A part (flag `part`) moves at least one byte, leaves a0
 * (vd = fd), sets no end-of-file, and sets dn = nt for the next row,
 * which must be the next cycle (ts + 8: the cpu stayed on the ECALL and
 * fetched an ECALL again) unless the part is the segment's last cycle;
 * the call's last row returns nt (a write: nt = len) and resets dn to 0.
 * Only passing reads/writes have dn != 0 or part = 1; nt <= len on every
 * row. A segment whose start has sys_done != 0 begins with that ECALL
 * (first row at ts 8). The final row SENDS (RV_STATE_SYSDONE, sdone, dn
 * after it) on RV_BUS_STATE.
 *
 * Height 2^log_n is a fraction of the cycle count (rv_air_heights): the
 * segmenter ends a segment before an ECALL that would not fit (rv.h
 * rv_budget.ecalls).
 */
#ifndef CAIRN_VM_RV_AIR_ECALL_H
#define CAIRN_VM_RV_AIR_ECALL_H

#include <stddef.h>
#include <stdint.h>

#include "rv.h"
#include "rv_air_alu.h"
#include "rv_air_int.h"
#include "rv_air_mem.h"

/* Height: 2^(po2 - RV_ECALL_SHIFT) rows, at least 2^RV_ECALL_FLOOR
 * (rv_air_heights). */
#define RV_ECALL_SHIFT 8
#define RV_ECALL_FLOOR 5

/* Outcome flags (one-hot with the implied "other number" flag on active
 * rows). The error outcomes of read and write share one flag; the columns
 * `isw` (a7 = 63 + isw) and `isf` (EFAULT, not EBADF) tell them apart. */
enum {
    RV_EC_EXIT,
    RV_EC_F0,  /* read(0) that passes the fd and buffer rules */
    RV_EC_F1,  /* write(1), passes */
    RV_EC_F2,  /* write(2), passes */
    RV_EC_ERR, /* read or write, EBADF or EFAULT */
    RV_EC_NE
};

/* Column indices (main trace; no preprocessed column). */
typedef struct {
    unsigned ncols, log_n;
    unsigned active, last, ts;
    unsigned a7, fd, buf, len, vd; /* a7, a0, a1, a2 and the result in a0 */
    rv_mem_g m_a7, m_a0, m_a1, m_a2;
    unsigned olo, ohi; /* ts - previous row's ts - 1 (16 + 16 bits) */
    unsigned e[RV_EC_NE];
    unsigned cnt[2], eof, seof, halt, xc; /* running */
    rv_add_g add;  /* buf + len - [len != 0] (its carry: the buffer wraps) */
    rv_lt_g lt;    /* read(0): n < len */
    unsigned P1, P2, W1, W2, z, wl, io, nhi, lo, h, bd, sh;
    unsigned isw, q, isf, fl; /* error rows: the columns of P2, W2 (ENOSYS only), io, nhi */
    unsigned part, pn, dn, sdone, nt; /* calls in parts; pn = part (1 - last) */
} rv_ecall;

/* Lays out the columns (no machine needed). */
void rv_ecall_layout(rv_ecall *e, unsigned log_n);

/* Adds the table "ecall" (e->ncols main columns, 2^log_n rows) with its
 * constraints and interactions; lays e out. NULL on error (in m). */
air_table *rv_ecall_table_add(air_machine *m, rv_ecall *e, unsigned log_n);

/* Fill state: rows are written one ECALL at a time, as the cpu fill meets
 * them (the register accesses go through the shared tracker in ts order). */
typedef struct {
    const rv_ecall *e;
    gl_t *main;       /* 2^e->log_n x e->ncols, row-major, the caller's */
    size_t row;       /* next free row */
    uint32_t prev_ts; /* ts of the previous row */
    uint64_t cnt[3];  /* bytes moved per fd so far (2: the debug log) */
    uint32_t eof, seof, halted, exit_code;
    uint32_t done, sdone; /* the running dn and the start state's sys_done */
} rv_ecall_fill_st;

/* Zeroes the table and starts at the start state's input_eof and
 * sys_done. */
void rv_ecall_fill_begin(rv_ecall_fill_st *f, const rv_ecall *e, gl_t *main, uint32_t start_eof,
                         uint32_t start_done);
/* The row of the ECALL at base timestamp ts (last: the segment's last
 * cycle). n_read is what the executor's read(0) returned (the witness of a
 * read; ignored for other calls and parts); done_before / done_after are
 * the trace's sys_done before and after the cycle (after != 0: the cycle
 * ran a part and moved bytes [done_before, done_after)). *a0 receives the
 * result (a0 after the call) and *writes whether a0 is written (not for
 * exit). CAIRN_ERR_LIMIT if the table is full, CAIRN_ERR_CORRUPT if n_read
 * or the part is no valid result. */
cairn_err rv_ecall_fill_row(rv_ecall_fill_st *f, rv_lookups *lk, rv_memtrack *mt, uint32_t ts, int last,
                            uint32_t n_read, uint32_t done_before, uint32_t done_after, uint32_t *a0, int *writes);
/* Pads the rows after the last ECALL (they carry the running values). */
void rv_ecall_fill_end(rv_ecall_fill_st *f);

#endif
