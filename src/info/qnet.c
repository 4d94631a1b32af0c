/* qnet.c -- quantized networks: exact enumeration of the settings, sampling,
 * class statistics and the Gibbs learner's curve (include/fallacy/qnet.h,
 * doc/qnet.md).
 *
 * Enumeration.  The parameters are digits in base V = |values|, walked in
 * the reflected mixed-radix Gray order (Knuth, TAOCP 7.2.1.1, Algorithm H,
 * loopless): one digit moves by one step per setting, so one weight changes
 * by values[a +- 1] - values[a].  The state is every unit's pre-activation
 * and activation on all 2^n0 inputs (int32 lanes); a change to a weight of
 * unit u in layer l is one multiply-add on u's lanes, then only u's
 * activation and, if it changed on some input, the units downstream (each
 * gets w * diff added, layer by layer, stopping where nothing changed).
 * The output layer's parameters are the fastest digits, so most steps touch
 * one output unit.  Threads take disjoint ranges: the slowest digits are
 * fixed per chunk (in plain order), each chunk starts from a from-scratch
 * evaluation and walks the others in Gray order; chunks go to threads
 * dynamically, each thread counts into its own table, and the tables are
 * merged by sorting (counts are integers: the merge does not depend on
 * which thread walked what).  Tables of at most 2^20 truth-table bits are
 * direct arrays; larger ones hash sets (open addressing), sized from the
 * distinct functions in the first 10^6 settings and doubled as needed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <omp.h>
#include "../core/internal.h"
#include "../kern/qnet.h"
#include "fallacy/qnet.h"

struct fal_qtable {
    fal_ctx *ctx;
    size_t n, nw;
    uint64_t *f;      /* n * nw */
    uint64_t *c;      /* n */
};

size_t fal_qtable_size(const fal_qtable *t) { return t->n; }
size_t fal_qtable_words(const fal_qtable *t) { return t->nw; }
const uint64_t *fal_qtable_function(const fal_qtable *t, size_t i) { return t->f + i * t->nw; }
uint64_t fal_qtable_count(const fal_qtable *t, size_t i) { return t->c[i]; }

void fal_qtable_free(fal_qtable *t)
{
    if (!t) return;
    fal_ctx *ctx = t->ctx;
    size_t n = t->n ? t->n : 1; /* merge allocates at least one entry */
    fal__free(ctx, t->f, n * t->nw * sizeof(uint64_t));
    fal__free(ctx, t->c, n * sizeof(uint64_t));
    fal__free(ctx, t, sizeof *t);
}

void fal_qnet_init(fal_qnet *q)
{
    memset(q, 0, sizeof *q);
    q->act = FAL_QACT_SIGN;
    q->bias = 1;
    q->nvalues = 3;
    q->values[0] = -1;
    q->values[1] = 0;
    q->values[2] = 1;
}

fal_status fal_qnet_parse_weights(fal_ctx *ctx, const char *list, fal_qnet *q)
{
    int n = 0;
    const char *s = list;
    if (!s || !*s) return fal__fail(ctx, FAL_EINVAL, "--weights '': need a list of integers such as -1,0,1");
    for (;;) {
        const char *p = s;
        if (*p == '-' || *p == '+') p++;
        if (*p < '0' || *p > '9')
            return fal__fail(ctx, FAL_EINVAL, "--weights '%s': field %d is not an integer", list, n + 1);
        long v = 0;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (*p - '0');
            if (v > FAL_QNET_MAX_WEIGHT)
                return fal__fail(ctx, FAL_EINVAL, "--weights '%s': field %d exceeds %d in magnitude", list, n + 1,
                                 FAL_QNET_MAX_WEIGHT);
            p++;
        }
        if (*s == '-') v = -v;
        if (*p != ',' && *p != '\0')
            return fal__fail(ctx, FAL_EINVAL, "--weights '%s': field %d is not an integer", list, n + 1);
        if (n == FAL_QNET_MAX_VALUES)
            return fal__fail(ctx, FAL_EINVAL, "--weights '%s': more than %d values", list, FAL_QNET_MAX_VALUES);
        for (int i = 0; i < n; i++)
            if (q->values[i] == (int32_t)v)
                return fal__fail(ctx, FAL_EINVAL, "--weights '%s': the value %ld appears twice", list, v);
        q->values[n++] = (int32_t)v;
        if (*p == '\0') break;
        s = p + 1;
    }
    if (n < 2) return fal__fail(ctx, FAL_EINVAL, "--weights '%s': need at least two values", list);
    q->nvalues = n;
    q->gauss = 0;
    return FAL_OK;
}

fal_status fal_qnet_levels(fal_ctx *ctx, unsigned lv, fal_qnet *q)
{
    if (lv < 1 || 2 * lv + 1 > FAL_QNET_MAX_VALUES)
        return fal__fail(ctx, FAL_EINVAL, "--levels %u: need q in [1, %d]", lv, (FAL_QNET_MAX_VALUES - 1) / 2);
    q->nvalues = (int)(2 * lv + 1);
    for (int i = 0; i < q->nvalues; i++) q->values[i] = i - (int)lv;
    q->gauss = 0;
    return FAL_OK;
}

/* ---- the layout ----------------------------------------------------------- */

typedef struct layout {
    size_t L, n[FAL_QNET_MAX_LAYERS + 1];
    size_t P, wpo, nw;             /* inputs, words per output, words per table */
    size_t fan[FAL_QNET_MAX_LAYERS + 1];  /* parameters per unit of layer l */
    size_t off[FAL_QNET_MAX_LAYERS + 2];  /* first parameter of layer l */
    size_t D;                      /* parameters */
    size_t lanes;                  /* int32 lanes of pre (sum n_l P, l >= 1) */
    size_t alanes;                 /* of act (sum n_l P, l < L) */
    size_t maxw;
    int act;
} layout;

/* The parameter d's layer, unit and input (n[l-1] for the bias). */
typedef struct pinfo {
    uint16_t l;
    uint16_t i;
    uint32_t u;
} pinfo;

size_t fal_qnet_table_words(const fal_qnet *q)
{
    uint64_t L = fal_arch_depth(q->arch);
    size_t n0 = fal_arch_width(q->arch, 0), nL = fal_arch_width(q->arch, L);
    return nL * (((size_t)1 << n0) + 63) / 64;
}

fal_status fal_qnet_check(fal_ctx *ctx, const fal_qnet *q, uint64_t *params, double *log2_settings)
{
    if (!q || !q->arch) return fal__fail(ctx, FAL_EINVAL, "qnet: give --widths n0,...,nL");
    uint64_t L = fal_arch_depth(q->arch);
    if (L < 1 || L > FAL_QNET_MAX_LAYERS)
        return fal__fail(ctx, FAL_EINVAL, "qnet: depth %llu outside [1, %d]", (unsigned long long)L, FAL_QNET_MAX_LAYERS);
    size_t n0 = fal_arch_width(q->arch, 0);
    if (n0 > FAL_QNET_MAX_N0)
        return fal__fail(ctx, FAL_EINVAL, "qnet: n0 = %zu inputs; the whole cube is enumerated, n0 <= %d", n0,
                         FAL_QNET_MAX_N0);
    if (!q->gauss && (q->nvalues < 2 || q->nvalues > FAL_QNET_MAX_VALUES))
        return fal__fail(ctx, FAL_EINVAL, "qnet: need 2 to %d weight values", FAL_QNET_MAX_VALUES);
    size_t P = (size_t)1 << n0;
    /* the bytes of one thread's state: lanes (pre, act, diffs) and the
     * float sampler's, refused before anything is allocated */
    size_t units = 0, w = 0, maxw = 0, prev = n0;
    for (uint64_t l = 1; l <= L; l++) {
        size_t nl = fal_arch_width(q->arch, l);
        units = fal__sadd(units, nl);
        w = fal__sadd(w, fal__smul(nl, fal__sadd(prev, q->bias ? 1 : 0)));
        if (nl > maxw) maxw = nl;
        prev = nl;
    }
    size_t need = fal__smul(fal__smul(fal__sadd(fal__smul(units, 3), fal__smul(maxw, 4)), P), 2 * sizeof(int32_t));
    need = fal__sadd(need, fal__smul(w, 24));
    if (need == SIZE_MAX) return fal__fail(ctx, FAL_ENOMEM, "qnet: the network's state overflows 64 bits");
    fal_status st = fal__budget(ctx, fal__smul(need, (size_t)fal_ctx_threads(ctx)), "qnet state");
    if (st != FAL_OK) return st;
    /* 32-bit lanes: the largest |pre-activation| must fit */
    if (!q->gauss) {
        double vmax = 0, amax = 1;
        for (int i = 0; i < q->nvalues; i++) vmax = fmax(vmax, fabs((double)q->values[i]));
        prev = n0;
        for (uint64_t l = 1; l <= L; l++) {
            double pre = vmax * ((double)prev * amax + (q->bias ? 1 : 0));
            if (pre > 2e9)
                return fal__fail(ctx, FAL_EINVAL, "qnet: pre-activations up to %.3g exceed 32-bit lanes (relu with large "
                                 "weights and widths)", pre);
            amax = q->act == FAL_QACT_RELU ? pre : 1;
            prev = fal_arch_width(q->arch, l);
        }
    }
    if (params) *params = w;
    if (log2_settings) *log2_settings = q->gauss ? INFINITY : (double)w * log2((double)q->nvalues);
    return FAL_OK;
}

