/* demo.c -- `fallacy demo`: every catalogue row that has landed, at a
 * default scale, with a verdict computed from the measured numbers against
 * the tolerance stated in the table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* A row: what to run and what the claim predicts.  expect_fit: the claim
 * says the test error falls to at most `bound`; otherwise (a contrast row
 * with too few examples) it stays above `bound`. */
typedef struct demo_row {
    const char *family, *widths;
    uint64_t depth;      /* uniform width-1 chain when widths == NULL */
    size_t examples;
    fal_algo algo;
    fal_field field;
    size_t subspace;
    int expect_fit;
    double bound;
    const char *claim;
    const char *metric;  /* the figure judged: NULL = test error, else a result extra */
} demo_row;

static const demo_row ROWS[] = {
    { "linear-chain", NULL, 100000000, 1, FAL_ALGO_GD, FAL_REAL, 0, 1, 1e-15,
      "scalar chain, L = 10^8: one example fixes P", NULL },
    { "linear-chain", NULL, 1000, 1, FAL_ALGO_FA, FAL_REAL, 0, 1, 1e-15,
      "the same by feedback alignment, L = 1000", NULL },
    { "linear", "16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16",
      0, 16, FAL_ALGO_GD, FAL_REAL, 0, 1, 1e-10, "deep linear A(16^51): n0 = 16 examples fix P", NULL },
    { "linear", "16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16",
      0, 15, FAL_ALGO_GD, FAL_REAL, 0, 0, 1e-4, "  ...n0 - 1 = 15 examples do not", NULL },
    { "linear", "8,32,32,8", 0, 8, FAL_ALGO_GD, FAL_REAL, 0, 1, 1e-10, "expansive A(8,32,32,8): 8 examples fix P", NULL },
    { "linear-ae", "20,3,20", 0, 3, FAL_ALGO_GD, FAL_REAL, 3, 1, 1e-8,
      "autoencoder A(20,3,20), data in a 3-dim subspace: 3 examples", NULL },
    { "linear-ae", "20,3,20", 0, 2, FAL_ALGO_GD, FAL_REAL, 3, 0, 1e-4, "  ...2 examples do not", NULL },
    { "linear-ae", "20,10,3,10,20", 0, 3, FAL_ALGO_GD, FAL_REAL, 3, 1, 1e-8,
      "deep autoencoder A(20,10,3,10,20): 3 examples", NULL },
    { "linear-ae", "20,3,20", 0, 3, FAL_ALGO_GD, FAL_COMPLEX, 3, 1, 1e-8, "complex autoencoder over C^20: 3 examples", NULL },
    { "linear-ae", "20,3,20", 0, 80, FAL_ALGO_GD, FAL_REAL, 20, 1, 1e-6,
      "generic data: GD finds the top-3 PCA projection (sin angle)", "max_sin_angle" },
    { "linear-ae", "20,3,20", 0, 80, FAL_ALGO_GD, FAL_COMPLEX, 20, 1, 1e-6,
      "generic data over C^20: the top-3 eigenspace (sin angle)", "max_sin_angle" },
};

static const char *row_id(const demo_row *r)
{
    if (r->field == FAL_COMPLEX) return "L4";
    return fal_family_find(r->family)->id;
}

int cli_demo(int argc, char **argv)
{
    int json = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) json = 1;
        else {
            fprintf(stderr, "fallacy: demo: unknown option '%s'\n", argv[i]);
            return EXIT_USAGE;
        }
    }
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    fal_ctx_set_threads(ctx, 2);
    fal_ctx_set_mem_limit(ctx, fal_mem_available());
    if (!json)
        printf("%-3s %-62s %10s %4s %10s %10s  %s\n", "ID", "claim", "w", "k", "test err", "optimum", "verdict");
    int failed = 0;
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
        const demo_row *r = &ROWS[i];
        fal_arch *arch = NULL;
        fal_status st = r->widths ? fal_arch_parse(ctx, r->widths, &arch) : fal_arch_uniform(ctx, r->depth, 1, &arch);
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find(r->family);
        cfg.arch = arch;
        cfg.examples = r->examples;
        cfg.examples_set = 1;
        cfg.algo = r->algo;
        cfg.field = r->field;
        cfg.subspace = r->subspace;
        cfg.seed = 1;
        fal_result res;
        memset(&res, 0, sizeof res);
        if (st == FAL_OK) st = fal_run(ctx, &cfg, &res);
        const char *verdict;
        if (st != FAL_OK && st != FAL_ENOCONV) {
            fprintf(stderr, "fallacy: demo row %zu: %s\n", i + 1, fal_ctx_message(ctx));
            verdict = "ERROR";
            failed = 1;
        } else if (r->expect_fit) {
            double v = r->metric ? fal_result_extra(&res, r->metric) : res.test_error;
            int ok = res.converged && v <= r->bound;
            verdict = ok ? "holds" : "FAILS";
            failed |= !ok;
        } else {
            /* the training set is fitted, the unseen part is not */
            int ok = res.train_error <= 1e-12 && res.test_error > r->bound;
            verdict = ok ? "holds (k too small)" : "FAILS";
            failed |= !ok;
        }
        if (st == FAL_OK || st == FAL_ENOCONV) {
            if (json) {
                cli_print_json(stdout, &res);
            } else {
                char bound[64];
                snprintf(bound, sizeof bound, "%s %s %.0e", r->metric ? "sin" : "test", r->expect_fit ? "<=" : ">",
                         r->bound);
                if (r->metric)
                    snprintf(bound, sizeof bound, "sin = %.1e <= %.0e", fal_result_extra(&res, r->metric), r->bound);
                printf("%-3s %-62s %10llu %4llu %10.2e %10.2e  %s (%s)\n", row_id(r), r->claim,
                       (unsigned long long)res.params, (unsigned long long)res.examples, res.test_error,
                       res.optimum_error, verdict, bound);
            }
        }
        fflush(stdout);
        fal_result_clear(&res);
        fal_arch_free(arch);
    }
    fal_ctx_free(ctx);
    if (!json) printf("%s\n", failed ? "some verdicts FAIL" : "every verdict holds");
    return failed ? EXIT_FAILED : EXIT_OK;
}
