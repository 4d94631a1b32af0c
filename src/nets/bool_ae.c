/* bool_ae.c -- N4, the Boolean autoencoder A(n, m, n) and its deeper forms
 * A(n, h.., m, ..h, n), every unit an unrestricted Boolean function (a truth
 * table of 2^(n_{i-1}) bits) of the layer before, Hamming distortion.
 *
 * Parameters: w = sum_i n_i 2^(n_{i-1}) bits, m 2^n + n 2^m for A(n, m, n).
 *
 * The optimum.  Whatever the hidden layers do, the m bottleneck bits give at
 * most 2^m codes, and any map H^n -> H^m followed by any map H^m -> H^n is
 * realisable (tables are unrestricted; a hidden layer of width >= m can
 * carry the code).  So the functions are exactly the maps H^n -> H^n with at
 * most 2^m image points, and on k examples:
 *  - at most 2^m distinct examples: each gets its own code, distortion 0;
 *  - more: the examples sharing a code are best decoded to their per-bit
 *    majority, so the optimum is the best clustering into <= 2^m groups in
 *    Hamming space (hamming.c: Lloyd with restarts and a swap search;
 *    hamming_mip.c: the exact optimum by an integer program, GLPK; a lower
 *    bound beyond its reach).
 * Unseen inputs go to the code of their nearest centre (the lowest index on
 * ties): every one of the 2^n inputs is encoded that way, which defines the
 * encoder's tables entirely; it is also how the trained network generalises
 * to fresh draws from a clustered source.
 *
 * The network.  Layer 1's first m units compute the code bits of the
 * nearest centre; every later hidden layer's first m units copy them
 * (table = input bit j); the last layer maps code j < c to centre j.  The
 * remaining units of wide hidden layers and the decoder entries of codes no
 * cluster uses (c < 2^m) are never read on the way from input to output:
 * they are drawn at random, visibly free -- the equivalence class is all
 * settings of them (and the relabellings of the codes).
 *
 * Error: Hamming distance / (k n), measured by evaluating the truth tables,
 * never read off the clustering; the two must agree (checked). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "hamming.h"


static inline unsigned tbit(const uint64_t *t, uint64_t b) { return (unsigned)(t[b >> 6] >> (b & 63)) & 1; }

/* A free unit's function without a table: bit 63 of a 64-bit mix
 * (splitmix64's finaliser) of the input and the unit's key. */
static unsigned free_bit(uint64_t key, size_t j, uint64_t x)
{
    uint64_t z = x ^ (key + 0x9e3779b97f4a7c15ULL * (j + 1));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (unsigned)((z ^ (z >> 31)) >> 63);
}

/* Layer i of an implicit net on input x: the same roles as fill_unit. */
static uint64_t implicit_layer(const fal__bool_ae_net *net, size_t i, uint64_t x)
{
    uint64_t y = 0, cmask = ((uint64_t)1 << net->m) - 1;
    size_t code = i == 1 ? fal__ham_nearest(x, net->centre, net->c, NULL) : 0;
    for (size_t j = 0; j < net->width[i]; j++) {
        unsigned bit;
        if (i == net->L) {
            uint64_t cd = x & cmask;
            bit = cd < net->c ? (unsigned)(net->centre[cd] >> j) & 1 : free_bit(net->key[i], j, x);
        } else if (j >= net->m) {
            bit = free_bit(net->key[i], j, x);
        } else {
            bit = i == 1 ? (unsigned)(code >> j) & 1 : (unsigned)(x >> j) & 1;
        }
        y |= (uint64_t)bit << j;
    }
    return y;
}

uint64_t fal__bool_ae_eval(const fal__bool_ae_net *net, uint64_t x)
{
    for (size_t i = 1; i <= net->L; i++) {
        uint64_t y = 0;
        if (net->implicit[i]) {
            y = implicit_layer(net, i, x);
        } else {
            const uint64_t *t = net->block + net->off[i];
            for (size_t j = 0; j < net->width[i]; j++, t += net->stride[i]) y |= (uint64_t)tbit(t, x) << j;
        }
        x = y;
    }
    return x;
}

void fal__bool_ae_net_free(fal_ctx *ctx, fal__bool_ae_net *net)
{
    size_t L1 = net->L + 1;
    fal__free(ctx, net->width, L1 * sizeof(size_t));
    fal__free(ctx, net->off, L1 * sizeof(size_t));
    fal__free(ctx, net->stride, L1 * sizeof(size_t));
    fal__free(ctx, net->block, net->nwords * sizeof(uint64_t));
    fal__free(ctx, net->centre, (net->c ? net->c : 1) * sizeof(uint64_t));
    fal__free(ctx, net->implicit, L1);
    fal__free(ctx, net->key, L1 * sizeof(uint64_t));
    memset(net, 0, sizeof *net);
}

