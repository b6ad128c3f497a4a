/* cairn bench recursion: proves an example machine, or one RV32IM segment
 * (--machine rv32im: the first segment of the SHA-256 example guest, as
 * cairn bench prove runs it), records its verifier as a recursion program
 * (recursion/rc.h; for a segment, the lift of recursion/rc_lift.h), and
 * proves that program's run with the recursion VM's AIR
 * (recursion/rc_air.h): rows per table, instructions per kind, the time
 * of each step, the recursion proof's size and security. --repeat N proves
 * the measured recursion proof N times in one process: the first starts
 * from a released prover workspace (rc_prove keeps one per thread: fresh
 * pages, as a rank's first recursion proof), the later ones reuse it, and
 * every repeat must give the first one's bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench.h"
#include "cli/proofs.h"
#include "cli/util.h"
#include "common/err.h"
#include "common/util.h"
#include "jobs/jobs.h"
#include "recursion/rc.h"
#include "recursion/rc_air.h"
#include "recursion/rc_fold.h"
#include "recursion/rc_lift.h"

static const char USAGE[] =
    "usage: cairn bench recursion [--machine fib|lookup|poseidon2-chain|rv32im|join] [--log-rows N]\n"
    "       [--segment-po2 K] [--shape S] [--join-shape S] [--inner-preset NAME] [--preset NAME]\n"
    "       [--log-blowup B] [--log-arity A] [--log-final-len F]\n"
    "       [--inner-log-arity A] [--inner-log-final-len F] [--repeat N] [--json]\n";

static const char HELP[] =
    "\n  --machine M        example machine whose proof is verified (default fib);\n"
    "                     rv32im: the lift of one segment proof of the SHA-256\n"
    "                     example guest (<build>/guest/sha256.elf)\n"
    "  --log-rows N       2^N rows in its main table (2..16, default 5)\n"
    "                     join: lifts of the first two segments, joined (the\n"
    "                     figures are the join's; the lift's time and size too)\n"
    "  --segment-po2 K    rv32im, join: segment size 2^K (default 10)\n"
    "  --shape S          the recursion shape (default the fold's lift shape\n"
    "                     for --preset: rc-test with test, rc-100-lift with\n"
    "                     proven-100, rc-100 otherwise);\n"
    "                     its heights set the recursion parameters (rc_params);\n"
    "                     rv32im proves the lift at it when it is given (as\n"
    "                     the fold does), else at the lift's own heights\n"
    "  --join-shape S     join: the join's shape (default the fold's join shape\n"
    "                     when --shape is not given: rc-test-join, rc-100-join;\n"
    "                     else --shape); the lifts prove at --shape, and the\n"
    "                     queries are the larger of the two shapes' (as the fold)\n"
    "  --inner-preset P   parameters of that proof (default test)\n"
    "  --preset P         parameters of the recursion proof (default test)\n"
    "                     presets: proven-100, conjectured-100, test\n"
    "  --log-blowup B     recursion proof: blowup 2^B (1..6) instead of the\n"
    "                     layer's, with the fewest queries for the preset's bits\n"
    "  --log-arity A      recursion proof: FRI folding arity 2^A (1..3), and\n"
    "  --log-final-len F  final polynomial of 2^F coefficients (0..8), instead\n"
    "                     of the layer's; queries refitted as for --log-blowup\n"
    "  --inner-log-arity A, --inner-log-final-len F\n"
    "                     the same for the inner (segment) proof instead of the\n"
    "                     preset's (rv32im, join: queries raised to the preset's\n"
    "                     bits on the segment machine, as rv_air_params)\n"
    "  --repeat N         prove the measured recursion proof N times (1..100,\n"
    "                     default 1): prove_first_s / prove_cpu_first_s are\n"
    "                     the first (fresh buffers), prove_s / prove_cpu_s the\n"
    "                     last (the thread's prover workspace reused)\n"
    "  --json             one JSON object on stdout\n"
    "\nExit status: 0 proved and verified, 1 a proof did not verify (or an\n"
    "internal error), 2 usage error.\n";

/* Everything the benchmark owns, freed at one point. */
typedef struct {
    bench_example x;
    /* rv32im: the segment's claim, the lift's claim (a zero control root,
     * then the segment's public values; x unused) */
    rv_seg_claim claim;
    p2_digest ctrl;
    gl_t seg_pub[RC_LIFT_NPUB];
    const gl_t *pub;
    size_t npub;
    stark_pk *pk;
    stark_vk *vk;
    uint8_t *inner, *outer;
    size_t inner_len, outer_len;
    double prove_cpu; /* CPU seconds of the recursion proof, all threads */
    double prove_first, prove_cpu_first; /* the same of the first of --repeat */
    stark_prove_stats phases;            /* the last proof's split */
    rc_program *prog;
    gl_t *wit;
    size_t nwit;
    rc_air *air;
    rc_program *join_prog; /* join: the program of air (prog is the lift's) */
} run;

