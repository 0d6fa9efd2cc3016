internal import COpenSSL

/// The hashes TLS 1.2 cipher suites, signature schemes and SDP fingerprints use.
public enum HashAlgorithm: Sendable, Hashable {
    case sha256, sha384, sha512

    public var digestLength: Int {
        switch self {
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// The name libcrypto's providers know the digest by.
    var openSSLName: UnsafePointer<CChar> {
        switch self {
        case .sha256: FetchedDigest.sha256Name
        case .sha384: FetchedDigest.sha384Name
        case .sha512: FetchedDigest.sha512Name
        }
    }

    /// Explicitly fetched once: in OpenSSL 3 the legacy `EVP_sha256()` objects
    /// trigger an implicit provider fetch on every init, which shows up in
    /// handshake profiles.
    var md: OpaquePointer {
        switch self {
        case .sha256: FetchedDigest.sha256
        case .sha384: FetchedDigest.sha384
        case .sha512: FetchedDigest.sha512
        }
    }
}

/// Fetched EVP_MD objects are immutable and thread-safe, so sharing them
/// process-wide is safe; they are never freed.
enum FetchedDigest {
    nonisolated(unsafe) static let sha256Name = immortalCString("SHA2-256")
    nonisolated(unsafe) static let sha384Name = immortalCString("SHA2-384")
    nonisolated(unsafe) static let sha512Name = immortalCString("SHA2-512")
    nonisolated(unsafe) static let sha256: OpaquePointer = fetch(sha256Name)
    nonisolated(unsafe) static let sha384: OpaquePointer = fetch(sha384Name)
    nonisolated(unsafe) static let sha512: OpaquePointer = fetch(sha512Name)

    private static func fetch(_ name: UnsafePointer<CChar>) -> OpaquePointer {
        guard let md = EVP_MD_fetch(nil, name, nil) else {
            // The default provider always has SHA-2; its absence means a broken install.
            fatalError("libcrypto has no \(String(cString: name)): \(libraryError("EVP_MD_fetch"))")
        }
        return md
    }
}
