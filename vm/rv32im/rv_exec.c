/* The executing machine: paged memory, interpreter (rv_loop.inc.h),
 * system calls, segmenter, re-execution of snapshots and trace building.
 *
 * Memory is a flat table of 2^22 page pointers (32 MiB of virtual memory,
 * only the parts in use become resident); a page holds its 1 KiB, lazily
 * pre-decoded instructions, and two epoch stamps: the segment number (+1)
 * in which it was last touched and last written. Comparing a stamp with the
 * current epoch replaces a "pages touched" set.
 *
 * Segment budgets (rv.h rv_budget) are enforced by a third copy of the
 * interpreter loop (run_budget), so a run without a budget executes the
 * same code as before. Its checks sit on the slow paths only: the first
 * touch of a page in a segment (fetch or data), ECALL and the M ops. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "rv_air_io.h" /* rv_journal_rows: the journal table's row count */
#include "rv_internal.h"

typedef struct rv_page {
    uint8_t b[RV_PAGE_BYTES];
    rv_decoded *dec; /* RV_PAGE_WORDS entries once executed from, else NULL */
    uint32_t tepoch, wepoch;
} rv_page;

enum { RV_STOP_CYCLES, RV_STOP_HALT, RV_STOP_FAULT, RV_STOP_ERROR, RV_STOP_BUDGET };
/* ECALL_PART: a read/write moved a part of its bytes and stays on its pc
 * (rv.h "ECALL", "System calls in parts") */
enum { ECALL_CONTINUE, ECALL_PART, ECALL_HALT, ECALL_ERROR };

struct rv_machine {
    rv_page **pt;
    int partial;      /* re-execution: only the snapshot's pages exist */
    uint32_t epoch;
    uint32_t pc;
    uint32_t x[33];   /* x[32] = RV_XSINK */
    uint64_t cycle;
    /* I/O */
    const uint8_t *input;
    size_t input_len;
    uint64_t input_base; /* input[0] is private input byte input_base */
    rv_state io;         /* input_pos, journal and halt fields are live here */
    rv_tree tree;
    /* configuration */
    unsigned po2;
    uint64_t max_cycles;
    rv_segment_fn on_segment;
    void *segment_arg;
    rv_write_fn on_write;
    void *write_arg;
    /* current segment */
    uint64_t seg_index, seg_start_cycle;
    rv_state seg_start;
    int keep_orig;     /* copy pages at first touch (for snapshots) */
    uint32_t *touched; /* page numbers in order of first touch */
    size_t ntouched, touched_cap;
    uint8_t *orig;     /* ntouched pages: contents at first touch */
    size_t orig_cap;   /* pages */
    uint32_t *dirty;
    size_t ndirty, dirty_cap;
    /* every allocated page (for freeing and root-from-scratch) */
    uint32_t *pages;
    size_t npages, pages_cap;
    /* scratch */
    uint8_t *iobuf;
    gl_t *hwork;
    size_t hwork_pages;
    rv_fault fault;
    cairn_err err;
    rv_trace *trace;
    /* io table recording (trace builds only): the ECALL's row, and the
     * stream offset since segment start of the next byte it moves */
    uint32_t io_cycle, io_fd;
    uint64_t io_pos;
    uint64_t io_journal0; /* journal_len at segment start */
    uint64_t io_log;      /* debug-log bytes written in this segment */
    /* segment budget (rv.h rv_budget); the page count is ntouched, the
     * journal rows follow from io.journal_len and seg_start.journal_len */
    int has_budget;       /* some limit is set: rv_run uses run_budget */
    rv_budget bud;
    uint64_t muldiv_lim;  /* bud.muldiv, or UINT64_MAX for "no limit" */
    uint64_t seg_muldiv;  /* M ops (counted by run_budget only) */
    uint64_t seg_ecalls;  /* ECALLs */
    uint64_t seg_io;      /* words moved by read(0)/write(1|2) */
    uint64_t seg_nodes;   /* |union of the touched pages' paths| (nstamp) */
    uint32_t *nstamp;     /* epoch stamp per tree node of levels 1..22, at
                             NODE_SLOT(level, index); only when nodes or p2
                             are limited, else NULL */
    /* system calls in parts (rv.h): the total bytes done (io.sys_done
     * counts from the call's start) at which the ECALL about to run stops
     * as a part; 0 = it completes. Set per ECALL by budget_check, and by
     * re-execution for a segment's last cycle (end_done: its snapshot's
     * end.sys_done; a part is always a segment's last cycle) */
    uint32_t part_end;
    uint32_t end_done;
    /* rv_config tails */
    unsigned tail_min;
    void (*budget_of)(rv_budget *out, unsigned po2);
};

/* Tree nodes of levels 1..22 in one array: level l (2^(22-l) nodes)
 * starts at 2^22 - 2^(23-l); 2^22 - 1 slots in all. */
#define NODE_SLOT(l, i) ((((size_t)1 << RV_TREE_DEPTH) - ((size_t)2 << (RV_TREE_DEPTH - (l)))) + (i))

/* Decoded entries for "pc in page 0": every fetch faults. */
static rv_decoded g_fault_dec[RV_PAGE_WORDS];
static void fault_dec_init(void)
{
    for (unsigned i = 0; i < RV_PAGE_WORDS; i++) g_fault_dec[i].op = RV_NOPS;
}

static inline rv_decoded decode_internal(uint32_t w)
{
    rv_decoded d = rv_decode(w);
    if (d.rd == 0) d.rd = RV_XSINK;
    return d;
}

static void redecode(rv_page *p, uint32_t a)
{
    uint32_t w;
    unsigned i = (a >> 2) & (RV_PAGE_WORDS - 1);
    memcpy(&w, p->b + 4 * i, 4);
    p->dec[i] = decode_internal(w);
}

static int grow_u32(uint32_t **arr, size_t *cap, size_t need)
{
    if (need <= *cap) return 1;
    size_t ncap = *cap ? *cap * 2 : 256;
    while (ncap < need) ncap *= 2;
    uint32_t *n = realloc(*arr, ncap * sizeof *n);
    if (!n) return 0;
    *arr = n;
    *cap = ncap;
    return 1;
}

static rv_page *page_alloc(rv_machine *m, uint32_t pidx)
{
    if (!grow_u32(&m->pages, &m->pages_cap, m->npages + 1)) return NULL;
    rv_page *p = aligned_alloc(64, (sizeof(rv_page) + 63) & ~(size_t)63);
    if (!p) return NULL;
    memset(p, 0, sizeof *p);
    m->pt[pidx] = p;
    m->pages[m->npages++] = pidx;
    return p;
}

/* First touch (or first write) of a page in this segment. Returns NULL
 * with m->err = CAIRN_ERR_FAULT for page 0, or another error. */
