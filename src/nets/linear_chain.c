/* linear_chain.c -- L1, the scalar chain A(1,...,1): y = P x, P = prod w_i.
 *
 * The loss E = 1/2 mean (P x - t)^2 = 1/2 (beta P^2 - 2 alpha P + mean t^2),
 * alpha = mean(t x), beta = mean(x^2), is convex in P with P* = alpha/beta.
 * dE/dw_i = g P / w_i with g = beta P - alpha, so a GD step is
 * w_i <- w_i - kc / w_i with kc = lr g P: one sweep over the weights, no
 * gradient array (src/kern/chain.c).  P lives in the log domain (sign
 * parity + ln|P|), never as a running float product, so depth 10^9 works.
 *
 * The step length.  With --lr, plain GD.  Without, the step is chosen each
 * step along the GD direction so that ln|P| moves to ln|P*| to first order:
 * sum_i ln|1 - kc/w_i^2| ~ -kc S2 with S2 = sum 1/w_i^2, hence
 * kc = (ln|P| - ln|P*|) / S2, which has the sign of g P (a descent step),
 * capped at half the smallest w_i^2 so that no weight changes sign.  The
 * residual after a step is about (S4 / 2 S2^2) times the square of the
 * previous one: quadratic convergence, fewer steps the deeper the chain.
 *
 * The start.  |w_i| = 1 + s u_i with u_i uniform of variance 1 and
 * s = 0.5 / sqrt(L), so ln|P| is O(1) at every depth (a start with |w_i| of
 * order 1 but independent has ln|P| ~ -L/10: a vanishing gradient).  Signs
 * are random; by default w_1's sign is then set so that P starts on the side
 * of P*.  The two sides are separated by the saddle surface P = 0, which a
 * step that keeps every sign cannot cross; --init signs keeps the raw signs
 * and reports the runs that stay on the far side as not converged.
 *
 * Feedback alignment.  The backward pass uses fixed random scalars b_i in
 * place of w_i: dw_i = -lr g B_{>i} W_{<i}, with B_{>i} = prod_{j>i} b_j and
 * W_{<i} = prod_{j<i} w_j (so the last layer gets the true gradient).  The
 * b_i are recomputed from (seed, i) rather than stored.
 *
 * The training curve.  sum (P x - t)^2 = k beta (P - P*)^2 + sum (P* x - t)^2,
 * so the relative training error costs O(1) per step; P - P* is taken as
 * P* expm1(ln|P| - ln|P*|) on P*'s side, which keeps its digits near the
 * optimum where P - P* itself would cancel. */
#include <math.h>
#include <string.h>
#include "nets.h"
#include "../kern/kern.h"
#include "../core/curve.h"

/* Weights per fixed reduction block.  The blocks fix the summation order
 * (the same bytes at any thread count) and are the unit of parallel work:
 * 2^18 lets two threads share a 10^6-deep step.  Each block restarts the
 * compensated carry, which costs little: the 10^9 run reaches 3.2e-14
 * (4.9e-14 with 2^20-weight blocks). */
#define SUPER ((size_t)1 << 18)

typedef struct chain {
    double *w;
    size_t L;
    fal__chain_stats *blk; /* one per superblock */
    size_t nblk;
    int threads;
    fal__chain_stats tot;  /* of the current weights */
} chain;

/* Totals of the superblocks, combined in superblock order. */
static void chain_total(chain *c)
{
    fal__chain_stats_zero(&c->tot);
    for (size_t b = 0; b < c->nblk; b++) fal__chain_stats_add(&c->tot, &c->blk[b]);
}

/* One GD sweep with kc over all superblocks, in parallel. */
static void chain_sweep(chain *c, double kc)
{
    long nb = (long)c->nblk;
#pragma omp parallel for schedule(static) num_threads(c->threads) if (nb > 1)
    for (long b = 0; b < nb; b++) {
        size_t lo = (size_t)b * SUPER, n = c->L - lo < SUPER ? c->L - lo : SUPER;
        fal__chain_pass(c->w + lo, n, kc, &c->blk[b]);
    }
    chain_total(c);
}

/* |w_i| = 1 + s u, u uniform on [-sqrt 3, sqrt 3]; sign random.  Each
 * superblock draws from its own streams keyed by (seed, block). */
