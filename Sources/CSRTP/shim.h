#ifndef DTLS_SRTP_CSRTP_SHIM_H
#define DTLS_SRTP_CSRTP_SHIM_H
#include <srtp2/srtp.h>
#include <srtp2/cipher.h>

/*
 * libsrtp 2.5 exports its AES-GCM cipher types (Debian builds libsrtp2 on
 * NSS) but declares them only in an uninstalled private
 * header. The SRTP module uses them for one internal purpose: running the
 * RFC 7714 session-key known-answer tests on libsrtp's own GCM primitive
 * (srtp_protect always derives session keys from a master key, so those
 * vectors cannot go through a policy).
 */
extern const srtp_cipher_type_t srtp_aes_gcm_128;
extern const srtp_cipher_type_t srtp_aes_gcm_256;

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
