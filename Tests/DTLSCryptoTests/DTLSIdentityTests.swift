import DTLSCrypto
import Foundation
import Testing

/// Identities as browsers make them (RTCCertificate): generated keys and
/// self-signed certificates, their expiry, and PEM files on disk.
@Suite struct DTLSIdentityTests {
    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "dtls-identity-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func theDefaultIsAnECDSAP256KeyValidForThirtyDaysFromYesterday() throws {
        let identity = try DTLSIdentity.generate()
        #expect(identity.privateKey.keyType == .ecdsa(.p256))
        #expect(try identity.certificate.publicKey().keyType == .ecdsa(.p256))
        let now = Int64(Date().timeIntervalSince1970)
        #expect(abs(identity.certificate.notBefore - (now - 86_400)) < 60)
        #expect(abs(identity.expires - (now + 30 * 86_400)) < 60)
        #expect(identity.fingerprint().algorithm == .sha256)
        #expect(identity.fingerprint().matches(identity.certificate.derEncoded))
    }

    @Test func rsa2048AndAnExpiryAreChoices() throws {
        let identity = try DTLSIdentity.generate(.rsa2048, commonName: "rsa", validityDays: 365)
        #expect(identity.privateKey.keyType == .rsa(bits: 2048))
        let now = Int64(Date().timeIntervalSince1970)
        #expect(abs(identity.expires - (now + 365 * 86_400)) < 60)
        #expect(throws: CryptoError.unsupportedKey) { _ = try DTLSIdentity.generate(.rsa(bits: 1024)) }
    }

    @Test func anIdentitySavedAsPEMFilesLoadsWithTheSameFingerprintAndAPrivateKeyFile() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let identity = try DTLSIdentity.generate(.ecdsaP384)
        let certificatePath = folder + "/cert.pem", keyPath = folder + "/key.pem"
        try identity.write(certificatePEMFile: certificatePath, privateKeyPEMFile: keyPath)
        let loaded = try DTLSIdentity(certificatePEMFile: certificatePath, privateKeyPEMFile: keyPath)
        #expect(loaded.certificate.derEncoded == identity.certificate.derEncoded)
        #expect(loaded.fingerprint(.sha512) == identity.fingerprint(.sha512))
        #expect(loaded.privateKey.keyType == .ecdsa(.p384))
        let keyMode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        // Writing again replaces both files; no temporary is left behind.
        try DTLSIdentity.generate().write(certificatePEMFile: certificatePath, privateKeyPEMFile: keyPath)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["cert.pem", "key.pem"])
    }

    @Test func aKeyThatIsNotTheCertificatesIsRefused() throws {
        let one = try DTLSIdentity.generate(), other = try DTLSIdentity.generate()
        #expect(throws: CryptoError.malformedInput("the private key does not belong to the certificate")) {
            _ = try DTLSIdentity(certificate: one.certificate, privateKey: other.privateKey)
        }
    }

    @Test func missingOrMalformedFilesAreTypedErrors() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = #expect(throws: CryptoError.self) {
            _ = try DTLSIdentity(certificatePEMFile: folder + "/none.pem", privateKeyPEMFile: folder + "/none-key.pem")
        }
        guard case .file(let reason)? = error else { Issue.record("expected a file error, got \(String(describing: error))"); return }
        #expect(reason.contains("none.pem") && reason.contains("No such file"))
        try "not PEM".write(toFile: folder + "/bad.pem", atomically: true, encoding: .utf8)
        #expect(throws: CryptoError.malformedInput("no CERTIFICATE block in PEM")) {
            _ = try DTLSIdentity(certificatePEMFile: folder + "/bad.pem", privateKeyPEMFile: folder + "/bad.pem")
        }
    }
}
