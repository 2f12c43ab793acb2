/*
 * jwt.c - RS256 JSON Web Tokens for the GCP adapter's service-account grant (cloudint.h).
 *
 * RFC 7519 (JWT) with the JWS compact serialisation of RFC 7515: the signing input is
 * base64url(header) "." base64url(claims), signed with RSASSA-PKCS1-v1_5 over SHA-256
 * (RFC 7518 "RS256") by OpenSSL's EVP_DigestSign; the token is the input "."
 * base64url(signature).  Google's OAuth 2.0 server-to-server flow sends it as the
 * `assertion` of a urn:ietf:params:oauth:grant-type:jwt-bearer grant.
 *
 * The private key is read from memory (a BIO over the PEM text) and freed at once; an
 * error says that the key could not be used, never what it holds.
 */
#include "cloudint.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t sc_b64url(const unsigned char *in, size_t n, char *out, size_t cap)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t need = (n / 3) * 4 + (n % 3 ? n % 3 + 1 : 0) + 1;
    if (need > cap)
        return 0;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = tab[v >> 6 & 63];
        out[o++] = tab[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = tab[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

sc_status sc_jwt_rs256(const char *pem_key, const char *header_json, const char *claims_json,
                       char **out, sc_error *err)
{
    *out = NULL;
    size_t hl = strlen(header_json), cl = strlen(claims_json);
    size_t cap = (hl + cl) * 2 + 2048;
    char *tok = malloc(cap);
    if (!tok)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    size_t n = sc_b64url((const unsigned char *)header_json, hl, tok, cap);
    tok[n++] = '.';
    n += sc_b64url((const unsigned char *)claims_json, cl, tok + n, cap - n);
    sc_status st = SC_OK;
    BIO *bio = BIO_new_mem_buf(pem_key, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char sig[1024];
    size_t sl = sizeof sig;
    if (!key || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
        st = sc_error_set(err, SC_ERR_INPUT, "gcp",
                          "the service account's private_key is not an RSA private key in "
                          "PEM form");
    } else if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
               EVP_DigestSign(md, sig, &sl, (const unsigned char *)tok, n) != 1) {
        st = sc_error_set(err, SC_ERR_INTERNAL, "gcp", "RS256 signing failed (OpenSSL)");
    } else {
        tok[n++] = '.';
        if (!sc_b64url(sig, sl, tok + n, cap - n))
            st = sc_error_set(err, SC_ERR_INTERNAL, "gcp", "JWT buffer too small");
    }
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    BIO_free(bio);
    if (st) {
        free(tok);
        return st;
    }
    *out = tok;
    return SC_OK;
}

void sc_uuid_from(const char *text, char out[37])
{
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)text, strlen(text), h);
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x50); /* version 5 layout (name-based) */
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1],
             h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
             h[15]);
}
