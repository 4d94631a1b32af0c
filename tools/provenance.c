/* provenance.c -- what `fallacy run --json` says about how a run was made
 * (the "config", "data" and "build" objects: the provenance), and `--rerun FILE.json`,
 * which repeats a run from them.
 *
 * The config object holds every run option, the family's default written
 * as "default" where the option was left unset (the families choose those
 * values: doc/ of each family).  --rerun turns the config object back into
 * the command line that made it, so a rerun goes through the very parser
 * and library calls the run did: the same JSON comes out, "seconds" aside
 * (tests/test_cli.c: test_cli_rerun_same_bytes). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* The run's JSON is the library's (fal_run_json, the writer python's
 * fallacy.run uses too); cfg carries the --data path and the column specs
 * for its "config" and "data" objects. */
int cli_print_json_run(FILE *out, fal_ctx *ctx, const fal_result *res, const cli_run *r)
{
    fal_config c = r->cfg;
    c.data_path = r->data_path;
    c.inputs = r->inputs;
    c.targets = r->targets;
    char small[8192];
    size_t len = 0;
    if (fal_run_json(ctx, &c, res, small, sizeof small, &len) == FAL_OK) {
        fprintf(out, "%s\n", small);
        return 0;
    }
    char *big = malloc(len + 1);
    int rc = 0;
    if (big && fal_run_json(ctx, &c, res, big, len + 1, NULL) == FAL_OK) {
        fprintf(out, "%s\n", big);
    } else {
        fputs("fallacy: out of memory writing the JSON\n", stderr);
        rc = EXIT_NOMEM;
    }
    free(big);
    return rc;
}

/* ---- --rerun ------------------------------------------------------------ */

static int rerun_error(const char *path, const char *what, const char *detail)
{
    fprintf(stderr, "fallacy: --rerun %s: %s%s\n", path, what, detail);
    return EXIT_USAGE;
}

/* The value after "key": in the object text, as a string (unquoted, escapes
 * \" and \\ undone) into buf; returns 1 if found. */
static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
    return p;
}

static const char *read_string(const char *p, char *buf, size_t cap)
{
    if (*p != '"') return NULL;
    p++;
    size_t n = 0;
    while (*p && *p != '"') {
        char ch = *p++;
        if (ch == '\\') {
            ch = *p++;
            if (ch != '"' && ch != '\\' && ch != '/') return NULL;
        }
        if (n + 1 < cap) buf[n++] = ch;
    }
    if (*p != '"') return NULL;
    buf[n] = '\0';
    return p + 1;
}

static const char *read_token(const char *p, char *buf, size_t cap)
{
    size_t n = 0;
    while (*p && *p != ',' && *p != '}' && *p != ' ' && *p != '\n') {
        if (n + 1 < cap) buf[n++] = *p;
        p++;
    }
    buf[n] = '\0';
    return n ? p : NULL;
}

#define RERUN_MAX_ARGS 64

