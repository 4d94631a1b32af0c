/* test_guards.c -- resource guards.  Every family, and `classes` and
 * `need`, answers an input that cannot fit with exit 3 and the figures
 * ("needs N GiB, M GiB available", or "needs more than 16 EiB" when the size
 * overflows 64 bits), and a size it does not define with exit 2, before it
 * allocates anything big: sizes are computed with checked arithmetic from
 * the architecture, so widths up to 2^32, depths up to 2^50 and counts near
 * 2^64 never wrap into a small allocation, and no refusal runs for long.
 * The CLI table below is the one in the final report and in
 * doc/bad-inputs.md's resource section; the library checks count every
 * byte the run asks the allocator for. */
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include "test.h"

#define SM "18446744073709551615" /* SIZE_MAX */
#define W32 "4294967296"          /* 2^32, the largest width an architecture takes */
#define I31 "2147483647"          /* 2^31 - 1, the largest BLAS/LAPACK dimension */
#define D50 "1125899906842624"    /* 2^50, the largest depth */
#define EMAX "288230376151711743" /* SIZE_MAX / 64, the largest --examples/--test the CLI takes */

/* Run the CLI with args: the exit status (124 if it ran for a minute: a
 * hang), stdout into out and the first line of stderr into err. */
static int cli_run(const char *dir, const char *args, char *out, size_t ocap, char *err, size_t ecap)
{
    const char *bin = getenv("FALLACY_BIN");
    char cmd[4096], efile[512];
    snprintf(efile, sizeof efile, "%s/stderr", dir);
    snprintf(cmd, sizeof cmd, "timeout 60 %s %s 2>%s", bin ? bin : "build/fallacy", args, efile);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = 0, r;
    while (n + 1 < ocap && (r = fread(out + n, 1, ocap - 1 - n, p)) > 0) n += r;
    out[n] = '\0';
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0) {}
    int st = pclose(p);
    char *e = test_slurp(efile, NULL);
    snprintf(err, ecap, "%s", e ? e : "");
    free(e);
    err[strcspn(err, "\n")] = '\0';
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The matrix: every family x {the largest width, the largest depth, huge
 * --examples, huge --test, a product that overflows (or the largest counts
 * together)}, then classes and need.  Widths near SIZE_MAX and depths near
 * 10^18 are refused by the architecture parser before the family is looked
 * at: two families stand for all (and doc/bad-inputs.md has them too).
 * Exit 2 rows are sizes refused by definition (the architecture's range,
 * chain widths of 1, BLAS's 32-bit dimensions, 32-bit cluster
 * assignments, enumerated input spaces); exit 3 rows give the figure the
 * run needs, machine-independent because it exceeds any machine. */
