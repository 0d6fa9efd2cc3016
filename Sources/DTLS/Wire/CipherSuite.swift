/// A TLS cipher suite code point. Unknown suites offered by a peer are kept
/// as raw values and simply never selected.
public struct CipherSuite: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ecdheEcdsaWithAes128GcmSha256 = CipherSuite(rawValue: 0xC02B)
    public static let ecdheEcdsaWithAes256GcmSha384 = CipherSuite(rawValue: 0xC02C)
    public static let ecdheRsaWithAes128GcmSha256 = CipherSuite(rawValue: 0xC02F)
    public static let ecdheRsaWithAes256GcmSha384 = CipherSuite(rawValue: 0xC030)
    public static let dheRsaWithAes128GcmSha256 = CipherSuite(rawValue: 0x009E)
    public static let dheRsaWithAes256GcmSha384 = CipherSuite(rawValue: 0x009F)

    /// Every suite the engine implements, strongest key exchange and
    /// cheapest handshake first: ECDSA before RSA, ECDHE before DHE.
    public static let supported: [CipherSuite] = [
        .ecdheEcdsaWithAes128GcmSha256, .ecdheEcdsaWithAes256GcmSha384,
        .ecdheRsaWithAes128GcmSha256, .ecdheRsaWithAes256GcmSha384,
        .dheRsaWithAes128GcmSha256, .dheRsaWithAes256GcmSha384,
    ]

    public enum KeyExchange: Sendable { case ecdhe, dhe }
    public enum Authentication: Sendable { case ecdsa, rsa }

    public var isSupported: Bool { Self.supported.contains(self) }

    public var keyExchange: KeyExchange {
        switch self {
        case .dheRsaWithAes128GcmSha256, .dheRsaWithAes256GcmSha384: .dhe
        default: .ecdhe
        }
    }

    public var authentication: Authentication {
        switch self {
        case .ecdheEcdsaWithAes128GcmSha256, .ecdheEcdsaWithAes256GcmSha384: .ecdsa
        default: .rsa
        }
    }

    /// AES key length: 16 for AES-128-GCM, 32 for AES-256-GCM.
    public var keyLength: Int {
        switch self {
        case .ecdheEcdsaWithAes256GcmSha384, .ecdheRsaWithAes256GcmSha384, .dheRsaWithAes256GcmSha384: 32
        default: 16
        }
    }

    /// Whether the PRF and Finished hash is SHA-384 (otherwise SHA-256).
    public var usesSHA384: Bool { keyLength == 32 }

    public var ianaName: String {
        switch self {
        case .ecdheEcdsaWithAes128GcmSha256: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
        case .ecdheEcdsaWithAes256GcmSha384: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        case .ecdheRsaWithAes128GcmSha256: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        case .ecdheRsaWithAes256GcmSha384: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        case .dheRsaWithAes128GcmSha256: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
        case .dheRsaWithAes256GcmSha384: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"
        default: "0x" + String(rawValue, radix: 16, uppercase: true)
        }
    }

    public var openSSLName: String {
        switch self {
        case .ecdheEcdsaWithAes128GcmSha256: "ECDHE-ECDSA-AES128-GCM-SHA256"
        case .ecdheEcdsaWithAes256GcmSha384: "ECDHE-ECDSA-AES256-GCM-SHA384"
        case .ecdheRsaWithAes128GcmSha256: "ECDHE-RSA-AES128-GCM-SHA256"
        case .ecdheRsaWithAes256GcmSha384: "ECDHE-RSA-AES256-GCM-SHA384"
        case .dheRsaWithAes128GcmSha256: "DHE-RSA-AES128-GCM-SHA256"
        case .dheRsaWithAes256GcmSha384: "DHE-RSA-AES256-GCM-SHA384"
        default: ianaName
        }
    }

    /// Accepts IANA names and OpenSSL names, case-insensitively.
    public init?(name: String) {
        let wanted = name.uppercased()
        guard let match = Self.supported.first(where: { $0.ianaName == wanted || $0.openSSLName == wanted }) else {
            return nil
        }
        self = match
    }

    public var description: String { ianaName }
}
