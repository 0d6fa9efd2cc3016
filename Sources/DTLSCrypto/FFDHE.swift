internal import COpenSSL

/// RFC 7919 Appendix A groups.
public enum FFDHEGroup: Sendable, Hashable, CaseIterable {
    case ffdhe2048, ffdhe3072, ffdhe4096

    /// The primes come from libcrypto's built-in RFC 7919 tables rather than a
    /// second hand-copied hex constant here (the tests compare them against
    /// the RFC values independently).
    public var prime: [UInt8] { FFDHEDomain.domain(self).prime }
    public var generator: [UInt8] { [2] }

    public static func matching(prime: Span<UInt8>, generator: Span<UInt8>) -> FFDHEGroup? {
        let p = strippingLeadingZeros(prime)
        let g = strippingLeadingZeros(generator)
        guard g == [2] else { return nil }
        return allCases.first { FFDHEDomain.domain($0).prime == p }
    }

    var name: String {
        switch self {
        case .ffdhe2048: "ffdhe2048"
        case .ffdhe3072: "ffdhe3072"
        case .ffdhe4096: "ffdhe4096"
        }
    }
}

/// Domain parameters built once per group and shared read-only (EVP_PKEYs
/// are refcounted and thread-safe to read). Named-group keys also get
/// libcrypto's short RFC 7919 exponents, which is most of the DHE speed.
private enum FFDHEDomain {
    struct Domain: @unchecked Sendable {
        let parameters: OpaquePointer
        let groupName: UnsafePointer<CChar>
        let prime: [UInt8]
    }

    static let ffdhe2048 = make(.ffdhe2048)
    static let ffdhe3072 = make(.ffdhe3072)
    static let ffdhe4096 = make(.ffdhe4096)

    static func domain(_ group: FFDHEGroup) -> Domain {
        switch group {
        case .ffdhe2048: ffdhe2048
        case .ffdhe3072: ffdhe3072
        case .ffdhe4096: ffdhe4096
        }
    }

    private static func make(_ group: FFDHEGroup) -> Domain {
        let name = immortalCString(group.name)
        do throws(CryptoError) {
            let builder = try ParamBuilder()
            try builder.push(ParamName.groupName, utf8: name)
            let parameters = try withPKeyContext(named: "DH") { (ctx) throws(CryptoError) in
                try builder.makeKey(context: ctx, selection: COpenSSL_EVP_PKEY_KEY_PARAMETERS())
            }
            guard let prime = bigNumberParameter(parameters, ParamName.ffcP) else { throw libraryError("FFC p") }
            return Domain(parameters: parameters, groupName: name, prime: prime)
        } catch {
            fatalError("cannot build \(group.name) parameters: \(error)")
        }
    }
}

/// Ephemeral finite-field DH key for DHE_RSA cipher suites.
public final class FFDHPrivateKey {
    private let pkey: OpaquePointer
    /// nil for server-chosen parameters that are not an RFC 7919 group.
    private let namedGroup: UnsafePointer<CChar>?
    public let prime: [UInt8]
    public let generator: [UInt8]
    /// Big-endian, no leading zeros.
    public let publicKeyBytes: [UInt8]

    public convenience init(group: FFDHEGroup) throws(CryptoError) {
        let domain = FFDHEDomain.domain(group)
        ERR_clear_error()
        let pkey = try generateKey(template: domain.parameters)
        try self.init(owning: pkey, namedGroup: domain.groupName, prime: domain.prime, generator: [2])
    }

