import DTLS
import DTLSCrypto
import SRTP

/// The DTLS-SRTP transport of one peer: DTLS handshake, fingerprint check,
/// SRTP keying, media protection and RFC 7983 demultiplexing, with no
/// sockets, clocks or threads (Sans-IO, like `DTLSConnection`).
///
/// An SFU or a peer connection drives it with the datagrams of whatever ICE
/// agent it uses:
///
/// 1. Create it from an `EndpointConfiguration`, then `start(now:)` once ICE
///    has a working pair (a server that receives a ClientHello before
///    `start` starts implicitly).
/// 2. Feed every datagram from the selected pair to `handleDatagram`.
///    DTLS goes to the engine; SRTP/SRTCP are authenticated and decrypted
///    once keyed; STUN and TURN ChannelData come back untouched; anything
///    else is dropped and counted.
/// 3. Drain `pollOutput(into:)` until `.timeout` after every call: send each
///    `.transmit`, deliver `.rtp`/`.rtcp`, give `.stun`/`.turnChannel` to
///    the ICE agent, and call `handleTimeout(now:)` at the instant returned.
/// 4. Protect outgoing media in place with `protectRTP`/`protectRTCP` (or
///    queue it with `sendRTP`/`sendRTCP`).
///
/// States follow the W3C `RTCDtlsTransportState`: `new`, `connecting`,
/// `connected`, `failed`, `closed`. SRTP keys are installed only after the
/// engine reported the handshake complete and the endpoint itself checked
/// the peer certificate against the SDP fingerprints; on mismatch the state
/// is `failed`, no SRTP session exists and no media flows in either
/// direction.
///
/// Two input paths:
/// - `handleDatagram(_:length:now:)` works in place in the caller's buffer
///   and reports the result at once (the media hot path: no copy, no
///   allocation).
/// - `handleDatagram(_:now:)` takes an array and queues the result for
///   `pollOutput`, reusing pooled buffers (one copy per SRTP packet, no
///   allocation once the pool is warm).
///
/// Concurrency: the endpoint is **not** `Sendable` and must be confined to
/// one thread, actor or serial queue (it owns a `DTLSConnection` and libsrtp
/// contexts, neither of which is thread-safe). It may be handed over as a
/// `sending` value. Everything it returns (`EndpointOutput`,
/// `InboundDatagram`, `EndpointCounters`, `EndpointConnectionInfo`,
/// `EndpointError`, `State`) and its configuration
/// (`EndpointConfiguration`, `DTLSRole`, `SDPSetup`) are `Sendable`
/// values. An SFU runs one endpoint per peer, each on the thread that owns
/// that peer's socket.
public final class DTLSSRTPEndpoint {
    /// The W3C `RTCDtlsTransportState` values.
    public enum State: Sendable, Hashable {
        /// Created; DTLS has not started.
        case new
        /// The DTLS handshake is running.
        case connecting
        /// The handshake completed, the peer matched its fingerprint and SRTP
        /// is keyed.
        case connected
        /// The handshake or the fingerprint check failed (see `failure`).
        /// Terminal.
        case failed
        /// Closed locally (`close()`) or by the peer's close_notify. Terminal.
        case closed
    }

    /// Largest number of bytes `protectRTP`/`protectRTCP` append, whatever
    /// the profile: keep this much spare room after a packet.
    public static let maximumTrailerLength = SRTPSession.maximumTrailerLength

