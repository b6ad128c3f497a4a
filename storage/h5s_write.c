/* Job file writer: builds PATH.tmp and publishes it by rename (h5s.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/h5s_int.h"
#include "storage/h5zstd.h"

struct h5s_job {
    hid_t file, segments, run;
    hid_t group;      /* /segments/BBB the next segment goes to, or -1 */
    uint64_t group_k; /* its number */
    size_t nrun;      /* values under /run */
    char *path, *tmp;
    cairn_err failed; /* first error of any call; close then discards the file */
    int level;
    size_t chunk_bytes;
    uint64_t nsegments;
    int journal_set;
    int params_set, final_set, input_digest_set, proof_set;
};

static void job_free(h5s_job *j)
{
    h5s_close_id(j->group);
    h5s_close_id(j->segments);
    h5s_close_id(j->run);
    h5s_close_id(j->file);
    free(j->path);
    free(j->tmp);
    free(j);
}

void h5s_job_abort(h5s_job *j)
{
    if (!j) return;
    h5s_close_id(j->group);
    h5s_close_id(j->segments);
    h5s_close_id(j->run);
    h5s_close_id(j->file);
    j->group = j->segments = j->run = j->file = -1;
    H5Eclear2(H5E_DEFAULT);
    if (j->tmp) unlink(j->tmp);
    job_free(j);
}

/* Records the first failure so that close never publishes a file that a
 * failed call left incomplete. */
static cairn_err job_failed(h5s_job *j, cairn_err err)
{
    if (err != CAIRN_OK && j->failed == CAIRN_OK) j->failed = err;
    return err;
}

static cairn_err put_string_attr(hid_t loc, const char *name, const char *value)
{
    cairn_err err = CAIRN_OK;
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate(H5S_SCALAR), a = -1;
    if (t < 0 || s < 0 || H5Tset_size(t, strlen(value) + 1) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
        H5Tset_cset(t, H5T_CSET_ASCII) < 0 ||
        (a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT)) < 0 || H5Awrite(a, t, value) < 0)
        err = h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot write attribute %s", name);
    h5s_close_id(a);
    h5s_close_id(s);
    h5s_close_id(t);
    return err;
}

/* Links and attributes stay messages of the object header, never dense
 * storage (h5s.h, "Compact storage only"): the most HDF5 allows (the
 * phase change values are 16-bit fields), more than any cairn object
 * holds. The same on a group or file creation property list. */
#define COMPACT_MAX 65535u
static int set_compact(hid_t cpl)
{
    return H5Pset_link_phase_change(cpl, COMPACT_MAX, 0) < 0 || H5Pset_attr_phase_change(cpl, COMPACT_MAX, 0) < 0
               ? -1 : 0;
}

/* A group with compact storage; est_links > 0: its header is made big
 * enough for that many links with names of est_name bytes at once (a
 * header grown one link at a time gets a continuation chunk per link). */
static hid_t make_group(hid_t loc, const char *name, int track_order, unsigned est_links, unsigned est_name)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl < 0) return -1;
    if (H5Pset_obj_track_times(gcpl, 0) < 0 || set_compact(gcpl) < 0 ||
        (est_links && H5Pset_est_link_info(gcpl, est_links, est_name) < 0) || (track_order &&
        H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0)) {
        H5Pclose(gcpl);
        return -1;
    }
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    return g;
}

static cairn_err write_header(h5s_job *j, const h5s_program *prog)
{
    hid_t root = j->file;
    FORWARD_IF_ERROR(put_string_attr(root, "cairn_format", H5S_FORMAT_NAME));
    uint32_t version = H5S_FORMAT_VERSION;
    FORWARD_IF_ERROR(h5s_put_attr(root, "/", "cairn_version", H5S_U32, 0, &version));

    hid_t g = make_group(root, "program", 0, 0, 0);
    if (g < 0) return h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot create /program in %s", j->tmp);
    cairn_err err = h5s_put_attr(g, "/program", "image_id", H5S_U8, 32, prog->image_id);
    if (err == CAIRN_OK) err = h5s_put_attr(g, "/program", "entry", H5S_U32, 0, &prog->entry);
    if (err == CAIRN_OK && prog->elf_len > 0)
        err = h5s_put_array(g, "elf", H5S_U8, prog->elf, prog->elf_len, j->level, j->chunk_bytes);
    h5s_close_id(g);
    FORWARD_IF_ERROR(err);

    /* room for 16 groups of segments (16000 segments) in one chunk */
    if ((j->segments = make_group(root, "segments", 0, 16, 3)) < 0 || (j->run = make_group(root, "run", 0, 0, 0)) < 0)
        return h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot create /segments or /run in %s", j->tmp);
    hid_t params = make_group(root, "params", 0, 0, 0);
    if (params < 0) return h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot create /params in %s", j->tmp);
    h5s_close_id(params);
    return CAIRN_OK;
}

