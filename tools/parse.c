/* parse.c -- the option parser, the help of each command and the man page,
 * all driven by the table in tools/options.c.
 *
 * Conventions (tested in tests/test_cli_opts.c):
 *   --opt value and --opt=value; -h and --help anywhere print the command's
 *   help on stdout and exit 0; "--" ends the options; an option the command
 *   does not read is "unknown" (with the nearest name, or the commands that
 *   read it); an option given twice is refused, but for the rows of kind
 *   CLI_REPEAT, which collect every occurrence (slurm's --sbatch-arg); a
 *   value-taking option followed by another option ("--widths --depth 3")
 *   needs a value, but a CLI_REPEAT value, which is another program's
 *   option and so starts with "--" (--sbatch-arg --mem=4G); extra
 *   positionals are refused; numbers follow fal_number_parse (no hex, as in
 *   CSV); control bytes in any message are shown escaped. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* ---- messages ------------------------------------------------------------ */

static void put_escaped(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) fprintf(f, "\\x%02x", c);
        else fputc(c, f);
    }
}

void cli_err(const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    char *buf = small;
    if ((size_t)n >= sizeof small) {
        buf = malloc((size_t)n + 1);
        if (!buf) { /* print what fits */
            buf = small;
            n = (int)sizeof small - 1;
        } else {
            va_start(ap, fmt);
            vsnprintf(buf, (size_t)n + 1, fmt, ap);
            va_end(ap);
        }
    }
    size_t len = (size_t)n;
    int nl = len > 0 && buf[len - 1] == '\n';
    put_escaped(stderr, buf, len - (size_t)nl);
    if (nl) fputc('\n', stderr);
    if (buf != small) free(buf);
}

/* ---- suggestions ------------------------------------------------------------ */

/* Optimal string alignment distance (a transposition counts 1), capped:
 * names are short, so a fixed row buffer is enough; longer inputs get the
 * cap. */
#define DIST_MAX_LEN 64
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > DIST_MAX_LEN || m > DIST_MAX_LEN) return DIST_MAX_LEN;
    size_t d[DIST_MAX_LEN + 1][DIST_MAX_LEN + 1];
    for (size_t i = 0; i <= n; i++) d[i][0] = i;
    for (size_t j = 0; j <= m; j++) d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

/* Close enough to suggest: at most 2 edits, or a third of the name. */
static int near(size_t dist, const char *name)
{
    size_t len = strlen(name);
    return dist <= 2 || dist <= len / 3;
}

const char *cli_family_suggest(const char *s)
{
    size_t n, best = (size_t)-1;
    const char *pick = NULL;
    const fal_family *f = fal_families(&n);
    for (size_t i = 0; i <= n; i++) {
        /* the run families, then the classes-only one */
        const char *name = i < n ? f[i].name : "threshold-gate";
        if (i == n && !fal_classes_family(name)) break;
        size_t d = edit_distance(s, name);
        if (d < best) {
            best = d;
            pick = name;
        }
    }
    return pick && best > 0 && near(best, pick) ? pick : NULL;
}

int cli_unknown_family(const char *prefix, const char *name)
{
    const char *near_name = cli_family_suggest(name);
    if (near_name) cli_err("%sunknown family '%s' (see 'fallacy list'); did you mean '%s'?\n", prefix, name, near_name);
    else cli_err("%sunknown family '%s' (see 'fallacy list')\n", prefix, name);
    return EXIT_USAGE;
}

/* ---- the table ---------------------------------------------------------- */

int cli_command_find(const char *s)
{
    for (int c = 0; c < CMD_COUNT; c++)
        if (strcmp(CLI_COMMANDS[c].name, s) == 0) return c;
    return -1;
}

static const cli_opt *find_opt(cli_cmd cmd, const char *name, size_t len)
{
    for (size_t i = 0; i < CLI_NOPTS; i++) {
        const cli_opt *o = &CLI_OPTS[i];
        if ((o->cmds & (1u << cmd)) && strlen(o->name) == len && strncmp(o->name, name, len) == 0) return o;
    }
    return NULL;
}

int cli_given(const cli_args *a, const char *name)
{
    for (size_t i = 0; i < CLI_NOPTS; i++)
        if (a->seen[i] && (CLI_OPTS[i].cmds & (1u << a->cmd)) && strcmp(CLI_OPTS[i].name, name) == 0) return 1;
    return 0;
}

void cli_args_free(cli_args *a)
{
    free(a->pos);
    free(a->words);
    a->pos = NULL;
    a->npos = 0;
    a->words = NULL;
    a->nwords = 0;
}

