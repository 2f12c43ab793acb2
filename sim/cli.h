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
/* `sculpt forecast --help-model [NAME]` (sim/cmd_params.c): a forecasting model's
 * parameter table (its own and the common ones), or the list of models. */
int sc_cmd_help_model(const char *name, FILE *fp);

/* Print err once and return its exit code. */
int sc_cli_fail(const sc_error *err);

/* Is stderr a terminal (for progress output)? */
int sc_cli_is_tty(void);

/* sim/cmd_outputs.c: refuse an output that is an input or another output (exit 2). */
struct sc_atomic_file;
struct sc_scenario;
sc_status sc_cli_check_outputs(const char *const *outs, size_t n_out, const char *const *ins,
                               size_t n_in, sc_error *err);
/* The files a scenario reads (pointers into sc), at most cap; returns the count. */
size_t sc_cli_scenario_inputs(const struct sc_scenario *sc, const char **ins, size_t cap);
/* A message naming af's temporary file names its final path instead. */
void sc_cli_error_final_name(const struct sc_atomic_file *af, sc_error *err);

/* Exit status of a command stopped by SIGINT or SIGTERM (sim/main.c): 128 + signal
 * number, as a shell reports it: 130 and 143.  Temporary files are removed first. */
#define SC_EXIT_SIGNAL_BASE 128

#endif
