/* linear.c -- L2, deep linear networks A(n0, h_1, ..., h_{L-1}, nL) with
 * every h_i >= min(n0, nL): y = W_L ... W_1 x = P x.
 *
 * The overall map P is all the data can see.  k = n0 inputs in general
 * position fix P (P = T X^-1); with fewer, the component of P on the unseen
 * directions keeps its starting value.  w = sum n_i n_{i-1} grows with L
 * while k stays n0.
 *
 * Teacher (generated data): n0 = nL: A = Q diag(lambda) Q^H with lambda
 * geometric from 0.5 to 2 and Q Haar-random (symmetric / Hermitian positive
 * definite, so GD from the identity provably converges); otherwise A is
 * Gaussian / sqrt(n0).  Training inputs: for k <= n0, k Gaussian vectors
 * orthonormalised and scaled to norm sqrt(n0) (in general position, and well
 * conditioned so that GD needs hundreds of steps, not millions); for k > n0,
 * plain Gaussian.  Test inputs: fresh Gaussian.  Start: near the identity,
 * W_i = E_i + 0.01/sqrt(max(n_i, n_{i-1})) G with E_i the rectangular
 * identity.  Feedback alignment: B_i drawn the same way, independently.
 *
 * With a bottleneck (some hidden width m < min(n0, nL)) the family is the
 * teacher-student version of L3: the teacher is a random rank-m map
 * A = G1 G2 / sqrt(m n0), the start random partial isometries, and the
 * optimum error 0 (the teacher is realisable, the data noise-free).  On
 * any data the optimum over maps of rank <= r (r the narrowest width) is
 * reduced-rank regression (Baldi & Hornik 1989; Izenman 1975): the
 * minimum-norm least-squares fit P_ls projected on the top-r left singular
 * vectors U_r of the fitted values P_ls X, P* = U_r U_r^H P_ls
 * (rrr_optimum; doc/linear.md).  How many examples a rank-m map needs is
 * measured by `fallacy classes`. */
#include <limits.h>
#include <math.h>
#include <string.h>
#include "nets.h"
#include "../core/linalg.h"
#include "../kern/kern.h"
#include "../train/deep_linear.h"

/* The linear teacher A (m x n); rank r when r > 0. */
static fal_status make_teacher(fal_ctx *ctx, fal_rng *r, fal_field f, size_t m, size_t n, size_t rank, double *A)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1;
    if (rank) {
        double *G1 = fal__alloc(ctx, (m + n) * rank * per * sizeof(double), "teacher factors");
        if (!G1) return FAL_ENOMEM;
        double *G2 = G1 + m * rank * per;
        fal__gauss_fill(r, f, G1, m * rank, 1.0);
        fal__gauss_fill(r, f, G2, rank * n, 1.0);
        fal__gemm(f, 0, 0, m, n, rank, 1.0 / sqrt((double)(rank * n)), G1, m, G2, rank, 0.0, A, m);
        fal__free(ctx, G1, (m + n) * rank * per * sizeof(double));
        return FAL_OK;
    }
    if (m != n) {
        fal__gauss_fill(r, f, A, m * n, 1.0 / sqrt((double)n));
        return FAL_OK;
    }
    double *Q = fal__alloc(ctx, n * n * per * sizeof(double), "teacher basis");
    if (!Q) return FAL_ENOMEM;
    fal_status st = fal__random_orthonormal(ctx, r, f, n, n, Q);
    if (st == FAL_OK) {
        /* A = sum_q lambda_q Q_q Q_q^H */
        memset(A, 0, n * n * per * sizeof(double));
        for (size_t q = 0; q < n; q++) {
            double lam = n > 1 ? 0.5 * pow(4.0, (double)q / (double)(n - 1)) : 1.0;
            const double *v = Q + q * n * per;
            fal__gemm(f, 0, 1, n, n, 1, lam, v, n, v, n, 1.0, A, n);
        }
    }
    fal__free(ctx, Q, n * n * per * sizeof(double));
    return st;
}

/* Inputs X (n x k): orthonormalised Gaussians scaled to norm sqrt(n) when
 * k <= n, plain Gaussians otherwise. */
static fal_status make_inputs(fal_ctx *ctx, fal_rng *r, fal_field f, size_t n, size_t k, int general, double *X)
{
    fal__gauss_fill(r, f, X, n * k, 1.0);
    if (!general || k > n) return FAL_OK;
    fal_status st = fal__orthonormalise(ctx, f, n, k, X);
    if (st != FAL_OK) return st;
    size_t per = f == FAL_COMPLEX ? 2 : 1;
    for (size_t j = 0; j < n * k * per; j++) X[j] *= sqrt((double)n);
    return FAL_OK;
}

