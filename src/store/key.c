/* key.c -- the canonical key of a configuration and the run-length text of
 * an architecture (formats in include/fallacy/store.h).
 *
 * Why a text key and not a hash: a user reading the database sees what each
 * row is, `fallacy report` reads the options back from it, and two configs
 * agree exactly when their keys are equal strings (no collisions to argue
 * about).  The only hash is the one that stands for --data's contents. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "store_int.h"

/* A 10^7-layer explicit architecture is 80 MB of widths: beyond, a text is
 * refused rather than expanded. */
#define ARCH_TEXT_MAX_LAYERS 10000000u

void fal__store_arch_sb(fal__sb *b, const fal_arch *a)
{
    uint64_t L = fal_arch_depth(a);
    if (fal_arch_is_uniform(a)) {
        fal__sb_printf(b, "%zu^%llu", fal_arch_width(a, 0), (unsigned long long)(L + 1));
        return;
    }
    uint64_t i = 0;
    while (i <= L) {
        size_t w = fal_arch_width(a, i);
        uint64_t j = i + 1;
        while (j <= L && fal_arch_width(a, j) == w) j++;
        if (i) fal__sb_putc(b, ',');
        if (j - i == 1) fal__sb_printf(b, "%zu", w);
        else fal__sb_printf(b, "%zu^%llu", w, (unsigned long long)(j - i));
        i = j;
    }
}

/* Copy the built text out like snprintf. */
static fal_status emit(fal__sb *b, char *buf, size_t cap, size_t *len)
{
    fal_status st = fal__sb_status(b);
    if (st != FAL_OK) return st;
    if (len) *len = b->len;
    if (cap) {
        size_t n = b->len < cap ? b->len : cap - 1;
        if (n) memcpy(buf, b->p, n);
        buf[n] = '\0';
    }
    if (cap <= b->len) return fal__fail(b->ctx, FAL_ERANGE, "text of %zu bytes does not fit %zu", b->len, cap);
    return FAL_OK;
}

fal_status fal_store_arch_text(fal_ctx *ctx, const fal_arch *a, char *buf, size_t cap, size_t *len)
{
    fal__sb b;
    fal__sb_init(&b, ctx);
    fal__store_arch_sb(&b, a);
    fal_status st = emit(&b, buf, cap, len);
    fal__sb_free(&b);
    return st;
}

