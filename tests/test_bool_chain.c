/* test_bool_chain.c -- N1: the chain of identity/NOT units. */
#include <string.h>
#include "test.h"
#include "../src/core/internal.h"
#include "../src/kern/bits.h"

/* Depths that straddle the 64-bit word boundaries, and a deep one. */
static const uint64_t DEPTHS[] = { 1, 2, 63, 64, 65, 1000, 1000000 };
#define NDEPTHS (sizeof DEPTHS / sizeof DEPTHS[0])

static fal_status run_bc(fal_ctx *ctx, uint64_t L, uint64_t seed, const fal_table *data, size_t k, int threads,
                         fal_result *res, fal_arch **arch)
{
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("bool-chain");
    *arch = NULL;
    if (fal_arch_uniform(ctx, L, 1, arch) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = *arch;
    cfg.seed = seed;
    cfg.data = data;
    if (k) {
        cfg.examples = k;
        cfg.examples_set = 1;
    }
    fal_ctx_set_threads(ctx, threads);
    return fal_run(ctx, &cfg, res);
}

/* A --data table of 0/1 rows (x, t). */
static fal_table *table_of(fal_ctx *ctx, const int (*rows)[2], size_t n)
{
    fal_table *t = NULL;
    if (fal_table_new(ctx, n, 2, FAL_REAL, &t) != FAL_OK) return NULL;
    double *v = fal_table_data(t);
    for (size_t i = 0; i < n; i++) {
        v[2 * i] = rows[i][0];
        v[2 * i + 1] = rows[i][1];
    }
    return t;
}

/* Claim N1 with the seeded teacher: one example and one flip (at most) give
 * the teacher's function on both inputs, at every depth; the figures of the
 * JSON are the closed forms (params = L, log2 e = 1, 2^(L-1) settings per
 * class) and the parameter block is ceil(L/64) words. */
TEST(test_n1_one_example_every_depth_seeded_teacher)
{
    fal_ctx *ctx = test_ctx();
    int teachers[2] = { 0, 0 }, flips = 0;
    for (size_t d = 0; d < NDEPTHS; d++)
        for (uint64_t seed = 1; seed <= 6; seed++) {
            uint64_t L = DEPTHS[d];
            fal_result res;
            fal_arch *a;
            fal_status st = run_bc(ctx, L, seed, NULL, 0, 2, &res, &a);
            CHECK_MSG(st == FAL_OK && res.converged, "L=%llu seed %llu: %s", (unsigned long long)L,
                      (unsigned long long)seed, fal_errstr(st));
            double tau = fal_result_extra(&res, "teacher");
            teachers[tau != 0]++;
            CHECK(res.train_error == 0);
            CHECK(res.test_error == 0);                          /* both inputs */
            CHECK(fal_result_extra(&res, "unseen_error") == 0);  /* the input not seen */
            CHECK(fal_result_extra(&res, "parity") == tau);
            CHECK((uint64_t)fal_result_extra(&res, "not_units") % 2 == (uint64_t)tau);
            /* the rule flips exactly when the start maps x wrong */
            int wrong = fal_result_extra(&res, "start_parity") != tau;
            CHECK(res.steps == (uint64_t)wrong);
            flips += wrong;
            CHECK(res.params == L && res.examples == 1);
            CHECK(res.log2_classes == 1);
            CHECK(res.bits_provided == 1); /* k nL target bits */
            CHECK(res.optimum_error == 0);
            CHECK(fal_result_extra(&res, "log2_settings") == (double)L);
            CHECK(fal_result_extra(&res, "log2_settings_per_class") == (double)L - 1);
            CHECK(fal_result_extra(&res, "param_bytes") == (double)(8 * ((L + 63) / 64)));
            CHECK(fal_ctx_mem_peak(ctx) >= 8 * ((L + 63) / 64));
            fal_result_clear(&res);
            fal_arch_free(a);
            CHECK(fal_ctx_mem_in_use(ctx) == 0); /* everything the run allocated is freed */
        }
    CHECK_MSG(teachers[0] > 0 && teachers[1] > 0, "seeds gave one teacher only (%d, %d)", teachers[0], teachers[1]);
    CHECK_MSG(flips > 0, "no start was wrong: the learning rule was never exercised");
}

/* Both teachers and both seen inputs, set explicitly through --data: the
 * training row (x, x XOR tau), then both inputs as the test rows. */
TEST(test_n1_both_teachers_both_inputs_from_data)
{
    fal_ctx *ctx = test_ctx();
    for (int tau = 0; tau <= 1; tau++)
        for (int x = 0; x <= 1; x++)
            for (size_t d = 0; d < NDEPTHS; d++)
                for (uint64_t seed = 1; seed <= 3; seed++) {
                    int rows[3][2] = { { x, x ^ tau }, { 0, tau }, { 1, 1 ^ tau } };
                    fal_table *t = table_of(ctx, (const int (*)[2])rows, 3);
                    fal_result res;
                    fal_arch *a;
                    fal_status st = run_bc(ctx, DEPTHS[d], seed, t, 1, 1, &res, &a);
                    CHECK_MSG(st == FAL_OK, "tau %d x %d L %llu: %s", tau, x, (unsigned long long)DEPTHS[d],
                              fal_ctx_message(ctx));
                    CHECK(res.train_error == 0 && res.test_error == 0);
                    CHECK(fal_result_extra(&res, "parity") == tau);
                    CHECK(fal_result_extra(&res, "unseen_error") == 0); /* the row with input !x */
                    fal_result_clear(&res);
                    fal_arch_free(a);
                    fal_table_free(t);
                }
}

/* The class sizes by brute force: every one of the 2^L settings of a chain
 * with L <= 10, run unit by unit, computes the identity or the negation,
 * each for exactly 2^(L-1) settings, as the run reports; and the word sweep
 * (parity of the popcount) agrees with the unit-by-unit run on each. */
TEST(test_n1_brute_force_two_functions_equal_classes)
{
    fal_ctx *ctx = test_ctx();
    for (uint64_t L = 1; L <= 10; L++) {
        uint64_t count[2] = { 0, 0 };
        for (uint64_t s = 0; s < ((uint64_t)1 << L); s++) {
            uint64_t w = s;
            int f0 = fal__bool_chain_ref(&w, L, 0), f1 = fal__bool_chain_ref(&w, L, 1);
            CHECK(f1 == !f0); /* never a constant */
            count[f0]++;
            CHECK((int)(fal__bits_popcount(&w, 1, 1) & 1) == f0);
        }
        CHECK(count[0] == ((uint64_t)1 << (L - 1)) && count[1] == ((uint64_t)1 << (L - 1)));
        fal_result res;
        fal_arch *a;
        CHECK_OK(run_bc(ctx, L, 1, NULL, 0, 1, &res, &a));
        CHECK(fal_result_extra(&res, "log2_settings_per_class") == log2((double)count[0]));
        CHECK(fal_result_extra(&res, "log2_settings") == log2((double)(count[0] + count[1])));
        fal_result_clear(&res);
        fal_arch_free(a);
    }
}

/* The kernels at word boundaries: random fill leaves the bits past L at 0
 * and is the same at any thread count; the popcount parity equals the
 * unit-by-unit chain. */
TEST(test_n1_word_sweep_matches_unit_by_unit)
{
    fal_ctx *ctx = test_ctx();
    const uint64_t Ls[] = { 1, 2, 63, 64, 65, 127, 128, 129, 1000, 1000000, (1u << 20) + 1 };
    for (size_t d = 0; d < sizeof Ls / sizeof Ls[0]; d++)
        for (uint64_t key = 1; key <= 4; key++) {
            uint64_t L = Ls[d];
            size_t nw = fal__bits_words(L);
            uint64_t *a = fal__alloc(ctx, nw * 8, "test"), *b = fal__alloc(ctx, nw * 8, "test");
            if (!a || !b) return;
            fal__bits_random(a, L, key, 1);
            fal__bits_random(b, L, key, 4);
            CHECK(memcmp(a, b, nw * 8) == 0);
            if (L % 64) CHECK((a[nw - 1] >> (L % 64)) == 0);
            uint64_t ones = 0;
            for (uint64_t i = 0; i < L; i++) ones += (uint64_t)fal__bits_get(a, i);
            CHECK(fal__bits_popcount(a, nw, 1) == ones);
            CHECK(fal__bits_popcount(a, nw, 3) == ones);
            CHECK((int)(ones & 1) == fal__bool_chain_ref(a, L, 0));
            CHECK((int)(!(ones & 1)) == fal__bool_chain_ref(a, L, 1));
            /* a fair start: the NOT count is within 6 sigma of L/2 */
            if (L >= 1000) CHECK_LT(fabs((double)ones - 0.5 * (double)L), 3.0 * sqrt((double)L));
            fal__free(ctx, a, nw * 8);
            fal__free(ctx, b, nw * 8);
        }
}

/* Same seed, same result at any thread count. */
TEST(test_n1_same_result_any_thread_count)
{
    fal_ctx *ctx = test_ctx();
    for (uint64_t seed = 1; seed <= 3; seed++) {
        fal_result r1, r4;
        fal_arch *a1, *a4;
        CHECK_OK(run_bc(ctx, 3000001, seed, NULL, 0, 1, &r1, &a1));
        CHECK_OK(run_bc(ctx, 3000001, seed, NULL, 0, 4, &r4, &a4));
        CHECK(r1.nextras == r4.nextras);
        for (int i = 0; i < r1.nextras && i < r4.nextras; i++)
            CHECK(memcmp(&r1.extras[i].value, &r4.extras[i].value, sizeof(double)) == 0);
        fal_result_clear(&r1);
        fal_result_clear(&r4);
        fal_arch_free(a1);
        fal_arch_free(a4);
    }
}

/* Several contradictory examples: the rule lands on the majority parity, the
 * optimum min(#agree, #disagree)/k counted here. */
TEST(test_n1_majority_optimum_with_noisy_data)
{
    fal_ctx *ctx = test_ctx();
    const int rows[5][2] = { { 0, 1 }, { 1, 0 }, { 0, 0 }, { 1, 0 }, { 0, 1 } }; /* 4 say NOT, 1 identity */
    for (uint64_t seed = 1; seed <= 6; seed++) {
        fal_table *t = table_of(ctx, rows, 5);
        fal_result res;
        fal_arch *a;
        CHECK_OK(run_bc(ctx, 777, seed, t, 0, 1, &res, &a));
        CHECK(fal_result_extra(&res, "parity") == 1);
        CHECK_NEAR(res.optimum_error, 0.2, 0);
        CHECK_NEAR(res.train_error, 0.2, 0);
        CHECK(isnan(res.test_error)); /* every row trains */
        CHECK(res.bits_provided == 5); /* 5 rows, 1 target bit each */
        fal_result_clear(&res);
        fal_arch_free(a);
        fal_table_free(t);
    }
}

/* Refusals: widths other than 1, --algo, values other than 0/1, and a depth
 * beyond the memory budget (refused before allocating). */
TEST(test_n1_refusals)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("bool-chain");
    fal_arch *a = NULL;
    fal_result res;
    CHECK_OK(fal_arch_parse(ctx, "1,2,1", &a));
    cfg.arch = a;
    CHECK(fal_run(ctx, &cfg, &res) == FAL_EINVAL);
    fal_arch_free(a);
    CHECK_OK(fal_arch_uniform(ctx, 100, 1, &a));
    cfg.arch = a;
    cfg.algo = FAL_ALGO_GD;
    CHECK(fal_run(ctx, &cfg, &res) == FAL_EINVAL);
    cfg.algo = FAL_ALGO_DEFAULT;
    const int bad[2][2] = { { 0, 1 }, { 1, 2 } };
    fal_table *t = table_of(ctx, bad, 2);
    cfg.data = t;
    CHECK(fal_run(ctx, &cfg, &res) == FAL_EINVAL);
    CHECK(strstr(fal_ctx_message(ctx), "row 2 column 2") != NULL);
    fal_table_free(t);
    fal_arch_free(a);
    cfg.data = NULL;
    CHECK_OK(fal_arch_uniform(ctx, 1000000000, 1, &a));
    cfg.arch = a;
    fal_ctx_set_mem_limit(ctx, 1 << 20);
    CHECK(fal_run(ctx, &cfg, &res) == FAL_ENOMEM);
    CHECK(fal_ctx_mem_peak(ctx) < (1 << 20));
    fal_ctx_set_mem_limit(ctx, 0);
    fal_arch_free(a);
}

