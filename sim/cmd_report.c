/*
 * cmd_report.c - `sculpt report RESULTS.h5 -o DIR [--force] [--format png,svg]`: write
 * an HTML report with gnuplot plots and Markdown/CSV tables (reports/src/report.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"
#include "report_shadow.h"

static void report_usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt report RESULTS.h5 -o DIR [--force] [--format png,svg]\n"
            "       sculpt report LIVE_OUT_DIR|shadow.csv -o DIR [--force] [--format ...]\n"
            "\n"
            "Write a report of a results file (from `sculpt run -o` or `sculpt sweep -o`)\n"
            "into the directory DIR: index.html (summary table, plots, provenance),\n"
            "summary.md, summary.csv, plots/*.png and *.svg, and gnuplot/ (each plot's\n"
            "data and the script that draws it). Plots need gnuplot (gnuplot-nox).\n"
            "\n"
            "  -o, --output DIR    the report directory to create\n"
            "      --force         replace DIR if it is an earlier report (or empty);\n"
            "                      without it an existing DIR is an error\n"
            "      --format LIST   png, svg, png,svg (default) or none (tables only)\n"
            "  -h, --help          this help\n"
            "\n"
            "The second form reports a shadow run (`sculpt live --provider mock --out\n"
            "LIVE_OUT_DIR`): planned capacity against observed load per app and region\n"
            "(shadow.md, shadow_summary.csv, one plot per pool).\n"
            "\n"
            "The report is built next to DIR and renamed into place, so a failure leaves\n"
            "nothing behind. Environment: SCULPT_GNUPLOT names the gnuplot program.\n"
            "Exit status: 0 ok, 1 gnuplot missing or failed, 2 bad results file or usage,\n"
            "3 I/O error.\n");
}

int sc_cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"force", no_argument, NULL, 'f'},
                                         {"format", required_argument, NULL, 'F'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *output = NULL;
    sc_report_opts ro;
    sc_report_opts_init(&ro);
    sc_error err;
    sc_error_clear(&err);
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': output = optarg; break;
        case 'f': ro.force = 1; break;
        case 'F':
            if (sc_report_formats_parse(optarg, &ro, &err))
                return sc_cli_fail(&err);
            break;
        case 'h': report_usage(stdout); return 0;
        default: report_usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        sc_error_set(&err, SC_ERR_USAGE, NULL, "expected one results file (see --help)");
        return sc_cli_fail(&err);
    }
    if (!output) {
        sc_error_set(&err, SC_ERR_USAGE, NULL, "no output directory: pass -o DIR (see --help)");
        return sc_cli_fail(&err);
    }
    /* a results file that cannot be read is I/O (exit 3), as for every command */
    if (access(argv[optind], R_OK) != 0) {
        sc_error_set(&err, SC_ERR_IO, argv[optind], "cannot read the results file: %s",
                     strerror(errno));
        return sc_cli_fail(&err);
    }
    /* a shadow run of live mode: its out directory or its shadow.csv */
    char shadow[4200];
    struct stat sb;
    if (stat(argv[optind], &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(shadow, sizeof shadow, "%s/shadow.csv", argv[optind]);
    else
        snprintf(shadow, sizeof shadow, "%s", argv[optind]);
    if (sc_report_is_shadow(shadow)) {
        if (sc_report_shadow_write(shadow, output, &ro, &err))
            return sc_cli_fail(&err);
        printf("shadow report written to %s/index.html\n", output);
        return 0;
    }
    if (sc_report_write(argv[optind], output, &ro, &err))
        return sc_cli_fail(&err);
    printf("report written to %s/index.html\n", output);
    return 0;
}
