/* parity_chain.c -- the engine of N1 (bool-chain) and N5 (threshold-chain).
 *
 * Both chains are L one-bit units whose composition is x XOR (parity of the
 * set bits): identity/NOT units (bit = NOT) or threshold units without bias
 * (bit = negative weight).  The maths of each and why its bit is the whole
 * story is in bool_chain.c and threshold_chain.c; this file holds what they
 * share: the data (a seeded identity/negation teacher, or two columns of
 * --data), the bit-packed start, the learning rule (flip one random bit when
 * more than half of the examples are wrong: at most one flip, optimal on the
 * training set), and the measurements.  The function is read back from the
 * parameters (the parity of a popcount over fixed blocks, the same at any
 * thread count), never from the decision. */
#include <math.h>
#include "nets.h"
#include "../kern/bits.h"

/* The chain's output bit for input bit x, given the parity of its set bits. */
static int chain_out(int parity, int x) { return x ^ parity; }

/* Parameter export (doc/params.md): the L unit bits as one vector -- b
 * (1 = NOT) for bool-chain, w (the weights read as -1/+1) for
 * threshold-chain --, then the rows, targets and outputs as values of the
 * units (0/1, or -1/+1 for sign units). */
static fal_status keep_params(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const fal__parity_spec *sp,
                              const uint64_t *w, size_t L, const unsigned char *xs, const unsigned char *ts, size_t k,
                              size_t ntest, int parity)
{
    fal_status st = fal__params_begin(ctx, cfg, res);
    if (st != FAL_OK) return st;
    int thr = sp->heaviside >= 0, pm = sp->minus_one;
    size_t nall = k + ntest, len = L > nall ? L : nall;
    double *v = fal__alloc(ctx, (len ? len : 1) * sizeof(double), "chain export");
    if (!v) return FAL_ENOMEM;
    for (size_t i = 0; i < L; i++) {
        int bit = fal__bits_get(w, i);
        v[i] = thr ? (bit ? -1.0 : 1.0) : (double)bit;
    }
    st = fal_params_add(res->kept, thr ? "w" : "b", FAL_DT_I8, 1, L, 0, v);
    for (int set = 0; set < 3 * 2 && st == FAL_OK; set++) {
        static const char *const names[] = { "x_train", "t_train", "pred_train", "x_test", "t_test", "pred_test" };
        size_t a = set >= 3 ? k : 0, n = set >= 3 ? ntest : k;
        if (set >= 3 && !ntest) break;
        for (size_t i = 0; i < n; i++) {
            int bit = set % 3 == 0 ? xs[a + i] : set % 3 == 1 ? ts[a + i] : chain_out(parity, xs[a + i]);
            v[i] = pm ? (bit ? 1.0 : -1.0) : (double)bit;
        }
        st = fal_params_add(res->kept, names[set], FAL_DT_I8, 2, n, 1, v);
    }
    fal__free(ctx, v, (len ? len : 1) * sizeof(double));
    return st;
}