static void run_free(run *r)
{
    bench_example_free(&r->x);
    stark_pk_free(r->pk);
    stark_vk_free(r->vk);
    free(r->inner);
    free(r->outer);
    rc_program_free(r->prog);
    rc_program_free(r->join_prog);
    free(r->wit);
    rc_air_free(r->air);
}

/* rv32im: the first segment of the SHA-256 guest over 2^(K-5) generated
 * bytes (a full segment: the run takes about 2.6 segments), proven with
 * the segment parameters of the inner preset; the run stops after it. */
typedef struct {
    const stark_params *prm;
    jobs_proof p[2];
    int have, want;
} first_segment;

#define STOP CAIRN_ERR_LIMIT /* on_segment's way of ending the run early */

static cairn_err prove_first(void *arg, const rv_snapshot *s)
{
    first_segment *f = arg;
    if (f->have < f->want) FORWARD_IF_ERROR(jobs_prove(&f->p[f->have++], s, f->prm));
    return f->have < f->want ? CAIRN_OK : STOP;
}

/* join: the second segment, the lifts and the join's inputs */
typedef struct {
    rv_seg_claim claim2;
    uint8_t *proof2;
    size_t len2;
    rc_air *lift_air;
    uint8_t *lp[3];
    size_t ll[3];
    gl_t lc[3][RC_CLAIM_NPUB];
    double t_lift; /* one lift: record + prove */
    double lift_cpu[3]; /* CPU seconds of the lift proofs, in the order made */
    int nlifts;
    double lift_proven_bits;
} join_run;

static void join_run_free(join_run *j)
{
    free(j->proof2);
    rc_air_free(j->lift_air);
    for (int i = 0; i < 3; i++) free(j->lp[i]);
}

static cairn_err segment_proof(run *r, join_run *j, double *t, unsigned po2, const stark_params *ip)
{
    char path[4096];
    RETURN_ERROR_IF(bench_guest_path(path, sizeof path, "sha256.elf") != 0, CAIRN_ERR_IO,
                    "cannot find the cairn binary (and the SHA-256 guest next to it)");
    uint8_t *elf = NULL, *input = NULL;
    size_t elf_len = 0, input_len = (size_t)1 << (po2 > 5 ? po2 - 5 : 0);
    rv_program *prog = NULL;
    rv_machine *mach = NULL;
    first_segment f = {.prm = ip, .want = j ? 2 : 1};
    cairn_err e = cli_read_file(&elf, &elf_len, "program", path, CLI_MAX_PROGRAM_BYTES, NULL);
    if (e == CAIRN_OK) e = rv_elf_load(&prog, elf, elf_len);
    if (e == CAIRN_OK && !(input = malloc(input_len)))
        e = cairn_fail(CAIRN_ERR_NOMEM, "out of memory for the input");
    for (size_t i = 0; e == CAIRN_OK && i < input_len; i++) input[i] = (uint8_t)(i * 7 + (i >> 8));
    if (e == CAIRN_OK) e = jobs_machine_new(&mach, prog, po2, 0, input, input_len, prove_first, &f, NULL, NULL);
    rv_result res;
    if (e == CAIRN_OK) e = rv_run(mach, &res);
    if (e == STOP && f.have == f.want) e = CAIRN_OK;
    if (e == CAIRN_OK && f.have < f.want) e = cairn_fail(CAIRN_ERR_USAGE, "the guest made %d segments, %d needed", f.have, f.want);
    rv_machine_free(mach);
    rv_program_free(prog);
    free(elf);
    free(input);
    rv_prove_release(); /* the recursion proofs do not use the segment buffers */
    if (e != CAIRN_OK) {
        jobs_proof_free(&f.p[0]);
        jobs_proof_free(&f.p[1]);
        return e;
    }
    *t = f.p[0].seconds;
    r->claim = f.p[0].claim;
    r->inner = f.p[0].proof;
    r->inner_len = f.p[0].len;
    if (j) {
        j->claim2 = f.p[1].claim;
        j->proof2 = f.p[1].proof;
        j->len2 = f.p[1].len;
    }
    memcpy(r->seg_pub, r->ctrl.v, sizeof r->ctrl.v);
    return rv_seg_claim_pub(r->seg_pub + RC_CLAIM_START, &r->claim);
}

