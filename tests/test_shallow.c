/* test_shallow.c -- I2, the shallow contrast: minimum-norm least squares
 * with w features needs k >= w examples; with k < w it leaves 1 - k/w. */
#include <string.h>
#include "test.h"

static fal_status shallow(size_t w, size_t k, size_t ntest, uint64_t seed, fal_result *res)
{
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("shallow");
    cfg.features = w;
    cfg.examples = k;
    cfg.examples_set = 1;
    cfg.test = ntest;
    cfg.seed = seed;
    return fal_run(test_ctx(), &cfg, res);
}

/* I2 (the claim and its closed form): for Gaussian inputs and an isotropic
 * teacher the minimum-norm fit is the projection of beta on the span of the
 * k inputs, E test error = 1 - k/w.  Averaged over 20 seeds at w = 1000 it
 * agrees within 10%, both on 200 fresh inputs and as the exact population
 * error ||beta - beta_hat||^2 / ||beta||^2; the training set is fitted
 * exactly, and the projection satisfies Pythagoras,
 * ||beta_hat||^2 + ||beta - beta_hat||^2 = ||beta||^2. */
TEST(test_i2_test_error_is_one_minus_k_over_w)
{
    const size_t w = 1000, ks[] = { 1, 100, 500, 900 };
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        double pred = 1.0 - (double)ks[i] / (double)w, sum = 0, sum_pop = 0;
        for (uint64_t seed = 1; seed <= 20; seed++) {
            fal_result res;
            fal_status st = shallow(w, ks[i], 200, seed, &res);
            CHECK_OK(st);
            if (st != FAL_OK) return;
            CHECK(res.params == w && res.examples == ks[i] && res.converged);
            CHECK_LT(res.train_error, 1e-20);
            CHECK(res.optimum_error == 0.0);
            CHECK(fal_result_extra(&res, "predicted_test_error") == pred);
            double pop = fal_result_extra(&res, "population_test_error");
            CHECK_NEAR(pop + fal_result_extra(&res, "fit_norm2_ratio"), 1.0, 1e-12);
            CHECK(isnan(res.log2_classes) && isnan(res.bits_provided));
            sum += res.test_error;
            sum_pop += pop;
            fal_result_clear(&res);
        }
        CHECK_NEAR(sum / 20, pred, 0.1 * pred);
        CHECK_NEAR(sum_pop / 20, pred, 0.1 * pred);
    }
}

/* I2: with k >= w inputs span R^w and the fit is the teacher up to double
 * rounding: relative error below 1e-20 (a missed direction would cost
 * ~1/w = 1e-3). */
TEST(test_i2_noise_floor_at_k_at_least_w)
{
    const size_t ks[] = { 1000, 1100 };
    for (size_t i = 0; i < 2; i++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            fal_result res;
            CHECK_OK(shallow(1000, ks[i], 200, seed, &res));
            CHECK_LT(res.test_error, 1e-20);
            CHECK_LT(fal_result_extra(&res, "population_test_error"), 1e-20);
            CHECK_LT(res.train_error, 1e-20);
            CHECK(fal_result_extra(&res, "predicted_test_error") == 0.0);
            fal_result_clear(&res);
        }
}

/* Solve the n x n system G z = b in place (Gaussian elimination with
 * partial pivoting): the test's own oracle, independent of LAPACK. */
static void solve(double *G, double *b, size_t n)
{
    for (size_t c = 0; c < n; c++) {
        size_t p = c;
        for (size_t r = c + 1; r < n; r++)
            if (fabs(G[r * n + c]) > fabs(G[p * n + c])) p = r;
        for (size_t j = 0; j < n; j++) {
            double t = G[c * n + j];
            G[c * n + j] = G[p * n + j];
            G[p * n + j] = t;
        }
        double t = b[c];
        b[c] = b[p];
        b[p] = t;
        for (size_t r = c + 1; r < n; r++) {
            double f = G[r * n + c] / G[c * n + c];
            for (size_t j = c; j < n; j++) G[r * n + j] -= f * G[c * n + j];
            b[r] -= f * b[c];
        }
    }
    for (size_t c = n; c-- > 0;) {
        for (size_t j = c + 1; j < n; j++) b[c] -= G[c * n + j] * b[j];
        b[c] /= G[c * n + c];
    }
}

/* The fit from --data against an oracle: k < w (arbitrary targets):
 * beta_hat = X (X^T X)^-1 t, the minimum-norm interpolant; k > w (noisy
 * targets): beta_hat = (X X^T)^-1 X t, the least-squares solution.  Train
 * and test errors agree with the oracle's to 1e-9 relative. */
