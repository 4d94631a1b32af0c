/* test_badinput.c -- doc/bad-inputs.md is an executable table: every row's
 * command is run and its exit status and stderr checked against the row, so
 * the document and the tool cannot drift apart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "test.h"

#define DOC "doc/bad-inputs.md"

/* The i-th `code span` of a table row (0-based), with markdown's \| undone,
 * into out; 0 if the row has no such span. */
static int code_span(const char *row, int i, char *out, size_t cap)
{
    const char *p = row;
    for (int n = 0;; n++) {
        const char *a = strchr(p, '`');
        if (!a) return 0;
        const char *b = strchr(a + 1, '`');
        if (!b) return 0;
        if (n == i) {
            size_t o = 0;
            for (const char *q = a + 1; q < b && o + 1 < cap; q++) {
                if (q[0] == '\\' && q + 1 < b && q[1] == '|') q++;
                out[o++] = *q;
            }
            out[o] = '\0';
            return 1;
        }
        p = b + 1;
    }
}

/* The exit column: the third cell of "| input | `cmd` | exit | `msg` |". */
static int exit_column(const char *row)
{
    const char *p = row;
    for (int cell = 0; cell < 2; cell++) {
        /* skip to the next unescaped '|' outside code spans */
        int in_code = 0;
        for (p++; *p && (in_code || *p != '|' || p[-1] == '\\'); p++)
            if (*p == '`') in_code = !in_code;
        if (!*p) return -1;
    }
    return atoi(p + 1);
}

/* Does text contain the pieces of pattern (split on "…") in order? */
static int matches(const char *text, const char *pattern)
{
    static const char ell[] = "\xe2\x80\xa6"; /* U+2026 in UTF-8 */
    char piece[1024];
    const char *p = pattern, *t = text;
    for (;;) {
        const char *e = strstr(p, ell);
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n >= sizeof piece) return 0;
        memcpy(piece, p, n);
        piece[n] = '\0';
        if (n) {
            const char *hit = strstr(t, piece);
            if (!hit) return 0;
            t = hit + n;
        }
        if (!e) return 1;
        p = e + strlen(ell);
    }
}

static int no_nonfinite_number(const char *json)
{
    /* a number position is after ':' or ',' or '[' (strings are quoted) */
    static const char *bad[] = { ":nan", ":-nan", ":inf", ":-inf", ":NaN", ":Infinity", ":-Infinity",
                                 ",nan", ",inf", ",NaN", ",Infinity", "[nan", "[NaN" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strstr(json, bad[i])) return 0;
    return 1;
}

TEST(test_doc_bad_inputs_table)
{
    FILE *f = fopen(DOC, "r");
    CHECK_MSG(f != NULL, "cannot open %s (run from the repository root)", DOC);
    if (!f) return;
    const char *bin = getenv("FALLACY_BIN");
    if (!bin) bin = "build/fallacy";
    char tmp[256];
    test_temp_dir(tmp, sizeof tmp, "badinput");
    CHECK(tmp[0] != '\0');
    char line[4096], cmd[2048], msg[1024], sh[8192], outp[300], errp[300];
    snprintf(outp, sizeof outp, "%s/.stdout", tmp);
    snprintf(errp, sizeof errp, "%s/.stderr", tmp);
    int rows = 0, by_exit[4] = { 0 };
    char full[300];
    int have_full = test_full_device(full, sizeof full, tmp);
    if (!have_full) printf("    (no full device here: /dev/full is not one and mknod failed; its rows skipped)\n");
    while (fgets(line, sizeof line, f)) {
        if (line[0] != '|' || !code_span(line, 0, cmd, sizeof cmd)) continue;
        int want = exit_column(line);
        char *dev = strstr(cmd, "/dev/full");
        if (dev && !have_full) {
            if (want >= 0 && want <= 3) by_exit[want]++;
            rows++;
            continue;
        }
        if (dev && strcmp(full, "/dev/full") != 0) {
            /* the doc says /dev/full; here it is the device made in tmp */
            char rest[2048];
            snprintf(rest, sizeof rest, "%s", dev + strlen("/dev/full"));
            snprintf(dev, sizeof cmd - (size_t)(dev - cmd), "'%s'%s", full, rest);
        }
        CHECK_MSG(want >= 0 && want <= 3, "row without an exit status: %s", line);
        CHECK_MSG(code_span(line, 1, msg, sizeof msg), "row without a message: %s", line);
        /* the doc writes `fallacy` and $TMP; a shell function stands for the binary */
        snprintf(sh, sizeof sh, "TMP='%s' && export TMP && fallacy() { \"%s\" \"$@\"; } && { %s ; } >'%s' 2>'%s'",
                 tmp, bin, cmd, outp, errp);
        int st = system(sh);
        int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        size_t nout = 0, nerr = 0;
        char *out = test_slurp(outp, &nout), *err = test_slurp(errp, &nerr);
        char first[2048] = "";
        if (err) {
            size_t n = strcspn(err, "\n");
            if (n >= sizeof first) n = sizeof first - 1;
            memcpy(first, err, n);
            first[n] = '\0';
        }
        CHECK_MSG(rc == want, "'%s' exited %d, the table says %d (stderr: %s)", cmd, rc, want, first);
        CHECK_MSG(matches(first, msg), "'%s' said\n        %s\n    the table says\n        %s", cmd, first, msg);
        if (want >= 2) CHECK_MSG(nout == 0, "'%s' exited %d but wrote %zu bytes on stdout", cmd, want, nout);
        if (want == 1) {
            CHECK_MSG(out && out[0] == '{' && nout > 1 && out[nout - 1] == '\n' && strchr(out, '\n') == out + nout - 1,
                      "'%s': stdout is not one JSON line", cmd);
            CHECK_MSG(out && no_nonfinite_number(out), "'%s': a non-finite number in the JSON: %s", cmd, out);
        }
        free(out);
        free(err);
        if (rc >= 0 && rc <= 3) by_exit[rc]++;
        rows++;
    }
    fclose(f);
    test_remove_dir(tmp);
    /* the table is the audit: it must cover each kind of answer */
    CHECK_MSG(rows >= 100, "only %d rows read from %s", rows, DOC);
    CHECK(by_exit[1] >= 4 && by_exit[2] >= 80 && by_exit[3] >= 2);
    /* README quotes the count ("N bad inputs we tried"): it must be this one */
    size_t nr = 0;
    char *readme = test_slurp("README.md", &nr);
    const char *q = readme ? strstr(readme, " bad inputs we tried") : NULL;
    int said = -1;
    if (q) {
        const char *b = q;
        while (b > readme && b[-1] >= '0' && b[-1] <= '9') b--;
        said = atoi(b);
    }
    CHECK_MSG(said == rows, "README.md says %d bad inputs, %s has %d rows", said, DOC, rows);
    free(readme);
}

