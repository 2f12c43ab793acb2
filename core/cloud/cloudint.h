/*
 * cloudint.h - internal helpers of the live cloud adapters (not installed): the HTTP
 * client with retries (http.c) and the flat XML reader (xml.c).
 *
 * HTTP (sc_http).  One libcurl easy handle per client, reused between calls.  Rules:
 *   - TLS verification always on; plain http only to a loopback host (127.0.0.0/8,
 *     localhost, [::1]): sc_http_check_url says why a URL is refused;
 *   - AWS requests are signed by libcurl (CURLOPT_AWS_SIGV4 "aws:amz:REGION:SERVICE")
 *     with the credentials given; the secret goes to libcurl only, never into a message;
 *   - retries: only calls marked idempotent, on a transport failure, HTTP 429, 5xx, or a
 *     body the adapter's classifier calls throttling; wait = Retry-After when the answer
 *     has one (seconds), else truncated exponential backoff with full jitter:
 *     u x min(cap_ms, base_ms x 2^attempt), u from the client's seeded stream (rng.h),
 *     so a test sees the same waits every run.
 *
 * XML (sc_xml_leaves).  expat turns an answer into the list of its leaf elements in
 * document order, each with its slash-joined path from the root ("DescribeAutoScaling
 * GroupsResponse/DescribeAutoScalingGroupsResult/AutoScalingGroups/member/
 * DesiredCapacity") and its trimmed text: enough for the query APIs of EC2, Auto Scaling
 * and Route 53, whose answers are small.
 */
#ifndef SCULPT_CLOUDINT_H
#define SCULPT_CLOUDINT_H

#include <stddef.h>
#include <stdint.h>

#include "sculpt/cloud.h"
#include "sculpt/provider.h"
#include "sculpt/scenario.h"
#include "sculpt/status.h"

typedef struct sc_http_retry {
    int max_attempts;           /* >= 1 */
    int64_t base_ms;            /* first backoff bound */
    int64_t cap_ms;             /* largest backoff bound (truncation) */
    int64_t max_retry_after_ms; /* a longer Retry-After is cut to this */
    uint64_t seed;              /* jitter stream */
} sc_http_retry;

typedef struct sc_http_req {
    const char *method;         /* "GET", "POST" */
    const char *url;
    const char *body;           /* NULL = none */
    const char *content_type;   /* NULL = none */
    const char *sigv4;          /* "aws:amz:REGION:SERVICE" or NULL */
    const char *user, *secret;  /* SigV4 key id and secret (borrowed) */
    const char *session_token;  /* X-Amz-Security-Token, NULL = none */
    int idempotent;             /* may be retried */
    long timeout_ms;            /* whole request; 0 = 30 s */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated; NULL = none
                                   (may hold a bearer token: never copied into messages) */
    const char *capture;        /* a response header whose value goes to resp->captured
                                   (e.g. "Azure-AsyncOperation"); NULL = none */
} sc_http_req;

typedef struct sc_http_resp {
    long status;                /* HTTP status, 0 when no answer */
    char *body;                 /* NUL-terminated, owned (free) */
    size_t len;
    int attempts;               /* requests sent */
    int64_t retry_after_ms;     /* Retry-After of the answer, -1 = none */
    char captured[1024];        /* value of rq->capture, "" = absent */
} sc_http_resp;

/* 1 when an answer (status, body) means "slow down" for this cloud. */
typedef int (*sc_http_throttle_fn)(long status, const char *body);

typedef struct sc_http sc_http;

sc_status sc_http_alloc(const sc_http_retry *retry, sc_http_throttle_fn throttle,
                        sc_http **out, sc_error *err);
void sc_http_free(sc_http *h);
/* The counters of SC_PROVIDER_CTRL_CLOUD_STATS for an adapter with client h and its own
 * counts of mutating and read-only calls (http.c). */
void sc_cloud_stats_fill(void *stats, const sc_http *h, long mutating, long read_only);
/* Send rq (with retries as above).  SC_OK with any HTTP status once an answer came
 * (the caller reads the status); SC_ERR_IO when no answer came after the attempts.
 * resp->body is freed by the caller (sc_http_resp_cleanup). */
sc_status sc_http_do(sc_http *h, const sc_http_req *rq, sc_http_resp *resp, sc_error *err);
void sc_http_resp_cleanup(sc_http_resp *r);
/* Counters since allocation. */
long sc_http_n_retries(const sc_http *h);
long sc_http_n_throttles(const sc_http *h);
long sc_http_n_requests(const sc_http *h);

/* Is url acceptable (https, or http to loopback; a host present)?  *loopback = 1 when
 * the host is a loopback address.  SC_ERR_INPUT with the reason otherwise. */
