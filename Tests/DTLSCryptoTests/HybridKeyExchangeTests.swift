import DTLSCrypto
import Testing

/// X25519MLKEM768 and SecP256r1MLKEM768 (draft-ietf-tls-ecdhe-mlkem) in the
/// crypto layer: share and secret layout, agreement, and every malformed
/// share a typed error.
@Suite struct HybridKeyExchangeTests {
    @Test(arguments: [HybridGroup.x25519MLKEM768, .secp256r1MLKEM768])
    func bothSidesAgreeOnASecretOfBothParts(group: HybridGroup) throws {
        let client = try HybridClientKey(group: group)
        #expect(client.share.count == group.clientShareLength)
        let (serverShare, serverSecret) = try group.respond(toClientShare: client.share)
        #expect(serverShare.count == group.serverShareLength)
        let clientSecret = try client.sharedSecret(serverShare: serverShare)
        #expect(clientSecret == serverSecret)
        #expect(clientSecret.count == 64, "ML-KEM's 32 bytes and the ECDH part's 32")
    }

    @Test func x25519MLKEM768PutsTheEncapsulationKeyFirstAndX25519Last() throws {
        let client = try HybridClientKey(group: .x25519MLKEM768)
        #expect(HybridGroup.x25519MLKEM768.clientShareLength == 1184 + 32)
        #expect(HybridGroup.x25519MLKEM768.serverShareLength == 1088 + 32)
        #expect(Array(client.share.suffix(32)) == client.ecdhKey.publicKeyBytes)
        #expect(MLKEM768KeyPair.isValidEncapsulationKey(Array(client.share.prefix(1184))))
        // The server's X25519 part answers ours: the secret's second half is plain X25519.
        let (share, secret) = try HybridGroup.x25519MLKEM768.respond(toClientShare: client.share)
        let x25519 = try client.ecdhKey.sharedSecret(peerPublicKey: Array(share.suffix(32)).span)
        #expect(Array(secret.suffix(32)) == x25519)
    }

    @Test func secP256r1MLKEM768PutsTheECDHPartFirst() throws {
        let client = try HybridClientKey(group: .secp256r1MLKEM768)
        #expect(Array(client.share.prefix(65)) == client.ecdhKey.publicKeyBytes)
        let (share, secret) = try HybridGroup.secp256r1MLKEM768.respond(toClientShare: client.share)
        let p256 = try client.ecdhKey.sharedSecret(peerPublicKey: Array(share.prefix(65)).span)
        #expect(Array(secret.prefix(32)) == p256)
    }

    @Test func malformedClientSharesAreTypedErrors() throws {
        let good = try HybridClientKey(group: .x25519MLKEM768).share
        var badKey = good
        badKey[0] = 0xFF
        badKey[1] = 0x0F  // the first 12-bit coefficient is 4095 >= q
        var zeroPoint = good
        for i in 1184..<1216 { zeroPoint[i] = 0 }  // X25519's all-zero result
        for share in [[], Array(good.dropLast()), good + [0], badKey, zeroPoint] {
            #expect(throws: CryptoError.invalidPublicKey) { _ = try HybridGroup.x25519MLKEM768.respond(toClientShare: share) }
        }
    }

    @Test func malformedServerSharesAreTypedErrorsAndATamperedCiphertextAgreesOnNothing() throws {
        let client = try HybridClientKey(group: .x25519MLKEM768)
        var (share, secret) = try HybridGroup.x25519MLKEM768.respond(toClientShare: client.share)
        for bad in [[], Array(share.dropLast()), share + [0]] {
            #expect(throws: CryptoError.invalidPublicKey) { _ = try client.sharedSecret(serverShare: bad) }
        }
        share[100] ^= 1  // inside the ML-KEM ciphertext: implicit rejection, no error
        #expect(try client.sharedSecret(serverShare: share) != secret)
    }
}
