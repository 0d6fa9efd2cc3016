internal import COpenSSL

/// Certificate key curves TLS 1.2 signature schemes pair with a hash.
public enum ECCurve: Sendable, Hashable { case p256, p384 }

public enum KeyType: Sendable, Hashable {
    case ecdsa(ECCurve)
    case rsa(bits: Int)

    /// RSA sizes we sign and verify with: under 2048 bits is broken in
    /// practice, over 8192 only makes a handshake a CPU sink for a peer.
    static let rsaBits = 2048...8192

    /// Identifies a key, refusing types DTLS-SRTP peers do not use (DSA,
    /// Ed25519, other curves) so callers never get a key they cannot use.
    init(of pkey: OpaquePointer) throws(CryptoError) {
        if EVP_PKEY_is_a(pkey, "EC") == 1 {
            var buffer = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_utf8_string_param(pkey, ParamName.groupName, &buffer, buffer.count, &length) == 1 else {
                throw .unsupportedKey  // explicit curve parameters
            }
            switch buffer.withUnsafeBufferPointer({ String(cString: $0.baseAddress!) }) {
            case "prime256v1", "P-256", "secp256r1": self = .ecdsa(.p256)
            case "secp384r1", "P-384": self = .ecdsa(.p384)
            default: throw .unsupportedKey
            }
        } else if EVP_PKEY_is_a(pkey, "RSA") == 1 {
            let bits = Int(EVP_PKEY_get_bits(pkey))
            guard Self.rsaBits.contains(bits) else { throw .unsupportedKey }
            self = .rsa(bits: bits)
        } else {
            throw .unsupportedKey
        }
    }
}
