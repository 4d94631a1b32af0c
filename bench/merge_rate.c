/* merge_rate.c -- how fast `fallacy merge` (fal_store_merge) combines shard
 * files: S shards of R runs each into one database, flat (one output, S
 * inputs) and hierarchical (sqrt(S) groups merged into intermediate files,
 * then those into one), and the same flat merge again (every run already
 * present: the cost of a resumed merge).
 *
 *   merge_rate DIR [S [R]]      (defaults 100 shards x 1000 runs)
 *
 * The rows are real: R runs of linear-chain (depth 1..R, seed i) stored
 * with fal_store_put into shard 0; shards 1..S-1 are copies of it whose keys
 * get a suffix ";shard=s" (SQL, one transaction each), so every key is
 * distinct and every row has the size of a real one (extras, curve).
 * Prints key=value lines (runs_per_s is the figure doc/sweep.md uses). */
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include "bench.h"
#include "fallacy.h"

static int die(const char *what, const char *msg)
{
    fprintf(stderr, "merge_rate: %s: %s\n", what, msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) return die("usage", "merge_rate DIR [SHARDS [RUNS]]");
    const char *dir = argv[1];
    int S = argc > 2 ? atoi(argv[2]) : 100, R = argc > 3 ? atoi(argv[3]) : 1000;
    if (S < 1 || R < 1) return die("usage", "SHARDS and RUNS must be positive");
    mkdir(dir, 0777);
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) return die("context", "out of memory");
    char path[4096], out[4096];

    /* shard 0: real runs */
    double t0 = bench_now();
    snprintf(path, sizeof path, "%s/shard-0.sqlite", dir);
    remove(path);
    fal_store *s = NULL;
    if (fal_store_open(ctx, path, FAL_STORE_CREATE, &s) != FAL_OK) return die(path, fal_ctx_message(ctx));
    for (int i = 0; i < R; i++) {
        fal_arch *a = NULL;
        if (fal_arch_uniform(ctx, (uint64_t)(i % 50) + 1, 1, &a) != FAL_OK) return die("arch", fal_ctx_message(ctx));
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find("linear-chain");
        cfg.arch = a;
        cfg.seed = (uint64_t)i;
        fal_result res;
        fal_status st = fal_run(ctx, &cfg, &res);
        if (st != FAL_OK && st != FAL_ENOCONV) return die("run", fal_ctx_message(ctx));
        int inserted = 0;
        if (fal_store_put(s, &cfg, &res, &inserted) != FAL_OK) return die("put", fal_ctx_message(ctx));
        fal_result_clear(&res);
        fal_arch_free(a);
    }
    fal_store_close(s);
    double t_make0 = bench_now() - t0;

    /* shards 1..S-1: copies with distinct keys */
    t0 = bench_now();
    for (int k = 1; k < S; k++) {
        snprintf(out, sizeof out, "%s/shard-%d.sqlite", dir, k);
        remove(out);
        if (fal_store_open(ctx, out, FAL_STORE_CREATE, &s) != FAL_OK) return die(out, fal_ctx_message(ctx));
        fal_store_close(s);
        sqlite3 *db = NULL;
        if (sqlite3_open(out, &db) != SQLITE_OK) return die(out, "cannot open");
        /* every column named, on both sides: the store gains columns
         * (config, centres) and a positional copy breaks on each */
#define MR_COLS                                                                                                  \
    "id, family, algo, widths, depth, params, examples, seed, train_error, test_error, optimum_error, "          \
    "log2_classes, bits_provided, converged, steps, seconds, note, extras, curve, version, threads, blas, host, " \
    "timestamp, config, centres"
        char *sql = sqlite3_mprintf("ATTACH %Q AS src; BEGIN; INSERT INTO main.runs (key, " MR_COLS
                                    ") SELECT key || ';shard=%d', " MR_COLS " FROM src.runs; COMMIT;",
                                    path, k);
#undef MR_COLS
        char *err = NULL;
        if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) return die(out, err ? err : "copy failed");
        sqlite3_free(sql);
        sqlite3_close(db);
    }
    double t_copy = bench_now() - t0;
    struct stat sb;
    long long shard_bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;

    /* flat: one output, S inputs (what the merge job does) */
    snprintf(out, sizeof out, "%s/flat.sqlite", dir);
    remove(out);
    t0 = bench_now();
    if (fal_store_open(ctx, out, FAL_STORE_CREATE, &s) != FAL_OK) return die(out, fal_ctx_message(ctx));
    uint64_t added = 0;
    for (int k = 0; k < S; k++) {
        snprintf(path, sizeof path, "%s/shard-%d.sqlite", dir, k);
        fal_store_merge_stats ms;
        if (fal_store_merge(s, path, &ms) != FAL_OK) return die(path, fal_ctx_message(ctx));
        added += ms.added;
    }
    double t_flat = bench_now() - t0;
    /* again: everything present */
    t0 = bench_now();
    for (int k = 0; k < S; k++) {
        snprintf(path, sizeof path, "%s/shard-%d.sqlite", dir, k);
        fal_store_merge_stats ms;
        if (fal_store_merge(s, path, &ms) != FAL_OK) return die(path, fal_ctx_message(ctx));
    }
    double t_again = bench_now() - t0;
    uint64_t total = 0;
    fal_store_count(s, &total);
    fal_store_close(s);
    long long out_bytes = stat(out, &sb) == 0 ? (long long)sb.st_size : -1;

    /* hierarchical: G groups of about S/G into group files, then those */
    int G = 1;
    while ((G + 1) * (G + 1) <= S) G++;
    t0 = bench_now();
    for (int g = 0; g < G; g++) {
        snprintf(out, sizeof out, "%s/group-%d.sqlite", dir, g);
        remove(out);
        if (fal_store_open(ctx, out, FAL_STORE_CREATE, &s) != FAL_OK) return die(out, fal_ctx_message(ctx));
        for (int k = g; k < S; k += G) {
            snprintf(path, sizeof path, "%s/shard-%d.sqlite", dir, k);
            fal_store_merge_stats ms;
            if (fal_store_merge(s, path, &ms) != FAL_OK) return die(path, fal_ctx_message(ctx));
        }
        fal_store_close(s);
    }
    double t_level1 = bench_now() - t0;
    snprintf(out, sizeof out, "%s/hier.sqlite", dir);
    remove(out);
    t0 = bench_now();
    if (fal_store_open(ctx, out, FAL_STORE_CREATE, &s) != FAL_OK) return die(out, fal_ctx_message(ctx));
    for (int g = 0; g < G; g++) {
        snprintf(path, sizeof path, "%s/group-%d.sqlite", dir, g);
        fal_store_merge_stats ms;
        if (fal_store_merge(s, path, &ms) != FAL_OK) return die(path, fal_ctx_message(ctx));
    }
    uint64_t total_h = 0;
    fal_store_count(s, &total_h);
    fal_store_close(s);
    double t_level2 = bench_now() - t0;

    double n = (double)S * R;
    printf("merge_make shards=%d runs_per_shard=%d put_s=%.3f put_ms_per_run=%.3f copy_s=%.3f shard_bytes=%lld\n", S, R,
           t_make0, 1e3 * t_make0 / R, t_copy, shard_bytes);
    printf("merge_flat shards=%d runs=%.0f added=%llu total=%llu s=%.3f runs_per_s=%.0f ms_per_shard=%.2f "
           "out_bytes=%lld\n",
           S, n, (unsigned long long)added, (unsigned long long)total, t_flat, n / t_flat, 1e3 * t_flat / S, out_bytes);
    printf("merge_again shards=%d runs=%.0f s=%.3f runs_per_s=%.0f\n", S, n, t_again, n / t_again);
    printf("merge_hier groups=%d level1_s=%.3f level2_s=%.3f total=%llu level2_runs_per_s=%.0f\n", G, t_level1,
           t_level2, (unsigned long long)total_h, n / t_level2);
    fal_ctx_free(ctx);
    return total == (uint64_t)n && total_h == (uint64_t)n ? 0 : die("count", "the merged total is not S x R");
}