    /// This side's DTLS role; `restart` may change it (RFC 8842).
    public private(set) var role: DTLSRole
    /// What the endpoint runs; `restart` replaces its role, fingerprints
    /// and identity.
    public private(set) var configuration: EndpointConfiguration
    public private(set) var state: State = .new
    /// Why the endpoint failed, once `state == .failed`.
    public private(set) var failure: EndpointError?
    /// The endpoint's counters: its own (DTLS, STUN, queue) merged with
    /// the media channel's (every SRTP packet's outcome).
    public var counters: EndpointCounters {
        var c = endpointCounters
        let m = media.counters
        c.rtpIn = m.rtpIn
        c.rtpOut = m.rtpOut
        c.rtcpIn = m.rtcpIn
        c.rtcpOut = m.rtcpOut
        c.authenticationFailures = m.authenticationFailures
        c.replays = m.replays
        c.malformed += m.malformed
        c.droppedNotKeyed += m.notKeyed
        c.protectFailures += m.protectFailures
        c.dtlsRecordsDropped = retiredDroppedRecords + (connection?.droppedRecords ?? 0)
        return c
    }
    private var endpointCounters = EndpointCounters()
    /// Records dropped by associations that `restart` replaced.
    private var retiredDroppedRecords = 0
    /// The peer's leaf certificate (DER), once the engine surfaced it.
    public private(set) var remoteCertificate: [UInt8]?
    /// Set when the endpoint reached `connected`.
    public private(set) var connectionInfo: EndpointConnectionInfo?

    /// The negotiated profile once keyed (for sizing: `rtpOverhead`,
    /// `rtcpOverhead`).
    public var srtpProfile: SRTPProtectionProfile? { srtp?.profile }
    /// Whether SRTP keys are installed (media can flow).
    public var isKeyed: Bool { srtp != nil }

    /// The NSS key log lines of the connection, for Wireshark (secret:
    /// write it only where the operator asked for it).
    public var keyLogLines: [String] { connection?.keyLogLines ?? [] }

    /// RFC 5705 keying material of the connection, for any label (the SRTP
    /// keys are `EXTRACTOR-dtls_srtp` of the profile's length).
    public func exportKeyingMaterial(label: String, context: [UInt8]? = nil, length: Int) throws(EndpointError) -> [UInt8] {
        guard let connection else { throw .notKeyed }
        do throws(DTLSError) {
            return try connection.exportKeyingMaterial(label: label, context: context, length: length)
        } catch {
            throw .dtls(error)
        }
    }

    private var dtlsConfiguration: DTLSConfiguration
    /// `configuration.idleTimeout`, in a `let`: the media path reads it per
    /// packet, and a class's `var` costs a run-time exclusivity check.
    private let idleTimeout: Duration?
    /// When the peer was last heard from (only kept with an idle timeout).
    private var lastReceived: DTLSInstant?
    /// A new association is being negotiated while media keeps flowing
    /// under the current keys (see `restart`).
    public private(set) var isRestarting = false
    private var connection: DTLSConnection?
    private var srtp: SRTPTransport? {
        get { media.transport }
        set {
            if let newValue { media.install(newValue) } else { media.remove() }
        }
    }
    /// The keys and the media counters: what every packet touches, held in
    /// a `let` so the packet path makes no exclusivity check on the
    /// endpoint (see `SRTPMediaChannel`).
    private let media = SRTPMediaChannel()
    private var engineInfo: DTLSConnectionInfo?
    private var engineDeadline: DTLSInstant?

    // MARK: Output queue (same hand-over scheme as the engine)
    private enum Pending {
        case bytes(EndpointOutput, [UInt8])
        case event(EndpointOutput)
        case empty
    }
    private var outputs: [Pending] = []
    private var outputHead = 0
    private var bufferPool: [[UInt8]] = []
    private static let poolLimit = 16
    private static let bufferCapacity = 1500 + 64

    /// Validates the configuration; nothing is sent until `start(now:)`.
    public init(configuration: EndpointConfiguration) throws(EndpointError) {
        self.role = configuration.role
        self.configuration = configuration
        self.idleTimeout = configuration.idleTimeout
        self.dtlsConfiguration = try configuration.effectiveDTLSConfiguration()
    }

