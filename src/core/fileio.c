/* fileio.c -- atomic, link-safe file writes (fileio.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "fileio.h"

fal_status fal__write_errno_status(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EFBIG ? FAL_ENOSPC : FAL_EIO;
}

/* 12 characters from [a-z0-9]: getrandom, else the clock and the address
 * of a local (O_EXCL makes a guessed name harmless; randomness only keeps
 * an attacker from blocking every name). */
static void random_name(char out[13])
{
    static const char ALPHA[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[12];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)&ts ^
                     ((uint64_t)getpid() << 40);
        for (size_t i = 0; i < sizeof r; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            r[i] = (unsigned char)(x >> 56);
        }
    }
    for (size_t i = 0; i < sizeof r; i++) out[i] = ALPHA[r[i] % 36];
    out[12] = '\0';
}

static int write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

fal_status fal__write_atomic(fal_ctx *ctx, const char *path, const void *data, size_t n)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0; /* the directory, with its '/' */
    size_t tlen = dlen + sizeof FAL_TMP_PREFIX - 1 + 12 + 1;
    char *tmp = fal__alloc(ctx, tlen, "file name");
    if (!tmp) return FAL_ENOMEM;
    memcpy(tmp, path, dlen);
    int fd = -1, e = 0;
    for (int tries = 0; tries < 100 && fd < 0; tries++) {
        char r[13];
        random_name(r);
        snprintf(tmp + dlen, tlen - dlen, "%s%s", FAL_TMP_PREFIX, r);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        e = errno;
        if (fd < 0 && e != EEXIST) break;
    }
    fal_status st = FAL_OK;
    if (fd < 0) {
        st = fal__fail(ctx, fal__write_errno_status(e), "%s: cannot write: %s", path, strerror(e));
        goto done;
    }
    int bad = write_all(fd, data, n) != 0 || fsync(fd) != 0;
    e = errno;
    if (close(fd) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad && rename(tmp, path) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        st = fal__fail(ctx, fal__write_errno_status(e), "%s: cannot write: %s", path, strerror(e));
        unlink(tmp);
        goto done;
    }
    /* the rename itself, durable: fsync the directory (best effort: some
     * file systems refuse fsync on a directory) */
    if (dlen) tmp[dlen] = '\0';
    int dfd = open(dlen ? tmp : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
done:
    fal__free(ctx, tmp, tlen);
    return st;
}
