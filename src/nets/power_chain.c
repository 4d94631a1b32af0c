/* power_chain.c -- N2, the chain A(1,...,1) of power units
 * h_i = g(w_i h_{i-1}), g(u) = u^q, q >= 2 (--power q, default 2).
 *
 * The maths.  Unrolling, y = h_L = P x^(q^L) with
 *   P = prod_{i=1..L} w_i^(q^(L-i+1))
 * (w_L is raised to q by its own unit; w_1 by all L units, to q^L; the
 * paper's w_L^2 w_{L-1}^4 ... w_1^(2^L) for q = 2; src/kern/power.c runs the
 * network literally and the tests check the two against each other).  With
 * Z = x^(q^L), the squared error is a convex quadratic in P:
 *   E = 1/2 mean (P Z - t)^2,  minimum at P* = alpha/beta,
 *   alpha = mean(t Z) = mean(t x^(q^L)),  beta = mean(Z^2) = mean(x^(2 q^L)).
 * For even q every exponent is even: P >= 0, and when alpha < 0 the best
 * reachable P is 0 (one weight at 0; optimum_at_zero = 1).  For odd q the
 * sign of P is the parity of the negative weights and every P is reachable.
 * The class of a solution is {w : prod w_i^(q^(L-i+1)) = P*}, a manifold of
 * dimension L - 1 (for P* != 0).
 *
 * The log domain.  q^L overflows doubles long before L = 64 matters for x
 * (2^64 ln 1.5 ~ 7.5e18 is a fine double, 1.5^(2^64) is not), so nothing is
 * kept as a plain number: an example is Z = x^(q^L) as (sign, ln|Z| =
 * q^L ln|x|), its target both as t and as the ratio rho = t / Z (sign,
 * ln|.|), and P as (sign, ln|P|).  The teacher's targets t = c Z are stored
 * as rho = c exactly; a --data file gives t exactly.  Then
 *   P* = alpha/beta = sum_j Z_j^2 rho_j / sum_j Z_j^2,
 *   error = sum (P Z_j - t_j)^2 / sum t_j^2
 *         = sum_j Z_j^2 (P - rho_j)^2 / sum_j Z_j^2 rho_j^2,
 * evaluated as ratios of log-sum-exps from the exact form of each target
 * (rel_err): the contract's relative error exactly, not an approximation;
 * for the teacher it is (P/c - 1)^2 to the last bits even though y and t
 * themselves overflow.  ln|Z_j| carries an absolute rounding of about
 * 2^-53 q^L |ln|x_j|| (256 for 1.2^(2^64)).  It cancels for the teacher,
 * whose targets share Z with the network, but it would make t/Z meaningless
 * for a target given as a number: --data is accepted while
 * |q^L ln|x|| <= 2^32, and convergence is judged no finer than 8 ulps of
 * ln|P*|.  (With q^L > 2^53 and q not a power of 2, q^L is itself the
 * rounded double pow(q, L), for teacher and network alike.)
 *
 * Range.  Supported: q^L <= 2^960 (q = 2: L <= 960; q = 3: L <= 605).
 * Beyond, the first layer's log-magnitude ln|w_1| ~ q^-L of a start with
 * P = O(1) leaves the normal doubles: refused with FAL_ERANGE.
 *
 * Algorithms.
 *  - default ("log-gd"): gradient descent on the log-magnitudes
 *    u_i = ln|w_i| (signs fixed; w_i = 0 is u_i = -inf).  ln|P| =
 *    sum_i k_i u_i with k_i = q^(L-i+1) is linear in u, and the loss
 *    depends on u only through ln|P|, so the gradient is
 *    dE/du_i = (dE/d ln|P|) k_i and an exact line search along it sets
 *    ln|P| = ln|P*|: u_i += (ln|P*| - ln|P|) k_i / sum_m k_m^2.  One step
 *    in exact arithmetic; the loop repeats until the rounding residual is
 *    below --tol (default 1e-12 relative on P).  Plain GD on w_i cannot do
 *    this at L = 64: its step puts nearly all the change on w_1, whose
 *    neighbouring doubles near 1 change ln|P| by 2^64 2^-52 ~ 4000.  When
 *    P* = 0 the line search has no finite minimiser (P -> 0 as the step
 *    grows); its limit is taken by setting the weight with the largest
 *    gradient component, w_1, to 0.
 *  - --algo gd: plain gradient descent on w through the actual forward and
 *    backward passes (src/kern/power.c), for depths where the squared
 *    gradient, ~(q^L x^(2 q^L))^2, stays a finite double with e^100 to spare
 *    on every training input (else FAL_ERANGE; q = 2, x in (0.5, 2): L <= 7
 *    or so).  Step length without --lr: the Gauss-Newton length
 *    1/mean_j |dy_j/dw|^2, capped so that no weight moves by more than half
 *    its size, then halved until the loss falls (Armijo; where the excess
 *    loss is below the rounding of E, by the gradient norm instead); the
 *    point of the segment where the first weight reaches 0 is also tried,
 *    and kept when its loss is no higher: that is how the even-q,
 *    alpha < 0 optimum P = 0 is reached exactly.  With --lr: fixed steps.
 *    The step never uses P*; P* only decides convergence, and P* = 0 counts
 *    as reached only with a weight exactly at 0.
 *  - --algo exact: w_1 rescaled so that P = P* (or w_1 = 0).
 *
 * The start: k_i u_i = a_i, a_i uniform with standard deviation 0.5/sqrt(L)
 * (so ln|P| = O(1) at every depth: the power chain's analogue of
 * linear_chain.c's start; a start with ln|w_i| of order one would put
 * ln|P| near +-q^L), random signs; for odd q, w_1's sign is then set so
 * that P starts on the side of P* (--init signs keeps the raw signs).
 *
 * Teacher: x = +-U(0.5, 2), t = c x^(q^L) with c = U(0.5, 2), of random
 * sign for odd q (positive for even q, where P < 0 is not representable). */