void cli_list_free(cli_list *l)
{
    free((void *)l->v);
    l->v = NULL;
    l->n = 0;
}

/* Digits, or digits 'e' digits ("1e9"): decimal, as fal_number_parse, but
 * exact in 64 bits. */
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

static void store_uint(void *dst, size_t size, uint64_t v)
{
    switch (size) {
    case 1: { uint8_t x = (uint8_t)v; memcpy(dst, &x, 1); break; }
    case 2: { uint16_t x = (uint16_t)v; memcpy(dst, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(dst, &x, 4); break; }
    default: memcpy(dst, &v, 8); break;
    }
}

/* The index of val in "a|b|c", or -1. */
static int choice_index(const char *choices, const char *val)
{
    int i = 0;
    size_t n = strlen(val);
    for (const char *p = choices;; i++) {
        size_t len = strcspn(p, "|");
        if (len == n && strncmp(p, val, n) == 0) return i;
        if (!p[len]) return -1;
        p += len + 1;
    }
}

static int bad_value(const char *prefix, const cli_opt *o, const char *val, const char *why)
{
    cli_err("%s%s '%s': %s\n", prefix, o->name, val, why);
    return EXIT_USAGE;
}

/* Parse and store one option's value. */
static int set_value(const cli_opt *o, const char *val, void *base, fal_ctx *ctx, const char *prefix)
{
    void *dst = (char *)base + o->off;
    switch (o->kind) {
    case CLI_FLAG: {
        int one = 1;
        memcpy(dst, &one, sizeof one);
        return 0;
    }
    case CLI_UINT: {
        uint64_t u;
        const char *why = o->bad ? o->bad : "need an integer in range";
        if (parse_u64(val, &u) || u < o->min || u > o->max) return bad_value(prefix, o, val, why);
        store_uint(dst, o->size, u);
        return 0;
    }
    case CLI_REAL: {
        double d;
        fal_number r = fal_number_parse(val, &d);
        if (r == FAL_NUMBER_HEX)
            return bad_value(prefix, o, val, "hexadecimal is refused; only decimal numbers are accepted (as in data files)");
        if (r != FAL_NUMBER_OK || !(d > 0)) return bad_value(prefix, o, val, o->bad ? o->bad : "need a positive number");
        memcpy(dst, &d, sizeof d);
        return 0;
    }
    case CLI_TEXT:
        memcpy(dst, &val, sizeof val);
        return 0;
    case CLI_CHOICE: {
        int i = choice_index(o->choices, val);
        if (i < 0) return bad_value(prefix, o, val, o->bad ? o->bad : o->choices);
        memcpy(dst, &i, sizeof i);
        return 0;
    }
    case CLI_CUSTOM:
        return o->set(o, val, base, ctx, prefix);
    default:
        return 0;
    }
}

/* An unknown option: the nearest name the command reads, or the commands
 * that read it. */
static int unknown_option(cli_cmd cmd, const char *prefix, const char *arg, size_t len)
{
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(len < 100 ? len : 100), arg);
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    char others[256] = "";
    size_t used = 0;
    unsigned other_cmds = 0;
    for (size_t i = 0; i < CLI_NOPTS; i++) {
        const cli_opt *o = &CLI_OPTS[i];
        if (o->cmds & (1u << cmd)) {
            size_t d = edit_distance(name, o->name);
            if (d < bestd) {
                bestd = d;
                best = o->name;
            }
        } else if (strcmp(o->name, name) == 0) {
            other_cmds |= o->cmds;
        }
    }
    for (int c = 0; c < CMD_COUNT && other_cmds; c++)
        if (other_cmds & (1u << c))
            used += (size_t)snprintf(others + used, sizeof others - used, "%s%s", used ? ", " : "",
                                     CLI_COMMANDS[c].name);
    if (other_cmds)
        cli_err("%sunknown option '%s' for 'fallacy %s' (it is an option of %s; see 'fallacy %s --help')\n", prefix,
                name, CLI_COMMANDS[cmd].name, others, CLI_COMMANDS[cmd].name);
    else if (best && near(bestd, best) && bestd > 0)
        cli_err("%sunknown option '%s'; did you mean '%s'?\n", prefix, name, best);
    else
        cli_err("%sunknown option '%s' (see 'fallacy %s --help')\n", prefix, name, CLI_COMMANDS[cmd].name);
    return EXIT_USAGE;
}

