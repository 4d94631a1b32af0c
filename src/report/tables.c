/* tables.c -- the report's tables, in the page and as CSV files: the
 * measured table of each section (one row per cell) and the information
 * table (log2 e or the Jacobian rank against what the examples provide). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_int.h"

static void html_num(fal__sb *h, double v)
{
    if (isnan(v)) fal__sb_puts(h, "<td class=\"na\">-</td>");
    else fal__sb_printf(h, "<td>%.3g</td>", v);
}

static void csv_num(fal__sb *c, double v)
{
    fal__sb_num(c, v, "");
}

/* The measured table of a section, in the page and as CSV. */
fal_status fal__rep_section_table(model *m, const rsection *s, const char *dir, const char *slug, fal__sb *h)
{
    fal__sb csv;
    fal__sb_init(&csv, m->ctx);
    fal__sb_puts(&csv, "architecture,w,depth,k,seeds,converged,worst_train_error,worst_test_error,best_test_error,"
                       "worst_optimum_error,log2_classes,bits_provided,prediction,verdict,group\n");
    fal__sb_puts(h, "<table><thead><tr><th>architecture and options</th><th>w</th><th>depth</th><th>k</th>"
                    "<th>seeds</th><th>converged</th><th>train error</th><th>test error</th><th>optimum</th>"
                    "<th>log2 e</th><th>bits provided</th><th>prediction</th><th>verdict</th></tr></thead>"
                    "<tbody>\n");
    size_t shown = 0, total = 0;
    for (size_t gi = s->first; gi < s->first + s->ngroups; gi++) {
        const rgroup *g = &m->groups[gi];
        for (size_t ci = g->first; ci < g->first + g->ncells; ci++, total++) {
            const rcell *c = &m->cells[ci];
            const char *v = c->judged ? (c->holds ? "holds" : "FAILS") : "-";
            fal__sb_csv(&csv, g->label);
            fal__sb_printf(&csv, ",%llu,%llu,%llu,%zu,%zu,", (unsigned long long)g->params,
                           (unsigned long long)g->depth, (unsigned long long)c->k, c->n, c->nconv);
            csv_num(&csv, c->worst_train);
            fal__sb_putc(&csv, ',');
            csv_num(&csv, c->worst_test);
            fal__sb_putc(&csv, ',');
            csv_num(&csv, c->best_test);
            fal__sb_putc(&csv, ',');
            csv_num(&csv, c->worst_opt);
            fal__sb_putc(&csv, ',');
            csv_num(&csv, c->log2c);
            fal__sb_putc(&csv, ',');
            csv_num(&csv, c->bits);
            fal__sb_putc(&csv, ',');
            fal__sb_csv(&csv, c->pred);
            fal__sb_putc(&csv, ',');
            fal__sb_puts(&csv, v);
            fal__sb_putc(&csv, ',');
            fal__sb_csv(&csv, g->group);
            fal__sb_putc(&csv, '\n');
            if (shown >= MAX_TABLE_ROWS) continue;
            shown++;
            fal__sb_puts(h, "<tr><td>");
            fal__sb_xml(h, g->label);
            fal__sb_printf(h, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%zu</td><td>%zu/%zu</td>",
                           (unsigned long long)g->params, (unsigned long long)g->depth, (unsigned long long)c->k, c->n,
                           c->nconv, c->n);
            html_num(h, c->worst_train);
            html_num(h, c->worst_test);
            html_num(h, c->worst_opt);
            html_num(h, c->log2c);
            html_num(h, c->bits);
            fal__sb_puts(h, "<td>");
            fal__sb_xml(h, c->pred[0] ? c->pred : "-");
            fal__sb_printf(h, "</td><td class=\"%s\">%s</td></tr>\n",
                           c->judged ? (c->holds ? "holds" : "fails") : "na", v);
        }
    }
    fal__sb_puts(h, "</tbody></table>\n");
    if (shown < total)
        fal__sb_printf(h, "<p class=\"note\">%zu of %zu rows shown; all of them are in the CSV.</p>\n", shown, total);
    fal__sb_printf(h, "<p><a href=\"%s-table.csv\">The measured table (CSV).</a></p>\n", slug);
    fal__sb path;
    fal__sb_init(&path, m->ctx);
    fal__sb_printf(&path, "%s/%s-table.csv", dir, slug);
    fal_status st = fal__sb_status(&path);
    if (st == FAL_OK) st = fal__sb_write_file(&csv, path.p);
    fal__sb_free(&path);
    fal__sb_free(&csv);
    return st;
}
/* The class figures of a group's architecture (fallacy classes), with the
 * options its key records; FAL_EINVAL (nothing computed) above the rank
 * limit: --max-rank-w, and MLP_RANK_W for the mlp, whose rank (probes
 * doubled until it stops growing, k_min by bisection) costs minutes
 * beyond a few thousand parameters (doc/mlp.md). */
