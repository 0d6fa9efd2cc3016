/// Consumes a fuzz input as a stream of small decisions. Never traps: a
/// read past the end returns nil (or fewer bytes), so every target simply
/// stops when the input is exhausted.
public struct FuzzReader {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        self.bytes = size > 0 ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    }

    public var remaining: Int { bytes.count - position }
    public var isAtEnd: Bool { position >= bytes.count }

    public mutating func u8() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func u16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    /// Up to `count` bytes.
    public mutating func take(_ count: Int) -> [UInt8] {
        let n = max(0, min(count, remaining))
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }

    /// A chunk with a 2-byte big-endian length; a length past the end takes what is left.
    public mutating func chunk() -> [UInt8]? {
        guard let length = u16() else { return nil }
        return take(Int(length))
    }

    public mutating func rest() -> [UInt8] { take(remaining) }
}

/// The inverse of `FuzzReader.chunk`, for writing seeds and regression inputs.
public enum FuzzEncoding {
    public static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8(truncatingIfNeeded: bytes.count >> 8), UInt8(truncatingIfNeeded: bytes.count)] + bytes
    }
}

/// Fails the fuzz run with a message libFuzzer shows (abort -> crash report).
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() {
        fatalError("fuzz invariant violated: \(message())", file: file, line: line)
    }
}
