/// Errors from SRTP session setup and packet processing.
public enum SRTPError: Error, Equatable, Sendable {
    /// The packet failed its authentication check (tag mismatch, tampering,
    /// wrong key). libsrtp: `srtp_err_status_auth_fail`.
    case authenticationFailed
    /// The packet index was already seen or is older than the replay window.
    /// libsrtp: `srtp_err_status_replay_fail`, `srtp_err_status_replay_old`.
    /// On the sending side: a sequence number was protected twice.
    case replayDetected
    /// The packet is malformed or too short (header, CSRC list or extension
    /// running past the end, no room for the tag or SRTCP index).
    case badPacket
    /// A construction parameter is invalid (key/salt length, replay window).
    case badParameter
    /// The buffer has no room for the trailer `protect*` appends, or
    /// `length` is negative or larger than the buffer.
    case bufferTooSmall
    /// No stream matches the packet's SSRC. Sessions here use wildcard SSRC
    /// policies, so this is not expected in practice.
    /// libsrtp: `srtp_err_status_no_ctx`.
    case unknownSSRC
    /// `protect*` was called on an inbound session or `unprotect*` on an
    /// outbound one.
    case wrongDirection
    /// The exporter output does not have `profile.keyingMaterialLength` bytes.
    case invalidKeyingMaterialLength(expected: Int, actual: Int)
    /// An `SRTPMediaChannel` has no keys installed (yet, or any more).
    case notKeyed
    /// Any other libsrtp status (`srtp_err_status_t` raw value).
    case library(Int32)
}
