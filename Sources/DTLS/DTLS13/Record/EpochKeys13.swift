import DTLSCrypto

/// One direction of one DTLS 1.3 epoch (RFC 9147 4.2.3, 6.1): its AEAD
/// key and IV, its record-number key, keyed once, the nonce rule, and the
/// epoch's record counters (the next sequence number to write; the replay
/// window and the next expected sequence number when reading). The counters
/// live with the keys because they share a lifetime: a record path looks up
/// one object per record, not three dictionaries keyed by epoch.
/// TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and
/// TLS_CHACHA20_POLY1305_SHA256.
package final class EpochKeys13 {
    package let epoch: UInt64
    let aead: AESGCM
    let iv: InlineArray<12, UInt8>
    let numbers: RecordNumberCipher
    /// Writing: the sequence number of the next record sealed in this epoch.
    var nextSequence: UInt64 = 0
    /// Reading: the records seen (RFC 9147 4.5.1).
    var replay = ReplayWindow()
    /// Reading: one past the highest authenticated sequence number, for
    /// reconstructing the next record's (RFC 9147 4.2.2).
    var readNext: UInt64 = 0

    package init(epoch: UInt64, keys: KeySchedule13.TrafficKeys, usage: AESGCM.Usage, chacha: Bool = false) throws(CryptoError) {
        self.epoch = epoch
        aead = try AESGCM(algorithm: chacha ? .chacha20Poly1305 : .aesGCM, key: keys.key.span, usage: usage)
        guard keys.iv.count == 12 else { throw .malformedInput("DTLS 1.3 traffic IV must be 12 bytes") }
        var inline = InlineArray<12, UInt8>(repeating: 0)
        for i in 0..<12 { inline[i] = keys.iv[i] }
        iv = inline
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
        let nonce = inlineNonce(sequence)
        return (0..<12).map { nonce[$0] }
    }

    /// Takes the next write sequence number.
    func takeSequence() -> UInt64 {
        let sequence = nextSequence
        nextSequence = sequence &+ 1
        return sequence
    }

    /// Records an authenticated read record (after `replay.check` passed).
    func accept(_ sequence: UInt64) {
        replay.update(sequence)
        if sequence >= readNext { readNext = sequence &+ 1 }
    }
}
