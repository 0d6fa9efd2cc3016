// nss-bench: NSS's own DTLS 1.3 handshakes per second, NSS client against NSS
// server in ONE process, over an in-memory datagram transport (no sockets,
// no threads) -- the yardstick for our own handshake rate.
//
// Every handshake does the same work as ours:
//   - DTLS 1.3 only, TLS_AES_128_GCM_SHA256 only, group X25519 only (one key
//     share), ECDSA P-256 certificates on both sides;
//   - mutual authentication: the server requests and requires a certificate,
//     the client returns its own from SSL_GetClientAuthDataHook, and both
//     accept the peer's from SSL_AuthCertificateHook (WebRTC checks a
//     fingerprint, not a chain);
//   - use_srtp with SRTP_AES128_CM_HMAC_SHA1_80;
//   - a HelloRetryRequest with a cookie on every handshake: the server's
//     SSL_HelloRetryRequestCallback asks for a retry on the first
//     ClientHello (NSS always puts a cookie in its HRR, and embeds our
//     8-byte token in it), the client echoes the cookie, and the callback
//     checks the token came back. By default the HRR is stateless like our
//     listener: the server fd that sent the HRR is closed and a fresh server
//     fd takes the second ClientHello, relying on the cookie alone
//     (--stateful-hrr keeps the first server fd instead);
//   - after the handshake, 60 bytes of EXTRACTOR-dtls_srtp exported on both
//     sides and compared;
//   - no session tickets, no session cache (SSL_NO_CACHE) on either side.
// Every handshake checks version 0304, suite 1301, x25519, SRTP 0001, both
// peer certificates, no resumption, the HRR round trip and equal exporters;
// the warm-up handshake also checks on the wire that the HRR and ServerHello
// select 0xfefc (RFC 9147): NSS 3.87's draft DTLS 1.3 reports 0304 as well.
// Fresh SSL fds every handshake: a client and a server model fd are created
// and configured once (DTLS_ImportFD(NULL, stub)), and each handshake
// imports new fds from them (DTLS_ImportFD(model, stub)), which copies the
// options, versions, ciphers, groups, SRTP profiles and server certificate.
// The callbacks are set again on each new fd (cheap; NSS 3.125 does not copy
// the HRR callback from a model). Closing the fds at the end of each
// handshake sends close_notify into the (then discarded) queues.
//
// Transport: each side's fd is a bottom NSPR layer (PR_CreateIOLayerStub)
// whose send/write appends one datagram to the peer's queue and whose
// recv/read pops one datagram or fails with PR_WOULD_BLOCK_ERROR, as the
// DummyPrSocket of NSS's gtests (gtests/ssl_gtest/test_io.cc) does. The loop
// alternates SSL_ForceHandshake on client and server until both are done,
// then lets the client read the server's ACK of its Finished. A DTLS
// retransmission timer (50 ms initial in NSS) never has to fire: every
// flight is delivered at once; if both queues ever run dry with a handshake
// unfinished, that is a stall and the program fails rather than wait for a
// timer. A handshake whose datagram count differs from the first one's
// (a 50 ms retransmission timer fired: the process was descheduled) is counted
// and reported on stderr.
//
// usage: nss-bench [--seconds S] [--reps N]     N repetitions (default 5) of
//                                               S seconds (default 2); prints
//                                               "nss-dtls13-hs/s RATE" each,
//                                               then "median RATE"
//        nss-bench --count N                    exactly N handshakes (for
//                                               perf/callgrind); prints
//                                               "handshakes N seconds T" and
//                                               "nss-dtls13-hs/s RATE"
//   [--client-cert F.der --client-key F.pk8]    certificates (DER) and keys
//   [--server-cert F.der --server-key F.pk8]    (unencrypted PKCS#8 DER), the
//                                               formats nss-peer reads; a side
//                                               without them gets an ECDSA
//                                               P-256 key and self-signed
//                                               certificate made in NSS
//   [--stateful-hrr]                            keep the server fd across HRR
//   [--trace]                                   print the warm-up handshake's datagrams
// Build: make nss-bench (runs on firefox-esr's NSS 3.125, see Makefile).
#include <nspr.h>
#include <nss.h>
#include <pk11pub.h>
#include <cert.h>
#include <cryptohi.h>
#include <keyhi.h>
#include <secasn1.h>
#include <secoid.h>
#include <ssl.h>
#include <sslerr.h>
#include <sslproto.h>
#include <sslexp.h>
#include <secerr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT_LEN 60
static const char kLabel[] = "EXTRACTOR-dtls_srtp";
static const PRUint8 kToken[8] = { 'n', 's', 's', 'b', 'e', 'n', 'c', 'h' };

