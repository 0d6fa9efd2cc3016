internal import COpenSSL

/// Groups for ECDHE (RFC 8422 named curves).
public enum ECGroup: Sendable, Hashable {
    case p256, p384, x25519

    /// Field element length: the size of a coordinate, an X25519 key and the shared secret.
    var coordinateLength: Int {
        switch self {
        case .p256, .x25519: 32
        case .p384: 48
        }
    }

    /// Cached domain parameters (nil for X25519, which has none).
    fileprivate var parameters: OpaquePointer? {
        switch self {
        case .p256: ECDomain.p256
        case .p384: ECDomain.p384
        case .x25519: nil
        }
    }
}

/// Domain-parameter EVP_PKEYs, built once. EVP_PKEYs are reference counted and
/// safe to share read-only between threads, so one per curve serves every handshake.
enum ECDomain {
    nonisolated(unsafe) static let p256Name = immortalCString("P-256")
    nonisolated(unsafe) static let p384Name = immortalCString("P-384")
    nonisolated(unsafe) static let p256: OpaquePointer = make(p256Name)
    nonisolated(unsafe) static let p384: OpaquePointer = make(p384Name)

    private static func make(_ curve: UnsafePointer<CChar>) -> OpaquePointer {
        do throws(CryptoError) {
            let builder = try ParamBuilder()
            try builder.push(ParamName.groupName, utf8: curve)
            return try withPKeyContext(named: "EC") { (ctx) throws(CryptoError) in
                try builder.makeKey(context: ctx, selection: COpenSSL_EVP_PKEY_KEY_PARAMETERS())
            }
        } catch {
            fatalError("cannot build EC parameters for \(String(cString: curve)): \(error)")
        }
    }
}

/// Ephemeral ECDH key (generated per handshake).
public final class ECDHPrivateKey {
    public let group: ECGroup
    private let pkey: OpaquePointer
    /// Encoded once at creation: it goes into the key exchange message anyway.
    public let publicKeyBytes: [UInt8]

    public init(group: ECGroup) throws(CryptoError) {
        ERR_clear_error()
        let pkey: OpaquePointer
        if let parameters = group.parameters {
            pkey = try generateKey(template: parameters)
        } else {
            pkey = try withPKeyContext(named: "X25519") { (ctx) throws(CryptoError) -> OpaquePointer in
                var key: OpaquePointer? = nil
                guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_generate(ctx, &key) == 1, let key else {
                    throw libraryError("X25519 keygen")
                }
                return key
            }
        }
        guard let encoded = octetParameter(pkey, ParamName.encodedPublicKey, maxLength: 1 + 2 * group.coordinateLength) else {
            EVP_PKEY_free(pkey)
            throw libraryError("encoded public key")
        }
        self.group = group
        self.pkey = pkey
        self.publicKeyBytes = encoded
    }

    /// Imports a fixed private key (big-endian scalar of exactly the field
    /// length for P-curves, the 32-byte RFC 7748 string for X25519), so
    /// known-answer vectors and recorded sessions can be replayed. Handshakes
    /// should use `init(group:)`.
    public init(group: ECGroup, privateKey: Span<UInt8>) throws(CryptoError) {
        guard privateKey.count == group.coordinateLength else { throw .invalidKeyLength }
        ERR_clear_error()
        let pkey: OpaquePointer
        switch group {
        case .x25519:
            guard let key = privateKey.withBytes({ EVP_PKEY_new_raw_private_key_ex(nil, "X25519", nil, $0, $1) }) else {
                throw libraryError("X25519 private key import")
            }
            pkey = key
        case .p256, .p384:
            let publicPoint = try Self.publicPoint(group: group, scalar: privateKey)
            let builder = try ParamBuilder()
            try builder.push(ParamName.groupName, utf8: group == .p256 ? ECDomain.p256Name : ECDomain.p384Name)
            try builder.push(ParamName.privateKey, bigEndian: privateKey)
            try builder.push(ParamName.publicKey, octets: publicPoint.span)
            pkey = try withPKeyContext(from: group.parameters!) { (ctx) throws(CryptoError) in
                try builder.makeKey(context: ctx, selection: COpenSSL_EVP_PKEY_KEYPAIR())
            }
        }
        guard let encoded = octetParameter(pkey, ParamName.encodedPublicKey, maxLength: 1 + 2 * group.coordinateLength) else {
            EVP_PKEY_free(pkey)
            throw libraryError("encoded public key")
        }
        self.group = group
        self.pkey = pkey
        self.publicKeyBytes = encoded
    }

    deinit { EVP_PKEY_free(pkey) }

