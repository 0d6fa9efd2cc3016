internal import COpenSSL

/// A hash over a growing sequence of messages, readable at any point
/// without hashing again what came before: the TLS 1.3 transcript hash,
/// which a handshake reads about eight times per side as it grows to
/// several kilobytes (certificates, and a post-quantum key share of 1.2 KB
/// in each hello).
///
/// Reading copies the libcrypto state into a second context and finishes
/// that one, so the running state goes on. Not Sendable: confined to its
/// connection.
public final class RunningDigest {
    public let algorithm: HashAlgorithm
    private let context: OpaquePointer
    private let scratch: OpaquePointer

    public init(_ algorithm: HashAlgorithm) throws(CryptoError) {
        guard let context = EVP_MD_CTX_new() else { throw libraryError("EVP_MD_CTX_new") }
        guard let scratch = EVP_MD_CTX_new() else {
            EVP_MD_CTX_free(context)
            throw libraryError("EVP_MD_CTX_new")
        }
        self.context = context
        self.scratch = scratch
        self.algorithm = algorithm
        // deinit frees both contexts if this throws.
        guard EVP_DigestInit_ex2(context, algorithm.md, nil) == 1 else { throw libraryError("EVP_DigestInit_ex2") }
    }

    deinit {
        EVP_MD_CTX_free(context)
        EVP_MD_CTX_free(scratch)
    }

    /// Appends `data` to what is hashed.
    public func update(_ data: Span<UInt8>) throws(CryptoError) {
        let ctx = context
        let ok = data.withBytes { pointer, count in count == 0 || EVP_DigestUpdate(ctx, pointer, count) == 1 }
        guard ok else { throw libraryError("EVP_DigestUpdate") }
    }

    /// The hash of everything appended so far.
    public func current() throws(CryptoError) -> [UInt8] {
        guard EVP_MD_CTX_copy_ex(scratch, context) == 1 else { throw libraryError("EVP_MD_CTX_copy_ex") }
        let scratch = scratch
        return try [UInt8](capacity: algorithm.digestLength) { (out) throws(CryptoError) -> Int in
            var length: UInt32 = 0
            guard EVP_DigestFinal_ex(scratch, out, &length) == 1 else { throw libraryError("EVP_DigestFinal_ex") }
            return Int(length)
        }
    }
}
