/* plot.c -- line plots as SVG, and their numbers as CSV.
 *
 * Determinism.  Every number in the file is printed with a fixed format
 * ("%.2f" for coordinates, "%.17g" in the CSV) from IEEE arithmetic in a
 * fixed order, and nothing else varies (no dates, no generated ids): the
 * same plot gives the same bytes, which is what the golden test compares.
 *
 * Axes.  A log axis spans whole decades, floor(log10 min) .. ceil(log10
 * max), labelled at powers of ten (every s-th decade so that at most 10
 * labels show; minor ticks at 2..9 x 10^e when the axis is short enough to
 * read them).  A linear axis spans multiples of a "nice" step (1, 2 or 5 x
 * 10^e, about 5 intervals).  The plot area is clipped, so a point outside
 * an explicit range is cut off rather than drawn over the labels; on a log
 * axis values <= 0 are drawn on the lower edge, hollow.
 *
 * Legibility.  At most MAX_PANEL_SERIES series (dashed reference lines
 * aside) share a panel, each with its own colour AND marker; a plot with
 * more is faceted: panels stacked in one SVG, the same axes in each, the
 * reference lines repeated, so that no colour or marker is reused within
 * a panel.  A series with a band (fal_plot.band_lo/band_hi: min..max) has it shaded behind
 * its line. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "../core/sbuf.h"

#define W 760
#define H 440
#define PL 78.0   /* plot area: left, top, right, bottom */
#define PT 40.0
#define PR 540.0
#define PB 380.0
#define LEGEND_X 556.0
#define LEGEND_MAX_CHARS 30
#define MAX_LOG_LABELS 10

/* Okabe-Ito: distinguishable with the common colour-vision deficiencies. */
static const char *const COLOURS[] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#882255" };
#define NCOLOURS (sizeof COLOURS / sizeof COLOURS[0])
#define NMARKERS 8
#define MAX_PANEL_SERIES 8
_Static_assert(NCOLOURS >= MAX_PANEL_SERIES && NMARKERS >= MAX_PANEL_SERIES, "a panel's series must differ");

void fal_plot_init(fal_plot *p)
{
    memset(p, 0, sizeof *p);
    p->xmin = p->xmax = p->ymin = p->ymax = NAN;
}

typedef struct axis {
    int log;
    double lo, hi;    /* in axis units: log10 of the value on a log axis */
    double step;      /* linear: tick step; log: decades between labels */
    int empty;        /* no data: a default range */
} axis;

static double nice_step(double span)
{
    double raw = span / 5.0;
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * mag;
}

/* The range of one axis: from the data (dmin, dmax over the values the
 * axis can show; NaN when none), or the explicit limits. */
static void axis_make(axis *a, int log, double dmin, double dmax, double emin, double emax)
{
    a->log = log;
    a->empty = 0;
    if (!isnan(emin)) dmin = emin;
    if (!isnan(emax)) dmax = emax;
    if (log) {
        if (!(dmin > 0) || !(dmax > 0) || !isfinite(dmin) || !isfinite(dmax)) {
            dmin = 1;
            dmax = 10;
            a->empty = isnan(emin) && isnan(emax);
        }
        double lo = isnan(emin) ? floor(log10(dmin)) : log10(dmin);
        double hi = isnan(emax) ? ceil(log10(dmax)) : log10(dmax);
        if (hi <= lo) hi = lo + 1;
        a->lo = lo;
        a->hi = hi;
        double decades = ceil(hi) - floor(lo);
        a->step = ceil(decades / MAX_LOG_LABELS);
        if (a->step < 1) a->step = 1;
        return;
    }
    if (!isfinite(dmin) || !isfinite(dmax)) {
        dmin = 0;
        dmax = 1;
        a->empty = 1;
    }
    if (dmax <= dmin) {
        double pad = dmin != 0 ? fabs(dmin) * 0.5 : 1.0;
        dmin -= pad;
        dmax += pad;
    }
    a->step = nice_step(dmax - dmin);
    a->lo = isnan(emin) ? floor(dmin / a->step) * a->step : dmin;
    a->hi = isnan(emax) ? ceil(dmax / a->step) * a->step : dmax;
    if (a->hi <= a->lo) a->hi = a->lo + a->step;
}

