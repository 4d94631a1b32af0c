/* fallacy.c -- the command-line tool: list, run, demo.  Only the public
 * API is used here; this is the only place that prints and exits. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const char *USAGE =
    "usage: fallacy list\n"
    "       fallacy run FAMILY [--widths n0,...,nL | --depth L [--width n]] [--examples k]\n"
    "                          [--test N] [--algo gd|fa|exact] [--steps S] [--lr R] [--tol T]\n"
    "                          [--seed S] [--data FILE.csv|FILE.npy] [--field real|complex]\n"
    "                          [--subspace D] [--init default|signs] [--threads T] [--json]\n"
    "                          [--power q] [--units sign|heaviside] [--degree d] [--features w]\n"
    "                          [--act relu|leaky-relu|tanh|sigmoid|linear] [--bias on|off]\n"
    "                          [--init-scale s] [--teacher-widths n0,...,nL]   (mlp; --algo gd|adam|lbfgs)\n"
    "       fallacy classes FAMILY [arch options] [--examples k] [--verify] [--walk N] [--draws D] [--json]\n"
    "       fallacy need FAMILY [run options] --eps E [--seeds S] [--kmax K] [--json]\n"
    "       fallacy sweep FAMILY [grid options] --db FILE.sqlite [--seeds S] [--shard i/N]\n"
    "       fallacy merge OUT.sqlite IN.sqlite...\n"
    "       fallacy report --db FILE.sqlite --out DIR\n"
    "       fallacy demo [--out DIR] [--json]\n"
    "       fallacy version\n";

int cli_exit_code(fal_status st)
{
    switch (st) {
    case FAL_OK: return EXIT_OK;
    case FAL_ENOCONV: return EXIT_FAILED;
    case FAL_ENOMEM: return EXIT_NOMEM;
    case FAL_EINTERNAL: return EXIT_FAILED;
    default: return EXIT_USAGE;
    }
}

/* ---- JSON ------------------------------------------------------------- */

static void json_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.17g", v);
    else fputs("null", f);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

/* Widths are listed in full up to this depth; deeper uniform nets give
 * "widths": null with "depth" and "width" (a 10^9-entry array helps no one). */
#define JSON_MAX_LAYERS 100000

void cli_print_json(FILE *f, const fal_result *r)
{
    uint64_t L = fal_arch_depth(r->arch);
    fprintf(f, "{\"id\":");
    json_str(f, r->id);
    fprintf(f, ",\"family\":");
    json_str(f, r->family);
    fprintf(f, ",\"algo\":");
    json_str(f, r->algo);
    fprintf(f, ",\"widths\":");
    if (L + 1 <= JSON_MAX_LAYERS) {
        fputc('[', f);
        for (uint64_t i = 0; i <= L; i++) fprintf(f, i ? ",%zu" : "%zu", fal_arch_width(r->arch, i));
        fputc(']', f);
    } else {
        fputs("null", f);
    }
    fprintf(f, ",\"depth\":%llu", (unsigned long long)L);
    if (fal_arch_is_uniform(r->arch)) fprintf(f, ",\"width\":%zu", fal_arch_width(r->arch, 0));
    fprintf(f, ",\"params\":%llu,\"examples\":%llu,\"seed\":%llu", (unsigned long long)r->params,
            (unsigned long long)r->examples, (unsigned long long)r->seed);
    fputs(",\"train_error\":", f);
    json_num(f, r->train_error);
    fputs(",\"test_error\":", f);
    json_num(f, r->test_error);
    fputs(",\"optimum_error\":", f);
    json_num(f, r->optimum_error);
    fputs(",\"log2_classes\":", f);
    json_num(f, r->log2_classes);
    fputs(",\"bits_provided\":", f);
    json_num(f, r->bits_provided);
    fprintf(f, ",\"converged\":%s,\"steps\":%llu", r->converged ? "true" : "false", (unsigned long long)r->steps);
    fputs(",\"note\":", f);
    if (r->note) json_str(f, r->note);
    else fputs("null", f);
    for (int i = 0; i < r->nextras; i++) {
        fputc(',', f);
        json_str(f, r->extras[i].name);
        fputc(':', f);
        json_num(f, r->extras[i].value);
    }
    fputs(",\"seconds\":", f);
    json_num(f, r->seconds);
    fputs("}\n", f);
}

