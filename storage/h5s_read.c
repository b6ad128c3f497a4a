/* Job file reader: validates before it trusts (h5s.h, "The reader"). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "storage/h5s_int.h"
#include "storage/h5zstd.h"

struct h5s_reader {
    hid_t file;
    uint8_t *image; /* h5s_open_image: the reader's copy of the bytes */
    char *path; /* prefixes every message */
    uint32_t version;
    h5s_program_info prog;
    h5s_size elf, journal;
    size_t nattrs;
    char (*anames)[H5S_MAX_NAME + 1];
    uint64_t *avals;
    uint64_t nseg;
    int has_params, has_final, has_input_digest, has_fold;
    h5s_fold_proof fold;
    uint8_t input_digest[32];
    h5s_params params;
    uint64_t final_state[H5S_STATE_ELEMS], final_cycles;
    hid_t group;      /* the /segments/BBB group last opened (checked), or -1 */
    uint64_t group_k; /* its number */
};

void h5s_close(h5s_reader *r)
{
    if (!r) return;
    h5s_close_id(r->group);
    h5s_close_id(r->file);
    H5Eclear2(H5E_DEFAULT);
    free(r->image); /* after the file: HDF5 reads it until then */
    free(r->anames);
    free(r->avals);
    free(r->path);
    free(r);
}

/* Puts the file's name in front of the message of a failed call. */
static cairn_err with_path(const h5s_reader *r, cairn_err err)
{
    if (err == CAIRN_OK) return err;
    return cairn_prefix_error(err, "%s", r->path);
}

/* Opens `name` under loc, which must be a group. */
static cairn_err open_group(hid_t loc, const char *name, const char *what, hid_t *g)
{
    *g = -1;
    int ex = h5s_exists(loc, name);
    if (ex < 0) return h5s_exists_error(what);
    RETURN_ERROR_IF(ex == 0, CAIRN_ERR_FORMAT, "%s: missing (or not a hard link)", what);
    H5O_info_t oi;
    H5S_CHECK(H5Oget_info_by_name2(loc, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT), CAIRN_ERR_FORMAT,
              "%s: cannot inspect", what);
    RETURN_ERROR_IF(oi.type != H5O_TYPE_GROUP, CAIRN_ERR_FORMAT, "%s: not a group", what);
    *g = H5Gopen2(loc, name, H5P_DEFAULT);
    if (*g < 0) return h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: cannot open", what);
    return CAIRN_OK;
}

/* A fixed-length string attribute of at most cap - 1 bytes into buf
 * (NUL-terminated; no NUL inside). */
static cairn_err get_string_attr(hid_t loc, const char *what, const char *name, char *buf, size_t cap)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return h5s_fail_h5(CAIRN_ERR_FORMAT, "attribute %s/%s: cannot open", what, name);
    hid_t t = H5Aget_type(a), s = H5Aget_space(a), mt = -1;
    memset(buf, 0, cap);
    cairn_err err = CAIRN_OK;
    if (t < 0 || s < 0 || H5Tget_class(t) != H5T_STRING || H5Tis_variable_str(t) != 0 || H5Tget_size(t) >= cap ||
        H5Sget_simple_extent_type(s) != H5S_SCALAR) {
        err = cairn_fail(CAIRN_ERR_FORMAT, "attribute %s/%s: expected a short fixed-length string", what, name);
    } else if ((mt = H5Tcopy(t)) < 0 || H5Aread(a, mt, buf) < 0) {
        err = h5s_fail_h5(CAIRN_ERR_CORRUPT, "attribute %s/%s: cannot read", what, name);
    }
    buf[cap - 1] = 0;
    h5s_close_id(mt);
    h5s_close_id(s);
    h5s_close_id(t);
    h5s_close_id(a);
    return err;
}

static cairn_err check_format_name(hid_t root)
{
    RETURN_ERROR_IF(H5Aexists(root, "cairn_format") <= 0, CAIRN_ERR_FORMAT,
                    "not a cairn job file: attribute /cairn_format missing");
    char buf[64];
    FORWARD_IF_ERROR(get_string_attr(root, "", "cairn_format", buf, sizeof buf));
    RETURN_ERROR_IF(strcmp(buf, H5S_FORMAT_NAME) != 0, CAIRN_ERR_FORMAT,
                    "not a cairn job file: /cairn_format is '%.32s'", buf);
    return CAIRN_OK;
}

/* /params: no attributes (no proofs), or every one of them. */
static cairn_err read_params(h5s_reader *r)
{
    hid_t g;
    FORWARD_IF_ERROR(open_group(r->file, "params", "/params", &g));
    h5s_params *p = &r->params;
    const struct {
        const char *name;
        uint32_t *v;
    } f[] = {{"log_blowup", &p->log_blowup}, {"queries", &p->queries},       {"pow_bits", &p->pow_bits},
             {"log_arity", &p->log_arity},   {"log_final_len", &p->log_final_len}, {"segment_po2", &p->segment_po2}};
    const size_t nf = sizeof f / sizeof f[0];
    cairn_err err = CAIRN_OK;
    size_t have = 0;
    const char *missing = NULL;
    for (size_t i = 0; i <= nf; i++) {
        const char *name = i < nf ? f[i].name : "preset";
        htri_t ex = H5Aexists(g, name);
        if (ex < 0) {
            err = h5s_fail_h5(CAIRN_ERR_CORRUPT, "/params: cannot look up attribute %s", name);
            break;
        }
        if (ex) have++;
        else missing = name;
    }
    if (err == CAIRN_OK && have > 0 && have <= nf)
        err = cairn_fail(CAIRN_ERR_FORMAT, "/params: attribute %s missing (the others are there)", missing);
    if (err == CAIRN_OK && have > nf) {
        err = get_string_attr(g, "/params", "preset", p->preset, sizeof p->preset);
        if (err == CAIRN_OK && !h5s_name_ok(p->preset))
            err = cairn_fail(CAIRN_ERR_FORMAT, "/params: preset name is not 1..%u characters of [A-Za-z0-9_.-]",
                             H5S_MAX_NAME);
        for (size_t i = 0; i < nf && err == CAIRN_OK; i++)
            err = h5s_get_attr(g, "/params", f[i].name, H5S_U32, 0, f[i].v);
        r->has_params = err == CAIRN_OK;
    }
    h5s_close_id(g);
    return err;
}