static const struct guard_row {
    const char *args;
    int exit;
    const char *msg; /* a substring of stderr's first line ("" for exit 0) */
} guard_rows[] = {
    { "run linear-chain --width " SM, 2, "width 18446744073709551615 out of range [1, 2^32]" },
    { "run linear-chain --width " W32, 2, "linear-chain needs every width = 1" },
    { "run linear-chain --depth 1e18", 2, "depth 1000000000000000000 out of range [1, 2^50]" },
    { "run linear-chain --depth " D50, 3, "linear-chain needs 8.0 PiB, " },
    { "run linear-chain --examples 1e17", 3, "linear-chain needs 1.4 EiB, " },
    { "run linear-chain --test 1e17", 3, "linear-chain needs 1.4 EiB, " },
    { "run linear-chain --depth " D50 " --examples " EMAX, 3, "linear-chain needs 4.0 EiB, " },

    { "run linear --width " W32, 2, "linear: width 4294967296 exceeds the BLAS/LAPACK limit 2^31 - 1" },
    { "run linear --depth " D50, 3, "linear network needs 40.0 PiB, " },
    { "run linear --examples 1e17", 2, "linear: --examples 100000000000000000 exceeds the BLAS/LAPACK limit" },
    { "run linear --test 1e17", 2, "linear: --test 100000000000000000 exceeds the BLAS/LAPACK limit" },
    { "run linear --widths " I31 "," I31, 3, "linear network needs more than 16 EiB (its size overflows 64 bits)" },
    { "run linear --width 100000 --depth 1000", 3, "linear network needs 146.3 TiB, " },

    { "run linear-ae --widths " SM ",1," SM, 2, "widths: field 1 is larger than 2^32" },
    { "run linear-ae --widths " W32 ",1," W32, 2, "linear-ae: width 4294967296 exceeds the BLAS/LAPACK limit" },
    { "run linear-ae --depth 1e18", 2, "depth 1000000000000000000 out of range [1, 2^50]" },
    { "run linear-ae --depth " D50, 2, "linear-ae needs a bottleneck" },
    { "run linear-ae --examples 1e17", 2, "linear-ae: --examples 100000000000000000 exceeds the BLAS/LAPACK limit" },
    { "run linear-ae --test 1e17", 2, "linear-ae: --test 100000000000000000 exceeds the BLAS/LAPACK limit" },
    { "run linear-ae --widths " I31 "," I31 ",1," I31 "," I31, 3, "linear autoencoder needs more than 16 EiB" },
    { "run linear-ae --widths 20000000,1,20000000 --field complex", 3, "linear autoencoder needs 22.7 PiB, " },

    { "run bool-chain --width " W32, 2, "bool-chain needs every width = 1" },
    { "run bool-chain --depth " D50, 3, "bool-chain needs 128.0 TiB, " },
    { "run bool-chain --examples 1e17", 3, "bool-chain needs 177.6 PiB, " },
    /* the test set is the whole input space {0, 1}: --test only switches it on */
    { "run bool-chain --test 1e17 --json", 0, "" },
    { "run bool-chain --depth " D50 " --examples " EMAX, 3, "bool-chain needs 512.1 PiB, " },

    { "run power-chain --width " W32, 2, "power-chain needs every width = 1" },
    { "run power-chain --depth " D50, 2, "supported up to q^L = 2^960 (q = 2: depth <= 960)" },
    { "run power-chain --examples 1e17", 3, "power-chain needs 5.6 EiB, " },
    { "run power-chain --test 1e17", 3, "power-chain needs 5.6 EiB, " },
    { "run power-chain --examples " EMAX, 3, "power-chain needs more than 16 EiB" },

    { "run bool --width " W32, 2, "the limit is 24 units in every layer but the output" },
    { "run bool --width 4 --depth " D50, 3, "bool needs 24.0 PiB, " },
    { "run bool --examples 1e17", 2, "--examples 100000000000000000 exceeds the 2^6 = 64 distinct inputs" },
    { "run bool --widths 24,24," W32, 3, "bool needs 16.0 PiB, " },
    { "run bool --width 24 --depth " D50, 3, "bool needs more than 16 EiB" },

    { "run bool-ae --widths " W32 ",1," W32, 2, "bool-ae: width 4294967296 of layer 0; the limit is 64 (one word)" },
    { "run bool-ae --depth " D50, 2, "bool-ae needs a bottleneck" },
    { "run bool-ae --examples 1e17", 2, "bool-ae: --examples 100000000000000000: at most 2^32 - 1 training examples" },
    { "run bool-ae --test 1e17", 3, "bool-ae needs 710.5 PiB, " },
    { "run bool-ae --examples 4294967295 --test " EMAX, 3, "bool-ae needs 2.0 EiB, " },

    { "run threshold-chain --width " W32, 2, "threshold-chain needs every width = 1" },
    { "run threshold-chain --depth " D50, 3, "threshold-chain needs 128.0 TiB, " },
    { "run threshold-chain --examples 1e17", 3, "threshold-chain needs 177.6 PiB, " },
    { "run threshold-chain --test 1e17 --json", 0, "" },
    { "run threshold-chain --depth " D50 " --examples " EMAX, 3, "threshold-chain needs 512.1 PiB, " },

    { "run threshold-ae --widths " W32 ",1," W32, 2, "threshold-ae: width 4294967296 of layer 0; the limit is 64" },
    { "run threshold-ae --depth " D50, 2, "threshold-ae needs a bottleneck" },
    { "run threshold-ae --examples 1e17", 2, "threshold-ae: --examples 100000000000000000: at most 2^32 - 1" },
    { "run threshold-ae --test 1e17", 3, "threshold-ae needs 710.5 PiB, " },
    { "run threshold-ae --widths 64,16,64 --degree 40", 3, "threshold-ae needs more than 16 EiB" },

    { "run shallow --features " W32, 2, "shallow: w = 4294967296 features exceeds the LAPACK limit 2147483647" },
    { "run shallow --depth " D50, 2, "shallow: the architecture is A(w, 1)" },
    { "run shallow --examples 1e17", 2, "shallow: k = 100000000000000000 examples exceeds the LAPACK limit" },
    { "run shallow --test 1e17", 2,
      "shallow: --test 100000000000000000 with w = 1000 features is 1e+20 Gaussian draws" },
    { "run shallow --features " I31 " --examples " I31, 3, "shallow needs more than 16 EiB" },

    { "run mlp --width " W32, 2, "mlp: width 4294967296 exceeds the BLAS/LAPACK limit 2^31 - 1" },
    { "run mlp --width 2 --depth " D50, 2, "mlp: depth above 100000 layers refused" },
    { "run mlp --examples 1e17", 2, "mlp: --examples 100000000000000000 exceeds the BLAS/LAPACK limit" },
    { "run mlp --test 1e17", 2, "mlp: --test 100000000000000000 exceeds the BLAS/LAPACK limit" },
    { "run mlp --widths 100000,100000,100000", 3, "mlp needs 3.6 TiB, " },
    { "run mlp --widths " I31 "," I31, 3, "mlp needs more than 16 EiB (its size overflows 64 bits)" },
    { "run mlp --widths 8,30000,1 --teacher-widths 8," I31 ",1", 3, "mlp needs " },
    { "classes mlp --width " W32, 2, "classes mlp: width 4294967296 exceeds the BLAS/LAPACK limit 2^31 - 1" },
    { "classes mlp --width 2 --depth " D50, 2, "mlp: depth above 100000 layers refused" },
    { "classes mlp --widths 3000,3000,1", 3, "classes mlp needs 612.2 TiB, " },
    { "classes mlp --widths 32,220,220,220,1", 3, "classes mlp needs 105.1 GiB, " },
    { "need mlp --eps 1e-6 --widths 100000,100000,100000", 3, "need: mlp at k = 1, seed 0: mlp needs 3.6 TiB, " },

    { "classes linear --width " W32, 2,
      "classes: 4294967296 probes x 4294967296 outputs exceed the BLAS/LAPACK limit" },
    { "classes linear --width 2 --depth " D50, 3, "classes linear needs 88.0 PiB, " },
    { "classes linear --widths 2000,2000", 3, "classes linear needs 116.4 TiB, " },
    { "classes linear-ae --widths 30000,1,30000", 3, "classes linear-ae needs 5.6 EiB, " },
    { "classes linear-chain --depth " D50, 2, "classes: linear-chain above depth 10^6 refused" },
    { "classes bool-chain --depth " D50 " --json", 0, "" },
    { "classes threshold-chain --depth " D50 " --json", 0, "" },
    { "classes bool --width 4 --depth " D50 " --json", 0, "" },
    { "classes bool-ae --widths " W32 ",1," W32, 2, "bool-ae: need A(n,..,m,..,n), m < n <= 24" },
    { "classes threshold-ae --widths " W32 ",1," W32, 2, "threshold-ae: need A(n,..,m,..,n), m < n <= 24" },
    { "classes threshold-gate --widths " W32 ",1", 2, "threshold-gate: exact count only for n <= 5" },

    { "need linear-chain --eps 1e-6 --depth " D50, 3,
      "need: linear-chain at k = 1, seed 0: linear-chain needs 8.0 PiB, " },
    { "need linear --eps 1e-6 --width 2 --depth " D50, 3,
      "need: linear at k = 1, seed 0: linear network needs 72.0 PiB, " },
    { "need linear-ae --eps 1e-6 --widths " I31 "," I31 ",1," I31 "," I31, 3,
      "linear autoencoder needs more than 16 EiB" },
    { "need bool-chain --eps 0.1 --depth " D50, 3, "need: bool-chain at k = 1, seed 0: bool-chain needs 128.0 TiB, " },
    { "need power-chain --eps 0.1 --test 1e17", 3, "need: power-chain at k = 1, seed 0: power-chain needs 5.6 EiB, " },
    { "need bool --eps 0.1 --width 24 --depth " D50, 3, "need: bool at k = 1, seed 0: bool needs more than 16 EiB" },
    { "need bool-ae --eps 0.1 --test 1e17", 3, "need: bool-ae at k = 1, seed 0: bool-ae needs 710.5 PiB, " },
    { "need threshold-chain --eps 0.1 --depth " D50, 3, "threshold-chain needs 128.0 TiB, " },
    { "need threshold-ae --eps 0.1 --widths 64,16,64 --degree 40", 3, "threshold-ae needs more than 16 EiB" },
    { "need shallow --eps 0.1 --test 1e17", 2, "need: shallow at k = 1, seed 0: shallow: --test 100000000000000000" },
};

