/* cairn inspect FILE.h5 [--json] [--check]: what a job file holds. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "commands.h"
#include "common/alloc.h"
#include "common/err.h"
#include "jobs/jobs.h"
#include "jobs/jobs_rec.h"
#include "storage/h5s.h"

#define PREVIEW 64 /* journal bytes shown */

static const char USAGE[] = "usage: cairn inspect FILE.h5 [--json] [--check]\n";

static const char HELP[] =
    "\nDescribes a cairn job file: format version, program (image ID, entry,\n"
    "stored ELF), journal (length and a preview), run summary values, and each\n"
    "segment (cycles, pc range, memory roots and state digests, halt/exit code,\n"
    "snapshot size, trace columns and rows, side tables (such as the io table of\n"
    "syscall memory traffic), raw vs stored bytes) and, in a job of cairn prove,\n"
    "which rank proved it, how long the proof took and, when the file records\n"
    "them, when its task started and when the segment was executed (UTC;\n"
    "cairn report draws them as a timeline). A job of cairn prove also lists\n"
    "its attempts: each run on it (a Slurm job and its requeues: the Slurm job\n"
    "ID and restart count, 0 outside Slurm), when it started and how long it\n"
    "ran (0: stopped by a crash or still running). Where the job stands: how\n"
    "many segments were executed and proven, and whether the fold made the\n"
    "final proof (its kind, recursion preset, shape, size and cycles).\n"
    "\n"
    "A job that has no job file yet (cairn prove is running on it, or it\n"
    "stopped at a checkpoint, on an error or in a crash) is described from its\n"
    "record folder FILE.h5.d: program, parameters, attempts, and each segment\n"
    "recorded so far (proven: by which rank and in how long; or executed and\n"
    "waiting for a proof), and the lifts and joins of the fold stored so far.\n"
    "\n"
    "  --json    one JSON object on stdout instead of text (on an error\n"
    "            before the file is read: {\"error\", \"code\", \"status\"})\n"
    "  --check   also read every dataset, verifying its checksums and\n"
    "            compression (slower on large traces)\n"
    "\nExit status: 0 the file is sound; 1 --check found damaged data (every\n"
    "object readable, some dataset's checksum or frame wrong); 2 usage error,\n"
    "or the file is missing, not HDF5, not a cairn job file, or damaged so that\n"
    "its journal or a segment's metadata cannot be read.\n";

static void hex(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) fprintf(f, "%02x", b[i]);
}

/* Journal preview for people: printable ASCII as is, the rest escaped. */
static void escaped(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = b[i];
        if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f) fprintf(f, "\\x%02x", c);
        else fputc(c, f);
    }
}

static void size_text(FILE *f, h5s_size s)
{
    fprintf(f, "%" PRIu64 " bytes", s.raw);
    if (s.raw > 0) fprintf(f, " (stored %" PRIu64 ", %.1f%%)", s.stored, 100.0 * (double)s.stored / (double)s.raw);
}

static void size_json(FILE *f, h5s_size s)
{
    fprintf(f, "{\"raw\":%" PRIu64 ",\"stored\":%" PRIu64 "}", s.raw, s.stored);
}

/* Reads a segment's data in full so that every chunk's checksum and frame
 * is verified. */
static cairn_err check_segment(h5s_reader *r, uint64_t s, const h5s_segment_meta *m)
{
    uint8_t *b;
    size_t n;
    cairn_err e = h5s_read_snapshot(r, s, &b, &n);
    if (e != CAIRN_OK) return e;
    free(b);
    for (uint64_t i = 0; i < m->ntables; i++) {
        char name[H5S_MAX_NAME + 1];
        h5s_trace *t;
        if ((e = h5s_table_name(r, s, i, name)) != CAIRN_OK) return e;
        e = h5s_read_table(r, s, name, 1, &t);
        h5s_trace_free(t);
        if (e != CAIRN_OK) return e;
    }
    if (!m->has_trace) return CAIRN_OK;
    h5s_trace *t;
    e = h5s_read_trace(r, s, 1, &t);
    h5s_trace_free(t);
    return e;
}

/* Side tables: "  table NAME   R rows x C columns, size" lines, or a JSON
 * array of {name, rows, columns, size}. */
