import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// Established-connection records: forged, replayed, truncated, oversized
/// and misplaced records are dropped silently and the connection lives on.
@Suite struct RecordLayerTests {
    /// A connected pair plus one captured application-data datagram from the client.
    static func connectedWithCapturedRecord() throws -> (EngineDriver, EngineDriver, VirtualNetwork, [UInt8]) {
        let (client, server, net) = HandshakeTests.pair()
        guard HandshakeTests.connect(client, server, net) else { throw DTLSError(.internalError, alert: nil, "no connect") }
        _ = client.drain()
        try client.connection.send(Array("payload".utf8))
        let captured = client.drain()
        return (client, server, net, captured[0])
    }

    static func stillWorks(_ client: EngineDriver, _ server: EngineDriver, _ net: VirtualNetwork) throws -> Bool {
        let before = server.received.count
        try client.connection.send(Array("still alive".utf8))
        net.run(client: client, server: server, limit: .seconds(1)) { server.received.count > before }
        return server.received.last == Array("still alive".utf8) && server.failure == nil
    }

    /// The server keeps its last flight (and a timer) after connecting, in
    /// case the client never got it; authenticated data from the client
    /// proves it did. A forged record proves nothing.
    @Test func serverStopsLingeringOnTheClientsFirstAuthenticRecord() throws {
        let (_, server, net, record) = try Self.connectedWithCapturedRecord()
        server.drain()
        #expect(server.nextTimeout != nil)  // lingering
        var forged = record
        forged[forged.count - 1] ^= 1
        server.connection.handlePacket(forged, now: net.now)
        server.drain()
        #expect(server.nextTimeout != nil && server.received.isEmpty)
        server.connection.handlePacket(record, now: net.now)
        server.drain()
        #expect(server.received == [Array("payload".utf8)])
        #expect(server.nextTimeout == nil)  // no timer left on an idle connection
    }

    /// Records may share a datagram (RFC 6347 4.1.1); each is opened and
    /// checked on its own, and a copy of one within the same datagram is a
    /// replay.
    @Test func severalApplicationRecordsInOneDatagramAreEachDelivered() throws {
        let (client, server, net, first) = try Self.connectedWithCapturedRecord()
        try client.connection.send(Array("second".utf8))
        let second = client.drain()[0]
        server.connection.handlePacket(first + second + second, now: net.now)
        server.drain()
        #expect(server.received == [Array("payload".utf8), Array("second".utf8)])
        #expect(server.connection.droppedRecords == 1)
    }

    @Test func tamperedRecordIsDroppedSilently() throws {
        let (client, server, net, record) = try Self.connectedWithCapturedRecord()
        for index in [0, 3, 5, 12, 13, 20, record.count - 1] {
            var forged = record
            forged[index] ^= 0x40
            server.connection.handlePacket(forged, now: net.now)
        }
        server.drain()
        #expect(server.received.isEmpty)
        #expect(server.failure == nil)
        #expect(try Self.stillWorks(client, server, net))
    }

    @Test func replayedRecordIsDeliveredOnce() throws {
        let (client, server, net, record) = try Self.connectedWithCapturedRecord()
        for _ in 0..<3 { server.connection.handlePacket(record, now: net.now) }
        server.drain()
        #expect(server.received.count == 1)
        #expect(try Self.stillWorks(client, server, net))
    }

    @Test func recordsOutsideTheReplayWindowAreDroppedButReorderedOnesInsideAreKept() throws {
        let (client, server, net) = HandshakeTests.pair()
        #expect(HandshakeTests.connect(client, server, net))
        var datagrams: [[UInt8]] = []
        for i in 0..<100 {
            try client.connection.send([UInt8(i)])
            datagrams += client.drain()
        }
        // Deliver 99 first, then 50 (inside the 64 window), then 10 (outside).
        for i in [99, 50, 10] { server.connection.handlePacket(datagrams[i], now: net.now) }
        server.drain()
        #expect(server.received == [[99], [50]])
    }

    @Test(arguments: [1, 5, 12, 13, 20, 40])
    func truncatedDatagramsAreDropped(keep: Int) throws {
        let (client, server, net, record) = try Self.connectedWithCapturedRecord()
        server.connection.handlePacket(Array(record.prefix(keep)), now: net.now)
        server.drain()
        #expect(server.received.isEmpty)
        #expect(try Self.stillWorks(client, server, net))
    }

    @Test func recordWithALengthPastTheDatagramOrTheProtocolLimitIsDropped() throws {
        let (client, server, net, record) = try Self.connectedWithCapturedRecord()
        var lying = record
        lying[11] = 0xFF
        lying[12] = 0xFF
        server.connection.handlePacket(lying, now: net.now)
        var huge = Array(record.prefix(13)) + [UInt8](repeating: 0, count: 20000)
        huge[11] = UInt8((20000 >> 8) & 0xFF)
        huge[12] = UInt8(20000 & 0xFF)
        server.connection.handlePacket(huge, now: net.now)
        server.connection.handlePacket([], now: net.now)
        server.drain()
        #expect(server.received.isEmpty)
        #expect(try Self.stillWorks(client, server, net))
    }

