/* cli.h -- what the command-line tool's files share. */
#ifndef FALLACY_CLI_H
#define FALLACY_CLI_H

#include <stdint.h>
#include <stdio.h>
#include "fallacy.h"

/* Exit codes of the product contract. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_NOMEM = 3 };

/* Map a library status to an exit code. */
int cli_exit_code(fal_status st);
/* Print a result as one JSON object (a line) on f. */
void cli_print_json(FILE *f, const fal_result *res);
/* Print a result as readable lines on f. */
void cli_print_text(FILE *f, const fal_result *res);

/* Options a sub-command adds to the run options: called for an option the
 * run parser does not know.  Return 1 if it took the value val, 0 if it is a
 * flag without value, -1 if unknown; any other value is an exit code. */
typedef int (*cli_extra_fn)(void *ud, const char *opt, const char *val);

/* A parsed run: the configuration plus what it borrows. */
typedef struct cli_run {
    fal_config cfg;
    fal_arch *arch;    /* owned, may be NULL (family default) */
    fal_table *data;   /* owned, may be NULL */
    const char *data_path; /* borrowed from argv */
    int json;
    int threads;
} cli_run;

/* Parse "FAMILY [run options]" into r (arch and data loaded), printing a
 * one-line message on failure.  Returns 0 or an exit code; on failure
 * nothing is left to free.  extra may be NULL. */
int cli_run_parse(int argc, char **argv, fal_ctx *ctx, cli_run *r, cli_extra_fn extra, void *ud);
void cli_run_free(cli_run *r);

/* The progress line of a long call on a terminal (tools/progress.c):
 * cli_progress_start installs the library's progress callback on ctx when
 * stderr is a terminal (nothing otherwise); cli_progress_end removes it and
 * erases the line. */
typedef struct cli_progress {
    const char *cmd;
    fal_ctx *ctx;
    double t0, last, delay;
    int width;
    int need_on;
    uint64_t need_runs, need_seed, step, steps;
    double need_k, err;
} cli_progress;
void cli_progress_start(cli_progress *p, fal_ctx *ctx, const char *cmd);
void cli_progress_end(cli_progress *p);
/* Monotonic seconds; a duration as "4.2s", "3m07s", "2h05m". */
double cli_now(void);
void cli_fmt_time(char *buf, size_t n, double s);

/* A sweep's grid without running it (tools/sweep.c), for `fallacy slurm`:
 * parse "FAMILY [grid options] [run options] [--seeds S]" (the caller
 * refuses --db, --shard, --list and --json first); print a message and
 * return an exit code on failure.  cli_sweep_plan_shard counts the points
 * of shard i (0-based) of n and how many of them store holds (store NULL:
 * none). */
typedef struct cli_sweep_plan cli_sweep_plan;
int cli_sweep_plan_new(int argc, char **argv, cli_sweep_plan **out);
uint64_t cli_sweep_plan_points(const cli_sweep_plan *p);
int cli_sweep_plan_shard(cli_sweep_plan *p, fal_store *store, uint64_t i, uint64_t n, uint64_t *points,
                         uint64_t *stored);
fal_ctx *cli_sweep_plan_ctx(cli_sweep_plan *p);
void cli_sweep_plan_free(cli_sweep_plan *p);

int cli_slurm(int argc, char **argv);

int cli_demo(int argc, char **argv);
int cli_need(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_merge(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_classes(int argc, char **argv);

/* The report (tools/report.c), for `fallacy demo`.  cli_report_store
 * creates out_dir (mkdir -p), deletes out_dir/runs.sqlite if present and
 * opens it afresh into *store (close with fal_store_close); db_path (cap
 * bytes) receives its name.  cli_report_write writes out_dir/index.html and
 * its plots from db_path with test-error tolerance eps (<= 0: 1e-8).  Both
 * print a one-line message on failure and return 0 or an exit code. */
int cli_report_store(fal_ctx *ctx, const char *out_dir, fal_store **store, char *db_path, size_t cap);
int cli_report_write(const char *db_path, const char *out_dir, double eps);

#endif
