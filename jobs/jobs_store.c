/* A job's stored state: the record folder and the job file (jobs.h,
 * "Storage"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/err.h"
#include "jobs/jobs.h"
#include "jobs/jobs_int.h"

/* Per-segment flags. */
enum {
    REC_EXEC = 1,   /* a record holds the snapshot, not proven */
    REC_PROVEN = 2, /* a record holds the proven result */
    IN_FILE = 4     /* the job file holds the proven result */
};

#define JOB_REC "job.rec"
#define SEG_PREFIX "seg-"
#define SEG_SUFFIX ".rec"
#define SEG_NAME_LEN 17 /* "seg-" + 9 digits + ".rec" */
#define SEG_NAME_CAP 32 /* room for any uint64_t index */

struct jobs_job {
    char *path, *dir;
    int dirfd; /* the record folder, -1 once removed */
    jobs_desc desc;
    uint8_t *elf; /* desc.elf points here */
    stark_params prm;
    jobs_opts opts;
    uint8_t *flags; /* per segment */
    size_t cap;     /* entries of flags */
    uint64_t nproven, prefix;
    uint64_t next_ckpt; /* automatic checkpoint at this proven prefix */
    h5s_reader *rd;     /* PATH, while it exists */
    int file_final;     /* PATH is a finished job file */
    jobs_attempt att[JOBS_REC_MAX_ATTEMPTS]; /* the runs on this job, oldest first */
    const h5s_fold_proof *fold; /* the final proof for jobs_finish (the caller's) */
    size_t natt;
};

/* ---- test hook -------------------------------------------------------- */

static uint64_t g_kill_at, g_steps;

void jobs_test_kill_at(uint64_t n)
{
    g_kill_at = n;
}

uint64_t jobs_test_steps(void)
{
    return g_steps;
}

/* One storage step: where the crash tests may stop the process dead (a
 * SIGKILL cannot be caught, so nothing after it runs, as in a real crash). */
static int g_steps_off; /* attempts.rec writes are not steps (write_attempts) */

static void step(void)
{
    if (g_steps_off) return;
    g_steps++;
    if (g_kill_at && g_steps == g_kill_at) raise(SIGKILL);
}

/* ---- events ----------------------------------------------------------- */

