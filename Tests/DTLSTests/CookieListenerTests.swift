import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// The stateless HelloVerifyRequest front door.
@Suite struct CookieListenerTests {
    let start = DTLSInstant.now

    func clientHello(_ client: EngineDriver) -> [UInt8] {
        let out = client.drain()
        return out[0]
    }

    @Test func firstClientHelloGetsASmallerHelloVerifyRequestAndNoConnection() {
        let server = TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256)
        var listener = DTLSCookieListener(configuration: server, now: start)
        let client = EngineDriver(DTLSConnection(clientWith: TestIdentity.configuration(TestIdentity.ecdsaP256, peer: nil), now: start), name: "c")
        let hello = clientHello(client)
        guard case .reply(let hvr) = listener.handle(hello, from: [127, 0, 0, 1, 0x13, 0x88], now: start) else {
            Issue.record("expected a HelloVerifyRequest")
            return
        }
        #expect(hvr.count < hello.count)
        #expect(hvr.count == 60)
        #expect(listener.helloVerifyRequestsSent == 1)
    }

    @Test func returnedCookieFromTheSameAddressCreatesAConnectionThatCompletes() {
        let net = VirtualNetwork(start: start)
        let address: [UInt8] = [127, 0, 0, 1, 0x13, 0x88]
        var listener = DTLSCookieListener(configuration: TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256), now: start)
        let client = EngineDriver(DTLSConnection(clientWith: TestIdentity.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other), now: start), name: "c")
        var server: EngineDriver?
        for _ in 0..<3 where server == nil {
            for datagram in client.drain() {
                switch listener.handle(datagram, from: address, now: net.now) {
                case .reply(let r): client.connection.handlePacket(r, now: net.now)
                case .accept(let conn): server = EngineDriver(conn, name: "s")
                case .drop: break
                }
            }
        }
        guard let server else {
            Issue.record("no connection created")
            return
        }
        #expect(net.run(client: client, server: server) { client.isConnected && server.isConnected })
        #expect(client.keyingMaterial?.bytes == server.keyingMaterial?.bytes)
    }

    @Test func cookieFromAnotherAddressIsRejectedWithoutState() {
        var listener = DTLSCookieListener(configuration: TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: nil), now: start)
        let client = EngineDriver(DTLSConnection(clientWith: TestIdentity.configuration(TestIdentity.ecdsaP256, peer: nil), now: start), name: "c")
        guard case .reply(let hvr) = listener.handle(clientHello(client), from: [1, 1, 1, 1], now: start) else {
            Issue.record("expected HVR")
            return
        }
        client.connection.handlePacket(hvr, now: start)
        let second = clientHello(client)
        // Same cookie, different source address: a spoofer replaying it.
        guard case .reply = listener.handle(second, from: [2, 2, 2, 2], now: start) else {
            Issue.record("cookie accepted from another address")
            return
        }
        #expect(listener.cookiesRejected == 1)
        guard case .accept = listener.handle(second, from: [1, 1, 1, 1], now: start) else {
            Issue.record("valid cookie refused")
            return
        }
    }

    @Test func cookiesSurviveOneSecretRotationButNotTwo() {
        var listener = DTLSCookieListener(configuration: TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: nil),
                                          rotationInterval: .seconds(10), now: start)
        let client = EngineDriver(DTLSConnection(clientWith: TestIdentity.configuration(TestIdentity.ecdsaP256, peer: nil), now: start), name: "c")
        guard case .reply(let hvr) = listener.handle(clientHello(client), from: [1], now: start) else { return }
        client.connection.handlePacket(hvr, now: start)
        let second = clientHello(client)
        var l2 = listener
        if case .accept = l2.handle(second, from: [1], now: start + .seconds(11)) {} else { Issue.record("refused after one rotation") }
        var l3 = listener
        _ = l3.handle([0], from: [1], now: start + .seconds(11))
        if case .accept = l3.handle(second, from: [1], now: start + .seconds(22)) { Issue.record("accepted after two rotations") }
    }

    @Test(arguments: [[UInt8](), [22], [22, 0xFE, 0xFD], [UInt8](repeating: 0xFF, count: 200), [23, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]])
    func garbageIsDroppedWithoutReply(datagram: [UInt8]) {
        var listener = DTLSCookieListener(configuration: TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: nil), now: start)
        if case .drop = listener.handle(datagram, from: [1], now: start) {} else { Issue.record("answered garbage") }
    }
}