static void tables_out(FILE *o, h5s_reader *r, uint64_t s, const h5s_segment_meta *m, int json)
{
    if (json) fprintf(o, ",\"tables\":[");
    for (uint64_t i = 0; i < m->ntables; i++) {
        char name[H5S_MAX_NAME + 1];
        h5s_trace *t;
        if (h5s_table_name(r, s, i, name) != CAIRN_OK || h5s_read_table(r, s, name, 0, &t) != CAIRN_OK) continue;
        if (json) {
            fprintf(o, "%s{\"name\":", i ? "," : "");
            cli_json_str(o, name);
            fprintf(o, ",\"rows\":%zu,\"columns\":[", t->nrows);
            for (size_t c = 0; c < t->ncols; c++) {
                if (c) fputc(',', o);
                cli_json_str(o, t->names[c]);
            }
            fprintf(o, "]}");
        } else {
            fprintf(o, "  table %-6s %zu rows x %zu columns:", name, t->nrows, t->ncols);
            for (size_t c = 0; c < t->ncols; c++) fprintf(o, " %s", t->names[c]);
            fputc('\n', o);
        }
        h5s_trace_free(t);
    }
    if (json) fprintf(o, "]");
}

/* The proving task of a segment (h5s_segment_task): text lines, or a
 * JSON member "task": null | {rank, ns, seconds, start_ns, exec_ns} with
 * null for an unknown time. */
static void task_out(FILE *o, h5s_reader *r, uint64_t s, int json)
{
    int has = 0;
    h5s_task t;
    /* h5s_segment has checked the attributes: an error here is not expected */
    if (h5s_segment_task(r, s, &has, &t) != CAIRN_OK) has = 0;
    if (json) {
        if (!has) {
            fprintf(o, ",\"task\":null");
            return;
        }
        fprintf(o, ",\"task\":{\"rank\":%" PRIu32 ",\"ns\":%" PRIu64 ",\"seconds\":%.9f,\"start_ns\":", t.rank, t.ns,
                (double)t.ns / 1e9);
        if (t.start_ns) fprintf(o, "%" PRIu64, t.start_ns);
        else fprintf(o, "null");
        fprintf(o, ",\"exec_ns\":");
        if (t.exec_ns) fprintf(o, "%" PRIu64 "}", t.exec_ns);
        else fprintf(o, "null}");
        return;
    }
    if (!has) return;
    char when[CLI_TIME_UTC_CAP];
    fprintf(o, "  proved by    rank %" PRIu32 " in %.3f s\n", t.rank, (double)t.ns / 1e9);
    if (t.start_ns) fprintf(o, "  task start   %s\n", cli_time_utc(when, t.start_ns));
    if (t.exec_ns) fprintf(o, "  executed     %s\n", cli_time_utc(when, t.exec_ns));
}

static void segment_text(FILE *o, h5s_reader *r, uint64_t s, const h5s_segment_meta *m)
{
    const h5s_segment_info *i = &m->info;
    fprintf(o, "segment %" PRIu64 ": %" PRIu64 " cycles, pc 0x%08" PRIx32 " -> 0x%08" PRIx32, s, i->cycles,
            i->start_pc, i->end_pc);
    if (i->halted) fprintf(o, ", halted, exit code %" PRId32, i->exit_code);
    fprintf(o, "\n  start root   ");
    hex(o, i->start_root, 32);
    fprintf(o, "\n  end root     ");
    hex(o, i->end_root, 32);
    fprintf(o, "\n  start state  ");
    hex(o, i->start_state, 32);
    fprintf(o, "\n  end state    ");
    hex(o, i->end_state, 32);
    fprintf(o, "\n  snapshot     ");
    size_text(o, m->snapshot);
    fputc('\n', o);
    if (m->has_proof) {
        fprintf(o, "  proof        %" PRIu64 " bytes\n", m->proof.raw);
    }
    task_out(o, r, s, 0);
    fprintf(o, "  trace        ");
    if (!m->has_trace) {
        fprintf(o, "none\n");
        tables_out(o, r, s, m, 0);
        return;
    }
    fprintf(o, "%" PRIu64 " rows x %" PRIu64 " columns, ", m->trace_rows, m->trace_cols);
    size_text(o, m->trace);
    h5s_trace *t;
    if (h5s_read_trace(r, s, 0, &t) == CAIRN_OK) {
        fprintf(o, "\n  columns     ");
        for (size_t c = 0; c < t->ncols; c++) fprintf(o, " %s", t->names[c]);
        h5s_trace_free(t);
    }
    fputc('\n', o);
    if (m->ntables) {
        fprintf(o, "  side tables  ");
        size_text(o, m->tables);
        fputc('\n', o);
    }
    tables_out(o, r, s, m, 0);
}

