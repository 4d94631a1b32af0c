/* mlp.c -- the report's section M1 (the mlp, doc/mlp.md): three figures of
 * its own beside the ones every section has (figures.c):
 *
 *   SLUG-fdim   examples needed against function_dim / nL, the numbers the
 *               function manifold asks for per output (fallacy classes
 *               mlp, seed 1), and the line k = function_dim / nL;
 *   SLUG-log2e  examples needed against log2 e of the quantized net of the
 *               same widths (relu units, weights and biases in {-1,0,1},
 *               inputs the cube {-1,+1}^n0: fal_qnet_enumerate), for the
 *               architectures small enough to enumerate, and the line
 *               k nL = log2 e;
 *   SLUG-draws  the fraction of parameter draws whose Jacobian rank reaches
 *               the symmetry bound, against depth, one line per hidden
 *               width: read from the runs stored with --draws D (extras
 *               frac_at_bound, draws), the experiment of Grigsby, Lindsey
 *               and Rolnick (2023).
 * A figure without a point is left out with a note saying why. */
#include <stdio.h>
#include <string.h>
#include "report_int.h"

/* ---- a small plot builder (figures.c keeps its own static one) ---------- */

#define MAX_SERIES 32

typedef struct fig {
    fal_ctx *ctx;
    fal_plot_series s[MAX_SERIES];
    size_t off[MAX_SERIES], ns;
    double *x, *y;
    size_t n, capx, capy;
    fal_status st;
} fig;

static void fig_series(fig *f, const char *name, int style)
{
    if (f->st != FAL_OK) return;
    if (f->ns == MAX_SERIES) {
        f->st = FAL_EINTERNAL; /* the callers keep to MAX_SERIES */
        return;
    }
    memset(&f->s[f->ns], 0, sizeof f->s[f->ns]);
    f->s[f->ns].name = name;
    f->s[f->ns].style = style;
    f->off[f->ns++] = f->n;
}

static void fig_point(fig *f, double x, double y)
{
    if (f->st != FAL_OK || !f->ns) return;
    f->st = fal__rep_reserve(f->ctx, (void **)&f->x, &f->capx, f->n + 1, sizeof *f->x);
    if (f->st == FAL_OK) f->st = fal__rep_reserve(f->ctx, (void **)&f->y, &f->capy, f->n + 1, sizeof *f->y);
    if (f->st != FAL_OK) return;
    f->x[f->n] = x;
    f->y[f->n] = y;
    f->n++;
    f->s[f->ns - 1].n++;
}

static void fig_free(fig *f)
{
    if (f->x) fal__free(f->ctx, f->x, f->capx * sizeof *f->x);
    if (f->y) fal__free(f->ctx, f->y, f->capy * sizeof *f->y);
    f->x = f->y = NULL;
}

/* Write SLUG-SUFFIX.svg and .csv and put the figure in the page. */
static fal_status fig_write(model *m, fig *f, fal_plot *p, const rsection *s, const char *dir, const char *slug,
                            const char *what, const char *suffix, const char *caption, fal__sb *h,
                            fal_report_summary *sum)
{
    if (f->st != FAL_OK) return f->st;
    for (size_t i = 0; i < f->ns; i++) {
        f->s[i].x = f->x + f->off[i];
        f->s[i].y = f->y + f->off[i];
    }
    p->series = f->s;
    p->nseries = f->ns;
    fal__sb title, path;
    fal__sb_init(&title, m->ctx);
    fal__sb_init(&path, m->ctx);
    fal__sb_printf(&title, "%s %s: %s", s->cat, s->family, what);
    p->title = title.p;
    fal__sb_printf(&path, "%s/%s-%s.svg", dir, slug, suffix);
    fal_status st = fal__sb_status(&title);
    if (st == FAL_OK) st = fal__sb_status(&path);
    if (st == FAL_OK) st = fal_plot_svg(m->ctx, p, path.p);
    fal__sb_reset(&path);
    fal__sb_printf(&path, "%s/%s-%s.csv", dir, slug, suffix);
    if (st == FAL_OK) st = fal__sb_status(&path);
    if (st == FAL_OK) st = fal_plot_csv(m->ctx, p, path.p);
    if (st == FAL_OK) {
        sum->plots++;
        fal__sb_printf(h, "<figure><img src=\"%s-%s.svg\" width=\"760\" height=\"440\" alt=\"", slug, suffix);
        fal__sb_xml(h, title.p);
        fal__sb_puts(h, "\"/><figcaption>");
        fal__sb_xml(h, caption);
        fal__sb_printf(h, " <a href=\"%s-%s.csv\">The plotted numbers (CSV).</a></figcaption></figure>\n", slug,
                       suffix);
    }
    fal__sb_free(&title);
    fal__sb_free(&path);
    return st;
}

