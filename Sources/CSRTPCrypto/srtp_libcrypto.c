/*
 * libsrtp2 cipher and auth types over OpenSSL 3 libcrypto: AES-ICM
 * (AES-CTR) 128/192/256, AES-GCM 128/256 and HMAC-SHA1. See
 * include/CSRTPCrypto.h for why, and what each type's contract is.
 *
 * Semantics follow libsrtp 2.5.0's OpenSSL backend (aes_icm_ossl.c,
 * aes_gcm_ossl.c, hmac_ossl.c); where that code would read out of bounds or
 * underflow on bad arguments, these return a libsrtp status instead.
 * Nothing here traps, and nothing allocates after the cipher or auth
 * instance exists: each EVP_CIPHER_CTX is created by alloc, keyed by init
 * and reused for every packet (re-initialised with a new IV only).
 */

/* SHA1_Init/Update/Final are deprecated in OpenSSL 3 but exported (Debian
 * builds libcrypto with them); SHA_CTX is a plain struct that can be
 * copied by value, which the EVP digest API cannot do without a heap
 * allocation (EVP_MD_CTX_copy_ex duplicates the provider context). */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "CSRTPCrypto.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

/* Exported by libsrtp2.so, declared only in its uninstalled headers. */
extern const srtp_cipher_test_case_t srtp_aes_icm_128_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_icm_192_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_icm_256_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_gcm_128_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_gcm_256_test_case_0;

#define SALT_LEN 14 /* SRTP_SALT_LEN: the ICM salt */
#define GCM_IV_LEN 12
#define GCM_TAG_LEN_8 8
#define GCM_TAG_LEN_16 16
#define SHA1_LEN 20
#define SHA1_BLOCK 64

/* ------------------------------------------------------------------ */
/* Fetched algorithms                                                  */
/* ------------------------------------------------------------------ */

/*
 * Explicitly fetched once per process: keying a context with the
 * EVP_aes_*() legacy handles would make libcrypto look the provider
 * implementation up again on every key set (it is per key, not per
 * packet, but thousands of sessions are keyed at once on a busy server).
 * Never freed (process lifetime, like libsrtp's own kernel).
 */
enum { ALG_CTR_128, ALG_CTR_192, ALG_CTR_256, ALG_GCM_128, ALG_GCM_256, ALG_COUNT };
static const char *const algorithm_names[ALG_COUNT] = {
    "AES-128-CTR", "AES-192-CTR", "AES-256-CTR", "AES-128-GCM", "AES-256-GCM",
};
static EVP_CIPHER *fetched[ALG_COUNT];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_algorithms(void)
{
    for (int i = 0; i < ALG_COUNT; i++) {
        fetched[i] = EVP_CIPHER_fetch(NULL, algorithm_names[i], NULL);
    }
    ERR_clear_error();
}

static const EVP_CIPHER *algorithm(int which)
{
    if (pthread_once(&fetch_once, fetch_algorithms) != 0) {
        return NULL;
    }
    return fetched[which];
}

/* Failure paths leave nothing on this thread's OpenSSL error queue. */
static srtp_err_status_t failed(srtp_err_status_t status)
{
    ERR_clear_error();
    return status;
}

/* ------------------------------------------------------------------ */
/* AES-ICM (RFC 3711 4.1.1) = AES-CTR with counter = (salt || 0^16) XOR IV */
/* ------------------------------------------------------------------ */

typedef struct {
    EVP_CIPHER_CTX *ctx;
    int key_size;       /* 16, 24 or 32 */
    int alg;            /* ALG_CTR_* */
    uint8_t offset[16]; /* salt || 00 00 */
    uint8_t counter[16];
} icm_state;

typedef struct {
    srtp_cipher_t cipher; /* first: libsrtp frees through our dealloc only */
    icm_state state;
} icm_block;

