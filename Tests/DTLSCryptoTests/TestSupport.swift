import Foundation
import Testing

/// Raw test vectors live in Tests/Fixtures/vectors-raw (sources in its README); a missing
/// file must fail the test rather than let it pass vacuously.
enum Vectors {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // DTLSCryptoTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root

    static let rawDirectory = packageRoot.appendingPathComponent("Tests/Fixtures/vectors-raw").standardizedFileURL

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "test vector file missing: \(path)" }
    }

    static func json(_ relativePath: String) throws -> [String: Any] {
        let url = rawDirectory.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: url.path) }
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Missing(path: url.path + " (not a JSON object)")
        }
        return object
    }
}

extension Array where Element == UInt8 {
    init(hex: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8? = nil
        for c in hex.utf8 {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            default: preconditionFailure("bad hex \(hex)")
            }
            if let h = high { bytes.append(h << 4 | v); high = nil } else { high = v }
        }
        precondition(high == nil, "odd hex length")
        self = bytes
    }

    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
