internal import COpenSSL

/// The hash functions of RFC 8122's registry (section 5) that SDP
/// fingerprints name: `sha-1` to `sha-512`, as browsers accept them in
/// a remote description.
///
/// Why SHA-1 and SHA-224 are accepted, not only generated ones: a
/// fingerprint authenticates a certificate its honest owner made, so a
/// forgery needs a second preimage, and none is known for SHA-1 (its
/// collisions need both certificates made by the attacker). Chromium and
/// Firefox take `sha-1` lines for the same reason. This package writes
/// `sha-256` unless asked otherwise. MD5 and MD2, also in the registry,
/// are refused.
public enum FingerprintAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case sha1 = "sha-1"
    case sha224 = "sha-224"
    case sha256 = "sha-256"
    case sha384 = "sha-384"
    case sha512 = "sha-512"

    /// The registry's textual name, as in `a=fingerprint:sha-256 ...`.
    public var sdpName: String { rawValue }

    public var description: String { rawValue }

    public var digestLength: Int {
        switch self {
        case .sha1: 20
        case .sha224: 28
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// Parses a registry name, case-insensitively.
    public init?(sdpName: String) {
        self.init(rawValue: sdpName.lowercased())
    }

    var md: OpaquePointer {
        switch self {
        case .sha1: FingerprintDigests.sha1
        case .sha224: FingerprintDigests.sha224
        case .sha256: FetchedDigest.sha256
        case .sha384: FetchedDigest.sha384
        case .sha512: FetchedDigest.sha512
        }
    }

    /// The digest of `data` (a certificate's DER).
    public func hash(_ data: Span<UInt8>) -> [UInt8] {
        Digest.hash(md: md, length: digestLength, data)
    }
}

/// SHA-1 and SHA-224 are used for fingerprints only: fetched on first use.
private enum FingerprintDigests {
    nonisolated(unsafe) static let sha1: OpaquePointer = fetch("SHA1")
    nonisolated(unsafe) static let sha224: OpaquePointer = fetch("SHA2-224")

    private static func fetch(_ name: String) -> OpaquePointer {
        guard let md = EVP_MD_fetch(nil, name, nil) else {
            fatalError("libcrypto has no \(name): \(libraryError("EVP_MD_fetch"))")
        }
        return md
    }
}
