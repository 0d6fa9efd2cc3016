@testable import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// X25519MLKEM768 in DTLS 1.3: what the client sends, what the server
/// takes, the ClientHello of two fragments at MTU 1200, a malformed hybrid
/// share, and the server's HelloRetryRequest policy.
@Suite struct PostQuantumHandshakeTests {
    let start = DTLSInstant.now

    func configs(_ configure: (inout DTLSConfiguration, inout DTLSConfiguration) -> Void = { _, _ in })
        -> (DTLSConfiguration, DTLSConfiguration) {
        var c = TestIdentity.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other, versions: [.dtls13, .dtls12])
        var s = TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256, versions: [.dtls13, .dtls12])
        c.groups = DTLSConfiguration.defaultGroups
        s.groups = DTLSConfiguration.defaultGroups
        configure(&c, &s)
        return (c, s)
    }

    /// The first ClientHello, reassembled from its datagrams.
    static func clientHello(_ datagrams: [[UInt8]]) throws -> ClientHello {
        var collector = ClientHelloCollector(maxBytes: 8192)
        for datagram in datagrams {
            if case .complete(let hello) = collector.add(datagram) { return hello.hello }
        }
        throw DTLSError(.malformedMessage, alert: nil, "no whole ClientHello")
    }

    @Test func theDefaultClientSendsAHybridAndAnX25519ShareThatReuseOneKey() throws {
        let (c, _) = configs()
        #expect(c.groups.first == .x25519MLKEM768, "the default")
        let client = EngineDriver(DTLSConnection(clientWith: c, now: start), name: "c")
        let datagrams = client.drain()
        #expect(datagrams.count == 2, "about 1.5 KB at MTU 1200: two fragments")
        #expect(datagrams.allSatisfy { $0.count <= 1200 })
        let hello = try Self.clientHello(datagrams)
        let shares = try #require(try hello.extensions.clientKeyShares())
        #expect(shares.map(\.group) == [.x25519MLKEM768, .x25519])
        #expect(shares[0].keyExchange.count == 1216 && shares[1].keyExchange.count == 32)
        #expect(Array(shares[0].keyExchange.suffix(32)) == shares[1].keyExchange, "one X25519 key for both shares")
        #expect(try hello.extensions.supportedGroups()?.prefix(2) == [.x25519MLKEM768, .x25519])
    }

    @Test func defaultPeersAgreeOnX25519MLKEM768ThroughTheListenerAtMTU1200WithoutARetransmission() throws {
        let (c, s) = configs()
        let net = VirtualNetwork(start: start)
        var listener = DTLSCookieListener(configuration: s, now: start)
        let client = EngineDriver(DTLSConnection(clientWith: c, now: start), name: "c")
        var server: EngineDriver?
        for _ in 0..<4 where server == nil {
            for datagram in client.drain() {
                switch listener.handle(datagram, from: [1, 2, 3, 4], now: net.now) {
                case .reply(let reply): client.connection.handlePacket(reply, now: net.now)
                case .accept(let connection): server = EngineDriver(connection, name: "s")
                case .drop: break
                }
            }
        }
        let accepted = try #require(server)
        #expect(net.run(client: client, server: accepted) { client.isConnected && accepted.isConnected })
        #expect(net.elapsed < .seconds(1), "no retransmission")
        #expect(client.connectedInfo?.namedGroup == .x25519MLKEM768)
        #expect(accepted.connectedInfo?.namedGroup == .x25519MLKEM768)
        #expect(client.keyingMaterial?.bytes == accepted.keyingMaterial?.bytes)
        #expect(listener.helloRetryRequestsSent == 1 && listener.pendingHellos == 0)
    }

    @Test func aServerWithoutTheHybridGroupTakesTheX25519Share() {
        let (c, s) = configs { _, s in s.groups = [.x25519, .secp256r1] }
        let net = VirtualNetwork(start: start)
        let client = EngineDriver(DTLSConnection(clientWith: c, now: start), name: "c")
        let server = EngineDriver(DTLSConnection(serverWith: s, now: start), name: "s")
        #expect(net.run(client: client, server: server) { client.isConnected && server.isConnected })
        #expect(server.connectedInfo?.namedGroup == .x25519)
        #expect(net.elapsed < .seconds(1), "no HelloRetryRequest round trip needed")
    }

    @Test func aClientConfiguredWithoutTheHybridGroupSendsOneClassicalShare() throws {
        let (c, s) = configs { c, s in
            c.groups = [.x25519, .secp256r1]
            s.groups = [.x25519]
        }
        let net = VirtualNetwork(start: start)
        let client = EngineDriver(DTLSConnection(clientWith: c, now: start), name: "c")
        let hello = try Self.clientHello(client.drain())
        #expect(try hello.extensions.clientKeyShares()?.map(\.group) == [.x25519])
        client.connection.handleTimeout(now: start)
        let server = EngineDriver(DTLSConnection(serverWith: s, now: start), name: "s")
        #expect(net.run(client: client, server: server) { client.isConnected && server.isConnected })
        #expect(server.connectedInfo?.namedGroup == .x25519)
    }

    @Test func theServerCanInsistOnTheHybridShareWithAHelloRetryRequest() throws {
        // A client that lists X25519MLKEM768 but sends only an X25519 share.
        let (c, s) = configs { _, s in s.retriesForPostQuantumShare = true }
        let client = DTLS13Client(configuration: c)
        try client.start(now: start)
        var hello = try Self.clientHello([try #require(client.pollDatagram()), client.pollDatagram() ?? []].filter { !$0.isEmpty })
        let x25519 = try #require(try hello.extensions.clientKeyShares()?.first { $0.group == .x25519 })
        hello.extensions = hello.extensions.map { $0.type == .keyShare ? .clientKeyShares([x25519]) : $0 }
        var body = ByteWriter()
        hello.write(to: &body)
        let server = DTLS13Server(configuration: s)
        try server.process(type: .clientHello, body: body.bytes, now: start)
        #expect(server.sentHelloRetryRequest)
        let retry = try #require(server.pollDatagram())
        var reader = ByteReader(retry, range: 25..<retry.count)
        let request = try ServerHello(parsing: &reader)
        #expect(request.random == HelloRetryRequest.random)
        #expect(request.extensions.first(.keyShare)?.data == [0x11, 0xEC], "it asks for X25519MLKEM768")
    }

    @Test func aMalformedHybridShareFailsWithIllegalParameter() throws {
        let (c, s) = configs()
        let client = DTLS13Client(configuration: c)
        try client.start(now: start)
        var hello = try Self.clientHello([try #require(client.pollDatagram()), client.pollDatagram() ?? []].filter { !$0.isEmpty })
        var shares = try #require(try hello.extensions.clientKeyShares())
        shares[0].keyExchange[0] = 0xFF
        shares[0].keyExchange[1] = 0x0F  // an ML-KEM coefficient of 4095: FIPS 203's check fails
        hello.extensions = hello.extensions.map { $0.type == .keyShare ? .clientKeyShares(shares) : $0 }
        var body = ByteWriter()
        hello.write(to: &body)
        let server = DTLS13Server(configuration: s)
        #expect(throws: DTLSError.self) { try server.process(type: .clientHello, body: body.bytes, now: start) }
        do {
            try server.process(type: .clientHello, body: body.bytes, now: start)
        } catch let error as DTLSError {
            #expect(error.code == .illegalParameter && error.alert == .illegalParameter)
        }
    }

    static let impaired = VirtualNetwork.Impairment(loss: 0.3, duplicate: 0.1, latency: .milliseconds(20), jitter: .milliseconds(40))

    @Test func hybridHandshakesCompleteAtThirtyPercentLossAtMTU1200() {
        var failures: [UInt64] = []
        for seed in UInt64(1)...40 {
            let net = VirtualNetwork(seed: seed &* 104_729, toServer: Self.impaired, toClient: Self.impaired)
            let (c0, s0) = configs { c, s in
                LossyNetworkTests.lossyTimers(&c)
                LossyNetworkTests.lossyTimers(&s)
            }
            let client = EngineDriver(DTLSConnection(clientWith: c0, now: net.now), name: "c")
            let server = EngineDriver(DTLSConnection(serverWith: s0, now: net.now), name: "s")
            let ok = net.run(client: client, server: server, limit: .seconds(30)) {
                (client.isConnected && server.isConnected) || client.failure != nil || server.failure != nil
            }
            if !(ok && client.isConnected && server.connectedInfo?.namedGroup == .x25519MLKEM768
                 && client.keyingMaterial?.bytes == server.keyingMaterial?.bytes) {
                failures.append(seed)
            }
        }
        #expect(failures.isEmpty, "seeds that did not complete: \(failures)")
    }
}
