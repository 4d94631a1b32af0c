/* need.c -- the examples a family needs, found by training (see
 * include/fallacy/need.h for the search and its contract).
 *
 * Why train rather than count.  I1 predicts k from the class structure;
 * this is the check: the smallest k at which the trained model, on fresh
 * inputs, is at the optimum (test error <= eps) for every seed tried.
 * Requiring every seed makes k_needed the k that works for the generic
 * draw, not for a lucky one.  Doubling first keeps the number of probes
 * logarithmic in k_needed (the shallow family needs k = w, up to 10^6),
 * bisection then pins the exact k. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../core/internal.h"

/* Run the family at k for every seed; fill p.  Errors other than
 * FAL_ENOCONV end the search. */
static fal_status probe(fal_ctx *ctx, const fal_config *base, uint64_t k, fal_need_result *out, fal_need_probe *p)
{
    fal_config cfg = *base;
    cfg.examples = (size_t)k;
    cfg.examples_set = 1;
    memset(p, 0, sizeof *p);
    p->k = k;
    double worst = -INFINITY;
    int unknown = 0;
    /* The mlp is judged on its test error alone: its optimisers stop in
     * spurious minima whose training error stays above any tolerance
     * fixed in advance (a teacher-size ReLU student: 1e-5 to 1e-3 on most
     * starts, doc/mlp.md), so "converged" says nothing about whether the
     * function was learnt; the test error does.  Its unconverged runs are
     * still counted in the probe. */
    int test_only = strcmp(base->family->name, "mlp") == 0;
    for (unsigned s = 0; s < out->seeds; s++) {
        fal_result res;
        cfg.seed = base->seed + s;
        fal__progress(ctx, "need", out->runs, 0, (double)k, cfg.seed);
        fal_status st = fal_run(ctx, &cfg, &res);
        out->runs++;
        if (st != FAL_OK && st != FAL_ENOCONV) {
            char msg[FAL_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", fal_ctx_message(ctx));
            return fal__fail(ctx, st, "need: %s at k = %llu, seed %llu: %s", base->family->name,
                             (unsigned long long)k, (unsigned long long)cfg.seed, msg);
        }
        double te = res.test_error, tr = res.train_error;
        if (!out->params) out->params = res.params;
        fal_result_clear(&res);
        if (isnan(te) && st == FAL_OK) {
            /* No test error at k = 1: the options leave no test set.  Later:
             * the test set was the unseen inputs of an enumerable input
             * space and k now covers it, so the training error is the
             * error on every input. */
            if (out->nprobes == 0)
                return fal__fail(ctx, FAL_EINVAL,
                                 "need: %s gives no test error at k = %llu (--test 0, or --data without test rows)",
                                 base->family->name, (unsigned long long)k);
            te = tr;
            p->seen_all++;
        }
        if (st == FAL_ENOCONV) p->unconverged++;
        if ((st != FAL_OK && !(test_only && st == FAL_ENOCONV)) || !(te <= out->eps)) p->failed++;
        if (isnan(te)) unknown = 1;
        else if (te > worst) worst = te;
    }
    p->worst_test_error = unknown ? NAN : worst;
    p->passed = p->failed == 0;
    return FAL_OK;
}

/* Probe k, appending to out->probes; *passed receives the verdict. */
static fal_status probe_next(fal_ctx *ctx, const fal_config *base, uint64_t k, fal_need_result *out, int *passed)
{
    if (out->nprobes >= FAL_NEED_MAX_PROBES)
        return fal__fail(ctx, FAL_EINTERNAL, "need: more than %d probes", FAL_NEED_MAX_PROBES);
    fal_need_probe *p = &out->probes[out->nprobes];
    fal_status st = probe(ctx, base, k, out, p);
    if (st != FAL_OK) return st;
    out->nprobes++;
    *passed = p->passed;
    return FAL_OK;
}

static const fal_need_probe *probe_at(const fal_need_result *out, uint64_t k)
{
    for (int i = 0; i < out->nprobes; i++)
        if (out->probes[i].k == k) return &out->probes[i];
    return NULL;
}

fal_status fal_need(fal_ctx *ctx, const fal_config *base, double eps, unsigned seeds, uint64_t kmax,
                    fal_need_result *out)
{
    memset(out, 0, sizeof *out);
    out->test_error_at_k = out->test_error_below = NAN;
    if (!base || !base->family) return fal__fail(ctx, FAL_EINVAL, "need: no family given");
    if (!(eps > 0) || !isfinite(eps)) return fal__fail(ctx, FAL_EINVAL, "need: --eps must be a finite number > 0");
    if (seeds < 1 || seeds > 1000) return fal__fail(ctx, FAL_EINVAL, "need: --seeds must be in [1, 1000]");
    if (base->seed > UINT64_MAX - (seeds - 1)) /* the seeds seed .. seed + seeds - 1 must not wrap to 0 */
        return fal__fail(ctx, FAL_EINVAL, "need: --seed %llu with --seeds %u: the last seed passes 2^64 - 1",
                         (unsigned long long)base->seed, seeds);
    if (kmax > FAL_NEED_MAX_K)
        return fal__fail(ctx, FAL_EINVAL, "need: --kmax %llu exceeds the limit %llu", (unsigned long long)kmax,
                         (unsigned long long)FAL_NEED_MAX_K);
    uint64_t datacap = UINT64_MAX;
    if (base->data) {
        size_t rows = fal_table_rows(base->data);
        if (rows < 2) return fal__fail(ctx, FAL_EINVAL, "need: --data needs at least 2 rows (train and test)");
        datacap = rows - 1;
    }
    out->family = base->family->name;
    out->id = base->family->id;
    out->eps = eps;
    out->seeds = seeds;

    /* k = 1 first: it also tells the parameter count, hence the default kmax */
    int passed = 0;
    fal_status st = probe_next(ctx, base, 1, out, &passed);
    if (st != FAL_OK) return st;
    uint64_t cap = kmax;
    if (!cap) cap = out->params > FAL_NEED_MAX_K / 4 ? FAL_NEED_MAX_K : 4 * out->params;
    if (cap > datacap) cap = datacap;
    if (cap < 1) cap = 1;
    out->kmax = cap;

    /* doubling: lo fails, hi passes */
    uint64_t lo = 1, hi = 0;
    if (passed) hi = 1;
    for (uint64_t k = 2; !hi && lo < cap; k *= 2) {
        if (k > cap) k = cap;
        st = probe_next(ctx, base, k, out, &passed);
        if (st != FAL_OK) return st;
        if (passed) hi = k;
        else lo = k;
    }
    if (!hi) return FAL_ENOCONV;
    /* bisection */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        st = probe_next(ctx, base, mid, out, &passed);
        if (st != FAL_OK) return st;
        if (passed) hi = mid;
        else lo = mid;
    }
    out->found = 1;
    out->k_needed = hi;
    out->test_error_at_k = probe_at(out, hi)->worst_test_error;
    const fal_need_probe *below = hi > 1 ? probe_at(out, hi - 1) : NULL;
    if (below) out->test_error_below = below->worst_test_error;
    return FAL_OK;
}