/* Axis units of a value (log10 on a log axis; -inf for v <= 0). */
static double axis_t(const axis *a, double v) { return a->log ? (v > 0 ? log10(v) : -INFINITY) : v; }

static double px_x(const axis *a, double v)
{
    return PL + (axis_t(a, v) - a->lo) / (a->hi - a->lo) * (PR - PL);
}

static double px_y(const axis *a, double v)
{
    return PB - (axis_t(a, v) - a->lo) / (a->hi - a->lo) * (PB - PT);
}

/* The label of 10^e: plain for 0.01 .. 100, else 10 with a superscript. */
static void log_label(fal__sb *b, int e)
{
    static const char *const plain[] = { "0.01", "0.1", "1", "10", "100" };
    if (e >= -2 && e <= 2) fal__sb_puts(b, plain[e + 2]);
    else fal__sb_printf(b, "10<tspan dy=\"-5\" font-size=\"9\">%d</tspan>", e);
}

static void lin_label(fal__sb *b, double v, double step)
{
    if (fabs(v) < step * 1e-9) v = 0;
    fal__sb_printf(b, "%.6g", v);
}

static void draw_axes(fal__sb *b, const axis *ax, const axis *ay)
{
    /* grid and ticks, x */
    if (ax->log) {
        int e0 = (int)ceil(ax->lo - 1e-9), e1 = (int)floor(ax->hi + 1e-9);
        int s = (int)ax->step;
        for (int e = e0; e <= e1; e++) {
            double x = PL + ((double)e - ax->lo) / (ax->hi - ax->lo) * (PR - PL);
            if (s == 1 && e1 - e0 <= 6)
                for (int m = 2; m <= 9 && e < e1; m++) {
                    double xm = PL + ((double)e + log10((double)m) - ax->lo) / (ax->hi - ax->lo) * (PR - PL);
                    fal__sb_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#333\"/>\n", xm,
                                   PB, xm, PB + 3);
                }
            if ((e - e0) % s) continue;
            fal__sb_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#e5e5e5\"/>\n", x, PT, x,
                           PB);
            fal__sb_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#333\"/>\n", x, PB, x,
                           PB + 6);
            fal__sb_printf(b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">", x, PB + 20);
            log_label(b, e);
            fal__sb_puts(b, "</text>\n");
        }
    } else {
        long n = lround((ax->hi - ax->lo) / ax->step);
        for (long i = 0; i <= n && n <= 100; i++) {
            double v = ax->lo + (double)i * ax->step;
            double x = px_x(ax, v);
            fal__sb_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#e5e5e5\"/>\n", x, PT, x,
                           PB);
            fal__sb_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#333\"/>\n", x, PB, x,
                           PB + 6);
            fal__sb_printf(b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">", x, PB + 20);
            lin_label(b, v, ax->step);
            fal__sb_puts(b, "</text>\n");
        }
    }
    /* grid and ticks, y */
    if (ay->log) {
        int e0 = (int)ceil(ay->lo - 1e-9), e1 = (int)floor(ay->hi + 1e-9);
        int s = (int)ay->step;
        for (int e = e0; e <= e1; e++) {
            double y = PB - ((double)e - ay->lo) / (ay->hi - ay->lo) * (PB - PT);
            if (s == 1 && e1 - e0 <= 6)
                for (int m = 2; m <= 9 && e < e1; m++) {
                    double ym = PB - ((double)e + log10((double)m) - ay->lo) / (ay->hi - ay->lo) * (PB - PT);
                    fal__sb_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#333\"/>\n",
                                   PL - 3, ym, PL, ym);
                }
            if ((e - e0) % s) continue;
            fal__sb_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#e5e5e5\"/>\n", PL, y, PR,
                           y);
            fal__sb_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#333\"/>\n", PL - 6, y,
                           PL, y);
            fal__sb_printf(b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">", PL - 9, y + 4);
            log_label(b, e);
            fal__sb_puts(b, "</text>\n");
        }
    } else {
        long n = lround((ay->hi - ay->lo) / ay->step);
        for (long i = 0; i <= n && n <= 100; i++) {
            double v = ay->lo + (double)i * ay->step;
            double y = px_y(ay, v);
            fal__sb_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#e5e5e5\"/>\n", PL, y, PR,
                           y);
            fal__sb_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#333\"/>\n", PL - 6, y,
                           PL, y);
            fal__sb_printf(b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">", PL - 9, y + 4);
            lin_label(b, v, ay->step);
            fal__sb_puts(b, "</text>\n");
        }
    }
    fal__sb_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"#333\"/>\n", PL,
                   PT, PR - PL, PB - PT);
}

