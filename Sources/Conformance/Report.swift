/// The outcome of running a directory of conformance vectors.
public struct ConformanceReport: Sendable {
    /// Counts for one vector file.
    public struct FileResult: Sendable, Hashable {
        public let file: String
        public let kind: String
        public internal(set) var passed = 0
        public internal(set) var failed = 0
        /// Cases the file itself marks `skip` with a reason (never counted as passed).
        public internal(set) var skipped = 0

        public var total: Int { passed + failed + skipped }
    }

    public struct Failure: Sendable, Hashable {
        public let file: String
        public let id: String
        public let source: String
        public let message: String

        public var line: String { "FAIL \(file) \(id) [\(source)]: \(message)" }
    }

    public struct Skip: Sendable, Hashable {
        public let file: String
        public let id: String
        public let reason: String
    }

    public internal(set) var files: [FileResult] = []
    public internal(set) var failures: [Failure] = []
    public internal(set) var skips: [Skip] = []
    /// Directory-level problems (missing directory, no vector files) count as failures too.
    public var passed: Int { files.reduce(0) { $0 + $1.passed } }
    public var failed: Int { failures.count }
    public var skipped: Int { files.reduce(0) { $0 + $1.skipped } }
    public var succeeded: Bool { failed == 0 }

    /// The runner's last line: `N passed, M failed`.
    public var summaryLine: String { "\(passed) passed, \(failed) failed" }

    public func result(for file: String) -> FileResult? { files.first { $0.file == file } }
}
