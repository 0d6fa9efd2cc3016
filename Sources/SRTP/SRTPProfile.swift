/// A DTLS-SRTP protection profile (RFC 5764 section 4.1.2, IANA "DTLS-SRTP
/// Protection Profiles" registry).
///
/// Only the profiles this library can run through libsrtp exist as values:
/// `init?(rawValue:)` returns `nil` for any other code point, so every
/// `SRTPProfile` you hold is usable to build an `SRTPSession`.
public struct SRTPProfile: RawRepresentable, Hashable, Sendable {
    /// The two-byte identifier carried in the `use_srtp` extension.
    public let rawValue: UInt16

    /// Returns `nil` for code points this library does not support.
    public init?(rawValue: UInt16) {
        switch rawValue {
        case 0x0001, 0x0002, 0x0007, 0x0008: self.rawValue = rawValue
        default: return nil
        }
    }

    private init(uncheckedRawValue: UInt16) { self.rawValue = uncheckedRawValue }

    /// SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764). Mandatory to implement for WebRTC.
    public static let aes128CmHmacSha1_80 = SRTPProfile(uncheckedRawValue: 0x0001)
    /// SRTP_AES128_CM_HMAC_SHA1_32 (RFC 5764): 32-bit RTP tag, 80-bit RTCP tag.
    public static let aes128CmHmacSha1_32 = SRTPProfile(uncheckedRawValue: 0x0002)
    /// SRTP_AEAD_AES_128_GCM (RFC 7714).
    public static let aeadAes128Gcm = SRTPProfile(uncheckedRawValue: 0x0007)
    /// SRTP_AEAD_AES_256_GCM (RFC 7714).
    public static let aeadAes256Gcm = SRTPProfile(uncheckedRawValue: 0x0008)

    /// Every supported profile, in the order this library offers them.
    ///
    /// - AEAD first: AES-GCM authenticates and encrypts in one pass with a
    ///   128-bit tag (versus an 80- or 32-bit truncated HMAC), is faster on
    ///   hardware with AES-NI/CLMUL, and has no separate auth key to derive.
    ///   AES-256 before AES-128 for the extra key-length margin at the same
    ///   per-packet overhead (16 bytes).
    /// - `aes128CmHmacSha1_80` next: the mandatory-to-implement profile for
    ///   WebRTC (RFC 8827), so every peer can fall back to it.
    /// - `aes128CmHmacSha1_32` last: its 32-bit RTP tag gives the weakest
    ///   forgery protection; it is kept only for interoperability.
    public static let all: [SRTPProfile] = [
        .aeadAes256Gcm, .aeadAes128Gcm, .aes128CmHmacSha1_80, .aes128CmHmacSha1_32,
    ]

    /// Whether this is an AES-GCM (RFC 7714) profile.
    public var isAEAD: Bool { rawValue == 0x0007 || rawValue == 0x0008 }

    /// SRTP master key length in bytes (16 or 32).
    public var masterKeyLength: Int { rawValue == 0x0008 ? 32 : 16 }

    /// SRTP master salt length in bytes (14 for AES-CM, 12 for AEAD).
    public var masterSaltLength: Int { isAEAD ? 12 : 14 }

    /// Length of the RFC 5705 exporter output (`EXTRACTOR-dtls_srtp`) this
    /// profile needs: 2 * (key + salt) = 60, 60, 56, 88.
    public var keyingMaterialLength: Int { 2 * (masterKeyLength + masterSaltLength) }

    /// Authentication tag length of an SRTP (RTP) packet in bytes: 10, 4, 16, 16.
    public var rtpAuthTagLength: Int {
        switch rawValue {
        case 0x0001: return 10
        case 0x0002: return 4
        default: return 16
        }
    }

    /// Authentication tag length of an SRTCP packet in bytes. The `_32`
    /// profile still uses an 80-bit tag for RTCP (RFC 5764 section 4.1.2).
    public var rtcpAuthTagLength: Int { isAEAD ? 16 : 10 }

    /// Bytes `protectRTP` appends to a packet (the tag; no MKI is used).
    public var rtpOverhead: Int { rtpAuthTagLength }

    /// Bytes `protectRTCP` appends to a packet: the 4-byte E flag + SRTCP
    /// index plus the tag.
    public var rtcpOverhead: Int { rtcpAuthTagLength + 4 }

    /// The name used in RFC 5764 / RFC 7714 and the IANA registry.
    public var rfcName: String {
        switch rawValue {
        case 0x0001: return "SRTP_AES128_CM_HMAC_SHA1_80"
        case 0x0002: return "SRTP_AES128_CM_HMAC_SHA1_32"
        case 0x0007: return "SRTP_AEAD_AES_128_GCM"
        default: return "SRTP_AEAD_AES_256_GCM"
        }
    }

    /// The name OpenSSL uses in `SSL_CTX_set_tlsext_use_srtp` profile lists.
    public var openSSLName: String {
        switch rawValue {
        case 0x0001: return "SRTP_AES128_CM_SHA1_80"
        case 0x0002: return "SRTP_AES128_CM_SHA1_32"
        case 0x0007: return "SRTP_AEAD_AES_128_GCM"
        default: return "SRTP_AEAD_AES_256_GCM"
        }
    }

    /// Looks a profile up by its RFC name or its OpenSSL name, ignoring case.
    public init?(name: String) {
        let wanted = name.uppercased()
        guard let match = SRTPProfile.all.first(where: {
            $0.rfcName == wanted || $0.openSSLName == wanted
        }) else { return nil }
        self = match
    }
}

extension SRTPProfile: CustomStringConvertible {
    public var description: String { rfcName }
}
