// nss-peer: NSS as an independent DTLS peer over loopback UDP, the DTLS 1.3
// reference (RFC 9147) as OpenSSLReference is the DTLS 1.2 one.
//
// Why a separate program and not NSS in process: Debian's libsrtp2 is built
// on NSS 3.87, so every process of ours already has NSS 3.87 loaded, and
// DTLS 1.3 needs the NSS 3.125 that firefox-esr ships (3.87 speaks only
// draft-43). One process cannot hold both; this one runs with
// LD_LIBRARY_PATH pointing at firefox-esr's library folder.
//
// usage: nss-peer --role client|server --port N [--connect-port N]
//                 --cert FILE.der --key FILE.pk8 [--versions 1.2,1.3]
//                 [--srtp] [--export-len N] [--timeout-ms N] [--send TEXT]
//                 [--tls13-suite 1301|1302|1303]   (only that DTLS 1.3 suite)
//                 [--key-update]   (after the handshake: a KeyUpdate that requests the peer's)
//                 [--groups 11ec,001d] [--key-shares N]  (named groups, hex, in
//                 preference order; key shares sent for the first N of them)
// The server waits for the first datagram on 127.0.0.1:--port and talks to
// its sender; the client talks to 127.0.0.1:--connect-port. Mutual
// authentication is on; any certificate is accepted (the caller compares
// the printed peer fingerprint). After the handshake it prints
//   connected version=0304 cipher=1301 group=x25519 srtp=0001
//   peer-sha256=AB:CD:...
//   exporter=HEX            (EXTRACTOR-dtls_srtp, --export-len bytes)
// then sends --send as application data, prints what it receives as
//   received=TEXT
// and closes with close_notify. Exit 0 on success.
#include <nspr.h>
#include <nss.h>
#include <pk11pub.h>
#include <cert.h>
#include <keyhi.h>
#include <ssl.h>
#include <sslerr.h>
#include <sslproto.h>
#include <sslexp.h>
#include <secerr.h>
#include <sechash.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static CERTCertificate *g_cert;
static SECKEYPrivateKey *g_key;

static void die(const char *what) {
    fprintf(stderr, "nss-peer: %s: %s (%d)\n", what, PR_ErrorToName(PR_GetError()), PR_GetError());
    exit(2);
}

static SECItem read_file(const char *path) {
    SECItem item = { siBuffer, NULL, 0 };
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "nss-peer: cannot open %s\n", path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    item.data = malloc(n);
    item.len = (unsigned)fread(item.data, 1, n, f);
    fclose(f);
    return item;
}

static SECStatus accept_any(void *arg, PRFileDesc *fd, PRBool checkSig, PRBool isServer) {
    (void)arg; (void)fd; (void)checkSig; (void)isServer;
    return SECSuccess;  // the caller checks the printed fingerprint
}

static SECStatus client_auth(void *arg, PRFileDesc *fd, CERTDistNames *names, CERTCertificate **cert,
                             SECKEYPrivateKey **key) {
    (void)arg; (void)fd; (void)names;
    *cert = CERT_DupCertificate(g_cert);
    *key = SECKEY_CopyPrivateKey(g_key);
    return SECSuccess;
}

static const char *group_name(SSLNamedGroup g) {
    switch ((unsigned)g) {
    case 0x11ec: return "x25519mlkem768";  // NSS 3.125; 3.87's headers predate it
    case ssl_grp_ec_curve25519: return "x25519";
    case ssl_grp_ec_secp256r1: return "secp256r1";
    case ssl_grp_ec_secp384r1: return "secp384r1";
    case ssl_grp_ec_secp521r1: return "secp521r1";
    default: return "other";
    }
}

