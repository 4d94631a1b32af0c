/* run.c -- one run on data the program already holds in memory: a linear
 * autoencoder A(8,2,8) trained by its closed form on 40 points that lie in
 * a 2-dimensional subspace of R^8.  The array is handed to the library as
 * it is (fal_table_wrap borrows it: no copy, no file).  Prints the result
 * as the JSON object of `fallacy run --json`; exit 0 when the test error is
 * below 1e-20 (2 examples of a 2-dim subspace fix the projection), 1 if
 * not, 2 on an error.
 *
 *   cc run.c $(pkg-config --cflags --libs fallacy) -o run && ./run */
#include <stdio.h>
#include <stdlib.h>
#include <fallacy.h>

#define ROWS 40
#define N 8

int main(void)
{
    /* x = a u + b v for two fixed directions u, v and varying a, b */
    static double x[ROWS][N];
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < N; j++) {
            double a = 1.0 + 0.25 * i, b = (i % 7) - 3.0;
            x[i][j] = a * (j + 1) + b * ((j % 3) - 1.0);
        }
    fal_ctx *ctx = NULL;
    fal_status st = fal_ctx_new(&ctx, NULL); /* checks the ABI: header and library agree */
    if (st != FAL_OK) {
        fprintf(stderr, "run: %s\n", ctx ? fal_ctx_message(ctx) : "out of memory");
        fal_ctx_free(ctx);
        return 2;
    }
    fal_table *data = NULL;
    fal_arch *arch = NULL;
    int borrowed = 0;
    st = fal_table_wrap(ctx, x, ROWS, N, (ptrdiff_t)sizeof x[0], (ptrdiff_t)sizeof x[0][0], FAL_REAL, &data, &borrowed);
    if (st == FAL_OK) st = fal_arch_parse(ctx, "8,2,8", &arch);
    fal_result res;
    int rc = 2;
    if (st == FAL_OK) {
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find("linear-ae");
        cfg.arch = arch;
        cfg.data = data;
        cfg.examples = 2; /* the first 2 rows train, the other 38 test */
        cfg.examples_set = 1;
        cfg.algo = FAL_ALGO_EXACT;
        st = fal_run(ctx, &cfg, &res);
        if (st == FAL_OK) {
            char json[4096];
            if (fal_result_json(ctx, &res, json, sizeof json, NULL) == FAL_OK) printf("%s\n", json);
            printf("libfallacy %s, data %s, test error %.3e\n", fal_version(), borrowed ? "borrowed" : "copied",
                   res.test_error);
            rc = res.test_error < 1e-20 ? 0 : 1;
            fal_result_clear(&res);
        }
    }
    if (st != FAL_OK) fprintf(stderr, "run: %s\n", fal_ctx_message(ctx));
    fal_table_free(data);
    fal_arch_free(arch);
    fal_ctx_free(ctx);
    return rc;
}
