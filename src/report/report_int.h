/* report_int.h -- what the report's files share (the public side is
 * include/fallacy/report.h, the rules doc/report.md).
 *
 * The files, in the order the report is made:
 *   model.c    reads the database into rows, groups them into cells,
 *              groups and sections, and judges each cell (the data model
 *              and the verdict rules are described at its top);
 *   figures.c  the SVG figures (with their CSV): the headline and, per
 *              section, error against k, against depth, training curves;
 *   mlp.c      section M1's own figures (called from figures.c);
 *   tables.c   the measured table of each section and the information
 *              table, in the page and as CSV;
 *   page.c     fal_report_write: the HTML page around them (head,
 *              verdict table, section text, provenance);
 *   plot.c     the SVG/CSV plot writer itself (fal_plot_svg);
 *   qnet.c     the Q1 section (qnet's exact curves, doc/qnet.md);
 *   data.c     the sections of runs on real data (--data);
 *   centres.c  their picture of bool-ae's and threshold-ae's centres. */
#ifndef FALLACY_REPORT_INT_H
#define FALLACY_REPORT_INT_H

#include <math.h>
#include <stdint.h>
#include "../core/sbuf.h"

#define MAX_TABLE_ROWS 500
#define MAX_FIELDS 32

/* An arena for the strings copied out of the store: freed all at once.
 * Errors are sticky (st), like fal__sb's. */
typedef struct chunk {
    struct chunk *next;
    size_t size, used;
} chunk;

typedef struct arena {
    fal_ctx *ctx;
    chunk *head;
    fal_status st;
} arena;

const char *fal__rep_arena_strn(arena *a, const char *s, size_t n);
const char *fal__rep_arena_str(arena *a, const char *s); /* NULL for NULL */
void fal__rep_arena_free(arena *a);

/* Grow *p (elements of size elem, capacity *cap) to hold n. */
fal_status fal__rep_reserve(fal_ctx *ctx, void **p, size_t *cap, size_t n, size_t elem);

/* One name=value field of a key (include/fallacy/store.h). */
typedef struct kv {
    const char *name, *value; /* into a copy of the key */
    size_t nlen, vlen;
} kv;

/* Split a key into its name=value fields; returns their number. */
size_t fal__rep_key_fields(const char *key, kv *f, size_t max);
int fal__rep_kv_is(const kv *f, const char *name);
/* The field's value as an unsigned number; 0 when absent. */
uint64_t fal__rep_key_u64(const char *key, const char *name);

/* The model (model.c's header comment): a row per run; a cell, the seeds of
 * one configuration and k; a group, the cells of one configuration; a
 * section, the groups of one catalogue row. */
typedef struct rrow {
    const char *cat, *family, *key, *group, *series, *widths, *curve;
    int cat_rank;
    uint64_t params, depth, k, seed;
    double train, test, opt, log2c, bits, unseen_inputs;
    double gap, gap_ref; /* extras "gap" and "n4_optimum" (N6 reports its distance to N4's optimum so) */
    double frac_at_bound, draws; /* extras of mlp runs with --draws (NaN without): mlp.c's figure */
    int converged;
    const char *config;  /* the run's provenance JSON (store's config column), NULL when not stored */
    const char *extras;  /* the run's extras (JSON object), for the data sections' figures */
    const char *centres; /* the store's centres column (bool-ae, threshold-ae), NULL when not stored */
} rrow;

/* RULE_ABOVE: N6 with gates of degree < n0 (not universal): the training
 * distortion may stay above N4's optimum, never below (extra "gap" >= 0 bits
 * on every seed), as `fallacy demo` judges it. */
enum { RULE_NONE = 0, RULE_KSTAR, RULE_OPTIMUM, RULE_ABOVE };

