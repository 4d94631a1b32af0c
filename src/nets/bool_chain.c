/* bool_chain.c -- placeholder until the family lands: refuses to run. */
#include "nets.h"

fal_status fal__run_bool_chain(fal_ctx *ctx, const fal_config *cfg, fal_result *res)
{
    (void)cfg;
    (void)res;
    return fal__fail(ctx, FAL_EINVAL, "bool_chain: not implemented yet");
}
