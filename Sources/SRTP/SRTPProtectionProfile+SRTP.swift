import DTLS

/// What SRTP needs to know of a profile beyond what DTLS negotiates: tag
/// lengths and the bytes protection adds. One profile type for the whole
/// package: `DTLS.SRTPProtectionProfile` negotiates it, these properties
/// size the packets, and `SRTPSession` refuses a profile it cannot run.
extension SRTPProtectionProfile {
    /// Whether this is an AES-GCM (RFC 7714) profile.
    public var isAEAD: Bool { self == .aeadAes128Gcm || self == .aeadAes256Gcm }

    /// Authentication tag length of an SRTP (RTP) packet in bytes: 10, 4, 16, 16.
    public var rtpAuthTagLength: Int {
        switch self {
        case .aes128CmHmacSha1_80: 10
        case .aes128CmHmacSha1_32: 4
        default: 16
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
}
