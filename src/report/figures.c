/* figures.c -- the report's SVG figures, each with its numbers as CSV
 * beside it (plot.c draws them): the headline (examples needed against
 * parameters) and, per section, test error against k, against depth, and
 * the training curves.  What a figure shows is said in its caption. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_int.h"

typedef struct plotbuf {
    fal_plot_series *series;
    size_t *off;          /* first point of each series in xs/ys */
    size_t nseries, capseries, capoff;
    double *xs, *ys;
    size_t npts, capx, capy;
    double *lo, *hi;      /* the band of each point (NaN: none); allocated with the first band */
    size_t caplo, caphi;
    int *banded;          /* per series: has a band */
    size_t capbanded;
} plotbuf;

static void plotbuf_free(fal_ctx *ctx, plotbuf *pb)
{
    if (pb->series) fal__free(ctx, pb->series, pb->capseries * sizeof *pb->series);
    if (pb->off) fal__free(ctx, pb->off, pb->capoff * sizeof *pb->off);
    if (pb->xs) fal__free(ctx, pb->xs, pb->capx * sizeof *pb->xs);
    if (pb->ys) fal__free(ctx, pb->ys, pb->capy * sizeof *pb->ys);
    if (pb->lo) fal__free(ctx, pb->lo, pb->caplo * sizeof *pb->lo);
    if (pb->hi) fal__free(ctx, pb->hi, pb->caphi * sizeof *pb->hi);
    if (pb->banded) fal__free(ctx, pb->banded, pb->capbanded * sizeof *pb->banded);
    memset(pb, 0, sizeof *pb);
}

/* Start a series; its points follow with add_point.  The series' x and y
 * pointers are set in finish_series, once the arrays stop moving. */
static fal_status new_series(fal_ctx *ctx, plotbuf *pb, const char *name, int style)
{
    fal_status st = fal__rep_reserve(ctx, (void **)&pb->series, &pb->capseries, pb->nseries + 1, sizeof *pb->series);
    if (st == FAL_OK) st = fal__rep_reserve(ctx, (void **)&pb->off, &pb->capoff, pb->nseries + 1, sizeof *pb->off);
    if (st == FAL_OK)
        st = fal__rep_reserve(ctx, (void **)&pb->banded, &pb->capbanded, pb->nseries + 1, sizeof *pb->banded);
    if (st != FAL_OK) return st;
    pb->banded[pb->nseries] = 0;
    fal_plot_series *s = &pb->series[pb->nseries];
    memset(s, 0, sizeof *s);
    s->name = name;
    s->style = style;
    pb->off[pb->nseries++] = pb->npts;
    return FAL_OK;
}

static fal_status add_point(fal_ctx *ctx, plotbuf *pb, double x, double y)
{
    fal_status st = fal__rep_reserve(ctx, (void **)&pb->xs, &pb->capx, pb->npts + 1, sizeof *pb->xs);
    if (st == FAL_OK) st = fal__rep_reserve(ctx, (void **)&pb->ys, &pb->capy, pb->npts + 1, sizeof *pb->ys);
    if (st != FAL_OK) return st;
    if (st == FAL_OK) st = fal__rep_reserve(ctx, (void **)&pb->lo, &pb->caplo, pb->npts + 1, sizeof *pb->lo);
    if (st == FAL_OK) st = fal__rep_reserve(ctx, (void **)&pb->hi, &pb->caphi, pb->npts + 1, sizeof *pb->hi);
    if (st != FAL_OK) return st;
    pb->xs[pb->npts] = x;
    pb->ys[pb->npts] = y;
    pb->lo[pb->npts] = pb->hi[pb->npts] = NAN;
    pb->npts++;
    pb->series[pb->nseries - 1].n++;
    return FAL_OK;
}

/* A point at the median y of the seeds, with their min..max as its band. */
static fal_status add_band_point(fal_ctx *ctx, plotbuf *pb, double x, double y, double lo, double hi)
{
    fal_status st = add_point(ctx, pb, x, y);
    if (st != FAL_OK) return st;
    pb->lo[pb->npts - 1] = lo;
    pb->hi[pb->npts - 1] = hi;
    pb->banded[pb->nseries - 1] = 1;
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
    /* the bands, for the series that have one */
    int any = 0;
    for (size_t i = 0; i < pb->nseries; i++) any |= pb->banded[i];
    const double **bands = NULL;
    size_t nb = 2 * (pb->nseries ? pb->nseries : 1);
    if (any && !(bands = fal__calloc(m->ctx, nb, sizeof *bands, "plot bands"))) return FAL_ENOMEM;
    for (size_t i = 0; any && i < pb->nseries; i++)
        if (pb->banded[i]) {
            bands[i] = pb->lo + pb->off[i];
            bands[pb->nseries + i] = pb->hi + pb->off[i];
        }
    p->band_lo = any ? bands : NULL;
    p->band_hi = any ? bands + pb->nseries : NULL;
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
    if (bands) fal__free(m->ctx, bands, nb * sizeof *bands);
    p->band_lo = p->band_hi = NULL;
    if (st == FAL_OK) sum->plots++;
    return st;
}

