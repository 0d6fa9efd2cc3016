import DTLS
import DTLSCrypto
import OpenSSLReference

/// Full handshakes per second, mutual authentication and the cookie
/// exchange, client and server in one process over memory.
enum HandshakeBench {
    struct Case {
        var name: String
        var suite: CipherSuite
        var group: NamedGroup
        var serverRSA: Bool
    }

    static let cases: [Case] = [
        Case(name: "ECDHE-ECDSA P-256 AES-128-GCM", suite: .ecdheEcdsaWithAes128GcmSha256, group: .secp256r1, serverRSA: false),
        Case(name: "ECDHE-ECDSA X25519 AES-128-GCM", suite: .ecdheEcdsaWithAes128GcmSha256, group: .x25519, serverRSA: false),
        Case(name: "ECDHE-RSA P-256 AES-128-GCM", suite: .ecdheRsaWithAes128GcmSha256, group: .secp256r1, serverRSA: true),
        Case(name: "DHE-RSA ffdhe2048 AES-128-GCM", suite: .dheRsaWithAes128GcmSha256, group: .ffdhe2048, serverRSA: true),
    ]

    static func ours(_ c: Case, client: BenchIdentity, server: BenchIdentity) -> () -> Void {
        var cc = DTLSConfiguration(certificate: client.certificate, privateKey: client.key,
                                   peerVerification: .fingerprints([server.fingerprint]))
        cc.cipherSuites = [c.suite]
        cc.versions = [.dtls12]
        if c.group.isFFDHE { cc.ffdheGroups = [c.group] } else { cc.groups = [c.group] }
        var sc = DTLSConfiguration(certificate: server.certificate, privateKey: server.key,
                                   peerVerification: .fingerprints([client.fingerprint]))
        sc.cipherSuites = [c.suite]
        sc.versions = [.dtls12]
        return {
            let pair = OurPair(client: cc, server: sc)
            guard pair.handshake() else { fatalError("handshake did not complete") }
        }
    }

    static func openssl(_ c: Case, client: BenchIdentity, server: BenchIdentity) -> () -> Void {
        // libssl needs P-256 listed to accept a P-256 certificate; its first group is used.
        let groups = c.group == .x25519 ? "X25519:P-256" : "P-256"
        let sc = OpenSSLDTLSPeer.Configuration(role: .server, certificatePEM: server.certificate.pemEncoded,
                                               privateKeyPEM: server.key.pemEncoded, cipherList: c.suite.openSSLName,
                                               groups: groups, srtpProfiles: "SRTP_AEAD_AES_128_GCM",
                                               cookieExchange: true, requireClientCertificate: true,
                                               dhGroupName: c.group.isFFDHE ? "ffdhe2048" : nil)
        let cc = OpenSSLDTLSPeer.Configuration(role: .client, certificatePEM: client.certificate.pemEncoded,
                                               privateKeyPEM: client.key.pemEncoded, cipherList: c.suite.openSSLName,
                                               groups: groups, srtpProfiles: "SRTP_AEAD_AES_128_GCM")
        let serverContext = try! OpenSSLContext(sc)
        let clientContext = try! OpenSSLContext(cc)
        return {
            let a = try! OpenSSLDTLSPeer(context: clientContext)
            let b = try! OpenSSLDTLSPeer(context: serverContext)
            try! DatagramPump.run(a, b, maxSteps: 20)
        }
    }

    /// One DTLS 1.3 handshake through the stateless listener (its
    /// HelloRetryRequest cookie round trip, as the 1.2 rows' cookie
    /// exchange), X25519, TLS_AES_128_GCM_SHA256, ECDSA P-256 certificates,
    /// mutual authentication, use_srtp, in memory. `versions` is the
    /// client's: `[.dtls13, .dtls12]` sends the two-version ClientHello.
    static func ours13(client: BenchIdentity, server: BenchIdentity,
                       clientVersions: [ProtocolVersion] = [.dtls13], groups: [NamedGroup] = [.x25519]) -> () -> Void {
        let (cc, sc) = configs13(client: client, server: server, clientVersions: clientVersions, groups: groups)
        return {
            let pair = OurPair(client: cc, server: sc)
            guard pair.handshake(), pair.server?.connectionInfo?.version == .dtls13,
                  pair.server?.connectionInfo?.namedGroup == groups[0] else {
                fatalError("DTLS 1.3 handshake did not complete with \(groups[0])")
            }
        }
    }