TEST(test_guards_cli_matrix)
{
    char dir[256];
    test_temp_dir(dir, sizeof dir, "guards");
    CHECK(dir[0] != '\0');
    if (!dir[0]) return;
    static char out[1 << 14];
    char err[1024];
    for (size_t i = 0; i < sizeof guard_rows / sizeof guard_rows[0]; i++) {
        const struct guard_row *g = &guard_rows[i];
        int rc = cli_run(dir, g->args, out, sizeof out, err, sizeof err);
        CHECK_MSG(rc == g->exit, "'fallacy %s' exited %d, expected %d (%s)", g->args, rc, g->exit, err);
        if (g->exit) {
            CHECK_MSG(strncmp(err, "fallacy: ", 9) == 0 && strstr(err, g->msg) != NULL,
                      "'fallacy %s' said '%s', expected '%s'", g->args, err, g->msg);
            /* exit 3 gives both figures; an overflow has no second one */
            if (g->exit == 3 && !strstr(g->msg, "more than 16 EiB"))
                CHECK_MSG(strstr(err, " available") != NULL, "'fallacy %s': no available figure in '%s'", g->args, err);
            CHECK_MSG(out[0] == '\0', "'fallacy %s' wrote on stdout: %.80s", g->args, out);
        } else {
            CHECK_MSG(out[0] == '{' && !strstr(out, "nan") && !strstr(out, "inf"), "'fallacy %s' printed %.120s",
                      g->args, out);
        }
    }
    test_remove_dir(dir);
}

