/* classes.c -- `fallacy classes FAMILY [arch] [--verify] [--walk N]`: the
 * information view (I1) of an architecture. */
#include <math.h>
#include <string.h>
#include "cli.h"

static void num(FILE *f, const char *key, double v)
{
    fprintf(f, ",\"%s\":", key);
    if (isfinite(v)) fprintf(f, "%.17g", v);
    else fputs("null", f);
}

/* Train the family with k examples over `seeds` seeds: the worst test error. */
static fal_status verify_at(fal_ctx *ctx, const fal_config *base, size_t k, unsigned seeds, double *worst,
                            double *best)
{
    *worst = 0;
    *best = INFINITY;
    for (unsigned s = 0; s < seeds; s++) {
        fal_config cfg = *base;
        cfg.examples = k;
        cfg.examples_set = 1;
        cfg.seed = base->seed + s;
        fal_result res;
        fal_status st = fal_run(ctx, &cfg, &res);
        fal_result_clear(&res);
        if (st != FAL_OK && st != FAL_ENOCONV) return st;
        double e = isnan(res.test_error) ? INFINITY : res.test_error;
        if (e > *worst) *worst = e;
        if (e < *best) *best = e;
    }
    return FAL_OK;
}

/* The biases b1, b2, ... of an mlp archive while they exist (none: a
 * linear family's archive, or an mlp without biases). */
static fal_status load_biases(fal_ctx *ctx, const char *path, fal_params *p)
{
    for (int i = 1;; i++) {
        char name[16];
        snprintf(name, sizeof name, "b%d", i);
        fal_table *t;
        fal_status s1 = fal_table_load_npz(ctx, path, name, &t);
        if (s1 == FAL_EFORMAT && strstr(fal_ctx_message(ctx), "no array")) return FAL_OK;
        if (s1 != FAL_OK) return s1;
        /* a (n,) array reads as n rows of one column */
        s1 = fal_table_field(t) == FAL_REAL
                 ? fal_params_add(p, name, FAL_DT_F8, 1, fal_table_rows(t) * fal_table_cols(t), 0, fal_table_cdata(t))
                 : fal_params_add(p, name, FAL_DT_C16, 1, fal_table_rows(t) * fal_table_cols(t), 0, fal_table_cdata(t));
        fal_table_free(t);
        if (s1 != FAL_OK) return s1;
    }
}

/* The layers of a `run --save` archive: W1, W2, ... while they exist (and
 * the mlp's b1, b2, ...), or linear-chain's w. */
static fal_status load_params(fal_ctx *ctx, const char *path, fal_params **out)
{
    fal_status st = fal_params_new(ctx, out);
    for (int i = 1; st == FAL_OK; i++) {
        char name[16];
        snprintf(name, sizeof name, "W%d", i);
        fal_table *t;
        fal_status s1 = fal_table_load_npz(ctx, path, name, &t);
        if (s1 != FAL_OK) {
            if (i > 1 && s1 == FAL_EFORMAT && strstr(fal_ctx_message(ctx), "no array")) break;
            if (i == 1 && s1 == FAL_EFORMAT && strstr(fal_ctx_message(ctx), "no array")) {
                s1 = fal_table_load_npz(ctx, path, "w", &t);
                if (s1 == FAL_OK) {
                    st = fal_params_add(*out, "w", FAL_DT_F8, 1, fal_table_rows(t), 0, fal_table_cdata(t));
                    fal_table_free(t);
                    break;
                }
            }
            st = s1;
            break;
        }
        int cplx = fal_table_field(t) == FAL_COMPLEX;
        st = fal_params_add(*out, name, cplx ? FAL_DT_C16 : FAL_DT_F8, 2, fal_table_rows(t), fal_table_cols(t),
                            fal_table_cdata(t));
        fal_table_free(t);
    }
    if (st == FAL_OK && fal_params_find(*out, "W1")) st = load_biases(ctx, path, *out);
    if (st != FAL_OK) {
        fal_params_free(*out);
        *out = NULL;
    }
    return st;
}

