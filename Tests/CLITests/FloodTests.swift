import DTLS
import Foundation
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import DTLSTestSupport
import NIOCore
import NIOPosix
import Testing

/// The real UDP server on 127.0.0.1 under a bounded flood from many source
/// addresses, while a legitimate client connects and exchanges media.
@Suite struct FloodTests {
    /// One flooding socket. Depending on its kind it sends garbage, truncated
    /// records, spoofed ClientHellos, ClientHellos with forged cookies, or
    /// completes the cookie exchange and then falls silent (half-open).
    /// `@unchecked Sendable`: once its channel exists, its state is touched
    /// only on that channel's event loop (`submit` from the test).
    final class Flooder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        enum Kind: CaseIterable { case garbage, truncated, spoofedHello, forgedCookie, halfOpen }
        let kind: Kind
        let target: SocketAddress
        var connection: DTLSConnection
        var sentSecondHello = false
        var repliesSeen = 0
        var rng: SeededRandom
        init(kind: Kind, target: SocketAddress, seed: UInt64) throws {
            self.kind = kind
            self.target = target
            self.rng = SeededRandom(seed: seed)
            let key = try PrivateKey.generateECDSA(.p256)
            var config = DTLSConfiguration(certificate: try Certificate.selfSigned(privateKey: key), privateKey: key,
                                           peerVerification: .acceptAny)
            // A classical ClientHello fits one datagram, which these flooders
            // replay whole (the legitimate client's X25519MLKEM768 one takes
            // two, through the front door's table of partial hellos).
            config.groups = [.x25519]
            connection = DTLSConnection(clientWith: config, now: .now)
        }

        func firstHello() -> [UInt8] {
            var buffer: [UInt8] = []
            var hello: [UInt8] = []
            while case .packet = connection.pollOutput(into: &buffer) { hello = buffer }
            return hello
        }