/* Words per unit of layer i: one per 64 table entries, at least one. */
static size_t unit_words(size_t p) { return p >= 6 ? (size_t)1 << (p - 6) : 1; }

/* Words of the truth tables of arch, checked: FAL_ENOMEM when they overflow. */
static fal_status table_words(fal_ctx *ctx, const fal_arch *arch, size_t *out)
{
    size_t L = (size_t)fal_arch_depth(arch), words = 0;
    for (size_t i = 1; i <= L; i++) {
        size_t lw;
        if (fal_arch_width(arch, i - 1) > FAL__BOOLAE_MAX_TABLE) continue; /* a rule, no table */
        if (fal__mul(fal_arch_width(arch, i), unit_words(fal_arch_width(arch, i - 1)), &lw) ||
            fal__add(words, lw, &words) || words > SIZE_MAX / 16)
            return fal__fail(ctx, FAL_ENOMEM, "bool-ae needs more than 16 EiB (its truth tables overflow 64 bits)");
    }
    *out = words;
    return FAL_OK;
}

static fal_status net_alloc(fal_ctx *ctx, const fal_arch *arch, size_t c, fal__bool_ae_net *net)
{
    memset(net, 0, sizeof *net);
    size_t L = (size_t)fal_arch_depth(arch), words = 0;
    net->L = L;
    fal_status st = table_words(ctx, arch, &words);
    if (st != FAL_OK) return st;
    st = fal__budget(ctx, words * sizeof(uint64_t) + 3 * (L + 1) * sizeof(size_t), "bool-ae truth tables");
    if (st != FAL_OK) return st;
    net->width = fal__alloc(ctx, (L + 1) * sizeof(size_t), "bool-ae widths");
    net->off = net->width ? fal__alloc(ctx, (L + 1) * sizeof(size_t), "bool-ae offsets") : NULL;
    net->stride = net->off ? fal__alloc(ctx, (L + 1) * sizeof(size_t), "bool-ae strides") : NULL;
    net->centre = net->stride ? fal__alloc(ctx, (c ? c : 1) * sizeof(uint64_t), "bool-ae centres") : NULL;
    net->implicit = net->centre ? fal__calloc(ctx, L + 1, 1, "bool-ae implicit layers") : NULL;
    net->key = net->implicit ? fal__calloc(ctx, L + 1, sizeof(uint64_t), "bool-ae free keys") : NULL;
    net->block = net->key ? fal__alloc(ctx, (words ? words : 1) * sizeof(uint64_t), "bool-ae truth tables") : NULL;
    if (!net->block) {
        fal__free(ctx, net->implicit, L + 1);
        fal__free(ctx, net->key, (L + 1) * sizeof(uint64_t));
        fal__free(ctx, net->width, (L + 1) * sizeof(size_t));
        fal__free(ctx, net->off, (L + 1) * sizeof(size_t));
        fal__free(ctx, net->stride, (L + 1) * sizeof(size_t));
        fal__free(ctx, net->centre, (c ? c : 1) * sizeof(uint64_t));
        memset(net, 0, sizeof *net);
        return FAL_ENOMEM;
    }
    fal__advise_huge(net->block, (words ? words : 1) * sizeof(uint64_t));
    net->nwords = words ? words : 1;
    net->c = c;
    size_t off = 0;
    net->width[0] = fal_arch_width(arch, 0);
    net->off[0] = net->stride[0] = 0;
    for (size_t i = 1; i <= L; i++) {
        size_t p = fal_arch_width(arch, i - 1);
        net->width[i] = fal_arch_width(arch, i);
        net->off[i] = off;
        if (p > FAL__BOOLAE_MAX_TABLE) {
            net->implicit[i] = 1;
            net->stride[i] = 0;
            continue;
        }
        net->stride[i] = unit_words(p);
        off += net->width[i] * net->stride[i];
        net->block_bits += (uint64_t)net->width[i] << p; /* the entries actually stored */
    }
    return FAL_OK;
}

/* Table of one unit: entry b = f(b) for the roles below, built a word at a
 * time.  Free units and free entries take random bits from r. */
enum role { ROLE_FREE, ROLE_CODE, ROLE_COPY, ROLE_DECODE };

