import DTLS
import DTLSCrypto
import DTLSEndpoint
import NIOCore
import Foundation
import SRTP

/// Limits of a server socket that serves many peers.
public struct DTLSServerLimits: Sendable, Hashable {
    /// Peers whose handshake has started (cookie verified) but not completed.
    /// Further verified ClientHellos are dropped; the client retransmits later.
    public var maxHandshakesInFlight: Int = 64
    /// Established peers. New handshakes are refused while this many are up.
    public var maxPeers: Int = 1024
    /// A peer from which nothing arrived for this long is closed.
    public var idleTimeout: TimeAmount = .seconds(30)
    /// A handshake silent this long may be evicted when the handshake
    /// limit is reached and a new verified client arrives.
    public var staleHandshakeAfter: TimeAmount = .seconds(2)
    /// Fairness: datagrams of one peer processed per round-robin turn.
    public var datagramsPerTurn: Int = 8
    /// Fairness and memory bound: datagrams queued for one peer within a
    /// read burst; beyond that the peer's datagrams are dropped.
    public var maxQueuedPerPeer: Int = 256

    public init() {}
}

/// `DTLS_NIO_TRACE=1` in the environment logs every datagram to stderr.
let trace = ProcessInfo.processInfo.environment["DTLS_NIO_TRACE"] != nil

/// The SwiftNIO datagram handler that drives Sans-IO `DTLSConnection`s.
///
/// Server mode: one socket, many peers. Datagrams are routed by source
/// address; an unknown address only reaches the stateless
/// `DTLSCookieListener`, and a `DTLSPeer` exists only once its cookie
/// verified. Client mode: one peer, the remote address.
///
/// Each engine `.timeout(instant)` re-arms one `scheduleTask` per peer
/// (only when the instant changes), so nothing polls. Datagrams read in one
/// burst are queued per peer and serviced round-robin, `datagramsPerTurn`
/// at a time, so a flooding peer delays the others by at most one turn.
public final class DTLSDatagramHandler: ChannelInboundHandler {
    public typealias InboundIn = AddressedEnvelope<ByteBuffer>
    public typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    public enum Mode {
        case server(DTLSConfiguration)
        case client(DTLSConfiguration, remote: SocketAddress)
    }

    public let limits: DTLSServerLimits
    public var delegate: (any DTLSPeerDelegate)?
    private let mode: Mode
    private var listener: DTLSCookieListener?
    public private(set) var peers: [SocketAddress: DTLSPeer] = [:]
    public private(set) var handshakesInFlight = 0
    public private(set) var establishedPeers = 0
    /// Verified ClientHellos refused because a limit was reached.
    public private(set) var refusedByLimits = 0
    /// Stale half-open handshakes dropped to admit a new one.
    public private(set) var evictedHandshakes = 0
    /// The peers counted in `handshakesInFlight`.
    private var handshaking: [ObjectIdentifier: DTLSPeer] = [:]
    /// The client-mode peer.
    public private(set) var clientPeer: DTLSPeer?

    private var context: ChannelHandlerContext?
    private var ready: [DTLSPeer] = []
    private var inReadBurst = false
    private var needsFlush = false
    private var draining: Set<ObjectIdentifier> = []
    private var outBuffer: [UInt8] = []

    /// Event loops that run handshakes (ECDHE, signatures, DHE) so that the
    /// channel's loop only forwards media; nil runs everything on the
    /// channel's loop.
    public let handshakeLoops: (any EventLoopGroup)?

    public init(mode: Mode, limits: DTLSServerLimits = DTLSServerLimits(), delegate: (any DTLSPeerDelegate)? = nil,
                handshakeLoops: (any EventLoopGroup)? = nil) {
        self.handshakeLoops = handshakeLoops
        self.mode = mode
        self.limits = limits
        self.delegate = delegate
        if case .server(let config) = mode {
            listener = DTLSCookieListener(configuration: config, now: .now)
        }
    }

