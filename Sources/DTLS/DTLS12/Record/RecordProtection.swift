import DTLSCrypto

/// AES-GCM record protection for DTLS 1.2 (RFC 5288 3, RFC 6347 4.1.2.1).
///
/// The 12-byte nonce is the 4-byte implicit salt from the key block followed
/// by the 8-byte explicit part carried in the record, which we set to
/// epoch || sequence number (unique per key, as RFC 5288 requires). The
/// additional data is `epoch || seq || type || version || plaintext length`.
///
/// Sealing and opening run in place in the caller's buffer, one libcrypto
/// record call each (see `AESGCMRecordCipher`): no allocation per record.
package final class RecordProtection {
    static let explicitNonceLength = AESGCMRecordCipher.explicitNonceLength
    static let overhead = AESGCMRecordCipher.overhead

    private let cipher: AESGCMRecordCipher

    /// The record cipher of a suite's AEAD (one case per cipher).
    init(_ suite: CipherSuiteParameters, key: [UInt8], salt: [UInt8], usage: AESGCMRecordCipher.Direction) throws(CryptoError) {
        switch suite.aead {
        case .aesGCM: cipher = try AESGCMRecordCipher(key: key.span, salt: salt.span, direction: usage)
        }
    }

    /// Seals the plaintext at `buffer[headerStart + 13 + 8 ..< +plaintextLength]`
    /// and fills in the explicit nonce and the record length. The header's
    /// other fields must already be written; the buffer must have room for
    /// the tag.
    package func seal(_ buffer: inout [UInt8], headerStart: Int, plaintextLength: Int,
              type: ContentType, version: ProtocolVersion, epoch: UInt16, sequence: UInt64) throws(CryptoError) {
        let fragmentStart = headerStart + RecordHeader.length
        let recordLength = plaintextLength + Self.overhead
        try cipher.seal(&buffer, fragment: fragmentStart..<(fragmentStart + recordLength),
                        sequence: UInt64(epoch) << 48 | sequence, contentType: type.rawValue, version: version.rawValue)
        RecordHeader.patchLength(&buffer, headerAt: headerStart, length: recordLength)
    }

    /// Opens a record fragment in place; returns the plaintext's range.
    /// The AAD uses the header's epoch and sequence, not the explicit nonce:
    /// a record moved to another sequence number fails to open.
    package func open(_ buffer: inout [UInt8], fragment: Range<Int>, header: RecordHeader) throws(CryptoError) -> Range<Int> {
        try cipher.open(&buffer, fragment: fragment, sequence: UInt64(header.epoch) << 48 | header.sequenceNumber,
                        contentType: header.contentType.rawValue, version: header.version.rawValue)
    }
}