static rv_page *touch_slow(rv_machine *m, uint32_t pidx, int write)
{
    if (pidx == 0) {
        m->err = CAIRN_ERR_FAULT;
        return NULL;
    }
    rv_page *p = m->pt[pidx];
    if (!p) {
        if (m->partial) {
            m->err = cairn_fail(CAIRN_ERR_CORRUPT,
                                "segment touches page 0x%x (addresses 0x%08x..) that its snapshot lacks",
                                pidx, pidx << RV_PAGE_LOG);
            return NULL;
        }
        p = page_alloc(m, pidx);
        if (!p) {
            m->err = cairn_fail(CAIRN_ERR_NOMEM, "no memory for guest page 0x%x", pidx);
            return NULL;
        }
    }
    if (p->tepoch != m->epoch) {
        if (!grow_u32(&m->touched, &m->touched_cap, m->ntouched + 1)) goto nomem;
        if (m->keep_orig) {
            if (m->orig_cap < m->touched_cap) { /* room for touched_cap pages */
                uint8_t *o = realloc(m->orig, m->touched_cap * (size_t)RV_PAGE_BYTES);
                if (!o) goto nomem;
                m->orig = o;
                m->orig_cap = m->touched_cap;
            }
            memcpy(m->orig + m->ntouched * (size_t)RV_PAGE_BYTES, p->b, RV_PAGE_BYTES);
        }
        m->touched[m->ntouched++] = pidx;
        p->tepoch = m->epoch;
        if (m->nstamp) {
            /* the page's path up to the first node already on another
             * touched page's path (everything above it is, too) */
            for (unsigned l = 1; l <= RV_TREE_DEPTH; l++) {
                uint32_t *st = &m->nstamp[NODE_SLOT(l, pidx >> l)];
                if (*st == m->epoch) break;
                *st = m->epoch;
                m->seg_nodes++;
            }
        }
    }
    if (write && p->wepoch != m->epoch) {
        if (!grow_u32(&m->dirty, &m->dirty_cap, m->ndirty + 1)) goto nomem;
        m->dirty[m->ndirty++] = pidx;
        p->wepoch = m->epoch;
    }
    return p;
nomem:
    m->err = cairn_fail(CAIRN_ERR_NOMEM, "no memory to track touched pages");
    return NULL;
}

static rv_page *fetch_slow(rv_machine *m, uint32_t pc)
{
    rv_page *p = touch_slow(m, pc >> RV_PAGE_LOG, 0);
    if (!p || p->dec) return p;
    p->dec = malloc(RV_PAGE_WORDS * sizeof *p->dec);
    if (!p->dec) {
        m->err = cairn_fail(CAIRN_ERR_NOMEM, "no memory to decode page 0x%x", pc >> RV_PAGE_LOG);
        return NULL;
    }
    for (unsigned i = 0; i < RV_PAGE_WORDS; i++) redecode(p, 4 * i);
    return p;
}

/* Instruction word at pc without touching anything (diagnostics). */
static uint32_t peek_word(const rv_machine *m, uint32_t pc)
{
    const rv_page *p = m->pt[pc >> RV_PAGE_LOG];
    uint32_t w = 0;
    if (p) memcpy(&w, p->b + (pc & (RV_PAGE_BYTES - 4)), 4);
    return w;
}

uint32_t rv_machine_load_word(const rv_machine *m, uint32_t addr) { return peek_word(m, addr); }

/* ---- system calls ---------------------------------------------------------- */

#define IO_CHUNK 65536u

/* Buffer [buf, buf+len) is usable unless it touches page 0 or wraps. */
static int buf_ok(uint32_t buf, uint32_t len)
{
    if (len == 0) return 1;
    uint64_t end = (uint64_t)buf + len;
    return buf >= RV_MEM_MIN && end <= (1ull << 32);
}

/* Aligned words that [buf, buf+n) overlaps: the io-table rows of a call
 * that moves n bytes (rv.h "io table"). */
static uint64_t io_words(uint32_t buf, uint64_t n)
{
    return n ? (((uint64_t)buf + n + 3) >> 2) - (buf >> 2) : 0;
}

/* Bytes that read(0)/write(1|2) with the registers x would still move,
 * from buf + io.sys_done on (0 for a failing call, any other syscall and
 * a call whose sys_done is invalid, which do_ecall refuses); *fd
 * receives a0. */
static uint32_t ecall_bytes(const rv_machine *m, const uint32_t *x, uint32_t *fd)
{
    uint32_t num = x[17], buf = x[11], len = x[12], done = m->io.sys_done;
    *fd = x[10];
    if (!buf_ok(buf, len) || done > len) return 0;
    if (num == RV_SYS_WRITE) return *fd == 1 || *fd == 2 ? len - done : 0;
    if (num != RV_SYS_READ || *fd != 0 || m->io.input_eof) return 0;
    uint64_t avail = m->input_len - (m->io.input_pos - m->input_base);
    return len - done < avail ? len - done : (uint32_t)avail;
}

/* Makes room for one more io-table row (rv.h, RV_IO_MAX_ROWS). */
static int io_grow(rv_machine *m)
{
    rv_trace *t = m->trace;
    if (t->io_nrows < t->io_cap) return 1;
    if (t->io_cap >= RV_IO_MAX_ROWS) {
        m->err = cairn_fail(CAIRN_ERR_LIMIT,
                            "trace: the segment's syscalls move more than %u words (io table limit)",
                            RV_IO_MAX_ROWS);
        return 0;
    }
    size_t ncap = t->io_cap ? 2 * t->io_cap : 1024;
    if (ncap > RV_IO_MAX_ROWS) ncap = RV_IO_MAX_ROWS;
    uint32_t *block = malloc(ncap * RV_IO_NCOLS * sizeof(uint32_t));
    if (!block) {
        m->err = cairn_fail(CAIRN_ERR_NOMEM, "trace: no memory for an io table of %zu rows", ncap);
        return 0;
    }
    for (int c = 0; c < RV_IO_NCOLS; c++) {
        if (t->io_nrows) memcpy(block + (size_t)c * ncap, t->io_col[c], t->io_nrows * sizeof(uint32_t));
    }
    free(t->io_col[0]);
    for (int c = 0; c < RV_IO_NCOLS; c++) t->io_col[c] = block + (size_t)c * ncap;
    t->io_cap = ncap;
    return 1;
}

/* Records the words of [addr, addr+n) (within one page) that a syscall
 * moved: old holds the aligned words' contents before a store into guest
 * memory (NULL when the syscall only read them). */
static int io_record(rv_machine *m, const rv_page *p, uint32_t addr, uint32_t n, const uint8_t *old)
{
    rv_trace *t = m->trace;
    const uint32_t w0 = addr & ~3u, off0 = w0 & (RV_PAGE_BYTES - 1);
    const uint64_t end = (uint64_t)addr + n;
    for (uint64_t w = w0; w < end; w += 4) {
        if (!io_grow(m)) return 0;
        unsigned mask = 0;
        for (unsigned k = 0; k < 4; k++)
            if (w + k >= addr && w + k < end) mask |= 1u << k;
        uint32_t before, after;
        memcpy(&after, p->b + (w & (RV_PAGE_BYTES - 1)), 4);
        if (old) memcpy(&before, old + (w & (RV_PAGE_BYTES - 1)) - off0, 4);
        else before = after;
        uint64_t first = w > addr ? w : addr;
        size_t r = t->io_nrows++;
        t->io_col[RV_IO_cycle][r] = m->io_cycle;
        t->io_col[RV_IO_fd][r] = m->io_fd;
        t->io_col[RV_IO_addr][r] = (uint32_t)w;
        t->io_col[RV_IO_mask][r] = mask;
        t->io_col[RV_IO_before][r] = before;
        t->io_col[RV_IO_after][r] = after;
        /* < 2^32: at most RV_IO_MAX_ROWS words of 4 bytes per segment */
        t->io_col[RV_IO_pos][r] = (uint32_t)(m->io_pos + (first - addr));
    }
    m->io_pos += n;
    return 1;
}

/* Copies guest memory to/from host bytes, touching pages. While a trace is
 * built, every word moved becomes an io-table row. */
