/* cairn RV32IM machine: ELF loader, executor, paged memory with a Poseidon2
 * Merkle root, segmenter with self-contained snapshots, re-execution, and
 * the per-cycle trace builder.
 *
 * ---------------------------------------------------------------------------
 * Guest memory map (fixed; part of what an image ID means)
 *  - 4 GiB byte-addressed, little-endian, sparse, in 1 KiB pages
 *    (RV_PAGE_BYTES = 256 words; 2^22 pages).
 *  - Page 0 (addresses 0x000..0x3ff) is never mapped: any load, store,
 *    instruction fetch or syscall buffer that touches it is an access fault
 *    (SIGSEGV-like), so null-pointer dereferences fault as under qemu-user.
 *  - Every other address is readable, writable and executable. Memory never
 *    written reads as 0. (So a guest does not fault where qemu-user would
 *    on an unmapped address other than page 0; differential tests must not
 *    rely on such faults.)
 *  - ELF PT_LOAD segments must lie in [RV_MEM_MIN, 2^32) and are copied in;
 *    the bytes between p_filesz and p_memsz are zero like all unwritten
 *    memory.
 *  - Initial registers: pc = e_entry, sp (x2) = RV_DEFAULT_SP, every other
 *    register 0. The memory at and above sp is zero, which reads as an empty
 *    process stack (argc = 0, argv/envp/auxv terminated at once); guests
 *    should not depend on qemu-user's argc/argv. Start-up code normally sets
 *    sp itself from its linker script.
 *
 * Execution
 *  - RV32IM user level, one instruction = one cycle. FENCE (and FENCE.I) is
 *    a no-op. No C extension: a taken branch or jump to an address that is
 *    not 4-aligned raises instruction-address-misaligned, reported as a
 *    misaligned fault (SIGBUS-like) at the jump. Misaligned loads/stores
 *    fault (SIGBUS-like). EBREAK and every unassigned encoding are illegal-
 *    instruction faults (SIGILL-like). Stores into code are allowed (the
 *    pre-decoded instruction is invalidated).
 *  - ECALL: Linux RISC-V numbers; a7 = number, a0..a2 = arguments, result
 *    in a0:
 *      93/94 exit(code): halts with exit code a0 (32 bits kept; a process
 *            exit status is code & 0xff).
 *      63 read(fd, buf, len): fd 0 reads min(len, remaining) private input
 *            bytes; 0 at end of input. A read with len > 0 that returns
 *            fewer than len bytes sets the state's input_eof; once it is
 *            set, every read returns 0.
 *      64 write(fd, buf, len): fd 1 appends to the public journal, fd 2 to
 *            the host's debug log; returns len.
 *      read/write on any other fd -> -9 (EBADF); any other number -> -38
 *      (ENOSYS). A read/write whose buffer touches page 0 or wraps past
 *      2^32 returns -14 (EFAULT) and transfers nothing (as Linux does);
 *      len 0 returns 0 without looking at buf.
 *    A halt counts as the cycle of its ECALL; pc then points after it.
 *  - System calls in parts. Without a budget every ECALL is one cycle.
 *    With a segment budget (rv_config.budget), a read(0)/write(1|2) whose
 *    remaining bytes do not fit what is left of the segment (io words,
 *    journal blocks, pages, nodes, permutations) ends the segment before
 *    it, like any instruction, if they would fit an empty segment (so
 *    programs whose calls fit a segment are cut and counted exactly as
 *    without parts); otherwise it runs as a part: it moves
 *    the most bytes that fit (at least one; the part ends on a word
 *    boundary when that leaves at least one byte), pc stays on the ECALL,
 *    a0..a2 and a7 keep their values, and the state's sys_done counts the
 *    bytes moved so far. A part is a cycle (a cpu row of the proof) but
 *    does not retire the instruction, and the segment always ends after
 *    it, so a part is its segment's last cycle (re-execution knows where
 *    it stopped from the snapshot's end.sys_done). The next cycle, at the
 *    start of the next segment, continues at buf + sys_done; only the last
 *    part writes a0 (exactly what one call returns: the total, with the
 *    same end-of-file rule), resets sys_done to 0 and advances the pc. A
 *    call that fails (EBADF, EFAULT), has len 0 or is any other syscall
 *    moves nothing and is never split. The guest observes the same bytes,
 *    results and journal as with one call; only the cycle count grows by
 *    one per extra part. A read may not store into its own ECALL in a part
 *    that is not its last (the next cycle would fetch what it stored):
 *    rv_run fails with CAIRN_ERR_LIMIT then.
 *
 * Commitments (Poseidon2 of stark/p2.h; every u32 is one field element)
 *  - Page digest: p2_hash of its 256 little-endian words. Memory root: the
 *    binary tree over the 2^22 page digests (page index = address >> 10,
 *    leaf i at index i), inner nodes p2_compress(left, right). Empty
 *    subtrees have fixed digests E_0 = p2_hash(256 zeros),
 *    E_{l+1} = p2_compress(E_l, E_l).
 *  - Journal: the state does not hold the journal itself but a chain over
 *    its complete 16-byte blocks, J_0 = (0,0,0,0),
 *    J_{k+1} = p2_compress(J_k, block_k as 4 LE words), plus the pending
 *    tail (< 16 bytes, zero-padded to 4 words) and the total length. This
 *    depends only on the journal bytes, not on how writes were split.
 *    rv_journal_digest() finishes it for claims.
 *  - State digest: p2_hash of the RV_STATE_NELEMS elements produced by
 *    rv_state_elems(), in this order (indices in brackets):
 *      [0] RV_STATE_TAG, [1] pc, [2..32] x1..x31, [33..36] root[4],
 *      [37, 38] input_pos lo/hi, [39, 40] journal_len lo/hi,
 *      [41..44] journal_chain[4], [45..48] journal_tail[4], [49] halted,
 *      [50] exit_code, [51] input_eof, [52] sys_done.
 *    Segment claims chain on this digest.
 *  - Image ID: state digest of the initial state of a loaded ELF (32 bytes
 *    as 4 field elements, little-endian u64 each, via rv_digest_bytes).
 *
 * Segments
 *  - Execution is cut every 2^segment_po2 cycles; the last segment ends at
 *    the halt and may be shorter, and with a budget (rv_config.budget) a
 *    segment may end early, not halted. Each finished segment is delivered at
 *    once as an rv_snapshot through a callback; the machine reuses its
 *    buffers, so memory does not grow with the number of segments.
 *  - A snapshot is self-contained: start and end state, the pages the
 *    segment touches (fetch, load, store or syscall buffer) with their
 *    contents at segment start, a Merkle multiproof of those pages against
 *    the start root (the sibling digests that are not themselves computable
 *    from the given pages, in canonical order: by level from the leaves up,
 *    then by index), the input bytes it reads, and its cycle count.
 *    rv_reexecute() checks the pages against the start root, runs the
 *    segment alone and must reach exactly the end state (including the end
 *    root, recomputed through the same multiproof).
 * ---------------------------------------------------------------------------
 */
