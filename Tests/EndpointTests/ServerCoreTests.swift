import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSTestSupport
import SRTP
import Testing

/// Many clients and one `DTLSSRTPServer` on a virtual clock, addresses as
/// small integers. Datagrams move only when `pump` runs, and timers fire
/// only when a test advances the clock, so every test can say whether a
/// retransmission was needed.
final class ServerHarness {
    typealias Server = DTLSSRTPServer<Int, [UInt8]>
    let server: Server
    var now = Fixture.start
    var clients: [Int: EndpointRecorder] = [:]
    /// What the server reported, in order.
    var connected: [(Int, EndpointConnectionInfo)] = []
    var rtp: [(Int, [UInt8])] = []
    var replaced: [Int] = []
    var restarted: [(Int, EndpointConnectionInfo)] = []
    var closed: [(Int, EndpointError?)] = []
    var transmitted: [(Int, [UInt8])] = []
    /// Every transmit and close, in output order.
    var order: [String] = []
    var deadline: DTLSInstant?
    private var buffer: [UInt8] = []

    static let serverIdentity = TestIdentity.ecdsaP256Other

    var stun: [(Int, [UInt8])] = []

    init(limits: Server.Limits = Server.Limits(), admission: Server.Admission = .cookie,
         clientIdentities: [TestIdentity.Identity] = [TestIdentity.ecdsaP256]) throws {
        var config = EndpointConfiguration(role: .server, certificate: Self.serverIdentity.certificate,
                                           privateKey: Self.serverIdentity.key,
                                           remoteFingerprints: clientIdentities.map(\.fingerprint))
        config.dtls.srtpProfiles = [.aeadAes128Gcm]
        server = try Server(configuration: config, limits: limits, admission: admission, now: Fixture.start) { address in
            [UInt8(truncatingIfNeeded: address >> 8), UInt8(truncatingIfNeeded: address)]
        }
    }

    /// A client endpoint at `address` that pins the server.
    @discardableResult
    func addClient(at address: Int, identity: TestIdentity.Identity = TestIdentity.ecdsaP256) throws -> EndpointRecorder {
        var config = EndpointConfiguration(role: .client, certificate: identity.certificate, privateKey: identity.key,
                                           remoteFingerprints: [Self.serverIdentity.fingerprint])
        config.dtls.srtpProfiles = [.aeadAes128Gcm]
        let client = EndpointRecorder(try DTLSSRTPEndpoint(configuration: config))
        clients[address] = client
        client.endpoint.start(now: now)
        return client
    }

    /// Drains the server's output, delivering datagrams to the clients.
    func drainServer() {
        while true {
            switch server.pollOutput(into: &buffer) {
            case .transmit(let to):
                transmitted.append((to, buffer))
                order.append("transmit \(to)")
                clients[to]?.endpoint.handleDatagram(buffer, now: now)
            case .rtp(let from): rtp.append((from, buffer))
            case .stun(let from): stun.append((from, buffer))
            case .rtcp, .applicationData: break
            case .connected(let address, let info): connected.append((address, info))
            case .replaced(let address): replaced.append(address)
            case .restarted(let address, let info): restarted.append((address, info))
            case .closed(let address, let error, _):
                closed.append((address, error))
                order.append("closed \(address)")
            case .timeout(let t):
                deadline = t
                return
            }
        }
    }

    /// Moves datagrams both ways until nothing is in flight; never fires a timer.
    func pump(rounds: Int = 20) {
        for _ in 0..<rounds {
            var sent = false
            for (address, client) in clients.sorted(by: { $0.key < $1.key }) {
                for datagram in client.drain() {
                    server.receive(datagram, from: address, now: now)
                    sent = true
                }
            }
            server.service(now: now)
            let before = transmitted.count
            drainServer()
            if !sent, transmitted.count == before { return }
        }
    }

    static func rtpPacket(_ sequence: UInt16, ssrc: UInt32) -> [UInt8] {
        [0x80, 96, UInt8(sequence >> 8), UInt8(truncatingIfNeeded: sequence), 0, 0, 0, 1,
         UInt8(ssrc >> 24), UInt8(truncatingIfNeeded: ssrc >> 16), UInt8(truncatingIfNeeded: ssrc >> 8), UInt8(truncatingIfNeeded: ssrc),
         1, 2, 3, 4]
    }

