/*
 * test_cloud_awscred.c - the shared AWS credentials reader (core/cloud/awscred.c) used by
 * the AWS adapter and the CloudWatch source.  Files are written here by hand in the
 * format of the AWS CLI's documentation ("Configuration and credential file settings":
 * [profile] sections, key = value lines, '#' comments); the expected keys are the ones
 * written, so the reference is the file itself, not the reader.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/cloud/cloudint.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/sculpt-awscred-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_PROFILE");
    setenv("HOME", dir, 1);
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(awscred, .init = setup, .fini = teardown);

static void write_home_file(const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/.aws", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/.aws/credentials", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *FILE_TEXT =
    "# written by hand, as `aws configure` would\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key = default-secret-0001\n"
    "\n"
    "; another comment style\n"
    "[ ci ]\n"
    "  aws_access_key_id=AKIDCI  \r\n"
    "aws_secret_access_key =ci-secret-0002\r\n"
    "aws_session_token = tok/with+slash=\r\n"
    "region = eu-west-1\n"
    "[empty]\n"
    "region = us-east-1\n";

Test(awscred, default_profile_from_home)
{
    write_home_file(FILE_TEXT);
    sc_aws_creds c;
    sc_error err;
    cr_assert_eq(sc_aws_credentials("aws", &c, &err), SC_OK, "%s", err.msg);
    cr_assert_str_eq(c.akid, "AKIDDEFAULT");
    cr_assert_str_eq(c.secret, "default-secret-0001");
    cr_assert_str_eq(c.token, "");
    cr_assert(strstr(c.source, "/.aws/credentials [default]"), "%s", c.source);
    cr_assert_null(strstr(c.source, "secret"));
    sc_aws_creds_wipe(&c);
    cr_assert_str_eq(c.secret, "");
}

Test(awscred, named_profile_trimmed_crlf_and_token)
{
    write_home_file(FILE_TEXT);
    setenv("AWS_PROFILE", "ci", 1);
    sc_aws_creds c;
    sc_error err;
    cr_assert_eq(sc_aws_credentials("aws", &c, &err), SC_OK, "%s", err.msg);
    cr_assert_str_eq(c.akid, "AKIDCI");
    cr_assert_str_eq(c.secret, "ci-secret-0002");
    cr_assert_str_eq(c.token, "tok/with+slash=");
}

Test(awscred, environment_wins_over_the_file)
{
    write_home_file(FILE_TEXT);
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    setenv("AWS_SESSION_TOKEN", "env-token", 1);
    sc_aws_creds c;
    sc_error err;
    cr_assert_eq(sc_aws_credentials("aws", &c, &err), SC_OK, "%s", err.msg);
    cr_assert_str_eq(c.akid, "AKIDENV");
    cr_assert_str_eq(c.secret, "env-secret");
    cr_assert_str_eq(c.token, "env-token");
    cr_assert_str_eq(c.source, "environment");
    /* half a pair in the environment: the file is used */
    unsetenv("AWS_SECRET_ACCESS_KEY");
    cr_assert_eq(sc_aws_credentials("aws", &c, &err), SC_OK, "%s", err.msg);
    cr_assert_str_eq(c.akid, "AKIDDEFAULT");
}

Test(awscred, explicit_file_variable)
{
    char path[512];
    snprintf(path, sizeof path, "%s/other.ini", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("[default]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s3\n", f);
    fclose(f);
    write_home_file(FILE_TEXT);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    sc_aws_creds c;
    sc_error err;
    cr_assert_eq(sc_aws_credentials("aws", &c, &err), SC_OK, "%s", err.msg);
    cr_assert_str_eq(c.akid, "AKIDOTHER");
    cr_assert_str_eq(c.secret, "s3");
}

Test(awscred, missing_and_incomplete)
{
    sc_aws_creds c;
    sc_error err;
    /* no file at all */
    cr_assert_eq(sc_aws_credentials("--metrics cloudwatch", &c, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "missing credentials"), "%s", err.msg);
    cr_assert(strstr(err.msg, "no profile [default]"), "%s", err.msg);
    cr_assert_str_eq(err.where, "--metrics cloudwatch");
    write_home_file(FILE_TEXT);
    /* a profile that is not there */
    setenv("AWS_PROFILE", "prod", 1);
    cr_assert_eq(sc_aws_credentials("aws", &c, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "no profile [prod]"), "%s", err.msg);
    /* a profile without keys: named, and no secret of another profile in the message */
    setenv("AWS_PROFILE", "empty", 1);
    cr_assert_eq(sc_aws_credentials("aws", &c, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "profile [empty]") && strstr(err.msg, "lacks"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, "secret-000"), "%s", err.msg);
    cr_assert_str_eq(c.akid, "");
    cr_assert_str_eq(c.secret, "");
}

Test(awscred, malformed_section_is_an_error_with_the_line)
{
    write_home_file("[default\naws_access_key_id = A\naws_secret_access_key = B\n");
    sc_aws_creds c;
    sc_error err;
    cr_assert_eq(sc_aws_credentials("aws", &c, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "/.aws/credentials line 1"), "%s", err.msg);
}