#ifndef CAIRN_VM_RV_H
#define CAIRN_VM_RV_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"
#include "stark/p2.h"

#define RV_PAGE_LOG 10
#define RV_PAGE_BYTES (1u << RV_PAGE_LOG) /* 1 KiB */
#define RV_PAGE_WORDS (RV_PAGE_BYTES / 4)
#define RV_TREE_DEPTH 22                  /* 2^32 bytes / 2^10 */
#define RV_NPAGES (1u << RV_TREE_DEPTH)
#define RV_MEM_MIN 0x400u                 /* page 0 is unmapped */
#define RV_DEFAULT_SP 0xC0000000u         /* 16-byte aligned, see above */
#define RV_DEFAULT_SEGMENT_PO2 20
#define RV_MIN_SEGMENT_PO2 4
#define RV_MAX_SEGMENT_PO2 24
#define RV_ELF_MAX_SEGMENTS 64           /* PT_LOAD headers accepted */
#define RV_ELF_MAX_PHNUM 256             /* program headers accepted */
#define RV_ELF_MAX_MEMSZ (1u << 30)      /* sum of p_memsz over PT_LOAD */

/* Linux RISC-V syscall numbers and errno values used by the machine. */
#define RV_ECALL_WORD 0x00000073u /* the one encoding of ECALL */
enum {
    RV_SYS_READ = 63, RV_SYS_WRITE = 64, RV_SYS_EXIT = 93, RV_SYS_EXIT_GROUP = 94,
    RV_EBADF = 9, RV_EFAULT = 14, RV_ENOSYS = 38
};

