import Testing
import OpenSSLReference

// Self-tests of the OpenSSL reference harness: libssl client against libssl server, in
// process, through OpenSSLDTLSPeer. If these pass, later interop failures against our own
// engine are the engine's, not the harness's.

private typealias Peer = OpenSSLDTLSPeer

/// One of the six DTLS 1.2 suites WebRTC endpoints negotiate.
struct Suite: Sendable, CustomTestStringConvertible {
    let name: String
    let ianaID: UInt16
    var usesRSACertificate: Bool { !name.contains("ECDSA") }
    var testDescription: String { name }

    static let all: [Suite] = [
        Suite(name: "ECDHE-ECDSA-AES128-GCM-SHA256", ianaID: 0xC02B),
        Suite(name: "ECDHE-ECDSA-AES256-GCM-SHA384", ianaID: 0xC02C),
        Suite(name: "ECDHE-RSA-AES128-GCM-SHA256", ianaID: 0xC02F),
        Suite(name: "ECDHE-RSA-AES256-GCM-SHA384", ianaID: 0xC030),
        Suite(name: "DHE-RSA-AES128-GCM-SHA256", ianaID: 0x009E),
        Suite(name: "DHE-RSA-AES256-GCM-SHA384", ianaID: 0x009F),
    ]
}

/// use_srtp profile with its RFC 5764 / RFC 7714 id and exporter length 2*(key+salt).
struct ReferenceSRTPProfile: Sendable, CustomTestStringConvertible {
    let name: String
    let id: UInt16
    let keyingMaterialLength: Int
    var testDescription: String { name }

    static let all: [ReferenceSRTPProfile] = [
        ReferenceSRTPProfile(name: "SRTP_AEAD_AES_256_GCM", id: 0x0008, keyingMaterialLength: 88),
        ReferenceSRTPProfile(name: "SRTP_AEAD_AES_128_GCM", id: 0x0007, keyingMaterialLength: 56),
        ReferenceSRTPProfile(name: "SRTP_AES128_CM_SHA1_80", id: 0x0001, keyingMaterialLength: 60),
        ReferenceSRTPProfile(name: "SRTP_AES128_CM_SHA1_32", id: 0x0002, keyingMaterialLength: 60),
    ]
}

private func serverConfig(
    _ suite: Suite? = nil, mtu: Int = 1200, srtpProfiles: String? = Peer.Configuration.defaultSRTPProfiles
) -> Peer.Configuration {
    var c = Peer.Configuration(role: .server, srtpProfiles: srtpProfiles, mtu: mtu,
                               cookieExchange: true, requireClientCertificate: true)
    if let suite {
        c.cipherList = suite.name
        if suite.usesRSACertificate {
            c.certificatePEM = TestIdentities.rsaCertPEM
            c.privateKeyPEM = TestIdentities.rsaKeyPEM
        }
    }
    return c
}

private func clientConfig(
    _ suite: Suite? = nil, mtu: Int = 1200, srtpProfiles: String? = Peer.Configuration.defaultSRTPProfiles
) -> Peer.Configuration {
    var c = Peer.Configuration(role: .client, srtpProfiles: srtpProfiles, mtu: mtu)
    if let suite { c.cipherList = suite.name }
    return c
}

/// Handshakes client and server, recording every datagram in flight.
@discardableResult
private func connect(_ client: Peer, _ server: Peer, record: inout [[UInt8]]) throws -> Int {
    var seen: [[UInt8]] = []
    let steps = try DatagramPump.run(client, server) { _, d in seen.append(d); return d }
    record += seen
    return steps
}

private func connect(_ client: Peer, _ server: Peer) throws {
    var ignored: [[UInt8]] = []
    try connect(client, server, record: &ignored)
}