static void die(const char *what) {
    PRErrorCode e = PR_GetError();
    const char *name = PR_ErrorToName(e);
    fprintf(stderr, "nss-bench: %s: %s (%d)\n", what, name ? name : "?", e);
    exit(2);
}

static void fail(const char *what) {
    fprintf(stderr, "nss-bench: %s\n", what);
    exit(2);
}

// ---- in-memory datagram transport -----------------------------------------

#define QCAP 64
#define DGMAX 16384
typedef struct {
    unsigned head, count;
    PRInt32 len[QCAP];
    unsigned char *buf[QCAP];
} Queue;

typedef struct {
    Queue *in, *out;
} Endpoint;

static Queue q_to_client, q_to_server;
static Endpoint ep_client = { &q_to_client, &q_to_server };
static Endpoint ep_server = { &q_to_server, &q_to_client };
static unsigned long g_datagrams;  // datagrams sent in the current handshake
static int g_trace;                // print each datagram (warm-up handshake only)
static int g_inspect;              // warm-up: look at the server's plaintext hellos
static int g_hellos_seen, g_hellos_rfc9147;

// The version a plaintext HelloRetryRequest/ServerHello datagram selects in
// its supported_versions extension, or -1. SSL_GetChannelInfo says 0304 for
// draft DTLS 1.3 too (NSS 3.87), so the wire value 0xfefc (RFC 9147) is what
// proves the final protocol.
static int hello_version(const unsigned char *d, PRInt32 len) {
    // DTLSPlaintext header 13 bytes, handshake header 12 bytes.
    if (len < 25 + 38 || d[0] != 22 || d[13] != 2) return -1;
    PRInt32 recEnd = 13 + ((d[11] << 8) | d[12]);
    if (recEnd > len) return -1;
    PRInt32 p = 25 + 2 + 32;                 // legacy_version, random
    p += 1 + d[p];                           // legacy_session_id_echo
    p += 2 + 1;                              // cipher_suite, legacy_compression_method
    if (p + 2 > recEnd) return -1;
    PRInt32 end = p + 2 + ((d[p] << 8) | d[p + 1]);
    if (end > recEnd) return -1;
    for (p += 2; p + 4 <= end;) {
        int type = (d[p] << 8) | d[p + 1], n = (d[p + 2] << 8) | d[p + 3];
        if (type == 43 && n == 2 && p + 6 <= end) return (d[p + 4] << 8) | d[p + 5];
        p += 4 + n;
    }
    return -1;
}

static void queue_init(Queue *q) {
    q->head = q->count = 0;
    for (int i = 0; i < QCAP; i++) {
        q->buf[i] = malloc(DGMAX);
        if (!q->buf[i]) fail("out of memory");
    }
}

static void queue_clear(Queue *q) { q->head = q->count = 0; }

static PRDescIdentity g_layer_id;
static PRIOMethods g_methods;

static PRInt32 PR_CALLBACK mem_send(PRFileDesc *fd, const void *buf, PRInt32 amount, PRIntn flags,
                                    PRIntervalTime timeout) {
    (void)flags; (void)timeout;
    Queue *q = ((Endpoint *)fd->secret)->out;
    if (amount < 0 || amount > DGMAX) { PR_SetError(PR_BUFFER_OVERFLOW_ERROR, 0); return -1; }
    if (q->count == QCAP) fail("datagram queue full");
    unsigned slot = (q->head + q->count) % QCAP;
    memcpy(q->buf[slot], buf, (size_t)amount);
    q->len[slot] = amount;
    q->count++;
    g_datagrams++;
    if (g_inspect && (Endpoint *)fd->secret == &ep_server) {
        int v = hello_version(buf, amount);
        if (v >= 0) {
            g_hellos_seen++;
            if (v == 0xfefc) g_hellos_rfc9147++;
        }
    }
    if (g_trace)
        fprintf(stderr, "nss-bench: %s %4d bytes, first byte %02x\n",
                (Endpoint *)fd->secret == &ep_client ? "client->server" : "server->client", amount,
                ((const unsigned char *)buf)[0]);
    return amount;
}

