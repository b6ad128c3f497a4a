/* What running and proving a job needs around the machine and the
 * prover: the description, conversions to the stored forms, the machine
 * with the proof's budgets, the guest's output, one proof checked
 * against its snapshot, and cairn exec's in-order job file (jobs.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/err.h"
#include "common/util.h"
#include "jobs/jobs.h"
#include "jobs/jobs_int.h"
#include "stark/p2.h"

_Static_assert(RV_STATE_NELEMS == H5S_STATE_ELEMS, "the job file's final state is the machine's");
_Static_assert(JOBS_REC_MAX_BYTES == H5S_MAX_BYTES, "records hold what the job file holds");
_Static_assert(JOBS_REC_MAX_PROOF_BYTES == H5S_MAX_PROOF_BYTES, "records hold what the job file holds");
_Static_assert(JOBS_REC_MAX_SEGMENTS == H5S_MAX_SEGMENTS, "records hold what the job file holds");
_Static_assert(JOBS_REC_PRESET_BYTES == H5S_MAX_NAME + 1, "a record's preset is a job file's");

/* Domain tag of jobs_input_digest: "JOBINPUT" read as a little-endian
 * integer, reduced (it is below p). */
#define INPUT_DIGEST_TAG UINT64_C(0x5455504e49424f4a)

void jobs_input_digest(uint8_t out[32], const uint8_t *input, size_t len)
{
    /* capacity: tag and length, so that neither the bytes nor their
     * number can be confused with another input's (7 bytes per element
     * stay below p) */
    gl_t st[P2_WIDTH] = {0};
    st[P2_RATE] = INPUT_DIGEST_TAG % GL_P;
    st[P2_RATE + 1] = (uint64_t)len & 0xffffffffu;
    st[P2_RATE + 2] = (uint64_t)len >> 32;
    size_t pos = 0, k = 0;
    do {
        uint64_t e = 0;
        size_t n = len - pos < 7 ? len - pos : 7;
        for (size_t i = 0; i < n; i++) e |= (uint64_t)input[pos + i] << (8 * i);
        /* the last element carries a 1 after its bytes (10* padding) */
        if (pos + n == len) e |= (uint64_t)1 << (8 * n);
        pos += n;
        st[k] = gl_add(st[k], e);
        if (++k == P2_RATE || pos == len) {
            p2_permute(st);
            k = 0;
        }
    } while (pos < len);
    p2_digest d;
    memcpy(d.v, st, sizeof d.v);
    rv_digest_bytes(out, &d);
}

cairn_err jobs_desc_make(jobs_desc *d, const uint8_t *elf, size_t elf_len, const rv_program *prog,
                         const uint8_t *input, size_t input_len, const char *preset, const stark_params *p,
                         unsigned po2)
{
    RETURN_ERROR_IF(!d || !prog || !preset || !p, CAIRN_ERR_USAGE, "jobs_desc_make: NULL argument");
    RETURN_ERROR_IF(!jobs_rec_name_ok(preset), CAIRN_ERR_USAGE,
                    "preset name '%.64s' is not 1..%u characters of [A-Za-z0-9_.-]", preset, H5S_MAX_NAME);
    memset(d, 0, sizeof *d);
    d->elf = elf;
    d->elf_len = elf_len;
    p2_digest id;
    FORWARD_IF_ERROR(rv_image_id(&id, prog));
    rv_digest_bytes(d->image_id, &id);
    d->entry = prog->entry;
    jobs_input_digest(d->input_digest, input, input_len);
    jobs_params_to_h5s(&d->params, preset, p, po2);
    return CAIRN_OK;
}

/* ---- conversions ---- */

void jobs_params_to_h5s(h5s_params *out, const char *preset, const stark_params *p, unsigned po2)
{
    memset(out, 0, sizeof *out);
    snprintf(out->preset, sizeof out->preset, "%s", preset);
    out->log_blowup = p->log_blowup;
    out->queries = p->queries;
    out->pow_bits = p->pow_bits;
    out->log_arity = p->log_arity;
    out->log_final_len = p->log_final_len;
    out->segment_po2 = po2;
}

