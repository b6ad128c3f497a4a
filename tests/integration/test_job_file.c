/* End to end: example guests run by `cairn exec -o FILE --trace` at three
 * segment sizes, and the job file checked against the machine:
 *
 *  - the program's image ID and entry equal those of a fresh load of the
 *    ELF, and the stored ELF is the file that ran;
 *  - every segment's snapshot decodes, re-executes alone (rv_reexecute:
 *    Merkle check of its pages, then the run must reach its end state),
 *    and its start/end pc, roots and state digests equal the segment's
 *    attributes in the file;
 *  - segments chain: start state of i+1 = end state of i, the first start
 *    state digest is the image ID, only the last segment halts, with the
 *    program's exit code; the segments' input bytes are the input, in
 *    order;
 *  - the journal in the file is the one on stdout and the known answer,
 *    and it gives the journal length/chain/tail of the final state;
 *  - the stored trace and io table equal a fresh rv_trace_build of the
 *    snapshot, column for column;
 *  - the run summary (/run) agrees, and `cairn inspect --json --check`
 *    parses (python3) with the right number of segments, cycles and rows.
 *
 * And the checker is shown to fail: a job file whose snapshot was altered
 * (one page word changed, the bytes still a valid snapshot, written through
 * the h5s writer so every HDF5 checksum is valid) is caught by rv_reexecute
 * (Merkle check), and a forgery that also fixes the snapshot's start root
 * and end state is caught by the chain checks. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/err.h"
#include "storage/h5s.h"
#include "testutil.h"
#include "vm/rv32im/rv.h"
#include "vm/rv32im/rv_internal.h" /* journal chain and partial Merkle tree, for the checks and the forgery */
#include "vm/seg_prog.h"

