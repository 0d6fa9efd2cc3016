#ifndef DTLS_SRTP_CSRTPCRYPTO_H
#define DTLS_SRTP_CSRTPCRYPTO_H
/*
 * libsrtp2 cipher and auth types over OpenSSL 3 libcrypto.
 *
 * Debian's libsrtp2 does its AES and HMAC-SHA1 through NSS: every packet
 * allocates (10 times for AEAD_AES_128_GCM, 28 for AES128_CM_HMAC_SHA1_80,
 * protect + unprotect) and walks NSS softoken's session hash tables, so the
 * per-packet cost grows with the number of live sessions. libsrtp has a
 * documented extension point for exactly this, srtp_replace_cipher_type()
 * and srtp_replace_auth_type(); these types plug libcrypto in through it.
 *
 * They follow libsrtp 2.5.0's own OpenSSL backend (crypto/cipher/
 * aes_icm_ossl.c, aes_gcm_ossl.c, crypto/hash/hmac_ossl.c): the same key
 * layouts, IV handling, tag lengths and status codes, except that every
 * libcrypto context is created when libsrtp allocates the cipher and
 * reused for every packet, and HMAC-SHA1 is RFC 2104 over libcrypto's
 * SHA-1 with the keyed inner and outer states precomputed at init and
 * copied by value per packet (OpenSSL 3.0's HMAC_CTX and EVP_MAC re-init
 * duplicate a digest context, two heap allocations per MAC). Per packet
 * nothing is allocated.
 */
#include <stddef.h>
#include <stdint.h>
#include <srtp2/cipher.h>
#include <srtp2/auth.h>

#ifdef __cplusplus
extern "C" {
#endif

/* AES in counter mode (SRTP_AES_ICM_*): key || 14-byte salt, RFC 3711. */
extern const srtp_cipher_type_t csrtp_libcrypto_aes_icm_128;
extern const srtp_cipher_type_t csrtp_libcrypto_aes_icm_192;
extern const srtp_cipher_type_t csrtp_libcrypto_aes_icm_256;
/* AES-GCM (SRTP_AES_GCM_*): key || 12-byte salt, 8- or 16-byte tags, RFC 7714. */
extern const srtp_cipher_type_t csrtp_libcrypto_aes_gcm_128;
extern const srtp_cipher_type_t csrtp_libcrypto_aes_gcm_256;
/* HMAC-SHA1 (SRTP_HMAC_SHA1), tags of 0 to 20 bytes. */
extern const srtp_auth_type_t csrtp_libcrypto_hmac_sha1;

/*
 * Replaces libsrtp's crypto-kernel types SRTP_AES_ICM_128/192/256,
 * SRTP_AES_GCM_128/256 and SRTP_HMAC_SHA1 with the types above. Call after
 * srtp_init() succeeded, before any srtp_create(), from one thread (the
 * kernel's type list is not locked). libsrtp runs each type's self-test
 * (its own test data and the replaced type's) before accepting it.
 * Returns an srtp_err_status_t value: 0 when every type was replaced; on
 * failure the types replaced so far stay replaced (each passed its tests).
 */
int csrtp_libcrypto_install(void);

#ifdef __cplusplus
}
#endif
#endif
