/* fuzz_args.c -- the command line's option parsers on arbitrary argv.
 *
 * The input is a mode byte, then argv strings separated by NUL bytes:
 *   mode % 3 == 0: cli_run_parse (tools/fallacy.c), as `fallacy run` calls it;
 *   mode % 3 == 1: cli_run_parse as `fallacy classes` calls it (its own
 *                  options from the table: a flag and a bounded integer);
 *   mode % 3 == 2: cli_sweep (tools/sweep.c) with --list and a shard of one
 *                  point forced at the end, so it parses the whole grid
 *                  (families, --widths 'a,b;c,d', depth x width lists) and
 *                  prints one key instead of running anything.
 * The value after --data becomes a scratch file holding that value (.npy if
 * it starts with the magic, else .csv); --db becomes a scratch path that
 * does not exist.  Every argv string is also given to fal_arch_parse,
 * fal_store_arch_parse and fal_algo_parse.
 *
 * Oracles: fal_arch_parse and fal_store_arch_parse accept exactly what an
 * independent reading of their grammars accepts, with the same widths; the
 * run-length text of a parsed architecture parses back to the same one;
 * cli_run_parse returns 0 or an exit code of the contract, leaves nothing
 * to free on failure, and on success a configuration whose values are in
 * their documented ranges; nothing allocated through the context stays. */
#include <limits.h>
#include "cli.h"
#include "fuzz_common.h"

#define MAX_ARGS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_scratch();
    /* The parsers print their usage errors: into the void (libFuzzer and the
     * sanitizers write to file descriptor 2, not through these FILEs).
     * FUZZ_VERBOSE=1 keeps them, to read a reproduced input's messages. */
    if (!getenv("FUZZ_VERBOSE")) {
        FILE *null = fopen("/dev/null", "w");
        FUZZ_CHECK(null != NULL, "cannot open /dev/null");
        stderr = null;
        stdout = null;
    }
    return 0;
}

/* ---- fal_arch_parse: "n0,n1,...,nL" ------------------------------------------ */

/* Independent reading: every field 1..2^32 in decimal digits, 2..2^20 fields.
 * Returns the number of fields, 0 if refused; widths into w (cap entries). */
static size_t ref_widths(const char *s, size_t *w, size_t cap)
{
    size_t n = 0;
    const char *p = s;
    for (;;) {
        size_t len = strspn(p, "0123456789");
        if (len == 0 || (p[len] != ',' && p[len] != '\0')) return 0;
        while (len > 1 && *p == '0') { p++; len--; } /* leading zeros do not count against the size */
        if (len > 10) return 0;
        char digits[11];
        memcpy(digits, p, len);
        digits[len] = '\0';
        unsigned long long v = strtoull(digits, NULL, 10);
        if (v < 1 || v > FAL_MAX_WIDTH) return 0;
        if (n < cap) w[n] = (size_t)v;
        n++;
        p += len;
        while (*p >= '0' && *p <= '9') p++;
        if (!*p) break;
        p++;
    }
    return n >= 2 && n <= ((size_t)1 << 20) ? n : 0;
}

static void check_arch_parse(fal_ctx *ctx, const char *s)
{
    size_t want[64];
    size_t n = ref_widths(s, want, 64);
    fal_arch *a = (fal_arch *)&a;
    fal_status st = fal_arch_parse(ctx, s, &a);
    if (n == 0) {
        FUZZ_CHECK(st == FAL_EINVAL, "fal_arch_parse accepted '%s' (status %s)", s, fal_errstr(st));
        FUZZ_CHECK(a == NULL, "fal_arch_parse failed but set *out");
        return;
    }
    FUZZ_CHECK(st == FAL_OK, "fal_arch_parse refused '%s': %s", s, fal_ctx_message(ctx));
    FUZZ_CHECK(fal_arch_depth(a) + 1 == n, "'%s': depth %llu for %zu fields", s,
               (unsigned long long)fal_arch_depth(a), n);
    for (size_t i = 0; i < n && i < 64; i++)
        FUZZ_CHECK(fal_arch_width(a, i) == want[i], "'%s': width %zu is %zu, not %zu", s, i, fal_arch_width(a, i),
                   want[i]);
    fal_arch_free(a);
}

