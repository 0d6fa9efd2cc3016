import DTLSCrypto
import Testing

@Suite struct AESGCMTests {
    struct Case {
        let id: Int, key: [UInt8], iv: [UInt8], aad: [UInt8], msg: [UInt8], ct: [UInt8], tag: [UInt8], valid: Bool
    }

    /// Wycheproof cases our API expresses: 12-byte nonce, 128-bit tag, 16/32-byte key.
    static func wycheproofCases() throws -> [Case] {
        let json = try Vectors.json("wycheproof/aes_gcm_test.json")
        var cases: [Case] = []
        for group in json["testGroups"] as! [[String: Any]] {
            guard group["ivSize"] as? Int == 96, group["tagSize"] as? Int == 128,
                  [128, 256].contains(group["keySize"] as? Int ?? 0) else { continue }
            for t in group["tests"] as! [[String: Any]] {
                cases.append(Case(
                    id: t["tcId"] as! Int,
                    key: [UInt8](hex: t["key"] as! String), iv: [UInt8](hex: t["iv"] as! String),
                    aad: [UInt8](hex: t["aad"] as! String), msg: [UInt8](hex: t["msg"] as! String),
                    ct: [UInt8](hex: t["ct"] as! String), tag: [UInt8](hex: t["tag"] as! String),
                    valid: (t["result"] as! String) == "valid"))
            }
        }
        return cases
    }

    @Test func wycheproofValidCasesSealAndOpen() throws {
        let cases = try Self.wycheproofCases().filter(\.valid)
        #expect(cases.count > 50)
        for c in cases {
            let gcm = try AESGCM(key: c.key.span)
            var buffer = c.msg + [UInt8](repeating: 0, count: AESGCM.tagLength)
            try gcm.seal(&buffer, plaintext: 0..<c.msg.count, nonce: c.iv.span, aad: c.aad.span)
            #expect(buffer == c.ct + c.tag, "tcId \(c.id) seal")
            var sealed = c.ct + c.tag
            try gcm.open(&sealed, ciphertext: 0..<c.ct.count, nonce: c.iv.span, aad: c.aad.span)
            #expect(Array(sealed[0..<c.ct.count]) == c.msg, "tcId \(c.id) open")
        }
    }

    @Test func wycheproofInvalidCasesRejected() throws {
        let cases = try Self.wycheproofCases().filter { !$0.valid }
        #expect(cases.count > 10)
        for c in cases {
            let gcm = try AESGCM(key: c.key.span)
            var sealed = c.ct + c.tag
            #expect(throws: CryptoError.authenticationFailed, "tcId \(c.id)") {
                try gcm.open(&sealed, ciphertext: 0..<c.ct.count, nonce: c.iv.span, aad: c.aad.span)
            }
        }
    }

    @Test(arguments: [16, 32]) func sealThenOpenInPlaceWithOffsetRoundTrips(keyLength: Int) throws {
        let key = SecureRandom.bytes(keyLength)
        let sender = try AESGCM(key: key.span)
        let receiver = try AESGCM(key: key.span)
        let header: [UInt8] = Array(0..<13)
        let payload = SecureRandom.bytes(1200)
        // Record layout: 13-byte header, 8-byte explicit nonce, payload, tag.
        var record = header + [UInt8](repeating: 0, count: 8) + payload + [UInt8](repeating: 0, count: 16)
        for sequence in 0..<3 {
            let nonce: [UInt8] = [1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, UInt8(sequence)]
            var buffer = record
            try sender.seal(&buffer, plaintext: 21..<1221, nonce: nonce.span, aad: header.span)
            #expect(Array(buffer[21..<1221]) != payload)
            try receiver.open(&buffer, ciphertext: 21..<1221, nonce: nonce.span, aad: header.span)
            #expect(Array(buffer[21..<1221]) == payload)
            #expect(Array(buffer[0..<13]) == header)
        }
        record[0] = 0  // silence "never mutated"
    }

    @Test func emptyPlaintextProducesTagOnly() throws {
        let gcm = try AESGCM(key: [UInt8](repeating: 7, count: 16).span)
        var buffer = [UInt8](repeating: 0, count: 16)
        let nonce = [UInt8](repeating: 1, count: 12)
        try gcm.seal(&buffer, plaintext: 0..<0, nonce: nonce.span, aad: [UInt8]().span)
        try gcm.open(&buffer, ciphertext: 0..<0, nonce: nonce.span, aad: [UInt8]().span)
    }

    @Test func tamperedTagCiphertextOrAADRejected() throws {
        let gcm = try AESGCM(key: [UInt8](repeating: 9, count: 16).span)
        let nonce = [UInt8](repeating: 2, count: 12)
        let aad: [UInt8] = [23, 254, 253]
        var sealed = [UInt8](repeating: 0x41, count: 64) + [UInt8](repeating: 0, count: 16)
        try gcm.seal(&sealed, plaintext: 0..<64, nonce: nonce.span, aad: aad.span)
        for index in [0, 63, 64, 79] {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: CryptoError.authenticationFailed) {
                try gcm.open(&tampered, ciphertext: 0..<64, nonce: nonce.span, aad: aad.span)
            }
        }
        var copy = sealed
        #expect(throws: CryptoError.authenticationFailed) {
            try gcm.open(&copy, ciphertext: 0..<64, nonce: nonce.span, aad: [23, 254, 252].span)
        }
        // The context stays usable after a forgery.
        copy = sealed
        try gcm.open(&copy, ciphertext: 0..<64, nonce: nonce.span, aad: aad.span)
        #expect(Array(copy[0..<64]) == [UInt8](repeating: 0x41, count: 64))
    }

    @Test func badKeyNonceAndRangeRejected() throws {
        #expect(throws: CryptoError.invalidKeyLength) { try AESGCM(key: [UInt8](repeating: 0, count: 24).span) }
        #expect(throws: CryptoError.invalidKeyLength) { try AESGCM(key: [UInt8]().span) }
        let gcm = try AESGCM(key: [UInt8](repeating: 0, count: 16).span)
        var buffer = [UInt8](repeating: 0, count: 20)
        #expect(throws: CryptoError.self) {
            try gcm.seal(&buffer, plaintext: 0..<8, nonce: [UInt8](repeating: 0, count: 8).span, aad: [UInt8]().span)
        }
        #expect(throws: CryptoError.self) {
            try gcm.seal(&buffer, plaintext: 0..<5, nonce: [UInt8](repeating: 0, count: 12).span, aad: [UInt8]().span)
        }
    }
}
