/* test_power_chain.c -- N2: the chain of power units u -> u^q. */
#include <string.h>
#include "test.h"
#include "../src/core/internal.h"
#include "../src/kern/power.h"

static double rel(double a, double b) { return b == 0 ? fabs(a) : fabs(a - b) / fabs(b); }

/* The network as built, written here without the library: h <- (w_i h)^q. */
static double brute_forward(const double *w, size_t L, unsigned q, double x)
{
    for (size_t i = 0; i < L; i++) x = pow(w[i] * x, (double)q);
    return x;
}

static double brute_loss(const double *w, size_t L, unsigned q, const double *x, const double *t, size_t k)
{
    double E = 0;
    for (size_t j = 0; j < k; j++) {
        double r = brute_forward(w, L, q, x[j]) - t[j];
        E += r * r;
    }
    return 0.5 * E / (double)k;
}

static fal_table *table_xy(fal_ctx *ctx, const double *x, const double *t, size_t n)
{
    fal_table *tab = NULL;
    if (fal_table_new(ctx, n, 2, FAL_REAL, &tab) != FAL_OK) return NULL;
    double *v = fal_table_data(tab);
    for (size_t i = 0; i < n; i++) {
        v[2 * i] = x[i];
        v[2 * i + 1] = t[i];
    }
    return tab;
}

