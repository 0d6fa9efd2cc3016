internal import COpenSSL

/// DTLS 1.3 record-number encryption (RFC 9147 4.2.3): the mask over a
/// record's sequence-number bytes, computed from the first 16 bytes of
/// its ciphertext with the epoch's `sn_key`. AES suites use AES-ECB of the
/// sample; ChaCha20-Poly1305 uses ChaCha20 with the sample as counter
/// (first 4 bytes, little-endian) and nonce (the other 12).
///
/// Keyed once per epoch; a record costs one cipher call on a stack buffer,
/// no allocation. Not Sendable: confined to its connection.
public final class RecordNumberCipher {
    public enum Kind: Sendable, Hashable { case aes, chacha20 }

    /// The sample length RFC 9147 4.2.3 fixes: a record's ciphertext must be
    /// at least this long (AEAD tags guarantee it).
    public static let sampleLength = 16

    nonisolated(unsafe) private static let aes128 = fetch("AES-128-ECB")
    nonisolated(unsafe) private static let aes256 = fetch("AES-256-ECB")
    nonisolated(unsafe) private static let chacha = fetch("ChaCha20")

    private static func fetch(_ name: String) -> OpaquePointer {
        guard let cipher = EVP_CIPHER_fetch(nil, name, nil) else {
            fatalError("libcrypto has no \(name): \(libraryError("EVP_CIPHER_fetch"))")
        }
        return cipher
    }

    public let kind: Kind
    let context: OpaquePointer

    public init(kind: Kind, key: Span<UInt8>) throws(CryptoError) {
        let cipher: OpaquePointer
        switch (kind, key.count) {
        case (.aes, 16): cipher = Self.aes128
        case (.aes, 32): cipher = Self.aes256
        case (.chacha20, 32): cipher = Self.chacha
        default: throw .invalidKeyLength
        }
        guard let ctx = EVP_CIPHER_CTX_new() else { throw libraryError("EVP_CIPHER_CTX_new") }
        context = ctx
        self.kind = kind
        ERR_clear_error()
        let ok = key.withBytes { pointer, _ in
            EVP_EncryptInit_ex2(ctx, cipher, pointer, nil, nil) == 1
                && (kind == .chacha20 || EVP_CIPHER_CTX_set_padding(ctx, 0) == 1)
        }
        guard ok else { throw libraryError("record-number key setup") }
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    /// The first two mask bytes for the record whose ciphertext starts with
    /// `sample` (at least 16 bytes; only the first 16 are used).
    public func mask(sample: Span<UInt8>) throws(CryptoError) -> (UInt8, UInt8) {
        guard sample.count >= Self.sampleLength else { throw .malformedInput("record too short for its sequence-number sample") }
        let ctx = context
        let kind = kind
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { (scratch) throws(CryptoError) -> (UInt8, UInt8) in
            let out = scratch.baseAddress!
            let zeros = out + 32
            for i in 0..<16 { zeros[i] = 0 }
            var written: Int32 = 0
            let ok = sample.withBytes { input, _ -> Bool in
                switch kind {
                case .aes:
                    // One ECB block: EVP_Cipher goes straight to the
                    // provider, without EVP_EncryptUpdate's partial-block
                    // bookkeeping (there is never a partial block here).
                    written = EVP_Cipher(ctx, out, input, 16)
                    return true
                case .chacha20:
                    // libcrypto's ChaCha20 IV is the 4-byte little-endian
                    // counter then the 12-byte nonce: the sample as it is.
                    return EVP_EncryptInit_ex2(ctx, nil, nil, input, nil) == 1
                        && EVP_EncryptUpdate(ctx, out, &written, zeros, 16) == 1
                }
            }
            guard ok, written == 16 else { throw libraryError("record-number mask") }
            return (out[0], out[1])
        }
    }
}