/* ---- the library: refused before any large request ----------------------- */

/* Counts what the run asks for; refuses every request above 1 MiB, so that
 * a guard that fails to refuse is seen (largest) and never allocates. */
typedef struct counting {
    size_t largest;
    long calls;
} counting;

#define COUNT_REFUSE ((size_t)1 << 20)

static void *count_alloc(void *ud, size_t n)
{
    counting *c = ud;
    c->calls++;
    if (n > c->largest) c->largest = n;
    return n > COUNT_REFUSE ? NULL : malloc(n);
}

static void count_free(void *ud, void *p, size_t n)
{
    (void)ud;
    (void)n;
    free(p);
}

/* One library configuration: the architecture as widths ("a,b,c") or as a
 * uniform depth x width; 0 fields keep fal_config_init's values. */
typedef struct lib_row {
    const char *family;
    const char *widths;
    uint64_t depth;
    size_t width;
    size_t examples, test, features;
    unsigned degree;
    fal_field field;
    size_t limit; /* the memory budget; 0: none (only arithmetic can refuse) */
    fal_status expect;
    const char *msg;
} lib_row;

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)
#define SZ_DEPTH50 ((uint64_t)1 << 50)
#define N31 ((size_t)2147483647)

static const lib_row lib_rows[] = {
    /* beyond any budget: refused with the figure */
    { "linear-chain", NULL, SZ_DEPTH50, 1, 0, 0, 0, 0, FAL_REAL, GiB, FAL_ENOMEM,
      "linear-chain needs 8.0 PiB, 1.0 GiB available" },
    { "linear", NULL, SZ_DEPTH50, 2, 0, 0, 0, 0, FAL_REAL, GiB, FAL_ENOMEM,
      "linear network needs 88.0 PiB, 1.0 GiB available" },
    { "bool-chain", NULL, SZ_DEPTH50, 1, 0, 0, 0, 0, FAL_REAL, GiB, FAL_ENOMEM,
      "bool-chain needs 128.0 TiB, 1.0 GiB available" },
    { "threshold-chain", NULL, SZ_DEPTH50, 1, 0, 0, 0, 0, FAL_REAL, GiB, FAL_ENOMEM,
      "threshold-chain needs 128.0 TiB" },
    { "bool", NULL, SZ_DEPTH50, 4, 0, 0, 0, 0, FAL_REAL, GiB, FAL_ENOMEM, "bool needs 24.0 PiB, 1.0 GiB available" },
    { "mlp", "100000,100000,100000", 0, 0, 0, 0, 0, 0, FAL_REAL, GiB, FAL_ENOMEM, "mlp needs 3.6 TiB, 1.0 GiB available" },
    /* sizes whose arithmetic overflows: refused without a budget too */
    { "linear-chain", NULL, 1000, 1, SIZE_MAX / 8, 0, 0, 0, FAL_REAL, 0, FAL_ENOMEM, "linear-chain" },
    { "linear", I31 "," I31, 0, 0, 0, 0, 0, 0, FAL_REAL, 0, FAL_ENOMEM, "linear network needs more than 16 EiB" },
    { "linear", NULL, 2, N31, 1, 0, 0, 0, FAL_COMPLEX, 0, FAL_ENOMEM, "needs more than 16 EiB" },
    { "linear-ae", I31 "," I31 ",1," I31 "," I31, 0, 0, 0, 0, 0, 0, FAL_REAL, 0, FAL_ENOMEM,
      "linear autoencoder needs more than 16 EiB" },
    { "bool-chain", NULL, 1000, 1, SIZE_MAX - 1, 0, 0, 0, FAL_REAL, 0, FAL_ENOMEM,
      "bool-chain needs more than 16 EiB" },
    { "threshold-chain", NULL, 1000, 1, SIZE_MAX / 2, SIZE_MAX / 2, 0, 0, FAL_REAL, 0, FAL_ENOMEM,
      "threshold-chain needs more than 16 EiB" },
    { "power-chain", NULL, 64, 1, SIZE_MAX / 16, 0, 0, 0, FAL_REAL, 0, FAL_ENOMEM,
      "power-chain needs more than 16 EiB" },
    { "bool", NULL, SZ_DEPTH50, 24, 0, 0, 0, 0, FAL_REAL, 0, FAL_ENOMEM, "bool needs more than 16 EiB" },
    { "bool-ae", "8,2,8", 0, 0, 0, SIZE_MAX / 4, 0, 0, FAL_REAL, 0, FAL_ENOMEM, "bool-ae needs more than 16 EiB" },
    { "threshold-ae", "64,16,64", 0, 0, 0, 0, 0, 40, FAL_REAL, 0, FAL_ENOMEM, "threshold-ae needs more than 16 EiB" },
    { "shallow", NULL, 0, 0, N31, 0, N31, 0, FAL_REAL, 0, FAL_ENOMEM,
      "shallow needs more than 16 EiB" },
    /* by definition */
    { "linear", "16,16", 0, 0, (size_t)1 << 40, 0, 0, 0, FAL_REAL, 0, FAL_EINVAL, "exceeds the BLAS/LAPACK limit" },
    { "bool-ae", "8,2,8", 0, 0, (size_t)1 << 33, 0, 0, 0, FAL_REAL, 0, FAL_EINVAL,
      "at most 2^32 - 1 training examples" },
    /* within the budget piece by piece, beyond it together: the old guards
     * allocated the first pieces, then failed */
    { "linear", "16,16", 0, 0, 0, 200000, 0, 0, FAL_REAL, 64 * MiB, FAL_ENOMEM, "linear network needs" },
    { "linear-ae", "2000,1,2000", 0, 0, 0, 0, 0, 0, FAL_REAL, 64 * MiB, FAL_ENOMEM, "linear autoencoder needs" },
    { "bool", NULL, 3000000, 4, 0, 0, 0, 0, FAL_REAL, 64 * MiB, FAL_ENOMEM, "bool needs" },
    { "bool-ae", "16,4,16", 0, 0, 3000000, 0, 0, 0, FAL_REAL, 64 * MiB, FAL_ENOMEM, "bool-ae needs" },
    { "threshold-ae", "16,4,16", 0, 0, 3000000, 0, 0, 0, FAL_REAL, 64 * MiB, FAL_ENOMEM, "threshold-ae needs" },
    { "shallow", NULL, 0, 0, 4000, 0, 4000, 0, FAL_REAL, 64 * MiB, FAL_ENOMEM, "shallow least squares needs" },
    { "mlp", "64,1000,1000,1", 0, 0, 20000, 0, 0, 0, FAL_REAL, 64 * MiB, FAL_ENOMEM, "mlp needs" },
    /* the examples fit, and so does the network, but not both */
    { "bool-ae", "20,12,20", 0, 0, 640000, 0, 0, 0, FAL_REAL, 64 * MiB, FAL_ENOMEM,
      "are set aside for its truth tables" },
};

