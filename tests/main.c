/* main.c -- the test runner.  Usage: test_fallacy [substring] */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include "test.h"

#define MAX_TESTS 512
static struct { const char *name; test_fn fn; } tests[MAX_TESTS];
static int ntests;
static int checks_failed_in_test;
static fal_ctx *ctx_for_test;

void test_register(const char *name, test_fn fn)
{
    if (ntests < MAX_TESTS) {
        tests[ntests].name = name;
        tests[ntests].fn = fn;
        ntests++;
    }
}

int test_check(int cond, const char *file, int line, const char *fmt, ...)
{
    if (!cond) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stdout, "    FAIL %s:%d: ", file, line);
        vfprintf(stdout, fmt, ap);
        fputc('\n', stdout);
        va_end(ap);
        checks_failed_in_test++;
    }
    return cond;
}

static void *failing_alloc(void *ud, size_t n)
{
    test_failing *f = ud;
    if (f->fail_at && ++f->count == f->fail_at) return NULL;
    return malloc(n);
}

static void failing_free(void *ud, void *p, size_t n)
{
    (void)ud;
    (void)n;
    free(p);
}

fal_allocator test_failing_allocator(test_failing *f)
{
    fal_allocator a = { failing_alloc, failing_free, f };
    return a;
}

/* "threads":N of the "build" object -> "threads":T (the thread count is
 * recorded; it changes no other byte) */
void test_mask_threads(char *s)
{
    char *p = strstr(s, "\"build\":{");
    if (p) p = strstr(p, "\"threads\":");
    if (!p) return;
    p += 10;
    char *e = p;
    while (*e >= '0' && *e <= '9') e++;
    if (e > p) {
        *p = 'T';
        memmove(p + 1, e, strlen(e) + 1);
    }
}

void test_temp_dir(char *buf, size_t n, const char *tag)
{
    snprintf(buf, n, "/tmp/fallacy-%s-XXXXXX", tag);
    if (!mkdtemp(buf)) buf[0] = '\0';
}

static int writes_fail_no_space(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISCHR(st.st_mode)) return 0;
    int fd = open(path, O_WRONLY);
    if (fd < 0) return 0;
    errno = 0;
    ssize_t w = write(fd, "x", 1);
    int ok = w < 0 && errno == ENOSPC;
    close(fd);
    return ok;
}

int test_full_device(char *buf, size_t n, const char *dir)
{
    if (writes_fail_no_space("/dev/full")) {
        snprintf(buf, n, "/dev/full");
        return 1;
    }
    snprintf(buf, n, "%s/full", dir);
    if (mknod(buf, S_IFCHR | 0666, makedev(1, 7)) == 0 && writes_fail_no_space(buf)) return 1;
    unlink(buf);
    buf[0] = '\0';
    return 0;
}

void test_remove_dir(const char *dir)
{
    char cmd[512];
    if (!dir[0] || strncmp(dir, "/tmp/fallacy-", 13) != 0) return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stdout, "    (could not remove %s)\n", dir);
}

void test_write_csv(const char *path, size_t rows, size_t cols, unsigned seed)
{
    FILE *f = fopen(path, "w");
    if (!CHECK(f)) return;
    uint64_t s = 0x9E3779B97F4A7C15ull * (seed + 1);
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            double v = (double)(s >> 40) / (double)(1ull << 24) - 0.5;
            fprintf(f, "%.6f%c", v, j + 1 == cols ? '\n' : ',');
        }
    fclose(f);
}

int test_numpy_digits(void)
{
    if (system("/usr/bin/python3 -c 'import numpy, os; "
               "assert os.path.exists(\"/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz\")' "
               ">/dev/null 2>&1") == 0)
        return 1;
    printf("(skipped: no /usr/bin/python3 with numpy and sklearn's digits) ");
    return 0;
}

int test_sha256sum(const char *path, char hex[65])
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    if (!p) return 0;
    int ok = fscanf(p, "%64s", hex) == 1;
    pclose(p);
    return ok && strlen(hex) == 64;
}

char *test_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = len >= 0 ? malloc((size_t)len + 1) : NULL;
    size_t got = p ? fread(p, 1, (size_t)len, f) : 0;
    fclose(f);
    if (!p) return NULL;
    p[got] = '\0';
    if (n) *n = got;
    return p;
}

fal_ctx *test_ctx(void)
{
    if (!ctx_for_test && fal_ctx_new(&ctx_for_test, NULL) != FAL_OK) {
        fprintf(stdout, "cannot create a context\n");
        exit(2);
    }
    return ctx_for_test;
}

int test_cli(const char *args, char *out, size_t cap)
{
    const char *bin = getenv("FALLACY_BIN");
    if (!bin) bin = "build/fallacy";
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s 2>/dev/null", bin, args);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t n = 0;
    if (out && cap) {
        size_t r;
        while (n + 1 < cap && (r = fread(out + n, 1, cap - 1 - n, p)) > 0) n += r;
        out[n] = '\0';
    }
    char sink[4096];
    while (fread(sink, 1, sizeof sink, p) > 0) {}
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    (void)by_name;
    for (int i = 0; i < ntests; i++) {
        if (filter && !strstr(tests[i].name, filter)) continue;
        checks_failed_in_test = 0;
        fprintf(stdout, "%-52s ", tests[i].name);
        fflush(stdout);
        tests[i].fn();
        if (ctx_for_test) {
            if (fal_ctx_mem_in_use(ctx_for_test) != 0)
                test_check(0, __FILE__, __LINE__, "%zu bytes still allocated through the context after the test",
                           fal_ctx_mem_in_use(ctx_for_test));
            fal_ctx_free(ctx_for_test);
            ctx_for_test = NULL;
        }
        if (checks_failed_in_test) {
            fprintf(stdout, "FAILED\n");
            failed++;
        } else {
            fprintf(stdout, "ok\n");
            passed++;
        }
        fflush(stdout);
    }
    fprintf(stdout, "%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
