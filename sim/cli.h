/*
 * cli.h - the `sculpt` command-line program: one function per subcommand.
 *
 * Each subcommand parses its own options (getopt_long), prints --help to stdout and
 * exit 0, prints errors once to stderr as "sculpt: error: <where>: <what>" and returns
 * the exit code of its status (status.h): 0 ok, 1 runtime failure, 2 bad input or
 * usage, 3 I/O failure, 4 regression.
 */
#ifndef SCULPT_CLI_H
#define SCULPT_CLI_H

#include "sculpt/status.h"

typedef struct sc_command {
    const char *name;                     /* "run", "trace", ... */
    const char *summary;                  /* one line for `sculpt --help` */
    int (*main)(int argc, char **argv);   /* argv[0] is the subcommand name */
} sc_command;

int sc_cmd_run(int argc, char **argv);
int sc_cmd_trace(int argc, char **argv);
int sc_cmd_trace_gen(int argc, char **argv); /* sim/cmd_trace_gen.c: `sculpt trace gen` */
int sc_cmd_scenario(int argc, char **argv);
int sc_cmd_forecast(int argc, char **argv);
int sc_cmd_sweep(int argc, char **argv);   /* sim/cmd_sweep.c */
int sc_cmd_compare(int argc, char **argv); /* sim/cmd_compare.c */
int sc_cmd_report(int argc, char **argv); /* sim/cmd_report.c: `sculpt report` */
int sc_cmd_plan(int argc, char **argv);   /* sim/cmd_plan.c: `sculpt plan` */
int sc_cmd_live(int argc, char **argv);   /* sim/cmd_live.c: `sculpt live` */

/* `sculpt run --help-policy [NAME]` (sim/cmd_params.c): NAME's parameter table, or the
 * list of policies when name is NULL; returns the exit code. */
int sc_cmd_help_policy(const char *name, FILE *fp);

/* Print err once and return its exit code. */
int sc_cli_fail(const sc_error *err);

/* Is stderr a terminal (for progress output)? */
int sc_cli_is_tty(void);

#endif
