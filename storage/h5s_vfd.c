/* The HDF5 file driver the reader opens job files with (h5s_int.h).
 *
 * Read-only, from a file descriptor or from bytes in memory, and with no
 * metadata accumulator. libhdf5 1.10's own drivers (sec2, core) let it
 * gather metadata reads into an accumulator buffer; a damaged address in
 * the metadata (HADDR_UNDEF, or near 2^64, where addr + size wraps past
 * HDF5's own end-of-allocation check) makes the accumulator ask for an
 * exabyte-sized buffer and copy into the NULL it gets back (found by
 * tests/fuzz/fuzz_h5.c). Without that feature HDF5 hands every read to
 * this driver, which refuses any byte range outside the file. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/h5s_int.h"

typedef struct {
    H5FD_t pub; /* HDF5's part of every open file; first */
    int fd;     /* -1 for an image */
    const uint8_t *image;
    haddr_t eof, eoa;
    dev_t dev;
    ino_t ino;
} ro_file;

/* The driver information a file access property list carries. */
typedef struct {
    const uint8_t *image; /* NULL: the file below */
    size_t len;
    int fd; /* >= 0: read a duplicate of it; else open the named file */
} ro_info;

/* Puts a message on HDF5's error stack, where h5s_fail_h5 finds it as the
 * innermost error. */
#define RO_ERROR(minor, ...)                                                                                           \
    H5Epush2(H5E_DEFAULT, __FILE__, __func__, __LINE__, H5E_ERR_CLS, H5E_VFL, minor, __VA_ARGS__)

static H5FD_t *ro_open(const char *name, unsigned flags, hid_t fapl, haddr_t maxaddr)
{
    (void)maxaddr;
    if (flags & (H5F_ACC_RDWR | H5F_ACC_TRUNC | H5F_ACC_CREAT | H5F_ACC_EXCL)) {
        RO_ERROR(H5E_CANTOPENFILE, "the cairn job reader opens files read-only");
        return NULL;
    }
    const ro_info *info = H5Pget_driver_info(fapl);
    ro_file *f = calloc(1, sizeof *f);
    if (!f) {
        RO_ERROR(H5E_CANTOPENFILE, "out of memory");
        return NULL;
    }
    f->fd = -1;
    if (info && info->image) {
        f->image = info->image;
        f->eof = info->len;
        return &f->pub;
    }
    struct stat st;
    f->fd = info && info->fd >= 0 ? fcntl(info->fd, F_DUPFD_CLOEXEC, 0) : open(name, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0 || fstat(f->fd, &st) != 0) {
        RO_ERROR(H5E_CANTOPENFILE, "cannot open %s: %s", name, strerror(errno));
        if (f->fd >= 0) close(f->fd);
        free(f);
        return NULL;
    }
    f->eof = (haddr_t)st.st_size;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    return &f->pub;
}

static herr_t ro_close(H5FD_t *file)
{
    ro_file *f = (ro_file *)file;
    if (f->fd >= 0) close(f->fd);
    free(f);
    return 0;
}

/* HDF5 takes two opens that compare equal for the same file. */
static int ro_cmp(const H5FD_t *a, const H5FD_t *b)
{
    const ro_file *x = (const ro_file *)a, *y = (const ro_file *)b;
    if (x->image || y->image) {
        uintptr_t p = (uintptr_t)x->image, q = (uintptr_t)y->image;
        return p < q ? -1 : p > q;
    }
    if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino) return x->ino < y->ino ? -1 : 1;
    return 0;
}

static herr_t ro_query(const H5FD_t *file, unsigned long *flags)
{
    (void)file;
    /* deliberately no H5FD_FEAT_ACCUMULATE_METADATA (see the top) */
    *flags = 0;
    return 0;
}

static haddr_t ro_get_eoa(const H5FD_t *file, H5FD_mem_t type)
{
    (void)type;
    return ((const ro_file *)file)->eoa;
}

static herr_t ro_set_eoa(H5FD_t *file, H5FD_mem_t type, haddr_t addr)
{
    (void)type;
    ((ro_file *)file)->eoa = addr;
    return 0;
}

static haddr_t ro_get_eof(const H5FD_t *file, H5FD_mem_t type)
{
    (void)type;
    return ((const ro_file *)file)->eof;
}

/* The handle is the driver's own record: h5s_raw_of reads through it. */
static herr_t ro_get_handle(H5FD_t *file, hid_t fapl, void **handle)
{
    (void)fapl;
    *handle = file;
    return 0;
}

