/* centres.c -- the parameters' picture of the Hamming clustering families
 * (bool-ae, threshold-ae) on real data: the learned centres as bit rows.
 *
 * What these families learn is a set of c centres in {0,1}^n (doc/bool-ae.md:
 * the network encodes a row to its nearest centre and decodes the code to
 * the centre), so the centres are the parameters up to the free table
 * entries.  The store keeps them per run (its centres column, written by
 * `fallacy sweep`: include/fallacy/store.h); this file draws, for each
 * configuration of these families on a data set, the centres of one
 * representative run:
 *
 *   the largest k of the configuration; among its seeds with stored
 *   centres, the one whose training error is the median (the lower middle
 *   one for an even count; equal errors ordered by seed).
 *
 * One SVG per data set (data-<i>-centres.svg, a panel per configuration,
 * one row per centre, one cell per bit, black = 1), the same bits as text
 * in the page and in data-<i>-centres.csv, and how far the other seeds'
 * centres are from the representative's:
 *
 *   D = min over one-to-one matchings of the two sets of the summed
 *       Hamming distances, a centre left unmatched (sets of different
 *       sizes) counting n bits,
 *
 * found by the Hungarian method (exact), shown with D / (max(c, c') n). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_int.h"

#define MAX_PANELS 8       /* configurations drawn per data set (the others are named) */
#define MAX_DRAWN 256      /* centres drawn per panel (all are in the text and CSV) */
#define MAX_MATCH 512      /* seeds' distances computed up to this many centres */

/* ---- the stored text: {"n":N,"centres":["0110",..],"train_rows":[..]} ---- */

typedef struct centre_set {
    size_t n, c;
    const char *bits;   /* c strings of n characters '0'/'1', back to back */
    double *rows;       /* c training-row counts */
} centre_set;

static void set_free(fal_ctx *ctx, centre_set *s)
{
    if (s->bits) fal__free(ctx, (void *)s->bits, s->c * s->n + 1);
    if (s->rows) fal__free(ctx, s->rows, (s->c ? s->c : 1) * sizeof *s->rows);
    memset(s, 0, sizeof *s);
}

/* Parse the column's text; 0 when it is not what the store writes. */
static int set_parse(fal_ctx *ctx, const char *t, centre_set *s)
{
    memset(s, 0, sizeof *s);
    const char *p = t ? strstr(t, "\"n\":") : NULL;
    if (!p) return 0;
    char *e;
    unsigned long long n = strtoull(p + 4, &e, 10);
    const char *q = strstr(e, "\"centres\":[");
    const char *r = q ? strstr(q, "\"train_rows\":[") : NULL;
    if (!n || n > 64 || !q || !r) return 0;
    q += 11;
    size_t c = 0;
    for (const char *x = q; x < r && *x != ']'; x++) c += *x == '"';
    if (c % 2) return 0;
    c /= 2;
    s->n = (size_t)n;
    s->c = c;
    char *bits = fal__alloc(ctx, c * s->n + 1, "centres");
    s->rows = fal__calloc(ctx, c ? c : 1, sizeof *s->rows, "centres");
    s->bits = bits;
    if (!bits || !s->rows) {
        set_free(ctx, s);
        return 0;
    }
    for (size_t j = 0; j < c; j++) {
        if (*q == ',') q++;
        if (*q != '"' || strspn(q + 1, "01") != s->n || q[1 + s->n] != '"') {
            set_free(ctx, s);
            return 0;
        }
        memcpy(bits + j * s->n, q + 1, s->n);
        q += s->n + 2;
    }
    bits[c * s->n] = '\0';
    r += 14;
    for (size_t j = 0; j < c; j++) {
        if (j && *r++ != ',') break;
        s->rows[j] = strtod(r, &e);
        if (e == r) break;
        r = e;
    }
    if (*r != ']') {
        set_free(ctx, s);
        return 0;
    }
    return 1;
}

static unsigned hamming(const char *a, const char *b, size_t n)
{
    unsigned d = 0;
    for (size_t i = 0; i < n; i++) d += a[i] != b[i];
    return d;
}

/* D of the header comment: the Hungarian method (potentials, O(N^3)) on the
 * N x N costs, N = max(c, c'), padded with n for the unmatched.  -1 when
 * out of memory. */