/* FNV-1a over the shape and the value bytes: the identity of --data. */
static uint64_t table_hash(const fal_table *t)
{
    uint64_t h = 1469598103934665603ULL;
    size_t shape[3] = { fal_table_rows(t), fal_table_cols(t), (size_t)fal_table_field(t) };
    const unsigned char *p = (const unsigned char *)shape;
    for (size_t i = 0; i < sizeof shape; i++) h = (h ^ p[i]) * 1099511628211ULL;
    size_t n = shape[0] * shape[1] * (shape[2] == FAL_COMPLEX ? 2 : 1) * sizeof(double);
    p = (const unsigned char *)fal_table_cdata(t);
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

fal_status fal__store_key_sb(fal__sb *b, const fal_config *cfg)
{
    if (!cfg->family) return fal__fail(b->ctx, FAL_EINVAL, "store key: no family given");
    fal__sb_printf(b, "family=%s;arch=", cfg->family->name);
    if (cfg->arch) fal__store_arch_sb(b, cfg->arch);
    else fal__sb_puts(b, "default");
    if (cfg->examples_set || cfg->examples) fal__sb_printf(b, ";k=%zu", cfg->examples);
    else fal__sb_puts(b, ";k=default");
    fal__sb_printf(b, ";test=%zu;algo=%s;init=%s;field=%s;subspace=%zu;features=%zu;power=%u;units=%s;degree=%u",
                   cfg->test, fal_algo_name(cfg->algo), cfg->init == FAL_INIT_SIGNS ? "signs" : "default",
                   cfg->field == FAL_COMPLEX ? "complex" : "real", cfg->subspace, cfg->features,
                   cfg->power ? cfg->power : 2u, cfg->units == FAL_UNITS_HEAVISIDE ? "heaviside" : "sign",
                   cfg->degree ? cfg->degree : 1u);
    fal__sb_printf(b, ";steps=%llu;lr=", (unsigned long long)cfg->max_steps);
    fal__sb_num(b, cfg->lr, "0");
    fal__sb_puts(b, ";tol=");
    fal__sb_num(b, cfg->tol, "0");
    if (cfg->data)
        fal__sb_printf(b, ";data=fnv1a:%016llx:%zux%zu", (unsigned long long)table_hash(cfg->data),
                       fal_table_rows(cfg->data), fal_table_cols(cfg->data));
    else
        fal__sb_puts(b, ";data=none");
    /* the row draw and the split share (fal_run reads them with data only):
     * written only when set, so the keys of other runs stay as they were */
    if (cfg->data && cfg->shuffle_set) fal__sb_printf(b, ";shuffle=%llu", (unsigned long long)cfg->shuffle);
    if (cfg->data && cfg->split_fraction > 0) {
        fal__sb_puts(b, ";split=");
        fal__sb_num(b, cfg->split_fraction, "0");
    }
    fal__sb_printf(b, ";seed=%llu", (unsigned long long)cfg->seed);
    /* the mlp's own options, for the mlp only: the keys of the other
     * families (and the databases holding them) stay as they were */
    if (!strcmp(cfg->family->name, "mlp")) {
        fal__sb_printf(b, ";act=%s;bias=%s;init_scale=", fal_act_name(cfg->act), cfg->bias_off ? "off" : "on");
        fal__sb_num(b, cfg->init_scale > 0 ? cfg->init_scale : 1.0, "1");
        fal__sb_puts(b, ";teacher=");
        if (cfg->teacher_arch) fal__store_arch_sb(b, cfg->teacher_arch);
        else fal__sb_puts(b, "same");
        /* only with --draws D >= 2, so the keys of runs without it stay as they were */
        if (cfg->draws > 1) fal__sb_printf(b, ";draws=%llu", (unsigned long long)cfg->draws);
        if (cfg->restarts > 1) fal__sb_printf(b, ";restarts=%u", cfg->restarts);
    }
    return fal__sb_status(b);
}

fal_status fal_store_key(fal_ctx *ctx, const fal_config *cfg, char *buf, size_t cap, size_t *len)
{
    fal__sb b;
    fal__sb_init(&b, ctx);
    fal_status st = fal__store_key_sb(&b, cfg);
    if (st == FAL_OK) st = emit(&b, buf, cap, len);
    fal__sb_free(&b);
    return st;
}

int fal_store_key_field(const char *key, const char *name, char *buf, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = key;
    while (p && *p) {
        const char *end = strchr(p, ';');
        size_t flen = end ? (size_t)(end - p) : strlen(p);
        if (flen > nl && p[nl] == '=' && strncmp(p, name, nl) == 0) {
            size_t vlen = flen - nl - 1;
            if (cap) {
                size_t n = vlen < cap ? vlen : cap - 1;
                memcpy(buf, p + nl + 1, n);
                buf[n] = '\0';
            }
            return 1;
        }
        p = end ? end + 1 : NULL;
    }
    if (cap) buf[0] = '\0';
    return 0;
}

/* A positive decimal integer at *p (advanced); 0 on failure. */
static uint64_t read_uint(const char **p)
{
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9') return 0;
    while (*s >= '0' && *s <= '9') {
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
        s++;
    }
    *p = s;
    return v;
}

fal_status fal_store_arch_parse(fal_ctx *ctx, const char *text, fal_arch **out)
{
    *out = NULL;
    /* First pass: validate and count the layers. */
    uint64_t layers = 0, runs = 0;
    size_t first = 0;
    int one_width = 1;
    const char *p = text;
    while (1) {
        uint64_t w = read_uint(&p), c = 1;
        if (!w || w > FAL_MAX_WIDTH) goto bad;
        if (*p == '^') {
            p++;
            c = read_uint(&p);
            if (!c) goto bad;
        }
        if (!runs) first = (size_t)w;
        else if ((size_t)w != first) one_width = 0;
        runs++;
        if (layers > UINT64_MAX - c) goto bad;
        layers += c;
        if (!*p) break;
        if (*p++ != ',') goto bad;
    }
    if (layers < 2 || layers - 1 > FAL_MAX_DEPTH) goto bad;
    if (one_width) return fal_arch_uniform(ctx, layers - 1, first, out);
    if (layers > ARCH_TEXT_MAX_LAYERS)
        return fal__fail(ctx, FAL_ERANGE, "architecture '%.60s': %llu layers of different widths (at most %u)", text,
                         (unsigned long long)layers, ARCH_TEXT_MAX_LAYERS);
    size_t *wv = fal__calloc(ctx, (size_t)layers, sizeof *wv, "architecture widths");
    if (!wv) return FAL_ENOMEM;
    size_t n = 0;
    p = text;
    while (1) {
        uint64_t w = read_uint(&p), c = 1;
        if (*p == '^') {
            p++;
            c = read_uint(&p);
        }
        for (uint64_t i = 0; i < c; i++) wv[n++] = (size_t)w;
        if (!*p) break;
        p++;
    }
    fal_status st = fal_arch_from_widths(ctx, wv, n, out);
    fal__free(ctx, wv, (size_t)layers * sizeof *wv);
    return st;
bad:
    return fal__fail(ctx, FAL_EINVAL, "architecture '%.60s': expected widths like 8,32^2,8 (n^c: c layers of width n)",
                     text);
}