/* The last two steps: prove r's recorded run in r->air repeat times (t[3]
 * and r->prove_cpu: the last; the first's in r->prove_first*), verify it
 * (t[4]). The first proof starts from a released workspace, so first and
 * last are the cold and warm figures. */
static cairn_err prove_verify(run *r, double t[5], unsigned repeat)
{
    rc_prove_release();
    for (unsigned i = 0; i < repeat; i++) {
        uint8_t *p = NULL;
        size_t len = 0;
        double t0 = now_sec(), c0 = process_cpu_sec();
        FORWARD_IF_ERROR(rc_prove(&p, &len, r->air, r->wit, r->nwit));
        t[3] = now_sec() - t0;
        r->prove_cpu = process_cpu_sec() - c0;
        r->phases = *stark_last_prove_stats();
        if (i == 0) {
            r->outer = p;
            r->outer_len = len;
            r->prove_first = t[3];
            r->prove_cpu_first = r->prove_cpu;
            continue;
        }
        /* proofs are deterministic: a reused buffer must change nothing */
        const int same = len == r->outer_len && !memcmp(p, r->outer, len);
        free(p);
        RETURN_ERROR_IF(!same, CAIRN_ERR_INTERNAL, "--repeat: proof %u differs from the first", i + 1);
    }
    double t0 = now_sec();
    FORWARD_IF_ERROR(rc_verify(rc_air_vk(r->air), r->pub, r->npub, r->outer, r->outer_len));
    t[4] = now_sec() - t0;
    return CAIRN_OK;
}

/* join: lift of segment k (0, 1) under ctrl into slot i, proven in the
 * lift's machine (built at the shape on first use). */
static cairn_err lift_prove(run *r, join_run *j, int i, int k, const p2_digest *ctrl, const char *shape,
                            const stark_params *ip, const stark_params *op)
{
    rc_program *prog = NULL;
    gl_t *w = NULL;
    size_t n = 0;
    int acc = 0;
    char first[256];
    double t0 = now_sec();
    cairn_err e = rc_lift_record(&prog, &w, &n, &acc, first, ctrl, k ? &j->claim2 : &r->claim,
                                 k ? j->proof2 : r->inner, k ? j->len2 : r->inner_len, ip);
    const double t_rec = now_sec() - t0;
    if (e == CAIRN_OK && !acc) e = cairn_fail(CAIRN_ERR_VERIFY, "the lift rejected: %s", first);
    if (e == CAIRN_OK && !j->lift_air) {
        e = rc_air_build_shape(&j->lift_air, prog, RC_LIFT_NPUB, shape, op);
        if (e == CAIRN_OK) {
            /* the lift air keeps a pointer to its program: it lives in r */
            r->prog = prog;
            prog = NULL;
            stark_security_bits sec;
            unsigned h[AIR_MAX_TABLES];
            for (unsigned t = 0; t < RC_AIR_NTABLES; t++) h[t] = rc_air_log_height(j->lift_air, t);
            if (stark_security(&sec, op, rc_air_machine(j->lift_air), h) == CAIRN_OK)
                j->lift_proven_bits = sec.proven;
        }
    }
    double t1 = now_sec(), c1 = process_cpu_sec();
    if (e == CAIRN_OK) e = rc_prove(&j->lp[i], &j->ll[i], j->lift_air, w, n);
    if (e == CAIRN_OK) memcpy(j->lc[i], w, sizeof j->lc[i]);
    j->t_lift = t_rec + (now_sec() - t1);
    if (e == CAIRN_OK && j->nlifts < 3) j->lift_cpu[j->nlifts++] = process_cpu_sec() - c1;
    rc_program_free(prog);
    free(w);
    return e;
}