/* ---- program ------------------------------------------------------------ */

typedef struct {
    uint32_t vaddr, memsz, filesz;
    uint32_t flags; /* ELF p_flags: 1 = X, 2 = W, 4 = R */
    uint8_t *data;  /* filesz bytes, owned by the program */
} rv_load_segment;

typedef struct {
    uint32_t entry;
    size_t nsegs;
    rv_load_segment segs[RV_ELF_MAX_SEGMENTS]; /* sorted by vaddr */
} rv_program;

/* Parses and validates an ELF32 RISC-V executable (untrusted bytes; every
 * field, offset and size is checked; the message names the bad field).
 * Returns CAIRN_ERR_FORMAT or CAIRN_ERR_UNSUPPORTED on bad input. The
 * program copies what it needs; elf may be freed afterwards. */
cairn_err rv_elf_load(rv_program **out, const uint8_t *elf, size_t len);
void rv_program_free(rv_program *p); /* accepts NULL */

/* ---- machine state ------------------------------------------------------ */

typedef struct {
    uint32_t pc;
    uint32_t x[32];             /* x[0] is always 0 */
    p2_digest root;             /* memory Merkle root */
    uint64_t input_pos;         /* private input bytes consumed */
    uint64_t journal_len;       /* journal bytes written */
    p2_digest journal_chain;    /* chain over complete 16-byte blocks */
    uint32_t journal_tail[4];   /* journal_len % 16 bytes, zero-padded */
    uint32_t halted;            /* 0 or 1 */
    uint32_t exit_code;         /* 0 unless halted */
    uint32_t input_eof;         /* 0 or 1: a read(0) with len > 0 returned
                                   fewer bytes than asked; every later read
                                   returns 0 (docs/rv-air.md "Input
                                   end-of-file") */
    uint32_t sys_done;          /* bytes a read(0)/write(1|2) that moves its
                                   bytes in parts has moved so far; 0
                                   between calls (see "ECALL" above) */
} rv_state;

#define RV_STATE_TAG 0x52563332u /* "RV32" as a domain tag */
#define RV_STATE_NELEMS 53

void rv_state_elems(gl_t out[RV_STATE_NELEMS], const rv_state *s);
void rv_state_digest(p2_digest *out, const rv_state *s);
int rv_state_eq(const rv_state *a, const rv_state *b); /* 1 if equal */
/* Final journal digest for claims: p2_hash(journal_chain || tail words ||
 * len lo, len hi). */
void rv_journal_digest(p2_digest *out, const rv_state *s);
/* 32 bytes: 4 elements as little-endian u64. */
void rv_digest_bytes(uint8_t out[32], const p2_digest *d);
/* Digest of the initial state of prog (its image ID). */
cairn_err rv_image_id(p2_digest *out, const rv_program *prog);

/* ---- faults --------------------------------------------------------------- */

typedef enum {
    RV_FAULT_NONE = 0,
    RV_FAULT_ILLEGAL,    /* unassigned encoding; qemu-user status 132 */
    RV_FAULT_EBREAK,     /* EBREAK; reported like SIGILL, 132 */
    RV_FAULT_MISALIGNED, /* load/store/jump target; SIGBUS, 135 */
    RV_FAULT_ACCESS      /* page 0; SIGSEGV, 139 */
} rv_fault_kind;

