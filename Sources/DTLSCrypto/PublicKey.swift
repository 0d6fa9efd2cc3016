internal import COpenSSL

/// A peer's (or our own) verification key, typically taken from a certificate.
/// `@unchecked Sendable`: immutable; EVP_PKEY verification is thread-safe.
public final class PublicKey: @unchecked Sendable {
    let pkey: OpaquePointer
    public let keyType: KeyType

    /// Takes over one reference to `pkey`.
    init(sharing pkey: OpaquePointer, keyType: KeyType) {
        self.pkey = pkey
        self.keyType = keyType
    }

    deinit { EVP_PKEY_free(pkey) }
}