sc_status sc_http_check_url(const char *url, int *loopback, sc_error *err);
/* --bootstrap creates resources: allowed only against a loopback endpoint unless the
 * scenario's live section sets allow_remote_bootstrap.  SC_OK when cfg->bootstrap is off
 * or allowed; SC_ERR_INPUT naming the endpoint otherwise (what: "groups", "scale sets"). */
sc_status sc_cloud_bootstrap_allowed(const sc_cloud_config *cfg, int loopback, const char *what,
                                     const char *real, sc_error *err);
/* Append the form-encoded (RFC 3986 unreserved kept) value v to buf[cap] at *len. */
void sc_http_form_append(char *buf, size_t cap, size_t *len, const char *key, const char *v);

#define SC_XML_IDS 16
typedef struct sc_xml_leaf {
    char path[256];
    char *text;                 /* owned by the list */
    uint32_t ids[SC_XML_IDS];   /* ids[d]: document-order ordinal (from 1) of the element at
                                   depth d of path (the root is depth 0); 0 = deeper than
                                   SC_XML_IDS: leaves of one element share its id */
} sc_xml_leaf;

/* Leaves of an XML document.  Free with sc_xml_leaves_free(list, n). */
sc_status sc_xml_leaves(const char *xml, size_t len, sc_xml_leaf **out, size_t *n,
                        sc_error *err);
void sc_xml_leaves_free(sc_xml_leaf *list, size_t n);
/* The id of the element of lf's path named by elem ("instancesSet/item": its last match
 * at '/' boundaries), 0 when none: tells leaves of one list item from the next, whatever
 * the order of its children. */
uint32_t sc_xml_element_id(const sc_xml_leaf *lf, const char *elem);
/* Does path end with suffix at a '/' boundary? */
int sc_xml_path_ends(const char *path, const char *suffix);

/* ---- AWS credentials shared by the AWS clients (awscred.c) ------------------------- */

typedef struct sc_aws_creds {
    char akid[128];             /* access key id */
    char secret[256];           /* secret access key: to libcurl only, never in a message */
    char token[2048];           /* session token, "" = none */
    char source[300];           /* where they came from, for messages: "environment" or
                                   "PATH [profile]" (never a value) */
} sc_aws_creds;

/* The credentials of the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN), else of the shared credentials file (AWS_SHARED_CREDENTIALS_FILE,
 * else $HOME/.aws/credentials; profile AWS_PROFILE, else "default").  None found, or a
 * file unreadable as credentials: SC_ERR_INPUT "missing credentials: ..." under `who`
 * (e.g. "aws", "--metrics cloudwatch"), naming the file and profile, never a value.
 * Wipe *out with sc_aws_creds_wipe when done. */
sc_status sc_aws_credentials(const char *who, sc_aws_creds *out, sc_error *err);
void sc_aws_creds_wipe(sc_aws_creds *c);

/* ---- AWS request signing shared by the AWS services (aws.c, route53.c) -------------- */

typedef struct sc_aws_auth {
    sc_http *http;              /* borrowed */
    const char *endpoint;       /* "" = the real endpoints */
    const char *akid, *secret, *token; /* borrowed; token "" = none */
} sc_aws_auth;

/* POST one Query API call (form body) to SERVICE in REGION (the endpoint, else
 * https://SERVICE.REGION.amazonaws.com/), signed SigV4.  On an HTTP error answer: SC_OK
 * when its code is in ok_codes ("|"-separated, NULL = none), else SC_ERR_IO (5xx or
 * throttling) or SC_ERR_INPUT, the message naming the action, region, code and API
 * message.  On SC_OK the caller frees resp (sc_http_resp_cleanup). */
sc_status sc_aws_query(const sc_aws_auth *auth, const char *service, const char *region,
                       const char *body, int idempotent, const char *ok_codes,
                       sc_http_resp *resp, sc_error *err);

/* sc_aws_query, then the answer's XML leaves (sc_xml_leaves_free(*lv, *n)). */
sc_status sc_aws_query_xml(const sc_aws_auth *auth, const char *service, const char *region,
                           const char *body, int idempotent, sc_xml_leaf **lv, size_t *n,
                           sc_error *err);

/* ---- EC2 instances of the reserved pools (ec2.c) ---------------------------------- */

#define SC_EC2_POOL_TAG "sculpt-pool" /* tag key; value = the group name of (app, region) */
enum { SC_EC2_PENDING = 0, SC_EC2_RUNNING = 1, SC_EC2_SHUTTING_DOWN = 2 };

typedef struct sc_ec2_instance {
    char id[32];                /* "i-0123456789abcdef0" */
    int pool;                   /* index into the pools asked for */
    int state;                  /* SC_EC2_PENDING, _RUNNING or _SHUTTING_DOWN */
} sc_ec2_instance;

/* The pending, running and shutting-down instances of region tagged with one of
 * pools[0..n_pools) (DescribeInstances, every page).  *out is freed by the caller with
 * free(); *read_only counts the calls. */
