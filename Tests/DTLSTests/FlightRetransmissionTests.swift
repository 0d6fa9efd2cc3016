import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// RFC 6347 4.2.4: a retransmitted *flight* from the peer makes us resend
/// our last flight once, however many fragments and datagrams the peer's
/// flight took. Browsers' ClientHellos (1.4-1.5 kB) come in two fragments.
@Suite struct FlightRetransmissionTests {
    let start = DTLSInstant.now

    func pair(clientMTU: Int, serverMTU: Int) -> (EngineDriver, EngineDriver) {
        var clientConfig = TestIdentity.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other)
        clientConfig.mtu = clientMTU
        var serverConfig = TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256)
        serverConfig.mtu = serverMTU
        serverConfig.cookieExchange = false
        let client = EngineDriver(DTLSConnection(clientWith: clientConfig, now: start), name: "client")
        let server = EngineDriver(DTLSConnection(serverWith: serverConfig, now: start), name: "server")
        return (client, server)
    }

    static func handshakeFragments(in datagrams: [[UInt8]]) -> Int {
        var count = 0
        for d in datagrams {
            var records: [RecordView] = []
            RecordView.split(d, into: &records)
            for r in records where r.header.epoch == 0 && r.header.contentType == .handshake {
                count += (try? HandshakeFragmentView.split(d, range: r.fragment).count) ?? 0
            }
        }
        return count
    }

    @Test func retransmittedTwoFragmentClientHelloIsAnsweredWithOneFlight() throws {
        let (client, server) = pair(clientMTU: 120, serverMTU: 1200)
        let hello = client.drain()
        #expect(hello.count >= 2, "the ClientHello should need two datagrams at this MTU")
        for d in hello { server.connection.handlePacket(d, now: start) }
        let flight = server.drain()
        #expect(!flight.isEmpty)

        // The server's flight is lost; the client's timer fires and it sends
        // its ClientHello again, in the same number of fragments.
        let later = start + .seconds(1)
        client.connection.handleTimeout(now: later)
        let again = client.drain()
        #expect(again.count == hello.count)
        for d in again { server.connection.handlePacket(d, now: later) }
        let answer = server.drain()
        #expect(answer.count == flight.count, "one flight per retransmitted flight, not one per fragment")
        #expect(Self.handshakeFragments(in: answer) == Self.handshakeFragments(in: flight))

        // And the handshake still completes from there.
        let net = VirtualNetwork(start: later)
        for d in answer { client.connection.handlePacket(d, now: later) }
        #expect(net.run(client: client, server: server) { client.isConnected && server.isConnected })
    }

    @Test func retransmittedMultiDatagramServerFlightIsAnsweredOnce() throws {
        let (client, server) = pair(clientMTU: 1200, serverMTU: 256)
        for d in client.drain() { server.connection.handlePacket(d, now: start) }
        let flight4 = server.drain()
        #expect(flight4.count >= 3, "the server's flight should span several datagrams at MTU 256")
        for d in flight4 { client.connection.handlePacket(d, now: start) }
        let flight5 = client.drain()
        #expect(!flight5.isEmpty)

        // Flight 5 is lost; the server's timer fires and it resends flight 4.
        let later = start + .seconds(1)
        server.connection.handleTimeout(now: later)
        let again = server.drain()
        #expect(again.count == flight4.count)
        for d in again { client.connection.handlePacket(d, now: later) }
        let answer = client.drain()
        #expect(answer.count == flight5.count, "one flight 5 per retransmitted flight 4, not one per datagram")
    }

    @Test func retransmittedHelloArrivingAsOneDatagramOfTwoRecordsIsAnsweredOnce() throws {
        let (client, server) = pair(clientMTU: 120, serverMTU: 1200)
        let hello = client.drain()
        for d in hello { server.connection.handlePacket(d, now: start) }
        let flight = server.drain()
        let later = start + .seconds(1)
        client.connection.handleTimeout(now: later)
        // Both fragments' records in one datagram: still one flight.
        server.connection.handlePacket(client.drain().flatMap { $0 }, now: later)
        #expect(server.drain().count == flight.count)
    }
}
