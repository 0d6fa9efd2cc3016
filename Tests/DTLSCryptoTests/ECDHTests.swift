import DTLSCrypto
import Testing

@Suite struct ECDHTests {
    /// DER header of a named-curve P-256 SubjectPublicKeyInfo with an
    /// uncompressed point; anything else in the Wycheproof file (explicit
    /// curve parameters, compressed points, other curves, broken ASN.1) is
    /// outside what a raw TLS ClientKeyExchange point can express.
    static let p256SPKIPrefix = [UInt8](hex: "3059301306072a8648ce3d020106082a8648ce3d030107034200")

    @Test func wycheproofP256() throws {
        let json = try Vectors.json("wycheproof/ecdh_secp256r1_test.json")
        var run = 0, skipped = 0, rejected = 0
        for group in json["testGroups"] as! [[String: Any]] {
            for t in group["tests"] as! [[String: Any]] {
                let id = t["tcId"] as! Int
                let spki = [UInt8](hex: t["public"] as! String)
                guard spki.count == Self.p256SPKIPrefix.count + 65,
                      Array(spki.prefix(Self.p256SPKIPrefix.count)) == Self.p256SPKIPrefix else {
                    skipped += 1
                    continue
                }
                let point = Array(spki.suffix(65))
                // Private scalars are DER INTEGERs: drop a sign byte, left-pad to 32.
                var scalar = [UInt8](hex: t["private"] as! String)
                while scalar.count > 32 && scalar.first == 0 { scalar.removeFirst() }
                scalar = [UInt8](repeating: 0, count: 32 - scalar.count) + scalar
                let key = try ECDHPrivateKey(group: .p256, privateKey: scalar.span)
                let result = t["result"] as! String
                run += 1
                switch result {
                case "valid":
                    let shared = try key.sharedSecret(peerPublicKey: point.span)
                    #expect(shared.hex == t["shared"] as! String, "tcId \(id)")
                case "invalid":
                    #expect(throws: CryptoError.invalidPublicKey, "tcId \(id)") {
                        try key.sharedSecret(peerPublicKey: point.span)
                    }
                    rejected += 1
                default:  // acceptable: either outcome, but a result must be right
                    if let shared = try? key.sharedSecret(peerPublicKey: point.span) {
                        #expect(shared.hex == t["shared"] as! String, "tcId \(id)")
                    }
                }
            }
        }
        // 612 cases: the ones with a plain named-curve SPKI run, the rest (InvalidAsn,
        // UnnamedCurve, WrongCurve, compressed) cannot be expressed as a raw point.
        #expect(run > 300, "ran \(run), skipped \(skipped)")
        #expect(rejected >= 16, "the InvalidCurveAttack points must be among the rejected")
    }

    @Test(arguments: [ECGroup.p256, .p384, .x25519])
    func twoPartiesAgree(group: ECGroup) throws {
        let alice = try ECDHPrivateKey(group: group)
        let bob = try ECDHPrivateKey(group: group)
        #expect(alice.group == group)
        let expectedPublicLength = group == .p384 ? 97 : (group == .p256 ? 65 : 32)
        #expect(alice.publicKeyBytes.count == expectedPublicLength)
        if group != .x25519 { #expect(alice.publicKeyBytes[0] == 0x04) }
        // A span cannot borrow a class property in place, hence the locals.
        let alicePublic = alice.publicKeyBytes, bobPublic = bob.publicKeyBytes
        let ab = try alice.sharedSecret(peerPublicKey: bobPublic.span)
        let ba = try bob.sharedSecret(peerPublicKey: alicePublic.span)
        #expect(ab == ba)
        #expect(ab.count == (group == .p384 ? 48 : 32))
        #expect(alice.publicKeyBytes != bob.publicKeyBytes)
    }

    @Test func importedP256KeyReproducesPublicPoint() throws {
        let generated = try ECDHPrivateKey(group: .p256)
        let peer = try ECDHPrivateKey(group: .p256)
        // Round-trip through a known scalar: Wycheproof tcId 1.
        let key = try ECDHPrivateKey(group: .p256, privateKey: [UInt8](hex: "0612465c89a023ab17855b0a6bcebfd3febb53aef84138647b5352e02c10c346").span)
        #expect(key.publicKeyBytes.count == 65)
        let peerPublic = peer.publicKeyBytes, keyPublic = key.publicKeyBytes
        let s1 = try key.sharedSecret(peerPublicKey: peerPublic.span)
        let s2 = try peer.sharedSecret(peerPublicKey: keyPublic.span)
        #expect(s1 == s2)
        _ = generated
    }

    @Test func invalidPointsRejected() throws {
        let key = try ECDHPrivateKey(group: .p256)
        var offCurve = try ECDHPrivateKey(group: .p256).publicKeyBytes
        offCurve[64] ^= 1
        let compressedForm = [0x02] + Array(key.publicKeyBytes[1...32])
        let cases: [[UInt8]] = [
            offCurve,
            compressedForm,
            [0x00],                                              // infinity
            [0x04] + [UInt8](repeating: 0, count: 64),           // (0, 0)
            [0x04] + [UInt8](repeating: 0xff, count: 64),        // coordinates >= p
            Array(key.publicKeyBytes.prefix(64)),                // truncated
            try ECDHPrivateKey(group: .p384).publicKeyBytes,     // wrong curve
            [],
        ]
        for bytes in cases {
            #expect(throws: CryptoError.invalidPublicKey, "\(bytes.hex)") {
                try key.sharedSecret(peerPublicKey: bytes.span)
            }
        }
    }

    @Test func x25519LowOrderPointsRejected() throws {
        let key = try ECDHPrivateKey(group: .x25519)
        let lowOrder: [[UInt8]] = [
            [UInt8](repeating: 0, count: 32),
            [1] + [UInt8](repeating: 0, count: 31),
            [UInt8](hex: "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        ]
        for point in lowOrder {
            #expect(throws: CryptoError.invalidPublicKey, "\(point.hex)") {
                try key.sharedSecret(peerPublicKey: point.span)
            }
        }
        #expect(throws: CryptoError.invalidPublicKey) {
            try key.sharedSecret(peerPublicKey: [UInt8](repeating: 9, count: 31).span)
        }
    }

    /// RFC 7748 section 6.1.
    @Test func x25519RFC7748Vector() throws {
        let alice = try ECDHPrivateKey(group: .x25519, privateKey: [UInt8](hex: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a").span)
        let bob = try ECDHPrivateKey(group: .x25519, privateKey: [UInt8](hex: "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb").span)
        #expect(alice.publicKeyBytes.hex == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        #expect(bob.publicKeyBytes.hex == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        let bobPublic = bob.publicKeyBytes
        let shared = try alice.sharedSecret(peerPublicKey: bobPublic.span)
        #expect(shared.hex == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
    }

    @Test func privateKeyImportRejectsBadScalars() {
        #expect(throws: CryptoError.invalidKeyLength) { try ECDHPrivateKey(group: .p256, privateKey: [UInt8](repeating: 1, count: 31).span) }
        #expect(throws: CryptoError.invalidKeyLength) { try ECDHPrivateKey(group: .p256, privateKey: [UInt8](repeating: 0, count: 32).span) }
        #expect(throws: CryptoError.invalidKeyLength) { try ECDHPrivateKey(group: .p256, privateKey: [UInt8](repeating: 0xff, count: 32).span) }
    }
}