typedef struct {
    rv_fault_kind kind;
    uint32_t pc, insn; /* faulting instruction and its word */
    uint32_t addr;     /* data or target address (misaligned/access) */
} rv_fault;

const char *rv_fault_name(rv_fault_kind k);
int rv_fault_status(rv_fault_kind k); /* 128 + signal, as qemu-user */

/* ---- snapshots ------------------------------------------------------------ */

typedef struct {
    uint64_t index;            /* segment number from 0 */
    uint32_t segment_po2;
    uint64_t cycles;           /* 1..2^po2; < 2^po2 only if end.halted or
                                  a budget ended the segment early */
    rv_state start, end;
    size_t npages;
    uint32_t *page_index;      /* npages page numbers, strictly ascending */
    uint8_t *page_data;        /* npages * RV_PAGE_BYTES, contents at start */
    size_t nnodes;
    p2_digest *nodes;          /* multiproof siblings, canonical order */
    size_t input_len;
    uint8_t *input;            /* bytes read: input[start.input_pos ...] */
} rv_snapshot;

/* Canonical little-endian bytes (see rv_snapshot.c for the layout).
 * *out is malloc'ed; the caller frees it. */
cairn_err rv_snapshot_encode(uint8_t **out, size_t *out_len, const rv_snapshot *s);
/* Parses untrusted bytes; every length and value is checked, including that
 * the multiproof has exactly the right number of nodes and that the
 * encoding is canonical. *out owns its arrays; free with rv_snapshot_free. */
cairn_err rv_snapshot_decode(rv_snapshot *out, const uint8_t *buf, size_t len);
void rv_snapshot_free(rv_snapshot *s); /* frees the arrays; accepts NULL */
/* Number of multiproof nodes that a sorted page set needs. */
size_t rv_multiproof_size(const uint32_t *page_index, size_t npages);

/* Re-executes a snapshot alone: verifies its pages against start.root,
 * runs s->cycles cycles and checks that it reaches exactly s->end. Returns
 * CAIRN_ERR_VERIFY (message says what differs) if not, CAIRN_ERR_CORRUPT if
 * the pages do not match the root or the segment touches a page the
 * snapshot lacks, CAIRN_ERR_FAULT if the guest faults (*fault filled when
 * not NULL). end_out (optional) receives the state actually reached. */
cairn_err rv_reexecute(const rv_snapshot *s, rv_state *end_out, rv_fault *fault);

/* ---- running ------------------------------------------------------------- */

/* Called as each segment completes; the snapshot is valid only during the
 * call. A non-OK return stops the run and is passed through. */
typedef cairn_err (*rv_segment_fn)(void *arg, const rv_snapshot *s);
/* Called for each successful write to fd 1 (journal) or fd 2 (debug). */
typedef void (*rv_write_fn)(void *arg, int fd, const uint8_t *buf, size_t len);

/* Segment budgets (docs/rv-air.md "Shape and segment budgets"): a segment
 * proof has fixed table heights, so a segment must fit them. With a budget
 * the executor ends a segment early, before the instruction that would
 * exceed any limit; such a segment has fewer than 2^po2 cycles and is not
 * halted. The counts, per segment:
 *   muldiv    M-extension instructions
 *   ecalls    ECALL instructions (ecall table rows)
 *   io_words  words moved by read(0)/write(1|2) calls (io table rows)
 *   journal_blocks  journal table rows the segment's fd 1 bytes need
 *                   (rv_air_io.h rv_journal_rows of start length and bytes)
 *   pages     pages touched (fetch, load, store, syscall buffer)
 *   nodes     Merkle nodes on the union of the touched pages' paths
 *             (levels 1..22)
 *   p2        Poseidon2 permutations: 32 per page digest (page-in and
 *             page-out: 64 per page), 2 per node, 1 per journal block,
 *             plus p2_fixed (the two state digests)
 * A zero limit means "no limit" for that count. The AIR's
 * rv_air_budget(po2) gives the limits that match its tables.
 * The check is exact for the instruction about to run (its fetch page,
 * the page of a load/store, the bytes a read/write moves, an M op). A
 * read/write that does not fit runs in parts (see "System calls in parts"
 * above), so its size is no limit; an instruction that would not fit even
 * an empty segment (a load whose page is one more than `pages` allows, a
 * read/write that cannot move one byte there) makes rv_run fail with
 * CAIRN_ERR_LIMIT, the message naming the count. Without any limit the
 * executor runs exactly as with budget NULL. */
