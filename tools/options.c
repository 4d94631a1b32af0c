/* options.c -- THE table of the command line: every command and every
 * option, with its value, default, unit and help.  The parser, the help of
 * each command, `fallacy help CMD` and the man page (`fallacy --man`,
 * doc/fallacy.1) all read it (tools/parse.c), so they cannot drift.
 *
 * Adding an option is one row below:
 *
 *   { .name = "--act", .cmds = C_RUN | C_NEED | C_SWEEP, .kind = CLI_CHOICE, .meta = "relu|tanh",
 *     .def = "relu", .unit = "-", .help = "the hidden units' activation",
 *     .choices = "relu|tanh", RUN_FIELD(cfg.act) },
 *
 * - .cmds: the commands that read it; every other command refuses it.  The
 *   same name may have several rows for disjoint command sets (sweep's
 *   --depth takes a list, run's one integer).
 * - .kind: CLI_FLAG (int set to 1), CLI_UINT (decimal integer in
 *   [.min, .max], stored in an unsigned field of 1, 2, 4 or 8 bytes),
 *   CLI_REAL (a finite decimal number > 0, parsed by the library's
 *   fal_number_parse, the CSV rule: no hex, no NaN/Inf), CLI_TEXT (the
 *   string), CLI_CHOICE (.choices "a|b|c": the index, stored as an int:
 *   list an enum's names in its order), CLI_CUSTOM (.set parses),
 *   CLI_REPEAT (text into a cli_list field: the only kind that may be given
 *   more than once, each value appended in order and taken as is even when
 *   it starts with "--"; for options handed to another program, as slurm's
 *   --sbatch-arg; help and the man page add "(repeatable)").  Every other
 *   option given twice is exit 2: do not use CLI_REPEAT to get round that.
 * - the destination: RUN_FIELD(f) for a field of cli_run (fal_config is
 *   cli_run.cfg: RUN_FIELD(cfg.lr)), OWN_FIELD(type, f) for a field of the
 *   command's own options struct (tools/cli.h).
 * - .bad: the message after "--opt 'value': " when a value is refused
 *   (doc/bad-inputs.md quotes some of these); NULL: generated from the kind.
 * - .def and .unit are what help and the man page print ("-" for no unit);
 *   tests/test_cli_opts.c checks that every row shows up in the help of
 *   every command in .cmds and nowhere else, and that doc/fallacy.1 equals
 *   `fallacy --man` (regenerate it with `make man`).
 * A library option also needs its fal_config field (added at the end of the
 * struct) and, when the family reads it, its FAL_OPT_* bit. */
#include <stddef.h>
#include "cli.h"

#define RUN_FIELD(f) .dst = CLI_TO_RUN, .off = offsetof(cli_run, f), .size = sizeof(((cli_run *)0)->f)
#define OWN_FIELD(t, f) .dst = CLI_TO_OWN, .off = offsetof(t, f), .size = sizeof(((t *)0)->f)

/* The sweep and `fallacy slurm`, which reads the sweep's grid and run
 * options and forwards them to its tasks' `fallacy sweep` (but not --db,
 * --shard, --list, --json: each task writes its own shard file). */
#define C_SWEEPS (C_SWEEP | C_SLURM)
/* The run options shared by run, need and sweep (classes reads fewer). */
#define C_TRAIN (C_RUN | C_NEED | C_SWEEPS)
#define C_ARCH1 (C_RUN | C_CLASSES | C_NEED) /* one architecture (sweep takes lists) */