static fal_status run_pc(fal_ctx *ctx, uint64_t L, unsigned q, fal_algo algo, uint64_t seed, const fal_table *data,
                         fal_result *res, fal_arch **arch)
{
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("power-chain");
    *arch = NULL;
    if (fal_arch_uniform(ctx, L, 1, arch) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = *arch;
    cfg.power = q;
    cfg.algo = algo;
    cfg.seed = seed;
    cfg.data = data;
    return fal_run(ctx, &cfg, res);
}

/* The exponents: y = P x^(q^L) with P = prod_i w_i^(q^(L-i+1)), checked on
 * random chains with L <= 5 against the network run unit by unit (the
 * paper's y = w_L^2 w_{L-1}^4 ... w_1^(2^L) x^(2^L) for q = 2); the library's
 * forward pass and log-domain product agree with both. */
TEST(test_n2_exponents_against_brute_force_forward)
{
    fal_rng r;
    fal_rng_seed(&r, 42);
    for (unsigned q = 2; q <= 4; q++)
        for (size_t L = 1; L <= 5; L++)
            for (int trial = 0; trial < 5; trial++) {
                double w[5], x;
                for (size_t i = 0; i < L; i++) {
                    w[i] = 0.8 + 0.4 * fal_rng_uniform(&r);
                    if (fal_rng_next(&r) >> 63) w[i] = -w[i];
                }
                x = (0.8 + 0.4 * fal_rng_uniform(&r)) * ((fal_rng_next(&r) >> 63) ? -1 : 1);
                double y = brute_forward(w, L, q, x);
                double P = 1, e = pow(q, (double)L);
                for (size_t i = 1; i <= L; i++) P *= pow(w[i - 1], pow(q, (double)(L - i + 1)));
                CHECK_LT(rel(P * pow(x, e), y), 1e-12);
                int s;
                double l = fal__power_ln_product(w, L, q, &s);
                CHECK_LT(rel(s * exp(l) * pow(x, e), y), 1e-12);
                CHECK_LT(rel(fal__power_forward(w, L, q, x, NULL), y), 1e-13);
                if (!(q & 1)) CHECK(s == 1); /* even q: P >= 0 whatever the signs */
            }
}

/* The backward pass against central differences of the loss computed here;
 * the guard refuses an all-zero gradient. */
TEST(test_n2_gradient_finite_differences)
{
    fal_rng r;
    fal_rng_seed(&r, 7);
    for (unsigned q = 2; q <= 3; q++)
        for (size_t L = 1; L <= 5; L++) {
            double w[5], x[3], t[3], g[5], h[6];
            for (size_t i = 0; i < L; i++) w[i] = (0.9 + 0.2 * fal_rng_uniform(&r)) * ((fal_rng_next(&r) >> 63) ? -1 : 1);
            for (int j = 0; j < 3; j++) {
                x[j] = (0.9 + 0.2 * fal_rng_uniform(&r)) * ((fal_rng_next(&r) >> 63) ? -1 : 1);
                t[j] = 2 * fal_rng_uniform(&r) - 1;
            }
            double E = fal__power_loss_grad(w, L, q, x, t, 3, g, h);
            CHECK_LT(rel(E, brute_loss(w, L, q, x, t, 3)), 1e-13);
            double norm = 0;
            for (size_t i = 0; i < L; i++) {
                double wp[5], wm[5], d = 1e-6;
                memcpy(wp, w, sizeof w);
                memcpy(wm, w, sizeof w);
                wp[i] += d;
                wm[i] -= d;
                double fd = (brute_loss(wp, L, q, x, t, 3) - brute_loss(wm, L, q, x, t, 3)) / (2 * d);
                norm += fd * fd;
                CHECK_NEAR(g[i], fd, 1e-5 * fmax(1, fabs(fd)));
            }
            CHECK_MSG(norm > 1e-6, "all-zero gradient: the check would pass vacuously");
        }
}

/* The closed form P* = alpha/beta, alpha = mean(t x^(q^L)), beta =
 * mean(x^(2 q^L)), computed here with x^(q^L) by repeated powering, for
 * noisy data with L <= 5: plain GD, the log-domain GD and the closed form
 * all reach it, and the errors are the optimum's. */
TEST(test_n2_closed_form_small_depth)
{
    fal_ctx *ctx = test_ctx();
    const double x[4] = { 1.2, 0.9, 1.1, -1.05 }, t[4] = { 3.1, 0.6, 2.0, 1.4 };
    fal_table *tab = table_xy(ctx, x, t, 4);
    const fal_algo algos[3] = { FAL_ALGO_GD, FAL_ALGO_DEFAULT, FAL_ALGO_EXACT };
    for (unsigned q = 2; q <= 3; q++)
        for (size_t L = 1; L <= 5; L++) {
            double a = 0, b = 0, tt = 0, d = 0, Z[4];
            for (int j = 0; j < 4; j++) {
                Z[j] = x[j];
                for (size_t i = 0; i < L; i++) Z[j] = pow(Z[j], q);
                a += t[j] * Z[j] / 4;
                b += Z[j] * Z[j] / 4;
                tt += t[j] * t[j];
            }
            double Ps = a / b;
            for (int j = 0; j < 4; j++) d += (Ps * Z[j] - t[j]) * (Ps * Z[j] - t[j]);
            for (int m = 0; m < 3; m++)
                for (uint64_t seed = 1; seed <= 3; seed++) {
                    fal_result res;
                    fal_arch *arch;
                    fal_status st = run_pc(ctx, L, q, algos[m], seed, tab, &res, &arch);
                    CHECK_MSG(st == FAL_OK, "q %u L %zu algo %d seed %llu: %s / %s", q, L, m,
                              (unsigned long long)seed, fal_errstr(st), res.note ? res.note : "");
                    CHECK_LT(rel(fal_result_extra(&res, "optimum_product"), Ps), 1e-12);
                    CHECK_LT(rel(fal_result_extra(&res, "product"), Ps), 1e-10);
                    CHECK_LT(rel(res.optimum_error, d / tt), 1e-10);
                    CHECK_LT(rel(res.train_error, d / tt), 1e-10);
                    CHECK(fal_result_extra(&res, "optimum_at_zero") == 0);
                    CHECK(isnan(res.test_error) && res.params == L);
                    fal_result_clear(&res);
                    fal_arch_free(arch);
                }
        }
    fal_table_free(tab);
}

/* Claim N2 at depth: L = 64 (q^L = 2^64 or 3^64: x^(q^L) overflows every
 * double for x in (0.5, 2)), one example, the teacher t = c x^(q^L): the
 * relative test error on 1000 fresh inputs is below 1e-12, and it is
 * (P/c - 1)^2 (the common factor x^(q^L) cancels).  Odd q reaches
 * negative teachers. */
TEST(test_n2_depth_64_one_example)
{
    fal_ctx *ctx = test_ctx();
    int negatives = 0;
    for (unsigned q = 2; q <= 3; q++)
        for (uint64_t seed = 1; seed <= 6; seed++) {
            fal_result res;
            fal_arch *arch;
            fal_status st = run_pc(ctx, 64, q, FAL_ALGO_DEFAULT, seed, NULL, &res, &arch);
            CHECK_MSG(st == FAL_OK, "q %u seed %llu: %s", q, (unsigned long long)seed, fal_errstr(st));
            double P = fal_result_extra(&res, "product"), c = fal_result_extra(&res, "teacher");
            CHECK_LT(res.test_error, 1e-12);
            CHECK_LT(rel(P, c), 1e-13);
            CHECK_NEAR(res.test_error, (P / c - 1) * (P / c - 1), 1e-27);
            CHECK(res.examples == 1 && res.params == 64);
            CHECK_NEAR(fal_result_extra(&res, "log2_exponent"), 64 * log2(q), 1e-12);
            if (q == 2) CHECK(c > 0);
            if (c < 0) {
                negatives++;
                CHECK(P < 0);
            }
            fal_result_clear(&res);
            fal_arch_free(arch);
        }
    CHECK_MSG(negatives > 0, "no negative teacher for q = 3: the odd case was not exercised");
}

/* The ends of the supported range: q^L = 2^960 (q = 2, L = 960) and q = 3,
 * L = 605 still give test error below 1e-12; one layer more is refused. */
TEST(test_n2_range_limits)
{
    fal_ctx *ctx = test_ctx();
    const uint64_t Ls[2] = { 960, 605 };
    for (unsigned q = 2; q <= 3; q++) {
        fal_result res;
        fal_arch *arch;
        CHECK_OK(run_pc(ctx, Ls[q - 2], q, FAL_ALGO_DEFAULT, 11, NULL, &res, &arch));
        CHECK_LT(res.test_error, 1e-12);
        fal_result_clear(&res);
        fal_arch_free(arch);
        CHECK(run_pc(ctx, Ls[q - 2] + 1, q, FAL_ALGO_DEFAULT, 11, NULL, &res, &arch) == FAL_ERANGE);
        fal_arch_free(arch);
    }
}

/* Even q with alpha < 0: every reachable P is >= 0 and the optimum is
 * P* = 0, reached with one weight exactly at 0 by each algorithm; then
 * y = 0 and the error is sum t^2 / sum t^2 = 1. */
TEST(test_n2_even_q_negative_alpha_weight_at_zero)
{
    fal_ctx *ctx = test_ctx();
    const double x[3] = { 1.2, 0.9, 1.1 }, t[3] = { -0.5, 0.3, -2.0 };
    fal_table *tab = table_xy(ctx, x, t, 3);
    const fal_algo algos[3] = { FAL_ALGO_GD, FAL_ALGO_DEFAULT, FAL_ALGO_EXACT };
    for (unsigned q = 2; q <= 4; q += 2)
        for (size_t L = 1; L <= 4; L++) {
            double a = 0;
            for (int j = 0; j < 3; j++) a += t[j] * pow(x[j], pow(q, (double)L));
            CHECK(a < 0);
            for (int m = 0; m < 3; m++)
                for (uint64_t seed = 1; seed <= 3; seed++) {
                    fal_result res;
                    fal_arch *arch;
                    fal_status st = run_pc(ctx, L, q, algos[m], seed, tab, &res, &arch);
                    CHECK_MSG(st == FAL_OK, "q %u L %zu algo %d: %s", q, L, m, res.note ? res.note : "");
                    CHECK(fal_result_extra(&res, "optimum_at_zero") == 1);
                    CHECK(fal_result_extra(&res, "product") == 0);
                    CHECK(fal_result_extra(&res, "optimum_product") == 0);
                    CHECK(fal_result_extra(&res, "zero_weights") == 1);
                    CHECK_NEAR(res.train_error, 1.0, 1e-15);
                    CHECK_NEAR(res.optimum_error, 1.0, 1e-15);
                    fal_result_clear(&res);
                    fal_arch_free(arch);
                }
        }
    fal_table_free(tab);
}

/* Odd q on the same data: P* = alpha/beta < 0 is reachable (a negative
 * weight) and reached. */
TEST(test_n2_odd_q_negative_product)
{
    fal_ctx *ctx = test_ctx();
    const double x[3] = { 1.2, 0.9, 1.1 }, t[3] = { -0.5, 0.3, -2.0 };
    fal_table *tab = table_xy(ctx, x, t, 3);
    for (size_t L = 1; L <= 4; L++) {
        double a = 0, b = 0, e = pow(3, (double)L);
        for (int j = 0; j < 3; j++) {
            a += t[j] * pow(x[j], e);
            b += pow(x[j], 2 * e);
        }
        for (int m = 0; m < 2; m++) {
            fal_result res;
            fal_arch *arch;
            CHECK_OK(run_pc(ctx, L, 3, m ? FAL_ALGO_GD : FAL_ALGO_DEFAULT, 5, tab, &res, &arch));
            double P = fal_result_extra(&res, "product");
            CHECK(a / b < 0 && P < 0);
            CHECK_LT(rel(P, a / b), 1e-10);
            CHECK(fal_result_extra(&res, "optimum_at_zero") == 0);
            CHECK((uint64_t)fal_result_extra(&res, "negative_weights") % 2 == 1);
            fal_result_clear(&res);
            fal_arch_free(arch);
        }
    }
    fal_table_free(tab);
}

/* --init signs with odd q: a start on the far side of the P = 0 saddle is
 * reported as not converged, never as a success. */
TEST(test_n2_far_side_reported)
{
    fal_ctx *ctx = test_ctx();
    int far = 0;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        fal_arch *arch = NULL;
        CHECK_OK(fal_arch_uniform(ctx, 20, 1, &arch));
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find("power-chain");
        cfg.arch = arch;
        cfg.power = 3;
        cfg.seed = seed;
        cfg.init = FAL_INIT_SIGNS;
        fal_result res;
        fal_status st = fal_run(ctx, &cfg, &res);
        if (st == FAL_OK) {
            CHECK_LT(res.test_error, 1e-12);
        } else {
            CHECK(st == FAL_ENOCONV && res.note && !res.converged);
            far++;
        }
        fal_result_clear(&res);
        fal_arch_free(arch);
    }
    CHECK_MSG(far > 0, "no far-side start in 8 seeds");
}

