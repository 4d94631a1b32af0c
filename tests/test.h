/* test.h -- a small test harness: tests register themselves, checks count,
 * the run ends with "N passed, N failed". */
#ifndef FALLACY_TEST_H
#define FALLACY_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "fallacy.h"

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);
/* Record one check; returns cond.  Failures print file:line and the text. */
int test_check(int cond, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define TEST(name)                                                                   \
    static void name(void);                                                          \
    __attribute__((constructor)) static void name##_reg(void) { test_register(#name, name); } \
    static void name(void)

#define CHECK(cond) test_check(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define CHECK_MSG(cond, ...) test_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* |a - b| <= tol, with both numbers printed on failure. */
#define CHECK_NEAR(a, b, tol)                                                         \
    do {                                                                             \
        double a_ = (a), b_ = (b), t_ = (tol);                                       \
        test_check(fabs(a_ - b_) <= t_, __FILE__, __LINE__, "%s = %.17g, %s = %.17g, |diff| %.3g > %.3g", \
                   #a, a_, #b, b_, fabs(a_ - b_), t_);                               \
    } while (0)
/* a < b with both printed. */
#define CHECK_LT(a, b)                                                                \
    do {                                                                             \
        double a_ = (a), b_ = (b);                                                   \
        test_check(a_ < b_, __FILE__, __LINE__, "%s = %.6g is not < %s = %.6g", #a, a_, #b, b_); \
    } while (0)
#define CHECK_OK(st)                                                                  \
    do {                                                                             \
        fal_status s_ = (st);                                                        \
        test_check(s_ == FAL_OK, __FILE__, __LINE__, "%s returned %s", #st, fal_errstr(s_)); \
    } while (0)

/* An allocator that refuses its fail_at-th call counted since count was
 * last set to 0 (fail_at = 0: never refuses), for the out-of-memory paths;
 * it allocates with malloc. */
typedef struct test_failing {
    long count, fail_at;
} test_failing;
fal_allocator test_failing_allocator(test_failing *f);

/* In a run's JSON, "threads":N of the "build" object -> "threads":T: the
 * thread count is recorded and changes no other byte. */
void test_mask_threads(char *s);
/* A fresh directory /tmp/fallacy-TAG-XXXXXX into buf ("" if it cannot be
 * made); test_remove_dir removes such a directory and nothing else. */
void test_temp_dir(char *buf, size_t n, const char *tag);
void test_remove_dir(const char *dir);
/* A deterministic CSV table of rows x cols numbers in [-0.5, 0.5) (six
 * decimals), the same for the same seed; a failed CHECK if it cannot write. */
void test_write_csv(const char *path, size_t rows, size_t cols, unsigned seed);
/* A device on which every write fails with ENOSPC, for the "out of space"
 * rows: /dev/full where it is one, else a character device 1:7 made with
 * mknod in dir (a sandbox may have no /dev/full, and a shell redirect then
 * makes a plain file there on which writes succeed).  Its path into buf;
 * 0 if there is none (the caller says so and skips those rows). */
int test_full_device(char *buf, size_t n, const char *dir);
/* sha256sum's answer for path (64 hex digits), the oracle of a stored hash;
 * 0 if sha256sum did not answer. */
int test_sha256sum(const char *path, char hex[65]);
/* Whether /usr/bin/python3 has numpy and sklearn's digits table (Debian's
 * python3-numpy, python3-sklearn), for the tests checked by NumPy; 0 after
 * printing the skip note. */
int test_numpy_digits(void);
/* The whole file as a malloc'd NUL-terminated string (NULL if missing);
 * *n, if n is not NULL, receives its size. */
char *test_slurp(const char *path, size_t *n);

/* A context with the default allocator; freed by the harness after each test. */
fal_ctx *test_ctx(void);

/* Run the CLI (FALLACY_BIN) with args; stdout into out (NUL-terminated,
 * truncated at cap); returns the exit status, or -1. */
int test_cli(const char *args, char *out, size_t cap);

#endif
