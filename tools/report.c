/* report.c -- placeholder until the report lands. */
#include "cli.h"

int cli_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("fallacy: report: not implemented yet\n", stderr);
    return EXIT_USAGE;
}
