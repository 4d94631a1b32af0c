/* npz.c -- NumPy's .npz archives: a zip of .npy members (numpy.savez writes
 * them stored, numpy.savez_compressed deflated).
 *
 * Reading goes through the central directory (the zip's table of contents
 * at its end), never by scanning local headers: numpy writes its members
 * with force_zip64, so the local headers carry 0xFFFFFFFF sizes and the true
 * ones sit in a zip64 extra field or in the directory.  A member is located
 * by its name ("NAME.npy" for --data FILE.npz:NAME), its bytes are
 * inflated if deflated (zlib, raw deflate), their CRC-32 is checked, and
 * the .npy reader parses them from memory with the messages naming
 * "FILE.npz:NAME".
 *
 * The writer (fal_npz_write) stores members uncompressed with their CRC-32,
 * the layout numpy.savez writes; numpy.load reads it back. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include "../core/internal.h"
#include "npy_int.h"

/* The whole archive is read into memory: .npz tables are data sets, and
 * seeking in a FILE through zip64 offsets is no simpler.  A limit keeps a
 * forged size from asking for more than a table could use. */

static uint32_t rd16(const unsigned char *b) { return (uint32_t)b[0] | (uint32_t)b[1] << 8; }
static uint32_t rd32(const unsigned char *b) { return rd16(b) | rd16(b + 2) << 16; }
static uint64_t rd64(const unsigned char *b) { return (uint64_t)rd32(b) | (uint64_t)rd32(b + 4) << 32; }

typedef struct zip_entry {
    const unsigned char *name;
    size_t name_len;
    uint32_t method, flags, crc;
    uint64_t csize, usize, offset;
} zip_entry;

typedef struct zip_dir {
    const unsigned char *buf;
    size_t size;
    const unsigned char *cd;  /* central directory */
    uint64_t cd_size, count;
} zip_dir;

static fal_status zip_open(fal_ctx *ctx, const char *path, const unsigned char *buf, size_t size, zip_dir *z)
{
    memset(z, 0, sizeof *z);
    z->buf = buf;
    z->size = size;
    if (size < 22) return fal__fail(ctx, FAL_EFORMAT, "%s: not a .npz file (too short for a zip archive)", path);
    /* The end record: 22 bytes plus a comment of up to 65535 bytes. */
    size_t lo = size > 22 + 65535 ? size - 22 - 65535 : 0, eocd = SIZE_MAX;
    for (size_t i = size - 22 + 1; i-- > lo;)
        if (rd32(buf + i) == 0x06054b50u && i + 22 + rd16(buf + i + 20) == size) {
            eocd = i;
            break;
        }
    if (eocd == SIZE_MAX)
        return fal__fail(ctx, FAL_EFORMAT, "%s: not a .npz file (no zip end-of-directory record)", path);
    const unsigned char *e = buf + eocd;
    if (rd16(e + 4) != 0 || rd16(e + 6) != 0)
        return fal__fail(ctx, FAL_EFORMAT, "%s: a multi-disk zip archive is not supported", path);
    uint64_t count = rd16(e + 10), cd_size = rd32(e + 12), cd_off = rd32(e + 16);
    if (count == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu) {
        /* zip64: a locator just before the end record points at the zip64
         * end record, which holds the 64-bit figures. */
        if (eocd < 20 || rd32(buf + eocd - 20) != 0x07064b50u)
            return fal__fail(ctx, FAL_EFORMAT, "%s: zip64 sizes without a zip64 locator", path);
        uint64_t z64 = rd64(buf + eocd - 20 + 8);
        if (z64 > size - 56 || rd32(buf + z64) != 0x06064b50u)
            return fal__fail(ctx, FAL_EFORMAT, "%s: zip64 end record is not where its locator says", path);
        count = rd64(buf + z64 + 32);
        cd_size = rd64(buf + z64 + 40);
        cd_off = rd64(buf + z64 + 48);
    }
    if (cd_off > size || cd_size > size - cd_off)
        return fal__fail(ctx, FAL_EFORMAT, "%s: zip central directory (%llu bytes at %llu) runs past the end", path,
                         (unsigned long long)cd_size, (unsigned long long)cd_off);
    z->cd = buf + cd_off;
    z->cd_size = cd_size;
    z->count = count;
    return FAL_OK;
}

