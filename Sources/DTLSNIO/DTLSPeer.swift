import DTLS
import DTLSCrypto
import NIOCore
import SRTP

/// Counters kept for every peer, printed as the `peer-stats:` line.
public struct PeerStats: Sendable, Hashable {
    public var rtpIn = 0
    public var rtpOut = 0
    public var rtcpIn = 0
    public var rtcpOut = 0
    public var authFailures = 0
    public var replays = 0
    public var appIn = 0
    public var appOut = 0
    /// Datagrams dropped because the peer's inbound queue was full (fairness bound).
    public var queueDrops = 0

    public init() {}

    /// `rtp-in=N rtp-out=N rtcp-in=N rtcp-out=N auth-failures=N replays=N app-in=N app-out=N`
    public var line: String {
        "rtp-in=\(rtpIn) rtp-out=\(rtpOut) rtcp-in=\(rtcpIn) rtcp-out=\(rtcpOut) auth-failures=\(authFailures) replays=\(replays) app-in=\(appIn) app-out=\(appOut)"
    }
}

/// Why `sendRTP`/`send` was refused.
public enum DTLSPeerError: Error, Sendable, CustomStringConvertible {
    case notConnected
    case noSRTP
    case closed
    case dtls(DTLSError)
    case srtp(SRTPError)

    public var description: String {
        switch self {
        case .notConnected: "not connected"
        case .noSRTP: "no SRTP profile was negotiated"
        case .closed: "peer is closed"
        case .dtls(let e): "DTLS: \(e)"
        case .srtp(let e): "SRTP: \(e)"
        }
    }
}

/// One remote address on the shared socket: its Sans-IO DTLS connection,
/// the SRTP transport keyed from it, timers and counters.
///
/// Confined to the channel's event loop, like the handler that owns it;
/// every method must be called there (delegate callbacks already are).
public final class DTLSPeer {
    public let address: SocketAddress
    public let connection: DTLSConnection
    public internal(set) var info: DTLSConnectionInfo?
    /// The `EXTRACTOR-dtls_srtp` output (nil until connected, or without SRTP).
    public internal(set) var keyingMaterial: DTLSKeyingMaterial?
    public internal(set) var srtp: SRTPTransport?
    public internal(set) var stats = PeerStats()
    public internal(set) var isEstablished = false
    public internal(set) var isFinished = false
    /// When the peer was created and when the handshake completed.
    public let createdAt: ContinuousClock.Instant
    public internal(set) var connectedAt: ContinuousClock.Instant?
    /// Free for the application (e.g. per-peer forwarding state).
    public var userInfo: [String: String] = [:]

    weak var handler: DTLSDatagramHandler?

    // Driver state
    var inbound: [[UInt8]] = []
    var inboundHead = 0
    var isQueued = false
    var timerDeadline: DTLSInstant?
    var lastActivity: NIODeadline
    /// True once this side called `close()` (close_notify sent by us).
    public internal(set) var closing = false
    /// Set while the handshake runs on a handshake event loop (see
    /// `DTLSDatagramHandler` "Handshakes off the media loop").
    var offload: HandshakeOffload?

    init(address: SocketAddress, connection: DTLSConnection, now: NIODeadline) {
        self.address = address
        self.connection = connection
        self.lastActivity = now
        self.createdAt = .now
    }

    var queuedCount: Int { inbound.count - inboundHead }

    /// Sends one application-data record.
    public func send(_ bytes: [UInt8]) throws(DTLSPeerError) {
        guard !isFinished, !closing else { throw .closed }
        guard isEstablished else { throw .notConnected }
        do { try connection.send(bytes) } catch { throw .dtls(error) }
        stats.appOut += 1
        handler?.drainAndFlush(self)
    }

    /// Protects an RTP packet with the outbound SRTP session and sends it.
    public func sendRTP(_ packet: [UInt8]) throws(DTLSPeerError) {
        try sendMedia(packet, rtcp: false)
    }

    /// Protects an RTCP packet with the outbound SRTCP session and sends it.
    public func sendRTCP(_ packet: [UInt8]) throws(DTLSPeerError) {
        try sendMedia(packet, rtcp: true)
    }

    private func sendMedia(_ packet: [UInt8], rtcp: Bool) throws(DTLSPeerError) {
        guard !isFinished, !closing else { throw .closed }
        guard isEstablished else { throw .notConnected }
        guard let srtp else { throw .noSRTP }
        var buffer = packet
        buffer.append(contentsOf: repeatElement(0, count: SRTPSession.maximumTrailerLength))
        let length: Int
        do {
            length = rtcp ? try srtp.protectRTCP(&buffer, length: packet.count)
                          : try srtp.protectRTP(&buffer, length: packet.count)
        } catch { throw .srtp(error) }
        if rtcp { stats.rtcpOut += 1 } else { stats.rtpOut += 1 }
        handler?.write(buffer[0..<length], to: address, flush: true)
    }

    /// Sends close_notify and ends the peer.
    public func close() {
        handler?.close(self, error: nil)
    }
}

/// What the application hears from the driver, on the event loop.
public protocol DTLSPeerDelegate: AnyObject {
    /// The handshake completed; `peer.info`, `peer.keyingMaterial`, `peer.srtp` are set.
    func peerConnected(_ peer: DTLSPeer)
    func peer(_ peer: DTLSPeer, receivedApplicationData data: [UInt8])
    /// An RTP packet, already unprotected.
    func peer(_ peer: DTLSPeer, receivedRTP packet: [UInt8])
    /// An RTCP packet, already unprotected.
    func peer(_ peer: DTLSPeer, receivedRTCP packet: [UInt8])
    /// The peer is gone: `error` nil after close_notify either way, else why
    /// (handshake failure with its alert, idle timeout, ...).
    func peerClosed(_ peer: DTLSPeer, error: DTLSError?)
}

extension DTLSPeerDelegate {
    public func peerConnected(_ peer: DTLSPeer) {}
    public func peer(_ peer: DTLSPeer, receivedApplicationData data: [UInt8]) {}
    public func peer(_ peer: DTLSPeer, receivedRTP packet: [UInt8]) {}
    public func peer(_ peer: DTLSPeer, receivedRTCP packet: [UInt8]) {}
    public func peerClosed(_ peer: DTLSPeer, error: DTLSError?) {}
}
