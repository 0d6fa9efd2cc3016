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
/// - **ICE in front** (`admission: .allowedAddresses`): STUN from any
///   address is handed to the application (`.stun(from:)`), which runs
///   its ICE agent and calls `allow(_:remoteFingerprints:)` for an
///   address that passed a connectivity check, with that peer's offer's
///   fingerprints; DTLS is answered only from allowed addresses. For
///   `a=setup:active`, `connect(to:remoteFingerprints:now:)` makes this
///   side the DTLS client of that peer. This is how a WebRTC server (the
///   browser demo, an SFU) runs every browser on one core.
///
/// Driving it: for each datagram of a read burst call `receive`, then
/// `service(now:)` once, then drain `pollOutput(into:)` until `.timeout`.
/// `Datagram` is the driver's buffer type (`[UInt8]`, or SwiftNIO's
/// `ByteBuffer` in DTLSNIO): a media packet stays in the buffer it was
/// read into, from `receive` to `.rtp` and back out through `protectRTP`.
/// Confined to one thread, like the endpoints it owns.
public final class DTLSSRTPServer<Address: Hashable & Sendable, Datagram: ServerDatagram> {
    /// Bounds on what peers can make the server hold.
    public typealias Limits = DTLSSRTPServerLimits
    /// What the server did, for metrics and logs.
    public typealias Counters = DTLSSRTPServerCounters

    /// Who may start a DTLS handshake with the server.
    public enum Admission: Sendable, Hashable {
        /// Any client whose cookie verifies; its certificate must match
        /// `configuration.remoteFingerprints`. STUN from strangers is dropped.
        case cookie
        /// Only addresses the application allowed (after an ICE check),
        /// each with its own fingerprints; STUN from any address is handed
        /// to the application as `.stun(from:)`.
        case allowedAddresses
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
        /// The new DTLS association that `restart(peerAt:...)` started
        /// completed: the peer's new certificate matched, and its media now
        /// runs on the new keys (RFC 8842).
        case restarted(Address, EndpointConnectionInfo)
        /// The peer is gone: closed by either side, failed (the error says
        /// why: a handshake failure, a fingerprint mismatch, an SRTP keying
        /// failure), idle, or evicted. Its final counters come along.
        case closed(Address, EndpointError?, EndpointCounters)
        /// Nothing more to do until this instant (call `handleTimeout`) or
        /// new input; nil: no timer armed. Always the last output of a drain.
        case timeout(DTLSInstant?)
    }

    /// How a peer's datagrams and timers are kept.
    @usableFromInline
    final class Peer {
        @usableFromInline let id: UInt64
        @usableFromInline let address: Address
        @usableFromInline let endpoint: DTLSSRTPEndpoint
        @usableFromInline var inbound: [Datagram] = []
        @usableFromInline var inboundHead = 0
        @usableFromInline var isReady = false
        @usableFromInline var isConnected = false
        @usableFromInline var isGone = false
        @usableFromInline var lastActivity: DTLSInstant
        /// When its cookie verified.
        @usableFromInline let admittedAt: DTLSInstant

        @usableFromInline
        init(id: UInt64, address: Address, endpoint: DTLSSRTPEndpoint, now: DTLSInstant) {
            self.id = id
            self.address = address
            self.endpoint = endpoint
            self.lastActivity = now
            self.admittedAt = now
        }

        @inlinable var queuedCount: Int { inbound.count - inboundHead }
    }

    @usableFromInline
    enum TimerKey: Hashable {
        case engine(UInt64)
        case idle(UInt64)
    }

    public let configuration: EndpointConfiguration
    public let limits: Limits
    public let admission: Admission
    /// Addresses allowed to handshake (`.allowedAddresses`), with the
    /// fingerprints their certificate must match.
    private var allowed: [Address: [Fingerprint]] = [:]
    /// What the server did so far.
    public var counters: Counters { _counters }
    @usableFromInline var _counters = Counters()
    private var listener: DTLSCookieListener
    private let addressBytes: @Sendable (Address) -> [UInt8]
    @usableFromInline var peers: [Address: Peer] = [:]
    private var peersByID: [UInt64: Peer] = [:]
    private var nextPeerID: UInt64 = 0
    private var handshaking: [UInt64: Peer] = [:]
    @usableFromInline var ready: [Peer] = []
    private var timers = TimerQueue<TimerKey>()

    @usableFromInline var outputs: [(Output, Datagram)] = []
    @usableFromInline var outputHead = 0
    private var scratch: [UInt8] = []

