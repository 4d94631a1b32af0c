/* test_mlp_doc.c -- doc/mlp.md's findings cannot drift from the tool: every
 * command quoted there as a block ("    $ fallacy ...", its output indented
 * below it) is rerun and its output compared line by line, and the figures
 * of the `classes mlp` blocks are checked against closed forms computed
 * here from the widths alone (w, the ReLU bound w - hidden units, the
 * linear net's r (n0 + nL - r) + nL and its k_min n0 + 1). */
#include <string.h>
#include "test.h"

#define DOC "doc/mlp.md"
#define MAX_LAYERS 16

/* The value after "--name " in cmd (copied into buf), or NULL. */
static const char *opt_value(const char *cmd, const char *name, char *buf, size_t n)
{
    const char *p = strstr(cmd, name);
    if (!p || n == 0) return NULL;
    p += strlen(name);
    if (*p != ' ' && *p != '=') return NULL;
    p++;
    size_t i = 0;
    while (p[i] && p[i] != ' ' && p[i] != '\n' && i + 1 < n) {
        buf[i] = p[i];
        i++;
    }
    buf[i] = '\0';
    return buf;
}

/* The integer after label (skipping spaces) in text; -1 if absent. */
static long long after(const char *text, const char *label)
{
    const char *p = strstr(text, label);
    if (!p) return -1;
    p += strlen(label);
    while (*p == ' ') p++;
    return strtoll(p, NULL, 10);
}

/* Line by line equal, except the two lines that carry the largest dropped
 * singular value: it is rounding noise (1e-16 sigma_1) whose digits, and the
 * gap they set, move with the BLAS kernel (doc/determinism.md); the rank
 * and every figure the findings use are on the other lines. */
static int noise_line(const char *l, size_t n)
{
    static const char *const keys[] = { "largest dropped", "rank gap" };
    for (size_t i = 0; i < 2; i++) {
        size_t kl = strlen(keys[i]);
        for (size_t j = 0; j + kl <= n; j++)
            if (memcmp(l + j, keys[i], kl) == 0) return 1;
    }
    return 0;
}

static int same_output(const char *a, const char *b)
{
    while (*a && *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t na = ea ? (size_t)(ea - a) : strlen(a), nb = eb ? (size_t)(eb - b) : strlen(b);
        int noise = noise_line(a, na);
        if (noise != noise_line(b, nb)) return 0;
        if (!noise && (na != nb || memcmp(a, b, na) != 0)) return 0;
        a += na + (ea != NULL);
        b += nb + (eb != NULL);
    }
    return *a == '\0' && *b == '\0';
}

/* The closed forms of one quoted `classes mlp` block, against its figures. */
static void check_classes_block(const char *cmd, const char *out)
{
    char wbuf[256], abuf[32], bbuf[8];
    if (!CHECK_MSG(opt_value(cmd, "--widths", wbuf, sizeof wbuf) != NULL, "no --widths in '%s'", cmd)) return;
    const char *act = opt_value(cmd, "--act", abuf, sizeof abuf) ? abuf : "relu";
    int bias = !(opt_value(cmd, "--bias", bbuf, sizeof bbuf) && strcmp(bbuf, "off") == 0);
    long long n[MAX_LAYERS];
    size_t L = 0;
    for (char *s = wbuf, *e; *s && L < MAX_LAYERS; s = *e ? e + 1 : e) n[L++] = strtoll(s, &e, 10);
    if (!CHECK(L >= 2)) return;
    L--; /* n[0..L] */
    long long w = 0, hidden = 0, r = n[0];
    for (size_t i = 1; i <= L; i++) {
        w += n[i] * (n[i - 1] + bias);
        if (i < L) hidden += n[i];
        if (n[i] < r) r = n[i];
    }
    long long nL = n[L];
    CHECK_MSG(after(out, "w =") == w, "%s: w = %lld by the formula, printed %lld", cmd, w, after(out, "w ="));
    long long bound = -1;
    if (strcmp(act, "relu") == 0 || strcmp(act, "leaky-relu") == 0) bound = w - hidden;
    else if (strcmp(act, "linear") == 0) bound = r * (n[0] + nL - r) + (bias ? nL : 0);
    else bound = w;
    long long printed_bound = after(out, "symmetry bound");
    long long fdim = after(out, "function manifold dim");
    CHECK_MSG(printed_bound == bound, "%s: bound %lld by the closed form, printed %lld", cmd, bound, printed_bound);
    CHECK_MSG(fdim >= 1 && fdim <= bound, "%s: function dim %lld outside [1, %lld]", cmd, fdim, bound);
    CHECK_MSG(after(out, "class dim (w - rank)") == w - fdim, "%s: class dim is not w - rank", cmd);
    CHECK_MSG(after(out, "hidden symmetries") == bound - fdim, "%s: hidden symmetries is not bound - rank", cmd);
    if (strcmp(act, "linear") == 0) {
        /* a generic linear net is at its closed form; k inputs see all of
         * P x + c only when they span R^n0 affinely (doc/mlp.md) */
        CHECK_MSG(fdim == bound, "%s: linear function dim %lld, closed form %lld", cmd, fdim, bound);
        CHECK_MSG(after(out, "k_min") == n[0] + (bias ? 1 : 0), "%s: linear k_min %lld, want n0 + 1", cmd,
                  after(out, "k_min"));
    }
    /* the draws: no draw above the bound, fraction at the bound consistent
     * with the range (all at it iff the range is [bound, bound]) */
    const char *d = strstr(out, " draws ");
    if (d) {
        double frac = -1, mean = -1;
        long long lo = -1, hi = -1;
        const char *a = strstr(d, "at the bound");
        const char *m = strstr(d, "mean");
        const char *g = strstr(d, "range [");
        if (a) frac = strtod(a + strlen("at the bound"), NULL);
        if (m) mean = strtod(m + strlen("mean"), NULL);
        if (g) sscanf(g, "range [%lld, %lld]", &lo, &hi);
        CHECK_MSG(hi <= bound && lo >= 1 && lo <= hi, "%s: draws range [%lld, %lld], bound %lld", cmd, lo, hi,
                  bound);
        CHECK_MSG(mean >= (double)lo && mean <= (double)hi, "%s: mean %g outside [%lld, %lld]", cmd, mean, lo, hi);
        CHECK_MSG((frac == 1.0) == (lo == bound), "%s: fraction %g at the bound but range [%lld, %lld]", cmd, frac,
                  lo, hi);
        CHECK_MSG((frac == 0.0) == (hi < bound), "%s: fraction %g at the bound but range [%lld, %lld]", cmd, frac,
                  lo, hi);
        CHECK_MSG(fdim >= lo && fdim <= hi, "%s: the first draw's rank %lld outside the range", cmd, fdim);
    }
}