static void layout_make(const fal_qnet *q, layout *y)
{
    memset(y, 0, sizeof *y);
    y->L = (size_t)fal_arch_depth(q->arch);
    for (size_t l = 0; l <= y->L; l++) y->n[l] = fal_arch_width(q->arch, l);
    y->P = (size_t)1 << y->n[0];
    y->wpo = (y->P + 63) / 64;
    y->nw = y->wpo * y->n[y->L];
    y->D = 0;
    for (size_t l = 1; l <= y->L; l++) {
        y->fan[l] = y->n[l - 1] + (q->bias ? 1 : 0);
        y->off[l] = y->D;
        y->D += y->fan[l] * y->n[l];
        y->lanes += y->n[l] * y->P;
        if (l < y->L) y->alanes += y->n[l] * y->P;
        if (y->n[l] > y->maxw) y->maxw = y->n[l];
    }
    y->off[y->L + 1] = y->D;
    y->alanes += y->n[0] * y->P;
    y->act = (int)q->act;
}

/* ---- one walker: the state of a network on every input ------------------- */

typedef struct walker {
    const layout *y;
    const fal_qnet *q;
    int32_t *pre[FAL_QNET_MAX_LAYERS + 1];  /* pre[l]: n[l] x P, l >= 1 */
    int32_t *act[FAL_QNET_MAX_LAYERS + 1];  /* act[l]: n[l] x P, l < L */
    int32_t *diff[2];                        /* maxw x P each */
    int32_t *w;                              /* D current values */
    uint32_t *dig;                           /* D current digits */
    uint8_t *changed[2];                     /* maxw flags */
    void *block;
    size_t bytes;
} walker;

static size_t walker_bytes(const layout *y)
{
    return (y->lanes + y->alanes + 2 * y->maxw * y->P + y->D) * sizeof(int32_t) + y->D * sizeof(uint32_t) +
           2 * y->maxw + 64;
}

static void walker_bind(walker *k, const layout *y, const fal_qnet *q, void *block)
{
    memset(k, 0, sizeof *k);
    k->y = y;
    k->q = q;
    k->block = block;
    k->bytes = walker_bytes(y);
    int32_t *p = block;
    for (size_t l = 0; l <= y->L; l++) {
        if (l >= 1) {
            k->pre[l] = p;
            p += y->n[l] * y->P;
        }
        if (l < y->L) {
            k->act[l] = p;
            p += y->n[l] * y->P;
        }
    }
    k->diff[0] = p;
    p += y->maxw * y->P;
    k->diff[1] = p;
    p += y->maxw * y->P;
    k->w = p;
    p += y->D;
    k->dig = (uint32_t *)p;
    k->changed[0] = (uint8_t *)(k->dig + y->D);
    k->changed[1] = k->changed[0] + y->maxw;
    /* the inputs: coordinate i of input p is bit i of p */
    for (size_t i = 0; i < y->n[0]; i++)
        for (size_t pp = 0; pp < y->P; pp++)
            k->act[0][i * y->P + pp] = (pp >> i) & 1 ? 1 : (q->inputs01 ? 0 : -1);
}

/* Every unit of layers l0 .. L from scratch, from k->w (and act[l0 - 1]). */
static void walker_full_from(walker *k, size_t l0)
{
    const layout *y = k->y;
    size_t P = y->P;
    for (size_t l = l0; l <= y->L; l++) {
        for (size_t u = 0; u < y->n[l]; u++) {
            int32_t *pre = k->pre[l] + u * P;
            const int32_t *wu = k->w + y->off[l] + u * y->fan[l];
            int32_t b = y->fan[l] > y->n[l - 1] ? wu[y->n[l - 1]] : 0;
            for (size_t p = 0; p < P; p++) pre[p] = b;
            for (size_t i = 0; i < y->n[l - 1]; i++) fal__qlanes_axpy(pre, wu[i], k->act[l - 1] + i * P, P);
            if (l < y->L) fal__qlanes_act(y->act, pre, k->act[l] + u * P, P);
        }
    }
}

static void walker_full(walker *k) { walker_full_from(k, 1); }

static void walker_output(const walker *k, uint64_t *table)
{
    const layout *y = k->y;
    for (size_t o = 0; o < y->n[y->L]; o++) fal__qlanes_pack(k->pre[y->L] + o * y->P, y->P, table + o * y->wpo);
}

/* Parameter d moved by delta (k->w already updated): recompute what depends
 * on it.  P is passed so that the callers' constant lane counts reach the
 * loops. */
static inline __attribute__((always_inline)) void walker_delta(walker *k, const pinfo *pi, int32_t delta, size_t P)
{
    const layout *y = k->y;
    size_t l = pi->l, u = pi->u, L = y->L;
    int32_t *pre = k->pre[l] + u * P;
    if (pi->i == y->n[l - 1]) {
        for (size_t p = 0; p < P; p++) pre[p] += delta;
    } else {
        const int32_t *x = k->act[l - 1] + (size_t)pi->i * P;
        for (size_t p = 0; p < P; p++) pre[p] += delta * x[p];
    }
    if (l == L) return;
    /* the unit's new activation and its change */
    int32_t *a = k->act[l] + u * P, *d = k->diff[0];
    int32_t any = 0;
    for (size_t p = 0; p < P; p++) {
        int32_t z = pre[p];
        int32_t v = y->act == 0 ? (z >= 0 ? 1 : -1) : y->act == 1 ? (z >= 0 ? 1 : 0) : (z > 0 ? z : 0);
        d[p] = v - a[p];
        any |= d[p];
        a[p] = v;
    }
    if (!any) return;
    /* one changed unit feeding layer l + 1 */
    size_t m = l + 1;
    for (size_t v = 0; v < y->n[m]; v++) {
        int32_t c = k->w[y->off[m] + v * y->fan[m] + u];
        if (c) {
            int32_t *pv = k->pre[m] + v * P;
            for (size_t p = 0; p < P; p++) pv[p] += c * d[p];
        }
    }
    /* deeper: every unit of layer m whose activation changed feeds m + 1 */
    for (; m < L; m++) {
        int32_t *dd = k->diff[m & 1];
        uint8_t *ch = k->changed[m & 1];
        int anyc = 0;
        for (size_t v = 0; v < y->n[m]; v++) {
            int32_t *pv = k->pre[m] + v * P, *av = k->act[m] + v * P, *dv = dd + v * P;
            int32_t an = 0;
            for (size_t p = 0; p < P; p++) {
                int32_t z = pv[p];
                int32_t nv = y->act == 0 ? (z >= 0 ? 1 : -1) : y->act == 1 ? (z >= 0 ? 1 : 0) : (z > 0 ? z : 0);
                dv[p] = nv - av[p];
                an |= dv[p];
                av[p] = nv;
            }
            ch[v] = an != 0;
            anyc |= an != 0;
        }
        if (!anyc) return;
        for (size_t t = 0; t < y->n[m + 1]; t++) {
            int32_t *pt = k->pre[m + 1] + t * P;
            const int32_t *wt = k->w + y->off[m + 1] + t * y->fan[m + 1];
            for (size_t v = 0; v < y->n[m]; v++)
                if (ch[v] && wt[v]) {
                    const int32_t *dv = dd + v * P;
                    for (size_t p = 0; p < P; p++) pt[p] += wt[v] * dv[p];
                }
        }
    }
}

/* ---- counting tables -------------------------------------------------------- */

/* Direct (bits <= DIRECT_BITS: an array indexed by the packed table) or a
 * hash set with linear probing; count 0 marks an empty slot. */
#define DIRECT_BITS 20