static herr_t ro_read(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, void *buf)
{
    (void)type, (void)dxpl;
    ro_file *f = (ro_file *)file;
    /* written so that nothing wraps: HDF5's own check adds addr + size */
    if (addr == HADDR_UNDEF || addr > f->eof || size > f->eof - addr) {
        RO_ERROR(H5E_OVERFLOW, "read of %zu bytes at address 0x%llx: outside the file (0x%llx bytes; damaged metadata)",
                 size, (unsigned long long)addr, (unsigned long long)f->eof);
        return -1;
    }
    if (f->image) {
        memcpy(buf, f->image + addr, size);
        return 0;
    }
    uint8_t *p = buf;
    while (size > 0) {
        ssize_t n = pread(f->fd, p, size, (off_t)addr);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            RO_ERROR(H5E_READERROR, "read at address 0x%llx: %s", (unsigned long long)addr,
                     n < 0 ? strerror(errno) : "the file is shorter than when it was opened");
            return -1;
        }
        p += n;
        addr += (haddr_t)n;
        size -= (size_t)n;
    }
    return 0;
}

static herr_t ro_write(H5FD_t *file, H5FD_mem_t type, hid_t dxpl, haddr_t addr, size_t size, const void *buf)
{
    (void)file, (void)type, (void)dxpl, (void)addr, (void)size, (void)buf;
    RO_ERROR(H5E_WRITEERROR, "the cairn job reader opens files read-only");
    return -1;
}

/* A shared lock while reading, as HDF5's own drivers take, so that a
 * writer holding the file (HDF5 locks it exclusively) is noticed; file
 * systems without locks are read without. */
static herr_t ro_lock(H5FD_t *file, hbool_t rw)
{
    ro_file *f = (ro_file *)file;
    if (f->fd < 0) return 0;
    if (flock(f->fd, (rw ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) return 0;
    if (errno == ENOSYS || errno == ENOLCK || errno == EOPNOTSUPP) return 0;
    RO_ERROR(H5E_CANTLOCKFILE, "cannot lock the file: %s", strerror(errno));
    return -1;
}

static herr_t ro_unlock(H5FD_t *file)
{
    ro_file *f = (ro_file *)file;
    if (f->fd >= 0) flock(f->fd, LOCK_UN);
    return 0;
}

static const H5FD_class_t ro_class = {
    .name = "cairn_job_reader",
    .maxaddr = (haddr_t)INT64_MAX, /* largest off_t, as HDF5's sec2 driver */
    .fc_degree = H5F_CLOSE_WEAK,
    .fapl_size = sizeof(ro_info),
    .open = ro_open,
    .close = ro_close,
    .cmp = ro_cmp,
    .query = ro_query,
    .get_eoa = ro_get_eoa,
    .set_eoa = ro_set_eoa,
    .get_eof = ro_get_eof,
    .get_handle = ro_get_handle,
    .read = ro_read,
    .write = ro_write,
    .lock = ro_lock,
    .unlock = ro_unlock,
    .fl_map = H5FD_FLMAP_DICHOTOMY,
};

static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static hid_t ro_id = -1;

static void register_driver(void) { ro_id = H5FDregister(&ro_class); }

int h5s_raw_of(hid_t loc, h5s_raw *raw)
{
    if (ro_id < 0) return -1;
    hid_t file = H5Iget_file_id(loc);
    if (file < 0) {
        H5Eclear2(H5E_DEFAULT);
        return -1;
    }
    hid_t fapl = H5Fget_access_plist(file);
    void *handle = NULL;
    int ok = fapl >= 0 && H5Pget_driver(fapl) == ro_id && H5Fget_vfd_handle(file, fapl, &handle) >= 0 && handle;
    if (fapl >= 0) H5Pclose(fapl);
    H5Fclose(file); /* the reference H5Iget_file_id added */
    H5Eclear2(H5E_DEFAULT);
    if (!ok) return -1;
    const ro_file *f = handle;
    raw->image = f->image;
    raw->fd = f->fd;
    raw->eof = f->eof;
    return 0;
}

int h5s_raw_read(const h5s_raw *raw, uint64_t addr, void *buf, size_t len)
{
    if (addr > raw->eof || len > raw->eof - addr) return -1;
    if (raw->image) {
        memcpy(buf, raw->image + addr, len);
        return 0;
    }
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(raw->fd, p, len, (off_t)addr);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        addr += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

hid_t h5s_fapl_read(const void *image, size_t len, int fd)
{
    pthread_once(&reg_once, register_driver);
    if (ro_id < 0) return -1;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return -1;
    ro_info info = {image, len, fd};
    /* closing the file closes whatever an error path left open */
    if (H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 || H5Pset_driver(fapl, ro_id, &info) < 0) {
        H5Pclose(fapl);
        return -1;
    }
    h5s_set_evict_on_close(fapl);
    return fapl;
}
