/* classes.c -- a class analysis (the information view, I1): the function
 * manifold of the linear autoencoder A(n, m, n) has dimension m (2n - m)
 * (the rank of its Jacobian), and a teacher-student fit needs k_min = n
 * examples.  Checks both against the closed form for n = 6, m = 2 (rank
 * 20); exit 0 if they agree, 1 if not, 2 on an error.
 *
 *   cc classes.c $(pkg-config --cflags --libs fallacy) -o classes && ./classes */
#include <stdio.h>
#include <fallacy.h>

int main(void)
{
    const unsigned long long n = 6, m = 2;
    fal_ctx *ctx = NULL;
    if (fal_ctx_new(&ctx, NULL) != FAL_OK) {
        fprintf(stderr, "classes: %s\n", ctx ? fal_ctx_message(ctx) : "out of memory");
        fal_ctx_free(ctx);
        return 2;
    }
    fal_arch *arch = NULL;
    fal_status st = fal_arch_parse(ctx, "6,2,6", &arch);
    fal_classes c;
    if (st == FAL_OK) {
        fal_config cfg;
        fal_config_init(&cfg);
        cfg.family = fal_family_find("linear-ae");
        cfg.arch = arch;
        cfg.seed = 1;
        st = fal_classes_compute(ctx, &cfg, &c);
    }
    int rc = 2;
    if (st == FAL_OK) {
        printf("%s (%s): w = %llu parameters, function manifold dim %llu (closed form %llu), class dim %llu, "
               "k_min %llu (n = %llu)\n",
               c.family, c.id, (unsigned long long)c.params, (unsigned long long)c.function_dim, m * (2 * n - m),
               (unsigned long long)c.class_dim, (unsigned long long)c.k_min, n);
        rc = c.function_dim == m * (2 * n - m) && c.k_min == n ? 0 : 1;
    } else {
        fprintf(stderr, "classes: %s\n", fal_ctx_message(ctx));
    }
    fal_arch_free(arch);
    fal_ctx_free(ctx);
    return rc;
}
