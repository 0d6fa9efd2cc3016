internal import COpenSSL

/// One-shot hashing (handshake transcript hashes, certificate fingerprints).
public enum Digest {
    public static func hash(_ algorithm: HashAlgorithm, _ data: Span<UInt8>) -> [UInt8] {
        hash(md: algorithm.md, length: algorithm.digestLength, data)
    }

    static func hash(md: OpaquePointer, length digestLength: Int, _ data: Span<UInt8>) -> [UInt8] {
        data.withBytes { pointer, count in
            [UInt8](capacity: digestLength) { out in
                var length: UInt32 = 0
                guard EVP_Digest(pointer, count, out, &length, md, nil) == 1 else {
                    // Only fails on allocation failure inside libcrypto.
                    fatalError("EVP_Digest failed: \(libraryError("EVP_Digest"))")
                }
                return Int(length)
            }
        }
    }
}

extension Digest {
    /// SHAKE256 (FIPS 202) with `outputLength` bytes of output: ML-KEM's J
    /// function, for checking implicit rejection against the standard.
    public static func shake256(_ data: Span<UInt8>, outputLength: Int) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        return data.withBytes { pointer, count in
            [UInt8](capacity: outputLength) { out in
                guard EVP_DigestInit_ex(context, EVP_shake256(), nil) == 1, EVP_DigestUpdate(context, pointer, count) == 1,
                      EVP_DigestFinalXOF(context, out, outputLength) == 1 else {
                    fatalError("SHAKE256 failed: \(libraryError("EVP_DigestFinalXOF"))")
                }
                return outputLength
            }
        }
    }
}