typedef struct counter {
    size_t nw;
    int direct;
    size_t bits;          /* direct: the packed table's bits */
    size_t cap, used;     /* slots (a power of two); used slots */
    uint64_t *keys;       /* hash: cap * nw */
    uint64_t *cnt;        /* cap */
    fal_ctx *ctx;
    const layout *y;
} counter;

static uint64_t hash_words(const uint64_t *k, size_t nw)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < nw; i++) {
        h ^= k[i];
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
    }
    return h * 0x94d049bb133111ebULL;
}

static fal_status counter_alloc(counter *c, size_t cap)
{
    uint64_t *cnt, *keys = NULL;
#pragma omp critical(fal_qnet_alloc)
    {
        cnt = fal__calloc(c->ctx, cap, sizeof(uint64_t), "qnet class counts");
        if (cnt && !c->direct) {
            keys = fal__alloc(c->ctx, fal__smul(cap, c->nw * sizeof(uint64_t)), "qnet truth tables");
            if (!keys) {
                fal__free(c->ctx, cnt, cap * sizeof(uint64_t));
                cnt = NULL;
            }
        }
    }
    if (!cnt) return FAL_ENOMEM;
    c->cnt = cnt;
    c->keys = keys;
    c->cap = cap;
    c->used = 0;
    return FAL_OK;
}

static void counter_free(counter *c)
{
#pragma omp critical(fal_qnet_alloc)
    {
        fal__free(c->ctx, c->cnt, c->cap * sizeof(uint64_t));
        if (!c->direct) fal__free(c->ctx, c->keys, c->cap * c->nw * sizeof(uint64_t));
    }
    c->cnt = c->keys = NULL;
    c->cap = 0;
}

static fal_status counter_init(counter *c, fal_ctx *ctx, const layout *y, size_t cap_hint)
{
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
    c->y = y;
    c->nw = y->nw;
    c->bits = y->n[y->L] * y->P;
    c->direct = c->bits <= DIRECT_BITS;
    size_t cap = 1024;
    if (c->direct) cap = (size_t)1 << c->bits;
    else
        while (cap < 2 * cap_hint && cap < ((size_t)1 << 40)) cap *= 2;
    return counter_alloc(c, cap);
}

static inline size_t direct_index(const counter *c, const uint64_t *t)
{
    /* outputs side by side: P bits each (P <= 16 here when nL > 1) */
    size_t idx = 0, P = c->y->P;
    for (size_t o = c->y->n[c->y->L]; o-- > 0;) idx = (idx << P) | (size_t)t[o];
    return idx;
}

static fal_status counter_grow(counter *c);

static inline fal_status counter_add(counter *c, const uint64_t *t, uint64_t n)
{
    if (c->direct) {
        c->cnt[direct_index(c, t)] += n;
        return FAL_OK;
    }
    size_t mask = c->cap - 1, nw = c->nw;
    size_t h = (size_t)hash_words(t, nw) & mask;
    for (;;) {
        uint64_t *k = c->keys + h * nw;
        if (!c->cnt[h]) {
            memcpy(k, t, nw * sizeof(uint64_t));
            c->cnt[h] = n;
            c->used++;
            return 2 * c->used > c->cap ? counter_grow(c) : FAL_OK;
        }
        if (!memcmp(k, t, nw * sizeof(uint64_t))) {
            c->cnt[h] += n;
            return FAL_OK;
        }
        h = (h + 1) & mask;
    }
}

static fal_status counter_grow(counter *c)
{
    counter old = *c;
    fal_status st = counter_alloc(c, old.cap * 2);
    if (st != FAL_OK) {
        *c = old;
        return st;
    }
    for (size_t i = 0; i < old.cap; i++)
        if (old.cnt[i]) counter_add(c, old.keys + i * old.nw, old.cnt[i]);
    counter_free(&old);
    return FAL_OK;
}

/* The entries of c as (table, count) pairs appended to buf (nw + 1 words each). */
static size_t counter_dump(const counter *c, uint64_t *buf)
{
    size_t m = 0, nw = c->nw;
    const layout *y = c->y;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->cnt[i]) continue;
        uint64_t *e = buf + m * (nw + 1);
        if (c->direct) {
            size_t idx = i;
            for (size_t o = 0; o < y->n[y->L]; o++) {
                e[o * y->wpo] = idx & (((size_t)1 << y->P) - 1);
                idx >>= y->P;
            }
        } else {
            memcpy(e, c->keys + i * nw, nw * sizeof(uint64_t));
        }
        e[nw] = c->cnt[i];
        m++;
    }
    return m;
}

static size_t counter_entries(const counter *c)
{
    if (!c->direct) return c->used;
    size_t m = 0;
    for (size_t i = 0; i < c->cap; i++) m += c->cnt[i] != 0;
    return m;
}