#include <float.h>
#include <math.h>
#include <string.h>
#include "nets.h"
#include "../core/curve.h"
#include "../kern/power.h"

#define LOG2_RANGE 960.0
/* --data: largest |ln|x^(q^L)|| (its double has an ulp of 2^-20 there) */
#define LN_Z_DATA_MAX 4294967296.0

/* ---- signed numbers in the log domain: s e^l, s in {-1, 0, 1} ------------ */

typedef struct sv {
    int s;
    double l;
} sv;

static sv sv_of(double v)
{
    sv r = { v > 0 ? 1 : v < 0 ? -1 : 0, log(fabs(v)) };
    return r;
}

static sv sv_neg(sv a)
{
    a.s = -a.s;
    return a;
}

/* a + b without leaving the log domain. */
static sv sv_add(sv a, sv b)
{
    if (!a.s) return b;
    if (!b.s) return a;
    if (a.l < b.l) {
        sv t = a;
        a = b;
        b = t;
    }
    double d = b.l - a.l; /* <= 0 */
    sv r = a;
    if (a.s == b.s) r.l = a.l + log1p(exp(d));
    else if (d == 0) r.s = 0, r.l = -INFINITY;
    else r.l = a.l + log(-expm1(d));
    return r;
}

static double sv_value(sv a) { return a.s ? a.s * exp(a.l) : 0.0; }

/* ---- examples ------------------------------------------------------------ */

/* One example: Z = x^(q^L) as (sz, lz), its target both as t and as the
 * ratio rho = t/Z (when Z != 0).  One of the two is exact and the other
 * carries the rounding of lz: the teacher gives rho = c exactly
 * (rho_exact = 1), a --data file gives t exactly. */
typedef struct pex {
    int sz, rho_exact;
    double lz;
    sv rho, t;
} pex;

/* The largest 2 ln|Z_j| of the set with Z_j != 0 (0 if none): the offset
 * that turns Z_j^2 into weights <= 1. */
static double offset_of(const pex *e, size_t n)
{
    double m = -INFINITY;
    for (size_t j = 0; j < n; j++)
        if (e[j].sz && 2 * e[j].lz > m) m = 2 * e[j].lz;
    return isfinite(m) ? m : 0.0;
}

/* alpha and beta up to the common factor max Z^2: A = sum w_j rho_j,
 * B = sum w_j, w_j = Z_j^2 / max Z^2.  P* = A / B. */
