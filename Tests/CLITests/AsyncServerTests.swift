import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import DTLSTestSupport
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

/// `DTLSSRTPAsyncServer`: verified peers as an async sequence, each with
/// its media as an async sequence and a writer; shutdown (a call, a
/// cancelled consumer, a graceful shutdown) closes with close_notify. Real
/// UDP on 127.0.0.1, every wait bounded.
@Suite struct AsyncServerTests {
    struct Timeout: Error {}

    /// What a `DTLSSRTPClientHandler` peer heard, as promises.
    final class ClientEvents: DTLSSRTPClientDelegate, Sendable {
        let connected: EventLoopPromise<Void>
        let echoed: EventLoopPromise<[UInt8]>
        let closed: EventLoopPromise<EndpointError?>
        init(loop: any EventLoop) {
            connected = loop.makePromise()
            echoed = loop.makePromise()
            closed = loop.makePromise()
        }
        func clientConnected(_ client: DTLSSRTPClientHandler, info: EndpointConnectionInfo) { connected.succeed(()) }
        func client(_ client: DTLSSRTPClientHandler, receivedRTP packet: [UInt8]) { echoed.succeed(packet) }
        func clientClosed(_ client: DTLSSRTPClientHandler, error: EndpointError?, counters: EndpointCounters) {
            closed.succeed(error)
            // Promises not kept by now never will be (a completed one ignores this).
            connected.fail(Timeout())
            echoed.fail(Timeout())
        }
    }

    static let packet: [UInt8] = [0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9] + Array("async media".utf8)

    static func serverConfig() -> EndpointConfiguration {
        EndpointConfiguration(role: .server, certificate: TestIdentity.ecdsaP256Other.certificate,
                              privateKey: TestIdentity.ecdsaP256Other.key, remoteFingerprints: [TestIdentity.ecdsaP256.fingerprint])
    }

    static func clientConfig() -> EndpointConfiguration {
        EndpointConfiguration(role: .client, certificate: TestIdentity.ecdsaP256.certificate, privateKey: TestIdentity.ecdsaP256.key,
                              remoteFingerprints: [TestIdentity.ecdsaP256Other.fingerprint])
    }

    func bounded<T: Sendable>(_ future: EventLoopFuture<T>, seconds: Int64 = 60) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await future.get() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw Timeout()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// A client that connects to `server` and sends one RTP packet once connected.
    func connectClient(to server: DTLSSRTPAsyncServer, group: any EventLoopGroup) async throws -> (any Channel, ClientEvents) {
        let loop = group.next()
        let events = ClientEvents(loop: loop)
        let remote = try SocketAddress(ipAddress: "127.0.0.1", port: try #require(server.localAddress.port))
        let channel = try await DTLSSRTPClientHandler.connect(on: loop, to: remote, configuration: Self.clientConfig()) { events }
        try await bounded(events.connected.futureResult)
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: DTLSSRTPClientHandler.self).sendRTP(Self.packet)
        }.get()
        return (channel, events)
    }

    @Test func aVerifiedPeerArrivesWithItsIdentityAndItsMediaEchoesThroughTheWriter() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await DTLSSRTPAsyncServer.bind(host: "127.0.0.1", port: 0, configuration: Self.serverConfig(), group: group)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await server.run() }
            let (client, events) = try await connectClient(to: server, group: group)
            var iterator = server.peers.makeAsyncIterator()
            let peer = try #require(await iterator.next())
            #expect(peer.info.remoteFingerprint == TestIdentity.ecdsaP256.fingerprint)
            #expect(peer.address.port == client.localAddress?.port)
            tasks.addTask {
                for await media in peer.inbound { peer.outbound.send(media) }
            }
            let echoed = try await bounded(events.echoed.futureResult)
            #expect(echoed == Self.packet)
            #expect(try await server.peerCount == 1)
            // Shutdown: close_notify to the peer, its inbound ends, peers ends, run returns.
            server.shutdown()
            #expect(try await bounded(events.closed.futureResult) == nil, "closed by close_notify, not an error")
            #expect(await iterator.next() == nil)
            try await tasks.waitForAll()
            try await client.close()
        }
        try await group.shutdownGracefully()
    }

    @Test func aConsumerThatStopsListeningClosesItsPeerWithCloseNotify() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await DTLSSRTPAsyncServer.bind(host: "127.0.0.1", port: 0, configuration: Self.serverConfig(), group: group)
        let running = Task { try await server.run() }
        let (client, events) = try await connectClient(to: server, group: group)
        var iterator = server.peers.makeAsyncIterator()
        let peer = try #require(await iterator.next())
        let consumer = Task { for await _ in peer.inbound {} }
        consumer.cancel()
        #expect(try await bounded(events.closed.futureResult) == nil)
        #expect(try await server.peerCount == 0)
        running.cancel()
        try await running.value
        try await client.close()
        try await group.shutdownGracefully()
    }

    /// Two sockets on one port (SO_REUSEPORT), one per event loop, one
    /// cookie secret: every client connects and is echoed wherever the
    /// kernel put it, and shutdown reaches the peers of both.
    @Test func severalSocketsOnOnePortServeEveryPeer() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let server = try await DTLSSRTPAsyncServer.bind(host: "127.0.0.1", port: 0, configuration: Self.serverConfig(),
                                                        group: group, loops: 2)
        let running = Task { try await server.run() }
        let echo = Task {
            await withDiscardingTaskGroup { tasks in
                for await peer in server.peers {
                    tasks.addTask { for await media in peer.inbound { peer.outbound.send(media) } }
                }
            }
        }
        var clients: [(any Channel, ClientEvents)] = []
        for _ in 0..<6 { clients.append(try await connectClient(to: server, group: group)) }
        for (_, events) in clients { #expect(try await bounded(events.echoed.futureResult) == Self.packet) }
        let spread = try await server.peersPerSocket
        #expect(spread.count == 2 && spread.reduce(0, +) == 6, "peers per socket: \(spread)")
        server.shutdown()
        for (_, events) in clients { #expect(try await bounded(events.closed.futureResult) == nil) }
        try await running.value
        await echo.value
        for (channel, _) in clients { try await channel.close() }
        try await group.shutdownGracefully()
    }

    @Test func aGracefulShutdownOfItsServiceGroupClosesEveryPeer() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await DTLSSRTPAsyncServer.bind(host: "127.0.0.1", port: 0, configuration: Self.serverConfig(), group: group)
        let services = ServiceGroup(services: [server], logger: Logger(label: "test"))
        let running = Task { try await services.run() }
        let (client, events) = try await connectClient(to: server, group: group)
        var iterator = server.peers.makeAsyncIterator()
        _ = try #require(await iterator.next())
        await services.triggerGracefulShutdown()
        #expect(try await bounded(events.closed.futureResult) == nil)
        try await running.value
        try await client.close()
        try await group.shutdownGracefully()
    }
}
