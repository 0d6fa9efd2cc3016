internal import CSRTP

/// Internal test hook: the AES-GCM cipher type libsrtp's crypto kernel
/// currently hands out, driven directly with a *session* key, IV and AAD.
///
/// The RFC 7714 section 16/17 examples are given at the session-key level.
/// `srtp_protect` always runs the RFC 3711 KDF on a master key first, so
/// those examples cannot go through an `SRTPSession`; this checks the same
/// primitive the sessions use. That is the kernel's type, not a hard-wired
/// one: the libcrypto type by default (`SRTPLibrary.backend`), libsrtp's
/// built-in (NSS) type only if `SRTPLibrary.useBuiltInCrypto()` ran first.
/// Not public API.
enum LibSRTPGCM {
    /// Returns ciphertext || 16-byte tag.
    static func seal(key: [UInt8], iv: [UInt8], aad: [UInt8], plaintext: [UInt8])
        throws(SRTPError) -> [UInt8]
    {
        var buffer = plaintext + [UInt8](repeating: 0, count: 16)
        let status: srtp_err_status_t = withCipher(key: key) { cipher in
            var iv = iv
            var status = srtp_cipher_set_iv(
                cipher, &iv, Int32(truncatingIfNeeded: srtp_direction_encrypt.rawValue))
            guard status == srtp_err_status_ok else { return status }
            status = srtp_cipher_set_aad(cipher, aad, UInt32(aad.count))
            guard status == srtp_err_status_ok else { return status }
            return buffer.withUnsafeMutableBufferPointer { bytes in
                var length = UInt32(plaintext.count)
                let status = srtp_cipher_encrypt(cipher, bytes.baseAddress, &length)
                guard status == srtp_err_status_ok else { return status }
                var tagLength: UInt32 = 0
                return srtp_cipher_get_tag(
                    cipher, bytes.baseAddress! + plaintext.count, &tagLength)
            }
        }
        guard status == srtp_err_status_ok else { throw LibSRTP.packetError(status) }
        return buffer
    }

    /// Takes ciphertext || tag, returns the plaintext or throws
    /// `.authenticationFailed`.
    static func open(key: [UInt8], iv: [UInt8], aad: [UInt8], sealed: [UInt8])
        throws(SRTPError) -> [UInt8]
    {
        guard sealed.count >= 16 else { throw .badPacket }
        var buffer = sealed
        var length = UInt32(sealed.count)
        let status: srtp_err_status_t = withCipher(key: key) { cipher in
            var iv = iv
            var status = srtp_cipher_set_iv(
                cipher, &iv, Int32(truncatingIfNeeded: srtp_direction_decrypt.rawValue))
            guard status == srtp_err_status_ok else { return status }
            status = srtp_cipher_set_aad(cipher, aad, UInt32(aad.count))
            guard status == srtp_err_status_ok else { return status }
            return buffer.withUnsafeMutableBufferPointer { bytes in
                srtp_cipher_decrypt(cipher, bytes.baseAddress, &length)
            }
        }
        guard status == srtp_err_status_ok else { throw LibSRTP.packetError(status) }
        return Array(buffer[0..<Int(length)])
    }

    private static func withCipher(
        key: [UInt8], _ body: (UnsafeMutablePointer<srtp_cipher_t>) -> srtp_err_status_t
    ) -> srtp_err_status_t {
        guard (try? LibSRTP.ensureInitialized()) != nil else { return srtp_err_status_init_fail }
        guard key.count == 16 || key.count == 32 else { return srtp_err_status_bad_param }
        // libsrtp's GCM ciphers take key || salt; the salt part is unused by
        // the cipher itself (the caller supplies the full IV).
        let keyWithSalt = key + [UInt8](repeating: 0, count: 12)
        var cipher: UnsafeMutablePointer<srtp_cipher_t>? = nil
        let type = srtp_crypto_kernel_get_cipher_type(
            srtp_cipher_type_id_t(key.count == 16 ? SRTP_AES_GCM_128 : SRTP_AES_GCM_256))
        let status = srtp_cipher_type_alloc(type, &cipher, Int32(keyWithSalt.count), 16)
        guard status == srtp_err_status_ok, let cipher else { return status }
        defer { _ = srtp_cipher_dealloc(cipher) }
        let initStatus = srtp_cipher_init(cipher, keyWithSalt)
        guard initStatus == srtp_err_status_ok else { return initStatus }
        return body(cipher)
    }
}
