#ifndef DTLS_SRTP_CSRTP_SHIM_H
#define DTLS_SRTP_CSRTP_SHIM_H
#include <srtp2/srtp.h>
#endif