/* /claim, optional. */
static cairn_err read_final(h5s_reader *r)
{
    int ex = h5s_exists(r->file, "claim");
    if (ex < 0) return h5s_exists_error("/claim");
    if (ex == 0) return CAIRN_OK;
    hid_t g;
    FORWARD_IF_ERROR(open_group(r->file, "claim", "/claim", &g));
    cairn_err err = h5s_get_attr(g, "/claim", "final_state", H5S_U64, H5S_STATE_ELEMS, r->final_state);
    if (err == CAIRN_OK) err = h5s_get_attr(g, "/claim", "cycles", H5S_U64, 0, &r->final_cycles);
    h5s_close_id(g);
    r->has_final = err == CAIRN_OK;
    return err;
}

/* /proof, optional: every attribute and the dataset, checked. */
static cairn_err read_fold(h5s_reader *r)
{
    int ex = h5s_exists(r->file, "proof");
    if (ex < 0) return h5s_exists_error("/proof");
    if (ex == 0) return CAIRN_OK;
    hid_t g, d = -1;
    h5s_fold_proof *p = &r->fold;
    FORWARD_IF_ERROR(open_group(r->file, "proof", "/proof", &g));
    cairn_err err = h5s_get_attr(g, "/proof", "kind", H5S_U32, 0, &p->kind);
    if (err == CAIRN_OK) err = h5s_get_attr(g, "/proof", "claim", H5S_U64, H5S_FOLD_CLAIM_ELEMS, p->claim);
    if (err == CAIRN_OK) err = get_string_attr(g, "/proof", "rc_preset", p->rc_preset, sizeof p->rc_preset);
    if (err == CAIRN_OK) err = get_string_attr(g, "/proof", "shape", p->shape, sizeof p->shape);
    if (err == CAIRN_OK && (!h5s_name_ok(p->rc_preset) || !h5s_name_ok(p->shape)))
        err = cairn_fail(CAIRN_ERR_FORMAT, "/proof: rc_preset or shape is not 1..%u characters of [A-Za-z0-9_.-]",
                         H5S_MAX_NAME);
    if (err == CAIRN_OK && p->kind >= H5S_PROOF_KINDS)
        err = cairn_fail(CAIRN_ERR_FORMAT, "/proof: kind %u (0 lift, 1-3 join, 4-13 lift of a tail)", p->kind);
    uint64_t n = 0;
    if (err == CAIRN_OK) err = h5s_open_array(g, "proof", "/proof/proof", H5S_U8, H5S_MAX_PROOF_BYTES, &d, &n, NULL);
    if (err == CAIRN_OK && n == 0) err = cairn_fail(CAIRN_ERR_FORMAT, "/proof/proof: empty");
    h5s_close_id(d);
    h5s_close_id(g);
    p->proof = NULL;
    p->proof_len = (size_t)n;
    r->has_fold = err == CAIRN_OK;
    return err;
}

static herr_t run_attr_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    h5s_reader *r = data;
    if (r->nattrs >= H5S_MAX_RUN_VALUES) {
        cairn_fail(CAIRN_ERR_FORMAT, "/run: more than %u attributes", H5S_MAX_RUN_VALUES);
        return -1;
    }
    if (!h5s_name_ok(name)) {
        cairn_fail(CAIRN_ERR_FORMAT, "/run: attribute name '%.64s' is not valid", name);
        return -1;
    }
    if (h5s_get_attr(loc, "/run", name, H5S_U64, 0, &r->avals[r->nattrs]) != CAIRN_OK) return -1;
    snprintf(r->anames[r->nattrs], sizeof r->anames[0], "%s", name);
    r->nattrs++;
    return 0;
}

static cairn_err read_run(h5s_reader *r)
{
    hid_t g;
    FORWARD_IF_ERROR(open_group(r->file, "run", "/run", &g));
    H5O_info_t oi;
    cairn_err err = CAIRN_OK;
    if (H5Oget_info2(g, &oi, H5O_INFO_NUM_ATTRS) < 0) {
        err = h5s_fail_h5(CAIRN_ERR_FORMAT, "/run: cannot inspect");
    } else if (oi.num_attrs > H5S_MAX_RUN_VALUES) {
        err = cairn_fail(CAIRN_ERR_FORMAT, "/run: %llu attributes, limit %u", (unsigned long long)oi.num_attrs,
                         H5S_MAX_RUN_VALUES);
    } else {
        size_t n = oi.num_attrs ? oi.num_attrs : 1;
        r->anames = calloc(n, sizeof r->anames[0]);
        r->avals = calloc(n, sizeof r->avals[0]);
        if (!r->anames || !r->avals) {
            err = cairn_fail(CAIRN_ERR_NOMEM, "/run: out of memory");
        } else {
            hsize_t idx = 0;
            /* run_attr_cb leaves its own message when it stops the walk */
            cairn_clear_error();
            if (H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, &idx, run_attr_cb, r) < 0) {
                err = *cairn_last_error() ? CAIRN_ERR_FORMAT : h5s_fail_h5(CAIRN_ERR_FORMAT, "/run: attributes");
                H5Eclear2(H5E_DEFAULT);
            }
        }
    }
    h5s_close_id(g);
    return err;
}

/* Members of /segments and of its groups are named canonically
 * (h5s_segment_group_name, h5s_segment_name): with n unique canonical
 * names all in [lo, lo + n), they are exactly lo..lo+n-1. */
typedef struct {
    const char *what;
    uint64_t lo, n;
    int digits; /* 3: groups of segments, 6: segments */
} member_names;

static herr_t member_name_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    const member_names *m = data;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(name, &end, 10);
    char canon[24];
    if (m->digits == 3) h5s_segment_group_name(canon, (uint64_t)v);
    else h5s_segment_name(canon, (uint64_t)v);
    if (errno || *end || strcmp(canon, name) != 0 || v < m->lo || v - m->lo >= m->n || info->type != H5L_TYPE_HARD) {
        cairn_fail(CAIRN_ERR_FORMAT, "%s: unexpected member '%.64s' (expected %0*" PRIu64 "..%0*" PRIu64 ")", m->what,
                   name, m->digits, m->lo, m->digits, m->lo + (m->n ? m->n - 1 : 0));
        return -1;
    }
    return 0;
}

/* The members of group g (`what`) and their number, which must be at
 * most max: canonical names for lo.. (member_names). */
static cairn_err check_members(hid_t g, const char *what, uint64_t lo, uint64_t max, int digits, uint64_t *n)
{
    H5G_info_t gi;
    H5S_CHECK(H5Gget_info(g, &gi), CAIRN_ERR_FORMAT, "%s: cannot inspect", what);
    /* the object header check refuses dense storage already */
    RETURN_ERROR_IF(gi.storage_type != H5G_STORAGE_TYPE_COMPACT, CAIRN_ERR_CORRUPT,
                    "%s: links not in the object header (storage type %d)", what, (int)gi.storage_type);
    RETURN_ERROR_IF(gi.nlinks > max, CAIRN_ERR_FORMAT, "%s: %llu members, limit %" PRIu64, what,
                    (unsigned long long)gi.nlinks, max);
    member_names m = {what, lo, gi.nlinks, digits};
    hsize_t idx = 0;
    cairn_clear_error();
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, member_name_cb, &m) < 0) {
        cairn_err err = *cairn_last_error() ? CAIRN_ERR_FORMAT : h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: members", what);
        H5Eclear2(H5E_DEFAULT);
        return err;
    }
    *n = gi.nlinks;
    return CAIRN_OK;
}