static PRInt32 PR_CALLBACK mem_write(PRFileDesc *fd, const void *buf, PRInt32 amount) {
    return mem_send(fd, buf, amount, 0, PR_INTERVAL_NO_WAIT);
}

static PRInt32 PR_CALLBACK mem_writev(PRFileDesc *fd, const PRIOVec *iov, PRInt32 n, PRIntervalTime timeout) {
    static unsigned char joined[DGMAX];
    PRInt32 total = 0;
    for (PRInt32 i = 0; i < n; i++) {
        if (total + (PRInt32)iov[i].iov_len > DGMAX) { PR_SetError(PR_BUFFER_OVERFLOW_ERROR, 0); return -1; }
        memcpy(joined + total, iov[i].iov_base, iov[i].iov_len);
        total += (PRInt32)iov[i].iov_len;
    }
    return mem_send(fd, joined, total, 0, timeout);
}

static PRInt32 PR_CALLBACK mem_recv(PRFileDesc *fd, void *buf, PRInt32 amount, PRIntn flags,
                                    PRIntervalTime timeout) {
    (void)timeout;
    Queue *q = ((Endpoint *)fd->secret)->in;
    if (flags != 0) { PR_SetError(PR_NOT_IMPLEMENTED_ERROR, 0); return -1; }
    if (q->count == 0) { PR_SetError(PR_WOULD_BLOCK_ERROR, 0); return -1; }
    PRInt32 len = q->len[q->head];
    if (amount < len) { PR_SetError(PR_BUFFER_OVERFLOW_ERROR, 0); return -1; }
    memcpy(buf, q->buf[q->head], (size_t)len);
    q->head = (q->head + 1) % QCAP;
    q->count--;
    return len;
}

static PRInt32 PR_CALLBACK mem_read(PRFileDesc *fd, void *buf, PRInt32 amount) {
    return mem_recv(fd, buf, amount, 0, PR_INTERVAL_NO_WAIT);
}

static PRStatus PR_CALLBACK mem_close(PRFileDesc *fd) {
    fd->secret = NULL;
    fd->dtor(fd);
    return PR_SUCCESS;
}

static PRStatus PR_CALLBACK mem_getname(PRFileDesc *fd, PRNetAddr *addr) {
    (void)fd;
    memset(addr, 0, sizeof *addr);
    addr->inet.family = PR_AF_INET;
    return PR_SUCCESS;
}

static PRStatus PR_CALLBACK mem_getsockopt(PRFileDesc *fd, PRSocketOptionData *opt) {
    (void)fd;
    if (opt->option == PR_SockOpt_Nonblocking) { opt->value.non_blocking = PR_TRUE; return PR_SUCCESS; }
    PR_SetError(PR_NOT_IMPLEMENTED_ERROR, 0);
    return PR_FAILURE;
}

static PRStatus PR_CALLBACK mem_setsockopt(PRFileDesc *fd, const PRSocketOptionData *opt) {
    (void)fd; (void)opt;
    return PR_SUCCESS;
}

static PRStatus PR_CALLBACK mem_shutdown(PRFileDesc *fd, PRIntn how) {
    (void)fd; (void)how;
    return PR_SUCCESS;
}

static PRInt16 PR_CALLBACK mem_poll(PRFileDesc *fd, PRInt16 in_flags, PRInt16 *out_flags) {
    (void)fd;
    *out_flags = 0;
    return in_flags;
}

