import DTLSCrypto

/// Sealing and opening one DTLS 1.3 record (RFC 9147 4, 4.2.3): the inner
/// plaintext (content, then its real type, then zero padding) under the
/// epoch's AEAD, the unified header as additional data with the sequence
/// number in the clear, then the sequence-number bits masked with the
/// record-number key over the first 16 ciphertext bytes.
package enum RecordProtection13 {
    package static let tagLength = AESGCM.tagLength

    /// One protected record carrying `content` of `type`, sequence
    /// `sequence` of the epoch, with a 16-bit sequence number and a length.
    package static func seal(_ type: ContentType, content: [UInt8], sequence: UInt64, keys: EpochKeys13) throws(DTLSError) -> [UInt8] {
        var body = content
        body.append(type.rawValue)
        let plaintextCount = body.count
        body.append(contentsOf: repeatElement(0, count: tagLength))
        let header = UnifiedHeader(epochBits: UInt8(truncatingIfNeeded: keys.epoch), sequenceBits: UInt16(truncatingIfNeeded: sequence))
        var record = header.bytes(bodyLength: body.count)
        do throws(CryptoError) {
            try keys.aead.seal(&body, plaintext: 0..<plaintextCount, nonce: keys.nonce(sequence).span, aad: record.span)
            let (m0, m1) = try keys.numbers.mask(sample: body.span.extracting(0..<RecordNumberCipher.sampleLength))
            record[1] ^= m0
            record[2] ^= m1
        } catch {
            throw DTLSError(.internalError, alert: .internalError, "record protection: \(error)")
        }
        record += body
        return record
    }

    /// What one opened record held.
    package struct Opened: Hashable, Sendable {
        package var type: ContentType
        package var content: [UInt8]
        package var sequence: UInt64
    }

    /// Opens the record whose header and body `UnifiedHeader.parse` found
    /// in `datagram`; `expected` is the next sequence number this epoch
    /// expects (for RFC 9147 4.2.2 reconstruction). A record that does not
    /// authenticate throws `.badRecordMAC` (the caller drops it: RFC 9147
    /// 4.5.2 says invalid records are discarded, not fatal).
    package static func open(_ datagram: [UInt8], header: UnifiedHeader, body: Range<Int>, expected: UInt64,
                             keys: EpochKeys13) throws(DTLSError) -> Opened {
        guard body.count >= max(RecordNumberCipher.sampleLength, tagLength + 1) else {
            throw DTLSError(.badRecordMAC, alert: nil, "record shorter than its sequence-number sample")
        }
        var plaintext: [UInt8]
        let sequence: UInt64
        do throws(CryptoError) {
            let (m0, m1) = try keys.numbers.mask(sample: datagram.span.extracting(body.lowerBound..<(body.lowerBound + RecordNumberCipher.sampleLength)))
            var clear = header
            clear.sequenceBits = header.longSequenceNumber ? header.sequenceBits ^ (UInt16(m0) << 8 | UInt16(m1)) : header.sequenceBits ^ UInt16(m0)
            sequence = clear.reconstructSequence(expected: expected)
            let aad = clear.bytes(bodyLength: body.count)
            plaintext = Array(datagram[body])
            try keys.aead.open(&plaintext, ciphertext: 0..<(plaintext.count - tagLength), nonce: keys.nonce(sequence).span, aad: aad.span)
        } catch {
            throw DTLSError(.badRecordMAC, alert: nil, "record does not authenticate: \(error)")
        }
        plaintext.removeLast(tagLength)
        // DTLSInnerPlaintext: the last non-zero byte is the type.
        while let last = plaintext.last, last == 0 { plaintext.removeLast() }
        guard let type = plaintext.popLast() else {
            throw DTLSError(.unexpectedMessage, alert: .unexpectedMessage, "record with no content type")
        }
        return Opened(type: ContentType(rawValue: type), content: plaintext, sequence: sequence)
    }
}
