/* cairn report JOB.h5 [-o timeline.svg] [--json]: where the time of a
 * proven job went, from the timing its job file records (storage/h5s.h
 * segment attributes task_rank, task_ns, task_start_ns, exec_ns).
 *
 * The timeline: every time counts in seconds from the first recorded
 * event (the earliest execution or task start: when segment 0 had been
 * executed, as the start of the run itself is not recorded). A task with
 * a start time lies at [start, start + task_ns] on its rank's lane; one
 * without (a file written before the times were recorded, or a writer
 * that left them 0) is laid end to end on its rank's lane after that
 * rank's timed tasks, in segment order, which is its true length but not
 * its true place, and the output says so. The executor lane holds a tick
 * where each segment finished executing (when known).
 *
 * The figures: the wall span (first event to the last task's end); per
 * rank its tasks, busy seconds (the sum of its task_ns), utilisation
 * (busy / span) and idle seconds; and the critical path, the chain that
 * bounds the wall time, walked back from the last-finishing task L: the
 * executor until L's segment was executed, L waiting for a rank, L
 * proving. Execution bounds the job when L was handed to a rank at once
 * (its wait is at most 5% of the span: the provers kept up) and the first
 * part is the longer; proving otherwise. The executor of cairn prove runs
 * only a queue's length ahead of the provers (back-pressure), so a long
 * first part alone does not mean a slow executor: when tasks waited for
 * ranks, it waited for them too. It needs every task's start
 * time (else which task finished last is not known) and L's execution
 * time; without them the critical path is reported unknown.
 *
 * Exit status: 0 done; 2 usage error, a file that is missing, damaged,
 * not a cairn job file or holds no proving task (a file of cairn exec),
 * or an -o that cannot be written. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common/alloc.h"
#include "common/err.h"
#include "storage/h5s.h"

static const char USAGE[] = "usage: cairn report JOB.h5 [-o TIMELINE.svg] [--json]\n";

static const char HELP[] =
    "\nShows where the time of a proven job went, from the ranks and times that\n"
    "cairn prove records per segment (see cairn inspect). Prints the job's wall\n"
    "span, per rank its tasks, busy seconds and utilisation (busy / span), and\n"
    "the critical path: the executor until the last-finishing task's segment was\n"
    "executed, that task waiting for a rank, and its proof; and whether\n"
    "execution or proving bounds the job, and the ranks' idle time. Times count\n"
    "from the first recorded event (segment 0 executed). Tasks of a file without\n"
    "start times (older files) are laid end to end per rank, with a note.\n\n"
    "  -o FILE   also draw the timeline as a standalone SVG (one lane per rank,\n"
    "            a bar per task labelled with its segment, an executor lane with\n"
    "            a tick per executed segment, a time axis in seconds)\n"
    "  --json    the figures as one JSON object on stdout; on an error\n"
    "            {\"error\", \"code\", \"status\"} instead\n\n"
    "Exit status: 0 done; 2 usage error, or a missing, foreign or damaged file,\n"
    "one without proving tasks (cairn exec's), or an -o that cannot be written.\n";

typedef struct {
    uint64_t index;
    uint32_t rank;
    uint64_t ns, start_ns, exec_ns; /* as stored; 0 = unknown */
    size_t lane;
    double t0, t1; /* placed, seconds from the origin */
} rtask;

typedef struct {
    uint32_t rank;
    uint64_t tasks;
    uint64_t busy_ns;
    double free_at; /* end of its last placed task */
} rlane;

typedef struct {
    const char *path;
    uint64_t nseg, no_task, untimed, no_exec;
    rtask *t;
    size_t n;
    rlane *lane;
    size_t nlane;
    uint64_t origin_ns; /* 0: no time recorded */
    double span, last_exec;
    /* the critical path; known = 0 when the last task lacks times */
    int cp_known;
    size_t cp_task;
    double cp_exec, cp_wait, cp_prove;
} timeline;

static void timeline_free(timeline *tl)
{
    free(tl->t);
    free(tl->lane);
}

static double secs(uint64_t ns) { return (double)ns / 1e9; }

/* Seconds of a recorded time from the origin. */
static double since(const timeline *tl, uint64_t ns) { return secs(ns - tl->origin_ns); }

static int by_rank(const void *a, const void *b)
{
    uint32_t x = ((const rlane *)a)->rank, y = ((const rlane *)b)->rank;
    return x < y ? -1 : x > y;
}

