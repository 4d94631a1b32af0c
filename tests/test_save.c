/* test_save.c -- `run --save` for the families beyond the linear ones
 * (doc/params.md): each archive is read back with the project's own .npz
 * reader and the family's outputs are recomputed from the saved parameters
 * by code written here (a forward pass, nearest centres, gate sums, table
 * lookups, products), then compared with the saved predictions and with
 * the errors the run reported.  And `classes mlp --params` at points whose
 * Jacobian rank has a closed form. */
#include <string.h>
#include <unistd.h>
#include "test.h"

/* One archive member as a malloc'd copy (rows x cols; a (n,) array reads
 * as n x 1); NULL when absent. */
typedef struct arr {
    size_t r, c;
    double *v;
} arr;

static arr load(fal_ctx *ctx, const char *npz, const char *name)
{
    arr a = { 0, 0, NULL };
    fal_table *t = NULL;
    if (fal_table_load_npz(ctx, npz, name, &t) != FAL_OK) return a;
    a.r = fal_table_rows(t);
    a.c = fal_table_cols(t);
    a.v = malloc((a.r * a.c > 0 ? a.r * a.c : 1) * sizeof(double));
    if (a.v) memcpy(a.v, fal_table_cdata(t), a.r * a.c * sizeof(double));
    fal_table_free(t);
    return a;
}

static int has(fal_ctx *ctx, const char *npz, const char *name)
{
    fal_table *t = NULL;
    int ok = fal_table_load_npz(ctx, npz, name, &t) == FAL_OK;
    fal_table_free(t);
    return ok;
}

/* A number of the run's JSON ("key":value), NaN if absent or null. */
static double jnum(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p || strncmp(p + strlen(pat), "null", 4) == 0) return NAN;
    return strtod(p + strlen(pat), NULL);
}

/* Run "run ARGS --save DIR/p.npz --json"; the archive path into npz. */
static int run_save(const char *dir, const char *args, char *npz, size_t n, char *out, size_t cap)
{
    snprintf(npz, n, "%s/p.npz", dir);
    unlink(npz);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "run %s --save %s --json", args, npz);
    return test_cli(cmd, out, cap);
}

static double relerr(double a, double b) { return fabs(a - b) / fmax(fabs(b), 1e-300); }

/* ---- mlp: the forward pass from W and b ------------------------------------ */

static double act_of(const char *act, double z)
{
    if (!strcmp(act, "tanh")) return tanh(z);
    if (!strcmp(act, "relu")) return z > 0 ? z : 0;
    if (!strcmp(act, "sigmoid")) return 1 / (1 + exp(-z));
    return z;
}

/* y = W_L s(... s(W_1 x + b_1) ...) + b_L on the rows of x (k x n0), from
 * the arrays PREFIX W1.. and PREFIX b1.. (no b: biases off); 0 if an array
 * is missing or of the wrong shape. */
static int forward(fal_ctx *ctx, const char *npz, const char *prefix, size_t L, int bias, const char *act,
                   const arr *x, double *y, size_t nL)
{
    int ok = 1;
    for (size_t j = 0; j < x->r && ok; j++) {
        double h[64], z[64];
        size_t n = x->c;
        for (size_t i = 0; i < n; i++) h[i] = x->v[j * n + i];
        for (size_t l = 1; l <= L && ok; l++) {
            char name[32];
            snprintf(name, sizeof name, "%sW%zu", prefix, l);
            arr W = load(ctx, npz, name);
            snprintf(name, sizeof name, "%sb%zu", prefix, l);
            arr b = bias ? load(ctx, npz, name) : (arr){ 0, 0, NULL };
            ok = W.v && W.c == n && W.r <= 64 && (!bias || (b.v && b.r == W.r));
            for (size_t a = 0; ok && a < W.r; a++) {
                double s = bias ? b.v[a] : 0;
                for (size_t q = 0; q < n; q++) s += W.v[a * n + q] * h[q];
                z[a] = l < L ? act_of(act, s) : s;
            }
            if (ok) {
                n = W.r;
                memcpy(h, z, n * sizeof(double));
            }
            free(W.v);
            free(b.v);
        }
        ok = ok && n == nL;
        for (size_t a = 0; ok && a < nL; a++) y[j * nL + a] = h[a];
    }
    return ok;
}