static void transport_init(void) {
    queue_init(&q_to_client);
    queue_init(&q_to_server);
    g_layer_id = PR_GetUniqueIdentity("nss-bench-mem");
    g_methods = *PR_GetDefaultIOMethods();
    g_methods.file_type = PR_DESC_SOCKET_UDP;
    g_methods.close = mem_close;
    g_methods.read = mem_read;
    g_methods.write = mem_write;
    g_methods.writev = mem_writev;
    g_methods.recv = mem_recv;
    g_methods.send = mem_send;
    g_methods.getpeername = mem_getname;
    g_methods.getsockname = mem_getname;
    g_methods.getsocketoption = mem_getsockopt;
    g_methods.setsocketoption = mem_setsockopt;
    g_methods.shutdown = mem_shutdown;
    g_methods.poll = mem_poll;
}

static PRFileDesc *mem_fd(Endpoint *ep) {
    PRFileDesc *fd = PR_CreateIOLayerStub(g_layer_id, &g_methods);
    if (!fd) die("PR_CreateIOLayerStub");
    fd->secret = (PRFilePrivate *)ep;
    return fd;
}

// ---- identities -------------------------------------------------------------

typedef struct {
    CERTCertificate *cert;
    SECKEYPrivateKey *key;
} Identity;

static Identity g_client_id, g_server_id;

static SECItem read_file(const char *path) {
    SECItem item = { siBuffer, NULL, 0 };
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "nss-bench: cannot open %s\n", path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    item.data = malloc(n > 0 ? (size_t)n : 1);
    item.len = (unsigned)fread(item.data, 1, (size_t)n, f);
    fclose(f);
    return item;
}

static Identity load_identity(const char *certPath, const char *keyPath) {
    Identity id;
    SECItem der = read_file(certPath), pk8 = read_file(keyPath);
    id.cert = CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &der, NULL, PR_FALSE, PR_TRUE);
    if (!id.cert) die("CERT_NewTempCertificate");
    PK11SlotInfo *slot = PK11_GetInternalKeySlot();
    if (PK11_ImportDERPrivateKeyInfoAndReturnKey(slot, &pk8, NULL, NULL, PR_FALSE, PR_FALSE, KU_ALL, &id.key, NULL) !=
        SECSuccess)
        die("PK11_ImportDERPrivateKeyInfoAndReturnKey");
    PK11_FreeSlot(slot);
    free(der.data);
    free(pk8.data);
    return id;
}

// An ECDSA P-256 key pair and a self-signed v3 certificate (ecdsa-with-SHA256,
// no extensions), made in NSS as certutil -S does.
static Identity make_identity(const char *subject, unsigned long serial) {
    Identity id;
    SECOidData *curve = SECOID_FindOIDByTag(SEC_OID_ANSIX962_EC_PRIME256V1);
    if (!curve) die("SECOID_FindOIDByTag");
    unsigned char paramBuf[64];
    paramBuf[0] = SEC_ASN1_OBJECT_ID;
    paramBuf[1] = (unsigned char)curve->oid.len;
    memcpy(paramBuf + 2, curve->oid.data, curve->oid.len);
    SECItem params = { siBuffer, paramBuf, curve->oid.len + 2 };

    PK11SlotInfo *slot = PK11_GetInternalKeySlot();
    SECKEYPublicKey *pub = NULL;
    id.key = PK11_GenerateKeyPair(slot, CKM_EC_KEY_PAIR_GEN, &params, &pub, PR_FALSE, PR_FALSE, NULL);
    if (!id.key) die("PK11_GenerateKeyPair");
    PK11_FreeSlot(slot);

    CERTName *name = CERT_AsciiToName((char *)subject);
    if (!name) die("CERT_AsciiToName");
    CERTSubjectPublicKeyInfo *spki = SECKEY_CreateSubjectPublicKeyInfo(pub);
    if (!spki) die("SECKEY_CreateSubjectPublicKeyInfo");
    CERTCertificateRequest *req = CERT_CreateCertificateRequest(name, spki, NULL);
    if (!req) die("CERT_CreateCertificateRequest");
    PRTime now = PR_Now();
    CERTValidity *validity = CERT_CreateValidity(now - (PRTime)86400 * PR_USEC_PER_SEC,
                                                 now + (PRTime)30 * 86400 * PR_USEC_PER_SEC);
    if (!validity) die("CERT_CreateValidity");
    CERTCertificate *tbs = CERT_CreateCertificate(serial, name, validity, req);
    if (!tbs) die("CERT_CreateCertificate");
    PLArenaPool *arena = tbs->arena;
    if (!SEC_ASN1EncodeInteger(arena, &tbs->version, SEC_CERTIFICATE_VERSION_3)) die("SEC_ASN1EncodeInteger");
    if (SECOID_SetAlgorithmID(arena, &tbs->signature, SEC_OID_ANSIX962_ECDSA_SHA256_SIGNATURE, NULL) != SECSuccess)
        die("SECOID_SetAlgorithmID");
    SECItem tbsDer = { siBuffer, NULL, 0 };
    if (!SEC_ASN1EncodeItem(arena, &tbsDer, tbs, SEC_ASN1_GET(CERT_CertificateTemplate))) die("SEC_ASN1EncodeItem");
    SECItem signedDer = { siBuffer, NULL, 0 };
    if (SEC_DerSignData(arena, &signedDer, tbsDer.data, (int)tbsDer.len, id.key,
                        SEC_OID_ANSIX962_ECDSA_SHA256_SIGNATURE) != SECSuccess)
        die("SEC_DerSignData");
    id.cert = CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &signedDer, NULL, PR_FALSE, PR_TRUE);
    if (!id.cert) die("CERT_NewTempCertificate (generated)");

    CERT_DestroyCertificate(tbs);
    CERT_DestroyCertificateRequest(req);
    CERT_DestroyValidity(validity);
    SECKEY_DestroySubjectPublicKeyInfo(spki);
    CERT_DestroyName(name);
    SECKEY_DestroyPublicKey(pub);
    return id;
}