/* The architecture of a row, made in its own context so that the run's
 * context counts only the run. */
static fal_status row_arch(fal_ctx *actx, const lib_row *r, fal_arch **a)
{
    *a = NULL;
    if (r->widths) return fal_arch_parse(actx, r->widths, a);
    if (r->depth) return fal_arch_uniform(actx, r->depth, r->width, a);
    return FAL_OK;
}

static void row_config(const lib_row *r, const fal_arch *a, fal_config *cfg)
{
    fal_config_init(cfg);
    cfg->family = fal_family_find(r->family);
    cfg->arch = a;
    if (r->examples) {
        cfg->examples = r->examples;
        cfg->examples_set = 1;
    }
    if (r->test) cfg->test = r->test;
    cfg->features = r->features;
    cfg->degree = r->degree;
    cfg->field = r->field;
}

TEST(test_guards_library_refuses_before_allocating)
{
    for (size_t i = 0; i < sizeof lib_rows / sizeof lib_rows[0]; i++) {
        const lib_row *r = &lib_rows[i];
        fal_ctx *actx = NULL, *ctx = NULL;
        counting c = { 0, 0 };
        fal_allocator al = { count_alloc, count_free, &c };
        CHECK_OK(fal_ctx_new(&actx, NULL));
        CHECK_OK(fal_ctx_new(&ctx, &al));
        if (!actx || !ctx) return;
        fal_arch *a = NULL;
        CHECK_OK(row_arch(actx, r, &a));
        fal_ctx_set_mem_limit(ctx, r->limit);
        fal_config cfg;
        row_config(r, a, &cfg);
        CHECK(cfg.family != NULL);
        fal_result res;
        fal_status st = cfg.family ? fal_run(ctx, &cfg, &res) : FAL_EINVAL;
        if (cfg.family) fal_result_clear(&res);
        const char *msg = fal_ctx_message(ctx);
        CHECK_MSG(st == r->expect, "row %zu (%s): %s, expected %s: %s", i, r->family, fal_errstr(st),
                  fal_errstr(r->expect), msg);
        CHECK_MSG(strstr(msg, r->msg) != NULL, "row %zu (%s): '%s' lacks '%s'", i, r->family, msg, r->msg);
        /* nothing big was asked for, let alone held */
        CHECK_MSG(c.largest <= 64 * KiB, "row %zu (%s): a request of %zu bytes", i, r->family, c.largest);
        CHECK_MSG(fal_ctx_mem_peak(ctx) <= 64 * KiB, "row %zu (%s): peak %zu bytes before the refusal", i, r->family,
                  fal_ctx_mem_peak(ctx));
        CHECK(fal_ctx_mem_in_use(ctx) == 0);
        fal_arch_free(a);
        fal_ctx_free(ctx);
        fal_ctx_free(actx);
    }
}

