/* hamming.h -- what the Boolean autoencoder (N4, bool_ae.c) and the
 * threshold autoencoder (N6, threshold_ae.c) share: their data, the optimal
 * Hamming clustering that is N4's optimum and N6's target, the count of N4's
 * function classes, and the two trained networks as the tests see them.
 *
 * A point of H^n (n <= 64) is a word: bit i is coordinate i, the i-th column
 * of a --data row.  d(x, y) = popcount(x ^ y). */
#ifndef FALLACY_NETS_HAMMING_H
#define FALLACY_NETS_HAMMING_H

#include "nets.h"

/* ---- data ---------------------------------------------------------------- */

/* The teacher: FAL__HAM_TEACHER_CENTRES(m) centres drawn uniformly from H^n;
 * each example picks a centre uniformly and flips each bit independently
 * with probability 1/8 (the AND of three random words). */
#define FAL__HAM_FLIP_PROB 0.125
#define FAL__HAM_TEACHER_CENTRES(m) ((size_t)1 << ((m) < 16 ? (m) : 16))
/* Default k without --examples: 10 2^m, at most 1000. */
#define FAL__HAM_DEFAULT_K(m) ((m) < 7 ? (size_t)10 << (m) : (size_t)1000)

/* Training and test examples of an autoencoder on H^n. */
typedef struct fal__ham_data {
    unsigned n;
    size_t k, ntest;
    uint64_t *x;        /* k + ntest words: training examples, then the test set */
    int teacher;        /* 1 if drawn from the teacher, 0 if from --data */
} fal__ham_data;

/* --data (split by fal__split_sizes; every value must be 0 or 1, EINVAL
 * naming the row and column otherwise) or the teacher (k examples from
 * rdata, cfg->test fresh ones from rtest, same centres).  Two calls with the
 * same seeds give the same examples: N6 measures N4's optimum on N4's data. */
fal_status fal__ham_data_make(fal_ctx *ctx, const fal_config *cfg, unsigned n, unsigned m, fal_rng *rdata,
                              fal_rng *rtest, fal__ham_data *out);
void fal__ham_data_free(fal_ctx *ctx, fal__ham_data *d);

/* The distinct points of a multiset, ascending, with their multiplicities. */
typedef struct fal__ham_set {
    unsigned n;
    size_t u;           /* distinct points */
    uint64_t *pt;       /* u points */
    uint64_t *wt;       /* u multiplicities */
    uint64_t total;     /* sum wt = k */
} fal__ham_set;

fal_status fal__ham_set_new(fal_ctx *ctx, unsigned n, const uint64_t *x, size_t k, fal__ham_set *out);
void fal__ham_set_free(fal_ctx *ctx, fal__ham_set *s);

/* ---- clustering ---------------------------------------------------------- */

/* A clustering of a set's distinct points (copies of a point always share a
 * cluster: identical points are equally far from every centre).  Cluster j's
 * centre is its per-bit weighted majority; cost = sum_i wt_i d(pt_i,
 * centre[assign_i]), the Hamming distortion of decoding every example to its
 * cluster's centre. */
typedef struct fal__ham_clust {
    size_t c;           /* non-empty clusters, <= the C asked for */
    size_t cap;         /* centres allocated */
    size_t u;
    uint64_t *centre;   /* c centres */
    uint32_t *assign;   /* u cluster indices */
    uint64_t cost;
} fal__ham_clust;

void fal__ham_clust_free(fal_ctx *ctx, fal__ham_clust *c);

/* Each distinct point its own cluster (u <= C): cost 0, the optimum. */
fal_status fal__ham_identity(fal_ctx *ctx, const fal__ham_set *s, fal__ham_clust *out);

/* The heuristic, into <= C clusters (C < u): restarts, each seeded
 * k-means++-style (the next centre a point drawn with probability
 * proportional to weight x distance to the chosen ones), then a descent:
 * Lloyd (each point moves to a strictly nearer centre, the first assignment
 * to the nearest, ties to the lowest index; each centre becomes its group's
 * majority, fal__ham_majority, a tie giving 0; an emptied cluster takes the
 * point farthest from its centre) to a fixed point, then single-point moves
 * (the exact change of both majorities' costs), the networks' assignment
 * (nearest centre, lowest index on ties) with its majorities, and the swap
 * search (a centre exchanged for a data point when the nearest-centre cost
 * falls; hamming.c), Lloyd resuming after any of them that helps.  The kept
 * clustering is thus the networks' own: each point at its lowest-index
 * nearest centre, each centre the majority (ties 0) of its group.
 * maxit caps the rounds of one restart; *iters receives the rounds of all
 * restarts and *fixed whether the kept one reached its fixed point.  The
 * best restart (lowest cost, the earliest on ties) is kept. */
