import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSTestSupport
import SRTP
import Testing

/// A new DTLS association with the same peer (RFC 8842 5): a new
/// certificate, a new role, new SRTP keys, and media throughout.
@Suite struct EndpointRestartTests {
    static let now = Fixture.start

    static func pair(_ version: ProtocolVersion) throws -> (a: EndpointRecorder, b: EndpointRecorder) {
        var client = Fixture.configuration(.client, TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other)
        var server = Fixture.configuration(.server, TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256)
        client.dtls.versions = [version]
        server.dtls.versions = [version]
        let a = EndpointRecorder(try DTLSSRTPEndpoint(configuration: client))
        let b = EndpointRecorder(try DTLSSRTPEndpoint(configuration: server))
        Fixture.run(a, b)
        #expect(a.endpoint.state == .connected && b.endpoint.state == .connected)
        return (a, b)
    }

    /// Two endpoints and the datagrams in flight between them: whatever
    /// an endpoint emits (handshake or media) is queued for the other.
    final class Wire {
        let a: EndpointRecorder, b: EndpointRecorder
        var toA: [[UInt8]] = [], toB: [[UInt8]] = []
        init(_ a: EndpointRecorder, _ b: EndpointRecorder) { self.a = a; self.b = b }

        /// Collects what both emitted; false when neither had anything.
        func collect() -> Bool {
            let ab = a.drain(), ba = b.drain()
            toB += ab; toA += ba
            return !(ab.isEmpty && ba.isEmpty)
        }

        /// Delivers everything in flight, once.
        func deliver() {
            let forB = toB, forA = toA
            toB = []; toA = []
            for d in forB { b.endpoint.handleDatagram(d, now: now) }
            for d in forA { a.endpoint.handleDatagram(d, now: now) }
        }

        /// One RTP packet from `from` (a or b) to the other, delivered at
        /// once (what else either emits stays in flight); true when it
        /// arrived intact.
        func media(from: EndpointRecorder, sequence: UInt16) throws -> Bool {
            let to = from === a ? b : a
            let packet = Fixture.rtp(sequence: sequence, ssrc: UInt32(sequence) | 0xA000_0000)
            try from.endpoint.sendRTP(packet)
            let before = to.rtp.count
            _ = collect()
            var inFlight = from === a ? toB : toA
            guard let index = inFlight.lastIndex(where: { (128...191).contains($0.first ?? 0) }) else { return false }  // RFC 7983: RTP
            let datagram = inFlight.remove(at: index)
            if from === a { toB = inFlight } else { toA = inFlight }
            to.endpoint.handleDatagram(datagram, now: now)
            _ = collect()
            return to.rtp.count == before + 1 && to.rtp.last == packet
        }
    }

    static func exported(_ r: EndpointRecorder) throws -> [UInt8] {
        try r.endpoint.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 60)
    }

    @Test(arguments: [ProtocolVersion.dtls12, .dtls13])
    func aRestartWithANewCertificateAndSwappedRolesSwitchesKeysWithoutStoppingMedia(version: ProtocolVersion) throws {
        let (a, b) = try Self.pair(version)
        let wire = Wire(a, b)
        let oldKeys = try Self.exported(a)
        #expect(try wire.media(from: a, sequence: 1) && wire.media(from: b, sequence: 2))
        // Protected under the old keys and held back: delivered after the switch, it must not open.
        try a.endpoint.sendRTP(Fixture.rtp(sequence: 500))
        let heldBack = a.drain()

        // B's new remote description: a new certificate, and B becomes the DTLS client.
        let renewed = try DTLSIdentity.generate()
        try b.endpoint.restart(remoteFingerprints: [TestIdentity.ecdsaP256.fingerprint], role: .client, identity: renewed, now: Self.now)
        try a.endpoint.restart(remoteFingerprints: [renewed.fingerprint()], role: .server, now: Self.now)
        #expect(a.endpoint.isRestarting && b.endpoint.isRestarting)
        #expect(a.endpoint.state == .connected && b.endpoint.state == .connected)

        // The new handshake one flight at a time, media both ways between
        // flights while both still run on the old keys.
        var sequence: UInt16 = 10
        var rounds = 0
        while wire.collect() || !wire.toA.isEmpty || !wire.toB.isEmpty, rounds < 20 {
            rounds += 1
            wire.deliver()
            if a.endpoint.isRestarting && b.endpoint.isRestarting {
                #expect(try wire.media(from: a, sequence: sequence), "A to B during the new handshake, round \(rounds)")
                #expect(try wire.media(from: b, sequence: sequence + 1), "B to A during the new handshake, round \(rounds)")
                sequence += 2
            }
        }
        #expect(sequence > 10, "media crossed at least one round of the new handshake")
        #expect(!a.endpoint.isRestarting && !b.endpoint.isRestarting)
        #expect(a.endpoint.state == .connected && b.endpoint.state == .connected)
        #expect(a.endpoint.role == .server && b.endpoint.role == .client)
        // `.connected` again with the new association; no state change in between.
        #expect(a.connected.count == 2 && b.connected.count == 2)
        #expect(a.states == [.connecting, .connected] && b.states == [.connecting, .connected])
        #expect(a.endpoint.connectionInfo?.remoteFingerprint == renewed.fingerprint())
        #expect(a.connected.last?.dtls.version == version)
        let newKeys = try Self.exported(a)
        #expect(newKeys == (try Self.exported(b)) && newKeys != oldKeys)

        #expect(try wire.media(from: a, sequence: 1000) && wire.media(from: b, sequence: 1001))
        let failures = b.endpoint.counters.authenticationFailures
        for d in heldBack { b.endpoint.handleDatagram(d, now: Self.now) }
        b.drain()
        #expect(b.endpoint.counters.authenticationFailures == failures + 1, "old keys no longer open media")
        #expect(a.endpoint.counters.restarts == 1 && b.endpoint.counters.restarts == 1)
    }

    @Test func aNewCertificateThatIsNotTheNewFingerprintFailsTheEndpoint() throws {
        let (a, b) = try Self.pair(.dtls13)
        let renewed = try DTLSIdentity.generate(), expected = try DTLSIdentity.generate()
        try b.endpoint.restart(remoteFingerprints: [TestIdentity.ecdsaP256.fingerprint], identity: renewed, now: Self.now)
        try a.endpoint.restart(remoteFingerprints: [expected.fingerprint()], now: Self.now)
        Fixture.run(a, b)
        #expect(a.endpoint.state == .failed && !a.endpoint.isKeyed)
        #expect(a.endpoint.failure != nil)
        #expect(throws: EndpointError.notKeyed) { try a.endpoint.sendRTP(Fixture.rtp(sequence: 1)) }
    }

    @Test func aClosedEndpointCannotRestart() throws {
        let (a, _) = try Self.pair(.dtls12)
        a.endpoint.close()
        #expect(throws: EndpointError.closed) {
            try a.endpoint.restart(remoteFingerprints: [TestIdentity.ecdsaP256Other.fingerprint], now: Self.now)
        }
        let (c, _) = try Self.pair(.dtls12)
        #expect(throws: EndpointError.noRemoteFingerprints) { try c.endpoint.restart(remoteFingerprints: [], now: Self.now) }
        #expect(c.endpoint.state == .connected && !c.endpoint.isRestarting)
    }
}
