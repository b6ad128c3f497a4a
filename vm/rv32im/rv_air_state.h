/* The state table of the RV32IM segment AIR (docs/rv-air.md "State
 * digests"): the start and end state digests, bound to the public values,
 * and everything that ties the two states to the rest of the segment.
 *
 * 2^RV_STATE_LOG = 8 rows. Row r < 7 is step r of both sponges of p2_hash
 * over the RV_STATE_NELEMS = 53 elements of rv_state_elems (rv.h), padded
 * to 56 with 1, 0, 0 (p2.h's 10* padding): the start state's elements
 * 8r..8r+7 in S[8], its sponge's capacity SC[4] and output SO[12], and
 * the same of the end state in E, EC, EO; row 7 is inactive. Preprocessed
 * columns say what each slot is: step (rows 0..6), row[7] (one-hot row
 * selectors), chain (rows 0..5: the next row continues the sponge),
 * addr[8] / isreg[8] (slot j of this row is register x_i: RV_REG_ADDR(i)).
 *
 * The fields that the constraints need across rows are "globals": columns
 * that hold the same value on every row (transition constraints), each
 * bound to its slot on its row: pc, input_pos lo/hi, journal_len lo/hi,
 * journal chain[4] and tail[4] of both states, the end's halted, exit
 * code, input_eof, the start's input_eof, both states' sys_done, the
 * segment's input_bytes and
 * journal_bytes, the two carries, journal_len lo = 16 q + s0 (q = q0 +
 * 2^16 q1), and the u32 limbs of the end's input_pos lo and journal_len lo.
 *
 * What the table states:
 *   - SO[0..3] of row 6 = public values pub0..pub0+3 (start digest) and
 *     EO[0..3] of row 6 = pub0+4..pub0+7 (end digest);
 *   - start registers x1..x31 are SENT at ts 0 as (RV_REG_ADDR(i), x_i, 0)
 *     and end registers RECEIVED as (RV_REG_ADDR(i), x_i', t_i) on
 *     RV_BUS_MEM, t_i a witness (the ts of the last access); x0 is no
 *     element of the states and never on the bus;
 *   - the root message (RV_TREE_DEPTH, 0, root_in, root_out) is RECEIVED on
 *     RV_BUS_NODE: root_in is the start state's root, root_out the end's;
 *   - RECEIVES (RV_STATE_START, pc, 0, 0, 0, 0, 0) and (RV_STATE_END,
 *     next_pc, 0, 0, 0, 0, 0) from the cpu and (RV_STATE_ECALLS, start
 *     input_eof, halted, exit_code, input_bytes, journal_bytes, end
 *     input_eof) and (RV_STATE_SYSDONE, start sys_done, end sys_done, 0,
 *     0, 0, 0) from the ecall table on RV_BUS_STATE;
 *   - end input_pos = start input_pos + input_bytes and end journal_len =
 *     start journal_len + journal_bytes, as 64-bit sums of lo/hi halves
 *     (carry boolean, the end's lo a range-checked u32);
 *   - SENDS the journal fields to the journal table (rv_air_int.h tags
 *     RV_STATE_JOURNAL_IN .. RV_STATE_JTAIL_OUT) with s0 = start
 *     journal_len mod 16;
 *   - the end pc is a 4-aligned u32 (pc / 4 as 16 + 14 bits): the cpu
 *     checks every other next pc through the next row's fetch, not this
 *     one;
 *   - the start state is not halted and has exit code 0; the end's halted
 *     and input_eof are booleans, its exit code is 0 unless halted;
 *     input_eof never goes from 1 to 0 and, once set at the start, no input
 *     is read.
 */
#ifndef CAIRN_VM_RV_AIR_STATE_H
#define CAIRN_VM_RV_AIR_STATE_H

#include "rv.h"
#include "rv_air_int.h"
#include "rv_air_mem.h"
#include "rv_air_p2.h"

#define RV_STATE_LOG 3
#define RV_STATE_STEPS 7 /* rv_p2_hash_steps(RV_STATE_NELEMS) */
#define RV_STATE_NPUB 8  /* start digest, end digest */

/* Main columns. */
enum {
    RV_ST_S = 0,                      /* 8 start elements of the row's step */
    RV_ST_SC = RV_ST_S + 8,           /* 4 */
    RV_ST_SO = RV_ST_SC + RV_P2_CAP,  /* 12 */
    RV_ST_E = RV_ST_SO + P2_WIDTH,    /* 8 end elements */
    RV_ST_EC = RV_ST_E + 8,
    RV_ST_EO = RV_ST_EC + RV_P2_CAP,
    RV_ST_T = RV_ST_EO + P2_WIDTH,    /* 8 end-register timestamps */
    /* globals */
    RV_ST_SPC = RV_ST_T + 8,
    RV_ST_EPC,
    RV_ST_SIPL, RV_ST_SIPH, RV_ST_EIPL, RV_ST_EIPH, /* input_pos lo/hi */
    RV_ST_SJLL, RV_ST_SJLH, RV_ST_EJLL, RV_ST_EJLH, /* journal_len lo/hi */
    RV_ST_SCH, RV_ST_ECH = RV_ST_SCH + 4, RV_ST_STL = RV_ST_ECH + 4, RV_ST_ETL = RV_ST_STL + 4,
    RV_ST_EHALT = RV_ST_ETL + 4,
    RV_ST_EEXIT,
    RV_ST_SEOF,
    RV_ST_EEOF,
    RV_ST_IB, /* input bytes read in the segment */
    RV_ST_JB, /* journal bytes written */
    RV_ST_CIP, RV_ST_CJL, /* carries */
    RV_ST_S0, RV_ST_Q0, RV_ST_Q1,
    RV_ST_EPCH, /* end pc / 4 = lo + 2^16 EPCH: the end pc is a 4-aligned u32 */
    RV_ST_UIP, /* 2: rv_u32_g of the end input_pos lo */
    RV_ST_UJL = RV_ST_UIP + 2,
    RV_ST_SDONE = RV_ST_UJL + 2, /* sys_done of the start and end states */
    RV_ST_EDONE,
    RV_ST_NCOLS
};

/* Preprocessed columns. */
enum {
    RV_STP_STEP = 0,
    RV_STP_ROW = 1, /* 7 */
    RV_STP_CHAIN = RV_STP_ROW + RV_STATE_STEPS,
    RV_STP_ADDR = RV_STP_CHAIN + 1, /* 8 */
    RV_STP_ISREG = RV_STP_ADDR + 8, /* 8 */
    RV_STP_NCOLS = RV_STP_ISREG + 8
};

/* Adds the table "state" whose digests are public values pub0..pub0+7;
 * NULL on error (recorded in m). */
air_table *rv_state_table_add(air_machine *m, unsigned pub0);

/* The 8 rows (main: 8 x RV_ST_NCOLS, the caller's) for snapshot s: its
 * start and end states, the end registers' last-access timestamps from the
 * tracker mt after the segment (whose values must be s->end's:
 * CAIRN_ERR_VERIFY otherwise), the 14 permutations recorded in calls, the
 * range lookups in lk. pub (optional) receives the 8 public values. */
cairn_err rv_state_fill(gl_t *main, gl_t pub[RV_STATE_NPUB], rv_p2_calls *calls, rv_lookups *lk,
                        const rv_snapshot *s, const rv_memtrack *mt);

#endif
