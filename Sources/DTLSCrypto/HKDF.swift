internal import COpenSSL

/// HKDF (RFC 5869) via libcrypto's EVP_KDF "HKDF": the TLS 1.3 / DTLS 1.3
/// key schedule's two primitives. Extract and expand are separate calls
/// (modes EXTRACT_ONLY and EXPAND_ONLY) because the key schedule chains
/// them with its own labels in between.
public enum HKDF {
    nonisolated(unsafe) private static let kdf: OpaquePointer = {
        guard let kdf = EVP_KDF_fetch(nil, "HKDF", nil) else {
            fatalError("libcrypto has no HKDF: \(libraryError("EVP_KDF_fetch"))")
        }
        return kdf
    }()

    nonisolated(unsafe) private static let modeName = immortalCString(OSSL_KDF_PARAM_MODE)
    nonisolated(unsafe) private static let keyName = immortalCString(OSSL_KDF_PARAM_KEY)
    nonisolated(unsafe) private static let saltName = immortalCString(OSSL_KDF_PARAM_SALT)
    nonisolated(unsafe) private static let infoName = immortalCString(OSSL_KDF_PARAM_INFO)
    nonisolated(unsafe) private static let extractOnly = immortalCString("EXTRACT_ONLY")
    nonisolated(unsafe) private static let expandOnly = immortalCString("EXPAND_ONLY")

    /// HKDF-Extract(salt, IKM): a pseudorandom key of the digest's length.
    public static func extract(_ algorithm: HashAlgorithm, salt: Span<UInt8>, inputKeyMaterial: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        try run(algorithm, mode: extractOnly, key: inputKeyMaterial, extra: salt, extraName: saltName, count: algorithm.digestLength)
    }

    /// HKDF-Expand(PRK, info, L): `count` bytes (at most 255 digests).
    public static func expand(_ algorithm: HashAlgorithm, pseudorandomKey: Span<UInt8>, info: Span<UInt8>, count: Int) throws(CryptoError) -> [UInt8] {
        guard count >= 0, count <= 255 * algorithm.digestLength else { throw .malformedInput("HKDF-Expand length \(count)") }
        if count == 0 { return [] }
        return try run(algorithm, mode: expandOnly, key: pseudorandomKey, extra: info, extraName: infoName, count: count)
    }

    private static func run(_ algorithm: HashAlgorithm, mode: UnsafePointer<CChar>, key: Span<UInt8>, extra: Span<UInt8>,
                            extraName: UnsafePointer<CChar>, count: Int) throws(CryptoError) -> [UInt8] {
        guard let ctx = EVP_KDF_CTX_new(kdf) else { throw libraryError("EVP_KDF_CTX_new") }
        defer { EVP_KDF_CTX_free(ctx) }
        ERR_clear_error()
        return try withUnsafeTemporaryAllocation(of: OSSL_PARAM.self, capacity: 5) { (params) throws(CryptoError) -> [UInt8] in
            try key.withBytes { (keyPointer, keyCount) throws(CryptoError) -> [UInt8] in
                try extra.withBytes { (extraPointer, extraCount) throws(CryptoError) -> [UInt8] in
                    params[0] = OSSL_PARAM_construct_utf8_string(ParamName.digest, UnsafeMutablePointer(mutating: algorithm.openSSLName), 0)
                    params[1] = OSSL_PARAM_construct_utf8_string(modeName, UnsafeMutablePointer(mutating: mode), 0)
                    // TLS 1.3 extracts with an all-zero (or empty) key; the
                    // KDF copies it, and withBytes never hands out NULL.
                    params[2] = OSSL_PARAM_construct_octet_string(keyName, UnsafeMutableRawPointer(mutating: keyPointer), keyCount)
                    params[3] = OSSL_PARAM_construct_octet_string(extraName, UnsafeMutableRawPointer(mutating: extraPointer), extraCount)
                    params[4] = OSSL_PARAM_construct_end()
                    return try [UInt8](capacity: count) { (out) throws(CryptoError) -> Int in
                        guard EVP_KDF_derive(ctx, out, count, params.baseAddress) == 1 else { throw libraryError("HKDF derive") }
                        return count
                    }
                }
            }
        }
    }
}
