@testable import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// DTLS 1.3 through the version-neutral facade: `versions: [.dtls13]`
/// makes `DTLSConnection` run the 1.3 engines. Our client against our
/// server in memory (NSS covers the independent side, in InteropTests).
@Suite struct DTLS13HandshakeTests {
    static func configuration(_ ours: TestIdentity.Identity, peer: TestIdentity.Identity) -> DTLSConfiguration {
        var config = DTLSConfiguration(certificate: ours.certificate, privateKey: ours.key,
                                       peerVerification: .fingerprints([peer.fingerprint]))
        config.versions = [.dtls13]
        config.srtpProfiles = [.aeadAes128Gcm, .aes128CmHmacSha1_80]
        return config
    }

    /// Drains one side: datagrams to the other side, the rest recorded.
    final class Side {
        let connection: DTLSConnection
        var events: [String] = []
        var data: [[UInt8]] = []
        var keys: DTLSKeyingMaterial?
        var info: DTLSConnectionInfo?
        var sent: [[UInt8]] = []
        init(_ connection: DTLSConnection) { self.connection = connection }
        func drain() -> [[UInt8]] {
            var out: [[UInt8]] = []
            var buffer: [UInt8] = []
            while true {
                switch connection.pollOutput(into: &buffer) {
                case .packet: out.append(buffer)
                case .applicationData: data.append(buffer)
                case .connected(let i): info = i; events.append("connected")
                case .keyingMaterial(let k): keys = k; events.append("keys")
                case .peerCertificate: events.append("certificate")
                case .peerClosed: events.append("peerClosed")
                case .failed(let e): events.append("failed \(e.code)")
                case .timeout: sent += out; return out
                }
            }
        }
    }

    static func pump(_ a: Side, _ b: Side, now: DTLSInstant, rounds: Int = 10) {
        for _ in 0..<rounds {
            let ab = a.drain(), ba = b.drain()
            if ab.isEmpty && ba.isEmpty { return }
            for d in ab { b.connection.handlePacket(d, now: now) }
            for d in ba { a.connection.handlePacket(d, now: now) }
        }
    }

    @Test func clientAndServerConnectWithEqualSRTPKeysAndExchangeData() throws {
        let now = DTLSInstant.now
        let client = Side(DTLSConnection(clientWith: Self.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other), now: now))
        let server = Side(DTLSConnection(serverWith: Self.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256), now: now))
        Self.pump(client, server, now: now)
        #expect(client.connection.isConnected && server.connection.isConnected)
        #expect(client.events == ["certificate", "connected", "keys"])
        #expect(server.events == ["certificate", "connected", "keys"])
        #expect(client.info?.version == .dtls13)
        #expect(client.info?.cipherSuite.rawValue == 0x1301)
        #expect(client.info?.namedGroup == .x25519MLKEM768, "the default: post-quantum")
        #expect(client.info?.srtpProfile == .aeadAes128Gcm)
        #expect(client.info?.peerCertificate == TestIdentity.ecdsaP256Other.certificate.derEncoded)
        let c = try #require(client.keys), s = try #require(server.keys)
        #expect(c.bytes == s.bytes && c.bytes.count == 56)
        #expect(c.isClient && !s.isClient)
        #expect(try client.connection.exportKeyingMaterial(label: "EXPERIMENTAL-test", context: [1, 2], length: 32)
                == server.connection.exportKeyingMaterial(label: "EXPERIMENTAL-test", context: [1, 2], length: 32))

        try client.connection.send(Array("hello".utf8))
        try server.connection.send(Array("world".utf8))
        Self.pump(client, server, now: now)
        #expect(server.data == [Array("hello".utf8)])
        #expect(client.data == [Array("world".utf8)])

        client.connection.close()
        Self.pump(client, server, now: now)
        #expect(server.events.last == "peerClosed")
        if case .closed = server.connection.state {} else { Issue.record("server not closed: \(server.connection.state)") }
    }

    @Test func aReplayedApplicationRecordIsDroppedAndCounted() throws {
        let now = DTLSInstant.now
        let client = Side(DTLSConnection(clientWith: Self.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other), now: now))
        let server = Side(DTLSConnection(serverWith: Self.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256), now: now))
        Self.pump(client, server, now: now)
        try client.connection.send([7, 7, 7])
        let record = try #require(client.drain().first)
        server.connection.handlePacket(record, now: now)
        server.connection.handlePacket(record, now: now)
        _ = server.drain()
        #expect(server.data == [[7, 7, 7]])
        #expect(server.connection.droppedRecords == 1)
    }

    @Test func aServerRefusesACertificateThatMatchesNoFingerprint() {
        let now = DTLSInstant.now
        let client = Side(DTLSConnection(clientWith: Self.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other), now: now))
        // The server expects a different client certificate.
        let server = Side(DTLSConnection(serverWith: Self.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP384), now: now))
        Self.pump(client, server, now: now)
        #expect(server.events.contains("failed certificateRejected"))
        #expect(!client.connection.isConnected)
        #expect(client.events.contains { $0.hasPrefix("failed alertReceived") })
    }

    @Test func aLostServerFlightIsRetransmittedAfterTheTimer() {
        let now = DTLSInstant.now
        let client = Side(DTLSConnection(clientWith: Self.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other), now: now))
        let server = Side(DTLSConnection(serverWith: Self.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256), now: now))
        for d in client.drain() { server.connection.handlePacket(d, now: now) }
        _ = server.drain()  // the server's flight is lost
        let later = now + .seconds(1)
        server.connection.handleTimeout(now: later)
        let again = server.drain()
        // ServerHello with a 1120-byte X25519MLKEM768 share and the rest of
        // the flight: two datagrams at MTU 1200.
        #expect(again.count == 2 && again.allSatisfy { $0.count <= 1200 }, "the whole flight again, within the MTU")
        for d in again { client.connection.handlePacket(d, now: later) }
        Self.pump(client, server, now: later)
        #expect(client.connection.isConnected && server.connection.isConnected)
    }
}

