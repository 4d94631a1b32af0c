/* report.c -- the HTML report of a runs database (include/fallacy/report.h,
 * rules in doc/report.md).
 *
 * The data model.  Runs (rows of the store) are grouped twice:
 *   a cell  = the runs of one configuration apart from the seed: the
 *             figures are the worst over the seeds (largest test and
 *             training error), since a claim that holds "for generic
 *             data" must hold on every seed drawn;
 *   a group = the cells of one configuration apart from k and the seed
 *             (one architecture, algorithm and option set): the curve of
 *             error against k, and "k needed", the smallest stored k whose
 *             cell passes (worst test error <= eps).
 * A section is one catalogue row (L1 .. I2; linear-ae runs with
 * field=complex are L4).  The key of each run (store.h) is the source of
 * the options: it is parsed back, never re-derived.
 *
 * Verdicts.  Each catalogue row predicts, per group, either k* (the number
 * of examples that fixes the function: 1 for chains, n0 for L2, the data
 * dimension for L3/L4 on subspace data, 2^n0 for N3, w for I2) or that the
 * training error reaches the optimum (L3/L4 on generic data, N4, N6, and
 * any run on --data).  A cell with k >= k* must pass; a cell with k < k*
 * must fail on every seed when the claim is sharp (L2, L3/L4, N3, I2).
 * The section holds when every judged cell agrees. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include "../store/sbuf.h"

#define MAX_TABLE_ROWS 500
#define MAX_FIELDS 32

/* ---- an arena for the strings copied out of the store ------------------ */

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
} chunk;

typedef struct arena {
    fal_ctx *ctx;
    chunk *head;
    fal_status st;
} arena;

static const char *arena_strn(arena *a, const char *s, size_t n)
{
    if (a->st != FAL_OK) return "";
    if (!a->head || a->head->size - a->head->used < n + 1) {
        size_t size = n + 1 > 65536 ? n + 1 : 65536;
        chunk *c = fal__alloc(a->ctx, sizeof(chunk) + size, "report strings");
        if (!c) {
            a->st = FAL_ENOMEM;
            return "";
        }
        c->next = a->head;
        c->size = size;
        c->used = 0;
        a->head = c;
    }
    char *p = (char *)(a->head + 1) + a->head->used;
    memcpy(p, s, n);
    p[n] = '\0';
    a->head->used += n + 1;
    return p;
}

static const char *arena_str(arena *a, const char *s) { return s ? arena_strn(a, s, strlen(s)) : NULL; }

static void arena_free(arena *a)
{
    while (a->head) {
        chunk *c = a->head;
        a->head = c->next;
        fal__free(a->ctx, c, sizeof(chunk) + c->size);
    }
}

/* Grow *p (elements of size elem, capacity *cap) to hold n. */
static fal_status reserve(fal_ctx *ctx, void **p, size_t *cap, size_t n, size_t elem)
{
    if (n <= *cap) return FAL_OK;
    size_t nc = *cap ? *cap * 2 : 64;
    while (nc < n) nc *= 2;
    void *q = fal__calloc(ctx, nc, elem, "report table");
    if (!q) return FAL_ENOMEM;
    if (*p) {
        memcpy(q, *p, *cap * elem);
        fal__free(ctx, *p, *cap * elem);
    }
    *p = q;
    *cap = nc;
    return FAL_OK;
}

/* ---- keys ----------------------------------------------------------------- */

typedef struct kv {
    const char *name, *value; /* into a copy of the key */
    size_t nlen, vlen;
} kv;

/* Split a key into its name=value fields; returns their number. */
static size_t key_fields(const char *key, kv *f, size_t max)
{
    size_t n = 0;
    const char *p = key;
    while (p && *p && n < max) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq) {
            f[n].name = p;
            f[n].nlen = (size_t)(eq - p);
            f[n].value = eq + 1;
            f[n].vlen = len - f[n].nlen - 1;
            n++;
        }
        p = end ? end + 1 : NULL;
    }
    return n;
}

static int kv_is(const kv *f, const char *name) { return strlen(name) == f->nlen && memcmp(f->name, name, f->nlen) == 0; }

/* The key without the fields named in drop (a NULL-terminated list). */
static const char *key_without(arena *a, fal__sb *tmp, const char *key, const char *const *drop)
{
    kv f[MAX_FIELDS];
    size_t n = key_fields(key, f, MAX_FIELDS);
    fal__sb_reset(tmp);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        int skip = 0;
        for (const char *const *d = drop; *d; d++) skip |= kv_is(&f[i], *d);
        if (skip) continue;
        if (!first) fal__sb_putc(tmp, ';');
        fal__sb_put(tmp, f[i].name, f[i].nlen + 1 + f[i].vlen);
        first = 0;
    }
    if (fal__sb_status(tmp) != FAL_OK) return "";
    return arena_strn(a, tmp->p ? tmp->p : "", tmp->len);
}

static uint64_t key_u64(const char *key, const char *name)
{
    char buf[32];
    if (!fal_store_key_field(key, name, buf, sizeof buf)) return 0;
    return strtoull(buf, NULL, 10);
}

/* ---- the model --------------------------------------------------------------- */

typedef struct rrow {
    const char *cat, *family, *key, *group, *series, *widths, *curve;
    int cat_rank;
    uint64_t params, depth, k, seed;
    double train, test, opt, log2c, bits, unseen_inputs;
    double gap, gap_ref; /* extras "gap" and "n4_optimum" (N6 reports its distance to N4's optimum so) */
    int converged;
} rrow;

enum { RULE_NONE = 0, RULE_KSTAR, RULE_OPTIMUM };

typedef struct rcell {
    size_t first, n;      /* rows */
    size_t group;
    uint64_t k;
    double worst_test, best_test, worst_train, worst_opt, log2c, bits;
    double worst_gap;     /* (train - optimum) / max(1, optimum), worst over the seeds */
    size_t ntest, nconv;
    int no_unseen;        /* every run: no test error because no input was unseen */
    int pass;             /* worst test error <= eps (or the no_unseen stand-in) */
    int judged, holds;
    char pred[48];
} rcell;

typedef struct rgroup {
    const char *cat, *family, *group, *widths, *key, *label;
    uint64_t params, depth;
    uint64_t n0, nL, minw;
    size_t first, ncells;
    int rule, sharp;
    uint64_t kstar;
    double opt_rel;
    int found;
    uint64_t k_needed;
    double bits_needed;
} rgroup;

typedef struct rsection {
    const char *cat, *family;
    size_t first, ngroups;
    size_t judged, failed;
} rsection;

typedef struct model {
    fal_ctx *ctx;
    arena a;
    const fal_report_opts *o;
    rrow *rows;
    size_t nrows, caprows;
    rcell *cells;
    size_t ncells, capcells;
    rgroup *groups;
    size_t ngroups, capgroups;
    rsection *secs;
    size_t nsecs, capsecs;
    /* provenance */
    const char *versions[8], *hosts[8], *blas[8];
    size_t nversions, nhosts, nblas, more_versions, more_hosts, more_blas;
    int min_threads, max_threads;
    const char *first_time, *last_time;
    size_t ncurves;
    uint64_t max_params, min_params;
} model;

static const char *const CATALOGUE[] = { "L1", "L2", "L3", "L4", "N1", "N2", "N3", "N4", "N5", "N6", "I1", "I2" };
#define NCAT (sizeof CATALOGUE / sizeof CATALOGUE[0])

static int cat_rank(const char *cat)
{
    for (size_t i = 0; i < NCAT; i++)
        if (strcmp(cat, CATALOGUE[i]) == 0) return (int)i;
    return (int)NCAT;
}

static void remember(const char **set, size_t *n, size_t *more, size_t cap, arena *a, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(set[i], s) == 0) return;
    if (*n < cap) set[(*n)++] = arena_str(a, s);
    else (*more)++;
}