void cli_print_text(FILE *f, const fal_result *r)
{
    fprintf(f, "%s (%s), algo %s: w = %llu parameters, k = %llu examples, seed %llu\n", r->family, r->id, r->algo,
            (unsigned long long)r->params, (unsigned long long)r->examples, (unsigned long long)r->seed);
    fprintf(f, "  train error %.3e   test error ", r->train_error);
    if (isnan(r->test_error)) fputs("n/a", f);
    else fprintf(f, "%.3e", r->test_error);
    fprintf(f, "   optimum %.3e\n", r->optimum_error);
    for (int i = 0; i < r->nextras; i++)
        if (!isnan(r->extras[i].value)) fprintf(f, "  %-22s %.17g\n", r->extras[i].name, r->extras[i].value);
    fprintf(f, "  %s after %llu steps, %.3f s%s%s\n", r->converged ? "converged" : "DID NOT CONVERGE",
            (unsigned long long)r->steps, r->seconds, r->note ? ": " : "", r->note ? r->note : "");
}

/* ---- options ------------------------------------------------------------ */

/* A non-negative integer: digits, or digits 'e' digits ("1e9"). */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s) return -1;
    uint64_t v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) return -1;
        v = v * 10 + (uint64_t)(*p - '0');
        p++;
    }
    if (p == s) return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (!*p) return -1;
        uint64_t e = 0;
        while (*p >= '0' && *p <= '9') {
            e = e * 10 + (uint64_t)(*p - '0');
            if (e > 19) return -1;
            p++;
        }
        for (uint64_t i = 0; i < e; i++) {
            if (v > UINT64_MAX / 10) return -1;
            v *= 10;
        }
    }
    if (*p) return -1;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