static void chain_init(chain *c, uint64_t seed)
{
    double s = 0.5 / sqrt((double)c->L) * sqrt(3.0);
    long nb = (long)c->nblk;
#pragma omp parallel for schedule(static) num_threads(c->threads) if (nb > 1)
    for (long b = 0; b < nb; b++) {
        size_t lo = (size_t)b * SUPER, n = c->L - lo < SUPER ? c->L - lo : SUPER;
        fal__chain_draw(c->w + lo, n, s, fal_hash64(seed, (uint64_t)b));
    }
    chain_sweep(c, 0.0);
}

static double chain_ln(const chain *c) { return fal__chain_stats_ln(&c->tot); }
static double chain_sign(const chain *c) { return (c->tot.neg & 1) ? -1.0 : 1.0; }

/* The feedback scalar b_i (1-based i): the same law as the start. */
static double fa_b(uint64_t key, uint64_t i, double s)
{
    uint64_t z = fal_hash64(key, i);
    double mag = 1.0 + s * ((double)(z >> 11) * 0x1.0p-53 * 2.0 - 1.0);
    uint64_t b;
    memcpy(&b, &mag, sizeof b);
    b |= z << 63;
    memcpy(&mag, &b, sizeof b);
    return mag;
}

/* One feedback-alignment step (sequential: prefix products).  First sweep:
 * with F_i = B_{>i} W_{<i} the FA signal of weight i, A = sum_i P_{-i} F_i
 * (the first-order rate of P along the FA step) and F2 = sum_i F_i^2; the
 * step is lr = eta / (beta max(|A|, F2)): with B = W both equal
 * sum_i P_{-i}^2 and P moves a fraction eta of the way to P*.  Second
 * sweep: the update. */
static void fa_step(chain *c, uint64_t key, double g, double beta, double eta)
{
    double s = 0.5 / sqrt((double)c->L) * sqrt(3.0);
    double lnW = chain_ln(c), sW = chain_sign(c);
    double lnB = 0, sB = 1;
    for (size_t i = 0; i < c->L; i++) {
        double b = fa_b(key, i, s);
        lnB += log(fabs(b));
        if (b < 0) sB = -sB;
    }
    /* pass 1: A */
    double A = 0, F2 = 0, pW = 0, psW = 1, pB = 0, psB = 1;
    for (size_t i = 0; i < c->L; i++) {
        double w = c->w[i], b = fa_b(key, i, s);
        double lw = log(fabs(w)), lb = log(fabs(b));
        double sw = w < 0 ? -1 : 1, sb = b < 0 ? -1 : 1;
        double lnWgt = lnW - pW - lw, sWgt = sW * psW * sw;     /* W_{>i} */
        double lnBgt = lnB - pB - lb, sBgt = sB * psB * sb;     /* B_{>i} */
        A += sWgt * sBgt * exp(2 * pW + lnWgt + lnBgt);
        F2 += exp(2 * (pW + lnBgt));
        pW += lw; psW *= sw;
        pB += lb; psB *= sb;
    }
    double den = fabs(A) > F2 ? fabs(A) : F2;
    double lr = den > 0 ? eta / (beta * den) : 0;
    /* pass 2: the update, with the prefix of the old weights */
    pW = 0; psW = 1; pB = 0; psB = 1;
    for (size_t i = 0; i < c->L; i++) {
        double w = c->w[i], b = fa_b(key, i, s);
        double lw = log(fabs(w)), lb = log(fabs(b));
        double sw = w < 0 ? -1 : 1, sb = b < 0 ? -1 : 1;
        double lnBgt = lnB - pB - lb, sBgt = sB * psB * sb;
        double d = lr * g * sBgt * psW * exp(lnBgt + pW);
        c->w[i] = w - d;
        pW += lw; psW *= sw;
        pB += lb; psB *= sb;
    }
    chain_sweep(c, 0.0);
}

/* Examples: x = +-U(0.5, 2), teacher t = c x with c = +-U(0.5, 2). */
static void chain_teacher(fal_rng *r, double *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double v = 0.5 + 1.5 * fal_rng_uniform(r);
        x[i] = (fal_rng_next(r) & 1) ? -v : v;
    }
}

static int algo_is_exact(fal_algo a) { return a == FAL_ALGO_EXACT; }

