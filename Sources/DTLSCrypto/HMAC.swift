internal import COpenSSL

/// HMAC via the OpenSSL 3 EVP_MAC interface (the HMAC_CTX API is deprecated).
public enum HMAC {
    nonisolated(unsafe) private static let mac: OpaquePointer = {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else {
            fatalError("libcrypto has no HMAC: \(libraryError("EVP_MAC_fetch"))")
        }
        return mac
    }()

    /// Digests that exist for HMAC only, because a protocol mandates them.
    /// SHA-1 is deliberately not a `HashAlgorithm`, so it can never reach a
    /// fingerprint, a signature or the TLS PRF: HMAC-SHA1 is still a sound
    /// MAC, SHA-1 itself is not a sound hash.
    public enum LegacyAlgorithm: Sendable, Hashable {
        /// HMAC-SHA1, 20-byte tag: STUN MESSAGE-INTEGRITY (RFC 5389 section 15.4).
        case sha1

        public var digestLength: Int { 20 }
    }

    nonisolated(unsafe) private static let sha1Name = immortalCString("SHA1")

    public static func authenticate(_ algorithm: HashAlgorithm, key: Span<UInt8>, data: Span<UInt8>) -> [UInt8] {
        compute(digestName: algorithm.openSSLName, length: algorithm.digestLength, key: key, data: data)
    }

    /// HMAC with a digest reserved for MAC use (see `LegacyAlgorithm`).
    public static func authenticate(_ algorithm: LegacyAlgorithm, key: Span<UInt8>, data: Span<UInt8>) -> [UInt8] {
        switch algorithm {
        case .sha1: compute(digestName: sha1Name, length: algorithm.digestLength, key: key, data: data)
        }
    }

    private static func compute(digestName: UnsafePointer<CChar>, length digestLength: Int,
                                key: Span<UInt8>, data: Span<UInt8>) -> [UInt8] {
        guard let ctx = EVP_MAC_CTX_new(mac) else {
            fatalError("EVP_MAC_CTX_new failed: \(libraryError("EVP_MAC_CTX_new"))")
        }
        defer { EVP_MAC_CTX_free(ctx) }
        return withUnsafeTemporaryAllocation(of: OSSL_PARAM.self, capacity: 2) { params in
            params[0] = OSSL_PARAM_construct_utf8_string(ParamName.digest, UnsafeMutablePointer(mutating: digestName), 0)
            params[1] = OSSL_PARAM_construct_end()
            return key.withBytes { keyPointer, keyCount in
                data.withBytes { dataPointer, dataCount in
                    [UInt8](capacity: digestLength) { out in
                        var length = 0
                        guard EVP_MAC_init(ctx, keyPointer, keyCount, params.baseAddress) == 1,
                              EVP_MAC_update(ctx, dataPointer, dataCount) == 1,
                              EVP_MAC_final(ctx, out, &length, digestLength) == 1
                        else {
                            // HMAC over a fetched SHA-1/SHA-2 cannot fail short of allocation failure.
                            fatalError("HMAC failed: \(libraryError("EVP_MAC"))")
                        }
                        return length
                    }
                }
            }
        }
    }
}