static void segment_json(FILE *o, h5s_reader *r, const h5s_segment_meta *m)
{
    const h5s_segment_info *i = &m->info;
    fprintf(o, "{\"index\":%" PRIu64 ",\"cycles\":%" PRIu64 ",\"start_pc\":%" PRIu32 ",\"end_pc\":%" PRIu32, i->index,
            i->cycles, i->start_pc, i->end_pc);
    const char *names[4] = {"start_root", "end_root", "start_state", "end_state"};
    const uint8_t *vals[4] = {i->start_root, i->end_root, i->start_state, i->end_state};
    for (int k = 0; k < 4; k++) {
        fprintf(o, ",\"%s\":\"", names[k]);
        hex(o, vals[k], 32);
        fputc('"', o);
    }
    fprintf(o, ",\"halted\":%s,\"exit_code\":%" PRId32 ",\"snapshot\":", i->halted ? "true" : "false", i->exit_code);
    size_json(o, m->snapshot);
    if (m->has_proof) fprintf(o, ",\"proof_bytes\":%" PRIu64, m->proof.raw);
    else fprintf(o, ",\"proof_bytes\":null");
    task_out(o, r, i->index, 1);
    tables_out(o, r, i->index, m, 1);
    fprintf(o, ",\"trace\":");
    h5s_trace *t;
    if (!m->has_trace || h5s_read_trace(r, i->index, 0, &t) != CAIRN_OK) {
        fprintf(o, "null}");
        return;
    }
    fprintf(o, "{\"rows\":%" PRIu64 ",\"columns\":[", m->trace_rows);
    for (size_t c = 0; c < t->ncols; c++) {
        if (c) fputc(',', o);
        cli_json_str(o, t->names[c]);
    }
    fprintf(o, "],\"size\":");
    size_json(o, m->trace);
    fprintf(o, "}}");
    h5s_trace_free(t);
}

/* The attempts of a job (jobs.h), as JSON ("attempts":[...]) and text. */
static void attempts_json(FILE *o, const jobs_attempt *att, size_t natt)
{
    fprintf(o, "\"attempts\":[");
    for (size_t i = 0; i < natt; i++)
        fprintf(o,
                "%s{\"slurm_job_id\":%" PRIu64 ",\"restart_count\":%" PRIu64 ",\"start_ns\":%" PRIu64
                ",\"used_ns\":%" PRIu64 ",\"seconds\":%.3f}",
                i ? "," : "", att[i].slurm_job_id, att[i].restart_count, att[i].start_ns, att[i].used_ns,
                (double)att[i].used_ns / 1e9);
    fputc(']', o);
}

static void attempts_text(FILE *o, const jobs_attempt *att, size_t natt)
{
    if (natt) fprintf(o, "attempts     %zu\n", natt);
    for (size_t i = 0; i < natt; i++) {
        char t[CLI_TIME_UTC_CAP];
        fprintf(o, "  attempt %zu: ", i);
        if (att[i].slurm_job_id)
            fprintf(o, "Slurm job %" PRIu64 ", restart %" PRIu64 ", ", att[i].slurm_job_id, att[i].restart_count);
        fprintf(o, "started %s, ", cli_time_utc(t, att[i].start_ns));
        if (att[i].used_ns) fprintf(o, "ran %.2f s\n", (double)att[i].used_ns / 1e9);
        else fprintf(o, "time not recorded (still running, or stopped by a crash)\n");
    }
}

/* Where a finished job stands (issue 11): segments executed and proven,
 * and whether the fold made the run's final proof (/proof). Text lines,
 * or the JSON members "standing" and "final_proof" (null without one). */