fal_status fal__run_linear_chain(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    const fal_arch *arch;
    fal_status st = fal__chain_arch(ctx, cfg, res, "linear-chain", 1000, &arch);
    if (st != FAL_OK) return st;
    uint64_t L64 = fal_arch_depth(arch);
    if (L64 > SIZE_MAX / sizeof(double)) return fal__fail(ctx, FAL_ENOMEM, "depth too large for this machine");
    size_t L = (size_t)L64;
    if (cfg->field != FAL_REAL) return fal__fail(ctx, FAL_EINVAL, "linear-chain is real-valued");
    if (cfg->algo == FAL_ALGO_NESTEROV)
        return fal__fail(ctx, FAL_EINVAL, "linear-chain: --algo nesterov is not offered (gd, fa, exact: its gd "
                                          "converges in a few steps by its own step rule)");
    if (cfg->algo == FAL_ALGO_FA && L > ((size_t)1 << 24))
        return fal__fail(ctx, FAL_EINVAL, "fa on linear-chain is sequential; depth above 2^24 refused");
    if (cfg->lr > 0 && cfg->algo != FAL_ALGO_DEFAULT && cfg->algo != FAL_ALGO_GD)
        return fal__fail(ctx, FAL_EINVAL, "linear-chain: --lr applies to --algo gd only (%s sets its own step)",
                         fal_algo_name(cfg->algo));

    /* ---- data ---- */
    size_t k, ntest;
    double *xs = NULL, *ts = NULL;
    size_t nall;
    fal_rng rdata, rinit;
    fal_rng_seed(&rdata, cfg->seed);
    rinit = rdata;
    fal_rng_jump(&rinit);
    double teacher = NAN;
    if (cfg->data) {
        if (fal_table_field(cfg->data) != FAL_REAL)
            return fal__fail(ctx, FAL_EINVAL, "--data is complex; linear-chain is real-valued");
        st = fal__split_sizes(ctx, cfg, 2, &k, &ntest);
        if (st != FAL_OK) return st;
    } else {
        k = cfg->examples_set ? cfg->examples : 1;
        ntest = cfg->test;
        if (k == 0) return fal__fail(ctx, FAL_EINVAL, "no training examples (--examples 0)");
    }
    /* budget: weights + examples + reduction blocks, checked (arithmetic
     * included) before any of it */
    size_t nblk = L / SUPER + (L % SUPER != 0), need, t;
    if (fal__add(k, ntest, &nall) || fal__mul(L, sizeof(double), &need) || fal__mul(nall, 2 * sizeof(double), &t) ||
        fal__add(need, t, &need) || fal__mul(nblk, sizeof(fal__chain_stats), &t) || fal__add(need, t, &need))
        return fal__fail(ctx, FAL_ENOMEM, "linear-chain: depth %zu with %zu examples overflows the address space", L, k);
    st = fal__budget(ctx, need, "linear-chain");
    if (st != FAL_OK) return st;
    xs = fal__calloc(ctx, nall ? nall : 1, sizeof(double), "chain inputs");
    ts = fal__calloc(ctx, nall ? nall : 1, sizeof(double), "chain targets");
    chain c = { 0 };
    c.L = L;
    c.nblk = nblk;
    c.threads = fal_ctx_threads(ctx);
    c.blk = fal__calloc(ctx, nblk, sizeof *c.blk, "chain reduction blocks");
    c.w = c.blk && xs && ts ? fal__alloc(ctx, L * sizeof(double), "chain weights") : NULL;
    if (c.w) fal__advise_huge(c.w, L * sizeof(double));
    if (!xs || !ts || !c.blk || !c.w) {
        st = FAL_ENOMEM;
        goto done;
    }
    if (cfg->data) {
        const double *v = fal_table_cdata(cfg->data);
        for (size_t i = 0; i < nall; i++) {
            xs[i] = v[2 * i];
            ts[i] = v[2 * i + 1];
        }
    } else {
        double cm = 0.5 + 1.5 * fal_rng_uniform(&rdata);
        teacher = (fal_rng_next(&rdata) & 1) ? -cm : cm;
        chain_teacher(&rdata, xs, k);
        fal_rng rtest = rinit;
        fal_rng_jump(&rtest);
        chain_teacher(&rtest, xs + k, ntest);
        for (size_t i = 0; i < nall; i++) ts[i] = teacher * xs[i];
    }
    double alpha = 0, beta = 0, tt = 0;
    for (size_t i = 0; i < k; i++) {
        alpha += ts[i] * xs[i];
        beta += xs[i] * xs[i];
        tt += ts[i] * ts[i];
    }
    alpha /= (double)k;
    beta /= (double)k;
    if (!isfinite(alpha) || !isfinite(beta) || !isfinite(tt)) {
        st = fal__fail(ctx, FAL_EINVAL, "the data's mean x t, x^2 or t^2 overflows a double: rescale it");
        goto done;
    }
    if (!(beta > 0)) {
        st = fal__fail(ctx, FAL_EINVAL, "every training input is 0 (or its square underflows): the product is not determined");
        goto done;
    }
    double Pstar = alpha / beta;
    double lnPstar = log(fabs(Pstar)), sPstar = Pstar < 0 ? -1 : 1;
    double dopt0 = 0; /* sum (P* x - t)^2, for the curve */
    for (size_t i = 0; i < k; i++) dopt0 += (Pstar * xs[i] - ts[i]) * (Pstar * xs[i] - ts[i]);

    /* ---- start ---- */
    chain_init(&c, fal_hash64(fal_rng_next(&rinit), 0x5741));
    if (cfg->init != FAL_INIT_SIGNS && chain_sign(&c) != sPstar && Pstar != 0) {
        c.w[0] = -c.w[0];
        fal__chain_pass(c.w, L < SUPER ? L : SUPER, 0.0, &c.blk[0]);
        chain_total(&c);
    }

    /* ---- train ---- */
    double tol = cfg->tol > 0 ? cfg->tol : 1e-12;
    res->tol = algo_is_exact(cfg->algo) ? NAN : tol; /* |P - P*| / |P*| */
    fal_algo algo = cfg->algo == FAL_ALGO_DEFAULT ? FAL_ALGO_GD : cfg->algo;
    uint64_t maxs = cfg->max_steps ? cfg->max_steps : (cfg->lr > 0 || algo == FAL_ALGO_FA ? 100000 : 200);
    uint64_t fa_key = fal_rng_next(&rinit);
    uint64_t step = 0;
    int conv = 0;
    const char *note = NULL;
    double best = INFINITY, lr_sharp = NAN, g_prev = 0;
    int stall = 0;
    uint64_t flips = 0;
    if (algo == FAL_ALGO_EXACT) {
        /* the closed form: scale w_1 so that the product is P* exactly */
        if (Pstar == 0) {
            c.w[0] = 0;
        } else {
            double lnrest = chain_ln(&c) - log(fabs(c.w[0]));
            double srest = chain_sign(&c) * (c.w[0] < 0 ? -1 : 1);
            c.w[0] = sPstar * srest * exp(lnPstar - lnrest);
        }
        chain_sweep(&c, 0.0);
    }
    for (;;) {
        double lnP = chain_ln(&c), sP = chain_sign(&c);
        if (algo != FAL_ALGO_EXACT) {
            double d = (Pstar != 0 && sP == sPstar) ? Pstar * expm1(lnP - lnPstar)
                                                    : (c.tot.zero ? 0.0 : sP * exp(lnP)) - Pstar;
            double e = fal__rel_err((double)k * beta * d * d + dopt0, tt);
            fal__curve_add(res, step, e);
            fal__progress(ctx, "train", step, maxs, e, 0);
        }
        double dev;
        if (Pstar != 0)
            dev = (sP == sPstar && isfinite(lnP)) ? fabs(expm1(lnP - lnPstar)) : INFINITY;
        else
            dev = isfinite(lnP) ? exp(lnP) : (lnP < 0 ? 0 : INFINITY);
        if (dev <= tol) {
            conv = 1;
            break;
        }
        if (algo == FAL_ALGO_EXACT) {
            note = "the closed form lost precision";
            break;
        }
        if (isnan(lnP) || c.tot.zero) {
            note = "a weight reached 0 or overflowed";
            break;
        }
        if (step >= maxs) {
            note = "step limit reached";
            break;
        }
        if (dev < best * 0.999) {
            best = dev;
            stall = 0;
        } else if (++stall >= (algo == FAL_ALGO_FA ? 20000 : 50)) {
            note = sP != sPstar ? "stuck at the P = 0 saddle: the start was on the far side (see --init)"
                   : cfg->lr > 0 && flips >= 49 ? "a stable 2-cycle around P*: --lr is past the edge of stability "
                                                   "(lr x sharpness > 2, see lr_sharpness and doc/linear.md)"
                                                 : "no progress for 50 steps";
            break;
        }
        double P = sP * exp(lnP);
        double g = beta * P - alpha;
        /* fixed --lr: lr times the sharpness of E at P = P* for the present
         * weights' sum 1/w_i^2, beta P*^2 sum 1/w_i^2 (the Hessian's top
         * eigenvalue there); GD can settle on a minimum only where it is < 2 */
        if (cfg->lr > 0) lr_sharp = cfg->lr * beta * Pstar * Pstar * c.tot.inv2;
        flips = (g > 0) != (g_prev > 0) && step > 0 ? flips + 1 : 0; /* the sign of P - P* alternating */
        g_prev = g;
        if (algo == FAL_ALGO_FA) {
            fa_step(&c, fa_key, g, beta, 0.5);
        } else {
            double kc;
            if (cfg->lr > 0) {
                kc = cfg->lr * g * P;
            } else if (sP == sPstar && Pstar != 0) {
                kc = (lnP - lnPstar) / c.tot.inv2;
                double cap = 0.5 / c.tot.maxinv2;
                if (fabs(kc) > cap) kc = copysign(cap, kc);
            } else if (L == 1) {
                kc = g * P / beta; /* lr = 1/beta: the exact minimiser for one weight */
            } else {
                /* far side: Gauss-Newton length on P, capped to keep signs */
                kc = g / (beta * P * c.tot.inv2);
                double cap = 0.5 / c.tot.maxinv2;
                if (fabs(kc) > cap) kc = copysign(cap, kc);
            }
            if (!isfinite(kc)) {
                note = "the step overflowed (learning rate too large?)";
                break;
            }
            chain_sweep(&c, kc);
        }
        step++;
    }

    /* ---- measure ---- */
    double lnP = chain_ln(&c), sP = chain_sign(&c);
    double P = c.tot.zero ? 0.0 : sP * exp(lnP);
    double dtr = 0, dopt = 0, dte = 0, tte = 0;
    for (size_t i = 0; i < k; i++) {
        dtr += (P * xs[i] - ts[i]) * (P * xs[i] - ts[i]);
        dopt += (Pstar * xs[i] - ts[i]) * (Pstar * xs[i] - ts[i]);
    }
    for (size_t i = k; i < nall; i++) {
        dte += (P * xs[i] - ts[i]) * (P * xs[i] - ts[i]);
        tte += ts[i] * ts[i];
    }
    res->params = L;
    res->examples = k;
    res->train_error = fal__rel_err(dtr, tt);
    res->optimum_error = fal__rel_err(dopt, tt);
    res->test_error = ntest ? fal__rel_err(dte, tte) : NAN;
    res->converged = conv;
    res->steps = step;
    res->note = note;
    if (algo != FAL_ALGO_EXACT) fal__curve_add(res, step, res->train_error); /* the measured last point */
    fal__result_extra(res, "product", P);
    fal__result_extra(res, "ln_abs_product", lnP);
    fal__result_extra(res, "optimum_product", Pstar);
    fal__result_extra(res, "product_rel_dev", Pstar != 0 ? fabs(P - Pstar) / fabs(Pstar) : fabs(P));
    fal__result_extra(res, "negative_weights", (double)c.tot.neg);
    if (cfg->lr > 0) fal__result_extra(res, "lr_sharpness", lr_sharp);
    fal__result_extra(res, "teacher", teacher);
    fal__result_extra(res, "param_bytes", (double)L * sizeof(double));
    st = conv ? FAL_OK : FAL_ENOCONV;
done:
    fal__free(ctx, c.w, L * sizeof(double));
    fal__free(ctx, c.blk, nblk * sizeof *c.blk);
    fal__free(ctx, xs, (nall ? nall : 1) * sizeof(double));
    fal__free(ctx, ts, (nall ? nall : 1) * sizeof(double));
    return st;
}
