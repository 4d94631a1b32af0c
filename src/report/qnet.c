/* qnet.c -- the report's Q1 section: the paper's "kn ~ log2 e", measured on
 * the quantized networks of doc/qnet.md, from the rows `fallacy sweep qnet`
 * stores (tools/qnet.c, cli_qnet_store):
 *   kind=curve    the Gibbs learner's exact expected error per k (the curve
 *                 column: [[k, error], ...]), log2 e in log2_classes, the
 *                 entropy H, n0, nL in extras;
 *   kind=classes  the rank-frequency of the class sizes (the curve column:
 *                 [[rank, size / settings], ...], the first and last rank
 *                 of each run of equal sizes).
 * The section: a table (log2 e, H, the half-error point k1/2 and k1/2 on the
 * three axes), the coefficient of variation of k1/2 on each axis per n0 (the
 * smaller, the better the axis collapses the curves: the paper's k n0 /
 * log2 e, the k / w it argues against, and k nL / H), the error against each
 * axis, and the rank-frequency on log-log axes.  Nothing is written when the
 * database holds no qnet row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_int.h"

typedef struct qrow {
    const char *label, *key;
    int curve;                 /* 1: a Gibbs curve; 0: a rank-frequency */
    uint64_t params;
    double n0, nL, log2e, H, classes, khalf;
    size_t off, n;             /* its points in qdata's xs, ys */
} qrow;

typedef struct qdata {
    fal_ctx *ctx;
    qrow *rows;
    size_t nrows, caprows;
    double *xs, *ys;
    size_t npts, capx, capy;
} qdata;

static void qdata_free(qdata *d)
{
    if (d->rows) fal__free(d->ctx, d->rows, d->caprows * sizeof *d->rows);
    if (d->xs) fal__free(d->ctx, d->xs, d->capx * sizeof *d->xs);
    if (d->ys) fal__free(d->ctx, d->ys, d->capy * sizeof *d->ys);
}

/* "[[a,b],[c,d],...]" into d's points (b may be null: NaN); the number of
 * points, or -1 when the text is not of that form. */
static long parse_pairs(qdata *d, const char *s, fal_status *st)
{
    long n = 0;
    const char *p = s;
    while (*p == ' ') p++;
    if (*p++ != '[') return -1;
    for (;;) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == ']') return n;
        if (*p++ != '[') return -1;
        char *end;
        double a = strtod(p, &end);
        if (end == p || *end != ',') return -1;
        p = end + 1;
        double b;
        if (!strncmp(p, "null", 4)) {
            b = NAN;
            p += 4;
        } else {
            b = strtod(p, &end);
            if (end == p) return -1;
            p = end;
        }
        if (*p++ != ']') return -1;
        *st = fal__rep_reserve(d->ctx, (void **)&d->xs, &d->capx, d->npts + 1, sizeof *d->xs);
        if (*st == FAL_OK) *st = fal__rep_reserve(d->ctx, (void **)&d->ys, &d->capy, d->npts + 1, sizeof *d->ys);
        if (*st != FAL_OK) return -1;
        d->xs[d->npts] = a;
        d->ys[d->npts] = b;
        d->npts++;
        n++;
    }
}

/* The widths written out ("2^2,1" of the store is "2,2,1"): runs of at
 * most 64 layers (qnet has at most 16), else the text as stored. */
static void widths_plain(fal__sb *b, const char *rle)
{
    size_t start = b->len;
    const char *p = rle;
    int first = 1;
    while (*p) {
        char *end;
        unsigned long w = strtoul(p, &end, 10), c = 1;
        if (end == p) break;
        if (*end == '^') c = strtoul(end + 1, &end, 10);
        if (c > 64) break;
        for (unsigned long i = 0; i < c; i++) {
            fal__sb_printf(b, first ? "%lu" : ",%lu", w);
            first = 0;
        }
        p = *end == ',' ? end + 1 : end;
        if (*end != ',' && *end) break;
    }
    if (*p) { /* not of the form: the text as stored */
        b->len = start;
        if (b->p) b->p[start] = '\0';
        fal__sb_puts(b, rle);
    }
}

