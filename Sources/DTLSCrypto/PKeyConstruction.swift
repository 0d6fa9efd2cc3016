internal import COpenSSL

/// Collects OSSL_PARAMs for EVP_PKEY_fromdata. BIGNUM pushes must stay alive
/// until `OSSL_PARAM_BLD_to_param`, so the builder owns them and frees them
/// together with itself.
final class ParamBuilder {
    private let builder: OpaquePointer
    private var bignums: [OpaquePointer] = []

    init() throws(CryptoError) {
        guard let builder = OSSL_PARAM_BLD_new() else { throw libraryError("OSSL_PARAM_BLD_new") }
        self.builder = builder
    }

    deinit {
        for bn in bignums { BN_free(bn) }
        OSSL_PARAM_BLD_free(builder)
    }

    /// `value` must be immortal: the built params reference it.
    func push(_ key: UnsafePointer<CChar>, utf8 value: UnsafePointer<CChar>) throws(CryptoError) {
        guard OSSL_PARAM_BLD_push_utf8_string(builder, key, value, 0) == 1 else {
            throw libraryError("OSSL_PARAM_BLD_push_utf8_string")
        }
    }

    /// Octets are copied into the built params.
    func push(_ key: UnsafePointer<CChar>, octets: Span<UInt8>) throws(CryptoError) {
        try octets.withBytes { (pointer, count) throws(CryptoError) in
            guard OSSL_PARAM_BLD_push_octet_string(builder, key, pointer, count) == 1 else {
                throw libraryError("OSSL_PARAM_BLD_push_octet_string")
            }
        }
    }

    /// Big-endian unsigned integer (OSSL_PARAM integers are native-endian,
    /// hence the detour through a BIGNUM).
    func push(_ key: UnsafePointer<CChar>, bigEndian: Span<UInt8>) throws(CryptoError) {
        let bn = try bigEndian.withBytes { (pointer, count) throws(CryptoError) -> OpaquePointer in
            guard let bn = BN_bin2bn(pointer, Int32(count), nil) else { throw libraryError("BN_bin2bn") }
            return bn
        }
        bignums.append(bn)
        guard OSSL_PARAM_BLD_push_BN(builder, key, bn) == 1 else { throw libraryError("OSSL_PARAM_BLD_push_BN") }
    }

    /// Runs EVP_PKEY_fromdata on `context` (which selects the key manager).
    func makeKey(context: OpaquePointer, selection: Int32) throws(CryptoError) -> OpaquePointer {
        guard let params = OSSL_PARAM_BLD_to_param(builder) else { throw libraryError("OSSL_PARAM_BLD_to_param") }
        defer { OSSL_PARAM_free(params) }
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_fromdata_init(context) == 1,
              EVP_PKEY_fromdata(context, &pkey, selection, params) == 1, let pkey else {
            throw libraryError("EVP_PKEY_fromdata")
        }
        return pkey
    }
}

/// EVP_PKEY_CTX whose lifetime is one scope.
@inline(__always)
func withPKeyContext<R>(from pkey: OpaquePointer, _ body: (OpaquePointer) throws(CryptoError) -> R) throws(CryptoError) -> R {
    guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { throw libraryError("EVP_PKEY_CTX_new_from_pkey") }
    defer { EVP_PKEY_CTX_free(ctx) }
    return try body(ctx)
}

@inline(__always)
func withPKeyContext<R>(named name: String, _ body: (OpaquePointer) throws(CryptoError) -> R) throws(CryptoError) -> R {
    guard let ctx = EVP_PKEY_CTX_new_from_name(nil, name, nil) else { throw libraryError("EVP_PKEY_CTX_new_from_name(\(name))") }
    defer { EVP_PKEY_CTX_free(ctx) }
    return try body(ctx)
}

/// Key generation from a parameter template (cached domain parameters), which
/// skips the key-manager fetch and group lookup on every handshake.
func generateKey(template: OpaquePointer) throws(CryptoError) -> OpaquePointer {
    try withPKeyContext(from: template) { (ctx) throws(CryptoError) -> OpaquePointer in
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_keygen_init(ctx) == 1, EVP_PKEY_generate(ctx, &pkey) == 1, let pkey else {
            throw libraryError("EVP_PKEY_generate")
        }
        return pkey
    }
}

/// Raw key agreement. `validatePeer` is off because callers validate the peer
/// themselves with a check suited to the group (cheaper than the full check
/// EVP_PKEY_derive_set_peer would run).
func deriveSharedSecret(privateKey: OpaquePointer, peer: OpaquePointer) throws(CryptoError) -> [UInt8] {
    try withPKeyContext(from: privateKey) { (ctx) throws(CryptoError) -> [UInt8] in
        var length = 0
        guard EVP_PKEY_derive_init(ctx) == 1,
              EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) == 1,
              EVP_PKEY_derive(ctx, nil, &length) == 1 else {
            throw libraryError("EVP_PKEY_derive")
        }
        return try [UInt8](capacity: length) { (out) throws(CryptoError) -> Int in
            guard EVP_PKEY_derive(ctx, out, &length) == 1 else { throw libraryError("EVP_PKEY_derive") }
            return length
        }
    }
}

/// Reads an octet-string key parameter such as the encoded public key.
func octetParameter(_ pkey: OpaquePointer, _ name: UnsafePointer<CChar>, maxLength: Int) -> [UInt8]? {
    var ok = false
    let result = [UInt8](capacity: maxLength) { (out) -> Int in
        var length = 0
        ok = EVP_PKEY_get_octet_string_param(pkey, name, out, maxLength, &length) == 1
        return ok ? length : 0
    }
    return ok ? result : nil
}

/// Reads a BIGNUM key parameter as minimal big-endian bytes.
func bigNumberParameter(_ pkey: OpaquePointer, _ name: UnsafePointer<CChar>) -> [UInt8]? {
    var bn: OpaquePointer? = nil
    guard EVP_PKEY_get_bn_param(pkey, name, &bn) == 1, let bn else { return nil }
    defer { BN_clear_free(bn) }
    return bytes(of: bn)
}