static fal_status load(model *m, const char *db_path)
{
    fal_store *s = NULL;
    fal_store_iter *it = NULL;
    fal__sb tmp;
    fal__sb_init(&tmp, m->ctx);
    static const char *const drop_group[] = { "k", "seed", NULL };
    static const char *const drop_series[] = { "arch", "seed", NULL };
    fal_status st = fal_store_open(m->ctx, db_path, FAL_STORE_READ, &s);
    if (st == FAL_OK) st = fal_store_iter_new(s, &it);
    m->min_params = UINT64_MAX;
    while (st == FAL_OK) {
        fal_store_row r;
        int have;
        st = fal_store_iter_next(it, &r, &have);
        if (st != FAL_OK || !have) break;
        st = reserve(m->ctx, (void **)&m->rows, &m->caprows, m->nrows + 1, sizeof *m->rows);
        if (st != FAL_OK) break;
        rrow *x = &m->rows[m->nrows++];
        char field[16];
        fal_store_key_field(r.key, "field", field, sizeof field);
        const char *cat = strcmp(r.family, "linear-ae") == 0 && strcmp(field, "complex") == 0 ? "L4" : r.id;
        x->cat = arena_str(&m->a, cat);
        x->cat_rank = cat_rank(cat);
        x->family = arena_str(&m->a, r.family);
        x->key = arena_str(&m->a, r.key);
        x->group = key_without(&m->a, &tmp, r.key, drop_group);
        x->series = key_without(&m->a, &tmp, r.key, drop_series);
        x->widths = arena_str(&m->a, r.widths);
        x->curve = r.curve ? arena_str(&m->a, r.curve) : NULL;
        x->params = r.params;
        x->depth = r.depth;
        x->k = r.examples;
        x->seed = r.seed;
        x->train = r.train_error;
        x->test = r.test_error;
        x->opt = r.optimum_error;
        x->log2c = r.log2_classes;
        x->bits = r.bits_provided;
        x->unseen_inputs = fal_store_extra(r.extras, "unseen_inputs");
        x->gap = fal_store_extra(r.extras, "gap");
        x->gap_ref = fal_store_extra(r.extras, "n4_optimum");
        x->converged = r.converged;
        if (r.curve) m->ncurves++;
        if (r.params > m->max_params) m->max_params = r.params;
        if (r.params < m->min_params) m->min_params = r.params;
        remember(m->versions, &m->nversions, &m->more_versions, 8, &m->a, r.version);
        remember(m->hosts, &m->nhosts, &m->more_hosts, 8, &m->a, r.host);
        remember(m->blas, &m->nblas, &m->more_blas, 8, &m->a, r.blas);
        if (m->nrows == 1 || r.threads < m->min_threads) m->min_threads = r.threads;
        if (m->nrows == 1 || r.threads > m->max_threads) m->max_threads = r.threads;
        if (!m->first_time || strcmp(r.timestamp, m->first_time) < 0) m->first_time = arena_str(&m->a, r.timestamp);
        if (!m->last_time || strcmp(r.timestamp, m->last_time) > 0) m->last_time = arena_str(&m->a, r.timestamp);
        if (m->a.st != FAL_OK) st = m->a.st;
    }
    if (st == FAL_OK) st = fal__sb_status(&tmp);
    fal__sb_free(&tmp);
    fal_store_iter_free(it);
    fal_store_close(s);
    return st;
}

static int cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }

/* Sections in catalogue order; groups by w then key; cells by k; seeds. */
static int row_order(const void *pa, const void *pb)
{
    const rrow *a = pa, *b = pb;
    int c;
    if (a->cat_rank != b->cat_rank) return a->cat_rank - b->cat_rank;
    if ((c = strcmp(a->cat, b->cat))) return c;
    if ((c = cmp_u64(a->params, b->params))) return c;
    if ((c = strcmp(a->group, b->group))) return c;
    if ((c = cmp_u64(a->k, b->k))) return c;
    return cmp_u64(a->seed, b->seed);
}

/* One "n" or "n^c" of a run-length text at *p (advanced past it and a
 * following comma); 0 at the end. */
static int next_run(const char **p, uint64_t *w, uint64_t *c)
{
    char *end;
    if (!**p) return 0;
    *w = strtoull(*p, &end, 10);
    *c = 1;
    if (*end == '^') *c = strtoull(end + 1, &end, 10);
    *p = *end == ',' ? end + 1 : end + strlen(end);
    return 1;
}

/* n0, nL and the smallest hidden width (UINT64_MAX without hidden layers)
 * from the run-length text. */
static void widths_shape(const char *text, uint64_t *n0, uint64_t *nL, uint64_t *minw)
{
    uint64_t w, c, total = 0, pos = 0;
    const char *p = text;
    while (next_run(&p, &w, &c)) total += c;
    *n0 = *nL = 0;
    *minw = UINT64_MAX;
    p = text;
    while (next_run(&p, &w, &c)) {
        if (pos == 0) *n0 = w;
        if (pos + c == total) *nL = w;
        /* layers pos .. pos+c-1 against the hidden ones 1 .. total-2 */
        if (total >= 3 && pos + c - 1 >= 1 && pos <= total - 2 && w < *minw) *minw = w;
        pos += c;
    }
}

/* The claim's prediction for a group (see the header comment). */
static void group_rule(rgroup *g)
{
    char data[16], sub[32];
    fal_store_key_field(g->key, "data", data, sizeof data);
    fal_store_key_field(g->key, "subspace", sub, sizeof sub);
    uint64_t subspace = strtoull(sub, NULL, 10);
    g->rule = RULE_OPTIMUM;
    g->sharp = 0;
    g->kstar = 0;
    g->opt_rel = 0;
    if (strcmp(data, "none") != 0) return; /* no teacher: only the optimum can be judged */
    const char *c = g->cat;
    if (!strcmp(c, "L1") || !strcmp(c, "N1") || !strcmp(c, "N2") || !strcmp(c, "N5")) {
        g->rule = RULE_KSTAR;
        g->kstar = 1;
    } else if (!strcmp(c, "L2")) {
        g->rule = RULE_KSTAR;
        g->kstar = g->n0;
        g->sharp = 1;
    } else if (!strcmp(c, "L3") || !strcmp(c, "L4")) {
        uint64_t m = g->minw == UINT64_MAX ? g->n0 : g->minw;
        uint64_t D = subspace ? subspace : m;
        if (D < g->n0) {
            g->rule = RULE_KSTAR;
            g->kstar = D;
            g->sharp = 1;
        }
    } else if (!strcmp(c, "N3")) {
        if (g->n0 <= 24) {
            g->rule = RULE_KSTAR;
            g->kstar = (uint64_t)1 << g->n0;
            g->sharp = 1;
        }
    } else if (!strcmp(c, "I2")) {
        g->rule = RULE_KSTAR;
        g->kstar = g->params;
        g->sharp = 1;
    } else if (!strcmp(c, "N6")) {
        g->opt_rel = 0.05; /* "approaches" the optimum of N4 */
    }
}

static void judge(const model *m, const rgroup *g, rcell *c)
{
    double eps = m->o->eps;
    c->judged = 0;
    c->holds = 0;
    c->pred[0] = '\0';
    if (g->rule == RULE_KSTAR) {
        if (c->k >= g->kstar) {
            snprintf(c->pred, sizeof c->pred, "fits: k >= k* = %llu", (unsigned long long)g->kstar);
            c->judged = c->ntest > 0 || c->no_unseen;
            c->holds = c->pass;
        } else if (g->sharp) {
            snprintf(c->pred, sizeof c->pred, "does not fit: k < k* = %llu", (unsigned long long)g->kstar);
            c->judged = c->ntest == c->n;
            c->holds = c->best_test > eps;
        }
    } else if (g->rule == RULE_OPTIMUM) {
        snprintf(c->pred, sizeof c->pred, g->opt_rel > 0 ? "train within %g%% of the optimum" : "train at the optimum",
                 g->opt_rel * 100);
        c->judged = !isnan(c->worst_gap);
        c->holds = c->worst_gap <= eps + g->opt_rel;
    }
}