/* Entry at *pos of the directory; *pos moves past it. */
static fal_status zip_next(fal_ctx *ctx, const char *path, const zip_dir *z, size_t *pos, zip_entry *out)
{
    size_t p = *pos;
    if (z->cd_size - p < 46 || rd32(z->cd + p) != 0x02014b50u)
        return fal__fail(ctx, FAL_EFORMAT, "%s: zip central directory entry at byte %zu is malformed", path, p);
    const unsigned char *c = z->cd + p;
    size_t nl = rd16(c + 28), xl = rd16(c + 30), cl = rd16(c + 32);
    if (z->cd_size - p - 46 < nl + xl + cl)
        return fal__fail(ctx, FAL_EFORMAT, "%s: zip central directory entry at byte %zu runs past the directory", path, p);
    zip_entry e = { .name = c + 46, .name_len = nl, .flags = rd16(c + 8), .method = rd16(c + 10), .crc = rd32(c + 16),
                    .csize = rd32(c + 20), .usize = rd32(c + 24), .offset = rd32(c + 42) };
    /* zip64 extra: the 64-bit values of exactly the fields set to all ones,
     * in the order usize, csize, offset. */
    const unsigned char *x = c + 46 + nl, *xe = x + xl;
    while (xe - x >= 4) {
        uint32_t id = rd16(x), len = rd16(x + 2);
        if ((size_t)(xe - x - 4) < len) break;
        if (id == 1) {
            const unsigned char *v = x + 4, *ve = v + len;
            if (e.usize == 0xFFFFFFFFu && ve - v >= 8) { e.usize = rd64(v); v += 8; }
            if (e.csize == 0xFFFFFFFFu && ve - v >= 8) { e.csize = rd64(v); v += 8; }
            if (e.offset == 0xFFFFFFFFu && ve - v >= 8) { e.offset = rd64(v); }
        }
        x += 4 + len;
    }
    *pos = p + 46 + nl + xl + cl;
    *out = e;
    return FAL_OK;
}

/* A member's bytes: a pointer into the archive (stored) or a new buffer
 * (*owned, deflated); its CRC-32 is checked either way. */
