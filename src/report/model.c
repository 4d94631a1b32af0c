/* model.c -- the data model of the report of a runs database (include/fallacy/report.h,
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_int.h"

/* ---- the arena and growable arrays --------------------------------------- */
const char *fal__rep_arena_strn(arena *a, const char *s, size_t n)
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

const char *fal__rep_arena_str(arena *a, const char *s) { return s ? fal__rep_arena_strn(a, s, strlen(s)) : NULL; }

void fal__rep_arena_free(arena *a)
{
    while (a->head) {
        chunk *c = a->head;
        a->head = c->next;
        fal__free(a->ctx, c, sizeof(chunk) + c->size);
    }
}

fal_status fal__rep_reserve(fal_ctx *ctx, void **p, size_t *cap, size_t n, size_t elem)
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

size_t fal__rep_key_fields(const char *key, kv *f, size_t max)
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

int fal__rep_kv_is(const kv *f, const char *name)
{
    return strlen(name) == f->nlen && memcmp(f->name, name, f->nlen) == 0;
}

/* The key without the fields named in drop (a NULL-terminated list). */
static const char *key_without(arena *a, fal__sb *tmp, const char *key, const char *const *drop)
{
    kv f[MAX_FIELDS];
    size_t n = fal__rep_key_fields(key, f, MAX_FIELDS);
    fal__sb_reset(tmp);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        int skip = 0;
        for (const char *const *d = drop; *d; d++) skip |= fal__rep_kv_is(&f[i], *d);
        if (skip) continue;
        if (!first) fal__sb_putc(tmp, ';');
        fal__sb_put(tmp, f[i].name, f[i].nlen + 1 + f[i].vlen);
        first = 0;
    }
    if (fal__sb_status(tmp) != FAL_OK) return "";
    return fal__rep_arena_strn(a, tmp->p ? tmp->p : "", tmp->len);
}

uint64_t fal__rep_key_u64(const char *key, const char *name)
{
    char buf[32];
    if (!fal_store_key_field(key, name, buf, sizeof buf)) return 0;
    return strtoull(buf, NULL, 10);
}

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
    if (*n < cap) set[(*n)++] = fal__rep_arena_str(a, s);
    else (*more)++;
}

fal_status fal__rep_load(model *m, const char *db_path)
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
        if (!strcmp(r.family, "qnet")) continue; /* Q1's own section (qnet.c) */
        st = fal__rep_reserve(m->ctx, (void **)&m->rows, &m->caprows, m->nrows + 1, sizeof *m->rows);
        if (st != FAL_OK) break;
        rrow *x = &m->rows[m->nrows++];
        char field[16];
        fal_store_key_field(r.key, "field", field, sizeof field);
        const char *cat = strcmp(r.family, "linear-ae") == 0 && strcmp(field, "complex") == 0 ? "L4" : r.id;
        x->cat = fal__rep_arena_str(&m->a, cat);
        x->cat_rank = cat_rank(cat);
        x->family = fal__rep_arena_str(&m->a, r.family);
        x->key = fal__rep_arena_str(&m->a, r.key);
        x->group = key_without(&m->a, &tmp, r.key, drop_group);
        x->series = key_without(&m->a, &tmp, r.key, drop_series);
        x->widths = fal__rep_arena_str(&m->a, r.widths);
        x->curve = r.curve ? fal__rep_arena_str(&m->a, r.curve) : NULL;
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
        x->frac_at_bound = fal_store_extra(r.extras, "frac_at_bound"); /* mlp --draws (mlp.c) */
        x->draws = fal_store_extra(r.extras, "draws");
        x->converged = r.converged;
        x->config = r.config ? fal__rep_arena_str(&m->a, r.config) : NULL;
        x->centres = r.centres ? fal__rep_arena_str(&m->a, r.centres) : NULL;
        x->extras = fal__rep_arena_str(&m->a, r.extras);
        if (r.curve) m->ncurves++;
        if (r.params > m->max_params) m->max_params = r.params;
        if (r.params < m->min_params) m->min_params = r.params;
        remember(m->versions, &m->nversions, &m->more_versions, 8, &m->a, r.version);
        remember(m->hosts, &m->nhosts, &m->more_hosts, 8, &m->a, r.host);
        remember(m->blas, &m->nblas, &m->more_blas, 8, &m->a, r.blas);
        if (m->nrows == 1 || r.threads < m->min_threads) m->min_threads = r.threads;
        if (m->nrows == 1 || r.threads > m->max_threads) m->max_threads = r.threads;
        if (!m->first_time || strcmp(r.timestamp, m->first_time) < 0)
            m->first_time = fal__rep_arena_str(&m->a, r.timestamp);
        if (!m->last_time || strcmp(r.timestamp, m->last_time) > 0)
            m->last_time = fal__rep_arena_str(&m->a, r.timestamp);
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
    if (strcmp(data, "none") != 0) {
        /* no teacher: nothing predicts the test error, and the optimum's gap
         * is a measurement, not a claim (data.c shows it) */
        g->rule = RULE_NONE;
        return;
    }
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
        /* degree d >= n0: the gates are universal and reach N4's optimum
         * ("approaches" it: 5 %); d < n0 (linear gates, d = 1) may stay above
         * it, never below: the claim `fallacy demo` checks for that row.
         * Judging d < n0 by the 5 % rule marked sound runs FAILS. */
        uint64_t d = fal__rep_key_u64(g->key, "degree");
        if ((d ? d : 1) >= g->n0) g->opt_rel = 0.05;
        else g->rule = RULE_ABOVE;
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
    } else if (g->rule == RULE_ABOVE) {
        snprintf(c->pred, sizeof c->pred, "train at or above the N4 optimum");
        c->judged = !isnan(c->best_gap_bits);
        c->holds = c->best_gap_bits >= 0;
    } else if (g->rule == RULE_OPTIMUM) {
        snprintf(c->pred, sizeof c->pred, g->opt_rel > 0 ? "train within %g%% of the optimum" : "train at the optimum",
                 g->opt_rel * 100);
        c->judged = !isnan(c->worst_gap);
        c->holds = c->worst_gap <= eps + g->opt_rel;
    }
}

