import DTLS
import SRTP

/// Why an endpoint failed, or why a call was refused. Typed so a caller can
/// switch over every case.
///
/// `Sendable`.
public enum EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An `a=setup` value that is none of active/passive/actpass/holdconn.
    case invalidSetupAttribute(String)
    /// `holdconn`, or `actpass` where a decided role is needed.
    case setupNotNegotiable(SDPSetup)
    /// An answer that contradicts the offer (e.g. active answered by active).
    case inconsistentSetup(offer: SDPSetup, answer: SDPSetup)
    /// The configuration has no remote fingerprint: the peer could not be
    /// authenticated, so the endpoint refuses to exist (RFC 8827 section 6.5).
    case noRemoteFingerprints
    /// The configuration offers no SRTP profile this library can run.
    case noSRTPProfiles
    /// The DTLS engine failed (handshake error, alert, timeout), or refused
    /// a call such as `send`.
    case dtls(DTLSError)
    /// The verified peer certificate does not match any remote fingerprint
    /// (checked by the endpoint itself, after the engine's own check).
    case fingerprintMismatch
    /// The handshake completed without an agreed SRTP profile or keys.
    case noSRTPProfileAgreed
    /// The agreed profile has no SRTP implementation here (raw code point).
    case unsupportedSRTPProfile(UInt16)
    /// libsrtp refused the keys, or a protect call failed.
    case srtp(SRTPError)
    /// Media was to be protected before the SRTP keys were installed (or
    /// after the endpoint closed or failed).
    case notKeyed
    /// The output queue holds `maxQueuedOutputs` items; poll it first.
    case queueFull
    /// The endpoint is closed or failed.
    case closed
    /// A server already has a peer at that address.
    case addressInUse
    /// A server holds `maxPeers` peers.
    case peerLimitReached

    public var description: String {
        switch self {
        case .invalidSetupAttribute(let text): "invalid a=setup value '\(text)'"
        case .setupNotNegotiable(let setup): "a=setup:\(setup.rawValue) cannot decide a DTLS role"
        case .inconsistentSetup(let offer, let answer): "a=setup:\(answer.rawValue) does not answer a=setup:\(offer.rawValue)"
        case .noRemoteFingerprints: "no remote fingerprint to authenticate the peer"
        case .noSRTPProfiles: "no supported SRTP profile configured"
        case .dtls(let error): "DTLS: \(error)"
        case .fingerprintMismatch: "peer certificate does not match the SDP fingerprint"
        case .noSRTPProfileAgreed: "handshake completed without an SRTP profile"
        case .unsupportedSRTPProfile(let raw): "unsupported SRTP profile 0x" + String(raw, radix: 16)
        case .srtp(let error): "SRTP: \(error)"
        case .notKeyed: "SRTP keys not installed"
        case .queueFull: "output queue full"
        case .closed: "endpoint closed"
        case .addressInUse: "a peer is already connected at that address"
        case .peerLimitReached: "the server's peer limit is reached"
        }
    }
}