static int guest_copy(rv_machine *m, uint32_t addr, uint8_t *host, uint32_t len, int to_guest)
{
    while (len) {
        uint32_t off = addr & (RV_PAGE_BYTES - 1), n = RV_PAGE_BYTES - off;
        if (n > len) n = len;
        rv_page *p = m->pt[addr >> RV_PAGE_LOG];
        if (!p || p->tepoch != m->epoch || (to_guest && p->wepoch != m->epoch)) {
            p = touch_slow(m, addr >> RV_PAGE_LOG, to_guest);
            if (!p) return 0;
        }
        uint8_t old[RV_PAGE_BYTES]; /* tracing: the piece's aligned words before a store */
        if (to_guest) {
            if (m->trace) memcpy(old, p->b + (off & ~3u), ((off + n + 3) & ~3u) - (off & ~3u));
            memcpy(p->b + off, host, n);
            /* 64-bit bound: a piece may end at 2^32 */
            if (p->dec)
                for (uint64_t a = addr & ~3u; a < (uint64_t)addr + n; a += 4) redecode(p, (uint32_t)a);
        } else {
            memcpy(host, p->b + off, n);
        }
        if (m->trace && !io_record(m, p, addr, n, to_guest ? old : NULL)) return 0;
        addr += n;
        host += n;
        len -= n;
    }
    return 1;
}

/* Bytes this cycle moves of a call that has n bytes left: all of them,
 * or up to part_end when that cuts the call (then *part = 1). A part may
 * move all n: a re-executed read sees only the input its segment read,
 * so a part that ends the segment finds no more (the budget's parts
 * always leave bytes). */
static uint32_t part_bytes(const rv_machine *m, uint32_t n, int *part)
{
    const uint32_t done = m->io.sys_done;
    *part = m->part_end > done && m->part_end - done <= n;
    return *part ? m->part_end - done : n;
}

static int do_ecall(rv_machine *m)
{
    uint32_t *x = m->x;
    m->seg_ecalls++;
    uint32_t num = x[17], fd = x[10], buf = x[11], len = x[12];
    const uint32_t done = m->io.sys_done;
    int part;
    /* a call in parts continues only as the read(0)/write(1|2) that
     * began it (registers do not change between its parts); anything
     * else here comes from a forged snapshot state */
    if (done && !(buf_ok(buf, len) && done <= len &&
                  ((num == RV_SYS_READ && fd == 0 && !m->io.input_eof) || (num == RV_SYS_WRITE && (fd == 1 || fd == 2))))) {
        m->err = cairn_fail(CAIRN_ERR_VERIFY,
                            "ECALL at pc 0x%08x: the state has moved %u bytes of a system call in parts, but a7 = %u, "
                            "a0 = %u, a2 = %u is no read(0)/write(1|2) of that many bytes",
                            m->pc, done, num, fd, len);
        return ECALL_ERROR;
    }
    switch (num) {
    case RV_SYS_EXIT:
    case RV_SYS_EXIT_GROUP:
        m->io.halted = 1;
        m->io.exit_code = x[10];
        return ECALL_HALT;
    case RV_SYS_READ: {
        if (fd != 0) {
            x[10] = (uint32_t)-RV_EBADF;
            return ECALL_CONTINUE;
        }
        if (!buf_ok(buf, len)) {
            x[10] = (uint32_t)-RV_EFAULT;
            return ECALL_CONTINUE;
        }
        uint64_t off = m->io.input_pos - m->input_base;
        uint64_t avail = m->input_len - off;
        uint32_t n = len - done < avail ? len - done : (uint32_t)avail;
        /* after end-of-file every read returns 0 (an honest run has no
         * bytes left then; a re-executed snapshot must not find any) */
        if (m->io.input_eof) n = 0;
        assert(n == ecall_bytes(m, x, &fd)); /* the budget's prediction */
        n = part_bytes(m, n, &part);
        m->io_fd = 0;
        m->io_pos = off;
        if (n && !guest_copy(m, buf + done, (uint8_t *)m->input + off, n, 1)) goto err;
        m->seg_io += io_words(buf + done, n);
        m->io.input_pos += n;
        if (part) {
            m->io.sys_done = done + n;
            return ECALL_PART;
        }
        m->io.sys_done = 0;
        if (done + n < len) m->io.input_eof = 1;
        x[10] = done + n;
        return ECALL_CONTINUE;
    }
    case RV_SYS_WRITE: {
        if (fd != 1 && fd != 2) {
            x[10] = (uint32_t)-RV_EBADF;
            return ECALL_CONTINUE;
        }
        if (!buf_ok(buf, len)) {
            x[10] = (uint32_t)-RV_EFAULT;
            return ECALL_CONTINUE;
        }
        assert(len - done == ecall_bytes(m, x, &fd));
        const uint32_t n = part_bytes(m, len - done, &part), at = buf + done;
        m->io_fd = fd;
        m->io_pos = fd == 1 ? m->io.journal_len - m->io_journal0 : m->io_log;
        for (uint32_t k = 0; k < n;) {
            /* pieces end on word boundaries, so that no word is split
             * between two io-table rows */
            uint32_t c = n - k;
            if (c > IO_CHUNK) c = IO_CHUNK - ((at + k) & 3);
            if (!guest_copy(m, at + k, m->iobuf, c, 0)) goto err;
            if (fd == 1) rv_journal_append(&m->io, m->iobuf, c);
            if (m->on_write) m->on_write(m->write_arg, (int)fd, m->iobuf, c);
            k += c;
        }
        if (fd == 2) m->io_log += n;
        m->seg_io += io_words(at, n);
        if (part) {
            m->io.sys_done = done + n;
            return ECALL_PART;
        }
        m->io.sys_done = 0;
        x[10] = len;
        return ECALL_CONTINUE;
    }
    default:
        x[10] = (uint32_t)-RV_ENOSYS;
        return ECALL_CONTINUE;
    }
err:
    if (m->err == CAIRN_ERR_FAULT) m->fault.addr = buf; /* cannot happen: buf_ok */
    return ECALL_ERROR;
}

/* ---- segment budgets ------------------------------------------------------ */

enum { BUDGET_FITS, BUDGET_FULL, BUDGET_ERROR };

static int page_new(const rv_machine *m, uint32_t pidx)
{
    const rv_page *p = m->pt[pidx];
    return !p || p->tepoch != m->epoch;
}

/* Path nodes (levels 1..22) that touching the new page pidx adds, given
 * the segment's nodes and, when have_prev, the new page prev < pidx
 * counted just before it (a node shared with an earlier new page is
 * shared with the latest one, as they are counted in ascending order). */
static uint64_t nodes_new(const rv_machine *m, uint32_t pidx, int have_prev, uint32_t prev)
{
    uint64_t k = 0;
    for (unsigned l = 1; l <= RV_TREE_DEPTH; l++) {
        if (m->nstamp[NODE_SLOT(l, pidx >> l)] == m->epoch) break;
        if (have_prev && (prev >> l) == (pidx >> l)) break;
        k++;
    }
    return k;
}

enum { BC_MULDIV, BC_ECALL, BC_IO, BC_JOURNAL, BC_PAGES, BC_NODES, BC_P2, BC_N };
/* The segment's counts after the instruction about to run. */
typedef struct {
    uint64_t v[BC_N];
} bud_counts;
static const char *const bc_name[BC_N] = {"muldiv", "ecalls", "io_words", "journal_blocks", "pages", "nodes", "p2"};

static void bud_limits(uint64_t lim[BC_N], const rv_budget *b)
{
    lim[BC_MULDIV] = b->muldiv;
    lim[BC_ECALL] = b->ecalls;
    lim[BC_IO] = b->io_words;
    lim[BC_JOURNAL] = b->journal_blocks;
    lim[BC_PAGES] = b->pages;
    lim[BC_NODES] = b->nodes;
    lim[BC_P2] = b->p2;
}