/* "A(4,3,1) sign {-1,0,1}", plus the options that are not the defaults. */
static const char *row_label(model *m, fal__sb *tmp, const char *key, const char *widths)
{
    char act[16], wts[256], bias[8], inputs[8], teacher[32];
    fal_store_key_field(key, "act", act, sizeof act);
    fal_store_key_field(key, "weights", wts, sizeof wts);
    fal_store_key_field(key, "bias", bias, sizeof bias);
    fal_store_key_field(key, "inputs", inputs, sizeof inputs);
    int fixed = fal_store_key_field(key, "teacher", teacher, sizeof teacher) && strcmp(teacher, "uniform") != 0;
    fal__sb_reset(tmp);
    fal__sb_puts(tmp, "A(");
    widths_plain(tmp, widths);
    fal__sb_printf(tmp, ") %s {%s}", act, wts);
    if (!strcmp(bias, "off")) fal__sb_puts(tmp, " no bias");
    if (!strcmp(inputs, "01")) fal__sb_puts(tmp, " 01 inputs");
    if (fixed) fal__sb_printf(tmp, " teacher %s", teacher);
    if (fal__sb_status(tmp) != FAL_OK) return "";
    return fal__rep_arena_strn(&m->a, tmp->p, tmp->len);
}

static fal_status load(model *m, const char *db_path, qdata *d)
{
    fal_store *s = NULL;
    fal_store_iter *it = NULL;
    fal__sb tmp;
    fal__sb_init(&tmp, m->ctx);
    fal_status st = fal_store_open(m->ctx, db_path, FAL_STORE_READ, &s);
    if (st == FAL_OK) st = fal_store_iter_new(s, &it);
    while (st == FAL_OK) {
        fal_store_row r;
        int have;
        st = fal_store_iter_next(it, &r, &have);
        if (st != FAL_OK || !have) break;
        char kind[16];
        if (strcmp(r.family, "qnet") != 0 || !r.curve || !fal_store_key_field(r.key, "kind", kind, sizeof kind))
            continue;
        int curve = !strcmp(kind, "curve");
        if (!curve && strcmp(kind, "classes") != 0) continue;
        size_t off = d->npts;
        long n = parse_pairs(d, r.curve, &st);
        if (st != FAL_OK) break;
        if (n < 2) { /* not ours, or too short to draw: skipped */
            d->npts = off;
            continue;
        }
        st = fal__rep_reserve(m->ctx, (void **)&d->rows, &d->caprows, d->nrows + 1, sizeof *d->rows);
        if (st != FAL_OK) break;
        qrow *q = &d->rows[d->nrows++];
        memset(q, 0, sizeof *q);
        q->key = fal__rep_arena_str(&m->a, r.key);
        q->label = row_label(m, &tmp, r.key, r.widths);
        q->curve = curve;
        q->params = r.params;
        q->log2e = r.log2_classes;
        q->H = fal_store_extra(r.extras, "entropy");
        q->n0 = fal_store_extra(r.extras, "n0");
        q->nL = fal_store_extra(r.extras, "nL");
        q->classes = fal_store_extra(r.extras, "classes");
        q->off = off;
        q->n = (size_t)n;
        q->khalf = NAN;
        if (curve) {
            /* k1/2 from the stored curve (its points are k = 0, 1, ...) */
            int ks = 1;
            for (size_t i = 0; i < q->n; i++) ks &= d->xs[off + i] == (double)i;
            if (ks) q->khalf = fal_qnet_half_k(d->ys + off, q->n);
        }
        if (m->a.st != FAL_OK) st = m->a.st;
    }
    fal__sb_free(&tmp);
    fal_store_iter_free(it);
    fal_store_close(s);
    return st;
}

static void html_num(fal__sb *h, double v)
{
    if (!isfinite(v)) fal__sb_puts(h, "<td class=\"na\">-</td>");
    else fal__sb_printf(h, "<td>%.4g</td>", v);
}