int cli_rerun_args(const char *path, char *text, char **argv, int *argc, char *store, size_t cap)
{
    /* the version first: another version may not read its JSON the same way */
    static const char vkey[] = "\"build\":{\"version\":";
    const char *pv = strstr(text, vkey);
    char ver[64];
    if (!pv || !read_string(pv + sizeof vkey - 1, ver, sizeof ver))
        return rerun_error(path, "no \"build\" object with a version (not the JSON of `fallacy run --json`)", "");
    if (strcmp(ver, FAL_VERSION) != 0) {
        char d[160];
        snprintf(d, sizeof d, " (the JSON is from fallacy %s, this is %s)", ver, FAL_VERSION);
        return rerun_error(path, "written by another version", d);
    }
    const char *p = strstr(text, "\"config\":{");
    if (!p) return rerun_error(path, "no \"config\" object", "");
    p += 10;
    static const struct {
        const char *key, *opt;
    } known[] = {
        { "family", NULL }, { "arch", NULL }, { "examples", "--examples" }, { "test", "--test" },
        { "algo", "--algo" }, { "init", "--init" }, { "field", "--field" }, { "subspace", "--subspace" },
        { "features", "--features" }, { "power", "--power" }, { "units", "--units" }, { "degree", "--degree" },
        { "steps", "--steps" }, { "lr", "--lr" }, { "tol", "--tol" }, { "seed", "--seed" },
        { "shuffle", "--shuffle" }, { "split", "--split" }, { "rows", NULL }, { "inputs", "--inputs" },
        { "targets", "--targets" }, { "act", "--act" }, { "bias", "--bias" }, { "init_scale", "--init-scale" },
        { "teacher_widths", "--teacher-widths" }, { "restarts", "--restarts" }, { "draws", "--draws" },
    };
    size_t used = 0;
    int n = 0;
#define PUSH(s)                                                                   \
    do {                                                                          \
        size_t l_ = strlen(s) + 1;                                                \
        if (used + l_ > cap || n + 1 >= RERUN_MAX_ARGS) return rerun_error(path, "config too long", ""); \
        memcpy(store + used, (s), l_);                                            \
        argv[n++] = store + used;                                                 \
        used += l_;                                                               \
    } while (0)
    char key[64], val[4096];
    int have_family = 0;
    for (;;) {
        p = skip_ws(p);
        if (*p == '}') break;
        p = read_string(p, key, sizeof key);
        if (!p) return rerun_error(path, "malformed \"config\" object", "");
        p = skip_ws(p);
        if (*p != ':') return rerun_error(path, "malformed \"config\" object", "");
        p = skip_ws(p + 1);
        int quoted = *p == '"';
        p = quoted ? read_string(p, val, sizeof val) : read_token(p, val, sizeof val);
        if (!p) return rerun_error(path, "malformed value in \"config\"", "");
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && strcmp(known[k].key, key) != 0) k++;
        if (k == sizeof known / sizeof known[0]) {
            char d[96];
            snprintf(d, sizeof d, " '%.60s' in \"config\"", key);
            return rerun_error(path, "unknown field", d);
        }
        if (!strcmp(key, "family")) {
            if (n) return rerun_error(path, "\"family\" must come first in \"config\"", "");
            PUSH(val);
            have_family = 1;
        } else if (!strcmp(key, "arch")) {
            if (strcmp(val, "default") != 0) {
                unsigned long long L;
                size_t w;
                char tail;
                if (sscanf(val, "depth=%llu,width=%zu%c", &L, &w, &tail) == 2) {
                    char a[32], b[32];
                    snprintf(a, sizeof a, "%llu", L);
                    snprintf(b, sizeof b, "%zu", w);
                    PUSH("--depth");
                    PUSH(a);
                    PUSH("--width");
                    PUSH(b);
                } else {
                    PUSH("--widths");
                    PUSH(val);
                }
            }
        } else if (known[k].opt && strcmp(val, "default") != 0 && strcmp(val, "null") != 0 &&
                   !(!strcmp(key, "teacher_widths") && !strcmp(val, "same"))) {
            PUSH(known[k].opt);
            PUSH(val);
        }
        p = skip_ws(p);
        if (*p == ',') p++;
        else if (*p != '}') return rerun_error(path, "malformed \"config\" object", "");
    }
    if (!have_family) return rerun_error(path, "\"config\" has no family", "");
    /* the data file, and the threads of the run (which do not change a
     * result, but are printed) */
    const char *pd = strstr(text, "\"data\":{\"path\":");
    if (pd) {
        if (!read_string(pd + 15, val, sizeof val)) return rerun_error(path, "malformed \"data\" object", "");
        PUSH("--data");
        PUSH(val);
    }
    const char *pt = strstr(text, "\"threads\":");
    if (pt) {
        char t[32];
        if (read_token(pt + 10, t, sizeof t)) {
            PUSH("--threads");
            PUSH(t);
        }
    }
    PUSH("--json");
#undef PUSH
    argv[n] = NULL;
    *argc = n;
    return 0;
}

/* The recorded SHA-256 of the data, to compare with the file's now. */
int cli_rerun_sha(const char *text, char hex[65])
{
    const char *p = strstr(text, "\"sha256\":\"");
    if (!p || strlen(p + 10) < 64) return 0;
    memcpy(hex, p + 10, 64);
    hex[64] = '\0';
    return 1;
}