/// DTLS 1.2 records in one datagram: (content type, epoch, fragment).
private func records(in datagram: [UInt8]) -> [(type: UInt8, epoch: UInt16, fragment: ArraySlice<UInt8>)]? {
    var out: [(UInt8, UInt16, ArraySlice<UInt8>)] = []
    var i = 0
    while i < datagram.count {
        guard datagram.count - i >= 13 else { return nil }
        let length = Int(datagram[i + 11]) << 8 | Int(datagram[i + 12])
        guard datagram.count - i - 13 >= length else { return nil }
        out.append((datagram[i], UInt16(datagram[i + 3]) << 8 | UInt16(datagram[i + 4]),
                    datagram[(i + 13)..<(i + 13 + length)]))
        i += 13 + length
    }
    return out
}

// MARK: Suites

@Test(arguments: Suite.all)
func eachSuiteConnectsWithCookieExchangeAndMutualAuthentication(_ suite: Suite) throws {
    let client = try Peer(clientConfig(suite))
    let server = try Peer(serverConfig(suite))
    var datagrams: [[UInt8]] = []
    try connect(client, server, record: &datagrams)

    #expect(client.isConnected && server.isConnected)
    #expect(client.negotiatedCipherName == suite.name)
    #expect(server.negotiatedCipherName == suite.name)
    #expect(client.negotiatedCipherID == suite.ianaID)
    #expect(server.negotiatedCipherID == suite.ianaID)
    #expect(client.negotiatedVersionName == "DTLSv1.2")
    #expect(server.helloVerifyRequestCount == 1)
    #expect(client.helloVerifyRequestCount == 1)
    #expect(client.extendedMasterSecretUsed && server.extendedMasterSecretUsed)
    // Mutual authentication: each side holds the other's certificate.
    #expect(client.peerCertificateDER == server.certificateDER)
    #expect(server.peerCertificateDER == client.certificateDER)
    // Default profile lists: the server's first choice wins.
    #expect(client.selectedSRTPProfileID == 0x0008)
    #expect(server.selectedSRTPProfileID == 0x0008)
    let c = try client.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 88, context: nil)
    let s = try server.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 88, context: nil)
    #expect(c == s)
    #expect(c.contains { $0 != 0 })
    #expect(datagrams.allSatisfy { $0.count <= 1200 })
}

@Test(arguments: Suite.all)
func eachSuiteCarriesApplicationDataAndCloseNotifyBothWays(_ suite: Suite) throws {
    let client = try Peer(clientConfig(suite))
    let server = try Peer(serverConfig(suite))
    try connect(client, server)

    let toServer: [[UInt8]] = [[1], Array(repeating: 0xAB, count: 1000), Array(0...255)]
    let toClient: [[UInt8]] = [Array("hello from server".utf8), Array(repeating: 7, count: 1100)]
    for m in toServer { try client.write(m) }
    for m in toClient { try server.write(m) }
    try DatagramPump.run(client, server)
    #expect(server.readApplicationData() == toServer)
    #expect(client.readApplicationData() == toClient)

    client.shutdown()
    try DatagramPump.run(client, server)
    #expect(server.receivedCloseNotify)
    #expect(server.lastAlertReceived == 0)  // close_notify
    #expect(!client.receivedCloseNotify)
    server.shutdown()
    try DatagramPump.run(client, server)
    #expect(client.receivedCloseNotify)
    #expect(client.lastAlertReceived == 0)
}

// MARK: SRTP

@Test(arguments: ReferenceSRTPProfile.all)
func eachSRTPProfileIsNegotiatedWithMatchingKeyingMaterial(_ profile: ReferenceSRTPProfile) throws {
    let client = try Peer(clientConfig(srtpProfiles: profile.name))
    let server = try Peer(serverConfig(srtpProfiles: Peer.Configuration.defaultSRTPProfiles))
    try connect(client, server)
    #expect(client.selectedSRTPProfileID == profile.id)
    #expect(server.selectedSRTPProfileID == profile.id)
    #expect(client.selectedSRTPProfileName == profile.name)
    let c = try client.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: profile.keyingMaterialLength, context: nil)
    let s = try server.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: profile.keyingMaterialLength, context: nil)
    #expect(c.count == profile.keyingMaterialLength)
    #expect(c == s)
}

