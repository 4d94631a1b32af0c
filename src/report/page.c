/* page.c -- fal_report_write: the HTML page of the report (the head and
 * summary, the verdict table, one section per catalogue row with its
 * claim and verdict text, provenance) around the tables (tables.c) and
 * figures (figures.c) of the model (model.c). */
#include <stdio.h>
#include <string.h>
#include "report_int.h"


static const char *section_verdict(const rsection *s)
{
    return !s->judged ? "not judged" : s->failed ? "FAILS" : "holds";
}

static const char *claim_of(const char *family)
{
    const fal_family *f = fal_family_find(family);
    return f ? f->claim : "(a family this version of fallacy does not know)";
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
    int above = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) above |= m->groups[gi].rule == RULE_ABOVE;
    if (above)
        fal__sb_puts(h, "Gates of degree d &lt; n0 (d = 1: linear threshold gates) cannot represent every "
                        "encoder: their training distortion may stay above N4's optimum but never below it "
                        "(the extra gap, in bits, &gt;= 0 on every seed). ");
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
    int data = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) data |= m->groups[gi].rule == RULE_NONE;
    if (data)
        fal__sb_puts(h, "Runs on <code>--data</code> have no teacher and are not judged: their data, optimum and "
                        "gap are in the <a href=\"#data\">real-data sections</a>. ");
    else if (!s->judged)
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

void fal_report_opts_init(fal_report_opts *o)
{
    o->eps = 1e-8;
    o->max_rank_w = 1e5;
}

/* The head, the style and the opening summary.  The page is polyglot
 * markup: void elements closed with "/>", so that it parses as XML too
 * (the tests check it does, with hostile names in the database). */
static void page_head(const model *m, const char *db_path, fal__sb *h)
{
    const char *base = strrchr(db_path, '/');
    base = base ? base + 1 : db_path;
    fal__sb_puts(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
                    "<title>fallacy report</title>\n<style>");
    fal__sb_puts(h, STYLE);
    fal__sb_puts(h, "</style>\n</head>\n<body>\n<h1>fallacy report</h1>\n<p>");
    fal__sb_printf(h, "%zu runs from <code>", m->nrows);
    fal__sb_xml(h, base);
    fal__sb_printf(h, "</code>, %zu catalogue rows. Tolerance on the test error: %g (<code>--eps</code>). "
                      "Verdicts take the worst over the seeds stored; plots show the median with the min..max "
                      "band. Thesis (Baldi, <em>the shallow fallacy</em>): "
                      "the examples a deep network needs are set by the information needed to pick its class of "
                      "parameters, not by the number of parameters.</p>\n",
                   m->nsecs, m->o->eps);
}

/* One row per section, linking to it; counts the verdicts into sum. */
static void verdict_table(const model *m, fal__sb *h, fal_report_summary *sum)
{
    fal__sb_puts(h, "<h2 id=\"verdicts\">Verdicts</h2>\n<table><thead><tr><th>ID</th><th>family</th>"
                    "<th class=\"text\">claim</th><th>runs</th><th>cells judged</th><th>verdict</th></tr></thead><tbody>\n");
    for (size_t si = 0; si < m->nsecs; si++) {
        const rsection *s = &m->secs[si];
        const char *slug = s->slug;
        const rgroup *gl = &m->groups[s->first + s->ngroups - 1];
        const rcell *cl = &m->cells[gl->first + gl->ncells - 1];
        size_t runs = cl->first + cl->n - m->cells[m->groups[s->first].first].first;
        fal__sb_printf(h, "<tr><td><a href=\"#%s\">", slug);
        fal__sb_xml(h, s->cat);
        fal__sb_puts(h, "</a></td><td>");
        fal__sb_xml(h, s->family);
        fal__sb_puts(h, "</td><td class=\"text\">");
        fal__sb_xml(h, claim_of(s->family));
        const char *v = section_verdict(s);
        fal__sb_printf(h, "</td><td>%zu</td><td>%zu</td><td class=\"%s\">%s</td></tr>\n", runs, s->judged,
                       !s->judged ? "na" : s->failed ? "fails" : "holds", v);
        if (!s->judged) sum->unjudged++;
        else if (s->failed) sum->fails++;
        else sum->holds++;
    }
    fal__sb_puts(h, "</tbody></table>\n");
}

/* A catalogue row: claim, verdict text, measured table, figures. */
static fal_status page_section(model *m, const rsection *s, const char *out_dir, fal__sb *h,
                               fal_report_summary *sum)
{
    const char *slug = s->slug;
    fal__sb_printf(h, "<section id=\"%s\">\n<h2>", slug);
    fal__sb_xml(h, s->cat);
    fal__sb_puts(h, " ");
    fal__sb_xml(h, s->family);
    fal__sb_puts(h, "</h2>\n<p class=\"claim\"><em>Claim.</em> ");
    fal__sb_xml(h, claim_of(s->family));
    fal__sb_puts(h, "</p>\n");
    section_verdict_text(m, s, h);
    fal_status st = fal__rep_section_table(m, s, out_dir, slug, h);
    if (st == FAL_OK) st = fal__rep_plot_section(m, s, out_dir, slug, h, sum);
    fal__sb_puts(h, "</section>\n");
    return st;
}