static long long matched_distance(fal_ctx *ctx, const centre_set *a, const centre_set *b)
{
    size_t N = a->c > b->c ? a->c : b->c, n = a->n;
    if (!N) return 0;
    size_t cells = (N + 1) * 4;
    long long *u = fal__calloc(ctx, cells, sizeof *u, "centre matching");
    if (!u) return -1;
    long long *v = u + N + 1, *minv = v + N + 1;
    size_t *pm = fal__calloc(ctx, 2 * (N + 1), sizeof *pm, "centre matching");
    if (!pm) {
        fal__free(ctx, u, cells * sizeof *u);
        return -1;
    }
    size_t *way = pm + N + 1;
    char *used = (char *)(minv + N + 1); /* the fourth block, N + 1 bytes of it */
#define COST(i, j) ((i) <= a->c && (j) <= b->c ? (long long)hamming(a->bits + ((i) - 1) * n, b->bits + ((j) - 1) * n, n) \
                                               : (long long)n)
    for (size_t i = 1; i <= N; i++) {
        pm[0] = i;
        size_t j0 = 0;
        for (size_t j = 0; j <= N; j++) minv[j] = LLONG_MAX, used[j] = 0;
        do {
            used[j0] = 1;
            size_t i0 = pm[j0], j1 = 0;
            long long delta = LLONG_MAX;
            for (size_t j = 1; j <= N; j++) {
                if (used[j]) continue;
                long long cur = COST(i0, j) - u[i0] - v[j];
                if (cur < minv[j]) minv[j] = cur, way[j] = j0;
                if (minv[j] < delta) delta = minv[j], j1 = j;
            }
            for (size_t j = 0; j <= N; j++) {
                if (used[j]) u[pm[j]] += delta, v[j] -= delta;
                else minv[j] -= delta;
            }
            j0 = j1;
        } while (pm[j0] != 0);
        do {
            size_t j1 = way[j0];
            pm[j0] = pm[j1];
            j0 = j1;
        } while (j0);
    }
    long long total = 0;
    for (size_t j = 1; j <= N; j++) total += COST(pm[j], j);
#undef COST
    fal__free(ctx, pm, 2 * (N + 1) * sizeof *pm);
    fal__free(ctx, u, cells * sizeof *u);
    return total;
}

/* ---- the representative run of a configuration ----------------------------- */

static int is_clustering(const rgroup *g)
{
    return !strcmp(g->family, "bool-ae") || !strcmp(g->family, "threshold-ae");
}

/* A seed's place in the order of the representative: training error, then seed. */
typedef struct ranked {
    double train;
    uint64_t seed;
    size_t row;
} ranked;

static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->train != b->train) return a->train < b->train ? -1 : 1;
    return a->seed < b->seed ? -1 : a->seed > b->seed;
}

typedef struct panel {
    const rgroup *g;
    const rcell *c;          /* the largest k */
    size_t rep;              /* the representative row, SIZE_MAX: none with centres */
    size_t seeds, with;      /* seeds at that k, those with centres */
    centre_set set;
} panel;

/* The largest-k cell of g and its representative row. */
static fal_status choose(model *m, const rgroup *g, panel *p)
{
    memset(p, 0, sizeof *p);
    p->g = g;
    p->rep = SIZE_MAX;
    for (size_t ci = g->first; ci < g->first + g->ncells; ci++)
        if (!p->c || m->cells[ci].k > p->c->k) p->c = &m->cells[ci];
    if (!p->c) return FAL_OK;
    p->seeds = p->c->n;
    ranked *idx = fal__calloc(m->ctx, p->c->n ? p->c->n : 1, sizeof *idx, "representative run");
    if (!idx) return FAL_ENOMEM;
    for (size_t i = 0; i < p->c->n; i++) {
        const rrow *r = &m->rows[p->c->first + i];
        if (!r->centres) continue;
        idx[p->with++] = (ranked){ isnan(r->train) ? INFINITY : r->train, r->seed, p->c->first + i };
    }
    if (p->with) {
        qsort(idx, p->with, sizeof *idx, cmp_ranked);
        p->rep = idx[(p->with - 1) / 2].row;
        if (!set_parse(m->ctx, m->rows[p->rep].centres, &p->set)) p->rep = SIZE_MAX;
    }
    fal__free(m->ctx, idx, (p->c->n ? p->c->n : 1) * sizeof *idx);
    return FAL_OK;
}

