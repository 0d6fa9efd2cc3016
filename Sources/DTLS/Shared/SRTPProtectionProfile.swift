/// DTLS-SRTP protection profiles (RFC 5764 4.1.2, RFC 7714 14.2).
///
/// The DTLS layer only negotiates the profile and sizes the exporter output;
/// the SRTP module turns that output into libsrtp sessions.
public struct SRTPProtectionProfile: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The profile's IANA code point.
    public let rawValue: UInt16
    /// A profile by code point; unknown ones are kept and never selected.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764).
    public static let aes128CmHmacSha1_80 = SRTPProtectionProfile(rawValue: 0x0001)
    /// SRTP_AES128_CM_HMAC_SHA1_32 (RFC 5764).
    public static let aes128CmHmacSha1_32 = SRTPProtectionProfile(rawValue: 0x0002)
    /// SRTP_AEAD_AES_128_GCM (RFC 7714).
    public static let aeadAes128Gcm = SRTPProtectionProfile(rawValue: 0x0007)
    /// SRTP_AEAD_AES_256_GCM (RFC 7714).
    public static let aeadAes256Gcm = SRTPProtectionProfile(rawValue: 0x0008)

    /// Default preference: AEAD first (one pass, no separate HMAC, 16-byte
    /// tag), the larger key first; the CM profiles for peers such as GnuTLS 3.7.
    public static let supported: [SRTPProtectionProfile] = [
        .aeadAes256Gcm, .aeadAes128Gcm, .aes128CmHmacSha1_80, .aes128CmHmacSha1_32,
    ]

    /// Whether the engine negotiates this profile.
    public var isSupported: Bool { Self.supported.contains(self) }

    /// The SRTP master key's length in bytes.
    public var masterKeyLength: Int { self == .aeadAes256Gcm ? 32 : 16 }
    /// The SRTP master salt's length in bytes (12 for AEAD, 14 for CM).
    public var masterSaltLength: Int { (self == .aeadAes128Gcm || self == .aeadAes256Gcm) ? 12 : 14 }
    /// Bytes of `EXTRACTOR-dtls_srtp` output: 2 * (key + salt) (RFC 5764 4.2).
    public var keyingMaterialLength: Int { 2 * (masterKeyLength + masterSaltLength) }

    /// The RFC 5764 / 7714 name, e.g. `SRTP_AEAD_AES_128_GCM`.
    public var rfcName: String {
        switch self {
        case .aes128CmHmacSha1_80: "SRTP_AES128_CM_HMAC_SHA1_80"
        case .aes128CmHmacSha1_32: "SRTP_AES128_CM_HMAC_SHA1_32"
        case .aeadAes128Gcm: "SRTP_AEAD_AES_128_GCM"
        case .aeadAes256Gcm: "SRTP_AEAD_AES_256_GCM"
        default: "SRTP_0x" + String(rawValue, radix: 16)
        }
    }

    /// OpenSSL's name, e.g. `SRTP_AES128_CM_SHA1_80`.
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