/* The CLI: --json carries the closed forms. */
TEST(test_n1_cli_json)
{
    char out[4096];
    int rc = test_cli("run bool-chain --depth 100000 --seed 5 --json", out, sizeof out);
    CHECK(rc == 0);
    CHECK(strstr(out, "\"log2_classes\":1,") != NULL);
    CHECK(strstr(out, "\"params\":100000,") != NULL);
    CHECK(strstr(out, "\"log2_settings_per_class\":99999") != NULL);
    CHECK(strstr(out, "\"test_error\":0,") != NULL);
    rc = test_cli("run bool-chain --depth 10 --algo gd", out, sizeof out);
    CHECK(rc == 2);
}

/* Every allocation of a run (default architecture included) refused in
 * turn: FAL_ENOMEM with nothing left allocated, until the run succeeds. */
TEST(test_n1_n5_allocation_failures_leave_nothing)
{
    test_failing f = { 0, 0 };
    fal_allocator al = test_failing_allocator(&f);
    fal_ctx *ctx;
    if (!CHECK(fal_ctx_new(&ctx, &al) == FAL_OK)) return;
    const char *fams[2] = { "bool-chain", "threshold-chain" };
    for (int fi = 0; fi < 2; fi++) {
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find(fams[fi]);
        long n;
        for (n = 1; n < 100; n++) {
            f.count = 0;
            f.fail_at = n;
            fal_result res;
            fal_status st = fal_run(ctx, &cfg, &res);
            f.fail_at = 0;
            if (st == FAL_OK) {
                fal_result_clear(&res);
                break;
            }
            CHECK_MSG(st == FAL_ENOMEM, "%s, allocation %ld refused: %s", fams[fi], n, fal_errstr(st));
            CHECK_MSG(fal_ctx_mem_in_use(ctx) == 0, "%s, allocation %ld refused: %zu bytes left", fams[fi], n,
                      fal_ctx_mem_in_use(ctx));
        }
        CHECK_MSG(n >= 4, "%s: only %ld allocations", fams[fi], n - 1);
        CHECK(fal_ctx_mem_in_use(ctx) == 0);
    }
    fal_ctx_free(ctx);
}