/* ---- the SVG ------------------------------------------------------------------ */

#define SVG_W 760
#define LEFT 64.0

static double cell_px(size_t n)
{
    double s = floor(560.0 / (double)n);
    return s < 5 ? 5 : s > 16 ? 16 : s;
}

static void panel_title(fal__sb *b, const model *m, const panel *p)
{
    const rrow *r = &m->rows[p->rep];
    fal__sb_xml(b, p->g->cat);
    fal__sb_putc(b, ' ');
    fal__sb_xml(b, p->g->label);
    fal__sb_printf(b, ", k = %llu, seed %llu (median training error of %zu seed%s)", (unsigned long long)p->c->k,
                   (unsigned long long)r->seed, p->with, p->with == 1 ? "" : "s");
}

static fal_status write_svg(model *m, panel *ps, size_t np, const char *path, const char *title)
{
    fal__sb b;
    fal__sb_init(&b, m->ctx);
    double height = 40;
    for (size_t i = 0; i < np; i++) {
        if (ps[i].rep == SIZE_MAX) continue;
        size_t shown = ps[i].set.c < MAX_DRAWN ? ps[i].set.c : MAX_DRAWN;
        height += 44 + (double)shown * cell_px(ps[i].set.n) + (ps[i].set.c > shown ? 16 : 0) + 16;
    }
    fal__sb_printf(&b,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
                   "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n<title>",
                   SVG_W, height, SVG_W, height);
    fal__sb_xml(&b, title);
    fal__sb_puts(&b, "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    fal__sb_printf(&b, "<text x=\"%.2f\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">",
                   SVG_W / 2.0);
    fal__sb_xml(&b, title);
    fal__sb_puts(&b, "</text>\n");
    double y = 40;
    for (size_t i = 0; i < np; i++) {
        const panel *p = &ps[i];
        if (p->rep == SIZE_MAX) continue;
        size_t n = p->set.n, shown = p->set.c < MAX_DRAWN ? p->set.c : MAX_DRAWN;
        double s = cell_px(n), fs = s < 11 ? s : 11, right = LEFT + (double)n * s;
        fal__sb_printf(&b, "<g class=\"panel\" data-panel=\"%zu\">\n<text x=\"%.2f\" y=\"%.2f\" font-weight=\"bold\">",
                       i + 1, 8.0, y + 16);
        panel_title(&b, m, p);
        fal__sb_printf(&b, "</text>\n<text x=\"%.2f\" y=\"%.2f\" fill=\"#444\">centre</text>"
                           "<text x=\"%.2f\" y=\"%.2f\" fill=\"#444\">training rows</text>\n",
                       8.0, y + 38, right + 8, y + 38);
        /* the bit index above every 8th column (and the last) */
        for (size_t col = 0; col < n; col++)
            if (col % 8 == 0 || col == n - 1)
                fal__sb_printf(&b, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"9\" text-anchor=\"middle\" fill=\"#444\">"
                                   "%zu</text>\n",
                               LEFT + ((double)col + 0.5) * s, y + 38, col);
        y += 44;
        for (size_t j = 0; j < shown; j++, y += s) {
            fal__sb_printf(&b, "<g class=\"centre\" data-centre=\"%zu\">"
                               "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.0f\" text-anchor=\"end\">%zu</text>",
                           j, LEFT - 6, y + s * 0.5 + fs * 0.35, fs, j);
            for (size_t col = 0; col < n; col++)
                fal__sb_printf(&b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>",
                               LEFT + (double)col * s, y, s, s, p->set.bits[j * n + col] == '1' ? "#000" : "#fff");
            fal__sb_printf(&b, "<text class=\"rows\" x=\"%.2f\" y=\"%.2f\" font-size=\"%.0f\">%.0f</text></g>\n",
                           right + 8, y + s * 0.5 + fs * 0.35, fs, p->set.rows[j]);
        }
        /* the grid lines over the cells, one path */
        double top = y - (double)shown * s;
        fal__sb_puts(&b, "<path fill=\"none\" stroke=\"#999\" stroke-width=\"0.5\" d=\"");
        for (size_t j = 0; j <= shown; j++)
            fal__sb_printf(&b, "M%.2f %.2fH%.2f", LEFT, top + (double)j * s, right);
        for (size_t col = 0; col <= n; col++)
            fal__sb_printf(&b, "M%.2f %.2fV%.2f", LEFT + (double)col * s, top, y);
        fal__sb_puts(&b, "\"/>\n");
        if (p->set.c > shown) {
            fal__sb_printf(&b, "<text x=\"%.2f\" y=\"%.2f\" fill=\"#444\">the first %d of %zu centres (all in the CSV)"
                               "</text>\n",
                           LEFT, y + 12, MAX_DRAWN, p->set.c);
            y += 16;
        }
        fal__sb_puts(&b, "</g>\n");
        y += 16;
    }
    fal__sb_puts(&b, "</svg>\n");
    fal_status st = fal__sb_write_file(&b, path);
    fal__sb_free(&b);
    return st;
}

