import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// Every crash or hang the fuzz targets in `Fuzz/` found, as a test.
///
/// Each test names the target that found it and the fix. Reproduce a new
/// finding with `Fuzz/.build/release/<target> fuzz-out/<target>-crash-…`
/// (after `scripts/fuzz.sh build`), then add it here before fixing it.
@Suite struct FuzzRegressionTests {
    let start = DTLSInstant.now

    /// The datagram carrying a fresh client's first ClientHello.
    static func clientHello(_ client: EngineDriver) -> [UInt8] { client.drain()[0] }

    /// Rewrites the message_seq of every handshake fragment in the first record.
    static func settingMessageSequence(_ datagram: [UInt8], to sequence: UInt16) -> [UInt8] {
        var d = datagram
        var records: [RecordView] = []
        RecordView.split(d, into: &records)
        guard let record = records.first else { return d }
        d[record.fragment.lowerBound + 4] = UInt8(sequence >> 8)
        d[record.fragment.lowerBound + 5] = UInt8(sequence & 0xFF)
        return d
    }

    /// fuzz-engine-server: a ClientHello with message_seq 65535 made the
    /// server number its own flight past UInt16.max and trap
    /// (ServerHandshake.swift, `hs.nextSendSequence += 1`). The server now
    /// refuses a ClientHello whose message_seq leaves no room for the
    /// handshake (RFC 6347 4.2.2: it is 0, or 1 after a HelloVerifyRequest).
    @Test(arguments: [UInt16.max, UInt16.max - 1, UInt16.max - 4, UInt16.max - 15])
    func clientHelloWithMessageSequenceNearTheTopFailsInsteadOfTrapping(sequence: UInt16) {
        var config = TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256)
        config.cookieExchange = false
        let server = EngineDriver(DTLSConnection(serverWith: config, now: start), name: "s")
        let client = EngineDriver(DTLSConnection(clientWith: TestIdentity.configuration(TestIdentity.ecdsaP256, peer: nil), now: start), name: "c")
        server.connection.handlePacket(Self.settingMessageSequence(Self.clientHello(client), to: sequence), now: start)
        let replies = server.drain()
        #expect(server.failure?.code == .illegalParameter)
        #expect(server.failure?.alert == .illegalParameter)
        #expect(replies.count == 1, "one alert, no flight")
        #expect(server.keyingMaterial == nil)
    }

    /// The same through the stateless listener: a client that returns a
    /// valid cookie in a ClientHello with message_seq 65535.
    @Test func listenerAcceptedClientHelloWithTopMessageSequenceFailsCleanly() {
        var listener = DTLSCookieListener(configuration: TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: nil), now: start)
        let client = EngineDriver(DTLSConnection(clientWith: TestIdentity.configuration(TestIdentity.ecdsaP256, peer: nil), now: start), name: "c")
        guard case .reply(let hvr) = listener.handle(Self.clientHello(client), from: [1, 2, 3, 4], now: start) else {
            Issue.record("expected a HelloVerifyRequest")
            return
        }
        client.connection.handlePacket(hvr, now: start)
        let second = Self.settingMessageSequence(Self.clientHello(client), to: .max)
        guard case .accept(let connection) = listener.handle(second, from: [1, 2, 3, 4], now: start) else {
            Issue.record("valid cookie refused")
            return
        }
        let server = EngineDriver(connection, name: "s")
        server.drain()
        #expect(server.failure?.alert == .illegalParameter)
    }

    /// A ClientHello after one or more HelloVerifyRequests (message_seq 1-3)
    /// is still served: the bound leaves every legitimate value alone.
    @Test(arguments: [UInt16(0), 1, 2, 3])
    func clientHelloWithASmallMessageSequenceIsServed(sequence: UInt16) {
        var config = TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: nil)
        config.cookieExchange = false
        let server = EngineDriver(DTLSConnection(serverWith: config, now: start), name: "s")
        let client = EngineDriver(DTLSConnection(clientWith: TestIdentity.configuration(TestIdentity.ecdsaP256, peer: nil), now: start), name: "c")
        server.connection.handlePacket(Self.settingMessageSequence(Self.clientHello(client), to: sequence), now: start)
        let flight = server.drain()
        #expect(server.failure == nil)
        #expect(!flight.isEmpty)
    }
}
