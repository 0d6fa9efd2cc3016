import DTLS
import DTLSEndpoint
import NIOCore
import NIOPosix

/// What the application hears from `DTLSSRTPServerHandler`, on the channel's
/// event loop. Every method has an empty default.
public protocol DTLSSRTPServerDelegate: AnyObject {
    /// The peer's handshake completed and its certificate matched `info.remoteFingerprint`.
    func server(_ handler: DTLSSRTPServerHandler, connected address: SocketAddress, info: EndpointConnectionInfo)
    /// An authenticated, decrypted RTP packet from a peer.
    func server(_ handler: DTLSSRTPServerHandler, receivedRTP packet: [UInt8], from address: SocketAddress)
    /// An authenticated, decrypted RTCP packet from a peer.
    func server(_ handler: DTLSSRTPServerHandler, receivedRTCP packet: [UInt8], from address: SocketAddress)
    /// A new handshake from `address` replaced the association there (RFC 6347 4.2.8).
    func server(_ handler: DTLSSRTPServerHandler, replaced address: SocketAddress)
    /// A DTLS application-data record from a peer.
    func server(_ handler: DTLSSRTPServerHandler, receivedApplicationData data: [UInt8], from address: SocketAddress)
    /// The peer is gone; `error` says why when it failed; its final counters.
    func server(_ handler: DTLSSRTPServerHandler, closed address: SocketAddress, error: EndpointError?, counters: EndpointCounters)
}

extension DTLSSRTPServerDelegate {
    public func server(_ handler: DTLSSRTPServerHandler, connected address: SocketAddress, info: EndpointConnectionInfo) {}
    public func server(_ handler: DTLSSRTPServerHandler, receivedRTP packet: [UInt8], from address: SocketAddress) {}
    public func server(_ handler: DTLSSRTPServerHandler, receivedRTCP packet: [UInt8], from address: SocketAddress) {}
    public func server(_ handler: DTLSSRTPServerHandler, replaced address: SocketAddress) {}
    public func server(_ handler: DTLSSRTPServerHandler, receivedApplicationData data: [UInt8], from address: SocketAddress) {}
    public func server(_ handler: DTLSSRTPServerHandler, closed address: SocketAddress, error: EndpointError?,
                       counters: EndpointCounters) {}
}

/// A thin SwiftNIO driver of the Sans-IO `DTLSSRTPServer`: reads bursts
/// into the core, serves it once per burst (`channelReadComplete`), writes
/// what it says, and keeps one scheduled wake-up for all peers' timers.
///
/// Everything a peer is (cookie exchange, limits, fairness, restart on the
/// same address, the fingerprint gate) lives in the core, which the tests
/// drive without sockets. This handler only moves bytes and time.
/// Confined to its channel's event loop.
public final class DTLSSRTPServerHandler: ChannelInboundHandler {
    public typealias InboundIn = AddressedEnvelope<ByteBuffer>
    public typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// The core: peers, counters, limits.
    public let server: DTLSSRTPServer<SocketAddress>
    /// Told about peers and their media, on the channel's loop (held strongly).
    public var delegate: (any DTLSSRTPServerDelegate)?

    private var context: ChannelHandlerContext?
    private var buffer: [UInt8] = []
    private var wakeUp = LoopWakeUp()
    private var needsService = false
    /// Inside `drain` (delegate callbacks run there): writes wait for its
    /// one flush, so a read burst's forwarded packets leave in one sendmmsg.
    private var drainDepth = 0
    private var pendingFlush = false

    /// A handler for `configuration` (role forced to server).
    public init(configuration: EndpointConfiguration, limits: DTLSSRTPServer<SocketAddress>.Limits = .init(),
                delegate: (any DTLSSRTPServerDelegate)? = nil) throws(EndpointError) {
        server = try DTLSSRTPServer(configuration: configuration, limits: limits, now: .now) { address in
            Array(address.description.utf8)
        }
        self.delegate = delegate
    }

