/// TLS 1.2 signature_algorithms entries (RFC 5246 7.4.1.4.1, named as in RFC 8446).
public struct SignatureScheme: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The scheme's code point (hash byte, then signature byte in TLS 1.2).
    public let rawValue: UInt16
    /// A scheme by code point; unknown ones are kept and never used.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// ECDSA with SHA-256 (any curve in TLS 1.2; P-256 in TLS 1.3).
    public static let ecdsaSecp256r1Sha256 = SignatureScheme(rawValue: 0x0403)
    /// ECDSA with SHA-384.
    public static let ecdsaSecp384r1Sha384 = SignatureScheme(rawValue: 0x0503)
    /// RSA PKCS#1 v1.5 with SHA-256.
    public static let rsaPkcs1Sha256 = SignatureScheme(rawValue: 0x0401)
    /// RSA PKCS#1 v1.5 with SHA-384.
    public static let rsaPkcs1Sha384 = SignatureScheme(rawValue: 0x0501)

    /// RSASSA-PSS with SHA-256, rsaEncryption keys (RFC 8446): DTLS 1.3's RSA scheme.
    public static let rsaPssRsaeSha256 = SignatureScheme(rawValue: 0x0804)
    /// RSASSA-PSS with SHA-384.
    public static let rsaPssRsaeSha384 = SignatureScheme(rawValue: 0x0805)
    /// RSASSA-PSS with SHA-512.
    public static let rsaPssRsaeSha512 = SignatureScheme(rawValue: 0x0806)

    /// What the DTLS 1.3 engines offer and accept (TLS 1.3 forbids PKCS#1
    /// v1.5 in CertificateVerify, RFC 8446 4.2.3). Not in `supported`: the
    /// 1.2 engine signs PKCS#1 v1.5 only, so it must not offer PSS.
    package static let dtls13: [SignatureScheme] = [
        .ecdsaSecp256r1Sha256, .ecdsaSecp384r1Sha384, .rsaPssRsaeSha256, .rsaPssRsaeSha384, .rsaPssRsaeSha512,
    ]

    /// Whether the scheme is RSASSA-PSS over an rsaEncryption key.
    public var isRSAPSS: Bool { (0x0804...0x0806).contains(rawValue) }

    /// Every scheme the engine signs and verifies, in default preference order.
    /// RSASSA-PSS (RFC 8446 4.2.3, allowed in 1.2 by it) comes after
    /// PKCS#1 v1.5, so a 1.2 server of ours still prefers the older scheme
    /// every 1.2 peer has.
    public static let supported: [SignatureScheme] = [
        .ecdsaSecp256r1Sha256, .ecdsaSecp384r1Sha384, .rsaPkcs1Sha256, .rsaPkcs1Sha384,
        .rsaPssRsaeSha256, .rsaPssRsaeSha384, .rsaPssRsaeSha512,
    ]

    /// Whether the signature algorithm byte is ECDSA.
    public var isECDSA: Bool { rawValue & 0xFF == 0x03 }
    /// Whether the signature algorithm byte is RSA PKCS#1.
    public var isRSA: Bool { rawValue & 0xFF == 0x01 }

    public var description: String {
        switch self {
        case .ecdsaSecp256r1Sha256: "ecdsa_secp256r1_sha256"
        case .ecdsaSecp384r1Sha384: "ecdsa_secp384r1_sha384"
        case .rsaPkcs1Sha256: "rsa_pkcs1_sha256"
        case .rsaPkcs1Sha384: "rsa_pkcs1_sha384"
        case .rsaPssRsaeSha256: "rsa_pss_rsae_sha256"
        case .rsaPssRsaeSha384: "rsa_pss_rsae_sha384"
        case .rsaPssRsaeSha512: "rsa_pss_rsae_sha512"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}
