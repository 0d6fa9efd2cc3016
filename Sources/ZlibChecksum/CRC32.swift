internal import CZlib

/// CRC-32 (ISO 3309 / ITU-T V.42, the polynomial STUN's FINGERPRINT uses,
/// RFC 5389 section 15.5) from zlib. The only Swift that touches zlib.
public enum CRC32 {
    /// The CRC-32 of `bytes`, continuing from `initial` (0 to start).
    public static func checksum(_ bytes: Span<UInt8>, initial: UInt32 = 0) -> UInt32 {
        var crc = UInt(initial)
        var remaining = bytes
        // zlib's length parameter is a 32-bit uInt: feed huge inputs in chunks.
        while !remaining.isEmpty {
            let count = min(remaining.count, Int(UInt32.max >> 1))
            let chunk = remaining.extracting(0..<count)
            crc = chunk.withUnsafeBufferPointer { buffer in
                CZlib.crc32(crc, buffer.baseAddress, uInt(count))
            }
            remaining = remaining.extracting(count...)
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