static fal_status zip_member(fal_ctx *ctx, const char *what, const zip_dir *z, const zip_entry *e,
                             const unsigned char **data, unsigned char **owned, size_t *len)
{
    *owned = NULL;
    if (e->flags & 1) return fal__fail(ctx, FAL_EFORMAT, "%s: the member is encrypted", what);
    if (e->method != 0 && e->method != 8)
        return fal__fail(ctx, FAL_EFORMAT, "%s: zip compression method %u is not supported (0 stored, 8 deflate are)",
                         what, (unsigned)e->method);
    if (e->offset > z->size || z->size - e->offset < 30 || rd32(z->buf + e->offset) != 0x04034b50u)
        return fal__fail(ctx, FAL_EFORMAT, "%s: no zip local header at byte %llu", what,
                         (unsigned long long)e->offset);
    const unsigned char *l = z->buf + e->offset;
    uint64_t start = e->offset + 30 + rd16(l + 26) + rd16(l + 28);
    if (start > z->size || e->csize > z->size - start)
        return fal__fail(ctx, FAL_EFORMAT, "%s: member data (%llu bytes) runs past the end of the archive", what,
                         (unsigned long long)e->csize);
    const unsigned char *src = z->buf + start;
    if (e->method == 0) {
        if (e->csize != e->usize)
            return fal__fail(ctx, FAL_EFORMAT, "%s: stored member has compressed size %llu but size %llu", what,
                             (unsigned long long)e->csize, (unsigned long long)e->usize);
        *data = src;
        *len = (size_t)e->usize;
    } else {
        if (e->usize > SIZE_MAX / 2)
            return fal__fail(ctx, FAL_EFORMAT, "%s: member size %llu is too large", what, (unsigned long long)e->usize);
        size_t n = (size_t)e->usize;
        unsigned char *out = fal__alloc(ctx, n ? n : 1, "inflated .npz member");
        if (!out) {
            char why[FAL_MSG_MAX];
            snprintf(why, sizeof why, "%s", fal_ctx_message(ctx));
            return fal__fail(ctx, FAL_ENOMEM, "%s: %s", what, why);
        }
        z_stream s;
        memset(&s, 0, sizeof s);
        int zr = inflateInit2(&s, -MAX_WBITS);
        if (zr != Z_OK) {
            fal__free(ctx, out, n ? n : 1);
            return fal__fail(ctx, FAL_ENOMEM, "%s: zlib inflateInit2 failed (%d)", what, zr);
        }
        /* zlib counts in uInt: feed and drain in pieces below 4 GiB. */
        size_t in_left = (size_t)e->csize, out_left = n;
        s.next_in = (unsigned char *)(uintptr_t)src;
        s.next_out = out;
        uInt ai, ao;
        do {
            ai = in_left > 0x40000000u ? 0x40000000u : (uInt)in_left;
            ao = out_left > 0x40000000u ? 0x40000000u : (uInt)out_left;
            s.avail_in = ai;
            s.avail_out = ao;
            zr = inflate(&s, Z_NO_FLUSH);
            in_left -= ai - s.avail_in;
            out_left -= ao - s.avail_out;
        } while (zr == Z_OK && (in_left || out_left) && !(ai == s.avail_in && ao == s.avail_out));
        int more = 0;
        if (zr == Z_OK && !out_left) {
            /* output full: the stream must end here, with no extra bytes */
            unsigned char probe;
            s.next_out = &probe;
            s.avail_out = 1;
            s.avail_in = in_left > 0x40000000u ? 0x40000000u : (uInt)in_left;
            zr = inflate(&s, Z_NO_FLUSH);
            if (s.avail_out == 0) more = 1;
        }
        inflateEnd(&s);
        if (zr != Z_STREAM_END || out_left || more) {
            fal__free(ctx, out, n ? n : 1);
            return fal__fail(ctx, FAL_EFORMAT, "%s: deflated data is corrupt or does not inflate to %llu bytes%s%s",
                             what, (unsigned long long)e->usize, s.msg ? ": " : "", s.msg ? s.msg : "");
        }
        *owned = out;
        *data = out;
        *len = n;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    const unsigned char *p = *data;
    for (size_t left = *len; left;) {
        uInt piece = left > 0x40000000u ? 0x40000000u : (uInt)left;
        crc = crc32(crc, p, piece);
        p += piece;
        left -= piece;
    }
    if ((uint32_t)crc != e->crc) {
        if (*owned) fal__free(ctx, *owned, *len ? *len : 1);
        *owned = NULL;
        return fal__fail(ctx, FAL_EFORMAT, "%s: CRC-32 mismatch (0x%08x stored, 0x%08x computed): the member is corrupt",
                         what, (unsigned)e->crc, (unsigned)crc);
    }
    return FAL_OK;
}

static int member_is(const zip_entry *e, const char *name)
{
    size_t n = strlen(name);
    if (e->name_len == n + 4 && memcmp(e->name, name, n) == 0 && memcmp(e->name + n, ".npy", 4) == 0) return 1;
    return e->name_len == n && memcmp(e->name, name, n) == 0;
}

/* The array names of the archive, for messages: "a, b, c" (clipped). */
static void list_names(fal_ctx *ctx, const char *path, const zip_dir *z, char *buf, size_t cap)
{
    buf[0] = '\0';
    size_t pos = 0, used = 0;
    for (uint64_t i = 0; i < z->count; i++) {
        zip_entry e;
        char saved[FAL_MSG_MAX];
        snprintf(saved, sizeof saved, "%s", fal_ctx_message(ctx));
        if (zip_next(ctx, path, z, &pos, &e) != FAL_OK) {
            fal__fail(ctx, FAL_EFORMAT, "%s", saved);
            break;
        }
        size_t nl = e.name_len >= 4 && memcmp(e.name + e.name_len - 4, ".npy", 4) == 0 ? e.name_len - 4 : e.name_len;
        int w = snprintf(buf + used, cap - used, "%s%.*s", i ? ", " : "", (int)(nl > 60 ? 60 : nl), (const char *)e.name);
        if (w < 0 || (size_t)w >= cap - used) {
            if (cap > 4) memcpy(buf + cap - 4, "...", 4);
            return;
        }
        used += (size_t)w;
    }
}

fal_status fal_table_load_npz(fal_ctx *ctx, const char *path, const char *name, fal_table **out)
{
    if (!out) return fal__fail(ctx, FAL_EINVAL, "fal_table_load_npz: out is NULL");
    *out = NULL;
    if (!path) return fal__fail(ctx, FAL_EINVAL, "fal_table_load_npz: path is NULL");
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return fal__fail(ctx, FAL_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return fal__fail(ctx, FAL_EIO, "%s: not a regular file (a .npz is read by seeking to its directory)", path);
    }
    size_t size = (size_t)sb.st_size;
    unsigned char *buf = fal__alloc(ctx, size ? size : 1, ".npz archive");
    if (!buf) {
        fclose(f);
        char why[FAL_MSG_MAX];
        snprintf(why, sizeof why, "%s", fal_ctx_message(ctx));
        return fal__fail(ctx, FAL_ENOMEM, "%s: %s", path, why);
    }
    fal_status st = FAL_OK;
    if (fread(buf, 1, size, f) != size) {
        int e = errno;
        st = fal__fail(ctx, FAL_EIO, "%s: read error: %s", path, ferror(f) ? strerror(e) : "short read");
    }
    fclose(f);
    zip_dir z;
    if (st == FAL_OK) st = zip_open(ctx, path, buf, size, &z);
    zip_entry hit = { 0 };
    int found = 0;
    if (st == FAL_OK) {
        size_t pos = 0;
        for (uint64_t i = 0; i < z.count && st == FAL_OK; i++) {
            zip_entry e;
            st = zip_next(ctx, path, &z, &pos, &e);
            if (st == FAL_OK && (name ? member_is(&e, name) : z.count == 1)) {
                hit = e;
                found = 1;
                break;
            }
        }
    }
    if (st == FAL_OK && !found) {
        char names[256];
        list_names(ctx, path, &z, names, sizeof names);
        if (name)
            st = fal__fail(ctx, FAL_EFORMAT, "%s: no array '%s' in the archive (it holds: %s)", path, name,
                           z.count ? names : "nothing");
        else
            st = fal__fail(ctx, FAL_EFORMAT, "%s: holds %llu arrays (%s); name one as %s:NAME", path,
                           (unsigned long long)z.count, z.count ? names : "none", path);
    }
    if (st == FAL_OK) {
        char what[FAL_MSG_MAX / 2];
        snprintf(what, sizeof what, "%s:%.*s", path,
                 (int)(hit.name_len >= 4 && memcmp(hit.name + hit.name_len - 4, ".npy", 4) == 0 ? hit.name_len - 4
                                                                                               : hit.name_len),
                 (const char *)hit.name);
        const unsigned char *data = NULL;
        unsigned char *owned = NULL;
        size_t len = 0;
        st = zip_member(ctx, what, &z, &hit, &data, &owned, &len);
        if (st == FAL_OK) {
            if (len == 0) {
                st = fal__fail(ctx, FAL_EFORMAT, "%s: not a .npy file (no \\x93NUMPY magic)", what);
            } else {
                FILE *m = fmemopen((void *)(uintptr_t)data, len, "rb");
                if (!m) {
                    int e = errno;
                    st = fal__fail(ctx, FAL_EIO, "%s: fmemopen: %s", what, strerror(e));
                } else {
                    st = fal__npy_read(ctx, what, m, 1, len, out);
                    fclose(m);
                }
            }
            if (owned) fal__free(ctx, owned, len ? len : 1);
        }
    }
    fal__free(ctx, buf, size ? size : 1);
    return st;
}

/* ---------------------------------------------------------------- writer */

typedef struct npz_out {
    FILE *f;
    uint64_t at;     /* bytes written */
    int err;
} npz_out;

static void put(npz_out *o, const void *p, size_t n)
{
    if (o->err || n == 0) return;
    if (fwrite(p, 1, n, o->f) != n) o->err = errno ? errno : EIO;
    o->at += n;
}

static void put16(npz_out *o, uint32_t v)
{
    unsigned char b[2] = { (unsigned char)v, (unsigned char)(v >> 8) };
    put(o, b, 2);
}

static void put32(npz_out *o, uint32_t v)
{
    unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
    put(o, b, 4);
}

/* Decode UTF-8 to code points (a byte that does not start a valid sequence
 * stands for itself, as Latin-1); returns the count, writes them if cp. */
static size_t utf8_points(const char *s, uint32_t *cp)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t c = *p;
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = len > 0;
        for (int i = 1; ok && i < len; i++) ok = (p[i] & 0xC0) == 0x80;
        if (!ok || len == 1) {
            if (cp) cp[n] = c;
            p++;
        } else {
            uint32_t v = c & (0x7Fu >> len);
            for (int i = 1; i < len; i++) v = v << 6 | (p[i] & 0x3Fu);
            if (cp) cp[n] = v;
            p += len;
        }
        n++;
    }
    return n;
}

