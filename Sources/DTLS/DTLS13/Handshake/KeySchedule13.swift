import DTLSCrypto

/// The TLS 1.3 key schedule (RFC 8446 7.1) with DTLS 1.3's label prefix
/// "dtls13" (RFC 9147 5.9: no trailing space, so DTLS and TLS keys never
/// coincide), traffic keys with the record-number key `sn` (RFC 9147
/// 4.2.3), KeyUpdate's next secret (RFC 8446 7.2) and the exporter
/// (RFC 8446 7.5). Every function is pure: secrets in, secrets out.
package enum KeySchedule13 {
    /// RFC 9147 5.9.
    package static let labelPrefix = Array("dtls13".utf8)

    /// HKDF-Expand-Label(Secret, Label, Context, Length) with the DTLS prefix:
    /// HkdfLabel = uint16 length || opaque label<7..255> || opaque context<0..255>.
    package static func expandLabel(_ hash: HashAlgorithm, secret: [UInt8], label: String, context: [UInt8],
                                    length: Int) throws(CryptoError) -> [UInt8] {
        let labelBytes = labelPrefix + Array(label.utf8)
        guard length <= 0xFFFF, labelBytes.count <= 255, context.count <= 255 else {
            throw .malformedInput("HKDF-Expand-Label field too long")
        }
        var info: [UInt8] = [UInt8(length >> 8), UInt8(truncatingIfNeeded: length), UInt8(labelBytes.count)]
        info += labelBytes
        info.append(UInt8(context.count))
        info += context
        return try HKDF.expand(hash, pseudorandomKey: secret.span, info: info.span, count: length)
    }

    /// Derive-Secret(Secret, Label, Messages) = Expand-Label(Secret, Label,
    /// Transcript-Hash(Messages), Hash.length); the caller passes the hash.
    package static func deriveSecret(_ hash: HashAlgorithm, secret: [UInt8], label: String,
                                     transcriptHash: [UInt8]) throws(CryptoError) -> [UInt8] {
        try expandLabel(hash, secret: secret, label: label, context: transcriptHash, length: hash.digestLength)
    }

    /// The hash of no messages, the context of "derived" and of the exporter.
    package static func emptyHash(_ hash: HashAlgorithm) -> [UInt8] {
        let nothing: [UInt8] = []
        return Digest.hash(hash, nothing.span)
    }

    /// Early Secret = HKDF-Extract(0, 0): no PSK.
    package static func earlySecret(_ hash: HashAlgorithm) throws(CryptoError) -> [UInt8] {
        let zeros = [UInt8](repeating: 0, count: hash.digestLength)
        return try HKDF.extract(hash, salt: zeros.span, inputKeyMaterial: zeros.span)
    }

    /// Handshake Secret = HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE).
    package static func handshakeSecret(_ hash: HashAlgorithm, sharedSecret: [UInt8]) throws(CryptoError) -> [UInt8] {
        let derived = try deriveSecret(hash, secret: try earlySecret(hash), label: "derived", transcriptHash: emptyHash(hash))
        return try HKDF.extract(hash, salt: derived.span, inputKeyMaterial: sharedSecret.span)
    }

    /// Master Secret = HKDF-Extract(Derive-Secret(Handshake, "derived", ""), 0).
    package static func masterSecret(_ hash: HashAlgorithm, handshakeSecret: [UInt8]) throws(CryptoError) -> [UInt8] {
        let derived = try deriveSecret(hash, secret: handshakeSecret, label: "derived", transcriptHash: emptyHash(hash))
        let zeros = [UInt8](repeating: 0, count: hash.digestLength)
        return try HKDF.extract(hash, salt: derived.span, inputKeyMaterial: zeros.span)
    }

    /// One direction's record protection keys from its traffic secret.
    package struct TrafficKeys: Sendable, Hashable {
        package var key: [UInt8]
        package var iv: [UInt8]
        /// The record-number encryption key (RFC 9147 4.2.3).
        package var sequenceNumberKey: [UInt8]
    }

    /// key = Expand-Label(secret, "key", "", key_length), iv = ("iv", 12),
    /// sn_key = ("sn", key_length).
    package static func trafficKeys(_ hash: HashAlgorithm, secret: [UInt8], keyLength: Int) throws(CryptoError) -> TrafficKeys {
        TrafficKeys(key: try expandLabel(hash, secret: secret, label: "key", context: [], length: keyLength),
                    iv: try expandLabel(hash, secret: secret, label: "iv", context: [], length: 12),
                    sequenceNumberKey: try expandLabel(hash, secret: secret, label: "sn", context: [], length: keyLength))
    }

    /// application_traffic_secret_N+1 = Expand-Label(secret_N, "traffic upd", "", Hash.length).
    package static func nextTrafficSecret(_ hash: HashAlgorithm, secret: [UInt8]) throws(CryptoError) -> [UInt8] {
        try expandLabel(hash, secret: secret, label: "traffic upd", context: [], length: hash.digestLength)
    }

    /// finished_key = Expand-Label(BaseKey, "finished", "", Hash.length);
    /// verify_data = HMAC(finished_key, Transcript-Hash).
    package static func finishedVerifyData(_ hash: HashAlgorithm, baseKey: [UInt8], transcriptHash: [UInt8]) throws(CryptoError) -> [UInt8] {
        let finishedKey = try expandLabel(hash, secret: baseKey, label: "finished", context: [], length: hash.digestLength)
        return HMAC.authenticate(hash, key: finishedKey.span, data: transcriptHash.span)
    }

    /// TLS-Exporter(label, context, length) = Expand-Label(Derive-Secret(
    /// exporter_master_secret, label, ""), "exporter", Hash(context), length).
    /// `EXTRACTOR-dtls_srtp` has no context: Hash of the empty string.
    package static func export(_ hash: HashAlgorithm, exporterMasterSecret: [UInt8], label: String, context: [UInt8] = [],
                               length: Int) throws(CryptoError) -> [UInt8] {
        let secret = try deriveSecret(hash, secret: exporterMasterSecret, label: label, transcriptHash: emptyHash(hash))
        return try expandLabel(hash, secret: secret, label: "exporter", context: Digest.hash(hash, context.span), length: length)
    }
}
