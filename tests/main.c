/* main.c -- the test runner.  Usage: test_fallacy [substring] */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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
