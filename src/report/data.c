/* data.c -- the report's sections for runs on real data (--data), and the
 * seed statistics (median, min, max) the figures use.
 *
 * A run on --data has no teacher: nothing predicts its test error, so no
 * verdict is drawn for it (model.c leaves its cells unjudged).  What a
 * reader needs instead is which data it was -- the file's name as given,
 * its shape, size and SHA-256, from the run's provenance (the store's
 * config column) -- and how far each run is from the best any parameters
 * of the family reach on those rows: the run's optimum_error where the
 * family knows it (linear-ae: the PCA projection; bool-ae: the optimal
 * Hamming clustering; linear: least squares), and the gap
 *
 *   gap = (train error - optimum) / optimum     (train - optimum when optimum = 0)
 *
 * of each seed.  Every figure over seeds is the median with the min..max
 * band (a figure with one seed has a band of zero width), never the worst
 * alone: the spread is the point of several seeds.
 *
 * One section per data set, in the order of the data field of the keys
 * ("data=fnv1a:<hash>:<rows>x<cols>": one data set is one table's
 * contents, whatever file it came from); files DATA-<i>-*. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_int.h"

/* ---- seed statistics ----------------------------------------------------- */

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

void fal__rep_stats(double *v, size_t n, double *med, double *lo, double *hi)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) v[k++] = v[i];
    *med = *lo = *hi = NAN;
    if (!k) return;
    qsort(v, k, sizeof *v, cmp_double);
    *lo = v[0];
    *hi = v[k - 1];
    *med = k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

/* One figure of a row: the test or training error, or the gap. */
static double row_value(const rrow *r, int what)
{
    switch (what) {
    case REP_TEST: return r->test;
    case REP_TRAIN: return r->train;
    case REP_OPT: return r->opt;
    case REP_SIN: return fal_store_extra(r->extras, "max_sin_angle");
    default:
        if (isnan(r->train) || isnan(r->opt)) return NAN;
        return r->opt > 0 ? (r->train - r->opt) / r->opt : r->train - r->opt;
    }
}

fal_status fal__rep_cell_stats(const model *m, const rcell *c, int what, double *med, double *lo, double *hi)
{
    double small[64], *v = small;
    if (c->n > 64 && !(v = fal__calloc(m->ctx, c->n, sizeof *v, "seed statistics"))) return FAL_ENOMEM;
    for (size_t i = 0; i < c->n; i++) v[i] = row_value(&m->rows[c->first + i], what);
    fal__rep_stats(v, c->n, med, lo, hi);
    if (v != small) fal__free(m->ctx, v, c->n * sizeof *v);
    return FAL_OK;
}

/* ---- the provenance of a run (the store's config column) ------------------ */

/* A JSON string at p (its opening quote) into buf, escapes undone (the
 * writer's: \" \\ \/ and \u00XX); returns past it, or NULL. */
static const char *json_string(const char *p, char *buf, size_t cap)
{
    if (*p != '"') return NULL;
    size_t n = 0;
    for (p++; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
            c = *++p;
            if (c == 'u') {
                unsigned u = 0;
                for (int i = 1; i <= 4; i++) {
                    char h = p[i];
                    unsigned d = h >= '0' && h <= '9' ? (unsigned)(h - '0')
                                 : h >= 'a' && h <= 'f' ? (unsigned)(h - 'a' + 10)
                                 : h >= 'A' && h <= 'F' ? (unsigned)(h - 'A' + 10)
                                                        : 16u;
                    if (d > 15) return NULL;
                    u = u * 16 + d;
                }
                p += 4;
                c = u < 0x80 ? (char)u : '?';
            } else if (!c) {
                return NULL;
            }
        }
        if (n + 1 < cap) buf[n++] = c;
    }
    if (*p != '"') return NULL;
    if (cap) buf[n] = '\0';
    return p + 1;
}

/* The member name of the flat object "data":{...} of a provenance text into
 * buf (a string unquoted, a number or null as written); 1 if found. */
