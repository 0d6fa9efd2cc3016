import DTLS
import DTLSCrypto
import DTLSTestSupport
import OpenSSLReference
import Testing

/// Our engine against OpenSSL's own DTLS (libssl, in process): every suite,
/// both roles, every SRTP profile, cookies, mutual authentication.
@Suite struct OpenSSLInteropTests {
    static let suites: [CipherSuite] = CipherSuite.supported

    static func identity(for suite: CipherSuite) -> TestIdentity.Identity {
        suite.authentication == .ecdsa ? TestIdentity.ecdsaP256 : TestIdentity.rsa2048
    }

    static func opensslConfig(role: OpenSSLDTLSPeer.Configuration.Role, suite: CipherSuite,
                              identity: TestIdentity.Identity) -> OpenSSLDTLSPeer.Configuration {
        let (cert, key) = Interop.pem(identity)
        return OpenSSLDTLSPeer.Configuration(role: role, certificatePEM: cert, privateKeyPEM: key,
                                             cipherList: suite.openSSLName, cookieExchange: role == .server,
                                             requireClientCertificate: true)
    }

    /// Runs a handshake, then application data and close_notify both ways,
    /// and checks both sides agree on everything they report.
    static func exercise(ours: EnginePeer, theirs: OpenSSLDTLSPeer, suite: CipherSuite,
                         profile: SRTPProtectionProfile? = nil, ourCertificate: [UInt8]? = nil) throws {
        try DatagramPump.run(ours, theirs, maxSteps: 40)
        let info = try #require(ours.driver.connectedInfo)
        #expect(info.cipherSuite == suite)
        #expect(theirs.negotiatedCipherID == suite.rawValue)
        #expect(theirs.extendedMasterSecretUsed)
        let km = try #require(ours.driver.keyingMaterial)
        if let profile { #expect(km.profile == profile) }
        #expect(theirs.selectedSRTPProfileID == km.profile.rawValue)
        let theirKM = try theirs.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: km.profile.keyingMaterialLength, context: nil)
        #expect(km.bytes == theirKM, "keying material differs")
        #expect(ours.driver.peerCertificate == theirs.certificateDER, "we saw another certificate")
        if let mine = ourCertificate { #expect(theirs.peerCertificateDER == mine, "libssl saw another certificate") }

        // Application data, both ways.
        try ours.connection.send(Array("from us".utf8))
        try theirs.write(Array("from openssl".utf8))
        try DatagramPump.run(ours, theirs, maxSteps: 10)
        #expect(theirs.readApplicationData() == [Array("from us".utf8)])
        #expect(ours.driver.received == [Array("from openssl".utf8)])

        // The direct record path, both ways: libssl's explicit nonces are its
        // own counter, not our epoch || sequence, and must open all the same.
        var datagram: [UInt8] = []
        try ours.connection.sealApplicationData(Array("direct from us".utf8), into: &datagram)
        theirs.receive(datagram)
        _ = try theirs.drive()
        #expect(theirs.readApplicationData() == [Array("direct from us".utf8)])
        try theirs.write(Array("direct from openssl".utf8))
        var incoming = theirs.takeOutgoing()
        #expect(incoming.count == 1)
        if case .applicationData(let range) = ours.connection.openApplicationData(in: &incoming[0]) {
            #expect(Array(incoming[0][range]) == Array("direct from openssl".utf8))
        } else {
            Issue.record("libssl's record did not open on the direct path")
        }

        // A second exporter label agrees too.
        let a = try ours.connection.exportKeyingMaterial(label: "EXPERIMENTAL-interop", context: [9, 9], length: 32)
        let b = try theirs.exportKeyingMaterial(label: "EXPERIMENTAL-interop", length: 32, context: [9, 9])
        #expect(a == b)
    }


    @Test(arguments: suites)
    func ourClientCompletesWithOpenSSLServer(suite: CipherSuite) throws {
        let theirs = try OpenSSLDTLSPeer(Self.opensslConfig(role: .server, suite: suite, identity: Self.identity(for: suite)))
        var config = Interop.ours(TestIdentity.ecdsaP256, pinning: theirs)
        config.cipherSuites = [suite]
        let ours = EnginePeer(DTLSConnection(clientWith: config, now: .now), name: "client", now: .now)
        try Self.exercise(ours: ours, theirs: theirs, suite: suite, ourCertificate: TestIdentity.ecdsaP256.certificate.derEncoded)
        #expect(theirs.helloVerifyRequestCount == 1)
        // close_notify from us reaches them.
        ours.connection.close()
        try? DatagramPump.run(ours, theirs, maxSteps: 3)
        _ = try? theirs.drive()
        #expect(theirs.receivedCloseNotify)
    }

    @Test(arguments: suites)
    func openSSLClientCompletesWithOurServer(suite: CipherSuite) throws {
        let identity = Self.identity(for: suite)
        let theirs = try OpenSSLDTLSPeer(Self.opensslConfig(role: .client, suite: suite, identity: TestIdentity.ecdsaP256Other))
        let config = Interop.ours(identity, pinning: theirs)
        let ours = EnginePeer(DTLSConnection(serverWith: config, now: .now), name: "server", now: .now)
        try DatagramPump.run(theirs, ours, maxSteps: 40)
        try Self.exercise(ours: ours, theirs: theirs, suite: suite, ourCertificate: identity.certificate.derEncoded)
        // close_notify from them reaches us, and we answer it.
        theirs.shutdown()
        try? DatagramPump.run(theirs, ours, maxSteps: 3)
        #expect(ours.driver.peerClosed)
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func everySRTPProfileAgreesWithOpenSSLInBothRoles(profile: SRTPProtectionProfile) throws {
        let suite = CipherSuite.ecdheEcdsaWithAes128GcmSha256
        for ourRole in [DTLSConnection.Role.client, .server] {
            var theirConfig = Self.opensslConfig(role: ourRole == .client ? .server : .client, suite: suite,
                                                 identity: TestIdentity.ecdsaP256Other)
            theirConfig.srtpProfiles = profile.openSSLName
            let theirs = try OpenSSLDTLSPeer(theirConfig)
            let config = Interop.ours(TestIdentity.ecdsaP256, pinning: theirs)
            let conn = ourRole == .client ? DTLSConnection(clientWith: config, now: .now) : DTLSConnection(serverWith: config, now: .now)
            let ours = EnginePeer(conn, name: "\(ourRole)", now: .now)
            if ourRole == .server { try DatagramPump.run(theirs, ours, maxSteps: 40) }
            try Self.exercise(ours: ours, theirs: theirs, suite: suite, profile: profile)
        }
    }

    @Test(arguments: [256, 300, 576])
    func smallMTUFragmentsCertificatesBothWays(mtu: Int) throws {
        let suite = CipherSuite.ecdheRsaWithAes128GcmSha256
        var theirConfig = Self.opensslConfig(role: .server, suite: suite, identity: TestIdentity.rsa3072)
        theirConfig.mtu = mtu
        let theirs = try OpenSSLDTLSPeer(theirConfig)
        var config = Interop.ours(TestIdentity.rsa2048, pinning: theirs)
        config.mtu = mtu
        config.cipherSuites = [suite]
        let ours = EnginePeer(DTLSConnection(clientWith: config, now: .now), name: "client", now: .now)
        var largestOfOurs = 0
        try DatagramPump.run(ours, theirs, maxSteps: 40) { direction, d in
            if direction == .firstToSecond { largestOfOurs = max(largestOfOurs, d.count) }
            return d
        }
        #expect(ours.driver.isConnected)
        #expect(largestOfOurs <= mtu)
        let km = try #require(ours.driver.keyingMaterial)
        #expect(km.bytes == (try theirs.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: km.bytes.count, context: nil)))
    }

    @Test(arguments: [TestIdentity.rsa2048, TestIdentity.rsa3072])
    func rsaCertificatesOfBothSizesWorkAsServer(identity: TestIdentity.Identity) throws {
        let suite = CipherSuite.ecdheRsaWithAes256GcmSha384
        let theirs = try OpenSSLDTLSPeer(Self.opensslConfig(role: .client, suite: suite, identity: TestIdentity.rsa3072))
        let ours = EnginePeer(DTLSConnection(serverWith: Interop.ours(identity, pinning: theirs), now: .now), name: "server", now: .now)
        try DatagramPump.run(theirs, ours, maxSteps: 40)
        try Self.exercise(ours: ours, theirs: theirs, suite: suite)
    }
}
