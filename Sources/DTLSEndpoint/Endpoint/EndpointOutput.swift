import DTLS
import DTLSCrypto
import SRTP

/// What the handshake settled on, reported once when the endpoint is keyed.
///
/// `Sendable`.
public struct EndpointConnectionInfo: Sendable, Hashable {
    /// The engine's report: version, suite, group, peer certificate (DER).
    public var dtls: DTLSConnectionInfo
    /// The SRTP profile the media is protected with.
    public var srtpProfile: SRTPProtectionProfile
    /// The remote fingerprint from the SDP that the peer certificate matched.
    public var remoteFingerprint: Fingerprint
}

/// One step of output from `DTLSSRTPEndpoint.pollOutput(into:)`.
///
/// Byte-carrying outputs hand their bytes over in the caller's buffer
/// (`buffer.count` is the datagram or packet length) by swapping storage,
/// so a caller that passes the same buffer every time causes no allocation
/// once the endpoint's buffer pool is warm.
///
/// `Sendable`.
public enum EndpointOutput: Sendable, Hashable {
    /// The buffer holds one datagram to send to the peer: DTLS, SRTP or SRTCP.
    case transmit
    /// The buffer holds one authenticated, decrypted RTP packet.
    case rtp
    /// The buffer holds one authenticated, decrypted (compound) RTCP packet.
    case rtcp
    /// The buffer holds a STUN datagram exactly as received, for the ICE agent.
    case stun
    /// The buffer holds a TURN ChannelData datagram exactly as received.
    case turnChannel
    /// The buffer holds one DTLS application-data record's plaintext (e.g.
    /// SCTP for data channels).
    case applicationData
    /// The endpoint moved to this state. `failure` says why for `.failed`.
    case stateChanged(DTLSSRTPEndpoint.State)
    /// Keys are installed and media can flow; follows `stateChanged(.connected)`.
    case connected(EndpointConnectionInfo)
    /// Nothing more to do until this instant (call `handleTimeout(now:)`)
    /// or new input; nil: no timer armed. Always the last output of a drain.
    case timeout(DTLSInstant?)
}

/// What `DTLSSRTPEndpoint.handleDatagram(_:length:now:)` did with a datagram
/// it processed in place.
///
/// `Sendable`.
public enum InboundDatagram: Sendable, Hashable {
    /// `buffer[0..<length]` now holds the plaintext RTP packet.
    case rtp(length: Int)
    /// `buffer[0..<length]` now holds the plaintext RTCP packet.
    case rtcp(length: Int)
    /// A STUN datagram; the buffer is untouched. Hand it to the ICE agent.
    case stun
    /// A TURN ChannelData datagram; the buffer is untouched.
    case turnChannel
    /// A DTLS datagram, fed to the engine. Drain `pollOutput(into:)`.
    case dtls
    /// Dropped and counted; the buffer content is unspecified for SRTP.
    case dropped(DropReason)
}

/// Why a received datagram was dropped (each reason has its counter in
/// `EndpointCounters`).
///
/// `Sendable`.
public enum DropReason: Sendable, Hashable {
    case unknownKind
    case notKeyed
    case inactive
    case authenticationFailed
    case replayed
    case malformed
    case queueFull
}