/* Reads every segment's task. */
static cairn_err load(timeline *tl, h5s_reader *r)
{
    tl->nseg = h5s_segment_count(r);
    tl->t = calloc(tl->nseg ? tl->nseg : 1, sizeof *tl->t);
    tl->lane = calloc(tl->nseg ? tl->nseg : 1, sizeof *tl->lane);
    if (!tl->t || !tl->lane) return cairn_fail_nomem(tl->nseg * sizeof *tl->t, "out of memory for %" PRIu64 " tasks",
                                                      tl->nseg);
    for (uint64_t s = 0; s < tl->nseg; s++) {
        h5s_segment_meta m;
        int has;
        h5s_task k;
        FORWARD_IF_ERROR(h5s_segment(r, s, &m));
        FORWARD_IF_ERROR(h5s_segment_task(r, s, &has, &k));
        if (!has) {
            tl->no_task++;
            continue;
        }
        rtask *t = &tl->t[tl->n++];
        *t = (rtask){.index = s, .rank = k.rank, .ns = k.ns, .start_ns = k.start_ns, .exec_ns = k.exec_ns};
        uint64_t first = k.exec_ns && (!k.start_ns || k.exec_ns < k.start_ns) ? k.exec_ns : k.start_ns;
        if (first && (!tl->origin_ns || first < tl->origin_ns)) tl->origin_ns = first;
        size_t l = 0;
        while (l < tl->nlane && tl->lane[l].rank != k.rank) l++;
        if (l == tl->nlane) tl->lane[tl->nlane++].rank = k.rank;
    }
    RETURN_ERROR_IF(tl->n == 0, CAIRN_ERR_FORMAT,
                    "%s: no segment records a proving task (a job file of cairn exec, or an empty job)", tl->path);
    qsort(tl->lane, tl->nlane, sizeof *tl->lane, by_rank);
    return CAIRN_OK;
}

/* Places the tasks (timed ones at their times, then the others end to
 * end per rank) and works out the figures. */
static void place(timeline *tl)
{
    tl->last_exec = -1;
    for (size_t i = 0; i < tl->n; i++) {
        rtask *t = &tl->t[i];
        while (tl->lane[t->lane].rank != t->rank) t->lane++;
        rlane *l = &tl->lane[t->lane];
        l->tasks++;
        l->busy_ns += t->ns;
        if (t->exec_ns) {
            double e = since(tl, t->exec_ns);
            if (e > tl->last_exec) tl->last_exec = e;
        } else {
            tl->no_exec++;
        }
        if (!t->start_ns) {
            tl->untimed++;
            continue;
        }
        t->t0 = since(tl, t->start_ns);
        t->t1 = t->t0 + secs(t->ns);
        if (t->t1 > l->free_at) l->free_at = t->t1;
    }
    size_t last = 0;
    for (size_t i = 0; i < tl->n; i++) {
        rtask *t = &tl->t[i];
        if (!t->start_ns) {
            rlane *l = &tl->lane[t->lane];
            t->t0 = l->free_at;
            t->t1 = t->t0 + secs(t->ns);
            l->free_at = t->t1;
        }
        if (t->t1 >= tl->t[last].t1) last = i;
    }
    tl->span = tl->t[last].t1 > tl->last_exec ? tl->t[last].t1 : tl->last_exec;
    const rtask *L = &tl->t[last];
    tl->cp_task = last;
    /* with a task placed end to end, the last to finish is not known */
    tl->cp_known = !tl->untimed && L->exec_ns;
    if (tl->cp_known) {
        tl->cp_exec = since(tl, L->exec_ns);
        /* a start before the execution (clocks of different hosts) counts
         * as no wait */
        tl->cp_wait = L->start_ns > L->exec_ns ? secs(L->start_ns - L->exec_ns) : 0;
        tl->cp_prove = secs(L->ns);
    }
}

static double utilisation(const timeline *tl, const rlane *l)
{
    return tl->span > 0 ? secs(l->busy_ns) / tl->span : 0;
}

static double idle(const timeline *tl, const rlane *l)
{
    double d = tl->span - secs(l->busy_ns);
    return d > 0 ? d : 0;
}

static double idle_total(const timeline *tl)
{
    double s = 0;
    for (size_t l = 0; l < tl->nlane; l++) s += idle(tl, &tl->lane[l]);
    return s;
}

static const char *bound(const timeline *tl)
{
    double span = tl->cp_exec + tl->cp_wait + tl->cp_prove;
    return tl->cp_wait <= 0.05 * span && tl->cp_exec >= tl->cp_wait + tl->cp_prove ? "execution" : "proving";
}

/* ---- notes (text, JSON and the SVG show the same) ---- */

#define MAX_NOTES 4
#define NOTE_CAP 240