/* join: lifts segments 0 and 1, records the join program once on any two
 * proofs of the shape (its key goes in the control root), then lifts both
 * under the root and records the join r proves. */
static cairn_err join_steps(run *r, join_run *j, double t[5], unsigned po2, const char *shape,
                            const char *jshape, const stark_params *ip, const stark_params *op, unsigned repeat)
{
    FORWARD_IF_ERROR(segment_proof(r, j, &t[0], po2, ip));
    const rc_shape *sh;
    FORWARD_IF_ERROR(rc_shape_find(&sh, shape));
    p2_digest zero = {{0}}, keys[2], root;
    FORWARD_IF_ERROR(lift_prove(r, j, 2, 0, &zero, shape, ip, op));
    const stark_vk *lvk = rc_air_vk(j->lift_air);
    p2_digest rl = stark_vk_pre_root(lvk);
    keys[0] = stark_vk_digest(lvk);
    rc_join_input a = {j->lp[2], j->ll[2], j->lc[2], rl, lvk, sh->log_n};
    int acc = 0;
    char first[256];
    rc_program *jp0 = NULL;
    gl_t *w0 = NULL;
    size_t n0 = 0;
    /* the run rejects (the root is not the join's): only the program counts */
    double t0 = now_sec();
    FORWARD_IF_ERROR(rc_join_record(&jp0, &w0, &n0, &acc, first, keys, 1, &a, &a));
    free(w0);
    t[1] = now_sec() - t0;
    /* a fold builds its keys before its first proof (rc_fold_get): the
     * first lift's kept buffers must not sit under the join key's
     * commitment (peak_rss_mb) */
    rc_prove_release();
    t0 = now_sec();
    cairn_err e = rc_air_build_shape(&r->air, jp0, RC_CLAIM_NPUB, jshape, op);
    t[2] = now_sec() - t0;
    if (e == CAIRN_OK) {
        keys[1] = stark_vk_digest(rc_air_vk(r->air));
        e = rc_ctrl_root(&root, keys, 2);
    }
    if (e == CAIRN_OK) e = lift_prove(r, j, 0, 0, &root, shape, ip, op);
    if (e == CAIRN_OK) e = lift_prove(r, j, 1, 1, &root, shape, ip, op);
    rc_join_input l = {j->lp[0], j->ll[0], j->lc[0], rl, lvk, sh->log_n};
    rc_join_input rr = {j->lp[1], j->ll[1], j->lc[1], rl, lvk, sh->log_n};
    rc_program *jp = NULL;
    if (e == CAIRN_OK) e = rc_join_record(&jp, &r->wit, &r->nwit, &acc, first, keys, 2, &l, &rr);
    if (e == CAIRN_OK && !acc) e = cairn_fail(CAIRN_ERR_VERIFY, "the join rejected: %s", first);
    /* the join's machine was built from jp0, the same program */
    rc_program_free(jp);
    if (e != CAIRN_OK) {
        rc_air_free(r->air);
        r->air = NULL;
        rc_program_free(jp0);
        return e;
    }
    r->join_prog = jp0;
    memcpy(r->seg_pub, r->wit, sizeof r->seg_pub);
    r->pub = r->seg_pub;
    r->npub = RC_CLAIM_NPUB;
    return prove_verify(r, t, repeat);
}

