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

    // MARK: - In place (the direct record path)

    /// Seals one application-data record as the whole of `datagram` (old
    /// contents replaced, capacity reused): unified header with a 16-bit
    /// sequence number and a length, the payload, its content type, the tag.
    /// Allocation-free once the buffer has grown.
    package static func sealApplicationData(_ payload: ArraySlice<UInt8>, sequence: UInt64, keys: EpochKeys13,
                                            into datagram: inout [UInt8]) throws(DTLSError) {
        let header = UnifiedHeader(epochBits: UInt8(truncatingIfNeeded: keys.epoch), sequenceBits: UInt16(truncatingIfNeeded: sequence))
        let bodyLength = payload.count + 1 + tagLength
        datagram.removeAll(keepingCapacity: true)
        var aad = InlineArray<5, UInt8>(repeating: 0)
        aad[0] = header.flags
        aad[1] = UInt8(truncatingIfNeeded: header.sequenceBits >> 8)
        aad[2] = UInt8(truncatingIfNeeded: header.sequenceBits)
        aad[3] = UInt8(truncatingIfNeeded: bodyLength >> 8)
        aad[4] = UInt8(truncatingIfNeeded: bodyLength)
        for i in 0..<5 { datagram.append(aad[i]) }
        datagram.append(contentsOf: payload)
        datagram.append(ContentType.applicationData.rawValue)
        for _ in 0..<tagLength { datagram.append(0) }
        do throws(CryptoError) {
            // AES-GCM: AEAD and record-number mask in one call.
            if try keys.aead.sealDTLS13Record(&datagram, headerLength: 5, sequenceBytes: 2, plaintextLength: payload.count + 1,
                                              iv: keys.iv, sequence: sequence, numbers: keys.numbers) {
                return
            }
            let nonce = keys.inlineNonce(sequence)
            try keys.aead.seal(&datagram, plaintext: 5..<(5 + payload.count + 1), nonce: nonce.span, aad: aad.span)
            let (m0, m1) = try keys.numbers.mask(sample: datagram.span.extracting(5..<(5 + RecordNumberCipher.sampleLength)))
            datagram[1] ^= m0
            datagram[2] ^= m1
        } catch {
            throw DTLSError(.internalError, alert: .internalError, "record protection: \(error)")
        }
    }

    /// A record's full sequence number, from its encrypted header bits
    /// (RFC 9147 4.2.3 and 4.2.2), without touching the datagram.
    package static func sequenceNumber(of datagram: [UInt8], header: UnifiedHeader, body: Range<Int>, expected: UInt64,
                                       keys: EpochKeys13) throws(DTLSError) -> UInt64 {
        guard body.count >= max(RecordNumberCipher.sampleLength, tagLength + 1) else {
            throw DTLSError(.badRecordMAC, alert: nil, "record shorter than its sequence-number sample")
        }
        do throws(CryptoError) {
            let (m0, m1) = try keys.numbers.mask(sample: datagram.span.extracting(body.lowerBound..<(body.lowerBound + RecordNumberCipher.sampleLength)))
            var clear = header
            clear.sequenceBits = header.longSequenceNumber ? header.sequenceBits ^ (UInt16(m0) << 8 | UInt16(m1)) : header.sequenceBits ^ UInt16(m0)
            return clear.reconstructSequence(expected: expected)
        } catch {
            throw DTLSError(.badRecordMAC, alert: nil, "record number: \(error)")
        }
    }

    /// Opens the one record of `datagram` (header at 0, `body` to its end)
    /// in place; its content type and where its content now lies.
    package static func openInPlace(_ datagram: inout [UInt8], header: UnifiedHeader, body: Range<Int>, sequence: UInt64,
                                    keys: EpochKeys13) throws(DTLSError) -> (type: ContentType, content: Range<Int>) {
        var clear = header
        clear.sequenceBits = UInt16(truncatingIfNeeded: sequence) & (header.longSequenceNumber ? 0xFFFF : 0xFF)
        if body.upperBound == datagram.count, body.lowerBound == clear.length {
            // The record is the whole datagram: unmask its header in place,
            // which is then the additional data, and open in one call.
            if clear.longSequenceNumber {
                datagram[1] = UInt8(truncatingIfNeeded: clear.sequenceBits >> 8)
                datagram[2] = UInt8(truncatingIfNeeded: clear.sequenceBits)
            } else {
                datagram[1] = UInt8(truncatingIfNeeded: clear.sequenceBits)
            }
            let opened: Bool
            do throws(CryptoError) {
                opened = try keys.aead.openDTLS13Record(&datagram, headerLength: body.lowerBound, iv: keys.iv, sequence: sequence)
            } catch {
                throw DTLSError(.badRecordMAC, alert: nil, "record does not authenticate: \(error)")
            }
            if opened { return try innerPlaintext(datagram, body: body) }
        }
        var aad = InlineArray<5, UInt8>(repeating: 0)
        aad[0] = clear.flags
        var count = 1
        if clear.longSequenceNumber {
            aad[count] = UInt8(truncatingIfNeeded: clear.sequenceBits >> 8)
            count += 1
        }
        aad[count] = UInt8(truncatingIfNeeded: clear.sequenceBits)
        count += 1
        if clear.hasLength {
            aad[count] = UInt8(truncatingIfNeeded: body.count >> 8)
            aad[count + 1] = UInt8(truncatingIfNeeded: body.count)
            count += 2
        }
        let nonce = keys.inlineNonce(sequence)
        do throws(CryptoError) {
            try keys.aead.open(&datagram, ciphertext: body.lowerBound..<(body.upperBound - tagLength), nonce: nonce.span,
                               aad: aad.span.extracting(0..<count))
        } catch {
            throw DTLSError(.badRecordMAC, alert: nil, "record does not authenticate: \(error)")
        }
        return try innerPlaintext(datagram, body: body)
    }

    /// DTLSInnerPlaintext in an opened body (tag still at its end): the
    /// last non-zero byte is the type, the content is before it.
    private static func innerPlaintext(_ datagram: [UInt8], body: Range<Int>) throws(DTLSError) -> (type: ContentType, content: Range<Int>) {
        var end = body.upperBound - tagLength
        while end > body.lowerBound, datagram[end - 1] == 0 { end -= 1 }
        guard end > body.lowerBound else {
            throw DTLSError(.unexpectedMessage, alert: .unexpectedMessage, "record with no content type")
        }
        return (ContentType(rawValue: datagram[end - 1]), body.lowerBound..<(end - 1))
    }
}
