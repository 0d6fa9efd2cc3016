/// A certificate and its private key, as a WebRTC peer holds them: what
/// `RTCPeerConnection.generateCertificate` makes in a browser.
///
/// Browsers make an ECDSA P-256 key and a self-signed certificate valid for
/// 30 days by default, RSA-2048 on request; `generate` does the same. A
/// server that keeps its fingerprint across restarts (so answers already
/// signalled stay valid) saves the identity with `write` and loads it with
/// `init(certificatePEMFile:privateKeyPEMFile:)`.
public struct DTLSIdentity: Sendable {
    public let certificate: Certificate
    public let privateKey: PrivateKey

    /// The key to generate, named as `RTCPeerConnection.generateCertificate` does.
    public enum KeyAlgorithm: Sendable, Hashable {
        /// ECDSA on P-256 (browsers' default).
        case ecdsaP256
        /// ECDSA on P-384.
        case ecdsaP384
        /// RSA with `bits` of modulus (2048 as browsers make it; 2048 to 4096).
        case rsa(bits: Int)

        public static let rsa2048 = KeyAlgorithm.rsa(bits: 2048)
    }

    /// Pairs a certificate with its key; throws when the key is not the
    /// certificate's (a handshake would fail at the peer's signature check).
    public init(certificate: Certificate, privateKey: PrivateKey) throws(CryptoError) {
        guard certificate.isSigned(by: privateKey) else {
            throw .malformedInput("the private key does not belong to the certificate")
        }
        self.certificate = certificate
        self.privateKey = privateKey
    }

    /// A fresh key and a self-signed certificate for it, valid from a day
    /// ago (peers' clocks run slow) for `validityDays`.
    public static func generate(_ algorithm: KeyAlgorithm = .ecdsaP256, commonName: String = "dtls-srtp",
                                validityDays: Int = 30) throws(CryptoError) -> DTLSIdentity {
        let key: PrivateKey
        switch algorithm {
        case .ecdsaP256: key = try .generateECDSA(.p256)
        case .ecdsaP384: key = try .generateECDSA(.p384)
        case .rsa(let bits): key = try .generateRSA(bits: bits)
        }
        let certificate = try Certificate.selfSigned(privateKey: key, commonName: commonName, validityDays: validityDays)
        return try DTLSIdentity(certificate: certificate, privateKey: key)
    }

    /// Loads a PEM certificate (its first CERTIFICATE block) and an
    /// unencrypted PEM private key (PKCS#8 or traditional), which must match.
    public init(certificatePEMFile: String, privateKeyPEMFile: String) throws(CryptoError) {
        let certificate = try Certificate(pemEncoded: PEMFile.read(certificatePEMFile))
        let key = try PrivateKey(pemEncoded: PEMFile.read(privateKeyPEMFile))
        try self.init(certificate: certificate, privateKey: key)
    }

    /// Writes the certificate (mode 0644) and the key as unencrypted PKCS#8
    /// (mode 0600, created so, never widened), each replaced atomically.
    public func write(certificatePEMFile: String, privateKeyPEMFile: String) throws(CryptoError) {
        try PEMFile.write(privateKey.pemEncoded, to: privateKeyPEMFile, mode: 0o600)
        try PEMFile.write(certificate.pemEncoded, to: certificatePEMFile, mode: 0o644)
    }

    /// The certificate's fingerprint, for the local description's
    /// `a=fingerprint:` line (`fingerprint().sdpLine`).
    public func fingerprint(_ algorithm: FingerprintAlgorithm = .sha256) -> Fingerprint {
        Fingerprint(certificate: certificate, algorithm: algorithm)
    }

    /// When the certificate expires, in seconds since 1970 (UTC): `RTCCertificate.expires`.
    public var expires: Int64 { certificate.notAfter }
}
