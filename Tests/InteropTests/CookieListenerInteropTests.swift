import DTLS
import DTLSCrypto
import DTLSTestSupport
import OpenSSLReference
import Testing

/// A server behind the stateless front door, as `DTLSNIO` and the browser
/// demo run it: the listener answers until a cookie verifies, then the
/// connection it accepts takes over.
final class ListenerPeer: DatagramPeer {
    var listener: DTLSCookieListener
    let address: [UInt8]
    let now: DTLSInstant
    private(set) var driver: EngineDriver?
    private var pending: [[UInt8]] = []
    /// Every datagram this server sent, front door and connection alike.
    private(set) var sent: [[UInt8]] = []

    init(configuration: DTLSConfiguration, address: [UInt8] = [127, 0, 0, 1, 0xC3, 0x50], now: DTLSInstant) {
        listener = DTLSCookieListener(configuration: configuration, now: now)
        self.address = address
        self.now = now
    }

    func receive(_ datagram: [UInt8]) {
        if let driver {
            driver.connection.handlePacket(datagram, now: now)
            return
        }
        switch listener.handle(datagram, from: address, now: now) {
        case .reply(let bytes): pending.append(bytes)
        case .accept(let connection): driver = EngineDriver(connection, name: "listener-server")
        case .drop: break
        }
    }

    func takeOutgoing() -> [[UInt8]] {
        if let driver { pending += driver.drain() }
        sent += pending
        defer { pending.removeAll() }
        return pending
    }

    func advance() throws -> Bool {
        guard let driver else { return false }
        pending += driver.drain()
        if let failure = driver.failure { throw failure }
        return driver.isConnected
    }

    /// (epoch, sequence) of every plaintext-header record this server sent.
    var recordNumbers: [(epoch: UInt16, sequence: UInt64)] {
        var out: [(UInt16, UInt64)] = []
        for datagram in sent {
            var records: [RecordView] = []
            RecordView.split(datagram, into: &records)
            for r in records { out.append((r.header.epoch, r.header.sequenceNumber)) }
        }
        return out
    }
}

/// libssl clients through `DTLSCookieListener`: the path every UDP server
/// and the browser demo take.
@Suite struct CookieListenerInteropTests {
    /// libssl keeps an epoch-0 replay window: a ServerHello flight that
    /// reuses the HelloVerifyRequest's record number is dropped, and the
    /// client waits a whole retransmission timeout (1 s by default) before
    /// it tries again. The pump here never fires a timer on either side and
    /// libssl's timer is set far beyond the test's run time, so the
    /// handshake completes only if no flight needed a retransmission.
    @Test(arguments: [CipherSuite.ecdheEcdsaWithAes128GcmSha256, .ecdheRsaWithAes128GcmSha256])
    func libsslClientConnectsThroughTheListenerWithoutARetransmission(suite: CipherSuite) throws {
        let serverIdentity = suite.authentication == .ecdsa ? TestIdentity.ecdsaP256 : TestIdentity.rsa2048
        let (cert, key) = Interop.pem(TestIdentity.ecdsaP256Other)
        let theirs = try OpenSSLDTLSPeer(OpenSSLDTLSPeer.Configuration(
            role: .client, certificatePEM: cert, privateKeyPEM: key, cipherList: suite.openSSLName,
            initialRetransmitTimeout: .seconds(60)))
        let config = Interop.ours(serverIdentity, pinning: theirs)
        let ours = ListenerPeer(configuration: config, now: .now)

        try DatagramPump.run(theirs, ours, maxSteps: 12)

        #expect(theirs.helloVerifyRequestCount == 1)
        let driver = try #require(ours.driver)
        #expect(driver.connectedInfo?.cipherSuite == suite)
        let km = try #require(driver.keyingMaterial)
        let theirKM = try theirs.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: km.profile.keyingMaterialLength, context: nil)
        #expect(km.bytes == theirKM)

        // No (epoch, sequence) pair left this server twice.
        let numbers = ours.recordNumbers
        let distinct = Set(numbers.map { "\($0.epoch).\($0.sequence)" })
        #expect(distinct.count == numbers.count, "server reused a record number: \(numbers)")
        // And the first flight after the HelloVerifyRequest numbers on from it.
        let epochZero = numbers.filter { $0.epoch == 0 }.map(\.sequence)
        #expect(epochZero == epochZero.sorted(), "epoch-0 record numbers go backwards: \(epochZero)")
    }

    /// The listener answers the first hello with that hello's own record
    /// number (RFC 6347 4.2.1); the accepted connection's first record
    /// carries a larger one.
    @Test func acceptedConnectionNumbersOnFromTheClientHelloThatCarriedTheCookie() throws {
        let start = DTLSInstant.now
        let client = EngineDriver(DTLSConnection(clientWith: TestIdentity.configuration(TestIdentity.ecdsaP256, peer: nil), now: start), name: "c")
        let server = ListenerPeer(configuration: TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: nil), now: start)
        for datagram in client.drain() { server.receive(datagram) }
        for datagram in server.takeOutgoing() { client.connection.handlePacket(datagram, now: start) }
        let secondHello = client.drain()
        var helloRecords: [RecordView] = []
        RecordView.split(secondHello[0], into: &helloRecords)
        let helloSequence = try #require(helloRecords.first).header.sequenceNumber
        #expect(helloSequence > 0)
        for datagram in secondHello { server.receive(datagram) }
        _ = server.takeOutgoing()
        let numbers = server.recordNumbers
        #expect(numbers.first?.sequence == 0, "the HelloVerifyRequest mirrors the first hello's record number")
        #expect(numbers.dropFirst().first?.sequence == helloSequence, "the ServerHello continues from the second hello's number")
    }
}
