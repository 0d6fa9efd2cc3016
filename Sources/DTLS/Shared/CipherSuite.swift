import DTLSCrypto

/// A TLS cipher suite code point. Unknown suites offered by a peer are kept
/// as raw values and simply never selected.
///
/// What the engine knows about a suite is one row of
/// `CipherSuite.table` (package): adding a suite is adding a row (and, when its
/// AEAD is new, a record cipher for it).
public struct CipherSuite: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The suite's IANA code point.
    public let rawValue: UInt16
    /// A suite by code point; unknown ones are kept and never selected.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5289), what every browser offers first.
    public static let ecdheEcdsaWithAes128GcmSha256 = CipherSuite(rawValue: 0xC02B)
    /// TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (RFC 5289).
    public static let ecdheEcdsaWithAes256GcmSha384 = CipherSuite(rawValue: 0xC02C)
    /// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (RFC 5289).
    public static let ecdheRsaWithAes128GcmSha256 = CipherSuite(rawValue: 0xC02F)
    /// TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (RFC 5289).
    public static let ecdheRsaWithAes256GcmSha384 = CipherSuite(rawValue: 0xC030)
    /// TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 (RFC 5288), with RFC 7919 groups.
    public static let dheRsaWithAes128GcmSha256 = CipherSuite(rawValue: 0x009E)
    /// TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 (RFC 5288), with RFC 7919 groups.
    public static let dheRsaWithAes256GcmSha384 = CipherSuite(rawValue: 0x009F)

    /// How the premaster secret is agreed.
    public enum KeyExchange: Sendable, Hashable { case ecdhe, dhe }
    /// What kind of key the *server's* certificate must hold (DTLS 1.2
    /// suites name the server's key; the client's is agreed separately).
    public enum Authentication: Sendable, Hashable { case ecdsa, rsa }

    /// Every suite the engine implements, in default preference order:
    /// ECDSA before RSA, ECDHE before DHE (the table's order).
    public static let supported: [CipherSuite] = table.map(\.suite)

    /// Whether the engine implements this suite.
    public var isSupported: Bool { parameters != nil }

    /// The table row of this suite, nil for one the engine does not implement.
    package var parameters: CipherSuiteParameters? { Self.table.first { $0.suite == self } }

    /// The key exchange of a supported suite; nil for an unknown one.
    public var keyExchange: KeyExchange? { parameters?.keyExchange }
    /// The server certificate's key type of a supported suite; nil for an unknown one.
    public var authentication: Authentication? { parameters?.authentication }

    /// TLS_AES_128_GCM_SHA256 (RFC 8446 B.4): a DTLS 1.3 suite, AEAD and
    /// hash only (the key exchange and signature are negotiated apart).
    public static let aes128GcmSha256 = CipherSuite(rawValue: 0x1301)
    /// TLS_AES_256_GCM_SHA384 (RFC 8446 B.4), DTLS 1.3.
    public static let aes256GcmSha384 = CipherSuite(rawValue: 0x1302)
    /// TLS_CHACHA20_POLY1305_SHA256 (RFC 8446 B.4), DTLS 1.3.
    public static let chacha20Poly1305Sha256 = CipherSuite(rawValue: 0x1303)

    /// The IANA name (`TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`), or the hex code point.
    public var ianaName: String {
        if let name = parameters?.ianaName { return name }
        switch rawValue {
        case 0x1301: return "TLS_AES_128_GCM_SHA256"
        case 0x1302: return "TLS_AES_256_GCM_SHA384"
        case 0x1303: return "TLS_CHACHA20_POLY1305_SHA256"
        default: return "0x" + String(rawValue, radix: 16, uppercase: true)
        }
    }
    /// OpenSSL's name (`ECDHE-ECDSA-AES128-GCM-SHA256`), or the IANA name.
    public var openSSLName: String { parameters?.openSSLName ?? ianaName }

    /// A supported suite by its IANA or OpenSSL name, case-insensitively.
    public init?(name: String) {
        let wanted = name.uppercased()
        guard let row = Self.table.first(where: { $0.ianaName == wanted || $0.openSSLName == wanted }) else {
            return nil
        }
        self = row.suite
    }

    public var description: String { ianaName }
}

