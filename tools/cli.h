/* cli.h -- what the command-line tool's files share. */
#ifndef FALLACY_CLI_H
#define FALLACY_CLI_H

#include <stdio.h>
#include "fallacy.h"

/* Exit codes of the product contract. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_NOMEM = 3 };

/* Map a library status to an exit code. */
int cli_exit_code(fal_status st);
/* Print a result as one JSON object (a line) on f. */
void cli_print_json(FILE *f, const fal_result *res);
/* Print a result as readable lines on f. */
void cli_print_text(FILE *f, const fal_result *res);

int cli_demo(int argc, char **argv);

#endif
