/* fallacy.c -- the command-line tool: list, run, demo.  Only the public
 * API is used here; this is the only place that prints and exits. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli.h"

static const char *USAGE =
    "usage: fallacy list\n"
    "       fallacy run FAMILY [--widths n0,...,nL | --depth L [--width n]] [--examples k]\n"
    "                          [--test N] [--algo gd|fa|exact] [--steps S] [--lr R] [--tol T]\n"
    "                          [--seed S] [--data FILE.csv|FILE.npy] [--field real|complex]\n"
    "                          [--subspace D] [--init default|signs] [--threads T] [--json]\n"
    "                          [--power q] [--units sign|heaviside] [--degree d] [--features w]\n"
    "                          [--save FILE.npz]   (--data also takes FILE.npz:NAME)\n"
    "                          [--inputs COLS] [--targets COLS] [--shuffle SEED] [--split k|FRACTION]\n"
    "       fallacy run --rerun FILE.json    (repeat a run from its own --json output)\n"
    "       fallacy classes FAMILY [arch options] [--examples k] [--verify] [--walk N] [--params FILE.npz] [--json]\n"
    "       fallacy need FAMILY [run options] --eps E [--seeds S] [--kmax K] [--save FILE.npz] [--json]\n"
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
                     const char **data, fal_ctx *ctx, cli_extra_fn extra, void *ud)
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
        } else if (strcmp(a, "--data") == 0) {
            *data = v;
        } else if (strcmp(a, "--inputs") == 0) {
            r->inputs = v;
        } else if (strcmp(a, "--targets") == 0) {
            r->targets = v;
        } else if (strcmp(a, "--shuffle") == 0) {
            if (parse_u64(v, &u)) return usage_error("--shuffle '%s': need a non-negative integer (the draw's seed)%s", v, "");
            cfg->shuffle = u;
            cfg->shuffle_set = 1;
        } else if (strcmp(a, "--split") == 0) {
            /* an integer is the number of training rows (--examples); a
             * number with a '.' is the training share */
            if (strchr(v, '.') || strchr(v, 'e') || strchr(v, 'E')) {
                if (parse_double(v, &d) || !(d > 0 && d < 1))
                    return usage_error("--split '%s': need a row count k >= 1 or a fraction strictly between 0 and 1%s", v, "");
                cfg->split_fraction = d;
            } else {
                if (parse_u64(v, &u) || u == 0 || u > SIZE_MAX / 64)
                    return usage_error("--split '%s': need a row count k >= 1 or a fraction strictly between 0 and 1%s", v, "");
                if (cfg->examples_set && cfg->examples != (size_t)u)
                    return usage_error("--split '%s' and --examples disagree%s", v, "");
                cfg->examples = (size_t)u;
                cfg->examples_set = 1;
            }
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
    const char *family = NULL, *widths = NULL, *data = NULL;
    int rc = parse_run(argc, argv, &r->cfg, r, &family, &widths, &data, ctx, extra, ud);
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
    if (st == FAL_OK && data) st = fal_table_load(ctx, data, &r->data);
    if (st == FAL_OK && !data && (r->inputs || r->targets)) {
        rc = usage_error("%s needs --data%s", r->inputs ? "--inputs" : "--targets", "");
        goto fail;
    }
    if (st == FAL_OK && data && (r->inputs || r->targets)) {
        fal_table *sel;
        st = fal_table_select(ctx, r->data, r->inputs, r->targets, &sel);
        if (st == FAL_OK) {
            fal_table_free(r->data);
            r->data = sel;
        }
    }
    if (st != FAL_OK) {
        fprintf(stderr, "fallacy: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto fail;
    }
    r->cfg.arch = r->arch;
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
    r->data = NULL;
    r->arch = NULL;
}

/* --save FILE: refuse, before the run, a path that cannot be written as a
 * file (a directory, a file in a missing directory). */
int cli_save_check(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return usage_error("--save %s: is a directory (give a file name, e.g. %s/params.npz)", path, path);
    const char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        char dir[4096];
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) return usage_error("--save %s: path too long%s", path, "");
        memcpy(dir, path, n);
        dir[n] = '\0';
        if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return usage_error("--save %s: directory '%s' does not exist", path, dir);
    }
    return 0;
}

