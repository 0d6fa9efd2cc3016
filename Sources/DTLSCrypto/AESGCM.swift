internal import COpenSSL

/// AES-GCM with a cached EVP_CIPHER_CTX per direction, keyed once; per record only the IV is set.
/// Must do NO heap allocation per seal/open (reuse the contexts; no Array creation inside).
///
/// Keying (the AES key schedule and GHASH table) is the expensive part of a
/// GCM context, so it happens once per epoch; a record only re-initialises the
/// nonce. The buffer is accessed in place, so it must be uniquely referenced
/// for the no-allocation guarantee to hold (a shared array is copied on write
/// as usual). Not Sendable: each instance is confined to its connection, and
/// EVP_CIPHER_CTX is not safe for concurrent use.
public final class AESGCM {
    public static let tagLength = 16
    private static let nonceLength = 12

    nonisolated(unsafe) static let cipher128: OpaquePointer = fetch("AES-128-GCM")
    nonisolated(unsafe) static let cipher256: OpaquePointer = fetch("AES-256-GCM")
    nonisolated(unsafe) static let chacha20Poly1305: OpaquePointer = fetch("ChaCha20-Poly1305")

    /// The AEADs behind this one interface: libcrypto drives AES-GCM and
    /// ChaCha20-Poly1305 through the same EVP calls (12-byte nonce, 16-byte
    /// tag set and read with the AEAD controls), so one class serves both.
    public enum Algorithm: Sendable, Hashable {
        /// AES-GCM, 16- or 32-byte key.
        case aesGCM
        /// ChaCha20-Poly1305 (RFC 8439), 32-byte key: TLS_CHACHA20_POLY1305_SHA256.
        case chacha20Poly1305
    }

    private static func fetch(_ name: String) -> OpaquePointer {
        guard let cipher = EVP_CIPHER_fetch(nil, name, nil) else {
            fatalError("libcrypto has no \(name): \(libraryError("EVP_CIPHER_fetch"))")
        }
        return cipher
    }

    /// Which operations a key is used for. A DTLS or SRTP direction only
    /// ever seals or only ever opens, and each libcrypto context costs about
    /// a kilobyte per connection, so a context is made only for what is used.
    public enum Usage: Sendable { case seal, open, both }

    let encryptContext: OpaquePointer?
    let decryptContext: OpaquePointer?
    /// AES-GCM takes a record's nonce as a provider parameter (one call,
    /// `COpenSSL_gcm_seal`/`_open`); ChaCha20-Poly1305 re-initialises its
    /// context with the nonce.
    let isGCM: Bool

    public convenience init(key: Span<UInt8>) throws(CryptoError) {
        try self.init(key: key, usage: .both)
    }

    public convenience init(key: Span<UInt8>, usage: Usage) throws(CryptoError) {
        try self.init(algorithm: .aesGCM, key: key, usage: usage)
    }

    public init(algorithm: Algorithm, key: Span<UInt8>, usage: Usage) throws(CryptoError) {
        let cipher: OpaquePointer
        switch (algorithm, key.count) {
        case (.aesGCM, 16): cipher = Self.cipher128
        case (.aesGCM, 32): cipher = Self.cipher256
        case (.chacha20Poly1305, 32): cipher = Self.chacha20Poly1305
        default: throw .invalidKeyLength
        }
        let enc = usage == .open ? nil : EVP_CIPHER_CTX_new()
        let dec = usage == .seal ? nil : EVP_CIPHER_CTX_new()
        encryptContext = enc
        decryptContext = dec
        isGCM = algorithm == .aesGCM
        guard (usage == .open || enc != nil), (usage == .seal || dec != nil) else {
            throw libraryError("EVP_CIPHER_CTX_new")
        }
        ERR_clear_error()
        let ok = key.withBytes { pointer, _ in
            (enc.map { EVP_EncryptInit_ex2($0, cipher, pointer, nil, nil) == 1 } ?? true)
                && (dec.map { EVP_DecryptInit_ex2($0, cipher, pointer, nil, nil) == 1 } ?? true)
        }
        // deinit frees the contexts if this throws.
        guard ok else { throw libraryError("AES-GCM key setup") }
    }

    deinit {
        if let encryptContext { EVP_CIPHER_CTX_free(encryptContext) }
        if let decryptContext { EVP_CIPHER_CTX_free(decryptContext) }
    }

