internal import COpenSSL

/// DTLS 1.3 record protection under an AES-GCM suite in one libcrypto
/// round trip per record (the direct record path): the AEAD with the
/// nonce rule of RFC 8446 5.3 and, when sealing, the record-number mask of
/// RFC 9147 4.2.3, computed in the C layer over the record in place. The
/// separate `AESGCM` and `RecordNumberCipher` calls do the same in several
/// crossings; ChaCha20-Poly1305 keys take that general way (these return
/// false for them).
extension AESGCM {
    /// Seals the record that `buffer` holds from offset 0: a unified header
    /// of `headerLength` bytes with the sequence number's low
    /// `sequenceBytes` bytes in the clear, `plaintextLength` bytes of inner
    /// plaintext, then 16 bytes of room for the tag; then masks the header's
    /// sequence bytes with `numbers`. False when this key is not AES-GCM.
    public func sealDTLS13Record(_ buffer: inout [UInt8], headerLength: Int, sequenceBytes: Int, plaintextLength: Int,
                                 iv: InlineArray<12, UInt8>, sequence: UInt64,
                                 numbers: RecordNumberCipher) throws(CryptoError) -> Bool {
        guard isGCM, numbers.kind == .aes else { return false }
        guard let ctx = encryptContext else { throw .malformedInput("this AES-GCM key was made for opening only") }
        guard headerLength >= 0, plaintextLength >= 0, headerLength + plaintextLength + Self.tagLength == buffer.count,
              plaintextLength + Self.tagLength >= RecordNumberCipher.sampleLength else {
            throw .malformedInput("DTLS 1.3 record layout does not match the buffer")
        }
        var iv = iv
        let ecb = numbers.context
        var ivSpan = iv.mutableSpan
        let ok = ivSpan.withUnsafeMutableBufferPointer { ivPointer in
            buffer.withUnsafeMutableBufferPointer { record in
                COpenSSL_dtls13_gcm_seal(ctx, ecb, ivPointer.baseAddress, sequence, record.baseAddress,
                                         headerLength, sequenceBytes, plaintextLength) == 1
            }
        }
        guard ok else { throw libraryError("DTLS 1.3 record seal") }
        return true
    }

    /// Opens the record that `buffer` holds from offset 0, its header
    /// already unmasked: `buffer[0..<headerLength]` is the additional data,
    /// the ciphertext runs to 16 bytes before the end, the tag is last.
    /// Throws `.authenticationFailed` for a forged record. False when this
    /// key is not AES-GCM.
    public func openDTLS13Record(_ buffer: inout [UInt8], headerLength: Int, iv: InlineArray<12, UInt8>,
                                 sequence: UInt64) throws(CryptoError) -> Bool {
        guard isGCM else { return false }
        guard let ctx = decryptContext else { throw .malformedInput("this AES-GCM key was made for sealing only") }
        guard headerLength >= 0, buffer.count - headerLength >= Self.tagLength else {
            throw .malformedInput("DTLS 1.3 record shorter than its tag")
        }
        var iv = iv
        let ciphertextLength = buffer.count - headerLength - Self.tagLength
        var ivSpan = iv.mutableSpan
        let status = ivSpan.withUnsafeMutableBufferPointer { ivPointer in
            buffer.withUnsafeMutableBufferPointer { record in
                COpenSSL_dtls13_gcm_open(ctx, ivPointer.baseAddress, sequence, record.baseAddress, headerLength, ciphertextLength)
            }
        }
        switch status {
        case 0: return true
        case 2:
            ERR_clear_error()
            throw .authenticationFailed
        default: throw libraryError("DTLS 1.3 record open")
        }
    }
}
