import DTLSCrypto

/// The TLS 1.2 key schedule with extended master secret (RFC 5246 6.3,
/// 8.1; RFC 7627 4; RFC 5705 4). Every function is pure.
package enum KeySchedule {
    /// RFC 7627: master_secret = PRF(pms, "extended master secret", session_hash)[0..47]
    package static func extendedMasterSecret(preMasterSecret: [UInt8], sessionHash: [UInt8], hash: HashAlgorithm) throws(CryptoError) -> [UInt8] {
        try TLSPRF.derive(hash, secret: preMasterSecret.span, label: Array("extended master secret".utf8).span,
                          seed: sessionHash.span, count: 48)
    }

    package struct TrafficKeys: Sendable, Hashable {
        package var clientKey: [UInt8]
        package var serverKey: [UInt8]
        package var clientSalt: [UInt8]
        package var serverSalt: [UInt8]
    }

    /// key_block = PRF(master_secret, "key expansion", server_random + client_random);
    /// AEAD suites have no MAC keys, and an implicit IV each (RFC 5288 3:
    /// 4 bytes for AES-GCM).
    package static func trafficKeys(masterSecret: [UInt8], clientRandom: [UInt8], serverRandom: [UInt8],
                                    keyLength: Int, fixedIVLength: Int = 4, hash: HashAlgorithm) throws(CryptoError) -> TrafficKeys {
        let k = keyLength, iv = fixedIVLength
        let block = try TLSPRF.derive(hash, secret: masterSecret.span, label: Array("key expansion".utf8).span,
                                      seed: (serverRandom + clientRandom).span, count: 2 * k + 2 * iv)
        return TrafficKeys(
            clientKey: Array(block[0..<k]),
            serverKey: Array(block[k..<(2 * k)]),
            clientSalt: Array(block[(2 * k)..<(2 * k + iv)]),
            serverSalt: Array(block[(2 * k + iv)..<(2 * k + 2 * iv)]))
    }

    /// verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]
    package static func finished(masterSecret: [UInt8], client: Bool, transcriptHash: [UInt8], hash: HashAlgorithm) throws(CryptoError) -> [UInt8] {
        let label = client ? "client finished" : "server finished"
        return try TLSPRF.derive(hash, secret: masterSecret.span, label: Array(label.utf8).span,
                                 seed: transcriptHash.span, count: Finished.verifyDataLength)
    }

    /// RFC 5705 exporter: PRF(master_secret, label, client_random + server_random
    /// [+ context_value_length + context_value])[length].
    package static func export(masterSecret: [UInt8], clientRandom: [UInt8], serverRandom: [UInt8],
                       label: String, context: [UInt8]?, length: Int, hash: HashAlgorithm) throws(CryptoError) -> [UInt8] {
        var seed = clientRandom + serverRandom
        if let context {
            seed.append(UInt8(truncatingIfNeeded: context.count >> 8))
            seed.append(UInt8(truncatingIfNeeded: context.count))
            seed.append(contentsOf: context)
        }
        return try TLSPRF.derive(hash, secret: masterSecret.span, label: Array(label.utf8).span, seed: seed.span, count: length)
    }
}
