import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// Our client against our server on a perfect virtual network.
@Suite struct HandshakeTests {
    static func pair(client clientIdentity: TestIdentity.Identity = TestIdentity.ecdsaP256,
                     server serverIdentity: TestIdentity.Identity = TestIdentity.ecdsaP256Other,
                     configure: (inout DTLSConfiguration, inout DTLSConfiguration) -> Void = { _, _ in },
                     network: VirtualNetwork = VirtualNetwork()) -> (EngineDriver, EngineDriver, VirtualNetwork) {
        var c = TestIdentity.configuration(clientIdentity, peer: serverIdentity)
        var s = TestIdentity.configuration(serverIdentity, peer: clientIdentity)
        configure(&c, &s)
        let client = EngineDriver(DTLSConnection(clientWith: c, now: network.now), name: "client")
        let server = EngineDriver(DTLSConnection(serverWith: s, now: network.now), name: "server")
        return (client, server, network)
    }

    static func connect(_ client: EngineDriver, _ server: EngineDriver, _ net: VirtualNetwork) -> Bool {
        net.run(client: client, server: server) {
            (client.isConnected && server.isConnected) || client.failure != nil || server.failure != nil
        } && client.isConnected && server.isConnected
    }

    @Test(arguments: [
        CipherSuite.ecdheEcdsaWithAes128GcmSha256, .ecdheEcdsaWithAes256GcmSha384,
    ])
    func ecdsaSuitesCompleteWithEqualKeyingMaterial(suite: CipherSuite) throws {
        let (client, server, net) = Self.pair { c, _ in c.cipherSuites = [suite] }
        #expect(Self.connect(client, server, net))
        #expect(client.connectedInfo?.cipherSuite == suite)
        #expect(server.connectedInfo?.cipherSuite == suite)
        #expect(client.keyingMaterial != nil)
        #expect(client.keyingMaterial?.bytes == server.keyingMaterial?.bytes)
        #expect(client.keyingMaterial?.profile == .aeadAes256Gcm)
        #expect(client.keyingMaterial?.bytes.count == 88)
        #expect(client.peerCertificate == TestIdentity.ecdsaP256Other.certificate.derEncoded)
        #expect(server.peerCertificate == TestIdentity.ecdsaP256.certificate.derEncoded)
    }

    @Test(arguments: [
        CipherSuite.ecdheRsaWithAes128GcmSha256, .ecdheRsaWithAes256GcmSha384,
        .dheRsaWithAes128GcmSha256, .dheRsaWithAes256GcmSha384,
    ])
    func rsaSuitesComplete(suite: CipherSuite) throws {
        let (client, server, net) = Self.pair(client: TestIdentity.ecdsaP256, server: TestIdentity.rsa2048) { c, _ in
            c.cipherSuites = [suite]
        }
        #expect(Self.connect(client, server, net))
        #expect(client.connectedInfo?.cipherSuite == suite)
        #expect(client.keyingMaterial?.bytes == server.keyingMaterial?.bytes)
    }

    @Test(arguments: [NamedGroup.x25519, .secp256r1, .secp384r1])
    func everyECDHEGroupCompletes(group: NamedGroup) {
        let (client, server, net) = Self.pair { c, _ in c.groups = [group] }
        #expect(Self.connect(client, server, net))
        #expect(server.connectedInfo?.namedGroup == group)
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func everySRTPProfileIsNegotiatedAndSized(profile: SRTPProtectionProfile) {
        let (client, server, net) = Self.pair { c, _ in c.srtpProfiles = [profile] }
        #expect(Self.connect(client, server, net))
        #expect(client.keyingMaterial?.profile == profile)
        #expect(server.keyingMaterial?.bytes.count == profile.keyingMaterialLength)
        #expect(client.keyingMaterial?.bytes == server.keyingMaterial?.bytes)
        #expect(client.keyingMaterial?.isClient == true)
        #expect(server.keyingMaterial?.isClient == false)
    }

    @Test func serverPreferenceOrderWinsForSRTPProfiles() {
        let (client, server, net) = Self.pair { c, s in
            c.srtpProfiles = [.aes128CmHmacSha1_80, .aeadAes128Gcm]
            s.srtpProfiles = [.aeadAes128Gcm, .aes128CmHmacSha1_80]
        }
        #expect(Self.connect(client, server, net))
        #expect(client.connectedInfo?.srtpProfile == .aeadAes128Gcm)
    }

    @Test func applicationDataFlowsBothWaysAndCloseNotifyIsReported() throws {
        let (client, server, net) = Self.pair()
        #expect(Self.connect(client, server, net))
        try client.connection.send(Array("hello server".utf8))
        try server.connection.send(Array("hello client".utf8))
        net.run(client: client, server: server) { !client.received.isEmpty && !server.received.isEmpty }
        #expect(server.received == [Array("hello server".utf8)])
        #expect(client.received == [Array("hello client".utf8)])
        client.connection.close()
        net.run(client: client, server: server) { server.peerClosed }
        #expect(server.peerClosed)
        if case .closed = server.connection.state {} else { Issue.record("server not closed") }
    }

    @Test func exporterMatchesOnBothSidesForAnyLabelAndContext() throws {
        let (client, server, net) = Self.pair()
        #expect(Self.connect(client, server, net))
        let a = try client.connection.exportKeyingMaterial(label: "EXPERIMENTAL-test", context: [1, 2, 3], length: 40)
        let b = try server.connection.exportKeyingMaterial(label: "EXPERIMENTAL-test", context: [1, 2, 3], length: 40)
        let c = try server.connection.exportKeyingMaterial(label: "EXPERIMENTAL-test", context: nil, length: 40)
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == 40)
    }

    @Test func smallMTUFragmentsEveryFlightAndStillCompletes() {
        let (client, server, net) = Self.pair(client: TestIdentity.rsa3072, server: TestIdentity.rsa2048) { c, s in
            c.mtu = 256
            s.mtu = 256
            c.cipherSuites = [.ecdheRsaWithAes128GcmSha256]
            s.cipherSuites = [.ecdheRsaWithAes128GcmSha256]
        }
        var largest = 0
        net.filter = { _, d in largest = max(largest, d.count); return d }
        #expect(Self.connect(client, server, net))
        #expect(largest <= 256)
    }

    @Test func connectionWithoutClientAuthenticationCompletes() {
        let (client, server, net) = Self.pair { _, s in s.requireClientCertificate = false }
        #expect(Self.connect(client, server, net))
        #expect(server.peerCertificate == nil)
    }

    @Test func cookieExchangeCanBeTurnedOff() {
        let (client, server, net) = Self.pair { _, s in s.cookieExchange = false }
        var datagrams = 0
        net.filter = { _, d in datagrams += 1; return d }
        #expect(Self.connect(client, server, net))
        #expect(datagrams < 8)
    }
}
