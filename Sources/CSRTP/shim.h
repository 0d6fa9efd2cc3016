#ifndef DTLS_SRTP_CSRTP_SHIM_H
#define DTLS_SRTP_CSRTP_SHIM_H
#include <srtp2/srtp.h>
#include <srtp2/cipher.h>

/*
 * libsrtp 2.5 exports its AES-GCM cipher types (built with the OpenSSL
 * backend on Debian) but declares them only in an uninstalled private
 * header. The SRTP module uses them for one internal purpose: running the
 * RFC 7714 session-key known-answer tests on libsrtp's own GCM primitive
 * (srtp_protect always derives session keys from a master key, so those
 * vectors cannot go through a policy).
 */
extern const srtp_cipher_type_t srtp_aes_gcm_128;
extern const srtp_cipher_type_t srtp_aes_gcm_256;

#endif