#define MLP_RANK_W 2000.0
fal_status fal__rep_group_classes(model *m, const rgroup *g, fal_classes *cl)
{
    memset(cl, 0, sizeof *cl);
    int mlp = strcmp(g->family, "mlp") == 0;
    if ((double)g->params > m->o->max_rank_w || (mlp && (double)g->params > MLP_RANK_W)) return FAL_EINVAL;
    fal_arch *arch = NULL;
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_classes_family(g->family);
    char buf[32];
    fal_store_key_field(g->key, "field", buf, sizeof buf);
    cfg.field = strcmp(buf, "complex") == 0 ? FAL_COMPLEX : FAL_REAL;
    cfg.power = (unsigned)fal__rep_key_u64(g->key, "power");
    cfg.degree = (unsigned)fal__rep_key_u64(g->key, "degree");
    fal_store_key_field(g->key, "units", buf, sizeof buf);
    cfg.units = strcmp(buf, "heaviside") == 0 ? FAL_UNITS_HEAVISIDE : FAL_UNITS_SIGN;
    if (mlp) {
        fal_act act = FAL_ACT_DEFAULT;
        if (fal_store_key_field(g->key, "act", buf, sizeof buf)) (void)fal_act_parse(m->ctx, buf, &act);
        cfg.act = act;
        cfg.bias_off = fal_store_key_field(g->key, "bias", buf, sizeof buf) && strcmp(buf, "off") == 0;
        if (fal_store_key_field(g->key, "init_scale", buf, sizeof buf)) cfg.init_scale = strtod(buf, NULL);
        if (!(cfg.init_scale > 0)) cfg.init_scale = 0;
    }
    cfg.seed = 1;
    fal_status cs = FAL_EINVAL;
    if (cfg.family && fal_store_arch_parse(m->ctx, g->widths, &arch) == FAL_OK) {
        cfg.arch = arch;
        cs = fal_classes_compute(m->ctx, &cfg, cl);
    }
    fal_arch_free(arch);
    return cs;
}



/* The information table: for each architecture, log2 e (discrete) or the
 * Jacobian rank (continuous), against the bits (or numbers) that the
 * examples needed provide. */
