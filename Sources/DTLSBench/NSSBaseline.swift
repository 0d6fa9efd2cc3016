import Foundation

/// NSS 3.125's own DTLS 1.3 handshake rate, as the yardstick for ours: the
/// `nss-bench` helper (`make nss-bench`, Tools/nss-peer/nss_bench.c) runs an
/// NSS client against an NSS server in one process over in-memory datagram
/// queues, with the work our 1.3 handshake row does (mutual authentication,
/// a stateless HelloRetryRequest with a cookie, X25519, use_srtp, the
/// exporter checked on both sides).
///
/// NSS cannot be linked into this process beside OpenSSL's libssl (and
/// Debian's own libnss3 speaks only draft DTLS 1.3), so it runs as a child,
/// one repetition at a time, in turns with ours: the same-run rule.
enum NSSBaseline {
    /// The helper, from `NSS_BENCH` or `.build/nss-bench` under the working
    /// directory; nil when it is not built (the rows are then left out).
    static func locate() -> URL? {
        let path = ProcessInfo.processInfo.environment["NSS_BENCH"] ?? ".build/nss-bench"
        return FileManager.default.isExecutableFile(atPath: path) ? URL(fileURLWithPath: path) : nil
    }

    /// One repetition of `seconds`: NSS's handshakes per second, or nil
    /// (with a line on stderr) when the helper failed.
    static func rate(_ helper: URL, seconds: Double) -> Double? {
        let process = Process()
        process.executableURL = helper
        process.arguments = ["--seconds", String(seconds), "--reps", "1"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            FileHandle.standardError.write("nss-bench: \(error)\n".data(using: .utf8)!)
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            FileHandle.standardError.write("nss-bench exited with \(process.terminationStatus)\n".data(using: .utf8)!)
            return nil
        }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[0] == "median", let rate = Double(fields[1]) { return rate }
        }
        return nil
    }
}
