/* shallow.c -- I2, the contrast: shallow linear regression y = beta . x
 * with w features and w parameters, fitted by minimum-norm least squares.
 *
 * Teacher: beta ~ N(0, I/w) (so E y^2 = E||beta||^2 = 1), inputs
 * x ~ N(0, I_w), targets t = beta . x without noise.  The fit is the
 * minimum-norm beta_hat minimising sum_j (beta_hat . x_j - t_j)^2 (LAPACK:
 * QR/LQ for generated inputs, SVD for --data; see min_norm_fit).
 *
 * Why 1 - k/w.  With k <= w Gaussian inputs (linearly independent with
 * probability 1) the training set is fitted exactly by every beta_hat with
 * X^T beta_hat = X^T beta; the one of minimum norm is the orthogonal
 * projection of beta on S = span(x_1, ..., x_k), a uniformly random k-dim
 * subspace independent of beta.  For a fresh x ~ N(0, I),
 * E_x ((beta - beta_hat) . x)^2 = ||beta - beta_hat||^2 = ||P_perp beta||^2
 * and E_x (beta . x)^2 = ||beta||^2, so the population relative test error
 * is ||P_perp beta||^2 / ||beta||^2, whose expectation over S (isotropic
 * beta, or any fixed beta against a Haar subspace) is (w - k)/w = 1 - k/w.
 * For k >= w the inputs span R^w and beta_hat = beta up to rounding: the
 * error falls to the floor of double arithmetic.  The w parameters are one
 * class each (no symmetry): the data must pin all w numbers, k >= w.
 *
 * Figures: test_error on cfg->test fresh inputs, drawn and consumed one at
 * a time (no w x test matrix); population_test_error is the exact
 * ||beta - beta_hat||^2 / ||beta||^2, the expectation of test_error over
 * fresh inputs without the sampling noise of a finite test set;
 * fit_norm2_ratio = ||beta_hat||^2 / ||beta||^2 (a projection satisfies
 * fit_norm2_ratio + population_test_error = 1, Pythagoras).
 *
 * Streams: the teacher and the training inputs from the seed's stream,
 * the test inputs from a jumped one, so a run with more examples or more
 * test inputs keeps the same teacher. */
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include "nets.h"
#include "../core/linalg.h"

#define SHALLOW_DEFAULT_W 1000
#define SHALLOW_MAX_TEST_DRAWS ((size_t)1 << 32)

/* w: --features, or the input width of an A(w, 1) architecture, or the
 * --data columns minus the target, or the default. */
static fal_status shallow_width(fal_ctx *ctx, const fal_config *cfg, size_t *w)
{
    size_t from_arch = 0;
    if (cfg->arch) {
        if (fal_arch_depth(cfg->arch) != 1 || fal_arch_width(cfg->arch, 1) != 1)
            return fal__fail(ctx, FAL_EINVAL, "shallow: the architecture is A(w, 1) (--widths w,1); prefer --features w");
        from_arch = fal_arch_width(cfg->arch, 0);
    }
    if (cfg->features && from_arch && cfg->features != from_arch)
        return fal__fail(ctx, FAL_EINVAL, "shallow: --features %zu disagrees with --widths %zu,1", cfg->features,
                         from_arch);
    *w = cfg->features ? cfg->features : from_arch;
    if (!*w && cfg->data) {
        if (fal_table_cols(cfg->data) < 2)
            return fal__fail(ctx, FAL_EINVAL, "--data needs w >= 1 feature columns then 1 target column");
        *w = fal_table_cols(cfg->data) - 1;
    }
    if (!*w) *w = SHALLOW_DEFAULT_W;
    if (*w > (size_t)INT_MAX)
        return fal__fail(ctx, FAL_EINVAL, "shallow: w = %zu features exceeds the LAPACK limit %d", *w, INT_MAX);
    return FAL_OK;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* bhat = the minimum-norm minimiser of sum_j (bhat . x_j - t_j)^2, X (w x k).
 * Generated Gaussian inputs have full rank min(w, k) with probability 1, and
 * for full rank QR/LQ (dgels, trans 'T' on X as stored) gives that solution
 * at a third of the SVD's cost (0.04 s against 0.14 s at w = 1000,
 * k = 900).  An exactly singular factor (info > 0), and every --data set
 * (whose rank nobody promised), go to the SVD solver fal__lstsq, which
 * decides the rank itself. */
