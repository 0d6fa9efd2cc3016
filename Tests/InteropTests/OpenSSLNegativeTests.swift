import DTLS
import DTLSCrypto
import DTLSTestSupport
import OpenSSLReference
import Testing

/// Failures against libssl: each side names the right alert.
@Suite struct OpenSSLNegativeTests {
    static func config(_ role: OpenSSLDTLSPeer.Configuration.Role) -> OpenSSLDTLSPeer.Configuration {
        let (cert, key) = Interop.pem(TestIdentity.ecdsaP256Other)
        return OpenSSLDTLSPeer.Configuration(role: role, certificatePEM: cert, privateKeyPEM: key, cookieExchange: role == .server)
    }

    @Test func openSSLClientWithoutExtendedMasterSecretGetsHandshakeFailure() throws {
        var c = Self.config(.client)
        c.disableExtendedMasterSecret = true
        let theirs = try OpenSSLDTLSPeer(c)
        let ours = EnginePeer(DTLSConnection(serverWith: Interop.ours(TestIdentity.ecdsaP256, pinning: theirs), now: .now), name: "s", now: .now)
        #expect(throws: (any Error).self) { try DatagramPump.run(theirs, ours, maxSteps: 20) }
        #expect(ours.driver.failure?.code == .missingExtendedMasterSecret)
        Self.deliverPending(ours, theirs)
        #expect(theirs.lastAlertReceived == AlertDescription.handshakeFailure.rawValue)
    }

    @Test func openSSLServerWithoutExtendedMasterSecretIsRefusedByOurClient() throws {
        var c = Self.config(.server)
        c.disableExtendedMasterSecret = true
        let theirs = try OpenSSLDTLSPeer(c)
        let ours = EnginePeer(DTLSConnection(clientWith: Interop.ours(TestIdentity.ecdsaP256, pinning: theirs), now: .now), name: "c", now: .now)
        #expect(throws: (any Error).self) { try DatagramPump.run(ours, theirs, maxSteps: 20) }
        #expect(ours.driver.failure?.code == .missingExtendedMasterSecret)
        Self.deliverPending(ours, theirs)
        #expect(theirs.lastAlertReceived == AlertDescription.handshakeFailure.rawValue)
        #expect(ours.driver.keyingMaterial == nil)
    }

    @Test func renegotiationFromOpenSSLIsRefusedWithNoRenegotiation() throws {
        let theirs = try OpenSSLDTLSPeer(Self.config(.client))
        let ours = EnginePeer(DTLSConnection(serverWith: Interop.ours(TestIdentity.ecdsaP256, pinning: theirs), now: .now), name: "s", now: .now)
        try DatagramPump.run(theirs, ours, maxSteps: 20)
        try theirs.renegotiate()
        _ = try? DatagramPump.run(theirs, ours, maxSteps: 5)
        Self.deliverPending(ours, theirs)
        #expect(theirs.lastAlertReceived == AlertDescription.noRenegotiation.rawValue)
        // Our side keeps the established session.
        #expect(ours.connection.isConnected)
    }

    @Test func wrongFingerprintOfOpenSSLServerFailsWithBadCertificate() throws {
        let theirs = try OpenSSLDTLSPeer(Self.config(.server))
        var config = Interop.ours(TestIdentity.ecdsaP256, pinning: theirs)
        config.peerVerification = .fingerprints([TestIdentity.rsa2048.fingerprint])
        let ours = EnginePeer(DTLSConnection(clientWith: config, now: .now), name: "c", now: .now)
        #expect(throws: (any Error).self) { try DatagramPump.run(ours, theirs, maxSteps: 20) }
        #expect(ours.driver.failure?.code == .certificateRejected)
        Self.deliverPending(ours, theirs)
        #expect(theirs.lastAlertReceived == AlertDescription.badCertificate.rawValue)
    }

    @Test func noCommonSRTPProfileWithOpenSSLFailsOurServer() throws {
        var c = Self.config(.client)
        c.srtpProfiles = "SRTP_AES128_CM_SHA1_32"
        let theirs = try OpenSSLDTLSPeer(c)
        var config = Interop.ours(TestIdentity.ecdsaP256, pinning: theirs)
        config.srtpProfiles = [.aeadAes128Gcm]
        let ours = EnginePeer(DTLSConnection(serverWith: config, now: .now), name: "s", now: .now)
        #expect(throws: (any Error).self) { try DatagramPump.run(theirs, ours, maxSteps: 20) }
        #expect(ours.driver.failure?.code == .noCommonSRTPProfile)
        Self.deliverPending(ours, theirs)
        #expect(theirs.lastAlertReceived == AlertDescription.handshakeFailure.rawValue)
    }

    @Test func handshakeWithOpenSSLSurvivesLossAndDuplication() throws {
        // Drop every third datagram each way for the first twelve, duplicate the rest.
        var count = 0
        let theirs = try OpenSSLDTLSPeer({ var c = Self.config(.server); c.initialRetransmitTimeout = .milliseconds(20); return c }())
        var config = Interop.ours(TestIdentity.ecdsaP256, pinning: theirs)
        config.initialRetransmitTimeout = .milliseconds(20)
        let start = DTLSInstant.now
        let ours = EnginePeer(DTLSConnection(clientWith: config, now: start), name: "c", now: start)
        var connected = false
        for round in 0..<200 where !connected {
            connected = (try? DatagramPump.run(ours, theirs, maxSteps: 3) { _, d in
                count += 1
                return (count <= 12 && count % 3 == 0) ? nil : d
            }) != nil
            if !connected {
                // Advance both clocks: ours virtually, libssl's for real.
                ours.now = start + .milliseconds(25 * (round + 1))
                ours.connection.handleTimeout(now: ours.now)
                try? await_ms(25)
                theirs.handleTimeout()
            }
        }
        #expect(connected)
        let km = try #require(ours.driver.keyingMaterial)
        #expect(km.bytes == (try theirs.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: km.bytes.count, context: nil)))
    }
}

extension OpenSSLNegativeTests {
    /// After our side failed, deliver what it queued (the alert) to libssl.
    static func deliverPending(_ ours: EnginePeer, _ theirs: OpenSSLDTLSPeer) {
        for d in ours.takeOutgoing() { theirs.receive(d) }
        _ = try? theirs.drive()
    }
}

/// libssl's retransmission timer reads the real clock.
func await_ms(_ ms: Int) throws {
    let deadline = ContinuousClock.now + .milliseconds(ms)
    while ContinuousClock.now < deadline { }
}