TEST(test_save_mlp_forward_reproduces_predictions)
{
    char dir[256], npz[300];
    test_temp_dir(dir, sizeof dir, "save-mlp");
    static char out[1 << 14];
    const char *acts[] = { "tanh", "relu" };
    for (int v = 0; v < 2; v++) {
        char args[256];
        int bias = v == 0;
        snprintf(args, sizeof args, "mlp --widths 3,6,5,2 --act %s --examples 30 --test 12 --seed %d --steps 300%s",
                 acts[v], 4 + v, bias ? "" : " --bias off");
        int rc = run_save(dir, args, npz, sizeof npz, out, sizeof out);
        CHECK_MSG(rc == 0 || rc == 1, "%s: exit %d", args, rc);
        fal_ctx *ctx = test_ctx();
        arr xt = load(ctx, npz, "x_train"), tt = load(ctx, npz, "t_train"), pt = load(ctx, npz, "pred_train");
        arr xs = load(ctx, npz, "x_test"), ts = load(ctx, npz, "t_test"), ps = load(ctx, npz, "pred_test");
        CHECK(xt.r == 30 && xt.c == 3 && tt.r == 30 && tt.c == 2 && pt.r == 30 && pt.c == 2);
        CHECK(xs.r == 12 && ps.r == 12 && ts.r == 12);
        CHECK_MSG(bias == has(ctx, npz, "b1"), "b1 present iff biases are on (%s)", args);
        arr W1 = load(ctx, npz, "W1");
        CHECK(W1.r == 6 && W1.c == 3);
        free(W1.v);
        if (xt.v && tt.v && pt.v && xs.v && ts.v && ps.v && xt.r == 30 && xs.r == 12) {
            double y[30 * 2], sq = 0, st = 0, worst = 0;
            /* the student's outputs: the saved predictions and the reported error */
            CHECK(forward(ctx, npz, "", 3, bias, acts[v], &xt, y, 2));
            for (size_t i = 0; i < 60; i++) {
                worst = fmax(worst, fabs(y[i] - pt.v[i]));
                sq += (y[i] - tt.v[i]) * (y[i] - tt.v[i]);
                st += tt.v[i] * tt.v[i];
            }
            CHECK_MSG(worst <= 1e-12, "%s: forward pass differs from pred_train by %g", args, worst);
            double rep = jnum(out, "train_error");
            CHECK_MSG(relerr(sq / st, rep) <= 1e-9 || fabs(sq / st - rep) <= 1e-15,
                      "%s: train error from W, b %.17g, reported %.17g", args, sq / st, rep);
            double ys[12 * 2];
            sq = st = worst = 0;
            CHECK(forward(ctx, npz, "", 3, bias, acts[v], &xs, ys, 2));
            for (size_t i = 0; i < 24; i++) {
                worst = fmax(worst, fabs(ys[i] - ps.v[i]));
                sq += (ys[i] - ts.v[i]) * (ys[i] - ts.v[i]);
                st += ts.v[i] * ts.v[i];
            }
            CHECK_MSG(worst <= 1e-12, "%s: forward pass differs from pred_test by %g", args, worst);
            CHECK_MSG(relerr(sq / st, jnum(out, "test_error")) <= 1e-9, "%s: test error %.17g, reported %.17g", args,
                      sq / st, jnum(out, "test_error"));
            /* the teacher's layers make the targets */
            worst = 0;
            CHECK(forward(ctx, npz, "teacher_", 3, bias, acts[v], &xt, y, 2));
            for (size_t i = 0; i < 60; i++) worst = fmax(worst, fabs(y[i] - tt.v[i]));
            CHECK_MSG(worst <= 1e-12, "%s: the teacher's forward pass differs from t_train by %g", args, worst);
        }
        free(xt.v), free(tt.v), free(pt.v), free(xs.v), free(ts.v), free(ps.v);
    }
    test_remove_dir(dir);
}

/* ---- bool-ae and threshold-ae: centres, tables, gates ----------------------- */