static size_t notes(const timeline *tl, char out[MAX_NOTES][NOTE_CAP])
{
    size_t k = 0;
    if (tl->untimed)
        snprintf(out[k++], NOTE_CAP,
                 "%" PRIu64 " of %zu tasks have no start time (an older file): drawn end to end per rank after "
                 "its timed tasks; their lengths are true, their places are not",
                 tl->untimed, tl->n);
    if (tl->no_exec)
        snprintf(out[k++], NOTE_CAP, "%" PRIu64 " of %zu segments have no execution time: no tick on the executor lane",
                 tl->no_exec, tl->n);
    if (!tl->cp_known && tl->untimed)
        snprintf(out[k++], NOTE_CAP, "critical path unknown: not every task records its start time");
    else if (!tl->cp_known)
        snprintf(out[k++], NOTE_CAP,
                 "critical path unknown: the last-finishing task (segment %" PRIu64 ") lacks its execution time",
                 tl->t[tl->cp_task].index);
    if (tl->no_task)
        snprintf(out[k++], NOTE_CAP, "%" PRIu64 " segments record no proving task: not drawn", tl->no_task);
    return k;
}

/* ---- the SVG ---- */

/* Text content or attribute value: XML's specials escaped; bytes outside
 * printable ASCII as '?' (the file stays well-formed whatever a file
 * name holds). */
static void xml_str(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '&') fputs("&amp;", f);
        else if (c == '<') fputs("&lt;", f);
        else if (c == '>') fputs("&gt;", f);
        else if (c == '"') fputs("&quot;", f);
        else if (c < 0x20 || c >= 0x7f) fputc('?', f);
        else fputc(c, f);
    }
}

/* An axis step of 1, 2 or 5 times a power of ten giving about 8 ticks. */
static double axis_step(double span)
{
    double raw = span / 8, p = pow(10, floor(log10(raw)));
    return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
}

#define SVG_W 1000
#define SVG_LEFT 110
#define SVG_RIGHT 30
#define SVG_TOP 44
#define LANE_H 24
#define LANE_GAP 8

static const char *const PALETTE[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759",
                                      "#76b7b2", "#edc948", "#b07aa1", "#9c755f"};

static void svg(FILE *f, const timeline *tl)
{
    char nt[MAX_NOTES][NOTE_CAP];
    size_t nn = notes(tl, nt);
    const double pw = SVG_W - SVG_LEFT - SVG_RIGHT, span = tl->span > 0 ? tl->span : 1;
    const int lanes_end = SVG_TOP + (int)(tl->nlane + 1) * (LANE_H + LANE_GAP);
    const int height = lanes_end + 40 + 16 * (int)nn + 10;
#define X(t) (SVG_LEFT + (t) / span * pw)
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n<title>cairn report: ",
            SVG_W, height, SVG_W, height);
    xml_str(f, tl->path);
    fprintf(f, "</title>\n<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">");
    xml_str(f, tl->path);
    fprintf(f, ": %zu tasks on %zu rank%s, %.3f s</text>\n", tl->n, tl->nlane, tl->nlane == 1 ? "" : "s", tl->span);
    /* lanes: the executor's, then one per rank */
    for (size_t l = 0; l <= tl->nlane; l++) {
        int y = SVG_TOP + (int)l * (LANE_H + LANE_GAP);
        fprintf(f, "<g class=\"lane\"><text x=\"10\" y=\"%d\">", y + LANE_H / 2 + 4);
        if (l == 0) fprintf(f, "executor");
        else fprintf(f, "rank %" PRIu32, tl->lane[l - 1].rank);
        fprintf(f, "</text><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/></g>\n", SVG_LEFT,
                y + LANE_H, SVG_W - SVG_RIGHT, y + LANE_H);
    }
    for (size_t i = 0; i < tl->n; i++) {
        const rtask *t = &tl->t[i];
        if (!t->exec_ns) continue;
        double x = X(since(tl, t->exec_ns));
        fprintf(f, "<line class=\"exec\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#333\"><title>segment %" PRIu64
                   " executed at %.3f s</title></line>\n",
                x, SVG_TOP + 3, x, SVG_TOP + LANE_H - 3, t->index, since(tl, t->exec_ns));
    }
    for (size_t i = 0; i < tl->n; i++) {
        const rtask *t = &tl->t[i];
        int y = SVG_TOP + (int)(t->lane + 1) * (LANE_H + LANE_GAP);
        double x0 = X(t->t0), w = X(t->t1) - x0;
        if (w < 1) w = 1;
        fprintf(f, "<rect class=\"task\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\" stroke=\"#fff\"%s>"
                   "<title>segment %" PRIu64 " on rank %" PRIu32 ": %.3f s",
                x0, y, w, LANE_H, PALETTE[t->lane % (sizeof PALETTE / sizeof PALETTE[0])],
                t->start_ns ? "" : " fill-opacity=\"0.45\" stroke-dasharray=\"3 2\"", t->index, t->rank, secs(t->ns));
        if (t->start_ns) fprintf(f, ", from %.3f s to %.3f s", t->t0, t->t1);
        else fprintf(f, " (start time not recorded)");
        fprintf(f, "</title></rect>\n");
        if (w >= 8.0 * (t->index >= 10 ? (t->index >= 100 ? 3 : 2) : 1))
            fprintf(f, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" fill=\"#fff\" font-size=\"11\">%" PRIu64
                       "</text>\n",
                    x0 + w / 2, y + LANE_H / 2 + 4, t->index);
    }
    /* the time axis */
    int ya = lanes_end + 4;
    fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", SVG_LEFT, ya, SVG_W - SVG_RIGHT, ya);
    double step = axis_step(span);
    for (int k = 0; k * step <= span * (1 + 1e-9); k++) {
        double x = X(k * step);
        fprintf(f, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#000\"/>"
                   "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
                x, ya, x, ya + 5, x, ya + 18, k * step);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">seconds</text>\n", SVG_W - SVG_RIGHT, ya + 32);
    for (size_t k = 0; k < nn; k++) {
        fprintf(f, "<text x=\"10\" y=\"%d\" fill=\"#a33\">note: ", ya + 48 + 16 * (int)k);
        xml_str(f, nt[k]);
        fprintf(f, "</text>\n");
    }
    fprintf(f, "</svg>\n");
#undef X
}

