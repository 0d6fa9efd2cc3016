#ifndef DTLS_SRTP_CLIBSSL_SHIM_H
#define DTLS_SRTP_CLIBSSL_SHIM_H
// libssl is only the reference peer (tests) and the baseline (benchmarks).
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/bio.h>
#endif
