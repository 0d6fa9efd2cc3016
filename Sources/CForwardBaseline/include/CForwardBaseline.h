#ifndef CFORWARD_BASELINE_H
#define CFORWARD_BASELINE_H
#include <stdint.h>

/// What one forwarding run did.
typedef struct {
    uint64_t forwarded;   ///< packets unprotected, re-protected and sent
    uint64_t failed;      ///< packets libsrtp refused
    uint64_t cpu_ns;      ///< CPU time of the forwarding thread over the run
    uint64_t wall_ns;     ///< wall time of the run
} cfwd_result;

/// CPU time of the calling thread, nanoseconds.
uint64_t cfwd_thread_cpu_ns(void);

/// A UDP socket bound to 127.0.0.1 on any port; returns the fd (or -1) and the port.
int cfwd_bind_loopback(uint16_t *port);

/// The limit of the server path: recvmmsg up to 32 datagrams from `fd`,
/// srtp_unprotect each with `in`, srtp_protect it with `out`, and sendmmsg
/// them to 127.0.0.1:`dest_port`, until `*stop` is non-zero. Nothing else:
/// no demultiplexing, routing, state or copies beyond the socket calls.
/// `in` and `out` are libsrtp sessions (`srtp_t`), passed untyped so this
/// header does not claim libsrtp's (the `CSRTP` module owns it).
void cfwd_run(int fd, uint16_t dest_port, void *in, void *out, const volatile int *stop, cfwd_result *result);

/// Closes `fd`.
void cfwd_close(int fd);
#endif
