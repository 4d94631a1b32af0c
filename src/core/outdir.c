/* outdir.c -- the output directory rule of `fallacy report` and `fallacy
 * demo` (fal_report_claim_dir, include/fallacy/report.h; doc/report.md,
 * "The output directory").
 *
 * Why a marker file: the tools replace files by name (index.html,
 * runs.sqlite, ...), and a name alone does not say whose a file is -- a
 * user's own runs.sqlite was deleted by `fallacy demo` that way.  So
 * fallacy writes into a directory only when it is new, empty, or holds a
 * regular file ".fallacy-out" that lists the names fallacy itself wrote
 * there; any other entry is the user's, and the directory is refused.
 * Names are added to the list before their files are written, so a run
 * killed half-way leaves nothing unlisted but random temporaries
 * (FAL_TMP_PREFIX), which are tolerated.  Nothing is ever deleted here. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fileio.h"
#include "sbuf.h"

#define MARKER ".fallacy-out"
#define MARKER_HEAD "# fallacy output directory: the files listed below were written by fallacy, which may replace them\n"
#define MARKER_MAX (1u << 20)

/* mkdir -p: each prefix ending at a '/'. */
static fal_status make_dir(fal_ctx *ctx, const char *dir)
{
    size_t n = strlen(dir);
    char *p = fal__alloc(ctx, n + 1, "directory name");
    if (!p) return FAL_ENOMEM;
    memcpy(p, dir, n + 1);
    fal_status st = FAL_OK;
    for (size_t i = 1; i <= n && st == FAL_OK; i++) {
        if (p[i] != '/' && p[i] != '\0') continue;
        char save = p[i];
        p[i] = '\0';
        struct stat sb;
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            st = fal__fail(ctx, fal__write_errno_status(errno), "%s: cannot create the directory: %s", p,
                           strerror(errno));
        else if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode))
            st = fal__fail(ctx, FAL_EIO, "%s: not a directory", p);
        p[i] = save;
    }
    fal__free(ctx, p, n + 1);
    return st;
}

/* A name as it may appear in a message: bytes outside printable ASCII as
 * \xNN, cut at 80 bytes. */
static void shown(char *out, size_t cap, const char *s)
{
    size_t j = 0;
    for (size_t i = 0; s[i] && j + 5 < cap && i < 80; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') out[j++] = (char)c;
        else j += (size_t)snprintf(out + j, cap - j, "\\x%02x", c);
    }
    out[j] = '\0';
}

/* A plain file name: not empty, no '/', no newline, not . or .. */
static int plain_name(const char *s)
{
    return *s && !strchr(s, '/') && !strchr(s, '\n') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* Is name one of the newline-terminated lines of list? */
static int listed(const fal__sb *list, const char *name)
{
    size_t n = strlen(name);
    const char *p = list->p ? list->p : "";
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, name, n) == 0) return 1;
        p += len + (e ? 1 : 0);
    }
    return 0;
}

/* The names the marker lists (lines not starting with '#'), into list. */
static fal_status read_marker(fal_ctx *ctx, const char *path, fal__sb *list, int *have)
{
    *have = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return FAL_OK; /* missing, or a link: not a marker, and then an entry like any other */
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)MARKER_MAX) {
        close(fd);
        return FAL_OK;
    }
    size_t n = (size_t)sb.st_size;
    char *buf = fal__alloc(ctx, n + 1, "output directory list");
    if (!buf) {
        close(fd);
        return FAL_ENOMEM;
    }
    ssize_t r = read(fd, buf, n);
    close(fd);
    fal_status st = FAL_OK;
    if (r == (ssize_t)n) {
        buf[n] = '\0';
        *have = 1;
        for (char *p = buf; *p;) {
            char *e = strchr(p, '\n');
            if (e) *e = '\0';
            if (*p != '#' && plain_name(p)) {
                fal__sb_puts(list, p);
                fal__sb_putc(list, '\n');
            }
            if (!e) break;
            p = e + 1;
        }
        st = fal__sb_status(list);
    }
    fal__free(ctx, buf, n + 1);
    return st;
}