TEST(test_mlp_doc_findings_are_the_tools_output)
{
    char *doc = test_slurp(DOC, NULL);
    if (!CHECK_MSG(doc != NULL, "cannot read %s (run from the source tree)", DOC)) return;
    const char *sec = strstr(doc, "\n## Findings");
    if (!CHECK_MSG(sec != NULL, "%s has no '## Findings' section", DOC)) {
        free(doc);
        return;
    }
    const char *end = strstr(sec + 1, "\n## ");
    if (!end) end = sec + strlen(sec);
    int blocks = 0, classes_blocks = 0, linear_blocks = 0;
    static char want[16384], got[16384];
    for (const char *p = sec; p && p < end; p = strchr(p + 1, '\n')) {
        const char *line = p + 1;
        if (strncmp(line, "    $ fallacy ", 14) != 0) continue;
        const char *cmd_end = strchr(line, '\n');
        if (!cmd_end) break;
        char cmd[512];
        size_t cl = (size_t)(cmd_end - (line + 14));
        if (!CHECK(cl < sizeof cmd)) continue;
        memcpy(cmd, line + 14, cl);
        cmd[cl] = '\0';
        /* the quoted output: the indented lines below, without the indent */
        size_t wn = 0;
        const char *q = cmd_end + 1;
        while (strncmp(q, "    ", 4) == 0 && strncmp(q, "    $ ", 6) != 0) {
            const char *e = strchr(q, '\n');
            size_t len = e ? (size_t)(e - q) - 4 : strlen(q) - 4;
            if (wn + len + 2 >= sizeof want) break;
            memcpy(want + wn, q + 4, len);
            wn += len;
            want[wn++] = '\n';
            if (!e) break;
            q = e + 1;
        }
        want[wn] = '\0';
        int rc = test_cli(cmd, got, sizeof got);
        CHECK_MSG(rc == 0, "fallacy %s: exit %d", cmd, rc);
        CHECK_MSG(wn > 0 && same_output(want, got), "%s quotes for 'fallacy %s':\n%s-- the tool prints:\n%s", DOC,
                  cmd, want, got);
        if (strncmp(cmd, "classes mlp ", 12) == 0) {
            check_classes_block(cmd, got);
            classes_blocks++;
            if (strstr(cmd, "--act linear")) linear_blocks++;
        }
        blocks++;
    }
    /* the findings quote the draws at depth 1 and deeper and a linear net */
    CHECK_MSG(classes_blocks >= 3 && linear_blocks >= 1, "%s's findings quote %d classes blocks (%d linear)", DOC,
              classes_blocks, linear_blocks);
    CHECK(blocks >= classes_blocks);
    free(doc);
}