    /// One protected RTP datagram from the client at `address`.
    func protectedRTP(from address: Int, sequence: UInt16) throws -> [UInt8] {
        let client = try #require(clients[address])
        var packet = Self.rtpPacket(sequence, ssrc: UInt32(address))
        packet += [UInt8](repeating: 0, count: 32)
        let n = try client.endpoint.protectRTP(&packet, length: 16)
        return Array(packet[0..<n])
    }

    /// Delivers a packet protected now by the client at `address` and
    /// `stale` (protected under its previous keys): only the first opens.
    func expectOnlyTheNewKeysOpen(at address: Int, stale: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let failures = server.endpoint(for: address)?.counters.authenticationFailures ?? 0
        let delivered = rtp.count
        server.receive(try protectedRTP(from: address, sequence: 2), from: address, now: now)
        server.receive(stale, from: address, now: now)
        server.service(now: now)
        drainServer()
        #expect(rtp.count == delivered + 1, sourceLocation: sourceLocation)
        #expect(rtp.last.map { Array($0.1.prefix(4)) } == [0x80, 96, 0, 2], sourceLocation: sourceLocation)
        #expect(server.endpoint(for: address)?.counters.authenticationFailures == failures + 1, sourceLocation: sourceLocation)
    }
}

/// The Sans-IO multi-peer server core: front door, fairness, limits,
/// restart on the same address, failures reported with their reason.
@Suite struct ServerCoreTests {
    @Test func peersConnectThroughTheStatelessFrontDoorWithNoRetransmission() throws {
        let h = try ServerHarness()
        for address in [1, 2, 3] { try h.addClient(at: address) }
        // The first ClientHellos create no peer: only stateless replies
        // (HelloRetryRequests with cookies: the endpoints speak DTLS 1.3).
        for (address, client) in h.clients { for d in client.drain() { h.server.receive(d, from: address, now: h.now) } }
        h.server.service(now: h.now)
        h.drainServer()
        #expect(h.server.peerCount == 0)
        #expect(h.server.counters.helloRetryRequests == 3 && h.server.counters.helloVerifyRequests == 0)
        h.pump()
        #expect(h.connected.map(\.0).sorted() == [1, 2, 3])
        #expect(h.server.peerCount == 3 && h.server.handshakesInFlight == 0)
        // Identity: the fingerprint from the configuration that matched.
        #expect(h.connected.allSatisfy { $0.1.remoteFingerprint == TestIdentity.ecdsaP256.fingerprint })
        #expect(h.clients.values.allSatisfy { $0.endpoint.state == .connected })
    }

    @Test func floodingPeerGetsAtMostItsShareOfEachBurst() throws {
        var limits = ServerHarness.Server.Limits()
        limits.datagramsPerTurn = 8
        let h = try ServerHarness(limits: limits)
        for address in [1, 2, 3] { try h.addClient(at: address) }
        h.pump()
        #expect(h.connected.count == 3)
        // One read burst: 100 datagrams from peer 1 first, then 3 each from 2 and 3.
        for i in 0..<100 { h.server.receive(try h.protectedRTP(from: 1, sequence: UInt16(i)), from: 1, now: h.now) }
        for address in [2, 3] {
            for i in 0..<3 { h.server.receive(try h.protectedRTP(from: address, sequence: UInt16(i)), from: address, now: h.now) }
        }
        h.server.service(now: h.now)
        h.drainServer()
        let order = h.rtp.map(\.0)
        #expect(order.count == 106)
        // Every datagram of the quiet peers is served before the flooder's ninth.
        let ninthOfFlooder = order.indices.filter { order[$0] == 1 }[8]
        let lastQuiet = order.lastIndex { $0 != 1 } ?? 0
        #expect(lastQuiet < ninthOfFlooder, "quiet peers waited behind the flooder: \(order.prefix(20))")
    }

