/* cli.h -- what the command-line tool's files share. */
#ifndef FALLACY_CLI_H
#define FALLACY_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "fallacy.h"

/* Exit codes of the product contract. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_NOMEM = 3 };

/* Map a library status to an exit code. */
int cli_exit_code(fal_status st);
/* Print a result as one JSON object (a line) on f. */
void cli_print_json(FILE *f, const fal_result *res);
/* Print a result as readable lines on f. */
void cli_print_text(FILE *f, const fal_result *res);

/* printf to stderr with every control byte of the formatted text shown
 * escaped (\x01), but a final newline: the user's bytes in a message cannot
 * move the cursor, clear the screen or hide themselves. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the commands and their options: ONE table (tools/options.c) --------
 *
 * Every option of every command is one row of CLI_OPTS.  The row drives the
 * parser (cli_parse), the per-command help (`fallacy CMD --help`, `fallacy
 * help CMD`) and the man page (`fallacy --man`, doc/fallacy.1), so they
 * cannot drift; tests/test_cli_opts.c checks the help of every command
 * against the table and doc/fallacy.1 against `fallacy --man`.  To add an
 * option: add one row (see the top of tools/options.c). */

typedef enum cli_cmd {
    CMD_LIST, CMD_RUN, CMD_CLASSES, CMD_NEED, CMD_SWEEP, CMD_MERGE, CMD_SLURM, CMD_REPORT, CMD_DEMO, CMD_VERSION,
    CMD_COUNT
} cli_cmd;

#define C_LIST (1u << CMD_LIST)
#define C_RUN (1u << CMD_RUN)
#define C_CLASSES (1u << CMD_CLASSES)
#define C_NEED (1u << CMD_NEED)
#define C_SWEEP (1u << CMD_SWEEP)
#define C_MERGE (1u << CMD_MERGE)
#define C_SLURM (1u << CMD_SLURM)
#define C_REPORT (1u << CMD_REPORT)
#define C_DEMO (1u << CMD_DEMO)
#define C_VERSION (1u << CMD_VERSION)
#define C_ALL ((1u << CMD_COUNT) - 1)

/* What a command is: name, positional arguments, one-line summary. */
typedef struct cli_command {
    const char *name;
    const char *args;      /* positional arguments in the synopsis ("FAMILY"), "" for none */
    int min_args, max_args; /* how many positionals (max -1: any number) */
    const char *missing;   /* the message when fewer than min_args are given */
    const char *prefix;    /* its messages start with this ("fallacy: need: ") */
    const char *summary;   /* one line */
    const char *details;   /* a paragraph for help and the man page, or NULL */
} cli_command;

extern const cli_command CLI_COMMANDS[CMD_COUNT];

typedef enum cli_kind {
    CLI_HELP,   /* -h/--help: print the command's help, exit 0 */
    CLI_FLAG,   /* no value: sets an int to 1 */
    CLI_UINT,   /* a decimal integer (digits, or digits e digits: 1e9) in [min, max] */
    CLI_REAL,   /* a finite decimal number > 0 (fal_number_parse: the CSV rule) */
    CLI_TEXT,   /* any text: stores the const char * (borrowed from argv) */
    CLI_CHOICE, /* one of `choices` ("real|complex"): stores its index as an int (an enum) */
    CLI_CUSTOM, /* `set` parses and stores */
    CLI_REPEAT  /* the one kind that may be given more than once, deliberately: each
                 * occurrence appends its value to a cli_list, in order; and the value is
                 * taken as is even when it starts with "--", since it is another
                 * program's option (slurm's --sbatch-arg --mem=4G).  Help and the man
                 * page say "(repeatable)". */
} cli_kind;

/* The values of a CLI_REPEAT row: borrowed from argv, the array malloc'd by
 * the parser.  Free with cli_list_free whatever cli_parse returned (a
 * zeroed list is empty). */
typedef struct cli_list {
    const char **v;
    size_t n;
} cli_list;
void cli_list_free(cli_list *l);

/* Where a row's value goes: into the cli_run (run options: offsetof(cli_run,
 * cfg.lr)) or into the command's own options struct (need's --eps). */
typedef enum cli_dst { CLI_TO_RUN, CLI_TO_OWN } cli_dst;

