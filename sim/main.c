/*
 * main.c - entry point of the `sculpt` program: dispatches to subcommands (cli.h).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "cli.h"
#include "sculpt/version.h"

static const sc_command commands[] = {
    {"compare", "compare two results files; exit 4 on a regression", sc_cmd_compare},
    {"forecast", "fit, predict and evaluate forecasters", sc_cmd_forecast},
    {"plan", "print the capacity plan (timed, explained actions) for a scenario", sc_cmd_plan},
    {"report", "write an HTML report with plots of a results file", sc_cmd_report},
    {"run", "run a scenario's policies and compare them", sc_cmd_run},
    {"sweep", "run a scenario sweep (axes x replicates) in parallel", sc_cmd_sweep},
    {"scenario", "validate a scenario file (scenario check FILE)", sc_cmd_scenario},
    {"trace", "import, generate and inspect traces (trace import|gen|info)", sc_cmd_trace},
};

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt COMMAND [OPTIONS]\n"
            "\n"
            "Predictive cloud capacity planning: simulate, compare and plan.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp,
            "\n"
            "Run 'sculpt COMMAND --help' for a command's options.\n"
            "Exit status: 0 ok, 1 runtime failure, 2 bad input or usage, 3 I/O error,\n"
            "4 regression detected.\n");
}

int sc_cli_fail(const sc_error *err)
{
    sc_error_print(err, stderr);
    int code = sc_status_exit_code(err->status);
    return code ? code : 1;
}

int sc_cli_is_tty(void)
{
    return isatty(STDERR_FILENO);
}

int main(int argc, char **argv)
{
    /* No process-wide GSL error handler: every call's return code is checked. */
    gsl_set_error_handler_off();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("sculpt %s (%s)\n", SC_VERSION, SC_GIT_COMMIT);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "sculpt: error: unknown command '%s'; valid commands:", argv[1]);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(stderr, " %s", commands[i].name);
    fprintf(stderr, " [ERR_USAGE]\n");
    return 2;
}