int cli_parse(cli_cmd cmd, int argc, char **argv, cli_run *run, void *own, fal_ctx *ctx, cli_args *a)
{
    const cli_command *c = &CLI_COMMANDS[cmd];
    const char *prefix = c->prefix;
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->pos = malloc(((size_t)argc + 1) * sizeof *a->pos);
    a->words = malloc(((size_t)argc + 1) * sizeof *a->words);
    if (!a->pos || !a->words) {
        cli_args_free(a);
        cli_err("%sout of memory\n", prefix);
        return EXIT_NOMEM;
    }
    a->nwords = argc;
    for (int i = 0; i < argc; i++) a->words[i] = (cli_word){ CLI_WORD_POS, 0 };
    /* -h/--help first: anywhere before "--", whatever else is wrong */
    for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            cli_args_free(a);
            cli_help(stdout, cmd);
            return -1;
        }
    int rc = 0, options_done = 0;
    for (int i = 0; i < argc && !rc; i++) {
        char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] != '-' || arg[2] == '\0') {
            if (!options_done && strcmp(arg, "--") == 0) {
                options_done = 1;
                a->words[i].row = CLI_WORD_END;
                continue;
            }
            if (c->max_args >= 0 && a->npos >= c->max_args) {
                cli_err("%sunexpected argument '%s'\n", prefix, arg);
                rc = EXIT_USAGE;
                break;
            }
            a->pos[a->npos++] = arg;
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        const cli_opt *o = find_opt(cmd, arg, len);
        if (!o) {
            rc = unknown_option(cmd, prefix, arg, len);
            break;
        }
        size_t idx = (size_t)(o - CLI_OPTS);
        a->words[i].row = (int)idx;
        if (a->seen[idx] && o->kind != CLI_REPEAT) {
            cli_err("%soption %s given twice; give it once\n", prefix, o->name);
            rc = EXIT_USAGE;
            break;
        }
        a->seen[idx] = 1;
        const char *val = NULL;
        if (o->kind == CLI_FLAG) {
            if (eq) {
                cli_err("%soption %s takes no value\n", prefix, o->name);
                rc = EXIT_USAGE;
                break;
            }
        } else if (eq) {
            val = eq + 1;
        } else {
            /* "--opt" at the end, or followed by another option: no value
             * (a negative number "-1" is a value, refused by its kind) */
            if (i + 1 >= argc || (o->kind != CLI_REPEAT && argv[i + 1][0] == '-' && argv[i + 1][1] == '-' &&
                                  argv[i + 1][2] != '\0')) {
                cli_err("%soption %s needs a value\n", prefix, o->name);
                rc = EXIT_USAGE;
                break;
            }
            val = argv[++i];
            a->words[i] = (cli_word){ (int)idx, 1 };
        }
        void *base = o->dst == CLI_TO_RUN ? (void *)run : own;
        if (o->kind == CLI_REPEAT) {
            /* at most argc values: the array is sized once */
            cli_list *l = (cli_list *)(void *)((char *)base + o->off);
            if (!l->v && !(l->v = malloc((size_t)argc * sizeof *l->v))) {
                cli_err("%sout of memory\n", prefix);
                rc = EXIT_NOMEM;
                break;
            }
            l->v[l->n++] = val;
            continue;
        }
        rc = set_value(o, val, base, ctx, prefix);
    }
    /* an option that replaces the command line (run --rerun) stands alone */
    for (size_t k = 0; !rc && k < CLI_NOPTS; k++)
        if (a->seen[k] && CLI_OPTS[k].alone) {
            size_t given = 0;
            const char *with = CLI_OPTS[k].with;
            for (size_t q = 0; q < CLI_NOPTS; q++)
                given += a->seen[q] && !(with && q != k && !strcmp(CLI_OPTS[q].name, with));
            if (given > 1 || a->npos > 0) {
                cli_err("%s%s %s takes no other option%s%s\n", prefix, CLI_OPTS[k].name, CLI_OPTS[k].meta,
                        with ? " but " : "", with ? with : "");
                rc = EXIT_USAGE;
            }
            if (rc) cli_args_free(a);
            return rc;
        }
    if (!rc && a->npos < c->min_args) {
        cli_err("%s%s\n", prefix, c->missing);
        rc = EXIT_USAGE;
    }
    if (rc) cli_args_free(a);
    return rc;
}

/* ---- custom kinds ---------------------------------------------------------- */

/* --split k|FRACTION: an integer is the number of training rows (stored in
 * split_k; cli_run_parse makes it --examples), a number with '.' or an
 * exponent the training share (cfg.split_fraction). */