cairn_err jobs_params_from_h5s(stark_params *out, const h5s_params *in)
{
    memset(out, 0, sizeof *out);
    out->log_blowup = in->log_blowup;
    out->queries = in->queries;
    out->pow_bits = in->pow_bits;
    out->log_arity = in->log_arity;
    out->log_final_len = in->log_final_len;
    out->check_trace = 0;
    return stark_params_validate(out);
}

void jobs_claim_to_h5s(h5s_claim *out, const rv_seg_claim *c)
{
    out->po2 = c->po2;
    rv_digest_bytes(out->start, &c->start);
    rv_digest_bytes(out->end, &c->end);
    out->cycles = c->cycles;
}

cairn_err jobs_digest_from_bytes(p2_digest *out, const uint8_t b[32])
{
    for (int i = 0; i < P2_DIGEST; i++) {
        uint64_t v = 0;
        for (int j = 0; j < 8; j++) v |= (uint64_t)b[8 * i + j] << (8 * j);
        RETURN_ERROR_IF(v >= GL_P, CAIRN_ERR_VERIFY, "digest element %d is not a field element (0x%016llx)", i,
                        (unsigned long long)v);
        out->v[i] = v;
    }
    return CAIRN_OK;
}

cairn_err jobs_claim_from_h5s(rv_seg_claim *out, const h5s_claim *in)
{
    out->po2 = in->po2;
    out->cycles = in->cycles;
    cairn_err e = jobs_digest_from_bytes(&out->start, in->start);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "start");
    e = jobs_digest_from_bytes(&out->end, in->end);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "end");
    return CAIRN_OK;
}

void jobs_snapshot_claim(rv_seg_claim *out, const rv_snapshot *s)
{
    memset(out, 0, sizeof *out);
    out->po2 = s->segment_po2;
    rv_state_digest(&out->start, &s->start);
    rv_state_digest(&out->end, &s->end);
    out->cycles = s->cycles;
}

void jobs_segment_info(h5s_segment_info *out, const rv_snapshot *s)
{
    memset(out, 0, sizeof *out);
    out->index = s->index;
    out->cycles = s->cycles;
    out->start_pc = s->start.pc;
    out->end_pc = s->end.pc;
    rv_digest_bytes(out->start_root, &s->start.root);
    rv_digest_bytes(out->end_root, &s->end.root);
    p2_digest d;
    rv_state_digest(&d, &s->start);
    rv_digest_bytes(out->start_state, &d);
    rv_state_digest(&d, &s->end);
    rv_digest_bytes(out->end_state, &d);
    out->halted = (int)s->end.halted;
    out->exit_code = (int32_t)s->end.exit_code;
}

/* ---- running ---- */

cairn_err jobs_machine_new(rv_machine **out, const rv_program *prog, unsigned po2, int tails, const uint8_t *input,
                           size_t input_len, rv_segment_fn on_segment, void *segment_arg, rv_write_fn on_write,
                           void *write_arg)
{
    /* the machine copies the budget */
    rv_budget budget;
    rv_air_budget(&budget, po2);
    rv_config cfg = {
        .segment_po2 = po2,
        .budget = &budget,
        .input = input,
        .input_len = input_len,
        .on_segment = on_segment,
        .segment_arg = segment_arg,
        .on_write = on_write,
        .write_arg = write_arg,
        .tail_min_po2 = tails ? RV_TAIL_MIN_PO2 : 0,
        .budget_of = rv_air_budget,
    };
    return rv_machine_new(out, prog, &cfg);
}

/* Runs the first segment of 2^po2: *halted and *cycles of it; a fault
 * or a limit of the run is *halted = 0 (the caller keeps its size). */