fal_status fal__ham_lloyd(fal_ctx *ctx, const fal__ham_set *s, size_t C, unsigned restarts, uint64_t maxit,
                          fal_rng *r, fal__ham_clust *out, uint64_t *iters, int *fixed);

/* Descend from the c <= C given centres as one restart of fal__ham_lloyd
 * does, without the swap search (used on the integer program's optimum:
 * the cost can only fall, and the groups end at the networks' rule with
 * majority centres). */
fal_status fal__ham_polish(fal_ctx *ctx, const fal__ham_set *s, size_t C, const uint64_t *centre, size_t c,
                           uint64_t maxit, fal__ham_clust *out, int *fixed);

/* The majority of a group from its per-bit counts of ones (cnt[n]) and its
 * weight tot: bit b is 1 iff 2 cnt[b] > tot (a tie gives 0). */
uint64_t fal__ham_majority(const uint64_t *cnt, uint64_t tot, unsigned n);

/* The exact optimum into <= C clusters, by a Russian-doll branch and bound
 * over the set partitions of the distinct points (restricted growth
 * strings, heaviest points first; see hamming.c).  upper: a known cost (e.g.
 * Lloyd's) or UINT64_MAX.  EINVAL above FAL__HAM_EXACT_MAX distinct points.
 * After node_cap search nodes it gives up: *capped = 1 and FAL_OK with
 * nothing in *out, or FAL_ERANGE when capped == NULL. */
#define FAL__HAM_EXACT_MAX 32
#define FAL__HAM_EXACT_NODES ((uint64_t)1 << 32) /* --algo exact */
#define FAL__HAM_AUTO_NODES ((uint64_t)1 << 20)  /* the optimum computed unasked */
fal_status fal__ham_exact(fal_ctx *ctx, const fal__ham_set *s, size_t C, uint64_t upper, uint64_t node_cap,
                          fal__ham_clust *out, int *capped);

/* The optimum among K candidate centres cand[K] into <= C clusters, by the
 * integer program of hamming_mip.c (GLPK, silent; the p-median in radius
 * form).  With cand = all of H^n it is the exact optimum.  start[nstart]
 * (NULL, 0 for none): centres of a known clustering, e.g. the heuristic's,
 * handed to GLPK as its first incumbent (those that are not candidates are
 * skipped, missing ones filled with the lowest candidates); it only speeds
 * the search, the optimum does not depend on it.  *proved = 1 when GLPK
 * proved its optimality within node_cap branch-and-bound nodes (a
 * deterministic cap, no clock); otherwise out holds the best solution found
 * (the start's at least; its c = 0 when none).  The solution is polished
 * (fal__ham_polish, maxit rounds) so that it follows the networks' rule.
 * EINVAL when u K exceeds FAL__HAM_MIP_CELLS. */
#define FAL__HAM_MIP_CELLS (1 << 20)          /* assignment variables at most */
#define FAL__HAM_MIP_AUTO_CELLS (1 << 14)     /* the program run unasked up to this size */
#define FAL__HAM_MIP_AUTO_NODES 2000          /* ... and this many nodes */
#define FAL__HAM_MIP_EXACT_NODES 2000000      /* --algo exact */
fal_status fal__ham_mip(fal_ctx *ctx, const fal__ham_set *s, size_t C, const uint64_t *cand, size_t K,
                        const uint64_t *start, size_t nstart, uint64_t node_cap, uint64_t maxit,
                        fal__ham_clust *out, int *proved);
/* u K, saturating. */
size_t fal__ham_mip_cells(const fal__ham_set *s, size_t K);
/* The bytes fal__ham_mip budgets for `cells` assignment variables. */
size_t fal__ham_mip_bytes(size_t cells, size_t K, size_t C);
/* What the swap search and the integer program may budget at most for up
 * to u_max distinct points (fal__ham_data_make adds it up front). */
size_t fal__ham_solver_bytes(size_t u_max, unsigned n, size_t C, int exact);

/* A lower bound on the optimal cost into <= C clusters, the larger of two:
 *  - nn bound.  With nn(p) the distance from p to the nearest other distinct
 *    point: in any cluster, two points p, q with d(p, c) < nn(p)/2 and
 *    d(q, c) < nn(q)/2 would have d(p, q) < (nn(p) + nn(q))/2 <= d(p, q); so
 *    all but at most one point per cluster pay at least ceil(nn(p)/2), and
 *      cost >= sum_p wt_p ceil(nn(p)/2) - (the C largest of those terms).
 *    nn by all pairs for u <= 2^14, else by growing Hamming balls in a
 *    bitset of H^n (n <= 26) with a work cap (a radius not yet searched
 *    still bounds nn from below); UINT64_MAX (unknown) when n > 26 and
 *    u > 2^14.
 *  - group bound (u <= 4096).  The optimum is superadditive over disjoint
 *    sets of points, so the exact optima of groups of 16 add up to a bound
 *    (hamming.c). */