typedef struct {
    uint64_t muldiv, ecalls, io_words, journal_blocks, pages, nodes, p2, p2_fixed;
} rv_budget;

typedef struct {
    unsigned segment_po2;       /* 0 = RV_DEFAULT_SEGMENT_PO2 */
    const rv_budget *budget;    /* NULL: segments end only every 2^po2 cycles */
    uint64_t max_cycles;        /* 0 = unlimited */
    const uint8_t *input;       /* private input; not copied */
    size_t input_len;
    rv_segment_fn on_segment;   /* optional */
    void *segment_arg;
    rv_write_fn on_write;       /* optional */
    void *write_arg;
    /* Tails: a halted last segment is delivered with segment_po2 the
     * smallest k in [tail_min_po2, po2) such that 2^k holds its cycles and
     * budget_of(k) its counts (those that budget counts: so its trace fits
     * the tables of 2^k, and the executor run at 2^k from its start state
     * would have made the same segment); po2 when none does. Its
     * re-execution and trace do not depend on the label. 0 or a NULL
     * budget_of (or no budget): every segment is labelled po2. */
    unsigned tail_min_po2;
    void (*budget_of)(rv_budget *out, unsigned po2);
} rv_config;

typedef struct {
    uint64_t cycles;            /* total */
    uint64_t segments;          /* completed segments */
    rv_state final;             /* state after the last cycle run */
    rv_fault fault;             /* kind != NONE after a fault */
} rv_result;

typedef struct rv_machine rv_machine;

/* A machine with prog loaded, in its initial state. */
cairn_err rv_machine_new(rv_machine **out, const rv_program *prog, const rv_config *cfg);
void rv_machine_free(rv_machine *m); /* accepts NULL */
/* Runs until the guest halts (CAIRN_OK), faults (CAIRN_ERR_FAULT, res->fault
 * set), reaches max_cycles (CAIRN_ERR_LIMIT) or a callback fails. res is
 * filled in every case. Segments are delivered through on_segment. A loop
 * over rv_run_segment. */
cairn_err rv_run(rv_machine *m, rv_result *res);
/* Runs to the end of the next segment and returns, so that a caller (the
 * coordinator) can do other work between segments: the segment is
 * delivered through on_segment before this returns CAIRN_OK, and
 * res->segments counts it; res->final.halted says whether the run is over
 * (then there is no next segment: a call on a halted machine does nothing
 * and returns CAIRN_OK). Errors as rv_run's (fault, max_cycles, callback);
 * res is filled in every case with the totals since the machine began
 * (cycles, segments) and its current state. */
cairn_err rv_run_segment(rv_machine *m, rv_result *res);
/* Current state (root recomputed if stale) and memory access for tests. */
cairn_err rv_machine_state(rv_machine *m, rv_state *out);
/* Memory root computed from scratch over every page (slow; tests). */
p2_digest rv_machine_root_scratch(const rv_machine *m);
uint32_t rv_machine_load_word(const rv_machine *m, uint32_t addr); /* aligned */

/* Convenience: load + run in one call. */
cairn_err rv_execute(const rv_program *prog, const rv_config *cfg, rv_result *res);

/* ---- per-cycle trace -------------------------------------------------- */