/* Writes the SVG to PATH.tmp and renames it over PATH. */
static cairn_err write_svg(const char *path, const timeline *tl)
{
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    if (!tmp) return cairn_fail_nomem(n, "out of memory");
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    cairn_err err = CAIRN_OK;
    if (!f) {
        err = cairn_fail(CAIRN_ERR_IO, "-o %s: cannot create %s: %s", path, tmp, strerror(errno));
    } else {
        svg(f, tl);
        int bad = ferror(f);
        if (fclose(f) != 0 || bad) err = cairn_fail(CAIRN_ERR_IO, "-o %s: cannot write %s", path, tmp);
        else if (rename(tmp, path) != 0)
            err = cairn_fail(CAIRN_ERR_IO, "-o %s: cannot rename %s to it: %s", path, tmp, strerror(errno));
        if (err != CAIRN_OK) remove(tmp);
    }
    free(tmp);
    return err;
}

/* ---- the summary ---- */

static void summary_text(FILE *o, const timeline *tl, const char *svg_path)
{
    char when[CLI_TIME_UTC_CAP];
    fprintf(o, "job          %s: %" PRIu64 " segments, %zu tasks on %zu rank%s\n", tl->path, tl->nseg, tl->n,
            tl->nlane, tl->nlane == 1 ? "" : "s");
    fprintf(o, "wall span    %.3f s", tl->span);
    if (tl->origin_ns) fprintf(o, " from %s", cli_time_utc(when, tl->origin_ns));
    fputc('\n', o);
    for (size_t l = 0; l < tl->nlane; l++) {
        const rlane *r = &tl->lane[l];
        fprintf(o, "rank %-7" PRIu32 " %" PRIu64 " task%s, busy %.3f s, utilisation %.1f %%, idle %.3f s\n", r->rank,
                r->tasks, r->tasks == 1 ? "" : "s", secs(r->busy_ns), 100 * utilisation(tl, r), idle(tl, r));
    }
    if (tl->last_exec >= 0)
        fprintf(o, "executor     %" PRIu64 " segments executed, the last at %.3f s\n", (uint64_t)tl->n - tl->no_exec,
                tl->last_exec);
    else fprintf(o, "executor     no execution times recorded\n");
    const rtask *L = &tl->t[tl->cp_task];
    if (tl->cp_known) {
        fprintf(o,
                "critical     %.3f s execution (until segment %" PRIu64 " was executed) + %.3f s waiting for a rank + "
                "%.3f s proving it on rank %" PRIu32 " = %.3f s\n",
                tl->cp_exec, L->index, tl->cp_wait, tl->cp_prove, L->rank, tl->cp_exec + tl->cp_wait + tl->cp_prove);
        fprintf(o, "bound by     %s", bound(tl));
    } else {
        fprintf(o, "critical     unknown; the last task to finish: segment %" PRIu64 " on rank %" PRIu32 "\n",
                L->index, L->rank);
        fprintf(o, "bound by     unknown");
    }
    double span_all = tl->span * (double)tl->nlane;
    fprintf(o, "; ranks idle %.3f s of %.3f s (%.1f %%)\n", idle_total(tl), span_all,
            span_all > 0 ? 100 * idle_total(tl) / span_all : 0.0);
    char nt[MAX_NOTES][NOTE_CAP];
    size_t nn = notes(tl, nt);
    for (size_t k = 0; k < nn; k++) fprintf(o, "note         %s\n", nt[k]);
    if (svg_path) fprintf(o, "timeline     %s\n", svg_path);
}

