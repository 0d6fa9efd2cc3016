import DTLSCrypto
import Testing

/// The certificate key fast path must agree with libcrypto's X509 parser.
@Suite struct CertificateKeyTests {
    static let keys: [PrivateKey] = [
        try! PrivateKey.generateECDSA(.p256), try! PrivateKey.generateECDSA(.p384), try! PrivateKey.generateRSA(bits: 2048),
    ]

    @Test(arguments: [0, 1, 2])
    func fastPathKeyVerifiesWhatTheCertificateKeySigned(index: Int) throws {
        let key = Self.keys[index]
        let der = try Certificate.selfSigned(privateKey: key).derEncoded
        let fast = try PublicKey.fromCertificate(derEncoded: der)
        let slow = try Certificate(derEncoded: der).publicKey()
        #expect(fast.keyType == slow.keyType)
        let message: [UInt8] = Array("transcript".utf8)
        let signature = try key.sign(message.span, hash: .sha256)
        let good = fast.verify(signature: signature.span, message: message.span, hash: .sha256)
        let other: [UInt8] = Array("other".utf8)
        let bad = fast.verify(signature: signature.span, message: other.span, hash: .sha256)
        #expect(good)
        #expect(!bad)
    }

    @Test func truncatedOrGarbageCertificatesAreRejected() throws {
        let der = try Certificate.selfSigned(privateKey: Self.keys[0]).derEncoded
        for cut in [0, 1, 4, 40, der.count / 2, der.count - 1] {
            #expect(throws: CryptoError.self) { try PublicKey.fromCertificate(derEncoded: Array(der.prefix(cut))) }
        }
        #expect(throws: CryptoError.self) { try PublicKey.fromCertificate(derEncoded: [UInt8](repeating: 0x30, count: 64)) }
    }
}
