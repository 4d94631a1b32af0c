/* fallacy/qnet.h -- quantized networks: exact class counts, class sizes and
 * the learning curve of the Gibbs learner of the class structure (the
 * paper's "kn ~ log2 e", measured).  doc/qnet.md has the maths.
 *
 *   fal_qnet q;  fal_qnet_init(&q);  q.arch = arch;  q.act = FAL_QACT_SIGN;
 *   fal_qtable *t;  st = fal_qnet_enumerate(ctx, &q, &t);
 *   fal_qnet_stats s;  fal_qtable_stats(t, &s);     // s.classes == e
 *
 * A(n0, ..., nL): every hidden unit computes act(sum_i w_i a_i + b), the
 * output units the bit [sum_i w_i a_i + b >= 0]; every weight and bias
 * takes a value in a finite list of integers.  Inputs: the whole cube
 * {-1,+1}^n0 (or {0,1}^n0), input p's coordinate i being bit i of p.
 * Conventions: sign(0) = +1, H(0) = 1, relu(z) = max(z, 0).
 * A setting's function is its truth table: output unit o occupies the
 * fal_qtable_words / nL words starting at o * that, bit p of those words
 * being the output on input p. */
#ifndef FALLACY_QNET_H
#define FALLACY_QNET_H

#include <stddef.h>
#include <stdint.h>
#include "arch.h"
#include "status.h"

typedef enum fal_qact { FAL_QACT_SIGN = 0, FAL_QACT_HEAVISIDE, FAL_QACT_RELU } fal_qact;

/* Weight values: at most this many, integers of magnitude at most
 * FAL_QNET_MAX_WEIGHT (exact integer arithmetic in 32-bit lanes). */
#define FAL_QNET_MAX_VALUES 64
#define FAL_QNET_MAX_WEIGHT 1000
/* Enumeration refuses above 2^FAL_QNET_MAX_LOG2_ENUM settings (use
 * sampling): at ~10^9 settings/s on 2 cores, 2^40 would take 20 minutes. */
#define FAL_QNET_MAX_LOG2_ENUM 40.0
/* Inputs: n0 <= 12 (4096 inputs per truth table); layers: at most 16. */
#define FAL_QNET_MAX_N0 12
#define FAL_QNET_MAX_LAYERS 16

typedef struct fal_qnet {
    const fal_arch *arch;   /* borrowed; A(n0, ..., nL), L >= 1 */
    fal_qact act;           /* hidden units */
    int bias;               /* 1 (default): every unit has a bias from the values */
    int inputs01;           /* 0 (default): {-1,+1}^n0; 1: {0,1}^n0 */
    int gauss;              /* sampling only: real weights w ~ N(0, 1/fan_in), biases ~ N(0, 1) */
    int nvalues;            /* the weight values (distinct integers) */
    int32_t values[FAL_QNET_MAX_VALUES];
} fal_qnet;

/* Defaults: sign units, bias on, {-1,+1} inputs, values -1, 0, 1. */
void fal_qnet_init(fal_qnet *q);
/* Parse "-1,0,1" into q's values; FAL_EINVAL with a message otherwise. */
fal_status fal_qnet_parse_weights(fal_ctx *ctx, const char *list, fal_qnet *q);
/* Values -lv .. lv. */
fal_status fal_qnet_levels(fal_ctx *ctx, unsigned lv, fal_qnet *q);
/* Check q (and the memory its evaluation needs); *params receives w (weights
 * and biases), *log2_settings log2 |values|^w. */
fal_status fal_qnet_check(fal_ctx *ctx, const fal_qnet *q, uint64_t *params, double *log2_settings);

/* A table of functions (distinct truth tables) and how many settings (or
 * samples) gave each, sorted by truth table (words compared in order). */
typedef struct fal_qtable fal_qtable;
size_t fal_qtable_size(const fal_qtable *t);          /* distinct functions */
size_t fal_qtable_words(const fal_qtable *t);         /* 64-bit words per truth table */
const uint64_t *fal_qtable_function(const fal_qtable *t, size_t i);
uint64_t fal_qtable_count(const fal_qtable *t, size_t i);
void fal_qtable_free(fal_qtable *t);

/* Every setting, exactly (refused above 2^FAL_QNET_MAX_LOG2_ENUM settings),
 * on fal_ctx_threads(ctx) threads; the table does not depend on the thread
 * count.  With a hidden layer, the first layer's settings are counted by
 * multisets of its units' activation vectors (every unit has the same
 * distribution, and permuting them permutes the later weights: doc/qnet.md)
 * and the later layers walked in Gray order; otherwise every setting is
 * walked in Gray order over disjoint ranges. */
