/* test_threshold_ae.c -- N6: the threshold-gate autoencoder
 * (src/nets/threshold_ae.c) and its gate kernels (src/kern/ptf.c).  The
 * oracles: brute force over every partition of a dozen examples (N4's
 * optimum), the number of linearly separable Boolean functions of 4
 * variables (1882, OEIS A000609), the binomial closed form of w, and the
 * function on all 2^n inputs before and after a symmetry. */
#include <string.h>
#include "test.h"
#include "oracle_hamming.h"
#include "../src/nets/hamming.h"
#include "../src/kern/ptf.h"

/* ---- helpers ---------------------------------------------------------------- */

static fal_status run_thr(const size_t *widths, size_t nw, size_t k, uint64_t seed, unsigned degree, fal_units units,
                          const fal_table *data, fal_result *res, fal__thr_ae_net *keep)
{
    fal_ctx *ctx = test_ctx();
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("threshold-ae");
    fal_arch *arch = NULL;
    if (fal_arch_from_widths(ctx, widths, nw, &arch) != FAL_OK) return FAL_EINTERNAL;
    cfg.arch = arch;
    if (k) {
        cfg.examples = k;
        cfg.examples_set = 1;
    }
    cfg.seed = seed;
    cfg.degree = degree;
    cfg.units = units;
    cfg.data = data;
    memset(res, 0, sizeof *res);
    fal_status st = keep ? fal__thr_ae_run(ctx, &cfg, res, keep) : fal_run(ctx, &cfg, res);
    res->arch = NULL;
    fal_arch_free(arch);
    return st;
}

/* sum_{j <= min(d, p)} C(p, j) by the product formula. */
static uint64_t monomials(unsigned p, unsigned d)
{
    uint64_t s = 0;
    for (unsigned j = 0; j <= d && j <= p; j++) {
        uint64_t c = 1;
        for (unsigned i = 1; i <= j; i++) c = c * (p - j + i) / i;
        s += c;
    }
    return s;
}

/* ---- parameters and refusals ------------------------------------------------- */

/* Claim N6: w = sum_i n_i sum_{j <= d} C(n_{i-1}, j) (2nm + n + m for d = 1),
 * equal to the weights actually stored. */
TEST(test_n6_params_closed_form_and_block)
{
    fal_ctx *ctx = test_ctx();
    const size_t a1[] = { 6, 2, 6 }, a2[] = { 8, 3, 8 }, a3[] = { 5, 4, 2, 3, 5 };
    const size_t *as[] = { a1, a2, a3 };
    const size_t ns[] = { 3, 3, 5 };
    const unsigned ds[] = { 1, 2, 3, 6, 9 };
    for (int q = 0; q < 3; q++)
        for (int t = 0; t < 5; t++) {
            if (ds[t] > 6 && as[q][0] > 20) continue;
            fal_result res;
            fal__thr_ae_net net;
            fal_status st = run_thr(as[q], ns[q], 24, 1, ds[t], FAL_UNITS_SIGN, NULL, &res, &net);
            CHECK_MSG(st == FAL_OK || st == FAL_ENOCONV, "arch %d d=%u: %s %s", q, ds[t], fal_errstr(st),
                      fal_ctx_message(ctx));
            if (st != FAL_OK && st != FAL_ENOCONV) continue;
            uint64_t w = 0, block = 0;
            for (size_t i = 1; i < ns[q]; i++) w += as[q][i] * monomials((unsigned)as[q][i - 1], ds[t]);
            if (ds[t] == 1 && ns[q] == 3) CHECK(w == 2 * as[q][0] * as[q][1] + as[q][0] + as[q][1]);
            for (size_t i = 0; i < net.L; i++) block += (uint64_t)net.layer[i].width * net.layer[i].M;
            CHECK_MSG(res.params == w, "arch %d d=%u: params %llu, closed form %llu", q, ds[t],
                      (unsigned long long)res.params, (unsigned long long)w);
            CHECK(block == w && net.nw == w);
            CHECK(fal_result_extra(&res, "param_block") == (double)w);
            fal__thr_ae_net_free(ctx, &net);
        }
}