int cli_set_split(const cli_opt *o, const char *val, void *base, fal_ctx *ctx, const char *prefix)
{
    (void)ctx;
    cli_run *r = base;
    memcpy((char *)base + o->off, &val, sizeof val);
    const char *why = "need a row count k >= 1 or a fraction strictly between 0 and 1";
    if (strchr(val, '.') || strchr(val, 'e') || strchr(val, 'E')) {
        double d;
        if (fal_number_parse(val, &d) != FAL_NUMBER_OK || !(d > 0 && d < 1)) return bad_value(prefix, o, val, why);
        r->cfg.split_fraction = d;
    } else {
        uint64_t u;
        if (parse_u64(val, &u) || u == 0 || u > SIZE_MAX / 64) return bad_value(prefix, o, val, why);
        r->split_k = u;
    }
    return 0;
}

int cli_set_algo(const cli_opt *o, const char *val, void *base, fal_ctx *ctx, const char *prefix)
{
    fal_algo algo;
    if (fal_algo_parse(ctx, val, &algo) != FAL_OK) {
        cli_err("%s%s\n", prefix, fal_ctx_message(ctx));
        return EXIT_USAGE;
    }
    memcpy((char *)base + o->off, &algo, sizeof algo);
    return 0;
}

/* --act is one row for two families with different names: mlp's
 * (fal_act_parse) and qnet's (sign, heaviside, relu).  Here only "a name of
 * either"; cli_run_parse checks it against the family's own list once the
 * family is known, and fills cfg.act or qn.act. */
int cli_set_act(const cli_opt *o, const char *val, void *base, fal_ctx *ctx, const char *prefix)
{
    fal_act act;
    if (fal_act_parse(ctx, val, &act) != FAL_OK && cli_qact_parse(val) < 0)
        return bad_value(prefix, o, val,
                         "relu, leaky-relu, tanh, sigmoid or linear (mlp); sign, heaviside or relu (qnet)");
    memcpy((char *)base + o->off, &val, sizeof val);
    return 0;
}

int cli_qact_parse(const char *name)
{
    static const char *const names[] = { "sign", "heaviside", "relu" };
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

int cli_set_shard(const cli_opt *o, const char *val, void *base, fal_ctx *ctx, const char *prefix)
{
    (void)ctx;
    (void)o;
    sweep_opts *s = base;
    const char *slash = strchr(val, '/');
    char a[32];
    uint64_t i, n;
    if (!slash || (size_t)(slash - val) >= sizeof a) return bad_value(prefix, o, val, "need i/N, 1 <= i <= N");
    memcpy(a, val, (size_t)(slash - val));
    a[slash - val] = '\0';
    if (parse_u64(a, &i) || parse_u64(slash + 1, &n) || n < 1 || i < 1 || i > n || n > 100000000)
        return bad_value(prefix, o, val, "need i/N with 1 <= i <= N (shards are numbered from 1)");
    s->shard_i = i;
    s->shard_n = n;
    return 0;
}

/* ---- help and the man page ---------------------------------------------------- */

static int has_options(cli_cmd cmd)
{
    for (size_t i = 0; i < CLI_NOPTS; i++)
        if ((CLI_OPTS[i].cmds & (1u << cmd)) && CLI_OPTS[i].kind != CLI_HELP) return 1;
    return 0;
}

/* "-" in the table: no unit. */
static const char *unit_text(const cli_opt *o) { return strcmp(o->unit, "-") == 0 ? "none" : o->unit; }

static void synopsis(FILE *f, cli_cmd cmd)
{
    const cli_command *c = &CLI_COMMANDS[cmd];
    fprintf(f, "fallacy %s%s%s%s", c->name, *c->args ? " " : "", c->args, has_options(cmd) ? " [options]" : "");
}

void cli_usage(FILE *f)
{
    for (int c = 0; c < CMD_COUNT; c++) {
        fputs(c ? "       " : "usage: ", f);
        synopsis(f, (cli_cmd)c);
        fputc('\n', f);
    }
    fputs("       fallacy help COMMAND   (or fallacy COMMAND --help): a command's options, defaults and units\n", f);
}

void cli_help(FILE *f, cli_cmd cmd)
{
    const cli_command *c = &CLI_COMMANDS[cmd];
    fputs("usage: ", f);
    synopsis(f, cmd);
    fprintf(f, "\n\n%c%s.\n", c->summary[0] >= 'a' && c->summary[0] <= 'z' ? c->summary[0] - 32 : c->summary[0],
            c->summary + 1);
    if (c->details) fprintf(f, "%s\n", c->details);
    fputs("\noptions (--opt value or --opt=value):\n", f);
    for (size_t i = 0; i < CLI_NOPTS; i++) {
        const cli_opt *o = &CLI_OPTS[i];
        if (!(o->cmds & (1u << cmd))) continue;
        char head[96];
        if (o->kind == CLI_HELP) snprintf(head, sizeof head, "-h, %s", o->name);
        else snprintf(head, sizeof head, "%s%s%s", o->name, o->meta ? " " : "", o->meta ? o->meta : "");
        fprintf(f, "  %-24s %s%s\n", head, o->help, o->kind == CLI_REPEAT ? " (repeatable)" : "");
        if (o->kind != CLI_HELP) fprintf(f, "  %-24s default: %s; unit: %s\n", "", o->def, unit_text(o));
    }
}

/* roff text: a backslash doubled as \e, a hyphen as \- (so that options
 * copy and paste), a leading '.' or '\'' made literal. */
static void roff(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'') fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\') fputs("\\e", f);
        else if (*s == '-') fputs("\\-", f);
        else fputc(*s, f);
    }
}

