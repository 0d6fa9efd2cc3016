@testable import DTLS
import DTLSCrypto
import Testing

/// The DTLS 1.3 record layer on its own (RFC 9147 4): the unified header,
/// sequence-number reconstruction, sealing and opening. The same code
/// opens real NSS 3.125 records in Vectors/nss_dtls13_sessions.json.
@Suite struct DTLS13RecordTests {
    static let secret = [UInt8](repeating: 0x5A, count: 32)

    static func keys(epoch: UInt64, usage: AESGCM.Usage) throws -> EpochKeys13 {
        let traffic = try KeySchedule13.trafficKeys(.sha256, secret: secret, keyLength: 16)
        return try EpochKeys13(epoch: epoch, keys: traffic, usage: usage)
    }

    @Test func aSealedRecordOpensWithItsTypeContentAndSequenceNumber() throws {
        let sealer = try Self.keys(epoch: 3, usage: .seal), opener = try Self.keys(epoch: 3, usage: .open)
        let record = try RecordProtection13.seal(.applicationData, content: Array("media".utf8), sequence: 0x1_0203, keys: sealer)
        #expect(record[0] == 0x2F, "001 C=0 S=1 L=1 epoch bits 11")
        let (header, body) = try UnifiedHeader.parse(record, at: 0)
        #expect(body == 5..<record.count)
        // The sequence number on the wire is masked: not 0x0203.
        #expect(header.sequenceBits != 0x0203)
        let opened = try RecordProtection13.open(record, header: header, body: body, expected: 0x1_0200, keys: opener)
        #expect(opened.type == .applicationData)
        #expect(opened.content == Array("media".utf8))
        #expect(opened.sequence == 0x1_0203)
    }