static srtp_err_status_t icm_alloc(srtp_cipher_t **c, int key_len, int tag_len)
{
    (void)tag_len; /* no tag in counter mode */
    if (c == NULL) {
        return srtp_err_status_bad_param;
    }
    *c = NULL;

    const srtp_cipher_type_t *type;
    int algorithm_id, key_size, alg;
    switch (key_len) {
    case SRTP_AES_ICM_128_KEY_LEN_WSALT:
        type = &csrtp_libcrypto_aes_icm_128;
        algorithm_id = SRTP_AES_ICM_128;
        key_size = SRTP_AES_128_KEY_LEN;
        alg = ALG_CTR_128;
        break;
    case SRTP_AES_ICM_192_KEY_LEN_WSALT:
        type = &csrtp_libcrypto_aes_icm_192;
        algorithm_id = SRTP_AES_ICM_192;
        key_size = SRTP_AES_192_KEY_LEN;
        alg = ALG_CTR_192;
        break;
    case SRTP_AES_ICM_256_KEY_LEN_WSALT:
        type = &csrtp_libcrypto_aes_icm_256;
        algorithm_id = SRTP_AES_ICM_256;
        key_size = SRTP_AES_256_KEY_LEN;
        alg = ALG_CTR_256;
        break;
    default:
        return srtp_err_status_bad_param;
    }

    icm_block *block = calloc(1, sizeof(icm_block));
    if (block == NULL) {
        return srtp_err_status_alloc_fail;
    }
    block->state.ctx = EVP_CIPHER_CTX_new();
    if (block->state.ctx == NULL) {
        free(block);
        return failed(srtp_err_status_alloc_fail);
    }
    block->state.key_size = key_size;
    block->state.alg = alg;
    block->cipher.type = type;
    block->cipher.state = &block->state;
    block->cipher.key_len = key_len;
    block->cipher.algorithm = algorithm_id;
    *c = &block->cipher;
    return srtp_err_status_ok;
}

static srtp_err_status_t icm_dealloc(srtp_cipher_t *c)
{
    if (c == NULL) {
        return srtp_err_status_bad_param;
    }
    icm_block *block = (icm_block *)c;
    /* Frees the provider context with OPENSSL_clear_free (key schedule). */
    EVP_CIPHER_CTX_free(block->state.ctx);
    OPENSSL_cleanse(block, sizeof(*block));
    free(block);
    return srtp_err_status_ok;
}

/* key: key_size bytes of AES key, then the 14-byte salt. */
static srtp_err_status_t icm_init(void *cv, const uint8_t *key)
{
    icm_state *s = cv;
    if (s == NULL || key == NULL) {
        return srtp_err_status_bad_param;
    }
    const EVP_CIPHER *evp = algorithm(s->alg);
    if (evp == NULL) {
        return srtp_err_status_init_fail;
    }
    memset(s->offset, 0, sizeof(s->offset));
    memcpy(s->offset, key + s->key_size, SALT_LEN); /* last two octets stay 0 */
    memcpy(s->counter, s->offset, sizeof(s->counter));
    if (!EVP_EncryptInit_ex(s->ctx, evp, NULL, key, NULL)) {
        return failed(srtp_err_status_fail);
    }
    return srtp_err_status_ok;
}

/* iv: 16 bytes, XORed onto the offset; the direction does not matter. */
static srtp_err_status_t icm_set_iv(void *cv, uint8_t *iv, srtp_cipher_direction_t direction)
{
    icm_state *s = cv;
    (void)direction;
    if (s == NULL || iv == NULL) {
        return srtp_err_status_bad_param;
    }
    for (int i = 0; i < 16; i++) {
        s->counter[i] = s->offset[i] ^ iv[i];
    }
    if (!EVP_EncryptInit_ex(s->ctx, NULL, NULL, NULL, s->counter)) {
        return failed(srtp_err_status_fail);
    }
    return srtp_err_status_ok;
}

/* XORs the keystream onto buf in place; successive calls after one
 * set_iv continue the keystream (libsrtp's srtp_cipher_output, then the
 * payload). Encrypt and decrypt are the same operation. */