static void event(jobs_job *j, jobs_event_kind kind, uint64_t index, uint64_t count, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void event(jobs_job *j, jobs_event_kind kind, uint64_t index, uint64_t count, const char *fmt, ...)
{
    if (!j->opts.on_event) return;
    char msg[CAIRN_ERROR_MSG_MAX];
    msg[0] = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    jobs_event e = {kind, index, count, msg};
    j->opts.on_event(j->opts.event_arg, &e);
}

/* ---- files ------------------------------------------------------------ */

static void seg_name(char out[SEG_NAME_CAP], uint64_t index)
{
    snprintf(out, SEG_NAME_CAP, SEG_PREFIX "%09" PRIu64 SEG_SUFFIX, index);
}

/* 1 and *index if name is a segment record's canonical name. */
static int parse_seg_name(const char *name, uint64_t *index)
{
    if (strlen(name) != SEG_NAME_LEN || strncmp(name, SEG_PREFIX, 4) || strcmp(name + 13, SEG_SUFFIX)) return 0;
    uint64_t v = 0;
    for (int i = 4; i < 13; i++) {
        if (name[i] < '0' || name[i] > '9') return 0;
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    *index = v;
    return 1;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* fsync of a directory; file systems that cannot sync one are let be
 * (the rename happened all the same). */
static cairn_err sync_dirfd(int fd, const char *what)
{
    if (fsync(fd) != 0 && errno != EINVAL && errno != EBADF)
        return cairn_fail(CAIRN_ERR_IO, "fsync %s: %s", what, strerror(errno));
    return CAIRN_OK;
}

static cairn_err sync_parent(const char *path)
{
    char *d = strdup(path);
    RETURN_ERROR_IF(!d, CAIRN_ERR_NOMEM, "out of memory");
    char *slash = strrchr(d, '/');
    const char *dir = ".";
    if (slash == d) dir = "/";
    else if (slash) {
        *slash = 0;
        dir = d;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cairn_err err = fd < 0 ? cairn_fail(CAIRN_ERR_IO, "cannot open %s: %s", dir, strerror(errno)) : sync_dirfd(fd, dir);
    if (fd >= 0) close(fd);
    free(d);
    return err;
}

static cairn_err write_all(int fd, const uint8_t *b, size_t n, const char *what)
{
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR) continue;
        RETURN_ERROR_IF(w <= 0, CAIRN_ERR_IO, "writing %s: %s", what, w < 0 ? strerror(errno) : "no progress");
        b += w;
        n -= (size_t)w;
    }
    return CAIRN_OK;
}

/* Publishes name in the record folder with exactly these bytes:
 * name.tmp, written and fsynced, renamed to name, folder fsynced. A crash
 * at any step leaves name as it was (absent or the old record) or the new
 * record, and at most a stale name.tmp. */
static cairn_err write_record(jobs_job *j, const char *name, const uint8_t *buf, size_t len)
{
    char tmp[64], what[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s.tmp", name);
    snprintf(what, sizeof what, "%s/%s", j->dir, tmp);
    int fd = openat(j->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    RETURN_ERROR_IF(fd < 0, CAIRN_ERR_IO, "cannot create %s: %s", what, strerror(errno));
    step();
    /* two writes: the crash tests can stop between them (a torn record) */
    size_t half = len / 2;
    cairn_err err = write_all(fd, buf, half, what);
    if (err == CAIRN_OK) {
        step();
        err = write_all(fd, buf + half, len - half, what);
    }
    if (err == CAIRN_OK) {
        step();
        if (fsync(fd) != 0) err = cairn_fail(CAIRN_ERR_IO, "fsync %s: %s", what, strerror(errno));
    }
    if (close(fd) != 0 && err == CAIRN_OK) err = cairn_fail(CAIRN_ERR_IO, "closing %s: %s", what, strerror(errno));
    if (err == CAIRN_OK) {
        step();
        if (renameat(j->dirfd, tmp, j->dirfd, name) != 0)
            err = cairn_fail(CAIRN_ERR_IO, "cannot rename %s to %s: %s", what, name, strerror(errno));
    }
    if (err != CAIRN_OK) {
        unlinkat(j->dirfd, tmp, 0);
        return err;
    }
    step();
    err = sync_dirfd(j->dirfd, j->dir);
    step();
    return err;
}

/* Reads a whole record file of the folder (at most max bytes) into a new
 * buffer. *missing = 1 (and CAIRN_OK) if it does not exist. */
static cairn_err read_record(jobs_job *j, const char *name, uint64_t max, uint8_t **out, size_t *len, int *missing)
{
    *out = NULL;
    *len = 0;
    *missing = 0;
    int fd = openat(j->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        *missing = 1;
        return CAIRN_OK;
    }
    RETURN_ERROR_IF(fd < 0, CAIRN_ERR_IO, "cannot open %s/%s: %s", j->dir, name, strerror(errno));
    struct stat st;
    cairn_err err = CAIRN_OK;
    uint8_t *b = NULL;
    if (fstat(fd, &st) != 0) {
        err = cairn_fail(CAIRN_ERR_IO, "cannot stat %s/%s: %s", j->dir, name, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        err = cairn_fail(CAIRN_ERR_FORMAT, "%s/%s is not a regular file", j->dir, name);
    } else if ((uint64_t)st.st_size > max) {
        err = cairn_fail(CAIRN_ERR_FORMAT, "%s/%s: %lld bytes, more than a record can hold", j->dir, name,
                         (long long)st.st_size);
    } else if (!(b = cairn_malloc((size_t)st.st_size))) {
        err = cairn_fail_nomem((size_t)st.st_size, "out of memory for %s/%s", j->dir, name);
    } else {
        size_t got = 0, want = (size_t)st.st_size;
        while (got < want && err == CAIRN_OK) {
            ssize_t r = read(fd, b + got, want - got);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) err = cairn_fail(CAIRN_ERR_IO, "reading %s/%s: %s", j->dir, name, strerror(errno));
            else if (r == 0) break; /* shrank under us: the decoder sees the short length */
            else got += (size_t)r;
        }
        *len = got;
    }
    close(fd);
    if (err != CAIRN_OK) {
        free(b);
        return err;
    }
    *out = b;
    return CAIRN_OK;
}

/* Largest record: a segment with the largest snapshot and proof. */
#define MAX_SEG_RECORD (JOBS_REC_MAX_BYTES + JOBS_REC_MAX_PROOF_BYTES + 4096)
#define MAX_JOB_RECORD (JOBS_REC_MAX_BYTES + 4096)

/* ---- per-segment flags ---------------------------------------------------- */

static cairn_err flags_grow(jobs_job *j, uint64_t index)
{
    RETURN_ERROR_IF(index >= JOBS_REC_MAX_SEGMENTS, CAIRN_ERR_LIMIT, "segment %" PRIu64 ": more than %" PRIu64 " segments",
                    index, JOBS_REC_MAX_SEGMENTS);
    if (index < j->cap) return CAIRN_OK;
    size_t cap = j->cap ? j->cap : 64;
    while (cap <= index) cap *= 2;
    uint8_t *n = cairn_realloc(j->flags, cap);
    if (!n) return cairn_fail_nomem(cap, "out of memory for the job's segment table");
    memset(n + j->cap, 0, cap - j->cap);
    j->flags = n;
    j->cap = cap;
    return CAIRN_OK;
}

static uint8_t flags_of(const jobs_job *j, uint64_t index)
{
    return index < j->cap ? j->flags[index] : 0;
}

static int proven(const jobs_job *j, uint64_t index)
{
    return (flags_of(j, index) & (REC_PROVEN | IN_FILE)) != 0;
}

static void set_flags(jobs_job *j, uint64_t index, uint8_t f)
{
    int was = proven(j, index);
    j->flags[index] = f;
    int is = proven(j, index);
    if (is && !was) j->nproven++;
    if (was && !is) {
        j->nproven--;
        if (index < j->prefix) j->prefix = index;
    }
    while (proven(j, j->prefix)) j->prefix++;
}

jobs_seg_state jobs_state(const jobs_job *j, uint64_t index)
{
    uint8_t f = flags_of(j, index);
    return f & (REC_PROVEN | IN_FILE) ? JOBS_SEG_PROVEN : f & REC_EXEC ? JOBS_SEG_EXECUTED : JOBS_SEG_MISSING;
}

uint64_t jobs_proven_count(const jobs_job *j)
{
    return j->nproven;
}

uint64_t jobs_proven_prefix(const jobs_job *j)
{
    return j->prefix;
}

uint64_t jobs_missing(const jobs_job *j, uint64_t nseg, uint64_t *out, size_t cap)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < nseg; i++) {
        if (proven(j, i)) continue;
        if (n < cap) out[n] = i;
        n++;
    }
    return n;
}

/* ---- the description -------------------------------------------------- */

static void hex8(char out[17], const uint8_t b[8])
{
    for (int i = 0; i < 8; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The first way the stored description (elf NULL when the job file holds
 * none; has_input 0 when it stores no input digest) differs from the
 * requested one, as a message; 0 if they are the same. */
static int desc_diff(char *msg, size_t cap, const jobs_desc *st, int has_input, const jobs_desc *rq)
{
    char a[17], b[17];
    hex8(a, st->image_id);
    hex8(b, rq->image_id);
    if (st->elf && (st->elf_len != rq->elf_len || memcmp(st->elf, rq->elf, st->elf_len))) {
        snprintf(msg, cap, "program: the job was made from another ELF (%zu bytes, image ID %s...; this one %zu bytes, "
                 "image ID %s...)", st->elf_len, a, rq->elf_len, b);
        return 1;
    }
    if (memcmp(st->image_id, rq->image_id, 32) || st->entry != rq->entry) {
        snprintf(msg, cap, "program: the job's image ID %s... is not this program's %s...", a, b);
        return 1;
    }
    if (!has_input) {
        snprintf(msg, cap, "input: the job file stores no input digest (written before jobs could be resumed)");
        return 1;
    }
    if (memcmp(st->input_digest, rq->input_digest, 32)) {
        hex8(a, st->input_digest);
        hex8(b, rq->input_digest);
        snprintf(msg, cap, "input: the job was made with another private input (input digest %s..., this one %s...)",
                 a, b);
        return 1;
    }
    const h5s_params *p = &st->params, *q = &rq->params;
    if (strcmp(p->preset, q->preset)) {
        snprintf(msg, cap, "preset: the job has %s, this request %s", p->preset, q->preset);
        return 1;
    }
    const struct {
        const char *name;
        uint32_t a, b;
    } f[] = {{"log_blowup", p->log_blowup, q->log_blowup}, {"queries", p->queries, q->queries},
             {"pow_bits", p->pow_bits, q->pow_bits},       {"log_arity", p->log_arity, q->log_arity},
             {"log_final_len", p->log_final_len, q->log_final_len}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].a != f[i].b) {
            snprintf(msg, cap, "proof parameters: %s is %u in the job, %u here", f[i].name, f[i].a, f[i].b);
            return 1;
        }
    if (p->segment_po2 != q->segment_po2) {
        snprintf(msg, cap, "segment size: the job has --segment-po2 %u, this request %u", p->segment_po2,
                 q->segment_po2);
        return 1;
    }
    return 0;
}

static cairn_err differs(const jobs_job *j, const char *where, const char *msg)
{
    return cairn_fail(CAIRN_ERR_USAGE, "%s holds another job than this request: %s (to start again, remove %s and %s)",
                      where, msg, j->path, j->dir);
}

static cairn_err write_job_rec(jobs_job *j)
{
    jobs_rec_job r;
    memset(&r, 0, sizeof r);
    const h5s_params *p = &j->desc.params;
    r.segment_po2 = p->segment_po2;
    r.log_blowup = p->log_blowup;
    r.queries = p->queries;
    r.pow_bits = p->pow_bits;
    r.log_arity = p->log_arity;
    r.log_final_len = p->log_final_len;
    memcpy(r.preset, p->preset, sizeof r.preset);
    memcpy(r.image_id, j->desc.image_id, 32);
    r.entry = j->desc.entry;
    memcpy(r.input_digest, j->desc.input_digest, 32);
    r.elf = j->desc.elf;
    r.elf_len = j->desc.elf_len;
    uint8_t *b;
    size_t n;
    FORWARD_IF_ERROR(jobs_rec_encode_job(&b, &n, &r));
    cairn_err err = write_record(j, JOB_REC, b, n);
    free(b);
    return err;
}

/* job.rec: compared with the request; *missing if there is none. */
static cairn_err check_job_rec(jobs_job *j, int *missing)
{
    uint8_t *b;
    size_t n;
    FORWARD_IF_ERROR(read_record(j, JOB_REC, MAX_JOB_RECORD, &b, &n, missing));
    if (*missing) return CAIRN_OK;
    jobs_rec_job r;
    cairn_err err = jobs_rec_decode_job(&r, b, n);
    if (err != CAIRN_OK) {
        free(b);
        return cairn_prefix_error(err, "%s/%s is damaged, so the job cannot be checked (it is left as it is)", j->dir,
                                  JOB_REC);
    }
    jobs_desc st;
    memset(&st, 0, sizeof st);
    st.elf = r.elf ? r.elf : (const uint8_t *)"";
    st.elf_len = r.elf_len;
    memcpy(st.image_id, r.image_id, 32);
    st.entry = r.entry;
    memcpy(st.input_digest, r.input_digest, 32);
    snprintf(st.params.preset, sizeof st.params.preset, "%s", r.preset);
    st.params.log_blowup = r.log_blowup;
    st.params.queries = r.queries;
    st.params.pow_bits = r.pow_bits;
    st.params.log_arity = r.log_arity;
    st.params.log_final_len = r.log_final_len;
    st.params.segment_po2 = r.segment_po2;
    char msg[512];
    int d = desc_diff(msg, sizeof msg, &st, 1, &j->desc);
    free(b);
    if (d) {
        char where[PATH_MAX + 64];
        snprintf(where, sizeof where, "%s/%s", j->dir, JOB_REC);
        return differs(j, where, msg);
    }
    return CAIRN_OK;
}

/* ---- the job file ---------------------------------------------------------- */

/* Opens PATH and checks it against the request: a proof job of the same
 * description whose every segment is proven at the job's size. */
static cairn_err open_file(jobs_job *j)
{
    h5s_reader *r;
    cairn_err err = h5s_open(&r, j->path);
    if (err != CAIRN_OK)
        return cairn_prefix_error(err, "the job file cannot be read, so the job is not resumed and the file is left "
                                       "as it is (move it away to start again)");
    j->rd = r;
    h5s_params hp;
    RETURN_ERROR_IF(!h5s_params_get(r, &hp), CAIRN_ERR_USAGE,
                    "%s is not a cairn prove job (no proof parameters: made by cairn exec?); it is left as it is",
                    j->path);
    h5s_program_info pi;
    h5s_program_get(r, &pi);
    jobs_desc st;
    memset(&st, 0, sizeof st);
    uint8_t *elf = NULL;
    size_t elf_len = 0;
    if (pi.has_elf) FORWARD_IF_ERROR(h5s_read_elf(r, &elf, &elf_len));
    st.elf = pi.has_elf ? (elf ? elf : (const uint8_t *)"") : NULL;
    st.elf_len = elf_len;
    memcpy(st.image_id, pi.image_id, 32);
    st.entry = pi.entry;
    int has_input = h5s_input_digest_get(r, st.input_digest);
    st.params = hp;
    char msg[512];
    int d = desc_diff(msg, sizeof msg, &st, has_input, &j->desc);
    free(elf);
    if (d) return differs(j, j->path, msg);
    uint64_t cyc, fin[H5S_STATE_ELEMS];
    j->file_final = h5s_final_get(r, fin, &cyc);
    uint64_t n = h5s_segment_count(r);
    for (uint64_t i = 0; i < n; i++) {
        h5s_segment_meta m;
        err = h5s_segment(r, i, &m);
        if (err != CAIRN_OK)
            return cairn_prefix_error(err, "the job file is damaged, so the job is not resumed and the file is left as "
                                           "it is (move it away to start again)");
        RETURN_ERROR_IF(!m.has_proof || !rv_air_seg_po2_ok(hp.segment_po2, m.claim.po2), CAIRN_ERR_FORMAT,
                        "%s: segment %" PRIu64 " has %s; the file is left as it is", j->path, i,
                        m.has_proof ? "a claim of another segment size" : "no proof");
        FORWARD_IF_ERROR(flags_grow(j, i));
        set_flags(j, i, flags_of(j, i) | IN_FILE);
    }
    return CAIRN_OK;
}

/* ---- opening ---------------------------------------------------------------- */

/* Moves a damaged or unusable record aside (NAME.bad, which nothing
 * reads) so that the segment is proven again. */
static void set_aside(jobs_job *j, uint64_t index, const char *name, const char *why)
{
    char bad[64];
    snprintf(bad, sizeof bad, "%s.bad", name);
    event(j, JOBS_EV_IGNORED, index, 0, "segment %" PRIu64 ": the stored result %s/%s is not used: %s; it is kept as %s "
          "and the segment is proven again", index, j->dir, name, why, bad);
    renameat(j->dirfd, name, j->dirfd, bad);
    step();
}

/* Reads every record of the folder: stale *.tmp files are removed,
 * records that fail their checks set aside. */
static cairn_err scan_folder(jobs_job *j, int *nseg_records)
{
    *nseg_records = 0;
    int fd = dup(j->dirfd);
    RETURN_ERROR_IF(fd < 0, CAIRN_ERR_IO, "cannot read %s: %s", j->dir, strerror(errno));
    DIR *dp = fdopendir(fd);
    if (!dp) {
        close(fd);
        return cairn_fail(CAIRN_ERR_IO, "cannot read %s: %s", j->dir, strerror(errno));
    }
    rewinddir(dp);
    /* names first: the folder changes while records are set aside */
    char (*names)[SEG_NAME_LEN + 1] = NULL;
    size_t nn = 0, ncap = 0;
    cairn_err err = CAIRN_OK;
    struct dirent *de;
    while (err == CAIRN_OK && (de = readdir(dp))) {
        uint64_t idx;
        if (ends_with(de->d_name, ".tmp")) {
            /* an interrupted write: never a complete record */
            unlinkat(j->dirfd, de->d_name, 0);
            continue;
        }
        if (!parse_seg_name(de->d_name, &idx)) continue;
        if (nn == ncap) {
            size_t c = ncap ? ncap * 2 : 64;
            void *p = cairn_realloc_array(names, c, sizeof *names);
            if (!p) {
                err = cairn_fail_nomem(c * sizeof *names, "out of memory listing %s", j->dir);
                break;
            }
            names = p;
            ncap = c;
        }
        memcpy(names[nn++], de->d_name, SEG_NAME_LEN + 1);
    }
    closedir(dp);
    for (size_t k = 0; k < nn && err == CAIRN_OK; k++) {
        uint64_t idx = 0;
        parse_seg_name(names[k], &idx);
        (*nseg_records)++;
        uint8_t *b;
        size_t n;
        int missing;
        err = read_record(j, names[k], MAX_SEG_RECORD, &b, &n, &missing);
        if (err != CAIRN_OK || missing) {
            if (err == CAIRN_ERR_FORMAT) {
                set_aside(j, idx, names[k], cairn_last_error());
                err = CAIRN_OK;
            }
            continue;
        }
        jobs_rec_seg s;
        cairn_err e = jobs_rec_decode_seg(&s, b, n);
        char why[CAIRN_ERROR_MSG_MAX + 64];
        why[0] = 0;
        if (e != CAIRN_OK) snprintf(why, sizeof why, "%s", cairn_last_error());
        else if (s.index != idx) snprintf(why, sizeof why, "it holds segment %" PRIu64, s.index);
        else if (s.proven && !rv_air_seg_po2_ok(j->desc.params.segment_po2, s.claim_po2))
            snprintf(why, sizeof why, "its claim is for segments of 2^%u cycles", s.claim_po2);
        free(b);
        if (why[0]) {
            set_aside(j, idx, names[k], why);
            continue;
        }
        if ((err = flags_grow(j, idx)) != CAIRN_OK) break;
        uint8_t f = flags_of(j, idx);
        if (s.proven && (f & IN_FILE)) {
            /* a checkpoint was interrupted after its job file was in
             * place: the record is a copy of what the file holds */
            unlinkat(j->dirfd, names[k], 0);
            step();
            continue;
        }
        set_flags(j, idx, (uint8_t)(f | (s.proven ? REC_PROVEN : REC_EXEC)));
    }
    free(names);
    return err;
}

static cairn_err make_folder(jobs_job *j)
{
    RETURN_ERROR_IF(mkdir(j->dir, 0755) != 0 && errno != EEXIST, CAIRN_ERR_IO, "cannot create %s: %s", j->dir,
                    strerror(errno));
    step();
    FORWARD_IF_ERROR(sync_parent(j->dir));
    return CAIRN_OK;
}

static cairn_err open_folder(jobs_job *j)
{
    j->dirfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    RETURN_ERROR_IF(j->dirfd < 0, CAIRN_ERR_IO, "cannot open %s: %s", j->dir, strerror(errno));
    return CAIRN_OK;
}

static cairn_err open_new(jobs_job *j, int have_file, int have_dir)
{
    RETURN_ERROR_IF(have_dir, CAIRN_ERR_USAGE,
                    "%s holds the records of an unfinished job: continue it with --resume, or remove it to start again",
                    j->dir);
    if (have_file) {
        h5s_reader *r;
        h5s_params hp;
        uint64_t cyc, fin[H5S_STATE_ELEMS];
        if (h5s_open(&r, j->path) == CAIRN_OK) {
            int unfinished = h5s_params_get(r, &hp) && !h5s_final_get(r, fin, &cyc);
            uint64_t n = h5s_segment_count(r);
            h5s_close(r);
            RETURN_ERROR_IF(unfinished, CAIRN_ERR_USAGE,
                            "%s is an unfinished job (a checkpoint of %" PRIu64 " proven segments): continue it with "
                            "--resume, or remove it to start again",
                            j->path, n);
        }
        cairn_clear_error();
        /* the new job replaces it (as a finished file would at the end);
         * removed now so that the file and the new folder are one job */
        RETURN_ERROR_IF(unlink(j->path) != 0, CAIRN_ERR_IO, "cannot remove %s: %s", j->path, strerror(errno));
        step();
        FORWARD_IF_ERROR(sync_parent(j->path));
        event(j, JOBS_EV_NOTICE, 0, 0, "%s: the earlier job file is replaced by this job", j->path);
    }
    FORWARD_IF_ERROR(make_folder(j));
    FORWARD_IF_ERROR(open_folder(j));
    return write_job_rec(j);
}

static cairn_err open_resume(jobs_job *j, int have_file, int have_dir)
{
    if (!have_file && !have_dir) {
        event(j, JOBS_EV_NOTICE, 0, 0, "%s: no job stored yet; starting it", j->path);
        FORWARD_IF_ERROR(make_folder(j));
        FORWARD_IF_ERROR(open_folder(j));
        return write_job_rec(j);
    }
    if (have_dir) {
        FORWARD_IF_ERROR(open_folder(j));
        int missing;
        FORWARD_IF_ERROR(check_job_rec(j, &missing));
        if (have_file) FORWARD_IF_ERROR(open_file(j));
        int nrec;
        FORWARD_IF_ERROR(scan_folder(j, &nrec));
        if (missing) {
            /* job.rec is written before any segment record: a folder with
             * records but without it was not left by cairn */
            RETURN_ERROR_IF(nrec > 0 && !have_file, CAIRN_ERR_FORMAT,
                            "%s holds segment records but no job description (%s): it is left as it is (remove it to "
                            "start again)",
                            j->dir, JOB_REC);
            if (!have_file)
                event(j, JOBS_EV_NOTICE, 0, 0, "%s: the job's creation was interrupted; starting it again", j->dir);
            FORWARD_IF_ERROR(write_job_rec(j));
        }
        return CAIRN_OK;
    }
    FORWARD_IF_ERROR(open_file(j));
    FORWARD_IF_ERROR(make_folder(j));
    FORWARD_IF_ERROR(open_folder(j));
    return write_job_rec(j);
}

/* ---- attempts (jobs.h "Attempts") ----------------------------------------------- */

#define ATTEMPTS_REC "attempts.rec"
#define MAX_ATTEMPTS_RECORD (JOBS_REC_HEADER_BYTES + JOBS_REC_TRAILER_BYTES + 8 + 32u * JOBS_REC_MAX_ATTEMPTS)

static void attempt_attr(char *out, size_t cap, size_t i, const char *field)
{
    snprintf(out, cap, "attempt_%03zu_%s", i, field);
}

int jobs_attempt_attr(const char *name)
{
    return !strcmp(name, "attempts") || !strncmp(name, "attempt_", 8);
}

cairn_err jobs_attempts_read(const h5s_reader *r, jobs_attempt *out, size_t *n)
{
    *n = 0;
    uint64_t count;
    if (h5s_get_attr_u64(r, "attempts", &count) != CAIRN_OK) {
        cairn_clear_error();
        return CAIRN_OK; /* written before attempts were recorded */
    }
    RETURN_ERROR_IF(count < 1 || count > JOBS_REC_MAX_ATTEMPTS, CAIRN_ERR_FORMAT,
                    "/run attempts = %" PRIu64 ", not 1..%u", count, JOBS_REC_MAX_ATTEMPTS);
    static const char *const fields[4] = {"slurm_job_id", "restart_count", "start_ns", "used_ns"};
    for (size_t i = 0; i < (size_t)count; i++) {
        uint64_t v[4];
        for (int k = 0; k < 4; k++) {
            char name[64];
            attempt_attr(name, sizeof name, i, fields[k]);
            FORWARD_IF_ERROR(h5s_get_attr_u64(r, name, &v[k]));
        }
        jobs_attempt a = {v[0], v[1], v[2], v[3]};
        RETURN_ERROR_IF(a.start_ns == 0 || a.used_ns > UINT64_MAX - a.start_ns, CAIRN_ERR_FORMAT,
                        "/run attempt %zu: start %" PRIu64 " ns, used %" PRIu64 " ns", i, a.start_ns, a.used_ns);
        out[i] = a;
    }
    *n = (size_t)count;
    return CAIRN_OK;
}

static cairn_err write_attempts_attrs(const jobs_job *j, h5s_job *w)
{
    if (!j->natt) return CAIRN_OK;
    static const char *const fields[4] = {"slurm_job_id", "restart_count", "start_ns", "used_ns"};
    FORWARD_IF_ERROR(h5s_job_set_attr_u64(w, "attempts", j->natt));
    for (size_t i = 0; i < j->natt; i++) {
        const uint64_t v[4] = {j->att[i].slurm_job_id, j->att[i].restart_count, j->att[i].start_ns,
                               j->att[i].used_ns};
        for (int k = 0; k < 4; k++) {
            char name[64];
            attempt_attr(name, sizeof name, i, fields[k]);
            FORWARD_IF_ERROR(h5s_job_set_attr_u64(w, name, v[k]));
        }
    }
    return CAIRN_OK;
}

/* The attempts so far: from the job file's /run and from the record
 * (written at each attempt's start and end, so it is the newer when it
 * has at least as many). Damage in either is said and that copy ignored:
 * the attempts are a log, not something a proof depends on. */
static void load_attempts(jobs_job *j)
{
    size_t nf = 0;
    if (j->rd && jobs_attempts_read(j->rd, j->att, &nf) != CAIRN_OK) {
        event(j, JOBS_EV_NOTICE, 0, 0, "%s: the attempts recorded in the job file are not used: %s", j->path,
              cairn_last_error());
        nf = 0;
    }
    j->natt = nf;
    if (j->dirfd < 0) return;
    uint8_t *b = NULL;
    size_t len = 0;
    int missing = 1;
    jobs_attempt *rec = cairn_malloc(JOBS_REC_MAX_ATTEMPTS * sizeof *rec);
    size_t nr = 0;
    cairn_err e = rec ? read_record(j, ATTEMPTS_REC, MAX_ATTEMPTS_RECORD, &b, &len, &missing)
                      : cairn_fail(CAIRN_ERR_NOMEM, "out of memory");
    if (e == CAIRN_OK && !missing) e = jobs_rec_decode_attempts(rec, &nr, b, len);
    free(b);
    if (e != CAIRN_OK)
        event(j, JOBS_EV_NOTICE, 0, 0, "%s/%s is not used: %s", j->dir, ATTEMPTS_REC, cairn_last_error());
    else if (!missing && nr >= nf) {
        memcpy(j->att, rec, nr * sizeof rec[0]);
        j->natt = nr;
    }
    free(rec);
}

static cairn_err write_attempts(jobs_job *j)
{
    if (j->dirfd < 0 || !j->natt) return CAIRN_OK;
    uint8_t *b;
    size_t n;
    FORWARD_IF_ERROR(jobs_rec_encode_attempts(&b, &n, j->att, j->natt));
    /* the same atomic write as every record, but not counted as storage
     * steps: the crash tests (CAIRN_TEST_KILL_AT) aim at the segment
     * records' steps, whose numbers stay as before attempts existed */
    g_steps_off = 1;
    cairn_err e = write_record(j, ATTEMPTS_REC, b, n);
    g_steps_off = 0;
    free(b);
    return e;
}

cairn_err jobs_attempt_begin(jobs_job *j, uint64_t slurm_job_id, uint64_t restart_count, uint64_t start_ns)
{
    RETURN_ERROR_IF(!j || start_ns == 0, CAIRN_ERR_USAGE, "jobs_attempt_begin: NULL job or no start time");
    if (j->natt == JOBS_REC_MAX_ATTEMPTS) {
        memmove(j->att, j->att + 1, (j->natt - 1) * sizeof j->att[0]);
        j->natt--;
    }
    j->att[j->natt++] = (jobs_attempt){slurm_job_id, restart_count, start_ns, 0};
    return write_attempts(j);
}

cairn_err jobs_attempt_end(jobs_job *j, uint64_t used_ns)
{
    RETURN_ERROR_IF(!j || !j->natt, CAIRN_ERR_USAGE, "jobs_attempt_end: no attempt begun");
    jobs_attempt *a = &j->att[j->natt - 1];
    a->used_ns = used_ns > UINT64_MAX - a->start_ns ? UINT64_MAX - a->start_ns : used_ns;
    return write_attempts(j);
}

size_t jobs_attempts(const jobs_job *j, const jobs_attempt **out)
{
    *out = j->att;
    return j->natt;
}

cairn_err jobs_open(jobs_job **out, const char *path, const jobs_desc *d, jobs_mode mode, const jobs_opts *opts)
{
    RETURN_ERROR_IF(!out || !path || !*path || !d, CAIRN_ERR_USAGE, "jobs_open: NULL argument");
    *out = NULL;
    RETURN_ERROR_IF(d->elf_len > JOBS_REC_MAX_BYTES || (d->elf_len && !d->elf), CAIRN_ERR_USAGE,
                    "jobs_open: ELF of %zu bytes", d->elf_len);
    RETURN_ERROR_IF(d->params.segment_po2 < RV_MIN_SEGMENT_PO2 || d->params.segment_po2 > RV_MAX_SEGMENT_PO2,
                    CAIRN_ERR_USAGE, "jobs_open: segment po2 %u out of range %u..%u", d->params.segment_po2,
                    RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2);
    RETURN_ERROR_IF(!memchr(d->params.preset, 0, sizeof d->params.preset) || !jobs_rec_name_ok(d->params.preset),
                    CAIRN_ERR_USAGE, "jobs_open: preset name is not valid");
    jobs_job *j = calloc(1, sizeof *j);
    RETURN_ERROR_IF(!j, CAIRN_ERR_NOMEM, "out of memory");
    j->dirfd = -1;
    size_t n = strlen(path);
    j->path = strdup(path);
    j->dir = malloc(n + sizeof JOBS_DIR_SUFFIX);
    j->elf = cairn_malloc(d->elf_len);
    cairn_err err = CAIRN_OK;
    if (!j->path || !j->dir || !j->elf) {
        err = cairn_fail(CAIRN_ERR_NOMEM, "out of memory");
        goto fail;
    }
    memcpy(j->dir, path, n);
    memcpy(j->dir + n, JOBS_DIR_SUFFIX, sizeof JOBS_DIR_SUFFIX);
    j->desc = *d;
    if (d->elf_len) memcpy(j->elf, d->elf, d->elf_len);
    j->desc.elf = j->elf;
    if (opts) j->opts = *opts;
    else j->opts.checkpoint_first = JOBS_DEFAULT_CHECKPOINT;
    if ((err = jobs_params_from_h5s(&j->prm, &j->desc.params)) != CAIRN_OK) {
        err = cairn_prefix_error(err, "jobs_open: parameters");
        goto fail;
    }

    struct stat sf, sd;
    int have_file = lstat(path, &sf) == 0, have_dir = lstat(j->dir, &sd) == 0;
    if (have_file && !S_ISREG(sf.st_mode)) {
        err = cairn_fail(CAIRN_ERR_IO, "%s exists and is not a regular file", path);
        goto fail;
    }
    if (have_dir && !S_ISDIR(sd.st_mode)) {
        err = cairn_fail(CAIRN_ERR_IO, "%s exists and is not a directory", j->dir);
        goto fail;
    }
    err = mode == JOBS_NEW ? open_new(j, have_file, have_dir) : open_resume(j, have_file, have_dir);
    if (err != CAIRN_OK) goto fail;
    load_attempts(j);
    uint64_t first = j->opts.checkpoint_first;
    uint64_t in_file = j->rd ? h5s_segment_count(j->rd) : 0;
    j->next_ckpt = first == 0 ? UINT64_MAX : in_file >= first ? 2 * in_file : first;
    *out = j;
    return CAIRN_OK;
fail:
    jobs_close(j);
    return err;
}

void jobs_close(jobs_job *j)
{
    if (!j) return;
    h5s_close(j->rd);
    if (j->dirfd >= 0) close(j->dirfd);
    free(j->flags);
    free(j->elf);
    free(j->dir);
    free(j->path);
    free(j);
}

/* ---- results -------------------------------------------------------------- */

cairn_err jobs_put(jobs_job *j, const jobs_result *r)
{
    RETURN_ERROR_IF(!j || !r, CAIRN_ERR_USAGE, "jobs_put: NULL argument");
    RETURN_ERROR_IF(j->dirfd < 0, CAIRN_ERR_USAGE, "jobs_put: the job is finished or discarded");
    FORWARD_IF_ERROR(flags_grow(j, r->index));
    RETURN_ERROR_IF((!r->snapshot || r->snapshot_len == 0) && !(r->proof && (flags_of(j, r->index) & REC_EXEC)),
                    CAIRN_ERR_USAGE, "jobs_put: segment %" PRIu64 " has no snapshot, given or stored", r->index);
    if (r->proof)
        RETURN_ERROR_IF(!rv_air_seg_po2_ok(j->desc.params.segment_po2, r->claim.po2) || r->claim.cycles == 0,
                        CAIRN_ERR_USAGE,
                        "jobs_put: segment %" PRIu64 ": claim of %" PRIu64 " cycles at po2 %u in a job of po2 %u",
                        r->index, r->claim.cycles, r->claim.po2, j->desc.params.segment_po2);
    uint8_t f = flags_of(j, r->index);
    if (proven(j, r->index) || (!r->proof && (f & REC_EXEC))) return CAIRN_OK;
    jobs_rec_seg s;
    memset(&s, 0, sizeof s);
    s.index = r->index;
    s.snapshot = r->snapshot;
    s.snapshot_len = r->snapshot_len;
    s.exec_ns = r->exec_ns;
    jobs_stored executed = {0};
    if (!r->snapshot || r->snapshot_len == 0) {
        /* the snapshot (and execution time) stored when the segment was
         * executed */
        FORWARD_IF_ERROR(jobs_get(j, r->index, &executed));
        s.snapshot = executed.snapshot;
        s.snapshot_len = executed.snapshot_len;
        if (!s.exec_ns) s.exec_ns = executed.exec_ns;
    }
    if (r->proof) {
        h5s_claim hc;
        jobs_claim_to_h5s(&hc, &r->claim);
        s.proven = 1;
        s.rank = r->rank;
        s.task_ns = r->seconds > 0 ? (uint64_t)(r->seconds * 1e9) : 0;
        s.start_ns = r->start_ns;
        s.claim_po2 = hc.po2;
        memcpy(s.claim_start, hc.start, 32);
        memcpy(s.claim_end, hc.end, 32);
        s.claim_cycles = hc.cycles;
        s.proof = r->proof;
        s.proof_len = r->proof_len;
    }
    uint8_t *b;
    size_t n;
    cairn_err err = jobs_rec_encode_seg(&b, &n, &s);
    jobs_stored_free(&executed);
    FORWARD_IF_ERROR(err);
    char name[SEG_NAME_CAP];
    seg_name(name, r->index);
    err = write_record(j, name, b, n);
    free(b);
    FORWARD_IF_ERROR(err);
    set_flags(j, r->index, (uint8_t)((f & ~REC_EXEC) | (r->proof ? REC_PROVEN : REC_EXEC)));
    event(j, JOBS_EV_STORED, r->index, 0, NULL);
    if (r->proof && j->prefix >= j->next_ckpt) FORWARD_IF_ERROR(jobs_checkpoint(j));
    return CAIRN_OK;
}

cairn_err jobs_put_proof(jobs_job *j, const rv_snapshot *s, const jobs_proof *p, uint32_t rank)
{
    uint8_t *snap;
    size_t len;
    FORWARD_IF_ERROR(rv_snapshot_encode(&snap, &len, s));
    jobs_result r = {.index = s->index,
                     .snapshot = snap,
                     .snapshot_len = len,
                     .proof = p->proof,
                     .proof_len = p->len,
                     .claim = p->claim,
                     .rank = rank,
                     .seconds = p->seconds};
    cairn_err err = jobs_put(j, &r);
    free(snap);
    return err;
}

static cairn_err sink_put(void *ctx, const jobs_result *r)
{
    return jobs_put(ctx, r);
}

jobs_sink jobs_sink_of(jobs_job *j)
{
    jobs_sink s = {sink_put, j};
    return s;
}

void jobs_stored_free(jobs_stored *s)
{
    if (!s) return;
    free(s->snapshot);
    free(s->proof);
    s->snapshot = s->proof = NULL;
}

/* From the job file. */
static cairn_err get_from_file(jobs_job *j, uint64_t index, jobs_stored *out)
{
    h5s_segment_meta m;
    FORWARD_IF_ERROR(h5s_segment(j->rd, index, &m));
    FORWARD_IF_ERROR(h5s_read_snapshot(j->rd, index, &out->snapshot, &out->snapshot_len));
    FORWARD_IF_ERROR(h5s_read_proof(j->rd, index, &out->proof, &out->proof_len));
    RETURN_ERROR_IF(!out->snapshot || !out->proof, CAIRN_ERR_FORMAT, "%s: segment %" PRIu64 ": empty snapshot or proof",
                    j->path, index);
    int has_task;
    h5s_task t;
    FORWARD_IF_ERROR(h5s_segment_task(j->rd, index, &has_task, &t));
    out->claim = m.claim;
    out->rank = t.rank;
    out->task_ns = t.ns;
    out->exec_ns = t.exec_ns;
    out->start_ns = t.start_ns;
    out->state = JOBS_SEG_PROVEN;
    return CAIRN_OK;
}

cairn_err jobs_get(jobs_job *j, uint64_t index, jobs_stored *out)
{
    RETURN_ERROR_IF(!j || !out, CAIRN_ERR_USAGE, "jobs_get: NULL argument");
    memset(out, 0, sizeof *out);
    uint8_t f = flags_of(j, index);
    RETURN_ERROR_IF(!f, CAIRN_ERR_USAGE, "jobs_get: nothing stored for segment %" PRIu64, index);
    cairn_err err;
    if (f & (REC_PROVEN | REC_EXEC)) {
        char name[SEG_NAME_CAP];
        seg_name(name, index);
        uint8_t *b;
        size_t n;
        int missing;
        FORWARD_IF_ERROR(read_record(j, name, MAX_SEG_RECORD, &b, &n, &missing));
        RETURN_ERROR_IF(missing, CAIRN_ERR_CORRUPT, "%s/%s has disappeared", j->dir, name);
        jobs_rec_seg s;
        err = jobs_rec_decode_seg(&s, b, n);
        if (err == CAIRN_OK && s.index != index)
            err = cairn_fail(CAIRN_ERR_FORMAT, "it holds segment %" PRIu64, s.index);
        if (err == CAIRN_OK) {
            out->snapshot = cairn_malloc(s.snapshot_len);
            out->proof = s.proven ? cairn_malloc(s.proof_len) : NULL;
            if (!out->snapshot || (s.proven && !out->proof)) {
                err = cairn_fail_nomem(s.snapshot_len + s.proof_len, "out of memory reading %s/%s", j->dir, name);
            } else {
                memcpy(out->snapshot, s.snapshot, s.snapshot_len);
                out->snapshot_len = s.snapshot_len;
                if (s.proven) memcpy(out->proof, s.proof, s.proof_len);
                out->proof_len = s.proof_len;
                out->claim.po2 = s.claim_po2;
                memcpy(out->claim.start, s.claim_start, 32);
                memcpy(out->claim.end, s.claim_end, 32);
                out->claim.cycles = s.claim_cycles;
                out->rank = s.rank;
                out->task_ns = s.task_ns;
                out->exec_ns = s.exec_ns;
                out->start_ns = s.start_ns;
                out->state = s.proven ? JOBS_SEG_PROVEN : JOBS_SEG_EXECUTED;
            }
        } else {
            err = cairn_prefix_error(err == CAIRN_ERR_FORMAT ? CAIRN_ERR_CORRUPT : err, "%s/%s", j->dir, name);
        }
        free(b);
    } else {
        err = get_from_file(j, index, out);
    }
    if (err != CAIRN_OK) jobs_stored_free(out);
    return err;
}

/* A stored result that cannot stand for its segment: set aside (a record)
 * or no longer taken from the job file, and redone. */
static void drop(jobs_job *j, uint64_t index, const char *why)
{
    uint8_t f = flags_of(j, index);
    if (f & (REC_PROVEN | REC_EXEC)) {
        char name[SEG_NAME_CAP];
        seg_name(name, index);
        set_aside(j, index, name, why);
    } else {
        event(j, JOBS_EV_IGNORED, index, 0,
              "segment %" PRIu64 ": the result stored in %s is not used: %s; the segment is proven again", index,
              j->path, why);
    }
    set_flags(j, index, 0);
}

cairn_err jobs_reuse(jobs_job *j, const rv_snapshot *s, int *reused, size_t *proof_len)
{
    RETURN_ERROR_IF(!j || !s || !reused, CAIRN_ERR_USAGE, "jobs_reuse: NULL argument");
    *reused = 0;
    if (proof_len) *proof_len = 0;
    if (!proven(j, s->index)) return CAIRN_OK;
    jobs_stored st;
    cairn_err err = jobs_get(j, s->index, &st);
    if (err == CAIRN_ERR_CORRUPT || err == CAIRN_ERR_FORMAT) {
        drop(j, s->index, cairn_last_error());
        return CAIRN_OK;
    }
    FORWARD_IF_ERROR(err);
    char why[CAIRN_ERROR_MSG_MAX + 64];
    why[0] = 0;
    rv_seg_claim want, got;
    jobs_snapshot_claim(&want, s);
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    if (jobs_claim_from_h5s(&got, &st.claim) != CAIRN_OK || got.po2 != want.po2 || got.cycles != want.cycles ||
        memcmp(&got.start, &want.start, sizeof got.start) || memcmp(&got.end, &want.end, sizeof got.end)) {
        snprintf(why, sizeof why, "its claim is not the re-executed segment's");
    } else if ((err = rv_snapshot_encode(&enc, &enc_len, s)) != CAIRN_OK) {
        jobs_stored_free(&st);
        return err;
    } else if (enc_len != st.snapshot_len || memcmp(enc, st.snapshot, enc_len)) {
        snprintf(why, sizeof why, "its snapshot is not the re-executed segment's");
    } else if ((err = rv_verify_segment(&got, st.proof, st.proof_len, &j->prm)) != CAIRN_OK) {
        if (err != CAIRN_ERR_VERIFY && err != CAIRN_ERR_FORMAT) {
            free(enc);
            jobs_stored_free(&st);
            return err;
        }
        snprintf(why, sizeof why, "its proof does not verify: %s", cairn_last_error());
    }
    free(enc);
    size_t plen = st.proof_len;
    jobs_stored_free(&st);
    if (why[0]) {
        drop(j, s->index, why);
        return CAIRN_OK;
    }
    *reused = 1;
    if (proof_len) *proof_len = plen;
    return CAIRN_OK;
}

/* ---- the job file: checkpoints and the end -------------------------------- */

/* Writes PATH from segments 0..n-1 (and, with final, the end of the job),
 * then deletes the records it gathered. */
static cairn_err write_file(jobs_job *j, uint64_t n, const rv_state *final, uint64_t cycles, const uint8_t *journal,
                            size_t journal_len, uint64_t *proof_bytes)
{
    h5s_job *w = NULL;
    h5s_program hp = {.image_id = j->desc.image_id,
                      .image_id_len = 32,
                      .entry = j->desc.entry,
                      .elf = j->desc.elf_len ? j->desc.elf : NULL,
                      .elf_len = j->desc.elf_len};
    step();
    FORWARD_IF_ERROR(h5s_job_create(&w, j->path, &hp));
    cairn_err err = h5s_job_set_input_digest(w, j->desc.input_digest);
    if (err == CAIRN_OK) err = h5s_job_set_params(w, &j->desc.params);
    if (err == CAIRN_OK) err = write_attempts_attrs(j, w);
    uint64_t total = 0;
    p2_digest prev = {{0}};
    for (uint64_t i = 0; i < n && err == CAIRN_OK; i++) {
        jobs_stored st;
        rv_snapshot s;
        memset(&s, 0, sizeof s);
        if ((err = jobs_get(j, i, &st)) != CAIRN_OK) break;
        rv_seg_claim c, want;
        err = rv_snapshot_decode(&s, st.snapshot, st.snapshot_len);
        if (err == CAIRN_OK) err = jobs_claim_from_h5s(&c, &st.claim);
        if (err == CAIRN_OK) {
            /* what the job file will claim holds together: each proof's
             * claim is its snapshot's, and the claims chain from the
             * image ID on */
            jobs_snapshot_claim(&want, &s);
            p2_digest id;
            jobs_digest_from_bytes(&id, j->desc.image_id);
            if (c.po2 != want.po2 || c.cycles != want.cycles || memcmp(&c.start, &want.start, sizeof c.start) ||
                memcmp(&c.end, &want.end, sizeof c.end))
                err = cairn_fail(CAIRN_ERR_INTERNAL, "segment %" PRIu64 ": the stored claim is not its snapshot's", i);
            else if (memcmp(&c.start, i ? &prev : &id, sizeof c.start))
                err = cairn_fail(CAIRN_ERR_INTERNAL, "segment %" PRIu64 ": the stored claim does not start where %s",
                                 i, i ? "the previous segment ends" : "the program starts (image ID)");
            prev = c.end;
        }
        if (err == CAIRN_OK) {
            h5s_segment_info info;
            jobs_segment_info(&info, &s);
            h5s_segment_data d = {.info = &info,
                                  .snapshot = st.snapshot,
                                  .snapshot_len = st.snapshot_len,
                                  .proof = st.proof,
                                  .proof_len = st.proof_len,
                                  .claim = &st.claim};
            h5s_task t = {st.rank, st.task_ns, st.start_ns, st.exec_ns};
            err = h5s_job_add_segment_task(w, &d, &t);
            total += st.proof_len;
        }
        rv_snapshot_free(&s);
        jobs_stored_free(&st);
        step();
    }
    if (err == CAIRN_OK && final) {
        p2_digest fin;
        rv_state_digest(&fin, final);
        gl_t fe[RV_STATE_NELEMS];
        rv_state_elems(fe, final);
        if (memcmp(&fin, &prev, sizeof fin))
            err = cairn_fail(CAIRN_ERR_INTERNAL, "the last segment's claim does not end in the final state");
        if (err == CAIRN_OK) err = h5s_job_set_final(w, fe, cycles);
        if (err == CAIRN_OK) err = h5s_job_set_journal(w, journal, journal_len);
        if (err == CAIRN_OK) err = jobs_run_summary(w, final, cycles, n, j->desc.params.segment_po2, total);
        if (err == CAIRN_OK && j->fold) err = h5s_job_set_proof(w, j->fold);
    }
    if (err != CAIRN_OK) {
        h5s_job_abort(w);
        return err;
    }
    /* every read of the old file is done */
    h5s_close(j->rd);
    j->rd = NULL;
    step();
    err = h5s_job_close(w);
    step();
    cairn_err e2 = h5s_open(&j->rd, j->path);
    if (err == CAIRN_OK) err = e2;
    FORWARD_IF_ERROR(err);
    j->file_final = final != NULL;
    if (proof_bytes) *proof_bytes = total;
    /* the file is in place: its segments' records are copies now */
    for (uint64_t i = 0; i < n; i++) {
        uint8_t f = flags_of(j, i);
        if (f & (REC_PROVEN | REC_EXEC)) {
            char name[SEG_NAME_CAP];
            seg_name(name, i);
            if (unlinkat(j->dirfd, name, 0) != 0 && errno != ENOENT)
                return cairn_fail(CAIRN_ERR_IO, "cannot remove %s/%s: %s", j->dir, name, strerror(errno));
            step();
        }
        set_flags(j, i, IN_FILE);
    }
    return sync_dirfd(j->dirfd, j->dir);
}

cairn_err jobs_checkpoint(jobs_job *j)
{
    RETURN_ERROR_IF(!j, CAIRN_ERR_USAGE, "jobs_checkpoint: NULL job");
    RETURN_ERROR_IF(j->dirfd < 0, CAIRN_ERR_USAGE, "jobs_checkpoint: the job is finished or discarded");
    uint64_t n = j->prefix;
    uint64_t in_file = j->rd ? h5s_segment_count(j->rd) : 0;
    int needed = n > in_file;
    for (uint64_t i = 0; i < n && !needed; i++) needed = !(flags_of(j, i) & IN_FILE);
    if (!needed || j->file_final) return CAIRN_OK;
    FORWARD_IF_ERROR(write_file(j, n, NULL, 0, NULL, 0, NULL));
    if (j->opts.checkpoint_first) {
        uint64_t next = 2 * n;
        j->next_ckpt = next > j->opts.checkpoint_first ? next : j->opts.checkpoint_first;
    }
    event(j, JOBS_EV_CHECKPOINT, 0, n, "%s: checkpoint of %" PRIu64 " proven segments", j->path, n);
    return CAIRN_OK;
}

/* ---- fold nodes ---------------------------------------------------------- */

#define FOLD_PREFIX "fold-"
#define FOLD_NAME_CAP 40

static void fold_name(char out[FOLD_NAME_CAP], uint32_t level, uint64_t index)
{
    snprintf(out, FOLD_NAME_CAP, FOLD_PREFIX "%02u-%09" PRIu64 SEG_SUFFIX, level, index);
}

static int is_fold_name(const char *nm)
{
    return !strncmp(nm, FOLD_PREFIX, strlen(FOLD_PREFIX)) && ends_with(nm, SEG_SUFFIX);
}

cairn_err jobs_put_fold(jobs_job *j, const jobs_rec_fold *f)
{
    RETURN_ERROR_IF(!j || !f, CAIRN_ERR_USAGE, "jobs_put_fold: NULL argument");
    RETURN_ERROR_IF(j->dirfd < 0, CAIRN_ERR_USAGE, "jobs_put_fold: the job is finished or discarded");
    uint8_t *b;
    size_t n;
    FORWARD_IF_ERROR(jobs_rec_encode_fold(&b, &n, f));
    char name[FOLD_NAME_CAP];
    fold_name(name, f->level, f->index);
    cairn_err err = write_record(j, name, b, n);
    free(b);
    return err;
}

void jobs_drop_fold(jobs_job *j, uint32_t level, uint64_t index, const char *why)
{
    if (!j || j->dirfd < 0) return;
    char name[FOLD_NAME_CAP], bad[FOLD_NAME_CAP + 8];
    fold_name(name, level, index);
    snprintf(bad, sizeof bad, "%s.bad", name);
    event(j, JOBS_EV_IGNORED, index, level, "fold node %u/%" PRIu64 ": the stored result %s/%s is not used: %s; it is kept as %s "
          "and made again", level, index, j->dir, name, why, bad);
    renameat(j->dirfd, name, j->dirfd, bad);
    step();
}

cairn_err jobs_get_fold(jobs_job *j, uint32_t level, uint64_t index, jobs_fold_stored *out, int *found)
{
    RETURN_ERROR_IF(!j || !out || !found, CAIRN_ERR_USAGE, "jobs_get_fold: NULL argument");
    memset(out, 0, sizeof *out);
    *found = 0;
    if (j->dirfd < 0) return CAIRN_OK;
    char name[FOLD_NAME_CAP];
    fold_name(name, level, index);
    uint8_t *b;
    size_t n;
    int missing;
    cairn_err err = read_record(j, name, JOBS_REC_MAX_PROOF_BYTES + 4096, &b, &n, &missing);
    if (err == CAIRN_ERR_FORMAT) {
        jobs_drop_fold(j, level, index, cairn_last_error());
        return CAIRN_OK;
    }
    if (err != CAIRN_OK || missing) return err;
    jobs_rec_fold f;
    char why[CAIRN_ERROR_MSG_MAX + 64];
    why[0] = 0;
    if (jobs_rec_decode_fold(&f, b, n) != CAIRN_OK) snprintf(why, sizeof why, "%s", cairn_last_error());
    else if (f.level != level || f.index != index)
        snprintf(why, sizeof why, "it holds node %u/%" PRIu64, f.level, f.index);
    if (!why[0]) {
        out->proof = cairn_malloc(f.proof_len);
        if (!out->proof) {
            free(b);
            return cairn_fail_nomem(f.proof_len, "out of memory for a fold node");
        }
        memcpy(out->proof, f.proof, f.proof_len);
        out->proof_len = f.proof_len;
        out->kind = f.kind;
        memcpy(out->claim, f.claim, sizeof out->claim);
        *found = 1;
    }
    free(b);
    if (why[0]) jobs_drop_fold(j, level, index, why);
    return CAIRN_OK;
}

void jobs_set_fold_proof(jobs_job *j, const h5s_fold_proof *p)
{
    if (j) j->fold = p;
}

int jobs_file_fold_proof(jobs_job *j, h5s_fold_proof *out, uint8_t **bytes)
{
    *bytes = NULL;
    if (!j || !j->rd || !j->file_final || !h5s_fold_proof_get(j->rd, out)) return 0;
    size_t len;
    if (h5s_read_fold_proof(j->rd, bytes, &len) != CAIRN_OK) {
        cairn_clear_error();
        return 0;
    }
    out->proof = *bytes;
    out->proof_len = len;
    return 1;
}

/* Removes the record folder: segment records, leftovers, job.rec last. */
static cairn_err remove_folder(jobs_job *j)
{
    int fd = dup(j->dirfd);
    DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dp) {
        if (fd >= 0) close(fd);
        return cairn_fail(CAIRN_ERR_IO, "cannot read %s: %s", j->dir, strerror(errno));
    }
    rewinddir(dp);
    struct dirent *de;
    int others = 0;
    uint64_t idx;
    while ((de = readdir(dp))) {
        const char *nm = de->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, JOB_REC)) continue;
        if (parse_seg_name(nm, &idx) || is_fold_name(nm) || !strcmp(nm, ATTEMPTS_REC) || ends_with(nm, ".tmp") ||
            ends_with(nm, ".bad")) {
            unlinkat(j->dirfd, nm, 0);
            step();
        } else {
            others = 1;
        }
    }
    closedir(dp);
    sync_dirfd(j->dirfd, j->dir);
    if (others) {
        event(j, JOBS_EV_NOTICE, 0, 0, "%s is kept: it holds files cairn did not write", j->dir);
        return CAIRN_OK;
    }
    unlinkat(j->dirfd, JOB_REC, 0);
    step();
    close(j->dirfd);
    j->dirfd = -1;
    RETURN_ERROR_IF(rmdir(j->dir) != 0 && errno != ENOENT, CAIRN_ERR_IO, "cannot remove %s: %s", j->dir,
                    strerror(errno));
    step();
    return sync_parent(j->dir);
}