/* A segment's trace is what a proving AIR needs to rebuild every step of
 * the segment from its snapshot: a main table with one row per cycle and
 * an io table with one row per memory word that a system call moved. Both
 * are column-major uint32 arrays.
 *
 * Main table (RV_TRACE_COLUMNS), row i = cycle i of the segment:
 *   cycle       i (0-based within the segment)
 *   pc          address of the instruction
 *   insn        its 32-bit word (as fetched; page 0 cannot be fetched)
 *   op          rv_op of the decoded word
 *   rs1, rs1_val   source register indices and their values before the
 *   rs2, rs2_val   instruction; a format without rs1/rs2 reports index 0
 *                  and value 0 (x0)
 *   rd          destination register, 0 when x0 or nothing is written
 *   rd_val      value written to rd (0 when rd = 0)
 *   mem_addr    loads/stores: the byte address accessed
 *   mem_width   loads/stores: 1, 2 or 4; 0 on every other row
 *   mem_write   1 for stores, else 0
 *   mem_val     loads: the raw (not extended) value read; stores: the
 *               value stored (low mem_width bytes of rs2_val)
 *   mem_before  loads/stores: the aligned word holding mem_addr before the
 *   mem_after   access and after it (equal for loads)
 *   next_pc     pc of the next cycle (after a halt: the address after the
 *               ECALL)
 *   Columns not listed for a row's kind are 0, except on ECALL rows
 *   (below).
 *
 * ECALL rows: rs1 = 17, rs1_val = a7 (syscall number); rs2 = 10,
 *   rs2_val = a0 (fd or exit code); mem_addr = a1 (buffer address) and
 *   mem_val = a2 (requested length), both as read at the ECALL; mem_width
 *   and mem_write are 0 (the call's memory traffic is in the io table,
 *   keyed by this row's cycle); mem_before and mem_after are the state's
 *   sys_done before and after the cycle (both 0 unless the call runs in
 *   parts; mem_after != 0 marks a part that is not the last: it moved
 *   bytes [mem_before, mem_after) of the buffer and next_pc = pc); rd = 10
 *   and rd_val = the result in a0 (a part: a0 unchanged), except at
 *   exit/exit_group, where rd = rd_val = 0 and next_pc is the address
 *   after the ECALL.
 *
 * io table (RV_IO_COLUMNS, its own row count io_nrows): for each read(0)
 *   and write(1|2) cycle that moves k > 0 bytes, one row per aligned word
 *   that [a1 + d, a1 + d + k) overlaps, in address order; rows of
 *   different ECALLs in cycle order. d is the ECALL row's mem_before (0
 *   unless the call runs in parts) and d + k its mem_after for a part, else
 *   its rd_val (for a write: len). A call that fails (EBADF,
 *   EFAULT), moves nothing, or is another syscall has no rows.
 *   cycle       the ECALL's row in the main table
 *   fd          0: input bytes were stored into memory (read); 1 or 2:
 *               memory was read and appended to the journal / debug log
 *   addr        the word's address (multiple of 4)
 *   mask        bit k set = byte addr+k was moved (1..15)
 *   before      the word before the call and after it (equal unless fd 0;
 *   after       for fd 0 they differ exactly in the masked bytes, which
 *               hold the input bytes)
 *   pos         offset of the word's first moved byte in its stream,
 *               counted from the segment's start: input bytes for fd 0
 *               (the byte is snapshot input[pos]; stream position
 *               start.input_pos + pos), journal bytes for fd 1 (journal
 *               byte start.journal_len + pos), debug-log bytes written in
 *               this segment for fd 2
 *   So the bytes of each call are, in order, the masked bytes of its rows;
 *   a row moves popcount(mask) bytes and the next row of the same call
 *   starts at pos + popcount(mask) and addr + 4. An AIR checks a call by
 *   these rules, the first row covering a1 + d and the last a1 + d + k - 1, and
 *   puts each row's (addr, before) / (addr, after) on its memory argument
 *   at the ECALL's cycle, like a load or store of mem_before/mem_after. A
 *   segment's calls may move at most RV_IO_MAX_ROWS words (so pos fits 32
 *   bits); rv_trace_build fails with CAIRN_ERR_LIMIT past that. */
