/* cairn bench recursion: proves an example machine, records its verifier
 * as a recursion program (recursion/rc.h), and proves that program's run
 * with the recursion VM's AIR (recursion/rc_air.h): rows per table, the
 * time of each step, the recursion proof's size and security. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench.h"
#include "cli/util.h"
#include "common/err.h"
#include "common/util.h"
#include "recursion/rc.h"
#include "recursion/rc_air.h"

static const char USAGE[] =
    "usage: cairn bench recursion [--machine fib|lookup|poseidon2-chain] [--log-rows N]\n"
    "       [--inner-preset NAME] [--preset NAME] [--json]\n";

static const char HELP[] =
    "\n  --machine M        example machine whose proof is verified (default fib)\n"
    "  --log-rows N       2^N rows in its main table (2..16, default 5)\n"
    "  --inner-preset P   parameters of that proof (default test)\n"
    "  --preset P         parameters of the recursion proof (default test)\n"
    "                     presets: proven-100, conjectured-100, test\n"
    "  --json             one JSON object on stdout\n"
    "\nExit status: 0 proved and verified, 1 a proof did not verify (or an\n"
    "internal error), 2 usage error.\n";

/* Everything the benchmark owns, freed at one point. */
typedef struct {
    bench_example x;
    stark_pk *pk;
    stark_vk *vk;
    uint8_t *inner, *outer;
    size_t inner_len, outer_len;
    rc_program *prog;
    gl_t *wit;
    size_t nwit;
    rc_air *air;
} run;

static void run_free(run *r)
{
    bench_example_free(&r->x);
    stark_pk_free(r->pk);
    stark_vk_free(r->vk);
    free(r->inner);
    free(r->outer);
    rc_program_free(r->prog);
    free(r->wit);
    rc_air_free(r->air);
}

/* The steps; t[] gets the time of each: inner prove, record, build + key,
 * prove, verify. */
static cairn_err steps(run *r, double t[5], const char *machine, unsigned log_rows,
                       const stark_params *ip, const stark_params *op)
{
    FORWARD_IF_ERROR(bench_example_make(&r->x, machine, log_rows));
    FORWARD_IF_ERROR(stark_setup(&r->pk, &r->vk, r->x.m, ip));
    double t0 = now_sec();
    FORWARD_IF_ERROR(stark_prove(r->pk, r->x.tr, r->x.pub, r->x.npub, &r->inner, &r->inner_len));
    t[0] = now_sec() - t0;
    unsigned h[AIR_MAX_TABLES] = {0};
    for (unsigned i = 0; i < r->x.ntr; i++) h[i] = r->x.tr[i].log_n;
    int accepted = 0;
    char first[256];
    t0 = now_sec();
    FORWARD_IF_ERROR(rc_record_verifier(&r->prog, &r->wit, &r->nwit, &accepted, first, r->vk, r->x.pub,
                                        r->x.npub, r->inner, r->inner_len, h));
    t[1] = now_sec() - t0;
    RETURN_ERROR_IF(!accepted, CAIRN_ERR_VERIFY, "the recorded verifier rejected: %s", first);
    t0 = now_sec();
    FORWARD_IF_ERROR(rc_air_build(&r->air, r->prog, (unsigned)r->x.npub, op));
    t[2] = now_sec() - t0;
    t0 = now_sec();
    FORWARD_IF_ERROR(rc_prove(&r->outer, &r->outer_len, r->air, r->wit, r->nwit));
    t[3] = now_sec() - t0;
    t0 = now_sec();
    FORWARD_IF_ERROR(rc_verify(rc_air_vk(r->air), r->x.pub, r->x.npub, r->outer, r->outer_len));
    t[4] = now_sec() - t0;
    return CAIRN_OK;
}

int bench_recursion(int argc, char **argv)
{
    const char *machine = "fib", *ipreset = "test", *opreset = "test";
    uint64_t log_rows64 = 5;
    int json = 0;
    cli_ctx c;
    cli_ctx_init(&c, "cairn bench recursion", USAGE, stdout, argc, argv);
    const cli_opt opts[] = {
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"--machine", CLI_STR, &machine, 0, 0, NULL},
        {"--inner-preset", CLI_STR, &ipreset, 0, 0, NULL},
        {"--preset", CLI_STR, &opreset, 0, 0, NULL},
        {"--log-rows", CLI_U64, &log_rows64, 2, 16, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    const char *extra;
    int st;
    if (!cli_parse_command(&c, opts, &extra, argc, argv, HELP, &st)) return st;
    if (extra) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "unexpected argument '%s'", extra);
    stark_params ip, op;
    cairn_err e = stark_params_preset(&ip, ipreset);
    if (e != CAIRN_OK) return cli_fail(&c, EXIT_USAGE, e, "--inner-preset: %s", cairn_last_error());
    if ((e = stark_params_preset(&op, opreset)) != CAIRN_OK)
        return cli_fail(&c, EXIT_USAGE, e, "--preset: %s", cairn_last_error());
    run r;
    memset(&r, 0, sizeof r);
    double t[5] = {0};
    e = steps(&r, t, machine, (unsigned)log_rows64, &ip, &op);
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
        bench_report_str(&o, "machine", machine);
#ifdef _OPENMP
        bench_report(&o, "threads", omp_get_max_threads(), "");
#endif
        bench_report(&o, "log_rows", (double)log_rows64, "");
        bench_report_str(&o, "inner_preset", ipreset);
        bench_report_str(&o, "preset", opreset);
        bench_report(&o, "inner_prove_s", t[0], "s");
        bench_report(&o, "inner_proof_bytes", (double)r.inner_len, "B");
        bench_report(&o, "record_s", t[1], "s");
        bench_report(&o, "instructions", (double)rc_program_ninstrs(r.prog), "");
        bench_report(&o, "witness", (double)r.nwit, "");
        char key[48];
        for (unsigned i = 0; i < RC_AIR_NTABLES; i++) {
            snprintf(key, sizeof key, "rows_%s", rc_air_table_name(i));
            bench_report(&o, key, (double)rc_air_rows(r.air, i), "");
            snprintf(key, sizeof key, "log_height_%s", rc_air_table_name(i));
            bench_report(&o, key, rc_air_log_height(r.air, i), "");
        }
        bench_report(&o, "build_setup_s", t[2], "s");
        bench_report(&o, "prove_s", t[3], "s");
        bench_report(&o, "verify_s", t[4], "s");
        bench_report(&o, "proof_bytes", (double)r.outer_len, "B");
        bench_report(&o, "peak_rss_mb", (double)peak_rss_bytes() / 1048576.0, "MiB");
        bench_report(&o, "security_proven_bits", sec.proven, "bits");
        bench_report(&o, "security_conjectured_bits", sec.conjectured, "bits");
        bench_end(&o);
    }
    run_free(&r);
    return rc;
}
