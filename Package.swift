// swift-tools-version: 6.2
import PackageDescription

/// Targets follow the architecture: C shims at the bottom, one thin unsafe
/// Swift layer per C library, and the safe protocol engine on top.
/// Modules that hold protocol logic are compiled with strict memory safety
/// checking, so any `unsafe` construct there is a compiler diagnostic.
let safe: [SwiftSetting] = [.strictMemorySafety(), .treatWarning("StrictMemorySafety", as: .error)]

let package = Package(
    name: "dtls-srtp",
    products: [
        .library(name: "DTLS", targets: ["DTLS"]),
        .library(name: "SRTP", targets: ["SRTP"]),
        .library(name: "DTLSEndpoint", targets: ["DTLSEndpoint"]),
        .library(name: "WebRTCLite", targets: ["WebRTCLite"]),
        // Certificates, keys and fingerprints (what every configuration names).
        .library(name: "DTLSCrypto", targets: ["DTLSCrypto"]),
        // The SwiftNIO UDP server and client: event-loop handlers and the async API.
        .library(name: "DTLSNIO", targets: ["DTLSNIO"]),
        .executable(name: "dtls-srtp", targets: ["dtls-srtp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // ML-KEM-768 for the X25519MLKEM768 key exchange (OpenSSL 3.0 has
        // none), over swift-crypto's own symbol-prefixed BoringSSL. Used
        // only inside DTLSCrypto (MLKEM768KeyPair).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // `swift package generate-documentation`: the DocC catalogs of the
        // products (Sources/<module>/<module>.docc), built by `make test`.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // The server's Logger (passed in) and its graceful shutdown as a Service.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // The async server's counters as metrics (nothing made without a backend).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    ],
    targets: [
        // MARK: C libraries (system)
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CLibSSL", pkgConfig: "libssl",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CSRTP", pkgConfig: "libsrtp2",
            providers: [.apt(["libsrtp2-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // MARK: Thin unsafe layers (the only Swift that touches C pointers)
        .target(name: "DTLSCrypto", dependencies: ["COpenSSL", .product(name: "Crypto", package: "swift-crypto")]),
        // libsrtp's cipher and auth types over libcrypto, registered at srtp_init
        // in place of Debian's NSS-backed ones (see Sources/CSRTPCrypto).
        .target(name: "CSRTPCrypto", dependencies: ["CSRTP", "COpenSSL"]),
        // SRTP speaks in DTLS's `SRTPProtectionProfile`: one profile type for the package.
        .target(name: "SRTP", dependencies: ["CSRTP", "CSRTPCrypto", "DTLS"]),
        .target(name: "ZlibChecksum", dependencies: ["CZlib"]),
        .target(name: "OpenSSLReference", dependencies: ["CLibSSL", "COpenSSL"]),

        // MARK: Safe protocol code
        .target(name: "DTLS", dependencies: ["DTLSCrypto"], swiftSettings: safe),
        .target(name: "DTLSEndpoint", dependencies: ["DTLS", "SRTP"], swiftSettings: safe),
        // ICE-lite (STUN), SDP offer/answer and the Sans-IO browser echo session;
        // beside the ICE-agnostic core, not inside it.
        .target(name: "WebRTCLite", dependencies: ["DTLS", "DTLSCrypto", "SRTP", "DTLSEndpoint", "ZlibChecksum"],
                swiftSettings: safe),

        // MARK: Networking (SwiftNIO UDP driver for the Sans-IO engine)
        .target(name: "DTLSNIO", dependencies: [
            "DTLS", "DTLSCrypto", "SRTP", "DTLSEndpoint",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ], swiftSettings: safe),

        // MARK: Benchmarks (the allocation counter replaces malloc in this executable only)
        .target(name: "CMallocCounter"),
        // The forwarding benchmark's limit: recvmmsg, libsrtp, sendmmsg, nothing else.
        .target(name: "CForwardBaseline", dependencies: ["CSRTP"]),
        .executableTarget(name: "dtls-srtp-bench", dependencies: ["DTLS", "DTLSCrypto", "OpenSSLReference", "SRTP", "DTLSEndpoint", "CSRTP", "CMallocCounter",
                                                                  "CForwardBaseline", "DTLSNIO",
                                                                  .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                                                                  .product(name: "NIOCore", package: "swift-nio"),
                                                                  .product(name: "NIOPosix", package: "swift-nio")],
                          path: "Sources/DTLSBench",
                          // The harness's closures keep their buffers in boxes, and every
                          // dynamic exclusivity check on those would be counted as the
                          // measured work. Only this target: the modules under test keep
                          // their checks.
                          swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),

        // MARK: Command
        .executableTarget(name: "dtls-srtp", dependencies: [
            "DTLS", "DTLSCrypto", "SRTP", "DTLSEndpoint", "DTLSNIO", "Conformance", "WebRTCLite",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // MARK: Conformance vectors (Vectors/)
        .target(name: "Conformance", dependencies: ["DTLS", "DTLSCrypto", "SRTP", "DTLSEndpoint"], swiftSettings: safe),
        .executableTarget(name: "dtls-srtp-vectors", dependencies: ["Conformance"]),

        // MARK: Examples (`make test` builds and runs them; Examples/SFU is its own package)
        .executableTarget(name: "EngineInOneScreen", dependencies: ["DTLS", "DTLSCrypto", "SRTP"],
                          path: "Examples/EngineInOneScreen"),

        // MARK: Tests
        .target(name: "DTLSTestSupport", dependencies: ["DTLS", "DTLSCrypto"], path: "Tests/DTLSTestSupport"),
        .testTarget(name: "DTLSCryptoTests", dependencies: ["DTLSCrypto"]),
        .testTarget(name: "DTLSTests", dependencies: ["DTLS", "DTLSCrypto", "DTLSTestSupport"]),
        .testTarget(name: "SRTPTests", dependencies: ["SRTP", "DTLS", "CSRTP", "CSRTPCrypto", "COpenSSL"]),
        .testTarget(name: "WebRTCLiteTests", dependencies: ["WebRTCLite", "DTLS", "DTLSCrypto", "DTLSEndpoint", "SRTP", "ZlibChecksum"],
                    exclude: ["chromium-156-offer.sdp", "firefox-esr-153-offer.sdp"]),
        .testTarget(name: "CLITests", dependencies: [
            "DTLSNIO", "DTLS", "DTLSCrypto", "SRTP", "DTLSEndpoint", "DTLSTestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "EndpointTests", dependencies: ["DTLSEndpoint", "DTLS", "DTLSCrypto", "SRTP", "DTLSTestSupport", "OpenSSLReference"]),
        .testTarget(name: "ConformanceTests", dependencies: ["Conformance"]),
        .testTarget(name: "InteropTests", dependencies: ["DTLS", "DTLSCrypto", "OpenSSLReference", "SRTP", "DTLSTestSupport"]),
    ]
)