// ---- callbacks ----------------------------------------------------------------

static SECStatus accept_any(void *arg, PRFileDesc *fd, PRBool checkSig, PRBool isServer) {
    (void)arg; (void)fd; (void)checkSig; (void)isServer;
    return SECSuccess;  // WebRTC compares a fingerprint, not a chain
}

static SECStatus client_auth(void *arg, PRFileDesc *fd, CERTDistNames *names, CERTCertificate **cert,
                             SECKEYPrivateKey **key) {
    (void)arg; (void)fd; (void)names;
    *cert = CERT_DupCertificate(g_client_id.cert);
    *key = SECKEY_CopyPrivateKey(g_client_id.key);
    return SECSuccess;
}

// Per handshake: how often the HRR callback saw a first and a second
// ClientHello, and whether the second carried our token back in the cookie.
static int g_first_hellos, g_second_hellos, g_token_echoed;

static SSLHelloRetryRequestAction hrr_cb(PRBool firstHello, const PRUint8 *clientToken, unsigned int clientTokenLen,
                                         PRUint8 *retryToken, unsigned int *retryTokenLen, unsigned int retryTokMax,
                                         void *arg) {
    (void)arg;
    if (firstHello) {
        g_first_hellos++;
        if (retryTokMax < sizeof kToken) return ssl_hello_retry_fail;
        memcpy(retryToken, kToken, sizeof kToken);
        *retryTokenLen = sizeof kToken;
        return ssl_hello_retry_request;
    }
    g_second_hellos++;
    if (clientTokenLen == sizeof kToken && !memcmp(clientToken, kToken, sizeof kToken)) g_token_echoed = 1;
    return g_token_echoed ? ssl_hello_retry_accept : ssl_hello_retry_fail;
}

// ---- configuration ------------------------------------------------------------

static PRFileDesc *g_client_model, *g_server_model;
static int g_stateful_hrr;