/// One row of the cipher suite table: everything the handshake, the key
/// schedule and the record layer need to know about a suite.
package struct CipherSuiteParameters: Sendable, Hashable {
    /// The record protection algorithm. Each case has one record cipher.
    package enum AEAD: Sendable, Hashable {
        /// AES-GCM (RFC 5288): `AESGCMRecordCipher` through libcrypto.
        case aesGCM
    }

    package var suite: CipherSuite
    package var ianaName: String
    package var openSSLName: String
    package var keyExchange: CipherSuite.KeyExchange
    package var authentication: CipherSuite.Authentication
    package var aead: AEAD
    /// The write key's length in bytes.
    package var keyLength: Int
    /// The implicit part of the nonce, from the key block (RFC 5288 3: 4).
    package var fixedIVLength: Int
    /// The explicit part of the nonce, carried in each record (RFC 5288 3: 8).
    package var explicitNonceLength: Int
    /// The AEAD tag's length in bytes.
    package var tagLength: Int
    /// The PRF's hash, also the Finished and exporter hash.
    package var prfHash: HashAlgorithm

    /// Bytes a record grows by when sealed: explicit nonce and tag.
    package var recordExpansion: Int { explicitNonceLength + tagLength }
}

extension CipherSuite {
    /// The suites the engine implements, one row each, in default preference order.
    package static let table: [CipherSuiteParameters] = [
        .init(suite: .ecdheEcdsaWithAes128GcmSha256, ianaName: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
              openSSLName: "ECDHE-ECDSA-AES128-GCM-SHA256", keyExchange: .ecdhe, authentication: .ecdsa,
              aead: .aesGCM, keyLength: 16, fixedIVLength: 4, explicitNonceLength: 8, tagLength: 16, prfHash: .sha256),
        .init(suite: .ecdheEcdsaWithAes256GcmSha384, ianaName: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
              openSSLName: "ECDHE-ECDSA-AES256-GCM-SHA384", keyExchange: .ecdhe, authentication: .ecdsa,
              aead: .aesGCM, keyLength: 32, fixedIVLength: 4, explicitNonceLength: 8, tagLength: 16, prfHash: .sha384),
        .init(suite: .ecdheRsaWithAes128GcmSha256, ianaName: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
              openSSLName: "ECDHE-RSA-AES128-GCM-SHA256", keyExchange: .ecdhe, authentication: .rsa,
              aead: .aesGCM, keyLength: 16, fixedIVLength: 4, explicitNonceLength: 8, tagLength: 16, prfHash: .sha256),
        .init(suite: .ecdheRsaWithAes256GcmSha384, ianaName: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
              openSSLName: "ECDHE-RSA-AES256-GCM-SHA384", keyExchange: .ecdhe, authentication: .rsa,
              aead: .aesGCM, keyLength: 32, fixedIVLength: 4, explicitNonceLength: 8, tagLength: 16, prfHash: .sha384),
        .init(suite: .dheRsaWithAes128GcmSha256, ianaName: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
              openSSLName: "DHE-RSA-AES128-GCM-SHA256", keyExchange: .dhe, authentication: .rsa,
              aead: .aesGCM, keyLength: 16, fixedIVLength: 4, explicitNonceLength: 8, tagLength: 16, prfHash: .sha256),
        .init(suite: .dheRsaWithAes256GcmSha384, ianaName: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
              openSSLName: "DHE-RSA-AES256-GCM-SHA384", keyExchange: .dhe, authentication: .rsa,
              aead: .aesGCM, keyLength: 32, fixedIVLength: 4, explicitNonceLength: 8, tagLength: 16, prfHash: .sha384),
    ]
}
