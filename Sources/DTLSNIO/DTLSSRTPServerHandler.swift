#if canImport(Glibc)
import Glibc
#endif
import DTLS
import DTLSCrypto
import DTLSEndpoint
import NIOCore
import NIOPosix

/// What the application hears from `DTLSSRTPServerHandler`, on the channel's
/// event loop. Every method has an empty default.
public protocol DTLSSRTPServerDelegate: AnyObject {
    /// The peer's handshake completed and its certificate matched `info.remoteFingerprint`.
    func server(_ handler: DTLSSRTPServerHandler, connected address: SocketAddress, info: EndpointConnectionInfo)
    /// An authenticated, decrypted RTP packet from a peer, in the buffer
    /// it was read into. It is yours: pass it on to `sendRTP(_:to:)` and it
    /// is re-encrypted and written from that same memory (to forward one
    /// packet to several peers, pass it several times: each send after the
    /// first works on its own copy).
    func server(_ handler: DTLSSRTPServerHandler, receivedRTP packet: consuming ByteBuffer, from address: SocketAddress)
    /// An authenticated, decrypted RTCP packet from a peer; as `receivedRTP`.
    func server(_ handler: DTLSSRTPServerHandler, receivedRTCP packet: consuming ByteBuffer, from address: SocketAddress)
    /// A new handshake from `address` replaced the association there (RFC 6347 4.2.8).
    func server(_ handler: DTLSSRTPServerHandler, replaced address: SocketAddress)
    /// The new association `restart(peerAt:...)` started is keyed (RFC 8842).
    func server(_ handler: DTLSSRTPServerHandler, restarted address: SocketAddress, info: EndpointConnectionInfo)
    /// A DTLS application-data record from a peer.
    func server(_ handler: DTLSSRTPServerHandler, receivedApplicationData data: [UInt8], from address: SocketAddress)
    /// A STUN datagram, as received: from a peer, or (with
    /// `admission: .allowedAddresses`) from any address, for the
    /// application's ICE agent. Answer with `sendUnprotected(_:to:)`.
    func server(_ handler: DTLSSRTPServerHandler, receivedSTUN datagram: ByteBuffer, from address: SocketAddress)
    /// The peer is gone; `error` says why when it failed; its final counters.
    func server(_ handler: DTLSSRTPServerHandler, closed address: SocketAddress, error: EndpointError?, counters: EndpointCounters)
}

extension DTLSSRTPServerDelegate {
    public func server(_ handler: DTLSSRTPServerHandler, connected address: SocketAddress, info: EndpointConnectionInfo) {}
    public func server(_ handler: DTLSSRTPServerHandler, receivedRTP packet: consuming ByteBuffer, from address: SocketAddress) {}
    public func server(_ handler: DTLSSRTPServerHandler, receivedRTCP packet: consuming ByteBuffer, from address: SocketAddress) {}
    public func server(_ handler: DTLSSRTPServerHandler, replaced address: SocketAddress) {}
    public func server(_ handler: DTLSSRTPServerHandler, restarted address: SocketAddress, info: EndpointConnectionInfo) {}
    public func server(_ handler: DTLSSRTPServerHandler, receivedApplicationData data: [UInt8], from address: SocketAddress) {}
    public func server(_ handler: DTLSSRTPServerHandler, receivedSTUN datagram: ByteBuffer, from address: SocketAddress) {}
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
///
/// A forwarded media packet is copied once between the socket read and
/// the socket write: out of the read burst's shared buffer, into storage
/// of its own. It is decrypted, handed over and re-encrypted there.
public final class DTLSSRTPServerHandler: ChannelInboundHandler {
    /// The Sans-IO core this handler drives, over NIO's addresses and buffers.
    public typealias Core = DTLSSRTPServer<SocketAddress, ByteBuffer>

    public typealias InboundIn = AddressedEnvelope<ByteBuffer>
    public typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// The core: peers, counters, limits.
    public let server: Core
    /// Told about peers and their media, on the channel's loop (held strongly).
    public var delegate: (any DTLSSRTPServerDelegate)?

