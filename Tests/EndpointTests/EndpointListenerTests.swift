import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSTestSupport
import Testing

/// A server that serves many peers on one socket: the stateless cookie
/// listener first, the endpoint only for a verified client.
@Suite struct EndpointListenerTests {
    @Test func endpointAdoptsAConnectionAcceptedByTheCookieListener() throws {
        let serverConfig = Fixture.configuration(.server, TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256)
        var listener = DTLSCookieListener(configuration: try serverConfig.effectiveDTLSConfiguration(), now: Fixture.start)
        let client = EndpointRecorder(try DTLSSRTPEndpoint(configuration: Fixture.configuration(
            .client, TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other)))
        client.endpoint.start(now: Fixture.start)
        var server: EndpointRecorder?
        for _ in 0..<3 where server == nil {
            for datagram in client.drain() {
                switch listener.handle(datagram, from: [10, 0, 0, 1], now: Fixture.start) {
                case .reply(let hvr): client.endpoint.handleDatagram(hvr, now: Fixture.start)
                case .accept(let connection):
                    server = EndpointRecorder(try DTLSSRTPEndpoint(adopting: connection, configuration: serverConfig))
                case .drop: break
                }
            }
        }
        let s = try #require(server)
        Fixture.run(client, s)
        #expect(client.endpoint.state == .connected)
        #expect(s.endpoint.state == .connected)
        try client.endpoint.sendRTP(Fixture.rtp(sequence: 1))
        Fixture.run(client, s)
        #expect(s.rtp == [Fixture.rtp(sequence: 1)])
    }

    @Test func acceptingAnyCertificateStillReportsItsFingerprint() throws {
        var config = Fixture.configuration(.client, TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other)
        config.remoteFingerprints = []
        #expect(throws: EndpointError.noRemoteFingerprints) { try DTLSSRTPEndpoint(configuration: config) }
        config.acceptsAnyCertificate = true
        let client = EndpointRecorder(try DTLSSRTPEndpoint(configuration: config))
        let server = EndpointRecorder(try DTLSSRTPEndpoint(configuration: Fixture.configuration(
            .server, TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256)))
        Fixture.run(client, server)
        #expect(client.endpoint.state == .connected)
        #expect(client.connected.first?.remoteFingerprint == TestIdentity.ecdsaP256Other.fingerprint)
    }
}