/* /segments/BBB (h5s.h): every group but the last holds exactly
 * H5S_SEGMENTS_PER_GROUP segments, the last at least one. */
static cairn_err read_segments(h5s_reader *r)
{
    hid_t g;
    FORWARD_IF_ERROR(open_group(r->file, "segments", "/segments", &g));
    uint64_t ngroups = 0;
    cairn_err err = check_members(g, "/segments", 0, H5S_MAX_SEGMENTS / H5S_SEGMENTS_PER_GROUP, 3, &ngroups);
    r->nseg = 0;
    for (uint64_t k = 0; err == CAIRN_OK && k < ngroups; k++) {
        char name[24], what[48];
        hid_t sg;
        uint64_t n = 0;
        h5s_segment_group_name(name, k);
        snprintf(what, sizeof what, "/segments/%s", name);
        if ((err = open_group(g, name, what, &sg)) != CAIRN_OK) break;
        err = check_members(sg, what, k * H5S_SEGMENTS_PER_GROUP, H5S_SEGMENTS_PER_GROUP, 6, &n);
        h5s_close_id(sg);
        if (err == CAIRN_OK && (n == 0 || (k + 1 < ngroups && n != H5S_SEGMENTS_PER_GROUP)))
            err = cairn_fail(CAIRN_ERR_FORMAT, "%s: %" PRIu64 " segments (expected %s%u)", what, n,
                             k + 1 < ngroups ? "" : "1..", H5S_SEGMENTS_PER_GROUP);
        r->nseg += n;
    }
    if (err != CAIRN_OK) r->nseg = 0;
    h5s_close_id(g);
    return err;
}

static cairn_err read_top(h5s_reader *r)
{
    FORWARD_IF_ERROR(check_format_name(r->file));
    FORWARD_IF_ERROR(h5s_get_attr(r->file, "/", "cairn_version", H5S_U32, 0, &r->version));
    RETURN_ERROR_IF(r->version > H5S_FORMAT_VERSION, CAIRN_ERR_UNSUPPORTED,
                    "job file format version %u; this build reads up to %u", r->version, H5S_FORMAT_VERSION);
    RETURN_ERROR_IF(r->version == 0, CAIRN_ERR_FORMAT, "job file format version 0 is not valid");
    /* version 1 kept segment attributes in dense storage (h5s.h) */
    RETURN_ERROR_IF(r->version < H5S_FORMAT_VERSION, CAIRN_ERR_UNSUPPORTED,
                    "job file format version %u is no longer read (this build reads version %u; run cairn exec "
                    "again to rewrite the job)", r->version, H5S_FORMAT_VERSION);

    hid_t g, d;
    uint64_t n = 0;
    FORWARD_IF_ERROR(open_group(r->file, "program", "/program", &g));
    cairn_err err = h5s_get_attr(g, "/program", "image_id", H5S_U8, 32, r->prog.image_id);
    if (err == CAIRN_OK) err = h5s_get_attr(g, "/program", "entry", H5S_U32, 0, &r->prog.entry);
    /* optional (resumable jobs); damaged attribute storage is an error */
    if (err == CAIRN_OK) {
        htri_t ex = H5Aexists(g, "input_digest");
        if (ex < 0) err = h5s_fail_h5(CAIRN_ERR_CORRUPT, "/program: cannot look up attribute input_digest");
        else if (ex) err = h5s_get_attr(g, "/program", "input_digest", H5S_U8, 32, r->input_digest);
        r->has_input_digest = ex > 0 && err == CAIRN_OK;
    }
    /* optional, but a damaged link or header is an error, not "absent" */
    int has_elf = err == CAIRN_OK ? h5s_exists(g, "elf") : 0;
    if (has_elf < 0) err = h5s_exists_error("/program/elf");
    if (has_elf > 0) {
        err = h5s_open_array(g, "elf", "/program/elf", H5S_U8, H5S_MAX_BYTES, &d, &n, &r->elf);
        h5s_close_id(d);
        r->prog.has_elf = err == CAIRN_OK;
        r->prog.elf_len = n;
    }
    h5s_close_id(g);
    FORWARD_IF_ERROR(err);
    FORWARD_IF_ERROR(h5s_open_array(r->file, "journal", "/journal", H5S_U8, H5S_MAX_BYTES, &d, &n, &r->journal));
    h5s_close_id(d);
    FORWARD_IF_ERROR(read_run(r));
    FORWARD_IF_ERROR(read_params(r));
    FORWARD_IF_ERROR(read_final(r));
    FORWARD_IF_ERROR(read_fold(r));
    return read_segments(r);
}

/* Opens the file the caller has prechecked through cairn's read-only
 * driver, and validates the top-level layout: the file `path`, open as
 * fd, or the len bytes at image, which the reader then owns (freed on
 * failure too). label names the file in messages. */
static cairn_err open_checked(h5s_reader **out, const char *label, const char *path, int fd, uint8_t *image,
                              size_t len)
{
    h5s_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(label))) {
        free(r);
        free(image);
        return cairn_fail(CAIRN_ERR_NOMEM, "h5s_open: out of memory");
    }
    r->image = image;
    r->file = r->group = -1;
    hid_t fapl = h5s_fapl_read(image, len, fd);
    if (fapl < 0) {
        cairn_err err = h5s_fail_h5(CAIRN_ERR_INTERNAL, "%s: cannot set up HDF5's file access", label);
        h5s_close(r);
        return err;
    }
    /* HDF5 tells files apart by the driver (device and inode, or the
     * image's address); the name only appears in HDF5's messages */
    r->file = H5Fopen(image ? "job file image" : path, H5F_ACC_RDONLY, fapl);
    h5s_close_id(fapl);
    if (r->file < 0) {
        /* A sound superblock but HDF5 cannot open the file: damaged
         * metadata behind it. (Read HDF5's reason before any other HDF5
         * call clears it.) */
        cairn_err err = h5s_fail_h5(CAIRN_ERR_CORRUPT, "%s: damaged HDF5 file", label);
        h5s_close(r);
        return err;
    }
    cairn_err err = with_path(r, read_top(r));
    if (err != CAIRN_OK) {
        h5s_close(r);
        return err;
    }
    *out = r;
    return CAIRN_OK;
}