/* Index of the first count over its limit (a zero limit is none), or -1. */
static int bud_over(const bud_counts *c, const uint64_t lim[BC_N])
{
    for (int i = 0; i < BC_N; i++)
        if (lim[i] && c->v[i] > lim[i]) return i;
    return -1;
}

/* The segment's counts if the instruction whose fetch page is fp ran
 * with muldiv/ecalls M ops / ECALL rows, the data pages [lo, hi] (none
 * when lo > hi), io words and jbytes journal bytes; returns the first
 * count over its limit, or -1. */
static int bud_eval(const rv_machine *m, bud_counts *c, const uint64_t lim[BC_N], uint32_t fp, uint64_t muldiv,
                    uint64_t ecalls, uint32_t lo, uint32_t hi, uint64_t io, uint64_t jbytes)
{
    c->v[BC_MULDIV] = m->seg_muldiv + muldiv;
    c->v[BC_ECALL] = m->seg_ecalls + ecalls;
    c->v[BC_IO] = m->seg_io + io;
    c->v[BC_JOURNAL] = rv_journal_rows(m->seg_start.journal_len,
                                       m->io.journal_len - m->seg_start.journal_len + jbytes);
    c->v[BC_PAGES] = m->ntouched;
    c->v[BC_NODES] = m->seg_nodes;
    if (lim[BC_PAGES] || lim[BC_NODES] || lim[BC_P2]) {
        /* the new pages in ascending order: the fetch page merged into
         * [lo, hi]; stop once a page-related count is over its limit */
        const uint64_t p2_rest = c->v[BC_JOURNAL] + m->bud.p2_fixed;
        int have_prev = 0, fetch_done = !page_new(m, fp);
        uint32_t prev = 0;
        uint64_t q = lo;
        for (;;) {
            uint32_t pidx;
            if (!fetch_done && (q > hi || fp <= q)) {
                pidx = fp;
                fetch_done = 1;
            } else if (q <= hi) {
                pidx = (uint32_t)q++;
            } else {
                break;
            }
            if ((have_prev && pidx == prev) || !page_new(m, pidx)) continue;
            c->v[BC_PAGES]++;
            if (m->nstamp) c->v[BC_NODES] += nodes_new(m, pidx, have_prev, prev);
            have_prev = 1;
            prev = pidx;
            if ((lim[BC_PAGES] && c->v[BC_PAGES] > lim[BC_PAGES]) ||
                (lim[BC_NODES] && c->v[BC_NODES] > lim[BC_NODES]) ||
                (lim[BC_P2] && 64 * c->v[BC_PAGES] + 2 * c->v[BC_NODES] + p2_rest > lim[BC_P2]))
                break;
        }
    }
    c->v[BC_P2] = 64 * c->v[BC_PAGES] + 2 * c->v[BC_NODES] + c->v[BC_JOURNAL] + m->bud.p2_fixed;
    return bud_over(c, lim);
}

/* bud_eval for an ECALL that moves n bytes at addr (fd 1: journal). */
static int bud_eval_io(const rv_machine *m, bud_counts *c, const uint64_t lim[BC_N], uint32_t fp, uint32_t addr,
                       uint32_t n, uint32_t fd)
{
    if (!n) return bud_eval(m, c, lim, fp, 0, 1, 1, 0, 0, 0);
    return bud_eval(m, c, lim, fp, 0, 1, addr >> RV_PAGE_LOG, (uint32_t)(((uint64_t)addr + n - 1) >> RV_PAGE_LOG),
                    io_words(addr, n), fd == 1 ? n : 0);
}

/* Would an ECALL at fetch page fp that moves n > 0 bytes at addr (fd 1:
 * journal) fit an empty segment whole? The pages are [lo, hi] and fp;
 * the nodes their paths' union (a contiguous range has (hi >> l) - (lo >>
 * l) + 1 nodes at level l). */
static int empty_fits(const rv_machine *m, const uint64_t lim[BC_N], uint32_t fp, uint32_t addr, uint32_t n,
                      uint32_t fd)
{
    const uint32_t lo = addr >> RV_PAGE_LOG, hi = (uint32_t)(((uint64_t)addr + n - 1) >> RV_PAGE_LOG);
    const int fout = fp < lo || fp > hi;
    bud_counts c;
    memset(&c, 0, sizeof c);
    c.v[BC_ECALL] = 1;
    c.v[BC_IO] = io_words(addr, n);
    c.v[BC_JOURNAL] = rv_journal_rows(m->io.journal_len, fd == 1 ? n : 0);
    c.v[BC_PAGES] = (uint64_t)(hi - lo) + 1 + (uint64_t)fout;
    for (unsigned l = 1; l <= RV_TREE_DEPTH; l++) {
        const uint32_t a = lo >> l, b = hi >> l, f = fp >> l;
        c.v[BC_NODES] += (uint64_t)(b - a) + 1 + (uint64_t)(f < a || f > b);
    }
    c.v[BC_P2] = 64 * c.v[BC_PAGES] + 2 * c.v[BC_NODES] + c.v[BC_JOURNAL] + m->bud.p2_fixed;
    return bud_over(&c, lim) < 0;
}

/* Would the instruction at pc, run with the registers x, keep the segment
 * within its budget? Counts exactly what it will do: its fetch page, the
 * page of a load/store, the bytes, words and pages of a read(0)/
 * write(1|2), an M op. An instruction that will fault is let through
 * (the fault ends the run). done = cycles of the segment before it; when
 * it is 0 the instruction cannot fit any segment: BUDGET_ERROR with
 * CAIRN_ERR_LIMIT naming the count.
 *
 * A read/write whose remaining bytes do not fit ends the segment before
 * it if they would fit an empty segment (as any instruction: so a program
 * whose calls fit a segment, like the guest runtime's CAIRN_IO_CHUNK
 * calls, is segmented and counted exactly as without parts, and its
 * claims cover `cairn exec`'s cycles); otherwise it runs as a part (rv.h
 * "System calls in parts"): the most bytes that fit, the part's end
 * rounded down to a word boundary when that leaves at least one byte;
 * m->part_end receives the call's total after it (0: the call completes).
 * The segment ends after the part (the loop stops), so that a part is
 * always its segment's last cycle and re-execution knows where it ends
 * (the snapshot's end.sys_done). Only a call that cannot move even one
 * byte is BUDGET_FULL / BUDGET_ERROR. */