static size_t row_word(const arr *a, size_t r, uint64_t *w)
{
    *w = 0;
    for (size_t i = 0; i < a->c; i++) *w |= (uint64_t)(a->v[r * a->c + i] != 0) << i;
    return a->c;
}

TEST(test_save_bool_ae_nearest_centre_and_tables)
{
    char dir[256], npz[300];
    test_temp_dir(dir, sizeof dir, "save-boolae");
    static char out[1 << 14];
    int rc = run_save(dir, "bool-ae --widths 8,2,8 --examples 60 --test 30 --seed 3", npz, sizeof npz, out, sizeof out);
    CHECK(rc == 0 || rc == 1);
    fal_ctx *ctx = test_ctx();
    arr C = load(ctx, npz, "centres"), T1 = load(ctx, npz, "T1"), T2 = load(ctx, npz, "T2");
    arr x = load(ctx, npz, "x_train"), p = load(ctx, npz, "pred_train");
    arr xs = load(ctx, npz, "x_test"), ps = load(ctx, npz, "pred_test");
    CHECK(C.c == 8 && C.r >= 1 && C.r <= 4);
    CHECK(T1.r == 2 && T1.c == 256 && T2.r == 8 && T2.c == 4);
    CHECK(x.r == 60 && x.c == 8 && p.r == 60 && p.c == 8 && xs.r == 30 && ps.r == 30);
    if (C.v && T1.v && T2.v && x.v && p.v && xs.v && ps.v && C.c == 8 && x.c == 8 && T1.c == 256 && T2.c == 4) {
        for (int set = 0; set < 2; set++) {
            const arr *X = set ? &xs : &x, *P = set ? &ps : &p;
            uint64_t dist = 0;
            int same = 1, tables = 1;
            for (size_t r = 0; r < X->r; r++) {
                uint64_t xw, pw, best = 0;
                row_word(X, r, &xw);
                row_word(P, r, &pw);
                /* the nearest centre, the lowest index on ties */
                unsigned bd = 99;
                for (size_t c = 0; c < C.r; c++) {
                    uint64_t cw;
                    row_word(&C, c, &cw);
                    unsigned d = (unsigned)__builtin_popcountll(cw ^ xw);
                    if (d < bd) bd = d, best = cw;
                }
                same &= best == pw;
                dist += (uint64_t)__builtin_popcountll(xw ^ best);
                /* the truth tables: code = T1[.][x], output = T2[.][code] */
                unsigned code = 0;
                for (size_t j = 0; j < 2; j++) code |= (unsigned)(T1.v[j * 256 + xw] != 0) << j;
                uint64_t y = 0;
                for (size_t j = 0; j < 8; j++) y |= (uint64_t)(T2.v[j * 4 + code] != 0) << j;
                tables &= y == pw;
            }
            CHECK_MSG(same, "set %d: decoding to the nearest centre differs from pred", set);
            CHECK_MSG(tables, "set %d: the truth tables differ from pred", set);
            double err = (double)dist / ((double)X->r * 8);
            CHECK_NEAR(err, jnum(out, set ? "test_error" : "train_error"), 1e-15);
        }
    }
    free(C.v), free(T1.v), free(T2.v), free(x.v), free(p.v), free(xs.v), free(ps.v);
    test_remove_dir(dir);
}

/* Layer of threshold gates: W (width x M) on monomials S (M x p); sign units
 * read a bit b as 2b - 1. */
static uint64_t gates(const arr *W, const arr *S, int sign, uint64_t in)
{
    uint64_t y = 0;
    for (size_t j = 0; j < W->r; j++) {
        double P = 0;
        for (size_t t = 0; t < S->r; t++) {
            double m = 1;
            for (size_t i = 0; i < S->c; i++)
                if (S->v[t * S->c + i] != 0) m *= sign ? 2.0 * (double)((in >> i) & 1) - 1 : (double)((in >> i) & 1);
            P += W->v[j * W->c + t] * m;
        }
        y |= (uint64_t)(P > 0) << j;
    }
    return y;
}