TEST(test_n6_refuses_bad_options)
{
    const size_t nob[] = { 4, 5, 4 }, wide[] = { 22, 2, 22 }, bigm[] = { 40, 17, 40 }, huge[] = { 65, 2, 65 };
    fal_result res;
    CHECK(run_thr(nob, 3, 10, 1, 1, FAL_UNITS_SIGN, NULL, &res, NULL) == FAL_EINVAL);
    CHECK(run_thr(wide, 3, 10, 1, 22, FAL_UNITS_SIGN, NULL, &res, NULL) == FAL_EINVAL); /* 2^22 weights a gate */
    CHECK(run_thr(bigm, 3, 10, 1, 1, FAL_UNITS_SIGN, NULL, &res, NULL) == FAL_EINVAL);
    CHECK(run_thr(huge, 3, 10, 1, 1, FAL_UNITS_SIGN, NULL, &res, NULL) == FAL_EINVAL);
    char out[256];
    CHECK(test_cli("run threshold-ae --widths 4,4,4", out, sizeof out) == 2);
    CHECK(test_cli("run threshold-ae --widths 4,2,4 --algo gd", out, sizeof out) == 2);
    CHECK(test_cli("run threshold-ae --widths 4,2,4 --degree 4 --units heaviside --json", out, sizeof out) == 0);
    CHECK(strstr(out, "\"id\":\"N6\"") != NULL);
}

/* ---- the gates ----------------------------------------------------------------- */

/* The perceptron with pocket realises every linear threshold function of 4
 * variables, in both conventions; the functions, generated from integer
 * weights, number 1882 (A000609), and none of a sample of the others
 * reaches zero errors. */
TEST(test_n6_perceptron_realises_all_threshold_functions_of_4)
{
    static uint8_t is_thr[65536];
    memset(is_thr, 0, sizeof is_thr);
    size_t count = 0;
    for (int w0 = -3; w0 <= 3; w0++)
        for (int w1 = -3; w1 <= 3; w1++)
            for (int w2 = -3; w2 <= 3; w2++)
                for (int w3 = -3; w3 <= 3; w3++)
                    for (int b = -9; b <= 9; b++) {
                        unsigned f = 0;
                        for (unsigned x = 0; x < 16; x++) {
                            int s = b + w0 * (int)(x & 1) + w1 * (int)((x >> 1) & 1) + w2 * (int)((x >> 2) & 1) +
                                    w3 * (int)((x >> 3) & 1);
                            f |= (unsigned)(s > 0) << x;
                        }
                        if (!is_thr[f]) count++;
                        is_thr[f] = 1;
                    }
    CHECK_MSG(count == 1882, "%zu threshold functions of 4 variables", count);
    uint64_t mono[5], z[16], v[16];
    fal__ptf_monomials(4, 1, mono);
    for (unsigned x = 0; x < 16; x++) {
        z[x] = x;
        v[x] = 1;
    }
    fal_rng r;
    fal_rng_seed(&r, 1);
    size_t fitted[2] = { 0, 0 }, wrong = 0;
    for (unsigned f = 0; f < 65536; f++) {
        if (!is_thr[f] && f % 16 != 5) continue; /* every threshold function, a sample of the others */
        uint8_t y[16];
        for (unsigned x = 0; x < 16; x++) y[x] = (f >> x) & 1;
        for (int sign = 0; sign < 2; sign++) {
            int64_t w[5] = { 0 }, cur[5];
            uint32_t order[16];
            uint64_t e = fal__ptf_fit(mono, 5, sign, z, y, v, 16, is_thr[f] ? 2000 : 10, &r, w, cur, order, NULL);
            if (e == 0) {
                fitted[sign]++;
                if (!is_thr[f]) wrong++;
                for (unsigned x = 0; x < 16; x++)
                    if (fal__ptf_out(mono, w, 5, sign, x) != y[x]) wrong++;
            }
        }
    }
    CHECK_MSG(fitted[0] == 1882 && fitted[1] == 1882, "fitted %zu (heaviside), %zu (sign)", fitted[0], fitted[1]);
    CHECK(wrong == 0);
}

/* With d >= p the interpolated weights realise any function exactly, in both
 * conventions; the parity of p variables needs degree p (no degree p-1 gate
 * fits it), the other side of the same claim. */