/* Worst of a and b, where NaN means "no value" (not a bad one). */
static double worst(double a, double b) { return isnan(a) ? b : isnan(b) ? a : fmax(a, b); }
static double best(double a, double b) { return isnan(a) ? b : isnan(b) ? a : fmin(a, b); }

static fal_status build(model *m)
{
    fal_ctx *ctx = m->ctx;
    if (m->nrows > 1) qsort(m->rows, m->nrows, sizeof *m->rows, row_order); /* rows is NULL when empty */
    fal_status st = FAL_OK;
    for (size_t i = 0; i < m->nrows && st == FAL_OK;) {
        const rrow *r = &m->rows[i];
        int new_section = !m->nsecs || strcmp(m->secs[m->nsecs - 1].cat, r->cat) != 0;
        int new_group = new_section || strcmp(m->groups[m->ngroups - 1].group, r->group) != 0;
        if (new_section) {
            st = reserve(ctx, (void **)&m->secs, &m->capsecs, m->nsecs + 1, sizeof *m->secs);
            if (st != FAL_OK) break;
            rsection *s = &m->secs[m->nsecs++];
            memset(s, 0, sizeof *s);
            s->cat = r->cat;
            s->family = r->family;
            s->first = m->ngroups;
        }
        if (new_group) {
            st = reserve(ctx, (void **)&m->groups, &m->capgroups, m->ngroups + 1, sizeof *m->groups);
            if (st != FAL_OK) break;
            rgroup *g = &m->groups[m->ngroups++];
            memset(g, 0, sizeof *g);
            g->cat = r->cat;
            g->family = r->family;
            g->group = r->group;
            g->key = r->key;
            g->widths = r->widths;
            g->params = r->params;
            g->depth = r->depth;
            g->first = m->ncells;
            widths_shape(r->widths, &g->n0, &g->nL, &g->minw);
            group_rule(g);
            m->secs[m->nsecs - 1].ngroups++;
        }
        /* one cell: the seeds of this k */
        st = reserve(ctx, (void **)&m->cells, &m->capcells, m->ncells + 1, sizeof *m->cells);
        if (st != FAL_OK) break;
        rcell *c = &m->cells[m->ncells++];
        memset(c, 0, sizeof *c);
        c->first = i;
        c->group = m->ngroups - 1;
        c->k = r->k;
        c->worst_test = c->best_test = c->worst_train = c->worst_opt = c->worst_gap = NAN;
        c->log2c = c->bits = NAN;
        c->no_unseen = 1;
        size_t j = i;
        for (; j < m->nrows && m->rows[j].k == r->k && strcmp(m->rows[j].group, r->group) == 0 &&
               strcmp(m->rows[j].cat, r->cat) == 0;
             j++) {
            const rrow *x = &m->rows[j];
            c->worst_test = worst(c->worst_test, x->test);
            c->best_test = best(c->best_test, x->test);
            c->worst_train = worst(c->worst_train, x->train);
            c->worst_opt = worst(c->worst_opt, x->opt);
            /* the distance to the optimum, relative above 1 (counts of bits) */
            if (!isnan(x->train) && !isnan(x->opt))
                c->worst_gap = worst(c->worst_gap, (x->train - x->opt) / fmax(1.0, x->opt));
            else if (!isnan(x->gap) && !isnan(x->gap_ref))
                c->worst_gap = worst(c->worst_gap, x->gap / fmax(1.0, x->gap_ref));
            if (isnan(c->log2c)) c->log2c = x->log2c;
            if (isnan(c->bits)) c->bits = x->bits;
            c->ntest += isnan(x->test) ? 0u : 1u;
            c->nconv += x->converged ? 1u : 0u;
            c->no_unseen &= isnan(x->test) && x->unseen_inputs == 0;
        }
        c->n = j - i;
        double eps = m->o->eps;
        c->pass = c->ntest == c->n ? c->worst_test <= eps : c->no_unseen && c->worst_train <= eps;
        rgroup *g = &m->groups[m->ngroups - 1];
        g->ncells++;
        if (c->pass && !g->found) {
            g->found = 1;
            g->k_needed = c->k;
            g->bits_needed = c->bits;
        }
        judge(m, g, c);
        rsection *s = &m->secs[m->nsecs - 1];
        s->judged += c->judged != 0;
        s->failed += c->judged && !c->holds;
        i = j;
    }
    return st != FAL_OK ? st : m->a.st;
}

/* ---- labels ----------------------------------------------------------------- */

/* "A(8,32^2,8)" plus the option fields that differ between the groups of
 * the section (so two series never share a label without reason). */
static void group_labels(model *m, fal__sb *tmp)
{
    for (size_t si = 0; si < m->nsecs; si++) {
        const rsection *s = &m->secs[si];
        kv f0[MAX_FIELDS];
        size_t n0 = key_fields(m->groups[s->first].group, f0, MAX_FIELDS);
        int varies[MAX_FIELDS] = { 0 };
        for (size_t gi = s->first + 1; gi < s->first + s->ngroups; gi++) {
            kv f[MAX_FIELDS];
            size_t n = key_fields(m->groups[gi].group, f, MAX_FIELDS);
            for (size_t a = 0; a < n0; a++) {
                int same = 0;
                for (size_t b = 0; b < n; b++)
                    if (f[b].nlen == f0[a].nlen && !memcmp(f[b].name, f0[a].name, f0[a].nlen))
                        same = f[b].vlen == f0[a].vlen && !memcmp(f[b].value, f0[a].value, f0[a].vlen);
                if (!same) varies[a] = 1;
            }
        }
        for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) {
            rgroup *g = &m->groups[gi];
            kv f[MAX_FIELDS];
            size_t n = key_fields(g->group, f, MAX_FIELDS);
            fal__sb_reset(tmp);
            fal__sb_printf(tmp, "A(%s)", g->widths);
            for (size_t a = 0; a < n0; a++) {
                if (!varies[a] || kv_is(&f0[a], "arch") || kv_is(&f0[a], "family")) continue;
                for (size_t b = 0; b < n; b++)
                    if (f[b].nlen == f0[a].nlen && !memcmp(f[b].name, f0[a].name, f0[a].nlen)) {
                        fal__sb_putc(tmp, ' ');
                        fal__sb_put(tmp, f[b].name, f[b].nlen + 1 + f[b].vlen);
                    }
            }
            g->label = fal__sb_status(tmp) == FAL_OK ? arena_strn(&m->a, tmp->p, tmp->len) : "";
        }
    }
}

/* ---- plots -------------------------------------------------------------- */

typedef struct plotbuf {
    fal_plot_series *series;
    size_t *off;          /* first point of each series in xs/ys */
    size_t nseries, capseries, capoff;
    double *xs, *ys;
    size_t npts, capx, capy;
} plotbuf;

static void plotbuf_free(fal_ctx *ctx, plotbuf *pb)
{
    if (pb->series) fal__free(ctx, pb->series, pb->capseries * sizeof *pb->series);
    if (pb->off) fal__free(ctx, pb->off, pb->capoff * sizeof *pb->off);
    if (pb->xs) fal__free(ctx, pb->xs, pb->capx * sizeof *pb->xs);
    if (pb->ys) fal__free(ctx, pb->ys, pb->capy * sizeof *pb->ys);
    memset(pb, 0, sizeof *pb);
}

/* Start a series; its points follow with add_point.  The series' x and y
 * pointers are set in finish_series, once the arrays stop moving. */
static fal_status new_series(fal_ctx *ctx, plotbuf *pb, const char *name, int style)
{
    fal_status st = reserve(ctx, (void **)&pb->series, &pb->capseries, pb->nseries + 1, sizeof *pb->series);
    if (st == FAL_OK) st = reserve(ctx, (void **)&pb->off, &pb->capoff, pb->nseries + 1, sizeof *pb->off);
    if (st != FAL_OK) return st;
    fal_plot_series *s = &pb->series[pb->nseries];
    memset(s, 0, sizeof *s);
    s->name = name;
    s->style = style;
    pb->off[pb->nseries++] = pb->npts;
    return FAL_OK;
}