/* Before HDF5 reads anything: the superblock (h5s_check_superblock) and
 * the root group's object header (h5s_check_object_raw), which HDF5
 * decodes while opening the file. head is the file's first len bytes. The
 * file's name goes in front of the message. */
static cairn_err precheck(const char *label, const uint8_t *head, size_t len, const h5s_raw *raw)
{
    uint64_t root = 0;
    cairn_err err = h5s_check_superblock(head, len, raw->eof, &root);
    if (err == CAIRN_OK) err = h5s_check_object_raw(raw, root, "root group");
    if (err == CAIRN_OK) return err;
    return cairn_prefix_error(err, "%s", label);
}

cairn_err h5s_open(h5s_reader **out, const char *path)
{
    RETURN_ERROR_IF(!out, CAIRN_ERR_USAGE, "h5s_open: out is NULL");
    *out = NULL;
    RETURN_ERROR_IF(!path, CAIRN_ERR_USAGE, "h5s_open: path is NULL");
    FORWARD_IF_ERROR(h5s_init());
    /* Non-blocking, so that a FIFO given by mistake is refused below
     * instead of waiting for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    RETURN_ERROR_IF(fd < 0, CAIRN_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    uint8_t head[H5S_SUPERBLOCK_BYTES];
    size_t have = 0;
    cairn_err err = CAIRN_OK;
    if (fstat(fd, &st) != 0)
        err = cairn_fail(CAIRN_ERR_IO, "cannot inspect %s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        err = cairn_fail(CAIRN_ERR_IO, "%s: not a regular file", path);
    while (err == CAIRN_OK && have < sizeof head) {
        ssize_t n = pread(fd, head + have, sizeof head - have, (off_t)have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) err = cairn_fail(CAIRN_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        if (n <= 0) break;
        have += (size_t)n;
    }
    /* HDF5 reads this same open file (not whatever the path names later);
     * the objects below the root are checked as the reader reaches them. */
    if (err == CAIRN_OK) err = precheck(path, head, have, &(h5s_raw){NULL, fd, (uint64_t)st.st_size});
    if (err == CAIRN_OK) err = open_checked(out, path, path, fd, NULL, 0);
    close(fd); /* HDF5 reads a duplicate */
    return err;
}

cairn_err h5s_open_image(h5s_reader **out, const void *bytes, size_t len)
{
    RETURN_ERROR_IF(!out, CAIRN_ERR_USAGE, "h5s_open_image: out is NULL");
    *out = NULL;
    RETURN_ERROR_IF(!bytes && len, CAIRN_ERR_USAGE, "h5s_open_image: bytes is NULL");
    FORWARD_IF_ERROR(h5s_init());
    static const char label[] = "job file image";
    /* the reader's own copy (the caller may free theirs), checked and read */
    uint8_t *copy = malloc(len ? len : 1);
    RETURN_ERROR_IF(!copy, CAIRN_ERR_NOMEM, "%s: cannot allocate %zu bytes", label, len);
    if (len) memcpy(copy, bytes, len);
    cairn_err err = precheck(label, copy, len, &(h5s_raw){copy, -1, len});
    if (err != CAIRN_OK) {
        free(copy);
        return err;
    }
    return open_checked(out, label, NULL, -1, copy, len);
}

uint32_t h5s_version(const h5s_reader *r) { return r->version; }
void h5s_program_get(const h5s_reader *r, h5s_program_info *out) { *out = r->prog; }
h5s_size h5s_elf_size(const h5s_reader *r) { return r->elf; }
h5s_size h5s_journal_size(const h5s_reader *r) { return r->journal; }
size_t h5s_attr_count(const h5s_reader *r) { return r->nattrs; }
const char *h5s_attr_name(const h5s_reader *r, size_t i) { return i < r->nattrs ? r->anames[i] : NULL; }
uint64_t h5s_attr_value(const h5s_reader *r, size_t i) { return i < r->nattrs ? r->avals[i] : 0; }
uint64_t h5s_segment_count(const h5s_reader *r) { return r->nseg; }

int h5s_params_get(const h5s_reader *r, h5s_params *out)
{
    if (!r->has_params) return 0;
    *out = r->params;
    return 1;
}

int h5s_input_digest_get(const h5s_reader *r, uint8_t out[32])
{
    if (!r->has_input_digest) return 0;
    memcpy(out, r->input_digest, 32);
    return 1;
}

static cairn_err read_bytes(hid_t loc, const char *name, const char *what, uint8_t **out, size_t *len);

int h5s_fold_proof_get(const h5s_reader *r, h5s_fold_proof *out)
{
    if (!r->has_fold) return 0;
    *out = r->fold;
    return 1;
}

cairn_err h5s_read_fold_proof(h5s_reader *r, uint8_t **out, size_t *len)
{
    RETURN_ERROR_IF(!r || !out || !len, CAIRN_ERR_USAGE, "h5s_read_fold_proof: NULL argument");
    *out = NULL;
    *len = 0;
    RETURN_ERROR_IF(!r->has_fold, CAIRN_ERR_USAGE, "the job file has no final proof (/proof)");
    hid_t g;
    FORWARD_IF_ERROR(with_path(r, open_group(r->file, "proof", "/proof", &g)));
    cairn_err err = read_bytes(g, "proof", "/proof/proof", out, len);
    h5s_close_id(g);
    return with_path(r, err);
}

int h5s_final_get(const h5s_reader *r, uint64_t out[H5S_STATE_ELEMS], uint64_t *cycles)
{
    if (!r->has_final) return 0;
    memcpy(out, r->final_state, sizeof r->final_state);
    *cycles = r->final_cycles;
    return 1;
}

cairn_err h5s_get_attr_u64(const h5s_reader *r, const char *name, uint64_t *value)
{
    RETURN_ERROR_IF(!r || !name || !value, CAIRN_ERR_USAGE, "h5s_get_attr_u64: NULL argument");
    for (size_t i = 0; i < r->nattrs; i++)
        if (!strcmp(r->anames[i], name)) {
            *value = r->avals[i];
            return CAIRN_OK;
        }
    return cairn_fail(CAIRN_ERR_USAGE, "run summary has no value '%s'", name);
}

/* Reads a whole byte dataset into a new buffer. */
static cairn_err read_bytes(hid_t loc, const char *name, const char *what, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    hid_t d;
    uint64_t n;
    FORWARD_IF_ERROR(h5s_open_array(loc, name, what, H5S_U8, H5S_MAX_BYTES, &d, &n, NULL));
    uint8_t *buf = NULL;
    cairn_err err = CAIRN_OK;
    if (n > 0 && !(buf = cairn_malloc(n))) err = cairn_fail_nomem(n, "%s: out of memory", what);
    if (err == CAIRN_OK) err = h5s_read_array(d, what, H5S_U8, buf, n);
    h5s_close_id(d);
    if (err != CAIRN_OK) {
        free(buf);
        return err;
    }
    *out = buf;
    *len = n;
    return CAIRN_OK;
}

