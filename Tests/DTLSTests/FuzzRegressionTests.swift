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

/// fuzz-handshake: a certificate whose encoding libcrypto accepts but
/// re-encodes differently (BER, not DER) made `Certificate.derEncoded`
/// differ from the bytes received, so its fingerprint was not the
/// fingerprint of what the peer sent. `derEncoded` now keeps the bytes.
@Suite struct NonCanonicalCertificateRegressionTests {
    static let crash: [UInt8] = [
        0x30, 0x82, 0x01, 0x10, 0x30, 0x81, 0xB8, 0xA0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x08, 0x0A, 0x86,
        0xFE, 0x37, 0x2C, 0x1D, 0xE5, 0x63, 0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04,
        0x03, 0x02, 0x30, 0x0F, 0x31, 0x0D, 0x30, 0x0B, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x04, 0x66,
        0x75, 0x7A, 0x7A, 0x30, 0x1E, 0x17, 0x0D, 0x32, 0x36, 0x31, 0x31, 0x32, 0x31, 0x31, 0x30, 0x31,
        0x33, 0x35, 0x32, 0x5A, 0x17, 0x0D, 0x32, 0x36, 0x31, 0x32, 0x32, 0x32, 0x31, 0x30, 0x31, 0x33,
        0x35, 0x32, 0x5A, 0x30, 0x0F, 0x31, 0x0D, 0x30, 0x0B, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x04,
        0x66, 0x75, 0x7A, 0x7A, 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02,
        0x01, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0xB5,
        0x5B, 0x41, 0x3A, 0x77, 0xFB, 0x48, 0x13, 0x8F, 0xB8, 0xC4, 0xCF, 0x4E, 0x82, 0x63, 0x4A, 0xE1,
        0x9D, 0xF4, 0x4C, 0x3A, 0x4B, 0xDB, 0xB7, 0x14, 0x1C, 0xC8, 0x74, 0x1D, 0x78, 0x26, 0x8F, 0x96,
        0xE9, 0xD2, 0x19, 0x5D, 0x48, 0x25, 0x30, 0xE5, 0xFB, 0xB7, 0x99, 0x6F, 0x25, 0x00, 0x5B, 0xF5,
        0x83, 0x30, 0xE9, 0x28, 0x8E, 0x3F, 0x73, 0x1B, 0xB8, 0xAB, 0x90, 0xD5, 0x5C, 0xF9, 0x51, 0x30,
        0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02, 0x03, 0x47, 0x01, 0x00, 0x01,
        0x14, 0x20, 0x47, 0x99, 0xCF, 0x51, 0x9E, 0x22, 0x61, 0xFE, 0x06, 0x32, 0xCA, 0xA8, 0x18, 0x45,
        0xEB, 0x54, 0x78, 0x04, 0x7D, 0xBF, 0xD3, 0x8B, 0x3E, 0x51, 0x35, 0x35, 0x96, 0x3C, 0x7C, 0x95,
        0x3C, 0xAA, 0x02, 0x20, 0x79, 0x7D, 0x57, 0x9F, 0xBD, 0x02, 0xEC, 0x0C, 0x4B, 0x8D, 0x25, 0x82,
        0x2F, 0x8E, 0x00, 0x39, 0xCE, 0x69, 0x2A, 0x29, 0x1B, 0x3F, 0x3C, 0x6C, 0x6E, 0x67, 0xBC, 0x60,
        0x2C, 0x7E, 0xB9, 0x11,
    ]

    @Test func nonCanonicalCertificateIsRefusedOrKeepsItsBytes() {
        // Either refused, or accepted with derEncoded equal to the input
        // (what libcrypto parses today).
        if let certificate = try? Certificate(derEncoded: Self.crash) {
            #expect(certificate.derEncoded == Self.crash)
            #expect(Fingerprint(certificate: certificate).matches(Self.crash))
        }
    }
}
