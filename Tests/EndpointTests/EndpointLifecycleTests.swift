import DTLS
import DTLSEndpoint
import DTLSTestSupport
import SRTP
import Testing

@Suite struct EndpointLifecycleTests {
    @Test func localCloseSendsCloseNotifyAndPeerCloses() throws {
        let (client, server) = try Fixture.pair()
        Fixture.run(client, server)
        client.endpoint.close()
        #expect(client.endpoint.state == .closed)
        #expect(client.endpoint.isKeyed == false)
        let wire = client.drain()
        #expect(wire.count == 1, "close_notify")
        for d in wire { server.endpoint.handleDatagram(d, now: Fixture.start) }
        server.drain()
        #expect(server.endpoint.state == .closed)
        #expect(server.states == [.connecting, .connected, .closed])
        #expect(client.states == [.connecting, .connected, .closed])
        #expect(throws: EndpointError.notKeyed) { try server.endpoint.sendRTP(Fixture.rtp(sequence: 1)) }
        client.endpoint.close()  // idempotent
        #expect(client.drain().isEmpty)
        // DTLS after close is dropped and counted.
        server.endpoint.handleDatagram(wire[0], now: Fixture.start)
        #expect(server.endpoint.counters.droppedInactive == 1)
    }

    /// The engine's silent drops reach the endpoint's counters: a tampered
    /// and a replayed data record are dropped, the connection unharmed.
    @Test func recordsTheEngineDropsAreCounted() throws {
        let (client, server) = try Fixture.pair()
        Fixture.run(client, server)
        try client.endpoint.send(Array("data channel".utf8))
        let record = try #require(client.drain().first)
        var tampered = record
        tampered[tampered.count - 1] ^= 1
        server.endpoint.handleDatagram(tampered, now: Fixture.start)
        server.endpoint.handleDatagram(record, now: Fixture.start)
        server.endpoint.handleDatagram(record, now: Fixture.start)  // a replay
        server.drain()
        #expect(server.applicationData == [Array("data channel".utf8)])
        #expect(server.endpoint.counters.dtlsRecordsDropped == 2)
        #expect(server.endpoint.state == .connected)
        #expect(client.endpoint.counters.dtlsRecordsDropped == 0)
    }

    @Test func serverStartsImplicitlyOnClientHello() throws {
        let (client, server) = try Fixture.pair()
        client.endpoint.start(now: Fixture.start)
        for d in client.drain() { server.endpoint.handleDatagram(d, now: Fixture.start) }
        #expect(server.endpoint.state == .connecting)
        var rounds = 0
        while rounds < 20 {
            rounds += 1
            let s = server.drain()
            let c = client.drain()
            if s.isEmpty && c.isEmpty { break }
            for d in s { client.endpoint.handleDatagram(d, now: Fixture.start) }
            for d in c { server.endpoint.handleDatagram(d, now: Fixture.start) }
        }
        #expect(client.endpoint.state == .connected && server.endpoint.state == .connected)
    }

    @Test func unansweredHandshakeRetransmitsThenFailsOnTimeout() throws {
        let (client, _) = try Fixture.pair()
        client.endpoint.start(now: Fixture.start)
        var now = Fixture.start
        var sent = client.drain().count
        var steps = 0
        while client.endpoint.state == .connecting, let deadline = client.deadline, steps < 100 {
            steps += 1
            now = deadline
            client.endpoint.handleTimeout(now: now)
            sent += client.drain().count
        }
        #expect(client.endpoint.state == .failed)
        #expect(client.states == [.connecting, .failed])
        guard case .dtls(let error) = client.endpoint.failure else {
            Issue.record("failure: \(String(describing: client.endpoint.failure))")
            return
        }
        #expect(error.code == .handshakeTimeout)
        #expect(sent > 1, "ClientHello retransmitted")
        #expect(now - Fixture.start <= .seconds(31))
        #expect(client.deadline == nil)
    }

    @Test func lossyHandshakeStillConnects() throws {
        let (client, server) = try Fixture.pair()
        var now = Fixture.start
        client.endpoint.start(now: now)
        server.endpoint.start(now: now)
        var dropped = 0
        var counter = 0
        for _ in 0..<200 {
            let c = client.drain()
            let s = server.drain()
            for d in c { counter += 1; if counter % 3 == 0 { dropped += 1 } else { server.endpoint.handleDatagram(d, now: now) } }
            for d in s { counter += 1; if counter % 3 == 0 { dropped += 1 } else { client.endpoint.handleDatagram(d, now: now) } }
            if client.endpoint.state == .connected && server.endpoint.state == .connected { break }
            if c.isEmpty && s.isEmpty {
                let next = [client.deadline, server.deadline].compactMap { $0 }.min()
                guard let next else { break }
                now = next
                client.endpoint.handleTimeout(now: now)
                server.endpoint.handleTimeout(now: now)
            }
        }
        #expect(dropped > 0)
        #expect(client.endpoint.state == .connected && server.endpoint.state == .connected)
    }

    @Test func fullOutputQueueDropsMediaAndRefusesSends() throws {
        var clientConfig = Fixture.configuration(.client, TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other)
        clientConfig.maxQueuedOutputs = 4
        let client = EndpointRecorder(try DTLSSRTPEndpoint(configuration: clientConfig))
        let server = EndpointRecorder(try DTLSSRTPEndpoint(configuration: Fixture.configuration(
            .server, TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256)))
        Fixture.run(client, server)
        for seq in UInt16(1)...6 { try server.endpoint.sendRTP(Fixture.rtp(sequence: seq)) }
        for d in server.drain() { client.endpoint.handleDatagram(d, now: Fixture.start) }
        #expect(client.endpoint.counters.droppedQueueFull == 2)
        for seq in UInt16(1)...4 { try? client.endpoint.sendRTP(Fixture.rtp(sequence: seq)) }
        #expect(throws: EndpointError.queueFull) { try client.endpoint.sendRTP(Fixture.rtp(sequence: 9)) }
        client.drain()
        #expect(client.rtp.count == 4)
    }
}