/* ---- k needed against function_dim / nL ------------------------------- */

static fal_status plot_fdim(model *m, const rsection *s, const char *dir, const char *slug, fal__sb *h,
                            fal_report_summary *sum)
{
    fig f = { .ctx = m->ctx };
    fig_series(&f, "k needed", FAL_PLOT_MARKERS);
    double lo = INFINITY, hi = 0;
    size_t points = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups && f.st == FAL_OK; gi++) {
        const rgroup *g = &m->groups[gi];
        if (!g->found || !g->nL) continue;
        fal_classes cl;
        fal_status cs = fal__rep_group_classes(m, g, &cl);
        if (cs == FAL_ENOMEM) f.st = cs;
        if (cs != FAL_OK || cl.discrete || !cl.function_dim) continue;
        double x = (double)cl.function_dim / (double)g->nL;
        fig_point(&f, x, (double)g->k_needed);
        lo = fmin(lo, fmin(x, (double)g->k_needed));
        hi = fmax(hi, fmax(x, (double)g->k_needed));
        points++;
    }
    fal_status st = f.st;
    if (st == FAL_OK && points) {
        fig_series(&f, "k = function_dim / nL", FAL_PLOT_DASHED);
        fig_point(&f, lo, lo);
        fig_point(&f, hi, hi);
        fal_plot p;
        fal_plot_init(&p);
        p.xlabel = "function_dim / nL";
        p.ylabel = "examples needed k";
        p.xlog = p.ylog = 1;
        char cap[320];
        snprintf(cap, sizeof cap,
                 "Examples needed (worst seed at most %g) against the function manifold's dimension per output "
                 "(fallacy classes mlp, seed 1), %zu architectures; the dashed line is k = function_dim / nL.",
                 m->o->eps, points);
        st = fig_write(m, &f, &p, s, dir, slug, "k needed against function_dim / nL", "fdim", cap, h, sum);
    }
    fig_free(&f);
    return st;
}

/* ---- k needed against log2 e of the quantized net ---------------------- */

/* Enumerate at most 2^QNET_LOG2_LIMIT settings per architecture: 3^w with
 * w <= 17 parameters, well under a second each (doc/qnet.md's speed). */
#define QNET_LOG2_LIMIT 28.0

/* log2 e of the relu qnet of g's widths with weights {-1,0,1}; NaN when
 * it does not apply (another activation, too many settings, n0 > 12). */
static fal_status qnet_log2e(model *m, const rgroup *g, double *out)
{
    *out = NAN;
    char buf[32];
    if (!fal_store_key_field(g->key, "act", buf, sizeof buf) || strcmp(buf, "relu") != 0) return FAL_OK;
    fal_arch *arch = NULL;
    if (fal_store_arch_parse(m->ctx, g->widths, &arch) != FAL_OK) return FAL_OK;
    fal_qnet q;
    fal_qnet_init(&q);
    q.arch = arch;
    q.act = FAL_QACT_RELU;
    q.bias = !(fal_store_key_field(g->key, "bias", buf, sizeof buf) && strcmp(buf, "off") == 0);
    uint64_t w = 0;
    double l2s = 0;
    fal_status st = FAL_OK;
    if (fal_arch_width(arch, 0) <= FAL_QNET_MAX_N0 && fal_qnet_check(m->ctx, &q, &w, &l2s) == FAL_OK &&
        l2s <= QNET_LOG2_LIMIT) {
        fal_qtable *t = NULL;
        st = fal_qnet_enumerate(m->ctx, &q, &t);
        if (st == FAL_OK) {
            fal_qnet_stats qs;
            fal_qtable_stats(t, &qs);
            *out = qs.log2_classes;
        }
        fal_qtable_free(t);
        if (st != FAL_ENOMEM) st = FAL_OK; /* a refusal leaves the point out */
    }
    fal_arch_free(arch);
    return st;
}

