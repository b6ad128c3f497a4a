/* cairn prove's progress line (progress.h). */
#include "progress.h"

#include <unistd.h>

#include "common/util.h"

#define BAR 24
#define MIN_INTERVAL 0.25 /* seconds between draws: at most four a second */

void cli_progress_init(cli_progress *p, FILE *f, int enabled)
{
    *p = (cli_progress){.f = f};
    p->on = enabled && f && isatty(fileno(f));
    p->t0 = now_sec();
    p->last = -1;
}

static void clock_str(char *out, size_t n, double s)
{
    if (s < 0) s = 0;
    unsigned long t = (unsigned long)(s + 0.5);
    if (t >= 3600) snprintf(out, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else snprintf(out, n, "%lu:%02lu", t / 60, t % 60);
}

void cli_progress_update(cli_progress *p, int force)
{
    if (!p->on) return;
    double now = now_sec();
    if (!force && p->last >= 0 && now - p->last < MIN_INTERVAL) return;
    p->last = now;
    double el = now - p->t0;
    uint64_t of = p->total ? p->total : p->executed;
    unsigned fill = of ? (unsigned)((double)p->proven / (double)of * BAR) : 0;
    if (fill > BAR) fill = BAR;
    char bar[BAR + 1], elapsed[32], eta[48] = "";
    for (unsigned i = 0; i < BAR; i++) bar[i] = i < fill ? '#' : '.';
    bar[BAR] = 0;
    clock_str(elapsed, sizeof elapsed, el);
    double khz = el > 0 ? (double)p->cycles_done / el / 1e3 : 0;
    if (p->total && p->cycles_done > 0 && p->cycles_total > p->cycles_done) {
        char t[32];
        clock_str(t, sizeof t, el * (double)(p->cycles_total - p->cycles_done) / (double)p->cycles_done);
        snprintf(eta, sizeof eta, ", ETA %s", t);
    }
    fprintf(p->f, "\r\033[K[%s] %llu/%llu proven, %llu executed%s | %.1f kHz | %s elapsed%s", bar,
            (unsigned long long)p->proven, (unsigned long long)of, (unsigned long long)p->executed,
            p->total ? " (all)" : "", khz, elapsed, eta);
    fflush(p->f);
    p->shown = 1;
}

void cli_progress_clear(cli_progress *p)
{
    if (!p->on || !p->shown) return;
    fprintf(p->f, "\r\033[K");
    fflush(p->f);
    p->shown = 0;
    p->last = -1; /* draw again at the next update */
}