static int data_member(const char *json, const char *name, char *buf, size_t cap)
{
    if (cap) buf[0] = '\0';
    const char *p = json ? strstr(json, "\"data\":{") : NULL;
    if (!p) return 0;
    p += 8;
    char key[32];
    while (*p && *p != '}') {
        p = json_string(p, key, sizeof key);
        if (!p || *p != ':') return 0;
        p++;
        int match = strcmp(key, name) == 0;
        if (*p == '"') {
            char tmp[8];
            p = match ? json_string(p, buf, cap) : json_string(p, tmp, 0);
            if (!p) return 0;
        } else {
            const char *e = p;
            while (*e && *e != ',' && *e != '}') e++;
            if (match) snprintf(buf, cap, "%.*s", (int)(e - p), p);
            p = e;
        }
        if (match) return 1;
        if (*p == ',') p++;
    }
    return 0;
}

/* ---- the data sets ---------------------------------------------------------- */

#define MAX_NAMES 4

typedef struct dataset {
    const char *id;            /* the key's data field */
    const char *names[MAX_NAMES]; /* the file names the runs give (as given) */
    size_t nnames, more_names;
    const char *sha, *bytes;   /* of the first run with provenance */
    size_t runs, with_prov;
} dataset;

/* The data field of a key into buf; 0 for a teacher run. */
static int data_id(const char *key, char *buf, size_t cap)
{
    return fal_store_key_field(key, "data", buf, cap) && strcmp(buf, "none") != 0;
}

/* The data sets of the database, sorted by id. */
static fal_status find_datasets(model *m, dataset **out, size_t *nout, size_t *capout)
{
    dataset *d = NULL;
    size_t n = 0, cap = 0;
    fal_status st = FAL_OK;
    for (size_t ri = 0; ri < m->nrows && st == FAL_OK; ri++) {
        const rrow *r = &m->rows[ri];
        char id[128];
        if (!data_id(r->key, id, sizeof id)) continue;
        size_t j = 0;
        while (j < n && strcmp(d[j].id, id) != 0) j++;
        if (j == n) {
            st = fal__rep_reserve(m->ctx, (void **)&d, &cap, n + 1, sizeof *d);
            if (st != FAL_OK) break;
            memset(&d[n], 0, sizeof d[n]);
            d[n].id = fal__rep_arena_str(&m->a, id);
            /* sorted insert */
            dataset t = d[n];
            j = n;
            while (j > 0 && strcmp(d[j - 1].id, t.id) > 0) {
                d[j] = d[j - 1];
                j--;
            }
            d[j] = t;
            n++;
        }
        dataset *x = &d[j];
        x->runs++;
        char path[1024], sha[80], bytes[32];
        if (!r->config || !data_member(r->config, "sha256", sha, sizeof sha)) continue;
        x->with_prov++;
        if (!x->sha) {
            x->sha = fal__rep_arena_str(&m->a, sha);
            data_member(r->config, "bytes", bytes, sizeof bytes);
            x->bytes = fal__rep_arena_str(&m->a, bytes);
        }
        if (!data_member(r->config, "path", path, sizeof path) || !strcmp(path, "null"))
            snprintf(path, sizeof path, "(an array in memory)");
        size_t k = 0;
        while (k < x->nnames && strcmp(x->names[k], path) != 0) k++;
        if (k == x->nnames) {
            if (x->nnames < MAX_NAMES) x->names[x->nnames++] = fal__rep_arena_str(&m->a, path);
            else x->more_names++;
        }
    }
    if (st != FAL_OK && d) fal__free(m->ctx, d, cap * sizeof *d);
    *out = st == FAL_OK ? d : NULL;
    *nout = st == FAL_OK ? n : 0;
    *capout = cap;
    return st != FAL_OK ? st : m->a.st;
}

static const char *const DATA_FILES[] = { "table.csv",    "error-vs-k.svg", "error-vs-k.csv", "gap-vs-k.svg",
                                          "gap-vs-k.csv", "angle-vs-k.svg", "angle-vs-k.csv",
                                          "centres.svg",  "centres.csv" };
#define NDATA_FILES (sizeof DATA_FILES / sizeof DATA_FILES[0])

