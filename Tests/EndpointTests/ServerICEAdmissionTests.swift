import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSTestSupport
import SRTP
import Testing

/// The server core with ICE in front (`admission: .allowedAddresses`), as
/// the browser demo and an SFU run it: STUN goes to the application, DTLS
/// is answered only from addresses it allowed, each peer is checked
/// against its own offer's fingerprints, and `connect` makes the core the
/// DTLS client of a peer that answered `a=setup:passive`.
@Suite struct ServerICEAdmissionTests {
    @Test func stunFromAnyAddressReachesTheApplicationAndDTLSFromANotAllowedAddressIsDropped() throws {
        let h = try ServerHarness(admission: .allowedAddresses)
        let binding: [UInt8] = [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42] + [UInt8](repeating: 7, count: 12)
        h.server.receive(binding, from: 5, now: h.now)
        try h.addClient(at: 5)
        h.pump()
        #expect(h.stun.map(\.0) == [5])
        #expect(h.stun.first?.1 == binding)
        // The ClientHello got no HelloVerifyRequest: no state, no reply.
        #expect(h.transmitted.isEmpty)
        #expect(h.server.counters.helloVerifyRequests == 0)
        #expect(h.server.counters.strangersDropped >= 1)
        #expect(h.server.peerCount == 0)
    }

    @Test func anAllowedAddressHandshakesAgainstItsOwnFingerprints() throws {
        let h = try ServerHarness(admission: .allowedAddresses, clientIdentities: [])
        h.server.allow(1, remoteFingerprints: [TestIdentity.ecdsaP256.fingerprint])
        h.server.allow(2, remoteFingerprints: [TestIdentity.ecdsaP384.fingerprint])
        try h.addClient(at: 1, identity: TestIdentity.ecdsaP256)
        // Client 2 presents a certificate its offer did not announce.
        try h.addClient(at: 2, identity: TestIdentity.ecdsaP256)
        h.pump()
        #expect(h.connected.map(\.0) == [1])
        #expect(h.connected.first?.1.remoteFingerprint == TestIdentity.ecdsaP256.fingerprint)
        // Refused in the handshake itself (bad_certificate), before any key.
        #expect(h.closed.map(\.0) == [2])
        guard case .dtls(let error)? = h.closed.first?.1 else {
            Issue.record("expected a DTLS failure, got \(String(describing: h.closed.first?.1))")
            return
        }
        #expect(error.code == .certificateRejected)
        #expect(h.clients[2]?.endpoint.state == .failed)
    }

    @Test func revokeDropsThePeerSilentlyAndRefusesItsNextHandshake() throws {
        let h = try ServerHarness(admission: .allowedAddresses, clientIdentities: [])
        h.server.allow(1, remoteFingerprints: [TestIdentity.ecdsaP256.fingerprint])
        try h.addClient(at: 1)
        h.pump()
        #expect(h.connected.map(\.0) == [1])
        let sent = h.transmitted.count
        h.server.revoke(1)  // consent expired: stop sending at once (RFC 7675)
        h.drainServer()
        #expect(h.closed.map(\.0) == [1])
        #expect(h.transmitted.count == sent, "no close_notify on a dead path")
        #expect(h.server.peerCount == 0)
        try h.addClient(at: 1)
        h.pump()
        #expect(h.connected.count == 1)
        #expect(h.server.peerCount == 0)
    }

    @Test func connectMakesTheServerTheDTLSClientOfAPassivePeer() throws {
        let h = try ServerHarness(admission: .allowedAddresses, clientIdentities: [])
        // The peer answered a=setup:passive: it is the DTLS server.
        var config = EndpointConfiguration(role: .server, certificate: TestIdentity.ecdsaP256.certificate,
                                           privateKey: TestIdentity.ecdsaP256.key,
                                           remoteFingerprints: [ServerHarness.serverIdentity.fingerprint])
        config.dtls.srtpProfiles = [.aeadAes128Gcm]
        let peer = EndpointRecorder(try DTLSSRTPEndpoint(configuration: config))
        peer.endpoint.start(now: h.now)
        h.clients[9] = peer
        try h.server.connect(to: 9, remoteFingerprints: [TestIdentity.ecdsaP256.fingerprint], now: h.now)
        h.drainServer()
        h.pump()
        #expect(h.connected.map(\.0) == [9])
        #expect(peer.endpoint.state == .connected)
        #expect(h.server.counters.helloVerifyRequests == 0, "the core sent the ClientHello, it did not answer one")
        #expect(throws: EndpointError.addressInUse) {
            try h.server.connect(to: 9, remoteFingerprints: [TestIdentity.ecdsaP256.fingerprint], now: h.now)
        }

        // Media both ways on the exported keys.
        let sealed = try h.protectedRTP(from: 9, sequence: 1)
        h.server.receive(sealed, from: 9, now: h.now)
        h.server.service(now: h.now)
        h.drainServer()
        #expect(h.rtp.map(\.0) == [9])
        #expect(h.rtp.first?.1 == ServerHarness.rtpPacket(1, ssrc: 9))
    }
}
