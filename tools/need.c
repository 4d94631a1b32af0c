/* need.c -- `fallacy need FAMILY [run options] --eps E [--seeds S]
 * [--kmax K] [--json]`: the smallest k whose trained model reaches test
 * error <= E on every seed (fal_need).  Exit 0 when found, 1 when no
 * k <= kmax passed (the search is still printed), 2 for bad usage, 3 when
 * memory was refused. */
#include <math.h>
#include <string.h>
#include "cli.h"

static void num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.17g", v);
    else fputs("null", f);
}

static void str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

/* One JSON object on one line; no timing, so the bytes are reproducible. */
static void print_json(FILE *f, const fal_need_result *r, uint64_t seed)
{
    fputs("{\"id\":", f);
    str(f, r->id);
    fputs(",\"family\":", f);
    str(f, r->family);
    fprintf(f, ",\"params\":%llu,\"k_needed\":", (unsigned long long)r->params);
    if (r->found) fprintf(f, "%llu", (unsigned long long)r->k_needed);
    else fputs("null", f);
    fprintf(f, ",\"found\":%s,\"eps\":", r->found ? "true" : "false");
    num(f, r->eps);
    fprintf(f, ",\"seeds\":%u,\"seed\":%llu,\"kmax\":%llu,\"runs\":%llu", r->seeds, (unsigned long long)seed,
            (unsigned long long)r->kmax, (unsigned long long)r->runs);
    fputs(",\"test_error_at_k\":", f);
    num(f, r->test_error_at_k);
    fputs(",\"test_error_below\":", f);
    num(f, r->test_error_below);
    fputs(",\"probes\":[", f);
    for (int i = 0; i < r->nprobes; i++) {
        const fal_need_probe *p = &r->probes[i];
        fprintf(f, "%s{\"k\":%llu,\"worst_test_error\":", i ? "," : "", (unsigned long long)p->k);
        num(f, p->worst_test_error);
        fprintf(f, ",\"passed\":%s,\"failed_seeds\":%u,\"unconverged\":%u,\"seen_all\":%u}",
                p->passed ? "true" : "false", p->failed, p->unconverged, p->seen_all);
    }
    fputs("]}\n", f);
}

static void print_text(FILE *f, const fal_need_result *r)
{
    fprintf(f, "%s (%s): w = %llu parameters, eps %.3g, %u seeds per k, kmax %llu\n", r->family, r->id,
            (unsigned long long)r->params, r->eps, r->seeds, (unsigned long long)r->kmax);
    fprintf(f, "  %10s  %-22s %s\n", "k", "worst test error", "verdict");
    for (int i = 0; i < r->nprobes; i++) {
        const fal_need_probe *p = &r->probes[i];
        fprintf(f, "  %10llu  %-22.6g %s", (unsigned long long)p->k, p->worst_test_error,
                p->passed ? "pass" : "fail");
        if (!p->passed) fprintf(f, " (%u of %u seeds", p->failed, r->seeds);
        if (!p->passed && p->unconverged) fprintf(f, ", %u did not converge", p->unconverged);
        if (!p->passed) fputc(')', f);
        /* the mlp passes on its test error alone (doc/need.md): say when it did unconverged */
        if (p->passed && p->unconverged) fprintf(f, " (%u of %u seeds did not converge)", p->unconverged, r->seeds);
        if (p->seen_all) fprintf(f, " [%u seeds saw every input: training error]", p->seen_all);
        fputc('\n', f);
    }
    if (r->found)
        fprintf(f, "  k needed: %llu examples for %llu parameters (%llu runs)\n", (unsigned long long)r->k_needed,
                (unsigned long long)r->params, (unsigned long long)r->runs);
    else
        fprintf(f, "  NOT FOUND: no k <= %llu passed (%llu runs)\n", (unsigned long long)r->kmax,
                (unsigned long long)r->runs);
}

int cli_need(int argc, char **argv)
{
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fputs("fallacy: out of memory\n", stderr);
        return EXIT_NOMEM;
    }
    need_opts o = { .eps = 0, .seeds = 3, .kmax = 0 };
    cli_run r;
    int rc = cli_run_parse(CMD_NEED, argc, argv, ctx, &r, &o);
    if (rc) {
        fal_ctx_free(ctx);
        return rc < 0 ? EXIT_OK : rc;
    }
    if (!cli_given(&r.args, "--eps")) {
        fputs("fallacy: need: --eps E is required (the test error to reach)\n", stderr);
        rc = EXIT_USAGE;
    }
    if (!rc && r.save) rc = cli_save_check(r.save);
    if (!rc && !r.cfg.family) { /* qnet: the Gibbs learner's exact curve */
        rc = cli_qnet_need(ctx, &r, o.eps);
    } else if (!rc) {
        fal_need_result nr;
        cli_progress pg;
        cli_progress_start(&pg, ctx, "need");
        fal_status st = fal_need(ctx, &r.cfg, o.eps, o.seeds, o.kmax, &nr);
        cli_progress_end(&pg);
        if (st == FAL_OK || st == FAL_ENOCONV) {
            if (r.json) print_json(stdout, &nr, r.cfg.seed);
            else print_text(stdout, &nr);
            if (st == FAL_ENOCONV)
                cli_err("fallacy: need: no k <= %llu reached test error %g on every seed\n",
                        (unsigned long long)nr.kmax, nr.eps);
            if (r.save && nr.found) {
                /* the final run: k_needed examples, the first seed (the
                 * base seed), exactly as need ran it */
                fal_config fc = r.cfg;
                fc.examples = (size_t)nr.k_needed;
                fc.examples_set = 1;
                fal_result res;
                fal_params *p = NULL;
                fal_status s2 = fal_run_params(ctx, &fc, &res, &p);
                int src = 0;
                if (p) {
                    cli_run fr = r;
                    fr.cfg = fc;
                    src = cli_save_params(ctx, r.save, p, &res, &fr);
                } else {
                    fprintf(stderr, "fallacy: need --save: %s\n", fal_ctx_message(ctx));
                    src = cli_exit_code(s2);
                }
                fal_params_free(p);
                fal_result_clear(&res);
                if (src) {
                    cli_run_free(&r);
                    fal_ctx_free(ctx);
                    return src;
                }
            }
        } else {
            cli_err("fallacy: %s\n", fal_ctx_message(ctx));
        }
        rc = cli_exit_code(st);
    }
    cli_run_free(&r);
    fal_ctx_free(ctx);
    return rc;
}