static void configure_model(PRFileDesc *fd, int isServer) {
    SSLVersionRange range = { SSL_LIBRARY_VERSION_TLS_1_3, SSL_LIBRARY_VERSION_TLS_1_3 };
    if (SSL_VersionRangeSet(fd, &range) != SECSuccess) die("SSL_VersionRangeSet");
    const PRUint16 *ciphers = SSL_GetImplementedCiphers();
    for (PRUint16 i = 0; i < SSL_GetNumImplementedCiphers(); i++)
        SSL_CipherPrefSet(fd, ciphers[i], ciphers[i] == TLS_AES_128_GCM_SHA256 ? PR_TRUE : PR_FALSE);
    const SSLNamedGroup groups[] = { ssl_grp_ec_curve25519 };
    if (SSL_NamedGroupConfig(fd, groups, 1) != SECSuccess) die("SSL_NamedGroupConfig");
    const PRUint16 profiles[] = { SRTP_AES128_CM_HMAC_SHA1_80 };
    if (SSL_SetSRTPCiphers(fd, profiles, 1) != SECSuccess) die("SSL_SetSRTPCiphers");
    if (SSL_OptionSet(fd, SSL_ENABLE_SESSION_TICKETS, PR_FALSE) != SECSuccess) die("SSL_ENABLE_SESSION_TICKETS");
    if (SSL_OptionSet(fd, SSL_NO_CACHE, PR_TRUE) != SECSuccess) die("SSL_NO_CACHE");
    if (isServer) {
        if (SSL_ConfigServerCert(fd, g_server_id.cert, g_server_id.key, NULL, 0) != SECSuccess)
            die("SSL_ConfigServerCert");
        if (SSL_OptionSet(fd, SSL_REQUEST_CERTIFICATE, PR_TRUE) != SECSuccess) die("SSL_REQUEST_CERTIFICATE");
        if (SSL_OptionSet(fd, SSL_REQUIRE_CERTIFICATE, SSL_REQUIRE_ALWAYS) != SECSuccess) die("SSL_REQUIRE_CERTIFICATE");
    }
}

static PRFileDesc *new_fd(int isServer) {
    PRFileDesc *fd = DTLS_ImportFD(isServer ? g_server_model : g_client_model, mem_fd(isServer ? &ep_server : &ep_client));
    if (!fd) die("DTLS_ImportFD");
    if (SSL_AuthCertificateHook(fd, accept_any, NULL) != SECSuccess) die("SSL_AuthCertificateHook");
    if (isServer) {
        if (SSL_HelloRetryRequestCallback(fd, hrr_cb, NULL) != SECSuccess) die("SSL_HelloRetryRequestCallback");
    } else {
        if (SSL_GetClientAuthDataHook(fd, client_auth, NULL) != SECSuccess) die("SSL_GetClientAuthDataHook");
    }
    if (SSL_ResetHandshake(fd, isServer ? PR_TRUE : PR_FALSE) != SECSuccess) die("SSL_ResetHandshake");
    return fd;
}

// ---- one handshake --------------------------------------------------------------

static void check_side(PRFileDesc *fd, const char *side, unsigned char out[EXPORT_LEN]) {
    SSLChannelInfo info;
    if (SSL_GetChannelInfo(fd, &info, sizeof info) != SECSuccess) die("SSL_GetChannelInfo");
    if (info.protocolVersion != SSL_LIBRARY_VERSION_TLS_1_3) {
        fprintf(stderr, "nss-bench: %s negotiated version %04x, not 0304 (DTLS 1.3); is NSS 3.125 loaded? (%s)\n",
                side, info.protocolVersion, NSS_GetVersion());
        exit(2);
    }
    if (info.cipherSuite != TLS_AES_128_GCM_SHA256) {
        fprintf(stderr, "nss-bench: %s cipher %04x, not 1301\n", side, info.cipherSuite);
        exit(2);
    }
    if (info.keaGroup != ssl_grp_ec_curve25519) {
        fprintf(stderr, "nss-bench: %s group %04x, not x25519\n", side, (unsigned)info.keaGroup);
        exit(2);
    }
    if (info.resumed) { fprintf(stderr, "nss-bench: %s resumed a session\n", side); exit(2); }
    PRUint16 profile = 0;
    if (SSL_GetSRTPCipher(fd, &profile) != SECSuccess || profile != SRTP_AES128_CM_HMAC_SHA1_80) {
        fprintf(stderr, "nss-bench: %s SRTP profile %04x, not 0001\n", side, profile);
        exit(2);
    }
    CERTCertificate *peer = SSL_PeerCertificate(fd);
    if (!peer) { fprintf(stderr, "nss-bench: %s has no peer certificate\n", side); exit(2); }
    CERT_DestroyCertificate(peer);
    if (SSL_ExportKeyingMaterial(fd, kLabel, (unsigned)strlen(kLabel), PR_FALSE, NULL, 0, out, EXPORT_LEN) !=
        SECSuccess)
        die("SSL_ExportKeyingMaterial");
}

