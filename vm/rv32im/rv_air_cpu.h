/* The `cpu` table of the RV32IM segment AIR (docs/rv-air.md "cpu";
 * conventions in rv_air_int.h): one row per cycle, 2^log_n rows, rows
 * 0..cycles-1 active. Each active row fetches the word at pc through the
 * memory argument (slot FETCH, word address pc / 4 with pc 4-aligned and
 * its page >= 1), decodes it (rv_air_decode), reads rs1 / rs2 (slots RS1,
 * RS2), computes the op exactly as rv_exec.c does, writes rd (slot RD) and
 * states the next pc, which is the next active row's pc.
 *
 * Registers. x_i is address RV_REG_ADDR(i) on RV_BUS_MEM. An access's
 * multiplicity is a flag (n1, n2, wd) that is 1 when the format names a
 * register other than x0 (the constraint forces it on for a nonzero field);
 * a flag set for field 0 would touch RV_REG_ADDR(0), which no table ever
 * initialises, so that access can never be balanced (its receive would
 * need a send with a smaller ts). A read whose flag is 0 has value 0. So
 * x0 reads as 0 and writes to x0 are dropped, without an is-zero witness.
 *
 * ECALL: the row fetches, decodes and moves to pc + 4, or stays at pc
 * when the call ran as a part (rv.h "System calls in parts"; the part
 * flag is the column b0, which otherwise only JALR uses); it names no
 * register (n1 = n2 = wd = 0) and SENDS (ts, last, part) on RV_BUS_ECALL: the
 * ecall table (rv_air_ecall.h) reads a7, a0..a2, writes a0, decides the
 * outcome, hands reads and writes to io, and keeps the byte counters,
 * end-of-file, halted and the exit code. An exit row of that table needs
 * last = 1: an exit ECALL is the last active row.
 *
 * State: row 0 SENDS (RV_STATE_START, pc, 0, 0, 0, 0, 0); the last active
 * row SENDS (RV_STATE_END, next_pc, 0, 0, 0, 0, 0). Public value
 * RV_CPU_PUB_CYCLES is the number of active rows (a boolean `active` that
 * starts at 1 and never rises again, and a `last` flag on the row whose
 * preprocessed cycle index is cycles - 1).
 *
 * Width. Columns shared between mutually exclusive ops (rv_air_alu.h
 * "Sharing columns"): a region R holds the comparator / shifter /
 * bitwise gadgets of ALU and branch rows and the byte split and sub-word
 * selection of loads and stores. Selectors are columns of their own: the
 * class and sub-op flags are the decode gadget's (pinned by the decode
 * lookup, no constraint here). The adder's limbs double as the word
 * address of loads and stores. 80 columns (region R 18); docs/rv-air.md
 * "Width budget".
 */
#ifndef CAIRN_VM_RV_AIR_CPU_H
#define CAIRN_VM_RV_AIR_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "rv.h"
#include "rv_air_alu.h"
#include "rv_air_decode.h"
#include "rv_air_ecall.h"
#include "rv_air_int.h"
#include "rv_air_mem.h"
#include "rv_air_muldiv.h"

/* Public values of the segment machine: start digest [0..3], end digest
 * [4..7], cycles [8]. */
#define RV_CPU_PUB_CYCLES 8
#define RV_CPU_NPUB 9

/* Column indices (main trace; the one preprocessed column is the row
 * index, the cycle). */
typedef struct {
    unsigned ncols, log_n;
    /* always-on columns */
    unsigned active, last, pc, pch, npc, imm;
    unsigned v1, v2, vd, pd, dprev, dnew, daddr;
    unsigned n1, n2, wd;
    unsigned taken;
    rv_decode_gadget dec;
    rv_mem_g m_fetch, m_rs1, m_rs2, m_data, m_rd;
    rv_add_g add;
    /* region R: first column and width */
    unsigned r0, rn;
    rv_lt_g lt;        /* ALU/branch compare */
    rv_eq_g eq;        /* eq column = lt.lt */
    rv_shift_g shift;
    rv_bitwise_g bw;   /* AND/OR/XOR; loads/stores: byte splits */
    unsigned b0;       /* JALR: bit 0 of rs1 + imm */
    unsigned p[4], rv, msb; /* loads/stores */
    unsigned sv;            /* stores: the stored sub-word, in pd's column */
} rv_cpu;

/* Lays out the columns (no machine needed). */
void rv_cpu_layout(rv_cpu *c, unsigned log_n);

/* Adds the table "cpu" (1 preprocessed column: the cycle index; c->ncols
 * main) with its constraints and interactions to m for 2^log_n rows;
 * lays c out. m needs RV_CPU_NPUB public values. NULL on error (recorded
 * in m). */
air_table *rv_cpu_table_add(air_machine *m, rv_cpu *c, unsigned log_n);

/* What the fill produced besides the trace. */
typedef struct {
    size_t nmuldiv;           /* M-extension calls written to md */
    uint32_t next_pc, halted, exit_code, input_eof, sys_done;
    uint64_t bytes[3];        /* bytes moved per fd (0 input, 1 journal, 2 debug) */
} rv_cpu_fill_out;

/* Writes the main trace (2^c->log_n rows x c->ncols, row-major, owned by
 * the caller) from a segment's trace tr of snapshot s. mt must hold the
 * segment's start memory and registers (rv_memtrack_load(mt, s)) and
 * receives every access, including the ecall table's register accesses
 * and the io table's words at slot IO (so mt ends as the segment's end
 * memory); io_prev_ts (tr->io_nrows entries, optional) receives each io
 * word's previous ts for the io table. Writes the ecall table (ec_main:
 * 2^ec->log_n x ec->ncols, the caller's) row by row as it meets the
 * ECALLs; out's halted, exit code, end-of-file and byte counts are that
 * table's. Counts range/bytes lookups in lk and decode classes in dm, and
 * lists the M-extension calls in md (capacity md_cap) for the muldiv
 * table. CAIRN_ERR_LIMIT if the segment is longer than the table or md or
 * the ecall table is too small; CAIRN_ERR_CORRUPT if the trace disagrees with the memory or with
 * the semantics; CAIRN_ERR_FAULT for an undecodable word. */
cairn_err rv_cpu_fill(const rv_cpu *c, gl_t *main, rv_cpu_fill_out *out, rv_lookups *lk,
                      rv_decode_mult *dm, rv_memtrack *mt, rv_muldiv_call *md, size_t md_cap,
                      uint32_t *io_prev_ts, const rv_ecall *ec, gl_t *ec_main, const rv_trace *tr,
                      const rv_snapshot *s);

#endif
