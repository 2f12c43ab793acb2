/*
 * report_shadow.h - `sculpt report` on a shadow run (live mode, --provider mock, --out
 * DIR): planned capacity against observed load per app and region (report_shadow.c has
 * the figures and the layout of the output directory).
 */
#ifndef SCULPT_REPORT_SHADOW_H
#define SCULPT_REPORT_SHADOW_H

#include "report.h"
#include "sculpt/status.h"

/* 1 when path is a shadow report CSV (its header line), 0 otherwise. */
int sc_report_is_shadow(const char *path);

/* Write the shadow report of csv into dir (refused when dir exists, unless
 * opts->force and dir is an earlier report).  Bad rows: SC_ERR_INPUT naming the file and
 * line; on failure nothing is left behind. */
sc_status sc_report_shadow_write(const char *csv, const char *dir, const sc_report_opts *opts,
                                 sc_error *err);

#endif
