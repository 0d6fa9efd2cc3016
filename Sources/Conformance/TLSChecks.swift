import DTLS
import DTLSCrypto
import SRTP

/// TLS 1.2 PRF, key schedule and exporter vectors, through DTLSCrypto.TLSPRF and DTLS.KeySchedule.
enum TLSChecks {
    static func hash(_ c: VectorCase) throws -> HashAlgorithm {
        switch try c.string("hash") {
        case "sha256": .sha256
        case "sha384": .sha384
        case "sha512": .sha512
        case let other: throw Mismatch("hash '\(other)' is not supported by DTLSCrypto.HashAlgorithm (mark the case skip)")
        }
    }

    /// kind "tls12-prf"
    static func prf(_ c: VectorCase) throws {
        let secret = try c.hex("secret")
        let label = Array(try c.string("label").utf8)
        let seed = try c.hex("seed")
        let want = try c.hex("output")
        let got = try TLSPRF.derive(try hash(c), secret: secret.span, label: label.span, seed: seed.span, count: want.count)
        try Expect.bytes(got, want, "PRF output")
    }

    /// kind "tls12-key-schedule"
    static func keySchedule(_ c: VectorCase) throws {
        switch try c.string("op") {
        case "extended_master_secret":
            let got = try KeySchedule.extendedMasterSecret(
                preMasterSecret: try c.hex("pre_master_secret"), sessionHash: try c.hex("session_hash"), hash: try hash(c))
            try Expect.bytes(got, try c.hex("master_secret"), "extended master secret")
        case "key_block":
            let keyLength = try c.int("key_length")
            let keys = try KeySchedule.trafficKeys(
                masterSecret: try c.hex("master_secret"), clientRandom: try c.hex("client_random"),
                serverRandom: try c.hex("server_random"), keyLength: keyLength, hash: try hash(c))
            try Expect.equal(keys.clientKey.count, keyLength, "client key length")
            try Expect.equal(keys.clientSalt.count, 4, "client implicit IV length")
            let block = keys.clientKey + keys.serverKey + keys.clientSalt + keys.serverSalt
            try Expect.bytes(block, try c.hex("key_block_prefix"), "key_block (client key | server key | client IV | server IV)")
        case "x25519":
            let scalar = try c.hex("private_key")
            let key = try ECDHPrivateKey(group: .x25519, privateKey: scalar.span)
            let peer = try c.hex("peer_public_key")
            try Expect.bytes(try key.sharedSecret(peerPublicKey: peer.span), try c.hex("shared_secret"), "X25519 shared secret")
        case "transcript_hash":
            let transcript = try c.hexList("messages").reduce([], +)
            try Expect.bytes(Digest.hash(try hash(c), transcript.span), try c.hex("transcript_hash"), "transcript hash")
        case "finished":
            let got = try KeySchedule.finished(
                masterSecret: try c.hex("master_secret"), client: try c.bool("client"),
                transcriptHash: try c.hex("transcript_hash"), hash: try hash(c))
            try Expect.bytes(got, try c.hex("verify_data"), "Finished verify_data")
        case let op:
            throw Mismatch("unknown op '\(op)'")
        }
    }

    /// kind "dtls-srtp-exporter"
    static func exporter(_ c: VectorCase) throws {
        let length = try c.int("length")
        let material = try KeySchedule.export(
            masterSecret: try c.hex("master_secret"), clientRandom: try c.hex("client_random"),
            serverRandom: try c.hex("server_random"), label: try c.string("label"), context: nil,
            length: length, hash: try hash(c))
        try Expect.bytes(material, try c.hex("keying_material"), "exporter output")
        switch try c.string("op") {
        case "export":
            return
        case "srtp_split":
            try split(c, material: material, length: length)
        case let op:
            throw Mismatch("unknown op '\(op)'")
        }
    }

    /// RFC 5764 4.2: both modules agree on the length, SRTPKeyingMaterial splits it
    /// as published, and client/server SRTPTransports built from it interoperate.
    private static func split(_ c: VectorCase, material: [UInt8], length: Int) throws {
        let code = UInt16(try c.int("profile"))
        let profile = SRTPProtectionProfile(rawValue: code)
        try Expect.that(profile.isSupported, "SRTPProtectionProfile 0x\(String(code, radix: 16)) is not supported")
        try Expect.equal(profile.keyingMaterialLength, length, "SRTPProtectionProfile.keyingMaterialLength")
        let keys = try SRTPKeyingMaterial(profile: profile, exportedKeyingMaterial: material)
        try Expect.bytes(keys.clientWrite.key, try c.hex("client_write_master_key"), "client_write_SRTP_master_key")
        try Expect.bytes(keys.serverWrite.key, try c.hex("server_write_master_key"), "server_write_SRTP_master_key")
        try Expect.bytes(keys.clientWrite.salt, try c.hex("client_write_master_salt"), "client_write_SRTP_master_salt")
        try Expect.bytes(keys.serverWrite.salt, try c.hex("server_write_master_salt"), "server_write_SRTP_master_salt")
        try Expect.bytes(keys.local(isClient: true).key, keys.clientWrite.key, "client's local key")
        try Expect.bytes(keys.remote(isClient: false).key, keys.clientWrite.key, "server's remote key")

        // Both roles from the same exporter output: what the client protects,
        // the server unprotects (and the reverse), as after a real handshake.
        let client = try SRTPTransport(profile: profile, exportedKeyingMaterial: material, isClient: true)
        let server = try SRTPTransport(profile: profile, exportedKeyingMaterial: material, isClient: false)
        let rtp: [UInt8] = [0x80, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0xA0, 0x12, 0x34, 0x56, 0x78] + Array(repeating: 0xAB, count: 20)
        for (sender, receiver, what) in [(client, server, "client to server"), (server, client, "server to client")] {
            var buffer = rtp + Array(repeating: 0, count: SRTPSession.maximumTrailerLength)
            let protectedLength = try sender.protectRTP(&buffer, length: rtp.count)
            try Expect.equal(protectedLength, rtp.count + profile.rtpOverhead, "\(what): SRTP length")
            let length = try receiver.unprotectRTP(&buffer, length: protectedLength)
            try Expect.bytes(Array(buffer[0..<length]), rtp, "\(what): SRTP round trip")
        }
    }
}
