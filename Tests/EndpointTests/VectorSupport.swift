import Foundation
import Testing

/// Test vectors live in `../shared/vectors-raw` relative to the package root.
enum Vectors {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/EndpointTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("../shared/vectors-raw")
        .standardizedFileURL

    /// Loads a vector file; a missing or unreadable file fails the test.
    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try #require(
            try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(name) is not an object")
    }
}
