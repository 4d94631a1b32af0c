/* need.c -- placeholder until `fallacy need` lands. */
#include "cli.h"

int cli_need(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("fallacy: need: not implemented yet\n", stderr);
    return EXIT_USAGE;
}
