import CoreMetrics
import DTLS
import DTLSCrypto
import DTLSEndpoint
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The UDP server as an async API: bind, then iterate `peers` for each
/// verified peer (its identity, an async sequence of its media, a writer),
/// and `run()` it (a swift-service-lifecycle `Service`: graceful shutdown
/// closes every peer with close_notify, then the socket).
///
/// ```swift
/// let server = try await DTLSSRTPAsyncServer.bind(host: "0.0.0.0", port: 4444, configuration: config)
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await server.run() }
///     for await peer in server.peers {
///         group.addTask { for await media in peer.inbound { peer.outbound.send(media) } }  // echo
///     }
/// }
/// ```
///
/// Underneath is the same event-loop server as `DTLSSRTPServerHandler.bind`
/// (the Sans-IO core, one `recvmmsg` and one `sendmmsg` per burst): the
/// handshakes, cookies, limits and timers stay on the loop, and only
/// verified peers' media crosses into tasks, one hop per packet or batch.
/// Use the handler directly for the last microsecond.
public final class DTLSSRTPAsyncServer: Sendable {
    /// Where the socket is bound (the port the OS chose for port 0).
    public let localAddress: SocketAddress
    /// Each peer once its handshake and fingerprint check passed. Ends at shutdown.
    public let peers: AsyncStream<DTLSSRTPPeer>
    /// One socket per event loop, all on `localAddress` (`SO_REUSEPORT` when more than one).
    private let channels: [any Channel]
    private let bridges: [NIOLoopBound<Bridge>]
    private let logger: Logger

    /// Binds a UDP socket on `host`:`port` and starts accepting handshakes
    /// (served on one event loop of `group`). `logger` gets state changes at
    /// info level (a peer connected, closed or failed, with its address,
    /// fingerprint, role and version as metadata) and drops at debug.
    /// `inboundBufferPackets` bounds each peer's unread media. Metrics go
    /// to `metricsFactory`, or to the bootstrapped `MetricsSystem` (none
    /// are made when it is the default no-op one), sampled every
    /// `metricsInterval` (see the names in `ServerMetrics`).
    ///
    /// With `loops` above 1, that many sockets bind the same port with
    /// `SO_REUSEPORT`, one on each of as many event loops of `group`: the
    /// kernel spreads clients over them by address, each socket's peers live
    /// on its loop, and one shared `DTLSCookieSecret` lets a cookie minted by
    /// any socket verify at each. A peer's writer hops to its peer's loop
    /// (one NIO task per `send`, or per batch with `send(contentsOf:)`), so
    /// media from a peer on one loop reaches a peer on another with no lock
    /// of ours on the packet path.
    public static func bind(
        host: String, port: Int, configuration: EndpointConfiguration, limits: DTLSSRTPServerLimits = .init(),
        admission: DTLSSRTPServerHandler.Core.Admission = .cookie, inboundBufferPackets: Int = 1024,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, loops: Int = 1,
        logger: Logger = Logger(label: "dtls-srtp.server"),
        metricsFactory: (any MetricsFactory)? = nil, metricsInterval: TimeAmount = .seconds(1)
    ) async throws -> DTLSSRTPAsyncServer {
        let (peers, continuation) = AsyncStream<DTLSSRTPPeer>.makeStream(bufferingPolicy: .unbounded)
        let count = max(1, loops)
        var eventLoops: [any EventLoop] = []
        var iterator = group.makeIterator()
        while eventLoops.count < count, let loop = iterator.next() { eventLoops.append(loop) }
        while eventLoops.count < count { eventLoops.append(group.next()) }
        let secret = DTLSCookieSecret()
        var channels: [any Channel] = []
        var bridges: [NIOLoopBound<Bridge>] = []
        var boundPort = port
        do {
            for (index, loop) in eventLoops.enumerated() {
                let made = loop.makePromise(of: NIOLoopBound<Bridge>.self)
                let dimensions: [(String, String)] = count > 1 ? [("loop", "\(index)")] : []
                do {
                    let channel = try await DTLSSRTPServerHandler.bind(
                        on: loop, host: host, port: boundPort, configuration: configuration, limits: limits, admission: admission,
                        reusePort: count > 1, cookieSecret: secret
                    ) {
                        let bridge = Bridge(peers: continuation, inboundBufferPackets: max(1, inboundBufferPackets), logger: logger,
                                            metrics: ServerMetrics(factory: metricsFactory, interval: metricsInterval,
                                                                   gaugeDimensions: dimensions))
                        made.succeed(NIOLoopBound(bridge, eventLoop: loop))
                        return bridge
                    }
                    channels.append(channel)
                } catch {
                    made.fail(error)
                    throw error
                }
                bridges.append(try await made.futureResult.get())
                if boundPort == 0, let chosen = channels[0].localAddress?.port { boundPort = chosen }
            }
        } catch {
            for channel in channels { try? await channel.close() }
            continuation.finish()
            throw error
        }
        guard let address = channels[0].localAddress else {
            for channel in channels { try? await channel.close() }
            throw EndpointError.closed
        }
        logger.info("listening", metadata: ["address": "\(address)", "sockets": "\(count)"])
        return DTLSSRTPAsyncServer(localAddress: address, peers: peers, channels: channels, bridges: bridges, logger: logger)
    }

