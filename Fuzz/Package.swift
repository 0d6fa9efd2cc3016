// swift-tools-version: 6.2
import PackageDescription

/// libFuzzer targets for the dtls-srtp package. Build and run them with
/// `scripts/fuzz.sh` from the repository root; each target is an
/// executable whose `main` comes from libFuzzer (`-sanitize=fuzzer`).
///
///     swift build -c release --package-path Fuzz \
///       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing
///
/// `-enable-testing` lets the engine targets use `@testable import DTLS`
/// (to seal records with a live connection's keys and to drive the
/// handshake reassembler directly).
let targets = [
    "fuzz-record",
    "fuzz-handshake",
    "fuzz-demux",
    "fuzz-srtp",
    "fuzz-engine-server",
    "fuzz-engine-client",
    "fuzz-engine-connected",
    "fuzz-handshake-mitm",
    "fuzz-dtls13",
    "fuzz-hybrid-share",
]

let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "dtls-srtp-fuzz",
    dependencies: [.package(name: "dtls-srtp", path: "..")],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(
            name: "FuzzSupport",
            dependencies: [
                "CLibFuzzer",
                .product(name: "DTLS", package: "dtls-srtp"),
            ],
            swiftSettings: v5),
    ] + targets.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "FuzzSupport",
                .product(name: "DTLS", package: "dtls-srtp"),
                .product(name: "SRTP", package: "dtls-srtp"),
                .product(name: "DTLSEndpoint", package: "dtls-srtp"),
            ],
            path: "Sources/\(name)",
            swiftSettings: v5)
    }
)