static int budget_check(rv_machine *m, const uint32_t *x, uint32_t pc, uint64_t done)
{
    const uint32_t fp = pc >> RV_PAGE_LOG;
    m->part_end = 0;
    if (fp == 0) return BUDGET_FITS; /* fetch fault */
    uint32_t w = 0;
    if (m->pt[fp]) memcpy(&w, m->pt[fp]->b + (pc & (RV_PAGE_BYTES - 4)), 4);
    const rv_decoded d = rv_decode(w);
    uint64_t lim[BC_N];
    bud_limits(lim, &m->bud);
    bud_counts c;
    int over;
    switch ((rv_op)d.op) {
    case RV_OP_MUL: case RV_OP_MULH: case RV_OP_MULHSU: case RV_OP_MULHU:
    case RV_OP_DIV: case RV_OP_DIVU: case RV_OP_REM: case RV_OP_REMU:
        over = bud_eval(m, &c, lim, fp, 1, 0, 1, 0, 0, 0);
        break;
    case RV_OP_LB: case RV_OP_LBU: case RV_OP_SB:
    case RV_OP_LH: case RV_OP_LHU: case RV_OP_SH:
    case RV_OP_LW: case RV_OP_SW: {
        const uint32_t a = x[d.rs1] + (uint32_t)d.imm;
        const uint32_t width = d.op == RV_OP_LW || d.op == RV_OP_SW ? 4
                               : d.op == RV_OP_LB || d.op == RV_OP_LBU || d.op == RV_OP_SB ? 1 : 2;
        uint32_t lo = 1, hi = 0;
        if (!(a & (width - 1)) && (a >> RV_PAGE_LOG)) lo = hi = a >> RV_PAGE_LOG; /* else it faults */
        over = bud_eval(m, &c, lim, fp, 0, 0, lo, hi, 0, 0);
        break;
    }
    case RV_OP_ECALL: {
        uint32_t fd;
        const uint32_t n = ecall_bytes(m, x, &fd), at = x[11] + m->io.sys_done;
        over = bud_eval_io(m, &c, lim, fp, at, n, fd);
        if (over < 0 || n < 2) break;
        if (done && empty_fits(m, lim, fp, at, n, fd)) return BUDGET_FULL;
        bud_counts c1;
        const int o1 = bud_eval_io(m, &c1, lim, fp, at, 1, fd);
        if (o1 >= 0) { /* not even one byte fits */
            c = c1;
            over = o1;
            break;
        }
        /* the counts grow with the bytes moved: the largest k < n that fits */
        uint32_t k = 1, hi = n - 1;
        while (k < hi) {
            const uint32_t mid = k + (hi - k + 1) / 2;
            if (bud_eval_io(m, &c1, lim, fp, at, mid, fd) < 0) k = mid;
            else hi = mid - 1;
        }
        const uint32_t end = (at + k) & ~3u;
        if (end > at) k = end - at;
        /* the next cycle must fetch this ECALL again (the AIR's rule for
         * a part): a read must not store into its own instruction word */
        if (x[17] == RV_SYS_READ && (uint64_t)at < (uint64_t)(pc & ~3u) + 4 && (pc & ~3u) < (uint64_t)at + k) {
            m->err = cairn_fail(CAIRN_ERR_LIMIT,
                                "segment budget: the read(0) at pc 0x%08x would store into its own ECALL in a part "
                                "that is not its last, so it cannot span segments (buffer 0x%08x, %u bytes)",
                                pc, x[11], x[12]);
            return BUDGET_ERROR;
        }
        m->part_end = m->io.sys_done + k;
        return BUDGET_FITS;
    }
    default:
        over = bud_eval(m, &c, lim, fp, 0, 0, 1, 0, 0, 0);
        break;
    }
    if (over < 0) return BUDGET_FITS;
    if (done) return BUDGET_FULL;
    m->err = cairn_fail(CAIRN_ERR_LIMIT,
                        "segment budget: the instruction at pc 0x%08x (0x%08x, %s) needs %s %llu, over the "
                        "budget's %llu even at the start of a segment",
                        pc, w, rv_op_name((rv_op)d.op), bc_name[over], (unsigned long long)c.v[over],
                        (unsigned long long)lim[over]);
    return BUDGET_ERROR;
}

/* ---- the interpreter, three times ------------------------------------------ */

#define RV_LOOP_NAME run_fast
#define RV_LOOP_TRACE 0
#define RV_LOOP_BUDGET 0
#include "rv_loop.inc.h"
#undef RV_LOOP_NAME
#undef RV_LOOP_TRACE
#undef RV_LOOP_BUDGET
#define RV_LOOP_NAME run_trace
#define RV_LOOP_TRACE 1
#define RV_LOOP_BUDGET 0
#include "rv_loop.inc.h"
#undef RV_LOOP_NAME
#undef RV_LOOP_TRACE
#undef RV_LOOP_BUDGET
#define RV_LOOP_NAME run_budget
#define RV_LOOP_TRACE 0
#define RV_LOOP_BUDGET 1
#include "rv_loop.inc.h"
#undef RV_LOOP_NAME
#undef RV_LOOP_TRACE
#undef RV_LOOP_BUDGET

/* ---- machine life cycle ------------------------------------------------------ */

static cairn_err machine_alloc(rv_machine **out, int partial)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, fault_dec_init);
    rv_machine *m = calloc(1, sizeof *m);
    RETURN_ERROR_IF(!m, CAIRN_ERR_NOMEM, "rv_machine: out of memory");
    m->pt = calloc(RV_NPAGES, sizeof *m->pt);
    m->iobuf = malloc(IO_CHUNK);
    if (!m->pt || !m->iobuf) {
        free(m->pt);
        free(m->iobuf);
        free(m);
        return cairn_fail(CAIRN_ERR_NOMEM, "rv_machine: no memory for the page table");
    }
    m->partial = partial;
    m->epoch = 1;
    m->po2 = RV_DEFAULT_SEGMENT_PO2;
    rv_tree_init(&m->tree, partial);
    *out = m;
    return CAIRN_OK;
}

void rv_machine_free(rv_machine *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->npages; i++) {
        rv_page *p = m->pt[m->pages[i]];
        if (p) free(p->dec);
        free(p);
    }
    free(m->pt);
    free(m->pages);
    free(m->touched);
    free(m->orig);
    free(m->dirty);
    free(m->iobuf);
    free(m->hwork);
    free(m->nstamp);
    rv_tree_free(&m->tree);
    free(m);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Digests of the listed pages (sorted in place) into the tree. */
static cairn_err rehash_pages(rv_machine *m, uint32_t *idx, size_t n)
{
    if (n == 0) return CAIRN_OK;
    qsort(idx, n, sizeof *idx, cmp_u32);
    enum { BATCH = 256 };
    if (!m->hwork) {
        m->hwork = malloc((size_t)BATCH * RV_PAGE_WORDS * sizeof(gl_t));
        RETURN_ERROR_IF(!m->hwork, CAIRN_ERR_NOMEM, "no memory for page hashing");
    }
    p2_digest *leaf = malloc(n * sizeof *leaf);
    const uint8_t **pg = malloc(BATCH * sizeof *pg);
    if (!leaf || !pg) {
        free(leaf);
        free(pg);
        return cairn_fail(CAIRN_ERR_NOMEM, "no memory for %zu page digests", n);
    }
    for (size_t i = 0; i < n; i += BATCH) {
        size_t k = n - i < BATCH ? n - i : BATCH;
        for (size_t j = 0; j < k; j++) pg[j] = m->pt[idx[i + j]]->b;
        rv_page_digests(leaf + i, pg, k, m->hwork);
    }
    cairn_err err = rv_tree_update(&m->tree, idx, leaf, n);
    free(leaf);
    free(pg);
    return err;
}

static void live_state(const rv_machine *m, rv_state *s)
{
    *s = m->io;
    s->pc = m->pc;
    memcpy(s->x, m->x, sizeof s->x);
    s->x[0] = 0;
    s->root = rv_tree_root(&m->tree);
}

static void next_epoch(rv_machine *m)
{
    if (++m->epoch == 0) { /* after 2^32 segments: restart the stamps */
        for (size_t i = 0; i < m->npages; i++) m->pt[m->pages[i]]->tepoch = m->pt[m->pages[i]]->wepoch = 0;
        if (m->nstamp) memset(m->nstamp, 0, ((size_t)1 << RV_TREE_DEPTH) * sizeof *m->nstamp);
        m->epoch = 1;
    }
    m->ntouched = m->ndirty = 0;
    m->seg_muldiv = m->seg_ecalls = m->seg_io = m->seg_nodes = 0;
}

