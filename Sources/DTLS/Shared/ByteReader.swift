/// A cursor over an array's bytes that never copies and never traps.
///
/// Reads that run past the end throw `WireError.truncated` and leave the
/// cursor where it was, so callers can parse attacker-controlled input with
/// plain `try` and no bounds arithmetic of their own (as NIO's `readInteger`).
package struct ByteReader {
    /// The underlying storage; shared, never copied.
    package let bytes: [UInt8]
    /// Position of the next unread byte.
    package private(set) var position: Int
    /// One past the last readable byte.
    package let end: Int

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
        self.end = bytes.count
    }

    package init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    package var remaining: Int { end - position }
    package var isAtEnd: Bool { position >= end }

    package mutating func readUInt8() throws(WireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { position += 1 }
        return bytes[position]
    }

    package mutating func readUInt16() throws(WireError) -> UInt16 {
        guard remaining >= 2 else { throw .truncated }
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    package mutating func readUInt24() throws(WireError) -> UInt32 {
        guard remaining >= 3 else { throw .truncated }
        defer { position += 3 }
        return UInt32(bytes[position]) << 16 | UInt32(bytes[position + 1]) << 8 | UInt32(bytes[position + 2])
    }

    package mutating func readUInt48() throws(WireError) -> UInt64 { try readBigEndian(6) }

    package mutating func readUInt64() throws(WireError) -> UInt64 { try readBigEndian(8) }

    private mutating func readBigEndian(_ count: Int) throws(WireError) -> UInt64 {
        guard remaining >= count else { throw .truncated }
        var value: UInt64 = 0
        for i in 0..<count { value = value << 8 | UInt64(bytes[position + i]) }
        position += count
        return value
    }

    /// The range of the next `count` bytes, consumed without copying.
    package mutating func readRange(_ count: Int) throws(WireError) -> Range<Int> {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { position += count }
        return position..<(position + count)
    }

    /// Copies the next `count` bytes out; for small fields kept after parsing.
    package mutating func readBytes(_ count: Int) throws(WireError) -> [UInt8] {
        let range = try readRange(count)
        return Array(bytes[range])
    }

    /// A reader over the next `length`-prefixed block (1, 2 or 3 length bytes).
    package mutating func readLengthPrefixed(lengthBytes: Int) throws(WireError) -> ByteReader {
        let start = position
        let length: Int
        switch lengthBytes {
        case 1: length = Int(try readUInt8())
        case 2: length = Int(try readUInt16())
        default: length = Int(try readUInt24())
        }
        guard remaining >= length else {
            position = start
            throw .truncated
        }
        let range = try readRange(length)
        return ByteReader(bytes, range: range)
    }

    /// A `length`-prefixed byte string, copied.
    package mutating func readVector(lengthBytes: Int) throws(WireError) -> [UInt8] {
        let sub = try readLengthPrefixed(lengthBytes: lengthBytes)
        return Array(bytes[sub.position..<sub.end])
    }

    package func expectEnd() throws(WireError) {
        guard isAtEnd else { throw .trailingBytes }
    }
}