static void fill_unit(uint64_t *t, size_t p, enum role role, unsigned j, const uint32_t *label, const uint64_t *centre,
                      size_t c, unsigned m, fal_rng *r)
{
    size_t N = (size_t)1 << p, nw = unit_words(p);
    uint64_t cmask = ((uint64_t)1 << m) - 1;
    for (size_t q = 0; q < nw; q++) {
        uint64_t word = 0, rnd = fal_rng_next(r);
        size_t lim = N < 64 ? N : 64;
        for (size_t e = 0; e < lim; e++) {
            uint64_t b = q * 64 + e, bit;
            switch (role) {
            case ROLE_CODE: bit = (label[b] >> j) & 1; break;      /* code of the nearest centre */
            case ROLE_COPY: bit = (b >> j) & 1; break;
            case ROLE_DECODE: {
                uint64_t code = b & cmask;
                bit = code < c ? (centre[code] >> j) & 1 : (rnd >> e) & 1;
                break;
            }
            default: bit = (rnd >> e) & 1; break;
            }
            word |= bit << e;
        }
        t[q] = word;
    }
}

static size_t implicit_count(const fal__bool_ae_net *net)
{
    size_t c = 0;
    for (size_t i = 1; i <= net->L; i++) c += net->implicit[i];
    return c;
}

/* The network's outputs, as fal__ham_keep_rows calls them. */
static uint64_t eval_rows(const void *net, uint64_t x) { return fal__bool_ae_eval(net, x); }

/* Parameter export (doc/params.md): the centres as bit rows with their
 * training rows (only these with FAL_KEEP_CENTRES), every layer's
 * truth tables T_i (n_i x 2^(n_{i-1}), entry b of unit j = bit b of its
 * table) when every layer has tables and they hold at most
 * FAL__PARAMS_MAX_VALUES entries (else the centres and the documented rule
 * are the network), the rows and the outputs. */
static fal_status keep_params(fal_ctx *ctx, const fal_config *cfg, fal_result *res, const fal__bool_ae_net *net,
                              const fal__ham_data *d)
{
    fal_status st = fal__params_begin(ctx, cfg, res);
    if (st != FAL_OK) return st;
    fal_params *p = res->kept;
    st = fal__ham_keep_centres(ctx, p, net->centre, net->c, d->n, d->x, d->k);
    if (cfg->keep_params == FAL_KEEP_CENTRES) return st; /* what the store records, nothing more */
    int tables = implicit_count(net) == 0 && net->block_bits <= FAL__PARAMS_MAX_VALUES;
    for (size_t i = 1; tables && i <= net->L && st == FAL_OK; i++) {
        size_t N = (size_t)1 << net->width[i - 1], len = net->width[i] * N;
        double *v = fal__alloc(ctx, (len ? len : 1) * sizeof(double), "truth tables");
        if (!v) return FAL_ENOMEM;
        for (size_t j = 0; j < net->width[i]; j++) {
            const uint64_t *t = net->block + net->off[i] + j * net->stride[i];
            for (size_t b = 0; b < N; b++) v[j * N + b] = (double)tbit(t, b);
        }
        char name[FAL_ARRAY_NAME];
        snprintf(name, sizeof name, "T%zu", i);
        st = fal_params_add(p, name, FAL_DT_I8, 2, net->width[i], N, v);
        fal__free(ctx, v, (len ? len : 1) * sizeof(double));
    }
    if (st == FAL_OK) st = fal__ham_keep_rows(ctx, p, "train", d->x, d->k, d->n, eval_rows, net);
    if (st == FAL_OK && d->ntest) st = fal__ham_keep_rows(ctx, p, "test", d->x + d->k, d->ntest, d->n, eval_rows, net);
    return st;
}

fal_status fal__run_bool_ae(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    return fal__bool_ae_run(ctx, cfg, res, NULL);
}

