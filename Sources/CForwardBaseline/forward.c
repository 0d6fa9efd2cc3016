// The C baseline of the forwarding benchmark: what the shipped server path
// (socket read, SRTP unprotect, SRTP protect, socket write) costs with
// nothing around it. Bench-only.
#define _GNU_SOURCE
#include "CForwardBaseline.h"
#include <srtp2/srtp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

uint64_t cfwd_thread_cpu_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t wall_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int cfwd_bind_loopback(uint16_t *port) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { close(fd); return -1; }
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    struct timeval tv = { .tv_sec = 0, .tv_usec = 50000 };  // wake up to see *stop
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

void cfwd_close(int fd) { close(fd); }

enum { BATCH = 32, SIZE = 2048 };

void cfwd_run(int fd, uint16_t dest_port, void *in_session, void *out_session, const volatile int *stop, cfwd_result *r) {
    srtp_t in = (srtp_t)in_session, out = (srtp_t)out_session;
    static __thread uint8_t bufs[BATCH][SIZE];
    struct mmsghdr rx[BATCH], tx[BATCH];
    struct iovec rxv[BATCH], txv[BATCH];
    struct sockaddr_in dest;
    memset(&dest, 0, sizeof dest);
    dest.sin_family = AF_INET;
    dest.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    dest.sin_port = htons(dest_port);
    memset(r, 0, sizeof *r);
    uint64_t cpu0 = cfwd_thread_cpu_ns(), wall0 = wall_ns();
    while (!*stop) {
        for (int i = 0; i < BATCH; i++) {
            rxv[i].iov_base = bufs[i];
            rxv[i].iov_len = SIZE - 64;  // room for the tag
            memset(&rx[i], 0, sizeof rx[i]);
            rx[i].msg_hdr.msg_iov = &rxv[i];
            rx[i].msg_hdr.msg_iovlen = 1;
        }
        int n = recvmmsg(fd, rx, BATCH, 0, NULL);
        if (n <= 0) continue;
        int k = 0;
        for (int i = 0; i < n; i++) {
            int len = (int)rx[i].msg_len;
            if (srtp_unprotect(in, bufs[i], &len) != srtp_err_status_ok ||
                srtp_protect(out, bufs[i], &len) != srtp_err_status_ok) {
                r->failed++;
                continue;
            }
            txv[k].iov_base = bufs[i];
            txv[k].iov_len = (size_t)len;
            memset(&tx[k], 0, sizeof tx[k]);
            tx[k].msg_hdr.msg_iov = &txv[k];
            tx[k].msg_hdr.msg_iovlen = 1;
            tx[k].msg_hdr.msg_name = &dest;
            tx[k].msg_hdr.msg_namelen = sizeof dest;
            k++;
        }
        if (k > 0) {
            int sent = sendmmsg(fd, tx, (unsigned)k, 0);
            if (sent > 0) r->forwarded += (uint64_t)sent;
        }
    }
    r->cpu_ns = cfwd_thread_cpu_ns() - cpu0;
    r->wall_ns = wall_ns() - wall0;
}
