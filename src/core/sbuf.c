/* sbuf.c -- the growable string of sbuf.h. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "fileio.h"
#include "sbuf.h"

void fal__sb_init(fal__sb *b, fal_ctx *ctx)
{
    b->ctx = ctx;
    b->p = NULL;
    b->len = b->cap = 0;
    b->st = FAL_OK;
}

void fal__sb_free(fal__sb *b)
{
    if (b->p) fal__free(b->ctx, b->p, b->cap);
    b->p = NULL;
    b->len = b->cap = 0;
}

void fal__sb_reset(fal__sb *b)
{
    b->len = 0;
    if (b->p) b->p[0] = '\0';
}

/* Room for n more bytes plus the NUL; doubling keeps appends amortised O(1). */
static int grow(fal__sb *b, size_t n)
{
    if (b->st != FAL_OK) return 0;
    size_t need;
    if (fal__add(b->len, n, &need) || fal__add(need, 1, &need)) {
        b->st = fal__fail(b->ctx, FAL_ENOMEM, "text buffer: size overflows");
        return 0;
    }
    if (need <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *p = fal__alloc(b->ctx, cap, "text buffer");
    if (!p) {
        b->st = FAL_ENOMEM;
        return 0;
    }
    if (b->p) {
        memcpy(p, b->p, b->len + 1);
        fal__free(b->ctx, b->p, b->cap);
    } else {
        p[0] = '\0';
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void fal__sb_put(fal__sb *b, const char *s, size_t n)
{
    if (!grow(b, n)) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void fal__sb_puts(fal__sb *b, const char *s)
{
    if (s) fal__sb_put(b, s, strlen(s));
}

void fal__sb_putc(fal__sb *b, char c) { fal__sb_put(b, &c, 1); }

void fal__sb_printf(fal__sb *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        fal__sb_put(b, small, (size_t)n);
        return;
    }
    if (!grow(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* The length of the well-formed UTF-8 sequence at s (1..4), or 0: no
 * overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
static size_t utf8_len(const unsigned char *s, unsigned *cp)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80, c &= 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800, c &= 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000, c &= 0x07;
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0; /* also stops at the NUL */
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return n;
}

void fal__sb_xml(fal__sb *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p) {
        unsigned cp;
        size_t n = utf8_len(p, &cp);
        if (n == 0 || cp == 0xFFFE || cp == 0xFFFF) {
            /* not UTF-8, or not an XML character: U+FFFD, one per byte */
            fal__sb_puts(b, "\xEF\xBF\xBD");
            p += n ? n : 1;
            continue;
        }
        switch (cp) {
        case '&': fal__sb_puts(b, "&amp;"); break;
        case '<': fal__sb_puts(b, "&lt;"); break;
        case '>': fal__sb_puts(b, "&gt;"); break;
        case '"': fal__sb_puts(b, "&quot;"); break;
        case '\'': fal__sb_puts(b, "&#39;"); break;
        default:
            if (cp >= 0x20 || cp == '\t' || cp == '\n') fal__sb_put(b, (const char *)p, n);
        }
        p += n;
    }
}

void fal__sb_csv(fal__sb *b, const char *s)
{
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) {
        fal__sb_puts(b, s);
        return;
    }
    fal__sb_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"') fal__sb_putc(b, '"');
        fal__sb_putc(b, *s);
    }
    fal__sb_putc(b, '"');
}

void fal__sb_json_str(fal__sb *b, const char *s)
{
    fal__sb_putc(b, '"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            fal__sb_putc(b, '\\');
            fal__sb_putc(b, (char)c);
        } else if (c < 0x20) {
            fal__sb_printf(b, "\\u%04x", c);
        } else {
            fal__sb_putc(b, (char)c);
        }
    }
    fal__sb_putc(b, '"');
}

void fal__sb_num(fal__sb *b, double v, const char *null_text)
{
    if (isfinite(v)) fal__sb_printf(b, "%.17g", v);
    else fal__sb_puts(b, null_text);
}

fal_status fal__sb_status(const fal__sb *b) { return b->st; }

fal_status fal__sb_write_file(fal__sb *b, const char *path)
{
    if (b->st != FAL_OK) return b->st;
    return fal__write_atomic(b->ctx, path, b->p ? b->p : "", b->len);
}