TEST(test_i2_data_fit_matches_normal_equations_oracle)
{
    const size_t cases[2][3] = { { 6, 3, 5 }, { 3, 10, 7 } }; /* w, k, test rows */
    fal_ctx *ctx = test_ctx();
    for (int c = 0; c < 2; c++) {
        size_t w = cases[c][0], k = cases[c][1], nt = cases[c][2], rows = k + nt;
        fal_table *tab = NULL;
        CHECK_OK(fal_table_new(ctx, rows, w + 1, FAL_REAL, &tab));
        if (!tab) return;
        double *v = fal_table_data(tab);
        fal_rng r;
        fal_rng_seed(&r, 99 + (uint64_t)c);
        for (size_t i = 0; i < rows * (w + 1); i++) v[i] = fal_rng_normal(&r);
        /* oracle */
        double G[100] = { 0 }, b[10] = { 0 }, bhat[10] = { 0 };
        size_t n = k < w ? k : w;
        if (k < w) {
            for (size_t i = 0; i < k; i++) {
                for (size_t j = 0; j < k; j++)
                    for (size_t q = 0; q < w; q++) G[i * n + j] += v[i * (w + 1) + q] * v[j * (w + 1) + q];
                b[i] = v[i * (w + 1) + w];
            }
            solve(G, b, n);
            for (size_t q = 0; q < w; q++)
                for (size_t i = 0; i < k; i++) bhat[q] += v[i * (w + 1) + q] * b[i];
        } else {
            for (size_t i = 0; i < k; i++)
                for (size_t p = 0; p < w; p++) {
                    for (size_t q = 0; q < w; q++) G[p * n + q] += v[i * (w + 1) + p] * v[i * (w + 1) + q];
                    b[p] += v[i * (w + 1) + p] * v[i * (w + 1) + w];
                }
            solve(G, b, n);
            memcpy(bhat, b, w * sizeof(double));
        }
        double err[2] = { 0, 0 }, tt[2] = { 0, 0 };
        for (size_t i = 0; i < rows; i++) {
            double y = 0, t = v[i * (w + 1) + w];
            for (size_t q = 0; q < w; q++) y += bhat[q] * v[i * (w + 1) + q];
            err[i >= k] += (y - t) * (y - t);
            tt[i >= k] += t * t;
        }
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find("shallow");
        cfg.data = tab;
        cfg.examples = k;
        cfg.examples_set = 1;
        fal_result res;
        CHECK_OK(fal_run(ctx, &cfg, &res));
        CHECK(res.params == w && res.examples == k);
        if (k < w) CHECK_LT(res.train_error, 1e-24);
        else CHECK_NEAR(res.train_error, err[0] / tt[0], 1e-9 * err[0] / tt[0]);
        CHECK(res.optimum_error == res.train_error);
        CHECK_NEAR(res.test_error, err[1] / tt[1], 1e-9 * err[1] / tt[1]);
        CHECK(isnan(fal_result_extra(&res, "predicted_test_error")));
        fal_result_clear(&res);
        /* without --examples every row trains and there is no test error */
        cfg.examples_set = 0;
        CHECK_OK(fal_run(ctx, &cfg, &res));
        CHECK(res.examples == rows && isnan(res.test_error));
        fal_result_clear(&res);
        fal_table_free(tab);
    }
}

/* params = w, the closed form, against the parameter block the family
 * reports (A(w, 1), w weights) and the defaults k = w, w = 1000. */
TEST(test_i2_params_and_defaults)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("shallow");
    cfg.test = 10;
    fal_result res;
    CHECK_OK(fal_run(ctx, &cfg, &res));
    uint64_t wl = 0;
    CHECK_OK(fal_arch_linear_params(ctx, res.arch, &wl));
    CHECK(res.params == 1000 && wl == 1000 && res.examples == 1000);
    CHECK(fal_arch_depth(res.arch) == 1 && fal_arch_width(res.arch, 0) == 1000 && fal_arch_width(res.arch, 1) == 1);
    CHECK(strcmp(res.id, "I2") == 0 && strcmp(res.algo, "exact") == 0);
    fal_result_clear(&res);
    fal_arch *a = NULL;
    CHECK_OK(fal_arch_parse(ctx, "37,1", &a));
    cfg.arch = a;
    CHECK_OK(fal_run(ctx, &cfg, &res));
    CHECK(res.params == 37 && res.examples == 37);
    CHECK_LT(res.test_error, 1e-20);
    fal_result_clear(&res);
    fal_arch_free(a);
}