/* Refusals: q < 2, --algo fa, --lr without gd, plain GD where x^(2 q^L)
 * overflows, --data where ln|x^(q^L)| is too coarse; nothing left allocated. */
TEST(test_n2_refusals)
{
    fal_ctx *ctx = test_ctx();
    fal_arch *arch = NULL;
    CHECK_OK(fal_arch_uniform(ctx, 64, 1, &arch));
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("power-chain");
    cfg.arch = arch;
    fal_result res;
    cfg.power = 1;
    CHECK(fal_run(ctx, &cfg, &res) == FAL_EINVAL);
    cfg.power = 2;
    cfg.algo = FAL_ALGO_FA;
    CHECK(fal_run(ctx, &cfg, &res) == FAL_EINVAL);
    cfg.algo = FAL_ALGO_DEFAULT;
    cfg.lr = 0.1;
    CHECK(fal_run(ctx, &cfg, &res) == FAL_EINVAL);
    cfg.lr = 0;
    cfg.algo = FAL_ALGO_GD;
    CHECK(fal_run(ctx, &cfg, &res) == FAL_ERANGE);
    cfg.algo = FAL_ALGO_DEFAULT;
    const double x[1] = { 1.2 }, t[1] = { 1.0 };
    fal_table *tab = table_xy(ctx, x, t, 1);
    cfg.data = tab;
    CHECK(fal_run(ctx, &cfg, &res) == FAL_ERANGE);
    fal_table_free(tab);
    fal_arch_free(arch);
    CHECK(fal_ctx_mem_in_use(ctx) == 0);
}

