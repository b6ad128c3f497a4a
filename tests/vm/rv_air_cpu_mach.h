/* The cpu test machine shared by test_rv_air_cpu.c (the checker rejects
 * every op's altered result) and test_rv_air_cpu_verify.c (the verifier
 * rejects a proof of each): cpu + decode + range + bytes + muldiv + ecall, a
 * test-only "memb" table standing in for page/state on the memory bus
 * (sends the start value of every register and word of the segment's pages
 * at ts 0, receives the final value with its last ts) and a test-only
 * "iost" table standing in for io/state (receives the IO hand-offs,
 * performs the io words' memory accesses at slot IO, receives the two
 * STATE messages); the two programs (every op, every syscall outcome);
 * the alterations of a cpu row and the list of them both suites apply. */
#ifndef CAIRN_TESTS_RV_AIR_CPU_MACH_H
#define CAIRN_TESTS_RV_AIR_CPU_MACH_H

#include "rv_air_testutil.h"
#include "vm/rv32im/rv_air_cpu.h"

enum { RVC_CPU, RVC_DEC, RVC_RANGE, RVC_BYTES, RVC_MD, RVC_EC, RVC_MEMB, RVC_IOST, RVC_NT };

/* the ecall table's height in the test machine (the segment machine's floor) */
#define RVC_EC_LOG RV_ECALL_FLOOR

typedef struct {
    air_machine *m;
    rv_cpu cpu;
    rv_muldiv_gadget md;
    rv_ecall ec;
    unsigned po2, ec_log;
} rvc_mach;

/* Builds the machine for segments of 2^po2 cycles (x->m owned by x), its
 * ecall table 2^RVC_EC_LOG rows (rvc_mach_build) or 2^ec_log. */
cairn_err rvc_mach_build(rvc_mach *x, unsigned po2);
cairn_err rvc_mach_build_ec(rvc_mach *x, unsigned po2, unsigned ec_log);

/* One segment's traces. */
typedef struct {
    rv_trace tr;
    rv_snapshot s;
    gl_t *main[RVC_NT];
    unsigned log[RVC_NT];
    gl_t pub[RV_CPU_NPUB];
    rv_cpu_fill_out out;
    uint32_t *io_pts;
} rvc_run;

/* Runs p (one segment of 2^x->po2 cycles at most) with input (NULL: none)
 * and fills every table; asserts the fill's end state is the executor's.
 * 1 on success, else 0 with the reason on stderr. */
int rvc_run_make(rvc_run *r, const rvc_mach *x, const prog_t *p, const char *input);
/* The same with budget b (NULL: none), keeping segment `seg`. */
int rvc_run_make_seg(rvc_run *r, const rvc_mach *x, const prog_t *p, const char *input, const rv_budget *b,
                     uint64_t seg);
void rvc_run_free(rvc_run *r);

/* r's tables as the engine takes them. */
void rvc_as_stark(stark_trace tt[RVC_NT], const rvc_run *r);

/* The lookup tables' multiplicities, from every send of the other tables
 * (what a cheating prover would set for an altered trace). */
void rvc_recount(const rvc_mach *x, rvc_run *r);

/* stark_check_trace on r. */
cairn_err rvc_check(const rvc_mach *x, const rvc_run *r);

/* Every ALU/M/branch/jump/load/store op and FENCE (every op of rv_op but
 * ILLEGAL/EBREAK/ECALL), a stale-read and a stale-load pattern, exit 0. */
void rvc_ops_prog(prog_t *p);
/* Every syscall outcome (RVC_NSYS ECALLs, named by rvc_sys_name); runs on
 * RVC_INPUT and exits 42. */
void rvc_sys_prog(prog_t *p);
extern const char RVC_INPUT[];
#define RVC_NSYS 13
/* The outcome of the k-th ECALL of rvc_sys_prog ("read EBADF", ...). */
const char *rvc_sys_name(size_t k);
/* A system call number that is none of rv.h's (ENOSYS). */
#define RVC_NOSYS 1000u
/* read(0, buf, 40), an ENOSYS call, write(1, buf, 0), write(1, buf, 40),
 * exit 7 with a budget of 4 io words: the calls run in parts (rv.h
 * "System calls in parts"); r gets segment 2, which starts in the read
 * (32 bytes done), finishes it, makes the two calls that move nothing and
 * ends with the write's first part (8 bytes): 4 ecall rows, so on a
 * machine with 2^RVC_PARTS_EC_LOG ecall rows the part is the table's last
 * row (rvc_part_cases needs it). As rvc_run_make. */