static cairn_err first_segment(int *halted, uint64_t *cycles, const rv_program *prog, unsigned po2,
                               const uint8_t *input, size_t input_len)
{
    rv_machine *m = NULL;
    rv_result res;
    *halted = 0;
    *cycles = 0;
    cairn_err e = jobs_machine_new(&m, prog, po2, 0, input, input_len, NULL, NULL, NULL, NULL);
    if (e == CAIRN_OK) e = rv_run_segment(m, &res);
    rv_machine_free(m);
    if (e == CAIRN_ERR_FAULT || e == CAIRN_ERR_LIMIT) {
        cairn_clear_error();
        return CAIRN_OK;
    }
    if (e != CAIRN_OK) return e;
    *halted = res.final.halted && res.segments == 1;
    *cycles = res.cycles;
    return CAIRN_OK;
}

cairn_err jobs_fit_po2(unsigned *out, const rv_program *prog, const uint8_t *input, size_t input_len, unsigned lo,
                       unsigned po2)
{
    *out = po2;
    if (lo >= po2) return CAIRN_OK;
    int halted;
    uint64_t cycles;
    FORWARD_IF_ERROR(first_segment(&halted, &cycles, prog, po2, input, input_len));
    if (!halted) return CAIRN_OK;
    /* below 2^k cycles no size can hold it; from there the first that
     * does (a smaller segment may also end early on a table's capacity) */
    unsigned k = lo;
    while (k < po2 && (UINT64_C(1) << k) < cycles) k++;
    for (; k < po2; k++) {
        FORWARD_IF_ERROR(first_segment(&halted, &cycles, prog, k, input, input_len));
        if (halted) {
            *out = k;
            return CAIRN_OK;
        }
    }
    return CAIRN_OK;
}

void jobs_output_write(void *arg, int fd, const uint8_t *buf, size_t len)
{
    jobs_output *o = arg;
    FILE *f = fd == 1 ? o->journal : o->log;
    if (f && fwrite(buf, 1, len, f) != len) o->io_error = 1;
    if (fd != 1 || !o->keep || len == 0) return;
    if (o->len + len > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + len) {
            if (cap > SIZE_MAX / 2) {
                o->io_error = 1;
                return;
            }
            cap *= 2;
        }
        uint8_t *n = cairn_realloc(o->bytes, cap);
        if (!n) {
            o->io_error = 1;
            return;
        }
        o->bytes = n;
        o->cap = cap;
    }
    memcpy(o->bytes + o->len, buf, len);
    o->len += len;
}

void jobs_output_free(jobs_output *o)
{
    if (!o) return;
    free(o->bytes);
    o->bytes = NULL;
    o->len = o->cap = 0;
}

cairn_err jobs_prove(jobs_proof *out, const rv_snapshot *s, const stark_params *p)
{
    memset(out, 0, sizeof *out);
    double t0 = now_sec();
    cairn_err err = rv_prove_segment(&out->proof, &out->len, &out->claim, s, p);
    out->seconds = now_sec() - t0;
    if (err != CAIRN_OK) return cairn_prefix_error(err, "segment %" PRIu64, s->index);
    /* the claim is about this snapshot (cheap; a mismatch is cairn's bug) */
    rv_seg_claim want;
    jobs_snapshot_claim(&want, s);
    if (memcmp(&want.start, &out->claim.start, sizeof want.start) ||
        memcmp(&want.end, &out->claim.end, sizeof want.end) || want.cycles != out->claim.cycles ||
        want.po2 != out->claim.po2) {
        jobs_proof_free(out);
        return cairn_fail(CAIRN_ERR_INTERNAL, "segment %" PRIu64 ": the proof's claim is not the snapshot's", s->index);
    }
    return CAIRN_OK;
}

void jobs_proof_free(jobs_proof *p)
{
    if (!p) return;
    free(p->proof);
    p->proof = NULL;
    p->len = 0;
}

/* ---- cairn exec -o ---- */

struct jobs_execfile {
    h5s_job *w;
};

