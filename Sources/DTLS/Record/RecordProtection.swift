import DTLSCrypto

/// AES-GCM record protection for DTLS 1.2 (RFC 5288 3, RFC 6347 4.1.2.1).
///
/// The 12-byte nonce is the 4-byte implicit salt from the key block followed
/// by the 8-byte explicit part carried in the record, which we set to
/// epoch || sequence number (unique per key, as RFC 5288 requires). The
/// additional data is `epoch || seq || type || version || plaintext length`.
///
/// Sealing and opening run in place in the caller's buffer with stack-held
/// nonce and AAD: no allocation per record.
final class RecordProtection {
    static let explicitNonceLength = 8
    static let overhead = explicitNonceLength + AESGCM.tagLength

    private let aead: AESGCM
    private let salt: InlineArray<4, UInt8>

    init(key: [UInt8], salt saltBytes: [UInt8], usage: AESGCM.Usage) throws(CryptoError) {
        aead = try AESGCM(key: key.span, usage: usage)
        var s = InlineArray<4, UInt8>(repeating: 0)
        for i in 0..<4 { s[i] = saltBytes[i] }
        salt = s
    }

    /// Seals the plaintext at `buffer[headerStart + 13 + 8 ..< +plaintextLength]`
    /// and fills in the explicit nonce and the record length. The header's
    /// other fields must already be written; the buffer must have room for
    /// the tag.
    func seal(_ buffer: inout [UInt8], headerStart: Int, plaintextLength: Int,
              type: ContentType, version: ProtocolVersion, epoch: UInt16, sequence: UInt64) throws(CryptoError) {
        let explicitStart = headerStart + RecordHeader.length
        let explicit = UInt64(epoch) << 48 | sequence
        buffer[explicitStart] = UInt8(truncatingIfNeeded: explicit >> 56)
        buffer[explicitStart + 1] = UInt8(truncatingIfNeeded: explicit >> 48)
        buffer[explicitStart + 2] = UInt8(truncatingIfNeeded: explicit >> 40)
        buffer[explicitStart + 3] = UInt8(truncatingIfNeeded: explicit >> 32)
        buffer[explicitStart + 4] = UInt8(truncatingIfNeeded: explicit >> 24)
        buffer[explicitStart + 5] = UInt8(truncatingIfNeeded: explicit >> 16)
        buffer[explicitStart + 6] = UInt8(truncatingIfNeeded: explicit >> 8)
        buffer[explicitStart + 7] = UInt8(truncatingIfNeeded: explicit)
        let nonce = makeNonce(explicit: explicit)
        let aad = Self.additionalData(explicit: explicit, type: type, version: version, length: plaintextLength)
        let plaintextStart = explicitStart + Self.explicitNonceLength
        try aead.seal(&buffer, plaintext: plaintextStart..<(plaintextStart + plaintextLength), nonce: nonce.span, aad: aad.span)
        let recordLength = plaintextLength + Self.overhead
        buffer[headerStart + 11] = UInt8(truncatingIfNeeded: recordLength >> 8)
        buffer[headerStart + 12] = UInt8(truncatingIfNeeded: recordLength)
    }

    /// Opens a record fragment in place; returns the plaintext's range.
    func open(_ buffer: inout [UInt8], fragment: Range<Int>, header: RecordHeader) throws(CryptoError) -> Range<Int> {
        guard fragment.count >= Self.overhead else { throw .authenticationFailed }
        var explicit: UInt64 = 0
        for i in 0..<8 { explicit = explicit << 8 | UInt64(buffer[fragment.lowerBound + i]) }
        let nonce = makeNonce(explicit: explicit)
        let plaintextLength = fragment.count - Self.overhead
        // The AAD uses the header's epoch and sequence, not the explicit
        // nonce: a record moved to another sequence number fails to open.
        let seq = UInt64(header.epoch) << 48 | header.sequenceNumber
        let aad = Self.additionalData(explicit: seq, type: header.contentType, version: header.version, length: plaintextLength)
        let start = fragment.lowerBound + Self.explicitNonceLength
        let range = start..<(start + plaintextLength)
        try aead.open(&buffer, ciphertext: range, nonce: nonce.span, aad: aad.span)
        return range
    }

    // Unrolled stores: these run twice per record, and loops over
    // InlineArray indices cost several times more than the stores.
    @inline(__always)
    private func makeNonce(explicit: UInt64) -> InlineArray<12, UInt8> {
        var nonce = InlineArray<12, UInt8>(repeating: 0)
        nonce[0] = salt[0]
        nonce[1] = salt[1]
        nonce[2] = salt[2]
        nonce[3] = salt[3]
        nonce[4] = UInt8(truncatingIfNeeded: explicit >> 56)
        nonce[5] = UInt8(truncatingIfNeeded: explicit >> 48)
        nonce[6] = UInt8(truncatingIfNeeded: explicit >> 40)
        nonce[7] = UInt8(truncatingIfNeeded: explicit >> 32)
        nonce[8] = UInt8(truncatingIfNeeded: explicit >> 24)
        nonce[9] = UInt8(truncatingIfNeeded: explicit >> 16)
        nonce[10] = UInt8(truncatingIfNeeded: explicit >> 8)
        nonce[11] = UInt8(truncatingIfNeeded: explicit)
        return nonce
    }

    @inline(__always)
    private static func additionalData(explicit: UInt64, type: ContentType, version: ProtocolVersion, length: Int) -> InlineArray<13, UInt8> {
        var aad = InlineArray<13, UInt8>(repeating: 0)
        aad[0] = UInt8(truncatingIfNeeded: explicit >> 56)
        aad[1] = UInt8(truncatingIfNeeded: explicit >> 48)
        aad[2] = UInt8(truncatingIfNeeded: explicit >> 40)
        aad[3] = UInt8(truncatingIfNeeded: explicit >> 32)
        aad[4] = UInt8(truncatingIfNeeded: explicit >> 24)
        aad[5] = UInt8(truncatingIfNeeded: explicit >> 16)
        aad[6] = UInt8(truncatingIfNeeded: explicit >> 8)
        aad[7] = UInt8(truncatingIfNeeded: explicit)
        aad[8] = type.rawValue
        aad[9] = UInt8(truncatingIfNeeded: version.rawValue >> 8)
        aad[10] = UInt8(truncatingIfNeeded: version.rawValue)
        aad[11] = UInt8(truncatingIfNeeded: length >> 8)
        aad[12] = UInt8(truncatingIfNeeded: length)
        return aad
    }
}