const cli_command CLI_COMMANDS[CMD_COUNT] = {
    [CMD_LIST] = { "list", "", 0, 0, NULL, "fallacy: list: ", "the families and their catalogue IDs", NULL },
    [CMD_RUN] = { "run", "FAMILY", 1, 1, "which family? (see 'fallacy list')", "fallacy: ",
                  "one experiment: train FAMILY on k examples and measure it",
                  "Prints the measured figures (--json: one JSON object, the product contract). Exit 0 "
                  "converged, 1 ran but did not converge, 2 bad usage or input, 3 out of resources." },
    [CMD_CLASSES] = { "classes", "FAMILY", 1, 1, "which family? (see 'fallacy list')", "fallacy: ",
                      "the information view (I1): classes, ranks, k_min of an architecture",
                      "Discrete families: the number of functions and log2 of it; continuous ones: the "
                      "function manifold's dimension (Jacobian rank) and k_min." },
    [CMD_NEED] = { "need", "FAMILY", 1, 1, "which family? (see 'fallacy list')", "fallacy: need: ",
                   "the smallest k whose trained model reaches test error <= E on every seed",
                   "Trains with k = 1, 2, 4, ... examples, then bisects. Exit 0 found, 1 no k <= kmax "
                   "passed (the search is still printed)." },
    [CMD_SWEEP] = { "sweep", "FAMILY[,FAMILY...]", 1, 1, "which family? (see 'fallacy list')", "fallacy: sweep: ",
                    "a grid of runs into SQLite: resumable, sharded (doc/sweep.md)",
                    "The grid is the product of the lists (comma-separated; --widths separated by ';'), "
                    "seed innermost. A stored point is skipped, so the same command resumes. Exit 130 "
                    "when interrupted." },
    [CMD_MERGE] = { "merge", "OUT.sqlite IN.sqlite...", 2, -1, "usage: fallacy merge OUT.sqlite IN.sqlite...",
                    "fallacy: merge: ", "combine sweep databases without duplicates", NULL },
    [CMD_SLURM] = { "slurm", "FAMILY[,FAMILY...]", 1, 1, "which family? (see 'fallacy list')", "fallacy: slurm: ",
                    "a sweep as a Slurm job array, one SQLite file per task, then a merge-and-report job "
                    "(doc/sweep.md)",
                    "Writes DIR/sweep.sbatch (task i runs shard i+1 of the grid into DIR/shard-i.sqlite), "
                    "DIR/merge.sbatch and DIR/submit.sh, and prints how to submit them. The grid and run options "
                    "are the sweep's, handed to each task's `fallacy sweep`; the sweep's --db, --shard, --list and "
                    "--json are not read (each task writes its own shard file). --submit submits the tasks whose "
                    "shard is not complete, then the merge job (afterany); --collect merges the shard files into "
                    "DIR/runs.sqlite, writes DIR/report/ and exits 1 while a shard is missing or incomplete." },
    [CMD_REPORT] = { "report", "", 0, 0, NULL, "fallacy: report: ",
                     "the HTML report of a runs database: index.html, SVG plots, CSV (doc/report.md)", NULL },
    [CMD_DEMO] = { "demo", "", 0, 0, NULL, "fallacy: demo: ",
                   "every catalogue row at a default scale, with verdicts, a database and the report",
                   "Exit 1 if any verdict fails." },
    [CMD_VERSION] = { "version", "", 0, 0, NULL, "fallacy: version: ", "the version", NULL },
};

