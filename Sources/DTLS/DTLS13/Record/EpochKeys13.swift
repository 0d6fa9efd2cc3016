import DTLSCrypto

/// One direction of one DTLS 1.3 epoch (RFC 9147 4.2.3, 6.1): its AEAD
/// key and IV, its record-number key, keyed once, and the nonce rule.
/// TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and
/// TLS_CHACHA20_POLY1305_SHA256.
package final class EpochKeys13 {
    package let epoch: UInt64
    let aead: AESGCM
    let iv: [UInt8]
    let numbers: RecordNumberCipher

    package init(epoch: UInt64, keys: KeySchedule13.TrafficKeys, usage: AESGCM.Usage, chacha: Bool = false) throws(CryptoError) {
        self.epoch = epoch
        aead = try AESGCM(algorithm: chacha ? .chacha20Poly1305 : .aesGCM, key: keys.key.span, usage: usage)
        iv = keys.iv
        numbers = try RecordNumberCipher(kind: chacha ? .chacha20 : .aes, key: keys.sequenceNumberKey.span)
    }

    /// RFC 8446 5.3 as DTLS 1.3 uses it: the 64-bit record sequence number,
    /// left-padded to the IV's length, XORed with the IV.
    /// The same without an allocation (every suite's IV is 12 bytes).
    func inlineNonce(_ sequence: UInt64) -> InlineArray<12, UInt8> {
        var nonce = InlineArray<12, UInt8>(repeating: 0)
        for i in 0..<12 { nonce[i] = iv[i] }
        for i in 0..<8 { nonce[11 - i] ^= UInt8(truncatingIfNeeded: sequence >> (8 * UInt64(i))) }
        return nonce
    }

    func nonce(_ sequence: UInt64) -> [UInt8] {
        var nonce = iv
        for i in 0..<8 { nonce[nonce.count - 1 - i] ^= UInt8(truncatingIfNeeded: sequence >> (8 * UInt64(i))) }
        return nonce
    }
}