static void moments(const pex *e, size_t n, sv *A, double *B)
{
    double m = offset_of(e, n);
    sv a = { 0, -INFINITY };
    double b = 0;
    for (size_t j = 0; j < n; j++) {
        if (!e[j].sz) continue;
        double lw = 2 * e[j].lz - m;
        b += exp(lw);
        sv term = { e[j].rho.s, e[j].rho.l + lw };
        a = sv_add(a, term);
    }
    *A = a;
    *B = b;
}

/* sum (P Z_j - t_j)^2 / sum t_j^2 over the set, as a ratio of log-sum-exps
 * of terms offset by m = max 2 ln|Z|, each formed from the exact form of the
 * target so that no two huge logarithms cancel:
 *   rho exact:  (2 ln|Z_j| - m) + 2 ln|P - rho_j|  over  (2 ln|Z_j| - m) + 2 ln|rho_j|;
 *   t exact:    2 ln|P Z_j - t_j| - m              over  2 ln|t_j| - m
 * (with P Z_j - t_j formed in the log domain; at P = 0 the two are equal;
 * m = 0 when no target is rho-exact). */
static double rel_err(const pex *e, size_t n, sv P)
{
    int any_rho = 0;
    for (size_t j = 0; j < n; j++) any_rho |= e[j].rho_exact;
    /* the offset only serves terms that contain 2 ln|Z_j|; the t-exact
     * terms are O(ln|t|) and would lose their digits to it */
    double m = any_rho ? offset_of(e, n) : 0.0, nmax = -INFINITY, dmax = -INFINITY;
    for (int pass = 0; pass < 2; pass++) {
        double ns = 0, ds = 0;
        for (size_t j = 0; j < n; j++) {
            double tn, td;
            if (e[j].sz && e[j].rho_exact) {
                double lw = 2 * e[j].lz - m;
                sv r = sv_add(P, sv_neg(e[j].rho));
                tn = r.s ? lw + 2 * r.l : -INFINITY;
                td = e[j].rho.s ? lw + 2 * e[j].rho.l : -INFINITY;
            } else if (e[j].sz) {
                sv PZ = { P.s * e[j].sz, P.l + e[j].lz };
                sv r = sv_add(PZ, sv_neg(e[j].t));
                tn = r.s ? 2 * r.l - m : -INFINITY;
                td = e[j].t.s ? 2 * e[j].t.l - m : -INFINITY;
            } else {
                tn = td = e[j].t.s ? 2 * e[j].t.l - m : -INFINITY;
            }
            if (pass == 0) {
                if (tn > nmax) nmax = tn;
                if (td > dmax) dmax = td;
            } else {
                if (tn > -INFINITY) ns += exp(tn - nmax);
                if (td > -INFINITY) ds += exp(td - dmax);
            }
        }
        if (pass == 1) {
            if (dmax == -INFINITY) return nmax == -INFINITY ? 0.0 : INFINITY;
            if (nmax == -INFINITY) return 0.0;
            return exp((nmax - dmax) + log(ns / ds));
        }
    }
    return NAN;
}

/* How far P is from P*: |P/P* - 1|, or |P| / scale when P* = 0 (reported;
 * convergence to P* = 0 requires P = 0 exactly: see converged()). */
static double deviation(sv P, sv Ps, double zero_scale)
{
    if (!Ps.s) return P.s ? exp(P.l - zero_scale) : 0.0;
    if (P.s != Ps.s) return INFINITY;
    return fabs(expm1(P.l - Ps.l));
}

static int converged(sv P, sv Ps, double tol)
{
    return Ps.s ? deviation(P, Ps, 0) <= tol : P.s == 0;
}

/* ---- the log-domain parameters: u_i = ln|w_i|, neg_i -------------------- */

/* ln|P| = sum_i k_i u_i, k_i = q^(L-i+1) = kq[i]; sign by the parity of the
 * negative weights for odd q. */
static sv log_product(const double *u, const unsigned char *neg, const double *kq, size_t L, unsigned q)
{
    sv P = { 1, 0.0 };
    for (size_t i = 0; i < L; i++) {
        if (u[i] == -INFINITY) return (sv){ 0, -INFINITY };
        P.l += kq[i] * u[i];
        if (neg[i] && (q & 1)) P.s = -P.s;
    }
    return P;
}

/* ---- plain GD: the loss through the forward pass ----------------------- */