    /// A server for `configuration` (its role is forced to server).
    /// `addressBytes` encodes an address for the cookie (IP and port bytes,
    /// or any stable encoding): a cookie is valid only from the address it
    /// was sent to. Servers on several sockets (one per event loop) pass
    /// one `cookieSecret`, so a cookie minted by one verifies at each.
    public init(configuration: EndpointConfiguration, limits: Limits = Limits(), admission: Admission = .cookie,
                cookieSecret: DTLSCookieSecret? = nil,
                now: DTLSInstant, addressBytes: @escaping @Sendable (Address) -> [UInt8]) throws(EndpointError) {
        var config = configuration
        config.role = .server
        self.configuration = config
        self.limits = limits
        self.admission = admission
        self.addressBytes = addressBytes
        // With ICE in front the fingerprints are each peer's own (`allow`),
        // passed to each accepted connection; the listener's own are unused.
        var listenerConfig = config
        if admission == .allowedAddresses { listenerConfig.acceptsAnyCertificate = true }
        self.listener = DTLSCookieListener(configuration: try listenerConfig.effectiveDTLSConfiguration(), sharedSecret: cookieSecret, now: now)
        // ICE's connectivity checks proved the address (RFC 8445 7.2.5):
        // no cookie round trip before the handshake.
        if admission == .allowedAddresses { listener.verifiesAddresses = false }
    }

    /// Peers in all (handshaking or connected).
    public var peerCount: Int { peers.count }
    /// Peers whose handshake is running.
    public var handshakesInFlight: Int { handshaking.count }
    /// The endpoint of the peer at `address`, for its counters and state.
    public func endpoint(for address: Address) -> DTLSSRTPEndpoint? { peers[address]?.endpoint }
    /// The addresses of the peers held now.
    public var peerAddresses: [Address] { Array(peers.keys) }
    /// When the peer at `address` proved its address (its cookie verified).
    public func admittedAt(_ address: Address) -> DTLSInstant? { peers[address]?.admittedAt }

    // MARK: - Input

