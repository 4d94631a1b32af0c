/* linear_ae.c -- L3 and L4, linear autoencoders A(n, h.., m, ..h, n) with
 * bottleneck m < n, over R (L3) or C (L4, --field complex).
 *
 * The optimum of sum ||x - P x||^2 over maps P of rank <= m is the
 * orthogonal projection U_m U_m^H onto the top-m eigenvectors of the
 * uncentred second moment C = (1/k) sum x x^H (no biases); there are no
 * spurious local minima (Baldi & Hornik 1989; Baldi & Lu 2012 for C^n).
 * P = A B = (A C)(C^-1 B) for every invertible C on the hidden layer, so a
 * class is a manifold; the data only pick the subspace.  If the data lie in
 * an m-dim subspace, m independent examples span it and fix the optimum
 * for every point of that subspace.
 *
 * Teacher (generated data): x = U z, U a Haar-random n x D orthonormal
 * basis (D = --subspace, default m), z with independent N(0, lambda_q)
 * coordinates, lambda_q = 0.7^q, so that the top-m eigenspace is well
 * separated.  D >= n gives generic full-rank data.  Start: every layer a
 * random partial isometry (orthonormal rows or columns), the decoder side
 * the mirror image (transpose) of the encoder when the widths are
 * symmetric, so that P starts as a projection on a random m-dim subspace
 * (balanced start).  Feedback alignment: B_i independent partial isometries. */
#include <limits.h>
#include <math.h>
#include <string.h>
#include "nets.h"
#include "../core/linalg.h"
#include "../kern/kern.h"
#include "../train/deep_linear.h"

/* X (n x k) = U z with z_q ~ N(0, 0.7^q). */
static void subspace_data(fal_rng *r, fal_field f, const double *U, size_t n, size_t D, size_t k, double *X,
                          double *z)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1;
    for (size_t j = 0; j < k; j++) {
        fal__gauss_fill(r, f, z, D, 1.0);
        for (size_t q = 0; q < D; q++) {
            double s = pow(0.7, 0.5 * (double)q);
            z[q * per] *= s;
            if (per == 2) z[q * per + 1] *= s;
        }
        fal__gemm(f, 0, 0, n, 1, D, 1.0, U, n, z, D, 0.0, X + j * n * per, n);
    }
}

/* The optimum: P* = U_m U_m^H from the top-m eigenvectors of X X^H / k;
 * also returns those eigenvectors (n x m) in Um. */
static fal_status pca_projection(fal_ctx *ctx, fal_field f, const double *X, size_t n, size_t k, size_t m,
                                 double *Ps, double *Um)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1;
    double *C = fal__alloc(ctx, n * n * per * sizeof(double), "second moment");
    double *ev = C ? fal__alloc(ctx, n * sizeof(double), "eigenvalues") : NULL;
    if (!ev) {
        fal__free(ctx, C, n * n * per * sizeof(double));
        return FAL_ENOMEM;
    }
    fal__gemm(f, 0, 1, n, n, k, 1.0 / (double)k, X, n, X, n, 0.0, C, n);
    fal_status st = fal__herm_eig(ctx, f, n, C, ev);
    if (st == FAL_OK) {
        /* eigenvalues ascend: the top m are the last m columns */
        memcpy(Um, C + (n - m) * n * per, n * m * per * sizeof(double));
        fal__gemm(f, 0, 1, n, n, m, 1.0, Um, n, Um, n, 0.0, Ps, n);
    }
    fal__free(ctx, ev, n * sizeof(double));
    fal__free(ctx, C, n * n * per * sizeof(double));
    return st;
}

/* sin of the largest principal angle between range(P) (rank m) and the
 * span of Um: the largest singular value of (I - Um Um^H) V_m, where V_m
 * spans range(P) (the top-m eigenvectors of P P^H).  P is first divided by
 * its largest entry (the range does not change) so that P P^H cannot
 * overflow; a map with a non-finite or all-zero entry set has no angle
 * (*out = NaN). */