static fal_status add_point(fal_ctx *ctx, plotbuf *pb, double x, double y)
{
    fal_status st = reserve(ctx, (void **)&pb->xs, &pb->capx, pb->npts + 1, sizeof *pb->xs);
    if (st == FAL_OK) st = reserve(ctx, (void **)&pb->ys, &pb->capy, pb->npts + 1, sizeof *pb->ys);
    if (st != FAL_OK) return st;
    pb->xs[pb->npts] = x;
    pb->ys[pb->npts] = y;
    pb->npts++;
    pb->series[pb->nseries - 1].n++;
    return FAL_OK;
}

static void finish_series(plotbuf *pb)
{
    if (!pb->xs) return; /* no point in any series: NULL + 0 is undefined */
    for (size_t i = 0; i < pb->nseries; i++) {
        pb->series[i].x = pb->xs + pb->off[i];
        pb->series[i].y = pb->ys + pb->off[i];
    }
}

static fal_status write_plot(model *m, fal_plot *p, plotbuf *pb, const char *dir, const char *name,
                             fal_report_summary *sum)
{
    finish_series(pb);
    p->series = pb->series;
    p->nseries = pb->nseries;
    fal__sb path;
    fal__sb_init(&path, m->ctx);
    fal__sb_printf(&path, "%s/%s.svg", dir, name);
    fal_status st = fal__sb_status(&path);
    if (st == FAL_OK) st = fal_plot_svg(m->ctx, p, path.p);
    fal__sb_reset(&path);
    fal__sb_printf(&path, "%s/%s.csv", dir, name);
    if (st == FAL_OK) st = fal__sb_status(&path);
    if (st == FAL_OK) st = fal_plot_csv(m->ctx, p, path.p);
    fal__sb_free(&path);
    if (st == FAL_OK) sum->plots++;
    return st;
}

/* A figure in the page: the image, its caption, the CSV beside it. */
static void html_figure(fal__sb *h, const char *name, const char *alt, const char *caption)
{
    fal__sb_printf(h, "<figure><img src=\"%s.svg\" width=\"760\" height=\"440\" alt=\"", name);
    fal__sb_xml(h, alt);
    fal__sb_puts(h, "\"><figcaption>");
    fal__sb_xml(h, caption);
    fal__sb_printf(h, " <a href=\"%s.csv\">The plotted numbers (CSV).</a></figcaption></figure>\n", name);
}

/* The headline: k needed against w, one series per catalogue row, and the
 * line k = w that a shallow model needs. */
static fal_status plot_headline(model *m, const char *dir, fal__sb *h, fal_report_summary *sum)
{
    plotbuf pb;
    memset(&pb, 0, sizeof pb);
    fal_status st = FAL_OK;
    size_t points = 0;
    for (size_t si = 0; si < m->nsecs && st == FAL_OK; si++) {
        const rsection *s = &m->secs[si];
        /* one line per input width n0 when the section holds several (the
         * k of L2 and N3 is set by n0, so each n0 is its own flat line);
         * I2 is one line whatever w is */
        uint64_t n0s[16];
        size_t nn0 = 0;
        int split = strcmp(s->cat, "I2") != 0;
        for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) {
            const rgroup *g = &m->groups[gi];
            size_t j = 0;
            while (j < nn0 && n0s[j] != g->n0) j++;
            if (g->found && j == nn0 && nn0 < 16) n0s[nn0++] = g->n0;
        }
        if (nn0 < 2 || !split) nn0 = 1;
        for (size_t j = 0; j < nn0 && st == FAL_OK; j++) {
            int started = 0;
            for (size_t gi = s->first; gi < s->first + s->ngroups && st == FAL_OK; gi++) {
                const rgroup *g = &m->groups[gi];
                if (!g->found) continue;
                if (nn0 > 1) {
                    /* this n0's line; n0 values past the 16th go with the last */
                    size_t at = 0;
                    while (at < nn0 && n0s[at] != g->n0) at++;
                    if (at == nn0) at = nn0 - 1;
                    if (at != j) continue;
                }
                if (!started) {
                    fal__sb name;
                    fal__sb_init(&name, m->ctx);
                    fal__sb_printf(&name, "%s %s", s->cat, s->family);
                    if (nn0 > 1) fal__sb_printf(&name, " (n0 = %llu)", (unsigned long long)n0s[j]);
                    const char *nm = fal__sb_status(&name) == FAL_OK ? arena_str(&m->a, name.p) : "";
                    fal__sb_free(&name);
                    st = new_series(m->ctx, &pb, nm, FAL_PLOT_LINE);
                    started = 1;
                }
                if (st == FAL_OK) st = add_point(m->ctx, &pb, (double)g->params, (double)g->k_needed);
                points++;
            }
        }
    }
    double lo = m->min_params > 0 ? (double)m->min_params : 1, hi = (double)m->max_params;
    if (st == FAL_OK && m->nrows) {
        st = new_series(m->ctx, &pb, "k = w (shallow)", FAL_PLOT_DASHED);
        if (st == FAL_OK) st = add_point(m->ctx, &pb, lo, lo);
        if (st == FAL_OK && hi > lo) st = add_point(m->ctx, &pb, hi, hi);
    }
    if (st == FAL_OK) {
        fal_plot p;
        fal_plot_init(&p);
        p.title = "Examples needed against parameters";
        p.xlabel = "parameters w";
        p.ylabel = "examples needed k";
        p.xlog = p.ylog = 1;
        if (m->nrows) {
            p.xmin = pow(10, floor(log10(lo)));
            p.xmax = pow(10, ceil(log10(hi > lo ? hi : lo * 10)));
            p.ymin = 1;
        }
        st = write_plot(m, &p, &pb, dir, "headline", sum);
    }
    plotbuf_free(m->ctx, &pb);
    char cap[400];
    snprintf(cap, sizeof cap,
             "For each catalogue row and architecture, the smallest k stored whose test error, worst over the "
             "seeds, is at most %g (%zu points; architectures where no stored k reached it are left out). The "
             "dashed line is k = w.",
             m->o->eps, points);
    fal__sb_puts(h, "<h2 id=\"headline\">Examples needed against parameters</h2>\n");
    html_figure(h, "headline", "Examples needed against the number of parameters, log-log", cap);
    return st;
}

/* The tolerance as a dashed line across [x0, x1]. */
static fal_status eps_line(model *m, plotbuf *pb, double x0, double x1)
{
    char name[48];
    snprintf(name, sizeof name, "tolerance %g", m->o->eps);
    fal_status st = new_series(m->ctx, pb, arena_str(&m->a, name), FAL_PLOT_DASHED);
    if (st == FAL_OK) st = add_point(m->ctx, pb, x0, m->o->eps);
    if (st == FAL_OK) st = add_point(m->ctx, pb, x1, m->o->eps);
    return st;
}