static size_t smax(size_t a, size_t b) { return a > b ? a : b; }

/* Reduced-rank regression: P (nL x n0) holds the least-squares fit P_ls on
 * entry and P* = U_r U_r^H P_ls on return, U_r the top-r eigenvectors of
 * the fitted values' second moment P_ls (X X^H / k) P_ls^H, i.e. the top-r
 * left singular vectors of P_ls X.  Among maps of rank <= r, P* minimises
 * ||P X - T||_F: with T = P_ls X + R, R orthogonal to the rows of X,
 * ||P X - T||^2 = ||P X - P_ls X||^2 + ||R||^2 and the best rank-r
 * approximation of P_ls X (Eckart-Young) is U_r U_r^H P_ls X, reached by
 * P*, whose rank is <= r. */
static fal_status rrr_optimum(fal_ctx *ctx, fal_field f, size_t n0, size_t nL, size_t k, size_t r, const double *X,
                              double *P)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1, yl = nL * k * per, cl = nL * nL * per, zl = r * n0 * per;
    double *Y = fal__alloc(ctx, yl * sizeof(double), "fitted values");
    double *C = Y ? fal__alloc(ctx, cl * sizeof(double), "fitted second moment") : NULL;
    double *ev = C ? fal__alloc(ctx, nL * sizeof(double), "eigenvalues") : NULL;
    double *Z = ev ? fal__alloc(ctx, zl * sizeof(double), "projected fit") : NULL;
    fal_status st = Z ? FAL_OK : FAL_ENOMEM;
    if (st == FAL_OK) {
        fal__gemm(f, 0, 0, nL, k, n0, 1.0, P, nL, X, n0, 0.0, Y, nL);               /* Y = P_ls X */
        fal__gemm(f, 0, 1, nL, nL, k, 1.0 / (double)k, Y, nL, Y, nL, 0.0, C, nL); /* C = Y Y^H / k */
        st = fal__herm_eig(ctx, f, nL, C, ev);
    }
    if (st == FAL_OK) {
        const double *Ur = C + (nL - r) * nL * per;                     /* eigenvalues ascend: the last r */
        fal__gemm(f, 1, 0, r, n0, nL, 1.0, Ur, nL, P, nL, 0.0, Z, r);   /* Z = U_r^H P_ls */
        fal__gemm(f, 0, 0, nL, n0, r, 1.0, Ur, nL, Z, r, 0.0, P, nL);   /* P = U_r Z */
    }
    fal__free(ctx, Z, zl * sizeof(double));
    fal__free(ctx, ev, nL * sizeof(double));
    fal__free(ctx, C, cl * sizeof(double));
    fal__free(ctx, Y, yl * sizeof(double));
    return st;
}

/* Refuse, before allocating anything, what CBLAS/LAPACK cannot index (their
 * dimensions are 32-bit ints) and what the memory budget cannot hold: the
 * peak of the run is the examples, the teacher and the two maps, plus the
 * largest of what comes and goes (the teacher's factors, the least-squares
 * copies, the network with its product scratch and the error outputs). */
