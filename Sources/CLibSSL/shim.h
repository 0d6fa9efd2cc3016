#ifndef DTLS_SRTP_CLIBSSL_SHIM_H
#define DTLS_SRTP_CLIBSSL_SHIM_H
// libssl is only the reference peer (tests) and the baseline (benchmarks).
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/time.h>

// Function-like macros (and 64-bit option constants) Swift cannot import,
// re-exposed as static inline functions prefixed `CLibSSL_`.

// SSL_OP_* are `SSL_OP_BIT(n)` casts in OpenSSL 3.
static inline uint64_t CLibSSL_OP_NO_QUERY_MTU(void) { return SSL_OP_NO_QUERY_MTU; }
static inline uint64_t CLibSSL_OP_COOKIE_EXCHANGE(void) { return SSL_OP_COOKIE_EXCHANGE; }
static inline uint64_t CLibSSL_OP_NO_EXTENDED_MASTER_SECRET(void) { return SSL_OP_NO_EXTENDED_MASTER_SECRET; }
static inline uint64_t CLibSSL_OP_NO_TICKET(void) { return SSL_OP_NO_TICKET; }

static inline long CLibSSL_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int v) { return SSL_CTX_set_min_proto_version(ctx, v); }
static inline long CLibSSL_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int v) { return SSL_CTX_set_max_proto_version(ctx, v); }
static inline long CLibSSL_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) { return SSL_CTX_set1_groups_list(ctx, list); }
static inline long CLibSSL_SSL_CTX_set_dh_auto(SSL_CTX *ctx, int onoff) { return SSL_CTX_set_dh_auto(ctx, onoff); }
static inline long CLibSSL_SSL_CTX_set_session_cache_off(SSL_CTX *ctx) { return SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF); }

static inline long CLibSSL_DTLS_set_link_mtu(SSL *ssl, long mtu) { return DTLS_set_link_mtu(ssl, mtu); }
static inline long CLibSSL_DTLSv1_get_timeout(SSL *ssl, struct timeval *tv) { return DTLSv1_get_timeout(ssl, tv); }
static inline long CLibSSL_DTLSv1_handle_timeout(SSL *ssl) { return DTLSv1_handle_timeout(ssl); }
static inline long CLibSSL_SSL_get_extms_support(SSL *ssl) { return SSL_get_extms_support(ssl); }
static inline long CLibSSL_SSL_get_peer_tmp_key(SSL *ssl, EVP_PKEY **pk) { return SSL_get_peer_tmp_key(ssl, pk); }

static inline void CLibSSL_BIO_set_retry_read(BIO *b) { BIO_set_retry_read(b); }
static inline void CLibSSL_BIO_clear_retry_flags(BIO *b) { BIO_clear_retry_flags(b); }

// EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen.
static inline EVP_PKEY *CLibSSL_EVP_EC_gen(const char *curve) { return EVP_EC_gen(curve); }

// Answers BIO_CTRL_DGRAM_GET_PEER for the in-memory datagram BIO: 127.0.0.1:5004.
static inline long CLibSSL_fill_fake_peer(void *bio_addr) {
    struct in_addr a; a.s_addr = htonl(INADDR_LOOPBACK);
    if (bio_addr != NULL && !BIO_ADDR_rawmake((BIO_ADDR *)bio_addr, AF_INET, &a, sizeof a, htons(5004)))
        return 0;
    return (long)sizeof(struct sockaddr_in);
}
#endif
