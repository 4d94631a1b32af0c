/* hamming.c -- optimal Hamming clustering and N4's class count, shared by
 * bool-ae (N4) and threshold-ae (N6).
 *
 * The problem.  k examples in H^n, at most C = 2^m codes.  Every example
 * with the same code is decoded to the same vector, and the vector that
 * minimises the summed Hamming distance to a group is its per-bit majority
 * (each bit independently: pay the minority count).  So the optimum of the
 * autoencoder on its training set is
 *   min over partitions into <= C groups of sum_groups sum_bits min(ones, zeros),
 * the Hamming analogue of k-medians, NP-hard in general.  Lloyd with
 * restarts, single-point moves and a swap search is the heuristic; the
 * integer program of hamming_mip.c (GLPK) gives the exact answer where u 2^n
 * is small enough; a Russian-doll branch and bound over partitions (exact up
 * to about 30 distinct points) feeds the group lower bound and the tests;
 * fal__ham_lower_bound certifies what it can beyond.  Everything is
 * integer; only the class count is reported as a log.  The one parallel loop
 * (Lloyd's assignment) writes each point's own result, so the thread count
 * never changes a byte. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hamming.h"

static inline unsigned hd(uint64_t a, uint64_t b) { return (unsigned)__builtin_popcountll(a ^ b); }
static inline uint64_t low_mask(unsigned n) { return n >= 64 ? UINT64_MAX : (((uint64_t)1 << n) - 1); }

/* ---- data ---------------------------------------------------------------- */

/* The swap search's pass costs C u^2 and its table u^2 bytes: it runs up to
 * these sizes. */
#define FAL__HAM_SWAP_U 4096
#define FAL__HAM_SWAP_WORK ((double)(1 << 28))

/* The most the swap search and the integer program can budget for up to
 * u_max distinct points: the swap table for the largest u <= u_max that
 * still runs it, the program's arrays and GLPK's estimate (hamming_mip.c)
 * for the largest u whose u 2^n cells it accepts (unasked or, exact, asked). */
size_t fal__ham_solver_bytes(size_t u_max, unsigned n, size_t C, int exact)
{
    size_t us = u_max < FAL__HAM_SWAP_U ? u_max : FAL__HAM_SWAP_U;
    while (us && (double)C * (double)us * (double)us > FAL__HAM_SWAP_WORK) us--;
    size_t bytes = us * us + us * (sizeof(uint32_t) + 2);
    if (n < 32) {
        size_t K = (size_t)1 << n, lim = exact ? FAL__HAM_MIP_CELLS : FAL__HAM_MIP_AUTO_CELLS;
        size_t ui = lim / K < u_max ? lim / K : u_max;
        if (ui > C) bytes += fal__ham_mip_bytes(ui * K, K, C) + K * sizeof(uint64_t);
    }
    return bytes;
}

fal_status fal__ham_data_make(fal_ctx *ctx, const fal_config *cfg, unsigned n, unsigned m, fal_rng *rdata,
                              fal_rng *rtest, fal__ham_data *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    size_t k, ntest, total, t1;
    fal_status st;
    if (cfg->data) {
        st = fal__split_sizes(ctx, cfg, n, &k, &ntest);
        if (st != FAL_OK) return st;
        if (fal_table_field(cfg->data) != FAL_REAL) return fal__fail(ctx, FAL_EINVAL, "--data must be real 0/1 values");
    } else {
        k = cfg->examples_set ? cfg->examples : FAL__HAM_DEFAULT_K(m);
        ntest = cfg->test;
        if (k == 0) return fal__fail(ctx, FAL_EINVAL, "no training examples (--examples 0)");
    }
    const char *family = cfg->family ? cfg->family->name : "autoencoder";
    /* cluster assignments and codes are 32-bit */
    if (k > UINT32_MAX)
        return fal__fail(ctx, FAL_EINVAL, "%s: --examples %zu: at most 2^32 - 1 training examples (32-bit assignments)",
                         family, k);
    /* The budget covers, before anything is allocated, every block that
     * grows with the examples in bool-ae and threshold-ae: the examples and
     * the teacher's centres (8 bytes each); the distinct set (16 bytes per
     * training example); per distinct example (at most min(k, 2^n) of them),
     * the clustering's and Lloyd's assignments and seeding (16), the lower
     * bounds' terms (13) and threshold-ae's fitting arrays (29): 64 bytes;
     * Lloyd's centres and bit counts, (n + 4) words for each of the
     * min(C, k) codes it can use; the lower bound's bitset of H^n beyond
     * 2^14 points; 32 KiB for the branch and bound's state. */
    size_t ncent = cfg->data ? 0 : FAL__HAM_TEACHER_CENTRES(m), C = (size_t)1 << m, need;
    size_t u = n < 40 && ((size_t)1 << n) < k ? (size_t)1 << n : k;
    size_t bitset = u > ((size_t)1 << 14) && n <= 26 ? ((size_t)1 << n) / 8 : 0;
    if (fal__add(k, ntest, &total) || fal__add(total, ncent, &need) || fal__add(need, 2 * k, &need) ||
        fal__add(need, 8 * u, &need) || fal__mul(need, sizeof(uint64_t), &need) ||
        fal__mul(C < u ? C : u, (n + 4) * sizeof(uint64_t), &t1) || fal__add(need, t1, &need) ||
        fal__add(need, bitset + ((size_t)32 << 10), &need) ||
        fal__add(need, fal__ham_solver_bytes(u, n, C, cfg->algo == FAL_ALGO_EXACT), &need))
        return fal__fail(ctx, FAL_ENOMEM, "%s needs more than 16 EiB (its size overflows 64 bits)", family);
    st = fal__budget(ctx, need, family);
    if (st != FAL_OK) return st;
    out->x = fal__alloc(ctx, (total ? total : 1) * sizeof(uint64_t), "autoencoder examples");
    if (!out->x) return FAL_ENOMEM;
    out->k = k;
    out->ntest = ntest;
    uint64_t mask = low_mask(n);
    if (cfg->data) {
        const double *v = fal_table_cdata(cfg->data);
        for (size_t r = 0; r < total; r++) {
            uint64_t w = 0;
            for (unsigned c = 0; c < n; c++) {
                double a = v[r * n + c];
                if (a == 1.0) w |= (uint64_t)1 << c;
                else if (a != 0.0) {
                    fal__ham_data_free(ctx, out);
                    return fal__fail(ctx, FAL_EINVAL, "--data row %zu column %u: %g is not 0 or 1", r + 1, c + 1, a);
                }
            }
            out->x[r] = w;
        }
        return FAL_OK;
    }
    out->teacher = 1;
    uint64_t *cent = fal__alloc(ctx, ncent * sizeof(uint64_t), "teacher centres");
    if (!cent) {
        fal__ham_data_free(ctx, out);
        return FAL_ENOMEM;
    }
    for (size_t j = 0; j < ncent; j++) cent[j] = fal_rng_next(rdata) & mask;
    for (size_t i = 0; i < total; i++) {
        fal_rng *r = i < k ? rdata : rtest;
        uint64_t c = cent[fal_rng_below(r, ncent)];
        uint64_t flip = fal_rng_next(r) & fal_rng_next(r) & fal_rng_next(r); /* each bit with probability 1/8 */
        out->x[i] = (c ^ flip) & mask;
    }
    fal__free(ctx, cent, ncent * sizeof(uint64_t));
    return FAL_OK;
}

