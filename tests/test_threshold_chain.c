/* test_threshold_chain.c -- N5: the chain of threshold units without bias. */
#include <string.h>
#include "test.h"
#include "../src/core/internal.h"
#include "../src/kern/bits.h"

static fal_status run_tc(fal_ctx *ctx, uint64_t L, fal_units units, uint64_t seed, const fal_table *data, size_t k,
                         fal_result *res, fal_arch **arch)
{
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("threshold-chain");
    *arch = NULL;
    if (fal_arch_uniform(ctx, L, 1, arch) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = *arch;
    cfg.units = units;
    cfg.seed = seed;
    cfg.data = data;
    if (k) {
        cfg.examples = k;
        cfg.examples_set = 1;
    }
    fal_ctx_set_threads(ctx, 2);
    return fal_run(ctx, &cfg, res);
}

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

/* Claim N5: from a random start, one example fixes the function, the
 * identity or the negation, for both unit conventions and up to L = 10^6;
 * the function is the parity of the negative weights. */
TEST(test_n5_one_example_fixes_function)
{
    fal_ctx *ctx = test_ctx();
    const uint64_t Ls[] = { 1, 2, 63, 64, 65, 1000, 1000000 };
    for (int u = 0; u < 2; u++) {
        int teachers[2] = { 0, 0 };
        for (size_t d = 0; d < sizeof Ls / sizeof Ls[0]; d++)
            for (uint64_t seed = 1; seed <= 5; seed++) {
                fal_result res;
                fal_arch *a;
                fal_status st = run_tc(ctx, Ls[d], u ? FAL_UNITS_HEAVISIDE : FAL_UNITS_SIGN, seed, NULL, 0, &res, &a);
                CHECK_MSG(st == FAL_OK, "L %llu: %s", (unsigned long long)Ls[d], fal_ctx_message(ctx));
                double tau = fal_result_extra(&res, "teacher");
                teachers[tau != 0]++;
                CHECK(res.train_error == 0 && res.test_error == 0);
                CHECK(fal_result_extra(&res, "unseen_error") == 0);
                CHECK((uint64_t)fal_result_extra(&res, "negative_weights") % 2 == (uint64_t)tau);
                CHECK(res.steps == (uint64_t)(fal_result_extra(&res, "start_parity") != tau));
                CHECK(res.params == Ls[d] && res.log2_classes == 1);
                CHECK(fal_result_extra(&res, "heaviside") == u);
                CHECK(fal_result_extra(&res, "param_bytes") == (double)(8 * ((Ls[d] + 63) / 64)));
                fal_result_clear(&res);
                fal_arch_free(a);
            }
        CHECK_MSG(teachers[0] && teachers[1], "one teacher only");
    }
}

/* Both teachers set through --data, in each convention's values: sign
 * (-1/+1) and heaviside (0/1). */
TEST(test_n5_both_teachers_from_data)
{
    fal_ctx *ctx = test_ctx();
    for (int u = 0; u < 2; u++)
        for (int neg = 0; neg <= 1; neg++)
            for (int x = 0; x <= 1; x++) {
                int lo = u ? 0 : -1; /* the value of bit 0 */
                int xv = x ? 1 : lo, tv = (x ^ neg) ? 1 : lo, nv = neg ? 1 : lo, pv = neg ? lo : 1;
                int rows[3][2] = { { xv, tv }, { lo, nv }, { 1, pv } };
                fal_table *t = table_of(ctx, (const int (*)[2])rows, 3);
                fal_result res;
                fal_arch *a;
                CHECK_OK(run_tc(ctx, 100001, u ? FAL_UNITS_HEAVISIDE : FAL_UNITS_SIGN, 9, t, 1, &res, &a));
                CHECK(res.train_error == 0 && res.test_error == 0);
                CHECK(fal_result_extra(&res, "parity") == neg);
                fal_result_clear(&res);
                fal_arch_free(a);
                fal_table_free(t);
            }
}

/* The paper's claim by brute force, unit by unit in integers: for the sign
 * units and for the 0/1 units with the threshold tied to the weight,
 * every setting of L <= 10 weights computes x -> x XOR (parity of the
 * negative weights) (in bits: +1 and 1 are bit 1), so 2^(L-1) settings give
 * each function. */
TEST(test_n5_brute_force_parity_of_negative_weights)
{
    for (int c = 0; c < 2; c++) {
        fal__thr_conv conv = c ? FAL__THR_HALF : FAL__THR_SIGN;
        int lo = c ? 0 : -1;
        for (uint64_t L = 1; L <= 10; L++) {
            uint64_t neg_count = 0;
            for (uint64_t s = 0; s < ((uint64_t)1 << L); s++) {
                uint64_t w = s;
                int p = __builtin_popcountll(s) & 1;
                int y0 = fal__thr_chain_ref(&w, L, lo, conv), y1 = fal__thr_chain_ref(&w, L, 1, conv);
                CHECK(y0 == (p ? 1 : lo) && y1 == (p ? lo : 1));
                neg_count += (uint64_t)p;
            }
            CHECK(neg_count == ((uint64_t)1 << (L - 1)));
        }
    }
}

/* The finding on 0/1 units without bias, H(w h): at h = 0 a unit outputs
 * H(0) whatever its weight.  Enumerated against the closed forms:
 *   H(0) = 0: identity for the all-positive setting only, constant 0 for the
 *             2^L - 1 others, never the negation;
 *   H(0) = 1: the all-negative setting gives NOT^L (identity for even L),
 *             any other gives a constant: with j the last positive weight
 *             (2^(j-1) settings), the constant 1 when L - j is even. */
TEST(test_n5_heaviside_without_bias_is_not_parity)
{
    for (uint64_t L = 1; L <= 10; L++) {
        uint64_t f0[4] = { 0 }, f1[4] = { 0 }; /* by function: id, not, const0, const1 */
        for (uint64_t s = 0; s < ((uint64_t)1 << L); s++) {
            uint64_t w = s;
            for (int c = 0; c < 2; c++) {
                fal__thr_conv conv = c ? FAL__THR_H0_ONE : FAL__THR_H0_ZERO;
                int y0 = fal__thr_chain_ref(&w, L, 0, conv), y1 = fal__thr_chain_ref(&w, L, 1, conv);
                int f = (y0 == 0 && y1 == 1) ? 0 : (y0 == 1 && y1 == 0) ? 1 : y0 == 0 ? 2 : 3;
                (c ? f1 : f0)[f]++;
            }
        }
        uint64_t all = (uint64_t)1 << L;
        CHECK(f0[0] == 1 && f0[1] == 0 && f0[2] == all - 1 && f0[3] == 0);
        uint64_t c1 = 0, c0 = 0;
        for (uint64_t j = 1; j <= L; j++) {
            if ((L - j) % 2 == 0) c1 += (uint64_t)1 << (j - 1);
            else c0 += (uint64_t)1 << (j - 1);
        }
        CHECK(f1[0] == (L % 2 == 0) && f1[1] == (L % 2 == 1));
        CHECK_MSG(f1[3] == c1 && f1[2] == c0, "L %llu: const1 %llu (closed form %llu), const0 %llu (%llu)",
                  (unsigned long long)L, (unsigned long long)f1[3], (unsigned long long)c1,
                  (unsigned long long)f1[2], (unsigned long long)c0);
    }
}

/* Values outside the convention are refused, naming row and column. */
TEST(test_n5_data_values_by_convention)
{
    fal_ctx *ctx = test_ctx();
    const int rows[2][2] = { { -1, 1 }, { 1, -1 } };
    fal_table *t = table_of(ctx, rows, 2);
    fal_result res;
    fal_arch *a;
    CHECK_OK(run_tc(ctx, 10, FAL_UNITS_SIGN, 1, t, 0, &res, &a));
    CHECK(fal_result_extra(&res, "parity") == 1);
    fal_result_clear(&res);
    fal_arch_free(a);
    CHECK(run_tc(ctx, 10, FAL_UNITS_HEAVISIDE, 1, t, 0, &res, &a) == FAL_EINVAL);
    CHECK(strstr(fal_ctx_message(ctx), "row 1 column 1") != NULL);
    fal_arch_free(a);
    fal_table_free(t);
}

TEST(test_n5_cli_units)
{
    char out[4096];
    CHECK(test_cli("run threshold-chain --depth 1000000 --units heaviside --seed 3 --json", out, sizeof out) == 0);
    CHECK(strstr(out, "\"heaviside\":1") != NULL && strstr(out, "\"test_error\":0,") != NULL);
    CHECK(test_cli("run threshold-chain --depth 5 --algo exact", out, sizeof out) == 2);
}