static fal_status min_norm_fit(fal_ctx *ctx, int full_rank, size_t w, size_t k, const double *X, const double *t,
                               double *bhat)
{
    if (full_rank) {
        size_t rows = k > w ? k : w, xlen = w * k;
        double *A = fal__alloc(ctx, xlen * sizeof(double), "QR copy of the inputs");
        double *B = A ? fal__calloc(ctx, rows, sizeof(double), "least-squares right side") : NULL;
        if (!B) {
            fal__free(ctx, A, xlen * sizeof(double));
            return FAL_ENOMEM;
        }
        memcpy(A, X, xlen * sizeof(double));
        memcpy(B, t, k * sizeof(double));
        lapack_int info = LAPACKE_dgels(LAPACK_COL_MAJOR, 'T', (lapack_int)w, (lapack_int)k, 1, A, (lapack_int)w, B,
                                        (lapack_int)rows);
        if (info == 0) memcpy(bhat, B, w * sizeof(double));
        fal__free(ctx, B, rows * sizeof(double));
        fal__free(ctx, A, xlen * sizeof(double));
        if (info < 0) return fal__fail(ctx, FAL_EINTERNAL, "shallow: QR least squares failed (LAPACK info %d)", (int)info);
        if (info == 0) return FAL_OK;
    }
    return fal__lstsq(ctx, FAL_REAL, w, 1, k, X, t, bhat);
}

/* Parameter export (doc/params.md): W1 = beta_hat^T (1 x w), the teacher's
 * beta^T, the rows x_SET (k x w), t_SET and pred_SET = x beta_hat, all in
 * the units of the user's table (--data was scaled by 2^-ex, 2^-et). */
static fal_status keep_params(fal_ctx *ctx, const fal_config *cfg, fal_result *res, size_t w, const double *bhat,
                              const double *beta, const fal__xy *tr, const double *tx, const double *tt, size_t ntest,
                              int ex, int et)
{
    fal_status st = fal__params_begin(ctx, cfg, res);
    if (st != FAL_OK) return st;
    fal_params *p = res->kept;
    st = fal_params_add(p, "W1", FAL_DT_F8, 2, 1, w, bhat);
    if (st == FAL_OK && beta) st = fal_params_add(p, "teacher", FAL_DT_F8, 2, 1, w, beta);
    size_t most = tr->k > ntest ? tr->k : ntest;
    double *y = fal__alloc(ctx, (most ? most : 1) * sizeof(double), "predictions");
    if (!y) return FAL_ENOMEM;
    for (int set = 0; set < 2 && st == FAL_OK; set++) {
        size_t n = set ? ntest : tr->k;
        const double *x = set ? tx : tr->x, *t = set ? tt : tr->t;
        if (set && !n) break;
        for (size_t j = 0; j < n; j++) y[j] = dot(bhat, x + j * w, w);
        st = fal_params_add(p, set ? "x_test" : "x_train", FAL_DT_F8, 2, n, w, x);
        if (st == FAL_OK) st = fal_params_add(p, set ? "t_test" : "t_train", FAL_DT_F8, 2, n, 1, t);
        if (st == FAL_OK) st = fal_params_add(p, set ? "pred_test" : "pred_train", FAL_DT_F8, 2, n, 1, y);
    }
    fal__free(ctx, y, (most ? most : 1) * sizeof(double));
    if (st == FAL_OK) {
        static const char *const xs[] = { "x_train", "x_test" };
        static const char *const ts[] = { "t_train", "t_test", "pred_train", "pred_test" };
        for (int i = 0; i < 2; i++) fal__params_scale2(p, xs[i], ex);
        for (int i = 0; i < 4; i++) fal__params_scale2(p, ts[i], et);
        fal__params_scale2(p, "W1", et - ex);
    }
    return st;
}

