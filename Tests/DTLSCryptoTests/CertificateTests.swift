import DTLSCrypto
import Foundation
import Testing

@Suite struct CertificateTests {
    // Computed once with `openssl x509 -in <file> -noout -fingerprint -sha256`
    // (and -sha384) on Tests/Fixtures/peers/{ec,rsa}_cert.pem.
    static let ecCertSHA256 = "sha-256 DB:03:0D:71:76:FD:6E:20:93:E2:C4:17:F2:15:F6:DD:D7:90:69:ED:FE:A8:60:AD:87:BD:7B:E9:93:E5:43:8C"
    static let ecCertSHA384 = "sha-384 E3:5C:1D:37:76:A8:4C:A0:15:C7:65:8B:FD:5B:AF:CF:C1:F3:E4:7F:DF:AB:95:AA:4A:87:51:2C:35:13:39:99:20:5B:7C:06:07:67:19:75:49:B4:14:0C:1A:BC:CD:07"
    static let rsaCertSHA256 = "sha-256 F5:20:24:16:B8:EF:29:C2:36:C5:8D:85:F2:EC:71:77:07:8B:03:E4:B6:D4:63:CE:07:31:60:4C:EC:DB:55:4D"

    @Test(arguments: [KeyType.ecdsa(.p256), .ecdsa(.p384)])
    func selfSignedRoundTripsDERAndPEM(keyType: KeyType) throws {
        guard case .ecdsa(let curve) = keyType else { return }
        let key = try PrivateKey.generateECDSA(curve)
        let certificate = try Certificate.selfSigned(privateKey: key, commonName: "WebRTC", validityDays: 30)
        let der = certificate.derEncoded
        #expect(der.first == 0x30)
        let fromDER = try Certificate(derEncoded: der)
        #expect(fromDER.derEncoded == der)
        let pem = certificate.pemEncoded
        #expect(pem.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        let fromPEM = try Certificate(pemEncoded: pem)
        #expect(fromPEM.derEncoded == der)
        // Key first, then certificate: the first CERTIFICATE block wins.
        let combined = try Certificate(pemEncoded: key.pemEncoded + pem)
        #expect(combined.derEncoded == der)
        #expect(try certificate.publicKey().keyType == keyType)
    }

    @Test func selfSignedSerialsDiffer() throws {
        let key = try PrivateKey.generateECDSA(.p256)
        let a = try Certificate.selfSigned(privateKey: key), b = try Certificate.selfSigned(privateKey: key)
        #expect(a.derEncoded != b.derEncoded)
    }

    @Test func rsaSelfSigned() throws {
        let key = try PrivateKey(pemEncoded: SignatureTests.peerPEM("rsa_key.pem"))
        let certificate = try Certificate.selfSigned(privateKey: key)
        #expect(try certificate.publicKey().keyType == .rsa(bits: 2048))
    }

    @Test func certificatePublicKeyVerifiesWhatTheKeySigned() throws {
        let key = try PrivateKey.generateECDSA(.p256)
        let certificate = try Certificate(derEncoded: Certificate.selfSigned(privateKey: key).derEncoded)
        let message: [UInt8] = Array("CertificateVerify transcript".utf8)
        let signature = try key.sign(message.span, hash: .sha256)
        let publicKey = try certificate.publicKey()
        let verified = publicKey.verify(signature: signature.span, message: message.span, hash: .sha256)
        #expect(verified)
        let otherKey = try PrivateKey.generateECDSA(.p256)
        let otherSignature = try otherKey.sign(message.span, hash: .sha256)
        let rejected = publicKey.verify(signature: otherSignature.span, message: message.span, hash: .sha256)
        #expect(!rejected)
    }

    @Test func peerCertificatesLoadAndMatchOpenSSLFingerprints() throws {
        let ec = try Certificate(pemEncoded: SignatureTests.peerPEM("ec_cert.pem"))
        #expect(Fingerprint(certificate: ec).description == Self.ecCertSHA256)
        #expect(Fingerprint(certificate: ec, algorithm: .sha384).description == Self.ecCertSHA384)
        #expect(try ec.publicKey().keyType == .ecdsa(.p256))
        let rsa = try Certificate(pemEncoded: SignatureTests.peerPEM("rsa_cert.pem"))
        #expect(Fingerprint(certificate: rsa).description == Self.rsaCertSHA256)
        #expect(try rsa.publicKey().keyType == .rsa(bits: 2048))

        let fromSDP = try #require(Fingerprint(Self.ecCertSHA256.lowercased()))
        #expect(fromSDP.matches(ec.derEncoded))
        #expect(!fromSDP.matches(rsa.derEncoded))
        #expect(fromSDP == Fingerprint(certificate: ec))

        // The peer key signs and the certificate's key verifies.
        let key = try PrivateKey(pemEncoded: SignatureTests.peerPEM("ec_key.pem"))
        let signature = try key.sign([1, 2].span, hash: .sha256)
        let verified = try ec.publicKey().verify(signature: signature.span, message: [1, 2].span, hash: .sha256)
        #expect(verified)
    }