static fal_status max_sin_angle(fal_ctx *ctx, fal_field f, const double *P, const double *Um, size_t n, size_t m,
                                double *out)
{
    size_t per = f == FAL_COMPLEX ? 2 : 1;
    size_t nn = n * n * per, nm = n * m * per;
    double *G = fal__alloc(ctx, nn * sizeof(double), "P P^H");
    double *ev = G ? fal__alloc(ctx, n * sizeof(double), "eigenvalues") : NULL;
    double *M = ev ? fal__alloc(ctx, nm * sizeof(double), "residual basis") : NULL;
    double *c = M ? fal__alloc(ctx, m * m * per * sizeof(double), "coefficients") : NULL;
    double *sv = c ? fal__alloc(ctx, m * sizeof(double), "singular values") : NULL;
    double *Pn = sv ? fal__alloc(ctx, nn * sizeof(double), "scaled map") : NULL;
    fal_status st = Pn ? FAL_OK : FAL_ENOMEM;
    double top = 0;
    for (size_t i = 0; st == FAL_OK && i < nn; i++) top = fmax(top, fabs(P[i]));
    *out = NAN;
    if (st == FAL_OK && !(top > 0 && isfinite(top))) goto out;
    if (st == FAL_OK) {
        for (size_t i = 0; i < nn; i++) Pn[i] = P[i] / top;
        fal__gemm(f, 0, 1, n, n, n, 1.0, Pn, n, Pn, n, 0.0, G, n);
        st = fal__herm_eig(ctx, f, n, G, ev);
    }
    if (st == FAL_OK) {
        const double *V = G + (n - m) * n * per;
        memcpy(M, V, nm * sizeof(double));
        fal__gemm(f, 1, 0, m, m, n, 1.0, Um, n, V, n, 0.0, c, m);  /* c = Um^H V */
        fal__gemm(f, 0, 0, n, m, m, -1.0, Um, n, c, m, 1.0, M, n); /* M = V - Um c */
        st = fal__singular_values(ctx, f, n, m, M, sv);
        if (st == FAL_OK) *out = sv[0];
    }
out:
    fal__free(ctx, Pn, nn * sizeof(double));
    fal__free(ctx, sv, m * sizeof(double));
    fal__free(ctx, c, m * m * per * sizeof(double));
    fal__free(ctx, M, nm * sizeof(double));
    fal__free(ctx, ev, n * sizeof(double));
    fal__free(ctx, G, nn * sizeof(double));
    return st;
}

static size_t smax(size_t a, size_t b) { return a > b ? a : b; }

/* Refuse, before allocating anything, what CBLAS/LAPACK cannot index (their
 * dimensions are 32-bit ints) and what the memory budget cannot hold: the
 * peak is the examples, the data basis, the two maps and the eigenvectors,
 * plus the largest of what comes and goes (the second moment, the network
 * with its product scratch and the error outputs, the angle's matrices). */
static fal_status ae_budget(fal_ctx *ctx, const fal_config *cfg, const fal_arch *arch, fal_field f, size_t k,
                            size_t ntest, size_t D, fal_algo algo)
{
    uint64_t L = fal_arch_depth(arch);
    size_t n = fal_arch_width(arch, 0), m = fal_arch_min_hidden(arch), nmax = 0;
    for (uint64_t i = 0; i <= L; i++) nmax = smax(nmax, fal_arch_width(arch, i)); /* a width list: L <= 2^20 */
    if (nmax > INT_MAX || k > INT_MAX || ntest > INT_MAX)
        return fal__fail(ctx, FAL_EINVAL, "linear-ae: %s %zu exceeds the BLAS/LAPACK limit 2^31 - 1",
                         nmax > INT_MAX ? "width" : k > INT_MAX ? "--examples" : "--test",
                         nmax > INT_MAX ? nmax : k > INT_MAX ? k : ntest);
    /* in doubles */
    size_t per = f == FAL_COMPLEX ? 2 : 1, plen = fal__smul(fal__smul(n, n), per);
    size_t keep = fal__smul(fal__smul(n, fal__sadd(k, ntest)), per);            /* examples (t = x) */
    if (!cfg->data) keep = fal__sadd(keep, fal__smul(fal__sadd(fal__smul(n, D), D), per)); /* basis, coordinates */
    keep = fal__sadd(keep, fal__sadd(fal__smul(plen, 2), fal__smul(fal__smul(n, m), per)));     /* P, P*, U_m */
    size_t pre = fal__sadd(plen, n);                             /* second moment, eigenvalues */
    size_t outs = fal__smul(fal__smul(n, smax(k, ntest)), per);       /* a map's outputs, for its error */
    size_t angle = fal__sadd(fal__sadd(fal__smul(plen, 2), fal__smul(fal__smul(fal__sadd(n, m), m), per)), fal__sadd(n, m));
    /* the product's scratch, an isometry's copy */
    size_t post = smax(smax(outs, angle), fal__smul(fal__smul(nmax, smax(n, nmax)), 2 * per));
    size_t net = 0; /* bytes: the network on min(k, n) (pseudo-)examples, the compressed examples */
    if (algo != FAL_ALGO_EXACT) {
        if (fal__dlin_bytes(ctx, arch, f, k > n ? n : k, algo == FAL_ALGO_FA, &net) != FAL_OK) net = SIZE_MAX;
        if (k > n) net = fal__sadd(net, fal__dlin_compress_bytes(f, n, n, k, 1));
    }
    size_t d = sizeof(double), need = fal__sadd(fal__smul(keep, d), smax(fal__smul(pre, d), fal__sadd(net, fal__smul(post, d))));
    if (need == SIZE_MAX)
        return fal__fail(ctx, FAL_ENOMEM, "linear autoencoder needs more than 16 EiB (its size overflows 64 bits)");
    return fal__budget(ctx, need, "linear autoencoder");
}