/* Test error against k per group, and against depth per (k, options). */
static fal_status plot_section(model *m, const rsection *s, const char *dir, const char *slug, fal__sb *h,
                               fal_report_summary *sum)
{
    fal_status st = FAL_OK;
    fal__sb name;
    fal__sb_init(&name, m->ctx);
    /* against k: groups with at least two k */
    plotbuf pb;
    memset(&pb, 0, sizeof pb);
    uint64_t kmin = UINT64_MAX, kmax = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups && st == FAL_OK; gi++) {
        const rgroup *g = &m->groups[gi];
        if (g->ncells < 2) continue;
        st = new_series(m->ctx, &pb, g->label, FAL_PLOT_LINE);
        for (size_t ci = g->first; ci < g->first + g->ncells && st == FAL_OK; ci++) {
            const rcell *c = &m->cells[ci];
            st = add_point(m->ctx, &pb, (double)c->k, c->worst_test);
            if (c->k < kmin) kmin = c->k;
            if (c->k > kmax) kmax = c->k;
        }
    }
    if (st == FAL_OK && pb.nseries) st = eps_line(m, &pb, (double)kmin, (double)kmax);
    if (st == FAL_OK && pb.nseries) {
        fal_plot p;
        fal_plot_init(&p);
        fal__sb_printf(&name, "%s %s: test error against examples", s->cat, s->family);
        p.title = name.p;
        p.xlabel = "examples k";
        p.ylabel = "test error (worst over seeds)";
        p.xlog = kmax >= 20 * (kmin ? kmin : 1);
        p.ylog = 1;
        char file[64];
        snprintf(file, sizeof file, "%s-error-vs-k", slug);
        st = fal__sb_status(&name);
        if (st == FAL_OK) st = write_plot(m, &p, &pb, dir, file, sum);
        html_figure(h, file, name.p ? name.p : "",
                    "Each line is one architecture and option set; each point the worst test error over the seeds "
                    "stored at that k. Zero errors sit on the lower edge, hollow.");
    }
    plotbuf_free(m->ctx, &pb);

    /* against depth: series = the options apart from the architecture, at
     * each k; points = the worst over the seeds and the architectures of
     * that depth.  Drawn when the section holds two depths or more. */
    uint64_t d0 = m->groups[s->first].depth;
    int depths = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) depths |= m->groups[gi].depth != d0;
    if (st == FAL_OK && depths) {
        memset(&pb, 0, sizeof pb);
        /* the distinct series keys in first-seen order, each with its k */
        size_t first_row = m->cells[m->groups[s->first].first].first;
        const rgroup *gl = &m->groups[s->first + s->ngroups - 1];
        const rcell *cl = &m->cells[gl->first + gl->ncells - 1];
        size_t end_row = cl->first + cl->n;
        /* series in the order of k, then key */
        const char **keys = NULL;
        uint64_t *ks = NULL;
        size_t nk = 0, capk = 0, capks = 0;
        for (size_t ri = first_row; ri < end_row && st == FAL_OK; ri++) {
            const rrow *r = &m->rows[ri];
            size_t j = 0;
            while (j < nk && strcmp(keys[j], r->series) != 0) j++;
            if (j < nk) continue;
            st = reserve(m->ctx, (void **)&keys, &capk, nk + 1, sizeof *keys);
            if (st == FAL_OK) st = reserve(m->ctx, (void **)&ks, &capks, nk + 1, sizeof *ks);
            if (st != FAL_OK) break;
            /* insertion sort by (k, key) */
            size_t at = nk;
            while (at > 0 && (ks[at - 1] > r->k || (ks[at - 1] == r->k && strcmp(keys[at - 1], r->series) > 0))) {
                keys[at] = keys[at - 1];
                ks[at] = ks[at - 1];
                at--;
            }
            keys[at] = r->series;
            ks[at] = r->k;
            nk++;
        }
        /* which option fields vary between the series (besides k) */
        kv f0[MAX_FIELDS];
        size_t n0 = nk ? key_fields(keys[0], f0, MAX_FIELDS) : 0;
        int varies[MAX_FIELDS] = { 0 };
        for (size_t j = 1; j < nk; j++) {
            kv f[MAX_FIELDS];
            size_t n = key_fields(keys[j], f, MAX_FIELDS);
            for (size_t a = 0; a < n0 && a < n; a++)
                if (f[a].vlen != f0[a].vlen || memcmp(f[a].value, f0[a].value, f0[a].vlen)) varies[a] = 1;
        }
        for (size_t j = 0; j < nk && st == FAL_OK; j++) {
            fal__sb lab;
            fal__sb_init(&lab, m->ctx);
            fal__sb_printf(&lab, "k = %llu", (unsigned long long)ks[j]);
            kv f[MAX_FIELDS];
            size_t n = key_fields(keys[j], f, MAX_FIELDS);
            for (size_t a = 0; a < n0 && a < n; a++)
                if (varies[a] && !kv_is(&f[a], "k") && !kv_is(&f[a], "family")) {
                    fal__sb_putc(&lab, ' ');
                    fal__sb_put(&lab, f[a].name, f[a].nlen + 1 + f[a].vlen);
                }
            const char *nm = fal__sb_status(&lab) == FAL_OK ? arena_str(&m->a, lab.p) : "";
            fal__sb_free(&lab);
            st = new_series(m->ctx, &pb, nm, FAL_PLOT_LINE);
            /* depths ascending: groups are sorted by w, not depth, so collect and sort */
            uint64_t last = 0;
            int any = 1;
            while (any && st == FAL_OK) {
                any = 0;
                uint64_t next = UINT64_MAX;
                for (size_t ri = first_row; ri < end_row; ri++) {
                    const rrow *r = &m->rows[ri];
                    if (strcmp(r->series, keys[j]) == 0 && r->depth > last && r->depth < next) next = r->depth;
                }
                if (next == UINT64_MAX) break;
                double y = NAN;
                for (size_t ri = first_row; ri < end_row; ri++) {
                    const rrow *r = &m->rows[ri];
                    if (strcmp(r->series, keys[j]) == 0 && r->depth == next) y = worst(y, r->test);
                }
                st = add_point(m->ctx, &pb, (double)next, y);
                last = next;
                any = 1;
            }
        }
        uint64_t dmin = UINT64_MAX, dmax = 0;
        for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) {
            if (m->groups[gi].depth < dmin) dmin = m->groups[gi].depth;
            if (m->groups[gi].depth > dmax) dmax = m->groups[gi].depth;
        }
        if (st == FAL_OK && pb.nseries) st = eps_line(m, &pb, (double)dmin, (double)dmax);
        if (keys) fal__free(m->ctx, keys, capk * sizeof *keys);
        if (ks) fal__free(m->ctx, ks, capks * sizeof *ks);
        if (st == FAL_OK && pb.nseries) {
            fal_plot p;
            fal_plot_init(&p);
            fal__sb_reset(&name);
            fal__sb_printf(&name, "%s %s: test error against depth", s->cat, s->family);
            p.title = name.p;
            p.xlabel = "depth L";
            p.ylabel = "test error (worst over seeds)";
            p.xlog = p.ylog = 1;
            char file[64];
            snprintf(file, sizeof file, "%s-error-vs-depth", slug);
            st = fal__sb_status(&name);
            if (st == FAL_OK) st = write_plot(m, &p, &pb, dir, file, sum);
            html_figure(h, file, name.p ? name.p : "",
                        "Each line holds k and the other options fixed; each point is the worst test error over the "
                        "seeds (and the architectures) of that depth.");
        }
        plotbuf_free(m->ctx, &pb);
    }

    /* training curves, where runs carry them: the first seed of each group */
    size_t with_curve = 0;
    memset(&pb, 0, sizeof pb);
    for (size_t gi = s->first; gi < s->first + s->ngroups && st == FAL_OK; gi++) {
        const rgroup *g = &m->groups[gi];
        for (size_t ci = g->first; ci < g->first + g->ncells && st == FAL_OK; ci++) {
            const rrow *r = &m->rows[m->cells[ci].first];
            if (!r->curve) continue;
            fal__sb lab;
            fal__sb_init(&lab, m->ctx);
            fal__sb_printf(&lab, "%s k = %llu seed %llu", g->label, (unsigned long long)r->k,
                           (unsigned long long)r->seed);
            const char *nm = fal__sb_status(&lab) == FAL_OK ? arena_str(&m->a, lab.p) : "";
            fal__sb_free(&lab);
            st = new_series(m->ctx, &pb, nm, FAL_PLOT_LINE);
            /* [[step, loss], ...] */
            const char *p = r->curve;
            while (st == FAL_OK && (p = strchr(p, '[')) != NULL) {
                char *e;
                double x = strtod(p + 1, &e);
                if (e == p + 1) {
                    p++;
                    continue;
                }
                p = e;
                while (*p == ' ' || *p == ',') p++;
                double y = strncmp(p, "null", 4) == 0 ? NAN : strtod(p, &e);
                /* steps 0, 1, 2, 4, ...: drawn at step + 1 on a log axis, evenly spaced */
                st = add_point(m->ctx, &pb, x + 1, y);
            }
            with_curve++;
        }
    }
    if (st == FAL_OK && with_curve) {
        fal_plot p;
        fal_plot_init(&p);
        fal__sb_reset(&name);
        fal__sb_printf(&name, "%s %s: training curves", s->cat, s->family);
        p.title = name.p;
        p.xlabel = "step + 1";
        p.ylabel = "relative training error";
        p.xlog = p.ylog = 1;
        char file[64];
        snprintf(file, sizeof file, "%s-curves", slug);
        st = fal__sb_status(&name);
        if (st == FAL_OK) st = write_plot(m, &p, &pb, dir, file, sum);
        html_figure(h, file, name.p ? name.p : "",
                    "Relative training error sum ||y - t||^2 / sum ||t||^2 against step (plotted at step + 1: "
                    "step 0 is the start), recorded at steps 0, 1, 2, 4, 8, ... and the last step; first seed "
                    "of each cell.");
    } else if (st == FAL_OK) {
        fal__sb_puts(h, "<p class=\"note\">Training curves: none stored (the runs of this section used no "
                        "iterative training algorithm, or were stored by a version that did not record "
                        "curves).</p>\n");
    }
    plotbuf_free(m->ctx, &pb);
    fal__sb_free(&name);
    return st;
}

