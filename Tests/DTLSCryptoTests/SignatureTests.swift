import DTLSCrypto
import Foundation
import Testing

@Suite struct SignatureTests {
    static func peerPEM(_ name: String) throws -> String {
        let url = Vectors.packageRoot.appendingPathComponent("Tests/Fixtures/peers/\(name)").standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else { throw Vectors.Missing(path: url.path) }
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func checkSignVerify(_ key: PrivateKey, _ hash: HashAlgorithm) throws {
        let message: [UInt8] = Array("ServerKeyExchange params".utf8) + SecureRandom.bytes(64)
        let signature = try key.sign(message.span, hash: hash)
        let publicKey = key.publicKey
        let good = publicKey.verify(signature: signature.span, message: message.span, hash: hash)
        #expect(good, "\(key.keyType) \(hash)")
        var otherMessage = message
        otherMessage[0] ^= 1
        let wrongMessage = publicKey.verify(signature: signature.span, message: otherMessage.span, hash: hash)
        #expect(!wrongMessage)
        let otherHash: HashAlgorithm = hash == .sha256 ? .sha384 : .sha256
        let wrongHash = publicKey.verify(signature: signature.span, message: message.span, hash: otherHash)
        #expect(!wrongHash)
        var flipped = signature
        flipped[flipped.count / 2] ^= 0x10
        let tampered = publicKey.verify(signature: flipped.span, message: message.span, hash: hash)
        #expect(!tampered)
        let garbage = SecureRandom.bytes(signature.count)
        let garbageResult = publicKey.verify(signature: garbage.span, message: message.span, hash: hash)
        let emptyResult = publicKey.verify(signature: [UInt8]().span, message: message.span, hash: hash)
        #expect(!garbageResult && !emptyResult)
    }

    @Test(arguments: [ECCurve.p256, .p384], [HashAlgorithm.sha256, .sha384, .sha512])
    func ecdsaSignVerify(curve: ECCurve, hash: HashAlgorithm) throws {
        let key = try PrivateKey.generateECDSA(curve)
        #expect(key.keyType == .ecdsa(curve))
        try Self.checkSignVerify(key, hash)
    }

    @Test func ecdsaSignatureIsDER() throws {
        let key = try PrivateKey.generateECDSA(.p256)
        let signature = try key.sign([1, 2, 3].span, hash: .sha256)
        #expect(signature[0] == 0x30 && Int(signature[1]) == signature.count - 2)
    }

    @Test(arguments: [HashAlgorithm.sha256, .sha384, .sha512])
    func rsaPKCS1SignVerifyWithPeerKey(hash: HashAlgorithm) throws {
        let key = try PrivateKey(pemEncoded: Self.peerPEM("rsa_key.pem"))
        #expect(key.keyType == .rsa(bits: 2048))
        try Self.checkSignVerify(key, hash)
        // PKCS#1 v1.5 is deterministic: signing twice gives the same bytes.
        let a = try key.sign([9, 9].span, hash: hash), b = try key.sign([9, 9].span, hash: hash)
        #expect(a == b && a.count == 256)
    }

    @Test func rsaGenerationAndUnsupportedSizes() throws {
        let key = try PrivateKey.generateRSA(bits: 2048)
        #expect(key.keyType == .rsa(bits: 2048))
        try Self.checkSignVerify(key, .sha256)
        #expect(throws: CryptoError.unsupportedKey) { try PrivateKey.generateRSA(bits: 1024) }
    }

    @Test func keyOfOneTypeDoesNotVerifyAnother() throws {
        let a = try PrivateKey.generateECDSA(.p256), b = try PrivateKey.generateECDSA(.p256)
        let message: [UInt8] = [1, 2, 3]
        let signature = try a.sign(message.span, hash: .sha256)
        let result = b.publicKey.verify(signature: signature.span, message: message.span, hash: .sha256)
        #expect(!result)
    }

    @Test func pemAndDERRoundTrip() throws {
        let key = try PrivateKey.generateECDSA(.p384)
        let pem = key.pemEncoded
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let reloaded = try PrivateKey(pemEncoded: pem)
        #expect(reloaded.keyType == .ecdsa(.p384))
        let message: [UInt8] = [4, 5, 6]
        let signature = try reloaded.sign(message.span, hash: .sha384)
        let verified = key.publicKey.verify(signature: signature.span, message: message.span, hash: .sha384)
        #expect(verified)

        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let der = [UInt8](Data(base64Encoded: body)!)
        let fromDER = try PrivateKey(derEncoded: der)
        #expect(fromDER.pemEncoded == pem)
        #expect(throws: CryptoError.self) { try PrivateKey(derEncoded: der + [0]) }
        #expect(throws: CryptoError.self) { try PrivateKey(derEncoded: Array(der.prefix(20))) }
    }

    @Test func peerPKCS8AndTraditionalPEMLoad() throws {
        let ec = try PrivateKey(pemEncoded: Self.peerPEM("ec_key.pem"))
        #expect(ec.keyType == .ecdsa(.p256))
        // Generated once with `openssl ecparam -name secp384r1 -genkey -noout` (RFC 5915 "EC PRIVATE KEY").
        let traditional = """
            -----BEGIN EC PRIVATE KEY-----
            MIGkAgEBBDC3RT30HoFQ2B1J2uy5oL8a6zrqUlr7nr5ths0bEvF7bHOSaWeFr3yO
            z7vT7M/a2hugBwYFK4EEACKhZANiAARONK1qwfiGfcvtagBd78Sj+nr9RuRIJDu0
            kDlm7QlujN3Rri3DQKNm7HSnNoY1oBYh7YACEnLMNjx6NHiuIVT4dSMNJp6kTw/t
            viRT+zJU0+EqfsDPy1XvYTk0shMvAhs=
            -----END EC PRIVATE KEY-----
            """
        #expect(try PrivateKey(pemEncoded: traditional).keyType == .ecdsa(.p384))
    }

    @Test func unsupportedAndMalformedKeysRejected() {
        // Ed25519 and secp256k1: valid keys DTLS-SRTP does not use here.
        let ed25519 = """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VwBCIEIHoFjbHbts6/GkNLYUmnGYSYD04liXB04YCLZQ017UVc
            -----END PRIVATE KEY-----
            """
        let secp256k1 = """
            -----BEGIN EC PRIVATE KEY-----
            MHQCAQEEIErWbjaefE84GBFE3ma/Lu6lCgo7W8fMTBulTGiqYWNEoAcGBSuBBAAK
            oUQDQgAE+WgHmfo8Q62Awm/Ju2sgT5G2rNLRjUz+T4aijHAJu1SAEJkftNMOpLMX
            QcozsNYFZdiM/8Was174U937Xm5TRw==
            -----END EC PRIVATE KEY-----
            """
        #expect(throws: CryptoError.unsupportedKey) { try PrivateKey(pemEncoded: ed25519) }
        #expect(throws: CryptoError.unsupportedKey) { try PrivateKey(pemEncoded: secp256k1) }
        #expect(throws: CryptoError.self) { try PrivateKey(pemEncoded: "not a key") }
        #expect(throws: CryptoError.self) { try PrivateKey(pemEncoded: "") }
        #expect(throws: CryptoError.self) { try PrivateKey(derEncoded: []) }
    }
}