/* The file-name stem and anchor of a section: the ID itself when it is
 * 1 to 31 letters and digits (L2 -> "L2-table.csv"), else those bytes with
 * every other one as '_', cut at 31, then '-' and the 64-bit FNV-1a hash of
 * the whole ID in hex ("L 1" -> "L_1-<hash>", so that it differs from the
 * ID "L_1").  Sanitized text holds no '-', so the two forms never meet;
 * unique_slugs settles hash collisions. */
static void section_slug(rsection *s)
{
    const char *cat = s->cat;
    size_t n = strlen(cat), j = 0;
    int plain = n >= 1 && n <= 31;
    for (size_t i = 0; i < n; i++) {
        char c = cat[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        plain &= ok;
        if (j < 31) s->slug[j++] = ok ? c : '_';
    }
    if (!j) s->slug[j++] = 'x';
    s->slug[j] = '\0';
    if (plain) return;
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)cat[i]) * 1099511628211u;
    snprintf(s->slug + j, sizeof s->slug - j, "-%016llx", (unsigned long long)h);
}

static int slug_order(const void *pa, const void *pb)
{
    const rsection *a = *(const rsection *const *)pa, *b = *(const rsection *const *)pb;
    int c = strcmp(a->slug, b->slug);
    return c ? c : (a < b ? -1 : a > b);
}

/* Two IDs with one hash (FNV-1a is no defence against a crafted
 * database): the later sections get "-<section number>" too, a form no
 * other slug has. */
static fal_status unique_slugs(model *m)
{
    if (m->nsecs < 2) return FAL_OK;
    rsection **by = fal__calloc(m->ctx, m->nsecs, sizeof *by, "report sections");
    if (!by) return FAL_ENOMEM;
    for (size_t i = 0; i < m->nsecs; i++) by[i] = &m->secs[i];
    qsort(by, m->nsecs, sizeof *by, slug_order);
    for (size_t i = m->nsecs - 1; i > 0; i--)
        if (strcmp(by[i]->slug, by[i - 1]->slug) == 0) {
            size_t len = strlen(by[i]->slug);
            snprintf(by[i]->slug + len, sizeof by[i]->slug - len, "-%zu", (size_t)(by[i] - m->secs));
        }
    fal__free(m->ctx, by, m->nsecs * sizeof *by);
    return FAL_OK;
}