    /// The two configurations of `ours13`; `groups` on both sides (the
    /// client sends shares for its first post-quantum and first classical group).
    /// The ML-KEM-768 work of one hybrid handshake, nothing else: the
    /// client's key generation, the server's encapsulation (with its FIPS 203
    /// key check) and the client's decapsulation.
    static func mlkemOnly() -> () -> Void {
        {
            guard let pair = try? MLKEM768KeyPair(),
                  let (ciphertext, secret) = try? MLKEM768KeyPair.encapsulate(to: pair.encapsulationKey),
                  (try? pair.decapsulate(ciphertext)) == secret else { fatalError("ML-KEM-768 round trip failed") }
        }
    }

    static func configs13(client: BenchIdentity, server: BenchIdentity, clientVersions: [ProtocolVersion] = [.dtls13],
                          groups: [NamedGroup]) -> (DTLSConfiguration, DTLSConfiguration) {
        var cc = DTLSConfiguration(certificate: client.certificate, privateKey: client.key,
                                   peerVerification: .fingerprints([server.fingerprint]))
        cc.versions = clientVersions
        cc.groups = groups
        var sc = DTLSConfiguration(certificate: server.certificate, privateKey: server.key,
                                   peerVerification: .fingerprints([client.fingerprint]))
        sc.versions = [.dtls13, .dtls12]
        sc.groups = groups
        return (cc, sc)
    }

    /// Each role's median CPU time per handshake (in-memory pair: the
    /// client's calls and the listener's plus the server's).
    static func roleTimes13(client: BenchIdentity, server: BenchIdentity, groups: [NamedGroup], count: Int) -> (client: Double, server: Double) {
        let (cc, sc) = configs13(client: client, server: server, groups: groups)
        var clientMicros: [Double] = [], serverMicros: [Double] = []
        for _ in 0..<count {
            let pair = OurPair(client: cc, server: sc)
            guard pair.handshake() else { fatalError("no handshake") }
            clientMicros.append(Double(pair.clientTime.components.attoseconds) / 1e12 + Double(pair.clientTime.components.seconds) * 1e6)
            serverMicros.append(Double(pair.serverTime.components.attoseconds) / 1e12 + Double(pair.serverTime.components.seconds) * 1e6)
        }
        return (clientMicros.sorted()[count / 2], serverMicros.sorted()[count / 2])
    }

    /// Bytes and datagrams on the wire for one such handshake at the default MTU (1200).
    static func wire13(client: BenchIdentity, server: BenchIdentity, groups: [NamedGroup]) -> (bytes: Int, datagrams: Int) {
        let (cc, sc) = configs13(client: client, server: server, groups: groups)
        let pair = OurPair(client: cc, server: sc)
        guard pair.handshake() else { fatalError("no handshake") }
        return (pair.bytesOnTheWire, pair.datagrams)
    }

    /// The cryptography of one mutual-auth ECDHE-ECDSA P-256 handshake alone:
    /// two key pairs, two agreements, two signatures, two verifications,
    /// two certificate parses. What any implementation must spend.
    static func cryptoOnly(client: BenchIdentity, server: BenchIdentity) -> () -> Void {
        let message = [UInt8](repeating: 0x5A, count: 1500)
        let clientDER = client.certificate.derEncoded
        let serverDER = server.certificate.derEncoded
        return {
            let a = try! ECDHPrivateKey(group: .p256)
            let b = try! ECDHPrivateKey(group: .p256)
            let pa = a.publicKeyBytes, pb = b.publicKeyBytes
            _ = try! a.sharedSecret(peerPublicKey: pb.span)
            _ = try! b.sharedSecret(peerPublicKey: pa.span)
            let s1 = try! server.key.sign(message.span, hash: .sha256)
            let s2 = try! client.key.sign(message.span, hash: .sha256)
            let serverKey = try! PublicKey.fromCertificate(derEncoded: serverDER)
            let clientKey = try! PublicKey.fromCertificate(derEncoded: clientDER)
            _ = serverKey.verify(signature: s1.span, message: message.span, hash: .sha256)
            _ = clientKey.verify(signature: s2.span, message: message.span, hash: .sha256)
        }
    }
}