static void handshake(void) {
    queue_clear(&q_to_client);
    queue_clear(&q_to_server);
    g_datagrams = 0;
    g_first_hellos = g_second_hellos = g_token_echoed = 0;

    PRFileDesc *client = new_fd(0), *server = new_fd(1);
    int clientDone = 0, serverDone = 0, replaced = g_stateful_hrr;
    for (int round = 0; !(clientDone && serverDone); round++) {
        if (round > 50) fail("handshake did not finish in 50 rounds");
        if (!clientDone) {
            if (SSL_ForceHandshake(client) == SECSuccess) clientDone = 1;
            else if (PR_GetError() != PR_WOULD_BLOCK_ERROR) die("client handshake");
        }
        if (!serverDone) {
            if (SSL_ForceHandshake(server) == SECSuccess) serverDone = 1;
            else if (PR_GetError() != PR_WOULD_BLOCK_ERROR) die("server handshake");
            if (!replaced && g_first_hellos == 1) {
                // Stateless HRR: drop the server that sent the HelloRetryRequest;
                // a fresh one must continue from the cookie alone.
                PR_Close(server);
                server = new_fd(1);
                replaced = 1;
            }
        }
        if (!(clientDone && serverDone) && q_to_client.count == 0 && q_to_server.count == 0)
            fail("handshake stalled with no datagram in flight (would need a DTLS timer)");
    }
    // The server ACKs the client's Finished; let the client process it, as
    // an endpoint would, so its retransmission state is cleared.
    while (q_to_client.count > 0) {
        char buf[DGMAX];
        if (PR_Recv(client, buf, sizeof buf, 0, PR_INTERVAL_NO_WAIT) >= 0) fail("unexpected application data");
        if (PR_GetError() != PR_WOULD_BLOCK_ERROR) die("client reading the ACK");
    }
    if (q_to_server.count != 0) fail("client sent something after the handshake");
    if (g_first_hellos != 1 || g_second_hellos != 1 || !g_token_echoed)
        fail("no HelloRetryRequest round trip with an echoed cookie in this handshake");

    unsigned char ce[EXPORT_LEN], se[EXPORT_LEN];
    check_side(client, "client", ce);
    check_side(server, "server", se);
    if (memcmp(ce, se, EXPORT_LEN)) fail("EXTRACTOR-dtls_srtp differs between client and server");

    PR_Close(client);
    PR_Close(server);
}

// ---- driver ---------------------------------------------------------------------

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned long g_baseline_datagrams, g_odd_handshakes;

