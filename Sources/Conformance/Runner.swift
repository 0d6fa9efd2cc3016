import Foundation

/// The format tag every vector file carries (see Vectors/README.md).
public let conformanceFormat = "dtls-srtp-conformance/1"

/// Runs every `*.json` vector file directly inside `directory` through the
/// project's real code paths, dispatching each file on its declared `kind`.
///
/// `output` receives one line per failing case (`FAIL <file> <id> [<source>]: …`),
/// then one line per file with its counts, the skipped-with-reason summary, and
/// finally `N passed, M failed`. Cases a file marks `skip` are counted
/// separately and never as passed. A file that cannot be loaded, has an
/// unknown kind or no cases is a failure, so nothing is skipped silently.
public func runConformance(directory: String, output: (String) -> Void) -> ConformanceReport {
    var report = ConformanceReport()
    let directoryURL = URL(fileURLWithPath: directory, isDirectory: true)
    let names: [String]
    do {
        names = try FileManager.default.contentsOfDirectory(atPath: directoryURL.path)
            .filter { $0.hasSuffix(".json") }
            .sorted()
    } catch {
        names = []
    }
    if names.isEmpty {
        let failure = ConformanceReport.Failure(
            file: directory, id: "<directory>", source: "runner",
            message: "no vector files (*.json) found in \(directoryURL.path)")
        report.failures.append(failure)
        output(failure.line)
    }
    for name in names {
        runFile(directoryURL.appendingPathComponent(name), name: name, into: &report, output: output)
    }
    for file in report.files {
        output("file \(file.file) (\(file.kind)): \(file.passed) passed, \(file.failed) failed, \(file.skipped) skipped")
    }
    if !report.skips.isEmpty {
        var groups: [(key: String, count: Int)] = []
        for skip in report.skips {
            let key = "\(skip.file): \(skip.reason)"
            if let i = groups.firstIndex(where: { $0.key == key }) { groups[i].count += 1 } else { groups.append((key, 1)) }
        }
        for group in groups { output("skipped \(group.count) in \(group.key)") }
        output("\(report.skipped) skipped with reason (not counted as passed)")
    }
    output(report.summaryLine)
    return report
}

private func runFile(_ url: URL, name: String, into report: inout ConformanceReport, output: (String) -> Void) {
    func fileFailure(_ kind: String, _ message: String) {
        var result = ConformanceReport.FileResult(file: name, kind: kind)
        result.failed = 1
        report.files.append(result)
        let failure = ConformanceReport.Failure(file: name, id: "<file>", source: "runner", message: message)
        report.failures.append(failure)
        output(failure.line)
    }
    let document: [String: Any]
    do {
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return fileFailure("?", "not a JSON object")
        }
        document = object
    } catch {
        return fileFailure("?", "cannot load: \(error)")
    }
    guard document["format"] as? String == conformanceFormat else {
        return fileFailure("?", "format is not \(conformanceFormat)")
    }
    guard let kind = document["kind"] as? String else { return fileFailure("?", "no kind") }
    guard let checker = checker(for: kind) else { return fileFailure(kind, "unknown kind '\(kind)'") }
    guard let cases = document["cases"] as? [[String: Any]], !cases.isEmpty else {
        return fileFailure(kind, "no cases")
    }
    let fileSource = document["source"] as? String ?? name
    var result = ConformanceReport.FileResult(file: name, kind: kind)
    for (index, fields) in cases.enumerated() {
        let vector = VectorCase(fields: fields, index: index, fileSource: fileSource)
        if let reason = vector.skipReason {
            result.skipped += 1
            report.skips.append(ConformanceReport.Skip(file: name, id: vector.id, reason: reason))
            continue
        }
        do {
            try checker(vector)
            result.passed += 1
        } catch {
            result.failed += 1
            let failure = ConformanceReport.Failure(file: name, id: vector.id, source: vector.source, message: "\(error)")
            report.failures.append(failure)
            output(failure.line)
        }
        if let note = fields["stopgap"] as? String {
            output("note \(name) \(vector.id): stopgap: \(note)")
        }
    }
    report.files.append(result)
}

/// One checker per vector kind; each drives the project's public API.
func checker(for kind: String) -> ((VectorCase) throws -> Void)? {
    switch kind {
    case "tls12-prf": TLSChecks.prf
    case "tls12-key-schedule": TLSChecks.keySchedule
    case "dtls-srtp-exporter": TLSChecks.exporter
    case "srtp-kdf": SRTPChecks.kdf
    case "srtp-packet": SRTPChecks.packet
    case "aead-aes-gcm": CryptoChecks.aesGCM
    case "ecdh-p256": CryptoChecks.ecdhP256
    case "ffdhe-group": CryptoChecks.ffdhe
    case "demux": DemuxChecks.classify
    case "dtls-handshake": HandshakeChecks.check
    case "dtls13-session": DTLS13Checks.session
    case "mlkem768": MLKEMChecks.check
    default: nil
    }
}
