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
#include "fallacy/store.h"
#include "fallacy/report.h"
#include "fallacy/params.h"

#endif