/* ---- HTML ---------------------------------------------------------------------- */

static void html_num(fal__sb *h, double v)
{
    if (isnan(v)) fal__sb_puts(h, "<td class=\"na\">-</td>");
    else fal__sb_printf(h, "<td>%.3g</td>", v);
}

static void csv_num(fal__sb *c, double v)
{
    fal__sb_num(c, v, "");
}

static const char *section_verdict(const rsection *s)
{
    return !s->judged ? "not judged" : s->failed ? "FAILS" : "holds";
}

static const char *claim_of(const char *family)
{
    const fal_family *f = fal_family_find(family);
    return f ? f->claim : "(a family this version of fallacy does not know)";
}

static void slug_of(const char *cat, char *out, size_t n)
{
    size_t j = 0;
    for (const char *p = cat; *p && j + 1 < n; p++) {
        char c = *p;
        out[j++] = ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : '_';
    }
    if (!j) out[j++] = 'x';
    out[j] = '\0';
}

/* The measured table of a section, in the page and as CSV. */
static fal_status section_table(model *m, const rsection *s, const char *dir, const char *slug, fal__sb *h)
{
    fal__sb csv;
    fal__sb_init(&csv, m->ctx);
    fal__sb_puts(&csv, "architecture,w,depth,k,seeds,converged,worst_train_error,worst_test_error,best_test_error,"
                       "worst_optimum_error,log2_classes,bits_provided,prediction,verdict,group\n");
    fal__sb_puts(h, "<table><thead><tr><th>architecture and options</th><th>w</th><th>depth</th><th>k</th>"
                    "<th>seeds</th><th>converged</th><th>train error</th><th>test error</th><th>optimum</th>"
                    "<th>log2 e</th><th>bits provided</th><th>prediction</th><th>verdict</th></tr></thead>"
                    "<tbody>\n");
    size_t shown = 0, total = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) {
        const rgroup *g = &m->groups[gi];
        for (size_t ci = g->first; ci < g->first + g->ncells; ci++, total++) {
            const rcell *c = &m->cells[ci];
            const char *v = c->judged ? (c->holds ? "holds" : "FAILS") : "-";
            fal__sb_csv(&csv, g->label);
            fal__sb_printf(&csv, ",%llu,%llu,%llu,%zu,%zu,", (unsigned long long)g->params,
                           (unsigned long long)g->depth, (unsigned long long)c->k, c->n, c->nconv);
            csv_num(&csv, c->worst_train);
            fal__sb_putc(&csv, ',');
            csv_num(&csv, c->worst_test);
            fal__sb_putc(&csv, ',');
            csv_num(&csv, c->best_test);
            fal__sb_putc(&csv, ',');
            csv_num(&csv, c->worst_opt);
            fal__sb_putc(&csv, ',');
            csv_num(&csv, c->log2c);
            fal__sb_putc(&csv, ',');
            csv_num(&csv, c->bits);
            fal__sb_putc(&csv, ',');
            fal__sb_csv(&csv, c->pred);
            fal__sb_putc(&csv, ',');
            fal__sb_puts(&csv, v);
            fal__sb_putc(&csv, ',');
            fal__sb_csv(&csv, g->group);
            fal__sb_putc(&csv, '\n');
            if (shown >= MAX_TABLE_ROWS) continue;
            shown++;
            fal__sb_puts(h, "<tr><td>");
            fal__sb_xml(h, g->label);
            fal__sb_printf(h, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%zu</td><td>%zu/%zu</td>",
                           (unsigned long long)g->params, (unsigned long long)g->depth, (unsigned long long)c->k, c->n,
                           c->nconv, c->n);
            html_num(h, c->worst_train);
            html_num(h, c->worst_test);
            html_num(h, c->worst_opt);
            html_num(h, c->log2c);
            html_num(h, c->bits);
            fal__sb_puts(h, "<td>");
            fal__sb_xml(h, c->pred[0] ? c->pred : "-");
            fal__sb_printf(h, "</td><td class=\"%s\">%s</td></tr>\n",
                           c->judged ? (c->holds ? "holds" : "fails") : "na", v);
        }
    }
    fal__sb_puts(h, "</tbody></table>\n");
    if (shown < total)
        fal__sb_printf(h, "<p class=\"note\">%zu of %zu rows shown; all of them are in the CSV.</p>\n", shown, total);
    fal__sb_printf(h, "<p><a href=\"%s-table.csv\">The measured table (CSV).</a></p>\n", slug);
    fal__sb path;
    fal__sb_init(&path, m->ctx);
    fal__sb_printf(&path, "%s/%s-table.csv", dir, slug);
    fal_status st = fal__sb_status(&path);
    if (st == FAL_OK) st = fal__sb_write_file(&csv, path.p);
    fal__sb_free(&path);
    fal__sb_free(&csv);
    return st;
}

static void section_verdict_text(model *m, const rsection *s, fal__sb *h)
{
    const char *v = section_verdict(s);
    fal__sb_printf(h, "<p class=\"verdict %s\"><strong>Verdict: %s.</strong> ",
                   !s->judged ? "na" : s->failed ? "fails" : "holds", v);
    fal__sb_printf(h, "%zu of %zu judged cells agree with the prediction (tolerance %g on the test error). ",
                   s->judged - s->failed, s->judged, m->o->eps);
    int kstar = 0, sharp = 0, optimum = 0;
    double rel = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) {
        const rgroup *g = &m->groups[gi];
        kstar |= g->rule == RULE_KSTAR;
        sharp |= g->rule == RULE_KSTAR && g->sharp;
        optimum |= g->rule == RULE_OPTIMUM;
        if (g->rule == RULE_OPTIMUM && g->opt_rel > rel) rel = g->opt_rel;
    }
    if (kstar) {
        const char *what = !strcmp(s->cat, "L2")   ? "k* = n0, the input width"
                           : !strcmp(s->cat, "I2") ? "k* = w, one example per parameter"
                           : !strcmp(s->cat, "N3") ? "k* = 2^n0, every input"
                           : (!strcmp(s->cat, "L3") || !strcmp(s->cat, "L4"))
                               ? "k* = the dimension of the data's subspace"
                               : "k* = 1, whatever the depth";
        fal__sb_printf(h, "For teacher data the claim predicts %s: cells with k &gt;= k* must reach the tolerance%s. ",
                       what, sharp ? " and cells with k &lt; k* must stay above it on every seed" : "");
    }
    if (optimum) {
        fal__sb_printf(h, "%s, the claim is about the optimum: the training error, worst over the seeds, must be "
                          "within %g of the optimum (relative when the optimum exceeds 1)%s. ",
                       kstar ? "Where no k* applies (generic or --data sets)" : "Here",
                       m->o->eps + rel, rel > 0 ? ", since the family only approaches it" : "");
    }
    if (!s->judged)
        fal__sb_puts(h, "No cell could be judged: the runs report neither a test error at k &gt;= k* nor an "
                        "optimum. ");
    fal__sb_puts(h, "</p>\n");
    /* k needed per group, against k* */
    int any = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) any |= m->groups[gi].ncells > 1;
    if (!any) return;
    fal__sb_puts(h, "<p>Examples needed (smallest stored k that reaches the tolerance): ");
    for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) {
        const rgroup *g = &m->groups[gi];
        if (gi > s->first) fal__sb_puts(h, "; ");
        fal__sb_xml(h, g->label);
        if (g->found) fal__sb_printf(h, ": k = %llu", (unsigned long long)g->k_needed);
        else fal__sb_puts(h, ": none of the stored k");
        if (g->rule == RULE_KSTAR) fal__sb_printf(h, " (k* = %llu)", (unsigned long long)g->kstar);
    }
    fal__sb_puts(h, ".</p>\n");
}

