/// TLS record content types (RFC 5246 6.2.1). Unknown values are kept so
/// the record layer can drop them explicitly rather than misparse.
package struct ContentType: RawRepresentable, Hashable, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    package static let changeCipherSpec = ContentType(rawValue: 20)
    package static let alert = ContentType(rawValue: 21)
    package static let handshake = ContentType(rawValue: 22)
    package static let applicationData = ContentType(rawValue: 23)
}

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

    public var description: String {
        switch self {
        case .dtls10: "DTLS 1.0"
        case .dtls12: "DTLS 1.2"
        case .dtls13: "DTLS 1.3"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}

/// Handshake message types (RFC 5246 7.4, RFC 6347 4.3.2).
package struct HandshakeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    package static let helloRequest = HandshakeType(rawValue: 0)
    package static let clientHello = HandshakeType(rawValue: 1)
    package static let serverHello = HandshakeType(rawValue: 2)
    package static let helloVerifyRequest = HandshakeType(rawValue: 3)
    package static let certificate = HandshakeType(rawValue: 11)
    package static let serverKeyExchange = HandshakeType(rawValue: 12)
    package static let certificateRequest = HandshakeType(rawValue: 13)
    package static let serverHelloDone = HandshakeType(rawValue: 14)
    package static let certificateVerify = HandshakeType(rawValue: 15)
    package static let clientKeyExchange = HandshakeType(rawValue: 16)
    package static let finished = HandshakeType(rawValue: 20)

    package var description: String {
        switch rawValue {
        case 0: "HelloRequest"
        case 1: "ClientHello"
        case 2: "ServerHello"
        case 3: "HelloVerifyRequest"
        case 11: "Certificate"
        case 12: "ServerKeyExchange"
        case 13: "CertificateRequest"
        case 14: "ServerHelloDone"
        case 15: "CertificateVerify"
        case 16: "ClientKeyExchange"
        case 20: "Finished"
        default: "HandshakeType(\(rawValue))"
        }
    }
}