    @Test func recordOfAnotherEpochOrUnknownTypeIsDropped() throws {
        let (client, server, net, record) = try Self.connectedWithCapturedRecord()
        var epoch2 = record
        epoch2[4] = 2
        var unknownType = record
        unknownType[0] = 99
        var epoch0AppData = record
        epoch0AppData[4] = 0
        for d in [epoch2, unknownType, epoch0AppData] { server.connection.handlePacket(d, now: net.now) }
        server.drain()
        #expect(server.received.isEmpty)
        #expect(try Self.stillWorks(client, server, net))
    }

    @Test func severalRecordsInOneDatagramAreAllDelivered() throws {
        let (client, server, net) = HandshakeTests.pair()
        #expect(HandshakeTests.connect(client, server, net))
        try client.connection.send([1])
        try client.connection.send([2])
        try client.connection.send([3])
        let joined = client.drain().reduce([], +)
        server.connection.handlePacket(joined, now: net.now)
        server.drain()
        #expect(server.received == [[1], [2], [3]])
    }

    @Test func sendBeforeConnectIsRefused() {
        let (client, _, _) = HandshakeTests.pair()
        #expect(throws: DTLSError.self) { try client.connection.send([1, 2, 3]) }
        #expect(throws: DTLSError.self) { try client.connection.exportKeyingMaterial(label: "x", length: 8) }
    }

    @Test func oversizedApplicationDataIsRefusedNotFragmented() throws {
        let (client, server, net) = HandshakeTests.pair()
        #expect(HandshakeTests.connect(client, server, net))
        #expect(throws: DTLSError.self) { try client.connection.send([UInt8](repeating: 0, count: 20000)) }
    }

    @Test func applicationDataBeforeFinishedIsNotDelivered() throws {
        // An epoch-0 application-data record during the handshake is dropped.
        let (client, server, net) = HandshakeTests.pair()
        var w = ByteWriter()
        RecordHeader(contentType: .applicationData, version: .dtls12, epoch: 0, sequenceNumber: 5, length: 4).write(to: &w)
        w.writeBytes([1, 2, 3, 4])
        server.connection.handlePacket(w.bytes, now: net.now)
        #expect(HandshakeTests.connect(client, server, net))
        #expect(server.received.isEmpty)
    }

    @Test func changeCipherSpecOutOfOrderIsIgnoredAndTheHandshakeStillCompletes() {
        let (client, server, net) = HandshakeTests.pair()
        var w = ByteWriter()
        RecordHeader(contentType: .changeCipherSpec, version: .dtls12, epoch: 0, sequenceNumber: 7, length: 1).write(to: &w)
        w.writeUInt8(1)
        server.connection.handlePacket(w.bytes, now: net.now)
        client.connection.handlePacket(w.bytes, now: net.now)
        #expect(HandshakeTests.connect(client, server, net))
    }

    @Test func malformedChangeCipherSpecFailsWithDecodeError() {
        let (client, server, net) = HandshakeTests.pair()
        var w = ByteWriter()
        RecordHeader(contentType: .changeCipherSpec, version: .dtls12, epoch: 0, sequenceNumber: 7, length: 2).write(to: &w)
        w.writeBytes([1, 1])
        server.connection.handlePacket(w.bytes, now: net.now)
        server.drain()
        #expect(server.failure?.alert == .decodeError)
        _ = client
    }

    @Test(arguments: [AlertDescription.handshakeFailure, .internalError, .badCertificate])
    func fatalAlertFromThePeerFailsTheConnection(alert: AlertDescription) {
        let (client, server, net) = HandshakeTests.pair()
        var w = ByteWriter()
        RecordHeader(contentType: .alert, version: .dtls12, epoch: 0, sequenceNumber: 3, length: 2).write(to: &w)
        w.writeBytes([2, alert.rawValue])
        client.drain()
        client.connection.handlePacket(w.bytes, now: net.now)
        client.drain()
        #expect(client.failure?.code == .alertReceived)
        #expect(client.failure?.alert == alert)
    }

    @Test func warningAlertOtherThanCloseNotifyChangesNothing() throws {
        let (client, server, net) = HandshakeTests.pair()
        #expect(HandshakeTests.connect(client, server, net))
        // An unencrypted warning in epoch 0 after connect is of the wrong epoch: dropped.
        var w = ByteWriter()
        RecordHeader(contentType: .alert, version: .dtls12, epoch: 0, sequenceNumber: 3, length: 2).write(to: &w)
        w.writeBytes([1, AlertDescription.noRenegotiation.rawValue])
        server.connection.handlePacket(w.bytes, now: net.now)
        #expect(try Self.stillWorks(client, server, net))
    }

    @Test func closeIsIdempotentAndSendsOneCloseNotify() throws {
        let (client, server, net) = HandshakeTests.pair()
        #expect(HandshakeTests.connect(client, server, net))
        client.connection.close()
        client.connection.close()
        let out = client.drain()
        #expect(out.count == 1)
        #expect(throws: DTLSError.self) { try client.connection.send([1]) }
    }
}
