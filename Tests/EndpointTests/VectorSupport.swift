import Foundation
import Testing

/// Raw test vectors live in `Tests/Fixtures/vectors-raw` (their sources are in its README).
enum Vectors {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/EndpointTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Tests/Fixtures/vectors-raw")
        .standardizedFileURL

    /// Loads a vector file; a missing or unreadable file fails the test.
    static func load(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try #require(
            try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(name) is not an object")
    }
}