    /// Arbitrary server parameters (client side of DHE_RSA). Rejects primes under minimumPrimeBits with .invalidPublicKey or .unsupportedKey, and generator outside (1, p-1).
    ///
    /// Parameters equal to an RFC 7919 group are treated as that group.
    /// Others get libcrypto's full-length private exponents: short exponents
    /// are only known to be safe for safe primes, which we cannot verify
    /// cheaply per handshake. Small primes are `.unsupportedKey` (a policy
    /// limit, not a malformed value); a bad generator is `.invalidPublicKey`.
    public convenience init(prime: Span<UInt8>, generator: Span<UInt8>, minimumPrimeBits: Int = 2048) throws(CryptoError) {
        if let group = FFDHEGroup.matching(prime: prime, generator: generator), group.primeBits >= minimumPrimeBits {
            try self.init(group: group)
            return
        }
        let p = strippingLeadingZeros(prime)
        let g = strippingLeadingZeros(generator)
        let primeBits = p.isEmpty ? 0 : p.count * 8 - p[0].leadingZeroBitCount
        guard primeBits >= minimumPrimeBits, primeBits <= 8192 else { throw .unsupportedKey }
        // An even modulus is not a DH group at all.
        guard p[p.count - 1] & 1 == 1 else { throw .invalidPublicKey }
        guard try isStrictlyBetweenOneAndPMinusOne(g.span, p.span) else { throw .invalidPublicKey }
        ERR_clear_error()
        let builder = try ParamBuilder()
        try builder.push(ParamName.ffcP, bigEndian: p.span)
        try builder.push(ParamName.ffcG, bigEndian: g.span)
        let parameters = try withPKeyContext(named: "DH") { (ctx) throws(CryptoError) in
            try builder.makeKey(context: ctx, selection: COpenSSL_EVP_PKEY_KEY_PARAMETERS())
        }
        defer { EVP_PKEY_free(parameters) }
        let pkey = try generateKey(template: parameters)
        try self.init(owning: pkey, namedGroup: nil, prime: p, generator: g)
    }

    /// Takes ownership of `pkey`.
    private init(owning pkey: OpaquePointer, namedGroup: UnsafePointer<CChar>?, prime: [UInt8], generator: [UInt8]) throws(CryptoError) {
        guard let publicKey = bigNumberParameter(pkey, ParamName.publicKey) else {
            EVP_PKEY_free(pkey)
            throw libraryError("DH public key")
        }
        self.pkey = pkey
        self.namedGroup = namedGroup
        self.prime = prime
        self.generator = generator
        self.publicKeyBytes = publicKey
    }

    deinit { EVP_PKEY_free(pkey) }

    /// Checks 1 < y < p-1 and returns the shared secret with leading zero bytes stripped (RFC 5246 8.1.2).
    ///
    /// The range check is the validation RFC 7919 section 5.1 asks for: with
    /// a safe prime it excludes the only small subgroup ({1, p-1}), so the
    /// extra exponentiation of a full y^q check buys nothing.
    public func sharedSecret(peerPublicKey: Span<UInt8>) throws(CryptoError) -> [UInt8] {
        let y = strippingLeadingZeros(peerPublicKey)
        let primeBytes = prime
        guard try isStrictlyBetweenOneAndPMinusOne(y.span, primeBytes.span) else { throw .invalidPublicKey }
        ERR_clear_error()
        let builder = try ParamBuilder()
        if let namedGroup {
            try builder.push(ParamName.groupName, utf8: namedGroup)
        } else {
            let generatorBytes = generator
            try builder.push(ParamName.ffcP, bigEndian: primeBytes.span)
            try builder.push(ParamName.ffcG, bigEndian: generatorBytes.span)
        }
        try builder.push(ParamName.publicKey, bigEndian: y.span)
        let peer: OpaquePointer
        do {
            peer = try withPKeyContext(from: pkey) { (ctx) throws(CryptoError) in
                try builder.makeKey(context: ctx, selection: COpenSSL_EVP_PKEY_PUBLIC_KEY())
            }
        } catch {
            ERR_clear_error()
            throw .invalidPublicKey
        }
        defer { EVP_PKEY_free(peer) }
        let secret = try deriveSharedSecret(privateKey: pkey, peer: peer)
        return strippingLeadingZeros(secret.span)
    }
}

extension FFDHEGroup {
    var primeBits: Int {
        switch self {
        case .ffdhe2048: 2048
        case .ffdhe3072: 3072
        case .ffdhe4096: 4096
        }
    }
}

/// 1 < value < p-1 on minimal big-endian encodings, via BIGNUM so the
/// comparison is libcrypto's.
private func isStrictlyBetweenOneAndPMinusOne(_ value: Span<UInt8>, _ p: Span<UInt8>) throws(CryptoError) -> Bool {
    guard let v = value.withBytes({ BN_bin2bn($0, Int32($1), nil) }) else { throw libraryError("BN_bin2bn") }
    defer { BN_free(v) }
    guard let pMinusOne = p.withBytes({ BN_bin2bn($0, Int32($1), nil) }) else { throw libraryError("BN_bin2bn") }
    defer { BN_free(pMinusOne) }
    guard BN_sub_word(pMinusOne, 1) == 1 else { throw libraryError("BN_sub_word") }
    return BN_cmp(v, BN_value_one()) > 0 && BN_cmp(v, pMinusOne) < 0
}
