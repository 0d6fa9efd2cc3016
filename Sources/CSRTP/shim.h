#ifndef DTLS_SRTP_CSRTP_SHIM_H
#define DTLS_SRTP_CSRTP_SHIM_H
#include <srtp2/srtp.h>
#include <srtp2/cipher.h>
#include <srtp2/auth.h>

/*
 * libsrtp 2.5 exports these (declared only in its uninstalled private
 * headers).
 *
 * The crypto kernel's current type for an id: what srtp_create and the KDF
 * get. The SRTP module replaces the AES-ICM, AES-GCM and HMAC-SHA1 types
 * with libcrypto-backed ones right after srtp_init (Sources/CSRTPCrypto);
 * its RFC 7714 session-key known-answer hook (GCMKnownAnswer.swift) runs
 * on whatever GCM type the kernel holds, so it checks the cipher the
 * sessions actually use.
 */
extern const srtp_cipher_type_t *srtp_crypto_kernel_get_cipher_type(srtp_cipher_type_id_t id);
extern const srtp_auth_type_t *srtp_crypto_kernel_get_auth_type(srtp_auth_type_id_t id);

/*
 * libsrtp's built-in types (Debian builds libsrtp2 on NSS). After the
 * replacement no session uses them unless SRTPLibrary.useBuiltInCrypto()
 * ran first (the benchmark's baseline); the tests compare them with the
 * libcrypto types input for input.
 */
extern const srtp_cipher_type_t srtp_aes_icm_128;
extern const srtp_cipher_type_t srtp_aes_icm_192;
extern const srtp_cipher_type_t srtp_aes_icm_256;
extern const srtp_cipher_type_t srtp_aes_gcm_128;
extern const srtp_cipher_type_t srtp_aes_gcm_256;
extern const srtp_auth_type_t srtp_hmac;

/*
 * Debian's libsrtp2 does its AES through NSS, and opens NSS with
 * NSS_INIT_OPTIMIZESPACE, which sizes NSS softoken's session hash tables at
 * 32 buckets. libsrtp keeps PKCS#11 sessions and key objects per cipher, so
 * with a thousand peers every packet walks hash chains hundreds long
 * (measured with bare libsrtp: 1.9 us per packet at 100 peers, 10 us at
 * 1000). Opening NSS first without that flag gives the tables 1024
 * buckets; libsrtp's own NSS_InitContext calls then share the already
 * initialised softoken (measured: 6.3 us at 1000 peers).
 *
 * With the libcrypto types installed (the default), NSS only runs for
 * libsrtp's start-up self-tests of its built-in types; this still matters
 * for the built-in baseline (SRTPLibrary.useBuiltInCrypto()).
 *
 * Declared here (from <nss.h>) so the module needs no NSS include path;
 * libnss3 is a dependency of Debian's libsrtp2-dev.
 */
#define CSRTP_NSS_INIT_FLAGS (0x1 | 0x2 | 0x4 | 0x8 | 0x10) /* READONLY NOCERTDB NOMODDB FORCEOPEN NOROOTINIT */
extern void *NSS_InitContext(const char *configdir, const char *certPrefix, const char *keyPrefix,
                             const char *secmodName, void *initParams, unsigned int flags);
extern int NSS_IsInitialized(void);
static inline void CSRTP_openNSSForSpeed(void) {
    if (!NSS_IsInitialized()) (void)NSS_InitContext("", "", "", "", (void *)0, CSRTP_NSS_INIT_FLAGS);
}

#endif