fal_status fal__rep_build(model *m)
{
    fal_ctx *ctx = m->ctx;
    if (m->nrows > 1) qsort(m->rows, m->nrows, sizeof *m->rows, row_order); /* rows is NULL when empty */
    fal_status st = FAL_OK;
    for (size_t i = 0; i < m->nrows && st == FAL_OK;) {
        const rrow *r = &m->rows[i];
        int new_section = !m->nsecs || strcmp(m->secs[m->nsecs - 1].cat, r->cat) != 0;
        int new_group = new_section || strcmp(m->groups[m->ngroups - 1].group, r->group) != 0;
        if (new_section) {
            st = fal__rep_reserve(ctx, (void **)&m->secs, &m->capsecs, m->nsecs + 1, sizeof *m->secs);
            if (st != FAL_OK) break;
            rsection *s = &m->secs[m->nsecs++];
            memset(s, 0, sizeof *s);
            s->cat = r->cat;
            s->family = r->family;
            s->first = m->ngroups;
            section_slug(s);
        }
        if (new_group) {
            st = fal__rep_reserve(ctx, (void **)&m->groups, &m->capgroups, m->ngroups + 1, sizeof *m->groups);
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
        st = fal__rep_reserve(ctx, (void **)&m->cells, &m->capcells, m->ncells + 1, sizeof *m->cells);
        if (st != FAL_OK) break;
        rcell *c = &m->cells[m->ncells++];
        memset(c, 0, sizeof *c);
        c->first = i;
        c->group = m->ngroups - 1;
        c->k = r->k;
        c->worst_test = c->best_test = c->worst_train = c->worst_opt = c->worst_gap = c->best_gap_bits = NAN;
        c->log2c = c->bits = NAN;
        c->no_unseen = 1;
        size_t j = i;
        for (; j < m->nrows && m->rows[j].k == r->k && strcmp(m->rows[j].group, r->group) == 0 &&
               strcmp(m->rows[j].cat, r->cat) == 0;
             j++) {
            const rrow *x = &m->rows[j];
            c->worst_test = fal__rep_worst(c->worst_test, x->test);
            c->best_test = fal__rep_best(c->best_test, x->test);
            c->worst_train = fal__rep_worst(c->worst_train, x->train);
            c->worst_opt = fal__rep_worst(c->worst_opt, x->opt);
            /* the distance to the optimum, relative above 1 (counts of bits) */
            if (!isnan(x->train) && !isnan(x->opt))
                c->worst_gap = fal__rep_worst(c->worst_gap, (x->train - x->opt) / fmax(1.0, x->opt));
            else if (!isnan(x->gap) && !isnan(x->gap_ref))
                c->worst_gap = fal__rep_worst(c->worst_gap, x->gap / fmax(1.0, x->gap_ref));
            c->best_gap_bits = fal__rep_best(c->best_gap_bits, x->gap);
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
    if (st == FAL_OK) st = unique_slugs(m);
    return st != FAL_OK ? st : m->a.st;
}

/* ---- labels ----------------------------------------------------------------- */

/* "A(8,32^2,8)" plus the option fields that differ between the groups of
 * the section (so two series never share a label without reason). */
void fal__rep_group_labels(model *m, fal__sb *tmp)
{
    for (size_t si = 0; si < m->nsecs; si++) {
        const rsection *s = &m->secs[si];
        kv f0[MAX_FIELDS];
        size_t n0 = fal__rep_key_fields(m->groups[s->first].group, f0, MAX_FIELDS);
        int varies[MAX_FIELDS] = { 0 };
        for (size_t gi = s->first + 1; gi < s->first + s->ngroups; gi++) {
            kv f[MAX_FIELDS];
            size_t n = fal__rep_key_fields(m->groups[gi].group, f, MAX_FIELDS);
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
            size_t n = fal__rep_key_fields(g->group, f, MAX_FIELDS);
            fal__sb_reset(tmp);
            fal__sb_printf(tmp, "A(%s)", g->widths);
            for (size_t a = 0; a < n0; a++) {
                if (!varies[a] || fal__rep_kv_is(&f0[a], "arch") || fal__rep_kv_is(&f0[a], "family")) continue;
                for (size_t b = 0; b < n; b++)
                    if (f[b].nlen == f0[a].nlen && !memcmp(f[b].name, f0[a].name, f0[a].nlen)) {
                        fal__sb_putc(tmp, ' ');
                        fal__sb_put(tmp, f[b].name, f[b].nlen + 1 + f[b].vlen);
                    }
            }
            g->label = fal__sb_status(tmp) == FAL_OK ? fal__rep_arena_strn(&m->a, tmp->p, tmp->len) : "";
        }
    }
}