static int cmp_entry(const void *a, const void *b, void *nwp)
{
    size_t nw = *(const size_t *)nwp;
    const uint64_t *x = a, *y = b;
    for (size_t i = 0; i < nw; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

/* Merge the counters into one sorted table. */
static fal_status merge(fal_ctx *ctx, counter *cs, size_t stride, size_t nc, size_t nw, fal_qtable **out)
{
    size_t total = 0;
    for (size_t i = 0; i < nc; i++) total += counter_entries((counter *)((char *)cs + i * stride));
    size_t ew = nw + 1;
    uint64_t *buf = fal__alloc(ctx, fal__smul(total ? total : 1, ew * sizeof(uint64_t)), "qnet merge");
    if (!buf) return FAL_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < nc; i++) m += counter_dump((counter *)((char *)cs + i * stride), buf + m * ew);
    qsort_r(buf, m, ew * sizeof(uint64_t), cmp_entry, &nw);
    size_t d = 0;
    for (size_t i = 0; i < m; i++) {
        if (d && !cmp_entry(buf + (d - 1) * ew, buf + i * ew, &nw)) buf[(d - 1) * ew + nw] += buf[i * ew + nw];
        else {
            if (d != i) memmove(buf + d * ew, buf + i * ew, ew * sizeof(uint64_t));
            d++;
        }
    }
    fal_qtable *t = fal__calloc(ctx, 1, sizeof *t, "qnet table");
    if (t) {
        t->ctx = ctx;
        t->nw = nw;
        t->f = fal__alloc(ctx, fal__smul(d ? d : 1, nw * sizeof(uint64_t)), "qnet table functions");
        t->c = t->f ? fal__alloc(ctx, (d ? d : 1) * sizeof(uint64_t), "qnet table counts") : NULL;
        if (!t->c) {
            if (t->f) fal__free(ctx, t->f, (d ? d : 1) * nw * sizeof(uint64_t));
            fal__free(ctx, t, sizeof *t);
            t = NULL;
        }
    }
    if (!t) {
        fal__free(ctx, buf, (total ? total : 1) * ew * sizeof(uint64_t));
        return FAL_ENOMEM;
    }
    t->n = d;
    for (size_t i = 0; i < d; i++) {
        memcpy(t->f + i * nw, buf + i * ew, nw * sizeof(uint64_t));
        t->c[i] = buf[i * ew + nw];
    }
    fal__free(ctx, buf, (total ? total : 1) * ew * sizeof(uint64_t));
    *out = t;
    return FAL_OK;
}

/* ---- the Gray walk ------------------------------------------------------------ */

typedef struct walkplan {
    const layout *y;
    const fal_qnet *q;
    pinfo *pi;          /* per Gray digit: what it moves */
    size_t *g2p;        /* Gray digit -> parameter index */
    size_t D, m;        /* digits; the m fastest are walked per chunk */
    uint64_t chunks;    /* V^(D - m) */
} walkplan;

/* The m fast digits (all at digit 0, the state evaluated) in reflected
 * Gray order, each setting counted mult times; at most limit settings. */
static inline __attribute__((always_inline)) fal_status
gray_loop(walker *k, counter *c, const walkplan *wp, uint64_t limit, uint64_t mult, uint64_t *table, uint32_t *focus,
          int8_t *dir, size_t P)
{
    const fal_qnet *q = wp->q;
    uint32_t V = (uint32_t)q->nvalues;
    size_t m = wp->m;
    for (size_t j = 0; j <= m; j++) focus[j] = (uint32_t)j;
    for (size_t j = 0; j < m; j++) dir[j] = 1;
    uint64_t visited = 0;
    fal_status st = FAL_OK;
    for (;;) {
        walker_output(k, table);
        st = counter_add(c, table, mult);
        if (st != FAL_OK || ++visited >= limit) break;
        size_t j = focus[0];
        focus[0] = 0;
        if (j == m) break;
        size_t p = wp->g2p[j];
        uint32_t a = k->dig[p], an = (uint32_t)((int32_t)a + dir[j]);
        int32_t delta = q->values[an] - q->values[a];
        k->dig[p] = an;
        k->w[p] = q->values[an];
        walker_delta(k, &wp->pi[j], delta, P);
        if (an == 0 || an == V - 1) {
            dir[j] = (int8_t)-dir[j];
            focus[j] = focus[j + 1];
            focus[j + 1] = (uint32_t)(j + 1);
        }
    }
    return st;
}

/* Walk one chunk: the slow digits from chunk's base-V expansion, the m fast
 * ones in reflected Gray order from all-zero; at most limit settings. */
static inline __attribute__((always_inline)) fal_status
walk_chunk_impl(walker *k, counter *c, const walkplan *wp, uint64_t chunk, uint64_t limit, uint64_t *table,
                uint32_t *focus, int8_t *dir, size_t P)
{
    const fal_qnet *q = wp->q;
    uint32_t V = (uint32_t)q->nvalues;
    size_t m = wp->m;
    for (size_t g = 0; g < wp->D; g++) {
        uint32_t dg = 0;
        if (g >= m) {
            dg = (uint32_t)(chunk % V);
            chunk /= V;
        }
        k->dig[wp->g2p[g]] = dg;
        k->w[wp->g2p[g]] = q->values[dg];
    }
    walker_full(k);
    return gray_loop(k, c, wp, limit, 1, table, focus, dir, P);
}

static fal_status walk_chunk_16(walker *k, counter *c, const walkplan *wp, uint64_t chunk, uint64_t limit,
                                uint64_t *t, uint32_t *f, int8_t *d)
{
    return walk_chunk_impl(k, c, wp, chunk, limit, t, f, d, 16);
}
static fal_status walk_chunk_32(walker *k, counter *c, const walkplan *wp, uint64_t chunk, uint64_t limit,
                                uint64_t *t, uint32_t *f, int8_t *d)
{
    return walk_chunk_impl(k, c, wp, chunk, limit, t, f, d, 32);
}
static fal_status walk_chunk_64(walker *k, counter *c, const walkplan *wp, uint64_t chunk, uint64_t limit,
                                uint64_t *t, uint32_t *f, int8_t *d)
{
    return walk_chunk_impl(k, c, wp, chunk, limit, t, f, d, 64);
}
static fal_status walk_chunk_any(walker *k, counter *c, const walkplan *wp, uint64_t chunk, uint64_t limit,
                                 uint64_t *t, uint32_t *f, int8_t *d)
{
    return walk_chunk_impl(k, c, wp, chunk, limit, t, f, d, wp->y->P);
}

typedef fal_status (*chunk_fn)(walker *, counter *, const walkplan *, uint64_t, uint64_t, uint64_t *, uint32_t *,
                               int8_t *);

/* Per-thread scratch of a walk. */
typedef struct tstate {
    walker k;
    counter c;
    uint64_t *table;
    uint32_t *focus;
    int8_t *dir;
    void *block;
    size_t bytes;
} tstate;

static size_t tstate_bytes(const layout *y)
{
    return walker_bytes(y) + y->nw * sizeof(uint64_t) + (y->D + 1) * sizeof(uint32_t) + y->D + 64;
}

static fal_status tstate_new(fal_ctx *ctx, const layout *y, const fal_qnet *q, tstate *s)
{
    memset(s, 0, sizeof *s);
    s->bytes = tstate_bytes(y);
    s->block = fal__calloc(ctx, 1, s->bytes, "qnet walker");
    if (!s->block) return FAL_ENOMEM;
    walker_bind(&s->k, y, q, s->block);
    char *p = (char *)s->block + walker_bytes(y);
    p = (char *)(((uintptr_t)p + 7) & ~(uintptr_t)7);
    s->table = (uint64_t *)p;
    s->focus = (uint32_t *)(s->table + y->nw);
    s->dir = (int8_t *)(s->focus + y->D + 1);
    return FAL_OK;
}

static void tstate_free(fal_ctx *ctx, tstate *s)
{
    fal__free(ctx, s->block, s->bytes);
    s->block = NULL;
}

static void plan_make(const layout *y, const fal_qnet *q, walkplan *wp, pinfo *pi, size_t *g2p, int threads)
{
    wp->y = y;
    wp->q = q;
    wp->pi = pi;
    wp->g2p = g2p;
    wp->D = y->D;
    /* the output layer's parameters fastest, then layer L-1, ... */
    size_t g = 0;
    for (size_t l = y->L; l >= 1; l--)
        for (size_t d = y->off[l]; d < y->off[l + 1]; d++) {
            g2p[g] = d;
            size_t r = d - y->off[l];
            pi[g].l = (uint16_t)l;
            pi[g].u = (uint32_t)(r / y->fan[l]);
            pi[g].i = (uint16_t)(r % y->fan[l]);
            g++;
        }
    /* chunks: enough slow digits for 64 chunks per thread, when there are
     * enough settings for that to be worth a from-scratch start each */
    uint64_t V = (uint64_t)q->nvalues, chunks = 1;
    size_t slow = 0;
    while (slow + 4 < y->D && chunks < 64 * (uint64_t)threads) {
        chunks *= V;
        slow++;
    }
    wp->m = y->D - slow;
    wp->chunks = chunks;
}

static chunk_fn pick_chunk(size_t P)
{
    return P == 16 ? walk_chunk_16 : P == 32 ? walk_chunk_32 : P == 64 ? walk_chunk_64 : walk_chunk_any;
}

/* ---- the first layer by multisets ------------------------------------------- */

/* Every first-layer unit sees the same inputs and draws its weights and
 * bias from the same values, so its activation vector (P lanes) has one
 * distribution over its V^fan settings -- K distinct vectors, cnt[i]
 * settings giving vector i -- and the n1 units are independent.  And every
 * later weight takes every value, so permuting the first-layer units (with
 * the later weights that read them) is a bijection of the later settings:
 * the functions counted over the later layers are the same for every
 * ordering of a tuple of first-layer vectors.  So the walk visits each
 * multiset i1 <= ... <= i_n1 of the K vectors once, weighted by
 * cnt[i1] ... cnt[i_n1] x (its orderings, n1! / prod m_r!), and for each
 * walks the later layers' settings in Gray order: for A(4,3,1) ternary,
 * C(156, 3) = 620,620 multisets x 81 output settings instead of 3^19
 * settings (the sum of the weights is V^(n1 fan) exactly: every setting is
 * counted once). */
#define L1_MAX_SETTINGS ((size_t)1 << 22)
#define L1_MAX_LANES ((size_t)1 << 24)

typedef struct l1dist {
    size_t K, P;
    int32_t *vec;   /* K x P, sorted */
    uint64_t *cnt;  /* K */
} l1dist;

typedef struct vecctx {
    const int32_t *all;
    size_t P;
} vecctx;

static int cmp_vec(const void *a, const void *b, void *cp)
{
    const vecctx *c = cp;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int r = memcmp(c->all + i * c->P, c->all + j * c->P, c->P * sizeof(int32_t));
    return r ? r : (i < j ? -1 : i > j);
}

static void l1_free(fal_ctx *ctx, l1dist *d)
{
    fal__free(ctx, d->vec, d->K * d->P * sizeof(int32_t));
    fal__free(ctx, d->cnt, d->K * sizeof(uint64_t));
    memset(d, 0, sizeof *d);
}

static fal_status l1_distribution(fal_ctx *ctx, const layout *y, const fal_qnet *q, l1dist *d)
{
    memset(d, 0, sizeof *d);
    size_t P = y->P, fan = y->fan[1], n0 = y->n[0], V = (size_t)q->nvalues, N = 1;
    for (size_t i = 0; i < fan; i++) N *= V;
    int32_t *all = fal__alloc(ctx, N * P * sizeof(int32_t), "qnet first layer");
    size_t *idx = all ? fal__alloc(ctx, N * sizeof(size_t), "qnet first layer") : NULL;
    int32_t *pre = idx ? fal__alloc(ctx, P * sizeof(int32_t), "qnet first layer") : NULL;
    fal_status st = pre ? FAL_OK : FAL_ENOMEM;
    if (st == FAL_OK) {
        uint32_t dig[FAL_QNET_MAX_N0 + 1] = { 0 };
        for (size_t s = 0; s < N; s++) {
            int32_t b = fan > n0 ? q->values[dig[n0]] : 0;
            for (size_t p = 0; p < P; p++) {
                int32_t z = b;
                for (size_t i = 0; i < n0; i++)
                    z += q->values[dig[i]] * ((p >> i) & 1 ? 1 : (q->inputs01 ? 0 : -1));
                pre[p] = z;
            }
            fal__qlanes_act(y->act, pre, all + s * P, P);
            idx[s] = s;
            for (size_t i = 0; i < fan && ++dig[i] == V; i++) dig[i] = 0;
        }
        vecctx vc = { all, P };
        qsort_r(idx, N, sizeof(size_t), cmp_vec, &vc);
        size_t K = 0;
        for (size_t s = 0; s < N; s++)
            K += s == 0 || memcmp(all + idx[s] * P, all + idx[s - 1] * P, P * sizeof(int32_t)) != 0;
        d->P = P;
        d->vec = fal__alloc(ctx, K * P * sizeof(int32_t), "qnet first layer");
        d->cnt = d->vec ? fal__calloc(ctx, K, sizeof(uint64_t), "qnet first layer") : NULL;
        if (!d->cnt) {
            fal__free(ctx, d->vec, K * P * sizeof(int32_t));
            d->vec = NULL;
            st = FAL_ENOMEM;
        } else {
            d->K = K;
            size_t k = 0;
            for (size_t s = 0; s < N; s++) {
                if (s && memcmp(all + idx[s] * P, all + idx[s - 1] * P, P * sizeof(int32_t)) != 0) k++;
                if (s == 0 || d->cnt[k] == 0) memcpy(d->vec + k * P, all + idx[s] * P, P * sizeof(int32_t));
                d->cnt[k]++;
            }
        }
    }
    fal__free(ctx, pre, P * sizeof(int32_t));
    fal__free(ctx, idx, N * sizeof(size_t));
    fal__free(ctx, all, N * P * sizeof(int32_t));
    return st;
}

/* Whether the first layer can be walked by multisets (the distribution of
 * one unit is small enough to tabulate). */
static int l1_eligible(const layout *y, const fal_qnet *q)
{
    if (y->L < 2 || y->n[1] > 64) return 0;
    size_t N = 1;
    for (size_t i = 0; i < y->fan[1]; i++) {
        N *= (size_t)q->nvalues;
        if (N > L1_MAX_SETTINGS) return 0;
    }
    return N * y->P <= L1_MAX_LANES;
}

/* Every multiset whose first (smallest) index is `first`; wp->m is the
 * number of digits of layers 2 .. L. */
static inline __attribute__((always_inline)) fal_status
multisets_impl(walker *k, counter *c, const walkplan *wp, const l1dist *d, size_t first, uint64_t *table,
               uint32_t *focus, int8_t *dir, size_t P)
{
    const fal_qnet *q = wp->q;
    size_t n1 = wp->y->n[1], K = d->K;
    size_t idx[64];
    for (size_t j = 0; j < n1; j++) idx[j] = first;
    for (;;) {
        /* the weight: the settings of the n1 units giving these vectors in
         * any order (the multinomial built one element at a time stays an
         * integer: it is the prefix's own count of orderings) */
        uint64_t mult = 1, ord = 1, run = 0;
        for (size_t j = 0; j < n1; j++) {
            run = j && idx[j] == idx[j - 1] ? run + 1 : 1;
            ord = ord * (uint64_t)(j + 1) / run;
            mult *= d->cnt[idx[j]];
            memcpy(k->act[1] + j * P, d->vec + idx[j] * P, P * sizeof(int32_t));
        }
        mult *= ord;
        for (size_t g = 0; g < wp->m; g++) {
            k->dig[wp->g2p[g]] = 0;
            k->w[wp->g2p[g]] = q->values[0];
        }
        walker_full_from(k, 2);
        fal_status st = gray_loop(k, c, wp, UINT64_MAX, mult, table, focus, dir, P);
        if (st != FAL_OK) return st;
        size_t t = n1;
        while (t > 1 && idx[t - 1] == K - 1) t--;
        if (t <= 1) break;
        idx[t - 1]++;
        for (size_t u = t; u < n1; u++) idx[u] = idx[t - 1];
    }
    return FAL_OK;
}

typedef fal_status (*multi_fn)(walker *, counter *, const walkplan *, const l1dist *, size_t, uint64_t *, uint32_t *,
                               int8_t *);
static fal_status multisets_16(walker *k, counter *c, const walkplan *wp, const l1dist *d, size_t f, uint64_t *t,
                               uint32_t *fo, int8_t *di)
{
    return multisets_impl(k, c, wp, d, f, t, fo, di, 16);
}
static fal_status multisets_32(walker *k, counter *c, const walkplan *wp, const l1dist *d, size_t f, uint64_t *t,
                               uint32_t *fo, int8_t *di)
{
    return multisets_impl(k, c, wp, d, f, t, fo, di, 32);
}
static fal_status multisets_64(walker *k, counter *c, const walkplan *wp, const l1dist *d, size_t f, uint64_t *t,
                               uint32_t *fo, int8_t *di)
{
    return multisets_impl(k, c, wp, d, f, t, fo, di, 64);
}
static fal_status multisets_any(walker *k, counter *c, const walkplan *wp, const l1dist *d, size_t f, uint64_t *t,
                                uint32_t *fo, int8_t *di)
{
    return multisets_impl(k, c, wp, d, f, t, fo, di, wp->y->P);
}

/* mode: 0 the fastest (multisets of the first layer where eligible, else
 * the Gray walk), 1 plain (every setting from scratch), 2 the Gray walk of
 * every setting. */
static fal_status enumerate(fal_ctx *ctx, const fal_qnet *q, int mode, fal_qtable **out)
{
    int plain = mode == 1;
    *out = NULL;
    uint64_t w;
    double l2s;
    if (q->gauss) return fal__fail(ctx, FAL_EINVAL, "qnet: real (Gaussian) weights cannot be enumerated; use --samples");
    fal_status st = fal_qnet_check(ctx, q, &w, &l2s);
    if (st != FAL_OK) return st;
    if (l2s > FAL_QNET_MAX_LOG2_ENUM)
        return fal__fail(ctx, FAL_EINVAL,
                         "qnet: %.4g = log2 of the settings exceeds the enumeration limit %.0f; use --samples S", l2s,
                         FAL_QNET_MAX_LOG2_ENUM);
    layout y;
    layout_make(q, &y);
    int T = plain ? 1 : fal_ctx_threads(ctx);
    pinfo *pi = fal__alloc(ctx, y.D * sizeof(pinfo), "qnet plan");
    size_t *g2p = pi ? fal__alloc(ctx, y.D * sizeof(size_t), "qnet plan") : NULL;
    tstate *ts = g2p ? fal__calloc(ctx, (size_t)T, sizeof(tstate), "qnet threads") : NULL;
    if (!ts) {
        fal__free(ctx, g2p, y.D * sizeof(size_t));
        fal__free(ctx, pi, y.D * sizeof(pinfo));
        return FAL_ENOMEM;
    }
    walkplan wp;
    plan_make(&y, q, &wp, pi, g2p, T);
    int made = 0;
    for (; made < T && st == FAL_OK; made++) st = tstate_new(ctx, &y, q, &ts[made]);
    if (st != FAL_OK) made--;
    /* the hash size from the first 10^6 settings (of chunk 0) */
    size_t hint = 0;
    int nc = 0;
    if (st == FAL_OK) {
        st = counter_init(&ts[0].c, ctx, &y, 1024);
        if (st == FAL_OK) nc = 1;
    }
    if (st == FAL_OK && !ts[0].c.direct) {
        chunk_fn fn = pick_chunk(y.P);
        st = fn(&ts[0].k, &ts[0].c, &wp, 0, 1000000, ts[0].table, ts[0].focus, ts[0].dir);
        hint = ts[0].c.used * 4;
        counter_free(&ts[0].c);
        nc = 0;
        if (st == FAL_OK) {
            st = counter_init(&ts[0].c, ctx, &y, hint);
            if (st == FAL_OK) nc = 1;
        }
    }
    for (int t = 1; t < T && st == FAL_OK; t++) {
        st = counter_init(&ts[t].c, ctx, &y, hint);
        if (st == FAL_OK) nc++;
    }
    if (st == FAL_OK) {
        int fail = 0;
        if (plain) {
            /* every setting from scratch, in plain odometer order */
            tstate *s = &ts[0];
            memset(s->k.dig, 0, y.D * sizeof(uint32_t));
            for (size_t d = 0; d < y.D; d++) s->k.w[d] = q->values[0];
            for (;;) {
                walker_full(&s->k);
                walker_output(&s->k, s->table);
                if (counter_add(&s->c, s->table, 1) != FAL_OK) {
                    fail = 1;
                    break;
                }
                size_t d = 0;
                while (d < y.D && ++s->k.dig[d] == (uint32_t)q->nvalues) {
                    s->k.dig[d] = 0;
                    s->k.w[d] = q->values[0];
                    d++;
                }
                if (d == y.D) break;
                s->k.w[d] = q->values[s->k.dig[d]];
            }
        } else if (mode == 0 && l1_eligible(&y, q)) {
            l1dist d;
            st = l1_distribution(ctx, &y, q, &d);
            if (st == FAL_OK) {
                walkplan w2 = wp;
                w2.m = y.D - y.n[1] * y.fan[1]; /* the digits of layers 2 .. L (plan_make: layer 1 slowest) */
                multi_fn fn = y.P == 16 ? multisets_16 : y.P == 32 ? multisets_32 : y.P == 64 ? multisets_64 : multisets_any;
                int64_t K = (int64_t)d.K;
#pragma omp parallel for schedule(dynamic, 1) num_threads(T) reduction(| : fail)
                for (int64_t f = 0; f < K; f++) {
                    tstate *s = &ts[omp_get_thread_num()];
                    if (!fail && fn(&s->k, &s->c, &w2, &d, (size_t)f, s->table, s->focus, s->dir) != FAL_OK) fail = 1;
                }
                l1_free(ctx, &d);
            }
        } else {
            chunk_fn fn = pick_chunk(y.P);
            int64_t nch = (int64_t)wp.chunks;
#pragma omp parallel for schedule(dynamic, 1) num_threads(T) reduction(| : fail)
            for (int64_t ch = 0; ch < nch; ch++) {
                tstate *s = &ts[omp_get_thread_num()];
                if (fn(&s->k, &s->c, &wp, (uint64_t)ch, UINT64_MAX, s->table, s->focus, s->dir) != FAL_OK) fail = 1;
            }
        }
        if (fail) st = fal__fail(ctx, FAL_ENOMEM, "qnet: the class table outgrew the memory budget");
    }
    if (st == FAL_OK) st = merge(ctx, &ts[0].c, sizeof(tstate), (size_t)nc, y.nw, out);
    for (int t = 0; t < nc; t++) counter_free(&ts[t].c);
    for (int t = 0; t < made; t++) tstate_free(ctx, &ts[t]);
    fal__free(ctx, ts, (size_t)T * sizeof(tstate));
    fal__free(ctx, g2p, y.D * sizeof(size_t));
    fal__free(ctx, pi, y.D * sizeof(pinfo));
    return st;
}

fal_status fal_qnet_enumerate(fal_ctx *ctx, const fal_qnet *q, fal_qtable **out) { return enumerate(ctx, q, 0, out); }
fal_status fal_qnet_enumerate_plain(fal_ctx *ctx, const fal_qnet *q, fal_qtable **out)
{
    return enumerate(ctx, q, 1, out);
}
fal_status fal_qnet_enumerate_gray(fal_ctx *ctx, const fal_qnet *q, fal_qtable **out) { return enumerate(ctx, q, 2, out); }

fal_status fal_qnet_eval(fal_ctx *ctx, const fal_qnet *q, const uint32_t *digit, uint64_t *table)
{
    fal_status st = fal_qnet_check(ctx, q, NULL, NULL);
    if (st != FAL_OK) return st;
    if (q->gauss) return fal__fail(ctx, FAL_EINVAL, "qnet: eval needs integer weight values");
    layout y;
    layout_make(q, &y);
    tstate s;
    st = tstate_new(ctx, &y, q, &s);
    if (st != FAL_OK) return st;
    for (size_t d = 0; d < y.D; d++) {
        if (digit[d] >= (uint32_t)q->nvalues) {
            tstate_free(ctx, &s);
            return fal__fail(ctx, FAL_EINVAL, "qnet: digit %zu out of range", d);
        }
        s.k.w[d] = q->values[digit[d]];
    }
    walker_full(&s.k);
    walker_output(&s.k, table);
    tstate_free(ctx, &s);
    return FAL_OK;
}

/* ---- sampling --------------------------------------------------------------- */

#define SAMPLE_BLOCK 4096

/* Float state of one thread of the Gaussian sampler. */
typedef struct fstate {
    float *a[FAL_QNET_MAX_LAYERS + 1];
    float *W[FAL_QNET_MAX_LAYERS + 1];
    float *pre;
    void *block;
    size_t bytes;
} fstate;

static size_t fstate_bytes(const layout *y)
{
    size_t b = 0, maxw = y->maxw > y->n[0] ? y->maxw : y->n[0];
    for (size_t l = 0; l <= y->L; l++) {
        if (l < y->L) b += y->n[l] * y->P;
        if (l >= 1) b += y->n[l] * (y->n[l - 1] + 1);
    }
    b += maxw * y->P;
    return b * sizeof(float) + 64;
}

static void fstate_bind(fstate *f, const layout *y, const fal_qnet *q, void *block)
{
    float *p = block;
    for (size_t l = 0; l <= y->L; l++) {
        if (l < y->L) {
            f->a[l] = p;
            p += y->n[l] * y->P;
        }
        if (l >= 1) {
            f->W[l] = p;
            p += y->n[l] * (y->n[l - 1] + 1);
        }
    }
    f->pre = p;
    for (size_t i = 0; i < y->n[0]; i++)
        for (size_t pp = 0; pp < y->P; pp++) f->a[0][i * y->P + pp] = (pp >> i) & 1 ? 1.0f : (q->inputs01 ? 0.0f : -1.0f);
}

fal_status fal_qnet_sample(fal_ctx *ctx, const fal_qnet *q, uint64_t samples, uint64_t seed, fal_qtable **out)
{
    *out = NULL;
    fal_status st = fal_qnet_check(ctx, q, NULL, NULL);
    if (st != FAL_OK) return st;
    if (samples < 1) return fal__fail(ctx, FAL_EINVAL, "qnet: --samples must be at least 1");
    layout y;
    layout_make(q, &y);
    int T = fal_ctx_threads(ctx);
    tstate *ts = fal__calloc(ctx, (size_t)T, sizeof(tstate), "qnet threads");
    fstate *fs = ts ? fal__calloc(ctx, (size_t)T, sizeof(fstate), "qnet threads") : NULL;
    if (!fs) {
        fal__free(ctx, ts, (size_t)T * sizeof(tstate));
        return FAL_ENOMEM;
    }
    int made = 0, nc = 0;
    for (; made < T && st == FAL_OK; made++) {
        st = tstate_new(ctx, &y, q, &ts[made]);
        if (st == FAL_OK && q->gauss) {
            fs[made].bytes = fstate_bytes(&y);
            fs[made].block = fal__calloc(ctx, 1, fs[made].bytes, "qnet float state");
            if (!fs[made].block) {
                tstate_free(ctx, &ts[made]);
                st = FAL_ENOMEM;
            } else {
                fstate_bind(&fs[made], &y, q, fs[made].block);
            }
        }
    }
    if (st != FAL_OK) made--;
    /* the table grows with the distinct functions: start from the samples
     * (bounded), doubling as needed */
    size_t hint = samples < 1000000 ? (size_t)samples : 1000000;
    if (T > 1) hint /= (size_t)T;
    for (int t = 0; t < made && st == FAL_OK; t++) {
        st = counter_init(&ts[t].c, ctx, &y, hint);
        if (st == FAL_OK) nc++;
    }
    fal__zig zig;
    fal__zig_init(&zig);
    if (st == FAL_OK) {
        int fail = 0;
        int64_t nb = (int64_t)((samples + SAMPLE_BLOCK - 1) / SAMPLE_BLOCK);
        /* block b draws from a stream of its own: the same samples whatever
         * the thread count */
#pragma omp parallel for schedule(dynamic, 1) num_threads(T) reduction(| : fail)
        for (int64_t b = 0; b < nb; b++) {
            int t = omp_get_thread_num();
            tstate *s = &ts[t];
            fal_rng r;
            fal_rng_seed(&r, fal_hash64(seed ^ 0x716e6574ULL, (uint64_t)b));
            uint64_t lo = (uint64_t)b * SAMPLE_BLOCK, hi = lo + SAMPLE_BLOCK < samples ? lo + SAMPLE_BLOCK : samples;
            for (uint64_t i = lo; i < hi && !fail; i++) {
                if (q->gauss) {
                    fstate *f = &fs[t];
                    for (size_t l = 1; l <= y.L; l++) {
                        double sw = 1.0 / sqrt((double)y.n[l - 1]);
                        size_t nwl = y.n[l] * y.n[l - 1];
                        for (size_t j = 0; j < nwl; j++) f->W[l][j] = (float)(sw * fal__zig_normal(&zig, &r));
                        for (size_t j = 0; j < y.n[l]; j++)
                            f->W[l][nwl + j] = q->bias ? (float)fal__zig_normal(&zig, &r) : 0.0f;
                    }
                    fal__qfloat_forward(y.act, y.L, y.n, y.P, f->a, (const float *const *)f->W, f->pre, s->table);
                } else {
                    for (size_t d = 0; d < y.D; d++) s->k.w[d] = q->values[fal_rng_below(&r, (uint64_t)q->nvalues)];
                    walker_full(&s->k);
                    walker_output(&s->k, s->table);
                }
                if (counter_add(&s->c, s->table, 1) != FAL_OK) fail = 1;
            }
        }
        if (fail) st = fal__fail(ctx, FAL_ENOMEM, "qnet: the table of functions seen outgrew the memory budget");
    }
    if (st == FAL_OK) st = merge(ctx, &ts[0].c, sizeof(tstate), (size_t)nc, y.nw, out);
    for (int t = 0; t < nc; t++) counter_free(&ts[t].c);
    for (int t = 0; t < made; t++) {
        tstate_free(ctx, &ts[t]);
        if (fs[t].block) fal__free(ctx, fs[t].block, fs[t].bytes);
    }
    fal__free(ctx, fs, (size_t)T * sizeof(fstate));
    fal__free(ctx, ts, (size_t)T * sizeof(tstate));
    return st;
}

/* ---- statistics ---------------------------------------------------------------- */

void fal_qtable_stats(const fal_qtable *t, fal_qnet_stats *s)
{
    memset(s, 0, sizeof *s);
    s->smallest_class = t->n ? UINT64_MAX : 0;
    for (size_t i = 0; i < t->n; i++) {
        uint64_t c = t->c[i];
        s->total += c;
        if (c > s->largest_class) s->largest_class = c;
        if (c < s->smallest_class) s->smallest_class = c;
        s->singletons += c == 1;
        s->doubletons += c == 2;
    }
    s->classes = t->n;
    s->log2_classes = t->n ? log2((double)t->n) : NAN;
    double N = (double)s->total, h = 0, h2 = 0, hcs = 0;
    /* Chao-Shen: coverage C = 1 - f1 / N (f1 = N - 1 when every sample is a
     * singleton), p_a = C p, each term weighted by 1 / (1 - (1 - p_a)^N) */
    double f1 = (double)s->singletons;
    if (s->singletons == s->total && s->total > 1) f1 = N - 1;
    double cov = 1.0 - f1 / N;
    for (size_t i = 0; i < t->n; i++) {
        double p = (double)t->c[i] / N, lp = log2(p);
        h -= p * lp;
        h2 += p * lp * lp;
        double pa = cov * p;
        double incl = 1.0 - pow(1.0 - pa, N);
        if (pa > 0 && incl > 0) hcs -= pa * log2(pa) / incl;
    }
    s->entropy_plugin = h;
    s->entropy_miller_madow = h + ((double)t->n - 1) / (2.0 * N * log(2.0));
    s->entropy_chao_shen = hcs;
    s->entropy_stderr = N > 0 ? sqrt(fmax(h2 - h * h, 0) / N) : NAN;
    s->chao1 = (double)t->n + (s->doubletons ? f1 * f1 / (2.0 * (double)s->doubletons) : f1 * (f1 - 1) / 2.0);
}

static int cmp_rank(const void *a, const void *b, void *tp)
{
    const fal_qtable *t = tp;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (t->c[i] != t->c[j]) return t->c[i] > t->c[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

fal_status fal_qtable_rank(fal_ctx *ctx, const fal_qtable *t, size_t *order)
{
    (void)ctx;
    for (size_t i = 0; i < t->n; i++) order[i] = i;
    qsort_r(order, t->n, sizeof(size_t), cmp_rank, (void *)t);
    return FAL_OK;
}

uint64_t fal_qnet_support(const uint64_t *table, size_t n0, size_t wpo)
{
    size_t P = (size_t)1 << n0;
    uint64_t s = 0;
    for (size_t i = 0; i < n0; i++) {
        size_t st = (size_t)1 << i;
        for (size_t p = 0; p < P; p++) {
            if (p & st) continue;
            size_t r = p | st;
            int a = (int)((table[p / 64] >> (p % 64)) & 1), b = (int)((table[r / 64] >> (r % 64)) & 1);
            if (a != b) {
                s |= (uint64_t)1 << i;
                break;
            }
        }
    }
    (void)wpo;
    return s;
}

/* ---- the Gibbs learner's curve ---------------------------------------------------- */

static inline uint64_t pext64(uint64_t x, uint64_t m)
{
#ifdef __BMI2__
    return __builtin_ia32_pext_di(x, m);
#else
    uint64_t r = 0, bit = 1;
    for (; m; m &= m - 1, bit <<= 1)
        if (x & m & -m) r |= bit;
    return r;
#endif
}

/* Scratch of one thread of the curve. */
typedef struct cscratch {
    size_t *idx, *pos;      /* classes grouped by pattern; bucket starts */
    uint64_t *key;          /* pattern of each class (sorted path) */
    double *a1;             /* nL * 64 */
    size_t nb;              /* buckets of the direct path */
} cscratch;

#define CURVE_DIRECT_BITS 16

typedef struct cctx {
    const fal_qtable *t;
    size_t nL, P;
    uint64_t full;          /* the P valid bits */
    double total;
} cctx;

typedef struct keyctx {
    const uint64_t *key, *f;
    size_t nL;
    uint64_t X;
} keyctx;

/* By key, then (nL > 1: the key is a hash) by the patterns themselves, then
 * by index: equal patterns are contiguous. */
static int cmp_key(const void *a, const void *b, void *kp)
{
    const keyctx *kc = kp;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    uint64_t x = kc->key[i], y = kc->key[j];
    if (x != y) return x < y ? -1 : 1;
    for (size_t o = 0; kc->nL > 1 && o < kc->nL; o++) {
        uint64_t p = kc->f[i * kc->nL + o] & kc->X, q = kc->f[j * kc->nL + o] & kc->X;
        if (p != q) return p < q ? -1 : 1;
    }
    return i < j ? -1 : i > j;
}

/* The expected off-training error of the Gibbs student on training set X,
 * the teacher drawn as a uniform setting's function (uniform = 1) or fixed. */
static double err_uniform(const cctx *c, cscratch *s, uint64_t X, size_t k)
{
    const fal_qtable *t = c->t;
    size_t nL = c->nL, n = t->n;
    uint64_t off = c->full & ~X;
    double denom = (double)nL * (double)(c->P - k);
    /* the groups: classes agreeing on X (their patterns there are equal) */
    size_t ngroups;
    size_t *starts = s->pos;
    if (k * nL <= CURVE_DIRECT_BITS) {
        size_t nb = (size_t)1 << (k * nL);
        memset(s->pos, 0, (nb + 1) * sizeof(size_t));
        for (size_t i = 0; i < n; i++) {
            uint64_t key = 0;
            for (size_t o = 0; o < nL; o++) key |= pext64(t->f[i * nL + o], X) << (o * k);
            s->key[i] = key;
            s->pos[key + 1]++;
        }
        for (size_t b = 0; b < nb; b++) s->pos[b + 1] += s->pos[b];
        /* place (pos[b] walks up to the start of b + 1), then shift back */
        for (size_t i = 0; i < n; i++) s->idx[s->pos[s->key[i]]++] = i;
        for (size_t b = nb; b > 0; b--) s->pos[b] = s->pos[b - 1];
        s->pos[0] = 0;
        ngroups = nb;
    } else {
        /* beyond 16 pattern bits: sort by the pattern (hashed over the
         * outputs when nL > 1, ties broken by the patterns themselves) */
        for (size_t i = 0; i < n; i++) {
            uint64_t key = 0;
            for (size_t o = 0; o < nL; o++) key = key * 0x9e3779b97f4a7c15ULL + pext64(t->f[i * nL + o], X);
            s->key[i] = key;
            s->idx[i] = i;
        }
        keyctx kc = { s->key, t->f, nL, X };
        qsort_r(s->idx, n, sizeof(size_t), cmp_key, &kc);
        /* groups: runs of equal patterns (the key is exact for nL = 1; for
         * nL > 1 runs are split below by comparing the patterns) */
        ngroups = 0;
        for (size_t i = 0; i < n; i++) {
            int newg = i == 0 || s->key[s->idx[i]] != s->key[s->idx[i - 1]];
            if (!newg && nL > 1)
                for (size_t o = 0; o < nL; o++)
                    if ((t->f[s->idx[i] * nL + o] ^ t->f[s->idx[i - 1] * nL + o]) & X) newg = 1;
            if (newg) starts[ngroups++] = i;
        }
        starts[ngroups] = n;
    }
    double sum = 0;
    for (size_t g = 0; g < ngroups; g++) {
        size_t lo = starts[g], hi = starts[g + 1];
        if (lo == hi) continue;
        double Z = 0;
        memset(s->a1, 0, nL * 64 * sizeof(double));
        for (size_t j = lo; j < hi; j++) {
            size_t i = s->idx[j];
            double w = (double)t->c[i];
            Z += w;
            for (size_t o = 0; o < nL; o++)
                for (uint64_t b = t->f[i * nL + o] & off; b; b &= b - 1) s->a1[o * 64 + (size_t)__builtin_ctzll(b)] += w;
        }
        double part = 0;
        for (size_t o = 0; o < nL; o++)
            for (uint64_t b = off; b; b &= b - 1) {
                double a = s->a1[o * 64 + (size_t)__builtin_ctzll(b)];
                part += a * (Z - a);
            }
        sum += 2.0 * part / Z;
    }
    return sum / (c->total * denom);
}

static double err_teacher(const cctx *c, uint64_t X, size_t k, const uint64_t *tau)
{
    const fal_qtable *t = c->t;
    size_t nL = c->nL;
    uint64_t off = c->full & ~X;
    double Z = 0, acc = 0;
    for (size_t i = 0; i < t->n; i++) {
        int agree = 1;
        uint64_t d = 0;
        for (size_t o = 0; o < nL; o++) {
            uint64_t x = t->f[i * nL + o] ^ tau[o];
            if (x & X) agree = 0;
            d += (uint64_t)__builtin_popcountll(x & off);
        }
        if (!agree) continue;
        Z += (double)t->c[i];
        acc += (double)t->c[i] * (double)d;
    }
    return acc / (Z * (double)nL * (double)(c->P - k));
}

static double binom(size_t n, size_t k)
{
    double r = 1;
    for (size_t i = 1; i <= k; i++) r = r * (double)(n - k + i) / (double)i;
    return floor(r + 0.5);
}

fal_status fal_qnet_curve(fal_ctx *ctx, const fal_qtable *t, size_t n0, size_t nL, const uint64_t *teacher,
                          uint64_t sets, uint64_t seed, fal_qcurve_point *out)
{
    if (n0 > 6) return fal__fail(ctx, FAL_EINVAL, "qnet: the learning curve needs n0 <= 6 (one word per output)");
    if (!t || t->n == 0 || t->nw != nL) return fal__fail(ctx, FAL_EINVAL, "qnet: curve: table and nL disagree");
    if (sets < 1) return fal__fail(ctx, FAL_EINVAL, "qnet: --sets must be at least 1");
    size_t P = (size_t)1 << n0;
    cctx c = { t, nL, P, P == 64 ? ~0ULL : ((1ULL << P) - 1), 0 };
    for (size_t i = 0; i < t->n; i++) c.total += (double)t->c[i];
    if (teacher) {
        int found = 0;
        for (size_t i = 0; i < t->n && !found; i++) found = !memcmp(t->f + i * nL, teacher, nL * sizeof(uint64_t));
        if (!found) return fal__fail(ctx, FAL_EINVAL, "qnet: the teacher's function is not in the table");
    }
    int T = fal_ctx_threads(ctx);
    size_t nb = ((size_t)1 << CURVE_DIRECT_BITS) + 1, n = t->n;
    size_t per = (2 * n + (nb > n + 1 ? nb : n + 1)) * sizeof(uint64_t) + nL * 64 * sizeof(double);
    fal_status st = fal__budget(ctx, fal__smul(per, (size_t)T), "qnet curve scratch");
    if (st != FAL_OK) return st;
    cscratch *sc = fal__calloc(ctx, (size_t)T, sizeof(cscratch), "qnet curve");
    if (!sc) return FAL_ENOMEM;
    int made = 0;
    for (; made < T; made++) {
        cscratch *s = &sc[made];
        size_t npos = nb > n + 1 ? nb : n + 1;
        s->nb = npos;
        s->idx = fal__alloc(ctx, n * sizeof(size_t), "qnet curve");
        s->pos = s->idx ? fal__alloc(ctx, npos * sizeof(size_t), "qnet curve") : NULL;
        s->key = s->pos ? fal__alloc(ctx, n * sizeof(uint64_t), "qnet curve") : NULL;
        s->a1 = s->key ? fal__alloc(ctx, nL * 64 * sizeof(double), "qnet curve") : NULL;
        if (!s->a1) {
            fal__free(ctx, s->key, n * sizeof(uint64_t));
            fal__free(ctx, s->pos, npos * sizeof(size_t));
            fal__free(ctx, s->idx, n * sizeof(size_t));
            st = FAL_ENOMEM;
            break;
        }
    }
    if (st == FAL_OK) {
        /* one k per iteration: each k's sums run in a fixed order, so the
         * curve does not depend on the thread count */
#pragma omp parallel for schedule(dynamic, 1) num_threads(T)
        for (size_t k = 0; k < P; k++) {
            cscratch *s = &sc[omp_get_thread_num()];
            fal_qcurve_point *pt = &out[k];
            double all = binom(P, k);
            int exh = all <= (double)FAL_QNET_ALL_SETS;
            uint64_t m = exh ? (uint64_t)all : sets;
            double mean = 0, m2 = 0;
            fal_rng r;
            fal_rng_seed(&r, fal_hash64(seed ^ 0x63757276ULL, k));
            uint64_t X = k == 0 ? 0 : (k == 64 ? ~0ULL : (1ULL << k) - 1);
            uint8_t perm[64];
            for (uint64_t j = 0; j < m; j++) {
                if (!exh) { /* k of the P inputs: a partial Fisher-Yates shuffle */
                    for (size_t i = 0; i < P; i++) perm[i] = (uint8_t)i;
                    X = 0;
                    for (size_t i = 0; i < k; i++) {
                        size_t pick = i + (size_t)fal_rng_below(&r, P - i);
                        uint8_t tmp = perm[i];
                        perm[i] = perm[pick];
                        perm[pick] = tmp;
                        X |= 1ULL << perm[i];
                    }
                }
                double e = teacher ? err_teacher(&c, X, k, teacher) : err_uniform(&c, s, X, k);
                double dlt = e - mean;
                mean += dlt / (double)(j + 1);
                m2 += dlt * (e - mean);
                if (exh && j + 1 < m && X) { /* the next k-subset (Gosper) */
                    uint64_t u = X & -X, v = X + u;
                    X = v | (((v ^ X) / u) >> 2);
                }
            }
            pt->k = k;
            pt->error = mean;
            pt->spread = m > 1 ? sqrt(m2 / (double)(m - 1)) : 0;
            pt->stderr_ = exh ? 0 : pt->spread / sqrt((double)m);
            pt->sets = m;
            pt->exhaustive = exh;
        }
    }
    for (int i = 0; i < made; i++) {
        fal__free(ctx, sc[i].a1, nL * 64 * sizeof(double));
        fal__free(ctx, sc[i].key, n * sizeof(uint64_t));
        fal__free(ctx, sc[i].pos, sc[i].nb * sizeof(size_t));
        fal__free(ctx, sc[i].idx, n * sizeof(size_t));
    }
    fal__free(ctx, sc, (size_t)T * sizeof(cscratch));
    return st;
}

double fal_qnet_half_k(const double *error, size_t n)
{
    if (n < 2 || !(error[0] > 0)) return NAN;
    double half = error[0] / 2;
    for (size_t k = 1; k < n; k++)
        if (error[k] <= half) {
            /* between k - 1 (above half) and k (at or below) */
            double a = error[k - 1], b = error[k];
            return (double)(k - 1) + (a - half) / (a - b);
        }
    return NAN;
}

double fal_qnet_collapse_cv(const double *khalf, const double *scale, size_t n)
{
    double sum = 0, sum2 = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double v = khalf[i] * scale[i];
        if (!isfinite(v)) continue;
        sum += v;
        m++;
    }
    if (m < 2) return NAN;
    double mean = sum / (double)m;
    for (size_t i = 0; i < n; i++) {
        double v = khalf[i] * scale[i];
        if (isfinite(v)) sum2 += (v - mean) * (v - mean);
    }
    return sqrt(sum2 / (double)(m - 1)) / mean;
}
