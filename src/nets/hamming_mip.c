/* hamming_mip.c -- the optimal Hamming clustering as an integer program,
 * solved by GLPK (Debian's libglpk-dev), for bool-ae (N4) and threshold-ae
 * (N6).  doc/bool-ae.md has the formulation and why GLPK.
 *
 * The model is the k-median (facility location) form over a list of K
 * candidate centres q_1..q_K:
 *   minimise   sum_i sum_c wt_i d(x_i, q_c) a_ic
 *   subject to sum_c a_ic = 1           (every distinct point is served)
 *              a_ic <= o_c               (only by an open centre)
 *              sum_c o_c <= C            (at most 2^m codes)
 *              o_c in {0, 1}, a_ic in [0, 1].
 * With the o fixed, the best a puts each point on its nearest open centre,
 * integral, so only the o need to be integers.  When the candidates are all
 * of H^n the model is the problem itself (a cost-minimising group is always
 * served best by some point of H^n, its majority), and GLPK's proof of
 * optimality is a proof for the clustering; with fewer candidates it is the
 * best choice among them only, and the caller says so.
 *
 * The library never prints: GLPK's terminal output is switched off for the
 * call (glp_term_out, per thread) and its messages (msg_lev).  A GLPK error
 * (which would abort) is turned into FAL_EINTERNAL through glp_error_hook and
 * a longjmp; glp_free_env then releases every GLPK object of the thread. */
#include <glpk.h>
#include <setjmp.h>
#include <string.h>
#include "hamming.h"

typedef struct mip_cb {
    uint64_t node_cap;
    int capped;
} mip_cb;

