import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSTestSupport
import Testing

/// `EndpointConfiguration.idleTimeout`: a peer that goes silent is closed
/// with close_notify; anything it sends keeps it open.
@Suite struct EndpointIdleTimeoutTests {
    static let start = Fixture.start

    static func pair(idle: Duration?) throws -> (a: EndpointRecorder, b: EndpointRecorder) {
        var client = Fixture.configuration(.client, TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other)
        client.idleTimeout = idle
        let server = Fixture.configuration(.server, TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256)
        let a = EndpointRecorder(try DTLSSRTPEndpoint(configuration: client))
        let b = EndpointRecorder(try DTLSSRTPEndpoint(configuration: server))
        Fixture.run(a, b, now: start)
        #expect(a.endpoint.state == .connected && b.endpoint.state == .connected)
        return (a, b)
    }

    @Test func aSilentPeerIsClosedWithCloseNotifyAndMediaFromItKeepsItOpen() throws {
        let (a, b) = try Self.pair(idle: .seconds(5))
        a.drain()
        let first = try #require(a.deadline)
        #expect(first <= Self.start + .seconds(5))

        // B speaks at 4 s: the deadline moves to 9 s.
        try b.endpoint.sendRTP(Fixture.rtp(sequence: 1))
        for d in b.drain() { a.endpoint.handleDatagram(d, now: Self.start + .seconds(4)) }
        a.drain()
        #expect(a.rtp.count == 1)
        #expect(a.deadline == Self.start + .seconds(9))
        a.endpoint.handleTimeout(now: Self.start + .milliseconds(8_999))
        #expect(a.endpoint.state == .connected)

        a.endpoint.handleTimeout(now: Self.start + .seconds(9))
        #expect(a.endpoint.state == .closed)
        #expect(a.endpoint.counters.idleClosed == 1)
        let closeNotify = a.drain()
        #expect(!closeNotify.isEmpty, "close_notify goes out")
        for d in closeNotify { b.endpoint.handleDatagram(d, now: Self.start + .seconds(9)) }
        b.drain()
        #expect(b.endpoint.state == .closed, "the peer learns of it")
        #expect(a.deadline == nil)
    }

    @Test func withoutAnIdleTimeoutASilentPeerStays() throws {
        let (a, _) = try Self.pair(idle: nil)
        a.drain()
        a.endpoint.handleTimeout(now: Self.start + .seconds(3600))
        #expect(a.endpoint.state == .connected && a.endpoint.counters.idleClosed == 0)
    }
}
