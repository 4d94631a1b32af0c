/* fallacy/need.h -- how many examples a family needs, found by training.
 *
 *   fal_config cfg;  fal_config_init(&cfg);
 *   cfg.family = fal_family_find("shallow");  cfg.features = 50;
 *   fal_need_result nr;
 *   st = fal_need(ctx, &cfg, 1e-8, 3, 0, &nr);   // nr.k_needed == 50
 *
 * The search.  A probe at k runs the family `seeds` times, with
 * examples = k and seed = base->seed + s (s = 0 .. seeds-1, wrapping), and
 * passes when every run converged (FAL_OK) and reached
 * test_error <= eps; a run that does not converge fails at that k.  Probes
 * double, k = 1, 2, 4, ..., until one passes (the last doubling is
 * replaced by kmax itself, so kmax is always tried); then bisection
 * between the last failing k and the first passing one returns the
 * smallest passing k, k_needed.  A family whose test set is the inputs
 * not trained on (an enumerable input space) has none left once k covers
 * the space: such a run reports no test error and is judged on its
 * training error, which is then its error on every input (counted in
 * seen_all).  Bisection assumes that passing is monotone
 * in k (true for every family of the catalogue at the optimum; a
 * non-monotone case would make k_needed one passing k whose predecessor
 * fails, not necessarily the smallest passing k).
 *
 * Determinism: the runs are the deterministic fal_run calls, in a fixed
 * order, so the same arguments give the same result bytes. */
#ifndef FALLACY_NEED_H
#define FALLACY_NEED_H

#include <stdint.h>
#include "run.h"
#include "status.h"

/* Largest kmax accepted: beyond it a search would train for hours. */
#define FAL_NEED_MAX_K ((uint64_t)1000000)
/* Probes a search can make: at most 21 doublings up to FAL_NEED_MAX_K,
 * kmax itself and 20 bisection steps. */
#define FAL_NEED_MAX_PROBES 64

/* One probed k. */
typedef struct fal_need_probe {
    uint64_t k;
    double worst_test_error;  /* largest test error over the seeds (the training error for
                                 seen_all runs; NaN if a diverged run gave none) */
    unsigned failed;          /* seeds whose run did not pass */
    unsigned unconverged;     /* seeds whose run returned FAL_ENOCONV */
    unsigned seen_all;        /* seeds judged on their training error: no unseen input was left */
    int passed;               /* failed == 0 */
} fal_need_probe;

typedef struct fal_need_result {
    const char *family;        /* static, from the family table */
    const char *id;
    uint64_t params;           /* w of the architecture (from the first run) */
    int found;                 /* 1 if some k <= kmax passed */
    uint64_t k_needed;         /* the smallest passing k; 0 when !found */
    double eps;
    unsigned seeds;
    uint64_t kmax;             /* the bound used (after defaults and --data capping) */
    double test_error_at_k;    /* worst test error at k_needed (NaN when !found) */
    double test_error_below;   /* worst test error at k_needed - 1 (NaN when k_needed <= 1 or !found) */
    uint64_t runs;             /* fal_run calls made */
    fal_need_probe probes[FAL_NEED_MAX_PROBES]; /* in the order probed */
    int nprobes;
} fal_need_result;

/* Find the smallest k at which `base`'s family reaches test error <= eps
 * on every one of `seeds` seeds (see the search above).
 *
 * base:  the run configuration (borrowed, not modified); its examples,
 *        examples_set and seed are overridden per run, everything else
 *        (arch, test, algo, data, ...) is used as given.  With base->data
 *        the first k rows train and the rest test, so kmax is capped at
 *        rows - 1.
 * eps:   the test-error target, finite and > 0.
 * seeds: runs per probe, 1 .. 1000.
 * kmax:  the largest k tried; 0: 4 x params capped at FAL_NEED_MAX_K.
 *        Values above FAL_NEED_MAX_K are refused.
 * out:   receives the search (owns nothing; no clearing needed).
 *
 * Returns FAL_OK when some k <= kmax passed; FAL_ENOCONV when none did
 * (out filled, found = 0); FAL_EINVAL for a bad argument, or when the
 * family gives no test error at k = 1 (--test 0, --data without test
 * rows); any other error of fal_run (FAL_ENOMEM, FAL_EFORMAT, ...)
 * as it came, with the context message prefixed by the k and seed. */
fal_status fal_need(fal_ctx *ctx, const fal_config *base, double eps, unsigned seeds, uint64_t kmax,
                    fal_need_result *out);

#endif