cairn_err rv_machine_new(rv_machine **out, const rv_program *prog, const rv_config *cfg)
{
    *out = NULL;
    rv_machine *m;
    FORWARD_IF_ERROR(machine_alloc(&m, 0));
    cairn_err err = CAIRN_OK;
    if (cfg) {
        unsigned po2 = cfg->segment_po2 ? cfg->segment_po2 : RV_DEFAULT_SEGMENT_PO2;
        if (po2 < RV_MIN_SEGMENT_PO2 || po2 > RV_MAX_SEGMENT_PO2) {
            err = cairn_fail(CAIRN_ERR_USAGE, "segment_po2 %u outside [%u, %u]", po2, RV_MIN_SEGMENT_PO2,
                             RV_MAX_SEGMENT_PO2);
            goto fail;
        }
        m->po2 = po2;
        m->max_cycles = cfg->max_cycles;
        m->input = cfg->input;
        m->input_len = cfg->input ? cfg->input_len : 0;
        m->on_segment = cfg->on_segment;
        m->segment_arg = cfg->segment_arg;
        m->on_write = cfg->on_write;
        m->write_arg = cfg->write_arg;
        m->tail_min = cfg->tail_min_po2;
        m->budget_of = cfg->budget_of;
        if (cfg->budget) {
            const rv_budget *b = cfg->budget;
            m->bud = *b;
            m->has_budget = b->muldiv || b->ecalls || b->io_words || b->journal_blocks || b->pages || b->nodes || b->p2;
            m->muldiv_lim = b->muldiv ? b->muldiv : UINT64_MAX;
            if (b->nodes || b->p2) {
                /* 16 MiB of address space; only the stamps of touched
                 * paths become resident */
                m->nstamp = calloc((size_t)1 << RV_TREE_DEPTH, sizeof *m->nstamp);
                if (!m->nstamp) {
                    err = cairn_fail(CAIRN_ERR_NOMEM, "no memory for the Merkle node stamps of the budget");
                    goto fail;
                }
            }
        }
    }
    m->keep_orig = m->on_segment != NULL;
    for (size_t i = 0; i < prog->nsegs; i++) {
        const rv_load_segment *s = &prog->segs[i];
        for (uint32_t done = 0; done < s->filesz;) {
            uint32_t a = s->vaddr + done, off = a & (RV_PAGE_BYTES - 1);
            uint32_t n = RV_PAGE_BYTES - off;
            if (n > s->filesz - done) n = s->filesz - done;
            rv_page *p = m->pt[a >> RV_PAGE_LOG];
            if (!p && !(p = page_alloc(m, a >> RV_PAGE_LOG))) {
                err = cairn_fail(CAIRN_ERR_NOMEM, "no memory to load the program");
                goto fail;
            }
            memcpy(p->b + off, s->data + done, n);
            done += n;
        }
    }
    m->pc = prog->entry;
    m->x[2] = RV_DEFAULT_SP;
    {
        uint32_t *idx = malloc((m->npages ? m->npages : 1) * sizeof *idx);
        if (!idx) {
            err = cairn_fail(CAIRN_ERR_NOMEM, "no memory to hash the program");
            goto fail;
        }
        memcpy(idx, m->pages, m->npages * sizeof *idx);
        err = rehash_pages(m, idx, m->npages);
        free(idx);
        if (err) goto fail;
        if (m->npages == 0) err = rv_tree_update(&m->tree, NULL, NULL, 0);
        if (err) goto fail;
    }
    live_state(m, &m->seg_start);
    *out = m;
    return CAIRN_OK;
fail:
    rv_machine_free(m);
    return err;
}

cairn_err rv_image_id(p2_digest *out, const rv_program *prog)
{
    rv_machine *m;
    FORWARD_IF_ERROR(rv_machine_new(&m, prog, NULL));
    rv_state_digest(out, &m->seg_start);
    rv_machine_free(m);
    return CAIRN_OK;
}

/* ---- segments -------------------------------------------------------------- */

typedef struct {
    uint32_t idx;
    uint32_t pos;
} touched_ent;