/* Same seed, same bytes; another seed, another teacher. */
TEST(test_i2_same_seed_same_bytes)
{
    fal_result a, b, c;
    CHECK_OK(shallow(64, 40, 50, 7, &a));
    CHECK_OK(shallow(64, 40, 50, 7, &b));
    CHECK_OK(shallow(64, 40, 50, 8, &c));
    CHECK(memcmp(&a.test_error, &b.test_error, sizeof(double)) == 0);
    CHECK(memcmp(&a.train_error, &b.train_error, sizeof(double)) == 0);
    CHECK(memcmp(a.extras, b.extras, sizeof a.extras) == 0);
    CHECK(a.test_error != c.test_error);
    fal_result_clear(&a);
    fal_result_clear(&b);
    fal_result_clear(&c);
}

/* Refusals, each with FAL_EINVAL: not least squares, complex, an
 * architecture that is not A(w, 1), --features disagreeing with --widths,
 * --data of the wrong width, 0 examples. */
TEST(test_i2_refuses_bad_configurations)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_result res;
    fal_arch *a = NULL, *b = NULL;
    fal_table *tab = NULL;
    CHECK_OK(fal_arch_parse(ctx, "5,2", &a));
    CHECK_OK(fal_arch_parse(ctx, "5,1", &b));
    CHECK_OK(fal_table_new(ctx, 10, 4, FAL_REAL, &tab));
    for (int i = 0; i < 7; i++) {
        fal_config_init(&cfg);
        cfg.family = fal_family_find("shallow");
        cfg.features = 8;
        cfg.test = 10;
        switch (i) {
        case 0: cfg.algo = FAL_ALGO_GD; break;
        case 1: cfg.algo = FAL_ALGO_FA; break;
        case 2: cfg.field = FAL_COMPLEX; break;
        case 3: cfg.features = 0; cfg.arch = a; break;
        case 4: cfg.arch = b; break;
        case 5: cfg.data = tab; break; /* 8 features need 9 columns */
        case 6: cfg.examples_set = 1; cfg.examples = 0; break;
        }
        fal_status st = fal_run(ctx, &cfg, &res);
        CHECK_MSG(st == FAL_EINVAL, "case %d: %s", i, fal_errstr(st));
        CHECK_MSG(fal_ctx_message(ctx)[0] != '\0', "case %d: no message", i);
    }
    fal_table_free(tab);
    fal_arch_free(a);
    fal_arch_free(b);
}

/* Memory: the budget refuses before allocating (w = 10^5, k = 10^5 need
 * 160 GB), and an allocator that fails at each successive allocation gives
 * FAL_ENOMEM with nothing left allocated, until the run succeeds. */
TEST(test_i2_memory_refusals_leave_nothing)
{
    fal_ctx *ctx = test_ctx();
    fal_result res;
    fal_ctx_set_mem_limit(ctx, (size_t)1 << 30);
    CHECK(shallow(100000, 100000, 10, 1, &res) == FAL_ENOMEM);
    CHECK(fal_ctx_mem_in_use(ctx) == 0);
    fal_ctx_set_mem_limit(ctx, 0);
    int done = 0;
    for (int n = 0; n < 64 && !done; n++) {
        test_failing f = { 0, 0 }; /* the context itself is not refused */
        fal_allocator al = test_failing_allocator(&f);
        fal_ctx *c2 = NULL;
        CHECK_OK(fal_ctx_new(&c2, &al));
        if (!c2) return;
        f.fail_at = n + 1; /* the run's allocation n (from 0) is refused */
        f.count = 0;
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find("shallow");
        cfg.features = 12;
        cfg.examples = 7;
        cfg.examples_set = 1;
        cfg.test = 5;
        fal_status st = fal_run(c2, &cfg, &res);
        if (st == FAL_OK) {
            done = 1;
            CHECK(n > 3); /* some allocation was refused before the run could succeed */
            fal_result_clear(&res);
        } else {
            CHECK_MSG(st == FAL_ENOMEM, "failing allocation %d: %s", n, fal_errstr(st));
        }
        CHECK_MSG(fal_ctx_mem_in_use(c2) == 0, "failing allocation %d leaked %zu bytes", n, fal_ctx_mem_in_use(c2));
        fal_ctx_free(c2);
    }
    CHECK(done);
}