int cli_classes(int argc, char **argv)
{
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    classes_opts o = { 0, 0, NULL };
    cli_run r;
    int rc = cli_run_parse(CMD_CLASSES, argc, argv, ctx, &r, &o);
    if (rc) {
        fal_ctx_free(ctx);
        return rc < 0 ? EXIT_OK : rc;
    }
    if (!r.cfg.family) { /* qnet */
        rc = cli_qnet_classes(ctx, &r);
        cli_run_free(&r);
        fal_ctx_free(ctx);
        return rc;
    }
    fal_params *at = NULL;
    if (o.params) {
        fal_status s0 = load_params(ctx, o.params, &at);
        if (s0 != FAL_OK) {
            fprintf(stderr, "fallacy: --params %s\n", fal_ctx_message(ctx));
            cli_run_free(&r);
            fal_ctx_free(ctx);
            return cli_exit_code(s0);
        }
        r.cfg.at = at;
    }
    fal_classes c;
    fal_status st = fal_classes_compute_draws(ctx, &r.cfg, r.cfg.draws ? r.cfg.draws : 1, &c);
    if (st != FAL_OK) {
        cli_err("fallacy: %s\n", fal_ctx_message(ctx));
        rc = cli_exit_code(st);
        goto out;
    }
    /* verification by training: k_min and k_min - 1 examples, 3 seeds; a
     * bottleneck autoencoder is verified as teacher-student (linear), the
     * setting in which k_min is defined */
    double v_at = NAN, v_below = NAN, v_below_best = NAN, dummy;
    const char *v_family = NULL;
    if (o.verify) {
        if (c.discrete || c.k_min == 0) {
            cli_err("fallacy: --verify needs a continuous family\n");
            rc = EXIT_USAGE;
            goto out;
        }
        fal_config vc = r.cfg;
        vc.at = NULL; /* verification trains fresh networks */
        vc.draws = 0; /* the draws are this command's, not the training runs' */
        if (strcmp(vc.family->name, "linear-ae") == 0) vc.family = fal_family_find("linear");
        v_family = vc.family->name;
        st = verify_at(ctx, &vc, c.k_min, 3, &v_at, &dummy);
        if (st == FAL_OK && c.k_min > 1) st = verify_at(ctx, &vc, c.k_min - 1, 3, &dummy, &v_below_best);
        if (st != FAL_OK) {
            cli_err("fallacy: --verify: %s\n", fal_ctx_message(ctx));
            rc = cli_exit_code(st);
            goto out;
        }
        v_below = v_below_best;
    }
    fal_walk wk = { 0, NAN, NAN };
    if (o.walk) {
        st = fal_classes_walk(ctx, &r.cfg, o.walk, &wk);
        if (st != FAL_OK) {
            cli_err("fallacy: --walk: %s\n", fal_ctx_message(ctx));
            rc = cli_exit_code(st);
            goto out;
        }
    }
    if (r.json) {
        printf("{\"id\":\"%s\",\"family\":\"%s\",\"params\":%llu", c.id, c.family, (unsigned long long)c.params);
        if (c.discrete) {
            num(stdout, "classes", c.classes);
            num(stdout, "log2_classes", c.log2_classes);
            num(stdout, "log2_settings", c.log2_settings);
            num(stdout, "log2_mean_class_size", c.log2_mean_class_size);
        } else {
            printf(",\"field\":\"%s\",\"function_dim\":%llu,\"class_dim\":%llu,\"k_min\":%llu,\"probes\":%llu",
                   c.field, (unsigned long long)c.function_dim, (unsigned long long)c.class_dim,
                   (unsigned long long)c.k_min, (unsigned long long)c.probes);
            num(stdout, "probe_tolerance", c.probe_tolerance);
            num(stdout, "sigma_last", c.sigma_last);
            num(stdout, "sigma_next", c.sigma_next);
            printf(",\"rank_method\":\"%s\"", c.rank_method);
            if (c.act) {
                printf(",\"act\":\"%s\",\"symmetry_bound\":%llu,\"hidden_symmetries\":%lld", c.act,
                       (unsigned long long)c.symmetry_bound, (long long)c.hidden_symmetries);
                num(stdout, "rank_gap", c.rank_gap);
                printf(",\"hidden_units\":%llu,\"dead\":[", (unsigned long long)c.hidden_units);
                for (int i = 0; i < c.nlayers; i++) printf(i ? ",%llu" : "%llu", (unsigned long long)c.dead[i]);
                printf("],\"always_active\":[");
                for (int i = 0; i < c.nlayers; i++) printf(i ? ",%llu" : "%llu", (unsigned long long)c.always_active[i]);
                printf("],\"rank_stable\":%s,\"draws\":%llu", c.rank_stable ? "true" : "false",
                       (unsigned long long)c.draws);
                num(stdout, "frac_at_bound", c.frac_at_bound);
                num(stdout, "dim_mean", c.dim_mean);
                printf(",\"dim_min\":%llu,\"dim_max\":%llu", (unsigned long long)c.dim_min,
                       (unsigned long long)c.dim_max);
            }
            num(stdout, "log2_classes", NAN);
        }
        if (o.params) {
            fputs(",\"params_from\":\"", stdout);
            for (const char *q = o.params; *q; q++) {
                if (*q == '"' || *q == '\\') putchar('\\');
                if ((unsigned char)*q >= 0x20) putchar(*q);
            }
            putchar('"');
        }
        printf(",\"examples\":%llu", (unsigned long long)c.examples);
        num(stdout, "bits_provided", c.bits_provided);
        if (o.verify) {
            printf(",\"verify_family\":\"%s\"", v_family);
            num(stdout, "verify_test_error_at_k_min", v_at);
            num(stdout, "verify_test_error_below_k_min", v_below);
        }
        if (o.walk) {
            printf(",\"walk_moves\":%llu", (unsigned long long)wk.moves);
            num(stdout, "walk_max_output_change", wk.max_output_change);
            num(stdout, "walk_param_distance", wk.param_distance);
        }
        printf("}\n");
    } else {
        printf("%s (%s): w = %llu parameters\n", c.family, c.id, (unsigned long long)c.params);
        if (c.discrete) {
            if (!isnan(c.classes)) printf("  e (functions)            %.17g\n", c.classes);
            printf("  log2 e                   %.17g\n", c.log2_classes);
            if (!isnan(c.log2_settings)) printf("  log2 settings            %.17g\n", c.log2_settings);
            if (!isnan(c.log2_mean_class_size)) printf("  log2 mean class size     %.17g\n", c.log2_mean_class_size);
        } else {
            printf("  function manifold dim    %llu (%s; Jacobian rank on %llu probes, %s, tol %.0e;\n"
                   "                           smallest kept sigma %.2e, largest dropped %.2e, relative)\n",
                   (unsigned long long)c.function_dim, c.field, (unsigned long long)c.probes, c.rank_method,
                   c.probe_tolerance, c.sigma_last, c.sigma_next);
            printf("  class dim (w - rank)     %llu\n", (unsigned long long)c.class_dim);
            if (c.act) {
                printf("  symmetry bound           %llu (%s; w minus the continuous symmetries)\n",
                       (unsigned long long)c.symmetry_bound, c.act);
                printf("  hidden symmetries        %lld (bound - rank)\n", (long long)c.hidden_symmetries);
                if (!c.rank_stable)
                    printf("  (the rank still grew at the last doubling of the probes: a lower bound)\n");
                if (!isnan(c.rank_gap)) printf("  rank gap                 %.3e (kept / dropped sigma)\n", c.rank_gap);
                else printf("  rank gap                 none dropped\n");
                for (int i = 0; i < c.nlayers; i++)
                    printf("  hidden layer %-2d          %llu dead, %llu always active on the probes\n", i + 1,
                           (unsigned long long)c.dead[i], (unsigned long long)c.always_active[i]);
                if (c.draws > 1)
                    printf("  %llu draws                 at the bound %.3f; function_dim mean %.2f, range [%llu, %llu]\n",
                           (unsigned long long)c.draws, c.frac_at_bound, c.dim_mean, (unsigned long long)c.dim_min,
                           (unsigned long long)c.dim_max);
            }
            printf("  k_min                    %llu examples\n", (unsigned long long)c.k_min);
        }
        if (!isnan(c.bits_provided))
            printf("  bits provided            %.17g by %llu examples\n", c.bits_provided, (unsigned long long)c.examples);
        if (o.verify) {
            printf("  verify (%s, 3 seeds)  worst test error with k_min = %llu: %.3e\n", v_family,
                   (unsigned long long)c.k_min, v_at);
            if (c.k_min > 1)
                printf("                           best test error with k_min - 1: %.3e\n", v_below);
        }
        if (o.walk)
            printf("  walk: %llu moves in the class, outputs changed by %.3e (%s), parameters moved %.3f (%s)\n",
                   (unsigned long long)wk.moves, wk.max_output_change,
                   c.discrete ? "fraction of output bits" : "relative, largest", wk.param_distance,
                   c.discrete ? "fraction of parameters" : "relative, 2-norm");
    }
out:
    fal_params_free(at);
    cli_run_free(&r);
    fal_ctx_free(ctx);
    return rc;
}