void fal__rep_html_figure(fal__sb *h, const char *name, const char *alt, const char *caption)
{
    /* no height: a faceted plot (more than 8 lines) is taller */
    fal__sb_printf(h, "<figure><img src=\"%s.svg\" width=\"760\" alt=\"", name);
    fal__sb_xml(h, alt);
    fal__sb_puts(h, "\"/><figcaption>");
    fal__sb_xml(h, caption);
    fal__sb_printf(h, " <a href=\"%s.csv\">The plotted numbers (CSV).</a></figcaption></figure>\n", name);
}

/* The headline: k needed against w, one series per catalogue row, and the
 * line k = w that a shallow model needs. */
fal_status fal__rep_plot_headline(model *m, const char *dir, fal__sb *h, fal_report_summary *sum)
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
                    const char *nm = fal__sb_status(&name) == FAL_OK ? fal__rep_arena_str(&m->a, name.p) : "";
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
    fal__rep_html_figure(h, "headline", "Examples needed against the number of parameters, log-log", cap);
    return st;
}

/* The tolerance as a dashed line across [x0, x1]. */
static fal_status eps_line(model *m, plotbuf *pb, double x0, double x1)
{
    char name[48];
    snprintf(name, sizeof name, "tolerance %g", m->o->eps);
    fal_status st = new_series(m->ctx, pb, fal__rep_arena_str(&m->a, name), FAL_PLOT_DASHED);
    if (st == FAL_OK) st = add_point(m->ctx, pb, x0, m->o->eps);
    if (st == FAL_OK) st = add_point(m->ctx, pb, x1, m->o->eps);
    return st;
}

/* Where a section's figures go: files DIR/SLUG-*, the page h. */
typedef struct secout {
    const char *dir, *slug;
    fal__sb *h;
    fal_report_summary *sum;
} secout;

/* One figure of a section: p (axes set by the caller) titled "ID family:
 * what", written as SLUG-SUFFIX.svg and .csv, and its place in the page. */
static fal_status section_figure(model *m, const rsection *s, fal_plot *p, plotbuf *pb, const char *what,
                                 const char *suffix, const char *caption, const secout *o)
{
    fal__sb name;
    fal__sb_init(&name, m->ctx);
    fal__sb_printf(&name, "%s %s: %s", s->cat, s->family, what);
    p->title = name.p;
    char file[64];
    snprintf(file, sizeof file, "%s-%s", o->slug, suffix);
    fal_status st = fal__sb_status(&name);
    if (st == FAL_OK) st = write_plot(m, p, pb, o->dir, file, o->sum);
    fal__rep_html_figure(o->h, file, name.p ? name.p : "", caption);
    fal__sb_free(&name);
    return st;
}

/* Test error against k, one line per group with at least two k. */
static fal_status plot_vs_k(model *m, const rsection *s, const secout *o)
{
    fal_status st = FAL_OK;
    plotbuf pb;
    memset(&pb, 0, sizeof pb);
    uint64_t kmin = UINT64_MAX, kmax = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups && st == FAL_OK; gi++) {
        const rgroup *g = &m->groups[gi];
        if (g->ncells < 2) continue;
        st = new_series(m->ctx, &pb, g->label, FAL_PLOT_LINE);
        for (size_t ci = g->first; ci < g->first + g->ncells && st == FAL_OK; ci++) {
            const rcell *c = &m->cells[ci];
            double med, lo, hi;
            st = fal__rep_cell_stats(m, c, REP_TEST, &med, &lo, &hi);
            if (st == FAL_OK) st = add_band_point(m->ctx, &pb, (double)c->k, med, lo, hi);
            if (c->k < kmin) kmin = c->k;
            if (c->k > kmax) kmax = c->k;
        }
    }
    if (st == FAL_OK && pb.nseries) st = eps_line(m, &pb, (double)kmin, (double)kmax);
    if (st == FAL_OK && pb.nseries) {
        fal_plot p;
        fal_plot_init(&p);
        p.xlabel = "examples k";
        p.ylabel = "test error (median over seeds)";
        p.xlog = kmax >= 20 * (kmin ? kmin : 1);
        p.ylog = 1;
        st = section_figure(m, s, &p, &pb, "test error against examples", "error-vs-k",
                            "Each line is one architecture and option set; each point the median test error over "
                            "the seeds stored at that k, the band their min..max (the verdicts use the worst). "
                            "Zero errors sit on the lower edge, hollow; at most 8 lines a panel.",
                            o);
    }
    plotbuf_free(m->ctx, &pb);
    return st;
}

/* Test error against depth: series = the options apart from the
 * architecture, at each k; points = the worst over the seeds and the
 * architectures of that depth.  Drawn when the section holds two depths or
 * more. */
