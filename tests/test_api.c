/* test_api.c -- the C API for callers with data in memory: the ABI check
 * at context creation, fal_table_wrap (borrowed or copied, every layout
 * against an element-by-element reading of the caller's array), the JSON
 * writer's length protocol, and fal_number_parse's rule. */
#include <complex.h>
#include <string.h>
#include "test.h"

TEST(test_api_abi_check_at_context_creation)
{
    fal_ctx *ctx = NULL;
    CHECK_OK(fal_ctx_new(&ctx, NULL)); /* the macro: this file's sizes */
    fal_ctx_free(ctx);
    CHECK(strcmp(fal_version(), FAL_VERSION) == 0);
    const fal_abi *lib = fal_abi_library();
    CHECK(lib->config == sizeof(fal_config) && lib->result == sizeof(fal_result) && lib->abi == sizeof(fal_abi));
    /* a caller built with another fal_config: refused, the struct named */
    fal_abi other = *FAL_ABI_HERE;
    other.config += 8;
    ctx = NULL;
    CHECK(fal_ctx_new_abi(&ctx, NULL, &other) == FAL_EINVAL);
    CHECK(ctx != NULL);
    char want[256];
    snprintf(want, sizeof want, "sizeof(fal_config) = %zu, libfallacy %s has %zu", sizeof(fal_config) + 8,
             FAL_VERSION, sizeof(fal_config));
    CHECK_MSG(strstr(fal_ctx_message(ctx), want) != NULL, "%s", fal_ctx_message(ctx));
    fal_ctx_free(ctx);
    other = *FAL_ABI_HERE;
    other.result -= 8;
    CHECK(fal_ctx_new_abi(&ctx, NULL, &other) == FAL_EINVAL);
    CHECK(strstr(fal_ctx_message(ctx), "sizeof(fal_result)") != NULL);
    fal_ctx_free(ctx);
    other = *FAL_ABI_HERE;
    other.version = FAL_ABI_VERSION + 1;
    CHECK(fal_ctx_new_abi(&ctx, NULL, &other) == FAL_EINVAL);
    CHECK(strstr(fal_ctx_message(ctx), "ABI 2") != NULL);
    fal_ctx_free(ctx);
    CHECK(fal_ctx_new_abi(&ctx, NULL, NULL) == FAL_EINVAL);
    fal_ctx_free(ctx);
}

/* The table's value (i, j) against the caller's element (real part, imag). */
static int table_matches(const fal_table *t, const double *expect_re, const double *expect_im, size_t rows,
                         size_t cols)
{
    const double *v = fal_table_cdata(t);
    int complex_ = fal_table_field(t) == FAL_COMPLEX;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            size_t k = i * cols + j;
            if (complex_ ? (v[2 * k] != expect_re[k] || v[2 * k + 1] != expect_im[k]) : v[k] != expect_re[k])
                return 0;
        }
    return 1;
}

TEST(test_api_table_wrap_layouts)
{
    fal_ctx *ctx = test_ctx();
    enum { R = 5, C = 3 };
    double c_order[R][C], f_order[C][R], expect[R * C], big[2 * R][2 * C];
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++) {
            double v = (double)(10 * i + j) + 0.5;
            c_order[i][j] = v;
            f_order[j][i] = v;
            big[2 * i][2 * j] = v;
            big[2 * i][2 * j + 1] = -1;
            big[2 * i + 1][2 * j] = -1;
            expect[i * C + j] = v;
        }
    fal_table *t = NULL;
    int borrowed = -1;
    /* row-major contiguous: borrowed, the very same memory */
    CHECK_OK(fal_table_wrap(ctx, c_order, R, C, (ptrdiff_t)sizeof c_order[0], sizeof(double), FAL_REAL, &t, &borrowed));
    CHECK(borrowed == 1 && fal_table_cdata(t) == &c_order[0][0] && fal_table_rows(t) == R && fal_table_cols(t) == C);
    fal_table_free(t);
    CHECK(fal_ctx_mem_in_use(ctx) == 0);
    /* Fortran order: copied, same values */
    CHECK_OK(fal_table_wrap(ctx, f_order, R, C, sizeof(double), (ptrdiff_t)sizeof f_order[0], FAL_REAL, &t, &borrowed));
    CHECK(borrowed == 0 && table_matches(t, expect, NULL, R, C));
    fal_table_free(t);
    /* every other row and column of a larger array */
    CHECK_OK(fal_table_wrap(ctx, big, R, C, 2 * (ptrdiff_t)sizeof big[0], 2 * sizeof(double), FAL_REAL, &t, &borrowed));
    CHECK(borrowed == 0 && table_matches(t, expect, NULL, R, C));
    fal_table_free(t);
    /* rows reversed: a negative stride from the last row */
    double rev[R * C];
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++) rev[i * C + j] = expect[(R - 1 - i) * C + j];
    CHECK_OK(fal_table_wrap(ctx, &c_order[R - 1][0], R, C, -(ptrdiff_t)sizeof c_order[0], sizeof(double), FAL_REAL,
                            &t, &borrowed));
    CHECK(borrowed == 0 && table_matches(t, rev, NULL, R, C));
    fal_table_free(t);
    /* complex, C order: borrowed */
    double complex z[R][C];
    double re[R * C], im[R * C];
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++) {
            re[i * C + j] = (double)i;
            im[i * C + j] = -(double)j - 0.25;
            z[i][j] = re[i * C + j] + im[i * C + j] * I;
        }
    CHECK_OK(fal_table_wrap(ctx, z, R, C, (ptrdiff_t)sizeof z[0], sizeof(double complex), FAL_COMPLEX, &t, &borrowed));
    CHECK(borrowed == 1 && fal_table_field(t) == FAL_COMPLEX && table_matches(t, re, im, R, C));
    fal_table_free(t);
    /* refused: empty shapes, NaN, Inf in an imaginary part */
    CHECK(fal_table_wrap(ctx, c_order, 0, C, 0, 8, FAL_REAL, &t, NULL) == FAL_EINVAL && t == NULL);
    CHECK(strstr(fal_ctx_message(ctx), "shape (0, 3)") != NULL);
    c_order[2][1] = NAN;
    CHECK(fal_table_wrap(ctx, c_order, R, C, (ptrdiff_t)sizeof c_order[0], sizeof(double), FAL_REAL, &t, NULL) ==
          FAL_EFORMAT);
    CHECK_MSG(strstr(fal_ctx_message(ctx), "row 3, column 2 (index [2, 1]) is NaN") != NULL, "%s",
              fal_ctx_message(ctx));
    ((double *)&z[4][2])[1] = INFINITY; /* C arithmetic 1 + INFINITY * I would make the real part NaN */
    CHECK(fal_table_wrap(ctx, z, R, C, (ptrdiff_t)sizeof z[0], sizeof(double complex), FAL_COMPLEX, &t, NULL) ==
          FAL_EFORMAT);
    CHECK(strstr(fal_ctx_message(ctx), "the imaginary part of row 5, column 3") != NULL);
    CHECK(fal_ctx_mem_in_use(ctx) == 0);
}

