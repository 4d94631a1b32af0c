/* test_core.c -- the generator, architectures, statuses, the budget. */
#include <string.h>
#include "test.h"
#include "../src/core/internal.h"

/* Oracle: the published xoshiro256** reference with state {1, 2, 3, 4}
 * gives 11520, 0, 1509978240, 1215971899390074240 as its first outputs. */
TEST(test_rng_xoshiro_reference_vector)
{
    fal_rng r = { { 1, 2, 3, 4 } };
    CHECK(fal_rng_next(&r) == 11520ULL);
    CHECK(fal_rng_next(&r) == 0ULL);
    CHECK(fal_rng_next(&r) == 1509978240ULL);
    CHECK(fal_rng_next(&r) == 1215971899390074240ULL);
}

TEST(test_rng_same_seed_same_stream_and_moments)
{
    fal_rng a, b;
    fal_rng_seed(&a, 42);
    fal_rng_seed(&b, 42);
    int same = 1;
    double s = 0, s2 = 0, u = 0;
    const int N = 200000;
    for (int i = 0; i < N; i++) {
        double x = fal_rng_normal(&a), y = fal_rng_normal(&b);
        same &= x == y;
        s += x;
        s2 += x * x;
    }
    for (int i = 0; i < N; i++) u += fal_rng_uniform(&a);
    CHECK(same);
    /* N(0,1): mean within 5 sigma/sqrt(N), variance within 5 sqrt(2/N) */
    CHECK_NEAR(s / N, 0.0, 5.0 / sqrt((double)N));
    CHECK_NEAR(s2 / N, 1.0, 5.0 * sqrt(2.0 / N));
    CHECK_NEAR(u / N, 0.5, 5.0 * sqrt(1.0 / 12.0 / N));
}

TEST(test_rng_below_and_jump)
{
    fal_rng r;
    fal_rng_seed(&r, 7);
    int counts[3] = { 0, 0, 0 }, inrange = 1;
    for (int i = 0; i < 30000; i++) {
        uint64_t v = fal_rng_below(&r, 3);
        inrange &= v < 3;
        if (v < 3) counts[v]++;
    }
    CHECK(inrange);
    for (int i = 0; i < 3; i++) CHECK_NEAR(counts[i], 10000, 5 * sqrt(30000 * (1.0 / 3) * (2.0 / 3)));
    fal_rng a = r, b = r;
    fal_rng_jump(&b);
    CHECK(fal_rng_next(&a) != fal_rng_next(&b));
    CHECK(fal_hash64(1, 2) == fal_hash64(1, 2));
    CHECK(fal_hash64(1, 2) != fal_hash64(1, 3));
}

TEST(test_arch_parse_and_counts)
{
    fal_ctx *ctx = test_ctx();
    fal_arch *a = NULL;
    CHECK_OK(fal_arch_parse(ctx, "8,32,32,8", &a));
    if (a) {
        uint64_t w = 0;
        CHECK(fal_arch_depth(a) == 3);
        CHECK(fal_arch_width(a, 1) == 32);
        CHECK(fal_arch_min_hidden(a) == 32);
        CHECK_OK(fal_arch_linear_params(ctx, a, &w));
        CHECK(w == 8 * 32 + 32 * 32 + 32 * 8); /* sum n_i n_{i-1} */
    }
    fal_arch_free(a);
    CHECK_OK(fal_arch_uniform(ctx, 50, 16, &a));
    if (a) {
        uint64_t w = 0;
        CHECK_OK(fal_arch_linear_params(ctx, a, &w));
        CHECK(w == 50 * 16 * 16); /* L n^2 */
    }
    fal_arch_free(a);
    CHECK_OK(fal_arch_uniform(ctx, 1000000000000ULL, 1, &a));
    if (a) CHECK(fal_arch_width(a, 999999999999ULL) == 1);
    fal_arch_free(a);
}

TEST(test_arch_parse_rejects_bad_widths)
{
    fal_ctx *ctx = test_ctx();
    const char *bad[] = { "3,,4", "0", "4,0,4", "-1,2", "a,b", "4", "", "4,4,", ",4,4", "4, 4", "4,99999999999999999999",
                          "4,4294967297" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fal_arch *a = NULL;
        fal_status st = fal_arch_parse(ctx, bad[i], &a);
        CHECK_MSG(st == FAL_EINVAL && a == NULL, "widths '%s' gave %s", bad[i], fal_errstr(st));
        CHECK_MSG(strlen(fal_ctx_message(ctx)) > 0, "no message for '%s'", bad[i]);
    }
    fal_arch *a = NULL;
    CHECK(fal_arch_uniform(ctx, 0, 1, &a) == FAL_EINVAL);
    CHECK(fal_arch_uniform(ctx, 1, 0, &a) == FAL_EINVAL);
    /* uniform width 2^32, depth 2^40: w overflows 64 bits -> ERANGE, not wrap */
    CHECK_OK(fal_arch_uniform(ctx, (uint64_t)1 << 40, (size_t)1 << 32, &a));
    uint64_t w;
    if (a) CHECK(fal_arch_linear_params(ctx, a, &w) == FAL_ERANGE);
    fal_arch_free(a);
}

TEST(test_status_texts_and_budget)
{
    for (int s = FAL_OK; s <= FAL_ENOSPC; s++) CHECK(strlen(fal_errstr((fal_status)s)) > 1);
    fal_ctx *ctx = test_ctx();
    fal_ctx_set_mem_limit(ctx, 1000);
    void *p = fal__alloc(ctx, 2000, "test block");
    CHECK(p == NULL);
    CHECK(strstr(fal_ctx_message(ctx), "test block needs") != NULL);
    p = fal__alloc(ctx, 500, "small");
    CHECK(p != NULL);
    CHECK(fal_ctx_mem_in_use(ctx) == 500);
    fal__free(ctx, p, 500);
    CHECK(fal_ctx_mem_in_use(ctx) == 0);
    CHECK(fal_ctx_mem_peak(ctx) == 500);
    fal_ctx_free(NULL);
    fal_arch_free(NULL);
    fal_table_free(NULL);
}