static void summary_json(FILE *o, const timeline *tl, const char *svg_path)
{
    fprintf(o, "{\"file\": ");
    cli_json_str(o, tl->path);
    fprintf(o, ", \"segments\": %" PRIu64 ", \"tasks\": %zu, \"timed_tasks\": %" PRIu64 ", \"span_seconds\": %.9f",
            tl->nseg, tl->n, (uint64_t)tl->n - tl->untimed, tl->span);
    fprintf(o, ", \"origin_ns\": ");
    if (tl->origin_ns) fprintf(o, "%" PRIu64, tl->origin_ns);
    else fprintf(o, "null");
    fprintf(o, ", \"ranks\": [");
    for (size_t l = 0; l < tl->nlane; l++) {
        const rlane *r = &tl->lane[l];
        fprintf(o,
                "%s{\"rank\": %" PRIu32 ", \"tasks\": %" PRIu64 ", \"busy_seconds\": %.9f, \"utilisation\": %.6f, "
                "\"idle_seconds\": %.9f}",
                l ? ", " : "", r->rank, r->tasks, secs(r->busy_ns), utilisation(tl, r), idle(tl, r));
    }
    fprintf(o, "], \"executor\": {\"segments_timed\": %" PRIu64 ", \"last_executed_seconds\": ",
            (uint64_t)tl->n - tl->no_exec);
    if (tl->last_exec >= 0) fprintf(o, "%.9f}", tl->last_exec);
    else fprintf(o, "null}");
    const rtask *L = &tl->t[tl->cp_task];
    fprintf(o, ", \"critical_path\": ");
    if (tl->cp_known)
        fprintf(o,
                "{\"segment\": %" PRIu64 ", \"rank\": %" PRIu32 ", \"execution_seconds\": %.9f, \"wait_seconds\": "
                "%.9f, \"proving_seconds\": %.9f, \"bound\": \"%s\"}",
                L->index, L->rank, tl->cp_exec, tl->cp_wait, tl->cp_prove, bound(tl));
    else fprintf(o, "null");
    fprintf(o, ", \"idle_seconds\": %.9f, \"notes\": [", idle_total(tl));
    char nt[MAX_NOTES][NOTE_CAP];
    size_t nn = notes(tl, nt);
    for (size_t k = 0; k < nn; k++) {
        if (k) fprintf(o, ", ");
        cli_json_str(o, nt[k]);
    }
    fprintf(o, "], \"svg\": ");
    if (svg_path) cli_json_str(o, svg_path);
    else fprintf(o, "null");
    fprintf(o, "}\n");
}

int cmd_report(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    int json = 0;
    cli_ctx c;
    cli_ctx_init(&c, "cairn report", USAGE, stdout, argc, argv);
    const cli_opt opts[] = {
        {"--json", CLI_FLAG, &json, 0, 0, NULL},
        {"-o", CLI_STR, &out, 0, 0, NULL},
        {NULL, CLI_FLAG, NULL, 0, 0, NULL},
    };
    int status = EXIT_OK;
    if (!cli_parse_command(&c, opts, &path, argc, argv, HELP, &status)) return status;
    if (!path) return cli_fail(&c, EXIT_USAGE, CAIRN_ERR_USAGE, "no job file given");
    cairn_err e;
    if (out && (e = cli_check_output("-o", out)) != CAIRN_OK)
        return cli_fail(&c, EXIT_USAGE, e, "%s", cairn_last_error());

    timeline tl;
    memset(&tl, 0, sizeof tl);
    tl.path = path;
    h5s_reader *r = NULL;
    e = h5s_open(&r, path);
    if (e == CAIRN_OK) e = load(&tl, r);
    h5s_close(r);
    if (e == CAIRN_OK) {
        place(&tl);
        if (out) e = write_svg(out, &tl);
    }
    if (e != CAIRN_OK) {
        status = cli_fail(&c, EXIT_USAGE, e, "%s (%s)", cairn_last_error(), cairn_err_name(e));
    } else if (json) {
        summary_json(stdout, &tl, out);
    } else {
        summary_text(stdout, &tl, out);
    }
    timeline_free(&tl);
    return status;
}
