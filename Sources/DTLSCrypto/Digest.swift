internal import COpenSSL

/// One-shot hashing (handshake transcript hashes, certificate fingerprints).
public enum Digest {
    public static func hash(_ algorithm: HashAlgorithm, _ data: Span<UInt8>) -> [UInt8] {
        data.withBytes { pointer, count in
            [UInt8](capacity: algorithm.digestLength) { out in
                var length: UInt32 = 0
                guard EVP_Digest(pointer, count, out, &length, algorithm.md, nil) == 1 else {
                    // Only fails on allocation failure inside libcrypto.
                    fatalError("EVP_Digest failed: \(libraryError("EVP_Digest"))")
                }
                return Int(length)
            }
        }
    }
}
