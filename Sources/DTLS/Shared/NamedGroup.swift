/// Key exchange groups for supported_groups (RFC 8422 5.1.1, RFC 7919,
/// draft-ietf-tls-ecdhe-mlkem). Groups we do not implement round-trip as
/// raw values and are never selected.
public struct NamedGroup: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The group's IANA code point.
    public let rawValue: UInt16
    /// A group by code point; unknown ones are kept and never selected.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// NIST P-256 (secp256r1): what every WebRTC stack has.
    public static let secp256r1 = NamedGroup(rawValue: 23)
    /// NIST P-384 (secp384r1).
    public static let secp384r1 = NamedGroup(rawValue: 24)
    /// X25519 (RFC 7748): the cheapest.
    public static let x25519 = NamedGroup(rawValue: 29)
    /// ML-KEM-768 with X25519 (draft-ietf-tls-ecdhe-mlkem): what Chromium
    /// and Firefox send first. DTLS 1.3 only.
    public static let x25519MLKEM768 = NamedGroup(rawValue: 0x11EC)
    /// ML-KEM-768 with P-256. DTLS 1.3 only.
    public static let secp256r1MLKEM768 = NamedGroup(rawValue: 0x11EB)
    /// The RFC 7919 2048-bit finite-field group, for DHE_RSA.
    public static let ffdhe2048 = NamedGroup(rawValue: 256)
    /// The RFC 7919 3072-bit finite-field group.
    public static let ffdhe3072 = NamedGroup(rawValue: 257)
    /// The RFC 7919 4096-bit finite-field group.
    public static let ffdhe4096 = NamedGroup(rawValue: 258)

    /// Whether the code point is in the RFC 7919 finite-field range.
    public var isFFDHE: Bool { (256...511).contains(rawValue) }

    public var description: String {
        switch self {
        case .secp256r1: "P-256"
        case .secp384r1: "P-384"
        case .x25519: "X25519"
        case .x25519MLKEM768: "X25519MLKEM768"
        case .secp256r1MLKEM768: "SecP256r1MLKEM768"
        case .ffdhe2048: "ffdhe2048"
        case .ffdhe3072: "ffdhe3072"
        case .ffdhe4096: "ffdhe4096"
        default: "group(\(rawValue))"
        }
    }
}
