/* hamming_mip.c -- the optimal Hamming clustering as an integer program,
 * solved by GLPK (Debian's libglpk-dev), for bool-ae (N4) and threshold-ae
 * (N6).  doc/bool-ae.md has the formulation, why GLPK, and the timings.
 *
 * The model is the p-median problem over a list of K candidate centres
 * q_1..q_K in the radius form of Elloumi (2010): the distance from a point to
 * its nearest open centre is the number of radii r = 0, 1, ... that no open
 * centre reaches,
 *     d(x, S) = #{ r < dmax(x) : no q in S with d(x, q) <= r },
 * so with o_c = [q_c open] and z_ir = [no open centre within r of x_i]:
 *   minimise   sum_i wt_i sum_{r < dmax_i} z_ir
 *   subject to z_ir + sum_{c: d(x_i, q_c) <= r} o_c >= 1    (each i, r)
 *              sum_c o_c = min(C, K)
 *              o_c, z_ir in {0, 1}.
 * Its LP relaxation is as strong as the classical one with u K assignment
 * variables a_ic (Elloumi shows they are equal) but it has K + sum_i dmax_i
 * columns instead of K + u K: 128 + 30 x 7 = 338 instead of 3968 on a 30x7
 * table.  Because sum_c o_c is fixed, a row may equally be written over the
 * candidates outside the ball,
 *              z_ir - sum_{c: d(x_i, q_c) > r} o_c >= 1 - min(C, K),
 * and each row takes the shorter side (a ball of radius 6 in H^7 holds 127
 * of the 128 candidates: 1 coefficient instead of 127).  The z are declared
 * binary although they are integral at any integral o: every column is then
 * integer with an integer objective, and GLPK rounds a node's bound up to
 * the next integer, pruning a node whose LP bound is above the incumbent
 * minus one.  The heuristic's clustering (fal__ham_lloyd, optimal on ~98%
 * of random tables) is handed to GLPK as its first incumbent (glp_ios_heur_sol
 * in the callback), so the search only has to prove it or beat it.
 *
 * When the candidates are all of H^n the model is the clustering problem
 * itself (a cost-minimising group is always served best by some point of
 * H^n, its majority), and GLPK's proof of optimality is a proof for the
 * clustering; with fewer candidates it is the best choice among them only,
 * and the caller says so.  The search is GLPK's branch and cut, serial, with
 * a node cap (no clock): the same bytes on every machine.
 *
 * The library never prints: GLPK's terminal output is switched off for the
 * call (glp_term_out, per thread) and its messages (msg_lev).  A GLPK error
 * (which would abort) is turned into FAL_EINTERNAL through glp_error_hook and
 * a longjmp; glp_free_env then releases every GLPK object of the thread. */
#include <glpk.h>
#include <setjmp.h>
#include <string.h>
#include "hamming.h"

static inline unsigned hd(uint64_t a, uint64_t b) { return (unsigned)__builtin_popcountll(a ^ b); }

typedef struct mip_cb {
    uint64_t node_cap;
    int capped;
    const double *start; /* the incumbent to hand over, 1-based column values; NULL: none */
    int start_given;
} mip_cb;

static void mip_callback(glp_tree *T, void *info)
{
    mip_cb *cb = info;
    if (glp_ios_reason(T) == GLP_IHEUR && cb->start && !cb->start_given) {
        cb->start_given = 1;
        /* rejected only when GLPK already holds a solution as good */
        (void)glp_ios_heur_sol(T, cb->start);
    }
    int a, n, t;
    glp_ios_tree_size(T, &a, &n, &t);
    /* a deterministic cap: nodes created, not seconds */
    if ((uint64_t)t > cb->node_cap) {
        cb->capped = 1;
        glp_ios_terminate(T);
    }
}

static void mip_error(void *info)
{
    longjmp(*(jmp_buf *)info, 1);
}

/* An upper bound on what fal__ham_mip budgets when the K candidates are all
 * of H^n (so cells = u 2^n): the model has at most 3 cells + K nonzeros (per
 * point, sum_{r < n} (1 + min(|ball_r|, 2^n - |ball_r|)) <= 1.8 2^n for
 * n <= 20), plus GLPK's copy of it, which our allocator does not see:
 * counted as 200 bytes per nonzero (an estimate for its rows, columns, LP
 * factorisation and search tree, not a measurement of its peak). */
size_t fal__ham_mip_bytes(size_t cells, size_t K, size_t C)
{
    size_t nnz = 3 * cells + K, ncol = K + cells;
    return (nnz + 1) * (2 * sizeof(int) + sizeof(double)) + C * sizeof(uint64_t) + (ncol + 1) * sizeof(double) +
           nnz * 200;
}

size_t fal__ham_mip_cells(const fal__ham_set *s, size_t K)
{
    if (K && s->u > SIZE_MAX / K) return SIZE_MAX;
    return s->u * K;
}