fal_status fal__bool_ae_run(fal_ctx *ctx, const fal_config *cfg, fal_result *res, fal__bool_ae_net *keep)
{
    fal_status st;
    const fal_arch *arch;
    size_t n, m;
    if (keep) memset(keep, 0, sizeof *keep);
    st = fal__ae_arch(ctx, cfg, res, "bool-ae", 8, 2, " (no bottleneck is the bool family, N3)", &arch, &n, &m);
    if (st != FAL_OK) return st;
    uint64_t L64 = fal_arch_depth(arch);
    size_t L = (size_t)L64; /* a uniform arch has no bottleneck: L came from a width list */
    for (size_t i = 0; i <= L; i++)
        if (fal_arch_width(arch, i) > 64)
            return fal__fail(ctx, FAL_EINVAL, "bool-ae: width %zu of layer %zu; the limit is 64 (one word)",
                             fal_arch_width(arch, i), i);
    if (cfg->algo != FAL_ALGO_DEFAULT && cfg->algo != FAL_ALGO_EXACT)
        return fal__fail(ctx, FAL_EINVAL, "bool-ae trains by clustering: --algo exact (integer program) or the default "
                         "(Lloyd with restarts and swaps), not %s", fal_algo_name(cfg->algo));
    if (cfg->field != FAL_REAL) return fal__fail(ctx, FAL_EINVAL, "bool-ae is Boolean: no --field complex");
    /* w = sum_i n_i 2^(n_{i-1}) reaches 2^64 from n = 62 on: params then
     * saturates at 2^64 - 1 and log2_params carries it */
    uint64_t params = 0;
    double wd = 0;
    int saturated = 0;
    for (size_t i = 1; i <= L; i++) {
        uint64_t t;
        size_t p = fal_arch_width(arch, i - 1);
        wd += (double)fal_arch_width(arch, i) * ldexp(1.0, (int)p);
        if (p >= 64 || __builtin_mul_overflow((uint64_t)fal_arch_width(arch, i), (uint64_t)1 << p, &t) ||
            __builtin_add_overflow(params, t, &params))
            saturated = 1;
    }
    if (saturated) params = UINT64_MAX;

    /* ---- data ---- */
    fal_rng rdata, rstart, rtest, rfree;
    fal_rng_seed(&rdata, cfg->seed);
    rstart = rdata;
    fal_rng_jump(&rstart);
    rtest = rstart;
    fal_rng_jump(&rtest);
    rfree = rtest;
    fal_rng_jump(&rfree);
    fal__ham_data data = { 0 };
    fal__ham_set set = { 0 };
    fal__ham_solution sol = { 0 };
    fal__bool_ae_net net = { 0 };
    uint32_t *label = NULL;
    /* every input's label only when layer 1 has tables (n <= 24) */
    int tables1 = n <= FAL__BOOLAE_MAX_TABLE;
    size_t N = tables1 ? (size_t)1 << n : 0, C = (size_t)1 << m, words = 0, lim = fal_ctx_mem_limit(ctx);
    /* The network (its tables, the centres, every input's label) is made
     * after the clustering but sized by the architecture alone: it is
     * budgeted now, and reserved by lowering the limit while the examples
     * and the clustering take theirs, so that no run allocates its
     * examples and then finds no room for its tables. */
    st = table_words(ctx, arch, &words);
    if (st != FAL_OK) return st;
    if (m > 32) return fal__fail(ctx, FAL_EINVAL, "bool-ae: bottleneck m = %zu; the 2^m codes stop at m = 32", m);
    /* words <= SIZE_MAX / 16, L <= 2^20, C <= 2^32, N <= 2^24: no overflow */
    size_t reserve = words * sizeof(uint64_t) + 3 * (L + 1) * sizeof(size_t) + C * sizeof(uint64_t) +
                     (L + 1) * (1 + sizeof(uint64_t));
    reserve += N * (2 * sizeof(uint32_t) + 1); /* labels, and the search that finds them */
    st = fal__budget(ctx, reserve, "bool-ae");
    if (st != FAL_OK) return st;
    st = fal__ham_data_make_reserved(ctx, cfg, (unsigned)n, (unsigned)m, &rdata, &rtest, reserve, "its truth tables",
                                     &data);
    if (st != FAL_OK) return st;
    st = fal__ham_set_new(ctx, (unsigned)n, data.x, data.k, &set);
    if (st != FAL_OK) goto done;

    /* ---- train: cluster, then write the tables ---- */
    uint64_t maxit = cfg->max_steps ? cfg->max_steps : 1000;
    st = fal__ham_solve(ctx, &set, C, cfg->algo == FAL_ALGO_EXACT, maxit, &rstart, &sol);
    fal_ctx_set_mem_limit(ctx, lim); /* the reserve is now the network's */
    if (st != FAL_OK) goto done;
    if (tables1) {
        st = fal__budget(ctx, N * sizeof(uint32_t), "nearest centre of every input");
        if (st != FAL_OK) goto done;
        label = fal__alloc(ctx, N * sizeof(uint32_t), "nearest centre of every input");
        if (!label) {
            st = FAL_ENOMEM;
            goto done;
        }
        st = fal__ham_nearest_all(ctx, (unsigned)n, sol.cl.centre, sol.cl.c, label);
        if (st != FAL_OK) goto done;
    }
    st = net_alloc(ctx, arch, sol.cl.c, &net);
    if (st != FAL_OK) goto done;
    net.m = (unsigned)m;
    memcpy(net.centre, sol.cl.centre, sol.cl.c * sizeof(uint64_t));
    for (size_t i = 1; i <= L; i++) {
        size_t p = net.width[i - 1];
        if (net.implicit[i]) {
            net.key[i] = fal_rng_next(&rfree); /* the free units' functions of this layer */
            continue;
        }
        for (size_t j = 0; j < net.width[i]; j++) {
            enum role role = i == L ? ROLE_DECODE : j >= m ? ROLE_FREE : i == 1 ? ROLE_CODE : ROLE_COPY;
            fill_unit(net.block + net.off[i] + j * net.stride[i], p, role, (unsigned)j, label, net.centre, net.c,
                      (unsigned)m, &rfree);
        }
    }

    /* ---- measure ---- */
    uint64_t dtr = 0, dte = 0;
    for (size_t i = 0; i < data.k; i++) dtr += (uint64_t)__builtin_popcountll(fal__bool_ae_eval(&net, data.x[i]) ^ data.x[i]);
    for (size_t i = data.k; i < data.k + data.ntest; i++)
        dte += (uint64_t)__builtin_popcountll(fal__bool_ae_eval(&net, data.x[i]) ^ data.x[i]);
    /* nearest-centre encoding never does worse than the clustering, and at a
     * fixed point (or the optimum) every point already sits at a nearest centre */
    if (dtr > sol.cl.cost || (sol.fixed && dtr != sol.cl.cost)) {
        st = fal__fail(ctx, FAL_EINTERNAL, "bool-ae: the network's distortion %llu differs from its clustering's %llu",
                       (unsigned long long)dtr, (unsigned long long)sol.cl.cost);
        goto done;
    }
    double kn = (double)data.k * (double)n;
    int method = 0;
    res->params = params;
    res->examples = data.k;
    res->train_error = (double)dtr / kn;
    res->test_error = data.ntest ? (double)dte / ((double)data.ntest * (double)n) : NAN;
    res->optimum_error = sol.optimum != UINT64_MAX ? (double)sol.optimum / kn : NAN;
    /* N = 2^n maps need N in 64 bits: up to n = 63 (doc/bool-ae.md) */
    res->log2_classes = n <= 63 ? fal__ham_log2_maps((uint64_t)1 << n, (uint64_t)C, &method) : NAN;
    res->bits_provided = kn;
    res->converged = sol.fixed;
    res->steps = sol.iters;
    res->note = sol.fixed ? NULL : "Lloyd's round limit (--steps) came before a fixed point";
    res->algo = sol.how;
    uint64_t ref = sol.optimum != UINT64_MAX ? sol.optimum : sol.lower;
    fal__result_extra(res, "distortion", (double)dtr);
    fal__result_extra(res, "lower_bound", sol.lower != UINT64_MAX ? (double)sol.lower : NAN);
    fal__result_extra(res, "gap", ref != UINT64_MAX ? (double)dtr - (double)ref : NAN);
    fal__result_extra(res, "lloyd_distortion", sol.lloyd_cost != UINT64_MAX ? (double)sol.lloyd_cost : NAN);
    fal__result_extra(res, "clusters", (double)sol.cl.c);
    fal__result_extra(res, "distinct_examples", (double)set.u);
    fal__result_extra(res, "codes", (double)C);
    fal__result_extra(res, "restarts", (double)sol.restarts);
    fal__result_extra(res, "param_block_bits", (double)net.block_bits);
    fal__result_extra(res, "log2_classes_method", n <= 63 ? (double)method : NAN);
    fal__result_extra(res, "log2_params", log2(wd));
    fal__result_extra(res, "optimum_proved", sol.optimum != UINT64_MAX);
    fal__result_extra(res, "integer_program", sol.ip_run);
    fal__result_extra(res, "implicit_layers", (double)implicit_count(&net));
    fal__result_extra(res, "teacher_flip_prob", data.teacher ? FAL__HAM_FLIP_PROB : NAN);
    st = sol.fixed ? FAL_OK : FAL_ENOCONV;
    if (cfg->keep_params) {
        fal_status s3 = keep_params(ctx, cfg, res, &net, &data);
        if (s3 != FAL_OK) {
            st = s3;
            goto done;
        }
    }
    if (keep) {
        *keep = net;
        memset(&net, 0, sizeof net);
    }
done:
    fal_ctx_set_mem_limit(ctx, lim);
    if (net.block) fal__bool_ae_net_free(ctx, &net);
    fal__free(ctx, label, N * sizeof(uint32_t));
    fal__ham_solution_free(ctx, &sol);
    fal__ham_set_free(ctx, &set);
    fal__ham_data_free(ctx, &data);
    return st;
}