    @Test func perPeerQueueLimitDropsAndCounts() throws {
        var limits = ServerHarness.Server.Limits()
        limits.maxQueuedPerPeer = 50
        let h = try ServerHarness(limits: limits)
        try h.addClient(at: 1)
        try h.addClient(at: 2)
        h.pump()
        for i in 0..<80 { h.server.receive(try h.protectedRTP(from: 1, sequence: UInt16(i)), from: 1, now: h.now) }
        h.server.receive(try h.protectedRTP(from: 2, sequence: 0), from: 2, now: h.now)
        h.server.service(now: h.now)
        h.drainServer()
        #expect(h.server.counters.queueDrops == 30)
        #expect(h.rtp.filter { $0.0 == 1 }.count == 50)
        #expect(h.rtp.filter { $0.0 == 2 }.count == 1, "another peer's datagram is not dropped")
    }

    @Test func restartOnTheSameAddressReplacesTheOldAssociation() throws {
        let h = try ServerHarness(clientIdentities: [TestIdentity.ecdsaP256, TestIdentity.ecdsaP384])
        let old = try h.addClient(at: 7)
        h.pump()
        #expect(h.connected.count == 1)
        let oldPacket = try h.protectedRTP(from: 7, sequence: 1)

        // The same address restarts with a new identity and new keys.
        let fresh = try h.addClient(at: 7, identity: TestIdentity.ecdsaP384)
        #expect(fresh !== old)
        let sentBefore = h.transmitted.count
        h.pump()
        // One cookie round trip plus the handshake, and no timer fired.
        #expect(h.replaced == [7])
        #expect(h.server.counters.replaced == 1)
        #expect(h.connected.count == 2)
        #expect(h.connected.last?.1.remoteFingerprint == TestIdentity.ecdsaP384.fingerprint)
        #expect(fresh.endpoint.state == .connected)
        // DTLS 1.3 with X25519MLKEM768 (the defaults): the HelloRetryRequest,
        // the server's flight in two datagrams (its 1120-byte share), the ACK.
        #expect(h.transmitted.count - sentBefore <= 4, "HelloRetryRequest, the server's flight (2 datagrams), ACK")

        // Media flows on the new keys; the old association's keys are gone.
        try h.expectOnlyTheNewKeysOpen(at: 7, stale: oldPacket)
    }

