#ifndef DTLS_SRTP_COPENSSL_SHIM_H
#define DTLS_SRTP_COPENSSL_SHIM_H
// libcrypto headers the DTLSCrypto layer uses. Macros Swift cannot import
// are re-exposed as static inline functions prefixed `COpenSSL_`.
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
#include <openssl/crypto.h>
#endif
