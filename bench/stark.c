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
#include "common/cpu.h"
#include "common/util.h"
#include "stark/machines.h"
#include "stark/stark.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: cairn bench stark [--machine poseidon2-chain|fib|lookup] [--log-rows N]\n"
               "       [--preset proven-100|conjectured-100|test | --log-blowup B --queries Q\n"
               "        --pow-bits P] [--log-arity K] [--json]\n");
}

int bench_stark(int argc, char **argv)
{
    const char *machine = "poseidon2-chain", *preset = "proven-100";
    unsigned log_rows = 12;
    long lb = -1, q = -1, pw = -1, ar = -1;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (v && !strcmp(a, "--machine")) machine = argv[++i];
        else if (v && !strcmp(a, "--preset")) preset = argv[++i];
        else if (v && !strcmp(a, "--log-rows")) log_rows = (unsigned)atoi(argv[++i]);
        else if (v && !strcmp(a, "--log-blowup")) lb = atol(argv[++i]);
        else if (v && !strcmp(a, "--queries")) q = atol(argv[++i]);
        else if (v && !strcmp(a, "--pow-bits")) pw = atol(argv[++i]);
        else if (v && !strcmp(a, "--log-arity")) ar = atol(argv[++i]);
        else {
            usage(stderr);
            return 2;
        }
    }
    stark_params p;
    if (stark_params_preset(&p, preset) != CAIRN_OK) {
        fprintf(stderr, "cairn bench stark: %s\n", cairn_last_error());
        return 2;
    }
    if (lb >= 0) p.log_blowup = (unsigned)lb;
    if (q >= 0) p.queries = (unsigned)q;
    if (pw >= 0) p.pow_bits = (unsigned)pw;
    if (ar >= 0) p.log_arity = (unsigned)ar;
    air_machine *m = NULL;
    gl_t *main = NULL, *range = NULL, pub[8];
    size_t npub = 0;
    stark_trace tr[2];
    unsigned ntr = 1;
    double hashes = 0;
    cairn_err e;
    if (!strcmp(machine, "poseidon2-chain")) {
        e = stark_machine_p2chain(&m);
        if (e == CAIRN_OK) e = stark_p2chain_trace(&main, pub, log_rows, 1);
        npub = STARK_P2CHAIN_NPUB;
        hashes = (double)((size_t)1 << log_rows);
    } else if (!strcmp(machine, "fib")) {
        e = stark_machine_fib(&m);
        if (e == CAIRN_OK) e = stark_fib_trace(&main, pub, log_rows, 1);
        npub = STARK_FIB_NPUB;
    } else if (!strcmp(machine, "lookup")) {
        e = stark_machine_lookup(&m);
        if (e == CAIRN_OK) e = stark_lookup_trace(&main, &range, log_rows, 1);
        ntr = 2;
    } else {
        usage(stderr);
        return 2;
    }
    if (e != CAIRN_OK) {
        fprintf(stderr, "cairn bench stark: %s\n", cairn_last_error());
        air_machine_free(m);
        return 2;
    }
    tr[0] = (stark_trace){main, log_rows};
    tr[1] = (stark_trace){range, STARK_LOOKUP_RANGE_LOG};
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
        e = stark_verify(vk, pub, npub, proof, len);
        tv = now_sec() - t0;
    }
    if (e != CAIRN_OK) {
        fprintf(stderr, "cairn bench stark: %s\n", cairn_last_error());
        rc = 1;
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
    free(main);
    free(range);
    air_machine_free(m);
    return rc;
}