/* ---- fal_store_arch_parse: "n^c,m,..." --------------------------------------- */

/* Independent reading: runs "w" or "w^c", w in 1..2^32, c >= 1, the layer
 * count without overflow, 2 <= layers <= 2^50 + 1.  Returns 1 and the
 * layer count, the first width and whether all widths agree. */
static int ref_runs(const char *s, uint64_t *layers, size_t *first, int *uniform)
{
    uint64_t total = 0;
    int nruns = 0;
    *uniform = 1;
    const char *p = s;
    for (;;) {
        size_t len = strspn(p, "0123456789");
        if (!len) return 0;
        char buf[32];
        /* more than 20 digits always overflows 64 bits, unless zeros lead */
        const char *q = p;
        size_t l = len;
        while (l > 1 && *q == '0') { q++; l--; }
        if (l > 20) return 0;
        memcpy(buf, q, l);
        buf[l] = '\0';
        errno = 0;
        unsigned long long w = strtoull(buf, NULL, 10);
        if (errno || w < 1 || w > FAL_MAX_WIDTH) return 0;
        p += len;
        unsigned long long c = 1;
        if (*p == '^') {
            p++;
            len = strspn(p, "0123456789");
            if (!len) return 0;
            q = p;
            l = len;
            while (l > 1 && *q == '0') { q++; l--; }
            if (l > 20) return 0;
            memcpy(buf, q, l);
            buf[l] = '\0';
            errno = 0;
            c = strtoull(buf, NULL, 10);
            if (errno || c < 1) return 0;
            p += len;
        }
        if (nruns == 0) *first = (size_t)w;
        else if ((size_t)w != *first) *uniform = 0;
        nruns++;
        if (total > UINT64_MAX - c) return 0;
        total += c;
        if (!*p) break;
        if (*p++ != ',') return 0;
    }
    if (total < 2 || total - 1 > FAL_MAX_DEPTH) return 0;
    *layers = total;
    return 1;
}

static void same_arch(const fal_arch *a, const fal_arch *b, const char *what)
{
    uint64_t L = fal_arch_depth(a);
    FUZZ_CHECK(fal_arch_depth(b) == L, "%s: depth %llu then %llu", what, (unsigned long long)L,
               (unsigned long long)fal_arch_depth(b));
    FUZZ_CHECK(fal_arch_is_uniform(a) == fal_arch_is_uniform(b), "%s: uniform %d then %d", what,
               fal_arch_is_uniform(a), fal_arch_is_uniform(b));
    uint64_t step = L > 4096 ? L / 4096 : 1;
    for (uint64_t i = 0; i <= L; i += step)
        FUZZ_CHECK(fal_arch_width(a, i) == fal_arch_width(b, i), "%s: width %llu differs", what,
                   (unsigned long long)i);
    FUZZ_CHECK(fal_arch_width(a, L) == fal_arch_width(b, L), "%s: last width differs", what);
}