void cli_man(FILE *f)
{
    fputs(".\\\" doc/fallacy.1: generated by `fallacy --man` from tools/options.c; do not edit.\n", f);
    fprintf(f, ".TH FALLACY 1 \"\" \"fallacy %s\" \"User Commands\"\n", FAL_VERSION);
    fputs(".SH NAME\nfallacy \\- measure the shallow fallacy: examples needed against parameters\n", f);
    fputs(".SH SYNOPSIS\n", f);
    for (int c = 0; c < CMD_COUNT; c++) {
        fputs(".br\n.B ", f);
        char buf[256];
        const cli_command *cc = &CLI_COMMANDS[c];
        snprintf(buf, sizeof buf, "fallacy %s%s%s%s", cc->name, *cc->args ? " " : "", cc->args,
                 has_options((cli_cmd)c) ? " [options]" : "");
        roff(f, buf);
        fputc('\n', f);
    }
    fputs(".SH DESCRIPTION\n", f);
    roff(f, "fallacy measures the thesis of P. Baldi, \"Deep Learning Over-Parameterization: the Shallow Fallacy\" "
            "(NLDL 2024): the number of examples a deep network needs is set by the information needed to pick an "
            "equivalence class of its parameters, not by its number of parameters. Options are written --opt value "
            "or --opt=value; each may be given once, but those marked repeatable; a command refuses the options it "
            "does not read.");
    fputc('\n', f);
    fputs(".SH COMMANDS\n", f);
    for (int c = 0; c < CMD_COUNT; c++) {
        const cli_command *cc = &CLI_COMMANDS[c];
        fputs(".SS ", f);
        char buf[256];
        snprintf(buf, sizeof buf, "fallacy %s%s%s", cc->name, *cc->args ? " " : "", cc->args);
        roff(f, buf);
        fputs("\n", f);
        char sum[512];
        snprintf(sum, sizeof sum, "%s.", cc->summary);
        sum[0] = (char)(sum[0] >= 'a' && sum[0] <= 'z' ? sum[0] - 32 : sum[0]);
        roff(f, sum);
        fputc('\n', f);
        if (cc->details) {
            roff(f, cc->details);
            fputc('\n', f);
        }
        for (size_t i = 0; i < CLI_NOPTS; i++) {
            const cli_opt *o = &CLI_OPTS[i];
            if (!(o->cmds & (1u << c))) continue;
            fputs(".TP\n.B ", f);
            if (o->kind == CLI_HELP) fputs("\\-h, ", f);
            roff(f, o->name);
            if (o->meta) {
                fputs(" \\fI", f);
                roff(f, o->meta);
                fputs("\\fR", f);
            }
            fputc('\n', f);
            roff(f, o->help);
            if (o->kind == CLI_REPEAT) fputs(" (repeatable)", f);
            if (o->kind != CLI_HELP) {
                fputs(". Default: ", f);
                roff(f, o->def);
                fputs("; unit: ", f);
                roff(f, unit_text(o));
                fputc('.', f);
            }
            fputc('\n', f);
        }
    }
    fputs(".SH EXIT STATUS\n", f);
    roff(f, "0 success; 1 the experiment ran but did not converge or failed its own check; 2 bad usage or bad "
            "input (one line on stderr, nothing on stdout); 3 out of resources, refused before allocating; 130 a "
            "sweep interrupted by SIGINT or SIGTERM.");
    fputs("\n.SH SEE ALSO\nREADME.md, doc/bad\\-inputs.md, doc/sweep.md, doc/report.md, doc/data\\-formats.md\n", f);
}
