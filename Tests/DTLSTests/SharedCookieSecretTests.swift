import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// `DTLSCookieSecret`: listeners on several sockets (one per event loop)
/// that share one master key verify each other's cookies, DTLS 1.2 and 1.3,
/// across one rotation and not two; a listener with its own secret does not.
@Suite struct SharedCookieSecretTests {
    let start = DTLSInstant.now
    let address: [UInt8] = [127, 0, 0, 1, 0x13, 0x88]

    func listener(_ secret: DTLSCookieSecret?, versions: [ProtocolVersion], rotation: Duration = .seconds(60)) -> DTLSCookieListener {
        DTLSCookieListener(configuration: TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256, versions: versions),
                           rotationInterval: rotation, sharedSecret: secret, now: start)
    }

    /// The client's ClientHello (its datagrams: a hybrid key share takes
    /// two) after `minter`'s cookie reply (a HelloVerifyRequest or a HelloRetryRequest).
    func helloWithCookie(from minter: inout DTLSCookieListener, versions: [ProtocolVersion]) -> [[UInt8]]? {
        let client = EngineDriver(DTLSConnection(clientWith: TestIdentity.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other,
                                                                                          versions: versions), now: start), name: "c")
        var reply: [UInt8]?
        for datagram in client.drain() {
            if case .reply(let r) = minter.handle(datagram, from: address, now: start) { reply = r }
        }
        guard let reply else { return nil }
        client.connection.handlePacket(reply, now: start)
        return client.drain()
    }

    func accepts(_ verifier: inout DTLSCookieListener, _ hello: [[UInt8]], at now: DTLSInstant) -> Bool {
        for datagram in hello {
            if case .accept = verifier.handle(datagram, from: address, now: now) { return true }
        }
        return false
    }

    @Test(arguments: [[ProtocolVersion.dtls12], [.dtls13]])
    func aCookieMintedByOneListenerVerifiesAtAnotherWithTheSameSecret(versions: [ProtocolVersion]) throws {
        let secret = DTLSCookieSecret()
        var minter = listener(secret, versions: versions)
        var sibling = listener(secret, versions: versions)
        var stranger = listener(DTLSCookieSecret(), versions: versions)
        var unshared = listener(nil, versions: versions)
        let hello = try #require(helloWithCookie(from: &minter, versions: versions))
        #expect(accepts(&sibling, hello, at: start), "same master key: the cookie verifies")
        #expect(!accepts(&stranger, hello, at: start), "another master key: refused")
        #expect(!accepts(&unshared, hello, at: start), "a listener with its own random secret: refused")
    }

    @Test func sharedSecretsRotateTogether() throws {
        let secret = DTLSCookieSecret()
        var minter = listener(secret, versions: [.dtls12], rotation: .seconds(10))
        let hello = try #require(helloWithCookie(from: &minter, versions: [.dtls12]))
        var nextPeriod = listener(secret, versions: [.dtls12], rotation: .seconds(10))
        #expect(accepts(&nextPeriod, hello, at: start + .seconds(10)), "the previous period's cookie still verifies")
        var twoLater = listener(secret, versions: [.dtls12], rotation: .seconds(10))
        #expect(!accepts(&twoLater, hello, at: start + .seconds(21)), "two periods later it does not")
    }
}
