/* curve.c -- a training curve in fixed memory.  The schedule 0, 1, 2, 4,
 * ... keeps at most 66 points for any run length up to 2^64 steps, shows
 * the early descent at full resolution and the late one on a log scale of
 * steps, and costs O(1) per step, so the training loops can call it
 * unconditionally without allocating. */
#include "curve.h"

static int kept(uint64_t step) { return (step & (step - 1)) == 0; } /* 0 or a power of two */

void fal__curve_add(fal_result *res, uint64_t step, double error)
{
    if (!res) return;
    int n = res->ncurve;
    if (n > 0 && res->curve[n - 1].step == step) {
        res->curve[n - 1].error = error;
        return;
    }
    /* the previous most recent point is provisional unless it is on the schedule */
    if (n > 0 && !kept(res->curve[n - 1].step)) n--;
    if (n >= FAL_MAX_CURVE) n = FAL_MAX_CURVE - 1; /* unreachable with 66 slots; never overflow */
    res->curve[n].step = step;
    res->curve[n].error = error;
    res->ncurve = n + 1;
}
