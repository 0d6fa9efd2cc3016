import DTLS
internal import CSRTP

/// One libsrtp session (`srtp_t`) protecting OR unprotecting the packets of
/// one direction of one DTLS-SRTP association, for any number of SSRCs.
///
/// Why one direction per session: libsrtp allows a single wildcard-SSRC
/// policy per `srtp_t`, and a wildcard is either "any outbound" or "any
/// inbound" (deliberately, so a key can never be used both ways). An
/// outbound session (`ssrc_any_outbound`, local key) only protects; an
/// inbound session (`ssrc_any_inbound`, remote key) only unprotects; calling
/// the other direction's methods throws `.wrongDirection`. `SRTPTransport`
/// pairs the two for one association.
///
/// Packets are processed in place in a caller-owned `[UInt8]`: no heap
/// allocation per packet as long as the array is uniquely referenced (no
/// copy-on-write). `protect*` needs `length + trailer` bytes of room
/// (`profile.rtpOverhead` / `profile.rtcpOverhead`, at most
/// `SRTPSession.maximumTrailerLength`) and throws `.bufferTooSmall` otherwise.
///
/// Thread safety: `srtp_t` is not thread-safe, so `SRTPSession` is not
/// `Sendable`. Confine each session to one thread, actor or serial queue
/// (it can be handed over, e.g. as a `sending` value, but never used from
/// two places at once). Sessions of different associations are independent.
public final class SRTPSession {
    public enum Direction: Sendable, Hashable {
        /// Protects packets sent to the peer, with the local write key.
        case outbound
        /// Unprotects packets received from the peer, with the remote write key.
        case inbound
    }

    /// RTP replay window (packets) used unless another one is given.
    public static let defaultReplayWindowSize = 1024
    /// Valid RTP replay window sizes (libsrtp 2.5 limits).
    public static let replayWindowSizes: ClosedRange<Int> = 64...0x7FFF
    /// Largest trailer any supported profile appends (SRTCP with a 16-byte
    /// GCM tag + 4-byte index). Sizing buffers with this much spare room
    /// works for every profile.
    public static let maximumTrailerLength = 20

    public let profile: SRTPProtectionProfile
    public let direction: Direction
    /// RTP replay window in packets. SRTCP always uses libsrtp's fixed
    /// 128-packet window (not configurable in libsrtp 2.5).
    public let replayWindowSize: Int

    /// Internal so `SRTPMediaChannel` can call libsrtp without going through this object.
    let context: srtp_t