static void standing_out(FILE *o, h5s_reader *r, int json)
{
    uint64_t n = h5s_segment_count(r), proven = 0;
    for (uint64_t s = 0; s < n; s++) {
        h5s_segment_meta m;
        /* a segment that does not read is reported by the segment loop */
        if (h5s_segment(r, s, &m) == CAIRN_OK && m.has_proof) proven++;
    }
    h5s_fold_proof fp;
    int folded = h5s_fold_proof_get(r, &fp);
    const char *kind = folded && fp.kind ? "join" : "lift";
    if (json) {
        fprintf(o, ",\"standing\":{\"segments\":%" PRIu64 ",\"proven\":%" PRIu64 ",\"folded\":%s}", n, proven,
                folded ? "true" : "false");
        fprintf(o, ",\"final_proof\":");
        if (!folded) {
            fprintf(o, "null");
            return;
        }
        fprintf(o, "{\"kind\":\"%s\",\"preset\":", kind);
        cli_json_str(o, fp.rc_preset);
        fprintf(o, ",\"shape\":");
        cli_json_str(o, fp.shape);
        fprintf(o, ",\"bytes\":%zu,\"cycles\":%" PRIu64 "}", fp.proof_len, fp.claim[H5S_FOLD_CLAIM_ELEMS - 1]);
        return;
    }
    fprintf(o, "standing     %" PRIu64 " segments executed, %" PRIu64 " proven, %s\n", n, proven,
            folded ? "folded into one final proof"
                   : proven ? "not folded (proven with --no-fold or under mpirun/Slurm without the fold)"
                            : "not proven");
    if (folded)
        fprintf(o, "final proof  %s proof, recursion preset %s, shape %s, %zu bytes, %" PRIu64 " cycles\n", kind,
                fp.rc_preset, fp.shape, fp.proof_len, fp.claim[H5S_FOLD_CLAIM_ELEMS - 1]);
}

/* One record of the folder, read whole and decoded by the caller; NULL
 * (with a message on stderr) when it cannot be read. */
static uint8_t *read_record(size_t *len, const char *dir, const char *name)
{
    char p[4096];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, name) >= sizeof p) return NULL;
    uint8_t *b = NULL;
    cairn_err e = cli_read_file(&b, len, "record", p, JOBS_REC_MAX_BYTES + JOBS_REC_MAX_PROOF_BYTES + 4096, NULL);
    if (e != CAIRN_OK) {
        fprintf(stderr, "cairn inspect: %s (%s)\n", cairn_last_error(), cairn_err_name(e));
        return NULL;
    }
    return b;
}

typedef struct {
    uint64_t index, task_ns;
    uint32_t rank;
    int proven;
} rec_seg;

static int rec_seg_cmp(const void *a, const void *b)
{
    uint64_t x = ((const rec_seg *)a)->index, y = ((const rec_seg *)b)->index;
    return x < y ? -1 : x > y;
}

/* A job that has no job file yet (cairn prove is running on it, or stopped
 * at a checkpoint or by a crash): what its record folder says (jobs.h
 * "Storage"). Every record is decoded (checksums included); one that does
 * not decode is reported and the exit status is 2. */
