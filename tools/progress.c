/* progress.c -- the progress line of `fallacy run` and `fallacy need` on a
 * terminal, fed by the library's progress callback (fal_ctx_set_progress).
 *
 * Only when stderr is a terminal: one line, redrawn in place (\r) at most
 * ten times a second, first drawn once the call has taken
 * FALLACY_PROGRESS_DELAY seconds (default 0.5, so that short runs draw
 * nothing), erased before the result is printed.  Into a file or a pipe
 * nothing is drawn: what a batch log needs is the closing line, which run
 * and need print on stderr either way (did not converge, not found). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

double cli_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cli_fmt_time(char *buf, size_t n, double s)
{
    if (!(s >= 0) || s > 1e8) snprintf(buf, n, "?");
    else if (s < 10) snprintf(buf, n, "%.1fs", s);
    else if (s < 60) snprintf(buf, n, "%.0fs", s);
    else if (s < 3600) snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void draw(cli_progress *p, const char *line)
{
    int n = (int)strlen(line);
    fprintf(stderr, "\r%s%*s", line, p->width > n ? p->width - n : 0, "");
    p->width = n;
    fflush(stderr);
}

static void on_progress(void *ud, const fal_progress *pg)
{
    cli_progress *p = ud;
    if (strcmp(pg->stage, "need") == 0) {
        p->need_on = 1;
        p->need_runs = pg->done;
        p->need_k = pg->value;
        p->need_seed = pg->seed;
        p->step = p->steps = 0;
        p->err = NAN;
    } else {
        p->step = pg->done;
        p->steps = pg->total;
        p->err = pg->value;
    }
    double t = cli_now() - p->t0;
    if (t < p->delay || t - p->last < 0.1) return;
    p->last = t;
    char el[32], line[256], stepbuf[128] = "";
    cli_fmt_time(el, sizeof el, t);
    if (p->steps)
        snprintf(stepbuf, sizeof stepbuf, "step %llu of at most %llu, train error %.3g", (unsigned long long)p->step,
                 (unsigned long long)p->steps, p->err);
    if (p->need_on)
        snprintf(line, sizeof line, "%s: %llu runs done, now k = %.0f seed %llu%s%s, %s elapsed", p->cmd,
                 (unsigned long long)p->need_runs, p->need_k, (unsigned long long)p->need_seed, *stepbuf ? ": " : "",
                 stepbuf, el);
    else
        snprintf(line, sizeof line, "%s: %s, %s elapsed", p->cmd, *stepbuf ? stepbuf : "working", el);
    draw(p, line);
}

void cli_progress_start(cli_progress *p, fal_ctx *ctx, const char *cmd)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->ctx = ctx;
    if (!isatty(STDERR_FILENO)) return;
    const char *d = getenv("FALLACY_PROGRESS_DELAY");
    p->delay = 0.5;
    if (d && *d) {
        char *end;
        double v = strtod(d, &end);
        if (!*end && v >= 0 && v <= 1e6) p->delay = v;
    }
    p->t0 = cli_now();
    p->last = -1;
    p->err = NAN;
    fal_ctx_set_progress(ctx, on_progress, p);
}

void cli_progress_end(cli_progress *p)
{
    if (p->ctx) fal_ctx_set_progress(p->ctx, NULL, NULL);
    if (p->width) {
        /* erase the line: the result follows on stdout, which may be the
         * same terminal */
        fprintf(stderr, "\r%*s\r", p->width, "");
        fflush(stderr);
    }
    p->width = 0;
    p->ctx = NULL;
}
