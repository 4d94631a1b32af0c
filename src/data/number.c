/* number.c -- the one rule for a number written as text (fal_number_parse):
 * the CSV reader and the command line both use it, so `--lr 0x1p-3` and a
 * CSV field "0x1p-3" are refused alike. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fallacy/table.h"

static int starts_ci(const char *s, const char *w)
{
    for (; *w; s++, w++)
        if ((*s | 0x20) != *w) return 0;
    return 1;
}

fal_number fal_number_parse(const char *s, double *out)
{
    if (!s || !*s) return FAL_NUMBER_EMPTY;
    const char *u = s + (*s == '+' || *s == '-');
    if (u[0] == '0' && (u[1] | 0x20) == 'x') return FAL_NUMBER_HEX;
    if (starts_ci(u, "nan") || starts_ci(u, "inf")) return FAL_NUMBER_NONFINITE;
    /* Decimal only: digits, point, exponent, signs; strtod checks the order.
     * errno is not read: ERANGE also flags subnormal results, which are
     * numbers; overflow shows as an infinite value. */
    size_t n = strlen(s);
    if (strspn(s, "0123456789.eE+-") != n) return FAL_NUMBER_SYNTAX;
    char *end;
    double v = strtod(s, &end);
    if (end != s + n) return FAL_NUMBER_SYNTAX;
    if (!isfinite(v)) return FAL_NUMBER_OVERFLOW;
    *out = v;
    return FAL_NUMBER_OK;
}