struct cli_opt;
/* CLI_CUSTOM: parse val into the destination struct base (the cli_run or
 * the command's own struct; the row's field is at base + o->off); print a
 * message with the command's prefix and return an exit code when refused. */
typedef int (*cli_set_fn)(const struct cli_opt *o, const char *val, void *base, fal_ctx *ctx, const char *prefix);

typedef struct cli_opt {
    const char *name;     /* "--widths" */
    unsigned cmds;        /* the commands that read it: C_RUN | C_NEED ... */
    cli_kind kind;
    const char *meta;     /* the value in the synopsis: "n0,...,nL" (NULL for HELP, FLAG) */
    const char *def;      /* the default, as help shows it */
    const char *unit;     /* the unit, as help shows it ("-" for none) */
    const char *help;     /* what it does, one line */
    cli_dst dst;
    size_t off, size;     /* the destination field: offsetof and sizeof */
    uint64_t min, max;    /* CLI_UINT range */
    const char *choices;  /* CLI_CHOICE: "a|b|c" */
    const char *bad;      /* after "--opt 'value': " when the value is refused; NULL: generated */
    cli_set_fn set;       /* CLI_CUSTOM */
    int alone;            /* the option replaces the command line: no other option or argument */
    const char *with;     /* alone, but for this one option (run --rerun KEY --db FILE) */
} cli_opt;

extern const cli_opt CLI_OPTS[];
extern const size_t CLI_NOPTS;
#define CLI_MAX_OPTS 128

/* What the parser made of one argv word: the row it belongs to (the option
 * word, or its value when given as a separate word), or a positional, or
 * the "--" that ends the options.  `fallacy slurm` forwards the words of
 * the sweep's rows to the tasks' `fallacy sweep` from this, as parsed. */
enum { CLI_WORD_POS = -1, CLI_WORD_END = -2 };
typedef struct cli_word {
    int row;   /* index into CLI_OPTS, or CLI_WORD_POS / CLI_WORD_END */
    int value; /* 1: the separate value word of the option before it */
} cli_word;

/* A parsed command line: positionals (borrowed from argv), which rows were
 * given, and what each argv word was. */
typedef struct cli_args {
    cli_cmd cmd;
    char **pos;           /* malloc'd array of argv pointers */
    int npos;
    unsigned char seen[CLI_MAX_OPTS];
    cli_word *words;      /* malloc'd, one per argv word (nwords = argc) */
    int nwords;
} cli_args;

/* A parsed run: the configuration plus what it borrows. */
typedef struct cli_run {
    fal_config cfg;
    fal_arch *arch;    /* owned, may be NULL (family default) */
    fal_table *data;   /* owned, may be NULL */
    const char *data_path; /* borrowed from argv */
    int json;
    int threads;
    const char *widths;    /* --widths text */
    uint64_t depth, width; /* --depth, --width (0: not given) */
    cli_args args;
    const char *teacher_widths; /* mlp --teacher-widths text */
    fal_arch *teacher_arch;     /* owned, may be NULL */
    const char *act;            /* --act text (NULL: not given): one row for mlp and qnet, each family checks its own names */
    /* qnet (Q1, tools/qnet.c): the options of `classes qnet` and `need qnet` */
    struct {
        int act;               /* --act as qnet reads it: 0 sign, 1 heaviside, 2 relu (fal_qact) */
        const char *weights;   /* --weights LIST or "gauss" */
        uint64_t levels;       /* --levels q */
        uint64_t samples;      /* --samples S (classes) */
        const char *csv;       /* --csv FILE (classes) */
        uint64_t sets;         /* --sets S (need) */
        uint64_t teacher_seed; /* --teacher-seed S (need) */
    } qn;
    const char *inputs, *targets; /* --inputs/--targets column specs, borrowed */
    const char *split;     /* --split text (cli_set_split stores k or the fraction) */
    uint64_t split_k;      /* --split k: the training rows (0: not given) */
    const char *save;      /* --save FILE.npz (run, need) */
    const char *rerun;     /* --rerun FILE.json or KEY (run; alone on the line but for --db) */
    const char *rerun_db;  /* --db FILE.sqlite (run): --rerun's value is a key stored there */
} cli_run;
/* The qnet-only options: refused for the other families. */
extern const char *const CLI_QNET_ONLY[];