static fal_status plot_log2e(model *m, const rsection *s, const char *dir, const char *slug, fal__sb *h,
                             fal_report_summary *sum)
{
    fig f = { .ctx = m->ctx };
    fig_series(&f, "k needed", FAL_PLOT_MARKERS);
    double lo = INFINITY, hi = 0;
    size_t points = 0, found = 0;
    fal_status st = FAL_OK;
    for (size_t gi = s->first; gi < s->first + s->ngroups && st == FAL_OK && f.st == FAL_OK; gi++) {
        const rgroup *g = &m->groups[gi];
        if (!g->found || !g->nL) continue;
        found++;
        double l2e;
        st = qnet_log2e(m, g, &l2e);
        if (st != FAL_OK || !(l2e > 0)) continue;
        fig_point(&f, l2e, (double)g->k_needed);
        lo = fmin(lo, fmin(l2e, (double)g->k_needed * (double)g->nL));
        hi = fmax(hi, fmax(l2e, (double)g->k_needed * (double)g->nL));
        points++;
    }
    if (st == FAL_OK) st = f.st;
    if (st == FAL_OK && points) {
        /* k nL = log2 e: one bit per target number */
        fig_series(&f, "k nL = log2 e", FAL_PLOT_DASHED);
        uint64_t nL = m->groups[s->first].nL;
        fig_point(&f, lo, lo / (double)nL);
        fig_point(&f, hi, hi / (double)nL);
        fal_plot p;
        fal_plot_init(&p);
        p.xlabel = "log2 e of the quantized net (bits)";
        p.ylabel = "examples needed k";
        p.xlog = p.ylog = 1;
        char cap[480];
        snprintf(cap, sizeof cap,
                 "Examples needed (worst seed at most %g) against log2 of the number of distinct functions of the "
                 "quantized net of the same widths (relu units, weights and biases in {-1,0,1}, inputs the cube "
                 "{-1,+1}^n0; fallacy classes qnet --act relu), %zu of %zu architectures with a k needed (the "
                 "others are relu nets with more than 2^%g settings or other activations); dashed: k nL = log2 e "
                 "(nL of the first architecture), one bit per target.",
                 m->o->eps, points, found, QNET_LOG2_LIMIT);
        st = fig_write(m, &f, &p, s, dir, slug, "k needed against log2 e (quantized)", "log2e", cap, h, sum);
    } else if (st == FAL_OK && found) {
        fal__sb_printf(h, "<p class=\"note\">k needed against log2 e: no relu architecture of this section is "
                          "small enough to count its quantized functions (at most 2^%g settings of {-1,0,1}).</p>\n",
                       QNET_LOG2_LIMIT);
    }
    fig_free(&f);
    return st;
}

/* ---- the fraction of draws at the symmetry bound against depth --------- */

/* A line of the draws figure: hidden width, n0 and activation. */
typedef struct dline {
    uint64_t width, n0;
    char act[24];
    char name[96];
} dline;