/* The .npy bytes of one array: header then data, in a new buffer. */
static fal_status npy_bytes(fal_ctx *ctx, const fal_array *a, unsigned char **out, size_t *len)
{
    char descr[32], shape[64];
    size_t count = 0, item = 8;
    uint32_t *cp = NULL;
    if (a->dtype == FAL_DT_STR) {
        count = utf8_points(a->text ? a->text : "", NULL);
        snprintf(descr, sizeof descr, "<U%zu", count ? count : 1);
        snprintf(shape, sizeof shape, "()");
    } else {
        snprintf(descr, sizeof descr, "%s", a->dtype == FAL_DT_C16 ? "<c16" : a->dtype == FAL_DT_I8 ? "<i8" : "<f8");
        if (a->dtype == FAL_DT_C16) item = 16;
        if (a->rank == 0) { count = 1; snprintf(shape, sizeof shape, "()"); }
        else if (a->rank == 1) { count = a->shape[0]; snprintf(shape, sizeof shape, "(%zu,)", a->shape[0]); }
        else {
            if (fal__mul(a->shape[0], a->shape[1], &count))
                return fal__fail(ctx, FAL_EINVAL, "array '%s': shape overflows", a->name);
            snprintf(shape, sizeof shape, "(%zu, %zu)", a->shape[0], a->shape[1]);
        }
    }
    char hdr[160];
    int hn = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
    /* numpy pads with spaces so that 10 + header (ending in '\n') is a
     * multiple of 64 */
    size_t hlen = (size_t)hn + 1, pad = (64 - (10 + hlen) % 64) % 64;
    hlen += pad;
    size_t data = a->dtype == FAL_DT_STR ? 4 * (count ? count : 1) : 0;
    if (a->dtype != FAL_DT_STR && fal__mul(count, item, &data))
        return fal__fail(ctx, FAL_EINVAL, "array '%s': size overflows", a->name);
    size_t total = 10 + hlen + data;
    unsigned char *b = fal__alloc(ctx, total, ".npy member");
    if (!b) return FAL_ENOMEM;
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    b[8] = (unsigned char)(hlen & 0xFF);
    b[9] = (unsigned char)(hlen >> 8);
    memcpy(b + 10, hdr, (size_t)hn);
    memset(b + 10 + hn, ' ', pad);
    b[10 + hlen - 1] = '\n';
    unsigned char *d = b + 10 + hlen;
    if (a->dtype == FAL_DT_STR) {
        memset(d, 0, data);
        if (count) {
            cp = fal__alloc(ctx, count * sizeof *cp, "code points");
            if (!cp) {
                fal__free(ctx, b, total);
                return FAL_ENOMEM;
            }
            utf8_points(a->text, cp);
            for (size_t i = 0; i < count; i++)
                for (int k = 0; k < 4; k++) d[4 * i + (size_t)k] = (unsigned char)(cp[i] >> (8 * k));
            fal__free(ctx, cp, count * sizeof *cp);
        }
    } else {
        size_t nv = a->dtype == FAL_DT_C16 ? 2 * count : count;
        for (size_t i = 0; i < nv; i++) {
            uint64_t u;
            if (a->dtype == FAL_DT_I8) {
                int64_t s = (int64_t)a->v[i];
                memcpy(&u, &s, sizeof u);
            } else {
                memcpy(&u, &a->v[i], sizeof u);
            }
            for (int k = 0; k < 8; k++) d[8 * i + (size_t)k] = (unsigned char)(u >> (8 * k));
        }
    }
    *out = b;
    *len = total;
    return FAL_OK;
}