fal_status fal__run_parity_chain(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const fal__parity_spec *sp)
{
    const fal_arch *arch;
    fal_status st = fal__chain_arch(ctx, cfg, res, sp->family, 1000, &arch);
    if (st != FAL_OK) return st;
    uint64_t L = fal_arch_depth(arch);
    if (cfg->field != FAL_REAL) return fal__fail(ctx, FAL_EINVAL, "%s is Boolean: --field complex refused", sp->family);
    if (cfg->algo != FAL_ALGO_DEFAULT)
        return fal__fail(ctx, FAL_EINVAL, "%s learns by %s: --algo %s does not apply", sp->family, sp->learn_words,
                         fal_algo_name(cfg->algo));
    if (cfg->keep_params && L > FAL__PARAMS_MAX_VALUES)
        return fal__params_too_big(ctx, sp->family, "one value per unit", (double)L);
    size_t nw = fal__bits_words(L), wbytes;
    if (fal__mul(nw, sizeof(uint64_t), &wbytes))
        return fal__fail(ctx, FAL_ENOMEM, "%s needs more than 16 EiB (its bits overflow 64 bits)", sp->family);
    int threads = fal_ctx_threads(ctx);

    /* ---- data: input and target bits, training rows then test rows ---- */
    size_t k, ntest;
    if (cfg->data) {
        st = fal__split_sizes(ctx, cfg, 2, &k, &ntest);
        if (st != FAL_OK) return st;
        if (fal_table_field(cfg->data) != FAL_REAL) return fal__fail(ctx, FAL_EINVAL, "--data must be real");
        const double *v = fal_table_cdata(cfg->data);
        for (size_t i = 0; i < 2 * (k + ntest); i++)
            if (v[i] != 0.0 && v[i] != 1.0 && (!sp->minus_one || v[i] != -1.0))
                return fal__fail(ctx, FAL_EINVAL, "--data row %zu column %zu: %g is not %s", i / 2 + 1, i % 2 + 1, v[i],
                                 sp->values);
    } else {
        k = cfg->examples_set ? cfg->examples : 1;
        ntest = cfg->test ? 2 : 0;
        if (k == 0) return fal__fail(ctx, FAL_EINVAL, "no training examples (--examples 0)");
    }
    size_t nall, need;
    if (fal__add(k, ntest, &nall) || fal__add(nall, nall, &need) || fal__add(wbytes, need, &need))
        return fal__fail(ctx, FAL_ENOMEM, "%s needs more than 16 EiB (%zu examples, %zu test inputs)", sp->family, k,
                         ntest);
    st = fal__budget(ctx, need, sp->family);
    if (st != FAL_OK) return st;
    unsigned char *xs = fal__alloc(ctx, nall, "chain inputs");
    unsigned char *ts = fal__alloc(ctx, nall, "chain targets");
    uint64_t *w = xs && ts ? fal__alloc(ctx, wbytes, "chain bits") : NULL;
    if (!xs || !ts || !w) {
        st = FAL_ENOMEM;
        goto done;
    }
    fal__advise_huge(w, wbytes);
    fal_rng rs[3];
    fal__streams(cfg->seed, rs, 3);
    fal_rng rdata = rs[0], rinit = rs[1], rlearn = rs[2];
    double teacher = NAN;
    if (cfg->data) {
        /* 1 (or +1) is bit 1; 0 and -1 are bit 0 */
        const double *v = fal_table_cdata(cfg->data);
        for (size_t i = 0; i < nall; i++) {
            xs[i] = v[2 * i] > 0.0;
            ts[i] = v[2 * i + 1] > 0.0;
        }
    } else {
        int tau = (int)(fal_rng_next(&rdata) >> 63); /* 0: identity, 1: negation */
        teacher = tau;
        for (size_t i = 0; i < k; i++) xs[i] = (unsigned char)(fal_rng_next(&rdata) >> 63);
        for (size_t i = 0; i < ntest; i++) xs[k + i] = (unsigned char)i; /* the whole input space */
        for (size_t i = 0; i < nall; i++) ts[i] = (unsigned char)(xs[i] ^ tau);
    }

    /* ---- start and learning ---- */
    fal__bits_random(w, L, fal_rng_next(&rinit), threads);
    int parity0 = (int)(fal__bits_popcount(w, nw, threads) & 1);
    size_t wrong = 0, agree = 0;
    for (size_t i = 0; i < k; i++) {
        wrong += (size_t)(chain_out(parity0, xs[i]) != ts[i]);
        agree += (size_t)(xs[i] == ts[i]);
    }
    double flipped = NAN;
    uint64_t steps = 0;
    if (2 * wrong > k) {
        uint64_t u = fal_rng_below(&rlearn, L);
        fal__bits_flip(w, u);
        flipped = (double)(u + 1);
        steps = 1;
    }
    /* the function is read back from the parameters, not from the decision */
    uint64_t set = fal__bits_popcount(w, nw, threads);
    int parity = (int)(set & 1);

    /* ---- measure ---- */
    size_t dtr = 0, dte = 0, unseen = 0, dunseen = 0;
    int seen[2] = { 0, 0 };
    for (size_t i = 0; i < k; i++) {
        dtr += (size_t)(chain_out(parity, xs[i]) != ts[i]);
        seen[xs[i]] = 1;
    }
    for (size_t i = k; i < nall; i++) {
        int bad = chain_out(parity, xs[i]) != ts[i];
        dte += (size_t)bad;
        if (!seen[xs[i]]) {
            unseen++;
            dunseen += (size_t)bad;
        }
    }
    size_t dopt = agree < k - agree ? agree : k - agree;
    res->params = L;
    res->examples = k;
    res->train_error = (double)dtr / (double)k;
    res->optimum_error = (double)dopt / (double)k;
    res->test_error = ntest ? (double)dte / (double)ntest : NAN;
    res->log2_classes = 1;
    res->bits_provided = (double)k; /* k nL target bits: the inputs are chosen, not learned */
    res->converged = dtr == dopt;
    res->steps = steps;
    res->algo = "flip";
    res->note = res->converged ? NULL : "the flip rule missed the optimum (a bug)";
    fal__result_extra(res, "log2_settings", (double)L);
    fal__result_extra(res, "log2_settings_per_class", (double)L - 1);
    fal__result_extra(res, sp->set_name, (double)set);
    fal__result_extra(res, "parity", parity);
    fal__result_extra(res, "start_parity", parity0);
    fal__result_extra(res, "teacher", teacher);
    fal__result_extra(res, sp->flip_name, flipped);
    fal__result_extra(res, "unseen_error", unseen ? (double)dunseen / (double)unseen : NAN);
    if (sp->heaviside >= 0) fal__result_extra(res, "heaviside", sp->heaviside);
    fal__result_extra(res, "param_bytes", (double)wbytes);
    st = res->converged ? FAL_OK : FAL_ENOCONV;
    if (cfg->keep_params) {
        fal_status s3 = keep_params(ctx, cfg, res, sp, w, (size_t)L, xs, ts, k, ntest, parity);
        if (s3 != FAL_OK) st = s3;
    }
done:
    fal__free(ctx, w, wbytes);
    fal__free(ctx, xs, nall);
    fal__free(ctx, ts, nall);
    return st;
}
