import DTLS
import DTLSCrypto

/// AES-GCM, ECDH and FFDHE vectors through DTLSCrypto.
enum CryptoChecks {
    /// kind "aead-aes-gcm": valid cases must seal to the published bytes and
    /// open back; invalid ones must be refused by `open`.
    static func aesGCM(_ c: VectorCase) throws {
        let key = try c.hex("key"), nonce = try c.hex("nonce"), aad = try c.hex("aad")
        let plaintext = try c.hex("plaintext"), sealed = try c.hex("ciphertext_and_tag")
        let result = c.has("result") ? try c.string("result") : "valid"
        switch result {
        case "valid":
            let cipher = try AESGCM(key: key.span)
            var buffer = plaintext + Array(repeating: 0, count: AESGCM.tagLength)
            try cipher.seal(&buffer, plaintext: 0..<plaintext.count, nonce: nonce.span, aad: aad.span)
            try Expect.bytes(buffer, sealed, "seal output (ciphertext || tag)")
            try Expect.that(sealed.count >= AESGCM.tagLength, "vector shorter than a tag")
            var opened = sealed
            try cipher.open(&opened, ciphertext: 0..<(sealed.count - AESGCM.tagLength), nonce: nonce.span, aad: aad.span)
            try Expect.bytes(Array(opened[0..<plaintext.count]), plaintext, "open output")
        case "invalid":
            guard sealed.count >= AESGCM.tagLength else { return }  // cannot even carry a tag: nothing to accept
            if let error = openError(key: key, nonce: nonce, aad: aad, sealed: sealed) {
                try Expect.that(error == .authenticationFailed || error == .invalidKeyLength || isMalformed(error),
                                "unexpected error for an invalid case: \(error)")
                return  // rejected, as required
            }
            throw Mismatch("invalid case accepted by AESGCM.open")
        case let other:
            throw Mismatch("result '\(other)' is not handled for AES-GCM")
        }
    }

    /// kind "ecdh-p256": raw uncompressed peer points, as in a ClientKeyExchange.
    static func ecdhP256(_ c: VectorCase) throws {
        // A span of a temporary inside a `try` expression crashes the 6.3.1
        // compiler (IRGen "Instruction does not dominate all uses"): bind it first.
        let scalar = try c.hex("private_key")
        let key = try ECDHPrivateKey(group: .p256, privateKey: scalar.span)
        let point = try c.hex("public_point")
        let shared = try c.hex("shared")
        switch try c.string("result") {
        case "valid":
            try Expect.bytes(try key.sharedSecret(peerPublicKey: point.span), shared, "shared secret")
        case "invalid":
            guard let error = sharedSecretError(key, point) else { throw Mismatch("invalid public key accepted") }
            try Expect.equal(error, CryptoError.invalidPublicKey, "error for an invalid public key")
        case "acceptable":
            if let got = try? key.sharedSecret(peerPublicKey: point.span) {
                try Expect.bytes(got, shared, "shared secret (acceptable case that was accepted)")
            }
        case let other:
            throw Mismatch("result '\(other)' is not handled")
        }
    }

