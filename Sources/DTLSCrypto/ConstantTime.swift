internal import COpenSSL

/// Comparisons of secrets (Finished verify_data, cookies, fingerprints) must not
/// leak the position of the first mismatch through timing.
public enum ConstantTime {
    /// Lengths are public in every use here, so a length mismatch returns early.
    public static func equals(_ a: Span<UInt8>, _ b: Span<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return a.withBytes { pa, count in
            b.withBytes { pb, _ in CRYPTO_memcmp(pa, pb, count) == 0 }
        }
    }
}
