/* json.c -- a result as the JSON object of the product contract
 * (fal_result_json): one writer for the command line and the bindings, so
 * `fallacy run --json` and python's fallacy.run give the same bytes. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

/* Widths are listed in full up to this depth; deeper uniform nets give
 * "widths": null with "depth" and "width" (a 10^9-entry array helps no one). */
#define JSON_MAX_LAYERS 100000

typedef struct jbuf {
    char *buf;
    size_t cap, len; /* len counts every byte, written or not */
} jbuf;

static void put(jbuf *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(jbuf *j, const char *fmt, ...)
{
    char small[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t k = (size_t)n;
    if ((size_t)n >= sizeof small) { /* long text: only %s of a string writes this much */
        if (j->len + k < j->cap) {
            va_start(ap, fmt);
            vsnprintf(j->buf + j->len, j->cap - j->len, fmt, ap);
            va_end(ap);
        }
    } else if (j->len + k < j->cap) {
        memcpy(j->buf + j->len, small, k);
    }
    j->len += k;
}

static void num(jbuf *j, double v)
{
    if (isfinite(v)) put(j, "%.17g", v);
    else put(j, "null");
}

static void putc_(jbuf *j, char c)
{
    if (j->len + 1 < j->cap) j->buf[j->len] = c;
    j->len++;
}

static void str(jbuf *j, const char *s)
{
    putc_(j, '"');
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            putc_(j, '\\');
            putc_(j, (char)ch);
        } else if (ch < 0x20) {
            put(j, "\\u%04x", ch);
        } else {
            putc_(j, (char)ch);
        }
    }
    putc_(j, '"');
}

fal_status fal_result_json(fal_ctx *ctx, const fal_result *r, char *buf, size_t cap, size_t *len)
{
    jbuf j = { buf, buf ? cap : 0, 0 };
    uint64_t L = fal_arch_depth(r->arch);
    put(&j, "{\"id\":");
    str(&j, r->id);
    put(&j, ",\"family\":");
    str(&j, r->family);
    put(&j, ",\"algo\":");
    str(&j, r->algo);
    put(&j, ",\"widths\":");
    if (L + 1 <= JSON_MAX_LAYERS) {
        put(&j, "[");
        for (uint64_t i = 0; i <= L; i++) put(&j, i ? ",%zu" : "%zu", fal_arch_width(r->arch, i));
        put(&j, "]");
    } else {
        put(&j, "null");
    }
    put(&j, ",\"depth\":%llu", (unsigned long long)L);
    if (fal_arch_is_uniform(r->arch)) put(&j, ",\"width\":%zu", fal_arch_width(r->arch, 0));
    put(&j, ",\"params\":%llu,\"examples\":%llu,\"seed\":%llu", (unsigned long long)r->params,
        (unsigned long long)r->examples, (unsigned long long)r->seed);
    put(&j, ",\"train_error\":");
    num(&j, r->train_error);
    put(&j, ",\"test_error\":");
    num(&j, r->test_error);
    put(&j, ",\"optimum_error\":");
    num(&j, r->optimum_error);
    put(&j, ",\"log2_classes\":");
    num(&j, r->log2_classes);
    put(&j, ",\"bits_provided\":");
    num(&j, r->bits_provided);
    put(&j, ",\"converged\":%s,\"steps\":%llu", r->converged ? "true" : "false", (unsigned long long)r->steps);
    put(&j, ",\"note\":");
    if (r->note) str(&j, r->note);
    else put(&j, "null");
    put(&j, ",\"tol\":"); /* the convergence tolerance used; null: none */
    num(&j, r->tol);
    for (int i = 0; i < r->nextras; i++) {
        put(&j, ",");
        str(&j, r->extras[i].name);
        put(&j, ":");
        num(&j, r->extras[i].value);
    }
    put(&j, ",\"seconds\":");
    num(&j, r->seconds);
    put(&j, "}");
    if (len) *len = j.len;
    if (j.len + 1 > j.cap) {
        if (buf && cap) buf[0] = '\0';
        return cap == 0 ? FAL_ERANGE : fal__fail(ctx, FAL_ERANGE, "JSON of %zu bytes: a buffer of %zu is too small", j.len, cap);
    }
    buf[j.len] = '\0';
    return FAL_OK;
}
