/*
 * awscred.c - AWS credentials for every AWS client of sculpt (the provider adapter
 * aws.c, Route 53 through it, the CloudWatch metrics source cloudwatch.c): one reader,
 * so that `--provider aws` and `--metrics cloudwatch` find the same keys.
 *
 * Order (the AWS CLI's, for the two sources sculpt supports):
 *   1. the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, both non-empty, with
 *      AWS_SESSION_TOKEN when set;
 *   2. the shared credentials file: AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/
 *      credentials; section [PROFILE] with PROFILE = AWS_PROFILE, else "default"; keys
 *      aws_access_key_id, aws_secret_access_key, aws_session_token.  INI as the CLI
 *      writes it: blank lines and lines starting with '#' or ';' skipped, spaces around
 *      section names, keys and values trimmed, a later duplicate key wins.
 * Nothing else (no config file, no SSO, no instance metadata).
 *
 * Secrets: messages name the file, the profile and the variables, never a value; the
 * line buffer that held a secret is wiped before return.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudint.h"

#define MISSING                                                                            \
    "missing credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile "  \
    "in the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials)"

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    for (char *e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t');)
        *--e = '\0';
    return s;
}

/* Copy v into out[cap]; 0 when it does not fit (a truncated key would only fail later,
 * with a signature error far from its cause). */
static int put(char *out, size_t cap, const char *v)
{
    size_t n = strlen(v);
    if (n >= cap)
        return 0;
    memcpy(out, v, n + 1);
    return 1;
}

/* Read [profile] of path into c.  SC_OK with c->akid[0] == '\0' when the file or the
 * profile is absent; SC_ERR_INPUT when the file is unreadable as credentials. */
static sc_status read_file(const char *who, const char *path, const char *profile,
                           sc_aws_creds *c, sc_error *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return SC_OK;
    char line[4096];
    int in = 0, found = 0;
    long lineno = 0;
    sc_status st = SC_OK;
    while (fgets(line, sizeof line, fp)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n' && !feof(fp)) {
            st = sc_error_set(err, SC_ERR_INPUT, who,
                              "%s line %ld: longer than %zu bytes", path, lineno,
                              sizeof line - 2);
            break;
        }
        line[strcspn(line, "\r\n")] = '\0';
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end) {
                st = sc_error_set(err, SC_ERR_INPUT, who,
                                  "%s line %ld: a section header without ']'", path, lineno);
                break;
            }
            *end = '\0';
            in = strcmp(trim(s + 1), profile) == 0;
            found |= in;
            continue;
        }
        if (!in)
            continue;
        char *eq = strchr(s, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        int ok = 1;
        if (strcmp(k, "aws_access_key_id") == 0)
            ok = put(c->akid, sizeof c->akid, v);
        else if (strcmp(k, "aws_secret_access_key") == 0)
            ok = put(c->secret, sizeof c->secret, v);
        else if (strcmp(k, "aws_session_token") == 0)
            ok = put(c->token, sizeof c->token, v);
        if (!ok) {
            st = sc_error_set(err, SC_ERR_INPUT, who, "%s line %ld: %s is too long", path,
                              lineno, k);
            break;
        }
    }
    memset(line, 0, sizeof line);
    fclose(fp);
    if (st == SC_OK && found && (!c->akid[0] || !c->secret[0]))
        st = sc_error_set(err, SC_ERR_INPUT, who,
                          MISSING "; profile [%s] of %s lacks aws_access_key_id or "
                                  "aws_secret_access_key",
                          profile, path);
    if (st == SC_OK && found)
        snprintf(c->source, sizeof c->source, "%.255s [%.40s]", path, profile);
    return st;
}

sc_status sc_aws_credentials(const char *who, sc_aws_creds *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    const char *id = getenv("AWS_ACCESS_KEY_ID"), *sec = getenv("AWS_SECRET_ACCESS_KEY");
    if (id && *id && sec && *sec) {
        const char *tok = getenv("AWS_SESSION_TOKEN");
        if (!put(out->akid, sizeof out->akid, id) ||
            !put(out->secret, sizeof out->secret, sec) ||
            !put(out->token, sizeof out->token, tok ? tok : ""))
            return sc_error_set(err, SC_ERR_INPUT, who,
                                "an AWS credential variable of the environment is too long");
        snprintf(out->source, sizeof out->source, "environment");
        return SC_OK;
    }
    const char *path = getenv("AWS_SHARED_CREDENTIALS_FILE");
    char def[1024];
    if (!path || !*path) {
        const char *home = getenv("HOME");
        if (!home || !*home)
            return sc_error_set(err, SC_ERR_INPUT, who, MISSING " (HOME is not set)");
        snprintf(def, sizeof def, "%s/.aws/credentials", home);
        path = def;
    }
    const char *profile = getenv("AWS_PROFILE");
    if (!profile || !*profile)
        profile = "default";
    sc_status st = read_file(who, path, profile, out, err);
    if (st) {
        sc_aws_creds_wipe(out);
        return st;
    }
    if (!out->akid[0]) {
        sc_aws_creds_wipe(out);
        return sc_error_set(err, SC_ERR_INPUT, who, MISSING "; no profile [%s] in %s", profile,
                            path);
    }
    return SC_OK;
}

void sc_aws_creds_wipe(sc_aws_creds *c)
{
    /* volatile: the wipe must not be optimised away as a dead store */
    volatile unsigned char *p = (volatile unsigned char *)c;
    for (size_t i = 0; i < sizeof *c; i++)
        p[i] = 0;
}
