/* curve.h -- the training curve kept in a fal_result (include/fallacy/run.h). */
#ifndef FALLACY_CURVE_H
#define FALLACY_CURVE_H

#include <stdint.h>
#include "fallacy/run.h"

/* Record the relative training error after `step` steps; call it with
 * every step, in increasing order (calls for skipped steps may be left
 * out).  Kept: step 0, every power of two, and the most recent step, which
 * replaces the previous most recent point unless that one is 0 or a power
 * of two.  A second call with the same step overwrites the error (used to
 * make the last point the exactly measured train_error).  res NULL: no-op. */
void fal__curve_add(fal_result *res, uint64_t step, double error);

#endif
