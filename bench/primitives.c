/* cairn bench primitives: throughput of the building blocks every proof
 * uses. Figures only; the foundation issue lists the targets. */
#include <omp.h>
#include <string.h>

#include "bench.h"
#include "common/cpu.h"

void bench_begin(bench_out *o, int json)
{
    o->json = json;
    o->first = 1;
    if (json) printf("{");
}

void bench_report(bench_out *o, const char *key, double value, const char *unit)
{
    if (o->json) printf("%s\n  \"%s\": %.6g", o->first ? "" : ",", key, value);
    else printf("%-44s %14.4g %s\n", key, value, unit);
    o->first = 0;
    fflush(stdout);
}

void bench_report_str(bench_out *o, const char *key, const char *value)
{
    if (o->json) printf("%s\n  \"%s\": \"%s\"", o->first ? "" : ",", key, value);
    else printf("%-44s %14s\n", key, value);
    o->first = 0;
}

void bench_end(bench_out *o)
{
    if (o->json) printf("\n}\n");
}

int bench_primitives(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else {
            int help = !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help");
            fprintf(help ? stdout : stderr, "usage: cairn bench primitives [--json]\n");
            return help ? 0 : 2;
        }
    }
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
