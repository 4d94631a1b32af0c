/* fallacy/arch.h -- architectures A(n0, n1, ..., nL).
 *
 * A uniform architecture (every layer the same width) is stored without a
 * per-layer array, so that a scalar chain of depth 10^9 costs nothing to
 * describe. */
#ifndef FALLACY_ARCH_H
#define FALLACY_ARCH_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"

typedef struct fal_arch fal_arch;

/* Largest accepted width and depth: beyond them no run can fit in memory,
 * and counts would overflow 64 bits. */
#define FAL_MAX_WIDTH ((size_t)1 << 32)
#define FAL_MAX_DEPTH ((uint64_t)1 << 50)

/* Parse "n0,n1,...,nL" (at least two positive integers, no spaces, no empty
 * fields, each <= FAL_MAX_WIDTH).  *out receives a new architecture.
 * FAL_EINVAL with a message naming the bad field. */
fal_status fal_arch_parse(fal_ctx *ctx, const char *text, fal_arch **out);
/* A(width, width, ..., width) with depth layers of weights (depth + 1 layers
 * of units).  depth in [1, FAL_MAX_DEPTH], width in [1, FAL_MAX_WIDTH]. */
fal_status fal_arch_uniform(fal_ctx *ctx, uint64_t depth, size_t width, fal_arch **out);
/* A copy of an explicit width list (n entries, n >= 2). */
fal_status fal_arch_from_widths(fal_ctx *ctx, const size_t *widths, size_t n, fal_arch **out);
void fal_arch_free(fal_arch *a);

/* Number of weight layers L (the architecture has L + 1 layers of units). */
uint64_t fal_arch_depth(const fal_arch *a);
/* Width n_i of unit layer i, 0 <= i <= L. */
size_t fal_arch_width(const fal_arch *a, uint64_t i);
/* 1 if every layer has the same width. */
int fal_arch_is_uniform(const fal_arch *a);
/* Smallest hidden width (layers 1..L-1); SIZE_MAX when L == 1. */
size_t fal_arch_min_hidden(const fal_arch *a);
/* w = sum_i n_i n_{i-1}, the weights of a fully connected net without
 * biases.  FAL_ERANGE if it overflows 64 bits. */
fal_status fal_arch_linear_params(fal_ctx *ctx, const fal_arch *a, uint64_t *out);

#endif
