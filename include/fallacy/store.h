/* fallacy/store.h -- finished runs kept in SQLite, one row per run, keyed
 * by the run's configuration.
 *
 *   fal_store *s;
 *   st = fal_store_open(ctx, "runs.sqlite", FAL_STORE_CREATE, &s);
 *   int have;
 *   st = fal_store_has_config(s, &cfg, &have);
 *   if (st == FAL_OK && !have) {
 *       st = fal_run(ctx, &cfg, &res);
 *       if (st == FAL_OK || st == FAL_ENOCONV)
 *           st = fal_store_put(s, &cfg, &res, NULL);   // one transaction
 *       fal_result_clear(&res);
 *   }
 *   fal_store_close(s);
 *
 * The key.  A canonical text of everything in a fal_config that can change
 * a result, the seed included, and nothing that cannot (the thread count):
 *
 *   family=linear;arch=8,32^2,8;k=8;test=1000;algo=default;init=default;
 *   field=real;subspace=0;features=0;power=2;units=sign;degree=1;steps=0;
 *   lr=0;tol=0;data=none;seed=7
 *
 * (one line).  Architectures are written run-length encoded, "n^c" for c
 * equal widths in a row, whatever way they were built: --depth 3 --width 2
 * and --widths 2,2,2,2 are both "2^4", and a 10^9-deep chain is
 * "1^1000000001".  Integers are decimal (1e3 and 1000 give the same key),
 * doubles %.17g (0.1 and 1e-1 agree), power 0 and degree 0 are written as
 * their documented defaults 2 and 1; k is "default" when the family picks
 * it; arch is "default" when the family picks it.  --data enters as a hash
 * of the table's contents ("fnv1a:<16 hex>:<rows>x<cols>"), so a moved file
 * keeps its key and an edited one does not; a run that draws its rows
 * (fal_config.shuffle_set) adds ";shuffle=<seed>", one with a split
 * fraction ";split=<%.17g>", right after the data field (keys of runs
 * without them are as before).  The tool's version is not in
 * the key: a rerun by a newer version skips points stored by an older one
 * (the version is recorded per row).
 *
 * The table `runs` (schema 1; `meta` holds schema = 1):
 *   key TEXT PRIMARY KEY, id, family, algo, widths (run-length text as in
 *   the key, of the architecture the run used), depth, params, examples,
 *   seed, train_error, test_error, optimum_error, log2_classes,
 *   bits_provided (REAL, NULL for null), converged (0/1), steps, seconds,
 *   note, extras (a JSON object of the result's extras, null for NaN),
 *   curve (the training curve as compact JSON [[step,error],...]: the
 *   relative training error at steps 0, 1, 2, 4, ... and the last step, as
 *   in fal_result.curve; NULL when the run recorded none), version
 *   (FAL_VERSION), threads (fal_ctx_threads), blas (openblas_get_config()
 *   and its thread count), host (gethostname), timestamp (UTC,
 *   ISO 8601), config (the run's provenance, a JSON object
 *   {"config":{...},"data":...,"build":{...}} holding the "config", "data"
 *   and "build" objects of fal_run_json: every run option, "default" where
 *   the family chooses; the --data file's name as given, size, SHA-256 and
 *   shape; version, BLAS, its kernel and the threads.  NULL in rows of
 *   databases written before the column was added: such a database is
 *   read as it is, and gains the column when opened with FAL_STORE_CREATE),
 *   centres (added after config, the same way: the Hamming centres of a
 *   bool-ae or threshold-ae run whose result kept them, cfg.keep_params
 *   FAL_KEEP_CENTRES as `fallacy sweep` sets it, or FAL_KEEP_ALL; a JSON
 *   object {"n":N,"centres":["0110..",...],"train_rows":[r_0,...]}:
 *   character i of string j is bit i, the i-th data column, of centre j
 *   (the row j of --save's "centres"), r_j the training rows whose nearest
 *   centre it is ("centre_rows"); NULL for other runs, runs stored
 *   without them, and above 2^20 bits of centres).
 *   64-bit unsigned integers are stored as their int64 bit
 *   pattern (values >= 2^63 read back exactly through this API but sort as
 *   negative numbers in SQL).
 *
 * Loss-free: a row is written in one transaction only once the run has
 * finished (rollback journal, synchronous FULL), so a process killed at any
 * moment leaves every finished run stored exactly once and nothing half
 * written.  Several processes may write one database (SQLite's locks, a
 * 30 s busy timeout); a point stored twice concurrently is kept once.
 *
 * Errors: FAL_EIO (cannot open, read or write; the message names the file
 * and says SQLite's reason), FAL_EFORMAT (not SQLite, or not a fallacy
 * database of a known schema), FAL_ENOMEM. */
#ifndef FALLACY_STORE_H
#define FALLACY_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "run.h"
#include "status.h"

typedef struct fal_store fal_store;

enum {
    FAL_STORE_READ = 0,   /* reads only; the file must exist (opened read-write when the
                             file allows, so that a hot journal left by a killed writer
                             can be rolled back; nothing else is written) */
    FAL_STORE_CREATE = 1  /* read and write; created (with the schema) if missing */
};

