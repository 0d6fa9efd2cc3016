import DTLSCrypto

/// The TLS 1.2 key schedule with extended master secret (RFC 5246 6.3,
/// 8.1; RFC 7627 4; RFC 5705 4). Every function is pure.
public enum KeySchedule {
    /// RFC 7627: master_secret = PRF(pms, "extended master secret", session_hash)[0..47]
    public static func extendedMasterSecret(preMasterSecret: [UInt8], sessionHash: [UInt8], hash: HashAlgorithm) throws(CryptoError) -> [UInt8] {
        try TLSPRF.derive(hash, secret: preMasterSecret.span, label: Array("extended master secret".utf8).span,
                          seed: sessionHash.span, count: 48)
    }

    public struct TrafficKeys: Sendable, Hashable {
        public var clientKey: [UInt8]
        public var serverKey: [UInt8]
        public var clientSalt: [UInt8]
        public var serverSalt: [UInt8]
    }

    /// key_block = PRF(master_secret, "key expansion", server_random + client_random);
    /// AEAD suites have no MAC keys, and a 4-byte implicit IV each (RFC 5288 3).
    public static func trafficKeys(masterSecret: [UInt8], clientRandom: [UInt8], serverRandom: [UInt8],
                            keyLength: Int, hash: HashAlgorithm) throws(CryptoError) -> TrafficKeys {
        let block = try TLSPRF.derive(hash, secret: masterSecret.span, label: Array("key expansion".utf8).span,
                                      seed: (serverRandom + clientRandom).span, count: 2 * keyLength + 8)
        return TrafficKeys(
            clientKey: Array(block[0..<keyLength]),
            serverKey: Array(block[keyLength..<(2 * keyLength)]),
            clientSalt: Array(block[(2 * keyLength)..<(2 * keyLength + 4)]),
            serverSalt: Array(block[(2 * keyLength + 4)..<(2 * keyLength + 8)]))
    }

    /// verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]
    public static func finished(masterSecret: [UInt8], client: Bool, transcriptHash: [UInt8], hash: HashAlgorithm) throws(CryptoError) -> [UInt8] {
        let label = client ? "client finished" : "server finished"
        return try TLSPRF.derive(hash, secret: masterSecret.span, label: Array(label.utf8).span,
                                 seed: transcriptHash.span, count: Finished.verifyDataLength)
    }

    /// RFC 5705 exporter: PRF(master_secret, label, client_random + server_random
    /// [+ context_value_length + context_value])[length].
    public static func export(masterSecret: [UInt8], clientRandom: [UInt8], serverRandom: [UInt8],
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