int main(int argc, char **argv) {
    const char *role = NULL, *certPath = NULL, *keyPath = NULL, *versions = "1.2,1.3", *send = NULL;
    int port = 0, connectPort = 0, srtp = 0, exportLen = 0, timeoutMs = 10000;
    unsigned tls13Suite = 0;
    const char *groups = NULL;
    int keyShares = 0, keyUpdate = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--role")) role = argv[i + 1];
        else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--connect-port")) connectPort = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--cert")) certPath = argv[i + 1];
        else if (!strcmp(argv[i], "--key")) keyPath = argv[i + 1];
        else if (!strcmp(argv[i], "--versions")) versions = argv[i + 1];
        else if (!strcmp(argv[i], "--srtp")) { srtp = 1; i--; }
        else if (!strcmp(argv[i], "--key-update")) { keyUpdate = 1; i--; }
        else if (!strcmp(argv[i], "--export-len")) exportLen = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--timeout-ms")) timeoutMs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--send")) send = argv[i + 1];
        else if (!strcmp(argv[i], "--tls13-suite")) tls13Suite = (unsigned)strtoul(argv[i + 1], NULL, 16);
        else if (!strcmp(argv[i], "--groups")) groups = argv[i + 1];
        else if (!strcmp(argv[i], "--key-shares")) keyShares = atoi(argv[i + 1]);
        else { fprintf(stderr, "nss-peer: unknown option %s\n", argv[i]); return 2; }
    }
    if (argc >= 2 && !strcmp(argv[argc - 1], "--srtp")) srtp = 1;
    if (argc >= 2 && !strcmp(argv[argc - 1], "--key-update")) keyUpdate = 1;
    if (!role || !certPath || !keyPath) { fprintf(stderr, "nss-peer: --role, --cert and --key are needed\n"); return 2; }
    int isServer = !strcmp(role, "server");

    if (NSS_NoDB_Init(NULL) != SECSuccess) die("NSS_NoDB_Init");
    if (NSS_SetDomesticPolicy() != SECSuccess) die("NSS_SetDomesticPolicy");
    // A (D)TLS 1.2 server looks sessions up in this cache; without it NSS
    // crashes in the 1.2 handshake (1.3 does not use it).
    if (isServer && SSL_ConfigServerSessionIDCache(16, 0, 0, NULL) != SECSuccess) die("SSL_ConfigServerSessionIDCache");

    SECItem der = read_file(certPath), pk8 = read_file(keyPath);
    g_cert = CERT_NewTempCertificate(CERT_GetDefaultCertDB(), &der, NULL, PR_FALSE, PR_TRUE);
    if (!g_cert) die("CERT_NewTempCertificate");
    PK11SlotInfo *slot = PK11_GetInternalKeySlot();
    if (PK11_ImportDERPrivateKeyInfoAndReturnKey(slot, &pk8, NULL, NULL, PR_FALSE, PR_FALSE, KU_ALL, &g_key, NULL) != SECSuccess)
        die("PK11_ImportDERPrivateKeyInfoAndReturnKey");

    PRFileDesc *udp = PR_OpenUDPSocket(PR_AF_INET);
    if (!udp) die("PR_OpenUDPSocket");
    PRNetAddr local, remote;
    PR_InitializeNetAddr(PR_IpAddrLoopback, isServer ? (PRUint16)port : 0, &local);
    if (PR_Bind(udp, &local) != PR_SUCCESS) die("PR_Bind");
    if (isServer) {
        // Learn the client's address from its first datagram, left queued.
        char peek[1];
        if (PR_RecvFrom(udp, peek, sizeof peek, PR_MSG_PEEK, &remote, PR_MillisecondsToInterval(timeoutMs)) < 0)
            die("waiting for the first datagram");
    } else {
        PR_InitializeNetAddr(PR_IpAddrLoopback, (PRUint16)connectPort, &remote);
    }
    if (PR_Connect(udp, &remote, PR_INTERVAL_NO_TIMEOUT) != PR_SUCCESS) die("PR_Connect");

    PRFileDesc *fd = DTLS_ImportFD(NULL, udp);
    if (!fd) die("DTLS_ImportFD");
    SSLVersionRange range = { SSL_LIBRARY_VERSION_TLS_1_3, SSL_LIBRARY_VERSION_TLS_1_2 };
    if (strstr(versions, "1.2")) range.min = SSL_LIBRARY_VERSION_TLS_1_2;
    if (strstr(versions, "1.3")) range.max = SSL_LIBRARY_VERSION_TLS_1_3;
    else range.max = SSL_LIBRARY_VERSION_TLS_1_2;
    if (!strstr(versions, "1.2")) range.min = SSL_LIBRARY_VERSION_TLS_1_3;
    if (SSL_VersionRangeSet(fd, &range) != SECSuccess) die("SSL_VersionRangeSet");
    if (tls13Suite) {
        const PRUint16 all[] = { TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 };
        for (int i = 0; i < 3; i++) SSL_CipherPrefSet(fd, all[i], all[i] == tls13Suite ? PR_TRUE : PR_FALSE);
    }
    if (groups) {
        SSLNamedGroup list[16];
        unsigned n = 0;
        for (const char *p = groups; *p && n < 16;) {
            list[n++] = (SSLNamedGroup)strtoul(p, (char **)&p, 16);
            if (*p == ',') p++;
        }
        if (SSL_NamedGroupConfig(fd, list, n) != SECSuccess) die("SSL_NamedGroupConfig");
    }
    if (keyShares > 1 && SSL_SendAdditionalKeyShares(fd, (unsigned)keyShares - 1) != SECSuccess) die("SSL_SendAdditionalKeyShares");
    SSL_AuthCertificateHook(fd, accept_any, NULL);
    if (isServer) {
        if (SSL_ConfigServerCert(fd, g_cert, g_key, NULL, 0) != SECSuccess) die("SSL_ConfigServerCert");
        SSL_OptionSet(fd, SSL_REQUEST_CERTIFICATE, PR_TRUE);
        SSL_OptionSet(fd, SSL_REQUIRE_CERTIFICATE, PR_TRUE);
    } else {
        SSL_GetClientAuthDataHook(fd, client_auth, NULL);
    }
    if (srtp) {
        const PRUint16 profiles[] = { SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AES128_CM_HMAC_SHA1_32 };
        if (SSL_SetSRTPCiphers(fd, profiles, 2) != SECSuccess) die("SSL_SetSRTPCiphers");
    }
    if (SSL_ResetHandshake(fd, isServer ? PR_TRUE : PR_FALSE) != SECSuccess) die("SSL_ResetHandshake");

    PRIntervalTime deadline = PR_IntervalNow() + PR_MillisecondsToInterval(timeoutMs);
    for (;;) {
        if (SSL_ForceHandshake(fd) == SECSuccess) break;
        if (PR_GetError() != PR_WOULD_BLOCK_ERROR) die("handshake");
        if ((PRInt32)(PR_IntervalNow() - deadline) > 0) { fprintf(stderr, "nss-peer: handshake timed out\n"); return 3; }
        PRIntervalTime wait = PR_MillisecondsToInterval(50);
        PRIntervalTime dtlsWait;
        if (DTLS_GetHandshakeTimeout(fd, &dtlsWait) == SECSuccess && dtlsWait < wait) wait = dtlsWait;
        PRPollDesc poll = { fd, PR_POLL_READ, 0 };
        PR_Poll(&poll, 1, wait);
    }

    SSLChannelInfo info;
    SSLCipherSuiteInfo suite;
    if (SSL_GetChannelInfo(fd, &info, sizeof info) != SECSuccess) die("SSL_GetChannelInfo");
    if (SSL_GetCipherSuiteInfo(info.cipherSuite, &suite, sizeof suite) != SECSuccess) die("SSL_GetCipherSuiteInfo");
    PRUint16 profile = 0;
    if (srtp && SSL_GetSRTPCipher(fd, &profile) != SECSuccess) profile = 0;
    printf("connected version=%04x cipher=%04x group=%s srtp=%04x\n", info.protocolVersion, info.cipherSuite,
           group_name(info.keaGroup), profile);
    CERTCertificate *peer = SSL_PeerCertificate(fd);
    if (peer) {
        unsigned char digest[32];
        HASH_HashBuf(HASH_AlgSHA256, digest, peer->derCert.data, peer->derCert.len);
        printf("peer-sha256=");
        for (int i = 0; i < 32; i++) printf("%02X%s", digest[i], i < 31 ? ":" : "\n");
        CERT_DestroyCertificate(peer);
    }
    if (exportLen > 0) {
        unsigned char out[256];
        const char *label = "EXTRACTOR-dtls_srtp";
        if (exportLen > (int)sizeof out ||
            SSL_ExportKeyingMaterial(fd, label, (unsigned)strlen(label), PR_FALSE, NULL, 0, out, (unsigned)exportLen) != SECSuccess)
            die("SSL_ExportKeyingMaterial");
        printf("exporter=");
        for (int i = 0; i < exportLen; i++) printf("%02x", out[i]);
        printf("\n");
    }
    fflush(stdout);
    if (keyUpdate) {
        if (SSL_KeyUpdate(fd, PR_TRUE) != SECSuccess) die("SSL_KeyUpdate");
        printf("key-update=sent\n");
        fflush(stdout);
    }
    if (send && PR_Write(fd, send, (PRInt32)strlen(send)) < 0) die("PR_Write");
    if (send) {
        char buf[2048];
        PRInt32 n = PR_Recv(fd, buf, sizeof buf - 1, 0, PR_MillisecondsToInterval(timeoutMs));
        if (n < 0) die("PR_Recv");
        buf[n] = 0;
        printf("received=%s\n", buf);
        fflush(stdout);
    }
    if (keyUpdate) {
        // Keep reading briefly: the peer's answering KeyUpdate and ACKs.
        char rest[2048];
        PR_Recv(fd, rest, sizeof rest, 0, PR_MillisecondsToInterval(700));
    }
    PR_Close(fd);
    return 0;
}