/* ---- the page: the figure, the text alternative, the seeds' distances ------ */

/* The bits as text, the rows per centre, and each other seed's distance. */
static fal_status panel_text(model *m, const panel *p, fal__sb *h, fal__sb *csv)
{
    const rrow *r = &m->rows[p->rep];
    size_t n = p->set.n;
    fal__sb_puts(h, "<details><summary>");
    panel_title(h, m, p);
    fal__sb_printf(h, ": %zu centres of %zu bits as text</summary>\n<table><thead><tr><th>centre</th>"
                      "<th class=\"text\">bits 0..%zu (1 = black)</th><th>training rows</th></tr></thead><tbody>\n",
                   p->set.c, n, n - 1);
    for (size_t j = 0; j < p->set.c; j++) {
        fal__sb_printf(h, "<tr><td>%zu</td><td class=\"text\"><code>%.*s</code></td><td>%.0f</td></tr>\n", j, (int)n,
                       p->set.bits + j * n, p->set.rows[j]);
        fal__sb_csv(csv, p->g->cat);
        fal__sb_putc(csv, ',');
        fal__sb_csv(csv, p->g->family);
        fal__sb_putc(csv, ',');
        fal__sb_csv(csv, p->g->label);
        fal__sb_printf(csv, ",%llu,%llu,%zu,%.*s,%.0f\n", (unsigned long long)p->c->k, (unsigned long long)r->seed, j,
                       (int)n, p->set.bits + j * n, p->set.rows[j]);
    }
    fal__sb_puts(h, "</tbody></table></details>\n");
    if (p->with < 2) return FAL_OK;
    fal__sb_printf(h, "<table class=\"centre-distance\"><caption>How far the other seeds' centres are from seed %llu's "
                      "(k = %llu): the least total Hamming distance over one-to-one matchings of the two sets</caption>"
                      "<thead><tr><th>seed</th><th>centres</th><th>matched distance (bits)</th>"
                      "<th>of the bits</th></tr></thead><tbody>\n",
                   (unsigned long long)r->seed, (unsigned long long)p->c->k);
    for (size_t i = 0; i < p->c->n; i++) {
        const rrow *o = &m->rows[p->c->first + i];
        if (o == r || !o->centres) continue;
        centre_set t;
        if (!set_parse(m->ctx, o->centres, &t) || t.n != n) {
            fal__sb_printf(h, "<tr><td>%llu</td><td class=\"na\" colspan=\"3\">unreadable</td></tr>\n",
                           (unsigned long long)o->seed);
            set_free(m->ctx, &t);
            continue;
        }
        size_t N = t.c > p->set.c ? t.c : p->set.c;
        if (N > MAX_MATCH) {
            fal__sb_printf(h, "<tr><td>%llu</td><td>%zu</td><td class=\"na\" colspan=\"2\">not computed above %d "
                              "centres</td></tr>\n",
                           (unsigned long long)o->seed, t.c, MAX_MATCH);
        } else {
            long long d = matched_distance(m->ctx, &p->set, &t);
            if (d < 0) {
                set_free(m->ctx, &t);
                return FAL_ENOMEM;
            }
            fal__sb_printf(h, "<tr><td>%llu</td><td>%zu</td><td class=\"centre-d\">%lld</td><td>%.3g</td></tr>\n",
                           (unsigned long long)o->seed, t.c, d, (double)d / ((double)N * (double)n));
        }
        set_free(m->ctx, &t);
    }
    fal__sb_puts(h, "</tbody></table>\n");
    return FAL_OK;
}