    /// Encrypts buffer[plaintext] in place; writes the 16-byte tag at buffer[plaintext.upperBound ..< plaintext.upperBound+16] (caller guarantees the room). nonce is 12 bytes.
    public func seal(_ buffer: inout [UInt8], plaintext: Range<Int>, nonce: Span<UInt8>, aad: Span<UInt8>) throws(CryptoError) {
        try Self.check(buffer.count, plaintext, nonce)
        guard let ctx = encryptContext else { throw .malformedInput("this AES-GCM key was made for opening only") }
        if isGCM {
            let sealed = buffer.withUnsafeMutableBufferPointer { storage in
                nonce.withBytes { noncePointer, _ in
                    aad.withBytes { aadPointer, aadCount in
                        let base = storage.baseAddress!
                        return COpenSSL_gcm_seal(ctx, UnsafeMutablePointer(mutating: noncePointer), aadPointer, aadCount,
                                                 base + plaintext.lowerBound, plaintext.count, base + plaintext.upperBound) == 1
                    }
                }
            }
            guard sealed else { throw libraryError("AES-GCM seal") }
            return
        }
        let ok = buffer.withUnsafeMutableBufferPointer { storage in
            nonce.withBytes { noncePointer, _ in
                aad.withBytes { aadPointer, aadCount in
                    let base = storage.baseAddress!
                    var outLength: Int32 = 0
                    guard EVP_EncryptInit_ex2(ctx, nil, nil, noncePointer, nil) == 1 else { return false }
                    if aadCount > 0 {
                        guard EVP_EncryptUpdate(ctx, nil, &outLength, aadPointer, Int32(aadCount)) == 1 else { return false }
                    }
                    if !plaintext.isEmpty {
                        let data = base + plaintext.lowerBound
                        guard EVP_EncryptUpdate(ctx, data, &outLength, data, Int32(plaintext.count)) == 1 else { return false }
                    }
                    // GCM is a stream mode: Final writes no bytes, it only computes the tag.
                    guard EVP_EncryptFinal_ex(ctx, base + plaintext.upperBound, &outLength) == 1 else { return false }
                    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagLength), base + plaintext.upperBound) == 1
                }
            }
        }
        guard ok else { throw libraryError("AES-GCM seal") }
    }

    /// Decrypts buffer[ciphertext] in place after checking the 16-byte tag stored at buffer[ciphertext.upperBound ..< +16]. On tag mismatch throws .authenticationFailed (buffer content then unspecified).
    public func open(_ buffer: inout [UInt8], ciphertext: Range<Int>, nonce: Span<UInt8>, aad: Span<UInt8>) throws(CryptoError) {
        try Self.check(buffer.count, ciphertext, nonce)
        guard let ctx = decryptContext else { throw .malformedInput("this AES-GCM key was made for sealing only") }
        // 0: ok, 1: libcrypto failure, 2: tag mismatch.
        let status = isGCM ? buffer.withUnsafeMutableBufferPointer { storage -> Int in
            nonce.withBytes { noncePointer, _ in
                aad.withBytes { aadPointer, aadCount in
                    let base = storage.baseAddress!
                    return Int(COpenSSL_gcm_open(ctx, UnsafeMutablePointer(mutating: noncePointer), aadPointer, aadCount,
                                                 base + ciphertext.lowerBound, ciphertext.count, base + ciphertext.upperBound))
                }
            }
        } : buffer.withUnsafeMutableBufferPointer { storage -> Int in
            nonce.withBytes { noncePointer, _ in
                aad.withBytes { aadPointer, aadCount in
                    let base = storage.baseAddress!
                    var outLength: Int32 = 0
                    guard EVP_DecryptInit_ex2(ctx, nil, nil, noncePointer, nil) == 1 else { return 1 }
                    if aadCount > 0 {
                        guard EVP_DecryptUpdate(ctx, nil, &outLength, aadPointer, Int32(aadCount)) == 1 else { return 1 }
                    }
                    if !ciphertext.isEmpty {
                        let data = base + ciphertext.lowerBound
                        guard EVP_DecryptUpdate(ctx, data, &outLength, data, Int32(ciphertext.count)) == 1 else { return 1 }
                    }
                    guard EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagLength), base + ciphertext.upperBound) == 1 else { return 1 }
                    // libcrypto compares the tag in constant time.
                    return EVP_DecryptFinal_ex(ctx, base + ciphertext.upperBound, &outLength) == 1 ? 0 : 2
                }
            }
        }
        switch status {
        case 0: return
        case 2:
            // A forged record is routine on the open Internet; don't let its
            // (empty) error state leak into the next operation's report.
            ERR_clear_error()
            throw .authenticationFailed
        default: throw libraryError("AES-GCM open")
        }
    }

    /// Bounds errors are caller bugs, but a thrown error is cheaper to survive
    /// than a trap in a media server. The error strings are literals, so the
    /// success path stays allocation-free.
    @inline(__always)
    private static func check(_ bufferCount: Int, _ range: Range<Int>, _ nonce: Span<UInt8>) throws(CryptoError) {
        guard nonce.count == nonceLength else { throw .malformedInput("AES-GCM nonce must be 12 bytes") }
        guard range.lowerBound >= 0, range.upperBound <= bufferCount - tagLength,
              range.count <= Int(Int32.max) else {
            throw .malformedInput("AES-GCM range and tag exceed the buffer")
        }
    }
}
