/* cli.h -- what the command-line tool's files share. */
#ifndef FALLACY_CLI_H
#define FALLACY_CLI_H

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
    fal_arch *teacher_arch; /* owned, may be NULL (mlp --teacher-widths) */
} cli_run;

/* Parse "FAMILY [run options]" into r (arch and data loaded), printing a
 * one-line message on failure.  Returns 0 or an exit code; on failure
 * nothing is left to free.  extra may be NULL. */
int cli_run_parse(int argc, char **argv, fal_ctx *ctx, cli_run *r, cli_extra_fn extra, void *ud);
void cli_run_free(cli_run *r);

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