/* The steps; t[] gets the time of each: inner prove, record, build + key,
 * prove, verify. */
static cairn_err steps(run *r, double t[5], const char *machine, unsigned log_rows, unsigned po2,
                       const char *shape, const stark_params *ip, const stark_params *op, unsigned repeat)
{
    int accepted = 0;
    char first[256];
    double t0;
    if (!strcmp(machine, "rv32im")) {
        FORWARD_IF_ERROR(segment_proof(r, NULL, &t[0], po2, ip));
        r->pub = r->seg_pub;
        r->npub = RC_LIFT_NPUB;
        t0 = now_sec();
        FORWARD_IF_ERROR(rc_lift_record(&r->prog, &r->wit, &r->nwit, &accepted, first, &r->ctrl, &r->claim, r->inner,
                                        r->inner_len, ip));
        t[1] = now_sec() - t0;
    } else {
        FORWARD_IF_ERROR(bench_example_make(&r->x, machine, log_rows));
        FORWARD_IF_ERROR(stark_setup(&r->pk, &r->vk, r->x.m, ip));
        r->pub = r->x.pub;
        r->npub = r->x.npub;
        t0 = now_sec();
        FORWARD_IF_ERROR(stark_prove(r->pk, r->x.tr, r->x.pub, r->x.npub, &r->inner, &r->inner_len));
        t[0] = now_sec() - t0;
        unsigned h[AIR_MAX_TABLES] = {0};
        for (unsigned i = 0; i < r->x.ntr; i++) h[i] = r->x.tr[i].log_n;
        t0 = now_sec();
        FORWARD_IF_ERROR(rc_record_verifier(&r->prog, &r->wit, &r->nwit, &accepted, first, r->vk, r->x.pub,
                                            r->x.npub, r->inner, r->inner_len, h));
        t[1] = now_sec() - t0;
    }
    RETURN_ERROR_IF(!accepted, CAIRN_ERR_VERIFY, "the recorded verifier rejected: %s", first);
    t0 = now_sec();
    FORWARD_IF_ERROR(shape ? rc_air_build_shape(&r->air, r->prog, (unsigned)r->npub, shape, op)
                           : rc_air_build(&r->air, r->prog, (unsigned)r->npub, op));
    t[2] = now_sec() - t0;
    return prove_verify(r, t, repeat);
}