static fal_status plot_draws(model *m, const rsection *s, const char *dir, const char *slug, fal__sb *h,
                             fal_report_summary *sum)
{
    dline lines[MAX_SERIES - 1];
    size_t nl = 0, points = 0, skipped = 0;
    double dmin = INFINITY, dmax = 0;
    /* the lines first (in the order met), so each series' points are contiguous */
    int n0_varies = 0, act_varies = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) {
        const rgroup *g = &m->groups[gi];
        const rrow *r = &m->rows[m->cells[g->first].first];
        if (isnan(r->frac_at_bound) || g->depth < 2) continue;
        fal_arch *arch = NULL;
        if (fal_store_arch_parse(m->ctx, g->widths, &arch) != FAL_OK) continue;
        dline d;
        memset(&d, 0, sizeof d);
        d.width = fal_arch_width(arch, 1);
        d.n0 = g->n0;
        fal_arch_free(arch);
        if (!fal_store_key_field(g->key, "act", d.act, sizeof d.act)) snprintf(d.act, sizeof d.act, "relu");
        size_t j = 0;
        while (j < nl && !(lines[j].width == d.width && lines[j].n0 == d.n0 && !strcmp(lines[j].act, d.act))) j++;
        if (j < nl) continue;
        if (nl == MAX_SERIES - 1) {
            skipped++;
            continue;
        }
        n0_varies |= nl && lines[0].n0 != d.n0;
        act_varies |= nl && strcmp(lines[0].act, d.act) != 0;
        lines[nl++] = d;
    }
    if (!nl) return FAL_OK;
    fig f = { .ctx = m->ctx };
    for (size_t j = 0; j < nl; j++) {
        dline *d = &lines[j];
        int len = snprintf(d->name, sizeof d->name, "width %llu", (unsigned long long)d->width);
        if (n0_varies) len += snprintf(d->name + len, sizeof d->name - (size_t)len, " n0 %llu", (unsigned long long)d->n0);
        if (act_varies) snprintf(d->name + len, sizeof d->name - (size_t)len, " %s", d->act);
        fig_series(&f, d->name, FAL_PLOT_LINE);
        /* depths in increasing order: the groups of this line, smallest depth first */
        uint64_t last = 0;
        for (;;) {
            uint64_t best = UINT64_MAX;
            const rrow *br = NULL;
            for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) {
                const rgroup *g = &m->groups[gi];
                const rrow *r = &m->rows[m->cells[g->first].first];
                if (isnan(r->frac_at_bound) || g->depth < 2 || g->depth <= last || g->depth >= best) continue;
                fal_arch *arch = NULL;
                if (fal_store_arch_parse(m->ctx, g->widths, &arch) != FAL_OK) continue;
                uint64_t wd = fal_arch_width(arch, 1);
                fal_arch_free(arch);
                char act[24];
                if (!fal_store_key_field(g->key, "act", act, sizeof act)) snprintf(act, sizeof act, "relu");
                if (wd != d->width || g->n0 != d->n0 || strcmp(act, d->act) != 0) continue;
                best = g->depth;
                br = r;
            }
            if (!br) break;
            /* x: hidden layers (depth L counts the weight layers) */
            fig_point(&f, (double)(best - 1), br->frac_at_bound);
            dmin = fmin(dmin, br->draws);
            dmax = fmax(dmax, br->draws);
            points++;
            last = best;
        }
    }
    fal_status st = f.st;
    if (st == FAL_OK && points) {
        fal_plot p;
        fal_plot_init(&p);
        p.xlabel = "hidden layers";
        p.ylabel = "fraction of draws at the bound";
        p.ymin = 0;
        p.ymax = 1;
        char cap[480], dr[48];
        if (dmin == dmax) snprintf(dr, sizeof dr, "%.0f", dmin);
        else snprintf(dr, sizeof dr, "%.0f to %.0f", dmin, dmax);
        snprintf(cap, sizeof cap,
                 "Fraction of %s parameter draws whose Jacobian rank (function_dim) equals the symmetry bound "
                 "(w minus the hidden units for relu; w for tanh and sigmoid), against the number of hidden "
                 "layers, one line per hidden width (the first hidden layer's); from the runs stored with "
                 "--draws, the first run of each architecture.%s",
                 dr, skipped ? " More lines than the figure holds: some are left out." : "");
        st = fig_write(m, &f, &p, s, dir, slug, "fraction of draws at the symmetry bound", "draws", cap, h, sum);
    }
    fig_free(&f);
    return st;
}

fal_status fal__rep_mlp_figures(model *m, const rsection *s, const char *dir, const char *slug, fal__sb *h,
                                fal_report_summary *sum)
{
    if (strcmp(s->family, "mlp") != 0) return FAL_OK;
    fal_status st = plot_fdim(m, s, dir, slug, h, sum);
    if (st == FAL_OK) st = plot_log2e(m, s, dir, slug, h, sum);
    if (st == FAL_OK) st = plot_draws(m, s, dir, slug, h, sum);
    return st;
}
