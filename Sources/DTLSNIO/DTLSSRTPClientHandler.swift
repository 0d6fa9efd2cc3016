import DTLS
import DTLSEndpoint
import NIOCore
import NIOPosix

/// What the application hears from `DTLSSRTPClientHandler`, on the channel's
/// event loop. Every method has an empty default.
public protocol DTLSSRTPClientDelegate: AnyObject {
    /// The handshake completed and the server's certificate matched `info.remoteFingerprint`.
    func clientConnected(_ client: DTLSSRTPClientHandler, info: EndpointConnectionInfo)
    /// An authenticated, decrypted RTP packet from the server.
    func client(_ client: DTLSSRTPClientHandler, receivedRTP packet: [UInt8])
    /// An authenticated, decrypted RTCP packet from the server.
    func client(_ client: DTLSSRTPClientHandler, receivedRTCP packet: [UInt8])
    /// A DTLS application-data record from the server.
    func client(_ client: DTLSSRTPClientHandler, receivedApplicationData data: [UInt8])
    /// The association ended (closed by either side, or failed: `error` says why).
    func clientClosed(_ client: DTLSSRTPClientHandler, error: EndpointError?, counters: EndpointCounters)
}

extension DTLSSRTPClientDelegate {
    public func clientConnected(_ client: DTLSSRTPClientHandler, info: EndpointConnectionInfo) {}
    public func client(_ client: DTLSSRTPClientHandler, receivedRTP packet: [UInt8]) {}
    public func client(_ client: DTLSSRTPClientHandler, receivedRTCP packet: [UInt8]) {}
    public func client(_ client: DTLSSRTPClientHandler, receivedApplicationData data: [UInt8]) {}
    public func clientClosed(_ client: DTLSSRTPClientHandler, error: EndpointError?, counters: EndpointCounters) {}
}

/// One `DTLSSRTPEndpoint` in the client role over a UDP socket: the same
/// per-peer stack as every peer of the server, driven by SwiftNIO. Datagrams
/// from any other address are ignored. Confined to its channel's event loop.
public final class DTLSSRTPClientHandler: ChannelInboundHandler {
    public typealias InboundIn = AddressedEnvelope<ByteBuffer>
    public typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// The peer's endpoint: state, counters, key log, exporter.
    public let endpoint: DTLSSRTPEndpoint
    /// The server's address.
    public let remote: SocketAddress
    /// Told about the connection and its media, on the channel's loop (held strongly).
    public var delegate: (any DTLSSRTPClientDelegate)?
    /// When the handshake started, and when it completed.
    public private(set) var startedAt: DTLSInstant?
    public private(set) var connectedAt: DTLSInstant?
    /// This side called `close()`.
    public private(set) var isClosing = false
    /// The association ended (the delegate heard `clientClosed`).
    public private(set) var isFinished = false

    private var context: ChannelHandlerContext?
    private var buffer: [UInt8] = []
    private var wakeUp = LoopWakeUp()

    /// A client for `configuration` (role forced to client) to `remote`.
    public init(configuration: EndpointConfiguration, remote: SocketAddress,
                delegate: (any DTLSSRTPClientDelegate)? = nil) throws(EndpointError) {
        var config = configuration
        config.role = .client
        endpoint = try DTLSSRTPEndpoint(configuration: config)
        self.remote = remote
        self.delegate = delegate
    }

    /// The loop this handler runs on, once it is in a pipeline.
    public var eventLoop: (any EventLoop)? { context?.eventLoop }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start() }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        wakeUp.cancel()
        self.context = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        start()
        context.fireChannelActive()
    }

    private func start() {
        guard startedAt == nil else { return }
        startedAt = .now
        endpoint.start(now: .now)
        drain()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == remote else { return }
        var bytes = Array(envelope.data.readableBytesView)
        switch endpoint.handleDatagram(&bytes, length: bytes.count, now: .now) {
        case .rtp(let length):
            bytes.removeLast(bytes.count - length)
            delegate?.client(self, receivedRTP: bytes)
        case .rtcp(let length):
            bytes.removeLast(bytes.count - length)
            delegate?.client(self, receivedRTCP: bytes)
        case .dtls:
            drain()
        case .stun, .turnChannel, .dropped:
            break
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors (server not up yet) must not close the socket: the
        // handshake's retransmission deals with loss.
    }

    /// Protects an RTP packet and sends it.
    public func sendRTP(_ packet: [UInt8]) throws(EndpointError) {
        try sendProtected(packet, rtp: true)
    }

    /// Protects an RTCP packet and sends it.
    public func sendRTCP(_ packet: [UInt8]) throws(EndpointError) {
        try sendProtected(packet, rtp: false)
    }

    private func sendProtected(_ packet: [UInt8], rtp: Bool) throws(EndpointError) {
        var bytes = packet
        bytes.append(contentsOf: repeatElement(0, count: DTLSSRTPEndpoint.maximumTrailerLength))
        let length = rtp ? try endpoint.protectRTP(&bytes, length: packet.count)
                         : try endpoint.protectRTCP(&bytes, length: packet.count)
        context?.writeDatagram(bytes[0..<length], to: remote)
        context?.flush()
    }

    /// Sends a DTLS application-data record.
    public func send(_ data: [UInt8]) throws(EndpointError) {
        try endpoint.send(data)
        drain()
    }

    /// Sends close_notify and ends the association.
    public func close() {
        guard !isFinished else { return }
        isClosing = true
        endpoint.close()
        drain()
    }

    private func drain() {
        guard let context else { return }
        var wrote = false
        var ended = false
        while true {
            switch endpoint.pollOutput(into: &buffer) {
            case .transmit:
                context.writeDatagram(buffer[...], to: remote)
                wrote = true
            case .rtp:
                delegate?.client(self, receivedRTP: buffer)
            case .rtcp:
                delegate?.client(self, receivedRTCP: buffer)
            case .applicationData:
                delegate?.client(self, receivedApplicationData: buffer)
            case .stun, .turnChannel:
                break
            case .connected(let info):
                connectedAt = .now
                delegate?.clientConnected(self, info: info)
            case .stateChanged(let state):
                if state == .closed || state == .failed, !isFinished {
                    isFinished = true
                    ended = true
                }
            case .timeout(let deadline):
                if wrote { context.flush() }
                arm(deadline)
                // Told last: the close_notify or alert that follows the
                // state change in the queue is on the wire before a
                // delegate that closes the socket hears of it.
                if ended { delegate?.clientClosed(self, error: endpoint.failure, counters: endpoint.counters) }
                return
            }
        }
    }

    private func arm(_ deadline: DTLSInstant?) {
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        wakeUp.arm(deadline, on: context.eventLoop) {
            let handler = bound.value
            handler.wakeUp.fired()
            handler.endpoint.handleTimeout(now: .now)
            handler.drain()
        }
    }
}

extension DTLSSRTPClientHandler {
    /// A socket on `loop` (an ephemeral port, or `localPort`) whose
    /// `DTLSSRTPClientHandler` starts its handshake with `remote` at once.
    /// The delegate is made on the loop.
    public static func connect(
        on loop: any EventLoop, to remote: SocketAddress, configuration: EndpointConfiguration, localPort: Int = 0,
        delegate makeDelegate: @escaping @Sendable () -> (any DTLSSRTPClientDelegate)?
    ) async throws -> any Channel {
        let bindHost = remote.protocol == .inet6 ? "::" : "0.0.0.0"
        return try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try DTLSSRTPClientHandler(configuration: configuration, remote: remote, delegate: makeDelegate())
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: bindHost, port: localPort).get()
    }
}
