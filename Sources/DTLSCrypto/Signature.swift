internal import COpenSSL

// Signing and verification over whole messages (ServerKeyExchange params,
// CertificateVerify transcript), with libcrypto doing the hashing.

extension PrivateKey {
    /// ECDSA: DER-encoded ECDSA-Sig-Value; RSA: PKCS#1 v1.5. Hashes the message itself (EVP_DigestSign).
    ///
    /// PKCS#1 v1.5 is the RSA default padding for EVP_DigestSign, and TLS 1.2
    /// requires exactly it, so no padding parameter is set.
    public func sign(_ message: Span<UInt8>, hash: HashAlgorithm) throws(CryptoError) -> [UInt8] {
        try sign(message, hash: hash, pss: false)
    }

    /// With `pss`, RSASSA-PSS with MGF1 of the same hash and a salt of the
    /// hash's length: TLS 1.3's rsa_pss_rsae_* schemes (RFC 8446 4.2.3).
    public func sign(_ message: Span<UInt8>, hash: HashAlgorithm, pss: Bool) throws(CryptoError) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw libraryError("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        ERR_clear_error()
        return try message.withBytes { (pointer, count) throws(CryptoError) -> [UInt8] in
            var length = 0
            var pkeyContext: OpaquePointer?
            guard EVP_DigestSignInit_ex(ctx, &pkeyContext, hash.openSSLName, nil, nil, pkey, nil) == 1,
                  !pss || (EVP_PKEY_CTX_set_rsa_padding(pkeyContext, RSA_PKCS1_PSS_PADDING) == 1
                           && EVP_PKEY_CTX_set_rsa_pss_saltlen(pkeyContext, RSA_PSS_SALTLEN_DIGEST) == 1),
                  EVP_DigestSign(ctx, nil, &length, pointer, count) == 1 else {
                throw libraryError("EVP_DigestSign")
            }
            return try [UInt8](capacity: length) { (out) throws(CryptoError) -> Int in
                guard EVP_DigestSign(ctx, out, &length, pointer, count) == 1 else { throw libraryError("EVP_DigestSign") }
                return length
            }
        }
    }
}

extension PublicKey {
    /// Returns false for malformed signatures too: to the handshake every
    /// failure means the same decrypt_error alert.
    public func verify(signature: Span<UInt8>, message: Span<UInt8>, hash: HashAlgorithm) -> Bool {
        verify(signature: signature, message: message, hash: hash, pss: false)
    }

    /// With `pss`, RSASSA-PSS (MGF1 of the same hash, salt of the hash's length).
    public func verify(signature: Span<UInt8>, message: Span<UInt8>, hash: HashAlgorithm, pss: Bool) -> Bool {
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        let valid = signature.withBytes { signaturePointer, signatureCount in
            message.withBytes { messagePointer, messageCount in
                var pkeyContext: OpaquePointer?
                return EVP_DigestVerifyInit_ex(ctx, &pkeyContext, hash.openSSLName, nil, nil, pkey, nil) == 1
                    && (!pss || (EVP_PKEY_CTX_set_rsa_padding(pkeyContext, RSA_PKCS1_PSS_PADDING) == 1
                                 && EVP_PKEY_CTX_set_rsa_pss_saltlen(pkeyContext, RSA_PSS_SALTLEN_DIGEST) == 1))
                    && EVP_DigestVerify(ctx, signaturePointer, signatureCount, messagePointer, messageCount) == 1
            }
        }
        // A bad signature leaves decoding errors queued; don't let them surface later.
        if !valid { ERR_clear_error() }
        return valid
    }
}