cairn_err h5s_read_elf(h5s_reader *r, uint8_t **out, size_t *len)
{
    RETURN_ERROR_IF(!r || !out || !len, CAIRN_ERR_USAGE, "h5s_read_elf: NULL argument");
    *out = NULL;
    *len = 0;
    if (!r->prog.has_elf) return CAIRN_OK;
    return with_path(r, read_bytes(r->file, "program/elf", "/program/elf", out, len));
}

cairn_err h5s_read_journal(h5s_reader *r, uint8_t **out, size_t *len)
{
    RETURN_ERROR_IF(!r || !out || !len, CAIRN_ERR_USAGE, "h5s_read_journal: NULL argument");
    return with_path(r, read_bytes(r->file, "journal", "/journal", out, len));
}

cairn_err h5s_read_journal_head(h5s_reader *r, uint8_t *buf, size_t cap, size_t *len)
{
    RETURN_ERROR_IF(!r || !len || (cap && !buf), CAIRN_ERR_USAGE, "h5s_read_journal_head: bad argument");
    *len = 0;
    hid_t d;
    uint64_t n;
    FORWARD_IF_ERROR(with_path(r, h5s_open_array(r->file, "journal", "/journal", H5S_U8, H5S_MAX_BYTES, &d, &n, NULL)));
    hsize_t start = 0, count = n < cap ? n : cap;
    cairn_err err = CAIRN_OK;
    if (count > 0) {
        hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &count, NULL);
        h5s_zstd_clear_error();
        if (fs < 0 || ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL) < 0 ||
            H5Dread(d, H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, buf) < 0)
            err = with_path(r, h5s_fail_h5(CAIRN_ERR_CORRUPT, "/journal: cannot read data"));
        h5s_close_id(fs);
        h5s_close_id(ms);
    }
    h5s_close_id(d);
    if (err == CAIRN_OK) *len = count;
    return err;
}

/* ---- segments ------------------------------------------------------------ */

static cairn_err open_segment(h5s_reader *r, uint64_t index, hid_t *g, char what[48])
{
    *g = -1;
    RETURN_ERROR_IF(index >= r->nseg, CAIRN_ERR_USAGE, "segment %" PRIu64 " requested; the file has %" PRIu64,
                    index, r->nseg);
    char name[24], gname[24], path[40];
    uint64_t k = index / H5S_SEGMENTS_PER_GROUP;
    h5s_segment_name(name, index);
    h5s_segment_group_name(gname, k);
    if (r->group < 0 || r->group_k != k) {
        /* /segments was checked on opening; its group's header is checked
         * here, once while it stays the current one */
        h5s_close_id(r->group);
        r->group = -1;
        snprintf(path, sizeof path, "segments/%s", gname);
        snprintf(what, 48, "/segments/%s", gname);
        FORWARD_IF_ERROR(open_group(r->file, path, what, &r->group));
        r->group_k = k;
    }
    snprintf(what, 48, "/segments/%.8s/%.12s", gname, name); /* 3 and 6 digits */
    return open_group(r->group, name, what, g);
}

/* Column names of a trace in creation order, as H5Literate finds them. */
typedef struct {
    const char *what;
    char (*names)[H5S_MAX_NAME + 1];
    uint32_t n, cap;
} column_names;

static herr_t column_name_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g, (void)info;
    column_names *l = data;
    if (l->n >= l->cap) {
        cairn_fail(CAIRN_ERR_FORMAT, "%s: more members than its %u columns", l->what, l->cap);
        return -1;
    }
    if (!h5s_name_ok(name)) {
        cairn_fail(CAIRN_ERR_FORMAT, "%s: column %u: invalid name", l->what, l->n);
        return -1;
    }
    snprintf(l->names[l->n++], sizeof l->names[0], "%s", name);
    return 0;
}

/* Validates a trace-shaped group (the trace or a side table): *rows,
 * *ncols and *size receive its shape; fills t when given. names/cols in t
 * are allocated here and released by h5s_trace_free on failure too. */
static cairn_err scan_trace(hid_t g, const char *what, uint64_t *nrows, uint64_t *ncols, h5s_size *size,
                            h5s_trace *t, int with_data)
{
    uint64_t rows;
    uint32_t cols;
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "rows", H5S_U64, 0, &rows));
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "columns", H5S_U32, 0, &cols));
    RETURN_ERROR_IF(rows > H5S_MAX_TRACE_ROWS, CAIRN_ERR_FORMAT, "%s: %" PRIu64 " rows, limit %" PRIu64, what, rows,
                    H5S_MAX_TRACE_ROWS);
    RETURN_ERROR_IF(cols > H5S_MAX_TRACE_COLS, CAIRN_ERR_FORMAT, "%s: %u columns, limit %u", what, cols,
                    H5S_MAX_TRACE_COLS);
    RETURN_ERROR_IF(rows * cols > H5S_MAX_TRACE_CELLS, CAIRN_ERR_FORMAT,
                    "%s: %" PRIu64 " rows x %u columns, more than the limit of %" PRIu64 " cells", what, rows, cols,
                    H5S_MAX_TRACE_CELLS);
    H5G_info_t gi;
    H5S_CHECK(H5Gget_info(g, &gi), CAIRN_ERR_FORMAT, "%s: cannot inspect", what);
    RETURN_ERROR_IF(gi.nlinks != cols, CAIRN_ERR_FORMAT, "%s: says %u columns but holds %llu datasets", what, cols,
                    (unsigned long long)gi.nlinks);
    *nrows = rows;
    *ncols = cols;
    *size = (h5s_size){0, 0};
    if (t) {
        t->nrows = rows;
        t->ncols = cols;
        t->names = calloc(cols ? cols : 1, sizeof *t->names);
        RETURN_ERROR_IF(!t->names, CAIRN_ERR_NOMEM, "%s: out of memory", what);
        if (with_data) {
            t->cols = calloc(cols ? cols : 1, sizeof *t->cols);
            RETURN_ERROR_IF(!t->cols, CAIRN_ERR_NOMEM, "%s: out of memory", what);
        }
    }
    /* creation order is the column order (h5s.h); one walk, not a lookup
     * by index per column (HDF5 sorts all links for each) */
    column_names l = {what, cairn_calloc(cols ? cols : 1, sizeof *l.names), 0, cols};
    RETURN_ERROR_IF(!l.names, CAIRN_ERR_NOMEM, "%s: out of memory", what);
    hsize_t idx = 0;
    cairn_clear_error();
    if (H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, column_name_cb, &l) < 0) {
        cairn_err err = *cairn_last_error() ? CAIRN_ERR_FORMAT
                                            : h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: columns in creation order", what);
        H5Eclear2(H5E_DEFAULT);
        free(l.names);
        return err;
    }
    if (l.n != cols) {
        free(l.names);
        return cairn_fail(CAIRN_ERR_FORMAT, "%s: %u column names in creation order, %u columns", what, l.n, cols);
    }
    for (uint32_t c = 0; c < cols; c++) {
        const char *name = l.names[c];
        char cwhat[128];
        snprintf(cwhat, sizeof cwhat, "%s/%s", what, name);
        hid_t d;
        uint64_t n;
        h5s_size sz;
        cairn_err err = h5s_open_array(g, name, cwhat, H5S_U32, H5S_MAX_TRACE_ROWS, &d, &n, &sz);
        if (err != CAIRN_OK) {
            free(l.names);
            return err;
        }
        if (n != rows) err = cairn_fail(CAIRN_ERR_FORMAT, "%s: %" PRIu64 " rows, the trace has %" PRIu64, cwhat, n, rows);
        size->raw += sz.raw;
        size->stored += sz.stored;
        if (err == CAIRN_OK && t && !(t->names[c] = strdup(name))) err = cairn_fail(CAIRN_ERR_NOMEM, "out of memory");
        if (err == CAIRN_OK && t && with_data) {
            if (!(t->cols[c] = cairn_malloc_array(rows, sizeof(uint32_t))))
                err = cairn_fail_nomem(rows * sizeof(uint32_t), "%s: out of memory for %" PRIu64 " rows",
                                       cwhat, rows);
            else
                err = h5s_read_array(d, cwhat, H5S_U32, t->cols[c], rows);
        }
        h5s_close_id(d);
        if (err != CAIRN_OK) {
            free(l.names);
            return err;
        }
    }
    free(l.names);
    return CAIRN_OK;
}

