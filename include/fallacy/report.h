/* fallacy/report.h -- plots written by the library (SVG, with the plotted
 * numbers beside them as CSV) and the HTML report of a runs database.
 *
 *   fal_report_opts o;  fal_report_opts_init(&o);       // eps = 1e-8
 *   st = fal_report_write(ctx, "runs.sqlite", "report", &o, NULL);
 *   // report/index.html, report/NAME.svg, report/NAME.csv
 *
 * Determinism: the SVG and CSV bytes depend only on the plot's contents
 * (numbers printed with fixed formats, no dates, no random ids), so a
 * plot can be compared byte for byte with a committed golden file; the
 * report's files depend only on the database's contents and the options.
 * Every text that enters HTML or SVG is escaped (& < > " ' as character
 * references; control characters dropped). */
#ifndef FALLACY_REPORT_H
#define FALLACY_REPORT_H

#include <stddef.h>
#include "status.h"

enum {
    FAL_PLOT_LINE = 0,  /* a line through the points, with markers */
    FAL_PLOT_DASHED,    /* a dashed reference line, no markers */
    FAL_PLOT_MARKERS    /* markers only */
};

/* One series: n points (x[i], y[i]), drawn in the given order.  A point
 * with a NaN coordinate is not drawn and breaks the line; on a log axis a
 * value <= 0 is drawn on the axis's lower edge as a hollow marker (the CSV
 * keeps the true value). */
typedef struct fal_plot_series {
    const char *name;    /* legend text */
    const double *x, *y;
    size_t n;
    int style;           /* FAL_PLOT_* */
} fal_plot_series;

typedef struct fal_plot {
    const char *title, *xlabel, *ylabel;
    int xlog, ylog;                  /* 1: log10 axis (ticks at powers of 10) */
    double xmin, xmax, ymin, ymax;   /* NaN: from the data (log axes: whole decades) */
    const fal_plot_series *series;
    size_t nseries;
    /* Added: bands around the lines (the min..max over seeds), NULL: none;
     * else nseries pointers each, band_lo[i][j] .. band_hi[i][j] around
     * point j of series i, shaded in its colour (a NULL pair: no band for
     * that series; a NaN breaks it).  The CSV then has the columns low and
     * high too.  fal_plot_init sets them NULL. */
    const double *const *band_lo, *const *band_hi;
} fal_plot;

/* A plot with no series and every range NaN (fill the rest). */
void fal_plot_init(fal_plot *p);

/* Write p as an SVG file (760 x 440 px: axes with tick labels, grid,
 * legend on the right, title, axis labels; with more than 8 solid series,
 * 440 px more per further panel of at most 8, each panel with the dashed
 * series again, so that colours and markers differ within a panel).  The file is replaced
 * atomically.  FAL_EIO names the file; FAL_EINVAL for a malformed plot. */
fal_status fal_plot_svg(fal_ctx *ctx, const fal_plot *p, const char *path);
/* Write the plotted numbers as CSV: a header "series,<xlabel>,<ylabel>",
 * then one line per point (series name, x, y as %.17g; empty for NaN). */
fal_status fal_plot_csv(fal_ctx *ctx, const fal_plot *p, const char *path);

typedef struct fal_report_opts {
    double eps;        /* test-error tolerance: k needed, verdicts (default 1e-8) */
    double max_rank_w; /* Jacobian ranks (fal_classes_compute) only up to this w (default 1e5) */
} fal_report_opts;

void fal_report_opts_init(fal_report_opts *o);

/* What fal_report_write wrote and found. */
typedef struct fal_report_summary {
    size_t runs;       /* rows read */
    size_t sections;   /* catalogue rows present */
    size_t plots;      /* SVG files (each with its CSV) */
    size_t holds, fails, unjudged; /* section verdicts */
} fal_report_summary;

/* Read the runs database at db_path and write out_dir/index.html with its
 * plots (created if missing; existing files of the same names are
 * replaced).  The report: a verdict table; the headline figure (examples
 * needed against parameters); the information table (log2 e, or the
 * Jacobian rank, against bits provided); one section per catalogue row
 * present (the claim, the measured table, the verdict computed from the
 * numbers, plots of test error against k and against depth); provenance.
 * See doc/report.md for every rule.  sum may be NULL.  FAL_EIO/FAL_EFORMAT
 * for the database or an output file, FAL_ENOMEM. */
fal_status fal_report_write(fal_ctx *ctx, const char *db_path, const char *out_dir, const fal_report_opts *opts,
                            fal_report_summary *sum);

/* The output directory rule of the report and `fallacy demo`
 * (doc/report.md, "The output directory").  fallacy writes into dir only
 * when it is new, empty, or holds a regular file ".fallacy-out" listing,
 * one per line, the names fallacy wrote there: every other entry must be
 * one of those names, a leftover temporary ".fallacy-tmp-*", or the file
 * keep (the database a report reads; may be NULL).  "/", a directory
 * directly under it (/tmp, /etc, ...) and $HOME are refused whatever they
 * hold.  On success dir exists (mkdir -p) and the names in own
 * (NULL-terminated, may be NULL) are in the list, before the caller writes
 * them.  Nothing is deleted.  FAL_EINVAL names the first foreign entry. */
fal_status fal_report_claim_dir(fal_ctx *ctx, const char *dir, const char *const *own, const char *keep);

#endif