    private var context: ChannelHandlerContext?
    private var buffer = ByteBuffer()
    private var wakeUp = LoopWakeUp()
    private var needsService = false
    /// The instant of the burst being read (one clock read per burst).
    private var burstStart: DTLSInstant?
    /// Inside `drain` (delegate callbacks run there): writes wait for its
    /// one flush, so a read burst's forwarded packets leave in one sendmmsg.
    private var drainDepth = 0
    private var pendingFlush = false

    /// A handler for `configuration` (role forced to server).
    public init(configuration: EndpointConfiguration, limits: DTLSSRTPServerLimits = .init(),
                admission: Core.Admission = .cookie, cookieSecret: DTLSCookieSecret? = nil,
                delegate: (any DTLSSRTPServerDelegate)? = nil) throws(EndpointError) {
        server = try Core(configuration: configuration, limits: limits, admission: admission, cookieSecret: cookieSecret,
                          now: .now) { address in
            Array(address.description.utf8)
        }
        self.delegate = delegate
    }

    public func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// The loop this handler runs on, once it is in a pipeline.
    public var eventLoop: (any EventLoop)? { context?.eventLoop }

    public func handlerRemoved(context: ChannelHandlerContext) {
        wakeUp.cancel()
        self.context = nil
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var datagram = envelope.data
        // The burst's datagrams are slices of one buffer, so the core's
        // first write (decryption) moves this one into storage of its own:
        // the one copy on the media path. Each slice spans a 2 KB slot, so
        // that storage has room for the SRTP trailer; this only makes sure.
        datagram.reserveCapacity(minimumWritableBytes: DTLSSRTPEndpoint.maximumTrailerLength)
        let now = burstStart ?? .now
        burstStart = now
        server.receive(datagram, from: envelope.remoteAddress, now: now)
        needsService = true
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        burstStart = nil
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

    /// Protects an RTP packet for the peer at `address` and sends it. A
    /// packet from `receivedRTP` is encrypted in place and written from
    /// its own memory; any other buffer is copied only if it is shared or
    /// has no room for the SRTP trailer.
    public func sendRTP(_ packet: consuming ByteBuffer, to address: SocketAddress) throws(EndpointError) {
        try sendProtected(packet, rtp: true, to: address)
    }

    /// Protects an RTCP packet for the peer at `address` and sends it; as `sendRTP`.
    public func sendRTCP(_ packet: consuming ByteBuffer, to address: SocketAddress) throws(EndpointError) {
        try sendProtected(packet, rtp: false, to: address)
    }

    /// Protects a copy of an RTP packet for the peer at `address` and sends it.
    public func sendRTP(_ packet: [UInt8], to address: SocketAddress) throws(EndpointError) {
        try sendProtected(ByteBuffer(bytes: packet), rtp: true, to: address)
    }

    /// Protects a copy of an RTCP packet for the peer at `address` and sends it.
    public func sendRTCP(_ packet: [UInt8], to address: SocketAddress) throws(EndpointError) {
        try sendProtected(ByteBuffer(bytes: packet), rtp: false, to: address)
    }

    private func sendProtected(_ packet: consuming ByteBuffer, rtp: Bool, to address: SocketAddress) throws(EndpointError) {
        guard let context else { throw .closed }
        var bytes = packet
        let length = bytes.readableBytes
        // Room for the trailer, written over by libsrtp.
        bytes.writeRepeatingByte(0, count: DTLSSRTPEndpoint.maximumTrailerLength)
        let server = self.server
        let protected = bytes.withMutableBytes { span -> Result<Int, EndpointError> in
            do throws(EndpointError) {
                return .success(rtp ? try server.protectRTP(&span, length: length, for: address)
                                    : try server.protectRTCP(&span, length: length, for: address))
            } catch {
                return .failure(error)
            }
        }
        bytes.truncate(to: try protected.get())
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: bytes)), promise: nil)
        if drainDepth > 0 { pendingFlush = true } else { context.flush() }
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