fal_status fal__rep_info_table(model *m, const char *dir, fal__sb *h)
{
    fal__sb csv;
    fal__sb_init(&csv, m->ctx);
    fal__sb_puts(&csv, "id,family,architecture,w,log2_classes,function_dim,k_min,k_needed,bits_provided,"
                       "numbers_provided\n");
    fal__sb_puts(h, "<h2 id=\"information\">Information: what the examples must provide</h2>\n"
                    "<p>For discrete families, log2 e (the number of distinct functions) against the bits the "
                    "examples needed provide; for continuous ones the dimension of the function manifold (the "
                    "rank of the Jacobian of parameters to outputs, <code>fallacy classes</code>) and k_min, "
                    "against the numbers those examples provide (k x nL targets).</p>\n"
                    "<table><thead><tr><th>ID</th><th>family</th><th>architecture</th><th>w</th><th>log2 e</th>"
                    "<th>function dim</th><th>k_min</th><th>k needed</th><th>bits provided</th>"
                    "<th>numbers provided</th></tr></thead><tbody>\n");
    fal_status st = FAL_OK;
    for (size_t gi = 0; gi < m->ngroups && st == FAL_OK; gi++) {
        const rgroup *g = &m->groups[gi];
        int seen = 0;
        for (size_t j = 0; j < gi && !seen; j++)
            seen = !strcmp(m->groups[j].cat, g->cat) && !strcmp(m->groups[j].widths, g->widths);
        if (seen) continue;
        double log2c = NAN, bits = NAN;
        int found = 0;
        uint64_t kneed = 0;
        for (size_t j = gi; j < m->ngroups; j++) {
            const rgroup *x = &m->groups[j];
            if (strcmp(x->cat, g->cat) || strcmp(x->widths, g->widths)) continue;
            for (size_t ci = x->first; ci < x->first + x->ncells; ci++)
                if (isnan(log2c)) log2c = m->cells[ci].log2c;
            if (x->found && (!found || x->k_needed < kneed)) {
                found = 1;
                kneed = x->k_needed;
                bits = x->bits_needed;
            }
        }
        /* the rank, for continuous families small enough to take the Jacobian of */
        int have_rank = 0;
        fal_classes cl;
        memset(&cl, 0, sizeof cl);
        if (isnan(log2c)) {
            fal_status cs = fal__rep_group_classes(m, g, &cl);
            if (cs == FAL_OK && !cl.discrete) have_rank = 1;
            else if (cs == FAL_OK && cl.discrete) log2c = cl.log2_classes;
            else if (cs == FAL_ENOMEM) st = cs;
        }
        double numbers = found && have_rank ? (double)kneed * (double)g->nL : NAN;
        fal__sb_puts(h, "<tr><td>");
        fal__sb_xml(h, g->cat);
        fal__sb_puts(h, "</td><td>");
        fal__sb_xml(h, g->family);
        fal__sb_puts(h, "</td><td>A(");
        fal__sb_xml(h, g->widths);
        fal__sb_printf(h, ")</td><td>%llu</td>", (unsigned long long)g->params);
        html_num(h, log2c);
        if (have_rank)
            fal__sb_printf(h, "<td>%llu</td><td>%llu</td>", (unsigned long long)cl.function_dim,
                           (unsigned long long)cl.k_min);
        else
            fal__sb_puts(h, "<td class=\"na\">-</td><td class=\"na\">-</td>");
        if (found) fal__sb_printf(h, "<td>%llu</td>", (unsigned long long)kneed);
        else fal__sb_puts(h, "<td class=\"na\">-</td>");
        html_num(h, bits);
        html_num(h, numbers);
        fal__sb_puts(h, "</tr>\n");
        fal__sb_csv(&csv, g->cat);
        fal__sb_putc(&csv, ',');
        fal__sb_csv(&csv, g->family);
        fal__sb_putc(&csv, ',');
        fal__sb_csv(&csv, g->widths);
        fal__sb_printf(&csv, ",%llu,", (unsigned long long)g->params);
        csv_num(&csv, log2c);
        if (have_rank)
            fal__sb_printf(&csv, ",%llu,%llu,", (unsigned long long)cl.function_dim, (unsigned long long)cl.k_min);
        else
            fal__sb_puts(&csv, ",,,");
        if (found) fal__sb_printf(&csv, "%llu", (unsigned long long)kneed);
        fal__sb_putc(&csv, ',');
        csv_num(&csv, bits);
        fal__sb_putc(&csv, ',');
        csv_num(&csv, numbers);
        fal__sb_putc(&csv, '\n');
    }
    fal__sb_printf(h, "</tbody></table>\n<p>Ranks are computed for w &lt;= %g only. "
                      "<a href=\"information.csv\">The table (CSV).</a></p>\n", m->o->max_rank_w);
    fal__sb path;
    fal__sb_init(&path, m->ctx);
    fal__sb_printf(&path, "%s/information.csv", dir);
    if (st == FAL_OK) st = fal__sb_status(&path);
    if (st == FAL_OK) st = fal__sb_write_file(&csv, path.p);
    fal__sb_free(&path);
    fal__sb_free(&csv);
    return st;
}
