/* test_cli_opts.c -- the option table (tools/options.c) against what the
 * binary does: the help of every command lists exactly the rows of its
 * table with their defaults and units; doc/fallacy.1 is `fallacy --man`;
 * the parser's conventions (--opt=value, unknown options named, a repeated
 * option refused, stray arguments refused, numbers parsed as in CSV,
 * control bytes escaped).  The oracle is the table itself, read here
 * directly (tools/options.o is linked into the test binary), and the CSV
 * reader for the number rule. */
#include <string.h>
#include <unistd.h>
#include "../tools/cli.h"
#include "test.h"

/* Run the CLI; stdout into out, stderr into err (either may be NULL). */
static int run2(const char *args, char *out, size_t ocap, char *err, size_t ecap)
{
    const char *bin = getenv("FALLACY_BIN");
    if (!bin) bin = "build/fallacy";
    char dir[256], cmd[8192], op[300], ep[300];
    test_temp_dir(dir, sizeof dir, "opts");
    snprintf(op, sizeof op, "%s/out", dir);
    snprintf(ep, sizeof ep, "%s/err", dir);
    snprintf(cmd, sizeof cmd, "%s %s >'%s' 2>'%s'", bin, args, op, ep);
    int st = system(cmd);
    char *o = test_slurp(op, NULL), *e = test_slurp(ep, NULL);
    if (out && ocap) snprintf(out, ocap, "%s", o ? o : "");
    if (err && ecap) snprintf(err, ecap, "%s", e ? e : "");
    free(o);
    free(e);
    test_remove_dir(dir);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The positionals a command needs to get as far as its options. */
static const char *pos_for(int c)
{
    switch (c) {
    case CMD_RUN: case CMD_CLASSES: case CMD_NEED: case CMD_SWEEP: case CMD_SLURM: return " linear";
    case CMD_MERGE: return " /nonexistent/a.sqlite /nonexistent/b.sqlite";
    default: return "";
    }
}

/* Does the help hold the row's line: "--name META" then the help text, and
 * below it "default: D; unit: U"? */
static int help_has_row(const char *help, const cli_opt *o)
{
    char head[256], tail[512];
    if (o->kind == CLI_HELP) snprintf(head, sizeof head, "-h, %s", o->name);
    else snprintf(head, sizeof head, "%s%s%s", o->name, o->meta ? " " : "", o->meta ? o->meta : "");
    const char *h = strstr(help, head);
    if (!h || !strstr(h, o->help)) return 0;
    if (o->kind == CLI_HELP) return 1;
    snprintf(tail, sizeof tail, "default: %s; unit: %s", o->def, strcmp(o->unit, "-") == 0 ? "none" : o->unit);
    const char *line_end = strchr(strstr(h, o->help), '\n');
    return line_end && strncmp(line_end + 1 + strspn(line_end + 1, " "), tail, strlen(tail)) == 0;
}

TEST(test_cli_help_of_every_command_is_its_table)
{
    static char out[1 << 15], out2[1 << 15], err[4096];
    CHECK(CLI_NOPTS <= CLI_MAX_OPTS);
    for (int c = 0; c < CMD_COUNT; c++) {
        const char *name = CLI_COMMANDS[c].name;
        char args[256];
        const char *forms[] = { "--help", "-h" };
        for (int form = 0; form < 2; form++) {
            snprintf(args, sizeof args, "%s %s", name, forms[form]);
            int rc = run2(args, out, sizeof out, err, sizeof err);
            CHECK_MSG(rc == 0, "'fallacy %s' exited %d", args, rc);
            CHECK_MSG(err[0] == '\0', "'fallacy %s' wrote on stderr: %s", args, err);
            CHECK_MSG(strncmp(out, "usage: fallacy ", 15) == 0, "'fallacy %s': %.80s", args, out);
        }
        /* `help CMD` prints the same bytes; so does --help after other words */
        snprintf(args, sizeof args, "help %s", name);
        CHECK(run2(args, out2, sizeof out2, NULL, 0) == 0);
        CHECK_MSG(strcmp(out, out2) == 0, "'fallacy help %s' differs from 'fallacy %s -h'", name, name);
        snprintf(args, sizeof args, "%s%s --bogus --help", name, pos_for(c));
        CHECK(run2(args, out2, sizeof out2, NULL, 0) == 0);
        CHECK_MSG(strcmp(out, out2) == 0, "'fallacy %s' is not the help", args);
        /* every row of the command, with default and unit; no row of another
         * command unless the same name is also the command's */
        for (size_t i = 0; i < CLI_NOPTS; i++) {
            const cli_opt *o = &CLI_OPTS[i];
            int reads = (o->cmds >> c) & 1u;
            if (reads) {
                CHECK_MSG(help_has_row(out, o), "'fallacy %s --help' lacks the row of %s", name, o->name);
                CHECK_MSG(o->def && o->unit && o->help && o->def[0] && o->unit[0] && o->help[0],
                          "%s: a row without default, unit or help", o->name);
            } else {
                char needle[128];
                snprintf(needle, sizeof needle, "  %s ", o->name);
                int same_name_read = 0;
                for (size_t j = 0; j < CLI_NOPTS; j++)
                    if (((CLI_OPTS[j].cmds >> c) & 1u) && strcmp(CLI_OPTS[j].name, o->name) == 0) same_name_read = 1;
                if (!same_name_read)
                    CHECK_MSG(!strstr(out, needle), "'fallacy %s --help' lists %s, which it does not read", name,
                              o->name);
            }
        }
    }
    /* no two rows of one command share a name */
    for (size_t i = 0; i < CLI_NOPTS; i++)
        for (size_t j = i + 1; j < CLI_NOPTS; j++)
            CHECK_MSG(strcmp(CLI_OPTS[i].name, CLI_OPTS[j].name) != 0 || !(CLI_OPTS[i].cmds & CLI_OPTS[j].cmds),
                      "two rows of %s for one command", CLI_OPTS[i].name);
    /* the overview names every command */
    CHECK(run2("help", out, sizeof out, NULL, 0) == 0);
    for (int c = 0; c < CMD_COUNT; c++) {
        char needle[64];
        snprintf(needle, sizeof needle, "fallacy %s", CLI_COMMANDS[c].name);
        CHECK_MSG(strstr(out, needle) != NULL, "'fallacy help' lacks %s", needle);
    }
    CHECK(run2("help frobnicate", out, sizeof out, err, sizeof err) == 2);
    CHECK(strstr(err, "unknown command 'frobnicate'") != NULL);
}

/* A CLI_REPEAT row (the one kind that may be given more than once) says so
 * in the help and the man page; every value is kept, in order (slurm's
 * --sbatch-arg: both go into submit.sh, as given); any other row given
 * twice is refused (test_cli_parser_conventions). */
TEST(test_cli_repeatable_rows_say_so_and_keep_every_value)
{
    static char out[1 << 15], man[1 << 16];
    int repeat_rows = 0;
    CHECK(run2("--man", man, sizeof man, NULL, 0) == 0);
    for (size_t i = 0; i < CLI_NOPTS; i++) {
        const cli_opt *o = &CLI_OPTS[i];
        if (o->kind != CLI_REPEAT) continue;
        repeat_rows++;
        for (int c = 0; c < CMD_COUNT; c++) {
            if (!((o->cmds >> c) & 1u)) continue;
            char args[128], want[512];
            snprintf(args, sizeof args, "help %s", CLI_COMMANDS[c].name);
            CHECK(run2(args, out, sizeof out, NULL, 0) == 0);
            snprintf(want, sizeof want, "%s (repeatable)\n", o->help);
            CHECK_MSG(strstr(out, want) != NULL, "'fallacy %s' does not say %s is repeatable", args, o->name);
        }
    }
    CHECK(repeat_rows >= 1);
    CHECK(strstr(man, " (repeatable)") != NULL);
    char dir[256], args[1024];
    test_temp_dir(dir, sizeof dir, "rep");
    snprintf(args, sizeof args,
             "slurm linear --depth 1,2 --dir '%s/d' --sbatch-arg --mem=1G --sbatch-arg=--account=a --sbatch-arg "
             "--qos=q --dry-run",
             dir);
    CHECK(run2(args, out, sizeof out, NULL, 0) == 0);
    const char *sub = strstr(out, "submit.sh <==");
    const char *p = sub;
    for (int job = 0; job < 2 && p; job++) {
        p = strstr(p, "'--mem=1G' '--account=a' '--qos=q' ");
        CHECK_MSG(p != NULL, "job %d of submit.sh lacks the three --sbatch-arg in order:\n%s", job, sub ? sub : out);
        if (p) p++;
    }
    test_remove_dir(dir);
}

/* doc/fallacy.1 is what `fallacy --man` prints: the man page cannot drift
 * from the table (regenerate with `make man`). */
TEST(test_cli_man_page_is_generated_from_the_table)
{
    static char man[1 << 16];
    CHECK(run2("--man", man, sizeof man, NULL, 0) == 0);
    char *doc = test_slurp("doc/fallacy.1", NULL);
    CHECK_MSG(doc != NULL, "doc/fallacy.1 is missing (make man)");
    if (doc) CHECK_MSG(strcmp(doc, man) == 0, "doc/fallacy.1 differs from `fallacy --man`: run `make man`");
    free(doc);
    /* every option of every command is in it (roff writes '-' as '\-') */
    for (size_t i = 0; i < CLI_NOPTS; i++) {
        char esc[128], *q = esc;
        for (const char *p = CLI_OPTS[i].name; *p && q < esc + sizeof esc - 3; p++) {
            if (*p == '-') *q++ = '\\';
            *q++ = *p;
        }
        *q = '\0';
        CHECK_MSG(strstr(man, esc) != NULL, "the man page lacks %s", CLI_OPTS[i].name);
    }
}

/* --opt=value and --opt value give the same run, to the byte. */
TEST(test_cli_opt_equals_value)
{
    static char a[1 << 14], b[1 << 14];
    CHECK(run2("run linear --widths 4,6,4 --seed 9 --examples 4 --json", a, sizeof a, NULL, 0) == 0);
    CHECK(run2("run linear --widths=4,6,4 --seed=9 --examples=4 --json", b, sizeof b, NULL, 0) == 0);
    char *sa = strstr(a, "\"seconds\""), *sb = strstr(b, "\"seconds\"");
    if (sa) *sa = '\0';
    if (sb) *sb = '\0';
    CHECK(strlen(a) > 50 && strcmp(a, b) == 0);
    /* "--" ends the options: a positional after it */
    CHECK(run2("run -- linear --widths 4,4", a, sizeof a, NULL, 0) == 2); /* --widths is a second positional */
    CHECK(run2("run --widths 4,4 -- linear", a, sizeof a, NULL, 0) == 0);
}

/* Each convention, with its message. */
TEST(test_cli_parser_conventions)
{
    static const struct {
        const char *args;
        int rc;
        const char *msg;
    } cases[] = {
        /* an unknown option is named as unknown, with the nearest name */
        { "run linear --widht 4", 2, "fallacy: unknown option '--widht'; did you mean '--width'?" },
        { "run linear --help-me", 2, "unknown option '--help-me'" },
        { "sweep linear --db x --shard", 2, "option --shard needs a value" },
        { "run linear --seed", 2, "fallacy: option --seed needs a value" },
        { "run linear --widths --depth 3", 2, "fallacy: option --widths needs a value" },
        /* an unknown family suggests the nearest */
        { "run linaer", 2, "unknown family 'linaer' (see 'fallacy list'); did you mean 'linear'?" },
        { "classes threshold-gat --widths 5,1", 2, "did you mean 'threshold-gate'?" },
        { "sweep linear,bool-chian --db x", 2, "fallacy: sweep: unknown family 'bool-chian' (see 'fallacy list'); did you mean 'bool-chain'?" },
        { "run zzzzzzzzzz", 2, "fallacy: unknown family 'zzzzzzzzzz' (see 'fallacy list')" },
        /* a repeated option is refused (issue 13 row 14) */
        { "run linear --seed 1 --seed 2", 2, "fallacy: option --seed given twice" },
        { "run linear --seed=1 --seed 1", 2, "fallacy: option --seed given twice" },
        { "run linear --json --json", 2, "fallacy: option --json given twice" },
        { "sweep linear --db x --shard 1/2 --shard 2/2", 2, "fallacy: sweep: option --shard given twice" },
        { "report --db a --db b --out c", 2, "fallacy: report: option --db given twice" },
        { "slurm linear --dir x --time 5 --time 6", 2, "fallacy: slurm: option --time given twice" },
        /* --sbatch-arg (CLI_REPEAT) may repeat, and its value starts with "--";
         * the flag after it still may not */
        { "slurm linear --dir x --sbatch-arg --mem=1G --sbatch-arg=--mem=1G --dry-run --dry-run", 2,
          "fallacy: slurm: option --dry-run given twice" },
        /* stray arguments (row 14) */
        { "list extra-arg", 2, "fallacy: list: unexpected argument 'extra-arg'" },
        { "version x", 2, "fallacy: version: unexpected argument 'x'" },
        { "report x", 2, "fallacy: report: unexpected argument 'x'" },
        { "demo x", 2, "fallacy: demo: unexpected argument 'x'" },
        { "classes linear extra", 2, "fallacy: unexpected argument 'extra'" },
        { "need linear extra --eps 1", 2, "fallacy: need: unexpected argument 'extra'" },
        { "sweep linear extra --db x", 2, "fallacy: sweep: unexpected argument 'extra'" },
        /* options a command does not read (row 14) */
        { "classes linear --lr 0.1", 2, "fallacy: unknown option '--lr' for 'fallacy classes'" },
        { "classes linear --data x.csv", 2, "fallacy: unknown option '--data' for 'fallacy classes'" },
        { "classes linear --foo", 2, "fallacy: unknown option '--foo'" },
        { "list --lr 0.1", 2, "fallacy: list: unknown option '--lr' for 'fallacy list'" },
        { "list --data x.csv", 2, "fallacy: list: unknown option '--data'" },
        { "list --json", 2, "fallacy: list: unknown option '--json'" },
        { "list --foo", 2, "fallacy: list: unknown option '--foo'" },
        { "need linear-chain --eps 1 --examples 3", 2, "fallacy: need: unknown option '--examples'" },
        /* a flag takes no value */
        { "run linear --json=yes", 2, "fallacy: option --json takes no value" },
        /* numbers as in CSV: no hexadecimal (row 14) */
        { "run linear --lr 0x1p-3", 2, "fallacy: --lr '0x1p-3': hexadecimal is refused" },
        { "run linear --tol 0X10", 2, "fallacy: --tol '0X10': hexadecimal is refused" },
        { "run linear --seed 0x10", 2, "fallacy: --seed '0x10': need a non-negative integer" },
        { "run linear --lr ' 1'", 2, "fallacy: --lr ' 1': need a positive number" },
        /* control bytes escaped (row 13, the command-line half) */
        { "run \"$(printf 'linear\\001')\"", 2, "fallacy: unknown family 'linear\\x01' (see 'fallacy list'); did you mean 'linear'?" },
        { "run linear --widths \"$(printf '4,\\033[2J,4')\"", 2, "fallacy: widths: field 2 '\\x1b[2J' is not a positive integer" },
        { "run linear \"$(printf '\\033[31mred')\"", 2, "fallacy: unexpected argument '\\x1b[31mred'" },
        { "\"$(printf 'fro\\tb')\"", 2, "fallacy: unknown command 'fro\\x09b'" },
    };
    char out[4096], err[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = run2(cases[i].args, out, sizeof out, err, sizeof err);
        CHECK_MSG(rc == cases[i].rc, "'fallacy %s' exited %d, expected %d (%s)", cases[i].args, rc, cases[i].rc, err);
        CHECK_MSG(strstr(err, cases[i].msg) != NULL, "'fallacy %s' said\n        %s    expected\n        %s",
                  cases[i].args, err, cases[i].msg);
        CHECK_MSG(out[0] == '\0', "'fallacy %s' wrote on stdout", cases[i].args);
        for (const char *p = err; *p; p++)
            CHECK_MSG((unsigned char)*p >= 0x20 || *p == '\n', "'fallacy %s': a raw control byte 0x%02x on stderr",
                      cases[i].args, (unsigned char)*p);
    }
}

/* Every command refuses every option of the table that it does not read,
 * named as unknown (the table is the oracle of what it reads). */
TEST(test_cli_every_command_refuses_what_it_does_not_read)
{
    char args[512], err[4096];
    int tried = 0;
    for (int c = 0; c < CMD_COUNT; c++)
        for (size_t i = 0; i < CLI_NOPTS; i++) {
            const cli_opt *o = &CLI_OPTS[i];
            int reads = 0;
            for (size_t j = 0; j < CLI_NOPTS; j++)
                if (((CLI_OPTS[j].cmds >> c) & 1u) && strcmp(CLI_OPTS[j].name, o->name) == 0) reads = 1;
            if (reads) continue;
            snprintf(args, sizeof args, "%s%s %s=1", CLI_COMMANDS[c].name, pos_for(c), o->name);
            int rc = run2(args, NULL, 0, err, sizeof err);
            char want[128];
            snprintf(want, sizeof want, "unknown option '%s' for 'fallacy %s'", o->name, CLI_COMMANDS[c].name);
            CHECK_MSG(rc == 2 && strstr(err, want), "'fallacy %s' exited %d: %s", args, rc, err);
            tried++;
        }
    CHECK(tried > 50);
}

/* One number rule: the command line accepts a real value exactly when a CSV
 * field of the same text is read as a number (and it is > 0).  (The CSV
 * reader also trims blanks around a field: that is its field splitting.) */
TEST(test_cli_numbers_parse_as_in_csv)
{
    static const char *texts[] = { "0.5", "1e-3", "+.25", "2E+1", "1e-320", "0x1p-3", "0X10", "-0x1", "nan",
                                   "inf", "-Infinity", "1e999", "1.5.2", "1e", "1_000", "1 2", "" };
    char dir[256], path[512], args[1024], line[128];
    test_temp_dir(dir, sizeof dir, "num");
    snprintf(path, sizeof path, "%s/a.csv", dir);
    fal_ctx *ctx = test_ctx();
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const char *t = texts[i];
        /* the CSV reader on a file whose second row holds t (the first row
         * is data, so t cannot pass as a header) */
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (!f) break;
        snprintf(line, sizeof line, "1,2\n1,%s\n", t);
        fputs(line, f);
        fclose(f);
        fal_table *tab = NULL;
        fal_status st = fal_table_load_csv(ctx, path, &tab);
        int csv_ok = st == FAL_OK;
        double v = csv_ok ? fal_table_cdata(tab)[3] : 0;
        fal_table_free(tab);
        double d;
        CHECK_MSG((fal_number_parse(t, &d) == FAL_NUMBER_OK) == csv_ok, "'%s': fal_number_parse and CSV disagree", t);
        /* the command line: --tol on a family that reads it, one step */
        snprintf(args, sizeof args, "run linear-chain --depth 2 --steps 1 --json --tol '%s'", t);
        int rc = run2(args, NULL, 0, NULL, 0);
        int cli_ok = rc != 2;
        CHECK_MSG(cli_ok == (csv_ok && v > 0), "'--tol %s': exit %d, CSV %s", t, rc, csv_ok ? "accepts" : "refuses");
    }
    test_remove_dir(dir);
}