    /// Sends a datagram as is (a STUN response of the application's ICE agent).
    public func sendUnprotected(_ datagram: [UInt8], to address: SocketAddress) {
        guard let context else { return }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: datagram))), promise: nil)
        if drainDepth > 0 { pendingFlush = true } else { context.flush() }
    }

    /// Lets `address` handshake (admission `.allowedAddresses`), its
    /// certificate checked against `remoteFingerprints`; see the core's `allow`.
    public func allow(_ address: SocketAddress, remoteFingerprints: [Fingerprint]) {
        server.allow(address, remoteFingerprints: remoteFingerprints)
    }

    /// Withdraws `allow` and drops a peer there without a word (ICE
    /// consent expired); see the core's `revoke`.
    public func revoke(_ address: SocketAddress) {
        server.revoke(address)
        drain()
    }

    /// Starts a new DTLS association with the connected peer at `address`
    /// (RFC 8842); see `DTLSSRTPServer.restart(peerAt:...)`.
    public func restart(peerAt address: SocketAddress, remoteFingerprints: [Fingerprint], role: DTLSRole? = nil,
                        identity: DTLSIdentity? = nil) throws(EndpointError) {
        try server.restart(peerAt: address, remoteFingerprints: remoteFingerprints, role: role, identity: identity, now: .now)
        drain()
    }

    /// Starts a handshake as the DTLS client of the peer at `address`.
    public func connect(to address: SocketAddress, remoteFingerprints: [Fingerprint]) throws(EndpointError) {
        try server.connect(to: address, remoteFingerprints: remoteFingerprints, now: .now)
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
                context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: to, data: takeBuffer())), promise: nil)
                wrote = true
            case .rtp(let from):
                delegate?.server(self, receivedRTP: takeBuffer(), from: from)
            case .rtcp(let from):
                delegate?.server(self, receivedRTCP: takeBuffer(), from: from)
            case .applicationData(let from):
                delegate?.server(self, receivedApplicationData: Array(takeBuffer().readableBytesView), from: from)
            case .stun(let from):
                delegate?.server(self, receivedSTUN: takeBuffer(), from: from)
            case .connected(let address, let info):
                delegate?.server(self, connected: address, info: info)
            case .replaced(let address):
                delegate?.server(self, replaced: address)
            case .restarted(let address, let info):
                delegate?.server(self, restarted: address, info: info)
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

    /// The polled datagram, handed over (the handler keeps no reference,
    /// so whoever mutates it next does so without a copy).
    private func takeBuffer() -> ByteBuffer {
        var taken = ByteBuffer()
        swap(&taken, &buffer)
        return taken
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
    /// Binds a UDP socket on `loop` served by a `DTLSSRTPServerHandler`.
    ///
    /// Each readable event is one `recvmmsg` of up to `datagramsPerRead`
    /// datagrams of up to 2 KB, served as one burst: the core's fairness
    /// turn and the writes' one `sendmmsg`. Why one read per burst and not
    /// several: a burst's buffers are live until its writes leave, and at
    /// 32 datagrams they stay in cache (measured in `--only forward`: 16
    /// reads of 16 per burst cost 1 to 2 us more CPU per forwarded packet
    /// than one read of 32). `receiveBufferBytes` sets `SO_RCVBUF` (the
    /// kernel's default drops bursts of a few hundred peers).
    /// The delegate is made on the loop (it lives there, with the handler).
    /// With `reusePort`, several sockets bind the same port (`SO_REUSEPORT`,
    /// one per event loop; the kernel spreads clients over them by address),
    /// and `cookieSecret` lets a cookie minted by any verify at each.
    public static func bind(
        on loop: any EventLoop, host: String, port: Int, configuration: EndpointConfiguration,
        limits: DTLSSRTPServerLimits = .init(), admission: Core.Admission = .cookie,
        datagramsPerRead: Int = 32, receiveBufferBytes: Int? = nil,
        reusePort: Bool = false, cookieSecret: DTLSCookieSecret? = nil,
        delegate makeDelegate: @escaping @Sendable () -> (any DTLSSRTPServerDelegate)?
    ) async throws -> any Channel {
        var bootstrap = DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
        if reusePort {
            // NIO names no SO_REUSEPORT constant; Linux's comes from Glibc.
            bootstrap = bootstrap.channelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
        }
        bootstrap = bootstrap
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelOption(.datagramVectorReadMessageCount, value: datagramsPerRead)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: datagramsPerRead * 2048))
        if let receiveBufferBytes {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferBytes))
        }
        return try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try DTLSSRTPServerHandler(configuration: configuration, limits: limits, admission: admission,
                                                            cookieSecret: cookieSecret, delegate: makeDelegate())
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: host, port: port).get()
    }
}