/* classes: the Jacobian (or its Gram matrix) is budgeted with the network,
 * so a net whose Gram matrix cannot fit is refused before the network is
 * made. */
TEST(test_guards_classes_refuses_before_allocating)
{
    static const struct {
        const char *family, *widths;
        uint64_t depth;
        size_t width, limit;
        fal_status expect;
        const char *msg;
    } rows[] = {
        { "linear", "300,300", 0, 0, 64 * MiB, FAL_ENOMEM, "classes linear needs 60.4 GiB, 64.0 MiB available" },
        { "linear", NULL, SZ_DEPTH50, 2, GiB, FAL_ENOMEM, "classes linear needs 88.0 PiB" },
        { "linear-ae", "30000,1,30000", 0, 0, GiB, FAL_ENOMEM, "classes linear-ae needs 5.6 EiB" },
        { "linear", W32 "," W32, 0, 0, 0, FAL_EINVAL, "exceed the BLAS/LAPACK limit" },
        { "mlp", "32,220,220,220,1", 0, 0, GiB, FAL_ENOMEM, "classes mlp needs " },
        { "mlp", NULL, SZ_DEPTH50, 2, GiB, FAL_EINVAL, "mlp: depth above 100000 layers refused" },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fal_ctx *actx = NULL, *ctx = NULL;
        counting c = { 0, 0 };
        fal_allocator al = { count_alloc, count_free, &c };
        CHECK_OK(fal_ctx_new(&actx, NULL));
        CHECK_OK(fal_ctx_new(&ctx, &al));
        if (!actx || !ctx) return;
        fal_arch *a = NULL;
        if (rows[i].widths) CHECK_OK(fal_arch_parse(actx, rows[i].widths, &a));
        else CHECK_OK(fal_arch_uniform(actx, rows[i].depth, rows[i].width, &a));
        fal_ctx_set_mem_limit(ctx, rows[i].limit);
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_classes_family(rows[i].family);
        cfg.arch = a;
        fal_classes cl;
        fal_status st = fal_classes_compute(ctx, &cfg, &cl);
        CHECK_MSG(st == rows[i].expect, "classes row %zu: %s: %s", i, fal_errstr(st), fal_ctx_message(ctx));
        CHECK_MSG(strstr(fal_ctx_message(ctx), rows[i].msg) != NULL, "classes row %zu: '%s' lacks '%s'", i,
                  fal_ctx_message(ctx), rows[i].msg);
        CHECK_MSG(c.largest <= 64 * KiB && fal_ctx_mem_peak(ctx) <= 64 * KiB,
                  "classes row %zu: largest request %zu, peak %zu", i, c.largest, fal_ctx_mem_peak(ctx));
        fal_arch_free(a);
        fal_ctx_free(ctx);
        fal_ctx_free(actx);
    }
}