fal_status fal__ham_lower_bound(fal_ctx *ctx, const fal__ham_set *s, size_t C, uint64_t *out);

/* Index of the centre nearest to x, the lowest on ties; *dist its distance. */
size_t fal__ham_nearest(uint64_t x, const uint64_t *centre, size_t c, unsigned *dist);

/* label[2^n] = fal__ham_nearest(b, centre, c) for every b in H^n (n <= 26),
 * by a breadth-first search from all centres at once, O(n 2^n) whatever c:
 * the centres nearest to b are the union of those nearest to b's neighbours
 * one step closer, so the lowest index propagates level by level. */
fal_status fal__ham_nearest_all(fal_ctx *ctx, unsigned n, const uint64_t *centre, size_t c, uint32_t *label);

/* What the families report about their clustering: the one they use (the
 * better of Lloyd's and the exact one when the branch and bound ends within
 * FAL__HAM_AUTO_NODES), its cost, the optimum when it is known, a lower
 * bound otherwise. */
typedef struct fal__ham_solution {
    fal__ham_clust cl;
    uint64_t lloyd_cost;   /* UINT64_MAX when Lloyd did not run */
    uint64_t optimum;      /* UINT64_MAX when unknown */
    uint64_t lower;        /* = optimum when known; UINT64_MAX when not computed */
    uint64_t iters;
    int fixed;             /* the clustering is a fixed point (or exact) */
    unsigned restarts;
    int used_exact;
    const char *how;       /* "exact" (u <= C, or --algo exact), "lloyd+swap", "lloyd+swap+ip" (the
                              integer program improved on the heuristic) */
    int ip_run;            /* the integer program ran (unasked or --algo exact) */
} fal__ham_solution;

#define FAL__HAM_RESTARTS 32
/* Cluster s into <= C = 2^m clusters the same way for both families:
 * u <= C: identity, the optimum.  Otherwise the heuristic
 * (FAL__HAM_RESTARTS restarts, fewer when u C is large), then the integer
 * program over all 2^n centres: unasked when u 2^n <= FAL__HAM_MIP_AUTO_CELLS
 * (FAL__HAM_MIP_AUTO_NODES nodes; its clustering kept when better, the
 * optimum known when proved), and when exact_only up to FAL__HAM_MIP_CELLS
 * (EINVAL beyond) to FAL__HAM_MIP_EXACT_NODES nodes (ERANGE if unproved).
 * When the optimum stays unknown, the lower bound (which certifies the
 * heuristic's cost when it meets it). */
fal_status fal__ham_solve(fal_ctx *ctx, const fal__ham_set *s, size_t C, int exact_only, uint64_t maxit, fal_rng *r,
                          fal__ham_solution *out);
void fal__ham_solution_free(fal_ctx *ctx, fal__ham_solution *sol);

/* ---- counting ------------------------------------------------------------ */

/* log2 of the number of maps [N] -> [N] whose image has at most J points,
 *   e(N, J) = sum_{j=1}^{min(J, N)} S(N, j) (N)_j,
 * S the Stirling numbers of the second kind, (N)_j the falling factorial
 * (choose the j image points in order, then a surjection onto them).  N4's
 * classes are the maps H^n -> H^n with at most 2^m image points: N = 2^n,
 * J = 2^m.  *method receives how it was computed: 0 exact integers (N <= 16),
 * 1 the recurrence S(i, j) = j S(i-1, j) + S(i-1, j-1) in the log domain
 * (N J <= 2^22), 2 per term j: log2 j^N plus the inclusion-exclusion
 * correction when N/j is large, else the saddle-point approximation of
 * S(N, j), whose error is O(1/N) bits (measured 0.1/N to 0.4/N against the
 * recurrence); terms below 2^-60 of the largest are dropped. */
double fal__ham_log2_maps(uint64_t N, uint64_t J, int *method);
/* The same by a given method (NaN where it does not apply: 0 needs N <= 16,
 * 1 needs min(J, N) <= 4096), for the tests that compare them. */
double fal__ham_log2_maps_method(uint64_t N, uint64_t J, int method);
/* e(N, J) exactly, N <= 16 (it fits in 128 bits: N^N <= 2^64). */
unsigned __int128 fal__ham_maps_exact(unsigned N, unsigned J);
/* S(N, j) exactly for N <= 16 (0 when j > N), by the recurrence. */
unsigned __int128 fal__ham_stirling2(unsigned N, unsigned j);