    @Test func aTamperedRecordIsABadRecordNotACrash() throws {
        let sealer = try Self.keys(epoch: 2, usage: .seal), opener = try Self.keys(epoch: 2, usage: .open)
        var record = try RecordProtection13.seal(.handshake, content: [1, 2, 3], sequence: 7, keys: sealer)
        record[record.count - 1] ^= 1
        let (header, body) = try UnifiedHeader.parse(record, at: 0)
        #expect(throws: DTLSError.self) {
            _ = try RecordProtection13.open(record, header: header, body: body, expected: 7, keys: opener)
        }
        // Shorter than the 16-byte sample.
        let short: [UInt8] = [0x2E, 0, 1, 0, 4, 1, 2, 3, 4]
        let (h2, b2) = try UnifiedHeader.parse(short, at: 0)
        #expect(throws: DTLSError.self) { _ = try RecordProtection13.open(short, header: h2, body: b2, expected: 0, keys: opener) }
    }

    /// A record as a peer may write it (RFC 9147 4): an 8-bit sequence
    /// number, no length field, the record running to the datagram's end.
    static func shortHeaderRecord(_ content: [UInt8], sequence: UInt64, keys: EpochKeys13) throws -> [UInt8] {
        var record: [UInt8] = [0x20 | UInt8(keys.epoch & 3), UInt8(truncatingIfNeeded: sequence)]
        var body = content + [ContentType.applicationData.rawValue] + [UInt8](repeating: 0, count: 16)
        try keys.aead.seal(&body, plaintext: 0..<(content.count + 1), nonce: keys.nonce(sequence).span, aad: record.span)
        let (m0, _) = try keys.numbers.mask(sample: body.span.extracting(0..<16))
        record[1] ^= m0
        return record + body
    }

    @Test func anEightBitSequenceRecordWithoutLengthOpensInPlaceAndInTheGeneralPath() throws {
        let sealer = try Self.keys(epoch: 3, usage: .seal), opener = try Self.keys(epoch: 3, usage: .open)
        let record = try Self.shortHeaderRecord(Array("short header".utf8), sequence: 0x1_02FE, keys: sealer)
        let (header, body) = try UnifiedHeader.parse(record, at: 0)
        #expect(body == 2..<record.count && !header.longSequenceNumber && !header.hasLength)
        let general = try RecordProtection13.open(record, header: header, body: body, expected: 0x1_0300, keys: opener)
        #expect(general.sequence == 0x1_02FE && general.content == Array("short header".utf8))
        let sequence = try RecordProtection13.sequenceNumber(of: record, header: header, body: body, expected: 0x1_0300, keys: opener)
        #expect(sequence == 0x1_02FE)
        var inPlace = record
        let opened = try RecordProtection13.openInPlace(&inPlace, header: header, body: body, sequence: sequence, keys: opener)
        #expect(opened.type == .applicationData && Array(inPlace[opened.content]) == Array("short header".utf8))
        // A wrong reconstruction (the nonce and the header's AAD differ) or a flipped bit fails to open.
        var wrong = record
        #expect(throws: DTLSError.self) {
            _ = try RecordProtection13.openInPlace(&wrong, header: header, body: body, sequence: sequence + 256, keys: opener)
        }
        var tampered = record
        tampered[5] ^= 0x40
        #expect(throws: DTLSError.self) {
            _ = try RecordProtection13.openInPlace(&tampered, header: header, body: body, sequence: sequence, keys: opener)
        }
    }

    /// RFC 8446 5.4: the type is the inner plaintext's last non-zero byte,
    /// whatever padding follows; a plaintext of zeros only is
    /// unexpected_message. (Found by fuzz-dtls13: a peer's record "of
    /// type 0" whose content ends in 23 is application data.)
    @Test func theInnerTypeIsTheLastNonZeroByteAndAllZerosIsUnexpected() throws {
        let sealer = try Self.keys(epoch: 3, usage: .seal), opener = try Self.keys(epoch: 3, usage: .open)
        let padded = try RecordProtection13.seal(ContentType(rawValue: 0), content: [7, 8, 23, 0, 0], sequence: 1, keys: sealer)
        let (h1, b1) = try UnifiedHeader.parse(padded, at: 0)
        let opened = try RecordProtection13.open(padded, header: h1, body: b1, expected: 1, keys: opener)
        #expect(opened.type == .applicationData && opened.content == [7, 8])
        let zeros = try RecordProtection13.seal(ContentType(rawValue: 0), content: [0, 0, 0], sequence: 2, keys: sealer)
        let (h2, b2) = try UnifiedHeader.parse(zeros, at: 0)
        let error = #expect(throws: DTLSError.self) {
            _ = try RecordProtection13.open(zeros, header: h2, body: b2, expected: 2, keys: opener)
        }
        #expect(error?.code == .unexpectedMessage && error?.alert == .unexpectedMessage)
    }

    @Test func headersWithAConnectionIDOrAnOverrunningLengthAreMalformed() {
        #expect(throws: WireError.self) { _ = try UnifiedHeader.parse([0x3C, 0, 0, 0, 0], at: 0) }  // C bit
        #expect(throws: WireError.self) { _ = try UnifiedHeader.parse([0x2C, 0, 0, 0, 9, 1], at: 0) }  // length 9, 1 byte
        #expect(throws: WireError.self) { _ = try UnifiedHeader.parse([0x2C, 0], at: 0) }  // truncated
        #expect(throws: WireError.self) { _ = try UnifiedHeader.parse([0x16, 0xFE, 0xFD], at: 0) }  // not 001xxxxx
    }

    @Test func anEightBitSequenceWithoutLengthRunsToTheDatagramsEnd() throws {
        let (header, body) = try UnifiedHeader.parse([0x22, 0x80, 9, 9, 9], at: 0)
        #expect(!header.longSequenceNumber && !header.hasLength)
        #expect(header.epochBits == 2)
        #expect(body == 2..<5)
    }

    @Test(arguments: [
        // (low bits, 16-bit?, expected next, reconstructed): RFC 9147 4.2.2, the closest to the next expected.
        (UInt16(0x0005), true, UInt64(0x1_0003), UInt64(0x1_0005)),
        (UInt16(0xFFFE), true, UInt64(0x1_0002), UInt64(0x0_FFFE)),
        (UInt16(0x0001), true, UInt64(0x0_FFFF), UInt64(0x1_0001)),
        (UInt16(0x10), false, UInt64(0x1F5), UInt64(0x210)),
        (UInt16(0xF0), false, UInt64(0x205), UInt64(0x1F0)),
        (UInt16(0x00), true, UInt64(0), UInt64(0)),
    ])
    func theFullSequenceNumberIsTheOneClosestToTheNextExpected(bits: UInt16, long: Bool, expected: UInt64, full: UInt64) {
        let header = UnifiedHeader(epochBits: 3, sequenceBits: bits, longSequenceNumber: long)
        #expect(header.reconstructSequence(expected: expected) == full)
    }
}
