import DTLS
import DTLSCrypto

/// Certificates for tests, generated once per process (RSA keygen is slow).
public enum TestIdentity {
    public struct Identity: @unchecked Sendable {
        public let certificate: Certificate
        public let key: PrivateKey
        public var fingerprint: Fingerprint { Fingerprint(certificate: certificate) }
    }

    public static let ecdsaP256 = make { try PrivateKey.generateECDSA(.p256) }
    public static let ecdsaP256Other = make { try PrivateKey.generateECDSA(.p256) }
    public static let ecdsaP384 = make { try PrivateKey.generateECDSA(.p384) }
    public static let rsa2048 = make { try PrivateKey.generateRSA(bits: 2048) }
    public static let rsa3072 = make { try PrivateKey.generateRSA(bits: 3072) }

    static func make(_ key: () throws -> PrivateKey) -> Identity {
        do {
            let k = try key()
            return Identity(certificate: try Certificate.selfSigned(privateKey: k, commonName: "test"), key: k)
        } catch {
            fatalError("test identity: \(error)")
        }
    }

    /// A configuration that verifies the peer by its fingerprint, as WebRTC does.
    /// DTLS 1.2 alone unless asked: the 1.2 suites pin the 1.2 engine's
    /// messages byte for byte; `VersionNegotiationTests` and the interop
    /// tests run the default (1.3 and 1.2).
    public static func configuration(_ identity: Identity, peer: Identity?,
                                     versions: [ProtocolVersion] = [.dtls12]) -> DTLSConfiguration {
        let verification: PeerVerification = peer.map { .fingerprints([$0.fingerprint]) } ?? .acceptAny
        var config = DTLSConfiguration(certificate: identity.certificate, privateKey: identity.key, peerVerification: verification)
        config.versions = versions
        return config
    }
}