/* hist[d] = how many of the K candidates lie at distance d from point p;
 * returns the largest such d (the point's farthest candidate). */
static unsigned dist_hist(uint64_t p, const uint64_t *cand, size_t K, size_t hist[65])
{
    memset(hist, 0, 65 * sizeof hist[0]);
    unsigned dmax = 0;
    for (size_t c = 0; c < K; c++) {
        unsigned d = hd(p, cand[c]);
        hist[d]++;
        if (d > dmax) dmax = d;
    }
    return dmax;
}

fal_status fal__ham_mip(fal_ctx *ctx, const fal__ham_set *s, size_t C, const uint64_t *cand, size_t K,
                        const uint64_t *start, size_t nstart, uint64_t node_cap, uint64_t maxit,
                        fal__ham_clust *out, int *proved)
{
    memset(out, 0, sizeof *out);
    *proved = 0;
    size_t u = s->u;
    unsigned n = s->n;
    if (u <= C || K == 0 || K > INT32_MAX / 4 || n > 64)
        return fal__fail(ctx, FAL_EINTERNAL, "integer program called with %zu candidates for %zu points into %zu", K,
                         u, C);
    size_t cells = fal__ham_mip_cells(s, K);
    if (cells > FAL__HAM_MIP_CELLS)
        return fal__fail(ctx, FAL_EINVAL, "the integer program has %zu x %zu = %zu (point, centre) pairs; the limit is %d",
                         u, K, cells, FAL__HAM_MIP_CELLS);
    size_t Ce = C < K ? C : K; /* centres opened: more never cost more */
    /* per point: dmax (its farthest candidate) and the candidates at each
     * distance, for the ball sizes; then the size of the model */
    size_t ncol = K, nrow = 1, nnz = K;
    size_t hist[65];
    for (size_t i = 0; i < u; i++) {
        unsigned dmax = dist_hist(s->pt[i], cand, K, hist);
        size_t b = 0;
        for (unsigned r = 0; r < dmax; r++) {
            b += hist[r];
            nnz += 1 + (b < K - b ? b : K - b);
        }
        ncol += dmax;
        nrow += dmax;
    }
    if (ncol > INT32_MAX / 2 || nnz > INT32_MAX / 2)
        return fal__fail(ctx, FAL_EINVAL, "the integer program would have %zu nonzeros", nnz);
    size_t bytes = (nnz + 1) * (2 * sizeof(int) + sizeof(double)) + C * sizeof(uint64_t) +
                   (ncol + 1) * sizeof(double) + nnz * 200;
    fal_status st = fal__budget(ctx, bytes, "integer program");
    if (st != FAL_OK) return st;
    int *ia = fal__alloc(ctx, (nnz + 1) * sizeof(int), "integer program rows");
    int *ja = ia ? fal__alloc(ctx, (nnz + 1) * sizeof(int), "integer program columns") : NULL;
    double *ar = ja ? fal__alloc(ctx, (nnz + 1) * sizeof(double), "integer program values") : NULL;
    uint64_t *open = ar ? fal__alloc(ctx, C * sizeof(uint64_t), "integer program centres") : NULL;
    double *x0 = open ? fal__alloc(ctx, (ncol + 1) * sizeof(double), "integer program start") : NULL;
    if (!x0) {
        st = FAL_ENOMEM;
        goto done;
    }
    /* columns: o_c = c + 1, then z_ir in point-major order; rows: (i, r) in
     * the same order, then the cardinality row nrow */
    jmp_buf jb;
    glp_prob *volatile P = NULL;
    int old_term = glp_term_out(GLP_OFF);
    if (setjmp(jb)) {
        glp_error_hook(NULL, NULL);
        glp_free_env(); /* frees P with everything GLPK held in this thread */
        glp_term_out(old_term);
        st = fal__fail(ctx, FAL_EINTERNAL, "GLPK failed on the clustering's integer program");
        goto done;
    }
    glp_error_hook(mip_error, &jb);
    P = glp_create_prob();
    glp_set_obj_dir(P, GLP_MIN);
    glp_add_rows(P, (int)nrow);
    glp_add_cols(P, (int)ncol);
    for (size_t c = 0; c < K; c++) glp_set_col_kind(P, (int)c + 1, GLP_BV);
    size_t q = 0, col = K, row = 0;
    for (size_t i = 0; i < u; i++) {
        unsigned dmax = dist_hist(s->pt[i], cand, K, hist);
        size_t b = 0;
        for (unsigned r = 0; r < dmax; r++) {
            b += hist[r];
            col++, row++;
            glp_set_col_kind(P, (int)col, GLP_BV);
            glp_set_obj_coef(P, (int)col, (double)s->wt[i]);
            ia[++q] = (int)row, ja[q] = (int)col, ar[q] = 1;
            int inside = b <= K - b; /* write the row over the ball, or over its complement */
            for (size_t c = 0; c < K; c++)
                if ((hd(s->pt[i], cand[c]) <= r) == inside) ia[++q] = (int)row, ja[q] = (int)c + 1, ar[q] = inside ? 1 : -1;
            glp_set_row_bnds(P, (int)row, GLP_LO, inside ? 1.0 : 1.0 - (double)Ce, 0);
        }
    }
    for (size_t c = 0; c < K; c++) ia[++q] = (int)nrow, ja[q] = (int)c + 1, ar[q] = 1;
    glp_set_row_bnds(P, (int)nrow, GLP_FX, (double)Ce, (double)Ce);
    glp_load_matrix(P, (int)nnz, ia, ja, ar);
    /* the start: the given centres that are candidates (once each), then the
     * lowest other candidates up to Ce; z_ir = [d(x_i, S) > r] */
    int have_start = start && nstart > 0;
    if (have_start) {
        memset(x0, 0, (ncol + 1) * sizeof(double));
        size_t nopen = 0;
        for (size_t j = 0; j < nstart && nopen < Ce; j++)
            for (size_t c = 0; c < K; c++)
                if (cand[c] == start[j] && x0[c + 1] == 0) {
                    x0[c + 1] = 1, open[nopen++] = cand[c];
                    break;
                }
        for (size_t c = 0; c < K && nopen < Ce; c++)
            if (x0[c + 1] == 0) x0[c + 1] = 1, open[nopen++] = cand[c];
        col = K;
        for (size_t i = 0; i < u; i++) {
            unsigned dmax = 0, ds = 64;
            for (size_t c = 0; c < K; c++) {
                unsigned d = hd(s->pt[i], cand[c]);
                if (d > dmax) dmax = d;
            }
            for (size_t j = 0; j < nopen; j++) {
                unsigned d = hd(s->pt[i], open[j]);
                if (d < ds) ds = d;
            }
            for (unsigned r = 0; r < dmax; r++) x0[++col] = ds > r ? 1 : 0;
        }
    }
    glp_smcp sp;
    glp_init_smcp(&sp);
    sp.msg_lev = GLP_MSG_OFF;
    mip_cb cb = { .node_cap = node_cap, .start = have_start ? x0 : NULL };
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    /* no MIP presolve: the callback's incumbent must be in this model's
     * columns, so the LP relaxation is solved here first */
    parm.presolve = GLP_OFF;
    parm.cb_func = mip_callback;
    parm.cb_info = &cb;
    int rc = glp_simplex(P, &sp);
    if (rc == 0 && glp_get_status(P) == GLP_OPT) rc = glp_intopt(P, &parm);
    else if (rc == 0) rc = GLP_EFAIL;
    int status = glp_mip_status(P);
    size_t nopen = 0;
    if (rc == 0 || rc == GLP_ESTOP)
        if (status == GLP_OPT || status == GLP_FEAS)
            for (size_t c = 0; c < K && nopen < C; c++)
                if (glp_mip_col_val(P, (int)c + 1) > 0.5) open[nopen++] = cand[c];
    double obj = glp_mip_obj_val(P);
    glp_delete_prob(P);
    glp_error_hook(NULL, NULL);
    glp_term_out(old_term);
    if (rc != 0 && rc != GLP_ESTOP) {
        st = fal__fail(ctx, FAL_EINTERNAL, "GLPK: glp_simplex/glp_intopt returned %d", rc);
        goto done;
    }
    if (nopen == 0) goto done; /* capped before any solution, and no start was given */
    *proved = rc == 0 && status == GLP_OPT && !cb.capped;
    int fixed;
    st = fal__ham_polish(ctx, s, C, open, nopen, maxit, out, &fixed);
    if (st != FAL_OK) goto done;
    /* the polish only lowers the cost, and below a proved optimum over all of
     * H^n it cannot (over fewer candidates it can: a group's majority need
     * not be one of them) */
    int complete = n < 32 && K == (size_t)1 << n;
    for (size_t c = 0; c < K && complete; c++) complete = cand[c] == c;
    if ((double)out->cost > obj + 0.5 || (*proved && complete && (double)out->cost < obj - 0.5)) {
        st = fal__fail(ctx, FAL_EINTERNAL, "integer program: objective %.1f, its clustering costs %llu", obj,
                       (unsigned long long)out->cost);
        fal__ham_clust_free(ctx, out);
    }
done:
    fal__free(ctx, ia, (nnz + 1) * sizeof(int));
    fal__free(ctx, ja, (nnz + 1) * sizeof(int));
    fal__free(ctx, ar, (nnz + 1) * sizeof(double));
    fal__free(ctx, open, C * sizeof(uint64_t));
    fal__free(ctx, x0, (ncol + 1) * sizeof(double));
    return st;
}
