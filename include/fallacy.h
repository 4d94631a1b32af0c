/* fallacy.h -- libfallacy: deep networks trained from a few examples, and
 * the measurements that show why their number of parameters does not set
 * the number of examples they need.  See README.md and doc/. */
#ifndef FALLACY_H
#define FALLACY_H

#define FAL_VERSION "0.1.0"

#include "fallacy/status.h"
#include "fallacy/rng.h"
#include "fallacy/arch.h"
#include "fallacy/table.h"
#include "fallacy/run.h"
#include "fallacy/need.h"
#include "fallacy/classes.h"
#include "fallacy/qnet.h"
#include "fallacy/store.h"
#include "fallacy/report.h"

/* ---- the ABI check ----------------------------------------------------------
 *
 * A program compiled against one version of these headers and run with
 * another libfallacy.so would read and write structs of the wrong size.
 * fal_ctx_new is a macro that passes the sizes this header was compiled
 * with; the library compares them with its own and refuses a mismatch:
 * FAL_EINVAL, with *out a context whose message names the first struct that
 * differs (read it, then fal_ctx_free it).  Bindings that mirror the
 * structs (python/fallacy) call fal_ctx_new_abi with their own sizes. */
#define FAL_ABI_VERSION 1u

typedef struct fal_abi {
    unsigned version;    /* FAL_ABI_VERSION */
    size_t abi;          /* sizeof(fal_abi) */
    size_t config;       /* sizeof(fal_config) */
    size_t result;       /* sizeof(fal_result) */
    size_t classes;      /* sizeof(fal_classes) */
    size_t need_result;  /* sizeof(fal_need_result) */
    size_t report_opts;  /* sizeof(fal_report_opts) */
    size_t walk;         /* sizeof(fal_walk) */
    size_t allocator;    /* sizeof(fal_allocator) */
} fal_abi;

#define FAL_ABI_HERE                                                                                          \
    (&(const fal_abi){ FAL_ABI_VERSION, sizeof(fal_abi), sizeof(fal_config), sizeof(fal_result),                \
                       sizeof(fal_classes), sizeof(fal_need_result), sizeof(fal_report_opts), sizeof(fal_walk), \
                       sizeof(fal_allocator) })

/* The library's version string (FAL_VERSION of the library, not of the
 * header the caller was compiled with) and its own sizes. */
const char *fal_version(void);
const fal_abi *fal_abi_library(void);

/* fal_ctx_new with the caller's sizes: FAL_EINVAL on a mismatch (see above),
 * FAL_ENOMEM when the context cannot be allocated (*out NULL). */
fal_status fal_ctx_new_abi(fal_ctx **out, const fal_allocator *alloc, const fal_abi *caller);
#define fal_ctx_new(out, alloc) fal_ctx_new_abi((out), (alloc), FAL_ABI_HERE)

#endif