cairn_err h5s_job_create(h5s_job **out, const char *path, const h5s_program *prog)
{
    RETURN_ERROR_IF(!out, CAIRN_ERR_USAGE, "h5s_job_create: out is NULL");
    *out = NULL;
    RETURN_ERROR_IF(!path || !*path || !prog, CAIRN_ERR_USAGE, "h5s_job_create: path or program missing");
    RETURN_ERROR_IF(!prog->image_id || prog->image_id_len != 32, CAIRN_ERR_USAGE,
                    "h5s_job_create: image ID must be 32 bytes, got %zu", prog->image_id_len);
    RETURN_ERROR_IF(prog->elf_len > 0 && !prog->elf, CAIRN_ERR_USAGE, "h5s_job_create: ELF bytes missing");
    RETURN_ERROR_IF(prog->elf_len > H5S_MAX_BYTES, CAIRN_ERR_USAGE,
                    "h5s_job_create: ELF of %zu bytes exceeds the format's limit", prog->elf_len);
    FORWARD_IF_ERROR(h5s_init());

    h5s_job *j = calloc(1, sizeof *j);
    RETURN_ERROR_IF(!j, CAIRN_ERR_NOMEM, "h5s_job_create: out of memory");
    j->file = j->segments = j->run = j->group = -1;
    j->level = H5S_ZSTD_DEFAULT_LEVEL;
    j->chunk_bytes = H5S_CHUNK_BYTES_DEFAULT;
    size_t n = strlen(path);
    j->path = strdup(path);
    j->tmp = malloc(n + 5);
    if (!j->path || !j->tmp) {
        job_free(j);
        return cairn_fail(CAIRN_ERR_NOMEM, "h5s_job_create: out of memory");
    }
    memcpy(j->tmp, path, n);
    memcpy(j->tmp + n, ".tmp", 5);

    hid_t fapl = h5s_fapl();
    /* HDF5 1.8 object formats: superblock and object headers (where every
     * attribute lives) carry checksums, so damaged metadata is refused by
     * HDF5 instead of being decoded; any HDF5 since 1.8 reads the file. */
    if (fapl != H5P_DEFAULT) H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
    /* no timestamps on the root group either (deterministic files) */
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl >= 0 && (H5Pset_obj_track_times(fcpl, 0) < 0 || set_compact(fcpl) < 0)) {
        H5Pclose(fcpl);
        fcpl = -1;
    }
    j->file = H5Fcreate(j->tmp, H5F_ACC_TRUNC, fcpl < 0 ? H5P_DEFAULT : fcpl, fapl);
    /* read HDF5's reason before any other HDF5 call clears it */
    cairn_err err = j->file < 0 ? h5s_fail_h5(CAIRN_ERR_IO, "cannot create %s", j->tmp) : CAIRN_OK;
    h5s_close_id(fcpl);
    h5s_close_id(fapl);
    if (err != CAIRN_OK) {
        job_free(j);
        return err;
    }
    err = write_header(j, prog);
    if (err != CAIRN_OK) {
        h5s_job_abort(j);
        return err;
    }
    *out = j;
    return CAIRN_OK;
}