/* Validates the side tables group of a segment (without their data). */
static cairn_err scan_tables(hid_t seg, const char *what, h5s_segment_meta *m)
{
    char gwhat[64];
    snprintf(gwhat, sizeof gwhat, "%s/tables", what);
    hid_t g;
    FORWARD_IF_ERROR(open_group(seg, "tables", gwhat, &g));
    H5G_info_t gi;
    cairn_err err = CAIRN_OK;
    if (H5Gget_info(g, &gi) < 0) err = h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: cannot inspect", gwhat);
    else if (gi.nlinks > H5S_MAX_TABLES)
        err = cairn_fail(CAIRN_ERR_FORMAT, "%s: %llu tables, limit %u", gwhat, (unsigned long long)gi.nlinks,
                         H5S_MAX_TABLES);
    for (hsize_t i = 0; err == CAIRN_OK && i < gi.nlinks; i++) {
        char name[H5S_MAX_NAME + 1], twhat[128];
        ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
        if (len < 0) {
            err = h5s_fail_h5(CAIRN_ERR_FORMAT, "%s: table %llu: no name", gwhat, (unsigned long long)i);
            break;
        }
        if (len == 0 || len > (ssize_t)H5S_MAX_NAME) {
            err = cairn_fail(CAIRN_ERR_FORMAT, "%s: table %llu: name of %zd bytes", gwhat, (unsigned long long)i, len);
            break;
        }
        H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
        if (!h5s_name_ok(name)) {
            err = cairn_fail(CAIRN_ERR_FORMAT, "%s: table %llu: invalid name", gwhat, (unsigned long long)i);
            break;
        }
        snprintf(twhat, sizeof twhat, "%s/%s", gwhat, name);
        hid_t tg;
        err = open_group(g, name, twhat, &tg);
        if (err != CAIRN_OK) break;
        uint64_t rows, cols;
        h5s_size sz;
        err = scan_trace(tg, twhat, &rows, &cols, &sz, NULL, 0);
        h5s_close_id(tg);
        m->tables.raw += sz.raw;
        m->tables.stored += sz.stored;
    }
    if (err == CAIRN_OK) m->ntables = gi.nlinks;
    h5s_close_id(g);
    return err;
}

/* A segment's proof and claim (optional, together). */
static cairn_err load_proof(hid_t g, const char *what, h5s_segment_meta *m)
{
    char pwhat[64], cwhat[64];
    snprintf(pwhat, sizeof pwhat, "%s/proof", what);
    snprintf(cwhat, sizeof cwhat, "%s/claim", what);
    int hp = h5s_exists(g, "proof");
    if (hp < 0) return h5s_exists_error(pwhat);
    int hc = h5s_exists(g, "claim");
    if (hc < 0) return h5s_exists_error(cwhat);
    RETURN_ERROR_IF(hp != hc, CAIRN_ERR_FORMAT, "%s: %s without %s", what, hp ? "proof" : "claim",
                    hp ? "claim" : "proof");
    if (!hp) return CAIRN_OK;
    hid_t d;
    uint64_t n;
    FORWARD_IF_ERROR(h5s_open_array(g, "proof", pwhat, H5S_U8, H5S_MAX_PROOF_BYTES, &d, &n, &m->proof));
    h5s_close_id(d);
    RETURN_ERROR_IF(n == 0, CAIRN_ERR_FORMAT, "%s: empty", pwhat);
    hid_t cg;
    FORWARD_IF_ERROR(open_group(g, "claim", cwhat, &cg));
    h5s_claim *c = &m->claim;
    cairn_err err = h5s_get_attr(cg, cwhat, "po2", H5S_U32, 0, &c->po2);
    if (err == CAIRN_OK) err = h5s_get_attr(cg, cwhat, "start", H5S_U8, 32, c->start);
    if (err == CAIRN_OK) err = h5s_get_attr(cg, cwhat, "end", H5S_U8, 32, c->end);
    if (err == CAIRN_OK) err = h5s_get_attr(cg, cwhat, "cycles", H5S_U64, 0, &c->cycles);
    h5s_close_id(cg);
    m->has_proof = err == CAIRN_OK;
    return err;
}

/* An optional time attribute (Unix-epoch ns): *v = 0 when absent; a
 * stored 0 is refused (the writer leaves an unknown time out). */
static cairn_err load_time(hid_t g, const char *what, const char *name, uint64_t *v)
{
    *v = 0;
    htri_t h = H5Aexists(g, name);
    if (h < 0) return h5s_fail_h5(CAIRN_ERR_CORRUPT, "%s: cannot look up its attributes", what);
    if (!h) return CAIRN_OK;
    FORWARD_IF_ERROR(h5s_get_attr(g, what, name, H5S_U64, 0, v));
    RETURN_ERROR_IF(*v == 0, CAIRN_ERR_FORMAT, "%s: %s = 0 (an unknown time is left out)", what, name);
    return CAIRN_OK;
}

