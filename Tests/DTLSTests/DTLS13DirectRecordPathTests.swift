import DTLS
import DTLSTestSupport
import Testing

/// The direct record path over DTLS 1.3: the same calls as over 1.2
/// (`sealApplicationData(_:into:)`, `openApplicationData(in:)`), records
/// with the unified header and encrypted record numbers, the same checks
/// as `handlePacket`, and the records whose type only decryption reveals
/// (ACK, KeyUpdate, alert) taken by the engine.
@Suite struct DTLS13DirectRecordPathTests {
    static func connected() throws -> (EngineDriver, EngineDriver, VirtualNetwork) {
        let net = VirtualNetwork()
        let client = EngineDriver(DTLSConnection(clientWith: TestIdentity.configuration(
            TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other, versions: [.dtls13]), now: net.now), name: "c")
        let server = EngineDriver(DTLSConnection(serverWith: TestIdentity.configuration(
            TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256, versions: [.dtls13]), now: net.now), name: "s")
        // Until the server's ACK of the client's last flight is in too.
        guard net.run(client: client, server: server, until: { client.isConnected && server.isConnected }) else {
            throw DTLSError(.internalError, alert: nil, "no connect")
        }
        net.run(client: client, server: server, limit: .milliseconds(200)) { false }
        #expect(client.connectedInfo?.version == .dtls13)
        return (client, server, net)
    }

    @Test func directSealAndOpenRoundTripInPlace() throws {
        let (client, server, _) = try Self.connected()
        var datagram: [UInt8] = []
        for i in 0..<300 {
            let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: i * 4)
            try client.connection.sealApplicationData(payload, into: &datagram)
            #expect(datagram.count == 5 + payload.count + 1 + 16, "unified header, content type, tag")
            guard case .applicationData(let range) = server.connection.openApplicationData(in: &datagram) else {
                Issue.record("record \(i) not opened")
                return
            }
            #expect(Array(datagram[range]) == payload)
        }
        #expect(server.connection.droppedRecords == 0)
    }

    @Test func directRecordsInteroperateWithTheQueuedPath() throws {
        let (client, server, net) = try Self.connected()
        var datagram: [UInt8] = []
        try client.connection.sealApplicationData(Array("direct".utf8), into: &datagram)
        server.connection.handlePacket(datagram, now: net.now)
        server.drain()
        #expect(server.received == [Array("direct".utf8)])
        try server.connection.send(Array("queued".utf8))
        var queued = server.drain()
        #expect(queued.count == 1)
        guard case .applicationData(let range) = client.connection.openApplicationData(in: &queued[0]) else {
            Issue.record("queued record not opened directly")
            return
        }
        #expect(Array(queued[0][range]) == Array("queued".utf8))
    }

    @Test func replayedAndTamperedDatagramsAreDroppedAndCounted() throws {
        let (client, server, _) = try Self.connected()
        var original: [UInt8] = []
        try client.connection.sealApplicationData(Array("once".utf8), into: &original)
        var first = original
        #expect(server.connection.openApplicationData(in: &first) == .applicationData(5..<9))
        var replay = original
        #expect(server.connection.openApplicationData(in: &replay) == .dropped)
        try client.connection.sealApplicationData(Array("twice".utf8), into: &original)
        var forged = original
        forged[forged.count - 1] ^= 1
        #expect(server.connection.openApplicationData(in: &forged) == .dropped)
        #expect(server.connection.droppedRecords == 2)
        // The genuine record with that number still opens: a forgery does not burn it.
        #expect(server.connection.openApplicationData(in: &original) == .applicationData(5..<10))
    }

    @Test func severalRecordsOrAPlaintextRecordAreLeftUntouchedForTheEngine() throws {
        let (client, server, _) = try Self.connected()
        var one: [UInt8] = []
        try client.connection.sealApplicationData(Array("a".utf8), into: &one)
        var two: [UInt8] = []
        try client.connection.sealApplicationData(Array("b".utf8), into: &two)
        var plaintext = [UInt8](repeating: 0, count: 30)
        plaintext[0] = 22
        var otherEpoch = one
        otherEpoch[0] ^= 0x01  // epoch bits of another epoch
        for var datagram in [one + two, [], plaintext, Array(one.prefix(3)), otherEpoch] {
            let before = datagram
            #expect(server.connection.openApplicationData(in: &datagram) == .needsEngine)
            #expect(datagram == before)
        }
    }

    @Test func keyUpdateAndCloseNotifyOpenedDirectlyAreTakenByTheEngine() throws {
        let (client, server, net) = try Self.connected()
        #expect(try client.connection.updateKeys(requestingPeerUpdate: true, now: net.now))
        var update = client.drain()
        #expect(update.count == 1)
        #expect(server.connection.openApplicationData(in: &update[0]) == .handled)
        // The server ACKs and answers with its own KeyUpdate; the client takes both.
        for d in server.drain() { client.connection.handlePacket(d, now: net.now) }
        for d in client.drain() { server.connection.handlePacket(d, now: net.now) }
        for d in server.drain() { client.connection.handlePacket(d, now: net.now) }
        // Both directions in epoch 4 now, through the direct path.
        var datagram: [UInt8] = []
        try client.connection.sealApplicationData(Array("epoch four".utf8), into: &datagram)
        #expect(datagram[0] & 0x03 == 0, "epoch 4's low bits")
        guard case .applicationData(let range) = server.connection.openApplicationData(in: &datagram) else {
            Issue.record("epoch-4 record not opened directly")
            return
        }
        #expect(Array(datagram[range]) == Array("epoch four".utf8))
        try server.connection.sealApplicationData(Array("back".utf8), into: &datagram)
        #expect(datagram[0] & 0x03 == 0)
        #expect(client.connection.openApplicationData(in: &datagram) == .applicationData(5..<9))

        client.connection.close()
        var alert = client.drain()
        #expect(alert.count == 1)
        #expect(server.connection.openApplicationData(in: &alert[0]) == .handled)
        server.drain()
        #expect(!server.connection.isConnected)
        #expect(server.connection.droppedRecords == 0)
    }

    @Test func keyUpdateOverDTLS12Throws() throws {
        let (client, server, net) = HandshakeTests.pair()
        #expect(HandshakeTests.connect(client, server, net))
        #expect(throws: DTLSError.self) { try client.connection.updateKeys(now: net.now) }
    }
}