/* E = 1/2 mean (y_j - t_j)^2; *noise (may be NULL) receives a bound on its
 * rounding, eps mean (y_j^2 + t_j^2): the residuals cancel large numbers. */
static double plain_loss(const double *w, size_t L, unsigned q, const double *x, const double *t, size_t k,
                         double *noise)
{
    double E = 0, S = 0;
    for (size_t j = 0; j < k; j++) {
        double y = fal__power_forward(w, L, q, x[j], NULL), r = y - t[j];
        E += r * r;
        S += y * y + t[j] * t[j];
    }
    if (noise) *noise = DBL_EPSILON * S / (double)k;
    return 0.5 * E / (double)k;
}

static sv plain_product(const double *w, size_t L, unsigned q)
{
    int s;
    double l = fal__power_ln_product(w, L, q, &s);
    return (sv){ s, l };
}

/* One step of plain GD (see the header).  Returns NULL after a step, or a
 * note saying why no step was taken.  ws: 4 L + 1 doubles of workspace. */
static const char *plain_step(double *w, size_t L, unsigned q, const double *x, const double *t, size_t k,
                              double lr_fixed, double *ws)
{
    double *g = ws, *gy = ws + L, *wn = ws + 2 * L, *h = ws + 3 * L;
    double E0 = fal__power_loss_grad(w, L, q, x, t, k, g, h);
    double gg = 0;
    for (size_t i = 0; i < L; i++) gg += g[i] * g[i];
    if (!isfinite(E0) || !isfinite(gg)) return "the loss overflowed";
    if (gg == 0) return "the gradient vanished";
    if (lr_fixed > 0) {
        for (size_t i = 0; i < L; i++) w[i] -= lr_fixed * g[i];
        return NULL;
    }
    double G2 = 0; /* mean_j |dy_j/dw|^2: the Gauss-Newton curvature */
    for (size_t j = 0; j < k; j++) {
        memset(gy, 0, L * sizeof *gy);
        fal__power_backprop(w, L, q, x[j], 1.0, gy, h);
        for (size_t i = 0; i < L; i++) G2 += gy[i] * gy[i] / (double)k;
    }
    double lr0 = G2 > 0 ? 1.0 / G2 : INFINITY, cap = INFINITY, s0 = INFINITY;
    size_t iz = 0;
    for (size_t i = 0; i < L; i++) {
        if (g[i] == 0) continue;
        double s = w[i] / g[i]; /* step at which w_i reaches 0 */
        if (fabs(s) < cap) cap = fabs(s);
        if (s > 0 && s < s0) s0 = s, iz = i;
    }
    double lr = fmin(lr0, 0.5 * cap), Ea = INFINITY, la = 0;
    for (int tries = 0; tries < 80; tries++, lr *= 0.5) {
        for (size_t i = 0; i < L; i++) wn[i] = w[i] - lr * g[i];
        double noise, En = plain_loss(wn, L, q, x, t, k, &noise);
        int ok = En <= E0 - 1e-4 * lr * gg;
        if (!ok && En <= E0 + 8 * noise) {
            /* near the optimum the excess loss sinks below the rounding of
             * E itself: the step is then judged by the gradient it leaves */
            double gn2 = 0, En2 = fal__power_loss_grad(wn, L, q, x, t, k, gy, h);
            for (size_t i = 0; i < L; i++) gn2 += gy[i] * gy[i];
            ok = gn2 < gg && isfinite(En2);
        }
        if (ok) {
            Ea = En;
            la = lr;
            break;
        }
    }
    double Ez = INFINITY;
    if (s0 <= lr0) {
        for (size_t i = 0; i < L; i++) wn[i] = w[i] - s0 * g[i];
        wn[iz] = 0;
        Ez = plain_loss(wn, L, q, x, t, k, NULL);
    }
    if (Ez <= Ea && Ez <= E0) { /* ties go to the exact zero: the segment's minimiser when P* = 0 */
        for (size_t i = 0; i < L; i++) w[i] -= s0 * g[i];
        w[iz] = 0;
    } else if (Ea < INFINITY) {
        for (size_t i = 0; i < L; i++) w[i] -= la * g[i];
    } else {
        return "no descent step found (rounding floor)";
    }
    return NULL;
}