static int cmp_touched(const void *a, const void *b)
{
    const touched_ent *x = a, *y = b;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The size a segment that ended halted after cycles cycles is labelled
 * with (rv_config tails): the segment's final counts, which grow with
 * every instruction, within budget_of(k) mean that every instruction of
 * it fits a segment of 2^k (budget_check), so the executor at 2^k would
 * not have cut it, and its trace fits the tables of 2^k. */
static unsigned tail_po2(const rv_machine *m, uint64_t cycles, int halted)
{
    if (!halted || !m->tail_min || !m->budget_of || !m->has_budget || !m->nstamp) return m->po2;
    bud_counts c;
    c.v[BC_MULDIV] = m->seg_muldiv;
    c.v[BC_ECALL] = m->seg_ecalls;
    c.v[BC_IO] = m->seg_io;
    c.v[BC_JOURNAL] = rv_journal_rows(m->seg_start.journal_len, m->io.journal_len - m->seg_start.journal_len);
    c.v[BC_PAGES] = m->ntouched;
    c.v[BC_NODES] = m->seg_nodes;
    for (unsigned k = m->tail_min; k < m->po2; k++) {
        if (cycles > (UINT64_C(1) << k)) continue;
        rv_budget b;
        uint64_t lim[BC_N];
        m->budget_of(&b, k);
        bud_limits(lim, &b);
        c.v[BC_P2] = 64 * c.v[BC_PAGES] + 2 * c.v[BC_NODES] + c.v[BC_JOURNAL] + b.p2_fixed;
        if (bud_over(&c, lim) < 0) return k;
    }
    return m->po2;
}

/* Closes the current segment: snapshot (if wanted), root update, callback,
 * and opens the next one. */
static cairn_err finish_segment(rv_machine *m)
{
    cairn_err err = CAIRN_OK;
    rv_snapshot s;
    memset(&s, 0, sizeof s);
    touched_ent *ents = NULL;
    if (m->on_segment) {
        size_t n = m->ntouched;
        ents = malloc((n ? n : 1) * sizeof *ents);
        s.page_index = malloc((n ? n : 1) * sizeof *s.page_index);
        s.page_data = malloc((n ? n : 1) * (size_t)RV_PAGE_BYTES);
        if (!ents || !s.page_index || !s.page_data) {
            err = cairn_fail(CAIRN_ERR_NOMEM, "no memory for a snapshot of %zu pages", n);
            goto done;
        }
        for (size_t i = 0; i < n; i++) ents[i] = (touched_ent){m->touched[i], (uint32_t)i};
        qsort(ents, n, sizeof *ents, cmp_touched);
        for (size_t i = 0; i < n; i++) {
            s.page_index[i] = ents[i].idx;
            memcpy(s.page_data + i * (size_t)RV_PAGE_BYTES, m->orig + ents[i].pos * (size_t)RV_PAGE_BYTES,
                   RV_PAGE_BYTES);
        }
        s.npages = n;
        s.nnodes = rv_multiproof_size(s.page_index, n);
        s.nodes = malloc((s.nnodes ? s.nnodes : 1) * sizeof *s.nodes);
        if (!s.nodes) {
            err = cairn_fail(CAIRN_ERR_NOMEM, "no memory for a multiproof of %zu nodes", s.nnodes);
            goto done;
        }
        err = rv_tree_multiproof(&m->tree, s.nodes, s.page_index, n);
        if (err) goto done;
    }
    err = rehash_pages(m, m->dirty, m->ndirty);
    if (err) goto done;
    rv_state end;
    live_state(m, &end);
    if (m->on_segment) {
        s.index = m->seg_index;
        s.cycles = m->cycle - m->seg_start_cycle;
        s.segment_po2 = tail_po2(m, s.cycles, end.halted);
        s.start = m->seg_start;
        s.end = end;
        s.input_len = (size_t)(end.input_pos - m->seg_start.input_pos);
        s.input = (uint8_t *)m->input + (m->seg_start.input_pos - m->input_base);
        err = m->on_segment(m->segment_arg, &s);
        s.input = NULL;
        if (err) goto done;
    }
    m->seg_index++;
    m->seg_start_cycle = m->cycle;
    m->seg_start = end;
    next_epoch(m);
done:
    free(ents);
    s.input = NULL;
    rv_snapshot_free(&s);
    return err;
}

cairn_err rv_run_segment(rv_machine *m, rv_result *res)
{
    memset(res, 0, sizeof *res);
    cairn_err err = CAIRN_OK;
    RETURN_ERROR_IF(m->partial, CAIRN_ERR_USAGE, "rv_run: machine is a re-execution machine");
    /* one pass ends exactly one segment (budget, 2^po2 cycles or halt) or
     * stops with an error */
    if (!m->io.halted) {
        uint64_t seg_end = m->seg_start_cycle + (1ull << m->po2);
        uint64_t stop = seg_end;
        if (m->max_cycles && m->max_cycles < stop) stop = m->max_cycles;
        m->err = CAIRN_OK;
        int r = m->has_budget ? run_budget(m, stop) : run_fast(m, stop);
        if (r == RV_STOP_BUDGET) {
            /* the next instruction does not fit: the segment ends before
             * it, shorter than 2^po2 (never empty: budget_check fails an
             * instruction that does not fit an empty segment) */
            assert(m->cycle > m->seg_start_cycle);
            err = finish_segment(m);
        } else if (r == RV_STOP_CYCLES) {
            if (m->cycle == seg_end)
                err = finish_segment(m);
            else
                err = cairn_fail(CAIRN_ERR_LIMIT, "cycle limit of %llu reached at pc 0x%08x",
                                 (unsigned long long)m->max_cycles, m->pc);
        } else if (r == RV_STOP_HALT) {
            err = finish_segment(m);
        } else {
            /* a fault (message already set by the loop) or an error */
            res->fault = m->fault;
            err = r == RV_STOP_FAULT ? CAIRN_ERR_FAULT : m->err;
        }
    }
    res->cycles = m->cycle;
    res->segments = m->seg_index;
    live_state(m, &res->final);
    return err;
}

cairn_err rv_run(rv_machine *m, rv_result *res)
{
    cairn_err err;
    do {
        err = rv_run_segment(m, res);
    } while (err == CAIRN_OK && !res->final.halted);
    return err;
}

cairn_err rv_machine_state(rv_machine *m, rv_state *out)
{
    live_state(m, out);
    if (m->ndirty == 0) return CAIRN_OK;
    /* Mid-segment: the tree must keep its segment-start nodes for the
     * multiproof, so compute the current root on a copy. */
    rv_tree save = m->tree, copy;
    rv_tree_init(&copy, 0);
    copy.cap = save.cap;
    copy.n = save.n;
    copy.keys = malloc(save.cap * sizeof *copy.keys);
    copy.vals = malloc(save.cap * sizeof *copy.vals);
    uint32_t *idx = malloc(m->ndirty * sizeof *idx);
    if (!copy.keys || !copy.vals || !idx) {
        free(idx);
        rv_tree_free(&copy);
        return cairn_fail(CAIRN_ERR_NOMEM, "rv_machine_state: out of memory");
    }
    memcpy(copy.keys, save.keys, save.cap * sizeof *copy.keys);
    memcpy(copy.vals, save.vals, save.cap * sizeof *copy.vals);
    memcpy(idx, m->dirty, m->ndirty * sizeof *idx);
    m->tree = copy;
    cairn_err err = rehash_pages(m, idx, m->ndirty);
    out->root = rv_tree_root(&m->tree);
    rv_tree_free(&m->tree);
    m->tree = save;
    free(idx);
    return err;
}

p2_digest rv_machine_root_scratch(const rv_machine *m)
{
    const p2_digest *E = rv_empty_digests();
    size_t n = m->npages;
    uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
    p2_digest *dig = malloc((n ? n : 1) * sizeof *dig);
    p2_digest root = E[RV_TREE_DEPTH];
    if (!idx || !dig) goto done;
    memcpy(idx, m->pages, n * sizeof *idx);
    qsort(idx, n, sizeof *idx, cmp_u32);
    for (size_t i = 0; i < n; i++) rv_page_digest(&dig[i], m->pt[idx[i]]->b);
    for (unsigned l = 0; l < RV_TREE_DEPTH && n; l++) {
        size_t k = 0;
        for (size_t i = 0; i < n;) {
            p2_digest left = E[l], right = E[l];
            uint32_t p = idx[i] >> 1;
            if (!(idx[i] & 1)) {
                left = dig[i++];
                if (i < n && idx[i] == 2 * p + 1) right = dig[i++];
            } else {
                right = dig[i++];
            }
            p2_compress(&dig[k], &left, &right);
            idx[k++] = p;
        }
        n = k;
    }
    if (n) root = dig[0];
done:
    free(idx);
    free(dig);
    return root;
}

cairn_err rv_execute(const rv_program *prog, const rv_config *cfg, rv_result *res)
{
    rv_machine *m;
    memset(res, 0, sizeof *res);
    FORWARD_IF_ERROR(rv_machine_new(&m, prog, cfg));
    cairn_err err = rv_run(m, res);
    rv_machine_free(m);
    return err;
}

/* ---- re-execution and traces ------------------------------------------------ */

static const char *state_diff(const rv_state *a, const rv_state *b)
{
    if (a->pc != b->pc) return "pc";
    for (int i = 1; i < 32; i++)
        if (a->x[i] != b->x[i]) return "registers";
    if (memcmp(&a->root, &b->root, sizeof a->root)) return "memory root";
    if (a->input_pos != b->input_pos) return "input position";
    if (a->input_eof != b->input_eof) return "input end-of-file";
    if (a->journal_len != b->journal_len || memcmp(&a->journal_chain, &b->journal_chain, sizeof a->journal_chain) ||
        memcmp(a->journal_tail, b->journal_tail, sizeof a->journal_tail))
        return "journal";
    if (a->halted != b->halted || a->exit_code != b->exit_code) return "halt state";
    if (a->sys_done != b->sys_done) return "bytes done of a system call in parts";
    return NULL;
}

static cairn_err reexec(const rv_snapshot *s, rv_state *end_out, rv_fault *fault, rv_trace *trace)
{
    if (fault) memset(fault, 0, sizeof *fault);
    RETURN_ERROR_IF(s->npages == 0, CAIRN_ERR_FORMAT, "snapshot has no pages");
    RETURN_ERROR_IF(s->start.halted, CAIRN_ERR_FORMAT, "snapshot starts in a halted state");
    RETURN_ERROR_IF(s->segment_po2 < RV_MIN_SEGMENT_PO2 || s->segment_po2 > RV_MAX_SEGMENT_PO2,
                    CAIRN_ERR_FORMAT, "snapshot segment_po2 %u out of range", s->segment_po2);
    RETURN_ERROR_IF(s->cycles == 0 || s->cycles > (1ull << s->segment_po2), CAIRN_ERR_FORMAT,
                    "snapshot cycle count %llu out of range", (unsigned long long)s->cycles);
    for (size_t i = 0; i < s->npages; i++)
        RETURN_ERROR_IF(s->page_index[i] == 0 || s->page_index[i] >= RV_NPAGES ||
                            (i && s->page_index[i] <= s->page_index[i - 1]),
                        CAIRN_ERR_FORMAT, "snapshot page %zu: index 0x%x invalid or not ascending", i,
                        s->page_index[i]);
    RETURN_ERROR_IF(rv_multiproof_size(s->page_index, s->npages) != s->nnodes, CAIRN_ERR_FORMAT,
                    "snapshot multiproof has %zu nodes, its pages need %zu", s->nnodes,
                    rv_multiproof_size(s->page_index, s->npages));

    rv_machine *m;
    FORWARD_IF_ERROR(machine_alloc(&m, 1));
    cairn_err err = CAIRN_OK;
    p2_digest *leaf = malloc(s->npages * sizeof *leaf);
    if (!leaf) {
        err = cairn_fail(CAIRN_ERR_NOMEM, "re-execution: out of memory");
        goto done;
    }
    for (size_t i = 0; i < s->npages; i++) {
        rv_page *p = page_alloc(m, s->page_index[i]);
        if (!p) {
            err = cairn_fail(CAIRN_ERR_NOMEM, "re-execution: out of memory");
            goto done;
        }
        memcpy(p->b, s->page_data + i * (size_t)RV_PAGE_BYTES, RV_PAGE_BYTES);
    }
    m->hwork = malloc(256 * RV_PAGE_WORDS * sizeof(gl_t));
    if (!m->hwork) {
        err = cairn_fail(CAIRN_ERR_NOMEM, "re-execution: out of memory");
        goto done;
    }
    for (size_t i = 0; i < s->npages; i += 256) {
        const uint8_t *pg[256];
        size_t k = s->npages - i < 256 ? s->npages - i : 256;
        for (size_t j = 0; j < k; j++) pg[j] = s->page_data + (i + j) * (size_t)RV_PAGE_BYTES;
        rv_page_digests(leaf + i, pg, k, m->hwork);
    }
    err = rv_tree_from_multiproof(&m->tree, s->page_index, leaf, s->npages, s->nodes, s->nnodes);
    if (err) goto done;
    {
        p2_digest r = rv_tree_root(&m->tree);
        if (memcmp(&r, &s->start.root, sizeof r)) {
            /* One root over all pages cannot say which page or node is
             * wrong; the message gives the set that was checked. */
            err = cairn_fail(CAIRN_ERR_CORRUPT,
                             "snapshot %llu: Merkle check failed: its %zu pages (page 0x%x at 0x%08x .. page 0x%x) "
                             "and %zu multiproof nodes do not give the start root",
                             (unsigned long long)s->index, s->npages, s->page_index[0],
                             s->page_index[0] << RV_PAGE_LOG, s->page_index[s->npages - 1], s->nnodes);
            goto done;
        }
    }
    /* a segment that starts in the middle of a call in parts starts at
     * its ECALL (the AIR's rule; a forged state could name any pc) */
    if (s->start.sys_done && peek_word(m, s->start.pc) != RV_ECALL_WORD) {
        err = cairn_fail(CAIRN_ERR_VERIFY,
                         "snapshot %llu: the start state has moved %u bytes of a system call in parts, but pc 0x%08x "
                         "holds no ECALL",
                         (unsigned long long)s->index, s->start.sys_done, s->start.pc);
        goto done;
    }
    m->pc = s->start.pc;
    memcpy(m->x, s->start.x, sizeof s->start.x);
    m->x[0] = 0;
    m->io = s->start;
    m->input = s->input;
    m->input_len = s->input_len;
    m->input_base = s->start.input_pos;
    m->io_journal0 = s->start.journal_len;
    m->end_done = s->end.sys_done;
    m->trace = trace;
    m->err = CAIRN_OK;
    int r = trace ? run_trace(m, s->cycles) : run_fast(m, s->cycles);
    if (r == RV_STOP_FAULT) {
        if (fault) *fault = m->fault;
        err = CAIRN_ERR_FAULT;
        goto done;
    }
    if (r == RV_STOP_ERROR) {
        err = m->err;
        goto done;
    }
    if (m->cycle != s->cycles) {
        err = cairn_fail(CAIRN_ERR_VERIFY, "snapshot %llu: re-execution halted after %llu cycles, snapshot has %llu",
                         (unsigned long long)s->index, (unsigned long long)m->cycle,
                         (unsigned long long)s->cycles);
        goto done;
    }
    if (m->ntouched != s->npages) {
        err = cairn_fail(CAIRN_ERR_VERIFY, "snapshot %llu: re-execution touched %zu pages, snapshot has %zu",
                         (unsigned long long)s->index, m->ntouched, s->npages);
        goto done;
    }
    err = rehash_pages(m, m->dirty, m->ndirty);
    if (err) goto done;
    rv_state end;
    live_state(m, &end);
    if (end_out) *end_out = end;
    const char *diff = state_diff(&end, &s->end);
    if (diff)
        err = cairn_fail(CAIRN_ERR_VERIFY, "snapshot %llu: re-execution ends with a different %s",
                         (unsigned long long)s->index, diff);
done:
    free(leaf);
    rv_machine_free(m);
    return err;
}

cairn_err rv_reexecute(const rv_snapshot *s, rv_state *end_out, rv_fault *fault)
{
    return reexec(s, end_out, fault, NULL);
}

const char *const rv_trace_col_names[RV_TRACE_NCOLS] = {
#define RV_TRACE_NAME_(n) #n,
    RV_TRACE_COLUMNS(RV_TRACE_NAME_)
#undef RV_TRACE_NAME_
};

const char *const rv_io_col_names[RV_IO_NCOLS] = {
#define RV_IO_NAME_(n) #n,
    RV_IO_COLUMNS(RV_IO_NAME_)
#undef RV_IO_NAME_
};

void rv_trace_free(rv_trace *t)
{
    if (!t) return;
    free(t->col[0]);    /* the block holding every column */
    free(t->io_col[0]); /* the same for the io table */
    memset(t, 0, sizeof *t);
}

cairn_err rv_trace_build(rv_trace *out, const rv_snapshot *s)
{
    out->nrows = 0;
    out->io_nrows = 0;
    RETURN_ERROR_IF(s->cycles == 0 || s->cycles > (1ull << RV_MAX_SEGMENT_PO2), CAIRN_ERR_FORMAT,
                    "snapshot cycle count %llu out of range", (unsigned long long)s->cycles);
    size_t n = (size_t)s->cycles;
    if (out->cap < n || !out->col[0]) {
        free(out->col[0]);
        memset(out->col, 0, sizeof out->col);
        out->cap = 0;
        /* One block; consecutive columns 64 bytes further apart than their
         * length, so that row i of the 17 columns falls into different
         * cache sets (power-of-two strides would make every row's stores
         * conflict in the same L1 set). */
        size_t stride = n + 16;
        uint32_t *block = malloc(stride * RV_TRACE_NCOLS * sizeof(uint32_t));
        RETURN_ERROR_IF(!block, CAIRN_ERR_NOMEM, "no memory for a trace of %zu rows", n);
        for (int c = 0; c < RV_TRACE_NCOLS; c++) out->col[c] = block + (size_t)c * stride;
        out->cap = n;
    }
    out->nrows = n; /* the loop writes every column of every row */
    cairn_err err = reexec(s, NULL, NULL, out);
    if (err) out->nrows = out->io_nrows = 0;
    return err;
}