int cli_save_params(fal_ctx *ctx, const char *path, fal_params *p, const fal_result *res, const cli_run *r)
{
    /* the run's JSON, as printed, rides along as a string array */
    char *json = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&json, &len);
    if (!m) {
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    cli_print_json_run(m, ctx, res, r);
    fclose(m);
    if (len && json[len - 1] == '\n') json[len - 1] = '\0';
    fal_status st = fal_params_add_text(p, "json", json);
    free(json);
    if (st == FAL_OK) st = fal_npz_write(ctx, path, p);
    if (st != FAL_OK) {
        fprintf(stderr, "fallacy: --save %s\n", fal_ctx_message(ctx));
        return cli_exit_code(st);
    }
    return 0;
}

static int run_extra(void *ud, const char *opt, const char *val)
{
    if (strcmp(opt, "--save") != 0) return -1;
    *(const char **)ud = val;
    return 1;
}

static int cmd_run(int argc, char **argv);

/* fallacy run --rerun FILE.json: the run its config object describes,
 * refused (exit 2) for JSON of another version, with an unknown config
 * field, or whose data file's SHA-256 has changed. */
static int cmd_rerun(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fallacy: --rerun %s: cannot open: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *argv[64];
    static char store[1 << 16];
    int argc = 0;
    int rc = cli_rerun_args(path, text, argv, &argc, store, sizeof store);
    if (rc) return rc;
    char want[65];
    if (cli_rerun_sha(text, want)) {
        /* the data must be the bytes the run read */
        const char *data = NULL;
        for (int i = 0; i + 1 < argc; i++)
            if (!strcmp(argv[i], "--data")) data = argv[i + 1];
        if (data) {
            char file[4096], hex[65];
            const char *split = NULL;
            for (const char *q = strstr(data, ".npz:"); q; q = strstr(q + 1, ".npz:")) split = q;
            size_t fl = split && split[5] ? (size_t)(split + 4 - data) : strlen(data);
            snprintf(file, sizeof file, "%.*s", (int)fl, data);
            fal_ctx *ctx = NULL;
            if (fal_ctx_new(&ctx, NULL) != FAL_OK) return EXIT_NOMEM;
            uint64_t size;
            fal_status st = fal_file_sha256(ctx, file, hex, &size);
            if (st != FAL_OK) fprintf(stderr, "fallacy: --rerun %s: %s\n", path, fal_ctx_message(ctx));
            fal_ctx_free(ctx);
            if (st != FAL_OK) return cli_exit_code(st);
            if (strcmp(hex, want) != 0) {
                fprintf(stderr, "fallacy: --rerun %s: the data file %s has changed (SHA-256 %.12s..., the run read %.12s...)\n",
                        path, file, hex, want);
                return EXIT_USAGE;
            }
        }
    }
    return cmd_run(argc, argv);
}

static int cmd_run(int argc, char **argv)
{
    if (argc >= 1 && !strcmp(argv[0], "--rerun")) {
        if (argc != 2) return usage_error("--rerun FILE.json takes no other option%s%s", "", "");
        return cmd_rerun(argv[1]);
    }
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    cli_run r;
    const char *save = NULL;
    int rc = cli_run_parse(argc, argv, ctx, &r, run_extra, &save);
    if (!rc && save) {
        rc = cli_save_check(save);
        if (rc) cli_run_free(&r);
    }
    if (rc) {
        fal_ctx_free(ctx);
        return rc;
    }
    fal_result res;
    fal_params *params = NULL;
    fal_status st = save ? fal_run_params(ctx, &r.cfg, &res, &params) : fal_run(ctx, &r.cfg, &res);
    int save_rc = 0;
    if (params) save_rc = cli_save_params(ctx, save, params, &res, &r);
    fal_params_free(params);
    if (save_rc) {
        fal_result_clear(&res);
        cli_run_free(&r);
        fal_ctx_free(ctx);
        return save_rc;
    }
    if (st == FAL_OK || st == FAL_ENOCONV) {
        if (r.json) cli_print_json_run(stdout, ctx, &res, &r);
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