static void check_store_arch_parse(fal_ctx *ctx, const char *s)
{
    uint64_t layers = 0;
    size_t first = 0;
    int uniform = 0;
    int ok = ref_runs(s, &layers, &first, &uniform);
    fal_arch *a = (fal_arch *)&a;
    fal_status st = fal_store_arch_parse(ctx, s, &a);
    if (!ok) {
        FUZZ_CHECK(st == FAL_EINVAL, "fal_store_arch_parse accepted '%s' (status %s)", s, fal_errstr(st));
        FUZZ_CHECK(a == NULL, "fal_store_arch_parse failed but set *out");
        return;
    }
    if (!uniform && layers > 10000000u) {
        FUZZ_CHECK(st == FAL_ERANGE, "'%s': %llu mixed layers, status %s", s, (unsigned long long)layers,
                   fal_errstr(st));
        return;
    }
    if (st == FAL_ENOMEM) return; /* the budget: up to 80 MB of widths */
    FUZZ_CHECK(st == FAL_OK, "fal_store_arch_parse refused '%s': %s", s, fal_ctx_message(ctx));
    FUZZ_CHECK(fal_arch_depth(a) == layers - 1, "'%s': depth %llu, expected %llu", s,
               (unsigned long long)fal_arch_depth(a), (unsigned long long)(layers - 1));
    FUZZ_CHECK(fal_arch_is_uniform(a) == uniform, "'%s': uniform %d", s, fal_arch_is_uniform(a));
    FUZZ_CHECK(fal_arch_width(a, 0) == first, "'%s': first width %zu", s, fal_arch_width(a, 0));
    /* the text of the parsed architecture reads back the same */
    size_t len = 0;
    char small[8];
    st = fal_store_arch_text(ctx, a, small, sizeof small, &len);
    FUZZ_CHECK(st == FAL_OK || st == FAL_ERANGE || st == FAL_ENOMEM, "fal_store_arch_text: %s", fal_errstr(st));
    if (st != FAL_ENOMEM) {
        FUZZ_CHECK((st == FAL_ERANGE) == (len >= sizeof small), "fal_store_arch_text: length %zu, status %s", len,
                   fal_errstr(st));
        FUZZ_CHECK(strlen(small) == (len < sizeof small ? len : sizeof small - 1), "truncated text '%s'", small);
        char *text = malloc(len + 1);
        FUZZ_CHECK(text != NULL, "malloc");
        st = fal_store_arch_text(ctx, a, text, len + 1, NULL);
        if (st == FAL_OK) {
            FUZZ_CHECK(strlen(text) == len, "text length");
            fal_arch *b = NULL;
            st = fal_store_arch_parse(ctx, text, &b);
            FUZZ_CHECK(st == FAL_OK || st == FAL_ENOMEM, "'%s' written as '%s' does not parse: %s", s, text,
                       fal_ctx_message(ctx));
            if (b) same_arch(a, b, text);
            fal_arch_free(b);
        }
        free(text);
    }
    fal_arch_free(a);
}

/* ---- cli_run_parse ---------------------------------------------------------- */

