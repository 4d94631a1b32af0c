/* fallacy/table.h -- numeric tables: one example per row.
 *
 * A table is what --data FILE loads: rows x cols values, real (double) or
 * complex (pairs of doubles, real part first), row-major.  Readers are
 * strict: NaN/Inf, ragged rows, malformed headers and unsupported dtypes are
 * refused with FAL_EFORMAT and a message naming the file and the line, field
 * or key. */
#ifndef FALLACY_TABLE_H
#define FALLACY_TABLE_H

#include <stddef.h>
#include "status.h"

typedef enum fal_field { FAL_REAL = 0, FAL_COMPLEX = 1 } fal_field;

typedef struct fal_table fal_table;

/* A new zero-filled table.  rows and cols may be 0. */
fal_status fal_table_new(fal_ctx *ctx, size_t rows, size_t cols, fal_field field, fal_table **out);
void fal_table_free(fal_table *t);

size_t fal_table_rows(const fal_table *t);
size_t fal_table_cols(const fal_table *t);
fal_field fal_table_field(const fal_table *t);
/* The values, row-major; complex tables hold 2 doubles per value.  Borrowed:
 * valid until fal_table_free. */
double *fal_table_data(fal_table *t);
const double *fal_table_cdata(const fal_table *t);

/* Load a table from FILE.  The format is chosen by the name: ".npy" is NumPy
 * (v1/v2/v3, little-endian float64, float32 or complex128, C order, one or
 * two dimensions); anything else is CSV (comma-separated numbers, an
 * optional header line of non-numbers, '#' comments, CRLF accepted; complex
 * values cannot come from CSV).  *out receives the table. */
fal_status fal_table_load(fal_ctx *ctx, const char *path, fal_table **out);
fal_status fal_table_load_csv(fal_ctx *ctx, const char *path, fal_table **out);
fal_status fal_table_load_npy(fal_ctx *ctx, const char *path, fal_table **out);

/* A table over the caller's array, for data already in memory (NumPy, a
 * C array): rows x cols values of `field` (FAL_REAL: doubles; FAL_COMPLEX:
 * pairs of doubles, real part first, as C's double complex), the value at
 * (i, j) at byte offset i * row_stride + j * col_stride from base (strides
 * in bytes, as NumPy's, negative allowed).  When the layout is the
 * library's own (row-major, contiguous: col_stride = the value's size,
 * row_stride = cols times it, base aligned for double) the table borrows
 * the array without copying: it must stay alive and unchanged until
 * fal_table_free, and the library never writes into it.  Any other layout
 * (a Fortran-ordered or strided view) is copied.  Refused: rows or cols 0
 * (FAL_EINVAL, the shape in the message), NaN or Inf (FAL_EFORMAT, the
 * index named), sizes that overflow (FAL_ENOMEM).  *borrowed (may be NULL)
 * tells which it did. */
fal_status fal_table_wrap(fal_ctx *ctx, const void *base, size_t rows, size_t cols, ptrdiff_t row_stride,
                          ptrdiff_t col_stride, fal_field field, fal_table **out, int *borrowed);

/* The one rule for a number written as text, in a CSV field and on the
 * command line alike: decimal digits, a point, an exponent and signs only
 * (no spaces, no hexadecimal, no NaN or Inf), consumed whole by strtod, and
 * finite (a subnormal such as 1e-320 is accepted; 1e999 overflows).  s is
 * NUL-terminated; *out is written only on FAL_NUMBER_OK. */
typedef enum fal_number {
    FAL_NUMBER_OK = 0,
    FAL_NUMBER_EMPTY,     /* "" */
    FAL_NUMBER_HEX,       /* "0x10", "-0X1p3" */
    FAL_NUMBER_NONFINITE, /* "nan", "-Inf", "infinity" */
    FAL_NUMBER_SYNTAX,    /* anything else that is not a decimal number */
    FAL_NUMBER_OVERFLOW   /* "1e999" */
} fal_number;
fal_number fal_number_parse(const char *s, double *out);

#endif