    /// A server endpoint around a connection that `DTLSCookieListener`
    /// accepted (after the stateless cookie exchange), already in
    /// `connecting`. The listener must have been built from
    /// `configuration.effectiveDTLSConfiguration()`.
    public convenience init(adopting connection: DTLSConnection, configuration: EndpointConfiguration) throws(EndpointError) {
        var config = configuration
        config.role = .server
        try self.init(configuration: config)
        self.connection = connection
        transition(to: .connecting)
        pumpEngine()
    }

    // MARK: - Lifecycle

    /// Starts DTLS: a client queues its ClientHello, a server waits for
    /// one. Moves `new` to `connecting`; does nothing in any other state.
    public func start(now: DTLSInstant) {
        guard state == .new else { return }
        if idleTimeout != nil { lastReceived = now }
        connection = role == .client
            ? DTLSConnection(clientWith: dtlsConfiguration, now: now)
            : DTLSConnection(serverWith: dtlsConfiguration, now: now)
        transition(to: .connecting)
        pumpEngine()
    }

    /// Starts a new DTLS association with the same peer, as RFC 8842 (5)
    /// requires when the remote description brings a new fingerprint,
    /// `a=setup` role or `a=tls-id`, as an ICE restart with a renegotiated
    /// certificate does. Media keeps flowing under the current SRTP keys
    /// while the new handshake runs; once it completes and the peer's new
    /// certificate matches `remoteFingerprints`, the new keys replace the
    /// old ones in both directions and `.connected` is reported again with
    /// the new association's details. The state stays `connected` meanwhile
    /// (`isRestarting` says a handshake is under way); a failed new
    /// handshake fails the endpoint, as a first one would.
    ///
    /// The old association is dropped without close_notify: the peer is
    /// restarting too, and its new association would take the alert as its
    /// own. `identity` replaces this side's certificate (when the local
    /// description's fingerprint changed), `role` its DTLS role (nil: the
    /// same). Allowed while `connecting` or `connected`; throws `.closed`
    /// otherwise, and `.noRemoteFingerprints` for an empty list.
    public func restart(remoteFingerprints: [Fingerprint], role newRole: DTLSRole? = nil,
                        identity: DTLSIdentity? = nil, now: DTLSInstant) throws(EndpointError) {
        guard state == .connecting || state == .connected else { throw .closed }
        var config = configuration
        config.role = newRole ?? role
        config.remoteFingerprints = remoteFingerprints
        if let identity {
            config.dtls.certificate = identity.certificate
            config.dtls.privateKey = identity.privateKey
        }
        let dtls = try config.effectiveDTLSConfiguration()
        configuration = config
        dtlsConfiguration = dtls
        role = config.role
        engineInfo = nil
        engineDeadline = nil
        remoteCertificate = nil
        isRestarting = state == .connected
        endpointCounters.restarts += 1
        retiredDroppedRecords += connection?.droppedRecords ?? 0
        connection = role == .client
            ? DTLSConnection(clientWith: dtls, now: now)
            : DTLSConnection(serverWith: dtls, now: now)
        pumpEngine()
    }

    /// Fires DTLS retransmission and deadlines. Harmless when early.
    public func handleTimeout(now: DTLSInstant) {
        guard let connection, state == .connecting || state == .connected else { return }
        if let idleDeadline, now >= idleDeadline {
            endpointCounters.idleClosed += 1
            close()
            return
        }
        connection.handleTimeout(now: now)
        pumpEngine()
    }

    /// Sends close_notify (drain `pollOutput` to transmit it), drops the SRTP
    /// keys and moves to `closed`. Idempotent; a failed endpoint stays failed.
    public func close() {
        switch state {
        case .closed, .failed: return
        case .new: transition(to: .closed)
        case .connecting, .connected:
            srtp = nil
            transition(to: .closed)
            connection?.close()
            pumpEngine()
        }
    }

    // MARK: - Input