fal_status fal__run_linear_ae(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    const fal_arch *arch;
    size_t n, m;
    fal_status st = fal__ae_arch(ctx, cfg, res, "linear-ae", 20, 3, " (no bottleneck is the linear family, L2)", &arch,
                                 &n, &m);
    if (st != FAL_OK) return st;
    fal_field f;
    st = fal__data_field(ctx, cfg, &f);
    if (st != FAL_OK) return st;
    /* the catalogue row the run really is: L4 over C^n */
    if (f == FAL_COMPLEX) res->id = "L4";
    size_t per = f == FAL_COMPLEX ? 2 : 1;
    size_t D = cfg->subspace ? cfg->subspace : m;
    if (D > n) D = n;
    size_t k, ntest;
    st = fal__example_counts(ctx, cfg, n, D < n ? D : 4 * n, &k, &ntest);
    if (st != FAL_OK) return st;
    fal_algo algo = cfg->algo == FAL_ALGO_DEFAULT ? FAL_ALGO_NESTEROV : cfg->algo;
    st = ae_budget(ctx, cfg, arch, f, k, ntest, D, algo);
    if (st != FAL_OK) return st;
    uint64_t w;
    st = fal_arch_linear_params(ctx, arch, &w);
    if (st != FAL_OK) return st;

    fal_rng rs[3];
    fal__streams(cfg->seed, rs, 3);
    fal_rng rdata = rs[0], rinit = rs[1], rtest = rs[2];

    fal__xy tr = { 0 }, te = { 0 };
    fal__dlin net = { 0 };
    size_t plen = n * n * per, ulen = n * D * per, mlen = n * m * per;
    double *U = NULL, *z = NULL, *P = NULL, *Ps = NULL, *Um = NULL;
    if (cfg->data) {
        st = fal__xy_from_table(ctx, cfg->data, n, n, 1, 0, k, &tr);
        if (st == FAL_OK) st = fal__xy_from_table(ctx, cfg->data, n, n, 1, k, ntest, &te);
    } else {
        st = fal__xy_alloc(ctx, f, n, n, k, 1, &tr);
        if (st == FAL_OK) st = fal__xy_alloc(ctx, f, n, n, ntest, 1, &te);
        if (st == FAL_OK && !(U = fal__alloc(ctx, ulen * sizeof(double), "data basis"))) st = FAL_ENOMEM;
        if (st == FAL_OK && !(z = fal__alloc(ctx, D * per * sizeof(double), "coordinates"))) st = FAL_ENOMEM;
        if (st == FAL_OK) st = fal__random_orthonormal(ctx, &rdata, f, n, D, U);
        if (st == FAL_OK) {
            subspace_data(&rdata, f, U, n, D, k, tr.x, z);
            subspace_data(&rtest, f, U, n, D, ntest, te.x, z);
        }
    }
    if (st == FAL_OK && cfg->data) st = fal__xy_normalise(ctx, "linear-ae", &tr, &te);
    if (st != FAL_OK) goto done;
    P = fal__alloc(ctx, plen * sizeof(double), "overall map");
    Ps = P ? fal__alloc(ctx, plen * sizeof(double), "optimum map") : NULL;
    Um = Ps ? fal__alloc(ctx, mlen * sizeof(double), "top eigenvectors") : NULL;
    if (!Um) {
        st = FAL_ENOMEM;
        goto done;
    }
    st = pca_projection(ctx, f, tr.x, n, k, m, Ps, Um);
    double opt_err = NAN, train_err = NAN;
    if (st == FAL_OK) st = fal__map_rel_err(ctx, f, Ps, n, n, tr.x, tr.t, k, &opt_err);
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
        /* k > n: train on the n x n compressed examples (fal__dlin_compress) */
        size_t kc = k > n ? n : k;
        double *Xc = tr.x, *Tc = tr.t, c0 = 0;
        if (k > n) st = fal__dlin_compress(ctx, f, n, n, k, tr.x, NULL, &Xc, &Tc, &c0);
        if (st == FAL_OK) st = fal__dlin_new(ctx, arch, f, kc, algo == FAL_ALGO_FA, &net);
        if (st == FAL_OK) st = fal__dlin_init_isometries(ctx, &net, net.w, &rinit);
        if (st == FAL_OK && net.b) st = fal__dlin_init_isometries(ctx, &net, net.b, &rinit);
        if (st == FAL_OK)
            st = fal__dlin_fit(&net, Xc, Tc, kc, c0, opt_err, tol, cfg->lr, algo == FAL_ALGO_NESTEROV,
                               cfg->max_steps ? cfg->max_steps : 100000, &steps, &train_err, &note, res);
        if (k > n) fal__dlin_compress_free(ctx, f, n, n, Xc, Tc);
        if (st != FAL_OK && st != FAL_ENOCONV) goto done;
        fal_status s1 = fal__dlin_product(&net, P);
        if (s1 != FAL_OK) {
            st = s1;
            goto done;
        }
    }
    double test_err = NAN, sin_max = NAN;
    fal_status s2 = FAL_OK;
    if (ntest) s2 = fal__map_rel_err(ctx, f, P, n, n, te.x, te.t, ntest, &test_err);
    if (s2 == FAL_OK) s2 = max_sin_angle(ctx, f, P, Um, n, m, &sin_max);
    if (s2 != FAL_OK) {
        st = s2;
        goto done;
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
    fal__result_extra(res, "max_sin_angle", sin_max);
    fal__result_extra(res, "optimum_rel_dev", fal__mat_rel_dev(f, P, Ps, plen / per));
    fal__result_extra(res, "bottleneck", (double)m);
    fal__result_extra(res, "data_dim", cfg->data ? NAN : (double)D);
    if (cfg->keep_params) {
        fal_status s3 = fal__keep_linear(ctx, cfg, res, &net, P, NULL, &tr, &te);
        /* the closed form of A(n, m, n): W1 = Um^H, W2 = Um (P = Um Um^H) */
        if (s3 == FAL_OK && algo == FAL_ALGO_EXACT && fal_arch_depth(res->arch) == 2) {
            s3 = fal__params_colmajor(res->kept, "W2", f, n, m, Um);
            double *UmH = s3 == FAL_OK ? fal__alloc(ctx, mlen * sizeof(double), "Um^H") : NULL;
            if (s3 == FAL_OK && !UmH) s3 = FAL_ENOMEM;
            if (s3 == FAL_OK) {
                /* Um^H column-major (m x n) = conj(Um) row-major read as column-major transposed */
                for (size_t i = 0; i < m; i++)
                    for (size_t j = 0; j < n; j++)
                        for (size_t q = 0; q < per; q++)
                            UmH[(j * m + i) * per + q] = (q ? -1.0 : 1.0) * Um[(i * n + j) * per + q];
                s3 = fal__params_colmajor(res->kept, "W1", f, m, n, UmH);
            }
            fal__free(ctx, UmH, mlen * sizeof(double));
        }
        if (s3 != FAL_OK) st = s3;
    }
done:
    fal__dlin_free(&net);
    fal__free(ctx, Um, mlen * sizeof(double));
    fal__free(ctx, Ps, plen * sizeof(double));
    fal__free(ctx, P, plen * sizeof(double));
    fal__free(ctx, z, D * per * sizeof(double));
    fal__free(ctx, U, ulen * sizeof(double));
    fal__xy_free(ctx, &te);
    fal__xy_free(ctx, &tr);
    return st;
}