/* The information table: for each architecture, log2 e (discrete) or the
 * Jacobian rank (continuous), against the bits (or numbers) that the
 * examples needed provide. */
static fal_status info_table(model *m, const char *dir, fal__sb *h)
{
    fal__sb csv;
    fal__sb_init(&csv, m->ctx);
    fal__sb_puts(&csv, "id,family,architecture,w,log2_classes,function_dim,k_min,k_needed,bits_provided,"
                       "numbers_provided\n");
    fal__sb_puts(h, "<h2 id=\"information\">Information: what the examples must provide</h2>\n"
                    "<p>For discrete families, log2 e (the number of distinct functions) against the bits the "
                    "examples needed provide; for continuous ones the dimension of the function manifold (the "
                    "rank of the Jacobian of parameters to outputs, <code>fallacy classes</code>) and k_min, "
                    "against the numbers those examples provide (k x nL targets).</p>\n"
                    "<table><thead><tr><th>ID</th><th>family</th><th>architecture</th><th>w</th><th>log2 e</th>"
                    "<th>function dim</th><th>k_min</th><th>k needed</th><th>bits provided</th>"
                    "<th>numbers provided</th></tr></thead><tbody>\n");
    fal_status st = FAL_OK;
    for (size_t gi = 0; gi < m->ngroups && st == FAL_OK; gi++) {
        const rgroup *g = &m->groups[gi];
        int seen = 0;
        for (size_t j = 0; j < gi && !seen; j++)
            seen = !strcmp(m->groups[j].cat, g->cat) && !strcmp(m->groups[j].widths, g->widths);
        if (seen) continue;
        double log2c = NAN, bits = NAN;
        int found = 0;
        uint64_t kneed = 0;
        for (size_t j = gi; j < m->ngroups; j++) {
            const rgroup *x = &m->groups[j];
            if (strcmp(x->cat, g->cat) || strcmp(x->widths, g->widths)) continue;
            for (size_t ci = x->first; ci < x->first + x->ncells; ci++)
                if (isnan(log2c)) log2c = m->cells[ci].log2c;
            if (x->found && (!found || x->k_needed < kneed)) {
                found = 1;
                kneed = x->k_needed;
                bits = x->bits_needed;
            }
        }
        /* the rank, for continuous families small enough to take the Jacobian of */
        int have_rank = 0;
        fal_classes cl;
        memset(&cl, 0, sizeof cl);
        if (isnan(log2c) && (double)g->params <= m->o->max_rank_w) {
            fal_arch *arch = NULL;
            fal_config cfg;
            fal_config_init(&cfg);
            cfg.family = fal_classes_family(g->family);
            char buf[32];
            fal_store_key_field(g->key, "field", buf, sizeof buf);
            cfg.field = strcmp(buf, "complex") == 0 ? FAL_COMPLEX : FAL_REAL;
            cfg.power = (unsigned)key_u64(g->key, "power");
            cfg.degree = (unsigned)key_u64(g->key, "degree");
            fal_store_key_field(g->key, "units", buf, sizeof buf);
            cfg.units = strcmp(buf, "heaviside") == 0 ? FAL_UNITS_HEAVISIDE : FAL_UNITS_SIGN;
            cfg.seed = 1;
            if (cfg.family && fal_store_arch_parse(m->ctx, g->widths, &arch) == FAL_OK) {
                cfg.arch = arch;
                fal_status cs = fal_classes_compute(m->ctx, &cfg, &cl);
                if (cs == FAL_OK && !cl.discrete) have_rank = 1;
                else if (cs == FAL_OK && cl.discrete) log2c = cl.log2_classes;
                else if (cs == FAL_ENOMEM) st = cs;
            }
            fal_arch_free(arch);
        }
        double numbers = found && have_rank ? (double)kneed * (double)g->nL : NAN;
        fal__sb_puts(h, "<tr><td>");
        fal__sb_xml(h, g->cat);
        fal__sb_puts(h, "</td><td>");
        fal__sb_xml(h, g->family);
        fal__sb_puts(h, "</td><td>A(");
        fal__sb_xml(h, g->widths);
        fal__sb_printf(h, ")</td><td>%llu</td>", (unsigned long long)g->params);
        html_num(h, log2c);
        if (have_rank)
            fal__sb_printf(h, "<td>%llu</td><td>%llu</td>", (unsigned long long)cl.function_dim,
                           (unsigned long long)cl.k_min);
        else
            fal__sb_puts(h, "<td class=\"na\">-</td><td class=\"na\">-</td>");
        if (found) fal__sb_printf(h, "<td>%llu</td>", (unsigned long long)kneed);
        else fal__sb_puts(h, "<td class=\"na\">-</td>");
        html_num(h, bits);
        html_num(h, numbers);
        fal__sb_puts(h, "</tr>\n");
        fal__sb_csv(&csv, g->cat);
        fal__sb_putc(&csv, ',');
        fal__sb_csv(&csv, g->family);
        fal__sb_putc(&csv, ',');
        fal__sb_csv(&csv, g->widths);
        fal__sb_printf(&csv, ",%llu,", (unsigned long long)g->params);
        csv_num(&csv, log2c);
        if (have_rank)
            fal__sb_printf(&csv, ",%llu,%llu,", (unsigned long long)cl.function_dim, (unsigned long long)cl.k_min);
        else
            fal__sb_puts(&csv, ",,,");
        if (found) fal__sb_printf(&csv, "%llu", (unsigned long long)kneed);
        fal__sb_putc(&csv, ',');
        csv_num(&csv, bits);
        fal__sb_putc(&csv, ',');
        csv_num(&csv, numbers);
        fal__sb_putc(&csv, '\n');
    }
    fal__sb_printf(h, "</tbody></table>\n<p>Ranks are computed for w &lt;= %g only. "
                      "<a href=\"information.csv\">The table (CSV).</a></p>\n", m->o->max_rank_w);
    fal__sb path;
    fal__sb_init(&path, m->ctx);
    fal__sb_printf(&path, "%s/information.csv", dir);
    if (st == FAL_OK) st = fal__sb_status(&path);
    if (st == FAL_OK) st = fal__sb_write_file(&csv, path.p);
    fal__sb_free(&path);
    fal__sb_free(&csv);
    return st;
}

static const char *STYLE =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
    "th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}"
    "th{background:#f2f2f2}td:first-child,td.text,th.text{text-align:left}"
    ".holds{color:#006400}.fails{color:#b00000;font-weight:bold}.na{color:#888}"
    "p.verdict{padding:.5em;border-left:4px solid #ccc;background:#fafafa}"
    "p.verdict.holds{border-color:#006400}p.verdict.fails{border-color:#b00000}"
    "figure{margin:1em 0}figcaption{font-size:13px;color:#444;max-width:760px}"
    "code{font-size:12px}.note{color:#666;font-size:13px}"
    "section{border-top:1px solid #ddd;margin-top:2em}";