typedef struct rcell {
    size_t first, n;      /* rows */
    size_t group;
    uint64_t k;
    double worst_test, best_test, worst_train, worst_opt, log2c, bits;
    double worst_gap;     /* (train - optimum) / max(1, optimum), worst over the seeds */
    double best_gap_bits; /* the extra "gap" (bits above N4's optimum), least over the seeds */
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
    char slug[80];        /* file names and anchors: unique per section (model.c, section_slug) */
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

/* Worst (largest) and best of a and b, where NaN means "no value" (not a
 * bad one). */
static inline double fal__rep_worst(double a, double b) { return isnan(a) ? b : isnan(b) ? a : fmax(a, b); }
static inline double fal__rep_best(double a, double b) { return isnan(a) ? b : isnan(b) ? a : fmin(a, b); }

/* model.c: read the rows, build cells/groups/sections, label the groups. */
fal_status fal__rep_load(model *m, const char *db_path);
fal_status fal__rep_build(model *m);
void fal__rep_group_labels(model *m, fal__sb *tmp);

/* figures.c: each writes DIR/NAME.svg and DIR/NAME.csv and appends the
 * figure (or a note) to the page h; sum->plots counts the SVG files. */
/* A figure in the page: NAME.svg (no height: a faceted plot is taller),
 * its caption, and NAME.csv beside it. */
void fal__rep_html_figure(fal__sb *h, const char *name, const char *alt, const char *caption);
fal_status fal__rep_plot_headline(model *m, const char *dir, fal__sb *h, fal_report_summary *sum);
fal_status fal__rep_plot_section(model *m, const rsection *s, const char *dir, const char *slug, fal__sb *h,
                                 fal_report_summary *sum);
/* tables.c: the class figures of a group's architecture with the options
 * its key records (fallacy classes); FAL_EINVAL above the rank limits. */
fal_status fal__rep_group_classes(model *m, const rgroup *g, fal_classes *cl);

/* data.c: the seed statistics of a cell (median, min, max of one figure
 * over its seeds; NaN when no seed has it): REP_TEST, REP_TRAIN, REP_OPT
 * (optimum_error), REP_GAP ((train - optimum) / optimum, or the
 * difference when the optimum is 0) or REP_SIN (the extra max_sin_angle); fal__rep_stats of n values (v is
 * reordered).  The data sections (one per --data table) in the page, and
 * the names of the files they write (*names allocated through the
 * context, *n of them; free n + 1 pointers). */
enum { REP_TEST, REP_TRAIN, REP_OPT, REP_GAP, REP_SIN };
void fal__rep_stats(double *v, size_t n, double *med, double *lo, double *hi);
fal_status fal__rep_cell_stats(const model *m, const rcell *c, int what, double *med, double *lo, double *hi);
fal_status fal__rep_data_sections(model *m, const char *dir, fal__sb *h, fal_report_summary *sum);
fal_status fal__rep_data_files(model *m, const char ***names, size_t *n);
/* Does group g run on data set id (the key's data field)? */
int fal__rep_group_on(const rgroup *g, const char *id);
/* centres.c: the learned Hamming centres of the bool-ae and threshold-ae
 * configurations on data set id (section index): DIR/data-INDEX-centres.svg
 * and .csv, their text and the seeds' distances in h; a stated reason
 * where no run has them stored; nothing without such configurations. */
fal_status fal__rep_centres(model *m, const char *id, size_t index, const char *dir, fal__sb *h,
                            fal_report_summary *sum);
/* mlp.c: section M1's own figures (k needed against function_dim / nL and
 * against log2 e of the quantized net, the fraction of draws at the
 * symmetry bound against depth); nothing for other sections. */
fal_status fal__rep_mlp_figures(model *m, const rsection *s, const char *dir, const char *slug, fal__sb *h,
                                fal_report_summary *sum);

/* tables.c: the tables in the page h and as DIR/SLUG-table.csv,
 * DIR/information.csv. */
fal_status fal__rep_section_table(model *m, const rsection *s, const char *dir, const char *slug, fal__sb *h);
fal_status fal__rep_info_table(model *m, const char *dir, fal__sb *h);

/* qnet.c: the Q1 section (qnet rows of the database, read there; model.c
 * skips them) into the page h and DIR/Q1-*; nothing without qnet rows. */
fal_status fal__rep_qnet(model *m, const char *db_path, const char *dir, fal__sb *h, fal_report_summary *sum);

#endif