static void check_run(const cli_run *r, int rc)
{
    if (rc) {
        /* -1: the help was printed (exit 0) */
        FUZZ_CHECK(rc == -1 || rc == EXIT_USAGE || rc == EXIT_NOMEM, "exit code %d", rc);
        FUZZ_CHECK(r->arch == NULL && r->data == NULL, "failed with something left to free");
        return;
    }
    const fal_config *c = &r->cfg;
    if (r->rerun) {
        /* --rerun stands alone: nothing else parsed, nothing loaded */
        FUZZ_CHECK(r->arch == NULL && r->data == NULL && r->args.npos == 0, "--rerun with more");
        return;
    }
    FUZZ_CHECK(c->family != NULL, "no family");
    FUZZ_CHECK(c->split_fraction == 0 || (c->split_fraction > 0 && c->split_fraction < 1), "split %g",
               c->split_fraction);
    FUZZ_CHECK(!r->split_k || (c->examples_set && c->examples == (size_t)r->split_k), "--split k is --examples k");
    FUZZ_CHECK(c->arch == r->arch && c->data == r->data, "config does not point at the parsed arch and data");
    if (r->arch) {
        uint64_t L = fal_arch_depth(r->arch);
        FUZZ_CHECK(L >= 1 && L <= FAL_MAX_DEPTH, "depth %llu", (unsigned long long)L);
        FUZZ_CHECK(fal_arch_width(r->arch, 0) >= 1 && fal_arch_width(r->arch, L) <= FAL_MAX_WIDTH, "widths");
    }
    FUZZ_CHECK(!c->examples_set || (c->examples >= 1 && c->examples <= SIZE_MAX / 64), "examples %zu",
               c->examples);
    FUZZ_CHECK(c->test <= SIZE_MAX / 64, "test %zu", c->test);
    FUZZ_CHECK(r->threads >= 1 && r->threads <= 1024, "threads %d", r->threads);
    FUZZ_CHECK(c->power == 0 || (c->power >= 2 && c->power <= 64), "power %u", c->power);
    FUZZ_CHECK(c->degree == 0 || (c->degree >= 1 && c->degree <= 64), "degree %u", c->degree);
    FUZZ_CHECK(c->features <= ((size_t)1 << 32), "features %zu", c->features);
    FUZZ_CHECK(c->lr == 0 || (isfinite(c->lr) && c->lr > 0), "lr %g", c->lr);
    FUZZ_CHECK(c->tol == 0 || (isfinite(c->tol) && c->tol > 0), "tol %g", c->tol);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int mode = data[0] % 3;
    /* argv strings: the bytes after the mode byte, split at NUL */
    char *buf = malloc(size);
    FUZZ_CHECK(buf != NULL, "malloc");
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *argv[MAX_ARGS + 8];
    int argc = 0;
    for (char *p = buf; p < buf + size && argc < MAX_ARGS; p += strlen(p) + 1) {
        if (p == buf + size - 1 && argc > 0) break; /* the terminating NUL */
        argv[argc++] = p;
    }

    fal_ctx *ctx = fuzz_ctx();
    for (int i = 0; i < argc; i++) {
        check_arch_parse(ctx, argv[i]);
        check_store_arch_parse(ctx, argv[i]);
        fal_algo algo;
        fal_status st = fal_algo_parse(ctx, argv[i], &algo);
        int known = !strcmp(argv[i], "gd") || !strcmp(argv[i], "fa") || !strcmp(argv[i], "exact") ||
                    !strcmp(argv[i], "nesterov") || !strcmp(argv[i], "adam") || !strcmp(argv[i], "lbfgs");
        FUZZ_CHECK((st == FAL_OK) == known, "fal_algo_parse('%s'): %s", argv[i], fal_errstr(st));
        if (known) FUZZ_CHECK(strcmp(fal_algo_name(algo), argv[i]) == 0, "algo name");
    }

    /* Keep the parsers away from real files. */
    char paths[MAX_ARGS][600];
    for (int i = 0; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--data") == 0) {
            const char *v = argv[i + 1];
            int npy = strncmp(v, "\x93NUMPY", 6) == 0;
            fuzz_write_file(npy ? "arg.npy" : "arg.csv", (const uint8_t *)v, strlen(v), paths[i], sizeof paths[i]);
            argv[i + 1] = paths[i];
            i++;
        } else if (strcmp(argv[i], "--db") == 0) {
            snprintf(paths[i], sizeof paths[i], "%s/absent/runs.sqlite", fuzz_scratch());
            argv[i + 1] = paths[i];
            i++;
        }
    }

    if (mode == 2) {
        argv[argc++] = "--list";
        argv[argc++] = "--shard";
        argv[argc++] = "1/100000000";
        argv[argc] = NULL;
        int rc = cli_sweep(argc, argv);
        FUZZ_CHECK(rc == EXIT_OK || rc == EXIT_USAGE || rc == EXIT_NOMEM, "cli_sweep exit code %d", rc);
    } else {
        argv[argc] = NULL;
        cli_run r;
        classes_opts co = { 0, 0, NULL };
        int rc = cli_run_parse(mode == 1 ? CMD_CLASSES : CMD_RUN, argc, argv, ctx, &r, &co);
        check_run(&r, rc);
        FUZZ_CHECK(rc != 0 || co.walk <= 1000000, "walk %llu", (unsigned long long)co.walk);
        if (rc == 0) cli_run_free(&r);
    }
    fuzz_ctx_done(ctx);
    free(buf);
    return 0;
}
