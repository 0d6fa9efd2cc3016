import Conformance
import Foundation
import Testing

@Suite struct ConformanceTests {
    static let vectorsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ConformanceTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Vectors").path

    /// Cases each file must at least run and pass (not counting its
    /// skipped-with-reason cases), so a file that silently stops running fails.
    static let minimumPassed: [String: Int] = [
        "tls12_prf.json": 7,
        "tls12_key_schedule.json": 18,
        "rfc5705_rfc5764_exporter.json": 6,
        "rfc3711_srtp_kdf.json": 1,
        "libsrtp_validation.json": 4,
        "rfc7714_aead_gcm.json": 8,
        "rfc7919_ffdhe.json": 16,
        "rfc7983_demux.json": 40,
        "dtls12_handshake_messages.json": 14,
        "nss_dtls13_sessions.json": 3,
        "mlkem768.json": 11,
        "wycheproof_aes_gcm.json": 137,
        "wycheproof_ecdh_p256.json": 374,
    ]

    @Test func everyVectorPasses() {
        var lines: [String] = []
        let report = runConformance(directory: Self.vectorsDirectory) { lines.append($0) }
        #expect(report.failed == 0, "\(report.failures.prefix(20).map(\.line).joined(separator: "\n"))")
        #expect(lines.last == report.summaryLine)
        #expect(Set(report.files.map(\.file)) == Set(Self.minimumPassed.keys), "vector files changed: update minimumPassed")
        for (file, minimum) in Self.minimumPassed {
            let result = report.result(for: file)
            #expect(result != nil, "\(file) was not run")
            #expect((result?.passed ?? 0) >= minimum, "\(file): \(result?.passed ?? 0) passed, expected at least \(minimum)")
            #expect(result?.failed == 0, "\(file) has failures")
        }
        // SHA-224 is recorded but unsupported: skipped with a reason, never passed.
        #expect(report.skips.contains { $0.file == "tls12_prf.json" && $0.reason.contains("SHA-224") })
    }

    /// Copies `file` into a fresh temporary directory after `edit` changes its JSON document.
    static func corruptedCopy(of file: String, _ edit: (inout [String: Any]) -> Void) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("conformance-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.vectorsDirectory + "/" + file))
        var document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        edit(&document)
        try JSONSerialization.data(withJSONObject: document).write(to: directory.appendingPathComponent(file))
        return directory
    }

    /// Flips the last hex digit of `field` in the case `id`.
    static func flipLastDigit(_ document: inout [String: Any], id: String, field: String) {
        var cases = document["cases"] as! [[String: Any]]
        let index = cases.firstIndex { $0["id"] as? String == id }!
        let value = cases[index][field] as! String
        cases[index][field] = String(value.dropLast()) + (value.last == "0" ? "1" : "0")
        document["cases"] = cases
    }

    @Test func aCorruptedVectorIsReportedAsFailed() throws {
        let directory = try Self.corruptedCopy(of: "tls12_prf.json") {
            Self.flipLastDigit(&$0, id: "ietf-test-label-sha256", field: "output")
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        var lines: [String] = []
        let report = runConformance(directory: directory.path) { lines.append($0) }
        #expect(report.failed == 1)
        #expect(report.failures.first?.id == "ietf-test-label-sha256")
        #expect(lines.contains { $0.hasPrefix("FAIL tls12_prf.json ietf-test-label-sha256 [IETF TLS WG list") })
        #expect(lines.last == "\(report.passed) passed, 1 failed")
        #expect(report.passed == 6)
        #expect(report.skipped == 1)
    }

    @Test func anUnknownKindOrEmptyDirectoryFails() throws {
        let directory = try Self.corruptedCopy(of: "rfc7983_demux.json") { $0["kind"] = "no-such-kind" }
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = runConformance(directory: directory.path) { _ in }
        #expect(report.failed == 1)
        #expect(report.passed == 0)

        let empty = runConformance(directory: directory.appendingPathComponent("missing").path) { _ in }
        #expect(empty.failed == 1)
    }

    @Test func aTamperedSRTPPacketIsReportedAsFailed() throws {
        let directory = try Self.corruptedCopy(of: "libsrtp_validation.json") {
            Self.flipLastDigit(&$0, id: "libsrtp-aes_cm_128_hmac_sha1_80-rtp", field: "protected")
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = runConformance(directory: directory.path) { _ in }
        #expect(report.failed == 1)
        #expect(report.failures.first?.id == "libsrtp-aes_cm_128_hmac_sha1_80-rtp")
    }
}