cairn_err h5s_job_set_compression(h5s_job *j, int level, size_t chunk_bytes)
{
    RETURN_ERROR_IF(!j, CAIRN_ERR_USAGE, "h5s_job_set_compression: job is NULL");
    RETURN_ERROR_IF(level < -131072 || level > 22, CAIRN_ERR_USAGE,
                    "h5s_job_set_compression: zstd level %d out of range", level);
    RETURN_ERROR_IF(chunk_bytes < 1024 || chunk_bytes > H5S_CHUNK_BYTES_MAX, CAIRN_ERR_USAGE,
                    "h5s_job_set_compression: chunk size %zu not in 1 KiB..%zu", chunk_bytes,
                    H5S_CHUNK_BYTES_MAX);
    j->level = level;
    j->chunk_bytes = chunk_bytes;
    return CAIRN_OK;
}

static cairn_err check_trace(const h5s_columns *t)
{
    RETURN_ERROR_IF(t->ncols > H5S_MAX_TRACE_COLS, CAIRN_ERR_USAGE, "trace: %zu columns, limit %u", t->ncols,
                    H5S_MAX_TRACE_COLS);
    RETURN_ERROR_IF(t->nrows > H5S_MAX_TRACE_ROWS, CAIRN_ERR_USAGE, "trace: %zu rows, limit %" PRIu64,
                    t->nrows, H5S_MAX_TRACE_ROWS);
    RETURN_ERROR_IF((uint64_t)t->nrows * t->ncols > H5S_MAX_TRACE_CELLS, CAIRN_ERR_USAGE,
                    "trace: %zu rows x %zu columns exceeds %" PRIu64 " cells", t->nrows, t->ncols, H5S_MAX_TRACE_CELLS);
    RETURN_ERROR_IF(t->ncols > 0 && (!t->names || !t->cols), CAIRN_ERR_USAGE, "trace: names or columns missing");
    for (size_t c = 0; c < t->ncols; c++) {
        RETURN_ERROR_IF(!t->names[c] || !h5s_name_ok(t->names[c]), CAIRN_ERR_USAGE,
                        "trace: column %zu name '%s' is not 1..%u characters of [A-Za-z0-9_.-]", c,
                        t->names[c] ? t->names[c] : "(null)", H5S_MAX_NAME);
        RETURN_ERROR_IF(t->nrows > 0 && !t->cols[c], CAIRN_ERR_USAGE, "trace: column %s has no data",
                        t->names[c]);
        for (size_t k = 0; k < c; k++)
            RETURN_ERROR_IF(!strcmp(t->names[k], t->names[c]), CAIRN_ERR_USAGE,
                            "trace: column name %s appears twice", t->names[c]);
    }
    return CAIRN_OK;
}

/* A trace-shaped group `name` under loc (the trace or a side table); what
 * is its path, for messages. */
static cairn_err write_trace(h5s_job *j, hid_t loc, const char *name, const char *what, const h5s_columns *t)
{
    size_t name_bytes = 0;
    for (size_t c = 0; c < t->ncols; c++) name_bytes += strlen(t->names[c]);
    /* + 4: room for its two attributes too */
    hid_t g = make_group(loc, name, 1, (unsigned)t->ncols + 4, t->ncols ? (unsigned)(name_bytes / t->ncols + 1) : 8);
    if (g < 0) return h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot create %s", what);
    uint64_t rows = t->nrows;
    uint32_t cols = (uint32_t)t->ncols;
    cairn_err err = h5s_put_attr(g, what, "rows", H5S_U64, 0, &rows);
    if (err == CAIRN_OK) err = h5s_put_attr(g, what, "columns", H5S_U32, 0, &cols);
    for (size_t c = 0; c < t->ncols && err == CAIRN_OK; c++)
        err = h5s_put_array(g, t->names[c], H5S_U32, t->cols[c], t->nrows, j->level, j->chunk_bytes);
    h5s_close_id(g);
    return err;
}

static cairn_err write_tables(h5s_job *j, hid_t seg, const char *segwhat, const h5s_table *tables, size_t n)
{
    hid_t g = make_group(seg, "tables", 0, (unsigned)n, 8);
    if (g < 0) return h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot create %s/tables", segwhat);
    cairn_err err = CAIRN_OK;
    for (size_t i = 0; i < n && err == CAIRN_OK; i++) {
        char what[160];
        snprintf(what, sizeof what, "%s/tables/%s", segwhat, tables[i].name);
        err = write_trace(j, g, tables[i].name, what, &tables[i].cols);
    }
    h5s_close_id(g);
    return err;
}

