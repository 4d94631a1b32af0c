/* qnet.c -- `fallacy classes qnet ...` and `fallacy need qnet ...`: the
 * quantized networks of doc/qnet.md (their own options: the weight values,
 * the activation, sampling, the learning curve). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct qopts {
    const char *widths, *csv;
    fal_qnet q;
    uint64_t samples, sets, seed, teacher_seed;
    int have_samples, have_teacher, json;
    double eps;
} qopts;

/* The qnet options from the parsed command line (rows of tools/options.c). */
static int qnet_opts(fal_ctx *ctx, const cli_run *r, int need, qopts *o)
{
    memset(o, 0, sizeof *o);
    fal_qnet_init(&o->q);
    const char *prefix = need == 2 ? "fallacy: sweep: " : need ? "fallacy: need: " : "fallacy: ";
    if (!r->arch) {
        cli_err("%sqnet: give --widths n0,...,nL\n", prefix);
        return EXIT_USAGE;
    }
    o->widths = r->widths ? r->widths : "(uniform)";
    o->q.arch = r->arch;
    o->q.act = (fal_qact)r->qn.act;
    o->q.bias = !r->cfg.bias_off;
    /* --inputs is the column selection of --data for the other families;
     * for qnet it names the input cube */
    if (r->inputs && strcmp(r->inputs, "pm") && strcmp(r->inputs, "01")) {
        cli_err("%s--inputs '%s': pm ({-1,+1}) or 01 ({0,1})\n", prefix, r->inputs);
        return EXIT_USAGE;
    }
    o->q.inputs01 = r->inputs && !strcmp(r->inputs, "01");
    o->csv = r->qn.csv;
    o->json = r->json;
    o->seed = r->cfg.seed;
    o->have_samples = cli_given(&r->args, "--samples");
    o->samples = r->qn.samples;
    o->sets = cli_given(&r->args, "--sets") ? r->qn.sets : 1000;
    o->have_teacher = cli_given(&r->args, "--teacher-seed");
    o->teacher_seed = r->qn.teacher_seed;
    int hw = cli_given(&r->args, "--weights"), hl = cli_given(&r->args, "--levels");
    if (hw && hl) {
        cli_err("%sqnet: give --weights or --levels, not both\n", prefix);
        return EXIT_USAGE;
    }
    if (hw) {
        if (!strcmp(r->qn.weights, "gauss")) o->q.gauss = 1;
        else if (fal_qnet_parse_weights(ctx, r->qn.weights, &o->q) != FAL_OK) {
            cli_err("%s%s\n", prefix, fal_ctx_message(ctx));
            return EXIT_USAGE;
        }
    }
    if (hl && fal_qnet_levels(ctx, (unsigned)r->qn.levels, &o->q) != FAL_OK) {
        cli_err("%s%s\n", prefix, fal_ctx_message(ctx));
        return EXIT_USAGE;
    }
    if (o->q.gauss && !o->have_samples) {
        cli_err("%sqnet: --weights gauss (real weights) needs --samples S\n", prefix);
        return EXIT_USAGE;
    }
    return 0;
}

static void jnum(double v)
{
    if (isfinite(v)) printf("%.17g", v);
    else fputs("null", stdout);
}

static void print_arch(const fal_arch *a, const fal_qnet *q)
{
    static const char *acts[] = { "sign", "heaviside", "relu" };
    uint64_t L = fal_arch_depth(a);
    printf("\"widths\":[");
    for (uint64_t l = 0; l <= L; l++) printf(l ? ",%zu" : "%zu", fal_arch_width(a, l));
    printf("],\"act\":\"%s\",\"bias\":%s,\"inputs\":\"%s\",\"weights\":", acts[q->act], q->bias ? "true" : "false",
           q->inputs01 ? "01" : "pm");
    if (q->gauss) printf("\"gauss\"");
    else {
        putchar('[');
        for (int i = 0; i < q->nvalues; i++) printf(i ? ",%d" : "%d", q->values[i]);
        putchar(']');
    }
}

