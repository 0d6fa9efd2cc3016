/// Why a connection failed, or why an API call was refused.
///
/// Every fatal error names the alert that was sent (or received), so a log
/// line tells both what went wrong and what the peer was told.
public struct DTLSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, one case per distinct cause.
    public enum Code: String, Hashable, Sendable {
        /// A handshake message that does not parse (decode_error).
        case malformedMessage
        /// A message the state machine did not expect here (unexpected_message).
        case unexpectedMessage
        /// No cipher suite both sides accept for this certificate (handshake_failure).
        case noCommonCipherSuite
        /// Neither side's SRTP profiles overlap while SRTP is required (handshake_failure).
        case noCommonSRTPProfile
        /// No key-exchange group or signature scheme in common (handshake_failure).
        case noCommonParameters
        /// The peer did not negotiate RFC 7627 extended master secret (handshake_failure).
        case missingExtendedMasterSecret
        /// The peer's DH group is too small or its point is invalid (insufficient_security / illegal_parameter).
        case insufficientSecurity
        /// The peer's certificate cannot be parsed or has the wrong key type (bad_certificate / unsupported_certificate).
        case badCertificate
        /// The certificate verifier (usually the SDP fingerprint check) rejected the peer (bad_certificate).
        case certificateRejected
        /// The server requires a client certificate and got none (handshake_failure).
        case missingClientCertificate
        /// A ServerKeyExchange or CertificateVerify signature does not verify (decrypt_error).
        case badSignature
        /// The peer's Finished does not match the transcript (decrypt_error).
        case badFinished
        /// A field holds a value the peer must not send (illegal_parameter).
        case illegalParameter
        /// The peer does not speak DTLS 1.2 (protocol_version).
        case protocolVersion
        /// A handshake message exceeds the configured size bound.
        case messageTooLarge
        /// The peer sent a fatal alert.
        case alertReceived
        /// The handshake did not finish before its deadline.
        case handshakeTimeout
        /// A protected record does not authenticate (DTLS drops such records
        /// rather than failing, RFC 9147 4.5.2; bad_record_mac).
        case badRecordMAC
        /// libcrypto failed where it should not.
        case internalError
        /// `send` or `exportKeyingMaterial` before the handshake completed.
        case notConnected
        /// The connection is closed or failed.
        case closed
    }

    /// The cause.
    public let code: Code
    /// The alert sent to the peer, or received from it for `.alertReceived`.
    public let alert: AlertDescription?
    /// A human-readable account for logs.
    public let detail: String

    /// An error with its cause, the alert it goes with, and a detail for logs.
    public init(_ code: Code, alert: AlertDescription?, _ detail: String = "") {
        self.code = code
        self.alert = alert
        self.detail = detail
    }

    public var description: String {
        var s = code.rawValue
        if let alert { s += " (alert \(alert))" }
        if !detail.isEmpty { s += ": " + detail }
        return s
    }

    // Factories naming the alert each failure sends (pion's flight handlers do the same).
    static func malformed(_ detail: String) -> DTLSError { DTLSError(.malformedMessage, alert: .decodeError, detail) }
    static func unexpected(_ detail: String) -> DTLSError { DTLSError(.unexpectedMessage, alert: .unexpectedMessage, detail) }
    static func illegal(_ detail: String) -> DTLSError { DTLSError(.illegalParameter, alert: .illegalParameter, detail) }
    static func failure(_ code: Code, _ detail: String) -> DTLSError { DTLSError(code, alert: .handshakeFailure, detail) }
    static func internalError(_ detail: String) -> DTLSError { DTLSError(.internalError, alert: .internalError, detail) }
}