    public func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    public func handlerRemoved(context: ChannelHandlerContext) {
        wakeUp.cancel()
        self.context = nil
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        server.receive(Array(envelope.data.readableBytesView), from: envelope.remoteAddress, now: .now)
        needsService = true
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if needsService {
            needsService = false
            server.service(now: .now)
        }
        drain()
        context.fireChannelReadComplete()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Per-datagram errors (ICMP unreachable) must not close the shared socket.
    }

    /// Protects an RTP packet for the peer at `address` and sends it.
    public func sendRTP(_ packet: [UInt8], to address: SocketAddress) throws(EndpointError) {
        try sendProtected(packet, rtp: true, to: address)
    }

    /// Protects an RTCP packet for the peer at `address` and sends it.
    public func sendRTCP(_ packet: [UInt8], to address: SocketAddress) throws(EndpointError) {
        try sendProtected(packet, rtp: false, to: address)
    }

    private func sendProtected(_ packet: [UInt8], rtp: Bool, to address: SocketAddress) throws(EndpointError) {
        var bytes = packet
        bytes.append(contentsOf: repeatElement(0, count: DTLSSRTPEndpoint.maximumTrailerLength))
        let length = rtp ? try server.protectRTP(&bytes, length: packet.count, for: address)
                         : try server.protectRTCP(&bytes, length: packet.count, for: address)
        context?.writeDatagram(bytes[0..<length], to: address)
        if drainDepth > 0 { pendingFlush = true } else { context?.flush() }
    }

    /// Sends a DTLS application-data record to the peer at `address`.
    public func send(_ data: [UInt8], to address: SocketAddress) throws(EndpointError) {
        try server.send(data, to: address, now: .now)
        drain()
    }

    /// Closes the peer at `address` with close_notify.
    public func close(_ address: SocketAddress) {
        server.close(address, now: .now)
        drain()
    }

    // MARK: - Output

    private func drain() {
        guard let context else { return }
        drainDepth += 1
        defer { drainDepth -= 1 }
        var wrote = false
        while true {
            switch server.pollOutput(into: &buffer) {
            case .transmit(let to):
                context.writeDatagram(buffer[...], to: to)
                wrote = true
            case .rtp(let from):
                delegate?.server(self, receivedRTP: buffer, from: from)
            case .rtcp(let from):
                delegate?.server(self, receivedRTCP: buffer, from: from)
            case .applicationData(let from):
                delegate?.server(self, receivedApplicationData: buffer, from: from)
            case .stun:
                break
            case .connected(let address, let info):
                delegate?.server(self, connected: address, info: info)
            case .replaced(let address):
                delegate?.server(self, replaced: address)
            case .closed(let address, let error, let counters):
                delegate?.server(self, closed: address, error: error, counters: counters)
            case .timeout(let deadline):
                if wrote || pendingFlush {
                    pendingFlush = false
                    context.flush()
                }
                arm(deadline)
                return
            }
        }
    }

    /// One scheduled task for every peer's timers.
    private func arm(_ deadline: DTLSInstant?) {
        guard let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        wakeUp.arm(deadline, on: context.eventLoop) {
            let handler = bound.value
            handler.wakeUp.fired()
            handler.server.handleTimeout(now: .now)
            handler.drain()
        }
    }
}

extension DTLSSRTPServerHandler {
    /// Binds a UDP socket on `loop` served by a `DTLSSRTPServerHandler`:
    /// `recvmmsg` reads of up to 16 datagrams, 2 KB each. The delegate is
    /// made on the loop (it lives there, with the handler).
    public static func bind(
        on loop: any EventLoop, host: String, port: Int, configuration: EndpointConfiguration,
        limits: DTLSSRTPServer<SocketAddress>.Limits = .init(),
        delegate makeDelegate: @escaping @Sendable () -> (any DTLSSRTPServerDelegate)?
    ) async throws -> any Channel {
        try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelOption(.datagramVectorReadMessageCount, value: 16)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 16 * 2048))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try DTLSSRTPServerHandler(configuration: configuration, limits: limits, delegate: makeDelegate())
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: host, port: port).get()
    }
}