static srtp_err_status_t icm_encrypt(void *cv, uint8_t *buf, unsigned int *len)
{
    icm_state *s = cv;
    if (s == NULL || len == NULL || *len > (unsigned int)INT_MAX) {
        return srtp_err_status_bad_param;
    }
    if (*len == 0) {
        return srtp_err_status_ok;
    }
    if (buf == NULL) {
        return srtp_err_status_bad_param;
    }
    int out = 0;
    if (!EVP_EncryptUpdate(s->ctx, buf, &out, buf, (int)*len) || out != (int)*len) {
        return failed(srtp_err_status_cipher_fail);
    }
    return srtp_err_status_ok;
}

static const char icm_128_description[] = "AES-128 counter mode using OpenSSL libcrypto (dtls-srtp)";
static const char icm_192_description[] = "AES-192 counter mode using OpenSSL libcrypto (dtls-srtp)";
static const char icm_256_description[] = "AES-256 counter mode using OpenSSL libcrypto (dtls-srtp)";

const srtp_cipher_type_t csrtp_libcrypto_aes_icm_128 = {
    icm_alloc, icm_dealloc, icm_init, NULL, icm_encrypt, icm_encrypt, icm_set_iv, NULL,
    icm_128_description, &srtp_aes_icm_128_test_case_0, SRTP_AES_ICM_128,
};
const srtp_cipher_type_t csrtp_libcrypto_aes_icm_192 = {
    icm_alloc, icm_dealloc, icm_init, NULL, icm_encrypt, icm_encrypt, icm_set_iv, NULL,
    icm_192_description, &srtp_aes_icm_192_test_case_0, SRTP_AES_ICM_192,
};
const srtp_cipher_type_t csrtp_libcrypto_aes_icm_256 = {
    icm_alloc, icm_dealloc, icm_init, NULL, icm_encrypt, icm_encrypt, icm_set_iv, NULL,
    icm_256_description, &srtp_aes_icm_256_test_case_0, SRTP_AES_ICM_256,
};

/* ------------------------------------------------------------------ */
/* AES-GCM (RFC 7714)                                                   */
/* ------------------------------------------------------------------ */

/*
 * Per packet libsrtp calls set_iv(iv, direction), set_aad (once or more),
 * then either encrypt (once or more, possibly with no data) and get_tag,
 * which appends the tag; or decrypt once over ciphertext || tag, which
 * checks the tag and returns the plaintext length.
 */
typedef struct {
    EVP_CIPHER_CTX *ctx;
    int key_size; /* 16 or 32 */
    int tag_len;  /* 8 or 16 */
    int alg;      /* ALG_GCM_* */
    srtp_cipher_direction_t dir;
    int finished; /* get_tag already finalised this IV */
} gcm_state;

typedef struct {
    srtp_cipher_t cipher;
    gcm_state state;
} gcm_block;

