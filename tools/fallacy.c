/* fallacy.c -- the command-line tool: list, run, demo.  Only the public
 * API is used here; this is the only place that prints and exits. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"

int cli_exit_code(fal_status st)
{
    switch (st) {
    case FAL_OK: return EXIT_OK;
    case FAL_ENOCONV: return EXIT_FAILED;
    case FAL_ENOMEM: return EXIT_NOMEM;
    case FAL_ENOSPC: return EXIT_NOMEM; /* out of resources: disk as memory */
    case FAL_EINTERNAL: return EXIT_FAILED;
    default: return EXIT_USAGE;
    }
}

/* ---- JSON ------------------------------------------------------------- */

/* The library writes the object (fal_result_json), so the bindings give the
 * same bytes. */
void cli_print_json(FILE *f, const fal_result *r)
{
    char small[4096];
    size_t len = 0;
    if (fal_result_json(NULL, r, small, sizeof small, &len) == FAL_OK) {
        fprintf(f, "%s\n", small);
        return;
    }
    char *big = malloc(len + 1);
    if (big && fal_result_json(NULL, r, big, len + 1, NULL) == FAL_OK) fprintf(f, "%s\n", big);
    else fputs("fallacy: out of memory writing the JSON\n", stderr);
    free(big);
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

/* ---- run options ------------------------------------------------------------ */

int cli_run_parse(cli_cmd cmd, int argc, char **argv, fal_ctx *ctx, cli_run *r, void *own)
{
    memset(r, 0, sizeof *r);
    fal_config_init(&r->cfg);
    r->threads = 1;
    const char *prefix = CLI_COMMANDS[cmd].prefix;
    int rc = cli_parse(cmd, argc, argv, r, own, ctx, &r->args);
    if (rc) return rc;
    if (r->rerun) return 0; /* alone on the line (the parser checked): cmd_run reads the file */
    if (r->rerun_db) {
        cli_err("%s--db applies to --rerun KEY (the stored run to repeat)\n", prefix);
        rc = EXIT_USAGE;
        goto fail;
    }
    int qnet = (cmd == CMD_CLASSES || cmd == CMD_NEED || cmd == CMD_SWEEP) && strcmp(r->args.pos[0], "qnet") == 0;
    r->cfg.examples_set = cli_given(&r->args, "--examples");
    r->cfg.shuffle_set = cli_given(&r->args, "--shuffle");
    if (r->split_k) {
        /* --split k is --examples k */
        if (r->cfg.examples_set && r->cfg.examples != (size_t)r->split_k) {
            cli_err("%s--split '%s' and --examples disagree\n", prefix, r->split);
            rc = EXIT_USAGE;
            goto fail;
        }
        r->cfg.examples = (size_t)r->split_k;
        r->cfg.examples_set = 1;
    }
    if (!qnet && !r->data_path && (r->inputs || r->targets)) {
        cli_err("%s%s needs --data\n", prefix, r->inputs ? "--inputs" : "--targets");
        rc = EXIT_USAGE;
        goto fail;
    }
    if (r->widths && (r->depth || r->width)) {
        cli_err("%sgive either --widths or --depth/--width, not both\n", prefix);
        rc = EXIT_USAGE;
        goto fail;
    }
    /* sweep and slurm resolve their list of families themselves */
    if (qnet) {
        /* Q1 (tools/qnet.c): no fal_family; cfg.family stays NULL.  It reads
         * the architecture, --seed, --threads, --json, need's --eps, sweep's
         * --db (tools/qnet.c, cli_qnet_sweep) and its own rows; every other
         * option given is refused. */
        static const char *const reads[] = { "--widths", "--depth", "--width", "--seed", "--threads", "--json",
                                             "--eps", "--act", "--bias", "--help", "--inputs", "--db", NULL };
        for (size_t i = 0; i < CLI_NOPTS; i++) {
            if (!r->args.seen[i]) continue;
            int ok = 0;
            for (int j = 0; reads[j] && !ok; j++) ok = !strcmp(CLI_OPTS[i].name, reads[j]);
            for (int j = 0; CLI_QNET_ONLY[j] && !ok; j++) ok = !strcmp(CLI_OPTS[i].name, CLI_QNET_ONLY[j]);
            if (!ok) {
                cli_err("%sqnet: %s does not apply (qnet does not read it)\n", prefix, CLI_OPTS[i].name);
                rc = EXIT_USAGE;
                goto fail;
            }
        }
        if (r->act) {
            r->qn.act = cli_qact_parse(r->act);
            if (r->qn.act < 0) {
                cli_err("%sqnet: --act '%s': sign, heaviside or relu (%s is an mlp activation)\n", prefix, r->act,
                        r->act);
                rc = EXIT_USAGE;
                goto fail;
            }
        }
    } else {
        if (r->act && fal_act_parse(ctx, r->act, &r->cfg.act) != FAL_OK) {
            cli_err("%s--act '%s': relu, leaky-relu, tanh, sigmoid or linear (%s is a qnet activation)\n", prefix,
                    r->act, r->act);
            rc = EXIT_USAGE;
            goto fail;
        }
        for (int j = 0; CLI_QNET_ONLY[j]; j++)
            if (cli_given(&r->args, CLI_QNET_ONLY[j])) {
                cli_err("%s%s applies to qnet only\n", prefix, CLI_QNET_ONLY[j]);
                rc = EXIT_USAGE;
                goto fail;
            }
    }
    if (cmd != CMD_SWEEP && cmd != CMD_SLURM && !qnet) {
        /* every run family, plus the classes-only threshold-gate (whose run
         * refuses with a message) */
        r->cfg.family = fal_classes_family(r->args.pos[0]);
        if (!r->cfg.family) {
            rc = cli_unknown_family(prefix, r->args.pos[0]);
            goto fail;
        }
        /* classes reads the activation, biases and start scale of the mlp
         * (and qnet, above) only: refuse them for the other families
         * rather than ignore them. */
        static const char *const mlp_rows[] = { "--act", "--bias", "--init-scale", NULL };
        for (int j = 0; cmd == CMD_CLASSES && mlp_rows[j]; j++)
            if (strcmp(r->cfg.family->name, "mlp") != 0 && cli_given(&r->args, mlp_rows[j])) {
                cli_err("%s%s: %s does not apply (the family does not read it)\n", prefix, r->cfg.family->name, mlp_rows[j]);
                rc = EXIT_USAGE;
                goto fail;
            }
    }
    /* Refuse, before allocating, what the machine cannot hold: the data
     * file included (a .npy read from a pipe declares its size only in its
     * header). */
    fal_ctx_set_mem_limit(ctx, fal_mem_available());
    fal_status st = FAL_OK;
    if (r->depth || r->width) st = fal_arch_uniform(ctx, r->depth ? r->depth : 1, r->width ? (size_t)r->width : 1, &r->arch);
    else if (r->widths) st = fal_arch_parse(ctx, r->widths, &r->arch);
    if (st == FAL_OK && r->teacher_widths) st = fal_arch_parse(ctx, r->teacher_widths, &r->teacher_arch);
    if (st == FAL_OK && r->data_path) st = fal_table_load(ctx, r->data_path, &r->data);
    if (st == FAL_OK && r->data && (r->inputs || r->targets)) {
        fal_table *sel;
        st = fal_table_select(ctx, r->data, r->inputs, r->targets, &sel);
        if (st == FAL_OK) {
            fal_table_free(r->data);
            r->data = sel;
        }
    }
    if (st != FAL_OK) {
        cli_err("%s%s\n", prefix, fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto fail;
    }
    r->cfg.arch = r->arch;
    r->cfg.teacher_arch = r->teacher_arch;
    r->cfg.data = r->data;
    /* the provenance (run --json, the store's config column) names the file
     * and the column specs as given; the run itself never reads them */
    r->cfg.data_path = r->data_path;
    r->cfg.inputs = r->inputs;
    r->cfg.targets = r->targets;
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
    cli_args_free(&r->args);
}

/* --save FILE: refuse, before the run, a path that cannot be written as a
 * file (a directory, a file in a missing directory). */
int cli_save_check(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        cli_err("fallacy: --save %s: is a directory (give a file name, e.g. %s/params.npz)\n", path, path);
        return EXIT_USAGE;
    }
    const char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        char dir[4096];
        size_t n = (size_t)(slash - path);
        if (n >= sizeof dir) {
            cli_err("fallacy: --save %s: path too long\n", path);
            return EXIT_USAGE;
        }
        memcpy(dir, path, n);
        dir[n] = '\0';
        if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            cli_err("fallacy: --save %s: directory '%s' does not exist\n", path, dir);
            return EXIT_USAGE;
        }
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

static int cmd_run_as(int argc, char **argv, const char *want_key);

/* The provenance JSON of the run stored under key in db, into text (cap
 * bytes); 0 or an exit code after a message. */
static int stored_config(const char *db, const char *key, char *text, size_t cap)
{
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) return EXIT_NOMEM;
    fal_store *s = NULL;
    int found = 0, rc = 0;
    fal_status st = fal_store_open(ctx, db, FAL_STORE_READ, &s);
    if (st == FAL_OK) st = fal_store_config(s, key, text, cap, NULL, &found);
    if (st != FAL_OK) {
        cli_err("fallacy: --rerun: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
    } else if (found == 0) {
        cli_err("fallacy: --rerun: %s holds no run with the key '%s' (fallacy sweep --list shows the keys)\n", db, key);
        rc = EXIT_USAGE;
    } else if (found == 1) {
        cli_err("fallacy: --rerun: %s: the run was stored without its configuration (a database written before the "
                "config column); its key lists the options to run it again by hand\n", db);
        rc = EXIT_USAGE;
    }
    fal_store_close(s);
    fal_ctx_free(ctx);
    return rc;
}

/* fallacy run --rerun FILE.json (or --rerun KEY --db FILE.sqlite): the run
 * its config object describes (the JSON file's, or the stored run's
 * provenance column), refused (exit 2) for JSON of another version, with an
 * unknown config field, or whose data file's SHA-256 has changed; a stored
 * run must come out under its own key. */
static int cmd_rerun(const char *path, const char *db)
{
    static char text[1 << 20];
    if (db) {
        int rc = stored_config(db, path, text, sizeof text);
        if (rc) return rc;
    } else {
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr, "fallacy: --rerun %s: cannot open: %s\n", path, strerror(errno));
            return EXIT_USAGE;
        }
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
    }
    const char *label = db ? db : path; /* messages name the file (a key is a long line) */
    char *argv[64];
    static char store[1 << 16];
    int argc = 0;
    int rc = cli_rerun_args(label, text, argv, &argc, store, sizeof store);
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
            if (st != FAL_OK) fprintf(stderr, "fallacy: --rerun %s: %s\n", label, fal_ctx_message(ctx));
            fal_ctx_free(ctx);
            if (st != FAL_OK) return cli_exit_code(st);
            if (strcmp(hex, want) != 0) {
                fprintf(stderr, "fallacy: --rerun %s: the data file %s has changed (SHA-256 %.12s..., the run read %.12s...)\n",
                        label, file, hex, want);
                return EXIT_USAGE;
            }
        }
    }
    return cmd_run_as(argc, argv, db ? path : NULL);
}