    /// fromdata does not derive the public point from the scalar in OpenSSL 3.0,
    /// so compute d*G with the (non-deprecated) EC_POINT API.
    private static func publicPoint(group: ECGroup, scalar: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        guard let ecGroup = EC_GROUP_new_by_curve_name(group == .p256 ? NID_X9_62_prime256v1 : NID_secp384r1) else {
            throw libraryError("EC_GROUP_new_by_curve_name")
        }
        defer { EC_GROUP_free(ecGroup) }
        guard let d = scalar.withBytes({ BN_bin2bn($0, Int32($1), nil) }) else { throw libraryError("BN_bin2bn") }
        defer { BN_clear_free(d) }
        // Scalars outside [1, n-1] are not private keys.
        guard BN_is_zero(d) == 0, BN_cmp(d, EC_GROUP_get0_order(ecGroup)) < 0 else { throw .invalidKeyLength }
        guard let point = EC_POINT_new(ecGroup) else { throw libraryError("EC_POINT_new") }
        defer { EC_POINT_free(point) }
        guard EC_POINT_mul(ecGroup, point, d, nil, nil, nil) == 1 else { throw libraryError("EC_POINT_mul") }
        let length = 1 + 2 * group.coordinateLength
        return try [UInt8](capacity: length) { (out) throws(CryptoError) -> Int in
            guard EC_POINT_point2oct(ecGroup, point, POINT_CONVERSION_UNCOMPRESSED, out, length, nil) == length else {
                throw libraryError("EC_POINT_point2oct")
            }
            return length
        }
    }

    /// Validates the peer point (on curve, not infinity, uncompressed form only for P-curves; X25519 rejects an all-zero shared secret) and returns the raw shared secret (x-coordinate, fixed length).
    public func sharedSecret(peerPublicKey: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        ERR_clear_error()
        let peer = try peerKey(peerPublicKey)
        defer { EVP_PKEY_free(peer) }
        let secret: [UInt8]
        do {
            secret = try deriveSharedSecret(privateKey: pkey, peer: peer)
        } catch {
            // For a validated P-curve point derive cannot fail on the input;
            // for X25519 libcrypto refuses the all-zero (low-order) result.
            guard group == .x25519 else { throw error }
            ERR_clear_error()
            throw .invalidPublicKey
        }
        guard secret.count == group.coordinateLength else { throw .library("unexpected shared secret length \(secret.count)") }
        if group == .x25519 {
            // Belt and braces: RFC 7748 section 6.1 all-zero check, in constant time.
            var accumulator: UInt8 = 0
            for byte in secret { accumulator |= byte }
            guard accumulator != 0 else { throw .invalidPublicKey }
        }
        return secret
    }

    /// Every malformed peer value maps to `.invalidPublicKey` (an
    /// illegal_parameter alert), never to `.library`.
    private func peerKey(_ bytes: Span<UInt8>) throws(CryptoError) -> OpaquePointer {
        switch group {
        case .x25519:
            guard bytes.count == 32,
                  let key = bytes.withBytes({ EVP_PKEY_new_raw_public_key_ex(nil, "X25519", nil, $0, $1) }) else {
                ERR_clear_error()
                throw .invalidPublicKey
            }
            return key
        case .p256, .p384:
            // RFC 8422 5.1: only the uncompressed form is negotiated in DTLS-SRTP.
            guard bytes.count == 1 + 2 * group.coordinateLength, bytes[0] == 0x04 else { throw .invalidPublicKey }
            let key: OpaquePointer
            do {
                let builder = try ParamBuilder()
                try builder.push(ParamName.groupName, utf8: group == .p256 ? ECDomain.p256Name : ECDomain.p384Name)
                try builder.push(ParamName.publicKey, octets: bytes)
                // Decoding the point already rejects off-curve coordinates.
                key = try withPKeyContext(from: group.parameters!) { (ctx) throws(CryptoError) in
                    try builder.makeKey(context: ctx, selection: COpenSSL_EVP_PKEY_PUBLIC_KEY())
                }
            } catch {
                ERR_clear_error()
                throw .invalidPublicKey
            }
            // The quick check (on curve, not infinity) is a complete validation
            // here: P-256 and P-384 have cofactor 1, so the order check of the
            // full EVP_PKEY_public_check would only add a scalar multiplication.
            let valid = (try? withPKeyContext(from: key) { (ctx) throws(CryptoError) in EVP_PKEY_public_check_quick(ctx) == 1 }) ?? false
            guard valid else {
                EVP_PKEY_free(key)
                ERR_clear_error()
                throw .invalidPublicKey
            }
            return key
        }
    }
}
