internal import COpenSSL

public enum TLSPRF {
    nonisolated(unsafe) private static let kdf: OpaquePointer = {
        guard let kdf = EVP_KDF_fetch(nil, "TLS1-PRF", nil) else {
            fatalError("libcrypto has no TLS1-PRF: \(libraryError("EVP_KDF_fetch"))")
        }
        return kdf
    }()

    /// TLS 1.2 PRF (RFC 5246 section 5) via OpenSSL's EVP_KDF "TLS1-PRF" (no hand-written HMAC chaining needed, but either is fine as long as HMAC itself is libcrypto's).
    ///
    /// The label and seed are passed as two SEED parameters, which the KDF
    /// concatenates, so no `label || seed` buffer is built here.
    public static func derive(_ algorithm: HashAlgorithm, secret: Span<UInt8>, label: Span<UInt8>, seed: Span<UInt8>, count: Int) throws(CryptoError) -> [UInt8] {
        guard count > 0 else {
            if count == 0 { return [] }
            throw .malformedInput("negative PRF output length")
        }
        guard let ctx = EVP_KDF_CTX_new(kdf) else { throw libraryError("EVP_KDF_CTX_new") }
        defer { EVP_KDF_CTX_free(ctx) }
        ERR_clear_error()
        return try withUnsafeTemporaryAllocation(of: OSSL_PARAM.self, capacity: 5) { (params) throws(CryptoError) -> [UInt8] in
            try secret.withBytes { (secretPointer, secretCount) throws(CryptoError) -> [UInt8] in
                try label.withBytes { (labelPointer, labelCount) throws(CryptoError) -> [UInt8] in
                    try seed.withBytes { (seedPointer, seedCount) throws(CryptoError) -> [UInt8] in
                        params[0] = OSSL_PARAM_construct_utf8_string(ParamName.digest, UnsafeMutablePointer(mutating: algorithm.openSSLName), 0)
                        // The KDF copies the secret; a zero-length secret is legal
                        // (RFC 5705 exporter tests use one), which is why withBytes
                        // never hands out NULL.
                        params[1] = OSSL_PARAM_construct_octet_string(ParamName.secret, UnsafeMutableRawPointer(mutating: secretPointer), secretCount)
                        params[2] = OSSL_PARAM_construct_octet_string(ParamName.seed, UnsafeMutableRawPointer(mutating: labelPointer), labelCount)
                        params[3] = OSSL_PARAM_construct_octet_string(ParamName.seed, UnsafeMutableRawPointer(mutating: seedPointer), seedCount)
                        params[4] = OSSL_PARAM_construct_end()
                        return try [UInt8](capacity: count) { (out) throws(CryptoError) -> Int in
                            guard EVP_KDF_derive(ctx, out, count, params.baseAddress) == 1 else {
                                throw libraryError("TLS1-PRF derive")
                            }
                            return count
                        }
                    }
                }
            }
        }
    }
}
