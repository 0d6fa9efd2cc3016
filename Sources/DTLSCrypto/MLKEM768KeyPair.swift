internal import Crypto

/// ML-KEM-768 (FIPS 203), from swift-crypto's `MLKEM768` (its own,
/// symbol-prefixed BoringSSL, beside the system's libcrypto). The only
/// post-quantum primitive the package uses, and the only use of
/// swift-crypto: it stays behind this small API, in byte arrays, like the
/// other key exchanges of this module.
public struct MLKEM768KeyPair {
    /// FIPS 203 sizes for ML-KEM-768.
    public static let encapsulationKeyLength = 1184
    public static let ciphertextLength = 1088
    public static let sharedSecretLength = 32
    public static let seedLength = 64

    private let key: MLKEM768.PrivateKey
    /// The encapsulation key `ek` (1184 bytes), what a client sends.
    public let encapsulationKey: [UInt8]

    /// A fresh key pair.
    public init() throws(CryptoError) {
        do {
            key = try MLKEM768.PrivateKey()
            encapsulationKey = Array(key.publicKey.rawRepresentation)
        } catch {
            throw .library("ML-KEM-768 key generation: \(error)")
        }
    }

    /// The key pair of a 64-byte seed `d || z` (FIPS 203 ML-KEM.KeyGen_internal),
    /// for known-answer tests.
    public init(seed: [UInt8]) throws(CryptoError) {
        guard seed.count == Self.seedLength else { throw .invalidKeyLength }
        do {
            key = try MLKEM768.PrivateKey(seedRepresentation: seed, publicKey: nil)
            encapsulationKey = Array(key.publicKey.rawRepresentation)
        } catch {
            throw .library("ML-KEM-768 key from seed: \(error)")
        }
    }

    /// The shared secret in `ciphertext` (1088 bytes). A ciphertext that was
    /// not made for this key yields an unrelated secret (FIPS 203 implicit
    /// rejection), never an error: the handshake then fails at Finished.
    public func decapsulate(_ ciphertext: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard ciphertext.count == Self.ciphertextLength else { throw .invalidPublicKey }
        do {
            return try key.decapsulate(ciphertext).withUnsafeBytes { Array($0) }
        } catch {
            throw .invalidPublicKey
        }
    }

    /// Encapsulates a fresh secret to `encapsulationKey`, after FIPS 203's
    /// input checks (the length, and every coefficient reduced modulo q):
    /// the ciphertext to send back and the shared secret.
    public static func encapsulate(to encapsulationKey: [UInt8]) throws(CryptoError) -> (ciphertext: [UInt8], sharedSecret: [UInt8]) {
        guard encapsulationKey.count == encapsulationKeyLength else { throw .invalidPublicKey }
        let publicKey: MLKEM768.PublicKey
        do { publicKey = try MLKEM768.PublicKey(rawRepresentation: encapsulationKey) } catch { throw .invalidPublicKey }
        do {
            let result = try publicKey.encapsulate()
            return (Array(result.encapsulated), result.sharedSecret.withUnsafeBytes { Array($0) })
        } catch {
            throw .library("ML-KEM-768 encapsulation: \(error)")
        }
    }

    /// Whether `encapsulationKey` passes FIPS 203's encapsulation key check.
    public static func isValidEncapsulationKey(_ encapsulationKey: [UInt8]) -> Bool {
        encapsulationKey.count == encapsulationKeyLength && (try? MLKEM768.PublicKey(rawRepresentation: encapsulationKey)) != nil
    }
}