static srtp_err_status_t gcm_alloc(srtp_cipher_t **c, int key_len, int tag_len)
{
    if (c == NULL) {
        return srtp_err_status_bad_param;
    }
    *c = NULL;

    const srtp_cipher_type_t *type;
    int algorithm_id, key_size, alg;
    switch (key_len) {
    case SRTP_AES_GCM_128_KEY_LEN_WSALT:
        type = &csrtp_libcrypto_aes_gcm_128;
        algorithm_id = SRTP_AES_GCM_128;
        key_size = SRTP_AES_128_KEY_LEN;
        alg = ALG_GCM_128;
        break;
    case SRTP_AES_GCM_256_KEY_LEN_WSALT:
        type = &csrtp_libcrypto_aes_gcm_256;
        algorithm_id = SRTP_AES_GCM_256;
        key_size = SRTP_AES_256_KEY_LEN;
        alg = ALG_GCM_256;
        break;
    default:
        return srtp_err_status_bad_param;
    }
    if (tag_len != GCM_TAG_LEN_16 && tag_len != GCM_TAG_LEN_8) {
        return srtp_err_status_bad_param;
    }

    gcm_block *block = calloc(1, sizeof(gcm_block));
    if (block == NULL) {
        return srtp_err_status_alloc_fail;
    }
    block->state.ctx = EVP_CIPHER_CTX_new();
    if (block->state.ctx == NULL) {
        free(block);
        return failed(srtp_err_status_alloc_fail);
    }
    block->state.key_size = key_size;
    block->state.tag_len = tag_len;
    block->state.alg = alg;
    block->state.dir = srtp_direction_any;
    block->cipher.type = type;
    block->cipher.state = &block->state;
    block->cipher.key_len = key_len;
    block->cipher.algorithm = algorithm_id;
    *c = &block->cipher;
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_dealloc(srtp_cipher_t *c)
{
    if (c == NULL) {
        return srtp_err_status_bad_param;
    }
    gcm_block *block = (gcm_block *)c;
    EVP_CIPHER_CTX_free(block->state.ctx);
    OPENSSL_cleanse(block, sizeof(*block));
    free(block);
    return srtp_err_status_ok;
}

/* key: key_size bytes of AES key (the salt after it is the caller's: it
 * goes into the IV that libsrtp computes). */
static srtp_err_status_t gcm_init(void *cv, const uint8_t *key)
{
    gcm_state *s = cv;
    if (s == NULL || key == NULL) {
        return srtp_err_status_bad_param;
    }
    const EVP_CIPHER *evp = algorithm(s->alg);
    if (evp == NULL) {
        return srtp_err_status_init_fail;
    }
    s->dir = srtp_direction_any;
    s->finished = 0;
    if (!EVP_CipherInit_ex(s->ctx, evp, NULL, key, NULL, 1)) {
        return failed(srtp_err_status_init_fail);
    }
    /* 12 is libcrypto's default; set once, it survives IV changes. */
    if (!EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_IVLEN, GCM_IV_LEN, NULL)) {
        return failed(srtp_err_status_init_fail);
    }
    return srtp_err_status_ok;
}

/* iv: 12 bytes (libsrtp has already XORed in the salt). */
static srtp_err_status_t gcm_set_iv(void *cv, uint8_t *iv, srtp_cipher_direction_t direction)
{
    gcm_state *s = cv;
    if (s == NULL || iv == NULL) {
        return srtp_err_status_bad_param;
    }
    if (direction != srtp_direction_encrypt && direction != srtp_direction_decrypt) {
        return srtp_err_status_bad_param;
    }
    s->dir = direction;
    s->finished = 0;
    if (!EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, iv, direction == srtp_direction_encrypt ? 1 : 0)) {
        s->dir = srtp_direction_any;
        return failed(srtp_err_status_init_fail);
    }
    return srtp_err_status_ok;
}

/* May be called more than once per packet (SRTCP: header, then index). */
static srtp_err_status_t gcm_set_aad(void *cv, const uint8_t *aad, uint32_t aad_len)
{
    gcm_state *s = cv;
    if (s == NULL || aad_len > (uint32_t)INT_MAX) {
        return srtp_err_status_bad_param;
    }
    if (s->dir != srtp_direction_encrypt && s->dir != srtp_direction_decrypt) {
        return srtp_err_status_bad_param; /* no IV set since init */
    }
    if (aad_len == 0) {
        return srtp_err_status_ok;
    }
    if (aad == NULL) {
        return srtp_err_status_bad_param;
    }
    int out = 0;
    if (!EVP_CipherUpdate(s->ctx, NULL, &out, aad, (int)aad_len) || out != (int)aad_len) {
        return failed(srtp_err_status_algo_fail);
    }
    return srtp_err_status_ok;
}

/* Encrypts in place; *len is unchanged (the tag comes from get_tag). A
 * NULL buffer with *len == 0 is allowed (SRTCP without encryption). */