static void hex_table(FILE *f, const uint64_t *t, size_t nw)
{
    for (size_t i = nw; i-- > 0;) fprintf(f, "%016llx", (unsigned long long)t[i]);
}

/* Check the network; *w and *l2s receive the parameters and log2 settings.
 * need: 0 classes, 1 need, 2 sweep (the messages' prefix). */
static int setup(fal_ctx *ctx, const cli_run *r, int need, qopts *o, uint64_t *w, double *l2s)
{
    int rc = qnet_opts(ctx, r, need, o);
    if (rc) return rc;
    const char *prefix = need == 2 ? "fallacy: sweep: " : need ? "fallacy: need: " : "fallacy: ";
    fal_status st = fal_qnet_check(ctx, &o->q, w, l2s);
    if (st != FAL_OK) {
        cli_err("%s%s\n", prefix, fal_ctx_message(ctx));
        return cli_exit_code(st);
    }
    if (!o->have_samples && *l2s > FAL_QNET_MAX_LOG2_ENUM) {
        cli_err("%sqnet: log2 settings = %.4g exceeds the enumeration limit %.0f; use --samples S\n", prefix, *l2s,
                FAL_QNET_MAX_LOG2_ENUM);
        return EXIT_USAGE;
    }
    return 0;
}

static fal_status make_table(fal_ctx *ctx, const qopts *o, fal_qtable **t, double *seconds)
{
    double t0 = now();
    fal_status st = o->have_samples ? fal_qnet_sample(ctx, &o->q, o->samples, o->seed, t) : fal_qnet_enumerate(ctx, &o->q, t);
    *seconds = now() - t0;
    return st;
}