#define RV_TRACE_COLUMNS(X)                                                    \
    X(cycle) X(pc) X(insn) X(op) X(rs1) X(rs1_val) X(rs2) X(rs2_val) X(rd)     \
    X(rd_val) X(mem_addr) X(mem_width) X(mem_write) X(mem_val) X(mem_before)   \
    X(mem_after) X(next_pc)
enum {
#define RV_TRACE_ENUM_(n) RV_COL_##n,
    RV_TRACE_COLUMNS(RV_TRACE_ENUM_)
#undef RV_TRACE_ENUM_
    RV_TRACE_NCOLS
};
extern const char *const rv_trace_col_names[RV_TRACE_NCOLS];

#define RV_IO_COLUMNS(X) X(cycle) X(fd) X(addr) X(mask) X(before) X(after) X(pos)
enum {
#define RV_IO_ENUM_(n) RV_IO_##n,
    RV_IO_COLUMNS(RV_IO_ENUM_)
#undef RV_IO_ENUM_
    RV_IO_NCOLS
};
extern const char *const rv_io_col_names[RV_IO_NCOLS];
/* Name of the io table where it is stored next to the main table (the job
 * file's side table of a segment, storage/h5s.h). */
#define RV_IO_TABLE_NAME "io"
/* 2^24 words = 64 MiB moved by one segment's syscalls. */
#define RV_IO_MAX_ROWS (1u << 24)

typedef struct {
    size_t nrows;
    uint32_t *col[RV_TRACE_NCOLS]; /* each nrows entries; one allocation, freed
                                      only by rv_trace_free */
    size_t cap;                    /* rows allocated per column */
    size_t io_nrows;               /* io table */
    uint32_t *io_col[RV_IO_NCOLS]; /* each io_nrows entries; one allocation */
    size_t io_cap;
} rv_trace;

/* Re-executes the snapshot (with the same checks as rv_reexecute) while
 * recording both tables. *out must be zero-initialised or hold an earlier
 * trace: its columns are reused when large enough (first-touch page faults
 * of fresh columns cost about as much as the recording, so callers that
 * build many traces keep one rv_trace). On error *out holds no rows but
 * keeps its buffers. */
cairn_err rv_trace_build(rv_trace *out, const rv_snapshot *s);
void rv_trace_free(rv_trace *t); /* accepts NULL */

/* Decoded operation ids (RV_COL_op) and their mnemonics. */
typedef enum {
#define RV_OPS(X) X(ILLEGAL) X(LUI) X(AUIPC) X(JAL) X(JALR) X(BEQ) X(BNE) X(BLT) \
    X(BGE) X(BLTU) X(BGEU) X(LB) X(LH) X(LW) X(LBU) X(LHU) X(SB) X(SH) X(SW)    \
    X(ADDI) X(SLTI) X(SLTIU) X(XORI) X(ORI) X(ANDI) X(SLLI) X(SRLI) X(SRAI)      \
    X(ADD) X(SUB) X(SLL) X(SLT) X(SLTU) X(XOR) X(SRL) X(SRA) X(OR) X(AND)        \
    X(MUL) X(MULH) X(MULHSU) X(MULHU) X(DIV) X(DIVU) X(REM) X(REMU) X(FENCE)     \
    X(ECALL) X(EBREAK)
#define RV_OP_ENUM_(n) RV_OP_##n,
    RV_OPS(RV_OP_ENUM_)
#undef RV_OP_ENUM_
    RV_NOPS
} rv_op;

typedef struct {
    uint8_t op, rd, rs1, rs2; /* rv_op; register indices as encoded */
    int32_t imm;              /* sign-extended immediate (shamt for shifts) */
} rv_decoded;

/* Decodes one instruction word; op = RV_OP_ILLEGAL if unassigned. */
rv_decoded rv_decode(uint32_t insn);
const char *rv_op_name(rv_op op);

#endif