static int usage_error(const char *fmt, const char *a, const char *b)
{
    fputs("fallacy: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

/* Parse run options into cfg.  Returns 0 or an exit code. */
static int parse_run(int argc, char **argv, fal_config *cfg, cli_run *r, const char **family, const char **widths,
                     const char **data, const char **twidths, fal_ctx *ctx, cli_extra_fn extra, void *ud)
{
    uint64_t depth = 0, width = 0, threads = 1;
    int have_depth = 0, have_width = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t u;
        double d;
        if (strcmp(a, "--json") == 0) { r->json = 1; continue; }
        if (a[0] != '-' || a[1] != '-') {
            if (!*family) { *family = a; continue; }
            return usage_error("unexpected argument '%s'%s", a, "");
        }
        if (extra) {
            int took = extra(ud, a, v);
            if (took == 0) continue;
            if (took == 1) {
                if (!v) return usage_error("option %s needs a value%s", a, "");
                i++;
                continue;
            }
            if (took != -1) return took;
        }
        if (!v) return usage_error("option %s needs a value%s", a, "");
        i++;
        if (strcmp(a, "--widths") == 0) *widths = v;
        else if (strcmp(a, "--depth") == 0) {
            if (parse_u64(v, &depth) || depth == 0) return usage_error("--depth '%s': need a positive integer%s", v, "");
            have_depth = 1;
        } else if (strcmp(a, "--width") == 0) {
            if (parse_u64(v, &width) || width == 0) return usage_error("--width '%s': need a positive integer%s", v, "");
            have_width = 1;
        } else if (strcmp(a, "--examples") == 0) {
            if (parse_u64(v, &u) || u == 0 || u > SIZE_MAX / 64) return usage_error("--examples '%s': need a positive integer%s", v, "");
            cfg->examples = (size_t)u;
            cfg->examples_set = 1;
        } else if (strcmp(a, "--test") == 0) {
            if (parse_u64(v, &u) || u > SIZE_MAX / 64) return usage_error("--test '%s': need a non-negative integer%s", v, "");
            cfg->test = (size_t)u;
        } else if (strcmp(a, "--subspace") == 0) {
            if (parse_u64(v, &u) || u == 0 || u > SIZE_MAX / 64) return usage_error("--subspace '%s': need a positive integer%s", v, "");
            cfg->subspace = (size_t)u;
        } else if (strcmp(a, "--steps") == 0) {
            if (parse_u64(v, &u) || u == 0) return usage_error("--steps '%s': need a positive integer%s", v, "");
            cfg->max_steps = u;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_u64(v, &u)) return usage_error("--seed '%s': need a non-negative integer%s", v, "");
            cfg->seed = u;
        } else if (strcmp(a, "--threads") == 0) {
            if (parse_u64(v, &threads) || threads == 0 || threads > 1024) return usage_error("--threads '%s': need an integer in [1, 1024]%s", v, "");
        } else if (strcmp(a, "--lr") == 0) {
            if (parse_double(v, &d) || !(d > 0)) return usage_error("--lr '%s': need a positive number%s", v, "");
            cfg->lr = d;
        } else if (strcmp(a, "--tol") == 0) {
            if (parse_double(v, &d) || !(d > 0)) return usage_error("--tol '%s': need a positive number%s", v, "");
            cfg->tol = d;
        } else if (strcmp(a, "--algo") == 0) {
            if (fal_algo_parse(ctx, v, &cfg->algo) != FAL_OK) return usage_error("%s%s", fal_ctx_message(ctx), "");
        } else if (strcmp(a, "--field") == 0) {
            if (strcmp(v, "real") == 0) cfg->field = FAL_REAL;
            else if (strcmp(v, "complex") == 0) cfg->field = FAL_COMPLEX;
            else return usage_error("--field '%s': real or complex%s", v, "");
        } else if (strcmp(a, "--init") == 0) {
            if (strcmp(v, "default") == 0) cfg->init = FAL_INIT_DEFAULT;
            else if (strcmp(v, "signs") == 0) cfg->init = FAL_INIT_SIGNS;
            else return usage_error("--init '%s': default or signs%s", v, "");
        } else if (strcmp(a, "--features") == 0) {
            if (parse_u64(v, &u) || u == 0 || u > ((uint64_t)1 << 32)) return usage_error("--features '%s': need an integer in [1, 2^32]%s", v, "");
            cfg->features = (size_t)u;
        } else if (strcmp(a, "--power") == 0) {
            if (parse_u64(v, &u) || u < 2 || u > 64) return usage_error("--power '%s': need an integer q in [2, 64]%s", v, "");
            cfg->power = (unsigned)u;
        } else if (strcmp(a, "--degree") == 0) {
            if (parse_u64(v, &u) || u < 1 || u > 64) return usage_error("--degree '%s': need an integer d in [1, 64]%s", v, "");
            cfg->degree = (unsigned)u;
        } else if (strcmp(a, "--units") == 0) {
            if (strcmp(v, "sign") == 0) cfg->units = FAL_UNITS_SIGN;
            else if (strcmp(v, "heaviside") == 0) cfg->units = FAL_UNITS_HEAVISIDE;
            else return usage_error("--units '%s': sign or heaviside%s", v, "");
        } else if (strcmp(a, "--act") == 0) {
            if (fal_act_parse(ctx, v, &cfg->act) != FAL_OK) return usage_error("%s%s", fal_ctx_message(ctx), "");
        } else if (strcmp(a, "--bias") == 0) {
            if (strcmp(v, "on") == 0) cfg->bias_off = 0;
            else if (strcmp(v, "off") == 0) cfg->bias_off = 1;
            else return usage_error("--bias '%s': on or off%s", v, "");
        } else if (strcmp(a, "--init-scale") == 0) {
            if (parse_double(v, &d) || !(d > 0) || d > 1e6) return usage_error("--init-scale '%s': need a number in (0, 10^6]%s", v, "");
            cfg->init_scale = d;
        } else if (strcmp(a, "--teacher-widths") == 0) {
            *twidths = v;
        } else if (strcmp(a, "--data") == 0) {
            *data = v;
        } else {
            return usage_error("unknown option '%s'%s", a, "");
        }
    }
    if (!*family) return usage_error("which family? (see 'fallacy list')%s%s", "", "");
    if (*widths && (have_depth || have_width))
        return usage_error("give either --widths or --depth/--width, not both%s%s", "", "");
    r->threads = (int)threads;
    if (have_depth || have_width) {
        fal_status st = fal_arch_uniform(ctx, have_depth ? depth : 1, have_width ? (size_t)width : 1, &r->arch);
        if (st != FAL_OK) return usage_error("%s%s", fal_ctx_message(ctx), "");
    }
    return 0;
}