    // MARK: - Channel events

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { startClientIfNeeded() }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        for peer in Array(peers.values) { finish(peer, error: DTLSError(.closed, alert: nil, "socket closed")) }
        self.context = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        startClientIfNeeded()
        context.fireChannelActive()
    }

    private func startClientIfNeeded() {
        guard case .client(let config, let remote) = mode, clientPeer == nil else { return }
        let connection = DTLSConnection(clientWith: config, now: .now)
        let peer = addPeer(address: remote, connection: connection)
        clientPeer = peer
        drainAndFlush(peer)
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        let from = envelope.remoteAddress
        if trace { FileHandle.standardError.write(Data(("read \(bytes.count) from \(from) known=\(peers[from] != nil) peers=\(peers.keys)" + "\n").utf8)) }
        if let peer = peers[from] {
            guard !peer.isFinished else { return }
            if peer.queuedCount >= limits.maxQueuedPerPeer {
                peer.stats.queueDrops += 1
                return
            }
            peer.inbound.append(bytes)
            peer.lastActivity = .now()
            if !peer.isQueued {
                peer.isQueued = true
                ready.append(peer)
            }
            if !inReadBurst { serviceReady() }
            return
        }
        guard listener != nil else { return }  // client mode: not our peer
        handleStranger(bytes, from: from)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        serviceReady()
        flushIfNeeded()
        context.fireChannelReadComplete()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and similar per-datagram errors must not
        // take the shared socket down; the engine's timers handle loss.
    }

    // MARK: - Strangers: stateless cookie exchange

    private func handleStranger(_ bytes: [UInt8], from: SocketAddress) {
        guard Demultiplexer.classify(bytes) == .dtls, var listener else { return }
        let now = DTLSInstant.now
        let decision = listener.handle(bytes, from: Array(from.description.utf8), now: now,
                                       feedAccepted: handshakeLoops == nil)
        self.listener = listener
        switch decision {
        case .drop:
            return
        case .reply(let hvr):
            write(hvr[...], to: from, flush: false)
        case .accept(let connection):
            if handshakesInFlight >= limits.maxHandshakesInFlight { evictStaleHandshake() }
            guard handshakesInFlight < limits.maxHandshakesInFlight,
                  establishedPeers + handshakesInFlight < limits.maxPeers else {
                refusedByLimits += 1
                return
            }
            let peer = addPeer(address: from, connection: connection)
            if let loops = handshakeLoops {
                peer.offload = HandshakeOffload(connection: connection, loop: loops.next())
                offload(peer) { $0.handlePacket(bytes, now: .now) }
            } else {
                drain(peer)
            }
        }
    }

    /// At the handshake limit, makes room by dropping the handshake that has
    /// been silent longest, if it has been silent for `staleHandshakeAfter`:
    /// half-open handshakes (a peer that proved its address, then stopped)
    /// cannot lock legitimate clients out. The scan is over handshakes in
    /// flight only, which the limit bounds. Established peers are never
    /// touched.
    private func evictStaleHandshake() {
        let cutoff = NIODeadline.now() - limits.staleHandshakeAfter
        var oldest: DTLSPeer?
        for peer in handshaking.values where !peer.isFinished && peer.lastActivity <= cutoff {
            if oldest == nil || peer.lastActivity < oldest!.lastActivity { oldest = peer }
        }
        guard let oldest else { return }
        evictedHandshakes += 1
        finish(oldest, error: DTLSError(.handshakeTimeout, alert: nil, "evicted: stale handshake at the limit"))
    }

    private func addPeer(address: SocketAddress, connection: DTLSConnection) -> DTLSPeer {
        let peer = DTLSPeer(address: address, connection: connection, now: .now())
        peer.handler = self
        peers[address] = peer
        handshakesInFlight += 1
        handshaking[ObjectIdentifier(peer)] = peer
        armIdleTimer(peer, at: .now() + limits.idleTimeout)
        return peer
    }

    // MARK: - Fair service

    /// Round-robin over peers with queued datagrams, `datagramsPerTurn` each.
    private func serviceReady() {
        guard !inReadBurst else { return }
        inReadBurst = true
        defer { inReadBurst = false }
        var index = 0
        while index < ready.count {
            let peer = ready[index]
            index += 1
            var budget = limits.datagramsPerTurn
            while budget > 0, peer.inboundHead < peer.inbound.count, !peer.isFinished {
                let datagram = peer.inbound[peer.inboundHead]
                peer.inbound[peer.inboundHead] = []
                peer.inboundHead += 1
                budget -= 1
                process(datagram, for: peer)
            }
            if peer.inboundHead < peer.inbound.count, !peer.isFinished {
                ready.append(peer)  // another turn after everyone else
            } else {
                peer.inbound.removeAll(keepingCapacity: true)
                peer.inboundHead = 0
                peer.isQueued = false
            }
            if index > 4096 {  // compact the round-robin list now and then
                ready.removeFirst(index)
                index = 0
            }
        }
        ready.removeAll(keepingCapacity: true)
    }

    private func process(_ datagram: [UInt8], for peer: DTLSPeer) {
        switch Demultiplexer.classify(datagram) {
        case .dtls:
            if peer.offload != nil {
                offload(peer) { $0.handlePacket(datagram, now: .now) }
                return
            }
            peer.connection.handlePacket(datagram, now: .now)
            drain(peer)
        case .rtp:
            unprotect(datagram, for: peer, rtcp: false)
        case .rtcp:
            unprotect(datagram, for: peer, rtcp: true)
        default:
            return
        }
    }

    private func unprotect(_ datagram: [UInt8], for peer: DTLSPeer, rtcp: Bool) {
        guard let srtp = peer.srtp else { return }
        var buffer = datagram
        do {
            let length = rtcp ? try srtp.unprotectRTCP(&buffer, length: buffer.count)
                              : try srtp.unprotectRTP(&buffer, length: buffer.count)
            buffer.removeSubrange(length...)
        } catch .replayDetected {
            peer.stats.replays += 1
            return
        } catch {
            peer.stats.authFailures += 1
            return
        }
        if rtcp {
            peer.stats.rtcpIn += 1
            delegate?.peer(peer, receivedRTCP: buffer)
        } else {
            peer.stats.rtpIn += 1
            delegate?.peer(peer, receivedRTP: buffer)
        }
    }

    // MARK: - Handshakes off the media loop

    /// Runs `work` on the peer's connection on its handshake loop, then
    /// applies the connection's output back on this (the channel's) loop.
    ///
    /// Ownership: while `peer.offload` is set, only the handshake loop
    /// touches the connection. When a job sees the handshake end
    /// (connected, failed or closed) it marks the connection handed over
    /// and touches it no more; jobs already queued behind it bounce their
    /// work back to this loop. Both loops run jobs in order, so every use
    /// of the connection is ordered, and the media loop takes over only
    /// after the job that ended the handshake was applied here.
    private func offload(_ peer: DTLSPeer, _ work: @escaping @Sendable (DTLSConnection) -> Void) {
        guard let job = peer.offload, let context else { return }
        let media = context.eventLoop
        let target = NIOLoopBound((self, peer), eventLoop: media)
        job.loop.execute {
            if job.handedOver {
                media.execute {
                    let (handler, peer) = target.value
                    guard !peer.isFinished else { return }
                    work(peer.connection)
                    handler.drainAndFlush(peer)
                }
                return
            }
            let result = job.run(work)
            media.execute {
                let (handler, peer) = target.value
                handler.apply(result, to: peer)
            }
        }
    }

    private func noteConnected(_ peer: DTLSPeer, _ info: DTLSConnectionInfo) {
        peer.info = info
        peer.isEstablished = true
        peer.connectedAt = .now
        handshaking[ObjectIdentifier(peer)] = nil
        handshakesInFlight -= 1
        establishedPeers += 1
    }

    private func installKeys(_ peer: DTLSPeer, _ km: DTLSKeyingMaterial) {
        peer.keyingMaterial = km
        peer.srtp = try? SRTPTransport(profile: km.profile, exportedKeyingMaterial: km.bytes, isClient: km.isClient)
    }

    /// Applies what a handshake job produced, on the channel's loop.
    private func apply(_ result: HandshakeOffload.Result, to peer: DTLSPeer) {
        guard !peer.isFinished else { return }
        for packet in result.packets { write(packet[...], to: peer.address, flush: false) }
        var ended: DTLSError?? = nil
        var connected = false
        for event in result.events {
            switch event {
            case .connected(let info):
                noteConnected(peer, info)
                connected = true
            case .keyingMaterial(let km):
                installKeys(peer, km)
            case .applicationData(let data):
                peer.stats.appIn += 1
                delegate?.peer(peer, receivedApplicationData: data)
            case .peerClosed: ended = .some(nil)
            case .failed(let error): ended = .some(error)
            }
        }
        if result.handedOver { peer.offload = nil }
        if let ended {
            flushIfNeeded()
            finish(peer, error: ended)
            return
        }
        if connected { delegate?.peerConnected(peer) }
        if peer.offload == nil {
            drainAndFlush(peer)  // our connection now: re-arms its timer too
        } else {
            armTimer(peer, result.deadline)
            flushIfNeeded()
        }
    }

    // MARK: - Engine output

    func drainAndFlush(_ peer: DTLSPeer) {
        drain(peer)
        flushIfNeeded()
    }

    /// Drains the connection's output until `.timeout`, then re-arms its timer.
    func drain(_ peer: DTLSPeer) {
        let id = ObjectIdentifier(peer)
        guard !peer.isFinished, !draining.contains(id) else { return }
        draining.insert(id)
        defer { draining.remove(id) }
        var ended: DTLSError?? = nil
        var justConnected = false
        while true {
            switch peer.connection.pollOutput(into: &outBuffer) {
            case .packet:
                write(outBuffer[...], to: peer.address, flush: false)
            case .applicationData:
                peer.stats.appIn += 1
                let data = outBuffer
                delegate?.peer(peer, receivedApplicationData: data)
            case .peerCertificate:
                break
            case .connected(let info):
                noteConnected(peer, info)
                justConnected = true
            case .keyingMaterial(let km):
                installKeys(peer, km)
            case .peerClosed:
                ended = .some(nil)
            case .failed(let error):
                ended = .some(error)
            case .timeout(let deadline):
                if justConnected {
                    justConnected = false
                    delegate?.peerConnected(peer)
                    continue  // the delegate may have queued output
                }
                if let ended {
                    finish(peer, error: ended)
                } else {
                    armTimer(peer, deadline)
                }
                return
            }
        }
    }

    func write(_ bytes: ArraySlice<UInt8>, to address: SocketAddress, flush: Bool) {
        if trace { FileHandle.standardError.write(Data(("write \(bytes.count) to \(address)" + "\n").utf8)) }
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: buffer)), promise: nil)
        if flush, !inReadBurst, draining.isEmpty { context.flush() } else { needsFlush = true }
    }

    private func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    // MARK: - Timers

    /// Which of a peer's two timers a queue entry is.
    struct TimerKey: Hashable {
        var peer: ObjectIdentifier
        var idle: Bool
    }

    /// Every peer's engine deadline and idle deadline in one heap
    /// (`TimerQueue`): arming, moving and cancelling are O(log n) or O(1),
    /// and the event loop holds a single wake-up for the earliest one.
    /// (NIO cancels a scheduled task by searching its queue, which is
    /// linear in the number of armed tasks: one task per peer would make
    /// each re-arm O(peers).)
    private var timers = TimerQueue<TimerKey>()
    private var timerPeers: [ObjectIdentifier: DTLSPeer] = [:]
    private var wakeup: Scheduled<Void>?
    private var wakeupAt: DTLSInstant?

    private func armTimer(_ peer: DTLSPeer, _ deadline: DTLSInstant?) {
        guard deadline != peer.timerDeadline else { return }
        peer.timerDeadline = deadline
        let id = ObjectIdentifier(peer)
        timerPeers[id] = peer
        timers.schedule(TimerKey(peer: id, idle: false), at: deadline)
        rearmWakeup()
    }

    private func armIdleTimer(_ peer: DTLSPeer, at deadline: NIODeadline) {
        let id = ObjectIdentifier(peer)
        timerPeers[id] = peer
        let delay = max(0, deadline.uptimeNanoseconds.subtractingReportingOverflow(NIODeadline.now().uptimeNanoseconds).partialValue)
        timers.schedule(TimerKey(peer: id, idle: true), at: .now + .nanoseconds(Int64(clamping: delay)))
        rearmWakeup()
    }

    private func cancelTimers(_ peer: DTLSPeer) {
        let id = ObjectIdentifier(peer)
        timers.cancel(TimerKey(peer: id, idle: false))
        timers.cancel(TimerKey(peer: id, idle: true))
        timerPeers[id] = nil
        peer.timerDeadline = nil
    }

    /// Keeps one NIO task armed for the earliest deadline in the queue.
    private func rearmWakeup() {
        let next = timers.nextDeadline()
        guard next != wakeupAt else { return }
        wakeup?.cancel()
        wakeup = nil
        wakeupAt = next
        guard let next, let context else { return }
        let (seconds, attoseconds) = DTLSInstant.now.duration(to: next).components
        let nanos = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        wakeup = context.eventLoop.assumeIsolated().scheduleTask(deadline: .now() + .nanoseconds(nanos)) { [weak self] in
            self?.timersFired()
        }
    }

    private func timersFired() {
        wakeup = nil
        wakeupAt = nil
        for key in timers.popExpired(now: .now) {
            guard let peer = timerPeers[key.peer], !peer.isFinished else { continue }
            if key.idle {
                let due = peer.lastActivity + limits.idleTimeout
                if due <= .now() {
                    close(peer, error: DTLSError(.closed, alert: nil, "idle for \(limits.idleTimeout.nanoseconds / 1_000_000) ms"))
                } else {
                    armIdleTimer(peer, at: due)  // activity since: sleep until the new due time
                }
            } else if peer.offload != nil {
                peer.timerDeadline = nil
                offload(peer) { $0.handleTimeout(now: .now) }
            } else {
                peer.timerDeadline = nil
                peer.connection.handleTimeout(now: .now)
                drainAndFlush(peer)
            }
        }
        rearmWakeup()
    }

    // MARK: - Ending

    /// Sends close_notify (if the connection is live) and removes the peer.
    func close(_ peer: DTLSPeer, error: DTLSError?) {
        guard !peer.isFinished, !peer.closing else { return }
        if peer.offload != nil {
            // The connection belongs to its handshake loop: abandon the
            // handshake (no alert, as on a handshake timeout).
            finish(peer, error: error)
            return
        }
        peer.closing = true
        peer.connection.close()
        drainLoop: while true {
            switch peer.connection.pollOutput(into: &outBuffer) {
            case .packet: write(outBuffer[...], to: peer.address, flush: false)
            case .timeout: break drainLoop
            default: continue
            }
        }
        flushIfNeeded()
        finish(peer, error: error)
    }

    private func finish(_ peer: DTLSPeer, error: DTLSError?) {
        guard !peer.isFinished else { return }
        peer.isFinished = true
        cancelTimers(peer)
        rearmWakeup()
        if peer.isEstablished { establishedPeers -= 1 } else {
            handshakesInFlight -= 1
            handshaking[ObjectIdentifier(peer)] = nil
        }
        if peers[peer.address] === peer { peers[peer.address] = nil }
        peer.inbound = []
        peer.inboundHead = 0
        flushIfNeeded()
        delegate?.peerClosed(peer, error: error)
    }

    /// Closes every peer with close_notify.
    public func closeAll() {
        for peer in Array(peers.values) { close(peer, error: nil) }
    }
}