const cli_opt CLI_OPTS[] = {
    { .name = "--help", .cmds = C_ALL, .kind = CLI_HELP, .def = "-", .unit = "-",
      .help = "print this help on stdout and exit 0" },

    /* ---- the architecture (one per run) ---- */
    { .name = "--widths", .cmds = C_ARCH1, .kind = CLI_TEXT, .meta = "n0,...,nL", .def = "the family's",
      .unit = "units per layer", .help = "the layer widths, input first", RUN_FIELD(widths) },
    { .name = "--depth", .cmds = C_ARCH1, .kind = CLI_UINT, .meta = "L", .def = "the family's", .unit = "layers",
      .help = "a uniform net of L weight layers (1e9 is accepted)", .min = 1, .max = UINT64_MAX,
      .bad = "need a positive integer", RUN_FIELD(depth) },
    { .name = "--width", .cmds = C_ARCH1, .kind = CLI_UINT, .meta = "n", .def = "1", .unit = "units",
      .help = "the width of every layer of a uniform net", .min = 1, .max = UINT64_MAX,
      .bad = "need a positive integer", RUN_FIELD(width) },
    { .name = "--examples", .cmds = C_RUN | C_CLASSES, .kind = CLI_UINT, .meta = "k", .def = "the family's",
      .unit = "examples", .help = "training examples (with --data: the first k rows train, the rest test)",
      .min = 1, .max = SIZE_MAX / 64, .bad = "need a positive integer", RUN_FIELD(cfg.examples) },

    /* ---- training (run, need, sweep) ---- */
    { .name = "--test", .cmds = C_TRAIN, .kind = CLI_UINT, .meta = "N", .def = "1000", .unit = "examples",
      .help = "fresh test inputs", .min = 0, .max = SIZE_MAX / 64, .bad = "need a non-negative integer",
      RUN_FIELD(cfg.test) },
    { .name = "--algo", .cmds = C_RUN | C_NEED, .kind = CLI_CUSTOM, .meta = "gd|nesterov|fa|exact|adam|lbfgs",
      .def = "the family's (nesterov for linear and linear-ae, gd for the chains, lbfgs for mlp)", .unit = "-",
      .help = "plain gradient descent, Nesterov's accelerated descent with restart (doc/linear.md), "
              "feedback alignment, the closed-form optimum; adam, lbfgs (mlp)", .set = cli_set_algo,
      RUN_FIELD(cfg.algo) },
    { .name = "--steps", .cmds = C_TRAIN, .kind = CLI_UINT, .meta = "S", .def = "the family's", .unit = "steps",
      .help = "the most training steps", .min = 1, .max = UINT64_MAX, .bad = "need a positive integer",
      RUN_FIELD(cfg.max_steps) },
    { .name = "--lr", .cmds = C_TRAIN, .kind = CLI_REAL, .meta = "R", .def = "chosen per step (line search)",
      .unit = "step size", .help = "a fixed learning rate", .bad = "need a positive number", RUN_FIELD(cfg.lr) },
    { .name = "--tol", .cmds = C_TRAIN, .kind = CLI_REAL, .meta = "T", .def = "the family's (linear, linear-ae: 1e-10; chains: 1e-12)",
      .unit = "relative", .help = "converged when the gap to the optimum is at most T relative "
      "(err - opt <= T max(opt, T)), or as the family documents (doc/linear.md)",
      .bad = "need a positive number", RUN_FIELD(cfg.tol) },
    { .name = "--seed", .cmds = C_TRAIN | C_CLASSES, .kind = CLI_UINT, .meta = "S", .def = "0", .unit = "-",
      .help = "the random seed (teacher, data, start); sweep and need: the first of --seeds",
      .min = 0, .max = UINT64_MAX, .bad = "need a non-negative integer", RUN_FIELD(cfg.seed) },
    { .name = "--threads", .cmds = C_TRAIN | C_CLASSES, .kind = CLI_UINT, .meta = "T", .def = "1",
      .unit = "threads", .help = "threads of the library's loops (results do not depend on it)", .min = 1,
      .max = 1024, .bad = "need an integer in [1, 1024]", RUN_FIELD(threads) },
    { .name = "--data", .cmds = C_TRAIN, .kind = CLI_TEXT, .meta = "FILE.csv|FILE.npy|FILE.npz[:NAME]",
      .def = "the family's teacher", .unit = "-",
      .help = "one example per row: the n0 inputs, then the nL targets; any .npy dtype, C or Fortran "
              "order; an .npz's array NAME (doc/data-formats.md)",
      RUN_FIELD(data_path) },
    { .name = "--inputs", .cmds = C_TRAIN | C_CLASSES, .kind = CLI_TEXT, .meta = "COLS|pm|01",
      .def = "all but --targets; qnet: pm", .unit = "columns",
      .help = "the input columns of --data: 0:64, 3, a header name, comma-separated (0-based, B excluded); "
      "qnet: the input cube, pm ({-1,+1}^n0) or 01 ({0,1}^n0)", RUN_FIELD(inputs) },
    { .name = "--targets", .cmds = C_TRAIN, .kind = CLI_TEXT, .meta = "COLS", .def = "the columns after the inputs",
      .unit = "columns", .help = "the target columns of --data (as --inputs)", RUN_FIELD(targets) },
    { .name = "--shuffle", .cmds = C_TRAIN, .kind = CLI_UINT, .meta = "SEED", .def = "off (the first k rows train)",
      .unit = "-", .help = "each seed draws the training rows of --data at random (seeded by SEED and --seed)",
      .min = 0, .max = UINT64_MAX, .bad = "need a non-negative integer (the draw's seed)", RUN_FIELD(cfg.shuffle) },
    { .name = "--split", .cmds = C_RUN | C_NEED, .kind = CLI_CUSTOM, .meta = "k|FRACTION", .def = "--examples",
      .unit = "rows or share", .help = "the training rows of --data: a count k (= --examples k) or a share in (0, 1)",
      .set = cli_set_split, RUN_FIELD(split) },
    { .name = "--save", .cmds = C_RUN | C_NEED, .kind = CLI_TEXT, .meta = "FILE.npz", .def = "off", .unit = "-",
      .help = "the trained parameters (and the run's JSON) as NumPy arrays; need: the final run",
      RUN_FIELD(save) },
    { .name = "--rerun", .cmds = C_RUN, .kind = CLI_TEXT, .meta = "FILE.json|KEY", .def = "off", .unit = "-",
      .help = "repeat the run a --json output describes, or (with --db) the stored run of this key "
              "(alone: no FAMILY, no other option but --db)", .alone = 1, .with = "--db",
      RUN_FIELD(rerun) },
    { .name = "--db", .cmds = C_RUN, .kind = CLI_TEXT, .meta = "FILE.sqlite", .def = "off", .unit = "-",
      .help = "with --rerun KEY: the runs database holding that run (sweep --db; doc/sweep.md)",
      RUN_FIELD(rerun_db) },
    { .name = "--field", .cmds = C_TRAIN | C_CLASSES, .kind = CLI_CHOICE, .meta = "real|complex", .def = "real",
      .unit = "-", .help = "linear-ae over R or C (L4)", .choices = "real|complex", .bad = "real or complex",
      RUN_FIELD(cfg.field) },
    { .name = "--subspace", .cmds = C_TRAIN, .kind = CLI_UINT, .meta = "D", .def = "the bottleneck width",
      .unit = "dimensions", .help = "linear-ae teacher: data in a random D-dim subspace", .min = 1,
      .max = SIZE_MAX / 64, .bad = "need a positive integer", RUN_FIELD(cfg.subspace) },
    { .name = "--init", .cmds = C_TRAIN, .kind = CLI_CHOICE, .meta = "default|signs", .def = "default",
      .unit = "-", .help = "linear-chain start: on the side of P*, or fully random signs",
      .choices = "default|signs", .bad = "default or signs", RUN_FIELD(cfg.init) },
    { .name = "--power", .cmds = C_TRAIN, .kind = CLI_UINT, .meta = "q", .def = "2", .unit = "-",
      .help = "power-chain: the exponent q of g(u) = u^q", .min = 2, .max = 64,
      .bad = "need an integer q in [2, 64]", RUN_FIELD(cfg.power) },
    { .name = "--units", .cmds = C_TRAIN | C_CLASSES, .kind = CLI_CHOICE, .meta = "sign|heaviside",
      .def = "sign", .unit = "-", .help = "threshold families: +-1 or 0/1 units", .choices = "sign|heaviside",
      .bad = "sign or heaviside", RUN_FIELD(cfg.units) },
    { .name = "--degree", .cmds = C_TRAIN | C_CLASSES, .kind = CLI_UINT, .meta = "d", .def = "1", .unit = "-",
      .help = "threshold-ae: the degree of the polynomial gates", .min = 1, .max = 64,
      .bad = "need an integer d in [1, 64]", RUN_FIELD(cfg.degree) },
    { .name = "--features", .cmds = C_RUN | C_NEED, .kind = CLI_UINT, .meta = "w", .def = "1000",
      .unit = "features (= parameters)", .help = "shallow: the number of random features", .min = 1,
      .max = (uint64_t)1 << 32, .bad = "need an integer in [1, 2^32]", RUN_FIELD(cfg.features) },
    { .name = "--act", .cmds = C_TRAIN | C_CLASSES, .kind = CLI_CUSTOM, .meta = "NAME",
      .def = "relu (mlp), sign (qnet)", .unit = "-",
      .help = "the hidden units' activation: mlp relu|leaky-relu|tanh|sigmoid|linear (doc/mlp.md); "
              "qnet sign|heaviside|relu (doc/qnet.md)",
      .set = cli_set_act, RUN_FIELD(act) },
    { .name = "--bias", .cmds = C_TRAIN | C_CLASSES, .kind = CLI_CHOICE, .meta = "on|off", .def = "on",
      .unit = "-", .help = "mlp, qnet: biases on every layer, or none", .choices = "on|off", .bad = "on or off",
      RUN_FIELD(cfg.bias_off) },
    { .name = "--init-scale", .cmds = C_TRAIN | C_CLASSES, .kind = CLI_REAL, .meta = "s", .def = "1",
      .unit = "-", .help = "mlp: multiplies the He/Glorot standard deviations of the start and the teacher",
      .bad = "need a positive number", RUN_FIELD(cfg.init_scale) },
    { .name = "--restarts", .cmds = C_TRAIN, .kind = CLI_UINT, .meta = "R", .def = "1", .unit = "starts",
      .help = "mlp: train from up to R student starts, stop at the first that converges, keep the best",
      .min = 1, .max = 1000, .bad = "need an integer in [1, 1000]", RUN_FIELD(cfg.restarts) },
    { .name = "--teacher-widths", .cmds = C_TRAIN, .kind = CLI_TEXT, .meta = "n0,...,nL", .def = "the student's",
      .unit = "units per layer", .help = "mlp: the teacher's architecture (same n0 and nL)",
      RUN_FIELD(teacher_widths) },
    { .name = "--json", .cmds = C_RUN | C_NEED | C_SWEEP | C_CLASSES, .kind = CLI_FLAG, .def = "off", .unit = "-",
      .help = "one JSON object per line instead of text", RUN_FIELD(json) },

    /* ---- classes ---- */
    { .name = "--verify", .cmds = C_CLASSES, .kind = CLI_FLAG, .def = "off", .unit = "-",
      .help = "train with k_min and k_min - 1 examples, 3 seeds (continuous families)",
      OWN_FIELD(classes_opts, verify) },
    { .name = "--walk", .cmds = C_CLASSES, .kind = CLI_UINT, .meta = "N", .def = "off", .unit = "moves",
      .help = "a random walk of N moves inside the class of the trained parameters", .min = 1, .max = 1000000,
      .bad = "need an integer in [1, 10^6]", OWN_FIELD(classes_opts, walk) },
    { .name = "--params", .cmds = C_CLASSES, .kind = CLI_TEXT, .meta = "FILE.npz", .def = "off (trained)",
      .unit = "-", .help = "the class, rank and k_min at these parameters (an archive of run --save)",
      OWN_FIELD(classes_opts, params) },
    { .name = "--draws", .cmds = C_CLASSES | C_RUN | C_SWEEPS, .kind = CLI_UINT, .meta = "D", .def = "1",
      .unit = "parameter draws",
      .help = "mlp: the Jacobian rank over D parameter draws (fraction at the bound, mean, range); run and sweep "
              "store them as extras for the report",
      .min = 1, .max = 10000, .bad = "need an integer in [1, 10^4]", RUN_FIELD(cfg.draws) },

    /* ---- qnet (classes qnet, need qnet: doc/qnet.md) ---- */
    /* --act and --bias: the rows above (one spelling for mlp and qnet) */
    { .name = "--weights", .cmds = C_CLASSES | C_NEED | C_SWEEP, .kind = CLI_TEXT, .meta = "LIST|gauss", .def = "-1,0,1",
      .unit = "-", .help = "qnet: the values of every weight and bias (distinct integers); gauss: real, sampling only",
      RUN_FIELD(qn.weights) },
    { .name = "--levels", .cmds = C_CLASSES | C_NEED | C_SWEEP, .kind = CLI_UINT, .meta = "q", .def = "1", .unit = "-",
      .help = "qnet: the values -q..q (instead of --weights)", .min = 1, .max = 31,
      .bad = "need an integer q in [1, 31] (values -q..q)", RUN_FIELD(qn.levels) },
    { .name = "--samples", .cmds = C_CLASSES, .kind = CLI_UINT, .meta = "S", .def = "off (enumerate)",
      .unit = "settings", .help = "qnet: sample S settings instead of enumerating them all", .min = 1,
      .max = 1000000000000ULL, .bad = "need an integer in [1, 10^12]", RUN_FIELD(qn.samples) },
    { .name = "--csv", .cmds = C_CLASSES, .kind = CLI_TEXT, .meta = "FILE", .def = "off", .unit = "-",
      .help = "qnet: write the rank-frequency table of the functions", RUN_FIELD(qn.csv) },
    { .name = "--sets", .cmds = C_NEED | C_SWEEP, .kind = CLI_UINT, .meta = "S", .def = "1000", .unit = "training sets",
      .help = "qnet: random training sets per k when there are more than 10^6", .min = 1, .max = 1000000,
      .bad = "need an integer in [1, 10^6]", RUN_FIELD(qn.sets) },
    { .name = "--teacher-seed", .cmds = C_NEED | C_SWEEP, .kind = CLI_UINT, .meta = "S", .def = "off (uniform teacher)",
      .unit = "-", .help = "qnet: the teacher is the function of the setting drawn with seed S", .min = 0,
      .max = UINT64_MAX, .bad = "need a non-negative integer", RUN_FIELD(qn.teacher_seed) },

    /* ---- need ---- */
    { .name = "--eps", .cmds = C_NEED, .kind = CLI_REAL, .meta = "E", .def = "required",
      .unit = "test error (relative squared, or fraction of bits)", .help = "the test error to reach",
      .bad = "need a finite number > 0", OWN_FIELD(need_opts, eps) },
    { .name = "--seeds", .cmds = C_NEED, .kind = CLI_UINT, .meta = "S", .def = "3", .unit = "seeds",
      .help = "seeds per k; every one must pass", .min = 1, .max = 1000, .bad = "need an integer in [1, 1000]",
      OWN_FIELD(need_opts, seeds) },
    { .name = "--kmax", .cmds = C_NEED, .kind = CLI_UINT, .meta = "K", .def = "4 w, at most 10^6",
      .unit = "examples", .help = "give up above K examples", .min = 1, .max = FAL_NEED_MAX_K,
      .bad = "need an integer in [1, 1000000]", OWN_FIELD(need_opts, kmax) },

    /* ---- sweep: lists ---- */
    { .name = "--depth", .cmds = C_SWEEPS, .kind = CLI_TEXT, .meta = "L,...", .def = "the family's",
      .unit = "layers", .help = "depths of uniform nets (a list)", OWN_FIELD(sweep_opts, depth) },
    { .name = "--width", .cmds = C_SWEEPS, .kind = CLI_TEXT, .meta = "n,...", .def = "1", .unit = "units",
      .help = "widths of uniform nets (a list; depth x width)", OWN_FIELD(sweep_opts, width) },
    { .name = "--widths", .cmds = C_SWEEPS, .kind = CLI_TEXT, .meta = "'a,b,c;d,e,f'", .def = "the family's",
      .unit = "units per layer", .help = "architectures separated by ';'", OWN_FIELD(sweep_opts, widths) },
    { .name = "--examples", .cmds = C_SWEEPS, .kind = CLI_TEXT, .meta = "k,...", .def = "the family's",
      .unit = "examples", .help = "training examples (a list)", OWN_FIELD(sweep_opts, examples) },
    { .name = "--algo", .cmds = C_SWEEPS, .kind = CLI_TEXT, .meta = "a,...", .def = "the family's", .unit = "-",
      .help = "algorithms (a list of gd, fa, exact)", OWN_FIELD(sweep_opts, algo) },
    { .name = "--features", .cmds = C_SWEEPS, .kind = CLI_TEXT, .meta = "w,...", .def = "1000",
      .unit = "features (= parameters)", .help = "shallow: feature counts (a list)",
      OWN_FIELD(sweep_opts, features) },
    { .name = "--db", .cmds = C_SWEEP, .kind = CLI_TEXT, .meta = "FILE.sqlite", .def = "required", .unit = "-",
      .help = "the runs database (created if missing; stored points are skipped)", OWN_FIELD(sweep_opts, db) },
    { .name = "--seeds", .cmds = C_SWEEPS, .kind = CLI_UINT, .meta = "S", .def = "1", .unit = "seeds",
      .help = "seeds per point: --seed, --seed + 1, ...", .min = 1, .max = 10000,
      .bad = "need an integer in [1, 10000]", OWN_FIELD(sweep_opts, seeds) },
    { .name = "--shard", .cmds = C_SWEEP, .kind = CLI_CUSTOM, .meta = "i/N", .def = "1/1", .unit = "-",
      .help = "run the points p with p mod N = i - 1 (shards numbered from 1)", .set = cli_set_shard,
      OWN_FIELD(sweep_opts, shard_i) },
    { .name = "--list", .cmds = C_SWEEP, .kind = CLI_FLAG, .def = "off", .unit = "-",
      .help = "print the shard's points and whether they are stored; run nothing", OWN_FIELD(sweep_opts, list) },

    /* ---- slurm (with the sweep's lists and run options above) ---- */
    { .name = "--dir", .cmds = C_SLURM, .kind = CLI_TEXT, .meta = "DIR", .def = "required", .unit = "-",
      .help = "the shard files, runs.sqlite, report/, the scripts and the logs (created; made absolute)",
      OWN_FIELD(slurm_opts, dir) },
    { .name = "--tasks", .cmds = C_SLURM, .kind = CLI_UINT, .meta = "N", .def = "the grid's points, at most 100",
      .unit = "array tasks", .help = "array tasks, one shard of the grid each", .min = 1, .max = 100000,
      .bad = "need an integer in [1, 100000]", OWN_FIELD(slurm_opts, tasks) },
    { .name = "--time", .cmds = C_SLURM, .kind = CLI_TEXT, .meta = "T", .def = "the partition's",
      .unit = "Slurm time (minutes, or [D-]HH:MM:SS)", .help = "sbatch --time of each task and of the merge job",
      OWN_FIELD(slurm_opts, time) },
    { .name = "--partition", .cmds = C_SLURM, .kind = CLI_TEXT, .meta = "P", .def = "the cluster's default",
      .unit = "-", .help = "sbatch --partition of both jobs", OWN_FIELD(slurm_opts, partition) },
    { .name = "--sbatch-arg", .cmds = C_SLURM, .kind = CLI_REPEAT, .meta = "ARG", .def = "none", .unit = "-",
      .help = "one more sbatch option for both jobs, taken as is: --sbatch-arg --mem=4G",
      OWN_FIELD(slurm_opts, sbatch_args) },
    { .name = "--submit", .cmds = C_SLURM, .kind = CLI_FLAG, .def = "off", .unit = "-",
      .help = "call sbatch: the tasks whose shard is not complete, then the merge job",
      OWN_FIELD(slurm_opts, submit) },
    { .name = "--dry-run", .cmds = C_SLURM, .kind = CLI_FLAG, .def = "off", .unit = "-",
      .help = "print the three scripts; write nothing", OWN_FIELD(slurm_opts, dry_run) },
    { .name = "--collect", .cmds = C_SLURM, .kind = CLI_FLAG, .def = "off", .unit = "-",
      .help = "merge the shard files into DIR/runs.sqlite, write DIR/report/, say which shards are missing "
              "(what the merge job runs)",
      OWN_FIELD(slurm_opts, collect) },

    /* ---- report, demo ---- */
    { .name = "--db", .cmds = C_REPORT, .kind = CLI_TEXT, .meta = "FILE.sqlite", .def = "required", .unit = "-",
      .help = "the runs database to read", OWN_FIELD(report_cli_opts, db) },
    { .name = "--out", .cmds = C_REPORT, .kind = CLI_TEXT, .meta = "DIR", .def = "required", .unit = "-",
      .help = "where index.html and the plots go (created)", OWN_FIELD(report_cli_opts, out) },
    { .name = "--eps", .cmds = C_REPORT, .kind = CLI_REAL, .meta = "E", .def = "1e-8",
      .unit = "test error", .help = "a run fits when its test error is at most E",
      .bad = "need a finite number > 0", OWN_FIELD(report_cli_opts, eps) },
    { .name = "--max-rank-w", .cmds = C_REPORT, .kind = CLI_REAL, .meta = "W", .def = "1e5",
      .unit = "parameters", .help = "largest w whose Jacobian rank the report computes",
      .bad = "need a finite number > 0", OWN_FIELD(report_cli_opts, max_rank_w) },
    { .name = "--out", .cmds = C_DEMO, .kind = CLI_TEXT, .meta = "DIR", .def = "fallacy-report", .unit = "-",
      .help = "the directory of the runs database and the report", OWN_FIELD(demo_opts, out) },
    { .name = "--json", .cmds = C_DEMO, .kind = CLI_FLAG, .def = "off", .unit = "-",
      .help = "one JSON object per row instead of the table", OWN_FIELD(demo_opts, json) },
};

const size_t CLI_NOPTS = sizeof CLI_OPTS / sizeof CLI_OPTS[0];

/* The sweep's rows that slurm shares write into a slurm_opts through
 * sweep_opts offsets. */
_Static_assert(offsetof(slurm_opts, sweep) == 0, "slurm_opts must begin with its sweep_opts");


/* --act, --bias and --inputs are not here: one row each serves qnet and the
 * other families. */
const char *const CLI_QNET_ONLY[] = { "--weights", "--levels", "--samples", "--csv", "--sets", "--teacher-seed",
                                      NULL };
