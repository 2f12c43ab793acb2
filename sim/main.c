/*
 * main.c - entry point of the `sculpt` program: sets up libsculpt (sc_global_init) and
 * dispatches to subcommands (cli.h).  `sculpt --help` is a short manual page.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sculpt/sculpt.h"

static const sc_command commands[] = {
    {"compare", "compare two results files; exit 4 on a regression", sc_cmd_compare},
    {"forecast", "fit, predict and evaluate forecasters", sc_cmd_forecast},
    {"live", "run a policy live: observe, decide, journal, apply (dry run by default)", sc_cmd_live},
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
            "       sculpt --help | --version\n"
            "\n"
            "NAME\n"
            "  sculpt - predictive cloud capacity planning: simulate, compare and plan\n"
            "\n"
            "DESCRIPTION\n"
            "  Runs capacity policies (static, reactive, predictive, oracle, sculpt) over\n"
            "  a scenario's demand traces in a discrete-event simulation of a cloud, and\n"
            "  compares their cost and SLO attainment.\n"
            "\n"
            "COMMANDS\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp,
            "\n"
            "  Run 'sculpt COMMAND --help' for a command's options.\n"
            "\n"
            "EXIT STATUS\n"
            "  0 ok, 1 runtime failure, 2 bad input or usage, 3 I/O error,\n"
            "  4 regression detected.\n"
            "\n"
            "EXAMPLES\n"
            "  sculpt run scenarios/demo.json --json\n"
            "  sculpt plan scenarios/demo.json\n"
            "\n"
            "SEE ALSO\n"
            "  README.md; the library: pkg-config --cflags --libs sculpt, <sculpt/sculpt.h>.\n");
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
    /* GSL's abort-on-error handler off (every return code is checked), GLPK quiet,
     * the simulator's plug-ins registered: sculpt/sculpt.h. */
    if (sc_global_init() != SC_OK) {
        fprintf(stderr, "sculpt: error: library initialisation failed [ERR_INTERNAL]\n");
        return 1;
    }
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
        printf("sculpt %s (%s)\n", sc_version_string(), sc_version_commit());
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