static srtp_err_status_t gcm_encrypt(void *cv, uint8_t *buf, unsigned int *len)
{
    gcm_state *s = cv;
    if (s == NULL || len == NULL || *len > (unsigned int)INT_MAX) {
        return srtp_err_status_bad_param;
    }
    if (s->dir != srtp_direction_encrypt) {
        return srtp_err_status_bad_param;
    }
    if (*len == 0) {
        return srtp_err_status_ok;
    }
    if (buf == NULL) {
        return srtp_err_status_bad_param;
    }
    int out = 0;
    if (!EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)*len) || out != (int)*len) {
        return failed(srtp_err_status_cipher_fail);
    }
    return srtp_err_status_ok;
}

/* Writes the tag_len-byte tag to buf and sets *len = tag_len. */
static srtp_err_status_t gcm_get_tag(void *cv, uint8_t *buf, uint32_t *len)
{
    gcm_state *s = cv;
    if (s == NULL || buf == NULL || len == NULL) {
        return srtp_err_status_bad_param;
    }
    if (s->dir != srtp_direction_encrypt) {
        return srtp_err_status_bad_param;
    }
    if (!s->finished) {
        uint8_t none[16];
        int out = 0;
        if (!EVP_CipherFinal_ex(s->ctx, none, &out)) {
            return failed(srtp_err_status_algo_fail);
        }
        s->finished = 1;
    }
    /* The tag through the provider parameter directly: EVP_CIPHER_CTX_ctrl
     * (EVP_CTRL_GCM_GET_TAG) builds the same parameter after a switch over
     * every ctrl, measurably slower per packet. */
    OSSL_PARAM tag[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, buf, (size_t)s->tag_len),
        OSSL_PARAM_construct_end(),
    };
    if (!EVP_CIPHER_CTX_get_params(s->ctx, tag)) {
        return failed(srtp_err_status_algo_fail);
    }
    *len = (uint32_t)s->tag_len;
    return srtp_err_status_ok;
}

/* buf holds ciphertext || tag (*len bytes in all). Decrypts in place and
 * sets *len to the plaintext length, or returns srtp_err_status_auth_fail
 * (buffer content then unspecified, as with libsrtp's OpenSSL backend). */
static srtp_err_status_t gcm_decrypt(void *cv, uint8_t *buf, unsigned int *len)
{
    gcm_state *s = cv;
    if (s == NULL || buf == NULL || len == NULL || *len > (unsigned int)INT_MAX) {
        return srtp_err_status_bad_param;
    }
    if (s->dir != srtp_direction_decrypt) {
        return srtp_err_status_bad_param;
    }
    if (*len < (unsigned int)s->tag_len) {
        return srtp_err_status_bad_param;
    }
    int body = (int)*len - s->tag_len;
    /* The provider copies the tag into the context, so reading it from the
     * buffer that is then decrypted in place is fine. */
    OSSL_PARAM tag[2] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, buf + body, (size_t)s->tag_len),
        OSSL_PARAM_construct_end(),
    };
    if (!EVP_CIPHER_CTX_set_params(s->ctx, tag)) {
        return failed(srtp_err_status_auth_fail);
    }
    int out = 0;
    if (body > 0 && (!EVP_CipherUpdate(s->ctx, buf, &out, buf, body) || out != body)) {
        return failed(srtp_err_status_cipher_fail);
    }
    uint8_t none[16];
    s->dir = srtp_direction_any; /* a new IV is needed whatever the outcome */
    if (!EVP_CipherFinal_ex(s->ctx, none, &out)) {
        return failed(srtp_err_status_auth_fail);
    }
    *len = (unsigned int)body;
    return srtp_err_status_ok;
}

static const char gcm_128_description[] = "AES-128 GCM using OpenSSL libcrypto (dtls-srtp)";
static const char gcm_256_description[] = "AES-256 GCM using OpenSSL libcrypto (dtls-srtp)";

const srtp_cipher_type_t csrtp_libcrypto_aes_gcm_128 = {
    gcm_alloc, gcm_dealloc, gcm_init, gcm_set_aad, gcm_encrypt, gcm_decrypt, gcm_set_iv, gcm_get_tag,
    gcm_128_description, &srtp_aes_gcm_128_test_case_0, SRTP_AES_GCM_128,
};
const srtp_cipher_type_t csrtp_libcrypto_aes_gcm_256 = {
    gcm_alloc, gcm_dealloc, gcm_init, gcm_set_aad, gcm_encrypt, gcm_decrypt, gcm_set_iv, gcm_get_tag,
    gcm_256_description, &srtp_aes_gcm_256_test_case_0, SRTP_AES_GCM_256,
};