static void mip_callback(glp_tree *T, void *info)
{
    mip_cb *cb = info;
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

/* Our arrays, plus GLPK's copy of the model, which our allocator does not
 * see: counted as 200 bytes per nonzero (an estimate for its rows, columns,
 * LP factorisation and search tree, not a measurement of its peak). */
size_t fal__ham_mip_bytes(size_t cells, size_t K, size_t C)
{
    size_t nnz = 3 * cells + K;
    return (nnz + 1) * (2 * sizeof(int) + sizeof(double)) + C * sizeof(uint64_t) + nnz * 200;
}

size_t fal__ham_mip_cells(const fal__ham_set *s, size_t K)
{
    if (K && s->u > SIZE_MAX / K) return SIZE_MAX;
    return s->u * K;
}

fal_status fal__ham_mip(fal_ctx *ctx, const fal__ham_set *s, size_t C, const uint64_t *cand, size_t K,
                        uint64_t node_cap, uint64_t maxit,
                        fal__ham_clust *out, int *proved)
{
    memset(out, 0, sizeof *out);
    *proved = 0;
    size_t u = s->u;
    if (u <= C || K == 0 || K > INT32_MAX / 4)
        return fal__fail(ctx, FAL_EINTERNAL, "integer program called with %zu candidates for %zu points into %zu", K,
                         u, C);
    size_t cells = fal__ham_mip_cells(s, K);
    if (cells > FAL__HAM_MIP_CELLS)
        return fal__fail(ctx, FAL_EINVAL, "the integer program has %zu x %zu = %zu assignment variables; the limit is %d",
                         u, K, cells, FAL__HAM_MIP_CELLS);
    size_t ncol = K + cells, nrow = u + cells + 1, nnz = 3 * cells + K;
    fal_status st = fal__budget(ctx, fal__ham_mip_bytes(cells, K, C), "integer program");
    if (st != FAL_OK) return st;
    int *ia = fal__alloc(ctx, (nnz + 1) * sizeof(int), "integer program rows");
    int *ja = ia ? fal__alloc(ctx, (nnz + 1) * sizeof(int), "integer program columns") : NULL;
    double *ar = ja ? fal__alloc(ctx, (nnz + 1) * sizeof(double), "integer program values") : NULL;
    uint64_t *open = ar ? fal__alloc(ctx, C * sizeof(uint64_t), "integer program centres") : NULL;
    if (!open) {
        st = FAL_ENOMEM;
        goto done;
    }
    /* columns: o_c = c + 1, a_ic = K + i K + c + 1; rows: assignment i + 1,
     * link u + i K + c + 1, cardinality nrow */
    size_t q = 0;
    for (size_t i = 0; i < u; i++)
        for (size_t c = 0; c < K; c++) {
            int col = (int)(K + i * K + c + 1), link = (int)(u + i * K + c + 1);
            ia[++q] = (int)i + 1, ja[q] = col, ar[q] = 1;
            ia[++q] = link, ja[q] = col, ar[q] = 1;
            ia[++q] = link, ja[q] = (int)c + 1, ar[q] = -1;
        }
    for (size_t c = 0; c < K; c++) ia[++q] = (int)nrow, ja[q] = (int)c + 1, ar[q] = 1;
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
    for (size_t i = 0; i < u; i++) glp_set_row_bnds(P, (int)i + 1, GLP_FX, 1, 1);
    for (size_t r = u + 1; r < nrow; r++) glp_set_row_bnds(P, (int)r, GLP_UP, 0, 0);
    glp_set_row_bnds(P, (int)nrow, GLP_UP, 0, (double)C);
    for (size_t c = 0; c < K; c++) glp_set_col_kind(P, (int)c + 1, GLP_BV);
    for (size_t i = 0; i < u; i++)
        for (size_t c = 0; c < K; c++) {
            int col = (int)(K + i * K + c + 1);
            glp_set_col_bnds(P, col, GLP_DB, 0, 1);
            glp_set_obj_coef(P, col, (double)s->wt[i] * (double)__builtin_popcountll(s->pt[i] ^ cand[c]));
        }
    glp_load_matrix(P, (int)nnz, ia, ja, ar);
    mip_cb cb = { .node_cap = node_cap };
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_ON;
    parm.cb_func = mip_callback;
    parm.cb_info = &cb;
    int rc = glp_intopt(P, &parm);
    int status = glp_mip_status(P);
    size_t nopen = 0;
    if (status == GLP_OPT || status == GLP_FEAS)
        for (size_t c = 0; c < K && nopen < C; c++)
            if (glp_mip_col_val(P, (int)c + 1) > 0.5) open[nopen++] = cand[c];
    double obj = glp_mip_obj_val(P);
    glp_delete_prob(P);
    glp_error_hook(NULL, NULL);
    glp_term_out(old_term);
    if (nopen == 0) {
        /* capped before any solution, and no start was given */
        st = rc == 0 || rc == GLP_ESTOP ? FAL_OK : fal__fail(ctx, FAL_EINTERNAL, "GLPK: glp_intopt returned %d", rc);
        goto done;
    }
    if (rc != 0 && rc != GLP_ESTOP) {
        st = fal__fail(ctx, FAL_EINTERNAL, "GLPK: glp_intopt returned %d", rc);
        goto done;
    }
    *proved = rc == 0 && status == GLP_OPT && !cb.capped;
    int fixed;
    st = fal__ham_polish(ctx, s, C, open, nopen, maxit, out, &fixed);
    if (st != FAL_OK) goto done;
    /* the polish only lowers the cost, and below a proved optimum it cannot */
    if ((double)out->cost > obj + 0.5 || (*proved && (double)out->cost < obj - 0.5)) {
        st = fal__fail(ctx, FAL_EINTERNAL, "integer program: objective %.1f, its clustering costs %llu", obj,
                       (unsigned long long)out->cost);
        fal__ham_clust_free(ctx, out);
    }
done:
    fal__free(ctx, ia, (nnz + 1) * sizeof(int));
    fal__free(ctx, ja, (nnz + 1) * sizeof(int));
    fal__free(ctx, ar, (nnz + 1) * sizeof(double));
    fal__free(ctx, open, C * sizeof(uint64_t));
    return st;
}