fal_status fal_npz_write(fal_ctx *ctx, const char *path, const fal_params *p)
{
    if (!path || !p) return fal__fail(ctx, FAL_EINVAL, "fal_npz_write: path or params is NULL");
    if (p->n > 0xFFFF) return fal__fail(ctx, FAL_EINVAL, "%s: %zu arrays are more than a zip without zip64 holds", path, p->n);


    uint32_t *crcs = fal__calloc(ctx, p->n ? p->n : 1, sizeof *crcs, "npz directory");
    uint32_t *offs = crcs ? fal__calloc(ctx, p->n ? p->n : 1, sizeof *offs, "npz directory") : NULL;
    uint32_t *sizes = offs ? fal__calloc(ctx, p->n ? p->n : 1, sizeof *sizes, "npz directory") : NULL;
    if (!sizes) {
        fal__free(ctx, offs, (p->n ? p->n : 1) * sizeof *offs);
        fal__free(ctx, crcs, (p->n ? p->n : 1) * sizeof *crcs);
        return FAL_ENOMEM;
    }
    fal_status st = FAL_OK;
    errno = 0;
    FILE *f = fopen(path, "wb");
    if (!f) {
        int e = errno;
        st = fal__fail(ctx, FAL_EIO, "%s: cannot write: %s", path, strerror(e));
        goto out;
    }
    npz_out o = { .f = f };
    /* Fixed DOS time 1980-01-01 00:00: the same run writes the same bytes. */
    const uint32_t dos_time = 0, dos_date = (0u << 9) | (1u << 5) | 1u;
    for (size_t i = 0; i < p->n && st == FAL_OK && !o.err; i++) {
        unsigned char *b = NULL;
        size_t len = 0;
        st = npy_bytes(ctx, &p->a[i], &b, &len);
        if (st != FAL_OK) break;
        if (len > 0xFFFFFFFEu || o.at > 0xFFFFFFFEu) {
            fal__free(ctx, b, len);
            st = fal__fail(ctx, FAL_EINVAL, "%s: array '%s' is over 4 GiB (zip64 is not written)", path, p->a[i].name);
            break;
        }
        uLong crc = crc32(crc32(0L, Z_NULL, 0), b, (uInt)len);
        crcs[i] = (uint32_t)crc;
        offs[i] = (uint32_t)o.at;
        sizes[i] = (uint32_t)len;
        size_t nl = strlen(p->a[i].name) + 4;
        put32(&o, 0x04034b50u);
        put16(&o, 20); put16(&o, 0); put16(&o, 0); put16(&o, dos_time); put16(&o, dos_date);
        put32(&o, crcs[i]); put32(&o, sizes[i]); put32(&o, sizes[i]);
        put16(&o, (uint32_t)nl); put16(&o, 0);
        put(&o, p->a[i].name, nl - 4);
        put(&o, ".npy", 4);
        put(&o, b, len);
        fal__free(ctx, b, len);
    }
    if (st == FAL_OK && !o.err) {
        uint64_t cd = o.at;
        if (cd > 0xFFFFFFFEu) st = fal__fail(ctx, FAL_EINVAL, "%s: archive over 4 GiB (zip64 is not written)", path);
        for (size_t i = 0; i < p->n && st == FAL_OK; i++) {
            size_t nl = strlen(p->a[i].name) + 4;
            put32(&o, 0x02014b50u);
            put16(&o, 20); put16(&o, 20); put16(&o, 0); put16(&o, 0); put16(&o, dos_time); put16(&o, dos_date);
            put32(&o, crcs[i]); put32(&o, sizes[i]); put32(&o, sizes[i]);
            put16(&o, (uint32_t)nl); put16(&o, 0); put16(&o, 0); put16(&o, 0); put16(&o, 0);
            put32(&o, 0x81A4u << 16); /* -rw-r--r-- regular file, as zipfile writes */
            put32(&o, offs[i]);
            put(&o, p->a[i].name, nl - 4);
            put(&o, ".npy", 4);
        }
        if (st == FAL_OK) {
            uint64_t cdlen = o.at - cd;
            put32(&o, 0x06054b50u);
            put16(&o, 0); put16(&o, 0); put16(&o, (uint32_t)p->n); put16(&o, (uint32_t)p->n);
            put32(&o, (uint32_t)cdlen); put32(&o, (uint32_t)cd); put16(&o, 0);
        }
    }

    if (fclose(f) != 0 && !o.err) o.err = errno ? errno : EIO;
    if (st == FAL_OK && o.err) st = fal__fail(ctx, FAL_EIO, "%s: write error: %s", path, strerror(o.err));
    if (st != FAL_OK) remove(path);
out:
    fal__free(ctx, sizes, (p->n ? p->n : 1) * sizeof *sizes);
    fal__free(ctx, offs, (p->n ? p->n : 1) * sizeof *offs);
    fal__free(ctx, crcs, (p->n ? p->n : 1) * sizeof *crcs);
    return st;
}