/* Same seed, same bytes. */
TEST(test_n2_same_seed_same_bytes)
{
    fal_ctx *ctx = test_ctx();
    fal_result r1, r2;
    fal_arch *a1, *a2;
    CHECK_OK(run_pc(ctx, 64, 3, FAL_ALGO_DEFAULT, 3, NULL, &r1, &a1));
    CHECK_OK(run_pc(ctx, 64, 3, FAL_ALGO_DEFAULT, 3, NULL, &r2, &a2));
    CHECK(memcmp(&r1.test_error, &r2.test_error, sizeof(double)) == 0);
    for (int i = 0; i < r1.nextras; i++) CHECK(memcmp(&r1.extras[i].value, &r2.extras[i].value, sizeof(double)) == 0);
    fal_result_clear(&r1);
    fal_result_clear(&r2);
    fal_arch_free(a1);
    fal_arch_free(a2);
}

/* Every allocation of a run refused in turn, for the log-domain and the
 * plain algorithms: FAL_ENOMEM with nothing left allocated. */
TEST(test_n2_allocation_failures_leave_nothing)
{
    test_failing f = { 0, 0 };
    fal_allocator al = test_failing_allocator(&f);
    fal_ctx *ctx;
    if (!CHECK(fal_ctx_new(&ctx, &al) == FAL_OK)) return;
    for (int m = 0; m < 2; m++) {
        fal_arch *arch = NULL;
        CHECK_OK(fal_arch_uniform(ctx, m ? 3 : 64, 1, &arch));
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find("power-chain");
        cfg.arch = arch;
        cfg.algo = m ? FAL_ALGO_GD : FAL_ALGO_DEFAULT;
        size_t base = fal_ctx_mem_in_use(ctx);
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
            CHECK_MSG(st == FAL_ENOMEM, "allocation %ld refused: %s", n, fal_errstr(st));
            CHECK_MSG(fal_ctx_mem_in_use(ctx) == base, "allocation %ld refused: %zu bytes left", n,
                      fal_ctx_mem_in_use(ctx) - base);
        }
        CHECK_MSG(n >= 6, "only %ld allocations", n - 1);
        fal_arch_free(arch);
        CHECK(fal_ctx_mem_in_use(ctx) == 0);
    }
    fal_ctx_free(ctx);
}
