internal import COpenSSL

/// A long-term signing key (the DTLS certificate key).
/// `@unchecked Sendable`: immutable after init; EVP_PKEY is refcounted & thread-safe for signing.
public final class PrivateKey: @unchecked Sendable {
    let pkey: OpaquePointer
    public let keyType: KeyType

    /// Takes ownership of `pkey`, freeing it if the type is unsupported.
    init(owning pkey: OpaquePointer) throws(CryptoError) {
        do {
            keyType = try KeyType(of: pkey)
        } catch {
            EVP_PKEY_free(pkey)
            throw error
        }
        self.pkey = pkey
    }

    deinit { EVP_PKEY_free(pkey) }

    public static func generateECDSA(_ curve: ECCurve) throws(CryptoError) -> PrivateKey {
        ERR_clear_error()
        let pkey = try withPKeyContext(named: "EC") { (ctx) throws(CryptoError) -> OpaquePointer in
            var key: OpaquePointer? = nil
            guard EVP_PKEY_keygen_init(ctx) == 1,
                  EVP_PKEY_CTX_set_group_name(ctx, curve == .p256 ? "P-256" : "P-384") == 1,
                  EVP_PKEY_generate(ctx, &key) == 1, let key else {
                throw libraryError("EC key generation")
            }
            return key
        }
        return try PrivateKey(owning: pkey)
    }

    public static func generateRSA(bits: Int) throws(CryptoError) -> PrivateKey {
        guard KeyType.rsaBits.contains(bits) else { throw .unsupportedKey }
        ERR_clear_error()
        let pkey = try withPKeyContext(named: "RSA") { (ctx) throws(CryptoError) -> OpaquePointer in
            var key: OpaquePointer? = nil
            guard EVP_PKEY_keygen_init(ctx) == 1,
                  EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, Int32(bits)) == 1,
                  EVP_PKEY_generate(ctx, &key) == 1, let key else {
                throw libraryError("RSA key generation")
            }
            return key
        }
        return try PrivateKey(owning: pkey)
    }

    /// PKCS#8 or traditional EC/RSA PEM. Encrypted keys are refused instead of
    /// letting libcrypto's default callback prompt on the terminal.
    public convenience init(pemEncoded: String) throws(CryptoError) {
        ERR_clear_error()
        let pkey = try withMemoryBIO(pemEncoded) { bio in
            PEM_read_bio_PrivateKey(bio, nil, refusePassphrase, nil)
        }
        guard let pkey else {
            ERR_clear_error()
            throw .malformedInput("no readable unencrypted private key in PEM")
        }
        try self.init(owning: pkey)
    }

    /// PKCS#8 or traditional (RFC 5915 EC / PKCS#1 RSA) DER.
    public convenience init(derEncoded: [UInt8]) throws(CryptoError) {
        ERR_clear_error()
        var consumed = 0
        let pkey = derEncoded.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            guard let base = buffer.baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            let key = d2i_AutoPrivateKey(nil, &cursor, buffer.count)
            consumed = cursor.map { $0 - base } ?? 0
            return key
        }
        guard let pkey else {
            ERR_clear_error()
            throw .malformedInput("invalid private key DER")
        }
        guard consumed == derEncoded.count else {
            EVP_PKEY_free(pkey)
            throw .malformedInput("trailing bytes after private key DER")
        }
        try self.init(owning: pkey)
    }

    /// PKCS#8, unencrypted.
    public var pemEncoded: String {
        guard let bio = BIO_new(BIO_s_mem()) else { fatalError("BIO_new failed") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
            // Only allocation failure can stop serialising a key we already hold.
            fatalError("PEM_write_bio_PrivateKey: \(libraryError("PEM"))")
        }
        return stringFromMemoryBIO(bio)
    }

    /// Shares the EVP_PKEY (refcount) rather than re-encoding the public half.
    public var publicKey: PublicKey {
        EVP_PKEY_up_ref(pkey)
        return PublicKey(sharing: pkey, keyType: keyType)
    }
}

/// PEM passphrase callback that declines, so encrypted PEM fails cleanly.
let refusePassphrase: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = { _, _, _, _ in -1 }

/// Runs `body` with a read-only memory BIO over the UTF-8 of `text`.
func withMemoryBIO<R>(_ text: String, _ body: (OpaquePointer) -> R) throws(CryptoError) -> R {
    var text = text
    // String.withUTF8 only rethrows untyped errors, so report failure by optional.
    let result: R? = text.withUTF8 { utf8 in
        guard utf8.count <= Int(Int32.max),
              let bio = BIO_new_mem_buf(utf8.baseAddress ?? UnsafePointer(emptyBytePointer), Int32(utf8.count)) else {
            return nil
        }
        defer { BIO_free(bio) }
        return body(bio)
    }
    guard let result else { throw libraryError("BIO_new_mem_buf") }
    return result
}
