/* The progress line of cairn prove (STYLE.md "The CLI": only when stderr
 * is a terminal, at most a few updates per second): one line on stderr,
 * redrawn in place,
 *
 *   [#########...........] 12/30 proven, 30 executed | 18.4 kHz | 1:02 elapsed, ETA 1:33
 *
 * The total is known once the executor has finished (it runs ahead of the
 * provers only by the coordinator's queue bound); until then the bar is
 * proven / executed and there is no ETA. Other text written to stderr
 * while the line is shown must go through cli_progress_clear first (the
 * per-segment lines, the guest's fd 2, messages), so that the line never
 * mixes with it; the next update draws it again below. */
#ifndef CAIRN_CLI_PROGRESS_H
#define CAIRN_CLI_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct {
    FILE *f;
    int on;       /* drawing at all */
    int shown;    /* the line is on the screen */
    double t0, last;
    uint64_t executed, proven, total; /* segments; total 0 = not known yet */
    uint64_t cycles_done;             /* cycles of the proven (or reused) segments */
    uint64_t cycles_total;            /* executed cycles (final once total is known) */
} cli_progress;

/* enabled: the caller's decision (not -q, not --json); the line is drawn
 * only if f is also a terminal. */
void cli_progress_init(cli_progress *p, FILE *f, int enabled);
/* Redraws the line if it is on and at least a quarter second has passed
 * since the last draw (force: now). */
void cli_progress_update(cli_progress *p, int force);
/* Erases the line (if shown) so that other text can be written. */
void cli_progress_clear(cli_progress *p);

#endif