static void list_items(fal__sb *h, const char *const *items, size_t n, size_t more)
{
    for (size_t i = 0; i < n; i++) {
        fal__sb_puts(h, i ? ", <code>" : "<code>");
        fal__sb_xml(h, items[i]);
        fal__sb_puts(h, "</code>");
    }
    if (more) fal__sb_printf(h, " and %zu more", more);
}

static fal_status make_dir(fal_ctx *ctx, const char *dir)
{
    /* mkdir -p: each prefix ending at a '/' */
    size_t n = strlen(dir);
    char *p = fal__alloc(ctx, n + 1, "directory name");
    if (!p) return FAL_ENOMEM;
    memcpy(p, dir, n + 1);
    fal_status st = FAL_OK;
    for (size_t i = 1; i <= n && st == FAL_OK; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        char save = p[i];
        p[i] = '\0';
        struct stat sb;
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            st = fal__fail(ctx, FAL_EIO, "%s: cannot create the directory: %s", p, strerror(errno));
        else if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
            st = fal__fail(ctx, FAL_EIO, "%s: not a directory", p);
        p[i] = save;
    }
    fal__free(ctx, p, n + 1);
    return st;
}

void fal_report_opts_init(fal_report_opts *o)
{
    o->eps = 1e-8;
    o->max_rank_w = 1e5;
}

fal_status fal_report_write(fal_ctx *ctx, const char *db_path, const char *out_dir, const fal_report_opts *opts,
                            fal_report_summary *sum_out)
{
    fal_report_opts o;
    fal_report_opts_init(&o);
    if (opts) o = *opts;
    if (!(o.eps > 0) || !isfinite(o.eps)) return fal__fail(ctx, FAL_EINVAL, "report: eps must be a finite number > 0");
    if (!out_dir || !*out_dir) return fal__fail(ctx, FAL_EINVAL, "report: no output directory given");
    fal_report_summary sum;
    memset(&sum, 0, sizeof sum);
    model m;
    memset(&m, 0, sizeof m);
    m.ctx = ctx;
    m.a.ctx = ctx;
    m.o = &o;
    fal__sb h, tmp;
    fal__sb_init(&h, ctx);
    fal__sb_init(&tmp, ctx);
    fal_status st = load(&m, db_path);
    if (st == FAL_OK) st = make_dir(ctx, out_dir);
    if (st == FAL_OK) st = build(&m);
    if (st == FAL_OK) group_labels(&m, &tmp);
    if (st == FAL_OK) st = m.a.st;
    if (st != FAL_OK) goto done;
    sum.runs = m.nrows;
    sum.sections = m.nsecs;

    const char *base = strrchr(db_path, '/');
    base = base ? base + 1 : db_path;
    fal__sb_puts(&h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<title>fallacy report</title>\n<style>");
    fal__sb_puts(&h, STYLE);
    fal__sb_puts(&h, "</style>\n</head>\n<body>\n<h1>fallacy report</h1>\n<p>");
    fal__sb_printf(&h, "%zu runs from <code>", m.nrows);
    fal__sb_xml(&h, base);
    fal__sb_printf(&h, "</code>, %zu catalogue rows. Tolerance on the test error: %g (<code>--eps</code>). "
                       "Figures are the worst over the seeds stored. Thesis (Baldi, <em>the shallow fallacy</em>): "
                       "the examples a deep network needs are set by the information needed to pick its class of "
                       "parameters, not by the number of parameters.</p>\n",
                   m.nsecs, o.eps);

    /* verdicts */
    fal__sb_puts(&h, "<h2 id=\"verdicts\">Verdicts</h2>\n<table><thead><tr><th>ID</th><th>family</th>"
                     "<th class=\"text\">claim</th><th>runs</th><th>cells judged</th><th>verdict</th></tr></thead><tbody>\n");
    for (size_t si = 0; si < m.nsecs; si++) {
        const rsection *s = &m.secs[si];
        char slug[32];
        slug_of(s->cat, slug, sizeof slug);
        const rgroup *gl = &m.groups[s->first + s->ngroups - 1];
        const rcell *cl = &m.cells[gl->first + gl->ncells - 1];
        size_t runs = cl->first + cl->n - m.cells[m.groups[s->first].first].first;
        fal__sb_printf(&h, "<tr><td><a href=\"#%s\">", slug);
        fal__sb_xml(&h, s->cat);
        fal__sb_puts(&h, "</a></td><td>");
        fal__sb_xml(&h, s->family);
        fal__sb_puts(&h, "</td><td class=\"text\">");
        fal__sb_xml(&h, claim_of(s->family));
        const char *v = section_verdict(s);
        fal__sb_printf(&h, "</td><td>%zu</td><td>%zu</td><td class=\"%s\">%s</td></tr>\n", runs, s->judged,
                       !s->judged ? "na" : s->failed ? "fails" : "holds", v);
        if (!s->judged) sum.unjudged++;
        else if (s->failed) sum.fails++;
        else sum.holds++;
    }
    fal__sb_puts(&h, "</tbody></table>\n");

    st = plot_headline(&m, out_dir, &h, &sum);
    if (st == FAL_OK) st = info_table(&m, out_dir, &h);

    for (size_t si = 0; si < m.nsecs && st == FAL_OK; si++) {
        const rsection *s = &m.secs[si];
        char slug[32];
        slug_of(s->cat, slug, sizeof slug);
        fal__sb_printf(&h, "<section id=\"%s\">\n<h2>", slug);
        fal__sb_xml(&h, s->cat);
        fal__sb_puts(&h, " ");
        fal__sb_xml(&h, s->family);
        fal__sb_puts(&h, "</h2>\n<p class=\"claim\"><em>Claim.</em> ");
        fal__sb_xml(&h, claim_of(s->family));
        fal__sb_puts(&h, "</p>\n");
        section_verdict_text(&m, s, &h);
        st = section_table(&m, s, out_dir, slug, &h);
        if (st == FAL_OK) st = plot_section(&m, s, out_dir, slug, &h, &sum);
        fal__sb_puts(&h, "</section>\n");
    }
    if (st != FAL_OK) goto done;

    /* provenance */
    fal__sb_puts(&h, "<h2 id=\"provenance\">Provenance</h2>\n<ul>\n<li>fallacy versions: ");
    list_items(&h, m.versions, m.nversions, m.more_versions);
    fal__sb_puts(&h, "</li>\n<li>hosts: ");
    list_items(&h, m.hosts, m.nhosts, m.more_hosts);
    fal__sb_puts(&h, "</li>\n<li>BLAS: ");
    list_items(&h, m.blas, m.nblas, m.more_blas);
    fal__sb_printf(&h, "</li>\n<li>library threads: %d to %d</li>\n<li>runs made from ", m.min_threads,
                   m.max_threads);
    fal__sb_xml(&h, m.first_time ? m.first_time : "-");
    fal__sb_puts(&h, " to ");
    fal__sb_xml(&h, m.last_time ? m.last_time : "-");
    fal__sb_printf(&h, " (UTC)</li>\n<li>runs with a training curve: %zu</li>\n</ul>\n", m.ncurves);
    fal__sb_printf(&h, "<p class=\"note\">Written by fallacy %s (<code>fallacy report</code>).</p>\n</body>\n</html>\n",
                   FAL_VERSION);

    fal__sb_reset(&tmp);
    fal__sb_printf(&tmp, "%s/index.html", out_dir);
    st = fal__sb_status(&tmp);
    if (st == FAL_OK) st = fal__sb_write_file(&h, tmp.p);
done:
    fal__sb_free(&h);
    fal__sb_free(&tmp);
    if (m.rows) fal__free(ctx, m.rows, m.caprows * sizeof *m.rows);
    if (m.cells) fal__free(ctx, m.cells, m.capcells * sizeof *m.cells);
    if (m.groups) fal__free(ctx, m.groups, m.capgroups * sizeof *m.groups);
    if (m.secs) fal__free(ctx, m.secs, m.capsecs * sizeof *m.secs);
    arena_free(&m.a);
    if (sum_out) *sum_out = sum;
    return st;
}