cairn_err jobs_finish(jobs_job *j, uint64_t nseg, const rv_state *final, uint64_t cycles, const uint8_t *journal,
                      size_t journal_len, uint64_t *proof_bytes)
{
    RETURN_ERROR_IF(!j || !final, CAIRN_ERR_USAGE, "jobs_finish: NULL argument");
    RETURN_ERROR_IF(j->dirfd < 0, CAIRN_ERR_USAGE, "jobs_finish: the job is finished or discarded");
    RETURN_ERROR_IF(nseg == 0, CAIRN_ERR_USAGE, "jobs_finish: a run has at least one segment");
    RETURN_ERROR_IF(j->prefix < nseg, CAIRN_ERR_USAGE, "jobs_finish: segment %" PRIu64 " of %" PRIu64 " is not proven",
                    j->prefix, nseg);
    RETURN_ERROR_IF(!final->halted, CAIRN_ERR_USAGE, "jobs_finish: the final state is not halted");
    FORWARD_IF_ERROR(write_file(j, nseg, final, cycles, journal, journal_len, proof_bytes));
    return remove_folder(j);
}

cairn_err jobs_discard(jobs_job *j)
{
    RETURN_ERROR_IF(!j, CAIRN_ERR_USAGE, "jobs_discard: NULL job");
    if (j->rd && !j->file_final) {
        h5s_close(j->rd);
        j->rd = NULL;
        RETURN_ERROR_IF(unlink(j->path) != 0 && errno != ENOENT, CAIRN_ERR_IO, "cannot remove %s: %s", j->path,
                        strerror(errno));
        step();
    }
    if (j->dirfd < 0) return CAIRN_OK;
    return remove_folder(j);
}