/* Marker m (0..NMARKERS-1) centred at (x, y). */
static void marker(fal__sb *b, int m, double x, double y, const char *colour, int hollow)
{
    char fill[32];
    snprintf(fill, sizeof fill, "%s", hollow ? "white" : colour);
    switch (m) {
    case 0:
        fal__sb_printf(b, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3.5\" fill=\"%s\" stroke=\"%s\"/>\n", x, y, fill, colour);
        break;
    case 1:
        fal__sb_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"7\" height=\"7\" fill=\"%s\" stroke=\"%s\"/>\n", x - 3.5,
                       y - 3.5, fill, colour);
        break;
    case 2:
        fal__sb_printf(b, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fZ\" fill=\"%s\" stroke=\"%s\"/>\n", x, y - 4.5,
                       x + 4, y + 3, x - 4, y + 3, fill, colour);
        break;
    case 3:
        fal__sb_printf(b, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fL%.2f %.2fZ\" fill=\"%s\" stroke=\"%s\"/>\n", x,
                       y - 4.5, x + 4.5, y, x, y + 4.5, x - 4.5, y, fill, colour);
        break;
    case 4:
        fal__sb_printf(b, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fZ\" fill=\"%s\" stroke=\"%s\"/>\n", x, y + 4.5,
                       x + 4, y - 3, x - 4, y - 3, fill, colour);
        break;
    case 5:
        fal__sb_printf(b, "<path d=\"M%.2f %.2fL%.2f %.2fM%.2f %.2fL%.2f %.2f\" stroke=\"%s\" stroke-width=\"1.5\"/>\n",
                       x - 3.5, y - 3.5, x + 3.5, y + 3.5, x - 3.5, y + 3.5, x + 3.5, y - 3.5, colour);
        break;
    case 6: /* triangle pointing left */
        fal__sb_printf(b, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fZ\" fill=\"%s\" stroke=\"%s\"/>\n", x - 4.5, y,
                       x + 3, y - 4, x + 3, y + 4, fill, colour);
        break;
    default: /* triangle pointing right */
        fal__sb_printf(b, "<path d=\"M%.2f %.2fL%.2f %.2fL%.2f %.2fZ\" fill=\"%s\" stroke=\"%s\"/>\n", x + 4.5, y,
                       x - 3, y - 4, x - 3, y + 4, fill, colour);
    }
}

/* A legend name, cut at LEGEND_MAX_CHARS bytes (on a UTF-8 boundary). */
static void legend_text(fal__sb *b, const char *name)
{
    size_t n = strlen(name ? name : "");
    if (n <= LEGEND_MAX_CHARS) {
        fal__sb_xml(b, name);
        return;
    }
    size_t cut = LEGEND_MAX_CHARS - 3;
    while (cut > 0 && ((unsigned char)name[cut] & 0xC0) == 0x80) cut--;
    char tmp[LEGEND_MAX_CHARS + 1];
    memcpy(tmp, name, cut);
    tmp[cut] = '\0';
    fal__sb_xml(b, tmp);
    fal__sb_puts(b, "...");
}

static int usable(const axis *a, double v) { return a->log ? v > 0 && isfinite(v) : isfinite(v); }

/* The band ylo..yhi of s, shaded in its colour: one polygon per run of
 * points where both ends can be drawn (on a log axis, values <= 0 sit on
 * the lower edge). */
