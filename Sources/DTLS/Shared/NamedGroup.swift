/// Key exchange groups for supported_groups (RFC 8422 5.1.1, RFC 7919).
/// Browsers offer groups we do not implement (X25519MLKEM768); they round-trip
/// as raw values and are never selected.
public struct NamedGroup: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let secp256r1 = NamedGroup(rawValue: 23)
    public static let secp384r1 = NamedGroup(rawValue: 24)
    public static let x25519 = NamedGroup(rawValue: 29)
    public static let ffdhe2048 = NamedGroup(rawValue: 256)
    public static let ffdhe3072 = NamedGroup(rawValue: 257)
    public static let ffdhe4096 = NamedGroup(rawValue: 258)

    public var isFFDHE: Bool { (256...511).contains(rawValue) }

    public var description: String {
        switch self {
        case .secp256r1: "P-256"
        case .secp384r1: "P-384"
        case .x25519: "X25519"
        case .ffdhe2048: "ffdhe2048"
        case .ffdhe3072: "ffdhe3072"
        case .ffdhe4096: "ffdhe4096"
        default: "group(\(rawValue))"
        }
    }
}

/// TLS 1.2 signature_algorithms entries (RFC 5246 7.4.1.4.1, named as in RFC 8446).
public struct SignatureScheme: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ecdsaSecp256r1Sha256 = SignatureScheme(rawValue: 0x0403)
    public static let ecdsaSecp384r1Sha384 = SignatureScheme(rawValue: 0x0503)
    public static let rsaPkcs1Sha256 = SignatureScheme(rawValue: 0x0401)
    public static let rsaPkcs1Sha384 = SignatureScheme(rawValue: 0x0501)

    public static let supported: [SignatureScheme] = [
        .ecdsaSecp256r1Sha256, .ecdsaSecp384r1Sha384, .rsaPkcs1Sha256, .rsaPkcs1Sha384,
    ]

    public var isECDSA: Bool { rawValue & 0xFF == 0x03 }
    public var isRSA: Bool { rawValue & 0xFF == 0x01 }

    public var description: String {
        switch self {
        case .ecdsaSecp256r1Sha256: "ecdsa_secp256r1_sha256"
        case .ecdsaSecp384r1Sha384: "ecdsa_secp384r1_sha384"
        case .rsaPkcs1Sha256: "rsa_pkcs1_sha256"
        case .rsaPkcs1Sha384: "rsa_pkcs1_sha384"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}

/// DTLS-SRTP protection profiles (RFC 5764 4.1.2, RFC 7714 14.2).
///
/// The DTLS layer only negotiates the profile and sizes the exporter output;
/// the SRTP module turns that output into libsrtp sessions.
public struct SRTPProtectionProfile: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let aes128CmHmacSha1_80 = SRTPProtectionProfile(rawValue: 0x0001)
    public static let aes128CmHmacSha1_32 = SRTPProtectionProfile(rawValue: 0x0002)
    public static let aeadAes128Gcm = SRTPProtectionProfile(rawValue: 0x0007)
    public static let aeadAes256Gcm = SRTPProtectionProfile(rawValue: 0x0008)

    /// Default preference: AEAD first (one pass, no separate HMAC, 16-byte
    /// tag), the larger key first; the CM profiles for peers such as GnuTLS 3.7.
    public static let supported: [SRTPProtectionProfile] = [
        .aeadAes256Gcm, .aeadAes128Gcm, .aes128CmHmacSha1_80, .aes128CmHmacSha1_32,
    ]

    public var isSupported: Bool { Self.supported.contains(self) }

    public var masterKeyLength: Int { self == .aeadAes256Gcm ? 32 : 16 }
    public var masterSaltLength: Int { (self == .aeadAes128Gcm || self == .aeadAes256Gcm) ? 12 : 14 }
    /// Bytes of `EXTRACTOR-dtls_srtp` output: 2 * (key + salt) (RFC 5764 4.2).
    public var keyingMaterialLength: Int { 2 * (masterKeyLength + masterSaltLength) }

    public var rfcName: String {
        switch self {
        case .aes128CmHmacSha1_80: "SRTP_AES128_CM_HMAC_SHA1_80"
        case .aes128CmHmacSha1_32: "SRTP_AES128_CM_HMAC_SHA1_32"
        case .aeadAes128Gcm: "SRTP_AEAD_AES_128_GCM"
        case .aeadAes256Gcm: "SRTP_AEAD_AES_256_GCM"
        default: "SRTP_0x" + String(rawValue, radix: 16)
        }
    }

    public var openSSLName: String {
        switch self {
        case .aes128CmHmacSha1_80: "SRTP_AES128_CM_SHA1_80"
        case .aes128CmHmacSha1_32: "SRTP_AES128_CM_SHA1_32"
        default: rfcName
        }
    }

    /// Accepts RFC 5764/7714 names and OpenSSL's, case-insensitively.
    public init?(name: String) {
        let wanted = name.uppercased()
        guard let match = Self.supported.first(where: { $0.rfcName == wanted || $0.openSSLName == wanted }) else {
            return nil
        }
        self = match
    }

    public var description: String { rfcName }
}
