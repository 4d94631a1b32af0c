/* slurm.c -- `fallacy slurm`: a sweep as a Slurm job array, one SQLite file
 * per task, then a merge-and-report job.  doc/sweep.md, "Slurm".
 *
 *   fallacy slurm FAMILY[,FAMILY...] [grid options] [run options] --dir DIR
 *                 [--tasks N] [--time T] [--partition P] [--sbatch-arg ARG]...
 *                 [--submit | --dry-run | --collect]
 *
 * Writes into DIR (created if needed):
 *   sweep.sbatch   the array script: task i (SLURM_ARRAY_TASK_ID, 0-based)
 *                  runs `fallacy sweep ... --shard i+1/N --db DIR/shard-i.sqlite`
 *   merge.sbatch   the merge-and-report job: `fallacy slurm ... --collect`
 *   submit.sh      the two sbatch commands (array, then the merge job with
 *                  --dependency=afterany on it, so that it runs even when
 *                  tasks fail)
 * and, as the jobs run, shard-<i>.sqlite, runs.sqlite, report/, the logs
 * slurm-<array>_<i>.out and slurm-merge-<job>.out, and jobs.txt (the ids
 * --submit got).
 *
 * Never one database written from several nodes: SQLite's locks are not
 * reliable over NFS, so each task writes its own file and only the merge
 * job (one process) writes runs.sqlite.
 *
 * --submit writes the scripts and calls sbatch for the tasks whose shard is
 * not complete (all of them the first time), then for the merge job; it
 * refuses while jobs of an earlier submission (jobs.txt) are still queued
 * or running, since two processes would then write one shard file.
 * --dry-run prints the scripts and writes nothing.  --collect (what the
 * merge job runs; also by hand) merges the shard files there are into
 * runs.sqlite, writes report/, and says per task whether its shard is
 * complete, incomplete or missing: exit 0 when every point of the grid is
 * in runs.sqlite, 1 when some are missing.  Without any of the three, the
 * scripts are written and the command to submit them is printed.
 *
 * Every word of the generated scripts is single-quoted (paths with spaces
 * or quotes are safe); DIR is made absolute, and so is --data.
 *
 * The options are rows of the one table (tools/options.c, CMD_SLURM): the
 * sweep's grid and run options (rows shared with sweep), slurm's own
 * (--dir ... --collect; --sbatch-arg is the table's one repeatable kind,
 * CLI_REPEAT).  The words of the sweep's rows, as the parser read them
 * (cli_args.words), are what each task's `fallacy sweep` gets. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli.h"

#define DEFAULT_TASKS 100

/* One line with the command's prefix; the user's bytes in it shown escaped
 * (cli_err). */
static int say(const char *fmt, const char *a)
{
    char msg[2048];
    snprintf(msg, sizeof msg, fmt, a);
    cli_err("fallacy: slurm: %s\n", msg);
    return EXIT_USAGE;
}

/* ---- text ------------------------------------------------------------------- */

/* s as one shell word: in single quotes, a quote as '\'' */
static void sq(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputs("'\\''", f);
        else fputc(*s, f);
    }
    fputc('\'', f);
}

/* "--output=" + DIR + "/" + name with Slurm's % escaped in DIR (%% is a
 * literal %), as one shell word */
static void sq_output(FILE *f, const char *dir, const char *name)
{
    fputs("'--output=", f);
    for (const char *s = dir; *s; s++) {
        if (*s == '\'') fputs("'\\''", f);
        else if (*s == '%') fputs("%%", f);
        else fputc(*s, f);
    }
    fprintf(f, "/%s'", name);
}

/* Same as sq_output, into a malloc'd plain string (an argv word). */
static char *output_arg(const char *dir, const char *name)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) return NULL;
    fputs("--output=", f);
    for (const char *s = dir; *s; s++) {
        if (*s == '%') fputs("%%", f);
        else fputc(*s, f);
    }
    fprintf(f, "/%s", name);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* "0-3" or "1,4-6,9" */