int cli_run_parse(int argc, char **argv, fal_ctx *ctx, cli_run *r, cli_extra_fn extra, void *ud)
{
    memset(r, 0, sizeof *r);
    fal_config_init(&r->cfg);
    const char *family = NULL, *widths = NULL, *data = NULL, *twidths = NULL;
    int rc = parse_run(argc, argv, &r->cfg, r, &family, &widths, &data, &twidths, ctx, extra, ud);
    if (rc) goto fail;
    /* every run family, plus the classes-only threshold-gate (whose run
     * refuses with a message) */
    r->cfg.family = fal_classes_family(family);
    if (!r->cfg.family) {
        rc = usage_error("unknown family '%s' (see 'fallacy list')%s", family, "");
        goto fail;
    }
    /* Refuse, before allocating, what the machine cannot hold: the data
     * file included (a .npy read from a pipe declares its size only in its
     * header). */
    fal_ctx_set_mem_limit(ctx, fal_mem_available());
    fal_status st = FAL_OK;
    if (widths) st = fal_arch_parse(ctx, widths, &r->arch);
    if (st == FAL_OK && twidths) st = fal_arch_parse(ctx, twidths, &r->teacher_arch);
    if (st == FAL_OK && data) st = fal_table_load(ctx, data, &r->data);
    if (st != FAL_OK) {
        fprintf(stderr, "fallacy: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto fail;
    }
    r->cfg.arch = r->arch;
    r->cfg.teacher_arch = r->teacher_arch;
    r->cfg.data = r->data;
    r->data_path = data;
    fal_ctx_set_threads(ctx, r->threads);
    return 0;
fail:
    cli_run_free(r);
    return rc;
}

void cli_run_free(cli_run *r)
{
    fal_table_free(r->data);
    fal_arch_free(r->arch);
    fal_arch_free(r->teacher_arch);
    r->data = NULL;
    r->arch = NULL;
    r->teacher_arch = NULL;
}

static int cmd_run(int argc, char **argv)
{
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    cli_run r;
    int rc = cli_run_parse(argc, argv, ctx, &r, NULL, NULL);
    if (rc) {
        fal_ctx_free(ctx);
        return rc;
    }
    fal_result res;
    fal_status st = fal_run(ctx, &r.cfg, &res);
    if (st == FAL_OK || st == FAL_ENOCONV) {
        if (r.json) cli_print_json(stdout, &res);
        else cli_print_text(stdout, &res);
        if (st == FAL_ENOCONV)
            fprintf(stderr, "fallacy: %s did not converge (stopped after %llu step%s): %s\n", res.family,
                    (unsigned long long)res.steps, res.steps == 1 ? "" : "s", res.note ? res.note : "");
    } else if (r.data && strncmp(fal_ctx_message(ctx), "--data", 6) == 0) {
        fprintf(stderr, "fallacy: %s: %s\n", r.data_path, fal_ctx_message(ctx)); /* name the file */
    } else {
        fprintf(stderr, "fallacy: %s\n", fal_ctx_message(ctx));
    }
    rc = cli_exit_code(st);
    fal_result_clear(&res);
    cli_run_free(&r);
    fal_ctx_free(ctx);
    return rc;
}

static int cmd_list(void)
{
    size_t n;
    const fal_family *f = fal_families(&n);
    for (size_t i = 0; i < n; i++) printf("%-4s %-16s %s\n", f[i].id, f[i].name, f[i].claim);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "list") == 0) return cmd_list();
    if (strcmp(cmd, "run") == 0) return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "demo") == 0) return cli_demo(argc - 2, argv + 2);
    if (strcmp(cmd, "need") == 0) return cli_need(argc - 2, argv + 2);
    if (strcmp(cmd, "classes") == 0) return cli_classes(argc - 2, argv + 2);
    if (strcmp(cmd, "sweep") == 0) return cli_sweep(argc - 2, argv + 2);
    if (strcmp(cmd, "merge") == 0) return cli_merge(argc - 2, argv + 2);
    if (strcmp(cmd, "report") == 0) return cli_report(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("fallacy %s\n", FAL_VERSION);
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(USAGE, stdout);
        return EXIT_OK;
    }
    fprintf(stderr, "fallacy: unknown command '%s'\n%s", cmd, USAGE);
    return EXIT_USAGE;
}