static int cmd_run(int argc, char **argv) { return cmd_run_as(argc, argv, NULL); }

/* want_key: a rerun of a stored run, whose configuration must give that key */
static int cmd_run_as(int argc, char **argv, const char *want_key)
{
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    cli_run r;
    int rc = cli_run_parse(CMD_RUN, argc, argv, ctx, &r, NULL);
    if (rc) {
        fal_ctx_free(ctx);
        return rc < 0 ? EXIT_OK : rc;
    }
    if (r.rerun) {
        /* the parser let --rerun through only alone (or with --db): the run is the file's */
        static char path[1 << 16], db[4096];
        snprintf(path, sizeof path, "%s", r.rerun);
        if (r.rerun_db) snprintf(db, sizeof db, "%s", r.rerun_db);
        int with_db = r.rerun_db != NULL;
        cli_run_free(&r);
        fal_ctx_free(ctx);
        return cmd_rerun(path, with_db ? db : NULL);
    }
    if (want_key) {
        /* the stored configuration must be the key's: a key the provenance
         * does not rebuild is refused rather than run as something else */
        char *key = NULL;
        size_t klen = 0;
        fal_status ks = fal_store_key(ctx, &r.cfg, NULL, 0, &klen);
        if (ks == FAL_ERANGE) ks = (key = malloc(klen + 1)) ? fal_store_key(ctx, &r.cfg, key, klen + 1, NULL) : FAL_ENOMEM;
        int same = ks == FAL_OK && strcmp(key, want_key) == 0;
        if (ks == FAL_OK && !same)
            cli_err("fallacy: --rerun: the stored configuration gives the key '%s', not the one asked for\n", key);
        free(key);
        if (!same) {
            if (ks != FAL_OK && ks != FAL_ENOMEM) cli_err("fallacy: --rerun: %s\n", fal_ctx_message(ctx));
            cli_run_free(&r);
            fal_ctx_free(ctx);
            return ks == FAL_ENOMEM ? EXIT_NOMEM : EXIT_USAGE;
        }
    }
    const char *save = r.save;
    if (save && (rc = cli_save_check(save)) != 0) {
        cli_run_free(&r);
        fal_ctx_free(ctx);
        return rc;
    }
    fal_result res;
    fal_params *params = NULL;
    cli_progress pg;
    cli_progress_start(&pg, ctx, "run");
    fal_status st = save ? fal_run_params(ctx, &r.cfg, &res, &params) : fal_run(ctx, &r.cfg, &res);
    cli_progress_end(&pg);
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
            cli_err("fallacy: %s did not converge (stopped after %llu step%s): %s\n", res.family,
                    (unsigned long long)res.steps, res.steps == 1 ? "" : "s", res.note ? res.note : "");
    } else if (r.data && strncmp(fal_ctx_message(ctx), "--data", 6) == 0) {
        cli_err("fallacy: %s: %s\n", r.data_path, fal_ctx_message(ctx)); /* name the file */
    } else {
        cli_err("fallacy: %s\n", fal_ctx_message(ctx));
    }
    rc = cli_exit_code(st);
    fal_result_clear(&res);
    cli_run_free(&r);
    fal_ctx_free(ctx);
    return rc;
}