    /// Processes one received datagram in place. SRTP/SRTCP are decrypted
    /// into `buffer[0..<length]` and the plaintext length returned; STUN and
    /// TURN ChannelData are left untouched for the caller; DTLS is fed to
    /// the engine (drain `pollOutput` afterwards). Nothing is queued except
    /// the engine's output.
    public func handleDatagram(_ buffer: inout [UInt8], length: Int, now: DTLSInstant) -> InboundDatagram {
        // A DTLS datagram goes to the engine as this array, without the copy
        // the span path makes; everything else is the span path's.
        if length >= 0, length <= buffer.count, Demultiplexer.classify(buffer.span.extracting(0..<length)) == .dtls {
            if idleTimeout != nil { lastReceived = now }
            if let reason = feedDTLS(length == buffer.count ? buffer : Array(buffer[0..<length]), now: now) {
                return .dropped(reason)
            }
            return .dtls
        }
        var bytes = buffer.mutableSpan
        return handleDatagram(&bytes, length: length, now: now)
    }

    /// Processes one received datagram in place in any caller's memory: a
    /// span of a driver's own receive buffer (SwiftNIO's `ByteBuffer`), so
    /// a media packet is decrypted where the socket read put it and never
    /// copied. As `handleDatagram(_:length:now:)` otherwise; a DTLS record
    /// is copied for the engine (handshakes and data channels, not media).
    public func handleDatagram(_ bytes: inout MutableSpan<UInt8>, length: Int, now: DTLSInstant) -> InboundDatagram {
        if idleTimeout != nil { lastReceived = now }
        guard length >= 0, length <= bytes.count else {
            endpointCounters.malformed += 1
            return .dropped(.malformed)
        }
        let kind = Demultiplexer.classify(bytes.span.extracting(0..<length))
        switch kind {
        case .stun:
            endpointCounters.stunIn += 1
            return .stun
        case .turnChannel:
            endpointCounters.turnChannelIn += 1
            return .turnChannel
        case .dtls:
            if let reason = feedDTLS([UInt8](copying: bytes.span.extracting(0..<length)), now: now) {
                return .dropped(reason)
            }
            return .dtls
        case .rtp, .rtcp:
            let isRTP = kind == .rtp
            switch unprotect(&bytes, length: length, isRTP: isRTP) {
            case .success(let n): return isRTP ? .rtp(length: n) : .rtcp(length: n)
            case .failure(let reason): return .dropped(reason)
            }
        case .zrtp, .unknown:
            endpointCounters.droppedUnknownKind += 1
            return .dropped(.unknownKind)
        }
    }

    /// Processes one received datagram and queues the result for
    /// `pollOutput`: `.rtp`/`.rtcp` plaintext (decrypted in a pooled buffer,
    /// `datagram` is not modified), `.stun`/`.turnChannel` (the very array
    /// passed in), or the engine's output for DTLS.
    public func handleDatagram(_ datagram: [UInt8], now: DTLSInstant) {
        if idleTimeout != nil { lastReceived = now }
        let kind = Demultiplexer.classify(datagram)
        switch kind {
        case .stun, .turnChannel:
            guard hasQueueRoom else {
                endpointCounters.droppedQueueFull += 1
                return
            }
            if kind == .stun {
                endpointCounters.stunIn += 1
                outputs.append(.bytes(.stun, datagram))
            } else {
                endpointCounters.turnChannelIn += 1
                outputs.append(.bytes(.turnChannel, datagram))
            }
        case .dtls:
            _ = feedDTLS(datagram, now: now)
        case .rtp, .rtcp:
            guard srtp != nil else {
                endpointCounters.droppedNotKeyed += 1
                return
            }
            guard hasQueueRoom else {
                endpointCounters.droppedQueueFull += 1
                return
            }
            let isRTP = kind == .rtp
            var buffer = takeBuffer()
            buffer.append(contentsOf: datagram)
            switch unprotect(&buffer, length: datagram.count, isRTP: isRTP) {
            case .success(let n):
                buffer.removeLast(buffer.count - n)
                outputs.append(.bytes(isRTP ? .rtp : .rtcp, buffer))
            case .failure:
                recycle(buffer)
            }
        case .zrtp, .unknown:
            endpointCounters.droppedUnknownKind += 1
        }
    }