    @Test func malformedCertificatesRejected() throws {
        let der = try Certificate.selfSigned(privateKey: PrivateKey.generateECDSA(.p256)).derEncoded
        #expect(throws: CryptoError.self) { try Certificate(derEncoded: der + [0]) }
        #expect(throws: CryptoError.self) { try Certificate(derEncoded: Array(der.dropLast())) }
        #expect(throws: CryptoError.self) { try Certificate(derEncoded: []) }
        #expect(throws: CryptoError.self) { try Certificate(pemEncoded: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") }
        #expect(throws: CryptoError.self) { try Certificate(pemEncoded: "") }
        #expect(throws: CryptoError.self) { try Certificate.selfSigned(privateKey: PrivateKey.generateECDSA(.p256), validityDays: 0) }
    }
}

@Suite struct FingerprintTests {
    @Test func formatIsUppercaseColonHex() {
        let fingerprint = Fingerprint(algorithm: .sha256, bytes: Array(0..<32))
        #expect(fingerprint.description == "sha-256 " + (0..<32).map { String(format: "%02X", $0) }.joined(separator: ":"))
        #expect(Fingerprint(fingerprint.description) == fingerprint)
    }

    @Test func parseIsCaseInsensitive() throws {
        let text = "SHA-256 ab:CD:" + Array(repeating: "0f", count: 30).joined(separator: ":")
        let parsed = try #require(Fingerprint(text))
        #expect(parsed.algorithm == .sha256 && parsed.bytes.prefix(2) == [0xab, 0xcd])
        let sha512 = "sha-512 " + Array(repeating: "FF", count: 64).joined(separator: ":")
        #expect(Fingerprint(sha512)?.algorithm == .sha512)
    }

    static func hexBytes(_ count: Int, separator: String = ":") -> String {
        Array(repeating: "AB", count: count).joined(separator: separator)
    }

    static let malformed: [String] = [
        "",
        "sha-256",
        "sha-256 ",
        "md5 " + hexBytes(16),
        "md2 " + hexBytes(16),
        "sha-1 " + hexBytes(32),                     // length of another hash
        "sha-256 " + hexBytes(31),                   // too short
        "sha-256 " + hexBytes(33),                   // too long
        "sha-256 " + hexBytes(32, separator: ""),    // no colons
        "sha-256 " + hexBytes(32, separator: "-"),   // wrong separator
        "sha-256 " + hexBytes(31) + ":G0",           // non-hex
        "sha-256  " + hexBytes(32),                  // double space
        "sha-256 " + hexBytes(32) + " ",             // trailing space
        "sha-384 " + hexBytes(32),                   // length of another hash
    ]

    @Test(arguments: malformed)
    func malformedTextReturnsNil(text: String) {
        #expect(Fingerprint(text) == nil)
    }

    @Test func md5IsRefusedWithAClearError() {
        #expect(throws: CryptoError.malformedInput("unsupported fingerprint hash \"md5\" (RFC 8122: sha-1, sha-224, sha-256, sha-384, sha-512)")) {
            try Fingerprint.parse("MD5 " + Array(repeating: "AB", count: 16).joined(separator: ":"))
        }
    }

    // `openssl x509 -in Tests/Fixtures/peers/ec_cert.pem -noout -fingerprint -sha1` (-sha224, -sha512).
    static let ecCertOthers: [FingerprintAlgorithm: String] = [
        .sha1: "06:04:4A:ED:BB:43:C2:2E:32:8C:D4:76:42:B3:56:29:ED:F2:B9:4C",
        .sha224: "2E:DF:60:59:B2:AD:DB:4F:6B:BD:E9:39:00:F9:F6:D1:4B:47:7C:5A:05:4B:8F:5F:66:93:95:FE",
        .sha512: "1B:F0:1D:07:42:08:4F:B4:49:33:6E:0E:D7:1D:E1:01:FF:49:1D:75:31:4C:E1:CC:ED:DC:7D:5E:33:EA:4A:F0:89:DA:51:5C:F4:92:9B:14:8D:CA:7D:20:26:D8:88:1B:0C:7C:98:4C:B3:08:9F:BF:E0:E7:C2:23:7C:0D:18:1E",
    ]

    /// RFC 8122's hashes, sha-1 to sha-512, as a remote description may
    /// name them: each parses, prints as OpenSSL does and matches only its
    /// certificate.
    @Test(arguments: [FingerprintAlgorithm.sha1, .sha224, .sha512])
    func everyRegistryHashMatchesOpenSSLsFingerprint(algorithm: FingerprintAlgorithm) throws {
        let ec = try Certificate(pemEncoded: SignatureTests.peerPEM("ec_cert.pem"))
        let rsa = try Certificate(pemEncoded: SignatureTests.peerPEM("rsa_cert.pem"))
        let text = "\(algorithm.sdpName) " + Self.ecCertOthers[algorithm]!
        #expect(Fingerprint(certificate: ec, algorithm: algorithm).description == text)
        let parsed = try Fingerprint.parse(text.uppercased())
        #expect(parsed.algorithm == algorithm && parsed.bytes.count == algorithm.digestLength)
        #expect(parsed.matches(ec.derEncoded) && !parsed.matches(rsa.derEncoded))
    }

    /// The validity period as `openssl x509 -noout -dates` prints it
    /// (notBefore Nov 22 08:59:07 2026 GMT, notAfter Nov 19 08:59:07 2036 GMT).
    @Test func theValidityPeriodReadsAsSecondsSince1970() throws {
        let ec = try Certificate(pemEncoded: SignatureTests.peerPEM("ec_cert.pem"))
        #expect(ec.notBefore == 1_795_337_947)
        #expect(ec.notAfter == 2_110_697_947)
    }
}