#define RVC_PARTS_EC_LOG 2
int rvc_parts_run(rvc_run *r, const rvc_mach *x);

/* An alteration of cpu row i (row points at it in the cpu trace). */
typedef void (*rvc_tamper_fn)(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i);
void rvc_t_vd(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i);    /* rd value ^ 1 */
void rvc_t_npc(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i);   /* other target */
void rvc_t_taken(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i); /* and outcome */
void rvc_t_store(const rv_cpu *c, gl_t *row, const rvc_run *r, size_t i); /* stored word */
/* An alteration of the ecall table for the ECALL of cpu row i. */
typedef void (*rvc_etamper_fn)(const rvc_mach *x, rvc_run *r, size_t i);

/* One alteration to apply: cpu row, function (f on the cpu row, or ef on
 * the ecall table), what it alters; `first` marks the first (main)
 * alteration of its op / ECALL. */
typedef struct {
    size_t row;
    rvc_tamper_fn f;
    const char *what;
    int first;
    rvc_etamper_fn ef;
} rvc_case;
#define RVC_MAX_CASES 128

/* The alterations of the ops run (the first row of every op but ECALL:
 * rd value if it writes rd, stored word, branch target and outcome, next
 * pc for jumps, FENCE and stores) into out (RVC_MAX_CASES); their number.
 * *nops: the ops covered. */
size_t rvc_op_cases(rvc_case *out, int *nops, const rvc_run *r);
/* The alterations of the syscalls run, all in the ecall table: every
 * ECALL's result in a0, its outcome flag (exit: claimed ENOSYS), its row
 * deleted (the cpu's ECALL cycle unmatched); EBADF / EFAULT rows their
 * read/write and EBADF/EFAULT kind; calls that move bytes their io
 * hand-off dropped and the byte counter after them; the short read the
 * end-of-file after it; the exit the halted flag and exit code after it;
 * then, with the ENOSYS call, a row whose (ts, last) the cpu never sends
 * and a spurious row after the exit (the last two cases). Their number; *necalls: the ECALLs
 * covered (the k-th is rvc_sys_name(k)). */
size_t rvc_sys_cases(rvc_case *out, int *necalls, const rvc_run *r);
/* The alterations of the calls in parts of rvc_parts_run's segment on x
 * (the ecall and cpu rows of the parts: bytes done, the part flags, the
 * bytes moved, a0, an ENOSYS row with bytes done, the cpu's next pc and
 * part flag; a part that breaks off: followed by a padding row, or, on a
 * machine of 2^RVC_PARTS_EC_LOG ecall rows, on the table's last row),
 * each with the name of the constraint the checker reports into msgs. */
size_t rvc_part_cases(rvc_case *out, const char **msgs, const rvc_mach *x, const rvc_run *r);
/* The first ECALL (cpu row i, a read after other cycles) claims to
 * continue a call in parts: the start state's bytes done 1 on every row,
 * its own dn 1 (so it moves one byte less, and the input counter after it
 * agrees). */
void rvc_et_cycle0(const rvc_mach *x, rvc_run *r, size_t i);
/* A write(1) (cpu row i) returns and moves one byte less than len. */
void rvc_et_write_len(const rvc_mach *x, rvc_run *r, size_t i);
/* The call at cpu row i claims to be a part (ENOSYS: no read/write). */
void rvc_et_part_other(const rvc_mach *x, rvc_run *r, size_t i);
/* The read at end of file (cpu row i) claims to be a part that moves a
 * byte (its other rules made to hold). */
void rvc_et_part_eof(const rvc_mach *x, rvc_run *r, size_t i);

/* Saves r's cpu and ecall traces into save (rvc_cpu_bytes: the size of
 * both), applies c in place and recounts the lookups; rvc_undo restores
 * them. */
size_t rvc_cpu_bytes(const rvc_mach *x);
void rvc_apply(const rvc_mach *x, rvc_run *r, const rvc_case *c, gl_t *save);
void rvc_undo(const rvc_mach *x, rvc_run *r, const gl_t *save);

#endif
