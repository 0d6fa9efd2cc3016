import DTLS
import DTLSCrypto
import SRTP

/// A Sans-IO DTLS-SRTP server for many peers on one socket: the multi-peer
/// core a UDP driver (SwiftNIO, a raw socket, a test) runs.
///
/// - **A stateless front door.** A datagram from an unknown address only
///   reaches `DTLSCookieListener`; a `DTLSSRTPEndpoint` exists for a peer
///   only once its cookie verified (RFC 6347 4.2.1).
/// - **One endpoint per transport address**, with the endpoint's gate:
///   SRTP keys only after the peer's certificate matched a fingerprint.
/// - **Limits**: handshakes in flight, peers, datagrams queued per peer;
///   a stale half-open handshake is evicted to admit a new one.
/// - **Fairness**: `receive` queues a read burst per peer, and `service`
///   serves the peers round-robin, `datagramsPerTurn` at a time, so a
///   flooding peer delays the others by at most one turn.
/// - **Restart on the same address** (RFC 6347 4.2.8): a new epoch-0
///   ClientHello from a connected peer's address goes through the cookie
///   exchange; when its cookie verifies, the old association is replaced
///   (reported as `.replaced`) and the new handshake runs.
/// - **One timer heap** (`TimerQueue`) for every peer's retransmission,
///   deadline and idle timers: the driver arms one wake-up at the
///   `.timeout` instant of `pollOutput` and calls `handleTimeout(now:)`.
///
/// Driving it: for each datagram of a read burst call `receive`, then
/// `service(now:)` once, then drain `pollOutput(into:)` until `.timeout`.
/// Confined to one thread, like the endpoints it owns.
public final class DTLSSRTPServer<Address: Hashable & Sendable> {
    /// Bounds on what peers can make the server hold.
    public struct Limits: Sendable, Hashable {
        /// Peers whose cookie verified but whose handshake has not completed.
        public var maxHandshakesInFlight = 64
        /// Peers in all, handshaking or connected.
        public var maxPeers = 1024
        /// A peer from which nothing arrived for this long is closed.
        public var idleTimeout: Duration = .seconds(30)
        /// A handshake silent this long may be evicted when the handshake
        /// limit is reached and a new verified client arrives.
        public var staleHandshakeAfter: Duration = .seconds(2)
        /// Datagrams of one peer served per round-robin turn.
        public var datagramsPerTurn = 8
        /// Datagrams queued for one peer between two `service` calls;
        /// beyond it that peer's datagrams are dropped and counted.
        public var maxQueuedPerPeer = 256

        /// The defaults: 64 handshakes, 1024 peers, 30 s idle, 8 per turn, 256 queued.
        public init() {}
    }

    /// What the server did, for metrics and logs.
    public struct Counters: Sendable, Hashable {
        /// HelloVerifyRequests sent by the front door.
        public var helloVerifyRequests = 0
        /// Datagrams from unknown addresses that were no ClientHello we answer.
        public var strangersDropped = 0
        /// Verified ClientHellos refused because a limit was reached.
        public var refusedByLimits = 0
        /// Stale half-open handshakes dropped to admit a new one.
        public var evictedHandshakes = 0
        /// Associations replaced by a new handshake from the same address.
        public var replaced = 0
        /// Datagrams dropped because their peer's queue was full.
        public var queueDrops = 0
        /// Peers closed for silence.
        public var idleClosed = 0

        /// All zero.
        public init() {}
    }

    /// One step of output. Byte-carrying cases hand their bytes over in the
    /// caller's buffer by swapping storage, as the endpoint and engine do.
    public enum Output {
        /// The buffer holds one datagram to send to this address.
        case transmit(to: Address)
        /// The buffer holds one authenticated, decrypted RTP packet.
        case rtp(from: Address)
        /// The buffer holds one authenticated, decrypted RTCP packet.
        case rtcp(from: Address)
        /// The buffer holds a DTLS application-data record's plaintext.
        case applicationData(from: Address)
        /// The buffer holds a STUN datagram from a known peer, as received.
        case stun(from: Address)
        /// The peer's handshake completed and its certificate matched this
        /// fingerprint: its identity. Media can flow.
        case connected(Address, EndpointConnectionInfo)
        /// A new handshake from this address replaced the peer that was
        /// connected there (RFC 6347 4.2.8); its keys are gone.
        case replaced(Address)
        /// The peer is gone: closed by either side, failed (the error says
        /// why: a handshake failure, a fingerprint mismatch, an SRTP keying
        /// failure), idle, or evicted. Its final counters come along.
        case closed(Address, EndpointError?, EndpointCounters)
        /// Nothing more to do until this instant (call `handleTimeout`) or
        /// new input; nil: no timer armed. Always the last output of a drain.
        case timeout(DTLSInstant?)
    }