cairn_err jobs_execfile_create(jobs_execfile **out, const char *path, const uint8_t image_id[32], uint32_t entry,
                               const uint8_t *elf, size_t elf_len)
{
    RETURN_ERROR_IF(!out || !path || !image_id, CAIRN_ERR_USAGE, "jobs_execfile_create: NULL argument");
    *out = NULL;
    jobs_execfile *f = calloc(1, sizeof *f);
    RETURN_ERROR_IF(!f, CAIRN_ERR_NOMEM, "out of memory");
    h5s_program hp = {.image_id = image_id, .image_id_len = 32, .entry = entry, .elf = elf, .elf_len = elf_len};
    cairn_err err = h5s_job_create(&f->w, path, &hp);
    if (err != CAIRN_OK) {
        free(f);
        return err;
    }
    *out = f;
    return CAIRN_OK;
}

cairn_err jobs_execfile_segment(jobs_execfile *f, const rv_snapshot *s, const rv_trace *t)
{
    h5s_segment_info info;
    jobs_segment_info(&info, s);
    uint8_t *bytes;
    size_t nbytes;
    FORWARD_IF_ERROR(rv_snapshot_encode(&bytes, &nbytes, s));
    h5s_columns cols = {0};
    /* the io table (syscall memory traffic, rv.h) goes with the main
     * table as the segment's side table "io" */
    h5s_table io = {RV_IO_TABLE_NAME, {0}};
    if (t) {
        cols.nrows = t->nrows;
        cols.ncols = RV_TRACE_NCOLS;
        cols.names = rv_trace_col_names;
        cols.cols = (const uint32_t *const *)t->col;
        io.cols.nrows = t->io_nrows;
        io.cols.ncols = RV_IO_NCOLS;
        io.cols.names = rv_io_col_names;
        io.cols.cols = (const uint32_t *const *)t->io_col;
    }
    cairn_err err = h5s_job_add_segment_tables(f->w, &info, bytes, nbytes, t ? &cols : NULL, t ? &io : NULL, t ? 1 : 0);
    free(bytes);
    return err;
}

/* The run summary under /run, the same names for exec and prove files. */
static cairn_err run_summary(h5s_job *w, const rv_state *final, uint64_t cycles, uint64_t nseg, unsigned po2,
                             const uint64_t *proof_bytes)
{
    FORWARD_IF_ERROR(h5s_job_set_attr_u64(w, "cycles", cycles));
    FORWARD_IF_ERROR(h5s_job_set_attr_u64(w, "segments", nseg));
    FORWARD_IF_ERROR(h5s_job_set_attr_u64(w, "segment_po2", po2));
    FORWARD_IF_ERROR(h5s_job_set_attr_u64(w, "exit_code", final->exit_code));
    FORWARD_IF_ERROR(h5s_job_set_attr_u64(w, "journal_len", final->journal_len));
    FORWARD_IF_ERROR(h5s_job_set_attr_u64(w, "input_len", final->input_pos));
    if (proof_bytes) FORWARD_IF_ERROR(h5s_job_set_attr_u64(w, "proof_bytes", *proof_bytes));
    return CAIRN_OK;
}

cairn_err jobs_execfile_finish(jobs_execfile *f, const rv_result *res, unsigned po2, const uint8_t *journal,
                               size_t journal_len)
{
    RETURN_ERROR_IF(!f, CAIRN_ERR_USAGE, "jobs_execfile_finish: NULL file");
    h5s_job *w = f->w;
    free(f);
    cairn_err err = h5s_job_set_journal(w, journal, journal_len);
    if (err == CAIRN_OK) err = run_summary(w, &res->final, res->cycles, res->segments, po2, NULL);
    if (err != CAIRN_OK) {
        h5s_job_abort(w);
        return err;
    }
    return h5s_job_close(w);
}

void jobs_execfile_abort(jobs_execfile *f)
{
    if (!f) return;
    h5s_job_abort(f->w);
    free(f);
}

cairn_err jobs_run_summary(h5s_job *w, const rv_state *final, uint64_t cycles, uint64_t nseg, unsigned po2,
                           uint64_t proof_bytes)
{
    return run_summary(w, final, cycles, nseg, po2, &proof_bytes);
}
