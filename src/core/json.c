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
    if (!strchr(fmt, '%')) {
        /* literal text, most of the calls: copied, not formatted (fal_run_json
         * 6.2 instead of 7.1 us CPU per result here; the %.17g of the
         * doubles is most of the rest) */
        size_t k = strlen(fmt);
        if (j->len + k < j->cap) memcpy(j->buf + j->len, fmt, k);
        j->len += k;
        return;
    }
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

/* The result's fields, without "seconds" and the closing brace. */
static void result_body(jbuf *jb, const fal_result *r)
{
#define j (*jb)
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
#undef j
}

static fal_status finish(fal_ctx *ctx, jbuf j, const fal_result *r, char *buf, size_t cap, size_t *len)
{
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

fal_status fal_result_json(fal_ctx *ctx, const fal_result *r, char *buf, size_t cap, size_t *len)
{
    jbuf j = { buf, buf ? cap : 0, 0 };
    result_body(&j, r);
    return finish(ctx, j, r, buf, cap, len);
}

/* ---- provenance: the config, data and build objects ------------------------ */

char *openblas_get_config(void);
char *openblas_get_corename(void);

static void num_or_default(jbuf *j, const char *key, double v, int is_default)
{
    put(j, ",\"%s\":", key);
    if (is_default) put(j, "\"default\"");
    else put(j, "%.17g", v);
}

static void str_or_null(jbuf *j, const char *s)
{
    if (s) str(j, s);
    else put(j, "null");
}

/* The file part of a --data spec (FILE.npz:NAME -> FILE.npz) into buf. */
void fal__data_file(const char *spec, char *buf, size_t cap)
{
    const char *split = NULL;
    for (const char *q = strstr(spec, ".npz:"); q; q = strstr(q + 1, ".npz:")) split = q;
    size_t n = split && split[5] ? (size_t)(split + 4 - spec) : strlen(spec);
    if (n >= cap) n = cap - 1;
    memcpy(buf, spec, n);
    buf[n] = '\0';
}

/* The "config", "data" and "build" members (no braces around them): one
 * writer for the run's JSON and the store's config column.  known_hex (or
 * NULL) is the SHA-256 of the data file, already computed, with its size. */
static void provenance(jbuf *j, fal_ctx *ctx, const fal_config *c, const char *family, const char *known_hex,
                       uint64_t known_bytes)
{
    put(j, "\"config\":{\"family\":");
    str(j, c->family ? c->family->name : family);
    put(j, ",\"arch\":");
    if (!c->arch) {
        put(j, "\"default\"");
    } else if (fal_arch_is_uniform(c->arch)) {
        put(j, "\"depth=%llu,width=%zu\"", (unsigned long long)fal_arch_depth(c->arch), fal_arch_width(c->arch, 0));
    } else {
        putc_(j, '"');
        for (uint64_t i = 0; i <= fal_arch_depth(c->arch); i++) put(j, i ? ",%zu" : "%zu", fal_arch_width(c->arch, i));
        putc_(j, '"');
    }
    num_or_default(j, "examples", (double)c->examples, !c->examples_set);
    put(j, ",\"test\":%zu,\"algo\":", c->test);
    str(j, c->algo == FAL_ALGO_DEFAULT ? "default" : fal_algo_name(c->algo));
    put(j, ",\"init\":\"%s\",\"field\":\"%s\"", c->init == FAL_INIT_SIGNS ? "signs" : "default",
        c->field == FAL_COMPLEX ? "complex" : "real");
    num_or_default(j, "subspace", (double)c->subspace, c->subspace == 0);
    num_or_default(j, "features", (double)c->features, c->features == 0);
    num_or_default(j, "power", (double)c->power, c->power == 0);
    put(j, ",\"units\":\"%s\"", c->units == FAL_UNITS_HEAVISIDE ? "heaviside" : "sign");
    num_or_default(j, "degree", (double)c->degree, c->degree == 0);
    num_or_default(j, "steps", (double)c->max_steps, c->max_steps == 0);
    num_or_default(j, "lr", c->lr, c->lr == 0.0);
    num_or_default(j, "tol", c->tol, c->tol == 0.0);
    put(j, ",\"seed\":%llu", (unsigned long long)c->seed);
    put(j, ",\"shuffle\":");
    if (c->shuffle_set) put(j, "%llu", (unsigned long long)c->shuffle);
    else put(j, "null");
    put(j, ",\"split\":");
    if (c->split_fraction > 0) put(j, "%.17g", c->split_fraction);
    else put(j, "null");
    put(j, ",\"rows\":");
    str(j, !c->data ? "teacher" : c->shuffle_set ? "drawn by --shuffle and the seed" : "first k rows train, the rest test");
    put(j, ",\"inputs\":");
    str_or_null(j, c->inputs);
    put(j, ",\"targets\":");
    str_or_null(j, c->targets);
    if (c->family && !strcmp(c->family->name, "mlp")) {
        /* the mlp's own options (doc/mlp.md), its defaults written out as
         * the key writes them; the other families do not read them */
        put(j, ",\"act\":");
        str(j, fal_act_name(c->act));
        put(j, ",\"bias\":\"%s\",\"init_scale\":%.17g,\"teacher_widths\":", c->bias_off ? "off" : "on",
            c->init_scale > 0 ? c->init_scale : 1.0);
        if (!c->teacher_arch) {
            put(j, "\"same\"");
        } else {
            putc_(j, '"');
            for (uint64_t i = 0; i <= fal_arch_depth(c->teacher_arch); i++)
                put(j, i ? ",%zu" : "%zu", fal_arch_width(c->teacher_arch, i));
            putc_(j, '"');
        }
        /* --restarts and --draws (mlp only), their default 1 written out */
        put(j, ",\"restarts\":%u,\"draws\":%llu", c->restarts > 1 ? c->restarts : 1u,
            (unsigned long long)(c->draws > 1 ? c->draws : 1));
    }
    put(j, "},\"data\":");
    if (!c->data) {
        put(j, "null");
    } else {
        char hex[65];
        const fal_table *t = c->data;
        if (c->data_path) {
            char file[4096];
            uint64_t size = 0;
            fal__data_file(c->data_path, file, sizeof file);
            if (known_hex) {
                snprintf(hex, sizeof hex, "%s", known_hex);
                size = known_bytes;
            } else {
                /* the message of an unreadable file is not the run's: keep ctx's */
                char saved[sizeof ctx->msg];
                memcpy(saved, ctx->msg, sizeof saved);
                if (fal_file_sha256(ctx, file, hex, &size) != FAL_OK) snprintf(hex, sizeof hex, "unreadable");
                memcpy(ctx->msg, saved, sizeof saved);
            }
            put(j, "{\"path\":");
            str(j, c->data_path);
            put(j, ",\"bytes\":%llu,\"sha256\":\"%s\"", (unsigned long long)size, hex);
        } else {
            /* data from memory (the bindings): the hash of its float64 values, row-major */
            size_t nbytes = t->rows * t->cols * (t->field == FAL_COMPLEX ? 2 : 1) * sizeof(double);
            fal_sha256_hex(t->v, nbytes, hex);
            put(j, "{\"path\":null,\"bytes\":%zu,\"sha256\":\"%s\"", nbytes, hex);
        }
        put(j, ",\"rows\":%zu,\"cols\":%zu,\"field\":\"%s\"}", t->rows, t->cols,
            t->field == FAL_COMPLEX ? "complex" : "real");
    }
    const char *bc = openblas_get_config(), *core = openblas_get_corename();
    put(j, ",\"build\":{\"version\":");
    str(j, FAL_VERSION);
    put(j, ",\"blas\":");
    str(j, bc ? bc : "OpenBLAS");
    put(j, ",\"blas_core\":");
    str(j, core ? core : "unknown");
    put(j, ",\"threads\":%d}", fal_ctx_threads(ctx));
}

fal_status fal_run_json(fal_ctx *ctx, const fal_config *c, const fal_result *r, char *buf, size_t cap, size_t *len)
{
    jbuf jj = { buf, buf ? cap : 0, 0 };
    jbuf *j = &jj;
    result_body(j, r);
    putc_(j, ',');
    provenance(j, ctx, c, r->family, NULL, 0);
    return finish(ctx, jj, r, buf, cap, len);
}

char *fal__provenance_json(fal_ctx *ctx, const fal_config *c, const char *known_hex, uint64_t known_bytes,
                           size_t *size)
{
    jbuf j = { NULL, 0, 0 };
    putc_(&j, '{');
    provenance(&j, ctx, c, c->family ? c->family->name : "", known_hex, known_bytes);
    putc_(&j, '}');
    size_t need = j.len + 1;
    char *out = fal__alloc(ctx, need, "provenance JSON");
    if (!out) return NULL;
    j.buf = out;
    j.cap = need;
    j.len = 0;
    putc_(&j, '{');
    provenance(&j, ctx, c, c->family ? c->family->name : "", known_hex, known_bytes);
    putc_(&j, '}');
    out[j.len] = '\0';
    *size = need;
    return out;
}
