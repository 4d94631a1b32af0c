/* kmin.h -- the k_min search of `fallacy classes`, apart from the Jacobian
 * so that it can be tested on any rank sequence. */
#ifndef FALLACY_KMIN_H
#define FALLACY_KMIN_H

#include <stddef.h>
#include <stdint.h>
#include "../core/internal.h"

/* The rank of the leading block of k probes (k >= 1). */
typedef fal_status (*fal__rank_fn)(void *ud, size_t k, uint64_t *rank);

/* The smallest k in [1, kmax] with rank(k) >= full, for a rank that does
 * not decrease with k and reaches full at kmax (the Jacobian on the first k
 * probes is the leading block of the one on k + 1): bisection, at most
 * ceil(log2 kmax) calls of rank.  A status other than FAL_OK from rank is
 * returned as is (*kmin is then unspecified). */
fal_status fal__kmin_search(size_t kmax, uint64_t full, fal__rank_fn rank, void *ud, size_t *kmin);

#endif