@Test func serverPreferenceOrderSelectsTheSRTPProfile() throws {
    let client = try Peer(clientConfig(srtpProfiles: "SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM"))
    let server = try Peer(serverConfig(srtpProfiles: "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"))
    try connect(client, server)
    #expect(client.selectedSRTPProfileID == 0x0007)
}

@Test func noCommonSRTPProfileConnectsWithoutSRTP() throws {
    let client = try Peer(clientConfig(srtpProfiles: "SRTP_AES128_CM_SHA1_32"))
    let server = try Peer(serverConfig(srtpProfiles: "SRTP_AEAD_AES_128_GCM"))
    try connect(client, server)
    #expect(client.selectedSRTPProfileID == nil)
    #expect(server.selectedSRTPProfileID == nil)
}

@Test func exporterWithContextDiffersFromExporterWithout() throws {
    let client = try Peer(clientConfig())
    let server = try Peer(serverConfig())
    try connect(client, server)
    let a = try client.exportKeyingMaterial(label: "EXPORTER-test", length: 32, context: [1, 2, 3])
    let b = try server.exportKeyingMaterial(label: "EXPORTER-test", length: 32, context: [1, 2, 3])
    let c = try client.exportKeyingMaterial(label: "EXPORTER-test", length: 32, context: nil)
    #expect(a == b)
    #expect(a != c)
}

// MARK: Datagrams and MTU

@Test func datagramsHoldWholeRecordsAndOpenSSLPacksFlightsUpToTheMTU() throws {
    let client = try Peer(clientConfig())
    let server = try Peer(serverConfig())
    var datagrams: [[UInt8]] = []
    try connect(client, server, record: &datagrams)
    // No record straddles a datagram boundary.
    #expect(datagrams.allSatisfy { records(in: $0) != nil })
    // libssl packs ServerHello..ServerHelloDone into one datagram at MTU 1200.
    #expect(datagrams.contains { records(in: $0)?.count == 5 })
    // Application data: one write, one datagram, one record.
    try client.write([1, 2, 3])
    try client.write([4, 5])
    let out = client.takeOutgoing()
    #expect(out.count == 2)
    #expect(out.allSatisfy { records(in: $0)?.count == 1 && records(in: $0)?.first?.type == 23 })
}

@Test func applicationDataMTUFillsButDoesNotExceedADatagram() throws {
    let client = try Peer(clientConfig(mtu: 500))
    let server = try Peer(serverConfig(mtu: 500))
    try connect(client, server)
    let n = client.applicationDataMTU
    #expect(n == 500 - 13 - 8 - 16)  // DTLS header, GCM explicit nonce, tag
    try client.write(Array(repeating: 9, count: n))
    let out = client.takeOutgoing()
    #expect(out.map(\.count) == [500])
    for d in out { server.receive(d) }
    _ = try server.drive()
    #expect(server.readApplicationData().first?.count == n)
}

@Test func withoutTheAEADReserveOpenSSLExceedsTheMTUWithItsEncryptedFinished() throws {
    // Documents the OpenSSL 3.0 sizing that reserveAEADOverheadInMTU works around.
    var cc = clientConfig(mtu: 300)
    cc.reserveAEADOverheadInMTU = false
    var sc = serverConfig(mtu: 300)
    sc.reserveAEADOverheadInMTU = false
    let client = try Peer(cc)
    let server = try Peer(sc)
    var datagrams: [[UInt8]] = []
    try connect(client, server, record: &datagrams)
    let oversize = datagrams.filter { $0.count > 300 }
    #expect(oversize.allSatisfy { $0.count <= 300 + 24 && (records(in: $0)?.last?.epoch == 1) })
    withKnownIssue("OpenSSL 3.0 dtls1_do_write leaves AEAD expansion out of its MTU budget", isIntermittent: true) {
        #expect(oversize.count == 0)
    }
}

