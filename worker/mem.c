/* What a rank needs and what it may hold (worker.h "Memory"): the
 * figures every HELLO carries, so that a rank that cannot hold a segment
 * proof says so at the start instead of being killed by the kernel half-way
 * through its first task, and the coordinator can count the ranks that
 * share a node. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/err.h"
#include "worker.h"

static uint64_t min_u64(uint64_t a, uint64_t b) { return a && (!b || a < b) ? a : b; }

/* "123", "64G", "512M", "100K": bytes; 0 if not such a number */
static uint64_t parse_size(const char *s)
{
    if (!s || !isdigit((unsigned char)*s)) return 0;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return 0;
    unsigned shift = 0;
    switch (*end) {
    case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    case 'T': shift = 40; end++; break;
    default: break;
    }
    if (*end || v > (UINT64_MAX >> shift)) return 0;
    return (uint64_t)v << shift;
}

/* the first line of a file as a size ("max" and unreadable files: 0) */
static uint64_t file_size_value(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[64] = "";
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    fclose(f);
    line[strcspn(line, "\n")] = 0;
    return parse_size(line);
}

static uint64_t meminfo_total(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return 0;
    char line[128];
    uint64_t kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemTotal: %" SCNu64 " kB", &kb) == 1) break;
    fclose(f);
    return kb << 10;
}

/* the tightest memory.max of this process's cgroup (v2) and its
 * ancestors, or the v1 memory controller's limit */
static uint64_t cgroup_limit(void)
{
    uint64_t lim = 0;
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[4096], path[4200];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "0::", 3) != 0) continue;
        char *p = line + 3;
        for (;;) {
            snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", strcmp(p, "/") ? p : "");
            lim = min_u64(lim, file_size_value(path));
            char *slash = strrchr(p, '/');
            if (!slash || slash == p) break;
            *slash = 0;
        }
    }
    if (f) fclose(f);
    /* v1: "unlimited" reads as a number near 2^63 */
    uint64_t v1 = file_size_value("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    if (v1 && v1 < (UINT64_C(1) << 62)) lim = min_u64(lim, v1);
    return lim;
}

uint64_t wrk_mem_limit(void)
{
    const char *env = getenv("CAIRN_MEM_LIMIT");
    if (env && *env) {
        uint64_t v = parse_size(env);
        if (v) return v;
    }
    uint64_t lim = min_u64(meminfo_total(), cgroup_limit());
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) lim = min_u64(lim, (uint64_t)rl.rlim_cur);
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) lim = min_u64(lim, (uint64_t)rl.rlim_cur);
    /* Slurm's --mem (MiB per node) when it does not enforce it itself */
    uint64_t mb = parse_size(getenv("SLURM_MEM_PER_NODE"));
    if (mb && mb < (UINT64_C(1) << 44)) lim = min_u64(lim, mb << 20);
    return lim;
}

cairn_err wrk_mem_hello(cmsg *m, unsigned po2, const stark_params *p)
{
    rv_air_mem need;
    cairn_err e = rv_air_prove_mem(&need, po2, p);
    if (e != CAIRN_OK) return cairn_prefix_error(e, "memory of a segment proof of 2^%u", po2);
    m->mem_need = (uint64_t)need.key + (uint64_t)need.segment;
    m->mem_limit = wrk_mem_limit();
    char host[256];
    if (gethostname(host, sizeof host) != 0) host[0] = 0;
    host[sizeof host - 1] = 0;
    /* printable ASCII only (cmsg), cut to the field */
    size_t n = 0;
    for (; host[n] && n < CMSG_HOST_MAX; n++) m->host[n] = (host[n] > 0x20 && host[n] < 0x7f) ? host[n] : '?';
    m->host[n] = 0;
    return CAIRN_OK;
}