    /// Takes one datagram of a read burst. A known peer's datagram is
    /// queued for `service` (or dropped and counted when its queue is
    /// full); anything else goes to the stateless front door at once.
    @inlinable
    public func receive(_ datagram: Datagram, from address: Address, now: DTLSInstant) {
        guard let peer = peers[address], !peer.isGone else {
            handleStranger(datagram, from: address, now: now)
            return
        }
        if peer.isConnected, !peer.endpoint.isRestarting, let offset = datagram.withBytes({ Self.clientHelloFragmentOffset($0) }) {
            // RFC 6347 4.2.8: a new handshake from a connected peer's
            // address. It proves nothing until its cookie verifies, and it
            // never reaches the old association (which would refuse it as
            // a renegotiation). Later fragments go to the front door only
            // while it holds the start of that hello.
            if offset == 0 || frontDoorIsCollecting(from: address) {
                handleRestart(datagram, of: peer, now: now)
            } else {
                _counters.strangersDropped += 1
            }
            return
        }
        guard peer.queuedCount < limits.maxQueuedPerPeer else {
            _counters.queueDrops += 1
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
    @inlinable
    public func service(now: DTLSInstant) {
        var index = 0
        while index < ready.count {
            let peer = ready[index]
            index += 1
            var budget = limits.datagramsPerTurn
            while budget > 0, peer.inboundHead < peer.inbound.count, !peer.isGone {
                var datagram = peer.inbound[peer.inboundHead]
                peer.inbound[peer.inboundHead] = Datagram()
                peer.inboundHead += 1
                budget -= 1
                process(&datagram, for: peer, now: now)
            }
            if peer.inboundHead < peer.inbound.count, !peer.isGone {
                ready.append(peer)  // another turn, after everyone else
            } else {
                peer.inbound.removeAll(keepingCapacity: peer.inbound.capacity <= 64)
                peer.inboundHead = 0
                peer.isReady = false
            }
        }
        ready.removeAll(keepingCapacity: true)
    }

    // MARK: - ICE in front

    /// Lets the peer at `address` handshake (with `.allowedAddresses`):
    /// its certificate must match one of `remoteFingerprints` (its offer's
    /// `a=fingerprint`s). Call it when the address passed an ICE check.
    public func allow(_ address: Address, remoteFingerprints: [Fingerprint]) {
        allowed[address] = remoteFingerprints
    }

    /// Withdraws `allow` when the path is gone (ICE consent expired): a
    /// peer there is dropped at once, without a close_notify, since RFC
    /// 7675 says to stop sending; it is reported `.closed`. (To end a
    /// session gracefully, `close` it first.)
    public func revoke(_ address: Address) {
        allowed[address] = nil
        guard let peer = peers[address], !peer.isGone else { return }
        remove(peer, reason: nil)
    }

    /// Starts a DTLS handshake as the client of the peer at `address`
    /// (`a=setup:active`), whose certificate must match one of
    /// `remoteFingerprints`; drain `pollOutput` to send its ClientHello.
    /// Throws `.peerLimitReached` at `maxPeers`, `.addressInUse` when a
    /// peer is already there.
    public func connect(to address: Address, remoteFingerprints: [Fingerprint], now: DTLSInstant) throws(EndpointError) {
        if let existing = peers[address], !existing.isGone { throw .addressInUse }
        guard peers.count < limits.maxPeers else { throw .peerLimitReached }
        var config = configuration
        config.role = .client
        config.remoteFingerprints = remoteFingerprints
        config.idleTimeout = nil  // the core's own idle timer (limits.idleTimeout) covers its peers
        let endpoint = try DTLSSRTPEndpoint(configuration: config)
        endpoint.start(now: now)
        add(endpoint, at: address, now: now)
    }

    /// Starts a new DTLS association with the connected peer at `address`
    /// (RFC 8842: its new remote description brought a new fingerprint or
    /// `a=setup` role): see `DTLSSRTPEndpoint.restart`. Its media keeps
    /// flowing on the current keys until `.restarted` reports the new ones;
    /// meanwhile its new ClientHello (when it is the DTLS client) goes to
    /// its own endpoint, not through the front door as a replacement.
    public func restart(peerAt address: Address, remoteFingerprints: [Fingerprint], role: DTLSRole? = nil,
                        identity: DTLSIdentity? = nil, now: DTLSInstant) throws(EndpointError) {
        guard let peer = peers[address], !peer.isGone else { throw .closed }
        try peer.endpoint.restart(remoteFingerprints: remoteFingerprints, role: role, identity: identity, now: now)
        drain(peer, now: now)
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
                    _counters.idleClosed += 1
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

    /// Protects the RTP packet in `bytes[0..<length]` in place, in the
    /// driver's own memory, for the peer at `address`; returns the
    /// protected length. `bytes` needs the profile's trailer room.
    @inlinable
    public func protectRTP(_ bytes: inout MutableSpan<UInt8>, length: Int, for address: Address) throws(EndpointError) -> Int {
        guard let peer = peers[address], !peer.isGone else { throw .closed }
        return try peer.endpoint.protectRTP(&bytes, length: length)
    }

    /// Protects the (compound) RTCP packet in `bytes[0..<length]` in place.
    @inlinable
    public func protectRTCP(_ bytes: inout MutableSpan<UInt8>, length: Int, for address: Address) throws(EndpointError) -> Int {
        guard let peer = peers[address], !peer.isGone else { throw .closed }
        return try peer.endpoint.protectRTCP(&bytes, length: length)
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
    @inlinable
    public func pollOutput(into buffer: inout Datagram) -> Output {
        if outputHead < outputs.count {
            let index = outputHead
            outputHead += 1
            swap(&buffer, &outputs[index].1)
            let output = outputs[index].0
            outputs[index].1 = Datagram()
            if outputHead >= outputs.count {
                outputs.removeAll(keepingCapacity: true)
                outputHead = 0
            }
            return output
        }
        return .timeout(nextDeadline())
    }

    /// The next timer's instant (out of line: the timer heap stays internal).
    @usableFromInline
    func nextDeadline() -> DTLSInstant? {
        timers.nextDeadline()
    }

    @inlinable
    func emit(_ output: Output, _ bytes: Datagram = Datagram()) {
        outputs.append((output, bytes))
    }

    @usableFromInline
    func emit(_ output: Output, _ bytes: [UInt8]) {
        outputs.append((output, Datagram(datagram: bytes)))
    }

    // MARK: - Internals

    /// The fragment offset when the datagram's first record is an epoch-0
    /// handshake record carrying a ClientHello fragment, else nil.
    @inlinable
    static func clientHelloFragmentOffset(_ datagram: Span<UInt8>) -> UInt32? {
        // Record: type 22, version, epoch 0 (bytes 3-4), sequence, length;
        // then the handshake header at 13: type 1, length, message_seq,
        // fragment_offset (bytes 19-21).
        guard datagram.count >= 25, datagram[0] == 22, datagram[3] == 0, datagram[4] == 0, datagram[13] == 1 else { return nil }
        return UInt32(datagram[19]) << 16 | UInt32(datagram[20]) << 8 | UInt32(datagram[21])
    }

    @usableFromInline
    func handleStranger(_ datagram: Datagram, from address: Address, now: DTLSInstant) {
        let kind = datagram.withBytes { Demultiplexer.classify($0) }
        if kind == .stun, admission == .allowedAddresses {
            emit(.stun(from: address), datagram)  // the application's ICE agent answers (or not)
            return
        }
        guard kind == .dtls, admission == .cookie || allowed[address] != nil else {
            _counters.strangersDropped += 1
            return
        }
        switch listener.handle(datagram.withBytes { [UInt8](copying: $0) }, from: addressBytes(address), now: now,
                               peerVerification: allowed[address].map { .fingerprints($0) }) {
        case .drop:
            _counters.strangersDropped += 1
        case .reply(let reply):
            countReply(reply)
            emit(.transmit(to: address), reply)
        case .accept(let connection):
            if handshaking.count >= limits.maxHandshakesInFlight { evictStaleHandshake(now: now) }
            guard handshaking.count < limits.maxHandshakesInFlight, peers.count < limits.maxPeers else {
                _counters.refusedByLimits += 1
                return
            }
            admit(connection, at: address, now: now)
        }
    }

    @usableFromInline
    func handleRestart(_ datagram: Datagram, of old: Peer, now: DTLSInstant) {
        switch listener.handle(datagram.withBytes { [UInt8](copying: $0) }, from: addressBytes(old.address), now: now,
                               peerVerification: allowed[old.address].map { .fingerprints($0) }) {
        case .drop:
            // Not a hello we answer: the old association keeps it (a
            // retransmitted ClientHello is harmless to a connected engine).
            _counters.strangersDropped += 1
        case .reply(let reply):
            countReply(reply)
            emit(.transmit(to: old.address), reply)
        case .accept(let connection):
            // The client proved it receives at this address: the old
            // association is dead (RFC 6347 4.2.8). Replace it.
            _counters.replaced += 1
            old.endpoint.close()
            removeQuietly(old)
            emit(.replaced(old.address))
            admit(connection, at: old.address, now: now)
        }
    }

    /// Whether the front door holds the start of a ClientHello from `address`.
    @usableFromInline
    func frontDoorIsCollecting(from address: Address) -> Bool {
        listener.isCollecting(from: addressBytes(address))
    }

    /// Counts a front-door reply by what it is: a HelloVerifyRequest, a
    /// HelloRetryRequest (both handshake records) or an alert.
    private func countReply(_ reply: [UInt8]) {
        switch (reply.first, reply.count > 13 ? reply[13] : nil) {
        case (22, HandshakeType.helloVerifyRequest.rawValue): _counters.helloVerifyRequests += 1
        case (22, _): _counters.helloRetryRequests += 1
        default: _counters.statelessAlerts += 1
        }
    }

    private func admit(_ connection: DTLSConnection, at address: Address, now: DTLSInstant) {
        var config = configuration
        config.idleTimeout = nil  // the core's own idle timer (limits.idleTimeout) covers its peers
        if let fingerprints = allowed[address] { config.remoteFingerprints = fingerprints }
        let endpoint: DTLSSRTPEndpoint
        do {
            endpoint = try DTLSSRTPEndpoint(adopting: connection, configuration: config)
        } catch {
            _counters.refusedByLimits += 1
            return
        }
        add(endpoint, at: address, now: now)
    }

    private func add(_ endpoint: DTLSSRTPEndpoint, at address: Address, now: DTLSInstant) {
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
        _counters.evictedHandshakes += 1
        remove(oldest, reason: .dtls(DTLSError(.handshakeTimeout, alert: nil, "evicted: stale handshake at the limit")))
    }

    @inlinable
    func process(_ datagram: inout Datagram, for peer: Peer, now: DTLSInstant) {
        let endpoint = peer.endpoint
        let inbound = datagram.withMutableBytes { bytes in
            endpoint.handleDatagram(&bytes, length: bytes.count, now: now)
        }
        switch inbound {
        case .rtp(let length):
            datagram.truncate(to: length)
            emit(.rtp(from: peer.address), datagram)
        case .rtcp(let length):
            datagram.truncate(to: length)
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
    @usableFromInline
    func drain(_ peer: Peer, now: DTLSInstant) {
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
                if peer.isConnected {
                    emit(.restarted(peer.address, info))
                    continue
                }
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
