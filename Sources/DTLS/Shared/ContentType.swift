/// TLS record content types (RFC 5246 6.2.1). Unknown values are kept so
/// the record layer can drop them explicitly rather than misparse.
package struct ContentType: RawRepresentable, Hashable, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    package static let changeCipherSpec = ContentType(rawValue: 20)
    package static let alert = ContentType(rawValue: 21)
    package static let handshake = ContentType(rawValue: 22)
    package static let applicationData = ContentType(rawValue: 23)
    /// DTLS 1.3 ACK (RFC 9147 7).
    package static let ack = ContentType(rawValue: 26)
}