@Test(arguments: [Suite.all[0], Suite.all[4]])
func smallMTUFragmentsCertificatesAndStillConnects(_ suite: Suite) throws {
    let mtu = 300
    let client = try Peer(clientConfig(suite, mtu: mtu))
    let server = try Peer(serverConfig(suite, mtu: mtu))
    var datagrams: [[UInt8]] = []
    try connect(client, server, record: &datagrams)
    #expect(client.isConnected && server.isConnected)
    #expect(datagrams.allSatisfy { $0.count <= mtu })
    // Plaintext Certificate (type 11) fragments: fragment_length < message length.
    var certificateFragments = 0
    for d in datagrams {
        for r in records(in: d) ?? [] where r.type == 22 && r.epoch == 0 {
            let f = Array(r.fragment)
            guard f.count >= 12, f[0] == 11 else { continue }
            let length = Int(f[1]) << 16 | Int(f[2]) << 8 | Int(f[3])
            let fragmentLength = Int(f[9]) << 16 | Int(f[10]) << 8 | Int(f[11])
            if fragmentLength < length { certificateFragments += 1 }
        }
    }
    #expect(certificateFragments >= 4)  // both certificates split at least twice
    let c = try client.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 88, context: nil)
    #expect(try c == server.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 88, context: nil))
}

@Test func mtuBelowOpenSSLMinimumIsRejected() {
    #expect(throws: OpenSSLPeerError.self) { try Peer(clientConfig(mtu: 200)) }
}

// MARK: Negotiated parameters

@Test func extendedMasterSecretCanBeDisabledForNegativeTests() throws {
    var cc = clientConfig()
    cc.disableExtendedMasterSecret = true
    let client = try Peer(cc)
    let server = try Peer(serverConfig())
    try connect(client, server)
    #expect(!client.extendedMasterSecretUsed)
    #expect(!server.extendedMasterSecretUsed)
}

@Test func keyLogSecretsAgreeOnBothSides() throws {
    let client = try Peer(clientConfig())
    let server = try Peer(serverConfig())
    try connect(client, server)
    #expect(client.clientRandom.count == 32)
    #expect(client.clientRandom == server.clientRandom)
    #expect(client.serverRandom == server.serverRandom)
    #expect(client.masterSecret?.count == 48)
    #expect(client.masterSecret == server.masterSecret)
    #expect(client.keyLogLine != nil && client.keyLogLine == server.keyLogLine)
}

@Test func ecdheGroupFollowsTheClientsPreference() throws {
    let client = try Peer(clientConfig())
    let server = try Peer(serverConfig())
    try connect(client, server)
    #expect(client.peerEphemeralKeyGroup == "prime256v1")

    // The client's groups also constrain the server's ECDSA certificate curve (RFC 4492 §5.1),
    // so an X25519-only client cannot talk to a P-256 certificate: keep P-256 second.
    var cc = clientConfig()
    cc.groups = "X25519:P-256"
    let client2 = try Peer(cc)
    let server2 = try Peer(serverConfig())
    try connect(client2, server2)
    #expect(client2.peerEphemeralKeyGroup == "X25519")
}

@Test func dheAutoPicksAnRFC3526PrimeSizedByTheRSAKey() throws {
    let client = try Peer(clientConfig(Suite.all[4]))
    let server = try Peer(serverConfig(Suite.all[4]))
    try connect(client, server)
    #expect(client.peerEphemeralKeyGroup == "modp_2048")
}

@Test func dheIgnoresFFDHEEntriesInSupportedGroups() throws {
    // OpenSSL 3.0 implements RFC 7919 negotiation only for TLS 1.3; (D)TLS 1.2 DHE keeps dh_auto.
    var cc = clientConfig(Suite.all[4])
    cc.groups = "ffdhe3072:P-256"
    var sc = serverConfig(Suite.all[4])
    sc.groups = "ffdhe3072:P-256"
    let client = try Peer(cc)
    let server = try Peer(sc)
    try connect(client, server)
    #expect(client.peerEphemeralKeyGroup == "modp_2048")
}