    /// kind "ffdhe-group": the RFC 7919 parameters as the engine holds and uses them.
    static func ffdhe(_ c: VectorCase) throws {
        let group: FFDHEGroup
        let named: NamedGroup
        switch try c.string("group") {
        case "ffdhe2048": (group, named) = (.ffdhe2048, .ffdhe2048)
        case "ffdhe3072": (group, named) = (.ffdhe3072, .ffdhe3072)
        case "ffdhe4096": (group, named) = (.ffdhe4096, .ffdhe4096)
        case let other: throw Mismatch("unknown group '\(other)'")
        }
        let p = try c.hex("p"), g = try c.hex("g")
        switch try c.string("check") {
        case "parameters":
            try Expect.bytes(stripped(group.prime), stripped(p), "FFDHEGroup.prime")
            try Expect.bytes(stripped(group.generator), stripped(g), "FFDHEGroup.generator")
            try Expect.equal(NamedGroup(rawValue: UInt16(try c.int("named_group"))), named, "NamedGroup code point")
            try Expect.that(named.isFFDHE, "NamedGroup.isFFDHE is false")
        case "matching":
            try Expect.equal(FFDHEGroup.matching(prime: p.span, generator: g.span), group, "matching(prime:generator:)")
            let padded = [0] + p, paddedG = [0] + g
            try Expect.equal(FFDHEGroup.matching(prime: padded.span, generator: paddedG.span), group, "matching with leading zero bytes")
            let five: [UInt8] = [5]
            try Expect.equal(FFDHEGroup.matching(prime: p.span, generator: five.span), nil, "matching with g = 5")
        case "server_parameters":
            let client = try FFDHPrivateKey(prime: p.span, generator: g.span)
            try Expect.bytes(stripped(client.prime), stripped(p), "FFDHPrivateKey.prime")
            let y = client.publicKeyBytes
            try Expect.that(y.count > 1 && compare(y, p) < 0, "public value not in (1, p)")
            let server = try FFDHPrivateKey(group: group)
            let serverPublic = server.publicKeyBytes
            let a = try client.sharedSecret(peerPublicKey: serverPublic.span)
            let b = try server.sharedSecret(peerPublicKey: y.span)
            try Expect.bytes(a, b, "shared secrets of the two sides")
        case "reject_peer_value":
            let key = try FFDHPrivateKey(group: group)
            let y = try c.hex("peer_value")
            guard let error = sharedSecretError(key, y) else { throw Mismatch("peer value \(Expect.preview(y)) accepted") }
            try Expect.equal(error, CryptoError.invalidPublicKey, "error for peer value \(Expect.preview(y))")
        case "accept_peer_value":
            let key = try FFDHPrivateKey(group: group)
            let y = try c.hex("peer_value")
            let secret = try key.sharedSecret(peerPublicKey: y.span)
            try Expect.that(!secret.isEmpty, "empty shared secret")
        case let other:
            throw Mismatch("unknown check '\(other)'")
        }
    }

    /// nil if `open` accepted the input, else the error it (or the key setup) threw.
    private static func openError(key: [UInt8], nonce: [UInt8], aad: [UInt8], sealed: [UInt8]) -> CryptoError? {
        let cipher: AESGCM
        switch Result(catching: { () throws(CryptoError) -> AESGCM in try AESGCM(key: key.span) }) {
        case .success(let value): cipher = value
        case .failure(let error): return error
        }
        var opened = sealed
        let outcome = Result { () throws(CryptoError) in
            try cipher.open(&opened, ciphertext: 0..<(sealed.count - AESGCM.tagLength), nonce: nonce.span, aad: aad.span)
        }
        if case .failure(let error) = outcome { return error }
        return nil
    }

    private static func isMalformed(_ error: CryptoError) -> Bool {
        if case .malformedInput = error { true } else { false }
    }

    /// nil if the key agreement succeeded, else its error.
    private static func sharedSecretError(_ key: ECDHPrivateKey, _ peer: [UInt8]) -> CryptoError? {
        let outcome = Result { () throws(CryptoError) -> [UInt8] in try key.sharedSecret(peerPublicKey: peer.span) }
        if case .failure(let error) = outcome { return error }
        return nil
    }

    private static func sharedSecretError(_ key: FFDHPrivateKey, _ peer: [UInt8]) -> CryptoError? {
        let outcome = Result { () throws(CryptoError) -> [UInt8] in try key.sharedSecret(peerPublicKey: peer.span) }
        if case .failure(let error) = outcome { return error }
        return nil
    }

    private static func stripped(_ bytes: [UInt8]) -> [UInt8] { Array(bytes.drop { $0 == 0 }) }

    /// Big-endian magnitude comparison.
    private static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        let x = stripped(a), y = stripped(b)
        if x.count != y.count { return x.count < y.count ? -1 : 1 }
        for (u, v) in zip(x, y) where u != v { return u < v ? -1 : 1 }
        return 0
    }
}
