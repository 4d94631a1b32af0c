/* sweep.c -- placeholder until sweeps land. */
#include "cli.h"

int cli_sweep(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("fallacy: sweep: not implemented yet\n", stderr);
    return EXIT_USAGE;
}

int cli_merge(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("fallacy: merge: not implemented yet\n", stderr);
    return EXIT_USAGE;
}
