/* cairn bench stark: proves and verifies one instance of an example
 * machine and prints prove/verify time, proof size, throughput, peak memory
 * and the parameter set's security. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "bench.h"
#include "cli/util.h"
#include "common/cpu.h"
#include "common/err.h"
#include "common/util.h"
#include "stark/machines.h"
#include "stark/stark.h"

static const char USAGE[] =
    "usage: cairn bench stark [--machine poseidon2-chain|fib|lookup] [--log-rows N]\n"
    "       [--preset proven-100|conjectured-100|test | --log-blowup B --queries Q\n"
    "        --pow-bits P] [--log-arity K] [--json]\n";

static const char HELP[] =
    "\n  --machine M       example machine to prove (default poseidon2-chain)\n"
    "  --log-rows N      2^N rows in the main table (2..26, default 12)\n"
    "  --preset NAME     parameter set (default proven-100); the options below\n"
    "                    override one parameter of it:\n"
    "  --log-blowup B    LDE blowup 2^B (1..6)\n"
    "  --queries Q       FRI queries (1..512)\n"
    "  --pow-bits P      grinding bits (0..32)\n"
    "  --log-arity K     FRI folding arity 2^K (1..3)\n"
    "  --json            one JSON object on stdout (on an error:\n"
    "                    {\"error\", \"code\", \"status\"})\n"
    "\nExit status: 0 proved and verified, 1 the proof did not verify (or an\n"
    "internal error), 2 usage error or a request the prover refuses.\n";

/* Option ranges. log rows: the table heights a proof may state
 * (STARK_MIN_LOG_N..STARK_MAX_LOG_N of stark/stark_internal.h); the
 * parameters: the ranges of stark_params in stark/stark.h, which
 * stark_params_validate checks again on the combination. */
#define LOG_ROWS_MIN 2
#define LOG_ROWS_MAX 26