static fal_status linear_budget(fal_ctx *ctx, const fal_config *cfg, const fal_arch *arch, fal_field f, size_t k,
                                size_t ntest, size_t bott, fal_algo algo)
{
    uint64_t L = fal_arch_depth(arch);
    size_t n0 = fal_arch_width(arch, 0), nL = fal_arch_width(arch, L), nmax = 0;
    for (uint64_t i = 0; i <= (fal_arch_is_uniform(arch) ? 0 : L); i++) nmax = smax(nmax, fal_arch_width(arch, i));
    if (nmax > INT_MAX || k > INT_MAX || ntest > INT_MAX)
        return fal__fail(ctx, FAL_EINVAL, "linear: %s %zu exceeds the BLAS/LAPACK limit 2^31 - 1",
                         nmax > INT_MAX ? "width" : k > INT_MAX ? "--examples" : "--test",
                         nmax > INT_MAX ? nmax : k > INT_MAX ? k : ntest);
    /* in doubles */
    size_t per = f == FAL_COMPLEX ? 2 : 1, plen = fal__smul(fal__smul(nL, n0), per);
    size_t keep = fal__smul(fal__smul(fal__sadd(n0, nL), fal__sadd(k, ntest)), per); /* examples */
    if (!cfg->data) keep = fal__sadd(keep, plen);                      /* teacher */
    keep = fal__sadd(keep, fal__smul(plen, 2));                             /* P, P* */
    size_t tmp = cfg->data ? 0 : smax(plen, fal__smul(fal__smul(fal__sadd(n0, nL), bott), per));
    size_t lsq = fal__sadd(fal__smul(fal__sadd(fal__smul(k, n0), fal__smul(smax(k, n0), nL)), per), smax(1, k < n0 ? k : n0));
    tmp = smax(tmp, lsq);
    if (bott) /* reduced-rank regression: the fitted values, their second moment, U_r^H P_ls */
        tmp = smax(tmp, fal__sadd(fal__smul(fal__sadd(fal__sadd(fal__smul(nL, k), fal__smul(nL, nL)), fal__smul(bott, n0)), per), nL));
    size_t outs = fal__smul(fal__smul(nL, smax(k, ntest)), per); /* a map's outputs, for its error */
    size_t net = 0; /* bytes */
    if (algo != FAL_ALGO_EXACT) {
        /* the network on min(k, n0) (pseudo-)examples, plus the compression (fal__dlin_compress) */
        if (fal__dlin_bytes(ctx, arch, f, k > n0 ? n0 : k, algo == FAL_ALGO_FA, &net) != FAL_OK) net = SIZE_MAX;
        if (k > n0) net = fal__sadd(net, fal__dlin_compress_bytes(f, n0, nL, k, 0));
        outs = fal__sadd(outs, fal__smul(fal__smul(nmax, n0), 2 * per)); /* the product's scratch */
    }
    size_t d = sizeof(double), need = fal__sadd(fal__smul(keep, d), smax(fal__smul(tmp, d), fal__sadd(net, fal__smul(outs, d))));
    if (need == SIZE_MAX)
        return fal__fail(ctx, FAL_ENOMEM, "linear network needs more than 16 EiB (its size overflows 64 bits)");
    return fal__budget(ctx, need, "linear network");
}

