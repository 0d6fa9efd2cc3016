// swift-tools-version: 6.2
import PackageDescription

/// A small forwarding SFU on dtls-srtp's async API, in its own package that
/// depends on dtls-srtp by path, as an application would: it imports only
/// the products dtls-srtp declares (and the packages it names itself).
let package = Package(
    name: "SFU",
    dependencies: [
        .package(name: "dtls-srtp", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .executableTarget(name: "SFU", dependencies: [
            .product(name: "DTLSNIO", package: "dtls-srtp"),
            .product(name: "DTLSEndpoint", package: "dtls-srtp"),
            .product(name: "DTLSCrypto", package: "dtls-srtp"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The README's twenty-line SFU.
        .executableTarget(name: "MiniSFU", dependencies: [
            .product(name: "DTLSNIO", package: "dtls-srtp"),
            .product(name: "DTLSEndpoint", package: "dtls-srtp"),
            .product(name: "DTLSCrypto", package: "dtls-srtp"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
    ]
)