TEST(test_n6_interpolation_and_parity)
{
    fal_rng r;
    fal_rng_seed(&r, 4);
    for (unsigned p = 1; p <= 6; p++) {
        size_t N = (size_t)1 << p, M = (size_t)fal__ptf_nmono(p, p);
        CHECK(M == N);
        uint64_t mono[64];
        int64_t a[64], w[64];
        fal__ptf_monomials(p, p, mono);
        for (int sign = 0; sign < 2; sign++)
            for (int trial = 0; trial < 5; trial++) {
                uint64_t f = fal_rng_next(&r);
                for (size_t b = 0; b < N; b++) a[b] = (f >> b) & 1 ? 1 : -1;
                fal__ptf_interpolate(a, p, sign);
                for (size_t t = 0; t < M; t++) w[t] = a[mono[t]];
                int bad = 0;
                for (size_t b = 0; b < N; b++) {
                    int64_t P = fal__ptf_sum(mono, w, M, sign, b);
                    if (fal__ptf_out(mono, w, M, sign, b) != ((f >> b) & 1)) bad++;
                    /* |P| is 1 (heaviside) or 2^p (sign) everywhere */
                    if ((P < 0 ? -P : P) != (sign ? (int64_t)N : 1)) bad++;
                }
                CHECK_MSG(bad == 0, "p=%u sign=%d: %d wrong", p, sign, bad);
            }
        if (p >= 2) {
            size_t Mq = (size_t)fal__ptf_nmono(p, p - 1);
            uint64_t z[64], v[64];
            uint8_t y[64];
            uint32_t order[64];
            int64_t wq[64] = { 0 }, cur[64];
            fal__ptf_monomials(p, p - 1, mono);
            for (size_t b = 0; b < N; b++) {
                z[b] = b;
                v[b] = 1;
                y[b] = (uint8_t)(__builtin_popcountll(b) & 1);
            }
            CHECK(fal__ptf_fit(mono, Mq, 1, z, y, v, N, 200, &r, wq, cur, order, NULL) > 0);
        }
    }
}

/* ---- the claims -------------------------------------------------------------- */

/* Claim N6 (d >= n): every gate realises any Boolean function of its inputs,
 * so on tiny cases (n <= 4) the network reaches N4's optimum, checked by
 * brute force; optimum_error and log2_classes are then N4's. */
TEST(test_n6_universal_degree_reaches_n4_optimum)
{
    fal_rng gen;
    fal_rng_seed(&gen, 77);
    int clustered = 0;
    for (int trial = 0; trial < 16; trial++) {
        unsigned n = 3 + (unsigned)fal_rng_below(&gen, 2), m = 1 + (unsigned)fal_rng_below(&gen, n - 1);
        size_t k = 8 + (size_t)fal_rng_below(&gen, 5);
        uint64_t x[12];
        oracle_clustered_points(&gen, n, k, x);
        uint64_t opt = oracle_hamming_optimum(x, k, n, 1u << m);
        if (opt > 0) clustered++;
        fal_table *t = oracle_bits_table(x, k, n);
        size_t w[] = { n, m, n }, deep[] = { n, n, m, m + 1, n };
        for (int sign = 0; sign < 2; sign++)
            for (int arch = 0; arch < 2; arch++) {
                fal_result res;
                unsigned d = n + (unsigned)(trial % 3);
                fal_status st = run_thr(arch ? deep : w, arch ? 5 : 3, 0, (uint64_t)trial, d,
                                        sign ? FAL_UNITS_SIGN : FAL_UNITS_HEAVISIDE, t, &res, NULL);
                CHECK_MSG(st == FAL_OK, "trial %d: %s %s", trial, fal_errstr(st), fal_ctx_message(test_ctx()));
                CHECK_MSG(res.train_error * (double)(k * n) == (double)opt,
                          "trial %d n=%u m=%u k=%zu d=%u sign=%d arch=%d: distortion %g, N4 optimum %llu", trial, n,
                          m, k, d, sign, arch, res.train_error * (double)(k * n), (unsigned long long)opt);
                CHECK(res.optimum_error == res.train_error);
                CHECK(fal_result_extra(&res, "gap") == 0.0);
                CHECK_NEAR(res.log2_classes, log2((double)fal__ham_maps_exact(1u << n, 1u << m)), 1e-12);
            }
        fal_table_free(t);
    }
    CHECK(clustered >= 12);
}

/* Claim N6 with d < n: N4's optimum on the same data bounds the distortion
 * from below (gap >= 0, measured by brute force); N6 reports N4's figure on
 * N4's data (same seed: same examples, same clustering as bool-ae). */
