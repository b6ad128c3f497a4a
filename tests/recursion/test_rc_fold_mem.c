/* The memory figures of the fold (rc_fold.h rc_fold_prove_mem, and
 * rc_fold_add_mem: what the coordinator adds per prover for lifts and
 * joins) against what a rank really takes to make them. A child process
 * (a fork of the test would inherit OpenMP's threads, which libgomp does
 * not survive) proves two segments of 2^8 at preset test, resets its peak
 * resident memory (/proc/self/clear_refs 5), then builds the fold context
 * (recording both programs, committing both keys), lifts both segments
 * and joins them. Its peak resident memory over that, minus the resident
 * memory before, must lie between MIN_RATIO and 1 times the figure: a
 * rank booked by the figure is never killed for lack of memory, and the
 * figure is not so loose that it turns away ranks that would fit. Twice:
 * "alone", the segment prover's buffers given back first (rv_prove_release)
 * against rc_fold_prove_mem; "shared", as a worker does, the thread's
 * workspace kept from the segments (stark.h stark_keep: one for both
 * provers) against rc_fold_add_mem.
 *
 * Under the sanitizers (CAIRN_SANITIZE_RUN=1) resident memory is ASan's,
 * and a recursion proof takes minutes: the comparison is left out there. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vm/seg_prog.h"
#include "common/err.h"
#include "recursion/rc_fold.h"
#include "stark/stark.h"
#include "testutil.h"
#include "vm/rv32im/rv_air.h"

#define PO2 8
/* the measured growth is at least this share of the figure (a quarter on
 * top of its model) */
#define MIN_RATIO 0.70

typedef struct {
    uint8_t *proof;
    size_t len;
    rv_seg_claim claim;
} segproof;
static segproof g_s[2];
static int g_have;
static stark_params g_seg;

static cairn_err prove_seg(void *arg, const rv_snapshot *s)
{
    (void)arg;
    if (g_have >= 2) return CAIRN_OK;
    segproof *t = &g_s[g_have++];
    return rv_prove_segment(&t->proof, &t->len, &t->claim, s, &g_seg);
}

/* VmRSS or VmHWM of /proc/self/status, bytes; 0 if unreadable */
static size_t status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0, n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':') kb = strtoull(line + n + 1, NULL, 10);
    if (f) fclose(f);
    return kb * 1024;
}

static int child(int shared)
{
    /* keys are committed inside the window, as on a rank's first
     * recursion task (a key read from the cache would commit inside the
     * first proof instead) */
    stark_keycache_set(NULL);
    cairn_err e = rv_air_params(&g_seg, "test", PO2);
    if (e == CAIRN_OK) e = seg_run(80, PO2, "fold memory: some private input bytes", prove_seg, NULL);
    if (e == CAIRN_OK && g_have < 2) e = cairn_fail(CAIRN_ERR_INTERNAL, "fewer than 2 segments");
    if (e != CAIRN_OK) {
        fprintf(stderr, "child: segments: %s\n", cairn_last_error());
        return 1;
    }
    rv_air_mem seg;
    if (rv_air_prove_mem(&seg, PO2, &g_seg) != CAIRN_OK) {
        fprintf(stderr, "child: segment memory: %s\n", cairn_last_error());
        return 1;
    }
    if (!shared) rv_prove_release();
    malloc_trim(0);
    FILE *cr = fopen("/proc/self/clear_refs", "w");
    if (!cr || fputs("5", cr) < 0 || fclose(cr) != 0) {
        fprintf(stderr, "child: cannot reset the peak resident memory (/proc/self/clear_refs)\n");
        return 1;
    }
    size_t before = status_kb("VmRSS");
    const rc_fold *f;
    rc_fold_node l0 = {0}, l1 = {0}, j = {0};
    e = rc_fold_get(&f, "test", PO2);
    if (e == CAIRN_OK) e = rc_fold_lift(&l0, NULL, f, &g_s[0].claim, g_s[0].proof, g_s[0].len);
    if (e == CAIRN_OK) e = rc_fold_lift(&l1, NULL, f, &g_s[1].claim, g_s[1].proof, g_s[1].len);
    if (e == CAIRN_OK) e = rc_fold_join(&j, NULL, f, &l0, &l1);
    if (e != CAIRN_OK) {
        fprintf(stderr, "child: fold: %s\n", cairn_last_error());
        return 1;
    }
    size_t peak = status_kb("VmHWM"), need = shared ? rc_fold_add_mem(f, seg.workspace) : rc_fold_prove_mem(f);
    printf("%zu %zu\n", peak > before ? peak - before : 0, need);
    rc_fold_node_free(&l0);
    rc_fold_node_free(&l1);
    rc_fold_node_free(&j);
    rc_fold_release();
    for (int i = 0; i < g_have; i++) free(g_s[i].proof);
    rv_air_keys_release();
    return 0;
}

static int sanitize_run(void) { return getenv("CAIRN_SANITIZE_RUN") != NULL; }

static void measured(int shared)
{
    if (sanitize_run()) {
        printf("  sanitizer run: resident memory is ASan's, no comparison\n");
        return;
    }
    const char *mode = shared ? "shared" : "alone";
    char cmd[4200], exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    CU_ASSERT_FATAL(n > 0);
    exe[n] = 0;
    snprintf(cmd, sizeof cmd, "'%s' child %s", exe, mode);
    FILE *f = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t grew = 0, need = 0;
    int got = fscanf(f, "%zu %zu", &grew, &need);
    int st = pclose(f);
    CU_ASSERT_EQUAL_FATAL(got, 2);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_FATAL(need > 0);
    double ratio = (double)grew / (double)need;
    printf("  preset test, shape rc-test, %s: %s %.1f MiB; keys, two lifts and a join grew %.1f MiB (%.2f of it)\n",
           mode, shared ? "rc_fold_add_mem" : "rc_fold_prove_mem", (double)need / 1048576.0,
           (double)grew / 1048576.0, ratio);
    if (ratio > 1.0) fprintf(stderr, "the fold grew %.2f x the figure (the figure promises too little)\n", ratio);
    if (ratio < MIN_RATIO)
        fprintf(stderr, "the fold grew only %.2f x the figure (below %.2f: too loose)\n", ratio, MIN_RATIO);
    CU_ASSERT(ratio <= 1.0 && ratio >= MIN_RATIO);
}

static void test_alone(void) { measured(0); }
static void test_shared(void) { measured(1); }

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "child")) return child(!strcmp(argv[2], "shared"));
    static const test_case cases[] = {
        {"the fold's memory figure against a measured lift and join", test_alone},
        {"the fold's added figure after segment proofs on the thread", test_shared},
        {NULL, NULL},
    };
    int rc = test_run_suite("rc_fold_mem", cases);
    rv_air_keys_release();
    return rc;
}