/* A run on a wrapped array gives the bytes of a run on a table filled by
 * fal_table_new (the file readers' path). */
TEST(test_api_run_on_wrapped_data_equals_a_filled_table)
{
    fal_ctx *ctx = test_ctx();
    enum { R = 30, C = 8 };
    double x[R][C];
    fal_rng rng;
    fal_rng_seed(&rng, 5);
    for (size_t i = 0; i < R; i++)
        for (size_t j = 0; j < C; j++) x[i][j] = fal_rng_normal(&rng);
    fal_table *wrapped = NULL, *filled = NULL;
    CHECK_OK(fal_table_wrap(ctx, x, R, C, (ptrdiff_t)sizeof x[0], sizeof(double), FAL_REAL, &wrapped, NULL));
    CHECK_OK(fal_table_new(ctx, R, C, FAL_REAL, &filled));
    memcpy(fal_table_data(filled), x, sizeof x);
    fal_arch *arch = NULL;
    CHECK_OK(fal_arch_parse(ctx, "8,2,8", &arch));
    char json[2][4096];
    for (int w = 0; w < 2; w++) {
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find("linear-ae");
        cfg.arch = arch;
        cfg.data = w ? wrapped : filled;
        cfg.examples = 20;
        cfg.examples_set = 1;
        fal_result res;
        CHECK_OK(fal_run(ctx, &cfg, &res));
        res.seconds = 0;
        size_t len = 0;
        CHECK(fal_result_json(ctx, &res, NULL, 0, &len) == FAL_ERANGE && len > 100);
        CHECK(fal_result_json(ctx, &res, json[w], 10, NULL) == FAL_ERANGE && json[w][0] == '\0');
        CHECK_OK(fal_result_json(ctx, &res, json[w], sizeof json[w], NULL));
        CHECK(strlen(json[w]) == len && json[w][0] == '{' && json[w][len - 1] == '}');
        fal_result_clear(&res);
    }
    CHECK_MSG(strcmp(json[0], json[1]) == 0, "%s\n%s", json[0], json[1]);
    fal_arch_free(arch);
    fal_table_free(wrapped);
    fal_table_free(filled);
}

TEST(test_api_number_rule)
{
    static const struct {
        const char *s;
        fal_number want;
        double v;
    } cases[] = {
        { "0.5", FAL_NUMBER_OK, 0.5 },        { "-2e3", FAL_NUMBER_OK, -2000 },   { "+.25", FAL_NUMBER_OK, 0.25 },
        { "1e-320", FAL_NUMBER_OK, 1e-320 },  { "", FAL_NUMBER_EMPTY, 0 },       { "0x10", FAL_NUMBER_HEX, 0 },
        { "-0X1p3", FAL_NUMBER_HEX, 0 },      { "nan", FAL_NUMBER_NONFINITE, 0 }, { "-Inf", FAL_NUMBER_NONFINITE, 0 },
        { "infinity", FAL_NUMBER_NONFINITE, 0 }, { "1e999", FAL_NUMBER_OVERFLOW, 0 }, { " 1", FAL_NUMBER_SYNTAX, 0 },
        { "1 ", FAL_NUMBER_SYNTAX, 0 },       { "1e", FAL_NUMBER_SYNTAX, 0 },    { "1.2.3", FAL_NUMBER_SYNTAX, 0 },
        { "1_0", FAL_NUMBER_SYNTAX, 0 },      { "--1", FAL_NUMBER_SYNTAX, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = -7;
        fal_number r = fal_number_parse(cases[i].s, &v);
        CHECK_MSG(r == cases[i].want, "'%s': %d, expected %d", cases[i].s, (int)r, (int)cases[i].want);
        if (r == FAL_NUMBER_OK) CHECK_MSG(v == cases[i].v, "'%s' read as %.17g", cases[i].s, v);
        else CHECK_MSG(v == -7, "'%s': the output written on failure", cases[i].s);
    }
}