TEST(test_save_threshold_ae_gates_reproduce_predictions)
{
    char dir[256], npz[300];
    test_temp_dir(dir, sizeof dir, "save-thrae");
    static char out[1 << 14];
    const char *units[] = { "sign", "heaviside" };
    for (int v = 0; v < 2; v++) {
        char args[256];
        snprintf(args, sizeof args, "threshold-ae --widths 6,2,6 --examples 40 --test 10 --seed 2 --units %s --degree %d",
                 units[v], v + 1);
        int rc = run_save(dir, args, npz, sizeof npz, out, sizeof out);
        CHECK_MSG(rc == 0 || rc == 1, "%s: exit %d", args, rc);
        fal_ctx *ctx = test_ctx();
        arr W1 = load(ctx, npz, "W1"), S1 = load(ctx, npz, "S1"), W2 = load(ctx, npz, "W2"), S2 = load(ctx, npz, "S2");
        arr x = load(ctx, npz, "x_train"), p = load(ctx, npz, "pred_train"), C = load(ctx, npz, "centres");
        size_t M1 = v == 0 ? 7 : 22, M2 = v == 0 ? 3 : 4; /* sum_{j <= d} C(p, j) */
        CHECK_MSG(W1.r == 2 && W1.c == M1 && S1.r == M1 && S1.c == 6, "%s: W1 %zux%zu S1 %zux%zu", args, W1.r, W1.c,
                  S1.r, S1.c);
        CHECK(W2.r == 6 && W2.c == M2 && S2.r == M2 && S2.c == 2);
        CHECK(x.r == 40 && p.r == 40 && C.c == 6);
        if (W1.v && S1.v && W2.v && S2.v && x.v && p.v && W1.c == S1.r && W2.c == S2.r && S1.c == 6 && S2.c == 2 &&
            x.c == 6) {
            int same = 1;
            uint64_t dist = 0;
            for (size_t r = 0; r < x.r; r++) {
                uint64_t xw, pw;
                row_word(&x, r, &xw);
                row_word(&p, r, &pw);
                uint64_t y = gates(&W2, &S2, v == 0, gates(&W1, &S1, v == 0, xw));
                same &= y == pw;
                dist += (uint64_t)__builtin_popcountll(y ^ xw);
            }
            CHECK_MSG(same, "%s: the gates differ from pred_train", args);
            CHECK_NEAR((double)dist / (40.0 * 6), jnum(out, "train_error"), 1e-15);
            /* S's first row is the bias: the empty monomial */
            double s0 = 0;
            for (size_t i = 0; i < 6; i++) s0 += S1.v[i];
            CHECK(s0 == 0);
        }
        free(W1.v), free(S1.v), free(W2.v), free(S2.v), free(x.v), free(p.v), free(C.v);
    }
    test_remove_dir(dir);
}

/* ---- bool (N3): the truth tables ------------------------------------------ */

TEST(test_save_bool_tables_reproduce_predictions)
{
    char dir[256], npz[300];
    test_temp_dir(dir, sizeof dir, "save-bool");
    static char out[1 << 14];
    int rc = run_save(dir, "bool --widths 4,5,3 --examples 10 --seed 1", npz, sizeof npz, out, sizeof out);
    CHECK(rc == 0);
    fal_ctx *ctx = test_ctx();
    arr T1 = load(ctx, npz, "T1"), T2 = load(ctx, npz, "T2");
    arr x = load(ctx, npz, "x_train"), t = load(ctx, npz, "t_train"), p = load(ctx, npz, "pred_train");
    arr xs = load(ctx, npz, "x_test"), ts = load(ctx, npz, "t_test"), ps = load(ctx, npz, "pred_test");
    CHECK(T1.r == 5 && T1.c == 16 && T2.r == 3 && T2.c == 32);
    CHECK(x.r == 10 && x.c == 4 && t.c == 3 && xs.r == 6 && ps.c == 3);
    if (T1.v && T2.v && x.v && t.v && p.v && xs.v && ts.v && ps.v && T1.c == 16 && T2.c == 32 && x.c == 4 &&
        xs.c == 4 && t.c == 3 && ps.c == 3) {
        int seen[16] = { 0 };
        for (int set = 0; set < 2; set++) {
            const arr *X = set ? &xs : &x, *Tg = set ? &ts : &t, *P = set ? &ps : &p;
            uint64_t wrong = 0;
            int same = 1;
            for (size_t r = 0; r < X->r; r++) {
                uint64_t xw, tw, pw, h = 0, y = 0;
                row_word(X, r, &xw);
                row_word(Tg, r, &tw);
                row_word(P, r, &pw);
                seen[xw]++;
                for (size_t j = 0; j < 5; j++) h |= (uint64_t)(T1.v[j * 16 + xw] != 0) << j;
                for (size_t j = 0; j < 3; j++) y |= (uint64_t)(T2.v[j * 32 + h] != 0) << j;
                same &= y == pw;
                wrong += (uint64_t)__builtin_popcountll(y ^ tw);
            }
            CHECK_MSG(same, "set %d: the truth tables differ from pred", set);
            CHECK_NEAR((double)wrong / ((double)X->r * 3), jnum(out, set ? "test_error" : "train_error"), 1e-15);
        }
        /* the teacher's test rows are every unseen input: the two sets cover H^4 once */
        int once = 1;
        for (int i = 0; i < 16; i++) once &= seen[i] == 1;
        CHECK(once);
    }
    free(T1.v), free(T2.v), free(x.v), free(t.v), free(p.v), free(xs.v), free(ts.v), free(ps.v);
    test_remove_dir(dir);
}