/* fal_run refuses every option a family does not read, before allocating.
 * The expected count comes from the options each family's file reads
 * (grep 'cfg->' in src/nets, counted by hand when the masks were written):
 * a mask that grows or shrinks without that review fails here. */
TEST(test_run_refuses_options_the_family_ignores)
{
    size_t nf;
    const fal_family *fams = fal_families(&nf);
    CHECK(nf == 11);
    int refusals = 0;
    fal_arch *teacher = NULL;
    fal_ctx *actx = NULL; /* its own context: the runs' context must end empty */
    CHECK_OK(fal_ctx_new(&actx, NULL));
    CHECK_OK(fal_arch_parse(actx, "3,4,1", &teacher));
    for (size_t i = 0; i < nf; i++) {
        for (unsigned bit = 1; bit <= FAL_OPT_TEACHER; bit <<= 1) {
            if (fams[i].options & bit) continue;
            fal_config cfg;
            fal_config_init(&cfg);
            cfg.family = &fams[i];
            switch (bit) {
            case FAL_OPT_LR: cfg.lr = 0.1; break;
            case FAL_OPT_TOL: cfg.tol = 1e-3; break;
            case FAL_OPT_STEPS: cfg.max_steps = 5; break;
            case FAL_OPT_INIT: cfg.init = FAL_INIT_SIGNS; break;
            case FAL_OPT_SUBSPACE: cfg.subspace = 2; break;
            case FAL_OPT_FEATURES: cfg.features = 10; break;
            case FAL_OPT_POWER: cfg.power = 3; break;
            case FAL_OPT_UNITS: cfg.units = FAL_UNITS_HEAVISIDE; break;
            case FAL_OPT_DEGREE: cfg.degree = 2; break;
            case FAL_OPT_TEST: cfg.test = 7; break;
            case FAL_OPT_ACT: cfg.act = FAL_ACT_TANH; break;
            case FAL_OPT_BIAS: cfg.bias_off = 1; break;
            case FAL_OPT_INIT_SCALE: cfg.init_scale = 2; break;
            case FAL_OPT_TEACHER: cfg.teacher_arch = teacher; break;
            }
            fal_ctx *ctx = test_ctx();
            fal_result res;
            fal_status st = fal_run(ctx, &cfg, &res);
            CHECK_MSG(st == FAL_EINVAL && strstr(fal_ctx_message(ctx), "does not apply"),
                      "%s with option bit %u: %s (%s)", fams[i].name, bit, fal_errstr(st), fal_ctx_message(ctx));
            CHECK(fal_ctx_mem_in_use(ctx) == 0);
            refusals++;
        }
    }
    fal_arch_free(teacher);
    fal_ctx_free(actx);
    /* bool reads none, shallow two of fourteen, the mlp eight (lr, tol,
     * steps, test and its own four), ...: 11 x 14 - sum of the mask sizes */
    CHECK_MSG(refusals == 154 - (5 + 4 + 5 + 1 + 6 + 0 + 2 + 2 + 4 + 2 + 8), "%d refusals", refusals);
    /* the closed form refuses a step length and a step count */
    fal_config cfg;
    fal_config_init(&cfg);
    cfg.family = fal_family_find("linear");
    cfg.algo = FAL_ALGO_EXACT;
    cfg.lr = 0.1;
    fal_result res;
    CHECK(fal_run(test_ctx(), &cfg, &res) == FAL_EINVAL);
}
