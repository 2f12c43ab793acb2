/*
 * main.c - entry point of the `sculpt` program: sets up libsculpt (sc_global_init),
 * installs the interruption handler and dispatches to subcommands (cli.h).  `sculpt
 * --help` is a short manual page.
 *
 * Interruption: SIGINT and SIGTERM stop any command at once (including the long ones,
 * run, sweep, forecast and report, whatever their threads are doing): the handler
 * removes every live temporary file and directory (sc_tmp_cleanup_signal, fsutil.h),
 * writes one line to stderr and calls _exit(128 + signal): 130 for SIGINT, 143 for
 * SIGTERM, as a shell reports them.  Only async-signal-safe calls are made, so the
 * handler cannot deadlock on a lock the interrupted code held.  Outputs are renamed into
 * place only when complete, so none exists under its final name afterwards; after
 * kill -9 (which no handler sees) the next write of the same output removes the stale
 * temporary files.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sculpt/fsutil.h"
#include "sculpt/sculpt.h"

static void on_interrupt(int sig)
{
    sc_tmp_cleanup_signal();
    static const char m_int[] = "sculpt: interrupted by SIGINT; temporary files removed "
                                "[INTERRUPTED]\n";
    static const char m_term[] = "sculpt: stopped by SIGTERM; temporary files removed "
                                 "[INTERRUPTED]\n";
    if (sig == SIGINT)
        (void)!write(STDERR_FILENO, m_int, sizeof m_int - 1);
    else
        (void)!write(STDERR_FILENO, m_term, sizeof m_term - 1);
    _exit(SC_EXIT_SIGNAL_BASE + sig);
}

static void install_interrupt_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigfillset(&sa.sa_mask); /* one handler at a time */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

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
            "  4 regression detected, 130/143 interrupted by SIGINT/SIGTERM.\n"
            "\n"
            "EXAMPLES\n"
            "  sculpt run scenarios/demo.json --json\n"
            "  sculpt plan scenarios/demo.json\n"
            "\n"
            "SEE ALSO\n"
            "  README.md; the library: pkg-config --cflags --libs sculpt, <sculpt/sculpt.h>.\n");
}

/* s to fp with every byte that is not printable ASCII or part of valid UTF-8 shown as
 * \xNN: control characters and terminal escape sequences from input files are never
 * sent raw to a terminal (issue 13). */
static void put_escaped(const char *s, FILE *fp)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = 0; /* length of a valid UTF-8 sequence at p, 0 if none */
        if (*p >= 0x20 && *p < 0x7f)
            n = 1;
        else if (*p >= 0xc2 && *p <= 0xdf)
            n = (p[1] & 0xc0) == 0x80 ? 2 : 0;
        else if (*p >= 0xe0 && *p <= 0xef)
            n = (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 ? 3 : 0;
        else if (*p >= 0xf0 && *p <= 0xf4)
            n = (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4
                                                                                          : 0;
        if (n == 0) {
            fprintf(fp, "\\x%02x", *p);
            p++;
        } else {
            fwrite(p, 1, n, fp);
            p += n;
        }
    }
}

int sc_cli_fail(const sc_error *err)
{
    /* as sc_error_print, with the text escaped */
    if (err && err->status != SC_OK) {
        fputs("sculpt: error: ", stderr);
        if (err->where[0]) {
            put_escaped(err->where, stderr);
            fputs(": ", stderr);
        }
        put_escaped(err->msg[0] ? err->msg : sc_status_message(err->status), stderr);
        fprintf(stderr, " [%s]\n", sc_status_name(err->status));
    }
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
    install_interrupt_handler();
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