/* ---- the chains -------------------------------------------------------------- */

TEST(test_save_chains_compose_their_units)
{
    char dir[256], npz[300];
    test_temp_dir(dir, sizeof dir, "save-chain");
    static char out[1 << 14];
    fal_ctx *ctx = test_ctx();
    /* bool-chain: y = x XOR (XOR of the NOT bits) */
    int rc = run_save(dir, "bool-chain --depth 1000 --seed 5", npz, sizeof npz, out, sizeof out);
    CHECK(rc == 0);
    arr b = load(ctx, npz, "b"), x = load(ctx, npz, "x_test"), p = load(ctx, npz, "pred_test");
    CHECK(b.r == 1000 && b.c == 1 && x.r == 2 && p.r == 2);
    if (b.v && x.v && p.v && b.r == 1000 && x.r == 2 && p.r == 2) {
        int par = 0;
        double nots = 0;
        for (size_t i = 0; i < b.r; i++) par ^= b.v[i] != 0, nots += b.v[i];
        CHECK(nots == jnum(out, "not_units"));
        for (int r = 0; r < 2; r++) CHECK(p.v[r] == (double)((x.v[r] != 0) ^ par));
    }
    free(b.v), free(x.v), free(p.v);
    /* threshold-chain, sign units: y = x prod sign(w_i) */
    rc = run_save(dir, "threshold-chain --depth 777 --seed 6 --examples 3", npz, sizeof npz, out, sizeof out);
    CHECK(rc == 0);
    arr w = load(ctx, npz, "w");
    x = load(ctx, npz, "x_train");
    p = load(ctx, npz, "pred_train");
    arr t = load(ctx, npz, "t_train");
    CHECK(w.r == 777 && x.r == 3 && p.r == 3 && t.r == 3);
    if (w.v && x.v && p.v && t.v && w.r == 777 && x.r == 3) {
        double s = 1, neg = 0;
        for (size_t i = 0; i < w.r; i++) {
            CHECK(w.v[i] == 1 || w.v[i] == -1);
            s *= w.v[i];
            neg += w.v[i] < 0;
        }
        CHECK(neg == jnum(out, "negative_weights"));
        double wrong = 0;
        for (int r = 0; r < 3; r++) {
            CHECK(x.v[r] == 1 || x.v[r] == -1);
            CHECK(p.v[r] == x.v[r] * s);
            wrong += p.v[r] != t.v[r];
        }
        CHECK_NEAR(wrong / 3, jnum(out, "train_error"), 1e-15);
    }
    free(w.v), free(x.v), free(p.v), free(t.v);
    /* power-chain: the literal forward pass h_i = (w_i h_{i-1})^q, and P = prod w_i^(q^(L-i+1)) */
    rc = run_save(dir, "power-chain --depth 5 --power 3 --examples 3 --test 4 --seed 2", npz, sizeof npz, out,
                  sizeof out);
    CHECK(rc == 0);
    w = load(ctx, npz, "w");
    arr lw = load(ctx, npz, "ln_abs_w"), sw = load(ctx, npz, "sign_w");
    x = load(ctx, npz, "x_train");
    p = load(ctx, npz, "pred_train");
    t = load(ctx, npz, "t_train");
    CHECK(w.r == 5 && lw.r == 5 && sw.r == 5 && x.r == 3 && p.r == 3 && t.r == 3);
    if (w.v && lw.v && sw.v && x.v && p.v && t.v && w.r == 5 && x.r == 3) {
        double lnP = 0, sgn = 1;
        for (size_t i = 0; i < 5; i++) {
            CHECK(w.v[i] == sw.v[i] * exp(lw.v[i]));
            lnP += pow(3.0, (double)(5 - i)) * log(fabs(w.v[i]));
            sgn *= w.v[i] < 0 ? -1 : 1;
        }
        CHECK_MSG(relerr(sgn * exp(lnP), jnum(out, "product")) <= 1e-9, "prod w_i^(3^(6-i)) = %.17g, product %.17g",
                  sgn * exp(lnP), jnum(out, "product"));
        double sq = 0, st = 0, worst = 0;
        for (int r = 0; r < 3; r++) {
            double h = x.v[r];
            for (size_t i = 0; i < 5; i++) h = pow(w.v[i] * h, 3);
            worst = fmax(worst, relerr(h, p.v[r]));
            sq += (h - t.v[r]) * (h - t.v[r]);
            st += t.v[r] * t.v[r];
        }
        CHECK_MSG(worst <= 1e-9, "the forward pass differs from pred_train by %g relative", worst);
        CHECK_MSG(fabs(sq / st - jnum(out, "train_error")) <= 1e-12, "train error %.3g from w, reported %.3g", sq / st,
                  jnum(out, "train_error"));
    }
    free(w.v), free(lw.v), free(sw.v), free(x.v), free(p.v), free(t.v);
    test_remove_dir(dir);
}

