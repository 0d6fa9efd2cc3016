import DTLS
import DTLSCrypto
import DTLSEndpoint

/// Counters of an `EchoSession`.
public struct EchoStats: Sendable, Hashable {
    public var rtpIn = 0
    public var rtpForwarded = 0
    public var audioPacketsForwarded = 0
    public var videoPacketsForwarded = 0
    /// Video RTP packets with the marker bit (last packet of a frame),
    /// primary streams only: frames forwarded.
    public var videoFramesForwarded = 0
    public var rtcpIn = 0
    public var rtcpForwarded = 0
    public var pliForwarded = 0
    public var firForwarded = 0
    public var nackForwarded = 0
    public var rembForwarded = 0
    public var unknownSSRC = 0
    public var malformedRTCP = 0
    public var protectFailures = 0
    public init() {}
}

/// What one browser is to the echo server beside its transport: the
/// ICE-lite responder that proves its address, the SSRC rewriting that
/// turns its streams into the announced echo streams, and the counters.
///
/// The transport (cookie exchange, DTLS in either role, the fingerprint
/// gate, SRTP) is the server core's (`DTLSSRTPServer` with
/// `admission: .allowedAddresses`), the same for every browser: the
/// driver hands this session the STUN the core passes up, allows the
/// address it validated (or connects to it for `a=setup:active`), and
/// rewrites in place each decrypted packet the core delivers before
/// sending it back. Sans-IO; not `Sendable`: confine it to the driver's
/// thread.
public final class EchoSession {
    public enum Event: Sendable, Equatable {
        /// The address passed an authenticated check: let it handshake.
        case iceValidated(TransportAddress)
        /// The browser nominated the pair (USE-CANDIDATE).
        case iceNominated(TransportAddress)
    }

    /// The answer to one STUN datagram.
    public struct STUNReply: Sendable, Equatable {
        /// What to send back to the source, if anything.
        public var response: [UInt8]?
        public var events: [Event] = []
    }

    /// One RTP packet rewritten for its echo, for `echoed(_:)` once it left.
    public struct RTPEcho: Sendable, Hashable {
        public var ssrc: UInt32
        public var marker: Bool
    }

    /// One RTCP packet rewritten for its echo.
    public struct RTCPEcho: Sendable, Hashable {
        public var summary: RTCPSummary
    }

    public let id: String
    public let offer: WebRTCOffer
    public let answer: EchoAnswer
    public let ice: ICELiteResponder
    public let createdAt: DTLSInstant
    public private(set) var stats = EchoStats()
    /// Set by the driver when the core reports the handshake done.
    public var connectionInfo: EndpointConnectionInfo?
    public private(set) var isEnded = false

    private let rewriter: SSRCRewriter
    private let primaryVideoSSRCs: Set<UInt32>
    private var nominatedReported: TransportAddress?

    public init(id: String, offer: WebRTCOffer, answer: EchoAnswer, credentials: ICECredentials,
                consentTimeout: Duration = .seconds(30), now: DTLSInstant) {
        self.id = id
        self.offer = offer
        self.answer = answer
        self.createdAt = now
        ice = ICELiteResponder(local: credentials, remoteUfrag: offer.ice.ufrag, consentTimeout: consentTimeout, now: now)
        rewriter = SSRCRewriter(forward: answer.ssrcMap)
        var primaries: Set<UInt32> = []
        for m in offer.media where m.kind == "video" {
            let rtx = Set(m.fidGroups.map { $0[1] })
            for id in m.ssrcs where !rtx.contains(id) { if let mine = answer.ssrcMap[id] { primaries.insert(mine) } }
        }
        primaryVideoSSRCs = primaries
    }

    /// This side's DTLS role, from the answer's `a=setup`.
    public var role: DTLSRole { answer.role }
    /// The certificates the browser may present: its offer's `a=fingerprint`s.
    public var remoteFingerprints: [Fingerprint] { offer.fingerprints }
    /// When consent runs out without a new check (RFC 7675).
    public var consentDeadline: DTLSInstant { ice.consentDeadline }
    public func consentExpired(now: DTLSInstant) -> Bool { ice.consentExpired(now: now) }

    /// Answers a STUN datagram (ICE-lite: checks only).
    public func handleSTUN(_ datagram: [UInt8], from source: TransportAddress, now: DTLSInstant) -> STUNReply {
        guard !isEnded else { return STUNReply(response: nil) }
        switch ice.handle(datagram, from: source, now: now) {
        case .success(let response, let newlyValidated, let nominated):
            var reply = STUNReply(response: response)
            if newlyValidated { reply.events.append(.iceValidated(source)) }
            if nominated, nominatedReported != source {
                nominatedReported = source
                reply.events.append(.iceNominated(source))
            }
            return reply
        case .error(let response, _):
            return STUNReply(response: response)
        case .ignored:
            return STUNReply(response: nil)
        }
    }

    /// Rewrites the decrypted RTP packet in `packet[0..<length]` in place
    /// for its echo; nil (drop it) when its SSRC was not in the offer.
    public func prepareRTPEcho(_ packet: inout MutableSpan<UInt8>, length: Int) -> RTPEcho? {
        stats.rtpIn += 1
        guard let ssrc = rewriter.rewriteRTP(&packet, length: length) else {
            stats.unknownSSRC += 1
            return nil
        }
        return RTPEcho(ssrc: ssrc, marker: packet[1] & 0x80 != 0)
    }

    /// Counts an echoed RTP packet that was protected and sent.
    public func echoed(_ echo: RTPEcho) {
        stats.rtpForwarded += 1
        if answer.kinds[echo.ssrc] == "audio" {
            stats.audioPacketsForwarded += 1
        } else {
            stats.videoPacketsForwarded += 1
            if primaryVideoSSRCs.contains(echo.ssrc), echo.marker { stats.videoFramesForwarded += 1 }
        }
    }

    /// Rewrites the decrypted (compound) RTCP packet in place; nil when malformed.
    public func prepareRTCPEcho(_ packet: inout MutableSpan<UInt8>, length: Int) -> RTCPEcho? {
        stats.rtcpIn += 1
        guard let summary = rewriter.rewriteRTCP(&packet, length: length) else {
            stats.malformedRTCP += 1
            return nil
        }
        return RTCPEcho(summary: summary)
    }

    /// Counts an echoed RTCP packet that was protected and sent.
    public func echoed(_ echo: RTCPEcho) {
        stats.rtcpForwarded += 1
        stats.pliForwarded += echo.summary.pli
        stats.firForwarded += echo.summary.fir
        stats.nackForwarded += echo.summary.nack
        stats.rembForwarded += echo.summary.remb
    }

    /// Counts a packet the transport refused to protect.
    public func protectFailed() { stats.protectFailures += 1 }

    /// The session is over (closed, failed, consent gone).
    public func end() { isEnded = true }
}