/// KeyUpdate (RFC 9147 8): each direction moves to the next epoch once its
/// KeyUpdate is acknowledged; a requested update is answered; data keeps
/// flowing across the change.
@Suite struct DTLS13KeyUpdateTests {
    @Test func aRequestedKeyUpdateMovesBothDirectionsToEpochFour() throws {
        let now = DTLSInstant.now
        let client = DTLS13HandshakeTests.Side(DTLSConnection(clientWith: DTLS13HandshakeTests.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other), now: now))
        let server = DTLS13HandshakeTests.Side(DTLSConnection(serverWith: DTLS13HandshakeTests.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256), now: now))
        DTLS13HandshakeTests.pump(client, server, now: now)
        let c = try #require(client.connection.dtls13), s = try #require(server.connection.dtls13)
        #expect(c.writeKeys?.epoch == 3 && s.writeKeys?.epoch == 3)

        c.updateKeys(requestPeerUpdate: true, now: now)
        DTLS13HandshakeTests.pump(client, server, now: now)
        #expect(c.writeKeys?.epoch == 4, "the client switched once the server ACKed")
        #expect(s.writeKeys?.epoch == 4, "the server answered the request with its own update")
        #expect(c.keyUpdates.sent == 1 && c.keyUpdates.received == 1)
        #expect(s.keyUpdates.sent == 1 && s.keyUpdates.received == 1)

        try client.connection.send(Array("after".utf8))
        try server.connection.send(Array("update".utf8))
        DTLS13HandshakeTests.pump(client, server, now: now)
        #expect(server.data.last == Array("after".utf8))
        #expect(client.data.last == Array("update".utf8))

        // Five more, one at a time: epochs 5 to 9 (the 2-bit epoch wraps).
        for _ in 0..<5 {
            c.updateKeys(requestPeerUpdate: false, now: now)
            DTLS13HandshakeTests.pump(client, server, now: now)
        }
        #expect(c.writeKeys?.epoch == 9)
        try client.connection.send([9])
        DTLS13HandshakeTests.pump(client, server, now: now)
        #expect(server.data.last == [9])
        #expect(server.connection.droppedRecords == 0)
    }
}