    /// How a peer's datagrams and timers are kept.
    final class Peer {
        let id: UInt64
        let address: Address
        let endpoint: DTLSSRTPEndpoint
        var inbound: [[UInt8]] = []
        var inboundHead = 0
        var isReady = false
        var isConnected = false
        var isGone = false
        var lastActivity: DTLSInstant
        /// When its cookie verified.
        let admittedAt: DTLSInstant

        init(id: UInt64, address: Address, endpoint: DTLSSRTPEndpoint, now: DTLSInstant) {
            self.id = id
            self.address = address
            self.endpoint = endpoint
            self.lastActivity = now
            self.admittedAt = now
        }

        var queuedCount: Int { inbound.count - inboundHead }
    }

    enum TimerKey: Hashable {
        case engine(UInt64)
        case idle(UInt64)
    }

    public let configuration: EndpointConfiguration
    public let limits: Limits
    public private(set) var counters = Counters()
    private var listener: DTLSCookieListener
    private let addressBytes: @Sendable (Address) -> [UInt8]
    private var peers: [Address: Peer] = [:]
    private var peersByID: [UInt64: Peer] = [:]
    private var nextPeerID: UInt64 = 0
    private var handshaking: [UInt64: Peer] = [:]
    private var ready: [Peer] = []
    private var timers = TimerQueue<TimerKey>()

    private var outputs: [(Output, [UInt8])] = []
    private var outputHead = 0
    private var scratch: [UInt8] = []

    /// A server for `configuration` (its role is forced to server).
    /// `addressBytes` encodes an address for the cookie (IP and port bytes,
    /// or any stable encoding): a cookie is valid only from the address it
    /// was sent to.
    public init(configuration: EndpointConfiguration, limits: Limits = Limits(), now: DTLSInstant,
                addressBytes: @escaping @Sendable (Address) -> [UInt8]) throws(EndpointError) {
        var config = configuration
        config.role = .server
        self.configuration = config
        self.limits = limits
        self.addressBytes = addressBytes
        self.listener = DTLSCookieListener(configuration: try config.effectiveDTLSConfiguration(), now: now)
    }

    /// Peers in all (handshaking or connected).
    public var peerCount: Int { peers.count }
    /// Peers whose handshake is running.
    public var handshakesInFlight: Int { handshaking.count }
    /// The endpoint of the peer at `address`, for its counters and state.
    public func endpoint(for address: Address) -> DTLSSRTPEndpoint? { peers[address]?.endpoint }
    /// When the peer at `address` proved its address (its cookie verified).
    public func admittedAt(_ address: Address) -> DTLSInstant? { peers[address]?.admittedAt }

    // MARK: - Input

    /// Takes one datagram of a read burst. A known peer's datagram is
    /// queued for `service` (or dropped and counted when its queue is
    /// full); anything else goes to the stateless front door at once.
    public func receive(_ datagram: [UInt8], from address: Address, now: DTLSInstant) {
        guard let peer = peers[address], !peer.isGone else {
            handleStranger(datagram, from: address, now: now)
            return
        }
        if peer.isConnected, let offset = Self.clientHelloFragmentOffset(datagram) {
            // RFC 6347 4.2.8: a new handshake from a connected peer's
            // address. It proves nothing until its cookie verifies, and it
            // never reaches the old association (which would refuse it as
            // a renegotiation). Later fragments of an unverified hello are
            // dropped, as the front door does for strangers.
            if offset == 0 { handleRestart(datagram, of: peer, now: now) } else { counters.strangersDropped += 1 }
            return
        }
        guard peer.queuedCount < limits.maxQueuedPerPeer else {
            counters.queueDrops += 1
            return
        }
        peer.inbound.append(datagram)
        peer.lastActivity = now
        if !peer.isReady {
            peer.isReady = true
            ready.append(peer)
        }
    }

    /// Serves the queued datagrams round-robin, `datagramsPerTurn` of one
    /// peer per turn, until every queue is empty.
    public func service(now: DTLSInstant) {
        var index = 0
        while index < ready.count {
            let peer = ready[index]
            index += 1
            var budget = limits.datagramsPerTurn
            while budget > 0, peer.inboundHead < peer.inbound.count, !peer.isGone {
                var datagram = peer.inbound[peer.inboundHead]
                peer.inbound[peer.inboundHead] = []
                peer.inboundHead += 1
                budget -= 1
                process(&datagram, for: peer, now: now)
            }
            if peer.inboundHead < peer.inbound.count, !peer.isGone {
                ready.append(peer)  // another turn, after everyone else
            } else {
                peer.inbound.removeAll(keepingCapacity: peer.inbound.capacity <= 16)
                peer.inboundHead = 0
                peer.isReady = false
            }
        }
        ready.removeAll(keepingCapacity: true)
    }