/* A command without options of its own (list, version): --help, and
 * nothing else. */
static int no_options(cli_cmd cmd, int argc, char **argv)
{
    cli_args a;
    int rc = cli_parse(cmd, argc, argv, NULL, NULL, NULL, &a);
    if (rc) return rc < 0 ? EXIT_OK : rc;
    cli_args_free(&a);
    return -1;
}

static int cmd_list(int argc, char **argv)
{
    int rc = no_options(CMD_LIST, argc, argv);
    if (rc >= 0) return rc;
    size_t n;
    const fal_family *f = fal_families(&n);
    for (size_t i = 0; i < n; i++) printf("%-4s %-16s %s\n", f[i].id, f[i].name, f[i].claim);
    return EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
    int rc = no_options(CMD_VERSION, argc, argv);
    if (rc >= 0) return rc;
    printf("fallacy %s\n", FAL_VERSION);
    return EXIT_OK;
}

typedef int (*cmd_fn)(int argc, char **argv);

static int dispatch(int argc, char **argv)
{
    static const cmd_fn FN[CMD_COUNT] = {
        [CMD_LIST] = cmd_list,       [CMD_RUN] = cmd_run,       [CMD_CLASSES] = cli_classes,
        [CMD_NEED] = cli_need,       [CMD_SWEEP] = cli_sweep,   [CMD_MERGE] = cli_merge,
        [CMD_SLURM] = cli_slurm,     [CMD_REPORT] = cli_report, [CMD_DEMO] = cli_demo,
        [CMD_VERSION] = cmd_version,
    };
    if (argc < 2) {
        cli_usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    int c = cli_command_find(cmd);
    if (c >= 0) return FN[c](argc - 2, argv + 2);
    if (strcmp(cmd, "--version") == 0 && argc == 2) return cmd_version(0, NULL);
    if (strcmp(cmd, "--man") == 0 && argc == 2) {
        cli_man(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc == 2) {
            cli_usage(stdout);
            return EXIT_OK;
        }
        int h = cli_command_find(argv[2]);
        if (h < 0 || argc > 3) {
            cli_err("fallacy: help: %s '%s'\n", h < 0 ? "unknown command" : "unexpected argument",
                    h < 0 ? argv[2] : argv[3]);
            return EXIT_USAGE;
        }
        cli_help(stdout, (cli_cmd)h);
        return EXIT_OK;
    }
    cli_err("fallacy: unknown command '%s'\n", cmd);
    cli_usage(stderr);
    return EXIT_USAGE;
}

/* ---- stdout: every write checked (issue 13, row 1) ---------------------- */

/* stdout goes through this writer, which remembers the first write error:
 * stdio reports a failed write only as a flag, and the errno of a write
 * that failed long before exit (a full device met after the first 4 KiB)
 * is gone by then.  The exit code needs it: ENOSPC is out of resources. */
typedef struct out_watch {
    int err;
} out_watch;

static ssize_t watch_write(void *cookie, const char *buf, size_t n)
{
    out_watch *w = cookie;
    size_t done = 0;
    while (done < n) {
        ssize_t r = write(STDOUT_FILENO, buf + done, n - done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (!w->err) w->err = r < 0 ? errno : EIO;
            return done ? (ssize_t)done : -1;
        }
        done += (size_t)r;
    }
    return (ssize_t)n;
}

static int no_close(void *cookie)
{
    (void)cookie;
    return 0;
}

/* The exit code once stdout is flushed and closed: a write, flush or close
 * error is exit 2 with a message, 3 when the device is full; an exit code
 * of 2 or 3 already chosen stays. */
static int finish_stdout(out_watch *w, int rc)
{
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int err = w->err ? w->err : errno ? errno : EIO;
    if (close(STDOUT_FILENO) != 0 && errno != EBADF && !bad) {
        bad = 1;
        err = errno;
    }
    if (!bad) return rc;
    fprintf(stderr, "fallacy: cannot write the output: %s\n", strerror(err));
    int out = err == ENOSPC || err == EDQUOT || err == EFBIG ? EXIT_NOMEM : EXIT_USAGE;
    return rc == EXIT_USAGE || rc == EXIT_NOMEM ? rc : out;
}

int main(int argc, char **argv)
{
    static out_watch w; /* lives until exit: stdout may be flushed by exit() */
    cookie_io_functions_t fns = { NULL, watch_write, NULL, no_close };
    FILE *f = fopencookie(&w, "w", fns);
    if (f) {
        /* lines show as they come on a terminal, as plain stdout's would */
        setvbuf(f, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, BUFSIZ);
        stdout = f;
    }
    return finish_stdout(&w, dispatch(argc, argv));
}