    /// Creates a session for `direction` from one master key and salt.
    ///
    /// - Parameters:
    ///   - profile: the negotiated DTLS-SRTP protection profile.
    ///   - masterKey: `profile.masterKeyLength` bytes.
    ///   - masterSalt: `profile.masterSaltLength` bytes.
    ///   - direction: whether this session protects what we send or unprotects what we receive.
    ///   - replayWindowSize: RTP replay window, in `replayWindowSizes`.
    ///   - allowRepeatTransmission: outbound only: let the same RTP sequence
    ///     number be protected again (retransmission of an identical packet);
    ///     otherwise that throws `.replayDetected`. Never re-protect
    ///     different content under the same sequence number.
    public init(
        profile: SRTPProtectionProfile, masterKey: [UInt8], masterSalt: [UInt8], direction: Direction,
        replayWindowSize: Int = SRTPSession.defaultReplayWindowSize,
        allowRepeatTransmission: Bool = false
    ) throws(SRTPError) {
        try LibSRTP.ensureInitialized()
        guard profile.isSupported, masterKey.count == profile.masterKeyLength,
            masterSalt.count == profile.masterSaltLength,
            SRTPSession.replayWindowSizes.contains(replayWindowSize)
        else { throw .badParameter }

        var policy = srtp_policy_t()
        switch profile {
        case .aes128CmHmacSha1_80:
            srtp_crypto_policy_set_rtp_default(&policy.rtp)  // = aes_cm_128_hmac_sha1_80
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aes128CmHmacSha1_32:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)  // RTCP keeps the 80-bit tag
        case .aeadAes128Gcm:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        default:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp)
        }
        policy.ssrc.type = direction == .outbound ? ssrc_any_outbound : ssrc_any_inbound
        policy.ssrc.value = 0
        policy.window_size = UInt(replayWindowSize)
        policy.allow_repeat_tx = allowRepeatTransmission ? 1 : 0
        policy.next = nil

        // libsrtp wants key || salt in one buffer (e.g. 28 bytes for
        // SRTP_AES_GCM_128_KEY_LEN_WSALT). It derives the session keys in
        // srtp_create and keeps no pointer to this buffer.
        var keyAndSalt = masterKey + masterSalt
        var session: srtp_t? = nil
        let status = keyAndSalt.withUnsafeMutableBufferPointer { key in
            policy.key = key.baseAddress
            return srtp_create(&session, &policy)
        }
        keyAndSalt.withUnsafeMutableBufferPointer { key in
            for i in key.indices { key[i] = 0 }
        }
        guard status == srtp_err_status_ok, let session else {
            throw LibSRTP.setupError(status)
        }
        self.context = session
        self.profile = profile
        self.direction = direction
        self.replayWindowSize = replayWindowSize
    }

    /// Creates a session from a split `SRTPMasterKey`.
    public convenience init(
        profile: SRTPProtectionProfile, key: SRTPMasterKey, direction: Direction,
        replayWindowSize: Int = SRTPSession.defaultReplayWindowSize,
        allowRepeatTransmission: Bool = false
    ) throws(SRTPError) {
        try self.init(
            profile: profile, masterKey: key.key, masterSalt: key.salt, direction: direction,
            replayWindowSize: replayWindowSize, allowRepeatTransmission: allowRepeatTransmission)
    }

    deinit {
        srtp_dealloc(context)
    }

    /// Bytes `protectRTP` appends.
    public var rtpTrailerLength: Int { profile.rtpOverhead }
    /// Bytes `protectRTCP` appends.
    public var rtcpTrailerLength: Int { profile.rtcpOverhead }

    // MARK: Packet processing

    /// Turns the RTP packet in `buffer[0..<length]` into an SRTP packet in
    /// place and returns its length (`length + rtpTrailerLength`).
    /// Requires `buffer.count >= length + rtpTrailerLength`.
    public func protectRTP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        guard direction == .outbound else { throw .wrongDirection }
        return try process(&buffer, length: length, minimumLength: 12, room: rtpTrailerLength) {
            srtp_protect($0, $1, $2)
        }
    }

    /// Verifies and decrypts the SRTP packet in `buffer[0..<length]` in
    /// place and returns the RTP packet length. On error the buffer content
    /// is unspecified.
    public func unprotectRTP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        guard direction == .inbound else { throw .wrongDirection }
        return try process(&buffer, length: length, minimumLength: 12, room: 0) {
            srtp_unprotect($0, $1, $2)
        }
    }

    /// Turns the (compound) RTCP packet in `buffer[0..<length]` into an
    /// SRTCP packet in place and returns its length
    /// (`length + rtcpTrailerLength`).
    /// Requires `buffer.count >= length + rtcpTrailerLength`.
    public func protectRTCP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        guard direction == .outbound else { throw .wrongDirection }
        return try process(&buffer, length: length, minimumLength: 8, room: rtcpTrailerLength) {
            srtp_protect_rtcp($0, $1, $2)
        }
    }

    /// Verifies and decrypts the SRTCP packet in `buffer[0..<length]` in
    /// place and returns the RTCP packet length.
    public func unprotectRTCP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        guard direction == .inbound else { throw .wrongDirection }
        return try process(&buffer, length: length, minimumLength: 8, room: 0) {
            srtp_unprotect_rtcp($0, $1, $2)
        }
    }

    @inline(__always)
    private func process(
        _ buffer: inout [UInt8], length: Int, minimumLength: Int, room: Int,
        _ operation: (srtp_t, UnsafeMutableRawPointer, UnsafeMutablePointer<Int32>) -> srtp_err_status_t
    ) throws(SRTPError) -> Int {
        try Self.process(context, &buffer, length: length, minimumLength: minimumLength, room: room, operation)
    }

    /// One libsrtp call in place on `buffer[0..<length]`, after the checks
    /// that keep libsrtp inside the buffer.
    @inline(__always)
    static func process(
        _ context: srtp_t, _ buffer: inout [UInt8], length: Int, minimumLength: Int, room: Int,
        _ operation: (srtp_t, UnsafeMutableRawPointer, UnsafeMutablePointer<Int32>) -> srtp_err_status_t
    ) throws(SRTPError) -> Int {
        var span = buffer.mutableSpan
        return try process(context, &span, length: length, minimumLength: minimumLength, room: room, operation)
    }

    /// The same over any caller's memory: a span of a driver's own buffer
    /// (SwiftNIO's `ByteBuffer`), so a received packet is worked on where
    /// the socket read put it.
    @inline(__always)
    static func process(
        _ context: srtp_t, _ buffer: inout MutableSpan<UInt8>, length: Int, minimumLength: Int, room: Int,
        _ operation: (srtp_t, UnsafeMutableRawPointer, UnsafeMutablePointer<Int32>) -> srtp_err_status_t
    ) throws(SRTPError) -> Int {
        guard length >= 0 else { throw .badParameter }
        guard length <= buffer.count, buffer.count - length >= room else { throw .bufferTooSmall }
        guard length >= minimumLength else { throw .badPacket }
        guard length + room <= Int(Int32.max) else { throw .badPacket }
        var octets = Int32(length)
        let status = buffer.withUnsafeMutableBytes { bytes in
            // Non-empty: length >= minimumLength > 0, so baseAddress is set.
            operation(context, bytes.baseAddress!, &octets)
        }
        guard status == srtp_err_status_ok else { throw LibSRTP.packetError(status) }
        return Int(octets)
    }
}

@available(*, unavailable, message: "srtp_t is not thread-safe; confine an SRTPSession to one thread or actor")
extension SRTPSession: Sendable {}