TEST(test_n6_low_degree_gap_against_n4)
{
    const size_t w[] = { 5, 2, 5 };
    fal_rng gen;
    fal_rng_seed(&gen, 3);
    for (int trial = 0; trial < 12; trial++) {
        uint64_t x[12];
        oracle_clustered_points(&gen, 5, 12, x);
        uint64_t opt = oracle_hamming_optimum(x, 12, 5, 4);
        fal_table *t = oracle_bits_table(x, 12, 5);
        for (unsigned d = 1; d <= 2; d++) {
            fal_result res;
            fal_status st = run_thr(w, 3, 0, 1, d, FAL_UNITS_SIGN, t, &res, NULL);
            CHECK(st == FAL_OK || st == FAL_ENOCONV);
            double D = fal_result_extra(&res, "distortion");
            CHECK(D == res.train_error * 60);
            CHECK_MSG(D >= (double)opt, "trial %d d=%u: distortion %g below N4's optimum %llu", trial, d, D,
                      (unsigned long long)opt);
            CHECK(fal_result_extra(&res, "n4_optimum") == (double)opt);
            CHECK(fal_result_extra(&res, "gap") == D - (double)opt);
            CHECK(isnan(res.optimum_error));
        }
        fal_table_free(t);
    }
    /* the same figures as bool-ae on the teacher's data */
    const size_t a[] = { 8, 2, 8 };
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("bool-ae");
    fal_arch *arch = NULL;
    CHECK_OK(fal_arch_from_widths(test_ctx(), a, 3, &arch));
    cfg.arch = arch;
    cfg.examples = 100;
    cfg.examples_set = 1;
    cfg.seed = 6;
    fal_result r4, r6;
    CHECK_OK(fal_run(test_ctx(), &cfg, &r4));
    fal_arch_free(arch);
    fal_status st = run_thr(a, 3, 100, 6, 1, FAL_UNITS_HEAVISIDE, NULL, &r6, NULL);
    CHECK(st == FAL_OK || st == FAL_ENOCONV);
    double n4 = isnan(r4.optimum_error) ? fal_result_extra(&r4, "distortion") : r4.optimum_error * 800;
    CHECK(fal_result_extra(&r6, "n4_optimum") == n4);
    CHECK(fal_result_extra(&r6, "clusters") == fal_result_extra(&r4, "clusters"));
    CHECK(fal_result_extra(&r6, "n4_test_error") == r4.test_error);
    CHECK(fal_result_extra(&r6, "distortion") >= n4 || isnan(r4.optimum_error));
}

/* Permute the units of hidden layer h (1 <= h < L): the rows of layer h-1 and
 * the variables of layer h's monomials. */
static void permute_units(fal__thr_ae_net *net, size_t h, const unsigned *pi)
{
    fal__thr_layer *in = &net->layer[h - 1], *out = &net->layer[h];
    size_t M = in->M, Mo = out->M;
    int64_t *tmp = malloc(in->width * M * sizeof *tmp);
    memcpy(tmp, in->w, in->width * M * sizeof *tmp);
    for (unsigned j = 0; j < in->width; j++) memcpy(in->w + (size_t)pi[j] * M, tmp + (size_t)j * M, M * sizeof *tmp);
    free(tmp);
    tmp = malloc(Mo * sizeof *tmp);
    for (unsigned u = 0; u < out->width; u++) {
        int64_t *w = out->w + (size_t)u * Mo;
        memcpy(tmp, w, Mo * sizeof *tmp);
        for (size_t t = 0; t < Mo; t++) {
            uint64_t S = out->mono[t], T = 0;
            for (unsigned i = 0; i < out->p; i++)
                if ((S >> i) & 1) T |= (uint64_t)1 << pi[i];
            w[fal__ptf_find(out->mono, Mo, T)] = tmp[t];
        }
    }
    free(tmp);
}

/* Claim N6's equivalences: permuting hidden units (with their outgoing
 * variables) and multiplying a unit's weights by a positive integer leave the
 * outputs identical on all 2^n inputs; a permutation of the units alone, or a
 * negative factor, changes them (the check can fail). */