/* Parse argv (the words after the command name) for cmd against the table:
 * values go to run (rows CLI_TO_RUN; may be NULL if the command has none) and
 * own (rows CLI_TO_OWN).  Returns 0, or an exit code after printing one
 * line (or the help, on stdout, returning -1: the caller exits 0).  On
 * success free a->pos with cli_args_free. */
int cli_parse(cli_cmd cmd, int argc, char **argv, cli_run *run, void *own, fal_ctx *ctx, cli_args *a);
void cli_args_free(cli_args *a);
/* Was option `name` given on the command line? */
int cli_given(const cli_args *a, const char *name);

/* Help of a command on f (what `fallacy CMD --help` prints); the usage of
 * all commands; the man page (roff). */
void cli_help(FILE *f, cli_cmd cmd);
void cli_usage(FILE *f);
void cli_man(FILE *f);
/* The command named s, or -1. */
int cli_command_find(const char *s);

/* The nearest of the family names to s within a small edit distance, or
 * NULL: for "did you mean 'linear'?". */
const char *cli_family_suggest(const char *s);
/* Print "unknown family 'X' (see 'fallacy list')[; did you mean 'Y'?]". */
int cli_unknown_family(const char *prefix, const char *name);

/* Parse "FAMILY [run options]" of cmd (run, classes, need, sweep, slurm) into r
 * (arch and data loaded), printing a one-line message on failure.  own
 * receives the command's own options.  Returns 0, an exit code, or -1 after
 * printing the help (exit 0); on a non-zero return nothing is left to free. */
int cli_run_parse(cli_cmd cmd, int argc, char **argv, fal_ctx *ctx, cli_run *r, void *own);
void cli_run_free(cli_run *r);

/* --save FILE.npz (run, need): cli_save_check refuses before the run a
 * directory or a file in a missing directory (exit 2, one line);
 * cli_save_params adds res's JSON to p as "json" and writes p to path. */
int cli_save_check(const char *path);
int cli_save_params(fal_ctx *ctx, const char *path, fal_params *p, const fal_result *res, const cli_run *r);

/* tools/provenance.c: the JSON of `run --json` (the result, then the
 * "config", "data" and "build" objects, then "seconds"); --rerun's
 * command line rebuilt from that JSON's text (argv points into store), and
 * the SHA-256 the run recorded for its data (1 if present). */
int cli_print_json_run(FILE *out, fal_ctx *ctx, const fal_result *res, const cli_run *r);
int cli_rerun_args(const char *path, char *text, char **argv, int *argc, char *store, size_t cap);
int cli_rerun_sha(const char *text, char hex[65]);

/* The commands' own options (CLI_TO_OWN rows point into these). */
typedef struct classes_opts {
    int verify;
    uint64_t walk;
    const char *params; /* --params FILE.npz */
} classes_opts;

typedef struct need_opts {
    double eps;
    unsigned seeds;
    uint64_t kmax;
} need_opts;

typedef struct sweep_opts {
    const char *db;
    const char *depth, *width, *widths, *examples, *algo, *features;
    unsigned seeds;
    uint64_t shard_i, shard_n;
    int list;
} sweep_opts;

typedef struct report_cli_opts {
    const char *db, *out;
    double eps, max_rank_w;
} report_cli_opts;

typedef struct demo_opts {
    const char *out;
    int json;
} demo_opts;

/* slurm's options.  The sweep's rows that slurm shares (its lists and
 * --seeds) are OWN_FIELD(sweep_opts, ...): sweep_opts comes first, so
 * their offsets hold in a slurm_opts too (db, shard and list stay unset:
 * slurm does not read them). */
typedef struct slurm_opts {
    sweep_opts sweep; /* must stay the first member */
    const char *dir, *time, *partition;
    cli_list sbatch_args; /* --sbatch-arg, repeatable */
    uint64_t tasks;       /* 0: not given */
    int submit, dry_run, collect;
} slurm_opts;

int cli_set_algo(const cli_opt *o, const char *val, void *base, fal_ctx *ctx, const char *prefix);
int cli_set_split(const cli_opt *o, const char *val, void *base, fal_ctx *ctx, const char *prefix);
int cli_set_act(const cli_opt *o, const char *val, void *base, fal_ctx *ctx, const char *prefix);
/* qnet's activation names: 0 sign, 1 heaviside, 2 relu (fal_qact); -1 otherwise. */
int cli_qact_parse(const char *name);
int cli_set_shard(const cli_opt *o, const char *val, void *base, fal_ctx *ctx, const char *prefix);