fal_status fal__rep_data_files(model *m, const char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    size_t nd = 0;
    for (size_t ri = 0; ri < m->nrows; ri++) {
        char id[128];
        if (data_id(m->rows[ri].key, id, sizeof id)) {
            nd = 1;
            break;
        }
    }
    if (!nd) return FAL_OK;
    dataset *d;
    size_t cap;
    fal_status st = find_datasets(m, &d, &nd, &cap);
    if (st != FAL_OK) return st;
    const char **v = fal__calloc(m->ctx, nd * NDATA_FILES + 1, sizeof *v, "report file names");
    if (!v) st = FAL_ENOMEM;
    for (size_t i = 0; i < nd && v; i++)
        for (size_t f = 0; f < NDATA_FILES; f++) {
            char buf[64];
            snprintf(buf, sizeof buf, "data-%zu-%s", i + 1, DATA_FILES[f]);
            v[i * NDATA_FILES + f] = fal__rep_arena_str(&m->a, buf);
        }
    if (d) fal__free(m->ctx, d, cap * sizeof *d);
    *names = v;
    *n = v ? nd * NDATA_FILES : 0;
    return st != FAL_OK ? st : m->a.st;
}

/* ---- the section of one data set ------------------------------------------- */

static void html_stat(fal__sb *h, double med, double lo, double hi)
{
    if (isnan(med)) {
        fal__sb_puts(h, "<td class=\"na\">-</td>");
        return;
    }
    fal__sb_printf(h, "<td>%.3g", med);
    if (lo != hi) fal__sb_printf(h, " <span class=\"note\">[%.3g, %.3g]</span>", lo, hi);
    fal__sb_puts(h, "</td>");
}

static void csv_stat(fal__sb *c, double med, double lo, double hi)
{
    fal__sb_num(c, med, "");
    fal__sb_putc(c, ',');
    fal__sb_num(c, lo, "");
    fal__sb_putc(c, ',');
    fal__sb_num(c, hi, "");
}

/* Does group g run on data set id? */
int fal__rep_group_on(const rgroup *g, const char *id)
{
    char buf[128];
    return data_id(g->key, buf, sizeof buf) && strcmp(buf, id) == 0;
}

/* A plot of the groups on data set d: one series per group with two k or
 * more, the median over the seeds with its min..max band. */
typedef struct series_buf {
    fal_plot_series *s;
    double *v; /* x, y, lo, hi of every point, 4 per point */
    size_t ns, capns, nv, capnv;
} series_buf;