int cli_qnet_classes(fal_ctx *ctx, const cli_run *r)
{
    const fal_arch *arch = r->arch;
    fal_qtable *t = NULL;
    size_t *order = NULL;
    qopts o;
    uint64_t w = 0;
    double l2s = 0, secs = 0;
    int rc = setup(ctx, r, 0, &o, &w, &l2s);
    if (rc) goto out;
    fal_status st = make_table(ctx, &o, &t, &secs);
    if (st != FAL_OK) {
        cli_err("fallacy: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto out;
    }
    fal_qnet_stats s;
    fal_qtable_stats(t, &s);
    size_t n = fal_qtable_size(t), nw = fal_qtable_words(t), n0 = fal_arch_width(arch, 0);
    order = malloc((n ? n : 1) * sizeof(size_t));
    if (!order) {
        fputs("fallacy: out of memory\n", stderr);
        rc = EXIT_NOMEM;
        goto out;
    }
    fal_qtable_rank(ctx, t, order);
    size_t wpo = nw / fal_arch_width(arch, fal_arch_depth(arch));
    if (o.csv) {
        FILE *f = fopen(o.csv, "w");
        if (!f) {
            cli_err("fallacy: --csv '%s': cannot write the file\n", o.csv);
            rc = EXIT_USAGE;
            goto out;
        }
        fprintf(f, "rank,count,frequency,inputs_used,table\n");
        for (size_t rk = 0; rk < n; rk++) {
            const uint64_t *fn = fal_qtable_function(t, order[rk]);
            fprintf(f, "%zu,%llu,%.17g,%d,", rk + 1, (unsigned long long)fal_qtable_count(t, order[rk]),
                    (double)fal_qtable_count(t, order[rk]) / (double)s.total,
                    __builtin_popcountll(fal_qnet_support(fn, n0, wpo)));
            hex_table(f, fn, nw);
            fputc('\n', f);
        }
        if (fclose(f)) {
            cli_err("fallacy: --csv '%s': write failed\n", o.csv);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    int exact = !o.have_samples;
    size_t top = n < 10 ? n : 10;
    if (o.json) {
        printf("{\"id\":\"Q1\",\"family\":\"qnet\",");
        print_arch(arch, &o.q);
        printf(",\"params\":%llu,\"method\":\"%s\",\"log2_settings\":", (unsigned long long)w,
               exact ? "enumeration" : "sampling");
        jnum(l2s);
        printf(",\"samples\":");
        if (exact) printf("null");
        else printf("%llu", (unsigned long long)o.samples);
        printf(",\"classes\":%llu,\"classes_exact\":%s,\"log2_classes\":", (unsigned long long)s.classes,
               exact ? "true" : "false");
        jnum(s.log2_classes);
        printf(",\"largest_class\":%llu,\"smallest_class\":%llu,\"entropy\":", (unsigned long long)s.largest_class,
               (unsigned long long)s.smallest_class);
        jnum(exact ? s.entropy_plugin : s.entropy_miller_madow);
        printf(",\"entropy_stderr\":");
        jnum(exact ? 0 : s.entropy_stderr);
        printf(",\"entropy_plugin\":");
        jnum(s.entropy_plugin);
        printf(",\"entropy_miller_madow\":");
        jnum(exact ? NAN : s.entropy_miller_madow);
        printf(",\"entropy_chao_shen\":");
        jnum(exact ? NAN : s.entropy_chao_shen);
        printf(",\"singletons\":%llu,\"chao1\":", (unsigned long long)s.singletons);
        jnum(exact ? NAN : s.chao1);
        printf(",\"top\":[");
        for (size_t rk = 0; rk < top; rk++) {
            const uint64_t *fn = fal_qtable_function(t, order[rk]);
            printf("%s{\"count\":%llu,\"inputs_used\":%d,\"table\":\"", rk ? "," : "",
                   (unsigned long long)fal_qtable_count(t, order[rk]), __builtin_popcountll(fal_qnet_support(fn, n0, wpo)));
            hex_table(stdout, fn, nw);
            printf("\"}");
        }
        printf("]}\n");
    } else {
        if (o.q.gauss)
            printf("qnet (Q1) %s: w = %llu real (Gaussian) parameters, sampled in %.2f s\n", o.widths,
                   (unsigned long long)w, secs);
        else
            printf("qnet (Q1) %s: w = %llu parameters, log2 settings %.6g, %s in %.2f s\n", o.widths,
                   (unsigned long long)w, l2s, exact ? "enumerated" : "sampled", secs);
        if (exact) {
            printf("  e (functions)            %llu\n", (unsigned long long)s.classes);
            printf("  log2 e                   %.17g\n", s.log2_classes);
            printf("  largest class            %llu settings\n", (unsigned long long)s.largest_class);
            printf("  smallest class           %llu settings\n", (unsigned long long)s.smallest_class);
            printf("  entropy                  %.6f bits\n", s.entropy_plugin);
        } else {
            printf("  samples                  %llu\n", (unsigned long long)o.samples);
            printf("  functions seen           %llu (a lower bound on e; log2 %.4f)\n", (unsigned long long)s.classes,
                   s.log2_classes);
            printf("  seen once                %llu (Chao1 estimate of e %.4g)\n", (unsigned long long)s.singletons,
                   s.chao1);
            printf("  largest count            %llu (p = %.3g); smallest %llu\n", (unsigned long long)s.largest_class,
                   (double)s.largest_class / (double)s.total, (unsigned long long)s.smallest_class);
            printf("  entropy                  %.4f +- %.4f bits (Miller-Madow; plug-in %.4f, Chao-Shen %.4f)\n",
                   s.entropy_miller_madow, s.entropy_stderr, s.entropy_plugin, s.entropy_chao_shen);
        }
        printf("  most frequent functions (count, inputs used, truth table):\n");
        for (size_t rk = 0; rk < top; rk++) {
            const uint64_t *fn = fal_qtable_function(t, order[rk]);
            printf("    %12llu  %d  ", (unsigned long long)fal_qtable_count(t, order[rk]),
                   __builtin_popcountll(fal_qnet_support(fn, n0, wpo)));
            hex_table(stdout, fn, nw);
            putchar('\n');
        }
    }
out:
    free(order);
    fal_qtable_free(t);
    return rc;
}

int cli_qnet_need(fal_ctx *ctx, const cli_run *r, double eps)
{
    const fal_arch *arch = r->arch;
    fal_qtable *t = NULL;
    fal_qcurve_point *curve = NULL;
    uint32_t *dig = NULL;
    qopts o;
    uint64_t w = 0, teacher[64];
    double l2s = 0, secs = 0;
    int rc = setup(ctx, r, 1, &o, &w, &l2s);
    o.eps = eps;
    if (rc) goto out;
    size_t n0 = fal_arch_width(arch, 0), nL = fal_arch_width(arch, fal_arch_depth(arch)), P = (size_t)1 << n0;
    if (n0 > 6 || nL > 64) {
        cli_err("fallacy: need qnet: the exact curve needs n0 <= 6 and nL <= 64 (got %zu, %zu)\n", n0, nL);
        rc = EXIT_USAGE;
        goto out;
    }
    fal_status st = make_table(ctx, &o, &t, &secs);
    if (st == FAL_OK && o.have_teacher) { /* a uniform setting drawn with the teacher seed */
        dig = malloc(w * sizeof(uint32_t));
        if (!dig) st = FAL_ENOMEM;
        else {
            fal_rng g;
            fal_rng_seed(&g, o.teacher_seed);
            for (uint64_t d = 0; d < w; d++) dig[d] = (uint32_t)fal_rng_below(&g, (uint64_t)o.q.nvalues);
            st = fal_qnet_eval(ctx, &o.q, dig, teacher);
        }
    }
    curve = st == FAL_OK ? malloc(P * sizeof *curve) : NULL;
    if (st == FAL_OK && !curve) st = FAL_ENOMEM;
    if (st == FAL_OK) st = fal_qnet_curve(ctx, t, n0, nL, o.have_teacher ? teacher : NULL, o.sets, o.seed, curve);
    if (st != FAL_OK) {
        cli_err("fallacy: %s\n", st == FAL_ENOMEM && !*fal_ctx_message(ctx) ? "out of memory" : fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto out;
    }
    fal_qnet_stats s;
    fal_qtable_stats(t, &s);
    size_t kneed = P;
    for (size_t k = 0; k < P && kneed == P; k++)
        if (curve[k].error <= o.eps) kneed = k;
    int found = kneed < P;
    if (o.json) {
        printf("{\"id\":\"Q1\",\"family\":\"qnet\",");
        print_arch(arch, &o.q);
        printf(",\"params\":%llu,\"log2_settings\":", (unsigned long long)w);
        jnum(l2s);
        printf(",\"classes\":%llu,\"log2_classes\":", (unsigned long long)s.classes);
        jnum(s.log2_classes);
        printf(",\"entropy\":");
        jnum(s.entropy_plugin);
        printf(",\"teacher\":");
        if (o.have_teacher) printf("%llu", (unsigned long long)o.teacher_seed);
        else printf("\"uniform\"");
        printf(",\"eps\":");
        jnum(o.eps);
        printf(",\"found\":%s,\"k_needed\":", found ? "true" : "false");
        if (found) printf("%zu", kneed);
        else printf("null");
        printf(",\"curve\":[");
        for (size_t k = 0; k < P; k++) {
            printf("%s{\"k\":%zu,\"error\":", k ? "," : "", k);
            jnum(curve[k].error);
            printf(",\"stderr\":");
            jnum(curve[k].stderr_);
            printf(",\"spread\":");
            jnum(curve[k].spread);
            printf(",\"sets\":%llu,\"bits_targets\":%llu,\"bits_inputs\":%llu}", (unsigned long long)curve[k].sets,
                   (unsigned long long)(k * nL), (unsigned long long)(k * n0));
        }
        printf("]}\n");
    } else {
        printf("qnet (Q1) %s: w = %llu, log2 e = %.6g, entropy %.6g bits, teacher %s\n", o.widths,
               (unsigned long long)w, s.log2_classes, s.entropy_plugin, o.have_teacher ? "fixed (--teacher-seed)" : "uniform setting");
        printf("  %4s  %-12s %-11s %-11s %8s  %12s %11s\n", "k", "error", "spread", "stderr", "sets", "bits_targets",
               "bits_inputs");
        for (size_t k = 0; k < P; k++)
            printf("  %4zu  %-12.6g %-11.4g %-11.4g %8llu  %12zu %11zu\n", k, curve[k].error, curve[k].spread,
                   curve[k].stderr_, (unsigned long long)curve[k].sets, k * nL, k * n0);
        if (found) printf("  k needed for error <= %g: %zu (k n0 = %zu bits of inputs, log2 e = %.4g)\n", o.eps, kneed,
                          kneed * n0, s.log2_classes);
        else printf("  NOT FOUND: no k < %zu reaches expected error %g\n", P, o.eps);
    }
    if (!found) {
        cli_err("fallacy: need: no k < %zu reaches expected error %g\n", P, o.eps);
        rc = EXIT_FAILED;
    }
out:
    free(dig);
    free(curve);
    fal_qtable_free(t);
    return rc;
}

/* ---- into a database: `fallacy sweep qnet`, `fallacy demo` ----------------- */

/* The key of a stored qnet result (doc/qnet.md, "In a database"): every
 * option that changes it, the kind of row first after the family. */
static int qnet_key(fal_ctx *ctx, const fal_qnet *q, const char *kind, const qopts *o, char *buf, size_t cap)
{
    static const char *acts[] = { "sign", "heaviside", "relu" };
    char arch[512];
    if (fal_store_arch_text(ctx, q->arch, arch, sizeof arch, NULL) != FAL_OK) return -1;
    int n = snprintf(buf, cap, "family=qnet;kind=%s;arch=%s;act=%s;bias=%s;inputs=%s;weights=", kind, arch,
                     acts[q->act], q->bias ? "on" : "off", q->inputs01 ? "01" : "pm");
    for (int i = 0; i < q->nvalues && n > 0 && (size_t)n < cap; i++)
        n += snprintf(buf + n, cap - (size_t)n, i ? ",%d" : "%d", q->values[i]);
    if (!strcmp(kind, "curve") && n > 0 && (size_t)n < cap) {
        if (o->have_teacher)
            n += snprintf(buf + n, cap - (size_t)n, ";teacher=%llu", (unsigned long long)o->teacher_seed);
        else n += snprintf(buf + n, cap - (size_t)n, ";teacher=uniform");
        if ((size_t)n < cap)
            n += snprintf(buf + n, cap - (size_t)n, ";sets=%llu;seed=%llu", (unsigned long long)o->sets,
                          (unsigned long long)o->seed);
    }
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* A growable text (the curve's JSON). */
typedef struct text {
    char *p;
    size_t len, cap;
    int oom;
} text;

static void tput(text *t, const char *fmt, double a, double b)
{
    char tmp[96];
    int n = isfinite(b) ? snprintf(tmp, sizeof tmp, fmt, a, b) : snprintf(tmp, sizeof tmp, "%s[%.17g,null]",
                                                                          fmt[0] == ',' ? "," : "", a);
    if (n < 0 || t->oom) return;
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 4096;
        while (nc < t->len + (size_t)n + 1) nc *= 2;
        char *p = realloc(t->p, nc);
        if (!p) {
            t->oom = 1;
            return;
        }
        t->p = p;
        t->cap = nc;
    }
    memcpy(t->p + t->len, tmp, (size_t)n + 1);
    t->len += (size_t)n;
}

static void tstr(text *t, const char *s)
{
    size_t n = strlen(s);
    if (t->oom) return;
    if (t->len + n + 1 > t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 4096;
        while (nc < t->len + n + 1) nc *= 2;
        char *p = realloc(t->p, nc);
        if (!p) {
            t->oom = 1;
            return;
        }
        t->p = p;
        t->cap = nc;
    }
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

/* The stats shared by both rows, as the extras object. */
static void stats_extras(text *t, const fal_qnet_stats *s, double l2s, size_t n0, size_t nL, double khalf)
{
    char b[512];
    snprintf(b, sizeof b,
             "{\"classes\":%llu,\"entropy\":%.17g,\"log2_settings\":%.17g,\"largest_class\":%llu,"
             "\"smallest_class\":%llu,\"settings\":%.17g,\"n0\":%zu,\"nL\":%zu",
             (unsigned long long)s->classes, s->entropy_plugin, l2s, (unsigned long long)s->largest_class,
             (unsigned long long)s->smallest_class, (double)s->total, n0, nL);
    tstr(t, b);
    if (isfinite(khalf)) {
        snprintf(b, sizeof b, ",\"k_half\":%.17g", khalf);
        tstr(t, b);
    }
    tstr(t, "}");
}

int cli_qnet_store(fal_ctx *ctx, fal_store *store, const cli_run *r, cli_qnet_summary *sum)
{
    fal_qtable *t = NULL;
    fal_qcurve_point *curve = NULL;
    uint32_t *dig = NULL;
    size_t *order = NULL;
    double *err = NULL;
    text ctext = { 0 }, rtext = { 0 }, extras = { 0 };
    qopts o;
    uint64_t w = 0, teacher[64];
    double l2s = 0, secs = 0;
    memset(sum, 0, sizeof *sum);
    int rc = setup(ctx, r, 2, &o, &w, &l2s);
    if (rc) return rc;
    const fal_arch *arch = r->arch;
    size_t n0 = fal_arch_width(arch, 0), nL = fal_arch_width(arch, fal_arch_depth(arch)), P = (size_t)1 << n0;
    if (o.have_samples || o.q.gauss || n0 > 6 || nL > 64) {
        cli_err("fallacy: sweep: qnet %s: the stored curve is exact: an enumerable net with n0 <= 6 and nL <= 64\n",
                o.widths);
        return EXIT_USAGE;
    }
    char kc[1024], kt[1024];
    if (qnet_key(ctx, &o.q, "curve", &o, kc, sizeof kc) || qnet_key(ctx, &o.q, "classes", &o, kt, sizeof kt)) {
        cli_err("fallacy: sweep: qnet %s: the key is too long\n", o.widths);
        return EXIT_USAGE;
    }
    int hc = 0, ht = 0;
    fal_status st = fal_store_has(store, kc, &hc);
    if (st == FAL_OK) st = fal_store_has(store, kt, &ht);
    if (st == FAL_OK && hc && ht) {
        sum->stored_before = 1;
        return 0;
    }
    double t0 = now();
    if (st == FAL_OK) st = make_table(ctx, &o, &t, &secs);
    if (st == FAL_OK && o.have_teacher) {
        dig = malloc(w * sizeof(uint32_t));
        if (!dig) st = FAL_ENOMEM;
        else {
            fal_rng g;
            fal_rng_seed(&g, o.teacher_seed);
            for (uint64_t d = 0; d < w; d++) dig[d] = (uint32_t)fal_rng_below(&g, (uint64_t)o.q.nvalues);
            st = fal_qnet_eval(ctx, &o.q, dig, teacher);
        }
    }
    curve = st == FAL_OK ? malloc(P * sizeof *curve) : NULL;
    err = curve ? malloc(P * sizeof *err) : NULL;
    if (st == FAL_OK && !err) st = FAL_ENOMEM;
    if (st == FAL_OK) st = fal_qnet_curve(ctx, t, n0, nL, o.have_teacher ? teacher : NULL, o.sets, o.seed, curve);
    if (st != FAL_OK) {
        cli_err("fallacy: sweep: qnet %s: %s\n", o.widths,
                st == FAL_ENOMEM && !*fal_ctx_message(ctx) ? "out of memory" : fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto out;
    }
    double seconds = now() - t0;
    fal_qnet_stats s;
    fal_qtable_stats(t, &s);
    for (size_t k = 0; k < P; k++) err[k] = curve[k].error;
    double khalf = fal_qnet_half_k(err, P);
    /* the curve: [[k, error], ...] */
    for (size_t k = 0; k < P; k++) tput(&ctext, k ? ",[%.17g,%.17g]" : "[[%.17g,%.17g]", (double)k, err[k]);
    tstr(&ctext, "]");
    /* the rank-frequency: the first and last rank of each run of equal
     * class sizes (the figure is a step function: these points are all of it) */
    size_t n = fal_qtable_size(t);
    order = malloc((n ? n : 1) * sizeof *order);
    if (!order) {
        rc = EXIT_NOMEM;
        fputs("fallacy: out of memory\n", stderr);
        goto out;
    }
    fal_qtable_rank(ctx, t, order);
    for (size_t i = 0; i < n;) {
        uint64_t c = fal_qtable_count(t, order[i]);
        size_t j = i;
        while (j + 1 < n && fal_qtable_count(t, order[j + 1]) == c) j++;
        double f = (double)c / (double)s.total;
        tput(&rtext, i ? ",[%.17g,%.17g]" : "[[%.17g,%.17g]", (double)(i + 1), f);
        if (j > i) tput(&rtext, ",[%.17g,%.17g]", (double)(j + 1), f);
        i = j + 1;
    }
    tstr(&rtext, "]");
    stats_extras(&extras, &s, l2s, n0, nL, khalf);
    if (ctext.oom || rtext.oom || extras.oom) {
        rc = EXIT_NOMEM;
        fputs("fallacy: out of memory\n", stderr);
        goto out;
    }
    char widths[512];
    fal_store_arch_text(ctx, arch, widths, sizeof widths, NULL);
    fal_store_row row;
    memset(&row, 0, sizeof row);
    row.id = "Q1";
    row.family = "qnet";
    row.widths = widths;
    row.depth = fal_arch_depth(arch);
    row.params = w;
    row.examples = 0;
    row.train_error = row.test_error = row.optimum_error = row.bits_provided = NAN;
    row.log2_classes = s.log2_classes;
    row.converged = 1;
    row.seconds = seconds;
    row.extras = extras.p;
    if (!hc) {
        row.key = kc;
        row.algo = "gibbs";
        row.seed = o.seed;
        row.curve = ctext.p;
        st = fal_store_put_row(store, &row, NULL);
    }
    if (st == FAL_OK && !ht) {
        row.key = kt;
        row.algo = "enumeration";
        row.seed = 0;
        row.curve = rtext.p;
        st = fal_store_put_row(store, &row, NULL);
    }
    if (st != FAL_OK) {
        cli_err("fallacy: sweep: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto out;
    }
    sum->params = w;
    sum->n0 = n0;
    sum->nL = nL;
    sum->classes = s.classes;
    sum->log2_classes = s.log2_classes;
    sum->entropy = s.entropy_plugin;
    sum->khalf = khalf;
    sum->error0 = err[0];
    sum->seconds = seconds;
out:
    free(ctext.p);
    free(rtext.p);
    free(extras.p);
    free(order);
    free(err);
    free(dig);
    free(curve);
    fal_qtable_free(t);
    return rc;
}

int cli_qnet_sweep(fal_ctx *ctx, const cli_run *r, const sweep_opts *so)
{
    if (!so->widths || so->depth || so->width) {
        cli_err("fallacy: sweep: qnet: give the architectures as --widths 'a,b,c;d,e,f' (no --depth/--width)\n");
        return EXIT_USAGE;
    }
    if (!so->db) {
        cli_err("fallacy: sweep: --db FILE.sqlite is required (where the runs are stored)\n");
        return EXIT_USAGE;
    }
    /* every architecture parsed and checked before anything runs */
    size_t len = strlen(so->widths), na = 0;
    char *copy = malloc(len + 1);
    fal_arch **archs = calloc(len / 2 + 2, sizeof *archs);
    const char **names = calloc(len / 2 + 2, sizeof *names);
    int rc = 0;
    fal_store *store = NULL;
    if (!copy || !archs || !names) {
        fputs("fallacy: out of memory\n", stderr);
        rc = EXIT_NOMEM;
        goto out;
    }
    memcpy(copy, so->widths, len + 1);
    for (char *p = copy; p && !rc;) {
        char *end = strchr(p, ';');
        if (end) *end = '\0';
        if (!*p || fal_arch_parse(ctx, p, &archs[na]) != FAL_OK) {
            cli_err("fallacy: sweep: --widths '%s': %s\n", p, *p ? fal_ctx_message(ctx) : "an empty architecture");
            rc = EXIT_USAGE;
            break;
        }
        names[na++] = p;
        p = end ? end + 1 : NULL;
    }
    for (size_t i = 0; i < na && !rc; i++) {
        cli_run one = *r;
        one.arch = archs[i];
        one.widths = names[i];
        qopts o;
        uint64_t w;
        double l2s;
        rc = setup(ctx, &one, 2, &o, &w, &l2s);
        size_t n0 = fal_arch_width(archs[i], 0), nL = fal_arch_width(archs[i], fal_arch_depth(archs[i]));
        if (!rc && (o.have_samples || n0 > 6 || nL > 64)) {
            cli_err("fallacy: sweep: qnet %s: the stored curve is exact: n0 <= 6 and nL <= 64\n", names[i]);
            rc = EXIT_USAGE;
        }
    }
    if (rc) goto out;
    fal_status st = fal_store_open(ctx, so->db, FAL_STORE_CREATE, &store);
    if (st != FAL_OK) {
        cli_err("fallacy: sweep: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto out;
    }
    size_t before = 0;
    for (size_t i = 0; i < na && !rc; i++) {
        cli_run one = *r;
        one.arch = archs[i];
        one.widths = names[i];
        cli_qnet_summary s;
        rc = cli_qnet_store(ctx, store, &one, &s);
        if (rc) break;
        before += s.stored_before ? 1u : 0u;
        if (s.stored_before) fprintf(stderr, "sweep: qnet A(%s): stored before\n", names[i]);
        else {
            fprintf(stderr, "sweep: qnet A(%s): w = %llu, e = %llu, log2 e = %.4g, entropy %.4g bits, k1/2 = %.4g "
                    "(%.3g s)\n", names[i], (unsigned long long)s.params, (unsigned long long)s.classes,
                    s.log2_classes, s.entropy, s.khalf, s.seconds);
            if (r->json)
                printf("{\"id\":\"Q1\",\"family\":\"qnet\",\"widths\":\"%s\",\"params\":%llu,\"classes\":%llu,"
                       "\"log2_classes\":%.17g,\"entropy\":%.17g,\"k_half\":%.17g}\n",
                       names[i], (unsigned long long)s.params, (unsigned long long)s.classes, s.log2_classes,
                       s.entropy, s.khalf);
        }
    }
    if (!rc)
        fprintf(stderr, "sweep: %zu qnet architectures: %zu run now, %zu stored before -> %s\n", na, na - before,
                before, so->db);
out:
    fal_store_close(store);
    for (size_t i = 0; i < na; i++) fal_arch_free(archs[i]);
    free(archs);
    free(names);
    free(copy);
    return rc;
}