/* ---- the budget covers the run ------------------------------------------- */

/* A run whose budget is one byte below its own peak must be refused before
 * it allocates anything big: the up-front figure is never below what the
 * run takes, so no run passes the guard and then fails half-way. */
static const lib_row peak_rows[] = {
    { "linear-chain", NULL, 300000, 1, 0, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "linear", "48,96,96,48", 0, 0, 0, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "linear", "96,8,96", 0, 0, 0, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "linear", "40,80,40", 0, 0, 60, 3000, 0, 0, FAL_COMPLEX, 0, FAL_OK, NULL },
    { "linear-ae", "200,6,200", 0, 0, 0, 2000, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "linear-ae", "64,32,4,32,64", 0, 0, 0, 0, 0, 0, FAL_COMPLEX, 0, FAL_OK, NULL },
    { "bool-chain", NULL, 10000000, 1, 0, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "threshold-chain", NULL, 10000000, 1, 0, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "power-chain", NULL, 64, 1, 20000, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "bool", "16,18,4", 0, 0, 0, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "bool", NULL, 40000, 8, 0, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "bool-ae", "12,4,12", 0, 0, 60000, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "bool-ae", "18,12,18", 0, 0, 0, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "threshold-ae", "10,3,10", 0, 0, 60000, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "threshold-ae", "14,6,14", 0, 0, 0, 0, 0, 14, FAL_REAL, 0, FAL_OK, NULL },
    { "shallow", NULL, 0, 0, 300, 0, 400, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "mlp", "16,64,64,2", 0, 0, 2000, 0, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
    { "mlp", "16,64,1", 0, 0, 20, 3000, 0, 0, FAL_REAL, 0, FAL_OK, NULL },
};

TEST(test_guards_budget_covers_the_peak)
{
    for (size_t i = 0; i < sizeof peak_rows / sizeof peak_rows[0]; i++) {
        const lib_row *r = &peak_rows[i];
        fal_ctx *actx = NULL;
        CHECK_OK(fal_ctx_new(&actx, NULL));
        if (!actx) return;
        fal_arch *a = NULL;
        CHECK_OK(row_arch(actx, r, &a));
        fal_config cfg;
        row_config(r, a, &cfg);
        cfg.max_steps = cfg.family && (cfg.family->options & FAL_OPT_STEPS) ? 20 : 0; /* the memory, not the answer */
        size_t peak = 0;
        for (int pass = 0; pass < 2; pass++) {
            fal_ctx *ctx = NULL;
            CHECK_OK(fal_ctx_new(&ctx, NULL));
            if (!ctx) break;
            /* pass 0 measures the peak, pass 1 budgets one byte less */
            if (pass) fal_ctx_set_mem_limit(ctx, peak - 1);
            fal_result res;
            fal_status st = fal_run(ctx, &cfg, &res);
            fal_result_clear(&res);
            if (pass == 0) {
                CHECK_MSG(st == FAL_OK || st == FAL_ENOCONV, "peak row %zu (%s): %s: %s", i, r->family, fal_errstr(st),
                          fal_ctx_message(ctx));
                peak = fal_ctx_mem_peak(ctx);
                CHECK_MSG(peak >= MiB, "peak row %zu (%s): a peak of %zu bytes is too small to tell", i, r->family,
                          peak);
            } else {
                CHECK_MSG(st == FAL_ENOMEM && strstr(fal_ctx_message(ctx), "needs"),
                          "peak row %zu (%s): with %zu bytes: %s: %s", i, r->family, peak - 1, fal_errstr(st),
                          fal_ctx_message(ctx));
                CHECK_MSG(fal_ctx_mem_peak(ctx) <= 4 * KiB,
                          "peak row %zu (%s): refused after taking %zu of its %zu bytes", i, r->family,
                          fal_ctx_mem_peak(ctx), peak);
            }
            fal_ctx_free(ctx);
            if (peak < 2) break;
        }
        fal_arch_free(a);
        fal_ctx_free(actx);
    }
}

/* The same for classes: its rank analysis (the Jacobian, or its Gram
 * matrix, at every probe count) and its class walk are budgeted with the
 * network before the network is made. */
TEST(test_guards_classes_budget_covers_the_peak)
{
    /* what: 0 fal_classes_compute, 1 a walk, 2 the Gram route's rank at
     * every probe, 3 the SVD route's */
    static const struct {
        const char *family, *widths;
        fal_field field;
        int what;
    } rows[] = {
        { "linear", "12,12,12", FAL_REAL, 0 },
        { "linear-ae", "24,4,24", FAL_COMPLEX, 0 },
        { "linear", "20,20,20", FAL_REAL, 2 },
        { "linear", "20,20,20", FAL_REAL, 3 },
        { "linear", "16,8,16", FAL_REAL, 1 },
        { "linear-ae", "40,1,40", FAL_REAL, 1 },
        { "mlp", "4,12,6,2", FAL_REAL, 0 },
        { "mlp", "3,40,1", FAL_REAL, 0 },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fal_ctx *actx = NULL;
        CHECK_OK(fal_ctx_new(&actx, NULL));
        if (!actx) return;
        fal_arch *a = NULL;
        CHECK_OK(fal_arch_parse(actx, rows[i].widths, &a));
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_classes_family(rows[i].family);
        cfg.arch = a;
        cfg.field = rows[i].field;
        size_t peak = 0;
        for (int pass = 0; pass < 2; pass++) {
            fal_ctx *ctx = NULL;
            CHECK_OK(fal_ctx_new(&ctx, NULL));
            if (!ctx) break;
            if (pass) fal_ctx_set_mem_limit(ctx, peak - 1);
            fal_classes cl;
            fal_walk wk;
            uint64_t rank;
            int what = rows[i].what;
            fal_status st = what == 0   ? fal_classes_compute(ctx, &cfg, &cl)
                            : what == 1 ? fal_classes_walk(ctx, &cfg, 10, &wk)
                                        : fal_classes_rank_at(ctx, &cfg, 20, what == 2 ? 2 : 1, &rank);
            if (pass == 0) {
                CHECK_MSG(st == FAL_OK, "classes peak row %zu: %s: %s", i, fal_errstr(st), fal_ctx_message(ctx));
                peak = fal_ctx_mem_peak(ctx);
                CHECK_MSG(peak >= 16 * KiB, "classes peak row %zu: a peak of %zu bytes is too small to tell", i, peak);
            } else {
                CHECK_MSG(st == FAL_ENOMEM && strstr(fal_ctx_message(ctx), "needs"),
                          "classes peak row %zu: with %zu bytes: %s: %s", i, peak - 1, fal_errstr(st),
                          fal_ctx_message(ctx));
                CHECK_MSG(fal_ctx_mem_peak(ctx) == 0, "classes peak row %zu: refused after taking %zu of %zu", i,
                          fal_ctx_mem_peak(ctx), peak);
            }
            fal_ctx_free(ctx);
            if (peak < 2) break;
        }
        fal_arch_free(a);
        fal_ctx_free(actx);
    }
}
