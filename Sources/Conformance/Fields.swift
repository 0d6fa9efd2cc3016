import Foundation

/// A vector failed: what was expected and what the project produced.
struct Mismatch: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One case of a vector file: typed access to its JSON fields, with errors
/// that name the missing or malformed field.
struct VectorCase {
    let fields: [String: Any]
    let id: String
    let source: String

    init(fields: [String: Any], index: Int, fileSource: String) {
        self.fields = fields
        self.id = fields["id"] as? String ?? "#\(index)"
        self.source = fields["source"] as? String ?? fileSource
    }

    var skipReason: String? { fields["skip"] as? String }

    func has(_ key: String) -> Bool { fields[key] != nil && !(fields[key] is NSNull) }

    func string(_ key: String) throws -> String {
        guard let value = fields[key] as? String else { throw Mismatch("vector field '\(key)' missing or not a string") }
        return value
    }

    func int(_ key: String) throws -> Int {
        guard let value = fields[key] as? Int else { throw Mismatch("vector field '\(key)' missing or not an integer") }
        return value
    }

    func bool(_ key: String) throws -> Bool {
        guard let value = fields[key] as? Bool else { throw Mismatch("vector field '\(key)' missing or not a boolean") }
        return value
    }

    func hex(_ key: String) throws -> [UInt8] {
        let text = try string(key)
        guard let bytes = Hex.decode(text) else { throw Mismatch("vector field '\(key)' is not even-length hex") }
        return bytes
    }

    func hexList(_ key: String) throws -> [[UInt8]] {
        guard let list = fields[key] as? [String] else { throw Mismatch("vector field '\(key)' missing or not a list of hex strings") }
        var out: [[UInt8]] = []
        for item in list {
            guard let bytes = Hex.decode(item) else { throw Mismatch("vector field '\(key)' holds malformed hex") }
            out.append(bytes)
        }
        return out
    }

    func intList(_ key: String) throws -> [Int] {
        guard let list = fields[key] as? [Int] else { throw Mismatch("vector field '\(key)' missing or not a list of integers") }
        return list
    }

    func object(_ key: String) throws -> [String: Any] {
        guard let value = fields[key] as? [String: Any] else { throw Mismatch("vector field '\(key)' missing or not an object") }
        return value
    }

    /// A nested object as a case (for `expect` blocks), keeping this case's id.
    func stringList(_ key: String) throws -> [String] {
        guard let value = fields[key] as? [String] else { throw Mismatch("field '\(key)' is not a list of strings") }
        return value
    }

    /// A list of objects, each a case of its own (same source).
    func objectList(_ key: String) throws -> [VectorCase] {
        guard let value = fields[key] as? [[String: Any]] else { throw Mismatch("field '\(key)' is not a list of objects") }
        return value.enumerated().map { VectorCase(fields: $0.element, index: $0.offset, fileSource: source) }
    }

    func nested(_ key: String) throws -> VectorCase {
        VectorCase(fields: try object(key).merging(["id": id, "source": source]) { a, _ in a }, index: 0, fileSource: source)
    }
}

enum Hex {
    static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let high = value(digits[i]), let low = value(digits[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Comparisons that report a short, readable difference (never a whole large array).
enum Expect {
    static func bytes(_ got: [UInt8], _ want: [UInt8], _ what: String) throws {
        guard got != want else { return }
        if got.count != want.count {
            throw Mismatch("\(what): got \(got.count) bytes, want \(want.count) (starts \(preview(got)) vs \(preview(want)))")
        }
        let at = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
        throw Mismatch("\(what): differs at byte \(at) of \(want.count): got \(preview(got[at...])) want \(preview(want[at...]))")
    }

    static func equal<T: Equatable>(_ got: T, _ want: T, _ what: String) throws {
        guard got == want else { throw Mismatch("\(what): got \(got), want \(want)") }
    }

    static func that(_ condition: Bool, _ what: @autoclosure () -> String) throws {
        guard condition else { throw Mismatch(what()) }
    }

    static func preview<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        bytes.count <= 16 ? Hex.encode(bytes) : Hex.encode(bytes.prefix(12)) + "…(\(bytes.count) bytes)"
    }
}