static fal_status data_plot(model *m, const char *id, int what, const char *dir, const char *file, const char *title,
                            const char *ylabel, fal__sb *h, const char *caption, fal_report_summary *sum)
{
    series_buf b;
    memset(&b, 0, sizeof b);
    fal_status st = FAL_OK;
    uint64_t kmin = UINT64_MAX, kmax = 0;
    size_t *first = NULL, capfirst = 0;
    for (size_t gi = 0; gi < m->ngroups && st == FAL_OK; gi++) {
        const rgroup *g = &m->groups[gi];
        if (!fal__rep_group_on(g, id) || g->ncells < 2) continue;
        int any = 0;
        for (size_t ci = g->first; ci < g->first + g->ncells; ci++) {
            double med, lo, hi;
            st = fal__rep_cell_stats(m, &m->cells[ci], what, &med, &lo, &hi);
            any |= !isnan(med);
        }
        if (st != FAL_OK || !any) continue;
        st = fal__rep_reserve(m->ctx, (void **)&b.s, &b.capns, b.ns + 1, sizeof *b.s);
        if (st == FAL_OK) st = fal__rep_reserve(m->ctx, (void **)&first, &capfirst, b.ns + 1, sizeof *first);
        if (st != FAL_OK) break;
        fal__sb lab;
        fal__sb_init(&lab, m->ctx);
        fal__sb_printf(&lab, "%s %s", g->cat, g->label);
        memset(&b.s[b.ns], 0, sizeof b.s[b.ns]);
        b.s[b.ns].name = fal__sb_status(&lab) == FAL_OK ? fal__rep_arena_str(&m->a, lab.p) : "";
        fal__sb_free(&lab);
        b.s[b.ns].style = FAL_PLOT_LINE;
        first[b.ns] = b.nv;
        for (size_t ci = g->first; ci < g->first + g->ncells && st == FAL_OK; ci++) {
            const rcell *c = &m->cells[ci];
            double med, lo, hi;
            st = fal__rep_cell_stats(m, c, what, &med, &lo, &hi);
            if (st == FAL_OK) st = fal__rep_reserve(m->ctx, (void **)&b.v, &b.capnv, b.nv + 4, sizeof *b.v);
            if (st != FAL_OK) break;
            b.v[b.nv++] = (double)c->k;
            b.v[b.nv++] = med;
            b.v[b.nv++] = lo;
            b.v[b.nv++] = hi;
            b.s[b.ns].n++;
            if (c->k < kmin) kmin = c->k;
            if (c->k > kmax) kmax = c->k;
        }
        b.ns++;
    }
    /* the plot wants x, y, lo, hi as arrays: split the interleaved points */
    double *cols = NULL;
    const double **bands = NULL;
    size_t npts = b.nv / 4;
    if (st == FAL_OK && b.ns) {
        cols = fal__calloc(m->ctx, 4 * npts, sizeof *cols, "data plot");
        if (!cols) st = FAL_ENOMEM;
    }
    if (st == FAL_OK && b.ns) {
        for (size_t i = 0; i < npts; i++)
            for (int q = 0; q < 4; q++) cols[(size_t)q * npts + i] = b.v[4 * i + (size_t)q];
        bands = fal__calloc(m->ctx, 2 * b.ns, sizeof *bands, "data plot");
        if (!bands) st = FAL_ENOMEM;
    }
    if (st == FAL_OK && b.ns) {
        for (size_t si = 0; si < b.ns; si++) {
            size_t off = first[si] / 4;
            b.s[si].x = cols + off;
            b.s[si].y = cols + npts + off;
            bands[si] = cols + 2 * npts + off;
            bands[b.ns + si] = cols + 3 * npts + off;
        }
        fal_plot p;
        fal_plot_init(&p);
        p.band_lo = bands;
        p.band_hi = bands + b.ns;
        p.title = title;
        p.xlabel = "examples k";
        p.ylabel = ylabel;
        p.xlog = kmax >= 20 * (kmin ? kmin : 1);
        p.ylog = 1;
        p.series = b.s;
        p.nseries = b.ns;
        fal__sb path;
        fal__sb_init(&path, m->ctx);
        fal__sb_printf(&path, "%s/%s.svg", dir, file);
        st = fal__sb_status(&path);
        if (st == FAL_OK) st = fal_plot_svg(m->ctx, &p, path.p);
        fal__sb_reset(&path);
        fal__sb_printf(&path, "%s/%s.csv", dir, file);
        if (st == FAL_OK) st = fal__sb_status(&path);
        if (st == FAL_OK) st = fal_plot_csv(m->ctx, &p, path.p);
        fal__sb_free(&path);
        if (st == FAL_OK) {
            sum->plots++;
            fal__rep_html_figure(h, file, title, caption);
        }
    }
    if (cols) fal__free(m->ctx, cols, 4 * npts * sizeof *cols);
    if (bands) fal__free(m->ctx, bands, 2 * b.ns * sizeof *bands);
    if (b.s) fal__free(m->ctx, b.s, b.capns * sizeof *b.s);
    if (b.v) fal__free(m->ctx, b.v, b.capnv * sizeof *b.v);
    if (first) fal__free(m->ctx, first, capfirst * sizeof *first);
    return st;
}