    private init(localAddress: SocketAddress, peers: AsyncStream<DTLSSRTPPeer>, channels: [any Channel],
                 bridges: [NIOLoopBound<Bridge>], logger: Logger) {
        self.localAddress = localAddress
        self.peers = peers
        self.channels = channels
        self.bridges = bridges
        self.logger = logger
    }

    /// Serves until the task is cancelled, a graceful shutdown is triggered
    /// (swift-service-lifecycle) or `shutdown()` is called; then closes every
    /// peer with close_notify, ends `peers` and each peer's `inbound`, and
    /// closes the sockets.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                for channel in channels { try await channel.closeFuture.get() }
            } onCancel: {
                self.shutdown()
            }
        } onGracefulShutdown: {
            self.shutdown()
        }
    }

    /// Closes every peer with close_notify, then the sockets.
    public func shutdown() {
        let logger = logger
        for (channel, bridge) in zip(channels, bridges) {
            channel.eventLoop.execute {
                bridge.value.shutdown()
                // The close_notify records are written; flush them, then close.
                channel.flush()
                channel.close(promise: nil)
            }
        }
        logger.info("shutting down")
    }

    /// Peers connected and not yet gone, on every socket.
    public var peerCount: Int {
        get async throws {
            var total = 0
            for (channel, bridge) in zip(channels, bridges) {
                total += try await channel.eventLoop.submit { bridge.value.streams.count }.get()
            }
            return total
        }
    }

    /// Peers per socket (one entry per event loop), for seeing the spread.
    public var peersPerSocket: [Int] {
        get async throws {
            var counts: [Int] = []
            for (channel, bridge) in zip(channels, bridges) {
                counts.append(try await channel.eventLoop.submit { bridge.value.streams.count }.get())
            }
            return counts
        }
    }

    /// Inbound packets dropped because a peer's consumer fell behind.
    public var droppedInboundPackets: Int {
        get async throws {
            var total = 0
            for (channel, bridge) in zip(channels, bridges) {
                total += try await channel.eventLoop.submit { bridge.value.droppedInbound }.get()
            }
            return total
        }
    }

    /// The cores' counters (handshakes, cookies, drops by reason), summed over the sockets.
    public var counters: DTLSSRTPServerCounters {
        get async throws {
            var total = DTLSSRTPServerCounters()
            for channel in channels {
                let c = try await channel.pipeline.handler(type: DTLSSRTPServerHandler.self).map { $0.server.counters }.get()
                total.helloVerifyRequests += c.helloVerifyRequests
                total.helloRetryRequests += c.helloRetryRequests
                total.statelessAlerts += c.statelessAlerts
                total.strangersDropped += c.strangersDropped
                total.refusedByLimits += c.refusedByLimits
                total.evictedHandshakes += c.evictedHandshakes
                total.replaced += c.replaced
                total.queueDrops += c.queueDrops
                total.idleClosed += c.idleClosed
            }
            return total
        }
    }
}

extension DTLSSRTPAsyncServer: Service {}

