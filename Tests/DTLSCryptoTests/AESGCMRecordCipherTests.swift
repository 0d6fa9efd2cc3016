import DTLSCrypto
import Testing

/// The record-interface AES-GCM must produce exactly RFC 5288 records: the
/// same bytes the generic AES-GCM produces for nonce salt || explicit and
/// the DTLS AAD, with the explicit nonce equal to epoch || sequence.
@Suite struct AESGCMRecordCipherTests {
    static let key = [UInt8](repeating: 0x11, count: 16)
    static let salt: [UInt8] = [0xA1, 0xB2, 0xC3, 0xD4]

    static func aad(_ sequence: UInt64, type: UInt8 = 23, version: UInt16 = 0xFEFD, length: Int) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: sequence >> (56 - 8 * UInt64($0))) }
            + [type, UInt8(version >> 8), UInt8(version & 0xFF), UInt8(length >> 8), UInt8(length & 0xFF)]
    }

    static func nonce(_ sequence: UInt64) -> [UInt8] {
        salt + (0..<8).map { UInt8(truncatingIfNeeded: sequence >> (56 - 8 * UInt64($0))) }
    }

    /// explicit-nonce room || plaintext || tag room
    static func record(_ plaintext: [UInt8]) -> [UInt8] {
        [UInt8](repeating: 0, count: 8) + plaintext + [UInt8](repeating: 0, count: 16)
    }

    @Test(arguments: [16, 32])
    func sealedRecordMatchesGenericAESGCMWithExplicitNonceEqualToSequence(keyLength: Int) throws {
        let key = [UInt8](repeating: 0x5C, count: keyLength)
        let sealer = try AESGCMRecordCipher(key: key.span, salt: Self.salt.span, direction: .seal)
        let generic = try AESGCM(key: key.span)
        // Consecutive sequences, then a gap and a step back (the resync path).
        for sequence: UInt64 in [1 << 48, 1 << 48 | 1, 1 << 48 | 2, 1 << 48 | 40, 1 << 48 | 7, 2 << 48] {
            let plaintext = (0..<100).map { UInt8(truncatingIfNeeded: Int(sequence) &+ $0) }
            var record = Self.record(plaintext)
            try sealer.seal(&record, fragment: 0..<record.count, sequence: sequence, contentType: 23, version: 0xFEFD)
            #expect(Array(record[0..<8]) == Array(Self.nonce(sequence)[4...]), "explicit nonce for \(sequence)")
            var expected = plaintext + [UInt8](repeating: 0, count: 16)
            try generic.seal(&expected, plaintext: 0..<plaintext.count, nonce: Self.nonce(sequence).span,
                             aad: Self.aad(sequence, length: plaintext.count).span)
            #expect(Array(record[8...]) == expected, "record body for \(sequence)")
        }
    }

    @Test func opensWhatGenericAESGCMSealed() throws {
        let opener = try AESGCMRecordCipher(key: Self.key.span, salt: Self.salt.span, direction: .open)
        let generic = try AESGCM(key: Self.key.span)
        let sequence: UInt64 = 1 << 48 | 99
        let plaintext = Array("hello record".utf8)
        var body = plaintext + [UInt8](repeating: 0, count: 16)
        try generic.seal(&body, plaintext: 0..<plaintext.count, nonce: Self.nonce(sequence).span,
                         aad: Self.aad(sequence, length: plaintext.count).span)
        var record = [0xEE] + Array(Self.nonce(sequence)[4...]) + body + [0xEE]
        let range = try opener.open(&record, fragment: 1..<(record.count - 1), sequence: sequence, contentType: 23, version: 0xFEFD)
        #expect(Array(record[range]) == plaintext)
        #expect(record.first == 0xEE && record.last == 0xEE)
    }

    @Test func emptyPlaintextRoundTrips() throws {
        let sealer = try AESGCMRecordCipher(key: Self.key.span, salt: Self.salt.span, direction: .seal)
        let opener = try AESGCMRecordCipher(key: Self.key.span, salt: Self.salt.span, direction: .open)
        var record = Self.record([])
        try sealer.seal(&record, fragment: 0..<record.count, sequence: 5, contentType: 21, version: 0xFEFD)
        let range = try opener.open(&record, fragment: 0..<record.count, sequence: 5, contentType: 21, version: 0xFEFD)
        #expect(range.isEmpty)
    }

    @Test func anyChangedByteOrHeaderFieldFailsToOpen() throws {
        let sealer = try AESGCMRecordCipher(key: Self.key.span, salt: Self.salt.span, direction: .seal)
        let opener = try AESGCMRecordCipher(key: Self.key.span, salt: Self.salt.span, direction: .open)
        var sealed = Self.record(Array(repeating: 0x42, count: 64))
        try sealer.seal(&sealed, fragment: 0..<sealed.count, sequence: 1 << 48 | 3, contentType: 23, version: 0xFEFD)
        for index in [0, 7, 8, 40, sealed.count - 16, sealed.count - 1] {
            var forged = sealed
            forged[index] ^= 1
            #expect(throws: CryptoError.authenticationFailed) {
                _ = try opener.open(&forged, fragment: 0..<forged.count, sequence: 1 << 48 | 3, contentType: 23, version: 0xFEFD)
            }
        }
        for (sequence, type, version): (UInt64, UInt8, UInt16) in [(1 << 48 | 4, 23, 0xFEFD), (1 << 48 | 3, 22, 0xFEFD), (1 << 48 | 3, 23, 0xFEFF)] {
            var copy = sealed
            #expect(throws: CryptoError.authenticationFailed) {
                _ = try opener.open(&copy, fragment: 0..<copy.count, sequence: sequence, contentType: type, version: version)
            }
        }
        // The genuine record still opens afterwards: a failure leaves no state behind.
        var genuine = sealed
        let range = try opener.open(&genuine, fragment: 0..<genuine.count, sequence: 1 << 48 | 3, contentType: 23, version: 0xFEFD)
        #expect(Array(genuine[range]) == Array(repeating: 0x42, count: 64))
    }

    @Test func badRangesAndMisuseThrowInsteadOfTrapping() throws {
        let sealer = try AESGCMRecordCipher(key: Self.key.span, salt: Self.salt.span, direction: .seal)
        let opener = try AESGCMRecordCipher(key: Self.key.span, salt: Self.salt.span, direction: .open)
        var short = [UInt8](repeating: 0, count: 23)
        #expect(throws: CryptoError.self) { try sealer.seal(&short, fragment: 0..<23, sequence: 0, contentType: 23, version: 0xFEFD) }
        #expect(throws: CryptoError.authenticationFailed) { _ = try opener.open(&short, fragment: 0..<23, sequence: 0, contentType: 23, version: 0xFEFD) }
        var buffer = [UInt8](repeating: 0, count: 40)
        #expect(throws: CryptoError.self) { try sealer.seal(&buffer, fragment: 10..<50, sequence: 0, contentType: 23, version: 0xFEFD) }
        #expect(throws: CryptoError.self) { _ = try opener.open(&buffer, fragment: 10..<50, sequence: 0, contentType: 23, version: 0xFEFD) }
        #expect(throws: CryptoError.self) { try opener.seal(&buffer, fragment: 0..<40, sequence: 0, contentType: 23, version: 0xFEFD) }
        #expect(throws: CryptoError.self) { _ = try sealer.open(&buffer, fragment: 0..<40, sequence: 0, contentType: 23, version: 0xFEFD) }
        #expect(throws: CryptoError.invalidKeyLength) { _ = try AESGCMRecordCipher(key: [UInt8](repeating: 0, count: 24).span, salt: Self.salt.span, direction: .seal) }
        #expect(throws: CryptoError.self) { _ = try AESGCMRecordCipher(key: Self.key.span, salt: [1, 2, 3].span, direction: .open) }
    }
}