void fal__ham_data_free(fal_ctx *ctx, fal__ham_data *d)
{
    size_t total = d->k + d->ntest;
    if (d->x) fal__free(ctx, d->x, (total ? total : 1) * sizeof(uint64_t));
    memset(d, 0, sizeof *d);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

fal_status fal__ham_set_new(fal_ctx *ctx, unsigned n, const uint64_t *x, size_t k, fal__ham_set *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    size_t bytes = (k ? k : 1) * sizeof(uint64_t);
    fal_status st = fal__budget(ctx, 2 * bytes, "distinct examples");
    if (st != FAL_OK) return st;
    uint64_t *pt = fal__alloc(ctx, bytes, "distinct examples");
    uint64_t *wt = pt ? fal__alloc(ctx, bytes, "example multiplicities") : NULL;
    if (!wt) {
        fal__free(ctx, pt, bytes);
        return FAL_ENOMEM;
    }
    memcpy(pt, x, k * sizeof(uint64_t));
    qsort(pt, k, sizeof(uint64_t), cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (u && pt[u - 1] == pt[i]) {
            wt[u - 1]++;
        } else {
            pt[u] = pt[i];
            wt[u++] = 1;
        }
    }
    /* keep the blocks at their allocated size: the free call needs it */
    out->u = u;
    out->pt = pt;
    out->wt = wt;
    out->total = k;
    return FAL_OK;
}

void fal__ham_set_free(fal_ctx *ctx, fal__ham_set *s)
{
    size_t bytes = (s->total ? s->total : 1) * sizeof(uint64_t);
    fal__free(ctx, s->pt, bytes);
    fal__free(ctx, s->wt, bytes);
    memset(s, 0, sizeof *s);
}

/* ---- clusterings ----------------------------------------------------------- */

static fal_status clust_alloc(fal_ctx *ctx, size_t cap, size_t u, fal__ham_clust *out)
{
    memset(out, 0, sizeof *out);
    out->cap = cap ? cap : 1;
    out->u = u;
    out->centre = fal__alloc(ctx, out->cap * sizeof(uint64_t), "cluster centres");
    out->assign = out->centre ? fal__alloc(ctx, (u ? u : 1) * sizeof(uint32_t), "cluster assignment") : NULL;
    if (!out->assign) {
        fal__ham_clust_free(ctx, out);
        return FAL_ENOMEM;
    }
    return FAL_OK;
}

void fal__ham_clust_free(fal_ctx *ctx, fal__ham_clust *c)
{
    fal__free(ctx, c->centre, c->cap * sizeof(uint64_t));
    fal__free(ctx, c->assign, (c->u ? c->u : 1) * sizeof(uint32_t));
    memset(c, 0, sizeof *c);
}

static uint64_t clust_cost(const fal__ham_set *s, const uint64_t *centre, const uint32_t *assign)
{
    uint64_t cost = 0;
    for (size_t i = 0; i < s->u; i++) cost += s->wt[i] * hd(s->pt[i], centre[assign[i]]);
    return cost;
}

fal_status fal__ham_identity(fal_ctx *ctx, const fal__ham_set *s, fal__ham_clust *out)
{
    fal_status st = clust_alloc(ctx, s->u, s->u, out);
    if (st != FAL_OK) return st;
    for (size_t i = 0; i < s->u; i++) {
        out->centre[i] = s->pt[i];
        out->assign[i] = (uint32_t)i;
    }
    out->c = s->u;
    out->cost = 0;
    return FAL_OK;
}

size_t fal__ham_nearest(uint64_t x, const uint64_t *centre, size_t c, unsigned *dist)
{
    size_t best = 0;
    unsigned bd = 65;
    for (size_t j = 0; j < c; j++) {
        unsigned d = hd(x, centre[j]);
        if (d < bd) {
            bd = d;
            best = j;
        }
    }
    if (dist) *dist = bd;
    return best;
}

/* Majority cost of a cluster from its bit counts: sum_b min(ones, tot - ones). */
static uint64_t counts_cost(const uint64_t *cnt, uint64_t tot, unsigned n)
{
    uint64_t c = 0;
    for (unsigned b = 0; b < n; b++) c += cnt[b] < tot - cnt[b] ? cnt[b] : tot - cnt[b];
    return c;
}

/* The same cost with a point x of weight w added (sgn = 1) or removed (-1). */
static uint64_t counts_cost_with(const uint64_t *cnt, uint64_t tot, unsigned n, uint64_t x, uint64_t w, int sgn)
{
    uint64_t c = 0, t = sgn > 0 ? tot + w : tot - w;
    for (unsigned b = 0; b < n; b++) {
        uint64_t o = cnt[b];
        if ((x >> b) & 1) o = sgn > 0 ? o + w : o - w;
        c += o < t - o ? o : t - o;
    }
    return c;
}

static void counts_add(uint64_t *cnt, uint64_t *tot, unsigned n, uint64_t x, uint64_t w, int sgn)
{
    for (unsigned b = 0; b < n; b++)
        if ((x >> b) & 1) cnt[b] = sgn > 0 ? cnt[b] + w : cnt[b] - w;
    *tot = sgn > 0 ? *tot + w : *tot - w;
}

/* Lloyd's working state for one restart. */
typedef struct lloyd {
    const fal__ham_set *s;
    unsigned n;
    size_t C, u;
    uint64_t *cent;     /* C */
    uint32_t *asg;      /* u */
    uint64_t *cnt;      /* C x n */
    uint64_t *tot;      /* C */
    uint64_t *dmin;     /* u: seeding distances */
    uint8_t *D;         /* u x u pairwise distances for the swap search, or NULL (no swaps) */
    uint32_t *a1;       /* u: nearest centre (swap search) */
    uint8_t *d1, *d2;   /* u: nearest and second-nearest distances */
    double swap_work;   /* operations the swap search may still spend (C u^2 a pass) */
    int threads;        /* the assignment, u C distances, runs in parallel:
                           each point's result is its own, so any thread
                           count gives the same bytes */
} lloyd;

static void lloyd_recount(lloyd *L)
{
    memset(L->cnt, 0, L->C * L->n * sizeof(uint64_t));
    memset(L->tot, 0, L->C * sizeof(uint64_t));
    for (size_t i = 0; i < L->u; i++)
        counts_add(L->cnt + (size_t)L->asg[i] * L->n, &L->tot[L->asg[i]], L->n, L->s->pt[i], L->s->wt[i], 1);
}

/* The majority of a group from its bit counts: bit b is 1 on a strict
 * majority of ones, 0 otherwise -- a tie goes to 0.  The rule is history-free
 * (unlike "a tie keeps the bit"), so the kept centres are a function of the
 * groups alone, which the tests recompute independently; both values of a
 * tied bit cost the group the same, so the rule never changes a cost. */
uint64_t fal__ham_majority(const uint64_t *cnt, uint64_t tot, unsigned n)
{
    uint64_t c = 0;
    for (unsigned b = 0; b < n; b++)
        if (2 * cnt[b] > tot) c |= (uint64_t)1 << b;
    return c;
}

/* Every non-empty group's centre becomes its majority.  Lloyd still ends: a
 * change either lowers the cost or, on a tie, clears a bit, so (cost,
 * set bits of the centres) falls lexicographically at every change. */
static int lloyd_majority(lloyd *L)
{
    int changed = 0;
    for (size_t j = 0; j < L->C; j++) {
        if (!L->tot[j]) continue;
        uint64_t c = fal__ham_majority(L->cnt + j * L->n, L->tot[j], L->n);
        if (c != L->cent[j]) changed = 1;
        L->cent[j] = c;
    }
    return changed;
}

/* An empty cluster takes the point farthest from its centre (the lowest
 * index on ties): that point's cost drops from d > 0 to 0. */
static int lloyd_repair(lloyd *L)
{
    int changed = 0;
    for (size_t j = 0; j < L->C; j++) {
        if (L->tot[j]) continue;
        size_t far = 0;
        unsigned fd = 0;
        for (size_t i = 0; i < L->u; i++) {
            unsigned d = hd(L->s->pt[i], L->cent[L->asg[i]]);
            if (d > fd) {
                fd = d;
                far = i;
            }
        }
        if (fd == 0) break; /* cost 0: nothing to gain */
        uint32_t a = L->asg[far];
        counts_add(L->cnt + (size_t)a * L->n, &L->tot[a], L->n, L->s->pt[far], L->s->wt[far], -1);
        counts_add(L->cnt + j * L->n, &L->tot[j], L->n, L->s->pt[far], L->s->wt[far], 1);
        L->asg[far] = (uint32_t)j;
        L->cent[j] = L->s->pt[far];
        changed = 1;
    }
    return changed;
}

/* Move each point to a strictly nearer centre (first = 1: to the nearest). */
static int lloyd_assign(lloyd *L, int first)
{
    int changed = 0;
    long u = (long)L->u;
    int nt = (double)L->u * (double)L->C > 1e6 ? L->threads : 1;
#pragma omp parallel for schedule(static) num_threads(nt) reduction(| : changed)
    for (long i = 0; i < u; i++) {
        unsigned d;
        size_t j = fal__ham_nearest(L->s->pt[i], L->cent, L->C, &d);
        if (first || d < hd(L->s->pt[i], L->cent[L->asg[i]])) {
            if (!first && L->asg[i] != j) changed = 1;
            L->asg[i] = (uint32_t)j;
        }
    }
    return changed;
}

/* One pass of single-point moves: point i leaves cluster a for the cluster
 * b that lowers the exact majority cost the most (the lowest b on ties), if
 * any lowers it.  Returns 1 if a point moved. */
static int lloyd_moves(lloyd *L)
{
    int moved = 0;
    unsigned n = L->n;
    for (size_t i = 0; i < L->u; i++) {
        uint64_t x = L->s->pt[i], w = L->s->wt[i];
        uint32_t a = L->asg[i];
        uint64_t *ca = L->cnt + (size_t)a * n;
        uint64_t gain = counts_cost(ca, L->tot[a], n) - counts_cost_with(ca, L->tot[a], n, x, w, -1);
        size_t best = a;
        uint64_t best_add = gain; /* moving must cost strictly less than it saves */
        for (size_t b = 0; b < L->C; b++) {
            if (b == a) continue;
            uint64_t *cb = L->cnt + b * n;
            uint64_t add = counts_cost_with(cb, L->tot[b], n, x, w, 1) - counts_cost(cb, L->tot[b], n);
            if (add < best_add) {
                best_add = add;
                best = b;
            }
        }
        if (best != a) {
            counts_add(ca, &L->tot[a], n, x, w, -1);
            counts_add(L->cnt + best * n, &L->tot[best], n, x, w, 1);
            L->asg[i] = (uint32_t)best;
            moved = 1;
        }
    }
    return moved;
}

/* Swap search (the k-medoids exchange, with Lloyd after it): replace centre
 * j by distinct point p when that lowers the cost of the nearest-centre
 * assignment, sum_i wt_i min(d(x_i, p), d(x_i, nearest centre other than
 * j)).  With a1/d1 the nearest centre and its distance and d2 the second
 * distance, one candidate costs O(u), a pass O(C u^2) with the pairwise
 * distances D (u x u bytes).  The best exchange of the pass (the lowest j,
 * then p, on ties) is made when it lowers the cost; Lloyd resumes from it.
 * Returns 1 if it exchanged. */
static int lloyd_swap(lloyd *L)
{
    const fal__ham_set *s = L->s;
    size_t u = L->u, C = L->C;
    uint64_t cur = 0;
    L->swap_work -= (double)C * (double)u * (double)u;
    for (size_t i = 0; i < u; i++) {
        unsigned d1 = 65, d2 = 65;
        uint32_t a1 = 0;
        for (size_t j = 0; j < C; j++) {
            unsigned d = hd(s->pt[i], L->cent[j]);
            if (d < d1) {
                d2 = d1;
                d1 = d;
                a1 = (uint32_t)j;
            } else if (d < d2) {
                d2 = d;
            }
        }
        L->a1[i] = a1;
        L->d1[i] = (uint8_t)d1;
        L->d2[i] = (uint8_t)d2;
        cur += s->wt[i] * d1;
    }
    uint64_t best = cur;
    size_t bj = 0, bp = 0;
    for (size_t j = 0; j < C; j++)
        for (size_t p = 0; p < u; p++) {
            const uint8_t *Dp = L->D + p * u;
            uint64_t c = 0;
            for (size_t i = 0; i < u && c < best; i++) {
                unsigned other = L->a1[i] == j ? L->d2[i] : L->d1[i];
                c += s->wt[i] * (Dp[i] < other ? Dp[i] : other);
            }
            if (c < best) {
                best = c;
                bj = j;
                bp = p;
            }
        }
    if (best == cur) return 0;
    L->cent[bj] = s->pt[bp];
    return 1;
}

/* k-means++ seeding with distance (not squared distance) as the weight: the
 * Hamming cost is a sum of distances, the k-medians analogue. */
static void lloyd_seed(lloyd *L, fal_rng *r)
{
    const fal__ham_set *s = L->s;
    uint64_t t = fal_rng_below(r, s->total);
    size_t i = 0;
    while (t >= s->wt[i]) t -= s->wt[i++];
    L->cent[0] = s->pt[i];
    for (size_t q = 0; q < L->u; q++) L->dmin[q] = hd(s->pt[q], L->cent[0]);
    for (size_t j = 1; j < L->C; j++) {
        uint64_t S = 0;
        for (size_t q = 0; q < L->u; q++) S += s->wt[q] * L->dmin[q];
        t = fal_rng_below(r, S); /* S > 0: u > C, so some point is not yet a centre */
        for (i = 0; t >= s->wt[i] * L->dmin[i]; i++) t -= s->wt[i] * L->dmin[i];
        L->cent[j] = s->pt[i];
        for (size_t q = 0; q < L->u; q++) {
            uint64_t d = hd(s->pt[q], L->cent[j]);
            if (d < L->dmin[q]) L->dmin[q] = d;
        }
    }
}

/* One descent from the centres in L->cent (L->asg unset): Lloyd to a fixed
 * point, then single-point moves, the networks' assignment rule and the swap
 * search, each followed by Lloyd when it helps.  Returns the rounds used;
 * *fp = 1 when it ended at a fixed point of all of them within maxit. */
static uint64_t lloyd_descend(lloyd *L, int moves, int swaps, uint64_t maxit, int *fp)
{
    lloyd_assign(L, 1);
    uint64_t it = 0;
    *fp = 0;
    while (it < maxit) {
        it++;
        lloyd_recount(L);
        int ch = lloyd_majority(L);
        ch |= lloyd_repair(L);
        ch |= lloyd_assign(L, 0);
        if (ch) continue;
        /* a Lloyd fixed point: try single-point moves */
        if (moves) {
            lloyd_recount(L);
            if (lloyd_moves(L)) {
                lloyd_majority(L);
                continue;
            }
        }
        /* then the networks' rule: every point to its nearest centre, the
         * lowest index on ties (the cost stays); a majority that moves on
         * the new groups lowers it (or clears a tied bit), and Lloyd resumes */
        lloyd_assign(L, 1);
        lloyd_recount(L);
        if (lloyd_majority(L)) continue;
        /* then exchanges of a centre for a data point */
        if (swaps && L->swap_work > 0 && lloyd_swap(L)) {
            lloyd_assign(L, 1);
            continue;
        }
        *fp = 1;
        break;
    }
    return it;
}

static void lloyd_free(fal_ctx *ctx, lloyd *L)
{
    size_t C = L->C, u = L->u, n = L->n;
    fal__free(ctx, L->cent, C * sizeof(uint64_t));
    fal__free(ctx, L->tot, C * sizeof(uint64_t));
    fal__free(ctx, L->cnt, C * n * sizeof(uint64_t) + 1);
    fal__free(ctx, L->asg, u * sizeof(uint32_t));
    fal__free(ctx, L->dmin, u * sizeof(uint64_t));
    if (L->D) {
        fal__free(ctx, L->D, u * u);
        fal__free(ctx, L->a1, u * sizeof(uint32_t));
        fal__free(ctx, L->d1, u);
        fal__free(ctx, L->d2, u);
    }
}

/* The working state; the swap search's arrays when swaps. */
static fal_status lloyd_alloc(fal_ctx *ctx, const fal__ham_set *s, size_t C, int swaps, lloyd *L)
{
    memset(L, 0, sizeof *L);
    L->s = s;
    L->n = s->n;
    L->C = C;
    L->u = s->u;
    L->threads = fal_ctx_threads(ctx);
    size_t n = s->n, u = s->u;
    size_t need = C * sizeof(uint64_t) * (2 + n) + u * (sizeof(uint32_t) + sizeof(uint64_t));
    if (swaps) need += u * u + u * (sizeof(uint32_t) + 2);
    fal_status st = fal__budget(ctx, need, "Lloyd clustering");
    if (st != FAL_OK) return st;
    L->cent = fal__alloc(ctx, C * sizeof(uint64_t), "Lloyd centres");
    L->tot = fal__alloc(ctx, C * sizeof(uint64_t), "Lloyd cluster sizes");
    L->cnt = fal__alloc(ctx, C * n * sizeof(uint64_t) + 1, "Lloyd bit counts");
    L->asg = fal__alloc(ctx, u * sizeof(uint32_t), "Lloyd assignment");
    L->dmin = fal__alloc(ctx, u * sizeof(uint64_t), "Lloyd seeding");
    int ok = L->cent && L->tot && L->cnt && L->asg && L->dmin;
    if (ok && swaps) {
        L->D = fal__alloc(ctx, u * u, "swap search distances");
        L->a1 = fal__alloc(ctx, u * sizeof(uint32_t), "swap search nearest");
        L->d1 = fal__alloc(ctx, u, "swap search distances");
        L->d2 = fal__alloc(ctx, u, "swap search distances");
        ok = L->D && L->a1 && L->d1 && L->d2;
        if (!ok) {
            /* lloyd_free frees the swap arrays as a set */
            fal__free(ctx, L->D, u * u);
            fal__free(ctx, L->a1, u * sizeof(uint32_t));
            fal__free(ctx, L->d1, u);
            fal__free(ctx, L->d2, u);
            L->D = NULL;
        } else {
            for (size_t p = 0; p < u; p++)
                for (size_t i = 0; i < u; i++) L->D[p * u + i] = (uint8_t)hd(s->pt[p], s->pt[i]);
        }
    }
    if (!ok) {
        lloyd_free(ctx, L);
        return FAL_ENOMEM;
    }
    return FAL_OK;
}

/* Copy the working clustering to out, dropping empty clusters (keeping the
 * order of the others). */
static void lloyd_export(lloyd *L, const uint64_t *cent, const uint32_t *asg, fal__ham_clust *out)
{
    const fal__ham_set *s = L->s;
    size_t C = L->C;
    memcpy(out->centre, cent, C * sizeof(uint64_t));
    memcpy(out->assign, asg, s->u * sizeof(uint32_t));
    uint32_t *mp = (uint32_t *)L->dmin; /* scratch: u > C entries of 64 bits */
    memset(mp, 0xff, C * sizeof(uint32_t));
    for (size_t i = 0; i < s->u; i++) mp[out->assign[i]] = 0;
    size_t c = 0;
    for (size_t j = 0; j < C; j++)
        if (mp[j] == 0) {
            out->centre[c] = out->centre[j];
            mp[j] = (uint32_t)c++;
        }
    for (size_t i = 0; i < s->u; i++) out->assign[i] = mp[out->assign[i]];
    out->c = c;
    out->cost = clust_cost(s, out->centre, out->assign);
}

#define FAL__HAM_SWAP_TOTAL ((double)(1 << 29))

static int swaps_fit(const fal__ham_set *s, size_t C)
{
    return s->u <= FAL__HAM_SWAP_U && (double)C * (double)s->u * (double)s->u <= FAL__HAM_SWAP_WORK;
}

fal_status fal__ham_lloyd(fal_ctx *ctx, const fal__ham_set *s, size_t C, unsigned restarts, uint64_t maxit,
                          fal_rng *r, fal__ham_clust *out, uint64_t *iters, int *fixed)
{
    memset(out, 0, sizeof *out);
    *iters = 0;
    *fixed = 0;
    if (C >= s->u || C == 0 || s->u > UINT32_MAX)
        return fal__fail(ctx, FAL_EINTERNAL, "Lloyd called with C = %zu for %zu distinct points", C, s->u);
    lloyd L;
    fal_status st = lloyd_alloc(ctx, s, C, swaps_fit(s, C), &L);
    if (st != FAL_OK) return st;
    st = clust_alloc(ctx, C, s->u, out);
    if (st != FAL_OK) {
        lloyd_free(ctx, &L);
        return st;
    }
    uint64_t *bcent = out->centre;
    uint32_t *basg = out->assign;
    /* single-point moves cost u C n per pass: skipped on large problems */
    int moves = (double)s->u * (double)C * (double)s->n <= (double)(1 << 28);
    /* The swap search runs in every restart while a pass is cheap (C u^2 <=
     * 2^22: the small tables where restarts alone miss optima); above that
     * only from the best restart's clustering, once.  Its total work is
     * capped (FAL__HAM_SWAP_TOTAL operations, counted, not timed). */
    double pass = (double)C * (double)s->u * (double)s->u;
    int every = L.D != NULL && pass <= (double)(1 << 22);
    L.swap_work = FAL__HAM_SWAP_TOTAL;
    uint64_t best = UINT64_MAX;
    for (unsigned rs = 0; rs < restarts; rs++) {
        lloyd_seed(&L, r);
        int fp;
        *iters += lloyd_descend(&L, moves, every, maxit, &fp);
        uint64_t cost = clust_cost(s, L.cent, L.asg);
        if (cost < best) {
            best = cost;
            *fixed = fp;
            memcpy(bcent, L.cent, C * sizeof(uint64_t));
            memcpy(basg, L.asg, s->u * sizeof(uint32_t));
        }
    }
    if (L.D != NULL && !every) {
        int fp;
        memcpy(L.cent, bcent, C * sizeof(uint64_t));
        *iters += lloyd_descend(&L, moves, 1, maxit, &fp);
        uint64_t cost = clust_cost(s, L.cent, L.asg);
        if (cost < best) {
            best = cost;
            *fixed = fp;
            memcpy(bcent, L.cent, C * sizeof(uint64_t));
            memcpy(basg, L.asg, s->u * sizeof(uint32_t));
        }
    }
    /* bcent/basg are out's own arrays: export compacts them in place */
    lloyd_export(&L, bcent, basg, out);
    lloyd_free(ctx, &L);
    return FAL_OK;
}

fal_status fal__ham_polish(fal_ctx *ctx, const fal__ham_set *s, size_t C, const uint64_t *centre, size_t c,
                           uint64_t maxit, fal__ham_clust *out, int *fixed)
{
    memset(out, 0, sizeof *out);
    *fixed = 0;
    if (c == 0 || c > C || C >= s->u || s->u > UINT32_MAX)
        return fal__fail(ctx, FAL_EINTERNAL, "polish called with %zu of C = %zu centres for %zu distinct points", c,
                         C, s->u);
    lloyd L;
    fal_status st = lloyd_alloc(ctx, s, c, 0, &L);
    if (st != FAL_OK) return st;
    st = clust_alloc(ctx, c, s->u, out);
    if (st != FAL_OK) {
        lloyd_free(ctx, &L);
        return st;
    }
    memcpy(L.cent, centre, c * sizeof(uint64_t));
    int moves = (double)s->u * (double)c * (double)s->n <= (double)(1 << 28);
    lloyd_descend(&L, moves, 0, maxit, fixed);
    lloyd_export(&L, L.cent, L.asg, out);
    lloyd_free(ctx, &L);
    return FAL_OK;
}

/* ---- the exact optimum ----------------------------------------------------- */

/* ord[u]: a farthest-first traversal (start at the heaviest point, then
 * repeatedly the point farthest from those taken, the heavier, then the
 * lower index, on ties), so that the first points spread over the data.
 * d[u] is scratch (a taken point is marked 0xff).  O(u^2). */
static void farthest_first(const fal__ham_set *s, uint32_t *ord, uint8_t *d)
{
    size_t u = s->u, first = 0;
    for (size_t i = 1; i < u; i++)
        if (s->wt[i] > s->wt[first]) first = i;
    for (size_t i = 0; i < u; i++) d[i] = (uint8_t)hd(s->pt[i], s->pt[first]);
    d[first] = 0xff;
    ord[0] = (uint32_t)first;
    for (size_t q = 1; q < u; q++) {
        size_t bi = SIZE_MAX;
        for (size_t i = 0; i < u; i++) {
            if (d[i] == 0xff) continue;
            if (bi == SIZE_MAX || d[i] > d[bi] || (d[i] == d[bi] && s->wt[i] > s->wt[bi])) bi = i;
        }
        ord[q] = (uint32_t)bi;
        d[bi] = 0xff;
        for (size_t i = 0; i < u; i++)
            if (d[i] != 0xff) {
                unsigned e = hd(s->pt[i], s->pt[bi]);
                if (e < d[i]) d[i] = (uint8_t)e;
            }
    }
}

/* Russian-doll branch and bound.  The points are ordered farthest-first
 * (measured: 3-10 times fewer nodes than heaviest-first) and the suffixes ord[s..u) are solved exactly for s = u-1 down to 0.
 * Within the problem of suffix s, a partial partition of ord[s..i) with cost
 * P can only complete to P + opt(ord[i..u)) or more: a block's majority
 * cost is superadditive, cost(A u B) >= cost(A) + cost(B), since
 * min(a + c, b + d) >= min(a, b) + min(c, d) bit by bit, and the remaining
 * points end up split into <= C groups, which cost at least their own
 * optimum.  The bounds of the smaller dolls make the larger ones cheap. */
typedef struct bb {
    const fal__ham_set *s;
    unsigned n;
    size_t C, u, nb;
    uint64_t nodes, cap;
    uint32_t ord[FAL__HAM_EXACT_MAX];                 /* points, heaviest first */
    uint64_t lb[FAL__HAM_EXACT_MAX + 1];              /* opt of the suffix ord[i..u) */
    uint64_t cnt[FAL__HAM_EXACT_MAX][64], tot[FAL__HAM_EXACT_MAX], bcost[FAL__HAM_EXACT_MAX];
    uint32_t cur[FAL__HAM_EXACT_MAX], best[FAL__HAM_EXACT_MAX];
    uint64_t bestcost;
    int found;
} bb;

static void bb_rec(bb *B, size_t i, uint64_t total)
{
    if (total + B->lb[i] >= B->bestcost || B->nodes >= B->cap) return;
    B->nodes++;
    if (i == B->u) {
        B->bestcost = total;
        memcpy(B->best, B->cur, sizeof B->cur);
        B->found = 1;
        return;
    }
    size_t p = B->ord[i];
    uint64_t x = B->s->pt[p], w = B->s->wt[p];
    size_t nb = B->nb;
    for (size_t j = 0; j <= nb && j < B->C; j++) {
        if (j == nb) B->nb++; /* open a new block: restricted growth */
        uint64_t old = B->bcost[j];
        counts_add(B->cnt[j], &B->tot[j], B->n, x, w, 1);
        B->bcost[j] = counts_cost(B->cnt[j], B->tot[j], B->n);
        B->cur[p] = (uint32_t)j;
        bb_rec(B, i + 1, total - old + B->bcost[j]);
        counts_add(B->cnt[j], &B->tot[j], B->n, x, w, -1);
        B->bcost[j] = old;
        if (j == nb) B->nb--;
    }
}

fal_status fal__ham_exact(fal_ctx *ctx, const fal__ham_set *s, size_t C, uint64_t upper, uint64_t node_cap,
                          fal__ham_clust *out, int *capped)
{
    memset(out, 0, sizeof *out);
    if (capped) *capped = 0;
    if (s->u > FAL__HAM_EXACT_MAX)
        return fal__fail(ctx, FAL_EINVAL, "--algo exact: %zu distinct examples, the exact clustering stops at %d",
                         s->u, FAL__HAM_EXACT_MAX);
    if (C >= s->u) return fal__ham_identity(ctx, s, out);
    bb *B = fal__calloc(ctx, 1, sizeof *B, "branch and bound");
    if (!B) return FAL_ENOMEM;
    B->s = s;
    B->n = s->n;
    B->C = C;
    B->u = s->u;
    B->cap = node_cap;
    uint8_t scratch[FAL__HAM_EXACT_MAX];
    farthest_first(s, B->ord, scratch);
    fal_status st = FAL_OK;
    for (size_t st0 = s->u; st0-- > 0;) {
        B->found = 0;
        B->bestcost = st0 == 0 && upper != UINT64_MAX ? upper + 1 : UINT64_MAX;
        bb_rec(B, st0, 0);
        if (!B->found || B->nodes >= B->cap) break;
        B->lb[st0] = B->bestcost;
    }
    if (B->nodes >= B->cap && capped) {
        *capped = 1;
        goto done;
    }
    if (B->nodes >= B->cap) {
        st = fal__fail(ctx, FAL_ERANGE, "exact clustering of %zu distinct points into %zu: over %llu search nodes",
                       s->u, C, (unsigned long long)node_cap);
        goto done;
    }
    if (!B->found) {
        st = fal__fail(ctx, FAL_EINTERNAL, "exact clustering found nothing below the bound %llu",
                       (unsigned long long)upper);
        goto done;
    }
    st = clust_alloc(ctx, C, s->u, out);
    if (st != FAL_OK) goto done;
    /* blocks are numbered in order of first appearance along ord: 0..c-1 */
    size_t c = 0;
    for (size_t i = 0; i < s->u; i++)
        if (B->best[i] + (size_t)1 > c) c = B->best[i] + (size_t)1;
    for (size_t j = 0; j < c; j++) {
        uint64_t cnt[64] = { 0 }, tot = 0;
        for (size_t i = 0; i < s->u; i++)
            if (B->best[i] == j) counts_add(cnt, &tot, s->n, s->pt[i], s->wt[i], 1);
        out->centre[j] = fal__ham_majority(cnt, tot, s->n);
    }
    memcpy(out->assign, B->best, s->u * sizeof(uint32_t));
    out->c = c;
    out->cost = clust_cost(s, out->centre, out->assign);
    if (out->cost != B->bestcost)
        st = fal__fail(ctx, FAL_EINTERNAL, "exact clustering: cost %llu != bound %llu", (unsigned long long)out->cost,
                       (unsigned long long)B->bestcost);
done:
    fal__free(ctx, B, sizeof *B);
    if (st != FAL_OK) fal__ham_clust_free(ctx, out);
    return st;
}

/* ---- the lower bound ------------------------------------------------------- */

static int cmp_u64_desc(const void *a, const void *b) { return -cmp_u64(a, b); }

static fal_status nn_bound(fal_ctx *ctx, const fal__ham_set *s, size_t C, uint64_t *out)
{
    *out = 0;
    size_t u = s->u;
    if (u <= C) return FAL_OK;
    unsigned n = s->n;
    int pairs = u <= ((size_t)1 << 14);
    if (!pairs && n > 26) {
        *out = UINT64_MAX;
        return FAL_OK;
    }
    fal_status st = fal__budget(ctx, u * sizeof(uint64_t) + (pairs ? 0 : ((size_t)1 << n) / 8), "lower bound");
    if (st != FAL_OK) return st;
    uint64_t *term = fal__alloc(ctx, u * sizeof(uint64_t), "lower bound terms");
    if (!term) return FAL_ENOMEM;
    uint64_t *bits = NULL;
    size_t nbits = ((size_t)1 << (pairs ? 0 : n)) / 64 + 1;
    if (pairs) {
        for (size_t i = 0; i < u; i++) term[i] = 64;
        for (size_t i = 0; i < u; i++)
            for (size_t j = i + 1; j < u; j++) {
                unsigned d = hd(s->pt[i], s->pt[j]);
                if (d < term[i]) term[i] = d;
                if (d < term[j]) term[j] = d;
            }
    } else {
        bits = fal__calloc(ctx, nbits, sizeof(uint64_t), "lower bound bitset");
        if (!bits) {
            fal__free(ctx, term, u * sizeof(uint64_t));
            return FAL_ENOMEM;
        }
        for (size_t i = 0; i < u; i++) bits[s->pt[i] >> 6] |= (uint64_t)1 << (s->pt[i] & 63);
        /* grow a ball around each point until it meets another; the work cap
         * leaves nn bounded below by the first radius not searched */
        uint64_t work = 0, cap = (uint64_t)1 << 28;
        for (size_t i = 0; i < u; i++) {
            unsigned r;
            for (r = 1; r <= n; r++) {
                if (work > cap) break;
                uint64_t x = ((uint64_t)1 << r) - 1, lim = (uint64_t)1 << n;
                int hit = 0;
                for (; x < lim; work++) {
                    uint64_t y = s->pt[i] ^ x;
                    if ((bits[y >> 6] >> (y & 63)) & 1) {
                        hit = 1;
                        break;
                    }
                    uint64_t c = x & (0 - x), rr = x + c;
                    x = (((rr ^ x) >> 2) / c) | rr;
                }
                if (hit) break;
            }
            term[i] = r; /* the nearest other point is at distance >= r (== r when hit) */
        }
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < u; i++) {
        term[i] = s->wt[i] * ((term[i] + 1) / 2);
        sum += term[i];
    }
    qsort(term, u, sizeof(uint64_t), cmp_u64_desc);
    for (size_t i = 0; i < C; i++) sum -= term[i];
    *out = sum;
    fal__free(ctx, term, u * sizeof(uint64_t));
    if (bits) fal__free(ctx, bits, nbits * sizeof(uint64_t));
    return FAL_OK;
}

/* The optimum is superadditive over disjoint sets of points (a partition of
 * the union into <= C blocks induces one of each part, and block costs are
 * superadditive), so the exact optima of small groups add up to a bound.
 * Groups of FAL__HAM_GROUP points dealt round-robin from a farthest-first
 * order, so that each group samples the whole spread of the data; a group
 * whose search exceeds its node budget contributes its own nn bound. */
#define FAL__HAM_GROUP 16
static fal_status group_bound(fal_ctx *ctx, const fal__ham_set *s, size_t C, uint64_t *out)
{
    size_t u = s->u, G = (u + FAL__HAM_GROUP - 1) / FAL__HAM_GROUP;
    *out = 0;
    fal_status st = fal__budget(ctx, u * (sizeof(uint32_t) + 1), "group bound");
    if (st != FAL_OK) return st;
    uint32_t *ord = fal__alloc(ctx, u * sizeof(uint32_t), "group bound order");
    uint8_t *d = ord ? fal__alloc(ctx, u, "group bound scratch") : NULL;
    if (!d) {
        fal__free(ctx, ord, u * sizeof(uint32_t));
        return FAL_ENOMEM;
    }
    farthest_first(s, ord, d);
    fal__free(ctx, d, u);
    uint64_t cap = ((uint64_t)1 << 20) / G;
    if (cap < ((uint64_t)1 << 12)) cap = (uint64_t)1 << 12;
    for (size_t g = 0; g < G; g++) {
        uint64_t gp[FAL__HAM_GROUP], gw[FAL__HAM_GROUP], gt = 0;
        size_t gu = 0;
        for (size_t q = g; q < u; q += G) {
            gp[gu] = s->pt[ord[q]];
            gw[gu] = s->wt[ord[q]];
            gt += gw[gu++];
        }
        fal__ham_set sub = { .n = s->n, .u = gu, .pt = gp, .wt = gw, .total = gt };
        uint64_t v = 0;
        if (gu > C) {
            fal__ham_clust ex;
            int capped;
            st = fal__ham_exact(ctx, &sub, C, UINT64_MAX, cap, &ex, &capped);
            if (st != FAL_OK) goto done;
            if (capped) {
                st = nn_bound(ctx, &sub, C, &v);
                if (st != FAL_OK) goto done;
            } else {
                v = ex.cost;
                fal__ham_clust_free(ctx, &ex);
            }
        }
        *out += v;
    }
done:
    fal__free(ctx, ord, u * sizeof(uint32_t));
    return st;
}

fal_status fal__ham_lower_bound(fal_ctx *ctx, const fal__ham_set *s, size_t C, uint64_t *out)
{
    fal_status st = nn_bound(ctx, s, C, out);
    if (st != FAL_OK || s->u <= C || s->u > 4096) return st;
    uint64_t g;
    st = group_bound(ctx, s, C, &g);
    if (st == FAL_OK && (*out == UINT64_MAX || g > *out)) *out = g;
    return st;
}

/* ---- nearest centre of every input ----------------------------------------- */

fal_status fal__ham_nearest_all(fal_ctx *ctx, unsigned n, const uint64_t *centre, size_t c, uint32_t *label)
{
    if (n > 26) return fal__fail(ctx, FAL_EINVAL, "nearest centre of all 2^%u inputs: n above 26", n);
    size_t N = (size_t)1 << n;
    if (c <= n) {
        /* a few centres: the direct scan is cheaper than the search */
        for (size_t b = 0; b < N; b++) label[b] = (uint32_t)fal__ham_nearest(b, centre, c, NULL);
        return FAL_OK;
    }
    fal_status st = fal__budget(ctx, N * (sizeof(uint32_t) + 1), "breadth-first search of H^n");
    if (st != FAL_OK) return st;
    uint8_t *dist = fal__alloc(ctx, N, "search distances");
    uint32_t *queue = dist ? fal__alloc(ctx, N * sizeof(uint32_t), "search queue") : NULL;
    if (!queue) {
        fal__free(ctx, dist, N);
        return FAL_ENOMEM;
    }
    memset(dist, 0xff, N);
    size_t head = 0, tail = 0;
    for (size_t j = 0; j < c; j++) {
        uint64_t v = centre[j];
        if (dist[v] == 0) continue; /* a duplicate centre: the lower index stays */
        dist[v] = 0;
        label[v] = (uint32_t)j;
        queue[tail++] = (uint32_t)v;
    }
    while (head < tail) {
        uint32_t v = queue[head++];
        uint8_t dv = dist[v];
        for (unsigned b = 0; b < n; b++) {
            uint32_t w = v ^ ((uint32_t)1 << b);
            if (dist[w] == 0xff) {
                dist[w] = (uint8_t)(dv + 1);
                label[w] = label[v];
                queue[tail++] = w;
            } else if (dist[w] == dv + 1 && label[v] < label[w]) {
                label[w] = label[v];
            }
        }
    }
    fal__free(ctx, dist, N);
    fal__free(ctx, queue, N * sizeof(uint32_t));
    return FAL_OK;
}

/* ---- both families' clustering ---------------------------------------------- */

fal_status fal__ham_solve(fal_ctx *ctx, const fal__ham_set *s, size_t C, int exact_only, uint64_t maxit, fal_rng *r,
                          fal__ham_solution *out)
{
    memset(out, 0, sizeof *out);
    out->lloyd_cost = out->optimum = out->lower = UINT64_MAX;
    out->fixed = 1;
    out->how = exact_only ? "exact" : "lloyd+swap";
    fal_status st;
    if (s->u <= C) {
        out->how = "exact";
        st = fal__ham_identity(ctx, s, &out->cl);
        if (st == FAL_OK) out->optimum = out->lower = 0;
        return st;
    }
    /* the integer program over every centre of H^n: u 2^n assignment variables */
    size_t K = s->n < 32 ? (size_t)1 << s->n : SIZE_MAX;
    size_t cells = K == SIZE_MAX ? SIZE_MAX : fal__ham_mip_cells(s, K);
    if (exact_only && cells > FAL__HAM_MIP_CELLS)
        return fal__fail(ctx, FAL_EINVAL,
                         "--algo exact: %zu distinct examples x 2^%u candidate centres exceed the integer program's "
                         "%d (point, centre) pairs", s->u, s->n, FAL__HAM_MIP_CELLS);
    /* restarts cost u C each round: fewer of them on large problems */
    unsigned R = FAL__HAM_RESTARTS;
    while (R > 1 && (double)R * (double)s->u * (double)C > 4e9) R /= 2;
    out->restarts = R;
    st = fal__ham_lloyd(ctx, s, C, R, maxit, r, &out->cl, &out->iters, &out->fixed);
    if (st != FAL_OK) return st;
    out->lloyd_cost = out->cl.cost;
    if (exact_only || cells <= FAL__HAM_MIP_AUTO_CELLS) {
        st = fal__budget(ctx, K * sizeof(uint64_t), "candidate centres");
        if (st != FAL_OK) goto fail;
        uint64_t *cand = fal__alloc(ctx, K * sizeof(uint64_t), "candidate centres");
        if (!cand) {
            st = FAL_ENOMEM;
            goto fail;
        }
        for (size_t c = 0; c < K; c++) cand[c] = c;
        fal__ham_clust ex;
        int proved = 0;
        /* the heuristic's centres as the first incumbent: the search then
         * only has to prove them optimal or beat them */
        st = fal__ham_mip(ctx, s, C, cand, K, out->cl.centre, out->cl.c,
                          exact_only ? FAL__HAM_MIP_EXACT_NODES : FAL__HAM_MIP_AUTO_NODES, maxit, &ex, &proved);
        fal__free(ctx, cand, K * sizeof(uint64_t));
        if (st != FAL_OK) goto fail;
        out->ip_run = 1;
        if (exact_only && !proved) {
            fal__ham_clust_free(ctx, &ex);
            st = fal__fail(ctx, FAL_ERANGE, "--algo exact: the integer program was not solved within %d nodes",
                           FAL__HAM_MIP_EXACT_NODES);
            goto fail;
        }
        if (ex.c > 0 && (ex.cost < out->cl.cost || exact_only)) {
            if (!exact_only) out->how = "lloyd+swap+ip";
            fal__ham_clust_free(ctx, &out->cl);
            out->cl = ex;
            out->used_exact = 1;
        } else if (ex.c > 0) {
            fal__ham_clust_free(ctx, &ex);
        }
        if (proved) {
            out->optimum = out->lower = out->cl.cost;
            return FAL_OK;
        }
    }
    st = fal__ham_lower_bound(ctx, s, C, &out->lower);
    if (st != FAL_OK) goto fail;
    if (out->lower == out->cl.cost) out->optimum = out->cl.cost; /* the bound certifies it */
    return FAL_OK;
fail:
    fal__ham_clust_free(ctx, &out->cl);
    return st;
}

void fal__ham_solution_free(fal_ctx *ctx, fal__ham_solution *sol)
{
    fal__ham_clust_free(ctx, &sol->cl);
}

/* ---- counting the classes --------------------------------------------------- */

unsigned __int128 fal__ham_stirling2(unsigned N, unsigned j)
{
    if (N > 16 || j > N) return 0;
    unsigned __int128 S[17] = { 1 }; /* row i: S(i, 0..i), updated in place from the top */
    for (unsigned i = 1; i <= N; i++) {
        for (unsigned q = i; q >= 1; q--) S[q] = q * S[q] + S[q - 1];
        S[0] = 0;
    }
    return S[j];
}

unsigned __int128 fal__ham_maps_exact(unsigned N, unsigned J)
{
    unsigned __int128 e = 0, fall = 1; /* fall = (N)_j */
    for (unsigned j = 1; j <= N && j <= J; j++) {
        fall *= N - j + 1;
        e += fal__ham_stirling2(N, j) * fall;
    }
    return e;
}

static double log_add(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    double hi = a > b ? a : b, lo = a > b ? b : a;
    return hi + log1p(exp(lo - hi));
}

/* ln Surj(N, j) = ln(j! S(N, j)) for 1 <= j < N, by the inclusion-exclusion
 * series when its corrections are below e^-40 (no cancellation), else the
 * saddle point of N!/(2 pi i) \oint (e^z - 1)^j z^-(N+1) dz: rho solves
 * rho / (1 - e^-rho) = N/j, and
 *   Surj ~ N! (e^rho - 1)^j / (rho^N sqrt(2 pi B)),
 *   B = j rho e^rho (e^rho - 1 - rho) / (e^rho - 1)^2. */
static double ln_surj(double N, double j)
{
    if (j == 1) return 0.0;
    double a = N / j;
    if (a >= log(j) + 40) {
        double corr = 0, lc = 0; /* lc = ln C(j, i) */
        for (int i = 1; i <= 6 && i <= j; i++) {
            lc += log((j - i + 1) / i);
            corr += (i % 2 ? -1 : 1) * exp(lc + N * log1p(-i / j));
        }
        return N * log(j) + log1p(corr);
    }
    double rho = a; /* Newton from the right on g = rho - a (1 - e^-rho), convex */
    for (int it = 0; it < 200; it++) {
        double g = rho + a * expm1(-rho), gp = 1 - a * exp(-rho);
        double nr = rho - g / gp;
        if (!(nr < rho)) break;
        rho = nr;
    }
    double em1 = expm1(rho);
    double tail = rho < 1e-4 ? rho * rho / 2 * (1 + rho / 3 + rho * rho / 12) : em1 - rho; /* e^rho - 1 - rho */
    double B = j * rho * exp(rho) * tail / (em1 * em1);
    return lgamma(N + 1) + j * log(em1) - N * log(rho) - 0.5 * log(2 * M_PI * B);
}

double fal__ham_log2_maps_method(uint64_t N, uint64_t J, int method)
{
    uint64_t jmax = J < N ? J : N;
    if (N == 0 || jmax == 0) return NAN;
    if (method == 0) {
        if (N > 16) return NAN;
        unsigned __int128 e = fal__ham_maps_exact((unsigned)N, (unsigned)jmax);
        return log2((double)e);
    }
    if (method == 1) {
        if (jmax > 4096) return NAN;
        double Lr[4097], lj[4097];
        for (uint64_t j = 0; j <= jmax; j++) {
            Lr[j] = j == 0 ? 0.0 : -INFINITY;
            lj[j] = j ? log((double)j) : -INFINITY;
        }
        for (uint64_t i = 1; i <= N; i++) {
            uint64_t top = i < jmax ? i : jmax;
            for (uint64_t j = top; j >= 1; j--) Lr[j] = log_add(lj[j] + Lr[j], Lr[j - 1]);
            Lr[0] = -INFINITY;
        }
        double tot = -INFINITY, lfall = 0;
        for (uint64_t j = 1; j <= jmax; j++) {
            lfall += log((double)(N - j + 1));
            tot = log_add(tot, Lr[j] + lfall);
        }
        return tot / M_LN2;
    }
    /* method 2: the terms C(N, j) Surj(N, j), largest j first; the sequence
     * is log-concave in j, so once past its peak and 2^-60 below the largest
     * the rest cannot matter */
    double Nd = (double)N, tot = -INFINITY, top = -INFINITY, prev = INFINITY;
    for (uint64_t j = jmax; j >= 1; j--) {
        double jd = (double)j;
        double ls = j == N ? lgamma(Nd + 1) : ln_surj(Nd, jd);
        double t = lgamma(Nd + 1) - lgamma(jd + 1) - lgamma(Nd - jd + 1) + ls;
        tot = log_add(tot, t);
        if (t > top) top = t;
        if (t < prev && t < top - 60 * M_LN2) break;
        prev = t;
    }
    return tot / M_LN2;
}

double fal__ham_log2_maps(uint64_t N, uint64_t J, int *method)
{
    uint64_t jmax = J < N ? J : N;
    int mth = N <= 16 ? 0 : (jmax <= 4096 && (double)N * (double)jmax <= (double)(1 << 22)) ? 1 : 2;
    if (method) *method = mth;
    return fal__ham_log2_maps_method(N, J, mth);
}

/* A refusal made while the network's bytes were set aside (bool-ae and
 * threshold-ae lower the limit by them while the examples and clustering
 * allocate) says how many were, when they may have tipped it. */
static void set_aside(fal_ctx *ctx, size_t lim, size_t reserve, const char *what)
{
    char m[FAL_MSG_MAX];
    snprintf(m, sizeof m, "%s", fal_ctx_message(ctx));
    size_t used = fal_ctx_mem_in_use(ctx), free_bytes = lim > used ? lim - used : 0;
    /* the allocator's refusal is not the budget's */
    if (!strstr(m, " available") || reserve < free_bytes / 64) return;
    int mib = reserve >= ((size_t)1 << 20);
    fal__fail(ctx, FAL_ENOMEM, "%s, once %.1f %s are set aside for %s", m, (double)reserve / (mib ? 1048576.0 : 1024.0),
              mib ? "MiB" : "KiB", what);
}

fal_status fal__ham_data_make_reserved(fal_ctx *ctx, const fal_config *cfg, unsigned n, unsigned m, fal_rng *rdata,
                                       fal_rng *rtest, size_t reserve, const char *what, fal__ham_data *out)
{
    size_t lim = fal_ctx_mem_limit(ctx);
    if (lim) fal_ctx_set_mem_limit(ctx, lim - reserve ? lim - reserve : 1); /* 0 would mean no limit */
    fal_status st = fal__ham_data_make(ctx, cfg, n, m, rdata, rtest, out);
    if (st != FAL_OK) {
        fal_ctx_set_mem_limit(ctx, lim);
        if (st == FAL_ENOMEM && lim) set_aside(ctx, lim, reserve, what);
    }
    return st;
}

fal_status fal__ham_keep_rows(fal_ctx *ctx, fal_params *p, const char *set, const uint64_t *x, size_t rows,
                              unsigned n, uint64_t (*eval)(const void *net, uint64_t x), const void *net)
{
    char name[FAL_ARRAY_NAME];
    snprintf(name, sizeof name, "x_%s", set);
    fal_status st = fal__params_bits(p, name, x, rows, n, 1);
    if (st != FAL_OK) return st;
    uint64_t *y = fal__alloc(ctx, (rows ? rows : 1) * sizeof(uint64_t), "outputs");
    if (!y) return FAL_ENOMEM;
    for (size_t i = 0; i < rows; i++) y[i] = eval(net, x[i]);
    snprintf(name, sizeof name, "pred_%s", set);
    st = fal__params_bits(p, name, y, rows, n, 1);
    fal__free(ctx, y, (rows ? rows : 1) * sizeof(uint64_t));
    return st;
}

fal_status fal__ham_keep_centres(fal_ctx *ctx, fal_params *p, const uint64_t *centre, size_t c, unsigned n,
                                 const uint64_t *x, size_t k)
{
    fal_status st = fal__params_bits(p, "centres", centre, c, n, 1);
    if (st != FAL_OK) return st;
    double *count = fal__calloc(ctx, c ? c : 1, sizeof *count, "rows per centre");
    if (!count) return FAL_ENOMEM;
    for (size_t i = 0; i < k && c; i++) count[fal__ham_nearest(x[i], centre, c, NULL)] += 1;
    st = fal_params_add(p, "centre_rows", FAL_DT_I8, 1, c, 0, count);
    fal__free(ctx, count, (c ? c : 1) * sizeof *count);
    return st;
}