/* ---- parameter export (doc/params.md) ------------------------------------ */

/* w (the weights as doubles), ln_abs_w and sign_w (the log-domain form the
 * family computes in: w_1 is 1 + O(q^-L) at depth, which a double may
 * round to 1), P with ln_abs_P and sign_P, the teacher's constant, and the
 * rows: x, t and pred = P x^(q^L) (+-inf or 0 beyond the double range). */
static fal_status keep_params(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const double *u,
                              const unsigned char *neg, size_t L, sv P, const double *xs, const double *ts,
                              const pex *ex, size_t k, size_t ntest, double teacher)
{
    fal_status st = fal__params_begin(ctx, cfg, res);
    if (st != FAL_OK) return st;
    fal_params *p = res->kept;
    size_t nall = k + ntest, len = L > nall ? L : nall;
    double *v = fal__alloc(ctx, (len ? len : 1) * sizeof(double), "power-chain export");
    if (!v) return FAL_ENOMEM;
    for (size_t i = 0; i < L; i++) v[i] = u[i] == -INFINITY ? 0.0 : (neg[i] ? -1 : 1) * exp(u[i]);
    st = fal_params_add(p, "w", FAL_DT_F8, 1, L, 0, v);
    if (st == FAL_OK) st = fal_params_add(p, "ln_abs_w", FAL_DT_F8, 1, L, 0, u);
    for (size_t i = 0; i < L; i++) v[i] = neg[i] ? -1.0 : 1.0;
    if (st == FAL_OK) st = fal_params_add(p, "sign_w", FAL_DT_I8, 1, L, 0, v);
    double Pv = sv_value(P), Pl = P.l, Ps = P.s;
    if (st == FAL_OK) st = fal_params_add(p, "P", FAL_DT_F8, 0, 0, 0, &Pv);
    if (st == FAL_OK) st = fal_params_add(p, "ln_abs_P", FAL_DT_F8, 0, 0, 0, &Pl);
    if (st == FAL_OK) st = fal_params_add(p, "sign_P", FAL_DT_I8, 0, 0, 0, &Ps);
    if (st == FAL_OK && !isnan(teacher)) st = fal_params_add(p, "teacher", FAL_DT_F8, 0, 0, 0, &teacher);
    for (int set = 0; set < 2 && st == FAL_OK; set++) {
        size_t a = set ? k : 0, n = set ? ntest : k;
        if (set && !n) break;
        st = fal_params_add(p, set ? "x_test" : "x_train", FAL_DT_F8, 2, n, 1, xs + a);
        if (st == FAL_OK) st = fal_params_add(p, set ? "t_test" : "t_train", FAL_DT_F8, 2, n, 1, ts + a);
        for (size_t j = 0; j < n; j++) {
            const pex *e = &ex[a + j];
            v[j] = e->sz ? sv_value((sv){ P.s * e->sz, P.l + e->lz }) : 0.0;
        }
        if (st == FAL_OK) st = fal_params_add(p, set ? "pred_test" : "pred_train", FAL_DT_F8, 2, n, 1, v);
    }
    fal__free(ctx, v, (len ? len : 1) * sizeof(double));
    return st;
}

/* ---- the family ---------------------------------------------------------- */