fal_status fal__run_shallow(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    fal_status st;
    size_t w = 0, k, ntest;
    st = shallow_width(ctx, cfg, &w);
    if (st != FAL_OK) return st;
    if (cfg->field != FAL_REAL || (cfg->data && fal_table_field(cfg->data) != FAL_REAL))
        return fal__fail(ctx, FAL_EINVAL, "shallow is real-valued (--field real, real --data)");
    if (cfg->algo != FAL_ALGO_DEFAULT && cfg->algo != FAL_ALGO_EXACT)
        return fal__fail(ctx, FAL_EINVAL, "shallow is solved by minimum-norm least squares: --algo exact only");
    if (cfg->data) {
        st = fal__split_sizes(ctx, cfg, w + 1, &k, &ntest);
        if (st != FAL_OK) return st;
    } else {
        k = cfg->examples_set ? cfg->examples : w;
        ntest = cfg->test;
        if (k == 0) return fal__fail(ctx, FAL_EINVAL, "no training examples (--examples 0)");
    }
    if (k > (size_t)INT_MAX)
        return fal__fail(ctx, FAL_EINVAL, "shallow: k = %zu examples exceeds the LAPACK limit %d", k, INT_MAX);
    /* The teacher's test inputs are drawn one at a time, so no memory budget
     * bounds their number; their cost, w Gaussian draws each (~40 ns a draw
     * here), is bounded instead: beyond the default 1000 inputs, 2^32 draws,
     * minutes, not years. */
    size_t draws;
    if (!cfg->data && ntest > 1000 && (fal__mul(ntest, w, &draws) || draws > SHALLOW_MAX_TEST_DRAWS))
        return fal__fail(ctx, FAL_EINVAL,
                         "shallow: --test %zu with w = %zu features is %.3g Gaussian draws; the limit is 2^32 "
                         "(fewer test inputs estimate the same error)", ntest, w, (double)ntest * (double)w);
    /* --save keeps the test rows, which the teacher otherwise draws one at a time */
    if (cfg->keep_params && (double)ntest * (double)(w + 2) > (double)FAL__PARAMS_MAX_VALUES)
        return fal__params_too_big(ctx, "shallow", "the test rows", (double)ntest * (double)(w + 2));
    st = fal_arch_from_widths(ctx, (size_t[]){ w, 1 }, 2, &res->owned_arch);
    if (st != FAL_OK) return st;
    res->arch = res->owned_arch;
    res->algo = fal_algo_name(FAL_ALGO_EXACT);

    /* budget: X (w x k) and the solver's copy of it, the targets and the
     * solver's right side, beta, beta_hat, one test input */
    size_t xlen, need, rows = k > w ? k : w;
    if (fal__mul(w, k, &xlen) || fal__mul(xlen, 2, &need) || fal__add(need, 2 * rows, &need) ||
        fal__add(need, 3 * w, &need) || fal__mul(need, sizeof(double), &need))
        return fal__fail(ctx, FAL_ENOMEM, "shallow needs more than 16 EiB (%zu x %zu inputs overflow 64 bits)", w, k);
    st = fal__budget(ctx, need, "shallow least squares");
    if (st != FAL_OK) return st;

    fal_rng rs[3];
    fal__streams(cfg->seed, rs, 3);
    fal_rng rdata = rs[0], rtest = rs[2];

    fal__xy tr = { 0 };
    double *beta = NULL, *bhat = NULL, *xt = NULL, *kx = NULL, *kt = NULL; /* kx, kt: --save's test rows */
    int teacher = !cfg->data;
    int ex = 0, et = 0; /* --data: inputs and targets scaled by 2^-ex and 2^-et (fal__xy_normalise) */
    if (cfg->data) {
        st = fal__xy_from_table(ctx, cfg->data, w, 1, 0, 0, k, &tr);
        if (st == FAL_OK) {
            /* the exponents over every row, train and test, as fal__xy_normalise */
            const double *v = fal_table_cdata(cfg->data);
            double ax = 0, at = 0, tr_t = 0;
            for (size_t j = 0; j < k + ntest; j++) {
                for (size_t i = 0; i < w; i++) ax = fmax(ax, fabs(v[j * (w + 1) + i]));
                at = fmax(at, fabs(v[j * (w + 1) + w]));
                if (j < k) tr_t = fmax(tr_t, fabs(v[j * (w + 1) + w]));
            }
            if (tr_t == 0)
                st = fal__fail(ctx, FAL_EINVAL, "--data: shallow: the training targets are all zero, so every "
                                                "relative error (divided by their energy) is undefined");
            if (ax > 0) frexp(ax, &ex);
            if (at > 0) frexp(at, &et);
            for (size_t q = 0; st == FAL_OK && q < xlen; q++) tr.x[q] = ldexp(tr.x[q], -ex);
            for (size_t j = 0; st == FAL_OK && j < k; j++) tr.t[j] = ldexp(tr.t[j], -et);
        }
    } else {
        /* not fal__xy_alloc: its zero fill of the w x k inputs costs as much
         * as drawing them */
        tr = (fal__xy){ .field = FAL_REAL, .n_in = w, .n_out = 1, .k = k, .t_owned = 1 };
        tr.x = fal__alloc(ctx, xlen * sizeof(double), "example inputs");
        tr.t = tr.x ? fal__alloc(ctx, k * sizeof(double), "example targets") : NULL;
        beta = tr.t ? fal__alloc(ctx, w * sizeof(double), "teacher coefficients") : NULL;
        if (!beta) st = FAL_ENOMEM;
        if (st == FAL_OK) {
            fal__gauss_fill(&rdata, FAL_REAL, beta, w, 1.0 / sqrt((double)w));
            fal__gauss_fill(&rdata, FAL_REAL, tr.x, xlen, 1.0);
            for (size_t j = 0; j < k; j++) tr.t[j] = dot(beta, tr.x + j * w, w);
        }
    }
    if (st != FAL_OK) goto done;
    bhat = fal__alloc(ctx, w * sizeof(double), "fitted coefficients");
    xt = bhat ? fal__alloc(ctx, w * sizeof(double), "test input") : NULL;
    if (xt && cfg->keep_params && ntest) {
        kx = fal__alloc(ctx, ntest * w * sizeof(double), "test rows");
        kt = kx ? fal__alloc(ctx, ntest * sizeof(double), "test targets") : NULL;
        if (!kt) {
            st = FAL_ENOMEM;
            goto done;
        }
    }
    if (!xt) {
        st = FAL_ENOMEM;
        goto done;
    }
    st = min_norm_fit(ctx, teacher, w, k, tr.x, tr.t, bhat);
    if (st != FAL_OK) goto done;

    double dtr = 0, ttr = 0;
    for (size_t j = 0; j < k; j++) {
        double e = dot(bhat, tr.x + j * w, w) - tr.t[j];
        dtr += e * e;
        ttr += tr.t[j] * tr.t[j];
    }
    double dte = 0, tte = 0;
    const double *tv = cfg->data ? fal_table_cdata(cfg->data) : NULL;
    for (size_t j = 0; j < ntest; j++) {
        double y;
        if (teacher) {
            fal__gauss_fill(&rtest, FAL_REAL, xt, w, 1.0);
            y = dot(beta, xt, w);
        } else {
            const double *row = tv + (k + j) * (w + 1);
            for (size_t i = 0; i < w; i++) xt[i] = ldexp(row[i], -ex);
            y = ldexp(row[w], -et);
        }
        double e = dot(bhat, xt, w) - y;
        if (kx) {
            memcpy(kx + j * w, xt, w * sizeof(double));
            kt[j] = y;
        }
        dte += e * e;
        tte += y * y;
    }

    res->params = w;
    res->examples = k;
    res->train_error = fal__rel_err(dtr, ttr);
    res->test_error = ntest ? fal__rel_err(dte, tte) : NAN;
    /* noise-free teacher: beta itself fits the training set exactly; with
     * --data the least-squares fit is the training optimum by construction */
    res->optimum_error = teacher ? 0.0 : res->train_error;
    res->log2_classes = NAN;  /* continuous: no finite class count */
    res->bits_provided = NAN; /* real-valued examples carry no finite bit count */
    res->converged = 1;
    res->steps = 0;
    double pred = NAN, pop = NAN, fitn = NAN;
    if (teacher) {
        pred = k < w ? 1.0 - (double)k / (double)w : 0.0;
        double bb = dot(beta, beta, w), dd = 0;
        for (size_t i = 0; i < w; i++) dd += (beta[i] - bhat[i]) * (beta[i] - bhat[i]);
        pop = fal__rel_err(dd, bb);
        fitn = bb > 0 ? dot(bhat, bhat, w) / bb : NAN;
    }
    fal__result_extra(res, "predicted_test_error", pred);
    fal__result_extra(res, "population_test_error", pop);
    fal__result_extra(res, "fit_norm2_ratio", fitn);
    st = FAL_OK;
    if (cfg->keep_params) st = keep_params(ctx, cfg, res, w, bhat, beta, &tr, kx, kt, ntest, ex, et);
done:
    fal__free(ctx, kt, ntest * sizeof(double));
    fal__free(ctx, kx, ntest * w * sizeof(double));
    fal__free(ctx, xt, w * sizeof(double));
    fal__free(ctx, bhat, w * sizeof(double));
    fal__free(ctx, beta, w * sizeof(double));
    fal__xy_free(ctx, &tr);
    return st;
}
