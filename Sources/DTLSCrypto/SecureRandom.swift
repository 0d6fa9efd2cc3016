internal import COpenSSL

/// CSPRNG output (client/server randoms, cookies, explicit nonces, serials).
public enum SecureRandom {
    /// RAND_bytes only fails when the DRBG cannot be seeded, in which case
    /// continuing would produce predictable keys; trapping is the only safe
    /// response, so these functions do not throw.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        var result = [UInt8](repeating: 0, count: count)
        fill(&result, range: 0..<count)
        return result
    }

    public static func fill(_ buffer: inout [UInt8], range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= buffer.count, "range outside buffer")
        if range.isEmpty { return }
        buffer.withUnsafeMutableBufferPointer { storage in
            // RAND_bytes takes an int length; chunk so any range works.
            var start = range.lowerBound
            while start < range.upperBound {
                let chunk = min(range.upperBound - start, 1 << 30)
                guard RAND_bytes(storage.baseAddress! + start, Int32(chunk)) == 1 else {
                    fatalError("RAND_bytes failed (DRBG unseeded): \(libraryError("RAND_bytes"))")
                }
                start += chunk
            }
        }
    }
}