static void ranges(FILE *f, const unsigned char *todo, uint64_t n)
{
    int first = 1;
    for (uint64_t i = 0; i < n;) {
        if (!todo[i]) {
            i++;
            continue;
        }
        uint64_t j = i;
        while (j + 1 < n && todo[j + 1]) j++;
        fprintf(f, first ? "%llu" : ",%llu", (unsigned long long)i);
        if (j > i) fprintf(f, "-%llu", (unsigned long long)j);
        first = 0;
        i = j + 1;
    }
}

/* ---- the scripts --------------------------------------------------------------- */

typedef struct scripts {
    char *sweep, *merge, *submit;
} scripts;

static void scripts_free(scripts *s)
{
    free(s->sweep);
    free(s->merge);
    free(s->submit);
    memset(s, 0, sizeof *s);
}

/* The sbatch options both jobs get: --time, --partition, --sbatch-arg. */
static void common_opts(FILE *f, const slurm_opts *o)
{
    if (o->time) {
        fputs(" ", f);
        sq(f, "--time");
        fputs(" ", f);
        sq(f, o->time);
    }
    if (o->partition) {
        fputs(" ", f);
        sq(f, "--partition");
        fputs(" ", f);
        sq(f, o->partition);
    }
    for (size_t i = 0; i < o->sbatch_args.n; i++) {
        fputc(' ', f);
        sq(f, o->sbatch_args.v[i]);
    }
}

static int make_scripts(scripts *s, const char *bin, const char *dir, const slurm_opts *o, int nfwd, char **fwd)
{
    memset(s, 0, sizeof *s);
    size_t n;
    FILE *f = open_memstream(&s->sweep, &n);
    if (!f) return EXIT_NOMEM;
    fprintf(f,
            "#!/bin/bash\n"
            "# Written by `fallacy slurm`: one array task per shard.  Task i (SLURM_ARRAY_TASK_ID,\n"
            "# 0-based) runs shard i+1 of %llu into shard-i.sqlite of this directory; a task run\n"
            "# again resumes its shard (the stored points are skipped).  submit.sh (or\n"
            "# `fallacy slurm ... --submit`) gives --array and --output.\n"
            "set -u\n"
            "dir=",
            (unsigned long long)o->tasks);
    sq(f, dir);
    fputs("\ni=${SLURM_ARRAY_TASK_ID:?not an array task: submit with submit.sh or fallacy slurm ... --submit}\n"
          "# one BLAS/OpenMP thread per CPU Slurm gave the task (results do not depend on it)\n"
          "export OPENBLAS_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1} OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}\n"
          "exec ",
          f);
    sq(f, bin);
    fputs(" sweep", f);
    for (int i = 0; i < nfwd; i++) {
        fputc(' ', f);
        sq(f, fwd[i]);
    }
    fprintf(f, " --shard \"$((i + 1))/%llu\" --db \"$dir/shard-$i.sqlite\"\n", (unsigned long long)o->tasks);
    if (fclose(f) != 0) return EXIT_NOMEM;

    f = open_memstream(&s->merge, &n);
    if (!f) return EXIT_NOMEM;
    fputs("#!/bin/bash\n"
          "# Written by `fallacy slurm`: the merge-and-report job, started when every task of\n"
          "# the array has ended (afterany: also when some failed).  Merges the shard files\n"
          "# there are into runs.sqlite, writes report/, and says which shards are missing or\n"
          "# incomplete (exit 1 then).\n"
          "set -u\n"
          "export OPENBLAS_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1} OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}\n"
          "exec ",
          f);
    sq(f, bin);
    fputs(" slurm", f);
    for (int i = 0; i < nfwd; i++) {
        fputc(' ', f);
        sq(f, fwd[i]);
    }
    fputs(" --dir ", f);
    sq(f, dir);
    fprintf(f, " --tasks %llu --collect\n", (unsigned long long)o->tasks);
    if (fclose(f) != 0) return EXIT_NOMEM;

    f = open_memstream(&s->submit, &n);
    if (!f) return EXIT_NOMEM;
    fputs("#!/bin/sh\n"
          "# Written by `fallacy slurm`: submit every task of the array, then the\n"
          "# merge-and-report job, which waits for the array (afterany).  `fallacy slurm ...\n"
          "# --submit` does the same but submits only the tasks whose shard is not complete.\n"
          "set -eu\n"
          "array=$(sbatch --parsable --job-name=fallacy-sweep",
          f);
    fprintf(f, " --array=0-%llu ", (unsigned long long)(o->tasks - 1));
    sq_output(f, dir, "slurm-%A_%a.out");
    common_opts(f, o);
    fputc(' ', f);
    char *p = path_join(dir, "sweep.sbatch");
    if (!p) {
        fclose(f);
        return EXIT_NOMEM;
    }
    sq(f, p);
    free(p);
    fputs(")\narray=${array%%;*}\n"
          "merge=$(sbatch --parsable --job-name=fallacy-merge --dependency=afterany:\"$array\" ",
          f);
    sq_output(f, dir, "slurm-merge-%j.out");
    common_opts(f, o);
    fputc(' ', f);
    p = path_join(dir, "merge.sbatch");
    if (!p) {
        fclose(f);
        return EXIT_NOMEM;
    }
    sq(f, p);
    free(p);
    fputs(")\nmerge=${merge%%;*}\n", f);
    fprintf(f, "echo \"array job $array (%llu tasks), merge job $merge\"\n", (unsigned long long)o->tasks);
    if (fclose(f) != 0) return EXIT_NOMEM;
    return 0;
}