static void draw_band(fal__sb *b, const fal_plot_series *s, const double *ylo, const double *yhi, size_t idx,
                      const axis *ax, const axis *ay)
{
    if (!ylo || !yhi || s->style == FAL_PLOT_DASHED) return;
    const char *colour = COLOURS[idx % NCOLOURS];
    size_t i = 0;
    while (i < s->n) {
#define BAND_OK(j)                                                                                  \
    (usable(ax, s->x[j]) && !isnan(ylo[j]) && !isnan(yhi[j]) && (usable(ay, ylo[j]) || (ay->log && ylo[j] <= 0)) && \
     (usable(ay, yhi[j]) || (ay->log && yhi[j] <= 0)))
        if (!BAND_OK(i)) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < s->n && BAND_OK(j)) j++;
#undef BAND_OK
        fal__sb_printf(b, "<polygon fill=\"%s\" fill-opacity=\"0.15\" stroke=\"none\" points=\"", colour);
        for (size_t q = i; q < j; q++)
            fal__sb_printf(b, "%s%.2f,%.2f", q > i ? " " : "", px_x(ax, s->x[q]),
                           usable(ay, yhi[q]) ? px_y(ay, yhi[q]) : PB);
        for (size_t q = j; q-- > i;)
            fal__sb_printf(b, " %.2f,%.2f", px_x(ax, s->x[q]), usable(ay, ylo[q]) ? px_y(ay, ylo[q]) : PB);
        fal__sb_puts(b, "\"/>\n");
        i = j;
    }
}

static void draw_series(fal__sb *b, const fal_plot_series *s, size_t idx, const axis *ax, const axis *ay)
{
    const char *colour = s->style == FAL_PLOT_DASHED ? "#666666" : COLOURS[idx % NCOLOURS];
    int m = (int)(idx % NMARKERS);
    /* the line, broken at unusable x or NaN y */
    if (s->style != FAL_PLOT_MARKERS) {
        int open = 0;
        for (size_t i = 0; i < s->n; i++) {
            double x = s->x[i], y = s->y[i];
            int ok = usable(ax, x) && !isnan(y) && (usable(ay, y) || (ay->log && y <= 0));
            if (!ok) {
                if (open) fal__sb_puts(b, "\"/>\n");
                open = 0;
                continue;
            }
            double py = usable(ay, y) ? px_y(ay, y) : PB;
            if (!open) {
                fal__sb_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s points=\"", colour,
                               s->style == FAL_PLOT_DASHED ? " stroke-dasharray=\"6,4\"" : "");
                open = 1;
            } else {
                fal__sb_putc(b, ' ');
            }
            fal__sb_printf(b, "%.2f,%.2f", px_x(ax, x), py);
        }
        if (open) fal__sb_puts(b, "\"/>\n");
    }
    if (s->style == FAL_PLOT_DASHED) return;
    for (size_t i = 0; i < s->n; i++) {
        double x = s->x[i], y = s->y[i];
        if (!usable(ax, x) || isnan(y)) continue;
        if (usable(ay, y)) marker(b, m, px_x(ax, x), px_y(ay, y), colour, 0);
        else if (ay->log && y <= 0) marker(b, m, px_x(ax, x), PB, colour, 1);
    }
}

/* The legend of a panel: its series idx[0..n) (col[i]: their colour and
 * marker number). */
static void draw_legend(fal__sb *b, const fal_plot *p, const size_t *idx, const size_t *col, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const fal_plot_series *s = &p->series[idx[i]];
        double y = PT + 8 + 18.0 * (double)i;
        if (y > H - 10) {
            fal__sb_printf(b, "<text x=\"%.2f\" y=\"%.2f\">(%zu more in the CSV)</text>\n", LEGEND_X, y, n - i);
            break;
        }
        const char *colour = s->style == FAL_PLOT_DASHED ? "#666666" : COLOURS[col[i] % NCOLOURS];
        if (s->style != FAL_PLOT_MARKERS)
            fal__sb_printf(b, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" stroke-width=\"1.5\"%s/>\n",
                           LEGEND_X, y, LEGEND_X + 24, y, colour,
                           s->style == FAL_PLOT_DASHED ? " stroke-dasharray=\"6,4\"" : "");
        if (s->style != FAL_PLOT_DASHED) marker(b, (int)(col[i] % NMARKERS), LEGEND_X + 12, y, colour, 0);
        fal__sb_printf(b, "<text x=\"%.2f\" y=\"%.2f\">", LEGEND_X + 30, y + 4);
        legend_text(b, s->name);
        fal__sb_puts(b, "</text>\n");
    }
}

