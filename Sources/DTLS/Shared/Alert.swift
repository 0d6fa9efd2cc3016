/// Alert levels and descriptions (RFC 5246 7.2).
public struct AlertDescription: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The alert's code point (RFC 5246 7.2).
    public let rawValue: UInt8
    /// An alert description by code point; unknown values are kept.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// close_notify: the sender will send no more data.
    public static let closeNotify = AlertDescription(rawValue: 0)
    /// unexpected_message.
    public static let unexpectedMessage = AlertDescription(rawValue: 10)
    /// bad_record_mac.
    public static let badRecordMAC = AlertDescription(rawValue: 20)
    /// record_overflow.
    public static let recordOverflow = AlertDescription(rawValue: 22)
    /// handshake_failure: no acceptable parameters.
    public static let handshakeFailure = AlertDescription(rawValue: 40)
    /// bad_certificate (also: the fingerprint did not match).
    public static let badCertificate = AlertDescription(rawValue: 42)
    /// unsupported_certificate.
    public static let unsupportedCertificate = AlertDescription(rawValue: 43)
    /// certificate_expired.
    public static let certificateExpired = AlertDescription(rawValue: 45)
    /// certificate_unknown.
    public static let certificateUnknown = AlertDescription(rawValue: 46)
    /// illegal_parameter.
    public static let illegalParameter = AlertDescription(rawValue: 47)
    /// decode_error: a message did not parse.
    public static let decodeError = AlertDescription(rawValue: 50)
    /// decrypt_error: a signature or Finished did not verify.
    public static let decryptError = AlertDescription(rawValue: 51)
    /// protocol_version.
    public static let protocolVersion = AlertDescription(rawValue: 70)
    /// insufficient_security.
    public static let insufficientSecurity = AlertDescription(rawValue: 71)
    /// internal_error.
    public static let internalError = AlertDescription(rawValue: 80)
    /// user_canceled.
    public static let userCanceled = AlertDescription(rawValue: 90)
    /// no_renegotiation (a warning).
    public static let noRenegotiation = AlertDescription(rawValue: 100)
    /// unsupported_extension.
    public static let unsupportedExtension = AlertDescription(rawValue: 110)
    /// certificate_required (TLS 1.3: a client sent no certificate when asked).
    public static let certificateRequired = AlertDescription(rawValue: 116)

    public var description: String {
        switch rawValue {
        case 0: "close_notify"
        case 116: "certificate_required"
        case 10: "unexpected_message"
        case 20: "bad_record_mac"
        case 22: "record_overflow"
        case 40: "handshake_failure"
        case 42: "bad_certificate"
        case 43: "unsupported_certificate"
        case 45: "certificate_expired"
        case 46: "certificate_unknown"
        case 47: "illegal_parameter"
        case 50: "decode_error"
        case 51: "decrypt_error"
        case 70: "protocol_version"
        case 71: "insufficient_security"
        case 80: "internal_error"
        case 90: "user_canceled"
        case 100: "no_renegotiation"
        case 110: "unsupported_extension"
        default: "alert(\(rawValue))"
        }
    }
}

package enum AlertLevel: UInt8, Sendable {
    case warning = 1
    case fatal = 2
}

/// An alert record's body: two bytes.
package struct Alert: Hashable, Sendable {
    package var level: AlertLevel
    package var description: AlertDescription

    package init(level: AlertLevel, description: AlertDescription) {
        self.level = level
        self.description = description
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        let rawLevel = try reader.readUInt8()
        guard let level = AlertLevel(rawValue: rawLevel) else { throw .invalidValue("alert level \(rawLevel)") }
        self.level = level
        self.description = AlertDescription(rawValue: try reader.readUInt8())
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeUInt8(level.rawValue)
        writer.writeUInt8(description.rawValue)
    }
}
