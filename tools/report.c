/* report.c -- `fallacy report --db FILE --out DIR [--eps E] [--max-rank-w W]`:
 * the HTML report of a runs database (fal_report_write; doc/report.md),
 * and the helpers `fallacy demo` uses to keep its runs and write the same
 * report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

static int write_report(const char *db, const char *out, const fal_report_opts *o, int verbose)
{
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    fal_ctx_set_threads(ctx, 2);
    fal_ctx_set_mem_limit(ctx, fal_mem_available());
    fal_report_summary sum;
    fal_status st = fal_report_write(ctx, db, out, o, &sum);
    int rc = cli_exit_code(st);
    if (st != FAL_OK) cli_err("fallacy: report: %s\n", fal_ctx_message(ctx));
    else if (verbose)
        printf("%s/index.html: %zu runs, %zu catalogue rows (%zu hold, %zu fail, %zu not judged), %zu plots\n", out,
               sum.runs, sum.sections, sum.holds, sum.fails, sum.unjudged, sum.plots);
    fal_ctx_free(ctx);
    return rc;
}

int cli_report_write(const char *db_path, const char *out_dir, double eps)
{
    fal_report_opts o;
    fal_report_opts_init(&o);
    if (eps > 0) o.eps = eps;
    return write_report(db_path, out_dir, &o, 0);
}

int cli_report_store(fal_ctx *ctx, const char *out_dir, fal_store **store, char *db_path, size_t cap)
{
    *store = NULL;
    if ((size_t)snprintf(db_path, cap, "%s/runs.sqlite", out_dir) >= cap) {
        cli_err("fallacy: %s: directory name too long\n", out_dir);
        return EXIT_USAGE;
    }
    /* out_dir must be new, empty or fallacy's own (fal_report_claim_dir):
     * runs.sqlite is then ours to replace, never a user's database */
    static const char *const OWN[] = { "runs.sqlite", "runs.sqlite-journal", NULL };
    fal_status cs = fal_report_claim_dir(ctx, out_dir, OWN, NULL);
    if (cs != FAL_OK) {
        cli_err("fallacy: %s\n", fal_ctx_message(ctx));
        return cli_exit_code(cs);
    }
    if (unlink(db_path) != 0 && errno != ENOENT) {
        cli_err("fallacy: %s: cannot replace: %s\n", db_path, strerror(errno));
        return EXIT_USAGE;
    }
    fal_status st = fal_store_open(ctx, db_path, FAL_STORE_CREATE, store);
    if (st != FAL_OK) {
        cli_err("fallacy: %s\n", fal_ctx_message(ctx));
        return cli_exit_code(st);
    }
    return 0;
}

int cli_report(int argc, char **argv)
{
    fal_report_opts o;
    fal_report_opts_init(&o);
    report_cli_opts ro = { NULL, NULL, o.eps, o.max_rank_w };
    cli_args a;
    int rc = cli_parse(CMD_REPORT, argc, argv, NULL, &ro, NULL, &a);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    cli_args_free(&a);
    o.eps = ro.eps;
    o.max_rank_w = ro.max_rank_w;
    if (!ro.db || !ro.out) {
        fputs("fallacy: report: usage: fallacy report --db FILE.sqlite --out DIR [--eps E] [--max-rank-w W]\n", stderr);
        return EXIT_USAGE;
    }
    if (access(ro.db, R_OK) != 0) {
        cli_err("fallacy: report: %s: %s\n", ro.db, strerror(errno));
        return EXIT_USAGE;
    }
    return write_report(ro.db, ro.out, &o, 1);
}