static void csv_num(fal__sb *c, double v)
{
    fal__sb_putc(c, ',');
    fal__sb_num(c, v, "");
}

/* The three axes: the scale that multiplies k. */
enum { AX_LOG2E = 0, AX_W, AX_H, NAX };
static const char *const AX_NAME[NAX] = { "k n0 / log2 e", "k / w", "k nL / H" };
static const char *const AX_FILE[NAX] = { "Q1-collapse-log2e", "Q1-collapse-w", "Q1-collapse-entropy" };

static double axis_scale(const qrow *q, int ax)
{
    return ax == AX_LOG2E ? q->n0 / q->log2e : ax == AX_W ? 1.0 / (double)q->params : q->nL / q->H;
}

/* One figure: series built over d's rows (curve or rank ones), x scaled. */
static fal_status figure(model *m, const qdata *d, int curves, int ax, const char *dir, const char *file,
                         const char *title, const char *caption, fal__sb *h, fal_report_summary *sum)
{
    size_t ns = 0, np = 0;
    for (size_t i = 0; i < d->nrows; i++)
        if (d->rows[i].curve == curves) {
            ns++;
            np += d->rows[i].n;
        }
    fal_plot_series *se = fal__calloc(m->ctx, ns, sizeof *se, "report qnet series");
    double *x = se ? fal__alloc(m->ctx, np * sizeof *x, "report qnet points") : NULL;
    if (!x) {
        if (se) fal__free(m->ctx, se, ns * sizeof *se);
        return FAL_ENOMEM;
    }
    size_t j = 0, p = 0;
    for (size_t i = 0; i < d->nrows; i++) {
        const qrow *q = &d->rows[i];
        if (q->curve != curves) continue;
        double sc = curves ? axis_scale(q, ax) : 1.0;
        for (size_t t = 0; t < q->n; t++) x[p + t] = d->xs[q->off + t] * sc;
        se[j].name = q->label;
        se[j].x = x + p;
        se[j].y = d->ys + q->off;
        se[j].n = q->n;
        se[j].style = FAL_PLOT_LINE;
        p += q->n;
        j++;
    }
    fal_plot pl;
    fal_plot_init(&pl);
    pl.title = title;
    pl.xlabel = curves ? AX_NAME[ax] : "rank";
    pl.ylabel = curves ? "expected off-training error" : "class size / settings";
    pl.xlog = pl.ylog = !curves;
    if (curves) pl.ymin = 0;
    pl.series = se;
    pl.nseries = ns;
    fal__sb path;
    fal__sb_init(&path, m->ctx);
    fal__sb_printf(&path, "%s/%s.svg", dir, file);
    fal_status st = fal__sb_status(&path);
    if (st == FAL_OK) st = fal_plot_svg(m->ctx, &pl, path.p);
    fal__sb_reset(&path);
    fal__sb_printf(&path, "%s/%s.csv", dir, file);
    if (st == FAL_OK) st = fal__sb_status(&path);
    if (st == FAL_OK) st = fal_plot_csv(m->ctx, &pl, path.p);
    fal__sb_free(&path);
    if (st == FAL_OK) sum->plots++;
    fal__sb_printf(h, "<figure><img src=\"%s.svg\" width=\"760\" height=\"440\" alt=\"", file);
    fal__sb_xml(h, title);
    fal__sb_puts(h, "\"/><figcaption>");
    fal__sb_xml(h, caption);
    fal__sb_printf(h, " <a href=\"%s.csv\">The plotted numbers (CSV).</a></figcaption></figure>\n", file);
    fal__free(m->ctx, x, np * sizeof *x);
    fal__free(m->ctx, se, ns * sizeof *se);
    return st;
}

/* The coefficient of variation of k1/2 on each axis over the curves with
 * this n0; the number of curves with a k1/2 into *count. */