static cairn_err write_claim(hid_t seg, const char *segwhat, const h5s_claim *c)
{
    char what[80];
    snprintf(what, sizeof what, "%s/claim", segwhat);
    hid_t g = make_group(seg, "claim", 0, 0, 0);
    if (g < 0) return h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot create %s", what);
    cairn_err err = h5s_put_attr(g, what, "po2", H5S_U32, 0, &c->po2);
    if (err == CAIRN_OK) err = h5s_put_attr(g, what, "start", H5S_U8, 32, c->start);
    if (err == CAIRN_OK) err = h5s_put_attr(g, what, "end", H5S_U8, 32, c->end);
    if (err == CAIRN_OK) err = h5s_put_attr(g, what, "cycles", H5S_U64, 0, &c->cycles);
    h5s_close_id(g);
    return err;
}

static cairn_err write_segment(h5s_job *j, hid_t g, const char *what, const h5s_segment_data *d,
                               const h5s_task *task)
{
    const h5s_segment_info *info = d->info;
    uint8_t halted = info->halted ? 1 : 0, complete = 1;
    FORWARD_IF_ERROR(h5s_put_attr(g, what, "index", H5S_U64, 0, &info->index));
    FORWARD_IF_ERROR(h5s_put_attr(g, what, "cycles", H5S_U64, 0, &info->cycles));
    FORWARD_IF_ERROR(h5s_put_attr(g, what, "start_pc", H5S_U32, 0, &info->start_pc));
    FORWARD_IF_ERROR(h5s_put_attr(g, what, "end_pc", H5S_U32, 0, &info->end_pc));
    FORWARD_IF_ERROR(h5s_put_attr(g, what, "start_root", H5S_U8, 32, info->start_root));
    FORWARD_IF_ERROR(h5s_put_attr(g, what, "end_root", H5S_U8, 32, info->end_root));
    FORWARD_IF_ERROR(h5s_put_attr(g, what, "start_state", H5S_U8, 32, info->start_state));
    FORWARD_IF_ERROR(h5s_put_attr(g, what, "end_state", H5S_U8, 32, info->end_state));
    FORWARD_IF_ERROR(h5s_put_attr(g, what, "halted", H5S_U8, 0, &halted));
    FORWARD_IF_ERROR(h5s_put_attr(g, what, "exit_code", H5S_I32, 0, &info->exit_code));
    FORWARD_IF_ERROR(h5s_put_array(g, "snapshot", H5S_U8, d->snapshot, d->snapshot_len, j->level, j->chunk_bytes));
    if (d->trace) {
        char twhat[80];
        snprintf(twhat, sizeof twhat, "%s/trace", what);
        FORWARD_IF_ERROR(write_trace(j, g, "trace", twhat, d->trace));
    }
    if (d->ntables) FORWARD_IF_ERROR(write_tables(j, g, what, d->tables, d->ntables));
    if (d->proof) {
        FORWARD_IF_ERROR(h5s_put_array(g, "proof", H5S_U8, d->proof, d->proof_len, j->level, j->chunk_bytes));
        FORWARD_IF_ERROR(write_claim(g, what, d->claim));
    }
    if (task) {
        FORWARD_IF_ERROR(h5s_put_attr(g, what, "task_rank", H5S_U32, 0, &task->rank));
        FORWARD_IF_ERROR(h5s_put_attr(g, what, "task_ns", H5S_U64, 0, &task->ns));
        if (task->start_ns) FORWARD_IF_ERROR(h5s_put_attr(g, what, "task_start_ns", H5S_U64, 0, &task->start_ns));
        if (task->exec_ns) FORWARD_IF_ERROR(h5s_put_attr(g, what, "exec_ns", H5S_U64, 0, &task->exec_ns));
    }
    /* Last, so that a segment interrupted part-way never claims to be done
     * (resumable jobs, h5s.h). */
    return h5s_put_attr(g, what, "complete", H5S_U8, 0, &complete);
}