    /// RFC 8842: the application restarts a connected peer (its new offer
    /// brought a new certificate); the peer's new ClientHello goes to its
    /// own endpoint, not through the front door as a replacement, and its
    /// media switches to the new keys.
    @Test func aRestartedPeerKeepsItsPlaceAndSwitchesKeys() throws {
        let h = try ServerHarness()
        let client = try h.addClient(at: 7)
        h.pump()
        #expect(h.connected.count == 1)
        let oldPacket = try h.protectedRTP(from: 7, sequence: 1)

        let renewed = try DTLSIdentity(certificate: TestIdentity.ecdsaP384.certificate, privateKey: TestIdentity.ecdsaP384.key)
        try h.server.restart(peerAt: 7, remoteFingerprints: [TestIdentity.ecdsaP384.fingerprint], now: h.now)
        try client.endpoint.restart(remoteFingerprints: [ServerHarness.serverIdentity.fingerprint], identity: renewed, now: h.now)
        h.drainServer()
        h.pump()
        #expect(h.replaced.isEmpty && h.server.counters.replaced == 0)
        #expect(h.restarted.count == 1 && h.connected.count == 1)
        #expect(h.restarted.first?.1.remoteFingerprint == TestIdentity.ecdsaP384.fingerprint)
        #expect(h.server.endpoint(for: 7)?.counters.restarts == 1)

        try h.expectOnlyTheNewKeysOpen(at: 7, stale: oldPacket)
        #expect(throws: EndpointError.closed) {
            try h.server.restart(peerAt: 99, remoteFingerprints: [TestIdentity.ecdsaP384.fingerprint], now: h.now)
        }
    }

    @Test func aClientHelloWithoutACookieNeverReachesTheConnectedPeer() throws {
        let h = try ServerHarness()
        try h.addClient(at: 5)
        h.pump()
        let endpoint = try #require(h.server.endpoint(for: 5))
        let dtlsIn = endpoint.counters.dtlsIn
        // A spoofed first ClientHello at the peer's address: answered
        // statelessly, the association untouched.
        let spoof = try h.addClient(at: 99)
        let hello = spoof.drain()
        h.clients[99] = nil
        for d in hello { h.server.receive(d, from: 5, now: h.now) }
        h.server.service(now: h.now)
        h.drainServer()
        #expect(h.server.endpoint(for: 5) === endpoint)
        #expect(endpoint.counters.dtlsIn == dtlsIn)
        #expect(h.replaced.isEmpty && h.closed.isEmpty)
        #expect(endpoint.state == .connected)
    }

    @Test func aFailedHandshakeIsReportedClosedWithItsReason() throws {
        // The server pins a certificate the client does not have.
        let h = try ServerHarness(clientIdentities: [TestIdentity.ecdsaP384])
        try h.addClient(at: 3, identity: TestIdentity.ecdsaP256)
        h.pump()
        #expect(h.connected.isEmpty)
        let reason = try #require(h.closed.first { $0.0 == 3 }?.1)
        if case .dtls(let error) = reason { #expect(error.code == .certificateRejected) } else {
            Issue.record("expected a DTLS failure, got \(reason)")
        }
        #expect(h.server.peerCount == 0)
        // The alert goes out before the peer is reported gone, so a driver
        // writes it before anyone acts on the close.
        let lastTransmit = try #require(h.order.lastIndex(of: "transmit 3"))
        let closedAt = try #require(h.order.firstIndex(of: "closed 3"))
        #expect(lastTransmit < closedAt, "\(h.order)")
    }

    @Test func anIdlePeerIsClosedAfterTheIdleTimeout() throws {
        var limits = ServerHarness.Server.Limits()
        limits.idleTimeout = .seconds(5)
        let h = try ServerHarness(limits: limits)
        try h.addClient(at: 4)
        h.pump()
        #expect(h.connected.count == 1)
        h.now = h.now + .seconds(3)
        h.server.handleTimeout(now: h.now)
        h.drainServer()
        #expect(h.closed.isEmpty)
        h.now = h.now + .seconds(30)
        h.server.handleTimeout(now: h.now)
        h.drainServer()
        #expect(h.closed.map(\.0) == [4])
        #expect(h.server.counters.idleClosed == 1 && h.server.peerCount == 0)
        // Its close_notify is output before the close is reported.
        let lastTransmit = try #require(h.order.lastIndex(of: "transmit 4"))
        let closedAt = try #require(h.order.firstIndex(of: "closed 4"))
        #expect(lastTransmit < closedAt, "\(h.order.suffix(4))")
    }

    @Test func handshakeLimitRefusesThenEvictsAStaleHandshake() throws {
        var limits = ServerHarness.Server.Limits()
        limits.maxHandshakesInFlight = 1
        limits.staleHandshakeAfter = .seconds(2)
        let h = try ServerHarness(limits: limits)
        // Peer 1 proves its address, then goes silent mid-handshake.
        let first = try h.addClient(at: 1)
        for d in first.drain() { h.server.receive(d, from: 1, now: h.now) }
        h.drainServer()
        for d in first.drain() { h.server.receive(d, from: 1, now: h.now) }
        h.drainServer()
        h.clients[1] = nil
        #expect(h.server.handshakesInFlight == 1)
        // Peer 2 at once: refused (the silent one is not stale yet).
        try h.addClient(at: 2)
        h.pump()
        #expect(h.server.counters.refusedByLimits == 1)
        #expect(h.connected.isEmpty)
        // Later, peer 2 retries: the stale handshake is evicted to admit it.
        h.now = h.now + .seconds(3)
        h.clients[2] = nil
        try h.addClient(at: 2)
        h.pump()
        #expect(h.server.counters.evictedHandshakes == 1)
        #expect(h.connected.map(\.0) == [2])
        #expect(h.closed.map(\.0) == [1])
    }
}