sc_status sc_ec2_describe(const sc_aws_auth *auth, const char *region, const char *const *pools,
                          size_t n_pools, sc_ec2_instance **out, size_t *n_out, long *read_only,
                          sc_error *err);
/* RunInstances of count instances (all or none) of type from image, tagged with pool,
 * under ClientToken token; *launched = the instances of the answer (the first answer
 * again for a repeated token). */
sc_status sc_ec2_run(const sc_aws_auth *auth, const char *region, const char *pool,
                     const char *image, const char *type, int count, const char *token,
                     int *launched, long *mutating, sc_error *err);
/* The ClientToken of a RunInstances: the UUID form (sc_uuid_from, 36 characters, within
 * EC2's 64 ASCII characters) of "sculpt-ct|PLAN|KEY|POOL".  Deterministic: the same plan
 * id, call key ("<t>-<n>": the step and the call's rank) and pool (group name) give the
 * same token on every attempt and every run. */
#define SC_AWS_TOKEN_MAX 37
void sc_aws_client_token(const char *plan, const char *key, const char *pool, char *out);
/* TerminateInstances of ids[0..n). */
sc_status sc_ec2_terminate(const sc_aws_auth *auth, const char *region, const char *const *ids,
                           size_t n, long *mutating, sc_error *err);
/* Sort instances in the order a scale-in terminates them (pending first, then by
 * descending id). */
void sc_ec2_sort_victims(sc_ec2_instance *list, size_t n);

/* ---- Reserved Instances bought for the reserved pools (ri.c) ------------------------ */

/* $.live.reservations: {"buy": false, "offering_class": "standard", "offering_type":
 * "No Upfront", "product": "Linux/UNIX", "scope": "Region", "availability_zone":
 * "{region}a", "tenancy": "default"} (defaults shown; availability_zone is used with
 * scope "Availability Zone"). */
typedef struct sc_ri_config {
    int buy;                    /* buy RIs as the reserved pools grow (default 0) */
    char offering_class[16];    /* "standard" | "convertible" */
    char offering_type[24];     /* "No Upfront" | "Partial Upfront" | "All Upfront" */
    char product[64];           /* ProductDescription, e.g. "Linux/UNIX" */
    char scope[24];             /* "Region" | "Availability Zone" */
    char zone[64];              /* zone template ({region}) for zonal RIs */
    char tenancy[16];           /* "default" | "dedicated" */
} sc_ri_config;

/* Read $.live.reservations (absent: defaults, buy off).  Bad input: SC_ERR_INPUT with the
 * file and JSON path. */
sc_status sc_ri_read(const sc_scenario *sc, sc_ri_config *out, sc_error *err);
/* *held = the instance count of the RIs of type in region (active or payment-pending,
 * the configured product and scope): one DescribeReservedInstances. */
sc_status sc_ri_held(const sc_aws_auth *auth, const sc_ri_config *c, const char *region,
                     const char *type, int *held, long *read_only, sc_error *err);
/* The offering to buy: the one matching c, type and the term duration_s (seconds) with
 * the least total price over the term (ties: the smaller id); id[id_cap] and its
 * upfront price per instance *fixed_usd.  None: SC_ERR_INPUT naming what was asked. */
sc_status sc_ri_offering(const sc_aws_auth *auth, const sc_ri_config *c, const char *region,
                         const char *type, int64_t duration_s, char *id, size_t id_cap,
                         double *fixed_usd, long *read_only, sc_error *err);
/* PurchaseReservedInstancesOffering of count instances (never retried: not idempotent);
 * ri_id[ri_cap] gets the reservedInstancesId. */
sc_status sc_ri_purchase(const sc_aws_auth *auth, const char *region, const char *offering_id,
                         int count, char *ri_id, size_t ri_cap, long *mutating, sc_error *err);

/* The API's error code and message of an XML error answer (Query and REST-XML APIs
 * share Error/Code and Error/Message), "HTTP error" when it has none. */
void sc_aws_api_error(const char *body, char *code, size_t ccap, char *msg, size_t mcap);

/* ---- Route 53 weighted records (route53.c) ----------------------------------------- */

/* $.live.route53 of a scenario: {"hosted_zone_id": "Z...", "record": TEMPLATE,
 * "target": TEMPLATE, "type": "CNAME", "ttl": 60, "wait_insync": true}; templates take
 * {app}, {geo} and {region}. */
/* h-liveroute: Route 53's account-wide request limit as a token bucket on the client
 * side (route53.c): `burst` tokens at most, refilled at `rate_per_sec`; every request
 * to Route 53 (ChangeResourceRecordSets and GetChange alike: the limit is per account,
 * over all its Route 53 requests) takes one token, waiting for it when the bucket is
 * empty, so a burst of weight changes is spaced instead of throttled. */