@Test func dheExplicitFFDHEGroupIsUsed() throws {
    var sc = serverConfig(Suite.all[5])
    sc.dhGroupName = "ffdhe3072"
    let client = try Peer(clientConfig(Suite.all[5]))
    let server = try Peer(sc)
    try connect(client, server)
    #expect(client.peerEphemeralKeyGroup == "ffdhe3072")
}

// MARK: Failures and edge cases

@Test func noCommonCipherSuiteFailsWithHandshakeFailureAlert() throws {
    let client = try Peer(clientConfig(Suite.all[0]))
    let server = try Peer(serverConfig(Suite.all[2]))
    do {
        try connect(client, server)
        Issue.record("handshake unexpectedly succeeded")
    } catch let error as OpenSSLPeerError {
        #expect(error.alertSent == 40)
        #expect(error.description.contains("no shared cipher"))
    }
    // The pump stopped at the server's failure: deliver its alert to the client.
    for d in server.takeOutgoing() { client.receive(d) }
    #expect(throws: OpenSSLPeerError.self) { try client.drive() }
    #expect(server.lastAlertSent == 40)
    #expect(client.lastAlertReceived == 40)
}

@Test func lostServerFlightIsRetransmittedAfterTimeout() async throws {
    var cc = clientConfig()
    cc.initialRetransmitTimeout = .milliseconds(20)
    var sc = serverConfig()
    sc.initialRetransmitTimeout = .milliseconds(20)
    let client = try Peer(cc)
    let server = try Peer(sc)
    var dropped = 0
    for _ in 0..<50 {
        if (try? DatagramPump.run(client, server, maxSteps: 4, transfer: { direction, d in
            // Drop the first three server datagrams after the HelloVerifyRequest.
            if direction == .secondToFirst, server.helloVerifyRequestCount == 1, d.count > 100, dropped < 3 {
                dropped += 1
                return nil
            }
            return d
        })) != nil { break }
        #expect(client.timeoutInterval() != nil || server.timeoutInterval() != nil)
        try await Task.sleep(for: .milliseconds(25))
        client.handleTimeout()
        server.handleTimeout()
    }
    #expect(dropped == 3)
    #expect(client.isConnected && server.isConnected)
}

@Test func clientInitiatedRenegotiationIsRefusedByOpenSSLServerByDefault() throws {
    let client = try Peer(clientConfig())
    let server = try Peer(serverConfig())
    try connect(client, server)
    try client.renegotiate()
    #expect(client.renegotiationPending)
    #expect(throws: OpenSSLPeerError.self) { try DatagramPump.run(client, server) }
    #expect(server.lastAlertSent == 100)      // no_renegotiation (warning)
    #expect(client.lastAlertReceived == 100)
}

@Test func securityLevelThreeRejectsAnRSA2048Certificate() {
    var sc = serverConfig(Suite.all[2])
    sc.securityLevel = 3
    #expect(throws: OpenSSLPeerError.self) { try Peer(sc) }
}

@Test func serverWithoutClientAuthenticationDoesNotRequestACertificate() throws {
    var sc = serverConfig()
    sc.requireClientCertificate = false
    let client = try Peer(clientConfig())
    let server = try Peer(sc)
    try connect(client, server)
    #expect(server.peerCertificateDER == nil)
    #expect(client.peerCertificateDER == server.certificateDER)
}

@Test func retransmissionTimerRunsOnlyWhileAFlightIsUnanswered() throws {
    let client = try Peer(clientConfig())
    let server = try Peer(serverConfig())
    #expect(client.timeoutInterval() == nil)
    #expect(try client.drive() == .inProgress)
    let t = try #require(client.timeoutInterval())
    #expect(t > .zero && t <= .seconds(1))
    try DatagramPump.run(client, server)  // the pump keeps delivering client's pending datagram
    #expect(client.timeoutInterval() == nil)
}

@Test func mismatchedCertificateAndKeyIsAConfigurationError() {
    var c = clientConfig()
    c.certificatePEM = TestIdentities.rsaCertPEM
    c.privateKeyPEM = TestIdentities.ecKeyPEM
    #expect(throws: OpenSSLPeerError.self) { try Peer(c) }
}