fal_status fal_qnet_enumerate(fal_ctx *ctx, const fal_qnet *q, fal_qtable **out);
/* The same by the Gray walk of every setting (no multisets): the
 * benchmark's middle line and a second path for the tests. */
fal_status fal_qnet_enumerate_gray(fal_ctx *ctx, const fal_qnet *q, fal_qtable **out);
/* The same by the plain walk: every setting evaluated from scratch, one
 * thread (the reference of the benchmark and the tests). */
fal_status fal_qnet_enumerate_plain(fal_ctx *ctx, const fal_qnet *q, fal_qtable **out);
/* `samples` settings drawn uniformly (or Gaussian, q->gauss) with seed;
 * counts are sample counts.  Same seed, same table, whatever the threads. */
fal_status fal_qnet_sample(fal_ctx *ctx, const fal_qnet *q, uint64_t samples, uint64_t seed, fal_qtable **out);
/* The function of one setting: digit[d] indexes q->values for parameter d
 * (layer by layer, unit by unit, the unit's weights then its bias).  table
 * receives fal_qnet_table_words(q) words. */
fal_status fal_qnet_eval(fal_ctx *ctx, const fal_qnet *q, const uint32_t *digit, uint64_t *table);
size_t fal_qnet_table_words(const fal_qnet *q);

/* What a table says.  From an enumeration the figures are exact; from
 * samples, classes is the number seen (a lower bound on e) and the entropy
 * an estimate (doc/qnet.md: plug-in, Miller-Madow, Chao-Shen). */
typedef struct fal_qnet_stats {
    uint64_t total;             /* settings (or samples) */
    uint64_t classes;           /* distinct functions */
    double log2_classes;
    uint64_t largest_class, smallest_class;
    uint64_t singletons, doubletons;
    double entropy_plugin;      /* bits: -sum p log2 p with p = count / total */
    double entropy_miller_madow;/* plug-in + (classes - 1) / (2 total ln 2) */
    double entropy_chao_shen;   /* coverage-adjusted Horvitz-Thompson */
    double entropy_stderr;      /* sqrt((sum p log2^2 p - H^2) / total), delta method */
    double chao1;               /* classes + f1^2 / (2 f2): an estimate of e, not a bound */
} fal_qnet_stats;
void fal_qtable_stats(const fal_qtable *t, fal_qnet_stats *s);
/* Indices of the table sorted by count, descending (ties: by function):
 * rank order of the rank-frequency figure.  order[fal_qtable_size(t)]. */
fal_status fal_qtable_rank(fal_ctx *ctx, const fal_qtable *t, size_t *order);
/* Inputs the function of output o depends on (bit i: coordinate i). */
uint64_t fal_qnet_support(const uint64_t *table, size_t n0, size_t words_per_output);

/* The Gibbs learner's curve: per k = 0 .. 2^n0 - 1 the expected error on
 * the inputs outside the training set (fraction of output bits), averaged
 * over every k-subset when there are at most FAL_QNET_ALL_SETS of them,
 * otherwise over `sets` random ones. */
#define FAL_QNET_ALL_SETS 1000000
typedef struct fal_qcurve_point {
    uint64_t k;
    double error;               /* mean over training sets */
    double spread;              /* standard deviation over training sets */
    double stderr_;             /* of the mean: 0 when every set was used */
    uint64_t sets;              /* training sets averaged */
    int exhaustive;             /* 1: every k-subset */
} fal_qcurve_point;
/* t: an exact table (n0 <= 6).  teacher: NULL for a teacher drawn as a
 * uniform setting's function (averaged exactly over the table), else one
 * function (fal_qtable_words words), which must be in t.  out: 2^n0 points. */
fal_status fal_qnet_curve(fal_ctx *ctx, const fal_qtable *t, size_t n0, size_t nL, const uint64_t *teacher,
                          uint64_t sets, uint64_t seed, fal_qcurve_point *out);

/* The half-error point of a curve: the k (linearly interpolated between
 * the integers) at which error[k] first falls to error[0] / 2 or below;
 * NaN when it never does or error[0] is not positive.  n points, k = 0 ..
 * n - 1.  (doc/qnet.md: "k1/2"; the report and the demo use this one.) */
double fal_qnet_half_k(const double *error, size_t n);
/* How well an axis collapses several curves: the coefficient of variation
 * (sample standard deviation over mean) of khalf[i] * scale[i] over the
 * i < n with a finite khalf; NaN with fewer than two.  With scale = n0 /
 * log2 e, 1 / w or nL / H it compares the paper's axis k n0 / log2 e with
 * k / w and k nL / H. */
double fal_qnet_collapse_cv(const double *khalf, const double *scale, size_t n);

#endif