/* ---- files ---------------------------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    if (m) {
        char chunk[4096];
        size_t r;
        while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) fwrite(chunk, 1, r, m);
        fclose(m);
    }
    fclose(f);
    return buf;
}

/* Write text to dir/name atomically (a temporary file renamed into place). */
static int write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char *path = path_join(dir, name), *tmp = path ? path_join(dir, ".fallacy-slurm.XXXXXX") : NULL;
    int rc = 0;
    if (!path || !tmp) {
        rc = EXIT_NOMEM;
        goto out;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "fallacy: slurm: %s: %s\n", tmp, strerror(errno));
        rc = EXIT_USAGE;
        goto out;
    }
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len && fchmod(fd, mode) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "fallacy: slurm: %s: %s\n", path, strerror(errno));
        unlink(tmp);
        rc = errno == ENOSPC || errno == EDQUOT ? EXIT_NOMEM : EXIT_USAGE;
    }
out:
    free(path);
    free(tmp);
    return rc;
}

static int mkdir_p(const char *path)
{
    char *d = strdup(path);
    if (!d) return EXIT_NOMEM;
    for (char *p = d + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char save = *p;
        *p = '\0';
        if (mkdir(d, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "fallacy: slurm: %s: cannot create the directory: %s\n", d, strerror(errno));
            free(d);
            return EXIT_USAGE;
        }
        *p = save;
        if (!save) break;
    }
    free(d);
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) return say("--dir %s: not a directory", path);
    return 0;
}

/* An absolute form of path (realpath when it exists, else cwd/path). */
static char *absolute(const char *path)
{
    char *r = realpath(path, NULL);
    if (r) return r;
    if (path[0] == '/') return strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return NULL;
    return path_join(cwd, path);
}

/* ---- running sbatch / squeue ------------------------------------------------------ */

/* Run argv (searched in PATH) with stdout into *out (malloc'd); stderr
 * passes through unless quiet.  Returns the exit status, or -1 if it could
 * not start. */