/* A segment's task attributes: task_rank and task_ns optional, together;
 * task_start_ns and exec_ns optional, only with them. */
static cairn_err load_task(hid_t g, const char *what, int *has, h5s_task *t)
{
    memset(t, 0, sizeof *t);
    *has = 0;
    htri_t hr = H5Aexists(g, "task_rank"), hn = H5Aexists(g, "task_ns");
    htri_t hs = H5Aexists(g, "task_start_ns"), he = H5Aexists(g, "exec_ns");
    if (hr < 0 || hn < 0 || hs < 0 || he < 0)
        return h5s_fail_h5(CAIRN_ERR_CORRUPT, "%s: cannot look up its attributes", what);
    RETURN_ERROR_IF(hr != hn, CAIRN_ERR_FORMAT, "%s: %s without %s", what, hr ? "task_rank" : "task_ns",
                    hr ? "task_ns" : "task_rank");
    RETURN_ERROR_IF(!hr && (hs || he), CAIRN_ERR_FORMAT, "%s: %s without task_rank and task_ns", what,
                    hs ? "task_start_ns" : "exec_ns");
    if (!hr) return CAIRN_OK;
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "task_rank", H5S_U32, 0, &t->rank));
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "task_ns", H5S_U64, 0, &t->ns));
    FORWARD_IF_ERROR(load_time(g, what, "task_start_ns", &t->start_ns));
    FORWARD_IF_ERROR(load_time(g, what, "exec_ns", &t->exec_ns));
    RETURN_ERROR_IF(t->start_ns > UINT64_MAX - t->ns, CAIRN_ERR_FORMAT,
                    "%s: task_start_ns %" PRIu64 " + task_ns %" PRIu64 " is past 2^64", what, t->start_ns, t->ns);
    *has = 1;
    return CAIRN_OK;
}

/* Reads and checks a segment's attributes, snapshot shape and trace. */
static cairn_err load_segment(hid_t g, const char *what, uint64_t index, h5s_segment_meta *m, h5s_trace *t,
                              int with_data)
{
    memset(m, 0, sizeof *m);
    uint8_t complete = 0, halted;
    h5s_segment_info *s = &m->info;
    htri_t ex = H5Aexists(g, "complete");
    /* damaged attribute storage is not an unfinished segment */
    if (ex < 0) return h5s_fail_h5(CAIRN_ERR_CORRUPT, "%s: cannot look up its attributes", what);
    RETURN_ERROR_IF(ex == 0, CAIRN_ERR_FORMAT, "%s: incomplete segment (no 'complete' attribute)", what);
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "complete", H5S_U8, 0, &complete));
    RETURN_ERROR_IF(complete != 1, CAIRN_ERR_FORMAT, "%s: incomplete segment (complete = %u)", what, complete);
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "index", H5S_U64, 0, &s->index));
    RETURN_ERROR_IF(s->index != index, CAIRN_ERR_FORMAT, "%s: index attribute says %" PRIu64, what, s->index);
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "cycles", H5S_U64, 0, &s->cycles));
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "start_pc", H5S_U32, 0, &s->start_pc));
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "end_pc", H5S_U32, 0, &s->end_pc));
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "start_root", H5S_U8, 32, s->start_root));
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "end_root", H5S_U8, 32, s->end_root));
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "start_state", H5S_U8, 32, s->start_state));
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "end_state", H5S_U8, 32, s->end_state));
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "halted", H5S_U8, 0, &halted));
    RETURN_ERROR_IF(halted > 1, CAIRN_ERR_FORMAT, "%s: halted = %u, expected 0 or 1", what, halted);
    s->halted = halted;
    FORWARD_IF_ERROR(h5s_get_attr(g, what, "exit_code", H5S_I32, 0, &s->exit_code));

    char swhat[64];
    snprintf(swhat, sizeof swhat, "%s/snapshot", what);
    hid_t d;
    uint64_t n;
    FORWARD_IF_ERROR(h5s_open_array(g, "snapshot", swhat, H5S_U8, H5S_MAX_BYTES, &d, &n, &m->snapshot));
    h5s_close_id(d);

    FORWARD_IF_ERROR(load_proof(g, what, m));
    /* the task attributes are checked here, read by h5s_segment_task */
    int has_task;
    h5s_task task;
    FORWARD_IF_ERROR(load_task(g, what, &has_task, &task));
    char twhat[64];
    /* optional, but a damaged link or header is an error, not "absent" */
    int has = h5s_exists(g, "tables");
    snprintf(twhat, sizeof twhat, "%s/tables", what);
    if (has < 0) return h5s_exists_error(twhat);
    if (has > 0) FORWARD_IF_ERROR(scan_tables(g, what, m));
    has = h5s_exists(g, "trace");
    snprintf(twhat, sizeof twhat, "%s/trace", what);
    if (has < 0) return h5s_exists_error(twhat);
    if (has == 0) {
        RETURN_ERROR_IF(t, CAIRN_ERR_USAGE, "%s: no trace stored", what);
        return CAIRN_OK;
    }
    hid_t tg;
    FORWARD_IF_ERROR(open_group(g, "trace", twhat, &tg));
    m->has_trace = 1;
    cairn_err err = scan_trace(tg, twhat, &m->trace_rows, &m->trace_cols, &m->trace, t, with_data);
    h5s_close_id(tg);
    return err;
}

cairn_err h5s_segment(h5s_reader *r, uint64_t index, h5s_segment_meta *out)
{
    RETURN_ERROR_IF(!r || !out, CAIRN_ERR_USAGE, "h5s_segment: NULL argument");
    hid_t g;
    char what[48];
    FORWARD_IF_ERROR(with_path(r, open_segment(r, index, &g, what)));
    cairn_err err = load_segment(g, what, index, out, NULL, 0);
    h5s_close_id(g);
    return with_path(r, err);
}

cairn_err h5s_segment_task(h5s_reader *r, uint64_t index, int *has, h5s_task *out)
{
    RETURN_ERROR_IF(!r || !has || !out, CAIRN_ERR_USAGE, "h5s_segment_task: NULL argument");
    hid_t g;
    char what[48];
    FORWARD_IF_ERROR(with_path(r, open_segment(r, index, &g, what)));
    cairn_err err = load_task(g, what, has, out);
    h5s_close_id(g);
    return with_path(r, err);
}