/* ---- shallow: the fitted coefficients ---------------------------------------- */

TEST(test_save_shallow_min_norm_fit)
{
    char dir[256], npz[300];
    test_temp_dir(dir, sizeof dir, "save-shallow");
    static char out[1 << 14];
    int rc = run_save(dir, "shallow --features 20 --examples 12 --test 15 --seed 3", npz, sizeof npz, out, sizeof out);
    CHECK(rc == 0);
    fal_ctx *ctx = test_ctx();
    arr W = load(ctx, npz, "W1"), B = load(ctx, npz, "teacher");
    arr x = load(ctx, npz, "x_train"), t = load(ctx, npz, "t_train"), p = load(ctx, npz, "pred_train");
    arr xs = load(ctx, npz, "x_test"), ts = load(ctx, npz, "t_test");
    CHECK(W.r == 1 && W.c == 20 && B.c == 20 && x.r == 12 && x.c == 20 && xs.r == 15 && ts.r == 15);
    if (W.v && B.v && x.v && t.v && p.v && xs.v && ts.v && W.c == 20 && B.c == 20 && x.c == 20 && xs.c == 20) {
        double worst = 0, sq = 0, st = 0;
        for (size_t j = 0; j < 12; j++) {
            double y = 0, yt = 0;
            for (size_t i = 0; i < 20; i++) y += W.v[i] * x.v[j * 20 + i], yt += B.v[i] * x.v[j * 20 + i];
            worst = fmax(worst, fabs(y - p.v[j]) + fabs(yt - t.v[j]));
        }
        CHECK_MSG(worst <= 1e-12, "x beta_hat / x beta differ from pred_train / t_train by %g", worst);
        for (size_t j = 0; j < 15; j++) {
            double y = 0;
            for (size_t i = 0; i < 20; i++) y += W.v[i] * xs.v[j * 20 + i];
            sq += (y - ts.v[j]) * (y - ts.v[j]);
            st += ts.v[j] * ts.v[j];
        }
        CHECK_MSG(relerr(sq / st, jnum(out, "test_error")) <= 1e-9, "test error %.17g, reported %.17g", sq / st,
                  jnum(out, "test_error"));
        /* minimum norm: beta_hat lies in the span of the training rows
         * (Gram-Schmidt here; the residual of its projection vanishes) */
        double Q[12][20], r[20];
        memcpy(r, W.v, sizeof r);
        size_t nq = 0;
        for (size_t j = 0; j < 12; j++) {
            double q[20], nn = 0;
            memcpy(q, x.v + j * 20, sizeof q);
            for (size_t a = 0; a < nq; a++) {
                double d = 0;
                for (size_t i = 0; i < 20; i++) d += Q[a][i] * q[i];
                for (size_t i = 0; i < 20; i++) q[i] -= d * Q[a][i];
            }
            for (size_t i = 0; i < 20; i++) nn += q[i] * q[i];
            if (nn < 1e-20) continue;
            for (size_t i = 0; i < 20; i++) Q[nq][i] = q[i] / sqrt(nn);
            nq++;
        }
        double bn = 0, rn = 0;
        for (size_t a = 0; a < nq; a++) {
            double d = 0;
            for (size_t i = 0; i < 20; i++) d += Q[a][i] * r[i];
            for (size_t i = 0; i < 20; i++) r[i] -= d * Q[a][i];
        }
        for (size_t i = 0; i < 20; i++) bn += W.v[i] * W.v[i], rn += r[i] * r[i];
        CHECK_MSG(sqrt(rn) <= 1e-10 * sqrt(bn), "beta_hat leaves the training rows' span by %g", sqrt(rn / bn));
        /* and the population error is ||beta - beta_hat||^2 / ||beta||^2 */
        double dd = 0, bb = 0;
        for (size_t i = 0; i < 20; i++) dd += (B.v[i] - W.v[i]) * (B.v[i] - W.v[i]), bb += B.v[i] * B.v[i];
        CHECK(relerr(dd / bb, jnum(out, "population_test_error")) <= 1e-9);
    }
    free(W.v), free(B.v), free(x.v), free(t.v), free(p.v), free(xs.v), free(ts.v);
    test_remove_dir(dir);
}