fal_status fal__run_linear(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    fal_status st;
    const fal_arch *arch = cfg->arch;
    if (!arch) {
        st = fal_arch_uniform(ctx, 50, 16, &res->owned_arch);
        if (st != FAL_OK) return st;
        arch = res->owned_arch;
    }
    res->arch = arch;
    size_t L = (size_t)fal_arch_depth(arch), n0 = fal_arch_width(arch, 0), nL = fal_arch_width(arch, L);
    size_t mn = n0 < nL ? n0 : nL;
    size_t bott = fal_arch_min_hidden(arch) < mn ? fal_arch_min_hidden(arch) : 0;
    fal_field f;
    st = fal__data_field(ctx, cfg, &f);
    if (st != FAL_OK) return st;
    size_t per = f == FAL_COMPLEX ? 2 : 1, k, ntest;
    st = fal__example_counts(ctx, cfg, n0 + nL, n0, &k, &ntest);
    if (st != FAL_OK) return st;
    fal_algo algo = cfg->algo == FAL_ALGO_DEFAULT ? FAL_ALGO_NESTEROV : cfg->algo;
    st = linear_budget(ctx, cfg, arch, f, k, ntest, bott, algo);
    if (st != FAL_OK) return st;
    uint64_t w;
    st = fal_arch_linear_params(ctx, arch, &w);
    if (st != FAL_OK) return st;

    fal_rng rs[3];
    fal__streams(cfg->seed, rs, 3);
    fal_rng rdata = rs[0], rinit = rs[1], rtest = rs[2];

    fal__xy tr = { 0 }, te = { 0 };
    fal__dlin net = { 0 };
    size_t plen = nL * n0 * per;
    double *A = NULL, *P = NULL, *Ps = NULL;
    if (cfg->data) {
        st = fal__xy_from_table(ctx, cfg->data, n0, nL, 0, 0, k, &tr);
        if (st == FAL_OK) st = fal__xy_from_table(ctx, cfg->data, n0, nL, 0, k, ntest, &te);
    } else {
        st = fal__xy_alloc(ctx, f, n0, nL, k, 0, &tr);
        if (st == FAL_OK) st = fal__xy_alloc(ctx, f, n0, nL, ntest, 0, &te);
        if (st == FAL_OK && !(A = fal__alloc(ctx, plen * sizeof(double), "teacher"))) st = FAL_ENOMEM;
        if (st == FAL_OK) st = make_teacher(ctx, &rdata, f, nL, n0, bott, A);
        if (st == FAL_OK) st = make_inputs(ctx, &rdata, f, n0, k, 1, tr.x);
        if (st == FAL_OK) st = make_inputs(ctx, &rtest, f, n0, ntest, 0, te.x);
        if (st == FAL_OK) {
            fal__gemm(f, 0, 0, nL, k, n0, 1.0, A, nL, tr.x, n0, 0.0, tr.t, nL);
            fal__gemm(f, 0, 0, nL, ntest, n0, 1.0, A, nL, te.x, n0, 0.0, te.t, nL);
        }
    }
    if (st == FAL_OK && cfg->data) st = fal__xy_normalise(ctx, "linear", &tr, &te);
    if (st != FAL_OK) goto done;
    P = fal__alloc(ctx, plen * sizeof(double), "overall map");
    Ps = P ? fal__alloc(ctx, plen * sizeof(double), "optimum map") : NULL;
    if (!Ps) {
        st = FAL_ENOMEM;
        goto done;
    }
    /* the optimum: minimum-norm least squares, projected on the top-r
     * output directions of its fitted values with a bottleneck of width r */
    st = fal__lstsq(ctx, f, n0, nL, k, tr.x, tr.t, Ps);
    if (st == FAL_OK && bott) st = rrr_optimum(ctx, f, n0, nL, k, bott, tr.x, Ps);
    if (st != FAL_OK) goto done;
    double opt_err, train_err;
    st = fal__map_rel_err(ctx, f, Ps, nL, n0, tr.x, tr.t, k, &opt_err);
    if (st != FAL_OK) goto done;

    /* converged: fal__dlin_converged, the gap to the optimum relative to it */
    double tol = cfg->tol > 0 ? cfg->tol : FAL__DLIN_TOL;
    uint64_t steps = 0;
    const char *note = NULL;
    if (algo == FAL_ALGO_EXACT) {
        memcpy(P, Ps, plen * sizeof(double));
        train_err = opt_err;
    } else {
        res->tol = tol;
        /* k > n0: train on the compressed examples (fal__dlin_compress) */
        size_t kc = k > n0 ? n0 : k;
        double *Xc = tr.x, *Tc = tr.t, c0 = 0;
        if (k > n0) st = fal__dlin_compress(ctx, f, n0, nL, k, tr.x, tr.t, &Xc, &Tc, &c0);
        if (st == FAL_OK) st = fal__dlin_new(ctx, arch, f, kc, algo == FAL_ALGO_FA, &net);
        if (st == FAL_OK && bott) {
            st = fal__dlin_init_isometries(ctx, &net, net.w, &rinit);
            if (st == FAL_OK && net.b) st = fal__dlin_init_isometries(ctx, &net, net.b, &rinit);
        } else if (st == FAL_OK) {
            fal__dlin_init_near_identity(&net, net.w, &rinit);
            if (net.b) fal__dlin_init_near_identity(&net, net.b, &rinit);
        }
        if (st == FAL_OK)
            st = fal__dlin_fit(&net, Xc, Tc, kc, c0, opt_err, tol, cfg->lr, algo == FAL_ALGO_NESTEROV,
                               cfg->max_steps ? cfg->max_steps : 100000, &steps, &train_err, &note, res);
        if (k > n0) fal__dlin_compress_free(ctx, f, n0, nL, Xc, Tc);
        if (st != FAL_OK && st != FAL_ENOCONV) goto done;
        fal_status s1 = fal__dlin_product(&net, P);
        if (s1 != FAL_OK) {
            st = s1;
            goto done;
        }
    }
    double test_err = NAN;
    if (ntest) {
        fal_status s2 = fal__map_rel_err(ctx, f, P, nL, n0, te.x, te.t, ntest, &test_err);
        if (s2 != FAL_OK) {
            st = s2;
            goto done;
        }
    }
    res->params = w;
    res->examples = k;
    res->train_error = train_err;
    res->test_error = test_err;
    res->optimum_error = opt_err;
    res->converged = st == FAL_OK;
    res->steps = steps;
    res->note = note;
    res->algo = fal_algo_name(algo);
    fal__result_extra(res, "optimum_rel_dev", fal__mat_rel_dev(f, P, Ps, plen / per));
    fal__result_extra(res, "teacher_rel_dev", A ? fal__mat_rel_dev(f, P, A, plen / per) : NAN);
    if (bott) fal__result_extra(res, "bottleneck", (double)bott);
    {
        fal_status s3 = fal__keep_linear(ctx, cfg, res, &net, P, A, &tr, &te);
        if (s3 != FAL_OK) st = s3;
    }
done:
    fal__dlin_free(&net);
    fal__free(ctx, Ps, plen * sizeof(double));
    fal__free(ctx, P, plen * sizeof(double));
    fal__free(ctx, A, plen * sizeof(double));
    fal__xy_free(ctx, &te);
    fal__xy_free(ctx, &tr);
    return st;
}
