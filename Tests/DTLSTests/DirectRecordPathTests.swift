import DTLS
import DTLSTestSupport
import Testing

/// `sealApplicationData(_:into:)` and `openApplicationData(in:)` carry the
/// same records as `send`/`handlePacket` with the same checks, and hand
/// everything that is not a lone application-data record to the engine.
@Suite struct DirectRecordPathTests {
    static func connected() throws -> (EngineDriver, EngineDriver, VirtualNetwork) {
        let (client, server, net) = HandshakeTests.pair()
        guard HandshakeTests.connect(client, server, net) else { throw DTLSError(.internalError, alert: nil, "no connect") }
        _ = client.drain()
        _ = server.drain()
        return (client, server, net)
    }

    @Test func directSealAndOpenRoundTripInPlace() throws {
        let (client, server, _) = try Self.connected()
        var datagram: [UInt8] = []
        for i in 0..<200 {
            let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: i * 5)
            try client.connection.sealApplicationData(payload, into: &datagram)
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
        #expect(server.connection.openApplicationData(in: &first) == .applicationData(21..<25))
        var replay = original
        #expect(server.connection.openApplicationData(in: &replay) == .dropped)
        try client.connection.sealApplicationData(Array("twice".utf8), into: &original)
        var forged = original
        forged[forged.count - 1] ^= 1
        #expect(server.connection.openApplicationData(in: &forged) == .dropped)
        #expect(server.connection.droppedRecords == 2)
        // The genuine record with that sequence number still opens: a forgery does not burn it.
        #expect(server.connection.openApplicationData(in: &original) == .applicationData(21..<26))
    }

    @Test func anythingButALoneApplicationDataRecordIsLeftUntouchedForTheEngine() throws {
        let (client, server, net) = try Self.connected()
        var one: [UInt8] = []
        try client.connection.sealApplicationData(Array("a".utf8), into: &one)
        var two: [UInt8] = []
        try client.connection.sealApplicationData(Array("b".utf8), into: &two)
        var cases: [[UInt8]] = [one + two, Array(one.dropLast()), [], Array(one.prefix(13))]
        var epochZero = one
        epochZero[4] = 0
        cases.append(epochZero)
        var handshakeType = one
        handshakeType[0] = 22
        cases.append(handshakeType)
        for var datagram in cases {
            let before = datagram
            #expect(server.connection.openApplicationData(in: &datagram) == .needsEngine)
            #expect(datagram == before)
        }
        // close_notify is an alert: the engine handles it.
        client.connection.close()
        var alert = client.drain()
        #expect(alert.count == 1)
        #expect(server.connection.openApplicationData(in: &alert[0]) == .needsEngine)
        server.connection.handlePacket(alert[0], now: net.now)
        server.drain()
        #expect(!server.connection.isConnected)
        #expect(server.connection.openApplicationData(in: &one) == .needsEngine)
    }

    @Test func sealingBeforeConnectOrBeyondOneRecordThrows() throws {
        let (client, _, _) = HandshakeTests.pair()
        var datagram: [UInt8] = []
        #expect(throws: DTLSError.self) { try client.connection.sealApplicationData([1, 2, 3], into: &datagram) }
        let (connected, _, _) = try Self.connected()
        #expect(throws: DTLSError.self) {
            try connected.connection.sealApplicationData([UInt8](repeating: 0, count: 20_000), into: &datagram)
        }
    }
}