cairn_err h5s_read_snapshot(h5s_reader *r, uint64_t index, uint8_t **out, size_t *len)
{
    RETURN_ERROR_IF(!r || !out || !len, CAIRN_ERR_USAGE, "h5s_read_snapshot: NULL argument");
    *out = NULL;
    *len = 0;
    hid_t g;
    char what[48], swhat[64];
    h5s_segment_meta m;
    FORWARD_IF_ERROR(with_path(r, open_segment(r, index, &g, what)));
    cairn_err err = load_segment(g, what, index, &m, NULL, 0);
    snprintf(swhat, sizeof swhat, "%s/snapshot", what);
    if (err == CAIRN_OK) err = read_bytes(g, "snapshot", swhat, out, len);
    h5s_close_id(g);
    return with_path(r, err);
}

cairn_err h5s_read_proof(h5s_reader *r, uint64_t index, uint8_t **out, size_t *len)
{
    RETURN_ERROR_IF(!r || !out || !len, CAIRN_ERR_USAGE, "h5s_read_proof: NULL argument");
    *out = NULL;
    *len = 0;
    hid_t g;
    char what[48], pwhat[64];
    h5s_segment_meta m;
    FORWARD_IF_ERROR(with_path(r, open_segment(r, index, &g, what)));
    cairn_err err = load_segment(g, what, index, &m, NULL, 0);
    if (err == CAIRN_OK && !m.has_proof) err = cairn_fail(CAIRN_ERR_USAGE, "%s: no proof stored", what);
    snprintf(pwhat, sizeof pwhat, "%s/proof", what);
    if (err == CAIRN_OK) err = read_bytes(g, "proof", pwhat, out, len);
    h5s_close_id(g);
    return with_path(r, err);
}

void h5s_trace_free(h5s_trace *t)
{
    if (!t) return;
    for (size_t c = 0; c < t->ncols; c++) {
        if (t->names) free(t->names[c]);
        if (t->cols) free(t->cols[c]);
    }
    free(t->names);
    free(t->cols);
    free(t);
}

cairn_err h5s_read_trace(h5s_reader *r, uint64_t index, int with_data, h5s_trace **out)
{
    RETURN_ERROR_IF(!r || !out, CAIRN_ERR_USAGE, "h5s_read_trace: NULL argument");
    *out = NULL;
    h5s_trace *t = calloc(1, sizeof *t);
    RETURN_ERROR_IF(!t, CAIRN_ERR_NOMEM, "h5s_read_trace: out of memory");
    hid_t g;
    char what[48];
    h5s_segment_meta m;
    cairn_err err = open_segment(r, index, &g, what);
    if (err == CAIRN_OK) {
        err = load_segment(g, what, index, &m, t, with_data);
        h5s_close_id(g);
    }
    if (err != CAIRN_OK) {
        h5s_trace_free(t);
        return with_path(r, err);
    }
    t->view = (h5s_columns){t->nrows, t->ncols, (const char *const *)t->names, (const uint32_t *const *)t->cols};
    *out = t;
    return CAIRN_OK;
}

cairn_err h5s_table_name(h5s_reader *r, uint64_t index, uint64_t i, char out[H5S_MAX_NAME + 1])
{
    RETURN_ERROR_IF(!r || !out, CAIRN_ERR_USAGE, "h5s_table_name: NULL argument");
    out[0] = 0;
    hid_t g, tg;
    char what[48];
    h5s_segment_meta m;
    FORWARD_IF_ERROR(with_path(r, open_segment(r, index, &g, what)));
    cairn_err err = load_segment(g, what, index, &m, NULL, 0);
    if (err == CAIRN_OK && i >= m.ntables)
        err = cairn_fail(CAIRN_ERR_USAGE, "%s: side table %" PRIu64 " requested; the segment has %" PRIu64, what, i,
                         m.ntables);
    if (err == CAIRN_OK) {
        /* load_segment validated every name: 1..H5S_MAX_NAME valid characters */
        if ((tg = H5Gopen2(g, "tables", H5P_DEFAULT)) < 0 ||
            H5Lget_name_by_idx(tg, ".", H5_INDEX_NAME, H5_ITER_INC, i, out, H5S_MAX_NAME + 1, H5P_DEFAULT) <= 0)
            err = h5s_fail_h5(CAIRN_ERR_FORMAT, "%s/tables: cannot read name %" PRIu64, what, i);
        h5s_close_id(tg);
    }
    h5s_close_id(g);
    return with_path(r, err);
}

cairn_err h5s_read_table(h5s_reader *r, uint64_t index, const char *name, int with_data, h5s_trace **out)
{
    RETURN_ERROR_IF(!r || !out || !name, CAIRN_ERR_USAGE, "h5s_read_table: NULL argument");
    *out = NULL;
    RETURN_ERROR_IF(!h5s_name_ok(name), CAIRN_ERR_USAGE, "h5s_read_table: invalid table name");
    h5s_trace *t = calloc(1, sizeof *t);
    RETURN_ERROR_IF(!t, CAIRN_ERR_NOMEM, "h5s_read_table: out of memory");
    hid_t g;
    char what[48], twhat[128];
    h5s_segment_meta m;
    cairn_err err = open_segment(r, index, &g, what);
    if (err == CAIRN_OK) {
        err = load_segment(g, what, index, &m, NULL, 0);
        snprintf(twhat, sizeof twhat, "%s/tables/%s", what, name);
        int ex = err == CAIRN_OK && m.ntables ? h5s_exists(g, "tables") : 0;
        if (ex < 0) err = h5s_exists_error(twhat);
        else if (err == CAIRN_OK && ex == 0)
            err = cairn_fail(CAIRN_ERR_USAGE, "%s: no side table %s stored", what, name);
        hid_t tables = -1, tg = -1;
        if (err == CAIRN_OK && (tables = H5Gopen2(g, "tables", H5P_DEFAULT)) < 0)
            err = h5s_fail_h5(CAIRN_ERR_FORMAT, "%s/tables: cannot open", what);
        ex = err == CAIRN_OK ? h5s_exists(tables, name) : 1;
        if (ex < 0) err = h5s_exists_error(twhat);
        else if (ex == 0)
            err = cairn_fail(CAIRN_ERR_USAGE, "%s: no side table %s stored", what, name);
        if (err == CAIRN_OK) err = open_group(tables, name, twhat, &tg);
        if (err == CAIRN_OK) {
            uint64_t rows, cols;
            h5s_size sz;
            err = scan_trace(tg, twhat, &rows, &cols, &sz, t, with_data);
        }
        h5s_close_id(tg);
        h5s_close_id(tables);
        h5s_close_id(g);
    }
    if (err != CAIRN_OK) {
        h5s_trace_free(t);
        return with_path(r, err);
    }
    t->view = (h5s_columns){t->nrows, t->ncols, (const char *const *)t->names, (const uint32_t *const *)t->cols};
    *out = t;
    return CAIRN_OK;
}
