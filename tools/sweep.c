/* sweep.c -- `fallacy sweep` (a grid of runs into SQLite, resumable,
 * sharded) and `fallacy merge` (shards into one database).  doc/sweep.md.
 *
 *   fallacy sweep FAMILY[,FAMILY...] [--depth L,..] [--width n,..]
 *                 [--widths 'a,b,c;d,e,f'] [--examples k,..] [--algo a,..]
 *                 [--features w,..] [run options] --db FILE.sqlite
 *                 [--seeds S] [--shard i/N] [--list] [--json]
 *
 * The grid is the product of the lists, in the order family, architecture,
 * features, examples, algorithm, seed (seed innermost); point p (0-based in
 * that order) belongs to shard i of N when p mod N == i - 1 (i is 1-based).
 * Each point runs as `fallacy run` would and is stored in one transaction
 * when it has finished; a point whose key is stored is skipped, so a rerun
 * of the same command resumes.  SIGINT or SIGTERM stop after the point in
 * progress (exit 130); a second one kills at once (nothing half written
 * either way).
 *
 * Exit: 0 every point of the shard is stored (converged or not: a sweep
 * measures); 130 interrupted; 2 bad usage or a point the family refused;
 * 3 a point refused for memory (the others still run; the refused ones are
 * not stored, so a rerun retries them). */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

#define MAX_LIST 10000
#define MAX_POINTS ((uint64_t)100000000)
#define EXIT_INTERRUPTED 130

/* Set by the signal handler, read between points (the only global: a
 * handler has nowhere else to write). */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig) { stop_signal = sig; }

static int say(const char *fmt, const char *a, const char *b)
{
    char msg[1024];
    snprintf(msg, sizeof msg, fmt, a, b);
    cli_err("fallacy: sweep: %s\n", msg);
    return EXIT_USAGE;
}

