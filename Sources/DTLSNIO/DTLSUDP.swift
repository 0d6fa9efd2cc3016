import DTLS
import NIOCore
import NIOPosix

/// Binds SwiftNIO datagram channels driven by `DTLSDatagramHandler`.
public enum DTLSUDP {
    static let vectorReadCount = 16

    /// A running socket and its handler (usable on the channel's event loop only).
    public struct Running: Sendable {
        public let channel: any Channel
        public let handler: NIOLoopBound<DTLSDatagramHandler>
        public var localAddress: SocketAddress? { channel.localAddress }

        /// Runs `body` on the event loop with the handler.
        public func withHandler<T: Sendable>(_ body: @escaping @Sendable (DTLSDatagramHandler) throws -> T) -> EventLoopFuture<T> {
            let handler = self.handler
            return channel.eventLoop.submit { try body(handler.value) }
        }
    }

    /// One socket serving many peers.
    public static func server(
        group: any EventLoopGroup, host: String, port: Int, configuration: DTLSConfiguration,
        limits: DTLSServerLimits = DTLSServerLimits(),
        handshakeLoops: (any EventLoopGroup)? = nil,
        delegate makeDelegate: @escaping @Sendable () -> (any DTLSPeerDelegate)?
    ) async throws -> Running {
        try await start(group: group, bindHost: host, bindPort: port, limits: limits, handshakeLoops: handshakeLoops,
                        makeDelegate: makeDelegate) {
            .server(configuration)
        }
    }

    /// A client socket bound to an ephemeral port, handshaking with `remote`.
    public static func client(
        group: any EventLoopGroup, remote: SocketAddress, configuration: DTLSConfiguration,
        delegate makeDelegate: @escaping @Sendable () -> (any DTLSPeerDelegate)?
    ) async throws -> Running {
        let bindHost = remote.protocol == .inet6 ? "::" : "0.0.0.0"
        return try await start(group: group, bindHost: bindHost, bindPort: 0, limits: DTLSServerLimits(),
                               makeDelegate: makeDelegate) { .client(configuration, remote: remote) }
    }

    private static func start(
        group: any EventLoopGroup, bindHost: String, bindPort: Int, limits: DTLSServerLimits,
        handshakeLoops: (any EventLoopGroup)? = nil,
        makeDelegate: @escaping @Sendable () -> (any DTLSPeerDelegate)?,
        mode: @escaping @Sendable () -> DTLSDatagramHandler.Mode
    ) async throws -> Running {
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.maxMessagesPerRead, value: 16)
            // recvmmsg: up to 16 datagrams per syscall. NIO splits the read
            // buffer evenly among them, so each gets 2048 bytes (> any MTU here).
            .channelOption(.datagramVectorReadMessageCount, value: vectorReadCount)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: vectorReadCount * 2048))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = DTLSDatagramHandler(mode: mode(), limits: limits, delegate: makeDelegate(),
                                                      handshakeLoops: handshakeLoops)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: bindHost, port: bindPort).get()
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: DTLSDatagramHandler.self),
                         eventLoop: channel.eventLoop)
        }.get()
        return Running(channel: channel, handler: handler)
    }
}