int bench_stark(int argc, char **argv)
{
    const char *machine = "poseidon2-chain", *preset = "proven-100";
    uint64_t log_rows64 = 12, lb = 0, q = 0, pw = 0, ar = 0;
    int json = 0, has_lb = 0, has_q = 0, has_pw = 0, has_ar = 0, npos;
    cli_ctx c;
    cli_ctx_init(&c, "cairn bench stark", USAGE, stdout, argc, argv);
    const cli_opt opts[] = {
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"--machine", CLI_STR, &machine, 0, 0, NULL},
        {"--preset", CLI_STR, &preset, 0, 0, NULL},
        {"--log-rows", CLI_U64, &log_rows64, LOG_ROWS_MIN, LOG_ROWS_MAX, NULL},
        {"--log-blowup", CLI_U64, &lb, 1, 6, &has_lb},
        {"--queries", CLI_U64, &q, 1, 512, &has_q},
        {"--pow-bits", CLI_U64, &pw, 0, 32, &has_pw},
        {"--log-arity", CLI_U64, &ar, 1, 3, &has_ar},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int pr = cli_parse(&c, opts, NULL, 0, &npos, argc, argv);
    if (pr == CLI_HELP || pr == CLI_HELP_FULL) {
        fputs(USAGE, stdout);
        if (pr == CLI_HELP_FULL) fputs(HELP, stdout);
        return EXIT_OK;
    }
    if (pr != CLI_PARSED) return pr;
    unsigned log_rows = (unsigned)log_rows64;
    if (strcmp(machine, "poseidon2-chain") && strcmp(machine, "fib") && strcmp(machine, "lookup"))
        return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE,
                        "--machine: unknown machine '%s' (poseidon2-chain, fib or lookup)", machine);
    stark_params p;
    cairn_err e = stark_params_preset(&p, preset);
    if (e != CAIRN_OK) return cli_fail(&c, EXIT_USAGE, e, "--preset: %s", cairn_last_error());
    if (has_lb) p.log_blowup = (unsigned)lb;
    if (has_q) p.queries = (unsigned)q;
    if (has_pw) p.pow_bits = (unsigned)pw;
    if (has_ar) p.log_arity = (unsigned)ar;
    if ((e = stark_params_validate(&p)) != CAIRN_OK)
        return cli_fail(&c, EXIT_USAGE, e, "%s", cairn_last_error());
    bench_example x;
    if ((e = bench_example_make(&x, machine, log_rows)) != CAIRN_OK)
        return cli_fail(&c, EXIT_USAGE, e, "%s", cairn_last_error());
    const air_machine *m = x.m;
    const stark_trace *tr = x.tr;
    const gl_t *pub = x.pub;
    const size_t npub = x.npub;
    const unsigned ntr = x.ntr;
    const double hashes = !strcmp(machine, "poseidon2-chain") ? (double)((size_t)1 << log_rows) : 0;
    unsigned heights[2] = {log_rows, STARK_LOOKUP_RANGE_LOG};
    double cells = 0;
    for (unsigned t = 0; t < ntr; t++)
        cells += (double)((size_t)1 << heights[t]) * m->tables[t]->nmain;
    stark_pk *pk = NULL;
    stark_vk *vk = NULL;
    uint8_t *proof = NULL;
    size_t len = 0;
    int rc = 0;
    double t0 = now_sec(), tp = 0, tv = 0;
    e = stark_setup(&pk, &vk, m, &p);
    double tsetup = now_sec() - t0;
    if (e == CAIRN_OK) {
        t0 = now_sec();
        e = stark_prove(pk, tr, pub, npub, &proof, &len);
        tp = now_sec() - t0;
    }
    if (e == CAIRN_OK) {
        t0 = now_sec();
        /* the heights the trace was built with are part of the statement */
        unsigned expect[AIR_MAX_TABLES] = {log_rows, STARK_LOOKUP_RANGE_LOG};
        e = stark_verify(vk, pub, npub, proof, len, expect);
        tv = now_sec() - t0;
    }
    if (e != CAIRN_OK) {
        /* a refused request (parameters, sizes: usage, limit...) is 2 like
         * a usage error; a proof that does not verify is 1 */
        rc = cli_fail(&c, cli_status(e), e, "%s", cairn_last_error());
    } else {
        stark_security_bits sec;
        stark_security(&sec, &p, m, heights);
        const stark_prove_stats *st = stark_last_prove_stats();
        bench_out o;
        bench_begin(&o, json);
        bench_report_str(&o, "machine", machine);
#ifdef _OPENMP
        bench_report(&o, "threads", omp_get_max_threads(), "");
#endif
        bench_report_str(&o, "simd", cpu_simd_name());
        bench_report(&o, "log_rows", log_rows, "");
        bench_report(&o, "main_columns", m->tables[0]->nmain, "");
        bench_report(&o, "log_blowup", p.log_blowup, "");
        bench_report(&o, "queries", p.queries, "");
        bench_report(&o, "pow_bits", p.pow_bits, "");
        bench_report(&o, "log_arity", p.log_arity, "");
        bench_report(&o, "setup_s", tsetup, "s");
        bench_report(&o, "prove_s", tp, "s");
        bench_report(&o, "prove_main_s", st->t_main, "s");
        bench_report(&o, "prove_logup_s", st->t_logup, "s");
        bench_report(&o, "prove_quotient_s", st->t_quotient, "s");
        bench_report(&o, "prove_open_deep_s", st->t_open, "s");
        bench_report(&o, "prove_fri_pow_s", st->t_fri, "s");
        bench_report(&o, "prove_queries_s", st->t_queries, "s");
        bench_report(&o, "verify_s", tv, "s");
        bench_report(&o, "proof_bytes", (double)len, "B");
        if (hashes > 0) bench_report(&o, "hashes_per_s", hashes / tp, "hash/s");
        bench_report(&o, "main_cells_per_s", cells / tp, "cells/s");
        bench_report(&o, "peak_rss_mb", (double)peak_rss_bytes() / 1048576.0, "MiB");
        bench_report(&o, "security_proven_bits", sec.proven, "bits");
        bench_report(&o, "security_conjectured_bits", sec.conjectured, "bits");
        bench_end(&o);
    }
    free(proof);
    stark_pk_free(pk);
    stark_vk_free(vk);
    bench_example_free(&x);
    return rc;
}

cairn_err bench_example_make(bench_example *x, const char *name, unsigned log_rows)
{
    memset(x, 0, sizeof *x);
    cairn_err e;
    x->ntr = 1;
    if (!strcmp(name, "poseidon2-chain")) {
        e = stark_machine_p2chain(&x->m);
        if (e == CAIRN_OK) e = stark_p2chain_trace(&x->main[0], x->pub, log_rows, 1);
        x->npub = STARK_P2CHAIN_NPUB;
    } else if (!strcmp(name, "fib")) {
        e = stark_machine_fib(&x->m);
        if (e == CAIRN_OK) e = stark_fib_trace(&x->main[0], x->pub, log_rows, 1);
        x->npub = STARK_FIB_NPUB;
    } else if (!strcmp(name, "lookup")) {
        e = stark_machine_lookup(&x->m);
        if (e == CAIRN_OK) e = stark_lookup_trace(&x->main[0], &x->main[1], x->pub, log_rows, 1);
        x->npub = STARK_LOOKUP_NPUB;
        x->ntr = 2;
    } else {
        e = cairn_fail(CAIRN_ERR_USAGE, "unknown machine '%s' (poseidon2-chain, fib or lookup)", name);
    }
    if (e != CAIRN_OK) {
        bench_example_free(x);
        return e;
    }
    x->tr[0] = (stark_trace){x->main[0], log_rows};
    x->tr[1] = (stark_trace){x->main[1], STARK_LOOKUP_RANGE_LOG};
    return CAIRN_OK;
}

void bench_example_free(bench_example *x)
{
    air_machine_free(x->m);
    free(x->main[0]);
    free(x->main[1]);
    memset(x, 0, sizeof *x);
}