static int spit(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fwrite(b, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* ---- the checker ------------------------------------------------------------ */

/* Problems found in a job file: counted, the first few kept for messages
 * and for the negative tests to look at. */
typedef struct {
    int n;
    char msg[16][320];
} report;

static void problem(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(report *r, const char *fmt, ...)
{
    if (r->n < 16) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->msg[r->n], sizeof r->msg[0], fmt, ap);
        va_end(ap);
    }
    r->n++;
}

static int report_has(const report *r, const char *needle)
{
    for (int i = 0; i < r->n && i < 16; i++)
        if (strstr(r->msg[i], needle)) return 1;
    return 0;
}

static void report_print(const report *r, const char *what)
{
    if (!r->n) return;
    fprintf(stderr, "\n  %s: %d problems\n", what, r->n);
    for (int i = 0; i < r->n && i < 16; i++) fprintf(stderr, "    %s\n", r->msg[i]);
}

typedef struct {
    const uint8_t *elf; /* the program that ran (NULL: not checked) */
    size_t elf_len;
    const uint8_t *journal; /* what the run printed on stdout (NULL: not checked) */
    size_t journal_len;
    const uint8_t *input; /* the private input given */
    size_t input_len;
    unsigned po2;
    uint32_t exit_code;
    int traced; /* traces must be stored */
    const rv_program *prog; /* when given, a segment whose pages fail the
                               Merkle check is compared with a fresh run */
} expect;

/* Finds where snapshot `bad` differs from the same segment of a fresh run
 * of the program: one root over all pages cannot say which page is wrong,
 * the honest execution can. */
typedef struct {
    const rv_snapshot *bad;
    char where[160];
} localize_ctx;

static cairn_err localize_cb(void *arg, const rv_snapshot *s)
{
    localize_ctx *c = arg;
    if (s->index < c->bad->index) return CAIRN_OK;
    const rv_snapshot *b = c->bad;
    if (s->npages != b->npages || memcmp(s->page_index, b->page_index, s->npages * sizeof *s->page_index)) {
        snprintf(c->where, sizeof c->where, "its page set differs from a fresh run's");
    } else {
        for (size_t p = 0; p < s->npages && !c->where[0]; p++)
            for (unsigned o = 0; o < RV_PAGE_BYTES; o++)
                if (s->page_data[p * RV_PAGE_BYTES + o] != b->page_data[p * RV_PAGE_BYTES + o]) {
                    snprintf(c->where, sizeof c->where, "page 0x%x differs from a fresh run's at address 0x%08x",
                             s->page_index[p], (s->page_index[p] << RV_PAGE_LOG) + o);
                    break;
                }
        if (!c->where[0]) snprintf(c->where, sizeof c->where, "its pages equal a fresh run's (multiproof altered?)");
    }
    return CAIRN_ERR_USAGE; /* found: stop the run */
}

static void localize(report *rep, const expect *ex, const rv_snapshot *bad)
{
    localize_ctx c = {bad, ""};
    rv_config cfg = {.segment_po2 = ex->po2, .input = ex->input, .input_len = ex->input_len,
                     .on_segment = localize_cb, .segment_arg = &c};
    rv_result res;
    rv_execute(ex->prog, &cfg, &res);
    if (c.where[0]) problem(rep, "segment %" PRIu64 ": %s", bad->index, c.where);
}

static void digest_bytes_of_state(uint8_t out[32], const rv_state *s)
{
    p2_digest d;
    rv_state_digest(&d, s);
    rv_digest_bytes(out, &d);
}

static void cmp_trace(report *rep, uint64_t i, const char *what, const h5s_trace *st, size_t nrows, size_t ncols,
                      const char *const *names, uint32_t *const *cols)
{
    if (st->nrows != nrows || st->ncols != ncols) {
        problem(rep, "segment %" PRIu64 ": stored %s has %zu rows x %zu columns, a fresh build %zu x %zu", i, what,
                st->nrows, st->ncols, nrows, ncols);
        return;
    }
    for (size_t c = 0; c < ncols; c++) {
        if (strcmp(st->names[c], names[c])) problem(rep, "segment %" PRIu64 ": %s column %zu is '%s', expected '%s'",
                                                    i, what, c, st->names[c], names[c]);
        for (size_t r = 0; r < nrows; r++)
            if (st->cols[c][r] != cols[c][r]) {
                problem(rep, "segment %" PRIu64 ": %s column %s row %zu: stored %u, fresh build %u", i, what, names[c],
                        r, st->cols[c][r], cols[c][r]);
                break;
            }
    }
}

/* Checks everything the file says against the machine; returns the number
 * of segments. */
static uint64_t verify_job(const char *path, const expect *ex, report *rep)
{
    h5s_reader *r;
    if (h5s_open(&r, path) != CAIRN_OK) {
        problem(rep, "h5s_open: %s", cairn_last_error());
        return 0;
    }
    h5s_program_info pi;
    h5s_program_get(r, &pi);
    /* program: image ID of a fresh load of the ELF */
    uint8_t image_id[32];
    memcpy(image_id, pi.image_id, 32);
    if (ex->elf) {
        rv_program *prog = NULL;
        p2_digest id;
        uint8_t idb[32];
        if (rv_elf_load(&prog, ex->elf, ex->elf_len) != CAIRN_OK || rv_image_id(&id, prog) != CAIRN_OK) {
            problem(rep, "ELF: %s", cairn_last_error());
        } else {
            rv_digest_bytes(idb, &id);
            if (memcmp(idb, pi.image_id, 32)) problem(rep, "image ID in the file differs from rv_image_id of the ELF");
            if (pi.entry != prog->entry) problem(rep, "entry 0x%x in the file, ELF says 0x%x", pi.entry, prog->entry);
        }
        rv_program_free(prog);
        uint8_t *e = NULL;
        size_t n;
        if (h5s_read_elf(r, &e, &n) != CAIRN_OK) problem(rep, "h5s_read_elf: %s", cairn_last_error());
        else if (n != ex->elf_len || memcmp(e, ex->elf, n)) problem(rep, "stored ELF differs from the program file");
        if (e) free(e);
    }
    /* journal */
    uint8_t *journal = NULL;
    size_t jlen = 0;
    if (h5s_read_journal(r, &journal, &jlen) != CAIRN_OK) problem(rep, "h5s_read_journal: %s", cairn_last_error());
    if (ex->journal && (jlen != ex->journal_len || (jlen && memcmp(journal, ex->journal, jlen))))
        problem(rep, "journal in the file (%zu bytes) differs from stdout (%zu bytes)", jlen, ex->journal_len);

    uint64_t nseg = h5s_segment_count(r), total_cycles = 0, in_pos = 0;
    if (nseg == 0) problem(rep, "no segments");
    uint8_t prev_end_state[32] = {0};
    rv_state prev_end;
    memset(&prev_end, 0, sizeof prev_end);
    rv_trace tr = {0};
    for (uint64_t i = 0; i < nseg; i++) {
        h5s_segment_meta m;
        if (h5s_segment(r, i, &m) != CAIRN_OK) {
            problem(rep, "h5s_segment %" PRIu64 ": %s", i, cairn_last_error());
            continue;
        }
        const h5s_segment_info *in = &m.info;
        uint8_t *bytes;
        size_t nbytes;
        if (h5s_read_snapshot(r, i, &bytes, &nbytes) != CAIRN_OK) {
            problem(rep, "h5s_read_snapshot %" PRIu64 ": %s", i, cairn_last_error());
            continue;
        }
        rv_snapshot s;
        cairn_err e = rv_snapshot_decode(&s, bytes, nbytes);
        free(bytes);
        if (e != CAIRN_OK) {
            problem(rep, "segment %" PRIu64 ": rv_snapshot_decode: %s", i, cairn_last_error());
            continue;
        }
        int last = i + 1 == nseg;
        total_cycles += s.cycles;
        /* the snapshot is the segment the file describes */
        if (s.index != i || s.cycles != in->cycles || s.segment_po2 != ex->po2)
            problem(rep, "segment %" PRIu64 ": snapshot says index %" PRIu64 ", %" PRIu64 " cycles, po2 %u", i, s.index,
                    s.cycles, s.segment_po2);
        if (!last && (s.cycles != (1ull << ex->po2) || s.end.halted))
            problem(rep, "segment %" PRIu64 ": not the last, but %" PRIu64 " cycles, halted %u", i, s.cycles,
                    s.end.halted);
        uint8_t b[32];
        digest_bytes_of_state(b, &s.start);
        if (memcmp(b, in->start_state, 32)) problem(rep, "segment %" PRIu64 ": snapshot start state != file's start_state", i);
        rv_digest_bytes(b, &s.start.root);
        if (memcmp(b, in->start_root, 32)) problem(rep, "segment %" PRIu64 ": snapshot start root != file's start_root", i);
        if (s.start.pc != in->start_pc) problem(rep, "segment %" PRIu64 ": start pc differs", i);
        /* chaining */
        if (i == 0 && memcmp(in->start_state, image_id, 32))
            problem(rep, "segment 0: start state digest is not the image ID");
        if (i > 0 && memcmp(in->start_state, prev_end_state, 32))
            problem(rep, "segment %" PRIu64 ": start_state != end_state of segment %" PRIu64, i, i - 1);
        if (i > 0 && !rv_state_eq(&s.start, &prev_end))
            problem(rep, "segment %" PRIu64 ": snapshot start state != re-executed end of segment %" PRIu64, i, i - 1);
        /* input: the segments' bytes are the input, in order */
        if (s.start.input_pos != in_pos || s.input_len > ex->input_len - in_pos ||
            (s.input_len && memcmp(s.input, ex->input + in_pos, s.input_len)))
            problem(rep, "segment %" PRIu64 ": input bytes are not input[%" PRIu64 "...]", i, in_pos);
        in_pos += s.input_len;
        /* re-execution alone */
        rv_state end;
        rv_fault fault;
        e = rv_reexecute(&s, &end, &fault);
        if (e != CAIRN_OK) {
            problem(rep, "segment %" PRIu64 ": rv_reexecute: %s (%s)", i, cairn_last_error(), cairn_err_name(e));
            if (e == CAIRN_ERR_CORRUPT && ex->prog) localize(rep, ex, &s);
            memcpy(prev_end_state, in->end_state, 32);
            prev_end = s.end;
            rv_snapshot_free(&s);
            continue;
        }
        digest_bytes_of_state(b, &end);
        if (memcmp(b, in->end_state, 32)) problem(rep, "segment %" PRIu64 ": re-executed end state != file's end_state", i);
        rv_digest_bytes(b, &end.root);
        if (memcmp(b, in->end_root, 32)) problem(rep, "segment %" PRIu64 ": re-executed end root != file's end_root", i);
        if (end.pc != in->end_pc) problem(rep, "segment %" PRIu64 ": end pc differs", i);
        if ((int)end.halted != in->halted || (int32_t)end.exit_code != in->exit_code)
            problem(rep, "segment %" PRIu64 ": halt state differs from the file's", i);
        if (last) {
            if (!end.halted || end.exit_code != ex->exit_code)
                problem(rep, "last segment: halted %u, exit code %u; expected exit code %u", end.halted, end.exit_code,
                        ex->exit_code);
            /* the journal in the file is the one the machine committed to */
            rv_state js;
            memset(&js, 0, sizeof js);
            if (jlen) rv_journal_append(&js, journal, jlen);
            if (js.journal_len != end.journal_len || memcmp(&js.journal_chain, &end.journal_chain, sizeof js.journal_chain) ||
                memcmp(js.journal_tail, end.journal_tail, sizeof js.journal_tail))
                problem(rep, "journal in the file does not give the final state's journal chain");
            if (end.input_pos != in_pos) problem(rep, "final input position %" PRIu64 " != bytes in snapshots %" PRIu64,
                                                 end.input_pos, in_pos);
        }
        /* stored traces equal a fresh build */
        if (ex->traced && !m.has_trace) problem(rep, "segment %" PRIu64 ": no trace stored", i);
        if (m.has_trace) {
            h5s_trace *st = NULL, *io = NULL;
            if (rv_trace_build(&tr, &s) != CAIRN_OK) {
                problem(rep, "segment %" PRIu64 ": rv_trace_build: %s", i, cairn_last_error());
            } else if (h5s_read_trace(r, i, 1, &st) != CAIRN_OK) {
                problem(rep, "segment %" PRIu64 ": h5s_read_trace: %s", i, cairn_last_error());
            } else if (h5s_read_table(r, i, RV_IO_TABLE_NAME, 1, &io) != CAIRN_OK) {
                problem(rep, "segment %" PRIu64 ": h5s_read_table io: %s", i, cairn_last_error());
            } else {
                cmp_trace(rep, i, "trace", st, tr.nrows, RV_TRACE_NCOLS, rv_trace_col_names, tr.col);
                cmp_trace(rep, i, "io table", io, tr.io_nrows, RV_IO_NCOLS, rv_io_col_names, tr.io_col);
                if (tr.nrows != s.cycles) problem(rep, "segment %" PRIu64 ": trace rows != cycles", i);
            }
            h5s_trace_free(st);
            h5s_trace_free(io);
        }
        memcpy(prev_end_state, in->end_state, 32);
        prev_end = end;
        rv_snapshot_free(&s);
    }
    rv_trace_free(&tr);
    if (nseg && !prev_end.halted) problem(rep, "the last segment did not halt");
    /* run summary */
    const char *names[4] = {"segments", "cycles", "segment_po2", "exit_code"};
    uint64_t want[4] = {nseg, total_cycles, ex->po2, ex->exit_code};
    for (int k = 0; k < 4; k++) {
        uint64_t v;
        if (h5s_get_attr_u64(r, names[k], &v) != CAIRN_OK || v != want[k])
            problem(rep, "/run %s is not %" PRIu64, names[k], want[k]);
    }
    free(journal);
    h5s_close(r);
    return nseg;
}

/* ---- example guests through cairn exec ------------------------------------------ */

/* The guest cases run only as `test_integration_job_file guests` (CTest
 * integration_job_file_guests), which exits 77 when there are no guests. */
static int have_guests(void)
{
    if (!*CAIRN_GUEST_ELF_DIR) {
        fprintf(stderr, "skipped: example guests not built (no RISC-V cross compiler, see scripts/deps.sh)\n");
        return 0;
    }
    return 1;
}

/* `cairn inspect --json --check` must parse and agree: prints
 * "segments cycles rows io_rows ok" from python3's json. */
static void check_inspect_json(const char *file, uint64_t nseg, uint64_t cycles)
{
    char json[256];
    snprintf(json, sizeof json, "%s", test_path("inspect.json"));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s inspect %s --json --check > %s", CAIRN_BIN, file, json);
    CU_ASSERT_EQUAL(run(cmd), 0);
    if (!*CAIRN_PYTHON3) {
        fprintf(stderr, "\n  python3 not found: JSON of cairn inspect not parsed\n");
        return;
    }
    const char *res = test_path("inspect.txt");
    snprintf(cmd, sizeof cmd,
             "%s -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d[\"segments\"]; "
             "print(len(s), sum(x[\"cycles\"] for x in s), sum(x[\"trace\"][\"rows\"] for x in s), "
             "all(x[\"tables\"][0][\"name\"]==\"io\" for x in s), d[\"ok\"], d[\"unreadable_segments\"])' %s > %s",
             CAIRN_PYTHON3, json, res);
    CU_ASSERT_EQUAL_FATAL(run(cmd), 0);
    size_t n;
    char *out = (char *)test_read_file(res, &n);
    char want[128];
    snprintf(want, sizeof want, "%" PRIu64 " %" PRIu64 " %" PRIu64 " True True 0\n", nseg, cycles, cycles);
    if (!out || strcmp(out, want)) fprintf(stderr, "\n  inspect JSON says '%s', expected '%s'\n", out ? out : "", want);
    CU_ASSERT(out && !strcmp(out, want));
    free(out);
}

typedef struct {
    const char *elf;
    const uint8_t *input;
    size_t input_len;
    const uint8_t *answer; /* the known journal */
    size_t answer_len;
} guest_case;

static void run_guest(const guest_case *g)
{
    static const unsigned po2s[3] = {10, 12, 14};
    char elf_path[512];
    snprintf(elf_path, sizeof elf_path, "%s/%s.elf", CAIRN_GUEST_ELF_DIR, g->elf);
    size_t elf_len;
    uint8_t *elf = test_read_file(elf_path, &elf_len);
    if (!elf) fprintf(stderr, "\n  cannot read %s\n", elf_path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(elf);
    rv_program *prog = NULL;
    CU_ASSERT_EQUAL_FATAL(rv_elf_load(&prog, elf, elf_len), CAIRN_OK);
    char in[256]; /* kept: tpath's buffers are reused */
    snprintf(in, sizeof in, "%s", test_path("input.bin"));
    CU_ASSERT_FATAL(spit(in, g->input, g->input_len));
    uint64_t cycles_at[3] = {0};
    for (int k = 0; k < 3; k++) {
        char job[256], out[256], err[256];
        snprintf(job, sizeof job, "%s", test_path("run.h5"));
        snprintf(out, sizeof out, "%s", test_path("stdout.bin"));
        snprintf(err, sizeof err, "%s", test_path("stderr.txt"));
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "%s exec %s --input %s --segment-po2 %u -o %s --trace --json > %s 2> %s", CAIRN_BIN,
                 elf_path, in, po2s[k], job, out, err);
        int status = run(cmd);
        if (status != 0) fprintf(stderr, "\n  %s: exit status %d\n", cmd, status);
        CU_ASSERT_EQUAL_FATAL(status, 0);
        size_t jlen;
        uint8_t *journal = test_read_file(out, &jlen);
        CU_ASSERT_PTR_NOT_NULL_FATAL(journal);
        /* the known answer */
        CU_ASSERT(jlen == g->answer_len && !memcmp(journal, g->answer, jlen));
        expect ex = {elf, elf_len, journal, jlen, g->input, g->input_len, po2s[k], 0, 1, prog};
        report rep = {0};
        uint64_t nseg = verify_job(job, &ex, &rep);
        char what[128];
        snprintf(what, sizeof what, "%s at 2^%u", g->elf, po2s[k]);
        report_print(&rep, what);
        CU_ASSERT_EQUAL(rep.n, 0);
        /* several segments at the smallest size, so chaining is exercised */
        if (k == 0) CU_ASSERT(nseg >= 4);
        /* the same run, cut differently */
        h5s_reader *r;
        CU_ASSERT_EQUAL_FATAL(h5s_open(&r, job), CAIRN_OK);
        CU_ASSERT_EQUAL(h5s_get_attr_u64(r, "cycles", &cycles_at[k]), CAIRN_OK);
        h5s_close(r);
        if (k > 0) CU_ASSERT_EQUAL(cycles_at[k], cycles_at[0]);
        fprintf(stderr, "[%s 2^%u: %" PRIu64 " segments, %" PRIu64 " cycles] ", g->elf, po2s[k], nseg, cycles_at[k]);
        check_inspect_json(job, nseg, cycles_at[k]);
        free(journal);
        unlink(job);
    }
    rv_program_free(prog);
    free(elf);
}

static void test_fibonacci(void)
{
    CU_ASSERT_FATAL(*CAIRN_GUEST_ELF_DIR); /* main checked */
    static const char ans[] = "fib(90) = 2880067194370816120\n";
    guest_case g = {"fibonacci", (const uint8_t *)"90", 2, (const uint8_t *)ans, sizeof ans - 1};
    run_guest(&g);
}

static void test_sha256(void)
{
    CU_ASSERT_FATAL(*CAIRN_GUEST_ELF_DIR); /* main checked */
    /* FIPS 180-4 example "abc" */
    static const uint8_t ans[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    guest_case g = {"sha256", (const uint8_t *)"abc", 3, ans, 32};
    run_guest(&g);
}

static void test_keccak(void)
{
    CU_ASSERT_FATAL(*CAIRN_GUEST_ELF_DIR); /* main checked */
    /* FIPS 202 SHA3-256("abc") */
    static const uint8_t ans[32] = {0x3a, 0x98, 0x5d, 0xa7, 0x4f, 0xe2, 0x25, 0xb2, 0x04, 0x5c, 0x17,
                                    0x2d, 0x6b, 0xd3, 0x90, 0xbd, 0x85, 0x5f, 0x08, 0x6e, 0x3e, 0x9d,
                                    0x52, 0x5b, 0x46, 0xbf, 0xe2, 0x45, 0x11, 0x43, 0x15, 0x32};
    guest_case g = {"keccak", (const uint8_t *)"abc", 3, ans, 32};
    run_guest(&g);
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

static void test_sort(void)
{
    CU_ASSERT_FATAL(*CAIRN_GUEST_ELF_DIR); /* main checked */
    enum { N = 120 };
    static int32_t v[N];
    static char input[N * 13], answer[N * 13 + 16];
    rng_t rng;
    rng_seed(&rng, test_seed("integration sort input"));
    size_t il = 0, al;
    for (int i = 0; i < N; i++) {
        v[i] = i == 0 ? INT32_MIN : i == 1 ? INT32_MAX : (int32_t)rng_u64(&rng);
        il += (size_t)sprintf(input + il, "%" PRId32 "%c", v[i], i % 10 == 9 ? '\n' : ' ');
    }
    qsort(v, N, sizeof v[0], cmp_i32);
    al = (size_t)sprintf(answer, "n=%d\n", N);
    for (int i = 0; i < N; i++) al += (size_t)sprintf(answer + al, "%" PRId32 "\n", v[i]);
    guest_case g = {"sort", (const uint8_t *)input, il, (const uint8_t *)answer, al};
    run_guest(&g);
}

/* ---- the checker catches altered snapshots -------------------------------------------- */

typedef struct {
    uint8_t *enc[256];
    size_t len[256];
    h5s_segment_info info[256];
    int n;
    uint8_t journal[4096];
    size_t jlen;
} run_keep;

static cairn_err keep_segment(void *arg, const rv_snapshot *s)
{
    run_keep *k = arg;
    if (k->n >= 256) return cairn_fail(CAIRN_ERR_LIMIT, "test: too many segments");
    h5s_segment_info *in = &k->info[k->n];
    memset(in, 0, sizeof *in);
    in->index = s->index;
    in->cycles = s->cycles;
    in->start_pc = s->start.pc;
    in->end_pc = s->end.pc;
    rv_digest_bytes(in->start_root, &s->start.root);
    rv_digest_bytes(in->end_root, &s->end.root);
    digest_bytes_of_state(in->start_state, &s->start);
    digest_bytes_of_state(in->end_state, &s->end);
    in->halted = (int)s->end.halted;
    in->exit_code = (int32_t)s->end.exit_code;
    FORWARD_IF_ERROR(rv_snapshot_encode(&k->enc[k->n], &k->len[k->n], s));
    k->n++;
    return CAIRN_OK;
}

static void keep_write(void *arg, int fd, const uint8_t *buf, size_t len)
{
    run_keep *k = arg;
    if (fd != 1) return;
    for (size_t i = 0; i < len && k->jlen < sizeof k->journal; i++) k->journal[k->jlen++] = buf[i];
}

static const uint8_t TAMPER_INPUT[] = "a private input of some length, read three bytes at a time";

/* Writes a job file through the h5s writer with the given snapshot bytes
 * in place of segment `which` (no trace: the file's checksums are all
 * valid, only the content lies). */
static void write_job(const char *path, const uint8_t *image_id, const run_keep *k, int which, const uint8_t *snap,
                      size_t snap_len, const rv_result *res)
{
    h5s_program hp = {image_id, 32, CODE_BASE, NULL, 0};
    h5s_job *j;
    CU_ASSERT_EQUAL_FATAL(h5s_job_create(&j, path, &hp), CAIRN_OK);
    for (int i = 0; i < k->n; i++) {
        const uint8_t *b = i == which ? snap : k->enc[i];
        size_t n = i == which ? snap_len : k->len[i];
        CU_ASSERT_EQUAL(h5s_job_add_segment(j, &k->info[i], b, n, NULL), CAIRN_OK);
    }
    CU_ASSERT_EQUAL(h5s_job_set_journal(j, k->journal, k->jlen), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_attr_u64(j, "segments", res->segments), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_attr_u64(j, "cycles", res->cycles), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_attr_u64(j, "segment_po2", 10), CAIRN_OK);
    CU_ASSERT_EQUAL(h5s_job_set_attr_u64(j, "exit_code", res->final.exit_code), CAIRN_OK);
    CU_ASSERT_EQUAL_FATAL(h5s_job_close(j), CAIRN_OK);
}

static void test_altered_snapshot(void)
{
    rv_program *prog = seg_program(600);
    CU_ASSERT_PTR_NOT_NULL_FATAL(prog);
    static run_keep k;
    memset(&k, 0, sizeof k);
    rv_config cfg = {.segment_po2 = 10, .input = TAMPER_INPUT, .input_len = sizeof TAMPER_INPUT - 1,
                     .on_segment = keep_segment, .segment_arg = &k, .on_write = keep_write, .write_arg = &k};
    rv_result res;
    CU_ASSERT_EQUAL_FATAL(rv_execute(prog, &cfg, &res), CAIRN_OK);
    CU_ASSERT_FATAL(k.n >= 4);
    p2_digest id;
    uint8_t image_id[32];
    CU_ASSERT_EQUAL_FATAL(rv_image_id(&id, prog), CAIRN_OK);
    rv_digest_bytes(image_id, &id);
    expect ex = {NULL, 0, k.journal, k.jlen, TAMPER_INPUT, sizeof TAMPER_INPUT - 1, 10, res.final.exit_code, 0, prog};

    /* the honest file passes the checker */
    const char *path = test_path("tamper.h5");
    write_job(path, image_id, &k, -1, NULL, 0, &res);
    report rep = {0};
    verify_job(path, &ex, &rep);
    report_print(&rep, "honest file");
    CU_ASSERT_EQUAL(rep.n, 0);

    /* segment 2 with one word of its data pages changed: still a valid
     * snapshot encoding */
    const int which = 2;
    rv_snapshot s;
    CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&s, k.enc[which], k.len[which]), CAIRN_OK);
    size_t pg = 0;
    while (pg < s.npages && (s.page_index[pg] << RV_PAGE_LOG) < SEG_DATA) pg++;
    CU_ASSERT_FATAL(pg < s.npages);
    uint32_t page = s.page_index[pg];
    s.page_data[pg * RV_PAGE_BYTES + 40] ^= 0x10;
    uint8_t *bad;
    size_t bad_len;
    CU_ASSERT_EQUAL_FATAL(rv_snapshot_encode(&bad, &bad_len, &s), CAIRN_OK);
    write_job(path, image_id, &k, which, bad, bad_len, &res);
    /* the storage layer finds nothing wrong: checksums are valid */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s inspect %s --check > /dev/null", CAIRN_BIN, path);
    CU_ASSERT_EQUAL(run(cmd), 0);
    /* the machine does: rv_reexecute's Merkle check */
    h5s_reader *r;
    CU_ASSERT_EQUAL_FATAL(h5s_open(&r, path), CAIRN_OK);
    uint8_t *b;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(h5s_read_snapshot(r, which, &b, &n), CAIRN_OK);
    h5s_close(r);
    CU_ASSERT(n == bad_len && !memcmp(b, bad, n));
    rv_snapshot t;
    CU_ASSERT_EQUAL_FATAL(rv_snapshot_decode(&t, b, n), CAIRN_OK);
    free(b);
    CU_ASSERT_EQUAL(rv_reexecute(&t, NULL, NULL), CAIRN_ERR_CORRUPT);
    const char *msg = cairn_last_error();
    char want[64];
    snprintf(want, sizeof want, "page 0x%x", s.page_index[0]);
    fprintf(stderr, "\n  altered page 0x%x: %s\n", page, msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "snapshot 2: Merkle check failed"));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, want));
    rv_trace tr = {0};
    CU_ASSERT_EQUAL(rv_trace_build(&tr, &t), CAIRN_ERR_CORRUPT);
    rv_trace_free(&tr);
    rv_snapshot_free(&t);
    memset(&rep, 0, sizeof rep);
    verify_job(path, &ex, &rep);
    CU_ASSERT(rep.n >= 1);
    CU_ASSERT(report_has(&rep, "segment 2: rv_reexecute"));
    CU_ASSERT(report_has(&rep, "Merkle check failed"));
    /* and the checker names the page, from a fresh run of the program */
    char where[96];
    snprintf(where, sizeof where, "segment 2: page 0x%x differs from a fresh run's at address 0x%08x", page,
             (page << RV_PAGE_LOG) + 40);
    report_print(&rep, "altered segment 2 (expected)");
    CU_ASSERT(report_has(&rep, where));
    free(bad);

    /* a forgery that is consistent within the snapshot: start root
     * recomputed over the altered page, end state from running it. Only
     * the chain gives it away. */
    {
        rv_tree tree;
        p2_digest *leaf = malloc(s.npages * sizeof *leaf);
        rv_tree_init(&tree, 1);
        for (size_t p = 0; p < s.npages; p++) rv_page_digest(&leaf[p], s.page_data + p * RV_PAGE_BYTES);
        CU_ASSERT_EQUAL_FATAL(rv_tree_from_multiproof(&tree, s.page_index, leaf, s.npages, s.nodes, s.nnodes), CAIRN_OK);
        s.start.root = rv_tree_root(&tree);
        rv_tree_free(&tree);
        free(leaf);
        rv_state end;
        CU_ASSERT_EQUAL(rv_reexecute(&s, &end, NULL), CAIRN_ERR_VERIFY); /* old end state no longer reached */
        s.end = end;
        CU_ASSERT_EQUAL_FATAL(rv_reexecute(&s, NULL, NULL), CAIRN_OK);
        CU_ASSERT_EQUAL_FATAL(rv_snapshot_encode(&bad, &bad_len, &s), CAIRN_OK);
        write_job(path, image_id, &k, which, bad, bad_len, &res);
        memset(&rep, 0, sizeof rep);
        verify_job(path, &ex, &rep);
        report_print(&rep, "forged segment 2 (expected)");
        CU_ASSERT(report_has(&rep, "segment 2: snapshot start state != file's start_state"));
        CU_ASSERT(report_has(&rep, "segment 2: snapshot start state != re-executed end of segment 1"));
        CU_ASSERT(report_has(&rep, "segment 3: snapshot start state != re-executed end of segment 2"));
        free(bad);
    }
    rv_snapshot_free(&s);
    unlink(path);
    for (int i = 0; i < k.n; i++) free(k.enc[i]);
    rv_program_free(prog);
}

int main(int argc, char **argv)
{
    int guests = argc > 1 && !strcmp(argv[1], "guests");
    if (argc > 1 && !guests) {
        fprintf(stderr, "usage: %s [guests]\n", argv[0]);
        return 2;
    }
    if (guests && !have_guests()) return 77; /* CTest: skipped */
    const char *dir = test_tmpdir(guests ? "job_file_guests_XXXXXX" : "job_file_XXXXXX");
    if (!dir) return 2;
    static const test_case guest_cases[] = {
        {"fibonacci end to end", test_fibonacci},
        {"sha256 end to end", test_sha256},
        {"sort end to end", test_sort},
        {"keccak end to end", test_keccak},
        {NULL, NULL},
    };
    static const test_case cases[] = {
        {"altered snapshots are caught", test_altered_snapshot},
        {NULL, NULL},
    };
    int rc = test_run_suite(guests ? "integration_job_file_guests" : "integration_job_file", guests ? guest_cases : cases);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (rc == 0 && system(cmd) != 0) rc = 1;
    return rc;
}