    // MARK: - Media out

    /// Protects the RTP packet in `buffer[0..<length]` in place and returns
    /// the SRTP length; send `buffer[0..<n]`. Needs
    /// `srtpProfile.rtpOverhead` (at most `maximumTrailerLength`) bytes of
    /// room after the packet. Throws `.notKeyed` until connected.
    public func protectRTP(_ buffer: inout [UInt8], length: Int) throws(EndpointError) -> Int {
        try protect(&buffer, length: length, isRTP: true)
    }

    /// Protects the (compound) RTCP packet in `buffer[0..<length]` in place;
    /// see `protectRTP`. Needs `srtpProfile.rtcpOverhead` bytes of room.
    public func protectRTCP(_ buffer: inout [UInt8], length: Int) throws(EndpointError) -> Int {
        try protect(&buffer, length: length, isRTP: false)
    }

    /// Protects the RTP packet in `bytes[0..<length]` in place, in any
    /// caller's memory (a span of a driver's buffer), and returns the SRTP
    /// length; `bytes` needs `srtpProfile.rtpOverhead` bytes of room after
    /// the packet. Throws `.notKeyed` until connected.
    public func protectRTP(_ bytes: inout MutableSpan<UInt8>, length: Int) throws(EndpointError) -> Int {
        try protect(&bytes, length: length, isRTP: true)
    }

    /// Protects the (compound) RTCP packet in `bytes[0..<length]` in place;
    /// see `protectRTP(_:length:)`.
    public func protectRTCP(_ bytes: inout MutableSpan<UInt8>, length: Int) throws(EndpointError) -> Int {
        try protect(&bytes, length: length, isRTP: false)
    }

    /// Protects a copy of `packet` in a pooled buffer and queues it as
    /// `.transmit`.
    public func sendRTP(_ packet: [UInt8]) throws(EndpointError) {
        try queueProtected(packet, isRTP: true)
    }

    /// Protects a copy of the (compound) RTCP `packet` and queues it as
    /// `.transmit`.
    public func sendRTCP(_ packet: [UInt8]) throws(EndpointError) {
        try queueProtected(packet, isRTP: false)
    }

    /// Sends one DTLS application-data record (e.g. SCTP), queued as
    /// `.transmit`. Only once connected.
    public func send(_ data: [UInt8]) throws(EndpointError) {
        guard state == .connected, let connection else { throw .notKeyed }
        do throws(DTLSError) {
            try connection.send(data)
            endpointCounters.applicationDataOut += 1
        } catch {
            throw .dtls(error)
        }
        pumpEngine()
    }

    // MARK: - Output

    /// Returns the next output, handing bytes over by swapping them into
    /// `buffer` (its old storage is kept for reuse). The last output of a
    /// drain is always `.timeout`.
    public func pollOutput(into buffer: inout [UInt8]) -> EndpointOutput {
        while outputHead < outputs.count {
            let index = outputHead
            outputHead += 1
            let item = outputs[index]
            outputs[index] = .empty
            switch item {
            case .bytes(let output, var bytes):
                swap(&buffer, &bytes)
                recycle(bytes)
                compactOutputs()
                return output
            case .event(let event):
                compactOutputs()
                return event
            case .empty:
                continue
            }
        }
        compactOutputs()
        if releasePoolWhenIdle {
            // A thousand idle peers would otherwise each keep up to 16
            // datagram buffers (25 KB); the queued paths regrow what they use.
            releasePoolWhenIdle = false
            bufferPool = []
            outputs = []
        }
        guard state == .connecting || state == .connected else { return .timeout(nil) }
        guard let idleDeadline else { return .timeout(engineDeadline) }
        return .timeout(engineDeadline.map { min($0, idleDeadline) } ?? idleDeadline)
    }