static fal_status check_plot(fal_ctx *ctx, const fal_plot *p)
{
    if (p->nseries && !p->series) return fal__fail(ctx, FAL_EINVAL, "plot: series missing");
    for (size_t i = 0; i < p->nseries; i++)
        if (p->series[i].n && (!p->series[i].x || !p->series[i].y))
            return fal__fail(ctx, FAL_EINVAL, "plot: series %zu has no points array", i);
    return FAL_OK;
}

/* The band of series i (NULL, NULL: none). */
static const double *band_lo(const fal_plot *p, size_t i) { return p->band_lo && p->band_hi && p->band_hi[i] ? p->band_lo[i] : NULL; }
static const double *band_hi(const fal_plot *p, size_t i) { return p->band_lo && p->band_hi && p->band_lo[i] ? p->band_hi[i] : NULL; }

/* Does the plot have a band anywhere? */
static int has_bands(const fal_plot *p)
{
    for (size_t i = 0; i < p->nseries; i++)
        if (band_lo(p, i)) return 1;
    return 0;
}

fal_status fal_plot_svg(fal_ctx *ctx, const fal_plot *p, const char *path)
{
    fal_status st = check_plot(ctx, p);
    if (st != FAL_OK) return st;
    axis ax, ay;
    double xmn = INFINITY, xmx = -INFINITY, ymn = INFINITY, ymx = -INFINITY;
    for (size_t i = 0; i < p->nseries; i++)
        for (size_t j = 0; j < p->series[i].n; j++) {
            const fal_plot_series *s = &p->series[i];
            double x = s->x[j];
            if (!isfinite(x) || (p->xlog && x <= 0)) continue;
            const double *lo = band_lo(p, i), *hi = band_hi(p, i);
            double ys[3] = { s->y[j], lo ? lo[j] : NAN, hi ? hi[j] : NAN };
            for (int q = 0; q < 3; q++) {
                double y = ys[q];
                if (!isfinite(y)) continue;
                xmn = fmin(xmn, x), xmx = fmax(xmx, x);
                if (p->ylog && y <= 0) continue;
                ymn = fmin(ymn, y), ymx = fmax(ymx, y);
            }
        }
    axis_make(&ax, p->xlog, xmn <= xmx ? xmn : NAN, xmn <= xmx ? xmx : NAN, p->xmin, p->xmax);
    axis_make(&ay, p->ylog, ymn <= ymx ? ymn : NAN, ymn <= ymx ? ymx : NAN, p->ymin, p->ymax);

    /* the panels: the solid series in chunks of MAX_PANEL_SERIES, the dashed
     * reference lines in every panel */
    size_t nsolid = 0;
    for (size_t i = 0; i < p->nseries; i++) nsolid += p->series[i].style != FAL_PLOT_DASHED;
    size_t npanels = nsolid <= MAX_PANEL_SERIES ? 1 : (nsolid + MAX_PANEL_SERIES - 1) / MAX_PANEL_SERIES;
    size_t *idx = fal__calloc(ctx, 2 * (p->nseries ? p->nseries : 1), sizeof *idx, "plot panels");
    if (!idx) return FAL_ENOMEM;
    size_t *col = idx + (p->nseries ? p->nseries : 1);

    fal__sb b;
    fal__sb_init(&b, ctx);
    int height = H * (int)npanels;
    fal__sb_printf(&b,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                   "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"12\">\n<title>",
                   W, height, W, height);
    fal__sb_xml(&b, p->title);
    fal__sb_puts(&b, "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    fal__sb_printf(&b, "<clipPath id=\"area\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/></clipPath>\n",
                   PL - 5, PT - 5, PR - PL + 10, PB - PT + 10);
    for (size_t panel = 0; panel < npanels; panel++) {
        /* this panel's series, in the plot's order */
        size_t n = 0, solid = 0, ncol = 0;
        for (size_t i = 0; i < p->nseries; i++) {
            int dashed = p->series[i].style == FAL_PLOT_DASHED;
            if (!dashed) {
                size_t which = solid++ / MAX_PANEL_SERIES;
                if (which != panel) continue;
            }
            idx[n] = i;
            col[n] = dashed ? 0 : ncol++;
            n++;
        }
        /* the clip path is in user units: a translated panel shares it */
        if (panel) fal__sb_printf(&b, "<g transform=\"translate(0,%d)\">\n", H * (int)panel);
        draw_axes(&b, &ax, &ay);
        fal__sb_puts(&b, "<g clip-path=\"url(#area)\">\n");
        for (size_t i = 0; i < n; i++)
            draw_band(&b, &p->series[idx[i]], band_lo(p, idx[i]), band_hi(p, idx[i]), col[i], &ax, &ay);
        for (size_t i = 0; i < n; i++) draw_series(&b, &p->series[idx[i]], col[i], &ax, &ay);
        fal__sb_puts(&b, "</g>\n");
        if (ax.empty && ay.empty)
            fal__sb_printf(&b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" fill=\"#666\">no data</text>\n",
                           (PL + PR) / 2, (PT + PB) / 2);
        draw_legend(&b, p, idx, col, n);
        fal__sb_printf(&b, "<text x=\"%.2f\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">",
                       (double)W / 2);
        fal__sb_xml(&b, p->title);
        if (npanels > 1)
            fal__sb_printf(&b, " (%zu of %zu: series %zu-%zu of %zu)", panel + 1, npanels,
                           panel * MAX_PANEL_SERIES + 1,
                           (panel + 1) * MAX_PANEL_SERIES < nsolid ? (panel + 1) * MAX_PANEL_SERIES : nsolid, nsolid);
        fal__sb_printf(&b, "</text>\n<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">", (PL + PR) / 2, PB + 44);
        fal__sb_xml(&b, p->xlabel);
        fal__sb_printf(&b, "%s</text>\n<text x=\"20\" y=\"%.2f\" text-anchor=\"middle\" transform=\"rotate(-90 20 %.2f)\">",
                       p->xlog ? " (log scale)" : "", (PT + PB) / 2, (PT + PB) / 2);
        fal__sb_xml(&b, p->ylabel);
        fal__sb_printf(&b, "%s</text>\n", p->ylog ? " (log scale)" : "");
        if (panel) fal__sb_puts(&b, "</g>\n");
    }
    fal__sb_puts(&b, "</svg>\n");
    fal__free(ctx, idx, 2 * (p->nseries ? p->nseries : 1) * sizeof *idx);
    st = fal__sb_write_file(&b, path);
    fal__sb_free(&b);
    return st;
}

fal_status fal_plot_csv(fal_ctx *ctx, const fal_plot *p, const char *path)
{
    fal_status st = check_plot(ctx, p);
    if (st != FAL_OK) return st;
    fal__sb b;
    fal__sb_init(&b, ctx);
    fal__sb_puts(&b, "series,");
    fal__sb_csv(&b, p->xlabel ? p->xlabel : "x");
    fal__sb_putc(&b, ',');
    fal__sb_csv(&b, p->ylabel ? p->ylabel : "y");
    int bands = has_bands(p); /* the band's ends as two more columns, empty where a series has none */
    if (bands) fal__sb_puts(&b, ",low,high");
    fal__sb_putc(&b, '\n');
    for (size_t i = 0; i < p->nseries; i++)
        for (size_t j = 0; j < p->series[i].n; j++) {
            fal__sb_csv(&b, p->series[i].name ? p->series[i].name : "");
            fal__sb_putc(&b, ',');
            fal__sb_num(&b, p->series[i].x[j], "");
            fal__sb_putc(&b, ',');
            fal__sb_num(&b, p->series[i].y[j], "");
            if (bands) {
                const double *lo = band_lo(p, i), *hi = band_hi(p, i);
                fal__sb_putc(&b, ',');
                fal__sb_num(&b, lo ? lo[j] : NAN, "");
                fal__sb_putc(&b, ',');
                fal__sb_num(&b, hi ? hi[j] : NAN, "");
            }
            fal__sb_putc(&b, '\n');
        }
    st = fal__sb_write_file(&b, path);
    fal__sb_free(&b);
    return st;
}
