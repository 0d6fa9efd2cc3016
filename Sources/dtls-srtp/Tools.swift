import ArgumentParser
import Conformance
import Foundation

/// `dtls-srtp vectors [DIR]`: the RFC test-vector conformance suite.
struct VectorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Run the RFC test-vector conformance suite (Vectors/) through this build.",
        discussion: "Prints one line per failing case and ends with `N passed, M failed`; exits 1 on any failure.")

    @Argument(help: "Directory of vector files.")
    var directory: String = "Vectors"

    func run() async throws {
        let report = runConformance(directory: directory) { print($0) }
        if report.failed > 0 { throw ExitCode(1) }
    }
}

/// `dtls-srtp bench [ARGS...]`: runs the benchmark executable built beside
/// this one. The benchmark lives in its own binary because it replaces the
/// allocator entry points to count heap allocations, which has no place in
/// the command people deploy.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks side by side with OpenSSL's libssl and raw libsrtp2 (runs dtls-srtp-bench).",
        discussion: "Build it first: swift build -c release --product dtls-srtp-bench. Arguments pass through, e.g. --quick, --only handshake, --markdown BENCHMARKS.table.md.")

    @Argument(parsing: .captureForPassthrough, help: "Arguments for dtls-srtp-bench.")
    var arguments: [String] = []

    func run() async throws {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [here.appendingPathComponent("dtls-srtp-bench").path,
                          ".build/release/dtls-srtp-bench", ".build/debug/dtls-srtp-bench"]
        guard let binary = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            FileHandle.standardError.write(Data("error: dtls-srtp-bench not found; build it with `swift build -c release --product dtls-srtp-bench`\n".utf8))
            throw ExitCode(1)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { throw ExitCode(process.terminationStatus) }
    }
}