/* ---- need --save writes the final run's archive --------------------------- */

TEST(test_save_need_final_run_bool_chain)
{
    char dir[256], npz[300], cmd[600];
    test_temp_dir(dir, sizeof dir, "save-need");
    snprintf(npz, sizeof npz, "%s/p.npz", dir);
    static char out[1 << 14];
    snprintf(cmd, sizeof cmd, "need bool-chain --depth 64 --eps 0.01 --save %s --json", npz);
    CHECK(test_cli(cmd, out, sizeof out) == 0);
    fal_ctx *ctx = test_ctx();
    arr b = load(ctx, npz, "b"), x = load(ctx, npz, "x_train");
    CHECK(b.r == 64);
    CHECK(x.r == (size_t)jnum(out, "k_needed"));
    free(b.v), free(x.v);
    test_remove_dir(dir);
}

/* ---- classes mlp --params ---------------------------------------------------- */

/* A(3, 4, 2) relu with biases: W1 = 0.3 (entries alternating in sign),
 * b1 = -1000 on the units in dead[], W2, b2 generic. */
static fal_params *mlp_point(fal_ctx *ctx, const int *dead)
{
    fal_params *p = NULL;
    if (fal_params_new(ctx, &p) != FAL_OK) return NULL;
    double W1[4 * 3], b1[4], W2[2 * 4], b2[2] = { 0.4, -0.7 };
    for (int i = 0; i < 12; i++) W1[i] = (i % 2 ? -0.3 : 0.3) * (1 + 0.1 * i);
    for (int i = 0; i < 4; i++) b1[i] = dead[i] ? -1000 : 0.05 * (i + 1);
    for (int i = 0; i < 8; i++) W2[i] = 0.5 - 0.13 * i;
    fal_params_add(p, "W1", FAL_DT_F8, 2, 4, 3, W1);
    fal_params_add(p, "b1", FAL_DT_F8, 1, 4, 0, b1);
    fal_params_add(p, "W2", FAL_DT_F8, 2, 2, 4, W2);
    fal_params_add(p, "b2", FAL_DT_F8, 1, 2, 0, b2);
    return p;
}