static void timed_handshake(void) {
    handshake();
    if (g_datagrams != g_baseline_datagrams) g_odd_handshakes++;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    double seconds = 2;
    int reps = 5;
    long count = 0;
    const char *clientCert = NULL, *clientKey = NULL, *serverCert = NULL, *serverKey = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--stateful-hrr")) { g_stateful_hrr = 1; continue; }
        if (!strcmp(a, "--trace")) { g_trace = 1; continue; }
        if (i + 1 >= argc) { fprintf(stderr, "nss-bench: %s needs a value\n", a); return 2; }
        const char *v = argv[++i];
        if (!strcmp(a, "--seconds")) seconds = atof(v);
        else if (!strcmp(a, "--reps")) reps = atoi(v);
        else if (!strcmp(a, "--count")) count = atol(v);
        else if (!strcmp(a, "--client-cert")) clientCert = v;
        else if (!strcmp(a, "--client-key")) clientKey = v;
        else if (!strcmp(a, "--server-cert")) serverCert = v;
        else if (!strcmp(a, "--server-key")) serverKey = v;
        else { fprintf(stderr, "nss-bench: unknown option %s\n", a); return 2; }
    }
    if (!clientCert != !clientKey || !serverCert != !serverKey) fail("give --*-cert and --*-key together");
    if (seconds <= 0 || reps < 1 || reps > 1000 || count < 0) fail("bad --seconds, --reps or --count");

    if (NSS_NoDB_Init(NULL) != SECSuccess) die("NSS_NoDB_Init");
    if (NSS_SetDomesticPolicy() != SECSuccess) die("NSS_SetDomesticPolicy");
    transport_init();
    g_client_id = clientCert ? load_identity(clientCert, clientKey) : make_identity("CN=nss-bench-client", 1);
    g_server_id = serverCert ? load_identity(serverCert, serverKey) : make_identity("CN=nss-bench-server", 2);
    if (SECKEY_GetPrivateKeyType(g_client_id.key) != ecKey || SECKEY_GetPrivateKeyType(g_server_id.key) != ecKey)
        fail("the keys must be ECDSA P-256");

    g_client_model = DTLS_ImportFD(NULL, mem_fd(&ep_client));
    g_server_model = DTLS_ImportFD(NULL, mem_fd(&ep_server));
    if (!g_client_model || !g_server_model) die("DTLS_ImportFD (model)");
    configure_model(g_client_model, 0);
    configure_model(g_server_model, 1);

    // Warm-up handshake: checks everything once and fixes the datagram count
    // a handshake without retransmissions takes.
    g_inspect = 1;
    handshake();
    g_inspect = 0;
    if (g_hellos_seen != 2 || g_hellos_rfc9147 != 2) {
        fprintf(stderr, "nss-bench: expected a HelloRetryRequest and a ServerHello selecting DTLS 1.3 (0xfefc, "
                        "RFC 9147); saw %d hellos, %d of them 0xfefc (NSS %s: draft DTLS 1.3? firefox-esr's NSS is needed)\n",
                g_hellos_seen, g_hellos_rfc9147, NSS_GetVersion());
        return 2;
    }
    g_trace = 0;
    g_baseline_datagrams = g_datagrams;
    fprintf(stderr,
            "nss-bench: NSS %s, DTLS 1.3 0304 TLS_AES_128_GCM_SHA256 x25519 ECDSA-P256 mutual use_srtp 0001, "
            "HRR+cookie (%s), %lu datagrams/handshake\n",
            NSS_GetVersion(), g_stateful_hrr ? "stateful" : "stateless", g_baseline_datagrams);

    if (count > 0) {
        double t0 = now_s();
        for (long i = 0; i < count; i++) timed_handshake();
        double t = now_s() - t0;
        printf("handshakes %ld seconds %.3f\n", count, t);
        printf("nss-dtls13-hs/s %.1f\n", (double)count / t);
    } else {
        double *rates = calloc((size_t)reps, sizeof *rates);
        for (int r = 0; r < reps; r++) {
            unsigned long n = 0;
            double t0 = now_s(), t;
            do {
                timed_handshake();
                n++;
                t = now_s() - t0;
            } while (t < seconds);
            rates[r] = (double)n / t;
            printf("nss-dtls13-hs/s %.1f\n", rates[r]);
            fflush(stdout);
        }
        qsort(rates, (size_t)reps, sizeof *rates, cmp_double);
        double median = reps % 2 ? rates[reps / 2] : (rates[reps / 2 - 1] + rates[reps / 2]) / 2;
        printf("median %.1f\n", median);
        free(rates);
    }
    if (g_odd_handshakes)
        fprintf(stderr, "nss-bench: warning: %lu handshakes sent a different number of datagrams than %lu "
                        "(a DTLS timer fired: the process was descheduled)\n",
                g_odd_handshakes, g_baseline_datagrams);

    PR_Close(g_client_model);
    PR_Close(g_server_model);
    CERT_DestroyCertificate(g_client_id.cert);
    CERT_DestroyCertificate(g_server_id.cert);
    SECKEY_DestroyPrivateKey(g_client_id.key);
    SECKEY_DestroyPrivateKey(g_server_id.key);
    if (NSS_Shutdown() != SECSuccess) die("NSS_Shutdown");
    PR_Cleanup();
    return 0;
}