fal_status fal__rep_centres(model *m, const char *id, size_t index, const char *dir, fal__sb *h,
                            fal_report_summary *sum)
{
    panel ps[MAX_PANELS];
    size_t np = 0, more = 0, drawn = 0;
    fal_status st = FAL_OK;
    for (size_t gi = 0; gi < m->ngroups && st == FAL_OK; gi++) {
        const rgroup *g = &m->groups[gi];
        if (!fal__rep_group_on(g, id) || !is_clustering(g)) continue;
        if (np == MAX_PANELS) {
            more++;
            continue;
        }
        st = choose(m, g, &ps[np]);
        drawn += ps[np].rep != SIZE_MAX;
        np++;
    }
    if (st != FAL_OK || !np) goto done;
    fal__sb_printf(h, "<h3 id=\"data-%zu-centres\">The learned centres</h3>\n<p>bool-ae and threshold-ae learn c "
                      "centres in {0,1}<sup>n</sup>: a row is encoded to its nearest centre and decoded to it, so the "
                      "centres are the parameters (up to the free table entries). For each configuration, one run: "
                      "at its largest k, the seed whose training error is the median of the seeds with stored "
                      "centres (the lower middle one for an even count; equal errors by seed). One row per centre, "
                      "one cell per bit (bit i = data column i, black = 1; row j = row j of <code>--save</code>'s "
                      "<code>centres</code>); on the right, the training rows whose nearest centre it is.</p>\n",
                   index);
    char name[64], title[160];
    snprintf(name, sizeof name, "data-%zu-centres", index);
    snprintf(title, sizeof title, "Data set %zu: the learned centres (bit rows, black = 1)", index);
    if (drawn) {
        fal__sb path, csv;
        fal__sb_init(&path, m->ctx);
        fal__sb_init(&csv, m->ctx);
        fal__sb_printf(&path, "%s/%s.svg", dir, name);
        st = fal__sb_status(&path);
        if (st == FAL_OK) st = write_svg(m, ps, np, path.p, title);
        if (st == FAL_OK) {
            sum->plots++;
            fal__sb_printf(h, "<figure><img src=\"%s.svg\" width=\"760\" alt=\"", name);
            fal__sb_xml(h, title);
            fal__sb_puts(h, "; the same bits are in the tables below\"/><figcaption>");
            fal__sb_xml(h, title);
            fal__sb_printf(h, ". <a href=\"%s.csv\">The bits (CSV).</a></figcaption></figure>\n", name);
        }
        fal__sb_puts(&csv, "id,family,architecture,k,seed,centre,bits,train_rows\n");
        for (size_t i = 0; i < np && st == FAL_OK; i++)
            if (ps[i].rep != SIZE_MAX) st = panel_text(m, &ps[i], h, &csv);
        fal__sb_reset(&path);
        fal__sb_printf(&path, "%s/%s.csv", dir, name);
        if (st == FAL_OK) st = fal__sb_status(&path);
        if (st == FAL_OK) st = fal__sb_status(&csv);
        if (st == FAL_OK) st = fal__sb_write_file(&csv, path.p);
        fal__sb_free(&csv);
        fal__sb_free(&path);
    }
    for (size_t i = 0; i < np; i++) {
        if (ps[i].rep != SIZE_MAX) continue;
        fal__sb_puts(h, "<p class=\"note centres-missing\">");
        fal__sb_xml(h, ps[i].g->cat);
        fal__sb_putc(h, ' ');
        fal__sb_xml(h, ps[i].g->label);
        fal__sb_puts(h, ": no picture of the centres: ");
        if (ps[i].with)
            fal__sb_puts(h, "the stored centres of the representative run are unreadable.");
        else
            fal__sb_puts(h, "none of its runs has stored centres (a database written before the store's centres "
                            "column, or runs stored by <code>fallacy demo</code>; <code>fallacy sweep</code> stores "
                            "them: sweep into a new database to see them).");
        fal__sb_puts(h, "</p>\n");
    }
    if (more)
        fal__sb_printf(h, "<p class=\"note\">%zu more configuration%s of these families on this data set %s not "
                          "drawn (at most %d).</p>\n",
                       more, more == 1 ? "" : "s", more == 1 ? "is" : "are", MAX_PANELS);
done:
    for (size_t i = 0; i < np; i++) set_free(m->ctx, &ps[i].set);
    return st;
}