int bench_recursion(int argc, char **argv)
{
    const char *machine = "fib", *ipreset = "test", *opreset = "test", *shape = NULL, *jshape = NULL;
    uint64_t log_rows64 = 5, po2 = 10, log_blowup = 0, log_arity = 0, inner_log_arity = 0;
    uint64_t log_final = STARK_PARAMS_KEEP, inner_log_final = STARK_PARAMS_KEEP, repeat = 1;
    int json = 0;
    cli_ctx c;
    cli_ctx_init(&c, "cairn bench recursion", USAGE, stdout, argc, argv);
    const cli_opt opts[] = {
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"--machine", CLI_STR, &machine, 0, 0, NULL},
        {"--inner-preset", CLI_STR, &ipreset, 0, 0, NULL},
        {"--preset", CLI_STR, &opreset, 0, 0, NULL},
        {"--log-rows", CLI_U64, &log_rows64, 2, 16, NULL},
        {"--segment-po2", CLI_U64, &po2, RV_MIN_SEGMENT_PO2, RV_MAX_SEGMENT_PO2, NULL},
        {"--shape", CLI_STR, &shape, 0, 0, NULL},
        {"--join-shape", CLI_STR, &jshape, 0, 0, NULL},
        {"--log-blowup", CLI_U64, &log_blowup, 1, 6, NULL},
        {"--log-arity", CLI_U64, &log_arity, 1, 3, NULL},
        {"--log-final-len", CLI_U64, &log_final, 0, 8, NULL},
        {"--inner-log-arity", CLI_U64, &inner_log_arity, 1, 3, NULL},
        {"--inner-log-final-len", CLI_U64, &inner_log_final, 0, 8, NULL},
        {"--repeat", CLI_U64, &repeat, 1, 100, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    const char *extra;
    int st;
    if (!cli_parse_command(&c, opts, &extra, argc, argv, HELP, &st)) return st;
    if (extra) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "unexpected argument '%s'", extra);
    stark_params ip, op;
    const int is_join = !strcmp(machine, "join");
    int rv = !strcmp(machine, "rv32im") || is_join;
    const char *own_shape = !strcmp(machine, "rv32im") ? shape : NULL; /* given: the lift proves at it */
    rc_fold_cfg fc;
    if (!shape && rc_fold_config(&fc, opreset, (unsigned)po2) == CAIRN_OK) {
        shape = fc.shape;
        if (!jshape) jshape = fc.join_shape;
    }
    cairn_clear_error();
    if (!shape) shape = !strcmp(opreset, "test") ? "rc-test" : "rc-100";
    if (!jshape) jshape = shape;
    const rc_shape *sh;
    if (is_join && rc_shape_find(&sh, shape) != CAIRN_OK)
        return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "--shape: %s", cairn_last_error());
    if (is_join && rc_shape_find(&sh, jshape) != CAIRN_OK)
        return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "--join-shape: %s", cairn_last_error());
    /* a segment proof's parameters are the segment preset's (rv_air_params:
     * a proven preset's queries raised for the segment machine) */
    cairn_err e = rv ? rv_air_params_fri(&ip, ipreset, (unsigned)po2, (unsigned)inner_log_arity,
                                         (unsigned)inner_log_final)
                     : stark_params_preset(&ip, ipreset);
    if (e != CAIRN_OK) return cli_fail(&c, EXIT_USAGE, e, "--inner-preset: %s", cairn_last_error());
    if (!rv && (inner_log_arity || inner_log_final != STARK_PARAMS_KEEP))
        return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE,
                        "--inner-log-arity, --inner-log-final-len: for --machine rv32im or join only");
    /* the recursion proof's parameters are the recursion layer's for the
     * shape (rc_params: a proven preset's blowup, grinding and fewest
     * queries for the recursion machine at the shape's heights) */
    if ((e = rc_params_fri(&op, NULL, opreset, shape, (unsigned)log_blowup, (unsigned)log_arity,
                           (unsigned)log_final)) != CAIRN_OK)
        return cli_fail(&c, EXIT_USAGE, e, "--preset: %s", cairn_last_error());
    if (is_join) {
        stark_params jp;
        if ((e = rc_params_fri(&jp, NULL, opreset, jshape, (unsigned)log_blowup, (unsigned)log_arity,
                               (unsigned)log_final)) != CAIRN_OK)
            return cli_fail(&c, EXIT_USAGE, e, "--preset: %s", cairn_last_error());
        if (jp.queries > op.queries) op.queries = jp.queries;
    }
    run r;
    memset(&r, 0, sizeof r);
    double t[5] = {0};
    join_run j;
    memset(&j, 0, sizeof j);
    e = is_join ? join_steps(&r, &j, t, (unsigned)po2, shape, jshape, &ip, &op, (unsigned)repeat)
                : steps(&r, t, machine, (unsigned)log_rows64, (unsigned)po2, own_shape, &ip, &op, (unsigned)repeat);
    const rc_program *shown = r.join_prog ? r.join_prog : r.prog;
    int rc = EXIT_OK;
    if (e != CAIRN_OK) {
        rc = cli_fail(&c, cli_status(e), e, "%s", cairn_last_error());
    } else {
        stark_security_bits sec;
        unsigned h[AIR_MAX_TABLES] = {0};
        for (unsigned i = 0; i < RC_AIR_NTABLES; i++) h[i] = rc_air_log_height(r.air, i);
        stark_security(&sec, &op, rc_air_machine(r.air), h);
        bench_out o;
        bench_begin(&o, json);
        char key[48];
        bench_report_str(&o, "machine", machine);
#ifdef _OPENMP
        bench_report(&o, "threads", omp_get_max_threads(), "");
#endif
        if (rv) {
            bench_report(&o, "segment_po2", (double)po2, "");
            bench_report(&o, "segment_cycles", (double)r.claim.cycles, "");
        } else {
            bench_report(&o, "log_rows", (double)log_rows64, "");
        }
        bench_report_str(&o, "inner_preset", ipreset);
        bench_report_str(&o, "preset", opreset);
        bench_report(&o, "log_blowup", op.log_blowup, "");
        bench_report(&o, "log_arity", op.log_arity, "");
        bench_report(&o, "log_final_len", op.log_final_len, "");
        bench_report(&o, "queries", op.queries, "");
        bench_report(&o, "pow_bits", op.pow_bits, "");
        bench_report(&o, "inner_log_arity", ip.log_arity, "");
        bench_report(&o, "inner_log_final_len", ip.log_final_len, "");
        bench_report(&o, "inner_queries", ip.queries, "");
        bench_report(&o, "inner_prove_s", t[0], "s");
        bench_report(&o, "inner_proof_bytes", (double)r.inner_len, "B");
        bench_report(&o, "record_s", t[1], "s");
        if (is_join) {
            bench_report_str(&o, "shape", shape);
            bench_report(&o, "lift_record_prove_s", j.t_lift, "s");
            /* the first lift takes fresh buffers, the last reuses them */
            bench_report(&o, "lift_prove_cpu_first_s", j.lift_cpu[0], "s");
            bench_report(&o, "lift_prove_cpu_s", j.nlifts ? j.lift_cpu[j.nlifts - 1] : 0, "s");
            bench_report(&o, "lift_proof_bytes", (double)j.ll[0], "B");
            bench_report(&o, "lift_security_proven_bits", j.lift_proven_bits, "bits");
        }
        bench_report(&o, "instructions", (double)rc_program_ninstrs(shown), "");
        bench_report(&o, "witness", (double)r.nwit, "");
        /* instructions per kind: where the rows go (docs/recursion.md) */
        size_t counts[RC_NOPS];
        rc_program_counts(shown, counts);
        for (unsigned op_ = 1; op_ < RC_NOPS; op_++) {
            snprintf(key, sizeof key, "ops_%s", rc_op_name(op_));
            bench_report(&o, key, (double)counts[op_], "");
        }
        for (unsigned i = 0; i < RC_AIR_NTABLES; i++) {
            snprintf(key, sizeof key, "rows_%s", rc_air_table_name(i));
            bench_report(&o, key, (double)rc_air_rows(r.air, i), "");
            snprintf(key, sizeof key, "log_height_%s", rc_air_table_name(i));
            bench_report(&o, key, rc_air_log_height(r.air, i), "");
        }
        bench_report(&o, "build_setup_s", t[2], "s");
        bench_report(&o, "repeat", (double)repeat, "");
        bench_report(&o, "prove_first_s", r.prove_first, "s");
        bench_report(&o, "prove_cpu_first_s", r.prove_cpu_first, "s");
        bench_report(&o, "prove_s", t[3], "s");
        bench_report(&o, "prove_cpu_s", r.prove_cpu, "s");
        bench_report_phase_cpu(&o, &r.phases); /* the last proof's */
        bench_report(&o, "verify_s", t[4], "s");
        bench_report(&o, "proof_bytes", (double)r.outer_len, "B");
        stark_proof_sizes z;
        if (stark_proof_measure(&z, rc_air_vk(r.air), r.outer, r.outer_len) == CAIRN_OK)
            bench_report_proof_sizes(&o, &z);
        bench_report(&o, "peak_rss_mb", (double)peak_rss_bytes() / 1048576.0, "MiB");
        bench_report(&o, "security_proven_bits", sec.proven, "bits");
        bench_report(&o, "security_conjectured_bits", sec.conjectured, "bits");
        bench_end(&o);
    }
    join_run_free(&j);
    run_free(&r);
    return rc;
}