TEST(test_classes_mlp_at_given_params)
{
    fal_ctx *ctx = test_ctx();
    fal_arch *a = NULL;
    CHECK_OK(fal_arch_from_widths(ctx, (size_t[]){ 3, 4, 2 }, 3, &a));
    /* every hidden unit dead on every probe: the net is the constant b2,
     * the Jacobian's rank nL = 2; two dead: the live A(3, 2, 2), whose
     * symmetry bound (its w = 2 x 4 + 2 x 3 = 14 minus one rescaling per
     * hidden unit) is 12; none dead: A(3, 4, 2)'s 26 - 4 = 22 */
    static const int deads[3][4] = { { 1, 1, 1, 1 }, { 1, 1, 0, 0 }, { 0, 0, 0, 0 } };
    static const uint64_t want[3] = { 2, 12, 22 };
    for (int c = 0; c < 3 && a; c++) {
        fal_params *p = mlp_point(ctx, deads[c]);
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find("mlp");
        cfg.arch = a;
        cfg.at = p;
        fal_classes cl;
        CHECK_OK(fal_classes_compute(ctx, &cfg, &cl));
        CHECK_MSG(cl.function_dim == want[c], "case %d: function_dim %llu, want %llu", c,
                  (unsigned long long)cl.function_dim, (unsigned long long)want[c]);
        CHECK(cl.class_dim == 26 - want[c]);
        if (c == 0) CHECK(cl.nlayers == 1 && cl.dead[0] == 4);
        /* a missing bias, a wrong shape: refused */
        fal_params *q = NULL;
        CHECK_OK(fal_params_new(ctx, &q));
        const fal_array *w1 = fal_params_find(p, "W1"), *w2 = fal_params_find(p, "W2");
        fal_params_add(q, "W1", FAL_DT_F8, 2, 4, 3, w1->v);
        fal_params_add(q, "W2", FAL_DT_F8, 2, 2, 4, w2->v);
        cfg.at = q;
        CHECK(fal_classes_compute(ctx, &cfg, &cl) == FAL_EINVAL);
        CHECK(strstr(fal_ctx_message(ctx), "no array 'b1'") != NULL);
        fal_params_free(q);
        fal_params_free(p);
    }
    fal_arch_free(a);
}

/* The CLI: an archive of run --save, read back by classes --params. */
TEST(test_classes_mlp_params_cli)
{
    char dir[256], npz[300], cmd[700];
    test_temp_dir(dir, sizeof dir, "save-classes");
    static char out[1 << 14];
    fal_ctx *ctx = test_ctx();
    static const int dead[4] = { 1, 1, 1, 1 };
    fal_params *p = mlp_point(ctx, dead);
    snprintf(npz, sizeof npz, "%s/dead.npz", dir);
    CHECK_OK(fal_npz_write(ctx, npz, p));
    fal_params_free(p);
    snprintf(cmd, sizeof cmd, "classes mlp --widths 3,4,2 --params %s --json", npz);
    CHECK(test_cli(cmd, out, sizeof out) == 0);
    CHECK_MSG(jnum(out, "function_dim") == 2, "%s", out);
    /* a trained net's archive loads (W and b) and gives a rank within the bound */
    int rc = run_save(dir, "mlp --widths 3,4,2 --examples 20 --steps 50 --seed 1", npz, sizeof npz, out, sizeof out);
    CHECK(rc == 0 || rc == 1);
    snprintf(cmd, sizeof cmd, "classes mlp --widths 3,4,2 --params %s --json", npz);
    CHECK(test_cli(cmd, out, sizeof out) == 0);
    CHECK(jnum(out, "function_dim") >= 2 && jnum(out, "function_dim") <= 22);
    CHECK(strstr(out, "\"params_from\"") != NULL);
    /* with --bias off the archive's biases are refused */
    snprintf(cmd, sizeof cmd, "classes mlp --widths 3,4,2 --bias off --params %s --json", npz);
    CHECK(test_cli(cmd, out, sizeof out) == 2);
    test_remove_dir(dir);
}