    /// Fires every timer due at `now`: retransmissions, handshake deadlines, idle peers.
    public func handleTimeout(now: DTLSInstant) {
        for key in timers.popExpired(now: now) {
            switch key {
            case .engine(let id):
                guard let peer = peersByID[id], !peer.isGone else { continue }
                peer.endpoint.handleTimeout(now: now)
                drain(peer, now: now)
            case .idle(let id):
                guard let peer = peersByID[id], !peer.isGone else { continue }
                let quietUntil = peer.lastActivity + limits.idleTimeout
                if now >= quietUntil {
                    counters.idleClosed += 1
                    peer.endpoint.close()
                    drain(peer, now: now)
                    remove(peer, reason: nil)
                } else {
                    timers.schedule(.idle(id), at: quietUntil)
                }
            }
        }
    }

    // MARK: - Media out

    /// Protects an RTP packet in place for the peer at `address`; returns
    /// the protected length. Send `buffer[0..<length]` to `address`.
    public func protectRTP(_ buffer: inout [UInt8], length: Int, for address: Address) throws(EndpointError) -> Int {
        guard let peer = peers[address], !peer.isGone else { throw .closed }
        return try peer.endpoint.protectRTP(&buffer, length: length)
    }

    /// Protects an RTCP packet in place for the peer at `address`.
    public func protectRTCP(_ buffer: inout [UInt8], length: Int, for address: Address) throws(EndpointError) -> Int {
        guard let peer = peers[address], !peer.isGone else { throw .closed }
        return try peer.endpoint.protectRTCP(&buffer, length: length)
    }

    /// Sends DTLS application data to the peer at `address` (drain `pollOutput`).
    public func send(_ data: [UInt8], to address: Address, now: DTLSInstant) throws(EndpointError) {
        guard let peer = peers[address], !peer.isGone else { throw .closed }
        try peer.endpoint.send(data)
        drain(peer, now: now)
    }

    /// Closes the peer at `address` with close_notify (drain `pollOutput`).
    public func close(_ address: Address, now: DTLSInstant) {
        guard let peer = peers[address], !peer.isGone else { return }
        peer.endpoint.close()
        drain(peer, now: now)
        remove(peer, reason: nil)
    }

    // MARK: - Output

    /// The next output; the last of a drain is always `.timeout`.
    public func pollOutput(into buffer: inout [UInt8]) -> Output {
        if outputHead < outputs.count {
            let index = outputHead
            outputHead += 1
            swap(&buffer, &outputs[index].1)
            let output = outputs[index].0
            outputs[index].1 = []
            if outputHead >= outputs.count {
                outputs.removeAll(keepingCapacity: true)
                outputHead = 0
            }
            return output
        }
        return .timeout(timers.nextDeadline())
    }

    private func emit(_ output: Output, _ bytes: [UInt8] = []) {
        outputs.append((output, bytes))
    }

    // MARK: - Internals

    /// The fragment offset when the datagram's first record is an epoch-0
    /// handshake record carrying a ClientHello fragment, else nil.
    static func clientHelloFragmentOffset(_ datagram: [UInt8]) -> UInt32? {
        // Record: type 22, version, epoch 0 (bytes 3-4), sequence, length;
        // then the handshake header at 13: type 1, length, message_seq,
        // fragment_offset (bytes 19-21).
        guard datagram.count >= 25, datagram[0] == 22, datagram[3] == 0, datagram[4] == 0, datagram[13] == 1 else { return nil }
        return UInt32(datagram[19]) << 16 | UInt32(datagram[20]) << 8 | UInt32(datagram[21])
    }

    private func handleStranger(_ datagram: [UInt8], from address: Address, now: DTLSInstant) {
        guard Demultiplexer.classify(datagram) == .dtls else {
            counters.strangersDropped += 1
            return
        }
        switch listener.handle(datagram, from: addressBytes(address), now: now) {
        case .drop:
            counters.strangersDropped += 1
        case .reply(let helloVerifyRequest):
            counters.helloVerifyRequests += 1
            emit(.transmit(to: address), helloVerifyRequest)
        case .accept(let connection):
            if handshaking.count >= limits.maxHandshakesInFlight { evictStaleHandshake(now: now) }
            guard handshaking.count < limits.maxHandshakesInFlight, peers.count < limits.maxPeers else {
                counters.refusedByLimits += 1
                return
            }
            admit(connection, at: address, now: now)
        }
    }

