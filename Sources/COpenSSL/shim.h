#ifndef DTLS_SRTP_COPENSSL_SHIM_H
#define DTLS_SRTP_COPENSSL_SHIM_H
// libcrypto headers the DTLSCrypto layer uses. Macros Swift cannot import
// are re-exposed as static inline functions prefixed `COpenSSL_`.
#include <string.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/rsa.h>
#include <openssl/dh.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/param_build.h>
#include <openssl/crypto.h>

// EVP_PKEY_fromdata selections are macro expressions Swift cannot import.
static inline int COpenSSL_EVP_PKEY_KEY_PARAMETERS(void) { return EVP_PKEY_KEY_PARAMETERS; }
static inline int COpenSSL_EVP_PKEY_PUBLIC_KEY(void) { return EVP_PKEY_PUBLIC_KEY; }
static inline int COpenSSL_EVP_PKEY_KEYPAIR(void) { return EVP_PKEY_KEYPAIR; }
// BIO_get_mem_data is a macro over BIO_ctrl.
static inline long COpenSSL_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
static inline int COpenSSL_MBSTRING_UTF8(void) { return MBSTRING_UTF8; }
// One AES-GCM TLS/DTLS 1.2 record through libcrypto's record interface (the
// path libssl itself uses): the 13-byte AAD goes in as a context parameter
// and EVP_Cipher then writes or reads the 8-byte explicit nonce, encrypts or
// decrypts in place and appends or checks the tag, in one provider call.
// Setting the parameter directly skips EVP_CIPHER_CTX_ctrl's second
// parameter round trip (it also asks for the padding length, always 16).
// Returns the EVP_Cipher result: >= 0 on success, -1 on failure or a bad tag.
static inline int COpenSSL_gcm_tls_record(EVP_CIPHER_CTX *ctx, unsigned char *aad13, unsigned char *record, size_t length) {
    OSSL_PARAM params[2] = {
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_AAD, aad13, 13),
        OSSL_PARAM_END
    };
    if (length > 0x7fffffff || EVP_CIPHER_CTX_set_params(ctx, params) != 1) return -1;
    return EVP_Cipher(ctx, record, record, (unsigned int)length);
}
// The fixed IV for sealing: the whole 12 bytes (salt || first explicit nonce),
// from which libcrypto counts the explicit nonces up, one per record.
static inline int COpenSSL_gcm_set_full_iv(EVP_CIPHER_CTX *ctx, unsigned char *iv12) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IV_FIXED, -1, iv12);
}
// The fixed IV for opening: the 4-byte salt; the explicit part comes from each record.
static inline int COpenSSL_gcm_set_salt(EVP_CIPHER_CTX *ctx, unsigned char *salt4) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IV_FIXED, 4, salt4);
}
// One AES-GCM seal on a keyed context with a fresh 12-byte nonce (the TLS 1.3
// record, or any caller's): the nonce goes in as the provider's whole fixed IV
// (the length (size_t)-1 means "all 12 bytes"), which the next EVP_Cipher
// call installs, so the context is not re-initialised per record (in OpenSSL
// 3.0 EVP_EncryptInit_ex2 queries the IV length through a parameter lookup
// every time). EVP_Cipher feeds AAD (out NULL), data, then finishes (in NULL);
// the tag is read back as a parameter. Returns 1 on success.
static inline int COpenSSL_gcm_seal(EVP_CIPHER_CTX *ctx, unsigned char *nonce12, const unsigned char *aad, size_t aadLength,
                                    unsigned char *data, size_t length, unsigned char *tag16) {
    if (length > 0x7fffffff || aadLength > 0x7fffffff) return 0;
    OSSL_PARAM iv[2] = { OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, nonce12, (size_t)-1), OSSL_PARAM_END };
    if (EVP_CIPHER_CTX_set_params(ctx, iv) != 1) return 0;
    if (aadLength > 0 && EVP_Cipher(ctx, NULL, aad, (unsigned int)aadLength) < 0) return 0;
    if (length > 0 && EVP_Cipher(ctx, data, data, (unsigned int)length) < 0) return 0;
    if (EVP_Cipher(ctx, NULL, NULL, 0) < 0) return 0;
    OSSL_PARAM tag[2] = { OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag16, 16), OSSL_PARAM_END };
    return EVP_CIPHER_CTX_get_params(ctx, tag) == 1;
}
// The matching open: the expected tag and the nonce in one parameter call,
// AAD, data in place, then the finish that compares the tag in constant time.
// Returns 0 when the record authenticates, 1 on a library failure, 2 on a
// tag mismatch.
static inline int COpenSSL_gcm_open(EVP_CIPHER_CTX *ctx, unsigned char *nonce12, const unsigned char *aad, size_t aadLength,
                                    unsigned char *data, size_t length, unsigned char *tag16) {
    if (length > 0x7fffffff || aadLength > 0x7fffffff) return 1;
    OSSL_PARAM params[3] = {
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag16, 16),
        OSSL_PARAM_octet_string(OSSL_CIPHER_PARAM_AEAD_TLS1_IV_FIXED, nonce12, (size_t)-1),
        OSSL_PARAM_END
    };
    if (EVP_CIPHER_CTX_set_params(ctx, params) != 1) return 1;
    if (aadLength > 0 && EVP_Cipher(ctx, NULL, aad, (unsigned int)aadLength) < 0) return 1;
    if (length > 0 && EVP_Cipher(ctx, data, data, (unsigned int)length) < 0) return 1;
    return EVP_Cipher(ctx, NULL, NULL, 0) < 0 ? 2 : 0;
}
// One DTLS 1.3 record (RFC 9147 4) under an AES-GCM suite, sealed in place
// in one call: record[0, headerLength) is the unified header with its
// sequence-number bits in the clear (the AAD), then plaintextLength bytes of
// DTLSInnerPlaintext, then 16 bytes of room for the tag. The nonce is the
// epoch's IV XOR the 64-bit sequence number (RFC 8446 5.3). Then the record
// number is encrypted (RFC 9147 4.2.3): AES-ECB of the first 16 ciphertext
// bytes under sn_key, XORed into the header's sequenceBytes bytes after the
// flags. Returns 1 on success.
static inline int COpenSSL_dtls13_gcm_seal(EVP_CIPHER_CTX *gcm, EVP_CIPHER_CTX *ecb, const unsigned char *iv12, uint64_t sequence,
                                           unsigned char *record, size_t headerLength, size_t sequenceBytes, size_t plaintextLength) {
    if (sequenceBytes < 1 || sequenceBytes > 2 || headerLength < 1 + sequenceBytes) return 0;
    unsigned char nonce[12];
    memcpy(nonce, iv12, 12);
    for (int i = 0; i < 8; i++) nonce[11 - i] ^= (unsigned char)(sequence >> (8 * i));
    unsigned char *body = record + headerLength;
    if (!COpenSSL_gcm_seal(gcm, nonce, record, headerLength, body, plaintextLength, body + plaintextLength)) return 0;
    unsigned char mask[32];
    if (EVP_Cipher(ecb, mask, body, 16) < 0) return 0;
    for (size_t i = 0; i < sequenceBytes; i++) record[1 + i] ^= mask[i];
    return 1;
}
// The matching open, once the caller has unmasked the header in place and
// reconstructed the sequence number: record[0, headerLength) is the AAD, the
// ciphertext follows, the tag is its last 16 bytes. Returns 0 when the
// record authenticates, 1 on a library failure, 2 on a tag mismatch.
static inline int COpenSSL_dtls13_gcm_open(EVP_CIPHER_CTX *gcm, const unsigned char *iv12, uint64_t sequence,
                                           unsigned char *record, size_t headerLength, size_t ciphertextLength) {
    unsigned char nonce[12];
    memcpy(nonce, iv12, 12);
    for (int i = 0; i < 8; i++) nonce[11 - i] ^= (unsigned char)(sequence >> (8 * i));
    unsigned char *body = record + headerLength;
    return COpenSSL_gcm_open(gcm, nonce, record, headerLength, body, ciphertextLength, body + ciphertextLength);
}
#endif
