/* sbuf.h -- a growable byte string allocated through a context: keys and
 * JSON in the store, SVG, CSV and HTML in the report.
 *
 * Errors are sticky: after a failed allocation every append is a no-op and
 * fal__sb_status() returns FAL_ENOMEM (the context holds the message), so a
 * writer appends freely and checks once at the end. */
#ifndef FALLACY_SBUF_H
#define FALLACY_SBUF_H

#include <stddef.h>
#include "internal.h"

typedef struct fal__sb {
    fal_ctx *ctx;
    char *p;        /* NUL-terminated while cap > 0 */
    size_t len, cap;
    fal_status st;
} fal__sb;

void fal__sb_init(fal__sb *b, fal_ctx *ctx);
/* Release the bytes (p becomes NULL); the buffer can be reused. */
void fal__sb_free(fal__sb *b);
/* Forget the contents, keep the allocation. */
void fal__sb_reset(fal__sb *b);
void fal__sb_put(fal__sb *b, const char *s, size_t n);
void fal__sb_puts(fal__sb *b, const char *s);
void fal__sb_putc(fal__sb *b, char c);
void fal__sb_printf(fal__sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s with &, <, >, ", ' as character references, control characters other
 * than tab and newline dropped (they are not allowed in XML 1.0), and each
 * byte that is not part of well-formed UTF-8 (and U+FFFE, U+FFFF) as
 * U+FFFD: the result is well-formed XML text, safe inside HTML/SVG text and
 * attribute values.  NULL appends nothing. */
void fal__sb_xml(fal__sb *b, const char *s);
/* A CSV field: quoted (with "" for ") when it holds a comma, a quote, CR
 * or LF, else as is. */
void fal__sb_csv(fal__sb *b, const char *s);
/* A JSON string literal (quotes included; control characters as \u00XX). */
void fal__sb_json_str(fal__sb *b, const char *s);
/* %.17g (round-trips a double), or `null_text` when v is NaN or infinite. */
void fal__sb_num(fal__sb *b, double v, const char *null_text);
fal_status fal__sb_status(const fal__sb *b);
/* Write the contents to path with fal__write_atomic (fileio.h): a random
 * O_EXCL|O_NOFOLLOW temporary, fsync, rename.  FAL_EIO names the file,
 * FAL_ENOSPC when the device is full. */
fal_status fal__sb_write_file(fal__sb *b, const char *path);

#endif