/* Versions, hosts, BLAS, threads and times of the runs; the page's end. */
static void provenance(const model *m, fal__sb *h)
{
    fal__sb_puts(h, "<h2 id=\"provenance\">Provenance</h2>\n<ul>\n<li>fallacy versions: ");
    list_items(h, m->versions, m->nversions, m->more_versions);
    fal__sb_puts(h, "</li>\n<li>hosts: ");
    list_items(h, m->hosts, m->nhosts, m->more_hosts);
    fal__sb_puts(h, "</li>\n<li>BLAS: ");
    list_items(h, m->blas, m->nblas, m->more_blas);
    fal__sb_printf(h, "</li>\n<li>library threads: %d to %d</li>\n<li>runs made from ", m->min_threads,
                   m->max_threads);
    fal__sb_xml(h, m->first_time ? m->first_time : "-");
    fal__sb_puts(h, " to ");
    fal__sb_xml(h, m->last_time ? m->last_time : "-");
    fal__sb_printf(h, " (UTC)</li>\n<li>runs with a training curve: %zu</li>\n</ul>\n", m->ncurves);
    fal__sb_printf(h, "<p class=\"note\">Written by fallacy %s (<code>fallacy report</code>).</p>\n</body>\n</html>\n",
                   FAL_VERSION);
}

/* Every name the report may write (figures a section lacks included), in
 * the output directory's list before anything is written (outdir.c). */
static fal_status claim_out_dir(model *m, const char *out_dir, const char *db_path)
{
    static const char *const FIXED[] = { "index.html", "headline.svg", "headline.csv", "information.csv",
                                         "Q1-table.csv", "Q1-collapse-log2e.svg", "Q1-collapse-log2e.csv",
                                         "Q1-collapse-w.svg", "Q1-collapse-w.csv", "Q1-collapse-entropy.svg",
                                         "Q1-collapse-entropy.csv", "Q1-rank.svg", "Q1-rank.csv" };
    static const char *const PER_SECTION[] = { "table.csv",          "error-vs-k.svg", "error-vs-k.csv",
                                               "error-vs-depth.svg", "error-vs-depth.csv", "curves.svg",
                                               "curves.csv",
                                               /* M1's (mlp.c) */
                                               "fdim.svg", "fdim.csv", "log2e.svg", "log2e.csv", "draws.svg",
                                               "draws.csv" };
    size_t nfixed = sizeof FIXED / sizeof FIXED[0], nper = sizeof PER_SECTION / sizeof PER_SECTION[0];
    const char **data = NULL;
    size_t ndata = 0;
    fal_status ds = fal__rep_data_files(m, &data, &ndata);
    if (ds != FAL_OK) return ds;
    size_t n = nfixed + m->nsecs * nper + ndata + 1;
    const char **names = fal__calloc(m->ctx, n, sizeof *names, "report file names");
    if (!names) {
        if (data) fal__free(m->ctx, data, (ndata + 1) * sizeof *data);
        return FAL_ENOMEM;
    }
    for (size_t i = 0; i < ndata; i++) names[n - 1 - ndata + i] = data[i];
    if (data) fal__free(m->ctx, data, (ndata + 1) * sizeof *data);
    size_t k = 0;
    for (size_t i = 0; i < nfixed; i++) names[k++] = FIXED[i];
    for (size_t si = 0; si < m->nsecs; si++)
        for (size_t i = 0; i < nper; i++) {
            char buf[128];
            snprintf(buf, sizeof buf, "%s-%s", m->secs[si].slug, PER_SECTION[i]);
            names[k++] = fal__rep_arena_str(&m->a, buf);
        }
    names[k + ndata] = NULL;
    fal_status st = m->a.st;
    if (st == FAL_OK) st = fal_report_claim_dir(m->ctx, out_dir, names, db_path);
    fal__free(m->ctx, names, n * sizeof *names);
    return st;
}

fal_status fal_report_write(fal_ctx *ctx, const char *db_path, const char *out_dir, const fal_report_opts *opts,
                            fal_report_summary *sum_out)
{
    fal_report_opts o;
    fal_report_opts_init(&o);
    if (opts) o = *opts;
    if (!(o.eps > 0) || !isfinite(o.eps))
        return fal__fail(ctx, FAL_EINVAL, "report: eps must be a finite number > 0");
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
    fal_status st = fal__rep_load(&m, db_path);
    if (st == FAL_OK) st = fal__rep_build(&m);
    if (st == FAL_OK) fal__rep_group_labels(&m, &tmp);
    if (st == FAL_OK) st = m.a.st;
    if (st == FAL_OK) st = claim_out_dir(&m, out_dir, db_path);
    if (st != FAL_OK) goto done;
    sum.runs = m.nrows;
    sum.sections = m.nsecs;

    page_head(&m, db_path, &h);
    verdict_table(&m, &h, &sum);
    st = fal__rep_plot_headline(&m, out_dir, &h, &sum);
    if (st == FAL_OK) st = fal__rep_info_table(&m, out_dir, &h);
    for (size_t si = 0; si < m.nsecs && st == FAL_OK; si++) st = page_section(&m, &m.secs[si], out_dir, &h, &sum);
    if (st == FAL_OK) st = fal__rep_data_sections(&m, out_dir, &h, &sum);
    if (st == FAL_OK) st = fal__rep_qnet(&m, db_path, out_dir, &h, &sum);
    if (st != FAL_OK) goto done;
    provenance(&m, &h);

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
    fal__rep_arena_free(&m.a);
    if (sum_out) *sum_out = sum;
    return st;
}
