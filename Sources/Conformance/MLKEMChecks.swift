import DTLS
import DTLSCrypto

/// ML-KEM-768 (FIPS 203) through `DTLSCrypto.MLKEM768KeyPair`, the layer over
/// swift-crypto the hybrid key exchange uses.
enum MLKEMChecks {
    /// kind "mlkem768".
    static func check(_ c: VectorCase) throws {
        switch try c.string("op") {
        case "keygen":
            let key = try MLKEM768KeyPair(seed: try c.hex("seed"))
            try Expect.bytes(key.encapsulationKey, try c.hex("ek"), "encapsulation key from the seed")
        case "decaps":
            let seed = try c.hex("seed")
            let key = try MLKEM768KeyPair(seed: seed)
            let ciphertext = try c.hex("ciphertext")
            try Expect.bytes(try key.decapsulate(ciphertext), try c.hex("shared_secret"), "decapsulated shared secret")
            // Implicit rejection: another ciphertext yields J(z || c) (FIPS 203 Algorithm 18),
            // the vector's value and SHAKE256 computed here through libcrypto.
            let invalid = try c.hex("invalid_ciphertext")
            let rejected = try key.decapsulate(invalid)
            try Expect.bytes(rejected, try c.hex("rejection_secret"), "implicit rejection secret")
            try Expect.bytes(rejected, Digest.shake256((Array(seed[32...]) + invalid).span, outputLength: 32), "J(z || c) by SHAKE256")
            // And an encapsulation to this key opens with it.
            let (sealed, secret) = try MLKEM768KeyPair.encapsulate(to: key.encapsulationKey)
            try Expect.bytes(try key.decapsulate(sealed), secret, "round trip of an encapsulation to the vector's key")
        case "valid_ek":
            try Expect.that(MLKEM768KeyPair.isValidEncapsulationKey(try c.hex("ek")), "a valid encapsulation key was refused")
        case "invalid_eks":
            let base = try c.hex("base")
            guard let patches = c.fields["patches"] as? [[[Int]]], !patches.isEmpty else { throw Mismatch("no patches") }
            for (index, patch) in patches.enumerated() {
                var key = base
                for pair in patch where pair.count == 2 { key[pair[0]] = UInt8(pair[1]) }
                try Expect.that(!MLKEM768KeyPair.isValidEncapsulationKey(key), "bad encapsulation key \(index) accepted")
                do {
                    _ = try MLKEM768KeyPair.encapsulate(to: key)
                    throw Mismatch("encapsulation to bad key \(index) succeeded")
                } catch let error as CryptoError {
                    try Expect.equal(error, CryptoError.invalidPublicKey, "error for bad key \(index)")
                }
            }
        case "client_hello_shares":
            try clientHelloShares(c)
        case let other:
            throw Mismatch("op '\(other)' is not handled for ML-KEM-768")
        }
    }
}

extension MLKEMChecks {
    /// op "client_hello_shares": a recorded ClientHello's hybrid key share.
    static func clientHelloShares(_ c: VectorCase) throws {
        var collector = ClientHelloCollector(maxBytes: 8192)
        var complete: ClientHelloCollector.Complete?
        for datagram in try c.hexList("datagrams") {
            if case .complete(let hello) = collector.add(datagram) { complete = hello }
        }
        guard let hello = complete?.hello else { throw Mismatch("the datagrams hold no whole ClientHello") }
        let shares = try hello.extensions.clientKeyShares() ?? []
        guard let hybrid = shares.first(where: { $0.group == .x25519MLKEM768 })?.keyExchange,
              let x25519 = shares.first(where: { $0.group == .x25519 })?.keyExchange else {
            throw Mismatch("no X25519MLKEM768 and X25519 shares: \(shares.map(\.group))")
        }
        try Expect.equal(hybrid.count, 1184 + 32, "X25519MLKEM768 share length")
        try Expect.that(MLKEM768KeyPair.isValidEncapsulationKey(Array(hybrid.prefix(1184))), "the share's encapsulation key fails FIPS 203's check")
        try Expect.bytes(Array(hybrid.suffix(32)), x25519, "the hybrid share's X25519 part and the X25519 share")
        let answer = try HybridGroup.x25519MLKEM768.respond(toClientShare: hybrid)
        try Expect.equal(answer.share.count, 1088 + 32, "our server's X25519MLKEM768 share length")
        try Expect.equal(answer.sharedSecret.count, 64, "shared secret length")
    }
}