    private func handleRestart(_ datagram: [UInt8], of old: Peer, now: DTLSInstant) {
        switch listener.handle(datagram, from: addressBytes(old.address), now: now) {
        case .drop:
            // Not a hello we answer: the old association keeps it (a
            // retransmitted ClientHello is harmless to a connected engine).
            counters.strangersDropped += 1
        case .reply(let helloVerifyRequest):
            counters.helloVerifyRequests += 1
            emit(.transmit(to: old.address), helloVerifyRequest)
        case .accept(let connection):
            // The client proved it receives at this address: the old
            // association is dead (RFC 6347 4.2.8). Replace it.
            counters.replaced += 1
            old.endpoint.close()
            removeQuietly(old)
            emit(.replaced(old.address))
            admit(connection, at: old.address, now: now)
        }
    }

    private func admit(_ connection: DTLSConnection, at address: Address, now: DTLSInstant) {
        let endpoint: DTLSSRTPEndpoint
        do {
            endpoint = try DTLSSRTPEndpoint(adopting: connection, configuration: configuration)
        } catch {
            counters.refusedByLimits += 1
            return
        }
        nextPeerID += 1
        let peer = Peer(id: nextPeerID, address: address, endpoint: endpoint, now: now)
        peers[address] = peer
        peersByID[peer.id] = peer
        handshaking[peer.id] = peer
        timers.schedule(.idle(peer.id), at: now + limits.idleTimeout)
        drain(peer, now: now)
    }

    /// At the handshake limit, makes room by dropping the handshake that
    /// has been silent longest, if silent for `staleHandshakeAfter`.
    private func evictStaleHandshake(now: DTLSInstant) {
        var oldest: Peer?
        for peer in handshaking.values where now - peer.lastActivity >= limits.staleHandshakeAfter {
            if oldest == nil || peer.lastActivity < oldest!.lastActivity { oldest = peer }
        }
        guard let oldest else { return }
        counters.evictedHandshakes += 1
        remove(oldest, reason: .dtls(DTLSError(.handshakeTimeout, alert: nil, "evicted: stale handshake at the limit")))
    }

    private func process(_ datagram: inout [UInt8], for peer: Peer, now: DTLSInstant) {
        switch peer.endpoint.handleDatagram(&datagram, length: datagram.count, now: now) {
        case .rtp(let length):
            datagram.removeLast(datagram.count - length)
            emit(.rtp(from: peer.address), datagram)
        case .rtcp(let length):
            datagram.removeLast(datagram.count - length)
            emit(.rtcp(from: peer.address), datagram)
        case .stun:
            emit(.stun(from: peer.address), datagram)
        case .dtls:
            drain(peer, now: now)
        case .turnChannel, .dropped:
            break  // counted by the endpoint
        }
    }

    /// Moves the endpoint's output into the server's, acting on its events.
    /// A peer that ended is reported after its last datagrams (its
    /// close_notify or alert), so a driver writes them first.
    private func drain(_ peer: Peer, now: DTLSInstant) {
        var ended = false
        while true {
            switch peer.endpoint.pollOutput(into: &scratch) {
            case .transmit:
                emit(.transmit(to: peer.address), scratch)
                scratch = []
            case .rtp:
                emit(.rtp(from: peer.address), scratch)
                scratch = []
            case .rtcp:
                emit(.rtcp(from: peer.address), scratch)
                scratch = []
            case .applicationData:
                emit(.applicationData(from: peer.address), scratch)
                scratch = []
            case .stun:
                emit(.stun(from: peer.address), scratch)
                scratch = []
            case .turnChannel:
                continue
            case .stateChanged(let state):
                switch state {
                case .failed, .closed:
                    if !peer.isGone {
                        removeQuietly(peer)
                        ended = true
                    }
                case .new, .connecting, .connected:
                    break
                }
            case .connected(let info):
                peer.isConnected = true
                handshaking[peer.id] = nil
                emit(.connected(peer.address, info))
            case .timeout(let deadline):
                if !peer.isGone { timers.schedule(.engine(peer.id), at: deadline) }
                if ended { emit(.closed(peer.address, peer.endpoint.failure, peer.endpoint.counters)) }
                return
            }
        }
    }

    /// Forgets a peer and reports it gone.
    private func remove(_ peer: Peer, reason: EndpointError?) {
        guard !peer.isGone else { return }
        removeQuietly(peer)
        emit(.closed(peer.address, reason, peer.endpoint.counters))
    }

    private func removeQuietly(_ peer: Peer) {
        peer.isGone = true
        if peers[peer.address] === peer { peers[peer.address] = nil }
        peersByID[peer.id] = nil
        handshaking[peer.id] = nil
        timers.cancel(.engine(peer.id))
        timers.cancel(.idle(peer.id))
        peer.inbound = []
        peer.inboundHead = 0
    }
}