    // MARK: - Internals

    private var idleDeadline: DTLSInstant? {
        guard let idleTimeout, let lastReceived else { return nil }
        return lastReceived + idleTimeout
    }

    private var hasQueueRoom: Bool { outputs.count - outputHead < configuration.maxQueuedOutputs }

    private func compactOutputs() {
        if outputHead >= outputs.count {
            outputs.removeAll(keepingCapacity: true)
            outputHead = 0
        }
    }

    private func takeBuffer() -> [UInt8] {
        var buffer = bufferPool.popLast() ?? []
        buffer.removeAll(keepingCapacity: true)
        if buffer.capacity < Self.bufferCapacity { buffer.reserveCapacity(Self.bufferCapacity) }
        return buffer
    }

    private func recycle(_ buffer: [UInt8]) {
        if bufferPool.count < Self.poolLimit, buffer.capacity > 0 { bufferPool.append(buffer) }
    }

    private func transition(to newState: State) {
        guard state != newState else { return }
        state = newState
        outputs.append(.event(.stateChanged(newState)))
        // The handshake's flights are what filled the pool; media in place
        // needs none of it. Given back once the queue next drains.
        if newState != .connecting { releasePoolWhenIdle = true }
    }

    /// Set on leaving the handshake; honoured when the queue is next empty.
    private var releasePoolWhenIdle = false

    private func fail(_ error: EndpointError) {
        guard state == .new || state == .connecting || state == .connected else { return }
        srtp = nil
        isRestarting = false
        failure = error
        transition(to: .failed)
    }

    /// Feeds the engine; nil when accepted, else why not.
    private func feedDTLS(_ datagram: [UInt8], now: DTLSInstant) -> DropReason? {
        if state == .new, role == .server { start(now: now) }
        guard let connection, state == .connecting || state == .connected else {
            endpointCounters.droppedInactive += 1
            return .inactive
        }
        endpointCounters.dtlsIn += 1
        connection.handlePacket(datagram, now: now)
        pumpEngine()
        return nil
    }

    /// Moves everything the engine has into the output queue, acting on its
    /// events on the way.
    private func pumpEngine() {
        guard let connection else { return }
        while true {
            var buffer = takeBuffer()
            let output = connection.pollOutput(into: &buffer)
            switch output {
            case .packet:
                endpointCounters.dtlsOut += 1
                outputs.append(.bytes(.transmit, buffer))
                continue
            case .applicationData:
                endpointCounters.applicationDataIn += 1
                outputs.append(.bytes(.applicationData, buffer))
                continue
            default:
                recycle(buffer)
            }
            switch output {
            case .packet, .applicationData:
                break
            case .peerCertificate(let der):
                remoteCertificate = der
            case .connected(let info):
                engineInfo = info
                if info.srtpProfile == nil {
                    fail(.noSRTPProfileAgreed)
                    connection.close()
                }
            case .keyingMaterial(let material):
                installKeys(profile: material.profile, bytes: material.bytes, isClient: material.isClient)
            case .peerClosed:
                srtp = nil
                if state == .connecting || state == .connected { transition(to: .closed) }
            case .failed(let error):
                fail(.dtls(error))
            case .timeout(let deadline):
                engineDeadline = deadline
                return
            }
        }
    }

