/* test_determinism.c -- the same seed gives the same bytes, across two runs
 * and across --threads 1 and --threads 2, for every family, for classes
 * and for need (doc/determinism.md).  Only "seconds" may differ; every
 * other field, the training curve included, must match byte for byte.
 * Each size is chosen so that two threads really split the work where the
 * family has a parallel loop (the reason for the size is beside it).  The
 * BLAS families run with the OPENBLAS_NUM_THREADS of the caller (2 under
 * make check): their bytes depend on OpenBLAS's thread count, which
 * --threads does not change (doc/determinism.md). */
#include <string.h>
#include "test.h"
#include "../src/nets/hamming.h"

/* Cut every "seconds" field out of a JSON text, in place. */
static void strip_seconds(char *s)
{
    char *p;
    while ((p = strstr(s, "\"seconds\":")) != NULL) {
        char *e = p + 10;
        while (*e && *e != ',' && *e != '}') e++;
        if (p > s && p[-1] == ',') p--;
        else if (*e == ',') e++;
        memmove(p, e, strlen(e) + 1);
    }
}

static const char *const det_rows[] = {
    "run linear-chain --depth 3000000 --seed 5",          /* 12 reduction blocks of 2^18 weights */
    "run linear --widths 64,128,128,64 --steps 50 --seed 3",
    "run linear --widths 12,4,12 --seed 3",                /* a bottleneck: isometric start */
    "run linear --widths 6,12,6 --field complex --seed 3",
    "run linear-ae --seed 2",
    "run linear-ae --field complex --seed 2",
    "run bool-chain --depth 10000000 --seed 4",            /* 10 blocks of 2^20 bits */
    "run threshold-chain --depth 10000000 --units heaviside --seed 4",
    "run power-chain --seed 4",
    "run power-chain --depth 6 --algo gd --examples 4 --seed 4",
    "run bool --widths 16,16,2 --examples 30000 --seed 4", /* 16 chunks of 4096 inputs */
    "run bool-ae --seed 4",
    "run threshold-ae --seed 4",
    "run threshold-ae --widths 5,2,5 --degree 5 --units heaviside --seed 4",
    "run shallow --features 300 --examples 200 --seed 4",
    "run mlp --widths 4,16,8,2 --examples 40 --seed 4",
    "run mlp --widths 3,8,1 --act tanh --algo adam --examples 20 --steps 300 --seed 4",
    "run mlp --widths 3,8,1 --act sigmoid --algo gd --examples 20 --steps 300 --seed 4",
    "classes linear --widths 8,8,8 --seed 4",
    "classes mlp --widths 3,6,4,1 --draws 3 --seed 4",
    "classes linear-ae --field complex --seed 4",
    "classes linear-chain --depth 50 --seed 4 --walk 100",
    "classes bool --widths 4,4,2 --examples 8",
    "need linear-chain --eps 1e-6 --depth 3000000 --seeds 2 --kmax 2",
    "need bool-chain --eps 0.1 --depth 10000000 --seeds 2",
    "need shallow --eps 0.05 --features 20 --seeds 2",
};

/* Two runs, one with each thread count: equal bytes show both promises
 * (a run that varied from run to run would not match another run either). */
TEST(test_determinism_same_bytes_across_runs_and_threads)
{
    static char a[1 << 15], b[1 << 15];
    char cmd[512];
    for (size_t i = 0; i < sizeof det_rows / sizeof det_rows[0]; i++) {
        snprintf(cmd, sizeof cmd, "%s --threads 1 --json", det_rows[i]);
        int ra = test_cli(cmd, a, sizeof a);
        snprintf(cmd, sizeof cmd, "%s --threads 2 --json", det_rows[i]);
        int rb = test_cli(cmd, b, sizeof b);
        CHECK_MSG(ra == rb && ra <= 1, "'%s': exit %d, then %d", det_rows[i], ra, rb);
        strip_seconds(a);
        strip_seconds(b);
        /* run --json records the thread count in its "build" object: the
         * one printed figure that differs, by design */
        test_mask_threads(a);
        test_mask_threads(b);
        CHECK_MSG(strlen(a) > 100 && a[0] == '{', "'%s' printed %.80s", det_rows[i], a);
        CHECK_MSG(strcmp(a, b) == 0, "'%s': --threads 1 and 2 differ:\n%s\n%s", det_rows[i], a, b);
    }
}

/* The same thread count twice, where the threads split the most work. */
TEST(test_determinism_same_bytes_twice)
{
    static char a[1 << 15], b[1 << 15];
    const char *cmd = "run linear-chain --depth 3000000 --seed 9 --threads 2 --json";
    CHECK(test_cli(cmd, a, sizeof a) == 0);
    CHECK(test_cli(cmd, b, sizeof b) == 0);
    strip_seconds(a);
    strip_seconds(b);
    CHECK(strlen(a) > 100 && strcmp(a, b) == 0);
}

/* Lloyd's assignment runs on several threads only when u C > 10^6: the
 * CLI sizes above stay below it to stay fast, so the clustering itself is
 * run here at 4096 points and 512 codes, with 1 and 2 threads. */
TEST(test_determinism_lloyd_threads)
{
    fal_ctx *ctx = test_ctx();
    const unsigned n = 16;
    const size_t k = 4096, C = 512;
    uint64_t *x = malloc(k * sizeof *x);
    CHECK(x != NULL);
    if (!x) return;
    fal_rng r;
    fal_rng_seed(&r, 11);
    for (size_t i = 0; i < k; i++) x[i] = fal_rng_next(&r) & ((1u << n) - 1);
    fal__ham_set s;
    CHECK_OK(fal__ham_set_new(ctx, n, x, k, &s));
    CHECK((double)s.u * (double)C > 1e6);
    fal__ham_clust cl[2];
    uint64_t it[2];
    int fixed[2];
    for (int t = 0; t < 2; t++) {
        fal_ctx_set_threads(ctx, t + 1);
        fal_rng_seed(&r, 12);
        CHECK_OK(fal__ham_lloyd(ctx, &s, C, 2, 4, &r, &cl[t], &it[t], &fixed[t]));
    }
    CHECK(cl[0].c == cl[1].c && cl[0].cost == cl[1].cost && it[0] == it[1] && fixed[0] == fixed[1]);
    CHECK(memcmp(cl[0].centre, cl[1].centre, cl[0].c * sizeof(uint64_t)) == 0);
    CHECK(memcmp(cl[0].assign, cl[1].assign, s.u * sizeof(uint32_t)) == 0);
    for (int t = 0; t < 2; t++) fal__ham_clust_free(ctx, &cl[t]);
    fal__ham_set_free(ctx, &s);
    free(x);
}
