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
    /// DTLS 1.3 / TLS 1.3 (RFC 8446 4).
    package static let newSessionTicket = HandshakeType(rawValue: 4)
    package static let encryptedExtensions = HandshakeType(rawValue: 8)
    package static let keyUpdate = HandshakeType(rawValue: 24)
    /// The synthetic message standing for ClientHello1 after a HelloRetryRequest (RFC 8446 4.4.1).
    package static let messageHash = HandshakeType(rawValue: 254)

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