/* ------------------------------------------------------------------ */
/* HMAC-SHA1 (RFC 2104) over libcrypto's SHA-1                          */
/* ------------------------------------------------------------------ */

typedef struct {
    SHA_CTX inner; /* after absorbing K XOR ipad */
    SHA_CTX outer; /* after absorbing K XOR opad */
    SHA_CTX work;  /* the MAC in progress: inner + message so far */
} hmac_state;

typedef struct {
    srtp_auth_t auth;
    hmac_state state;
} hmac_block;

static srtp_err_status_t hmac_alloc(srtp_auth_t **a, int key_len, int out_len)
{
    if (a == NULL) {
        return srtp_err_status_bad_param;
    }
    *a = NULL;
    if (key_len < 0 || out_len < 0 || out_len > SHA1_LEN) {
        return srtp_err_status_bad_param;
    }
    hmac_block *block = calloc(1, sizeof(hmac_block));
    if (block == NULL) {
        return srtp_err_status_alloc_fail;
    }
    block->auth.type = &csrtp_libcrypto_hmac_sha1;
    block->auth.state = &block->state;
    block->auth.out_len = out_len;
    block->auth.key_len = key_len;
    block->auth.prefix_len = 0;
    *a = &block->auth;
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_dealloc(srtp_auth_t *a)
{
    if (a == NULL) {
        return srtp_err_status_bad_param;
    }
    OPENSSL_cleanse(a, sizeof(hmac_block));
    free(a);
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *statev, const uint8_t *key, int key_len)
{
    hmac_state *s = statev;
    if (s == NULL || key_len < 0 || (key == NULL && key_len > 0)) {
        return srtp_err_status_bad_param;
    }
    uint8_t block[SHA1_BLOCK];
    uint8_t pad[SHA1_BLOCK];
    memset(block, 0, sizeof(block));
    if (key_len > SHA1_BLOCK) {
        /* RFC 2104: a key longer than the block is hashed first. */
        SHA_CTX k;
        if (!SHA1_Init(&k) || !SHA1_Update(&k, key, (size_t)key_len) || !SHA1_Final(block, &k)) {
            OPENSSL_cleanse(&k, sizeof(k));
            OPENSSL_cleanse(block, sizeof(block));
            return failed(srtp_err_status_auth_fail);
        }
        OPENSSL_cleanse(&k, sizeof(k));
    } else if (key_len > 0) {
        memcpy(block, key, (size_t)key_len);
    }

    int ok = 1;
    for (int i = 0; i < SHA1_BLOCK; i++) pad[i] = block[i] ^ 0x36;
    ok = ok && SHA1_Init(&s->inner) && SHA1_Update(&s->inner, pad, sizeof(pad));
    for (int i = 0; i < SHA1_BLOCK; i++) pad[i] = block[i] ^ 0x5c;
    ok = ok && SHA1_Init(&s->outer) && SHA1_Update(&s->outer, pad, sizeof(pad));
    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(pad, sizeof(pad));
    if (!ok) {
        OPENSSL_cleanse(s, sizeof(*s));
        return failed(srtp_err_status_auth_fail);
    }
    s->work = s->inner; /* ready for update, as after HMAC_Init_ex */
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_start(void *statev)
{
    hmac_state *s = statev;
    if (s == NULL) {
        return srtp_err_status_bad_param;
    }
    s->work = s->inner;
    return srtp_err_status_ok;
}

static srtp_err_status_t hmac_update(void *statev, const uint8_t *message, int octets)
{
    hmac_state *s = statev;
    if (s == NULL || octets < 0 || (message == NULL && octets > 0)) {
        return srtp_err_status_bad_param;
    }
    if (octets > 0 && !SHA1_Update(&s->work, message, (size_t)octets)) {
        return failed(srtp_err_status_auth_fail);
    }
    return srtp_err_status_ok;
}

/* Absorbs message, finishes the MAC and writes its first tag_len bytes. */
static srtp_err_status_t hmac_compute(void *statev, const uint8_t *message, int octets, int tag_len,
                                      uint8_t *result)
{
    hmac_state *s = statev;
    if (s == NULL || tag_len < 0 || tag_len > SHA1_LEN || (result == NULL && tag_len > 0)) {
        return srtp_err_status_bad_param;
    }
    srtp_err_status_t status = hmac_update(statev, message, octets);
    if (status != srtp_err_status_ok) {
        return status;
    }
    uint8_t digest[SHA1_LEN];
    /* work := outer state, then H(K^opad || H(K^ipad || m)); the working
     * copy of the keyed outer state ends finalised, not left on the stack. */
    int ok = SHA1_Final(digest, &s->work);
    s->work = s->outer;
    ok = ok && SHA1_Update(&s->work, digest, sizeof(digest)) && SHA1_Final(digest, &s->work);
    if (!ok) {
        OPENSSL_cleanse(digest, sizeof(digest));
        return failed(srtp_err_status_auth_fail);
    }
    memcpy(result, digest, (size_t)tag_len);
    return srtp_err_status_ok;
}

/* RFC 2202 section 3, test cases 1 to 7 (the libsrtp type's own test is
 * case 1, which the kernel runs as well when replacing it). */
static const uint8_t rfc2202_key1[20] = {
    0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
    0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};
static const uint8_t rfc2202_data1[] = "Hi There";
static const uint8_t rfc2202_tag1[20] = {
    0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
    0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00,
};
static const uint8_t rfc2202_key2[] = "Jefe";
static const uint8_t rfc2202_data2[] = "what do ya want for nothing?";
static const uint8_t rfc2202_tag2[20] = {
    0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74,
    0x16, 0xd5, 0xf1, 0x84, 0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79,
};
static const uint8_t rfc2202_key3[20] = {
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
};
static const uint8_t rfc2202_data3[50] = {
    0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
    0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
    0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
    0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
    0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd, 0xdd,
};
static const uint8_t rfc2202_tag3[20] = {
    0x12, 0x5d, 0x73, 0x42, 0xb9, 0xac, 0x11, 0xcd, 0x91, 0xa3,
    0x9a, 0xf4, 0x8a, 0xa1, 0x7b, 0x4f, 0x63, 0xf1, 0x75, 0xd3,
};
static const uint8_t rfc2202_key4[25] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
    0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
};
static const uint8_t rfc2202_data4[50] = {
    0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd,
    0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd,
    0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd,
    0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd,
    0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd,
};
static const uint8_t rfc2202_tag4[20] = {
    0x4c, 0x90, 0x07, 0xf4, 0x02, 0x62, 0x50, 0xc6, 0xbc, 0x84,
    0x14, 0xf9, 0xbf, 0x50, 0xc8, 0x6c, 0x2d, 0x72, 0x35, 0xda,
};
static const uint8_t rfc2202_key5[20] = {
    0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
    0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
};
static const uint8_t rfc2202_data5[] = "Test With Truncation";
static const uint8_t rfc2202_tag5[12] = {
    /* truncated to 96 bits, as the RFC's digest-96 */
    0x4c, 0x1a, 0x03, 0x42, 0x4b, 0x55, 0xe0, 0x7f, 0xe7, 0xf2, 0x7b, 0xe1,
};
/* Cases 6 and 7: an 80-byte key, hashed first. */
static const uint8_t rfc2202_key6[80] = {
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
    0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
};
static const uint8_t rfc2202_data6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
static const uint8_t rfc2202_tag6[20] = {
    0xaa, 0x4a, 0xe5, 0xe1, 0x52, 0x72, 0xd0, 0x0e, 0x95, 0x70,
    0x56, 0x37, 0xce, 0x8a, 0x3b, 0x55, 0xed, 0x40, 0x21, 0x12,
};
static const uint8_t rfc2202_data7[] = "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data";
static const uint8_t rfc2202_tag7[20] = {
    0xe8, 0xe9, 0x9d, 0x0f, 0x45, 0x23, 0x7d, 0x78, 0x6d, 0x6b,
    0xba, 0xa7, 0x96, 0x5c, 0x78, 0x08, 0xbb, 0xff, 0x1a, 0x91,
};

#define TEXT_LEN(s) ((int)sizeof(s) - 1) /* string literal without its NUL */

static const srtp_auth_test_case_t rfc2202_case7 = {
    sizeof(rfc2202_key6), rfc2202_key6, TEXT_LEN(rfc2202_data7), rfc2202_data7,
    sizeof(rfc2202_tag7), rfc2202_tag7, NULL,
};
static const srtp_auth_test_case_t rfc2202_case6 = {
    sizeof(rfc2202_key6), rfc2202_key6, TEXT_LEN(rfc2202_data6), rfc2202_data6,
    sizeof(rfc2202_tag6), rfc2202_tag6, &rfc2202_case7,
};
static const srtp_auth_test_case_t rfc2202_case5 = {
    sizeof(rfc2202_key5), rfc2202_key5, TEXT_LEN(rfc2202_data5), rfc2202_data5,
    sizeof(rfc2202_tag5), rfc2202_tag5, &rfc2202_case6,
};
static const srtp_auth_test_case_t rfc2202_case4 = {
    sizeof(rfc2202_key4), rfc2202_key4, sizeof(rfc2202_data4), rfc2202_data4,
    sizeof(rfc2202_tag4), rfc2202_tag4, &rfc2202_case5,
};
static const srtp_auth_test_case_t rfc2202_case3 = {
    sizeof(rfc2202_key3), rfc2202_key3, sizeof(rfc2202_data3), rfc2202_data3,
    sizeof(rfc2202_tag3), rfc2202_tag3, &rfc2202_case4,
};
static const srtp_auth_test_case_t rfc2202_case2 = {
    TEXT_LEN(rfc2202_key2), rfc2202_key2, TEXT_LEN(rfc2202_data2), rfc2202_data2,
    sizeof(rfc2202_tag2), rfc2202_tag2, &rfc2202_case3,
};
static const srtp_auth_test_case_t rfc2202_case1 = {
    sizeof(rfc2202_key1), rfc2202_key1, TEXT_LEN(rfc2202_data1), rfc2202_data1,
    sizeof(rfc2202_tag1), rfc2202_tag1, &rfc2202_case2,
};

static const char hmac_description[] = "HMAC-SHA1 using OpenSSL libcrypto SHA-1 (dtls-srtp)";

const srtp_auth_type_t csrtp_libcrypto_hmac_sha1 = {
    hmac_alloc, hmac_dealloc, hmac_init, hmac_compute, hmac_update, hmac_start,
    hmac_description, &rfc2202_case1, SRTP_HMAC_SHA1,
};

/* ------------------------------------------------------------------ */
/* Registration                                                        */
/* ------------------------------------------------------------------ */

int csrtp_libcrypto_install(void)
{
    for (int i = 0; i < ALG_COUNT; i++) {
        if (algorithm(i) == NULL) {
            return srtp_err_status_init_fail;
        }
    }
    static const srtp_cipher_type_t *const ciphers[] = {
        &csrtp_libcrypto_aes_icm_128, &csrtp_libcrypto_aes_icm_192, &csrtp_libcrypto_aes_icm_256,
        &csrtp_libcrypto_aes_gcm_128, &csrtp_libcrypto_aes_gcm_256,
    };
    for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
        srtp_err_status_t status = srtp_replace_cipher_type(ciphers[i], ciphers[i]->id);
        if (status != srtp_err_status_ok) {
            return status;
        }
    }
    return srtp_replace_auth_type(&csrtp_libcrypto_hmac_sha1, SRTP_HMAC_SHA1);
}