TEST(test_n6_equivalences_permutation_and_rescaling)
{
    fal_ctx *ctx = test_ctx();
    const size_t a1[] = { 6, 3, 6 }, a2[] = { 6, 4, 3, 4, 6 };
    const size_t *as[] = { a1, a2 };
    const size_t ns[] = { 3, 5 };
    const unsigned ds[] = { 1, 2, 6 };
    int broke = 0, cases = 0;
    for (int q = 0; q < 2; q++)
        for (int t = 0; t < 3; t++)
            for (int sign = 0; sign < 2; sign++) {
                fal_result res;
                fal__thr_ae_net net;
                fal_status st = run_thr(as[q], ns[q], 20, 5 + (uint64_t)t, ds[t],
                                        sign ? FAL_UNITS_SIGN : FAL_UNITS_HEAVISIDE, NULL, &res, &net);
                CHECK(st == FAL_OK || st == FAL_ENOCONV);
                if (st != FAL_OK && st != FAL_ENOCONV) continue;
                uint64_t before[64], after[64];
                for (uint64_t b = 0; b < 64; b++) before[b] = fal__thr_ae_eval(&net, b);
                /* a cyclic shift of every hidden layer's units */
                for (size_t h = 1; h < net.L; h++) {
                    unsigned pi[64], wd = net.layer[h - 1].width;
                    for (unsigned j = 0; j < wd; j++) pi[j] = (j + 1) % wd;
                    permute_units(&net, h, pi);
                }
                /* positive integer factors on every gate */
                for (size_t i = 0; i < net.L; i++)
                    for (unsigned j = 0; j < net.layer[i].width; j++)
                        for (size_t s = 0; s < net.layer[i].M; s++) net.layer[i].w[j * net.layer[i].M + s] *= 2 + (j % 5);
                int diff = 0;
                for (uint64_t b = 0; b < 64; b++) {
                    after[b] = fal__thr_ae_eval(&net, b);
                    diff += after[b] != before[b];
                }
                CHECK_MSG(diff == 0, "arch %d d=%u sign=%d: %d inputs changed", q, ds[t], sign, diff);
                /* the control: negate code unit 0's gate (now at row 1 of the
                 * first layer), which flips code bit 0 wherever P != 0 */
                cases++;
                fal__thr_layer *l0 = &net.layer[0];
                int64_t *g = l0->w + (1 % l0->width) * l0->M;
                for (size_t s = 0; s < l0->M; s++) g[s] = -g[s];
                for (uint64_t b = 0; b < 64; b++)
                    if (fal__thr_ae_eval(&net, b) != before[b]) {
                        broke++;
                        break;
                    }
                fal__thr_ae_net_free(ctx, &net);
            }
    CHECK_MSG(broke == cases, "a negated encoder gate left the function unchanged in %d of %d cases",
              cases - broke, cases);
}

/* Same seed, same result bytes, whatever the thread count. */
TEST(test_n6_deterministic)
{
    fal_ctx *ctx = test_ctx();
    const size_t w[] = { 7, 3, 7 };
    fal_result r1, r2;
    fal_ctx_set_threads(ctx, 1);
    fal_status s1 = run_thr(w, 3, 120, 9, 1, FAL_UNITS_SIGN, NULL, &r1, NULL);
    fal_ctx_set_threads(ctx, 3);
    fal_status s2 = run_thr(w, 3, 120, 9, 1, FAL_UNITS_SIGN, NULL, &r2, NULL);
    CHECK(s1 == s2);
    r1.seconds = r2.seconds = 0;
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0);
}

/* Claim N6 (d >= n) beyond tiny cases: the threshold network computes N4's
 * function, so on the same seed its training and fresh-input errors are
 * bool-ae's exactly, whichever unit convention. */
TEST(test_n6_universal_degree_is_the_n4_network)
{
    const size_t a1[] = { 8, 2, 8 }, a2[] = { 7, 3, 7 }, a3[] = { 6, 5, 3, 4, 6 };
    const size_t *as[] = { a1, a2, a3 };
    const size_t ns[] = { 3, 3, 5 };
    for (int q = 0; q < 3; q++)
        for (uint64_t seed = 1; seed <= 2; seed++) {
            fal_config cfg;
            fal_config_init(&cfg);
            cfg.family = fal_family_find("bool-ae");
            fal_arch *arch = NULL;
            CHECK_OK(fal_arch_from_widths(test_ctx(), as[q], ns[q], &arch));
            cfg.arch = arch;
            cfg.examples = 60;
            cfg.examples_set = 1;
            cfg.seed = seed;
            fal_result r4;
            CHECK_OK(fal_run(test_ctx(), &cfg, &r4));
            fal_arch_free(arch);
            for (int sign = 0; sign < 2; sign++) {
                fal_result r6;
                CHECK_OK(run_thr(as[q], ns[q], 60, seed, (unsigned)as[q][0], sign ? FAL_UNITS_SIGN : FAL_UNITS_HEAVISIDE,
                                 NULL, &r6, NULL));
                CHECK_MSG(r6.train_error == r4.train_error && r6.test_error == r4.test_error,
                          "arch %d seed %llu sign %d: N6 %g/%g, N4 %g/%g", q, (unsigned long long)seed, sign,
                          r6.train_error, r6.test_error, r4.train_error, r4.test_error);
                CHECK(fal_result_extra(&r6, "gap") == 0.0);
                CHECK(r6.log2_classes == r4.log2_classes);
                CHECK(r6.optimum_error == r4.optimum_error || (isnan(r6.optimum_error) && isnan(r4.optimum_error)));
            }
        }
}
