/* mlp_rank.h -- the Jacobian rank of an mlp (src/info/classes_mlp.c),
 * shared with classes.c and the tests. */
#ifndef FALLACY_MLP_RANK_H
#define FALLACY_MLP_RANK_H

#include "../nets/mlp.h"

/* A singular value counts when it exceeds this times the largest. */
#define MLP_RANK_TOL 1e-7

/* The Jacobian itself, J (k nL x w, column-major, rows probe-major:
 * row j nL + a is output a on probe j), for the tests. */
fal_status fal__mlp_jacobian(fal_ctx *ctx, fal__mlp *net, const double *X, size_t k, double *J);
/* Singular values (descending) of the Jacobian of net's parameters ->
 * outputs on the k <= kmax probes X (n0 x k); *nsv receives their number
 * (min(k nL, w) for "svd", k nL or w for the Gram routes); sv must hold
 * max(k nL, w) values.  method: 0 chooses, 1 the explicit SVD, 2 a Gram
 * route.  *used: "svd", "gram-rows" or "gram-params".  Leaves the forward
 * pass on X in net->h. */
fal_status fal__mlp_jacobian_sv(fal_ctx *ctx, fal__mlp *net, const double *X, size_t k, int method, double *sv,
                                size_t *nsv, const char **used);
/* The rank (MLP_RANK_TOL) and, when not NULL, the smallest kept and the
 * largest dropped singular values relative to the largest. */
fal_status fal__mlp_rank(fal_ctx *ctx, fal__mlp *net, const double *X, size_t k, int method, uint64_t *rank,
                         double *last, double *next, const char **used);
uint64_t fal__mlp_count_rank(const double *sv, size_t n, double *last, double *next);
/* w minus the known continuous symmetries (doc/mlp.md): relu, leaky-relu
 * w - hidden units; tanh, sigmoid w; linear r (n0 + nL - r) + nL [bias],
 * r the smallest width. */
uint64_t fal__mlp_symmetry_bound(const fal_arch *a, fal_act act, int bias, uint64_t w);
/* fal_classes_compute_draws for the mlp. */
fal_status fal__classes_mlp(fal_ctx *ctx, const fal_config *cfg, uint64_t draws, fal_classes *out);

#endif