        /// The next datagram this flooder sends (nil: nothing this round).
        func next(hello: [UInt8]) -> [UInt8]? {
            switch kind {
            case .garbage:
                let n = Int(rng.next() % 300)
                var d = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                if !d.isEmpty, rng.next() % 2 == 0 { d[0] = 22 }  // looks like DTLS
                return d
            case .truncated:
                return Array(hello.prefix(Int(rng.next() % UInt64(max(1, hello.count)))))
            case .spoofedHello:
                return hello
            case .forgedCookie:
                // Feed our own client a HelloVerifyRequest with a random cookie:
                // its next ClientHello carries a cookie the server never minted.
                var body = ByteWriter()
                HelloVerifyRequest(cookie: (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) }).write(to: &body)
                var w = ByteWriter()
                RecordHeader(contentType: .handshake, version: .dtls10, epoch: 0, sequenceNumber: 0,
                             length: UInt16(body.count + 12)).write(to: &w)
                HandshakeHeader(type: .helloVerifyRequest, length: UInt32(body.count), messageSequence: 0,
                                fragmentOffset: 0, fragmentLength: UInt32(body.count)).write(to: &w)
                w.writeBytes(body.bytes)
                let fresh = try? Flooder(kind: .spoofedHello, target: target, seed: rng.next())
                guard let fresh else { return nil }
                _ = fresh.firstHello()
                fresh.connection.handlePacket(w.bytes, now: .now)
                return fresh.firstHello()
            case .halfOpen:
                return sentSecondHello ? nil : hello
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            repliesSeen += 1
            guard kind == .halfOpen, !sentSecondHello else { return }
            let envelope = unwrapInboundIn(data)
            connection.handlePacket(Array(envelope.data.readableBytesView), now: .now)
            var buffer: [UInt8] = []
            while case .packet = connection.pollOutput(into: &buffer) {
                sentSecondHello = true
                var out = context.channel.allocator.buffer(capacity: buffer.count)
                out.writeBytes(buffer)
                context.writeAndFlush(NIOAny(AddressedEnvelope(remoteAddress: target, data: out)), promise: nil)
            }
            // Then silence: the server holds a half-open handshake.
        }
    }

    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Result<[UInt8], any Error>?
        var value: Result<[UInt8], any Error>? { lock.lock(); defer { lock.unlock() }; return stored }
        func set(_ r: Result<[UInt8], any Error>) { lock.lock(); stored = r; lock.unlock() }
    }

    @Test func legitimateClientSucceedsDuringAFloodAndLimitsHold() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let serverLoop = group.next()
        var limits = DTLSSRTPServerLimits()
        limits.maxHandshakesInFlight = 4
        limits.maxPeers = 16
        limits.staleHandshakeAfter = .milliseconds(300)
        let server = try await CoreServer.start(on: serverLoop, limits: limits)
        let target = server.localAddress!

        // 25 flooding sockets, five of each kind, 150 datagrams each.
        var flooders: [(any Channel, Flooder, [UInt8])] = []
        for (i, kind) in (0..<25).map({ ($0, Flooder.Kind.allCases[$0 % 5]) }) {
            let flooder = try Flooder(kind: kind, target: target, seed: UInt64(i + 1))
            let hello = flooder.firstHello()
            let channel = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(flooder) }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            flooders.append((channel, flooder, hello))
        }
        let floodSet = flooders
        let floodTask = Task {
            for round in 0..<150 {
                for (channel, flooder, hello) in floodSet {
                    let next = try await channel.eventLoop.submit { flooder.next(hello: hello) }.get()
                    guard let next else { continue }
                    var buffer = channel.allocator.buffer(capacity: next.count)
                    buffer.writeBytes(next)
                    channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
                }
                if round % 10 == 0 { try await Task.sleep(for: .milliseconds(10)) }
            }
        }

        // Meanwhile: limits sampled, and a legitimate client with SRTP echo.
        try await Task.sleep(for: .milliseconds(100))
        let connected = serverLoop.makePromise(of: [UInt8].self), ended = serverLoop.makePromise(of: DTLSNIOTests.Ended.self)
        var clientConfig = try DTLSNIOTests.config()
        clientConfig.initialRetransmitTimeout = .milliseconds(200)
        let client = try await CoreClient.connect(on: group.next(), remote: target, configuration: clientConfig) {
            DTLSNIOTests.Recorder(connected: connected, ended: ended, echo: false, rtpToSend: 30)
        }
        // Sample the server's limits until the client is done (bounded: 15 s).
        var worst = (handshakes: 0, peers: 0)
        let outcome = Outcome()
        connected.futureResult.whenComplete { outcome.set($0) }
        let deadline = ContinuousClock.now + .seconds(15)
        while outcome.value == nil, ContinuousClock.now < deadline {
            let s = try await server.withHandler { ($0.server.handshakesInFlight, $0.server.peerCount) }
            worst = (max(worst.handshakes, s.0), max(worst.peers, s.1))
            try await Task.sleep(for: .milliseconds(20))
        }
        let keys = try outcome.value?.get()
        #expect(keys.map { !$0.isEmpty } == true)  // connected, and all 30 RTP packets came back
        try await floodTask.value

        let stats = try await server.withHandler { ($0.server.counters.refusedByLimits, $0.server.counters.evictedHandshakes, $0.server.handshakesInFlight) }
        #expect(worst.handshakes <= limits.maxHandshakesInFlight)
        #expect(worst.peers <= limits.maxPeers)
        // A flooder's state belongs to its channel's event loop, where the
        // server's retransmissions may still arrive: read it there.
        var halfOpenAnswered = true, replies = 0
        for (channel, flooder, _) in flooders {
            let (kind, answered, seen) = try await channel.eventLoop.submit {
                (flooder.kind, flooder.sentSecondHello, flooder.repliesSeen)
            }.get()
            if kind == .halfOpen { halfOpenAnswered = halfOpenAnswered && answered }
            replies += seen
        }
        #expect(halfOpenAnswered)  // the half-open flooders really held handshakes
        print("flood: 25 sockets x 150 datagrams; server replies to flooders \(replies); worst handshakes in flight \(worst.handshakes)/\(limits.maxHandshakesInFlight), worst peers \(worst.peers)/\(limits.maxPeers); refused by limits \(stats.0), stale handshakes evicted \(stats.1)")

        try await client.withHandler { $0.close() }
        try await client.channel.close()
        for (channel, _, _) in flooders { try await channel.close() }
        try await server.channel.close()
        try await group.shutdownGracefully()
    }
}