static void collapse_cv(model *m, const qdata *d, double n0, double cv[NAX], size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < d->nrows; i++) n += d->rows[i].curve && d->rows[i].n0 == n0;
    double *kh = fal__alloc(m->ctx, (n ? n : 1) * (NAX + 1) * sizeof *kh, "report qnet");
    for (int a = 0; a < NAX; a++) cv[a] = NAN;
    *count = 0;
    if (!kh) return;
    size_t j = 0;
    for (size_t i = 0; i < d->nrows; i++) {
        const qrow *q = &d->rows[i];
        if (!q->curve || q->n0 != n0) continue;
        kh[j] = q->khalf;
        for (int a = 0; a < NAX; a++) kh[n * (size_t)(a + 1) + j] = axis_scale(q, a);
        if (isfinite(q->khalf)) (*count)++;
        j++;
    }
    for (int a = 0; a < NAX; a++) cv[a] = fal_qnet_collapse_cv(kh, kh + n * (size_t)(a + 1), n);
    fal__free(m->ctx, kh, (n ? n : 1) * (NAX + 1) * sizeof *kh);
}

fal_status fal__rep_qnet(model *m, const char *db_path, const char *dir, fal__sb *h, fal_report_summary *sum)
{
    qdata d;
    memset(&d, 0, sizeof d);
    d.ctx = m->ctx;
    fal_status st = load(m, db_path, &d);
    size_t ncurves = 0, nranks = 0;
    for (size_t i = 0; i < d.nrows; i++) {
        ncurves += d.rows[i].curve != 0;
        nranks += d.rows[i].curve == 0;
    }
    if (st != FAL_OK || d.nrows == 0) {
        qdata_free(&d);
        return st;
    }
    sum->sections++;
    sum->unjudged++; /* measured, not judged against a prediction */
    fal__sb_puts(h, "<section id=\"Q1\">\n<h2>Q1 qnet: is k n &#8776; log<sub>2</sub> e where learning happens?</h2>\n"
                    "<p class=\"claim\"><em>Claim.</em> The paper's Discussion: &#8220;the important question is "
                    "not whether k &#8776; w but whether kn &#8776; log<sub>2</sub> e&#8221;, e the number of "
                    "functions (classes of settings) of a network with quantized weights. Measured here with the "
                    "exact expected off-training error of the Gibbs learner of the class structure (a uniform "
                    "setting consistent with k examples of a teacher drawn as a uniform setting; doc/qnet.md), "
                    "for every k. k<sub>1/2</sub> is the k at which the error falls to half its k = 0 value; an "
                    "axis collapses the curves when k<sub>1/2</sub> on it is the same for every net, so the "
                    "smaller its coefficient of variation (CV), the better the axis.</p>\n");
    if (ncurves) {
        fal__sb csv;
        fal__sb_init(&csv, m->ctx);
        fal__sb_puts(&csv, "architecture,n0,nL,w,classes,log2_classes,entropy,error_k0,k_half,k_half_n0_over_log2e,"
                           "k_half_over_w,k_half_nL_over_entropy,key\n");
        fal__sb_puts(h, "<table><thead><tr><th class=\"text\">net</th><th>w</th><th>e</th><th>log2 e</th>"
                        "<th>entropy H</th><th>error at k = 0</th><th>k<sub>1/2</sub></th>"
                        "<th>k<sub>1/2</sub> n0 / log2 e</th><th>k<sub>1/2</sub> / w</th>"
                        "<th>k<sub>1/2</sub> nL / H</th></tr></thead><tbody>\n");
        for (size_t i = 0; i < d.nrows; i++) {
            const qrow *q = &d.rows[i];
            if (!q->curve) continue;
            double e0 = d.ys[q->off];
            fal__sb_puts(h, "<tr><td class=\"text\">");
            fal__sb_xml(h, q->label);
            fal__sb_printf(h, "</td><td>%llu</td>", (unsigned long long)q->params);
            if (isfinite(q->classes)) fal__sb_printf(h, "<td>%.0f</td>", q->classes);
            else html_num(h, q->classes);
            html_num(h, q->log2e);
            html_num(h, q->H);
            html_num(h, e0);
            html_num(h, q->khalf);
            for (int a = 0; a < NAX; a++) html_num(h, q->khalf * axis_scale(q, a));
            fal__sb_puts(h, "</tr>\n");
            fal__sb_csv(&csv, q->label);
            csv_num(&csv, q->n0);
            csv_num(&csv, q->nL);
            csv_num(&csv, (double)q->params);
            csv_num(&csv, q->classes);
            csv_num(&csv, q->log2e);
            csv_num(&csv, q->H);
            csv_num(&csv, e0);
            csv_num(&csv, q->khalf);
            for (int a = 0; a < NAX; a++) csv_num(&csv, q->khalf * axis_scale(q, a));
            fal__sb_putc(&csv, ',');
            fal__sb_csv(&csv, q->key);
            fal__sb_putc(&csv, '\n');
        }
        fal__sb_puts(h, "</tbody></table>\n");
        fal__sb path;
        fal__sb_init(&path, m->ctx);
        fal__sb_printf(&path, "%s/Q1-table.csv", dir);
        st = fal__sb_status(&path);
        if (st == FAL_OK) st = fal__sb_status(&csv);
        if (st == FAL_OK) st = fal__sb_write_file(&csv, path.p);
        fal__sb_free(&path);
        fal__sb_free(&csv);
        /* the CV per n0 (ascending), and which axis collapses best */
        double done = -1;
        fal__sb_puts(h, "<p class=\"verdict na\"><strong>Measured.</strong> ");
        for (;;) {
            double n0 = INFINITY;
            for (size_t i = 0; i < d.nrows; i++)
                if (d.rows[i].curve && d.rows[i].n0 > done && d.rows[i].n0 < n0) n0 = d.rows[i].n0;
            if (!isfinite(n0)) break;
            done = n0;
            double cv[NAX];
            size_t cnt;
            collapse_cv(m, &d, n0, cv, &cnt);
            fal__sb_printf(h, "n0 = %g: %zu net%s with a k<sub>1/2</sub>", n0, cnt, cnt == 1 ? "" : "s");
            if (cnt < 2 || isnan(cv[0])) {
                fal__sb_puts(h, " (two are needed to compare the axes). ");
                continue;
            }
            int best = 0;
            for (int a = 1; a < NAX; a++)
                if (cv[a] < cv[best]) best = a;
            fal__sb_puts(h, "; CV of k<sub>1/2</sub> on ");
            for (int a = 0; a < NAX; a++) fal__sb_printf(h, "%s%s: %.3f", a ? ", " : "", AX_NAME[a], cv[a]);
            fal__sb_printf(h, ". The curves collapse best on <strong>%s</strong>%s. ", AX_NAME[best],
                           best == AX_LOG2E ? " (the paper's axis)" : "");
        }
        fal__sb_puts(h, "</p>\n");
        for (int a = 0; a < NAX && st == FAL_OK; a++) {
            char title[96], cap[512];
            snprintf(title, sizeof title, "Q1 qnet: expected error against %s", AX_NAME[a]);
            snprintf(cap, sizeof cap,
                     "The Gibbs learner's exact expected error on the unseen inputs against %s, one line per net "
                     "(k = 0 .. 2^n0 - 1). %s",
                     AX_NAME[a],
                     a == AX_LOG2E ? "The paper's axis: curves that collapse here would make k n0 = log2 e the point "
                                     "where learning happens."
                     : a == AX_W   ? "The axis the paper argues against (one example per parameter)."
                                   : "Target bits against the entropy of the class sizes (the teacher is drawn from "
                                     "them): the axis the table's CV compares with the other two.");
            st = figure(m, &d, 1, a, dir, AX_FILE[a], title, cap, h, sum);
        }
    }
    if (nranks && st == FAL_OK)
        st = figure(m, &d, 0, 0, dir, "Q1-rank", "Q1 qnet: class size against rank (log-log)",
                    "The classes of each enumerated net sorted by size, largest first: the fraction of all settings "
                    "in the class at each rank (a step function; drawn through the first and last rank of each run "
                    "of equal sizes).",
                    h, sum);
    fal__sb_puts(h, "</section>\n");
    qdata_free(&d);
    return st;
}
