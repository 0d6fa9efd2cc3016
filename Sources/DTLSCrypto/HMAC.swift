internal import COpenSSL

/// HMAC via the OpenSSL 3 EVP_MAC interface (the HMAC_CTX API is deprecated).
public enum HMAC {
    nonisolated(unsafe) private static let mac: OpaquePointer = {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else {
            fatalError("libcrypto has no HMAC: \(libraryError("EVP_MAC_fetch"))")
        }
        return mac
    }()

    public static func authenticate(_ algorithm: HashAlgorithm, key: Span<UInt8>, data: Span<UInt8>) -> [UInt8] {
        guard let ctx = EVP_MAC_CTX_new(mac) else {
            fatalError("EVP_MAC_CTX_new failed: \(libraryError("EVP_MAC_CTX_new"))")
        }
        defer { EVP_MAC_CTX_free(ctx) }
        return withUnsafeTemporaryAllocation(of: OSSL_PARAM.self, capacity: 2) { params in
            params[0] = OSSL_PARAM_construct_utf8_string(ParamName.digest, UnsafeMutablePointer(mutating: algorithm.openSSLName), 0)
            params[1] = OSSL_PARAM_construct_end()
            return key.withBytes { keyPointer, keyCount in
                data.withBytes { dataPointer, dataCount in
                    [UInt8](capacity: algorithm.digestLength) { out in
                        var length = 0
                        guard EVP_MAC_init(ctx, keyPointer, keyCount, params.baseAddress) == 1,
                              EVP_MAC_update(ctx, dataPointer, dataCount) == 1,
                              EVP_MAC_final(ctx, out, &length, algorithm.digestLength) == 1
                        else {
                            // HMAC over a fetched SHA-2 cannot fail short of allocation failure.
                            fatalError("HMAC failed: \(libraryError("EVP_MAC"))")
                        }
                        return length
                    }
                }
            }
        }
    }
}