fal_status fal__run_power_chain(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    const fal_arch *arch;
    fal_status st = fal__chain_arch(ctx, cfg, res, "power-chain", 64, &arch);
    if (st != FAL_OK) return st;
    uint64_t L64 = fal_arch_depth(arch);
    if (cfg->field != FAL_REAL) return fal__fail(ctx, FAL_EINVAL, "power-chain is real-valued");
    unsigned q = cfg->power ? cfg->power : 2;
    if (q < 2) return fal__fail(ctx, FAL_EINVAL, "--power %u: power-chain needs an integer q >= 2", q);
    double log2E = (double)L64 * log2((double)q);
    if (log2E > LOG2_RANGE)
        return fal__fail(ctx, FAL_ERANGE,
                         "power-chain: q^L = 2^%.1f; supported up to q^L = 2^%.0f (q = %u: depth <= %llu)", log2E,
                         LOG2_RANGE, q, (unsigned long long)floor(LOG2_RANGE / log2((double)q)));
    size_t L = (size_t)L64;
    fal_algo algo = cfg->algo;
    if (algo == FAL_ALGO_FA || algo == FAL_ALGO_NESTEROV)
        return fal__fail(ctx, FAL_EINVAL, "power-chain: --algo %s is not offered (gd, exact)", fal_algo_name(algo));
    if (algo != FAL_ALGO_GD && cfg->lr > 0)
        return fal__fail(ctx, FAL_EINVAL, "power-chain: --lr applies to --algo gd only (log-gd uses a line search)");

    /* ---- data ---- */
    size_t k, ntest;
    if (cfg->data) {
        st = fal__split_sizes(ctx, cfg, 2, &k, &ntest);
        if (st != FAL_OK) return st;
        if (fal_table_field(cfg->data) != FAL_REAL) return fal__fail(ctx, FAL_EINVAL, "--data must be real here");
    } else {
        k = cfg->examples_set ? cfg->examples : 1;
        ntest = cfg->test;
        if (k == 0) return fal__fail(ctx, FAL_EINVAL, "no training examples (--examples 0)");
    }
    size_t nall, need;
    if (fal__add(k, ntest, &nall) || fal__mul(nall, 2 * sizeof(double) + sizeof(pex), &need) ||
        fal__add(need, (L + 1) * (8 * sizeof(double) + 1), &need))
        return fal__fail(ctx, FAL_ENOMEM, "power-chain needs more than 16 EiB (%zu examples, %zu test inputs)", k,
                         ntest);
    st = fal__budget(ctx, need, "power-chain");
    if (st != FAL_OK) return st;
    double *xs = fal__calloc(ctx, nall, sizeof(double), "power-chain inputs");
    double *ts = fal__calloc(ctx, nall, sizeof(double), "power-chain targets");
    pex *ex = fal__calloc(ctx, nall, sizeof(pex), "power-chain examples");
    double *u = fal__calloc(ctx, L, sizeof(double), "power-chain log-magnitudes");
    double *kq = fal__calloc(ctx, L, sizeof(double), "power-chain exponents");
    unsigned char *neg = fal__calloc(ctx, L, 1, "power-chain signs");
    double *w = NULL, *ws = NULL;
    if (!xs || !ts || !ex || !u || !kq || !neg) {
        st = FAL_ENOMEM;
        goto done;
    }
    fal_rng rs[3];
    fal__streams(cfg->seed, rs, 3);
    fal_rng rdata = rs[0], rinit = rs[1], rtest = rs[2];
    for (size_t i = 0; i < L; i++) kq[i] = pow((double)q, (double)(L - i));
    double E = pow((double)q, (double)L); /* q^L */
    double teacher = NAN;
    if (cfg->data) {
        const double *v = fal_table_cdata(cfg->data);
        for (size_t j = 0; j < nall; j++) {
            xs[j] = v[2 * j];
            ts[j] = v[2 * j + 1];
        }
    } else {
        teacher = 0.5 + 1.5 * fal_rng_uniform(&rdata);
        if ((q & 1) && (fal_rng_next(&rdata) >> 63)) teacher = -teacher;
        for (size_t j = 0; j < nall; j++) {
            fal_rng *r = j < k ? &rdata : &rtest;
            double m = 0.5 + 1.5 * fal_rng_uniform(r);
            xs[j] = (fal_rng_next(r) >> 63) ? -m : m;
        }
    }
    for (size_t j = 0; j < nall; j++) {
        pex *e = &ex[j];
        e->sz = xs[j] == 0 ? 0 : (xs[j] < 0 && (q & 1)) ? -1 : 1;
        e->lz = E * log(fabs(xs[j]));
        if (cfg->data) {
            e->t = sv_of(ts[j]);
            e->rho = e->t;
            e->rho.s *= e->sz;
            e->rho.l -= e->lz;
        } else {
            e->rho = sv_of(teacher); /* t = c Z exactly, never formed */
            e->rho_exact = 1;
            e->t = (sv){ e->rho.s * e->sz, e->rho.l + e->lz };
            ts[j] = e->sz * exp(e->lz) * teacher; /* for --algo gd only (checked representable) */
        }
    }
    for (size_t j = 0; cfg->data && j < nall; j++)
        if (ex[j].sz && !(fabs(ex[j].lz) <= LN_Z_DATA_MAX)) {
            st = fal__fail(ctx, FAL_ERANGE,
                           "--data row %zu: ln|x^(q^L)| = %g is known to +-%g only, so t/x^(q^L) is meaningless; "
                           "--data is supported while |q^L ln|x|| <= 2^32 (the teacher has no such limit)",
                           j + 1, ex[j].lz, 0.5 * (nextafter(fabs(ex[j].lz), INFINITY) - fabs(ex[j].lz)));
            goto done;
        }
    sv A;
    double B;
    moments(ex, k, &A, &B);
    if (!(B > 0)) {
        st = fal__fail(ctx, FAL_EINVAL, "every training input is 0: P is not determined");
        goto done;
    }
    sv Pu = { A.s, A.l - log(B) }; /* alpha / beta, unconstrained */
    int at_zero = A.s == 0 || (!(q & 1) && A.s < 0);
    sv Ps = at_zero ? (sv){ 0, -INFINITY } : Pu;
    double zero_scale = A.s ? Pu.l : 0.0; /* |P| is judged against |alpha/beta| when P* = 0 */

    /* ---- start ---- */
    double s = 0.5 / sqrt((double)L) * sqrt(3.0);
    for (size_t i = 0; i < L; i++) {
        u[i] = s * (2 * fal_rng_uniform(&rinit) - 1) / kq[i];
        neg[i] = (unsigned char)(fal_rng_next(&rinit) >> 63);
    }
    if (cfg->init != FAL_INIT_SIGNS && Ps.s && log_product(u, neg, kq, L, q).s != Ps.s) neg[0] ^= 1;

    /* ---- train ---- */
    /* P* is known to a few ulps of ln|P*| at best (ln|P*| ~ -ln|Z| with
     * --data at depth): convergence is judged no finer than that */
    double tol = cfg->tol > 0 ? cfg->tol : 1e-12;
    if (Ps.s) tol = fmax(tol, 8 * (nextafter(fabs(Ps.l), INFINITY) - fabs(Ps.l)));
    res->tol = algo == FAL_ALGO_EXACT ? NAN : tol;
    uint64_t step = 0;
    int conv = 0;
    const char *note = NULL;
    sv P;
    if (algo == FAL_ALGO_GD) {
        res->algo = "gd";
        /* |grad E|^2 ~ (q^L y^2)^2 must stay a finite double, with e^100 to
         * spare for P moving away from its O(1) start */
        for (size_t j = 0; j < k; j++)
            if (ex[j].sz && !(4 * fabs(ex[j].lz) + 2 * log2E * M_LN2 <= 600)) {
                st = fal__fail(ctx, FAL_ERANGE,
                               "--algo gd runs the plain forward and backward passes: (q^L x^(2 q^L))^2 nears the "
                               "double range on training example %zu (ln|x^(q^L)| = %g); the default log-domain "
                               "algorithm handles it",
                               j + 1, ex[j].lz);
                goto done;
            }
        w = fal__calloc(ctx, L, sizeof(double), "power-chain weights");
        ws = fal__calloc(ctx, 4 * L + 1, sizeof(double), "power-chain gradients");
        if (!w || !ws) {
            st = FAL_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < L; i++) w[i] = (neg[i] ? -1 : 1) * exp(u[i]);
        uint64_t maxs = cfg->max_steps ? cfg->max_steps : (cfg->lr > 0 ? 100000 : 1000);
        for (;;) {
            P = plain_product(w, L, q);
            double e = rel_err(ex, k, P);
            fal__curve_add(res, step, e);
            fal__progress(ctx, "train", step, maxs, e, 0);
            if (converged(P, Ps, tol)) {
                conv = 1;
                break;
            }
            if (step >= maxs) {
                note = "step limit reached";
                break;
            }
            note = plain_step(w, L, q, xs, ts, k, cfg->lr, ws);
            if (note) break;
            step++;
        }
        for (size_t i = 0; i < L; i++) {
            neg[i] = w[i] < 0;
            u[i] = w[i] == 0 ? -INFINITY : log(fabs(w[i]));
        }
    } else if (algo == FAL_ALGO_EXACT) {
        res->algo = "exact";
        if (!Ps.s) {
            u[0] = -INFINITY;
        } else {
            double rest = 0;
            for (size_t i = 1; i < L; i++) rest += kq[i] * u[i];
            u[0] = (Ps.l - rest) / kq[0];
            if (log_product(u, neg, kq, L, q).s != Ps.s) neg[0] ^= 1;
        }
        step = 1;
        P = log_product(u, neg, kq, L, q);
        conv = converged(P, Ps, tol);
        if (!conv) note = "the closed form lost precision";
    } else {
        res->algo = "log-gd";
        /* k_i / sum_m k_m^2 = q^-(i-1) / (k_1 sum_j q^(-2j)), without q^(2L) */
        double S = 0;
        for (size_t i = 0; i < L; i++) S += pow((double)q, -2.0 * (double)i);
        uint64_t maxs = cfg->max_steps ? cfg->max_steps : 100;
        double best = INFINITY;
        int stall = 0;
        for (;;) {
            P = log_product(u, neg, kq, L, q);
            double e = rel_err(ex, k, P);
            fal__curve_add(res, step, e);
            fal__progress(ctx, "train", step, maxs, e, 0);
            double dev = deviation(P, Ps, zero_scale);
            if (converged(P, Ps, tol)) {
                conv = 1;
                break;
            }
            if (step >= maxs) {
                note = "step limit reached";
                break;
            }
            if (dev < 0.5 * best) {
                best = dev;
                stall = 0;
            } else if (++stall >= 5) {
                note = "no progress for 5 steps (rounding floor above --tol)";
                break;
            }
            if (!Ps.s) {
                u[0] = -INFINITY; /* the line search's limit: P = 0 */
            } else if (P.s != Ps.s) {
                note = "P starts on the far side of the P = 0 saddle (--init signs); steps keep every sign";
                break;
            } else {
                double d = (Ps.l - P.l) / (kq[0] * S);
                for (size_t i = 0; i < L; i++) u[i] += d * pow((double)q, -(double)i);
            }
            step++;
        }
    }

    /* ---- measure ---- */
    P = log_product(u, neg, kq, L, q);
    uint64_t nneg = 0, nzero = 0;
    for (size_t i = 0; i < L; i++) {
        nneg += neg[i];
        nzero += u[i] == -INFINITY;
    }
    res->params = L;
    res->examples = k;
    res->train_error = rel_err(ex, k, P);
    res->optimum_error = rel_err(ex, k, Ps);
    res->test_error = ntest ? rel_err(ex + k, ntest, P) : NAN;
    res->converged = conv;
    res->steps = step;
    res->note = note;
    if (algo != FAL_ALGO_EXACT) fal__curve_add(res, step, res->train_error); /* the measured last point */
    fal__result_extra(res, "power", q);
    fal__result_extra(res, "log2_exponent", log2E);
    fal__result_extra(res, "product", sv_value(P));
    fal__result_extra(res, "ln_abs_product", P.l);
    fal__result_extra(res, "optimum_product", sv_value(Ps));
    fal__result_extra(res, "ln_abs_optimum", Ps.l);
    fal__result_extra(res, "product_rel_dev", deviation(P, Ps, zero_scale));
    fal__result_extra(res, "optimum_at_zero", at_zero);
    fal__result_extra(res, "zero_weights", (double)nzero);
    fal__result_extra(res, "negative_weights", (double)nneg);
    fal__result_extra(res, "teacher", teacher);
    fal__result_extra(res, "tolerance", tol);
    fal__result_extra(res, "param_bytes", (double)L * sizeof(double));
    st = conv ? FAL_OK : FAL_ENOCONV;
    if (cfg->keep_params) {
        fal_status s3 = keep_params(ctx, cfg, res, u, neg, L, P, xs, ts, ex, k, ntest, teacher);
        if (s3 != FAL_OK) st = s3;
    }
done:
    fal__free(ctx, ws, (4 * L + 1) * sizeof(double));
    fal__free(ctx, w, L * sizeof(double));
    fal__free(ctx, neg, L);
    fal__free(ctx, kq, L * sizeof(double));
    fal__free(ctx, u, L * sizeof(double));
    fal__free(ctx, ex, nall * sizeof(pex));
    fal__free(ctx, ts, nall * sizeof(double));
    fal__free(ctx, xs, nall * sizeof(double));
    return st;
}