/* The progress line of a long call on a terminal (tools/progress.c):
 * cli_progress_start installs the library's progress callback on ctx when
 * stderr is a terminal (nothing otherwise); cli_progress_end removes it and
 * erases the line. */
typedef struct cli_progress {
    const char *cmd;
    fal_ctx *ctx;
    double t0, last, delay;
    int width;
    int need_on;
    uint64_t need_runs, need_seed, step, steps;
    double need_k, err;
} cli_progress;
void cli_progress_start(cli_progress *p, fal_ctx *ctx, const char *cmd);
void cli_progress_end(cli_progress *p);
/* Monotonic seconds; a duration as "4.2s", "3m07s", "2h05m". */
double cli_now(void);
void cli_fmt_time(char *buf, size_t n, double s);

/* A sweep's grid without running it (tools/sweep.c), for `fallacy slurm`:
 * parse slurm's command line against the table (CMD_SLURM: the sweep's
 * grid and run options into the plan, slurm's own into *own, which is
 * initialised here) and make the grid; print a message and return an exit
 * code on failure, -1 after printing the help (exit 0).  On a non-zero
 * return nothing is left to free but own->sbatch_args (cli_list_free).
 * cli_sweep_plan_args is the parsed command line (its words: what to
 * forward to the tasks).  cli_sweep_plan_shard counts the points of shard
 * i (0-based) of n and how many of them store holds (store NULL: none). */
typedef struct cli_sweep_plan cli_sweep_plan;
int cli_sweep_plan_new(int argc, char **argv, slurm_opts *own, cli_sweep_plan **out);
const cli_args *cli_sweep_plan_args(const cli_sweep_plan *p);
uint64_t cli_sweep_plan_points(const cli_sweep_plan *p);
int cli_sweep_plan_shard(cli_sweep_plan *p, fal_store *store, uint64_t i, uint64_t n, uint64_t *points,
                         uint64_t *stored);
fal_ctx *cli_sweep_plan_ctx(cli_sweep_plan *p);
void cli_sweep_plan_free(cli_sweep_plan *p);

int cli_slurm(int argc, char **argv);

int cli_demo(int argc, char **argv);
int cli_need(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_merge(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_classes(int argc, char **argv);
/* tools/qnet.c: argv[0] is "qnet" (parsed by the table, CMD_CLASSES or CMD_NEED). */
int cli_qnet_classes(fal_ctx *ctx, const cli_run *r);
int cli_qnet_need(fal_ctx *ctx, const cli_run *r, double eps);
/* One qnet architecture (r->arch and the qnet options of r) enumerated, its
 * exact Gibbs curve computed and stored as two rows (doc/qnet.md, "In a
 * database"): the curve and the rank-frequency.  Nothing runs when both keys
 * are stored (stored_before = 1).  Returns 0 or an exit code after a message. */
typedef struct cli_qnet_summary {
    int stored_before;
    uint64_t params, classes;
    size_t n0, nL;
    double log2_classes, entropy, khalf, error0, seconds;
} cli_qnet_summary;
int cli_qnet_store(fal_ctx *ctx, fal_store *store, const cli_run *r, cli_qnet_summary *sum);
/* `fallacy sweep qnet --widths 'a;b;...' --db F`: cli_qnet_store for each. */
int cli_qnet_sweep(fal_ctx *ctx, const cli_run *r, const sweep_opts *o);

/* The report (tools/report.c), for `fallacy demo`.  cli_report_store
 * claims out_dir (fal_report_claim_dir: new, empty or fallacy's own; mkdir
 * -p), deletes out_dir/runs.sqlite if fallacy wrote it and opens it afresh
 * into *store (close with fal_store_close); db_path (cap
 * bytes) receives its name.  cli_report_write writes out_dir/index.html and
 * its plots from db_path with test-error tolerance eps (<= 0: 1e-8).  Both
 * print a one-line message on failure and return 0 or an exit code. */
int cli_report_store(fal_ctx *ctx, const char *out_dir, fal_store **store, char *db_path, size_t cap);
int cli_report_write(const char *db_path, const char *out_dir, double eps);

#endif
