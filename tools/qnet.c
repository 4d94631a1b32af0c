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
    uint64_t samples, sets, seed, teacher_seed, threads;
    int have_samples, have_teacher, have_eps, json, have_weights, have_levels, have_sets;
    double eps;
} qopts;

static int qerr(const char *fmt, const char *a)
{
    fputs("fallacy: ", stderr);
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

static int u64(const char *s, uint64_t *out)
{
    if (!s || !*s) return -1;
    uint64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (p == s) return -1;
    if (*p == 'e' || *p == 'E') { /* 1e7 */
        p++;
        unsigned e = 0;
        if (*p < '0' || *p > '9') return -1;
        for (; *p >= '0' && *p <= '9'; p++) e = e * 10 + (unsigned)(*p - '0');
        for (unsigned i = 0; i < e; i++) {
            if (v > UINT64_MAX / 10) return -1;
            v *= 10;
        }
    }
    if (*p) return -1;
    *out = v;
    return 0;
}

/* need: 1 when called for `need` (--eps, --sets, --teacher-seed allowed). */
static int parse(int argc, char **argv, int need, fal_ctx *ctx, qopts *o)
{
    memset(o, 0, sizeof *o);
    fal_qnet_init(&o->q);
    o->sets = 1000;
    o->threads = 1;
    for (int i = 1; i < argc; i++) { /* argv[0] is "qnet" */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--json")) { o->json = 1; continue; }
        if (!strcmp(a, "--no-bias")) { o->q.bias = 0; continue; }
        if (a[0] != '-' || a[1] != '-') return qerr("unexpected argument '%s'", a);
        int known = !strcmp(a, "--widths") || !strcmp(a, "--act") || !strcmp(a, "--weights") ||
                    !strcmp(a, "--levels") || !strcmp(a, "--inputs") || !strcmp(a, "--samples") ||
                    !strcmp(a, "--seed") || !strcmp(a, "--threads") || !strcmp(a, "--csv") ||
                    (need && (!strcmp(a, "--eps") || !strcmp(a, "--sets") || !strcmp(a, "--teacher-seed")));
        if (!known) return qerr("qnet: unknown option '%s'", a);
        if (!v) return qerr("option %s needs a value", a);
        i++;
        uint64_t u;
        if (!strcmp(a, "--widths")) o->widths = v;
        else if (!strcmp(a, "--act")) {
            if (!strcmp(v, "sign")) o->q.act = FAL_QACT_SIGN;
            else if (!strcmp(v, "heaviside")) o->q.act = FAL_QACT_HEAVISIDE;
            else if (!strcmp(v, "relu")) o->q.act = FAL_QACT_RELU;
            else return qerr("--act '%s': sign, heaviside or relu", v);
        } else if (!strcmp(a, "--weights")) {
            o->have_weights = 1;
            if (!strcmp(v, "gauss")) o->q.gauss = 1;
            else if (fal_qnet_parse_weights(ctx, v, &o->q) != FAL_OK) return qerr("%s", fal_ctx_message(ctx));
        } else if (!strcmp(a, "--levels")) {
            o->have_levels = 1;
            if (u64(v, &u) || u > 1000 || fal_qnet_levels(ctx, (unsigned)u, &o->q) != FAL_OK)
                return qerr("--levels '%s': need an integer q in [1, 31] (values -q..q)", v);
        } else if (!strcmp(a, "--inputs")) {
            if (!strcmp(v, "pm")) o->q.inputs01 = 0;
            else if (!strcmp(v, "01")) o->q.inputs01 = 1;
            else return qerr("--inputs '%s': pm ({-1,+1}) or 01 ({0,1})", v);
        } else if (!strcmp(a, "--samples")) {
            if (u64(v, &u) || u < 1 || u > (uint64_t)1e12) return qerr("--samples '%s': need an integer in [1, 10^12]", v);
            o->samples = u;
            o->have_samples = 1;
        } else if (!strcmp(a, "--seed")) {
            if (u64(v, &o->seed)) return qerr("--seed '%s': need a non-negative integer", v);
        } else if (!strcmp(a, "--threads")) {
            if (u64(v, &o->threads) || o->threads < 1 || o->threads > 1024)
                return qerr("--threads '%s': need an integer in [1, 1024]", v);
        } else if (!strcmp(a, "--csv")) {
            o->csv = v;
        } else if (!strcmp(a, "--eps")) {
            char *end;
            errno = 0;
            o->eps = strtod(v, &end);
            if (!*v || *end || errno || !isfinite(o->eps) || !(o->eps > 0))
                return qerr("need: --eps '%s': need a finite number > 0", v);
            o->have_eps = 1;
        } else if (!strcmp(a, "--sets")) {
            if (u64(v, &o->sets) || o->sets < 1 || o->sets > 1000000)
                return qerr("--sets '%s': need an integer in [1, 10^6]", v);
            o->have_sets = 1;
        } else if (!strcmp(a, "--teacher-seed")) {
            if (u64(v, &o->teacher_seed)) return qerr("--teacher-seed '%s': need a non-negative integer", v);
            o->have_teacher = 1;
        }
    }
    if (!o->widths) return qerr("qnet: give --widths n0,...,nL%s", "");
    if (o->have_weights && o->have_levels) return qerr("qnet: give --weights or --levels, not both%s", "");
    if (o->q.gauss && !o->have_samples) return qerr("qnet: --weights gauss (real weights) needs --samples S%s", "");
    if (need && !o->have_eps) return qerr("need: --eps E is required (the expected error to reach)%s", "");
    if (need && o->have_samples) return qerr("need: qnet's curve is exact: --samples does not apply%s", "");
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

/* Set up: context, architecture, check.  Returns 0 or an exit code. */
static int setup(int argc, char **argv, int need, fal_ctx **ctx, fal_arch **arch, qopts *o, uint64_t *w, double *l2s)
{
    if (fal_ctx_new(ctx, NULL) != FAL_OK) {
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    int rc = parse(argc, argv, need, *ctx, o);
    if (rc) return rc;
    fal_ctx_set_mem_limit(*ctx, fal_mem_available());
    fal_ctx_set_threads(*ctx, (int)o->threads);
    fal_status st = fal_arch_parse(*ctx, o->widths, arch);
    if (st == FAL_OK) {
        o->q.arch = *arch;
        st = fal_qnet_check(*ctx, &o->q, w, l2s);
    }
    if (st == FAL_OK && !o->have_samples && *l2s > FAL_QNET_MAX_LOG2_ENUM)
        st = FAL_EINVAL, fprintf(stderr, "fallacy: qnet: log2 settings = %.4g exceeds the enumeration limit %.0f; use --samples S\n",
                                 *l2s, FAL_QNET_MAX_LOG2_ENUM);
    else if (st != FAL_OK) fprintf(stderr, "fallacy: %s\n", fal_ctx_message(*ctx));
    return st == FAL_OK ? 0 : cli_exit_code(st);
}

static fal_status make_table(fal_ctx *ctx, const qopts *o, fal_qtable **t, double *seconds)
{
    double t0 = now();
    fal_status st = o->have_samples ? fal_qnet_sample(ctx, &o->q, o->samples, o->seed, t) : fal_qnet_enumerate(ctx, &o->q, t);
    *seconds = now() - t0;
    return st;
}

int cli_qnet_classes(int argc, char **argv)
{
    fal_ctx *ctx = NULL;
    fal_arch *arch = NULL;
    fal_qtable *t = NULL;
    size_t *order = NULL;
    qopts o;
    uint64_t w = 0;
    double l2s = 0, secs = 0;
    int rc = setup(argc, argv, 0, &ctx, &arch, &o, &w, &l2s);
    if (rc) goto out;
    fal_status st = make_table(ctx, &o, &t, &secs);
    if (st != FAL_OK) {
        fprintf(stderr, "fallacy: %s\n", fal_ctx_message(ctx));
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
            fprintf(stderr, "fallacy: --csv '%s': cannot write the file\n", o.csv);
            rc = EXIT_USAGE;
            goto out;
        }
        fprintf(f, "rank,count,frequency,inputs_used,table\n");
        for (size_t r = 0; r < n; r++) {
            const uint64_t *fn = fal_qtable_function(t, order[r]);
            fprintf(f, "%zu,%llu,%.17g,%d,", r + 1, (unsigned long long)fal_qtable_count(t, order[r]),
                    (double)fal_qtable_count(t, order[r]) / (double)s.total,
                    __builtin_popcountll(fal_qnet_support(fn, n0, wpo)));
            hex_table(f, fn, nw);
            fputc('\n', f);
        }
        if (fclose(f)) {
            fprintf(stderr, "fallacy: --csv '%s': write failed\n", o.csv);
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
        for (size_t r = 0; r < top; r++) {
            const uint64_t *fn = fal_qtable_function(t, order[r]);
            printf("%s{\"count\":%llu,\"inputs_used\":%d,\"table\":\"", r ? "," : "",
                   (unsigned long long)fal_qtable_count(t, order[r]), __builtin_popcountll(fal_qnet_support(fn, n0, wpo)));
            hex_table(stdout, fn, nw);
            printf("\"}");
        }
        printf("]}\n");
    } else {
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
        for (size_t r = 0; r < top; r++) {
            const uint64_t *fn = fal_qtable_function(t, order[r]);
            printf("    %12llu  %d  ", (unsigned long long)fal_qtable_count(t, order[r]),
                   __builtin_popcountll(fal_qnet_support(fn, n0, wpo)));
            hex_table(stdout, fn, nw);
            putchar('\n');
        }
    }
out:
    free(order);
    fal_qtable_free(t);
    fal_arch_free(arch);
    fal_ctx_free(ctx);
    return rc;
}

int cli_qnet_need(int argc, char **argv)
{
    fal_ctx *ctx = NULL;
    fal_arch *arch = NULL;
    fal_qtable *t = NULL;
    fal_qcurve_point *curve = NULL;
    uint32_t *dig = NULL;
    qopts o;
    uint64_t w = 0, teacher[64];
    double l2s = 0, secs = 0;
    int rc = setup(argc, argv, 1, &ctx, &arch, &o, &w, &l2s);
    if (rc) goto out;
    size_t n0 = fal_arch_width(arch, 0), nL = fal_arch_width(arch, fal_arch_depth(arch)), P = (size_t)1 << n0;
    if (n0 > 6 || nL > 64) {
        fprintf(stderr, "fallacy: need qnet: the exact curve needs n0 <= 6 and nL <= 64 (got %zu, %zu)\n", n0, nL);
        rc = EXIT_USAGE;
        goto out;
    }
    fal_status st = make_table(ctx, &o, &t, &secs);
    if (st == FAL_OK && o.have_teacher) { /* a uniform setting drawn with the teacher seed */
        dig = malloc(w * sizeof(uint32_t));
        if (!dig) st = FAL_ENOMEM;
        else {
            fal_rng r;
            fal_rng_seed(&r, o.teacher_seed);
            for (uint64_t d = 0; d < w; d++) dig[d] = (uint32_t)fal_rng_below(&r, (uint64_t)o.q.nvalues);
            st = fal_qnet_eval(ctx, &o.q, dig, teacher);
        }
    }
    curve = st == FAL_OK ? malloc(P * sizeof *curve) : NULL;
    if (st == FAL_OK && !curve) st = FAL_ENOMEM;
    if (st == FAL_OK) st = fal_qnet_curve(ctx, t, n0, nL, o.have_teacher ? teacher : NULL, o.sets, o.seed, curve);
    if (st != FAL_OK) {
        fprintf(stderr, "fallacy: %s\n", st == FAL_ENOMEM && !*fal_ctx_message(ctx) ? "out of memory" : fal_ctx_message(ctx));
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
        fprintf(stderr, "fallacy: need: no k < %zu reaches expected error %g\n", P, o.eps);
        rc = EXIT_FAILED;
    }
out:
    free(dig);
    free(curve);
    fal_qtable_free(t);
    fal_arch_free(arch);
    fal_ctx_free(ctx);
    return rc;
}