/* digits, or digits e digits (1e6) */
static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    if (*p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) return -1;
        v = v * 10 + (uint64_t)(*p++ - '0');
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p < '0' || *p > '9') return -1;
        uint64_t e = 0;
        while (*p >= '0' && *p <= '9') {
            e = e * 10 + (uint64_t)(*p++ - '0');
            if (e > 19) return -1;
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

/* Split s at sep into at most MAX_LIST fields (empty fields refused);
 * calls item(ud, field) for each, which returns 0 or an exit code. */
static int each_item(const char *opt, const char *s, char sep, int (*item)(void *, const char *), void *ud)
{
    size_t n = strlen(s);
    char *copy = malloc(n + 1);
    if (!copy) return EXIT_NOMEM;
    memcpy(copy, s, n + 1);
    int rc = 0, count = 0;
    char *p = copy;
    while (!rc) {
        char *end = strchr(p, sep);
        if (end) *end = '\0';
        if (!*p) rc = say("%s: an empty item in '%s'", opt, s);
        else if (++count > MAX_LIST) rc = say("%s: more than 10000 items in '%.40s'", opt, s);
        else rc = item(ud, p);
        if (!end) break;
        p = end + 1;
    }
    free(copy);
    return rc;
}

/* ---- the grid -------------------------------------------------------------- */

typedef struct grid {
    fal_ctx *ctx;
    const fal_family **fam;
    size_t nfam;
    fal_arch **arch;      /* NULL entries: the family's default */
    size_t narch;
    uint64_t *depth, *width;
    size_t ndepth, nwidth;
    size_t *examples;     /* 0 entries: the family's default */
    size_t nk;
    fal_algo *algo;
    size_t nalgo;
    size_t *features;
    size_t nfeat;
    unsigned seeds;
    uint64_t points;
} grid;

static void *push(void **arr, size_t *n, size_t elem)
{
    void *p = realloc(*arr, (*n + 1) * elem);
    if (!p) return NULL;
    *arr = p;
    return (char *)p + (*n)++ * elem;
}

static int item_family(void *ud, const char *s)
{
    grid *g = ud;
    const fal_family *f = fal_family_find(s);
    if (!f) return cli_unknown_family("fallacy: sweep: ", s);
    const fal_family **slot = push((void **)&g->fam, &g->nfam, sizeof *g->fam);
    if (!slot) return EXIT_NOMEM;
    *slot = f;
    return 0;
}

static int item_u64(uint64_t **arr, size_t *n, const char *opt, const char *s, uint64_t max)
{
    uint64_t u;
    if (parse_u64(s, &u) || u == 0 || u > max) {
        cli_err("fallacy: sweep: %s '%s': need a positive integer <= %llu\n", opt, s, (unsigned long long)max);
        return EXIT_USAGE;
    }
    uint64_t *slot = push((void **)arr, n, sizeof **arr);
    if (!slot) return EXIT_NOMEM;
    *slot = u;
    return 0;
}

static int item_depth(void *ud, const char *s)
{
    grid *g = ud;
    return item_u64(&g->depth, &g->ndepth, "--depth", s, FAL_MAX_DEPTH);
}

static int item_width(void *ud, const char *s)
{
    grid *g = ud;
    return item_u64(&g->width, &g->nwidth, "--width", s, FAL_MAX_WIDTH);
}

static int item_size(size_t **arr, size_t *n, const char *opt, const char *s, uint64_t max)
{
    uint64_t u;
    if (parse_u64(s, &u) || u == 0 || u > max) {
        cli_err("fallacy: sweep: %s '%s': need a positive integer <= %llu\n", opt, s, (unsigned long long)max);
        return EXIT_USAGE;
    }
    size_t *slot = push((void **)arr, n, sizeof **arr);
    if (!slot) return EXIT_NOMEM;
    *slot = (size_t)u;
    return 0;
}

static int item_examples(void *ud, const char *s)
{
    grid *g = ud;
    return item_size(&g->examples, &g->nk, "--examples", s, SIZE_MAX / 64);
}

static int item_features(void *ud, const char *s)
{
    grid *g = ud;
    return item_size(&g->features, &g->nfeat, "--features", s, (uint64_t)1 << 32);
}

static int item_algo(void *ud, const char *s)
{
    grid *g = ud;
    fal_algo a;
    if (fal_algo_parse(g->ctx, s, &a) != FAL_OK) return say("--algo: %s%s", fal_ctx_message(g->ctx), "");
    fal_algo *slot = push((void **)&g->algo, &g->nalgo, sizeof *g->algo);
    if (!slot) return EXIT_NOMEM;
    *slot = a;
    return 0;
}

static int item_arch(void *ud, const char *s)
{
    grid *g = ud;
    fal_arch *a = NULL;
    if (fal_arch_parse(g->ctx, s, &a) != FAL_OK) return say("--widths: %s%s", fal_ctx_message(g->ctx), "");
    fal_arch **slot = push((void **)&g->arch, &g->narch, sizeof *g->arch);
    if (!slot) {
        fal_arch_free(a);
        return EXIT_NOMEM;
    }
    *slot = a;
    return 0;
}

static void grid_free(grid *g)
{
    for (size_t i = 0; i < g->narch; i++) fal_arch_free(g->arch[i]);
    free(g->fam);
    free(g->arch);
    free(g->depth);
    free(g->width);
    free(g->examples);
    free(g->algo);
    free(g->features);
    memset(g, 0, sizeof *g);
}

/* The lists into g; every dimension has at least one entry (a default). */
static int grid_make(grid *g, const char *families, const sweep_opts *o, const cli_run *r)
{
    int rc = each_item("FAMILY", families, ',', item_family, g);
    if (!rc && o->widths && (o->depth || o->width))
        rc = say("give either --widths or --depth/--width, not both%s%s", "", "");
    if (!rc && o->widths) rc = each_item("--widths", o->widths, ';', item_arch, g);
    if (!rc && o->depth) rc = each_item("--depth", o->depth, ',', item_depth, g);
    if (!rc && o->width) rc = each_item("--width", o->width, ',', item_width, g);
    if (!rc && (o->depth || o->width)) {
        /* uniform nets: depth x width, as `fallacy run --depth L --width n` */
        size_t nd = g->ndepth ? g->ndepth : 1, nw = g->nwidth ? g->nwidth : 1;
        for (size_t i = 0; i < nd && !rc; i++)
            for (size_t j = 0; j < nw && !rc; j++) {
                fal_arch *a = NULL;
                if (fal_arch_uniform(g->ctx, g->ndepth ? g->depth[i] : 1, g->nwidth ? (size_t)g->width[j] : 1, &a) !=
                    FAL_OK)
                    rc = say("%s%s", fal_ctx_message(g->ctx), "");
                else {
                    fal_arch **slot = push((void **)&g->arch, &g->narch, sizeof *g->arch);
                    if (!slot) {
                        fal_arch_free(a);
                        rc = EXIT_NOMEM;
                    } else {
                        *slot = a;
                    }
                }
            }
    }
    if (!rc && o->examples) rc = each_item("--examples", o->examples, ',', item_examples, g);
    if (!rc && o->algo) rc = each_item("--algo", o->algo, ',', item_algo, g);
    if (!rc && o->features) rc = each_item("--features", o->features, ',', item_features, g);
    if (rc) return rc;
    /* a missing dimension is one point at the base configuration's value */
    if (!g->narch) {
        fal_arch **slot = push((void **)&g->arch, &g->narch, sizeof *g->arch);
        if (!slot) return EXIT_NOMEM;
        *slot = NULL;
    }
    if (!g->nk) {
        size_t *slot = push((void **)&g->examples, &g->nk, sizeof *g->examples);
        if (!slot) return EXIT_NOMEM;
        *slot = r->cfg.examples_set ? r->cfg.examples : 0;
    }
    if (!g->nalgo) {
        fal_algo *slot = push((void **)&g->algo, &g->nalgo, sizeof *g->algo);
        if (!slot) return EXIT_NOMEM;
        *slot = r->cfg.algo;
    }
    if (!g->nfeat) {
        size_t *slot = push((void **)&g->features, &g->nfeat, sizeof *g->features);
        if (!slot) return EXIT_NOMEM;
        *slot = r->cfg.features;
    }
    double total = (double)g->nfam * (double)g->narch * (double)g->nfeat * (double)g->nk * (double)g->nalgo *
                   (double)g->seeds;
    if (total > (double)MAX_POINTS) return say("the grid has %s points; at most 10^8%s", "more than 10^8", "");
    g->points = (uint64_t)total;
    return 0;
}

/* Point p's configuration (seed innermost, family outermost). */
static void grid_point(const grid *g, const fal_config *base, uint64_t p, fal_config *cfg)
{
    *cfg = *base;
    uint64_t s = p % g->seeds;
    p /= g->seeds;
    size_t a = (size_t)(p % g->nalgo);
    p /= g->nalgo;
    size_t k = (size_t)(p % g->nk);
    p /= g->nk;
    size_t f = (size_t)(p % g->nfeat);
    p /= g->nfeat;
    size_t ar = (size_t)(p % g->narch);
    p /= g->narch;
    cfg->family = g->fam[p];
    cfg->arch = g->arch[ar];
    cfg->features = g->features[f];
    cfg->examples = g->examples[k];
    cfg->examples_set = g->examples[k] != 0;
    cfg->algo = g->algo[a];
    cfg->seed = base->seed + s;
}

/* ---- progress ---------------------------------------------------------------- */

static double now(void) { return cli_now(); }

typedef struct progress {
    int on, colour;
    uint64_t total, done, skipped, ran; /* skipped: stored before this sweep began */
    double t0, last;
    int width; /* of the last line, to blank it */
} progress;

/* Redraw the line (at most ten times a second unless forced).  Time left:
 * the mean time of the points run so far, times the points still to run
 * (stored ones cost nothing). */
static void progress_show(progress *pr, int force)
{
    if (!pr->on) return;
    double t = now() - pr->t0;
    if (!force && t - pr->last < 0.1) return;
    pr->last = t;
    char el[32], left[32], line[256];
    uint64_t to_run = pr->total - pr->skipped;
    uint64_t remaining = to_run > pr->ran ? to_run - pr->ran : 0;
    cli_fmt_time(el, sizeof el, t);
    if (pr->ran) cli_fmt_time(left, sizeof left, t / (double)pr->ran * (double)remaining);
    else snprintf(left, sizeof left, "?");
    int n = snprintf(line, sizeof line, "%s%llu/%llu%s points done (%llu stored before), %s elapsed, ~%s left",
                     pr->colour ? "\033[1m" : "", (unsigned long long)pr->done, (unsigned long long)pr->total,
                     pr->colour ? "\033[0m" : "", (unsigned long long)pr->skipped, el, left);
    int visible = n - (pr->colour ? 8 : 0);
    fprintf(stderr, "\rsweep: %s%*s", line, pr->width > visible ? pr->width - visible : 0, "");
    pr->width = visible;
    fflush(stderr);
}

static void progress_end(progress *pr)
{
    if (pr->on && pr->width) fputc('\n', stderr);
    pr->width = 0;
}

/* ---- sweep ------------------------------------------------------------------ */

static int point_in_shard(const sweep_opts *o, uint64_t p) { return p % o->shard_n == o->shard_i - 1; }

/* The point's key, malloc'd (NULL when out of memory). */
static char *point_key(fal_ctx *ctx, const fal_config *cfg)
{
    size_t len = 0;
    char *key = NULL;
    fal_status st = fal_store_key(ctx, cfg, NULL, 0, &len); /* the length first */
    if (st == FAL_ERANGE) st = (key = malloc(len + 1)) ? FAL_OK : FAL_ENOMEM;
    if (st == FAL_OK) st = fal_store_key(ctx, cfg, key, len + 1, NULL);
    if (st != FAL_OK) {
        free(key);
        return NULL;
    }
    return key;
}

/* Into a file or a pipe (a batch log: slurm-%A_%a.out), one line per
 * finished run instead of the redrawn progress: its place in the shard,
 * whether it converged, its time and its key. */
static void log_run(fal_ctx *ctx, const progress *pr, const fal_config *cfg, const fal_result *res)
{
    char *key = point_key(ctx, cfg);
    fprintf(stderr, "sweep: [%llu/%llu] converged=%d seconds=%.3g key=%s\n", (unsigned long long)pr->done + 1,
            (unsigned long long)pr->total, res->converged ? 1 : 0, res->seconds, key ? key : "(out of memory)");
    fflush(stderr);
    free(key);
}

int cli_sweep(int argc, char **argv)
{
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    sweep_opts o;
    memset(&o, 0, sizeof o);
    o.seeds = 1;
    o.shard_i = o.shard_n = 1;
    grid g;
    memset(&g, 0, sizeof g);
    g.ctx = ctx;
    fal_store *store = NULL;
    cli_run r;
    memset(&r, 0, sizeof r);
    int have_run = 0, rc = 0;
    rc = cli_run_parse(CMD_SWEEP, argc, argv, ctx, &r, &o);
    if (rc) {
        if (rc < 0) rc = EXIT_OK;
        goto out;
    }
    have_run = 1;
    const char *families = r.args.pos[0];
    if (!strcmp(families, "qnet")) { /* Q1: exact curves, no fal_run (tools/qnet.c) */
        rc = cli_qnet_sweep(ctx, &r, &o);
        goto out;
    }
    if (!o.db && !o.list) {
        rc = say("--db FILE.sqlite is required (where the runs are stored)%s%s", "", "");
        goto out;
    }
    if (r.cfg.seed > UINT64_MAX - (o.seeds - 1)) { /* seed + s must not wrap to 0 */
        cli_err("fallacy: sweep: --seed %llu with --seeds %u: the last seed passes 2^64 - 1\n",
                (unsigned long long)r.cfg.seed, o.seeds);
        rc = EXIT_USAGE;
        goto out;
    }
    g.seeds = o.seeds;
    rc = grid_make(&g, families, &o, &r);
    if (rc) goto out;

    fal_status st = FAL_OK;
    if (o.db && (!o.list || access(o.db, F_OK) == 0))
        st = fal_store_open(ctx, o.db, o.list ? FAL_STORE_READ : FAL_STORE_CREATE, &store);
    if (st != FAL_OK) {
        cli_err("fallacy: sweep: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto out;
    }

    /* --list: the shard's points and whether they are stored */
    if (o.list) {
        for (uint64_t p = 0; p < g.points && !rc; p++) {
            if (!point_in_shard(&o, p)) continue;
            fal_config cfg;
            grid_point(&g, &r.cfg, p, &cfg);
            int found = 0;
            size_t len = 0;
            char *key = NULL;
            st = fal_store_key(ctx, &cfg, NULL, 0, &len); /* the length first */
            if (st == FAL_ERANGE) st = (key = malloc(len + 1)) ? FAL_OK : FAL_ENOMEM;
            if (st == FAL_OK) st = fal_store_key(ctx, &cfg, key, len + 1, NULL);
            if (st == FAL_OK && store) st = fal_store_has(store, key, &found);
            if (st == FAL_OK) printf("%llu\t%s\t%s\n", (unsigned long long)p, found ? "stored" : "todo", key);
            else {
                cli_err("fallacy: sweep: %s\n", st == FAL_ENOMEM ? "out of memory" : fal_ctx_message(ctx));
                rc = cli_exit_code(st);
            }
            free(key);
        }
        goto out;
    }

    progress pr;
    memset(&pr, 0, sizeof pr);
    pr.on = isatty(STDERR_FILENO);
    const char *nc = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    pr.colour = pr.on && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
    for (uint64_t p = 0; p < g.points && st == FAL_OK; p++) {
        if (!point_in_shard(&o, p)) continue;
        pr.total++;
        fal_config cfg;
        grid_point(&g, &r.cfg, p, &cfg);
        int found = 0;
        st = fal_store_has_config(store, &cfg, &found);
        pr.skipped += found != 0;
    }
    if (st != FAL_OK) {
        cli_err("fallacy: sweep: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto out;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sa.sa_flags = (int)(SA_RESETHAND | SA_RESTART); /* a second signal kills */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    pr.t0 = now();
    pr.last = -1;
    progress_show(&pr, 1);
    if (!pr.on) {
        char sh[64] = "";
        if (o.shard_n > 1)
            snprintf(sh, sizeof sh, " (shard %llu/%llu)", (unsigned long long)o.shard_i, (unsigned long long)o.shard_n);
        fprintf(stderr, "sweep: %llu points%s, %llu stored before, %llu to run -> %s\n", (unsigned long long)pr.total,
                sh, (unsigned long long)pr.skipped, (unsigned long long)(pr.total - pr.skipped), o.db);
        fflush(stderr);
    }
    uint64_t failed = 0, noconv = 0, stored_now = 0;
    int worst = 0;
    for (uint64_t p = 0; p < g.points; p++) {
        if (stop_signal) break;
        if (!point_in_shard(&o, p)) continue;
        fal_config cfg;
        grid_point(&g, &r.cfg, p, &cfg);
        int found = 0;
        st = fal_store_has_config(store, &cfg, &found);
        if (st != FAL_OK) break;
        if (found) {
            pr.done++;
            progress_show(&pr, pr.done == pr.total);
            continue;
        }
        /* the Hamming clustering families hand out their centres (c x n
         * bits, no tables) for the store's centres column, the report's
         * picture of them; keeping them changes nothing else of the run */
        if (!strcmp(cfg.family->name, "bool-ae") || !strcmp(cfg.family->name, "threshold-ae"))
            cfg.keep_params = FAL_KEEP_CENTRES;
        fal_result res;
        fal_status rs = fal_run(ctx, &cfg, &res);
        if (rs == FAL_OK || rs == FAL_ENOCONV) {
            int inserted = 0;
            st = fal_store_put(store, &cfg, &res, &inserted);
            if (st == FAL_OK) {
                stored_now++;
                noconv += rs == FAL_ENOCONV;
                if (!pr.on) log_run(ctx, &pr, &cfg, &res);
                if (r.json) {
                    cli_print_json(stdout, &res);
                    fflush(stdout);
                }
            }
            fal_result_clear(&res);
            if (st != FAL_OK) break;
        } else {
            char msg[512], key[512];
            snprintf(msg, sizeof msg, "%s", fal_ctx_message(ctx));
            fal_store_key(ctx, &cfg, key, sizeof key, NULL); /* a prefix is enough to name the point */
            progress_end(&pr);
            cli_err("fallacy: sweep: point %llu (%s): %s\n", (unsigned long long)p, key, msg);
            failed++;
            int code = cli_exit_code(rs);
            if (code > worst) worst = code;
        }
        pr.done++;
        pr.ran++;
        progress_show(&pr, pr.done == pr.total);
    }
    progress_end(&pr);
    if (st != FAL_OK) {
        cli_err("fallacy: sweep: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto out;
    }
    uint64_t stored = pr.skipped + stored_now;
    if (stop_signal) {
        cli_err("fallacy: sweep: interrupted by %s after the point in progress; %llu of %llu points of this %s are "
                "stored in %s. Run the same command again to resume (stored points are skipped).\n",
                stop_signal == SIGINT ? "SIGINT" : "SIGTERM", (unsigned long long)stored, (unsigned long long)pr.total,
                o.shard_n > 1 ? "shard" : "sweep", o.db);
        rc = EXIT_INTERRUPTED;
        goto out;
    }
    /* the closing line, on a terminal and in a batch log alike */
    fprintf(stderr, "sweep: %llu points: %llu run now (%llu did not converge), %llu stored before%s -> %s\n",
            (unsigned long long)pr.total, (unsigned long long)stored_now, (unsigned long long)noconv,
            (unsigned long long)pr.skipped, failed ? ", some FAILED (not stored)" : "", o.db);
    if (failed)
        cli_err("fallacy: sweep: %llu points failed and are not stored; a rerun retries them\n",
                (unsigned long long)failed);
    rc = worst;
out:
    fal_store_close(store);
    grid_free(&g);
    if (have_run) cli_run_free(&r);
    fal_ctx_free(ctx);
    return rc;
}

/* ---- merge ------------------------------------------------------------------- */

int cli_merge(int argc, char **argv)
{
    cli_args a;
    int prc = cli_parse(CMD_MERGE, argc, argv, NULL, NULL, NULL, &a);
    if (prc) return prc < 0 ? EXIT_OK : prc;
    /* the files, in order ("--" lets a name start with '-') */
    argc = a.npos;
    argv = a.pos;
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fputs("fallacy: out of memory\n", stderr);
        cli_args_free(&a);
        return EXIT_NOMEM;
    }
    /* every input must exist before anything is written */
    for (int i = 1; i < argc; i++)
        if (access(argv[i], R_OK) != 0) {
            cli_err("fallacy: merge: %s: %s\n", argv[i], strerror(errno));
            fal_ctx_free(ctx);
            cli_args_free(&a);
            return EXIT_USAGE;
        }
    /* ... and be a fallacy database this version reads (schema, no foreign
     * objects): checked by opening each to read, so that a refused input
     * leaves no new output behind (doc/sweep.md) */
    fal_status st = FAL_OK;
    for (int i = 1; i < argc && st == FAL_OK; i++) {
        fal_store *in = NULL;
        st = fal_store_open(ctx, argv[i], FAL_STORE_READ, &in);
        fal_store_close(in);
    }
    int existed = access(argv[0], F_OK) == 0;
    fal_store *out = NULL;
    if (st == FAL_OK) st = fal_store_open(ctx, argv[0], FAL_STORE_CREATE, &out);
    int rc = 0;
    uint64_t added = 0;
    for (int i = 1; i < argc && st == FAL_OK; i++) {
        fal_store_merge_stats ms;
        st = fal_store_merge(out, argv[i], &ms);
        if (st != FAL_OK) break;
        printf("%s: %llu runs, %llu added, %llu already present\n", argv[i], (unsigned long long)ms.rows,
               (unsigned long long)ms.added, (unsigned long long)ms.duplicates);
        if (ms.conflicts)
            cli_err("fallacy: merge: %s: %llu runs have the key of a stored run but other measured values; the "
                    "stored ones are kept\n",
                    argv[i], (unsigned long long)ms.conflicts);
        added += ms.added;
    }
    uint64_t total = 0;
    if (st == FAL_OK) st = fal_store_count(out, &total);
    if (st == FAL_OK) {
        printf("%s: %llu runs (%llu added)\n", argv[0], (unsigned long long)total, (unsigned long long)added);
    } else {
        cli_err("fallacy: merge: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
    }
    fal_store_close(out);
    /* an output this command created and could not finish: gone, so that
     * a failed merge leaves no half database (a file that existed stays) */
    if (rc && !existed) unlink(argv[0]);
    fal_ctx_free(ctx);
    cli_args_free(&a);
    return rc;
}

/* ---- a sweep's plan, for `fallacy slurm` -------------------------------------- */

struct cli_sweep_plan {
    fal_ctx *ctx;
    grid g;
    cli_run r;
    int have_run;
};

void cli_sweep_plan_free(cli_sweep_plan *p)
{
    if (!p) return;
    grid_free(&p->g);
    if (p->have_run) cli_run_free(&p->r);
    fal_ctx_free(p->ctx);
    free(p);
}

int cli_sweep_plan_new(int argc, char **argv, slurm_opts *own, cli_sweep_plan **out)
{
    *out = NULL;
    memset(own, 0, sizeof *own);
    own->sweep.seeds = 1;
    own->sweep.shard_i = own->sweep.shard_n = 1;
    cli_sweep_plan *p = calloc(1, sizeof *p);
    if (!p || fal_ctx_new(&p->ctx, NULL) != FAL_OK) {
        free(p);
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    p->g.ctx = p->ctx;
    /* the table's CMD_SLURM rows: the sweep's into own->sweep and p->r,
     * slurm's own into the rest of own */
    int rc = cli_run_parse(CMD_SLURM, argc, argv, p->ctx, &p->r, own);
    if (rc) { /* the parser said why (or printed the help: -1) */
        cli_sweep_plan_free(p);
        return rc;
    }
    p->have_run = 1;
    p->g.seeds = own->sweep.seeds;
    rc = grid_make(&p->g, p->r.args.pos[0], &own->sweep, &p->r);
    if (rc) goto fail;
    *out = p;
    return 0;
fail:
    if (rc == EXIT_NOMEM) fputs("fallacy: out of memory\n", stderr);
    cli_sweep_plan_free(p);
    return rc;
}

const cli_args *cli_sweep_plan_args(const cli_sweep_plan *p) { return &p->r.args; }

uint64_t cli_sweep_plan_points(const cli_sweep_plan *p) { return p->g.points; }

int cli_sweep_plan_shard(cli_sweep_plan *p, fal_store *store, uint64_t i, uint64_t n, uint64_t *points,
                         uint64_t *stored)
{
    *points = *stored = 0;
    for (uint64_t q = i; q < p->g.points; q += n) {
        fal_config cfg;
        grid_point(&p->g, &p->r.cfg, q, &cfg);
        int found = 0;
        if (store) {
            fal_status st = fal_store_has_config(store, &cfg, &found);
            if (st != FAL_OK) {
                fprintf(stderr, "fallacy: slurm: %s\n", fal_ctx_message(p->ctx));
                return cli_exit_code(st);
            }
        }
        ++*points;
        *stored += found != 0;
    }
    return 0;
}

fal_ctx *cli_sweep_plan_ctx(cli_sweep_plan *p) { return p->ctx; }