/// The server handler's delegate: turns its callbacks (on the loop) into
/// the async API's streams. Confined to the loop.
final class Bridge: DTLSSRTPServerDelegate {
    let peers: AsyncStream<DTLSSRTPPeer>.Continuation
    let inboundBufferPackets: Int
    let logger: Logger
    var streams: [SocketAddress: AsyncStream<DTLSSRTPMedia>.Continuation] = [:]
    var metadata: [SocketAddress: Logger.Metadata] = [:]
    var droppedInbound = 0
    let metrics: ServerMetrics?
    private weak var handler: DTLSSRTPServerHandler?
    private var isShutDown = false

    init(peers: AsyncStream<DTLSSRTPPeer>.Continuation, inboundBufferPackets: Int, logger: Logger, metrics: ServerMetrics?) {
        self.peers = peers
        self.inboundBufferPackets = inboundBufferPackets
        self.logger = logger
        self.metrics = metrics
    }

    func server(_ handler: DTLSSRTPServerHandler, connected address: SocketAddress, info: EndpointConnectionInfo) {
        self.handler = handler
        guard !isShutDown, let loop = handler.eventLoop else { return }
        let peerMetadata: Logger.Metadata = [
            "peer": "\(address)", "fingerprint": "\(info.remoteFingerprint)", "role": "server",
            "dtls-version": "\(info.dtls.version)", "srtp-profile": "\(info.srtpProfile)",
        ]
        metadata[address] = peerMetadata
        logger.info("peer connected", metadata: peerMetadata)
        metrics?.start(handler, on: loop)
        metrics?.connected(info)
        let (inbound, continuation) = AsyncStream<DTLSSRTPMedia>.makeStream(bufferingPolicy: .bufferingNewest(inboundBufferPackets))
        streams[address]?.finish()
        streams[address] = continuation
        let bound = NIOLoopBound(handler, eventLoop: loop)
        let writer = DTLSSRTPPeerWriter(address: address, handler: bound, logger: logger)
        continuation.onTermination = { termination in
            // The consumer stopped listening: end the call.
            if case .cancelled = termination { writer.close() }
        }
        peers.yield(DTLSSRTPPeer(address: address, info: info, inbound: inbound, outbound: writer))
    }

    func server(_ handler: DTLSSRTPServerHandler, receivedRTP packet: consuming ByteBuffer, from address: SocketAddress) {
        deliver(.rtp(packet), from: address)
    }

    func server(_ handler: DTLSSRTPServerHandler, receivedRTCP packet: consuming ByteBuffer, from address: SocketAddress) {
        deliver(.rtcp(packet), from: address)
    }

    private func deliver(_ media: DTLSSRTPMedia, from address: SocketAddress) {
        guard let stream = streams[address] else { return }
        if case .dropped = stream.yield(media) {
            droppedInbound += 1
            logger.debug("inbound media dropped: the consumer fell behind", metadata: metadata[address] ?? [:])
        }
    }

    func server(_ handler: DTLSSRTPServerHandler, restarted address: SocketAddress, info: EndpointConnectionInfo) {
        var fields = metadata[address] ?? ["peer": "\(address)"]
        fields["fingerprint"] = "\(info.remoteFingerprint)"
        fields["dtls-version"] = "\(info.dtls.version)"
        metadata[address] = fields
        logger.info("peer restarted: new DTLS association, new SRTP keys", metadata: fields)
    }

    func server(_ handler: DTLSSRTPServerHandler, replaced address: SocketAddress) {
        logger.info("peer replaced by a new handshake from its address", metadata: metadata[address] ?? ["peer": "\(address)"])
        end(address)
    }

    func server(_ handler: DTLSSRTPServerHandler, closed address: SocketAddress, error: EndpointError?, counters: EndpointCounters) {
        metrics?.ended(error: error, counters: counters)
        var fields = metadata[address] ?? ["peer": "\(address)"]
        if let error {
            fields["error"] = "\(error)"
            logger.info("peer failed", metadata: fields)
        } else {
            logger.info("peer closed", metadata: fields)
        }
        end(address)
    }

    private func end(_ address: SocketAddress) {
        metadata[address] = nil
        guard let stream = streams.removeValue(forKey: address) else { return }
        stream.onTermination = nil
        stream.finish()
    }

    /// Every peer closed with close_notify; no new ones reported.
    func shutdown() {
        isShutDown = true
        for address in Array(streams.keys) {
            handler?.close(address)
            end(address)
        }
        if let handler { metrics?.sample(handler) }
        metrics?.stop()
        peers.finish()
    }
}
