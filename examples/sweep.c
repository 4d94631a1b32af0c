/* sweep.c -- a sweep into SQLite: the linear chain at depths 10, 100,
 * 1000 and 10^4, two seeds each, one example per run, stored in the
 * database named on the command line (the same file `fallacy report`
 * reads).  A point already stored is skipped, so a second run adds
 * nothing.  Exit 0 when every point is stored and each fitted its one
 * example (train error below 1e-20), 1 if not, 2 on an error.
 *
 *   cc sweep.c $(pkg-config --cflags --libs fallacy) -o sweep && ./sweep runs.sqlite */
#include <stdint.h>
#include <stdio.h>
#include <fallacy.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.sqlite\n", argv[0]);
        return 2;
    }
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fprintf(stderr, "sweep: %s\n", ctx ? fal_ctx_message(ctx) : "out of memory");
        fal_ctx_free(ctx);
        return 2;
    }
    fal_store *db = NULL;
    fal_status st = fal_store_open(ctx, argv[1], FAL_STORE_CREATE, &db);
    static const uint64_t depths[] = { 10, 100, 1000, 10000 };
    int fitted = 1, added = 0;
    for (size_t d = 0; d < sizeof depths / sizeof depths[0] && st == FAL_OK; d++)
        for (uint64_t seed = 1; seed <= 2 && st == FAL_OK; seed++) {
            fal_arch *arch = NULL;
            st = fal_arch_uniform(ctx, depths[d], 1, &arch);
            fal_config cfg;
            fal_config_init(&cfg);
            cfg.family = fal_family_find("linear-chain");
            cfg.arch = arch;
            cfg.examples = 1;
            cfg.examples_set = 1;
            cfg.seed = seed;
            int found = 0;
            if (st == FAL_OK) st = fal_store_has_config(db, &cfg, &found);
            if (st == FAL_OK && !found) {
                fal_result res;
                fal_status rs = fal_run(ctx, &cfg, &res);
                if (rs == FAL_OK || rs == FAL_ENOCONV) {
                    int inserted = 0;
                    st = fal_store_put(db, &cfg, &res, &inserted);
                    added += inserted;
                    fitted &= res.train_error < 1e-20;
                    printf("depth %llu seed %llu: train error %.3e\n", (unsigned long long)depths[d],
                           (unsigned long long)seed, res.train_error);
                    fal_result_clear(&res);
                } else {
                    st = rs;
                }
            }
            fal_arch_free(arch);
        }
    uint64_t n = 0;
    if (st == FAL_OK) st = fal_store_count(db, &n);
    if (st == FAL_OK) printf("%s: %llu runs (%d added)\n", argv[1], (unsigned long long)n, added);
    else fprintf(stderr, "sweep: %s\n", fal_ctx_message(ctx));
    fal_store_close(db);
    fal_ctx_free(ctx);
    return st != FAL_OK ? 2 : fitted && n >= 8 ? 0 : 1;
}
