/// Appends big-endian fields to a byte array, with length prefixes patched
/// in after their contents are written so serializers need no size pass.
package struct ByteWriter {
    package var bytes: [UInt8]

    package init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    package init(reusing buffer: [UInt8]) {
        bytes = buffer
        bytes.removeAll(keepingCapacity: true)
    }

    package var count: Int { bytes.count }

    package mutating func writeUInt8(_ v: UInt8) { bytes.append(v) }

    package mutating func writeUInt16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    package mutating func writeUInt24(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    package mutating func writeUInt48(_ v: UInt64) {
        for shift in stride(from: 40, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
        }
    }

    package mutating func writeUInt64(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
        }
    }

    package mutating func writeBytes(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    package mutating func writeBytes(_ b: ArraySlice<UInt8>) { bytes.append(contentsOf: b) }

    /// Writes a length prefix of `lengthBytes` bytes around what `body` writes.
    package mutating func writeLengthPrefixed(lengthBytes: Int, _ body: (inout ByteWriter) -> Void) {
        let start = bytes.count
        for _ in 0..<lengthBytes { bytes.append(0) }
        body(&self)
        let length = bytes.count - start - lengthBytes
        for i in 0..<lengthBytes {
            bytes[start + i] = UInt8(truncatingIfNeeded: length >> (8 * (lengthBytes - 1 - i)))
        }
    }

    package mutating func writeVector(lengthBytes: Int, _ b: [UInt8]) {
        writeLengthPrefixed(lengthBytes: lengthBytes) { $0.writeBytes(b) }
    }
}