/* ---- the trained networks, as the tests see them ------------------------- */

/* N4: A(n0, ..., nL) of truth tables.  Unit j of layer i (1-based) has the
 * table bits [off[i] + j stride[i], ... + 2^(n_{i-1})) of `block` (one word
 * per 64 entries, a lone word when 2^(n_{i-1}) < 64); its output on input b
 * is bit b of its table. */
typedef struct fal__bool_ae_net {
    size_t L;
    size_t *width;          /* L + 1 */
    size_t *off, *stride;   /* per layer, in words; [0] unused */
    uint64_t *block;        /* the parameter block */
    size_t nwords;
    uint64_t block_bits;    /* table entries actually stored: sum n_i 2^(n_{i-1}) */
    size_t c;               /* clusters; cluster j has code j */
    uint64_t *centre;       /* c centres */
    /* Units fed by more than FAL__BOOLAE_MAX_TABLE bits store no table: they
     * are their rule (bool_ae.c: the nearest centre's code bit, a copied
     * bit, the centre of a code, or a free unit's random function given by
     * a 64-bit key).  Added for n up to 64 (issue 11). */
    unsigned m;             /* the bottleneck */
    uint8_t *implicit;      /* L + 1 flags; [0] unused */
    uint64_t *key;          /* L + 1 keys of the free units' functions */
} fal__bool_ae_net;
#define FAL__BOOLAE_MAX_TABLE 24  /* a stored table has at most 2^24 entries */

uint64_t fal__bool_ae_eval(const fal__bool_ae_net *net, uint64_t x);
/* Parameter export of the two Boolean autoencoders (doc/params.md): x_SET,
 * the rows as bits, and pred_SET, eval(net, row) for each row. */
fal_status fal__ham_keep_rows(fal_ctx *ctx, fal_params *p, const char *set, const uint64_t *x, size_t rows,
                              unsigned n, uint64_t (*eval)(const void *net, uint64_t x), const void *net);
/* ... and their clustering: "centres" (c x n bits, centre j in row j) and
 * "centre_rows" (c,), how many of the k training rows x have centre j as
 * their nearest (the lowest index on ties: the encoder's assignment). */
fal_status fal__ham_keep_centres(fal_ctx *ctx, fal_params *p, const uint64_t *centre, size_t c, unsigned n,
                                 const uint64_t *x, size_t k);
void fal__bool_ae_net_free(fal_ctx *ctx, fal__bool_ae_net *net);
/* fal__run_bool_ae, keeping the network in *keep when keep != NULL (on
 * FAL_OK and FAL_ENOCONV; the caller frees it). */
fal_status fal__bool_ae_run(fal_ctx *ctx, const fal_config *cfg, fal_result *res, fal__bool_ae_net *keep);

/* N6: layer i (0-based, i < L) maps n_i inputs to n_{i+1} gates, each with
 * weights w + j M on the layer's M monomials (ptf.h). */
typedef struct fal__thr_layer {
    unsigned p, width;
    size_t M;
    uint64_t *mono;     /* M masks, into the net's mblock */
    int64_t *w;         /* width x M weights, into the net's wblock */
} fal__thr_layer;

typedef struct fal__thr_ae_net {
    size_t L;
    int sign;               /* 1: +-1 units, 0: Heaviside */
    unsigned degree, m;     /* m: the bottleneck width */
    fal__thr_layer *layer;  /* L */
    int64_t *wblock;        /* the parameter block: sum_i n_{i+1} M_i weights */
    size_t nw;
    uint64_t *mblock;
    size_t nm;
} fal__thr_ae_net;

/* fal__ham_data_make with `reserve` bytes of the memory limit kept back for
 * what the architecture alone sizes and is made after the clustering (the
 * network's `what`).  On success the limit stays lowered: the caller puts
 * it back when the reserve becomes the network's.  On failure it is put
 * back, and a refusal the reserve may have tipped says so. */
fal_status fal__ham_data_make_reserved(fal_ctx *ctx, const fal_config *cfg, unsigned n, unsigned m, fal_rng *rdata,
                                       fal_rng *rtest, size_t reserve, const char *what, fal__ham_data *out);

uint64_t fal__thr_ae_eval(const fal__thr_ae_net *net, uint64_t x);
void fal__thr_ae_net_free(fal_ctx *ctx, fal__thr_ae_net *net);
fal_status fal__thr_ae_run(fal_ctx *ctx, const fal_config *cfg, fal_result *res, fal__thr_ae_net *keep);

#endif
