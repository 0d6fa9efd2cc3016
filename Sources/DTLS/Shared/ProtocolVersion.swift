/// The DTLS version field. DTLS 1.2 is {254, 253}; DTLS 1.0 {254, 255}
/// still appears in record headers of first flights and in HelloVerifyRequest.
public struct ProtocolVersion: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The two version bytes as one number.
    public let rawValue: UInt16
    /// A version by its wire value.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// DTLS 1.0 {254, 255}: the record version of first flights and HelloVerifyRequest.
    public static let dtls10 = ProtocolVersion(rawValue: 0xFEFF)
    /// DTLS 1.2 {254, 253} (RFC 6347).
    public static let dtls12 = ProtocolVersion(rawValue: 0xFEFD)
    /// DTLS 1.3 {254, 252} (RFC 9147).
    public static let dtls13 = ProtocolVersion(rawValue: 0xFEFC)

    /// The last 8 bytes of a DTLS 1.2 ServerHello.random from a server that
    /// also speaks 1.3 (RFC 8446 4.1.3: "DOWNGRD" and 01).
    package static let downgradeSentinel12: [UInt8] = [0x44, 0x4F, 0x57, 0x4E, 0x47, 0x52, 0x44, 0x01]

    public var description: String {
        switch self {
        case .dtls10: "DTLS 1.0"
        case .dtls12: "DTLS 1.2"
        case .dtls13: "DTLS 1.3"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}
