/* cairn bench primitives: throughput of the building blocks every proof
 * uses. Figures only; the foundation issue lists the targets. */
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cli/util.h"
#include "common/cpu.h"

int bench_guest_path(char *out, size_t cap, const char *name)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = 0;
    int len = snprintf(out, cap, "%s/guest/%s", dirname(exe), name);
    return len < 0 || (size_t)len >= cap ? -1 : 0;
}

void bench_begin(bench_out *o, int json)
{
    o->json = json;
    o->first = 1;
    if (json) printf("{");
}

void bench_report(bench_out *o, const char *key, double value, const char *unit)
{
    /* JSON has no inf or nan (a rate over a zero time): null */
    if (o->json && !isfinite(value)) printf("%s\n  \"%s\": null", o->first ? "" : ",", key);
    else if (o->json) printf("%s\n  \"%s\": %.6g", o->first ? "" : ",", key, value);
    else printf("%-44s %14.4g %s\n", key, value, unit);
    o->first = 0;
    fflush(stdout);
}

void bench_report_phase_cpu(bench_out *o, const stark_prove_stats *s)
{
    bench_report(o, "main_commit_cpu_s", s->c_main, "s");
    bench_report(o, "logup_cpu_s", s->c_logup, "s");
    bench_report(o, "quotient_cpu_s", s->c_quotient, "s");
    bench_report(o, "open_deep_cpu_s", s->c_open, "s");
    bench_report(o, "fri_pow_cpu_s", s->c_fri, "s");
    bench_report(o, "fri_queries_cpu_s", s->c_queries, "s");
}

void bench_report_proof_sizes(bench_out *o, const stark_proof_sizes *s)
{
    bench_report(o, "proof_commit_bytes", (double)s->commit, "B");
    bench_report(o, "proof_rows_bytes", (double)s->rows, "B");
    bench_report(o, "proof_fri_values_bytes", (double)s->fri_values, "B");
    bench_report(o, "proof_paths_bytes", (double)s->paths, "B");
    bench_report(o, "path_slots", (double)s->path_slots, "");
    bench_report(o, "path_refs", (double)s->path_refs, "");
}

void bench_report_str(bench_out *o, const char *key, const char *value)
{
    if (o->json) {
        printf("%s\n  \"%s\": ", o->first ? "" : ",", key);
        cli_json_str(stdout, value); /* a file name, say, may hold quotes */
    } else {
        printf("%-44s %14s\n", key, value);
    }
    o->first = 0;
}

void bench_end(bench_out *o)
{
    if (o->json) printf("\n}\n");
}

int bench_primitives(int argc, char **argv)
{
    static const char usage[] = "usage: cairn bench primitives [--json]\n";
    int json = 0, npos;
    cli_ctx c;
    cli_ctx_init(&c, "cairn bench primitives", usage, stdout, argc, argv);
    const cli_opt opts[] = {{"--json", CLI_FLAG, &json, 0, 0, NULL}, {NULL, CLI_FLAG, NULL, 0, 0, NULL}};
    int r = cli_parse(&c, opts, NULL, 0, &npos, argc, argv);
    if (r == CLI_HELP || r == CLI_HELP_FULL) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (r != CLI_PARSED) return r;
    bench_out o;
    bench_begin(&o, json);
    bench_report(&o, "threads", omp_get_max_threads(), "");
    bench_report_str(&o, "simd", cpu_simd_name());
    bench_prim_field(&o);
    bench_prim_hash(&o);
    bench_prim_merkle(&o);
    bench_end(&o);
    return 0;
}
