/// The hybrid key exchanges of draft-ietf-tls-ecdhe-mlkem: ML-KEM-768 with
/// X25519 (X25519MLKEM768, 0x11EC) or with P-256 (SecP256r1MLKEM768,
/// 0x11EB), one share and one secret each, the two parts concatenated.
///
/// | | X25519MLKEM768 | SecP256r1MLKEM768 |
/// | --- | --- | --- |
/// | client share | ek (1184) ‖ X25519 (32) | P-256 point (65) ‖ ek (1184) |
/// | server share | ciphertext (1088) ‖ X25519 (32) | P-256 point (65) ‖ ciphertext (1088) |
/// | shared secret | ML-KEM (32) ‖ X25519 (32) | P-256 (32) ‖ ML-KEM (32) |
public enum HybridGroup: Sendable, Hashable {
    case x25519MLKEM768
    case secp256r1MLKEM768

    var curve: ECGroup { self == .x25519MLKEM768 ? .x25519 : .p256 }
    /// Whether the ML-KEM part comes first (X25519MLKEM768) or the ECDH part.
    var mlkemFirst: Bool { self == .x25519MLKEM768 }
    var ecdhShareLength: Int { self == .x25519MLKEM768 ? 32 : 65 }

    /// A client share's length.
    public var clientShareLength: Int { MLKEM768KeyPair.encapsulationKeyLength + ecdhShareLength }
    /// A server share's length.
    public var serverShareLength: Int { MLKEM768KeyPair.ciphertextLength + ecdhShareLength }

    /// Splits a share into its ML-KEM and ECDH parts.
    func split(_ share: [UInt8], mlkemLength: Int) -> (mlkem: [UInt8], ecdh: [UInt8]) {
        mlkemFirst ? (Array(share[..<mlkemLength]), Array(share[mlkemLength...]))
                   : (Array(share[ecdhShareLength...]), Array(share[..<ecdhShareLength]))
    }

    func join(mlkem: [UInt8], ecdh: [UInt8]) -> [UInt8] { mlkemFirst ? mlkem + ecdh : ecdh + mlkem }
}

/// A client's hybrid key share: both private keys, and the share to send.
public final class HybridClientKey {
    public let group: HybridGroup
    private let mlkem: MLKEM768KeyPair
    private let ecdh: ECDHPrivateKey
    /// The key_share bytes (see `HybridGroup`).
    public let share: [UInt8]

    public init(group: HybridGroup) throws(CryptoError) {
        self.group = group
        mlkem = try MLKEM768KeyPair()
        ecdh = try ECDHPrivateKey(group: group.curve)
        share = group.join(mlkem: mlkem.encapsulationKey, ecdh: ecdh.publicKeyBytes)
    }

    /// The X25519 (or P-256) public key inside the share, so that a client
    /// that also sends a classical share of the same curve can reuse it.
    public var ecdhKey: ECDHPrivateKey { ecdh }

    /// The shared secret from the server's share. A share of the wrong
    /// length or a bad ECDH point throws; a tampered ML-KEM ciphertext
    /// gives a secret the server does not have (the handshake fails at Finished).
    public func sharedSecret(serverShare: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard serverShare.count == group.serverShareLength else { throw .invalidPublicKey }
        let (ciphertext, point) = group.split(serverShare, mlkemLength: MLKEM768KeyPair.ciphertextLength)
        let mlkemSecret = try mlkem.decapsulate(ciphertext)
        let ecdhSecret = try ecdh.sharedSecret(peerPublicKey: point.span)
        return group.join(mlkem: mlkemSecret, ecdh: ecdhSecret)
    }
}

extension HybridGroup {
    /// The server's side: checks the client's share (its length, the
    /// encapsulation key as FIPS 203 asks, the ECDH point), encapsulates and
    /// agrees; the share to send back and the shared secret.
    public func respond(toClientShare share: [UInt8]) throws(CryptoError) -> (share: [UInt8], sharedSecret: [UInt8]) {
        guard share.count == clientShareLength else { throw .invalidPublicKey }
        let (encapsulationKey, point) = split(share, mlkemLength: MLKEM768KeyPair.encapsulationKeyLength)
        let (ciphertext, mlkemSecret) = try MLKEM768KeyPair.encapsulate(to: encapsulationKey)
        let ours = try ECDHPrivateKey(group: curve)
        let ecdhSecret = try ours.sharedSecret(peerPublicKey: point.span)
        return (join(mlkem: ciphertext, ecdh: ours.publicKeyBytes), join(mlkem: mlkemSecret, ecdh: ecdhSecret))
    }
}