/* Open the database at path.  *out receives the handle (NULL on failure).
 * The context is borrowed: it must outlive the handle, and it receives the
 * messages of every call on the handle. */
fal_status fal_store_open(fal_ctx *ctx, const char *path, int flags, fal_store **out);
/* Close; NULL is a no-op. */
void fal_store_close(fal_store *s);

/* The key of cfg (see above) written like snprintf: into buf (cap bytes,
 * NUL-terminated when cap > 0); *len (if not NULL) receives the full
 * length.  FAL_ERANGE when cap <= that length (buf then holds a prefix);
 * FAL_EINVAL without a family. */
fal_status fal_store_key(fal_ctx *ctx, const fal_config *cfg, char *buf, size_t cap, size_t *len);
/* The value of one field of a key ("arch", "seed", ...) into buf like
 * snprintf; returns 1 if the field is present (even if truncated), else 0. */
int fal_store_key_field(const char *key, const char *name, char *buf, size_t cap);

/* Is a run with this key, or this configuration's key, stored?  *found
 * receives 1 or 0. */
fal_status fal_store_has(fal_store *s, const char *key, int *found);
fal_status fal_store_has_config(fal_store *s, const fal_config *cfg, int *found);

/* Store the finished run res of configuration cfg (res as fal_run filled
 * it, with FAL_OK or FAL_ENOCONV), with the per-run metadata, in one
 * transaction.  *inserted (if not NULL) receives 1, or 0 when the key was
 * already stored (the stored row is kept unchanged). */
fal_status fal_store_put(fal_store *s, const fal_config *cfg, const fal_result *res, int *inserted);

/* Number of stored runs. */
fal_status fal_store_count(fal_store *s, uint64_t *n);

/* Add every run of the database at in_path that out does not hold (by
 * key), in one transaction.  rows: runs in the input; added: copied;
 * duplicates: already in out; conflicts: duplicates whose measured values
 * (every column but seconds, threads, blas, host, timestamp, version,
 * config and centres) differ from out's row -- out's row is kept.  A copied
 * run keeps its config and centres (NULL from an input written before
 * those columns).  FAL_EINVAL when in_path is out's own file. */
typedef struct fal_store_merge_stats {
    uint64_t rows, added, duplicates, conflicts;
} fal_store_merge_stats;
fal_status fal_store_merge(fal_store *out, const char *in_path, fal_store_merge_stats *stats);

/* One stored run, decoded.  Strings are borrowed from the iterator and
 * valid until its next call; doubles are NaN for null; note and curve may
 * be NULL. */
typedef struct fal_store_row {
    const char *key, *id, *family, *algo, *widths, *note, *extras, *curve;
    const char *version, *blas, *host, *timestamp;
    uint64_t depth, params, examples, seed, steps;
    double train_error, test_error, optimum_error, log2_classes, bits_provided, seconds;
    int converged, threads;
    const char *config; /* the provenance JSON (the config column); NULL when not stored */
    const char *centres; /* the centres column (bool-ae, threshold-ae); NULL when not stored */
} fal_store_row;

typedef struct fal_store_iter fal_store_iter;
/* Iterate over every run, in key order.  The store must outlive it. */
fal_status fal_store_iter_new(fal_store *s, fal_store_iter **out);
/* Decode the next run into *row; *have receives 1, or 0 at the end. */
fal_status fal_store_iter_next(fal_store_iter *it, fal_store_row *row, int *have);
void fal_store_iter_free(fal_store_iter *it);

/* The provenance JSON (the config column) of the run stored under key,
 * like snprintf into buf (cap bytes; *len, if not NULL, receives its
 * length; FAL_ERANGE when cap <= that length).  *found receives 0 (no run
 * has this key), 1 (the run is stored without provenance: written before
 * the column) or 2 (buf holds it). */
fal_status fal_store_config(fal_store *s, const char *key, char *buf, size_t cap, size_t *len, int *found);

/* Store a row given field by field (results that are not a fal_run's: the
 * qnet curves and class tables of `fallacy sweep qnet`, doc/qnet.md).  key,
 * id, family, widths and extras (a JSON object, "{}" for none) are
 * required; algo NULL is "default"; note and curve may be NULL; NaN doubles
 * are stored as null.  version, threads, blas, host and timestamp are this
 * process's (row's are not read).  One transaction; *inserted as for
 * fal_store_put (0: the key was stored, the stored row kept). */
fal_status fal_store_put_row(fal_store *s, const fal_store_row *row, int *inserted);

/* The extra called name in an extras JSON object as the store writes it;
 * NaN if absent, null or unreadable. */
double fal_store_extra(const char *extras_json, const char *name);

/* An architecture from its run-length text ("8,32^2,8"; a single run
 * "n^c" gives the uniform A(n^c) without a per-layer array).  FAL_EINVAL
 * for malformed text; FAL_ERANGE beyond 10^7 layers that are not all the
 * same width. */
fal_status fal_store_arch_parse(fal_ctx *ctx, const char *text, fal_arch **out);
/* The run-length text of a, like snprintf (FAL_ERANGE when cap is too
 * small, *len the full length). */
fal_status fal_store_arch_text(fal_ctx *ctx, const fal_arch *a, char *buf, size_t cap, size_t *len);

#endif