static int inspect_records(const char *path, const char *dir, int json)
{
    FILE *o = stdout;
    int status = EXIT_OK;
    size_t n;
    uint8_t *b = read_record(&n, dir, "job.rec");
    jobs_rec_job job;
    cairn_err e = b ? jobs_rec_decode_job(&job, b, n) : CAIRN_ERR_IO;
    if (e != CAIRN_OK) {
        if (b) fprintf(stderr, "cairn inspect: %s/job.rec: %s (%s)\n", dir, cairn_last_error(), cairn_err_name(e));
        free(b);
        return EXIT_USAGE;
    }
    rec_seg *segs = NULL;
    size_t nseg = 0, cap = 0, nproven = 0, nlift = 0, njoin = 0;
    uint32_t top = 0; /* the highest fold level stored */
    jobs_attempt *att = cairn_malloc(JOBS_REC_MAX_ATTEMPTS * sizeof *att);
    size_t natt = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && att && (de = readdir(d))) {
        const char *nm = de->d_name;
        size_t len = strlen(nm);
        int is_rec = len > 8 && !strcmp(nm + len - 4, ".rec");
        int is_seg = is_rec && !strncmp(nm, "seg-", 4);
        int is_fold = is_rec && !strncmp(nm, "fold-", 5);
        if (!is_seg && !is_fold && strcmp(nm, "attempts.rec")) continue;
        size_t rn;
        uint8_t *rb = read_record(&rn, dir, nm);
        if (!rb) {
            status = EXIT_USAGE;
            continue;
        }
        if (is_seg) {
            jobs_rec_seg sr;
            e = jobs_rec_decode_seg(&sr, rb, rn);
            if (e == CAIRN_OK && nseg == cap) {
                rec_seg *ns = cairn_realloc_array(segs, cap ? 2 * cap : 64, sizeof *ns);
                if (ns) {
                    segs = ns;
                    cap = cap ? 2 * cap : 64;
                } else {
                    e = cairn_fail_nomem(cap * sizeof *ns, "out of memory");
                }
            }
            if (e == CAIRN_OK) {
                segs[nseg++] = (rec_seg){sr.index, sr.task_ns, sr.rank, sr.proven};
                nproven += sr.proven != 0;
            }
        } else if (is_fold) {
            jobs_rec_fold fr;
            if ((e = jobs_rec_decode_fold(&fr, rb, rn)) == CAIRN_OK) {
                nlift += fr.kind == 0;
                njoin += fr.kind != 0;
                if (fr.level > top) top = fr.level;
            }
        } else {
            e = jobs_rec_decode_attempts(att, &natt, rb, rn);
        }
        if (e != CAIRN_OK) {
            fprintf(stderr, "cairn inspect: %s/%s: %s (%s)\n", dir, nm, cairn_last_error(), cairn_err_name(e));
            status = EXIT_USAGE;
        }
        free(rb);
    }
    if (d) {
        closedir(d);
    } else {
        fprintf(stderr, "cairn inspect: %s: cannot list the record folder\n", dir);
        status = EXIT_USAGE;
    }
    if (!att) {
        fprintf(stderr, "cairn inspect: out of memory for the attempts\n");
        natt = 0;
        status = EXIT_USAGE;
    }
    if (nseg) qsort(segs, nseg, sizeof *segs, rec_seg_cmp);
    if (json) {
        fprintf(o, "{\"file\":");
        cli_json_str(o, path);
        fprintf(o, ",\"in_progress\":true,\"records\":");
        cli_json_str(o, dir);
        fprintf(o, ",\"image_id\":\"");
        hex(o, job.image_id, 32);
        fprintf(o, "\",\"entry\":%" PRIu32 ",\"segment_po2\":%" PRIu32 ",\"preset\":", job.entry, job.segment_po2);
        cli_json_str(o, job.preset);
        fprintf(o, ",\"segments_recorded\":%zu,\"proven\":%zu,\"executed\":%zu,", nseg, nproven, nseg - nproven);
        fprintf(o, "\"fold\":{\"lifts\":%zu,\"joins\":%zu,\"top_level\":%" PRIu32 "},", nlift, njoin, top);
        attempts_json(o, att, natt);
        fprintf(o, ",\"segments\":[");
        for (size_t i = 0; i < nseg; i++) {
            fprintf(o, "%s{\"index\":%" PRIu64 ",\"proven\":%s", i ? "," : "", segs[i].index,
                    segs[i].proven ? "true" : "false");
            if (segs[i].proven)
                fprintf(o, ",\"rank\":%" PRIu32 ",\"seconds\":%.3f", segs[i].rank, (double)segs[i].task_ns / 1e9);
            fputc('}', o);
        }
        fprintf(o, "],\"ok\":%s}\n", status == EXIT_OK ? "true" : "false");
    } else {
        fprintf(o, "file         %s: not written yet (the job is running, or stopped: --resume continues it)\n",
                path);
        fprintf(o, "records      %s\n", dir);
        fprintf(o, "image ID     ");
        hex(o, job.image_id, 32);
        fprintf(o, "\nentry        0x%08" PRIx32 "\n", job.entry);
        fprintf(o, "parameters   segment po2 %" PRIu32 ", preset %s\n", job.segment_po2, job.preset);
        attempts_text(o, att, natt);
        fprintf(o, "segments     %zu recorded: %zu proven, %zu executed and waiting for a proof\n", nseg, nproven,
                nseg - nproven);
        if (nlift + njoin)
            fprintf(o, "fold         %zu lifts and %zu joins stored (tree level %" PRIu32 " reached)\n", nlift, njoin,
                    top);
        else
            fprintf(o, "fold         nothing stored yet\n");
        for (size_t i = 0; i < nseg; i++) {
            fprintf(o, "segment %" PRIu64 ": ", segs[i].index);
            if (segs[i].proven)
                fprintf(o, "proven by rank %" PRIu32 " in %.2f s\n", segs[i].rank, (double)segs[i].task_ns / 1e9);
            else
                fprintf(o, "executed, not proven\n");
        }
    }
    free(segs);
    free(att);
    free(b);
    return status;
}

