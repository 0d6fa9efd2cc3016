@testable import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// Hostile and broken input at the DTLS 1.3 engines: each is dropped and
/// counted, or fails the handshake with the alert RFC 8446/9147 names,
/// never a trap, and a connected pair keeps working after the drops.
@Suite struct DTLS13BadInputTests {
    typealias Side = DTLS13HandshakeTests.Side

    static func connectedPair() -> (Side, Side) {
        let now = DTLSInstant.now
        let client = Side(DTLSConnection(clientWith: DTLS13HandshakeTests.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other), now: now))
        let server = Side(DTLSConnection(serverWith: DTLS13HandshakeTests.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256), now: now))
        DTLS13HandshakeTests.pump(client, server, now: now)
        return (client, server)
    }

    /// The client's real epoch-3 write keys (the engine behind the facade).
    static func clientKeys(_ client: Side) throws -> EpochKeys13 {
        try #require(client.connection.dtls13?.writeKeys)
    }

    @Test func recordsOfAnEpochWithoutKeysOrWithAGarbledHeaderAreDroppedAndCounted() throws {
        let (client, server) = Self.connectedPair()
        let now = DTLSInstant.now
        // Epoch bits 1 (early data: never keyed here), a valid-looking body.
        server.connection.handlePacket([0x2D, 0, 5, 0, 20] + [UInt8](repeating: 7, count: 20), now: now)
        // A unified header whose length overruns the datagram.
        server.connection.handlePacket([0x2F, 0, 1, 0xFF, 0xFF, 1, 2, 3], now: now)
        // Epoch 3, right length, random bytes: does not authenticate.
        server.connection.handlePacket([0x2F, 0, 9, 0, 24] + [UInt8](repeating: 0xA5, count: 24), now: now)
        _ = server.drain()
        #expect(server.connection.droppedRecords == 2, "the overrunning header is cut off before any record")
        #expect(server.connection.isConnected)
        try client.connection.send([42])
        DTLS13HandshakeTests.pump(client, server, now: now)
        #expect(server.data == [[42]])
    }

    @Test func anACKForRecordsNeverSentAndAKeyUpdateFloodChangeNothing() throws {
        let (client, server) = Self.connectedPair()
        let now = DTLSInstant.now
        let keys = try Self.clientKeys(client)
        // A forged (but authentic-keyed) ACK naming records that do not exist.
        var ack = ByteWriter()
        ACK(records: [.init(epoch: 3, sequence: 999_999), .init(epoch: 7, sequence: 1)]).write(to: &ack)
        server.connection.handlePacket(try RecordProtection13.seal(.ack, content: ack.bytes, sequence: 100, keys: keys), now: now)
        // A malformed ACK (odd length).
        server.connection.handlePacket(try RecordProtection13.seal(.ack, content: [0, 3, 1, 2, 3], sequence: 101, keys: keys), now: now)
        // 200 KeyUpdate messages in epoch 3: the first moves the server's
        // read side to epoch 4 (and, as it requests one, sends the server's
        // own); the other 199 arrive in an epoch already left and change
        // nothing. Each is acknowledged; none breaks the connection.
        for i in 0..<200 {
            var message = ByteWriter()
            HandshakeHeader(type: .keyUpdate, length: 1, messageSequence: UInt16(4 + i), fragmentOffset: 0, fragmentLength: 1).write(to: &message)
            message.writeUInt8(1)
            server.connection.handlePacket(try RecordProtection13.seal(.handshake, content: message.bytes, sequence: UInt64(200 + i), keys: keys), now: now)
        }
        let acks = server.drain()
        #expect(acks.count == 201, "one ACK per post-handshake record, and the server's own KeyUpdate")
        #expect(server.connection.dtls13?.keyUpdates.received == 1)
        #expect(server.connection.isConnected)
        // The injected records moved the replay window to 399: data after it still flows.
        server.connection.handlePacket(try RecordProtection13.seal(.applicationData, content: [1, 2, 3], sequence: 400, keys: keys), now: now)
        _ = server.drain()
        #expect(server.data == [[1, 2, 3]])
    }

    @Test func aClientRefusesAServerHelloThatChoosesDTLS12() throws {
        // A "1.3" server that answers with supported_versions = DTLS 1.2: a downgrade.
        let now = DTLSInstant.now
        let client = Side(DTLSConnection(clientWith: DTLS13HandshakeTests.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other), now: now))
        _ = client.drain()
        var body = ByteWriter()
        ServerHello(version: .dtls12, random: [UInt8](repeating: 3, count: 32), cipherSuite: .aes128GcmSha256,
                    extensions: [.selectedVersion(.dtls12), .serverKeyShare(KeyShareEntry(group: .x25519, keyExchange: [UInt8](repeating: 9, count: 32)))])
            .write(to: &body)
        client.connection.handlePacket(Self.plaintextHandshake(.serverHello, body.bytes), now: now)
        _ = client.drain()
        #expect(client.events.contains("failed protocolVersion"))
    }

    @Test func aSecondHelloRetryIsIllegal() throws {
        // The server asks once for X25519; a second ClientHello without it fails.
        let now = DTLSInstant.now
        let server = Side(DTLSConnection(serverWith: DTLS13HandshakeTests.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256), now: now))
        func hello(sequence: UInt16) -> [UInt8] {
            var body = ByteWriter()
            ClientHello(version: .dtls12, random: [UInt8](repeating: 1, count: 32), cookie: [],
                        cipherSuites: [.aes128GcmSha256],
                        extensions: [.supportedVersions([.dtls13]), .supportedGroups([NamedGroup(rawValue: 0x0019), .x25519]),
                                     // A P-521 share only (a group we do not take).
                                     .clientKeyShares([KeyShareEntry(group: NamedGroup(rawValue: 0x0019), keyExchange: [UInt8](repeating: 1, count: 133))]),
                                     .signatureAlgorithms([.ecdsaSecp256r1Sha256])]).write(to: &body)
            return Self.plaintextHandshake(.clientHello, body.bytes, sequence: sequence)
        }
        server.connection.handlePacket(hello(sequence: 0), now: now)
        let retry = server.drain()
        #expect(retry.count == 1)
        #expect((server.connection.dtls13 as? DTLS13Server)?.sentHelloRetryRequest == true)
        server.connection.handlePacket(hello(sequence: 1), now: now)
        _ = server.drain()
        #expect(server.events.contains("failed illegalParameter"))
    }

    /// One handshake message in a DTLSPlaintext epoch-0 record.
    static func plaintextHandshake(_ type: HandshakeType, _ body: [UInt8], sequence: UInt16 = 0) -> [UInt8] {
        var message = ByteWriter()
        HandshakeHeader(type: type, length: UInt32(body.count), messageSequence: sequence, fragmentOffset: 0,
                        fragmentLength: UInt32(body.count)).write(to: &message)
        message.writeBytes(body)
        var record = ByteWriter()
        RecordHeader(contentType: .handshake, version: .dtls12, epoch: 0, sequenceNumber: UInt64(sequence),
                     length: UInt16(message.bytes.count)).write(to: &record)
        return record.bytes + message.bytes
    }
}