static fal_status plot_vs_depth(model *m, const rsection *s, const secout *o)
{
    uint64_t d0 = m->groups[s->first].depth;
    int depths = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) depths |= m->groups[gi].depth != d0;
    if (!depths) return FAL_OK;
    fal_status st = FAL_OK;
    plotbuf pb;
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
        st = fal__rep_reserve(m->ctx, (void **)&keys, &capk, nk + 1, sizeof *keys);
        if (st == FAL_OK) st = fal__rep_reserve(m->ctx, (void **)&ks, &capks, nk + 1, sizeof *ks);
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
    size_t n0 = nk ? fal__rep_key_fields(keys[0], f0, MAX_FIELDS) : 0;
    int varies[MAX_FIELDS] = { 0 };
    for (size_t j = 1; j < nk; j++) {
        kv f[MAX_FIELDS];
        size_t n = fal__rep_key_fields(keys[j], f, MAX_FIELDS);
        for (size_t a = 0; a < n0 && a < n; a++)
            if (f[a].vlen != f0[a].vlen || memcmp(f[a].value, f0[a].value, f0[a].vlen)) varies[a] = 1;
    }
    for (size_t j = 0; j < nk && st == FAL_OK; j++) {
        fal__sb lab;
        fal__sb_init(&lab, m->ctx);
        fal__sb_printf(&lab, "k = %llu", (unsigned long long)ks[j]);
        kv f[MAX_FIELDS];
        size_t n = fal__rep_key_fields(keys[j], f, MAX_FIELDS);
        for (size_t a = 0; a < n0 && a < n; a++)
            if (varies[a] && !fal__rep_kv_is(&f[a], "k") && !fal__rep_kv_is(&f[a], "family")) {
                fal__sb_putc(&lab, ' ');
                fal__sb_put(&lab, f[a].name, f[a].nlen + 1 + f[a].vlen);
            }
        const char *nm = fal__sb_status(&lab) == FAL_OK ? fal__rep_arena_str(&m->a, lab.p) : "";
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
            /* the median over the seeds and architectures of this depth, and their range */
            size_t nv = 0;
            for (size_t ri = first_row; ri < end_row; ri++)
                nv += strcmp(m->rows[ri].series, keys[j]) == 0 && m->rows[ri].depth == next;
            double *v = fal__calloc(m->ctx, nv ? nv : 1, sizeof *v, "seed statistics");
            if (!v) {
                st = FAL_ENOMEM;
                break;
            }
            nv = 0;
            for (size_t ri = first_row; ri < end_row; ri++) {
                const rrow *r = &m->rows[ri];
                if (strcmp(r->series, keys[j]) == 0 && r->depth == next) v[nv++] = r->test;
            }
            double med, lo, hi;
            fal__rep_stats(v, nv, &med, &lo, &hi);
            fal__free(m->ctx, v, (nv ? nv : 1) * sizeof *v);
            st = add_band_point(m->ctx, &pb, (double)next, med, lo, hi);
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
        p.xlabel = "depth L";
        p.ylabel = "test error (median over seeds)";
        p.xlog = p.ylog = 1;
        st = section_figure(m, s, &p, &pb, "test error against depth", "error-vs-depth",
                            "Each line holds k and the other options fixed; each point is the median test error "
                            "over the seeds (and the architectures) of that depth, the band their min..max; at "
                            "most 8 lines a panel.",
                            o);
    }
    plotbuf_free(m->ctx, &pb);
    return st;
}

/* Training curves, where runs carry them: the first seed of each cell. */
static fal_status plot_curves(model *m, const rsection *s, const secout *o)
{
    fal_status st = FAL_OK;
    size_t with_curve = 0;
    plotbuf pb;
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
            const char *nm = fal__sb_status(&lab) == FAL_OK ? fal__rep_arena_str(&m->a, lab.p) : "";
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
        p.xlabel = "step + 1";
        p.ylabel = "relative training error";
        p.xlog = p.ylog = 1;
        st = section_figure(m, s, &p, &pb, "training curves", "curves",
                            "Relative training error sum ||y - t||^2 / sum ||t||^2 against step (plotted at step "
                            "+ 1: step 0 is the start), recorded at steps 0, 1, 2, 4, 8, ... and the last step; "
                            "first seed of each cell.",
                            o);
    } else if (st == FAL_OK) {
        fal__sb_puts(o->h, "<p class=\"note\">Training curves: none stored (the runs of this section used no "
                           "iterative training algorithm, or were stored by a version that did not record "
                           "curves).</p>\n");
    }
    plotbuf_free(m->ctx, &pb);
    return st;
}

fal_status fal__rep_plot_section(model *m, const rsection *s, const char *dir, const char *slug, fal__sb *h,
                                 fal_report_summary *sum)
{
    const secout o = { dir, slug, h, sum };
    fal_status st = plot_vs_k(m, s, &o);
    if (st == FAL_OK) st = fal__rep_mlp_figures(m, s, dir, slug, h, sum); /* M1 only: mlp.c */
    if (st == FAL_OK) st = plot_vs_depth(m, s, &o);
    if (st == FAL_OK) st = plot_curves(m, s, &o);
    return st;
}