int cmd_inspect(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0, check = 0;
    cli_ctx c;
    cli_ctx_init(&c, "cairn inspect", USAGE, stdout, argc, argv);
    const cli_opt opts[] = {
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"--check", CLI_FLAG, &check, 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int status = EXIT_OK;
    if (!cli_parse_command(&c, opts, &path, argc, argv, HELP, &status)) return status;
    if (!path) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "no file given");

    /* no job file yet, but its record folder: a job in progress */
    char dir[4096];
    struct stat st;
    if (stat(path, &st) != 0 && (size_t)snprintf(dir, sizeof dir, "%s.d", path) < sizeof dir) {
        char jr[4200];
        snprintf(jr, sizeof jr, "%s/job.rec", dir);
        if (stat(jr, &st) == 0) return inspect_records(path, dir, json);
    }
    h5s_reader *r;
    cairn_err e = h5s_open(&r, path);
    if (e != CAIRN_OK)
        return cli_fail(&c, EXIT_USAGE, e, "%s (%s)", cairn_last_error(), cairn_err_name(e));
    FILE *o = stdout;
    h5s_program_info p;
    h5s_program_get(r, &p);
    uint8_t head[PREVIEW];
    size_t hn = 0;
    h5s_size js = h5s_journal_size(r);
    if ((e = h5s_read_journal_head(r, head, sizeof head, &hn)) != CAIRN_OK) {
        fprintf(stderr, "cairn inspect: %s (%s)\n", cairn_last_error(), cairn_err_name(e));
        status = EXIT_USAGE; /* damaged input, not a failed check */
    }
    /* the attempts (jobs.h), listed apart from the run summary */
    jobs_attempt *att = cairn_malloc(JOBS_REC_MAX_ATTEMPTS * sizeof *att);
    size_t natt = 0;
    if (!att || (e = jobs_attempts_read(r, att, &natt)) != CAIRN_OK) {
        fprintf(stderr, "cairn inspect: attempts: %s\n", att ? cairn_last_error() : "out of memory");
        natt = 0;
        status = EXIT_USAGE; /* damaged input */
    }
    size_t nrun = 0;
    for (size_t i = 0; i < h5s_attr_count(r); i++) nrun += !jobs_attempt_attr(h5s_attr_name(r, i));
    if (check) {
        uint8_t *b;
        size_t n;
        cairn_err c1 = h5s_read_elf(r, &b, &n);
        if (c1 == CAIRN_OK) free(b);
        else fprintf(stderr, "cairn inspect: %s (%s)\n", cairn_last_error(), cairn_err_name(c1));
        cairn_err c2 = h5s_read_journal(r, &b, &n);
        if (c2 == CAIRN_OK) free(b);
        else fprintf(stderr, "cairn inspect: %s (%s)\n", cairn_last_error(), cairn_err_name(c2));
        if ((c1 != CAIRN_OK || c2 != CAIRN_OK) && status == EXIT_OK) status = EXIT_INVALID;
    }

    if (json) {
        fprintf(o, "{\"file\":");
        cli_json_str(o, path);
        fprintf(o, ",\"format\":\"%s\",\"version\":%u,\"image_id\":\"", H5S_FORMAT_NAME, h5s_version(r));
        hex(o, p.image_id, 32);
        fprintf(o, "\",\"entry\":%" PRIu32 ",\"elf\":", p.entry);
        if (p.has_elf) size_json(o, h5s_elf_size(r));
        else fprintf(o, "null");
        fprintf(o, ",\"journal\":{\"raw\":%" PRIu64 ",\"stored\":%" PRIu64 ",\"head_hex\":\"", js.raw, js.stored);
        hex(o, head, hn);
        fprintf(o, "\"},\"run\":{");
        for (size_t i = 0, k = 0; i < h5s_attr_count(r); i++)
            if (!jobs_attempt_attr(h5s_attr_name(r, i)))
                fprintf(o, "%s\"%s\":%" PRIu64, k++ ? "," : "", h5s_attr_name(r, i), h5s_attr_value(r, i));
        fprintf(o, "},");
        attempts_json(o, att, natt);
        standing_out(o, r, 1);
        fprintf(o, ",\"segments\":[");
    } else {
        fprintf(o, "file         %s\n", path);
        fprintf(o, "format       %s version %u\n", H5S_FORMAT_NAME, h5s_version(r));
        fprintf(o, "image ID     ");
        hex(o, p.image_id, 32);
        fprintf(o, "\nentry        0x%08" PRIx32 "\n", p.entry);
        fprintf(o, "ELF          ");
        if (p.has_elf) size_text(o, h5s_elf_size(r));
        else fprintf(o, "not stored");
        fprintf(o, "\njournal      ");
        size_text(o, js);
        if (hn > 0) {
            /* text when it mostly is, hex for binary journals (digests...) */
            size_t odd = 0;
            for (size_t i = 0; i < hn; i++)
                odd += (head[i] < 0x20 && head[i] != '\n' && head[i] != '\t') || head[i] >= 0x7f;
            if (odd * 4 > hn) {
                fprintf(o, "\n  hex ");
                hex(o, head, hn);
            } else {
                fprintf(o, "\n  \"");
                escaped(o, head, hn);
                fputc('"', o);
            }
            if (js.raw > hn) fprintf(o, "...");
        }
        fprintf(o, "\nrun summary%s\n", nrun ? "" : "  (none)");
        for (size_t i = 0; i < h5s_attr_count(r); i++)
            if (!jobs_attempt_attr(h5s_attr_name(r, i)))
                fprintf(o, "  %-20s %" PRIu64 "\n", h5s_attr_name(r, i), h5s_attr_value(r, i));
        attempts_text(o, att, natt);
        standing_out(o, r, 0);
        fprintf(o, "segments     %" PRIu64 "\n", h5s_segment_count(r));
    }
    uint64_t nbad = 0;
    for (uint64_t s = 0; s < h5s_segment_count(r); s++) {
        h5s_segment_meta m;
        e = h5s_segment(r, s, &m);
        /* unreadable metadata is damaged input (2); a dataset that --check
         * reads back wrong is a failed check (1) */
        int meta_ok = e == CAIRN_OK;
        if (e == CAIRN_OK && check) e = check_segment(r, s, &m);
        if (e != CAIRN_OK) {
            fprintf(stderr, "cairn inspect: %s (%s)\n", cairn_last_error(), cairn_err_name(e));
            if (!meta_ok) status = EXIT_USAGE;
            else if (status == EXIT_OK) status = EXIT_INVALID;
            nbad++;
            if (!json) fprintf(o, "segment %" PRIu64 ": unreadable (%s)\n", s, cairn_err_name(e));
            continue;
        }
        if (json) {
            if (s > nbad) fputc(',', o);
            segment_json(o, r, &m);
        } else {
            segment_text(o, r, s, &m);
        }
    }
    if (json)
        fprintf(o, "],\"unreadable_segments\":%" PRIu64 ",\"checked\":%s,\"ok\":%s}\n", nbad,
                check ? "true" : "false", status == EXIT_OK ? "true" : "false");
    else if (check)
        fprintf(o, "check        %s\n", status == EXIT_OK ? "every dataset read back; checksums and frames verified"
                                                          : "FAILED (see messages above)");
    h5s_close(r);
    free(att);
    return status;
}