static int capture(char *const *argv, char **out, int quiet)
{
    int fds[2];
    *out = NULL;
    if (pipe(fds) != 0) return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        if (quiet) {
            int nul = open("/dev/null", O_WRONLY);
            if (nul >= 0) dup2(nul, 2);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "fallacy: slurm: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    char chunk[4096];
    ssize_t r;
    while ((r = read(fds[0], chunk, sizeof chunk)) != 0) {
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (m) fwrite(chunk, 1, (size_t)r, m);
    }
    close(fds[0]);
    if (m) fclose(m);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* sbatch --parsable: "123" or "123;cluster" */
static int job_id(const char *text, unsigned long long *id)
{
    char *end;
    if (!text || text[0] < '0' || text[0] > '9') return -1;
    errno = 0;
    *id = strtoull(text, &end, 10);
    if (errno || (*end && *end != ';' && *end != '\n')) return -1;
    return 0;
}

/* The jobs an earlier --submit recorded in DIR/jobs.txt that squeue still
 * lists; 0 when none (or no jobs.txt). */
static int earlier_jobs_running(const char *dir, char **listed)
{
    *listed = NULL;
    char *path = path_join(dir, "jobs.txt");
    char *txt = path ? slurp(path) : NULL;
    free(path);
    if (!txt) return 0;
    /* lines "array 123 tasks 0-3" / "merge 124" */
    char ids[4096] = "";
    size_t len = 0;
    for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long long id;
        char kind[16];
        if (sscanf(line, "%15s %llu", kind, &id) == 2 && len + 24 < sizeof ids)
            len += (size_t)snprintf(ids + len, sizeof ids - len, len ? ",%llu" : "%llu", id);
    }
    free(txt);
    if (!len) return 0;
    char *argv[] = { "squeue", "-h", "-o", "%i", "-j", ids, NULL };
    char *out = NULL;
    int rc = capture(argv, &out, 1);
    /* squeue exits 1 when none of the ids is known any more (purged) */
    int running = rc >= 0 && out && out[0];
    if (running) *listed = out;
    else free(out);
    return running;
}

/* ---- per-shard status ----------------------------------------------------------- */

/* Points of task i and how many of them shard-i.sqlite holds (exists = 0
 * when the file is not there). */
static int shard_status(cli_sweep_plan *plan, const char *dir, uint64_t i, uint64_t n, int *exists, uint64_t *points,
                        uint64_t *stored)
{
    char name[64];
    snprintf(name, sizeof name, "shard-%llu.sqlite", (unsigned long long)i);
    char *path = path_join(dir, name);
    if (!path) return EXIT_NOMEM;
    fal_store *s = NULL;
    int rc = 0;
    *exists = access(path, F_OK) == 0;
    if (*exists) {
        fal_status st = fal_store_open(cli_sweep_plan_ctx(plan), path, FAL_STORE_READ, &s);
        if (st != FAL_OK) {
            fprintf(stderr, "fallacy: slurm: %s\n", fal_ctx_message(cli_sweep_plan_ctx(plan)));
            rc = cli_exit_code(st);
        }
    }
    if (!rc) rc = cli_sweep_plan_shard(plan, s, i, n, points, stored);
    fal_store_close(s);
    free(path);
    return rc;
}

/* --collect: merge, report, say what is missing. */
static int collect(cli_sweep_plan *plan, const char *dir, uint64_t ntasks)
{
    fal_ctx *ctx = cli_sweep_plan_ctx(plan);
    char *runs = path_join(dir, "runs.sqlite"), *rep = path_join(dir, "report");
    if (!runs || !rep) {
        free(runs);
        free(rep);
        return EXIT_NOMEM;
    }
    fal_store *out = NULL;
    fal_status st = fal_store_open(ctx, runs, FAL_STORE_CREATE, &out);
    int rc = 0;
    if (st != FAL_OK) {
        fprintf(stderr, "fallacy: slurm: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto done;
    }
    /* merge every shard file there is (a merge adds only absent keys, so
     * running this again adds nothing twice) */
    uint64_t files = 0, added = 0, conflicts = 0;
    for (uint64_t i = 0; i < ntasks && !rc; i++) {
        char name[64];
        snprintf(name, sizeof name, "shard-%llu.sqlite", (unsigned long long)i);
        char *path = path_join(dir, name);
        if (!path) {
            rc = EXIT_NOMEM;
            break;
        }
        if (access(path, F_OK) == 0) {
            fal_store_merge_stats ms;
            st = fal_store_merge(out, path, &ms);
            if (st != FAL_OK) {
                /* one bad shard file must not hide the others */
                printf("task %llu: %s cannot be merged: %s\n", (unsigned long long)i, name, fal_ctx_message(ctx));
            } else {
                files++;
                added += ms.added;
                conflicts += ms.conflicts;
            }
        }
        free(path);
    }
    if (rc) goto done;
    /* each task's points, looked up in the merged database: a shard is
     * complete when every point of it is there */
    uint64_t points_all = 0, stored_all = 0, bad = 0;
    unsigned char *todo = calloc((size_t)ntasks, 1);
    if (!todo) {
        rc = EXIT_NOMEM;
        goto done;
    }
    for (uint64_t i = 0; i < ntasks && !rc; i++) {
        uint64_t points, stored;
        char name[64];
        snprintf(name, sizeof name, "shard-%llu.sqlite", (unsigned long long)i);
        char *path = path_join(dir, name);
        if (!path) {
            rc = EXIT_NOMEM;
            break;
        }
        int exists = access(path, F_OK) == 0;
        free(path);
        rc = cli_sweep_plan_shard(plan, out, i, ntasks, &points, &stored);
        if (rc) break;
        points_all += points;
        stored_all += stored;
        if (stored == points) {
            printf("task %llu (shard %llu/%llu): complete, %llu points\n", (unsigned long long)i,
                   (unsigned long long)i + 1, (unsigned long long)ntasks, (unsigned long long)points);
        } else {
            todo[i] = 1;
            bad++;
            if (!exists && stored == 0)
                printf("task %llu (shard %llu/%llu): MISSING: no %s (the task did not start or failed at once; see "
                       "slurm-*_%llu.out)\n",
                       (unsigned long long)i, (unsigned long long)i + 1, (unsigned long long)ntasks, name,
                       (unsigned long long)i);
            else
                printf("task %llu (shard %llu/%llu): INCOMPLETE: %llu of %llu points stored (see slurm-*_%llu.out)\n",
                       (unsigned long long)i, (unsigned long long)i + 1, (unsigned long long)ntasks,
                       (unsigned long long)stored, (unsigned long long)points, (unsigned long long)i);
        }
    }
    uint64_t total = 0;
    if (!rc && (st = fal_store_count(out, &total)) != FAL_OK) {
        fprintf(stderr, "fallacy: slurm: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
    }
    fal_store_close(out);
    out = NULL;
    if (!rc) {
        printf("%s: %llu runs (%llu added from %llu shard files); %llu of the grid's %llu points\n", runs,
               (unsigned long long)total, (unsigned long long)added, (unsigned long long)files,
               (unsigned long long)stored_all, (unsigned long long)points_all);
        if (conflicts)
            fprintf(stderr,
                    "fallacy: slurm: %llu runs have the key of a stored run but other measured values; the stored "
                    "ones are kept\n",
                    (unsigned long long)conflicts);
        if (total) {
            fflush(stdout);
            rc = cli_report_write(runs, rep, 0);
            if (!rc) printf("%s/index.html written\n", rep);
        }
    }
    fflush(stdout); /* the log (stdout and stderr in one file) in order */
    if (!rc && bad) {
        fprintf(stderr, "fallacy: slurm: %llu of %llu tasks missing or incomplete (", (unsigned long long)bad,
                (unsigned long long)ntasks);
        ranges(stderr, todo, ntasks);
        fputs("); run the same `fallacy slurm ... --submit` again to finish them\n", stderr);
        rc = EXIT_FAILED;
    } else if (!rc) {
        fprintf(stderr, "slurm: all %llu tasks complete: %llu points in %s\n", (unsigned long long)ntasks,
                (unsigned long long)points_all, runs);
    }
    free(todo);
done:
    fal_store_close(out);
    free(runs);
    free(rep);
    return rc;
}

/* ---- --submit ---------------------------------------------------------------------- */

static void push_arg(char **argv, int *n, char *a) { argv[(*n)++] = a; }

static int submit(cli_sweep_plan *plan, const char *dir, const slurm_opts *o)
{
    char *running = NULL;
    if (earlier_jobs_running(dir, &running)) {
        for (char *p = running; *p; p++)
            if (*p == '\n') *p = *(p + 1) ? ',' : '\0';
        fprintf(stderr,
                "fallacy: slurm: jobs of an earlier submission into %s are still queued or running (%s); wait for "
                "them or scancel them, then submit again (two tasks must never write one shard file)\n",
                dir, running);
        free(running);
        return EXIT_USAGE;
    }
    unsigned char *todo = calloc((size_t)o->tasks, 1);
    if (!todo) return EXIT_NOMEM;
    uint64_t ntodo = 0;
    int rc = 0;
    for (uint64_t i = 0; i < o->tasks && !rc; i++) {
        int exists;
        uint64_t points, stored;
        rc = shard_status(plan, dir, i, o->tasks, &exists, &points, &stored);
        if (!rc && stored < points) {
            todo[i] = 1;
            ntodo++;
        }
    }
    char *array_spec = NULL, *out = NULL, *dep = NULL;
    char *out_array = output_arg(dir, "slurm-%A_%a.out"), *out_merge = output_arg(dir, "slurm-merge-%j.out");
    char *sweep_path = path_join(dir, "sweep.sbatch"), *merge_path = path_join(dir, "merge.sbatch");
    char **argv = malloc((o->sbatch_args.n + 16) * sizeof *argv);
    unsigned long long array_id = 0, merge_id = 0;
    if (!rc && (!out_array || !out_merge || !sweep_path || !merge_path || !argv)) rc = EXIT_NOMEM;
    if (!rc && ntodo) {
        size_t n = 0;
        FILE *f = open_memstream(&array_spec, &n);
        if (!f) rc = EXIT_NOMEM;
        else {
            fputs("--array=", f);
            ranges(f, todo, o->tasks);
            if (fclose(f) != 0) rc = EXIT_NOMEM;
        }
    }
    int nargs = 0;
    if (!rc && ntodo) {
        push_arg(argv, &nargs, "sbatch");
        push_arg(argv, &nargs, "--parsable");
        push_arg(argv, &nargs, "--job-name=fallacy-sweep");
        push_arg(argv, &nargs, array_spec);
        push_arg(argv, &nargs, out_array);
        if (o->time) push_arg(argv, &nargs, "--time"), push_arg(argv, &nargs, (char *)o->time);
        if (o->partition) push_arg(argv, &nargs, "--partition"), push_arg(argv, &nargs, (char *)o->partition);
        for (size_t i = 0; i < o->sbatch_args.n; i++) push_arg(argv, &nargs, (char *)o->sbatch_args.v[i]);
        push_arg(argv, &nargs, sweep_path);
        argv[nargs] = NULL;
        int code = capture(argv, &out, 0);
        if (code != 0 || job_id(out, &array_id) != 0) {
            fprintf(stderr, "fallacy: slurm: sbatch of the array failed (exit %d)\n", code);
            rc = EXIT_USAGE;
        }
        free(out);
        out = NULL;
    }
    if (!rc) {
        nargs = 0;
        push_arg(argv, &nargs, "sbatch");
        push_arg(argv, &nargs, "--parsable");
        push_arg(argv, &nargs, "--job-name=fallacy-merge");
        if (ntodo) {
            size_t n = 0;
            FILE *f = open_memstream(&dep, &n);
            if (f) {
                fprintf(f, "--dependency=afterany:%llu", array_id);
                if (fclose(f) != 0) {
                    free(dep);
                    dep = NULL;
                }
            }
            if (!dep) rc = EXIT_NOMEM;
            else push_arg(argv, &nargs, dep);
        }
        push_arg(argv, &nargs, out_merge);
        if (o->time) push_arg(argv, &nargs, "--time"), push_arg(argv, &nargs, (char *)o->time);
        if (o->partition) push_arg(argv, &nargs, "--partition"), push_arg(argv, &nargs, (char *)o->partition);
        for (size_t i = 0; i < o->sbatch_args.n; i++) push_arg(argv, &nargs, (char *)o->sbatch_args.v[i]);
        push_arg(argv, &nargs, merge_path);
        argv[nargs] = NULL;
        int code = rc ? 0 : capture(argv, &out, 0);
        if (!rc && (code != 0 || job_id(out, &merge_id) != 0)) {
            fprintf(stderr, "fallacy: slurm: sbatch of the merge job failed (exit %d)%s\n", code,
                    ntodo ? "; the array is submitted: run `fallacy slurm ... --collect` when it has ended" : "");
            rc = EXIT_USAGE;
        }
        free(out);
    }
    /* record what was submitted, for the next --submit's check */
    if (array_id || merge_id) {
        char *jobs = path_join(dir, "jobs.txt");
        FILE *f = jobs ? fopen(jobs, "w") : NULL;
        if (f) {
            if (array_id) {
                fprintf(f, "array %llu tasks ", array_id);
                ranges(f, todo, o->tasks);
                fputc('\n', f);
            }
            if (merge_id) fprintf(f, "merge %llu\n", merge_id);
            if (fclose(f) != 0) f = NULL;
        }
        if (!f) fprintf(stderr, "fallacy: slurm: cannot write %s/jobs.txt: %s\n", dir, strerror(errno));
        free(jobs);
    }
    if (array_id) {
        printf("array job %llu: %llu of %llu tasks (", array_id, (unsigned long long)ntodo,
               (unsigned long long)o->tasks);
        ranges(stdout, todo, o->tasks);
        printf("); logs %s/slurm-%llu_<task>.out\n", dir, array_id);
    } else if (!rc) {
        printf("every shard is complete: no task submitted\n");
    }
    if (merge_id)
        printf("merge job %llu%s: %s/runs.sqlite, %s/report/; log %s/slurm-merge-%llu.out\n", merge_id,
               array_id ? " (after the array)" : "", dir, dir, dir, merge_id);
    free(argv);
    free(array_spec);
    free(dep);
    free(out_array);
    free(out_merge);
    free(sweep_path);
    free(merge_path);
    free(todo);
    return rc;
}

/* ---- the command -------------------------------------------------------------------- */

/* a value that cannot go into a script or a Slurm option as is */
static int bad_text(const char *s) { return strchr(s, '\n') || strchr(s, '\r') || !*s; }

/* The words of the command line the tasks' `fallacy sweep` gets: the
 * family list and the sweep's options with their values, as the table's
 * parser read them (slurm's own rows stay here); --data made absolute,
 * since the tasks may start elsewhere (a run's key holds the table's hash,
 * not its name).  fwd and owned have argc + 1 slots; owned receives what
 * to free. */
static int forward_words(const cli_args *a, char **argv, char **fwd, int *nfwd, char **owned)
{
    *nfwd = 0;
    for (int i = 0; i < a->nwords; i++) {
        const cli_word *w = &a->words[i];
        if (w->row == CLI_WORD_END) continue;
        if (w->row == CLI_WORD_POS) {
            fwd[(*nfwd)++] = argv[i];
            continue;
        }
        const cli_opt *o = &CLI_OPTS[w->row];
        if (!(o->cmds & C_SWEEP)) continue;
        const char *eq = w->value ? NULL : strchr(argv[i], '=');
        if (strcmp(o->name, "--data") != 0 || (!w->value && !eq)) {
            fwd[(*nfwd)++] = argv[i];
            continue;
        }
        /* --data's value (the separate word, or after "--data=") */
        const char *v = w->value ? argv[i] : eq + 1;
        char *abs = realpath(v, NULL);
        if (!abs) {
            cli_err("fallacy: slurm: --data %s: %s\n", v, strerror(errno));
            return EXIT_USAGE;
        }
        owned[i] = abs;
        if (!w->value) fwd[(*nfwd)++] = "--data";
        fwd[(*nfwd)++] = abs;
    }
    return 0;
}

int cli_slurm(int argc, char **argv)
{
    slurm_opts o;
    memset(&o, 0, sizeof o);
    int rc = 0, nfwd = 0, said = 0;
    char **fwd = calloc((size_t)argc + 1, sizeof *fwd);
    char **owned = calloc((size_t)argc + 1, sizeof *owned); /* absolute --data paths */
    cli_sweep_plan *plan = NULL;
    char *dir = NULL, *bin = NULL;
    scripts s;
    memset(&s, 0, sizeof s);
    if (!fwd || !owned) {
        rc = EXIT_NOMEM;
        goto out;
    }
    /* every option through the table (tools/options.c, CMD_SLURM), and the
     * grid made, before anything is checked or written */
    rc = cli_sweep_plan_new(argc, argv, &o, &plan);
    if (rc) {
        said = 1; /* the parser or the grid said why */
        if (rc < 0) rc = EXIT_OK; /* the help */
        goto out;
    }
    if (o.submit + o.dry_run + o.collect > 1) {
        rc = say("give one of --submit, --dry-run and --collect%s", "");
        goto out;
    }
    if (!o.dir) {
        rc = say("--dir DIR is required (the shard files, runs.sqlite, the report, scripts and logs)%s", "");
        goto out;
    }
    if (bad_text(o.dir) || strchr(o.dir, '\\')) {
        rc = say("--dir '%s': an empty name, a newline or a backslash cannot go into a Slurm log name", o.dir);
        goto out;
    }
    if ((o.time && bad_text(o.time)) || (o.partition && bad_text(o.partition))) {
        rc = say("--time and --partition need a value on one line%s", "");
        goto out;
    }
    for (size_t i = 0; i < o.sbatch_args.n; i++) {
        const char *a = o.sbatch_args.v[i];
        if (bad_text(a) || a[0] != '-' || strcmp(a, "-") == 0 || strcmp(a, "--") == 0) {
            rc = say("--sbatch-arg '%s': need one sbatch option such as --mem=4G (one line)", a);
            goto out;
        }
    }
    rc = forward_words(cli_sweep_plan_args(plan), argv, fwd, &nfwd, owned);
    if (rc) goto out;
    uint64_t points = cli_sweep_plan_points(plan);
    if (!o.tasks) o.tasks = points < DEFAULT_TASKS ? points : DEFAULT_TASKS;
    if (o.tasks > points) {
        char msg[96];
        snprintf(msg, sizeof msg, "%llu: the grid has only %llu point%s", (unsigned long long)o.tasks,
                 (unsigned long long)points, points == 1 ? "" : "s");
        rc = say("--tasks %s (a task would have nothing to run)", msg);
        goto out;
    }
    bin = realpath("/proc/self/exe", NULL);
    if (!bin) {
        fprintf(stderr, "fallacy: slurm: cannot find the fallacy binary (/proc/self/exe): %s\n", strerror(errno));
        rc = EXIT_USAGE;
        goto out;
    }
    if (!o.dry_run) {
        rc = mkdir_p(o.dir);
        if (rc) goto out;
    }
    dir = absolute(o.dir);
    if (!dir) {
        rc = EXIT_NOMEM;
        goto out;
    }
    if (o.collect) {
        rc = collect(plan, dir, o.tasks);
        goto out;
    }
    rc = make_scripts(&s, bin, dir, &o, nfwd, fwd);
    if (rc) goto out;
    if (o.dry_run) {
        printf("# ==> %s/sweep.sbatch <==\n%s\n# ==> %s/merge.sbatch <==\n%s\n# ==> %s/submit.sh <==\n%s", dir, s.sweep,
               dir, s.merge, dir, s.submit);
        goto out;
    }
    /* a DIR that holds another sweep's shards must not receive this one:
     * the shard files would mix two grids */
    char *old_path = path_join(dir, "sweep.sbatch");
    char *old = old_path ? slurp(old_path) : NULL;
    free(old_path);
    if (old && strcmp(old, s.sweep) != 0) {
        free(old);
        rc = say("%s/sweep.sbatch is of another sweep (grid, options, --tasks or fallacy binary differ); give a new "
                 "--dir, or remove that directory's files first",
                 dir);
        goto out;
    }
    free(old);
    if ((rc = write_file(dir, "sweep.sbatch", s.sweep, 0755)) || (rc = write_file(dir, "merge.sbatch", s.merge, 0755)) ||
        (rc = write_file(dir, "submit.sh", s.submit, 0755)))
        goto out;
    if (o.submit) {
        rc = submit(plan, dir, &o);
    } else {
        printf("%s/sweep.sbatch: %llu tasks for %llu points; %s/merge.sbatch merges and reports\nsubmit with: sh ",
               dir, (unsigned long long)o.tasks, (unsigned long long)points, dir);
        char *sub = path_join(dir, "submit.sh");
        if (sub) sq(stdout, sub);
        free(sub);
        printf("   (or the same command with --submit)\n");
    }
out:
    if (rc == EXIT_NOMEM && !said) fputs("fallacy: out of memory\n", stderr);
    scripts_free(&s);
    cli_sweep_plan_free(plan);
    cli_list_free(&o.sbatch_args);
    if (owned)
        for (int i = 0; i < argc; i++) free(owned[i]);
    free(owned);
    free(fwd);
    free(dir);
    free(bin);
    return rc;
}