static fal_status data_section(model *m, const dataset *d, size_t index, const char *dir, fal__sb *h,
                               fal_report_summary *sum)
{
    /* the shape from the id: fnv1a:<hash>:<rows>x<cols> */
    const char *shape = strrchr(d->id, ':');
    shape = shape ? shape + 1 : d->id;
    fal__sb_printf(h, "<section id=\"data-%zu\">\n<h2>Data set %zu: ", index, index);
    fal__sb_xml(h, d->nnames ? d->names[0] : shape);
    fal__sb_puts(h, "</h2>\n<table><tbody>\n<tr><th class=\"text\">file (as given)</th><td class=\"text\">");
    if (!d->nnames) fal__sb_puts(h, "not recorded (runs stored before the provenance column)");
    for (size_t i = 0; i < d->nnames; i++) {
        fal__sb_puts(h, i ? ", <code>" : "<code>");
        fal__sb_xml(h, d->names[i]);
        fal__sb_puts(h, "</code>");
    }
    if (d->more_names) fal__sb_printf(h, " and %zu more", d->more_names);
    fal__sb_puts(h, "</td></tr>\n<tr><th class=\"text\">shape (rows x columns used)</th><td class=\"text\">");
    fal__sb_xml(h, shape);
    fal__sb_puts(h, "</td></tr>\n<tr><th class=\"text\">SHA-256 of the file</th><td class=\"text\"><code>");
    fal__sb_xml(h, d->sha ? d->sha : "not recorded");
    fal__sb_puts(h, "</code>");
    if (d->bytes && *d->bytes) {
        fal__sb_puts(h, " (");
        fal__sb_xml(h, d->bytes);
        fal__sb_puts(h, " bytes)");
    }
    fal__sb_puts(h, "</td></tr>\n<tr><th class=\"text\">table key</th><td class=\"text\"><code>");
    fal__sb_xml(h, d->id);
    fal__sb_printf(h, "</code></td></tr>\n<tr><th class=\"text\">runs</th><td class=\"text\">%zu (%zu with "
                      "provenance)</td></tr>\n</tbody></table>\n",
                   d->runs, d->with_prov);
    fal__sb_puts(h, "<p class=\"verdict na\"><strong>No teacher, no verdict.</strong> Nothing predicts the test "
                    "error of real data, so these runs are not judged. Where the family knows the optimum (the "
                    "least training error any parameters reach on the training rows: doc/report.md), each run's "
                    "gap to it is shown: (train - optimum) / optimum. Figures are the median over the seeds, "
                    "with the min and max in brackets and as a band.</p>\n");

    fal__sb csv;
    fal__sb_init(&csv, m->ctx);
    fal__sb_puts(&csv, "id,family,architecture,w,k,seeds,converged,train_median,train_min,train_max,"
                       "optimum_median,optimum_min,optimum_max,gap_median,gap_min,gap_max,test_median,test_min,"
                       "test_max,group\n");
    fal__sb_puts(h, "<table><thead><tr><th>ID</th><th class=\"text\">architecture and options</th><th>w</th>"
                    "<th>k</th><th>seeds</th><th>converged</th><th>train error</th><th>optimum</th>"
                    "<th>gap to the optimum</th><th>test error</th></tr></thead><tbody>\n");
    fal_status st = FAL_OK;
    size_t shown = 0;
    for (size_t gi = 0; gi < m->ngroups && st == FAL_OK; gi++) {
        const rgroup *g = &m->groups[gi];
        if (!fal__rep_group_on(g, d->id)) continue;
        for (size_t ci = g->first; ci < g->first + g->ncells && st == FAL_OK; ci++) {
            const rcell *c = &m->cells[ci];
            double v[4][3];
            static const int what[4] = { REP_TRAIN, REP_OPT, REP_GAP, REP_TEST };
            for (int q = 0; q < 4 && st == FAL_OK; q++)
                st = fal__rep_cell_stats(m, c, what[q], &v[q][0], &v[q][1], &v[q][2]);
            if (st != FAL_OK) break;
            fal__sb_csv(&csv, g->cat);
            fal__sb_putc(&csv, ',');
            fal__sb_csv(&csv, g->family);
            fal__sb_putc(&csv, ',');
            fal__sb_csv(&csv, g->label);
            fal__sb_printf(&csv, ",%llu,%llu,%zu,%zu,", (unsigned long long)g->params, (unsigned long long)c->k,
                           c->n, c->nconv);
            for (int q = 0; q < 4; q++) {
                csv_stat(&csv, v[q][0], v[q][1], v[q][2]);
                fal__sb_putc(&csv, ',');
            }
            fal__sb_csv(&csv, g->group);
            fal__sb_putc(&csv, '\n');
            if (shown++ >= MAX_TABLE_ROWS) continue;
            fal__sb_puts(h, "<tr><td>");
            fal__sb_xml(h, g->cat);
            fal__sb_puts(h, "</td><td class=\"text\">");
            fal__sb_xml(h, g->label);
            fal__sb_printf(h, "</td><td>%llu</td><td>%llu</td><td>%zu</td><td>%zu</td>", (unsigned long long)g->params,
                           (unsigned long long)c->k, c->n, c->nconv);
            for (int q = 0; q < 4; q++) {
                if (q == 1 && isnan(v[q][0])) fal__sb_puts(h, "<td class=\"na\">not known</td>");
                else html_stat(h, v[q][0], v[q][1], v[q][2]);
            }
            fal__sb_puts(h, "</tr>\n");
        }
    }
    fal__sb_puts(h, "</tbody></table>\n");
    if (shown > MAX_TABLE_ROWS)
        fal__sb_printf(h, "<p class=\"note\">%zu rows; the first %d are shown, all are in the CSV.</p>\n", shown,
                       MAX_TABLE_ROWS);
    char file[64];
    snprintf(file, sizeof file, "data-%zu-table.csv", index);
    fal__sb_printf(h, "<p class=\"note\"><a href=\"%s\">The table (CSV).</a></p>\n", file);
    fal__sb path;
    fal__sb_init(&path, m->ctx);
    fal__sb_printf(&path, "%s/%s", dir, file);
    if (st == FAL_OK) st = fal__sb_status(&path);
    if (st == FAL_OK) st = fal__sb_status(&csv);
    if (st == FAL_OK) st = fal__sb_write_file(&csv, path.p);
    fal__sb_free(&path);
    fal__sb_free(&csv);

    char title[160], name[64];
    snprintf(title, sizeof title, "Data set %zu: test error against examples", index);
    snprintf(name, sizeof name, "data-%zu-error-vs-k", index);
    if (st == FAL_OK)
        st = data_plot(m, d->id, REP_TEST, dir, name, title, "test error (median over seeds)", h,
                       "Each line is one family, architecture and option set on this data set; each point the "
                       "median test error over the seeds at that k, the band their min..max. At most 8 lines a "
                       "panel.",
                       sum);
    snprintf(title, sizeof title, "Data set %zu: gap to the optimum against examples", index);
    snprintf(name, sizeof name, "data-%zu-gap-vs-k", index);
    if (st == FAL_OK)
        st = data_plot(m, d->id, REP_GAP, dir, name, title, "(train - optimum) / optimum", h,
                       "The training error's relative distance to the family's optimum on the training rows "
                       "(median over the seeds, band min..max); families without a known optimum are left out. "
                       "Zero gaps sit on the lower edge, hollow.",
                       sum);
    /* the parameters' picture where the family reports it: linear-ae's
     * learned subspace (the column space of the product W_L..W_1) against
     * the optimum's, the sine of their largest principal angle */
    snprintf(title, sizeof title, "Data set %zu: learned subspace against the optimum's", index);
    snprintf(name, sizeof name, "data-%zu-angle-vs-k", index);
    if (st == FAL_OK)
        st = data_plot(m, d->id, REP_SIN, dir, name, title, "sin of the largest principal angle", h,
                       "linear-ae: the sine of the largest principal angle between the subspace the trained "
                       "network projects onto and the optimal one (the top principal components of the training "
                       "rows); 0 means the optimum's subspace was found. Median over the seeds, band min..max.",
                       sum);
    if (st == FAL_OK) st = fal__rep_centres(m, d->id, index, dir, h, sum);
    fal__sb_puts(h, "</section>\n");
    return st;
}

fal_status fal__rep_data_sections(model *m, const char *dir, fal__sb *h, fal_report_summary *sum)
{
    dataset *d;
    size_t n, cap;
    fal_status st = find_datasets(m, &d, &n, &cap);
    if (st != FAL_OK || !n) {
        if (d) fal__free(m->ctx, d, cap * sizeof *d);
        return st;
    }
    fal__sb_puts(h, "<h2 id=\"data\">Real data</h2>\n<p>Runs on <code>--data</code>, one section per data set "
                    "(a data set is a table's contents: the same rows from two files are one).</p>\n");
    for (size_t i = 0; i < n && st == FAL_OK; i++) st = data_section(m, &d[i], i + 1, dir, h, sum);
    fal__free(m->ctx, d, cap * sizeof *d);
    return st;
}