/* "/", a directory directly under it (/etc, /usr, /tmp, /home, ...) and
 * $HOME: refused whatever they hold. */
static int system_dir(const char *real)
{
    if (strcmp(real, "/") == 0) return 1;
    if (real[0] == '/' && !strchr(real + 1, '/')) return 1;
    const char *home = getenv("HOME");
    char hreal[PATH_MAX];
    return home && *home && realpath(home, hreal) && strcmp(hreal, real) == 0;
}

fal_status fal_report_claim_dir(fal_ctx *ctx, const char *dir, const char *const *own, const char *keep)
{
    if (!dir || !*dir) return fal__fail(ctx, FAL_EINVAL, "no output directory given");
    for (const char *const *o = own; o && *o; o++)
        if (!plain_name(*o)) return fal__fail(ctx, FAL_EINVAL, "output directory: '%s' is not a file name", *o);
    char real[PATH_MAX];
    if (realpath(dir, real) && system_dir(real))
        return fal__fail(ctx, FAL_EINVAL, "%s: a system directory (%s); give a directory of its own", dir, real);
    fal_status st = make_dir(ctx, dir);
    if (st != FAL_OK) return st;
    if (!realpath(dir, real)) return fal__fail(ctx, FAL_EIO, "%s: %s", dir, strerror(errno));
    if (system_dir(real))
        return fal__fail(ctx, FAL_EINVAL, "%s: a system directory (%s); give a directory of its own", dir, real);
    struct stat keep_sb;
    int have_keep = keep && stat(keep, &keep_sb) == 0;
    fal__sb list, path;
    fal__sb_init(&list, ctx);
    fal__sb_init(&path, ctx);
    fal__sb_printf(&path, "%s/" MARKER, dir);
    int have_marker = 0;
    st = fal__sb_status(&path);
    if (st == FAL_OK) st = read_marker(ctx, path.p, &list, &have_marker);
    DIR *d = st == FAL_OK ? opendir(dir) : NULL;
    if (st == FAL_OK && !d) st = fal__fail(ctx, FAL_EIO, "%s: cannot list: %s", dir, strerror(errno));
    fal__sb kept; /* the listed names still present, then the new ones */
    fal__sb_init(&kept, ctx);
    struct dirent *e;
    while (st == FAL_OK && (e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strncmp(nm, FAL_TMP_PREFIX, sizeof FAL_TMP_PREFIX - 1))
            continue;
        if (have_marker && !strcmp(nm, MARKER)) continue;
        if (have_marker && listed(&list, nm)) {
            fal__sb_puts(&kept, nm);
            fal__sb_putc(&kept, '\n');
            continue;
        }
        if (have_keep) {
            struct stat sb;
            if (fstatat(dirfd(d), nm, &sb, AT_SYMLINK_NOFOLLOW) == 0 && sb.st_dev == keep_sb.st_dev &&
                sb.st_ino == keep_sb.st_ino)
                continue;
        }
        char show[400];
        shown(show, sizeof show, nm);
        st = fal__fail(ctx, FAL_EINVAL,
                       "%s: holds '%s', which fallacy did not write; give a new or empty directory "
                       "(fallacy writes only where it finds its own files: doc/report.md)",
                       dir, show);
    }
    if (d) closedir(d);
    if (st == FAL_OK) {
        int changed = !have_marker;
        for (const char *const *o = own; o && *o; o++)
            if (!listed(&kept, *o)) {
                fal__sb_puts(&kept, *o);
                fal__sb_putc(&kept, '\n');
                changed = 1;
            }
        changed |= have_marker && list.len != kept.len; /* names gone since */
        fal__sb text;
        fal__sb_init(&text, ctx);
        fal__sb_puts(&text, MARKER_HEAD);
        fal__sb_put(&text, kept.p ? kept.p : "", kept.len);
        st = fal__sb_status(&kept);
        if (st == FAL_OK && changed) st = fal__sb_write_file(&text, path.p);
        fal__sb_free(&text);
    }
    fal__sb_free(&kept);
    fal__sb_free(&list);
    fal__sb_free(&path);
    return st;
}