cairn_err h5s_job_add_segment(h5s_job *j, const h5s_segment_info *info, const uint8_t *snapshot,
                              size_t snapshot_len, const h5s_columns *trace)
{
    return h5s_job_add_segment_tables(j, info, snapshot, snapshot_len, trace, NULL, 0);
}

cairn_err h5s_job_add_segment_tables(h5s_job *j, const h5s_segment_info *info, const uint8_t *snapshot,
                                     size_t snapshot_len, const h5s_columns *trace, const h5s_table *tables,
                                     size_t ntables)
{
    h5s_segment_data d = {info, snapshot, snapshot_len, trace, tables, ntables, NULL, 0, NULL};
    return h5s_job_add_segment_data(j, &d);
}

cairn_err h5s_job_add_segment_data(h5s_job *j, const h5s_segment_data *d)
{
    return h5s_job_add_segment_task(j, d, NULL);
}

cairn_err h5s_job_add_segment_task(h5s_job *j, const h5s_segment_data *d, const h5s_task *task)
{
    RETURN_ERROR_IF(!j || !d || !d->info, CAIRN_ERR_USAGE, "h5s_job_add_segment: job or info is NULL");
    const h5s_segment_info *info = d->info;
    const h5s_table *tables = d->tables;
    size_t ntables = d->ntables;
    RETURN_ERROR_IF(j->failed != CAIRN_OK, CAIRN_ERR_USAGE,
                    "h5s_job_add_segment: an earlier write to %s failed", j->tmp);
    RETURN_ERROR_IF(info->index != j->nsegments, CAIRN_ERR_USAGE,
                    "h5s_job_add_segment: segment %" PRIu64 " added, expected %" PRIu64, info->index,
                    j->nsegments);
    RETURN_ERROR_IF(j->nsegments >= H5S_MAX_SEGMENTS, CAIRN_ERR_LIMIT,
                    "h5s_job_add_segment: more than %" PRIu64 " segments", H5S_MAX_SEGMENTS);
    RETURN_ERROR_IF(d->snapshot_len > 0 && !d->snapshot, CAIRN_ERR_USAGE, "h5s_job_add_segment: snapshot is NULL");
    RETURN_ERROR_IF(d->snapshot_len > H5S_MAX_BYTES, CAIRN_ERR_USAGE,
                    "h5s_job_add_segment: snapshot of %zu bytes exceeds the format's limit", d->snapshot_len);
    RETURN_ERROR_IF(!d->proof != !d->claim, CAIRN_ERR_USAGE,
                    "h5s_job_add_segment: a proof and its claim go together (proof %s, claim %s)",
                    d->proof ? "given" : "missing", d->claim ? "given" : "missing");
    RETURN_ERROR_IF(d->proof && (d->proof_len == 0 || d->proof_len > H5S_MAX_PROOF_BYTES), CAIRN_ERR_USAGE,
                    "h5s_job_add_segment: proof of %zu bytes (1..%" PRIu64 ")", d->proof_len, H5S_MAX_PROOF_BYTES);
    RETURN_ERROR_IF(task && task->start_ns > UINT64_MAX - task->ns, CAIRN_ERR_USAGE,
                    "h5s_job_add_segment: task start %" PRIu64 " ns + %" PRIu64 " ns is past 2^64", task->start_ns,
                    task->ns);
    if (d->trace) FORWARD_IF_ERROR(check_trace(d->trace));
    RETURN_ERROR_IF(ntables > H5S_MAX_TABLES, CAIRN_ERR_USAGE, "h5s_job_add_segment: %zu side tables, limit %u",
                    ntables, H5S_MAX_TABLES);
    RETURN_ERROR_IF(ntables && !tables, CAIRN_ERR_USAGE, "h5s_job_add_segment: tables is NULL");
    for (size_t i = 0; i < ntables; i++) {
        RETURN_ERROR_IF(!tables[i].name || !h5s_name_ok(tables[i].name), CAIRN_ERR_USAGE,
                        "h5s_job_add_segment: side table %zu name '%s' is not 1..%u characters of [A-Za-z0-9_.-]",
                        i, tables[i].name ? tables[i].name : "(null)", H5S_MAX_NAME);
        for (size_t k = 0; k < i; k++)
            RETURN_ERROR_IF(!strcmp(tables[k].name, tables[i].name), CAIRN_ERR_USAGE,
                            "h5s_job_add_segment: side table name %s appears twice", tables[i].name);
        cairn_err e = check_trace(&tables[i].cols);
        if (e != CAIRN_OK)
            return cairn_prefix_error(e, "h5s_job_add_segment: side table %s", tables[i].name);
    }

    char name[24], gname[24], what[64];
    uint64_t k = info->index / H5S_SEGMENTS_PER_GROUP;
    h5s_segment_name(name, info->index);
    h5s_segment_group_name(gname, k);
    if (j->group < 0 || j->group_k != k) {
        h5s_close_id(j->group);
        /* one header chunk with room for all its segments' links */
        j->group = make_group(j->segments, gname, 0, H5S_SEGMENTS_PER_GROUP, 6);
        j->group_k = k;
        if (j->group < 0)
            return job_failed(j, h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot create /segments/%s in %s", gname, j->tmp));
    }
    snprintf(what, sizeof what, "/segments/%s/%s", gname, name);
    /* room for its 11 attributes and 5 links in the first header chunk */
    hid_t g = make_group(j->group, name, 0, 24, 16);
    if (g < 0) return job_failed(j, h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot create %s in %s", what, j->tmp));
    cairn_err err = write_segment(j, g, what, d, task);
    h5s_close_id(g);
    if (err == CAIRN_OK) j->nsegments++;
    return job_failed(j, err);
}

cairn_err h5s_job_set_params(h5s_job *j, const h5s_params *p)
{
    RETURN_ERROR_IF(!j || !p, CAIRN_ERR_USAGE, "h5s_job_set_params: job or parameters are NULL");
    RETURN_ERROR_IF(j->failed != CAIRN_OK, CAIRN_ERR_USAGE,
                    "h5s_job_set_params: an earlier write to %s failed", j->tmp);
    RETURN_ERROR_IF(j->params_set, CAIRN_ERR_USAGE, "h5s_job_set_params: parameters already stored");
    RETURN_ERROR_IF(memchr(p->preset, 0, sizeof p->preset) == NULL || !h5s_name_ok(p->preset), CAIRN_ERR_USAGE,
                    "h5s_job_set_params: preset name is not 1..%u characters of [A-Za-z0-9_.-]", H5S_MAX_NAME);
    hid_t g = H5Gopen2(j->file, "params", H5P_DEFAULT);
    if (g < 0) return job_failed(j, h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot open /params in %s", j->tmp));
    const struct {
        const char *name;
        const uint32_t *v;
    } f[] = {{"log_blowup", &p->log_blowup}, {"queries", &p->queries},       {"pow_bits", &p->pow_bits},
             {"log_arity", &p->log_arity},   {"log_final_len", &p->log_final_len}, {"segment_po2", &p->segment_po2}};
    cairn_err err = put_string_attr(g, "preset", p->preset);
    for (size_t i = 0; i < sizeof f / sizeof f[0] && err == CAIRN_OK; i++)
        err = h5s_put_attr(g, "/params", f[i].name, H5S_U32, 0, f[i].v);
    h5s_close_id(g);
    if (err == CAIRN_OK) j->params_set = 1;
    return job_failed(j, err);
}

cairn_err h5s_job_set_proof(h5s_job *j, const h5s_fold_proof *p)
{
    RETURN_ERROR_IF(!j || !p || !p->proof, CAIRN_ERR_USAGE, "h5s_job_set_proof: job, proof or its bytes are NULL");
    RETURN_ERROR_IF(j->failed != CAIRN_OK, CAIRN_ERR_USAGE, "h5s_job_set_proof: an earlier write to %s failed", j->tmp);
    RETURN_ERROR_IF(j->proof_set, CAIRN_ERR_USAGE, "h5s_job_set_proof: /proof already stored");
    RETURN_ERROR_IF(p->kind >= H5S_PROOF_KINDS, CAIRN_ERR_USAGE,
                    "h5s_job_set_proof: kind %u (0 lift, 1-3 join, 4-13 lift of a tail)",
                    p->kind);
    RETURN_ERROR_IF(p->proof_len == 0 || p->proof_len > H5S_MAX_PROOF_BYTES, CAIRN_ERR_USAGE,
                    "h5s_job_set_proof: %zu proof bytes", p->proof_len);
    RETURN_ERROR_IF(memchr(p->rc_preset, 0, sizeof p->rc_preset) == NULL || !h5s_name_ok(p->rc_preset) ||
                        memchr(p->shape, 0, sizeof p->shape) == NULL || !h5s_name_ok(p->shape),
                    CAIRN_ERR_USAGE, "h5s_job_set_proof: a preset or shape name is not 1..%u characters of [A-Za-z0-9_.-]",
                    H5S_MAX_NAME);
    hid_t g = make_group(j->file, "proof", 0, 0, 0);
    if (g < 0) return job_failed(j, h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot create /proof in %s", j->tmp));
    cairn_err err = h5s_put_attr(g, "/proof", "kind", H5S_U32, 0, &p->kind);
    if (err == CAIRN_OK) err = h5s_put_attr(g, "/proof", "claim", H5S_U64, H5S_FOLD_CLAIM_ELEMS, p->claim);
    if (err == CAIRN_OK) err = put_string_attr(g, "rc_preset", p->rc_preset);
    if (err == CAIRN_OK) err = put_string_attr(g, "shape", p->shape);
    if (err == CAIRN_OK) err = h5s_put_array(g, "proof", H5S_U8, p->proof, p->proof_len, j->level, j->chunk_bytes);
    h5s_close_id(g);
    if (err == CAIRN_OK) j->proof_set = 1;
    return job_failed(j, err);
}

cairn_err h5s_job_set_input_digest(h5s_job *j, const uint8_t digest[32])
{
    RETURN_ERROR_IF(!j || !digest, CAIRN_ERR_USAGE, "h5s_job_set_input_digest: job or digest is NULL");
    RETURN_ERROR_IF(j->failed != CAIRN_OK, CAIRN_ERR_USAGE,
                    "h5s_job_set_input_digest: an earlier write to %s failed", j->tmp);
    RETURN_ERROR_IF(j->input_digest_set, CAIRN_ERR_USAGE, "h5s_job_set_input_digest: already stored");
    hid_t g = H5Gopen2(j->file, "program", H5P_DEFAULT);
    if (g < 0) return job_failed(j, h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot open /program in %s", j->tmp));
    cairn_err err = h5s_put_attr(g, "/program", "input_digest", H5S_U8, 32, digest);
    h5s_close_id(g);
    if (err == CAIRN_OK) j->input_digest_set = 1;
    return job_failed(j, err);
}

cairn_err h5s_job_set_final(h5s_job *j, const uint64_t state[H5S_STATE_ELEMS], uint64_t cycles)
{
    RETURN_ERROR_IF(!j || !state, CAIRN_ERR_USAGE, "h5s_job_set_final: job or state is NULL");
    RETURN_ERROR_IF(j->failed != CAIRN_OK, CAIRN_ERR_USAGE,
                    "h5s_job_set_final: an earlier write to %s failed", j->tmp);
    RETURN_ERROR_IF(j->final_set, CAIRN_ERR_USAGE, "h5s_job_set_final: final state already stored");
    hid_t g = make_group(j->file, "claim", 0, 0, 0);
    if (g < 0) return job_failed(j, h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot create /claim in %s", j->tmp));
    cairn_err err = h5s_put_attr(g, "/claim", "final_state", H5S_U64, H5S_STATE_ELEMS, state);
    if (err == CAIRN_OK) err = h5s_put_attr(g, "/claim", "cycles", H5S_U64, 0, &cycles);
    h5s_close_id(g);
    if (err == CAIRN_OK) j->final_set = 1;
    return job_failed(j, err);
}

cairn_err h5s_job_set_journal(h5s_job *j, const uint8_t *journal, size_t len)
{
    RETURN_ERROR_IF(!j, CAIRN_ERR_USAGE, "h5s_job_set_journal: job is NULL");
    RETURN_ERROR_IF(j->failed != CAIRN_OK, CAIRN_ERR_USAGE,
                    "h5s_job_set_journal: an earlier write to %s failed", j->tmp);
    RETURN_ERROR_IF(len > 0 && !journal, CAIRN_ERR_USAGE, "h5s_job_set_journal: journal is NULL");
    RETURN_ERROR_IF(len > H5S_MAX_BYTES, CAIRN_ERR_USAGE,
                    "h5s_job_set_journal: %zu bytes exceeds the format's limit", len);
    if (j->journal_set && H5Ldelete(j->file, "journal", H5P_DEFAULT) < 0)
        return job_failed(j, h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot replace /journal in %s", j->tmp));
    j->journal_set = 0;
    FORWARD_IF_ERROR(job_failed(j, h5s_put_array(j->file, "journal", H5S_U8, journal, len, j->level,
                                                 j->chunk_bytes)));
    j->journal_set = 1;
    return CAIRN_OK;
}

cairn_err h5s_job_set_attr_u64(h5s_job *j, const char *name, uint64_t value)
{
    RETURN_ERROR_IF(!j || !name, CAIRN_ERR_USAGE, "h5s_job_set_attr_u64: job or name is NULL");
    RETURN_ERROR_IF(!h5s_name_ok(name), CAIRN_ERR_USAGE,
                    "h5s_job_set_attr_u64: name '%s' is not 1..%u characters of [A-Za-z0-9_.-]", name,
                    H5S_MAX_NAME);
    RETURN_ERROR_IF(j->failed != CAIRN_OK, CAIRN_ERR_USAGE,
                    "h5s_job_set_attr_u64: an earlier write to %s failed", j->tmp);
    htri_t ex = H5Aexists(j->run, name);
    if (ex < 0) return job_failed(j, h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot look up /run attribute %s", name));
    RETURN_ERROR_IF(!ex && j->nrun >= H5S_MAX_RUN_VALUES, CAIRN_ERR_LIMIT,
                    "h5s_job_set_attr_u64: more than %u run summary values", H5S_MAX_RUN_VALUES);
    FORWARD_IF_ERROR(job_failed(j, h5s_put_attr(j->run, "/run", name, H5S_U64, 0, &value)));
    if (!ex) j->nrun++;
    return CAIRN_OK;
}

/* Makes the file's bytes and then its directory entry durable, so that a
 * crash right after close finds either the old PATH or the complete new
 * one. */
static cairn_err sync_path(const char *path, int dir)
{
    int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY);
    RETURN_ERROR_IF(fd < 0, CAIRN_ERR_IO, "cannot open %s for fsync: %s", path, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    /* some file systems cannot fsync a directory; the rename still happened */
    RETURN_ERROR_IF(rc != 0 && !(dir && (e == EINVAL || e == EBADF)), CAIRN_ERR_IO, "fsync %s: %s", path,
                    strerror(e));
    return CAIRN_OK;
}

cairn_err h5s_job_close(h5s_job *j)
{
    RETURN_ERROR_IF(!j, CAIRN_ERR_USAGE, "h5s_job_close: job is NULL");
    if (j->failed != CAIRN_OK) {
        cairn_err err = j->failed;
        cairn_fail(err, "h5s_job_close: an earlier write failed; %s was not written", j->path);
        h5s_job_abort(j);
        return err;
    }
    cairn_err err = CAIRN_OK;
    if (!j->journal_set) err = h5s_job_set_journal(j, NULL, 0);
    h5s_close_id(j->group);
    h5s_close_id(j->segments);
    h5s_close_id(j->run);
    j->group = j->segments = j->run = -1;
    if (err == CAIRN_OK && H5Fclose(j->file) < 0) err = h5s_fail_h5(CAIRN_ERR_IO, "HDF5: cannot close %s", j->tmp);
    j->file = -1;
    if (err == CAIRN_OK) err = sync_path(j->tmp, 0);
    if (err == CAIRN_OK && rename(j->tmp, j->path) != 0)
        err = cairn_fail(CAIRN_ERR_IO, "cannot rename %s to %s: %s", j->tmp, j->path, strerror(errno));
    if (err != CAIRN_OK) {
        h5s_job_abort(j);
        return err;
    }
    char *dir = strdup(j->path);
    if (dir) {
        err = sync_path(dirname(dir), 1);
        free(dir);
    }
    job_free(j);
    return err;
}