typedef struct sc_r53_bucket {
    double rate_per_sec;        /* refill, tokens per second (> 0; <= 0 = no pacing) */
    double burst;               /* capacity, tokens (>= 1) */
    double tokens;              /* tokens at t_ms (the bucket starts full) */
    int64_t t_ms;               /* time of the last take, ms (INT64_MIN = never) */
    long paced;                 /* requests that waited */
    int64_t waited_ms;          /* total wait */
} sc_r53_bucket;

/* Take one token at now_ms (any monotonic ms clock, non-decreasing across calls); the
 * answer is how long the caller waits before sending, in ms (0 when a token is there).
 * The token is accounted at now_ms + the wait, so back-to-back takes of an empty bucket
 * are spaced 1000 / rate_per_sec ms apart. */
int64_t sc_r53_bucket_take(sc_r53_bucket *b, int64_t now_ms);

typedef struct sc_route53 {
    int enabled;                /* the section is present */
    sc_r53_bucket bucket;       /* h-liveroute: "rate_per_sec" (default 5), "burst"
                                   (default 5): the account's request limit */
    char zone[64];              /* hosted zone id without "/hostedzone/" */
    char record[256];           /* record name template, default "{app}.{geo}.sculpt.internal" */
    char target[256];           /* record value template, default "{app}-{region}.sculpt.internal" */
    char type[8];               /* "CNAME" (default) or "A" */
    int ttl_s;                  /* record TTL, default 60 */
    int wait_insync;            /* poll GetChange until INSYNC (default 1) */
    int64_t poll_ms;            /* between GetChange calls (default 2000) */
    int max_polls;              /* GetChange calls before giving up (default 60) */
} sc_route53;

/* Read $.live.route53 (absent: enabled = 0).  Bad input: SC_ERR_INPUT with the file and
 * JSON path. */
sc_status sc_route53_read(const sc_scenario *sc, sc_route53 *out, sc_error *err);
/* UPSERT the weighted record of (app, geo) for region with weight (0..255), then poll
 * GetChange until INSYNC (when wait_insync).  *calls counts the API calls made;
 * *mutating the mutating ones. */
sc_status sc_route53_set_weight(sc_route53 *r, const sc_aws_auth *auth,
                                const sc_scenario *sc, int app, int geo, int region,
                                int weight, long *mutating, long *read_only, sc_error *err);
/* The record name / value of a template for (app, geo, region) into out[cap]. */
void sc_cloud_expand(char *out, size_t cap, const char *tmpl, const char *app,
                       const char *geo, const char *region);

/* ---- JWT (jwt.c) ---------------------------------------------------------------------- */

/* base64url without padding (RFC 4648 section 5) of n bytes into out[cap]; returns the
 * length, or 0 when out is too small. */
size_t sc_b64url(const unsigned char *in, size_t n, char *out, size_t cap);
/* A JWT "base64url(header).base64url(claims).base64url(signature)" signed RS256
 * (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 section 3.3) with the PEM private key.  *out is
 * freed by the caller with free().  Errors never quote the key. */
sc_status sc_jwt_rs256(const char *pem_key, const char *header_json, const char *claims_json,
                       char **out, sc_error *err);
/* A request id in UUID form (8-4-4-4-12 hex) from SHA-256 of text: stable for the same
 * text (GCP's requestId must be a UUID). */
void sc_uuid_from(const char *text, char out[37]);

/* A provider's describe() through its snapshot(): takes a full snapshot of the
 * n_apps x n_regions x SC_PURCHASE_COUNT pools into a scratch array and copies out the
 * one pool asked for (the adapters whose API answers per group, not per pool). */
sc_status sc_cloud_describe_by_snapshot(
    sc_status (*snapshot)(void *state, sc_pool_state *out, size_t n, int since_last,
                          sc_error *err),
    void *state, size_t n_apps, size_t n_regions, int app, int region, sc_purchase option,
    sc_pool_state *out, sc_error *err);

/* The target count of a pool after act (count +/- act->count, at least 0) from its
 * cached count *cached, refreshed through snapshot (which updates *cached) when
 * unknown (< 0): the adapters whose pool is one absolute size (Azure sku.capacity, GCP
 * targetSize). */
sc_status sc_cloud_target_of(
    sc_status (*snapshot)(void *state, sc_pool_state *out, size_t n, int since_last,
                          sc_error *err),
    void *state, size_t n_apps, size_t n_regions, const int *cached, const sc_action *act,
    int *target, sc_error *err);

/* The scenario's initial count of app's pool (region, option). */
int sc_cloud_initial(const sc_app *app, int region, sc_purchase option);
/* Does region price option for some app's type (the pool exists)? */
int sc_cloud_offered(const sc_scenario *sc, size_t region, sc_purchase option);

#endif
