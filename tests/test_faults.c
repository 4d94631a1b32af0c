/* test_faults.c -- allocation failure at every allocation of a small run of
 * every family: each failure returns FAL_ENOMEM and frees what it took. */
#include <stdlib.h>
#include <string.h>
#include "test.h"

TEST(test_faults_every_allocation_of_every_family)
{
    struct {
        const char *family, *widths;
        size_t k;
    } runs[] = { { "linear-chain", "1,1,1,1,1", 1 }, { "linear", "3,4,3", 3 },    { "linear-ae", "5,2,5", 2 },
                 { "bool-chain", "1,1,1,1", 1 },     { "power-chain", "1,1,1", 1 }, { "bool", "2,3,2", 4 },
                 { "bool-ae", "4,2,4", 6 },          { "threshold-chain", "1,1,1", 1 }, { "threshold-ae", "4,2,4", 6 },
                 { "shallow", NULL, 5 },             { "mlp", "3,4,2", 5 } };
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        int done = 0;
        long last = -1;
        for (long n = 0; n < 10000 && !done; n++) {
            test_failing f = { 0, n + 1 }; /* allocation n (from 0) is refused */
            fal_allocator al = test_failing_allocator(&f);
            fal_ctx *ctx = NULL;
            if (fal_ctx_new(&ctx, &al) != FAL_OK) continue; /* the context itself was refused */
            fal_arch *a = NULL;
            fal_status st = runs[r].widths ? fal_arch_parse(ctx, runs[r].widths, &a) : FAL_OK;
            if (st == FAL_OK) {
                fal_config cfg;
                fal_config_init(&cfg);
                cfg.family = fal_family_find(runs[r].family);
                cfg.arch = a;
                cfg.examples = runs[r].k;
                cfg.examples_set = 1;
                if (cfg.family->options & FAL_OPT_TEST) cfg.test = 20;
                if (cfg.family->options & FAL_OPT_FEATURES) cfg.features = 8;
                cfg.seed = 1;
                fal_result res;
                st = fal_run(ctx, &cfg, &res);
                if (st == FAL_OK || st == FAL_ENOCONV) {
                    fal_result_clear(&res);
                    /* the failure point lay beyond the run's last allocation: every
                     * earlier point has been tried */
                    if (f.count < f.fail_at) {
                        done = 1;
                        last = n;
                        CHECK_MSG(n >= 3, "%s: only %ld allocations: the test exercised little", runs[r].family, n);
                    }
                } else {
                    CHECK_MSG(st == FAL_ENOMEM, "%s: allocation %ld failed, status %s: %s", runs[r].family, n,
                              fal_errstr(st), fal_ctx_message(ctx));
                }
            } else {
                CHECK(st == FAL_ENOMEM);
            }
            fal_arch_free(a);
            CHECK_MSG(fal_ctx_mem_in_use(ctx) == 0, "%s: %zu bytes left after failing allocation %ld",
                      runs[r].family, fal_ctx_mem_in_use(ctx), n);
            fal_ctx_free(ctx);
        }
        CHECK_MSG(done, "%s: never completed", runs[r].family);
        if (getenv("FAULTS_VERBOSE")) printf("    %s: %ld allocation points\n", runs[r].family, last);
    }
}

/* classes mlp: a failure at every allocation of the rank analysis (probes,
 * networks, Jacobian deltas, the SVD, the draws) returns FAL_ENOMEM and
 * leaves nothing allocated. */
TEST(test_faults_every_allocation_of_classes_mlp)
{
    int done = 0;
    for (long n = 0; n < 100000 && !done; n++) {
        test_failing f = { 0, n + 1 };
        fal_allocator al = test_failing_allocator(&f);
        fal_ctx *ctx = NULL;
        if (fal_ctx_new(&ctx, &al) != FAL_OK) continue;
        fal_arch *a = NULL;
        fal_status st = fal_arch_parse(ctx, "2,3,1", &a);
        if (st == FAL_OK) {
            fal_config cfg;
            fal_config_init(&cfg);
            cfg.family = fal_classes_family("mlp");
            cfg.arch = a;
            fal_classes c;
            st = fal_classes_compute_draws(ctx, &cfg, 2, &c);
            if (st == FAL_OK && f.count < f.fail_at) {
                done = 1;
                CHECK_MSG(n >= 10, "only %ld allocations", n);
            } else if (st != FAL_OK) {
                CHECK_MSG(st == FAL_ENOMEM, "allocation %ld: %s: %s", n, fal_errstr(st), fal_ctx_message(ctx));
            }
        } else {
            CHECK(st == FAL_ENOMEM);
        }
        fal_arch_free(a);
        CHECK_MSG(fal_ctx_mem_in_use(ctx) == 0, "%zu bytes left after failing allocation %ld", fal_ctx_mem_in_use(ctx), n);
        fal_ctx_free(ctx);
    }
    CHECK(done);
}