    /// The gate: SRTP sessions exist only after the engine reported
    /// `connected` and the verified certificate matches a remote fingerprint.
    private func installKeys(profile: SRTPProtectionProfile, bytes: [UInt8], isClient: Bool) {
        guard state == .connecting || isRestarting, let connection else { return }
        guard let info = engineInfo, info.srtpProfile == profile, isClient == (role == .client) else {
            fail(.noSRTPProfileAgreed)
            connection.abort(alert: .handshakeFailure, reason: "SRTP profile or role disagrees with the handshake")
            return
        }
        let certificate = info.peerCertificate
        let matched = configuration.remoteFingerprints.first(where: { $0.matches(certificate) })
            ?? (configuration.acceptsAnyCertificate ? Fingerprint(algorithm: .sha256, bytes: Digest.hash(.sha256, certificate.span)) : nil)
        guard remoteCertificate == nil || remoteCertificate == certificate, let matched else {
            fail(.fingerprintMismatch)
            connection.abort(alert: .badCertificate, reason: "peer certificate does not match the SDP fingerprint")
            return
        }
        let srtpProfile = profile
        guard srtpProfile.isSupported else {
            fail(.unsupportedSRTPProfile(profile.rawValue))
            connection.abort(alert: .handshakeFailure, reason: "SRTP profile libsrtp cannot run")
            return
        }
        do throws(SRTPError) {
            srtp = try SRTPTransport(profile: srtpProfile, exportedKeyingMaterial: bytes, isClient: isClient,
                                     replayWindowSize: configuration.replayWindowSize)
        } catch {
            fail(.srtp(error))
            connection.abort(alert: .internalError, reason: "SRTP session setup failed")
            return
        }
        remoteCertificate = certificate
        isRestarting = false
        let endpointInfo = EndpointConnectionInfo(dtls: info, srtpProfile: srtpProfile, remoteFingerprint: matched)
        connectionInfo = endpointInfo
        transition(to: .connected)
        outputs.append(.event(.connected(endpointInfo)))
    }

    private enum Unprotected {
        case success(Int)
        case failure(DropReason)
    }

    /// The channel counts every outcome; this only names the drop.
    private func unprotect(_ buffer: inout [UInt8], length: Int, isRTP: Bool) -> Unprotected {
        var span = buffer.mutableSpan
        return unprotect(&span, length: length, isRTP: isRTP)
    }

    private func unprotect(_ buffer: inout MutableSpan<UInt8>, length: Int, isRTP: Bool) -> Unprotected {
        do throws(SRTPError) {
            return .success(isRTP ? try media.unprotectRTP(&buffer, length: length)
                                  : try media.unprotectRTCP(&buffer, length: length))
        } catch {
            switch error {
            case .notKeyed: return .failure(.notKeyed)
            case .authenticationFailed: return .failure(.authenticationFailed)
            case .replayDetected: return .failure(.replayed)
            default: return .failure(.malformed)
            }
        }
    }

    private func protect(_ buffer: inout [UInt8], length: Int, isRTP: Bool) throws(EndpointError) -> Int {
        var span = buffer.mutableSpan
        return try protect(&span, length: length, isRTP: isRTP)
    }

    private func protect(_ buffer: inout MutableSpan<UInt8>, length: Int, isRTP: Bool) throws(EndpointError) -> Int {
        do throws(SRTPError) {
            return isRTP ? try media.protectRTP(&buffer, length: length)
                         : try media.protectRTCP(&buffer, length: length)
        } catch {
            throw error == .notKeyed ? .notKeyed : .srtp(error)
        }
    }

    private func queueProtected(_ packet: [UInt8], isRTP: Bool) throws(EndpointError) {
        guard hasQueueRoom else {
            endpointCounters.protectFailures += 1
            throw .queueFull
        }
        var buffer = takeBuffer()
        buffer.append(contentsOf: packet)
        buffer.append(contentsOf: repeatElement(0, count: Self.maximumTrailerLength))
        do throws(EndpointError) {
            let n = try protect(&buffer, length: packet.count, isRTP: isRTP)
            buffer.removeLast(buffer.count - n)
            outputs.append(.bytes(.transmit, buffer))
        } catch {
            recycle(buffer)
            throw error
        }
    }
}

@available(*, unavailable, message: "confine a DTLSSRTPEndpoint to one thread or actor")
extension DTLSSRTPEndpoint: Sendable {}
