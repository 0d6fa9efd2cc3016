import DTLSCrypto
import Testing

@Suite struct FFDHETests {
    /// RFC 3526 group 14 (2048-bit MODP): a real 2048-bit safe prime that is
    /// not an RFC 7919 group, to exercise the server-chosen-parameters path.
    /// Dumped once with `openssl genpkey -genparam -algorithm DH -pkeyopt group:modp_2048 | openssl asn1parse`.
    static let modp2048 = [UInt8](hex: "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF")
    /// RFC 2409 Oakley group 2, 1024 bits: too small.
    static let modp1024 = [UInt8](hex: "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF")

    @Test func primesMatchRFC7919VectorFile() throws {
        let json = try Vectors.json("rfc7919_ffdhe.json")
        for (name, group) in [("ffdhe2048", FFDHEGroup.ffdhe2048), ("ffdhe3072", .ffdhe3072)] {
            let entry = try #require(json[name] as? [String: Any])
            let p = [UInt8](hex: entry["p"] as! String)
            #expect(group.prime == p, "\(name)")
            #expect(group.generator == [2])
            let generator: [UInt8] = [2]
            #expect(FFDHEGroup.matching(prime: p.span, generator: generator.span) == group)
            // Leading zero bytes are tolerated (as in a padded ServerKeyExchange).
            let padded = [0] + p
            #expect(FFDHEGroup.matching(prime: padded.span, generator: [0, 2].span) == group)
            #expect(FFDHEGroup.matching(prime: p.span, generator: [5].span) == nil)
        }
        #expect(FFDHEGroup.ffdhe4096.prime.count == 512)
        #expect(FFDHEGroup.matching(prime: Self.modp2048.span, generator: [2].span) == nil)
    }

    @Test(arguments: FFDHEGroup.allCases)
    func twoPartiesAgree(group: FFDHEGroup) throws {
        let server = try FFDHPrivateKey(group: group)
        let client = try FFDHPrivateKey(prime: group.prime.span, generator: group.generator.span)
        #expect(client.prime == group.prime && client.generator == [2])
        let serverPublic = server.publicKeyBytes, clientPublic = client.publicKeyBytes
        #expect(serverPublic.first != 0 && serverPublic.count <= group.prime.count)
        let a = try server.sharedSecret(peerPublicKey: clientPublic.span)
        let b = try client.sharedSecret(peerPublicKey: serverPublic.span)
        #expect(a == b)
        #expect(a.first != 0)
        // A peer value with leading zero padding is the same number.
        let padded = [0, 0] + clientPublic
        #expect(try server.sharedSecret(peerPublicKey: padded.span) == a)
    }

    @Test func customServerParametersAgree() throws {
        let generator: [UInt8] = [2]
        let server = try FFDHPrivateKey(prime: Self.modp2048.span, generator: generator.span)
        let client = try FFDHPrivateKey(prime: Self.modp2048.span, generator: generator.span)
        let serverPublic = server.publicKeyBytes, clientPublic = client.publicKeyBytes
        let a = try server.sharedSecret(peerPublicKey: clientPublic.span)
        let b = try client.sharedSecret(peerPublicKey: serverPublic.span)
        #expect(a == b && !a.isEmpty)
    }

    @Test func smallPrimeRejected() {
        #expect(throws: CryptoError.unsupportedKey) {
            try FFDHPrivateKey(prime: Self.modp1024.span, generator: [2].span)
        }
        // ffdhe2048 itself is refused when the caller demands more.
        #expect(throws: CryptoError.unsupportedKey) {
            try FFDHPrivateKey(prime: FFDHEGroup.ffdhe2048.prime.span, generator: [2].span, minimumPrimeBits: 3072)
        }
        #expect(throws: CryptoError.unsupportedKey) { try FFDHPrivateKey(prime: [UInt8]().span, generator: [2].span) }
    }

    @Test func generatorOutsideRangeRejected() {
        var pMinusOne = Self.modp2048
        pMinusOne[pMinusOne.count - 1] -= 1
        for g in [[0], [1], pMinusOne, Self.modp2048, [UInt8]()] as [[UInt8]] {
            #expect(throws: CryptoError.invalidPublicKey) {
                try FFDHPrivateKey(prime: Self.modp2048.span, generator: g.span)
            }
        }
    }

    @Test(arguments: [FFDHEGroup.ffdhe2048, .ffdhe3072])
    func peerValuesOutOfRangeRejected(group: FFDHEGroup) throws {
        let key = try FFDHPrivateKey(group: group)
        var pMinusOne = group.prime
        pMinusOne[pMinusOne.count - 1] -= 1
        // Above p: RFC 7919 primes are 2^b - 1 - ..., so 2^b is larger.
        let pPlusOne = [1] + [UInt8](repeating: 0, count: group.prime.count)
        let bad: [[UInt8]] = [[], [0], [1], [0, 1], pMinusOne, group.prime, pPlusOne]
        for y in bad {
            #expect(throws: CryptoError.invalidPublicKey, "y=\(Array(y.prefix(4)).hex)…(\(y.count) bytes)") {
                try key.sharedSecret(peerPublicKey: y.span)
            }
        }
        // 2 and p-2 are inside the range.
        var pMinusTwo = group.prime
        pMinusTwo[pMinusTwo.count - 1] -= 2
        _ = try key.sharedSecret(peerPublicKey: [2].span)
        _ = try key.sharedSecret(peerPublicKey: pMinusTwo.span)
    }
}
