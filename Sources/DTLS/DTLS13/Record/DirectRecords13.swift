/// The direct record path of DTLS 1.3 (see `DTLSConnection`'s): seal into
/// the caller's datagram, open a received one where it lies.
extension DTLS13Engine {
    /// What `openApplicationData(in:)` did with a datagram.
    package enum DirectOpen: Sendable, Hashable {
        /// The plaintext of its one application-data record, in place.
        case plaintext(Range<Int>)
        /// A replayed or unauthenticated record, dropped and counted.
        case dropped
        /// An authenticated record for the engine (an ACK, a KeyUpdate, an
        /// alert), opened in place and taken: its output is queued.
        case handled
        /// Not one record of the newest application epoch: untouched.
        case general
    }

    /// Seals `payload` as one application-data record of the current write
    /// epoch that becomes the whole of `datagram`.
    package func sealApplicationData(_ payload: ArraySlice<UInt8>, into datagram: inout [UInt8]) throws(DTLSError) {
        guard phase == .connected, let keys = writeKeys, keys.epoch >= 3 else {
            throw DTLSError(.notConnected, alert: nil, "send before the handshake completed")
        }
        let maxPayload = min(16384, max(config.mtu, 1500) - Self.recordOverhead(epoch: keys.epoch))
        guard payload.count <= maxPayload else {
            throw DTLSError(.messageTooLarge, alert: nil, "\(payload.count) bytes exceed one record (\(maxPayload))")
        }
        try RecordProtection13.sealApplicationData(payload, sequence: keys.nextSequence, keys: keys, into: &datagram)
        keys.nextSequence &+= 1
    }

    /// Opens `datagram` in place when it is one record of the newest read
    /// epoch; the replay window, the tag and the record number are checked
    /// as on the general path.
    package func openApplicationData(in datagram: inout [UInt8]) -> DirectOpen {
        guard phase == .connected, let keys = newestReadKeys, let first = datagram.first, UnifiedHeader.starts(first),
              let (header, body) = try? UnifiedHeader.parse(datagram, at: 0), body.upperBound == datagram.count,
              UInt64(header.epochBits) == keys.epoch & 3
        else { return .general }
        let epoch = keys.epoch
        guard let sequence = try? RecordProtection13.sequenceNumber(of: datagram, header: header, body: body,
                                                                    expected: keys.readNext, keys: keys),
              keys.replay.check(sequence)
        else {
            droppedRecords += 1
            return .dropped
        }
        let opened: (type: ContentType, content: Range<Int>)
        do { opened = try RecordProtection13.openInPlace(&datagram, header: header, body: body, sequence: sequence, keys: keys) } catch {
            droppedRecords += 1
            return .dropped
        }
        guard opened.type == .applicationData else {
            // Rare (an ACK, a KeyUpdate, an alert): the general handling, at the last input's instant.
            let record = RecordProtection13.Opened(type: opened.type, content: Array(datagram[opened.content]), sequence: sequence)
            if let now = lastInput, let taken = try? take(record, epoch: epoch, keys: keys, now: now), taken == .acknowledge { sendACK() }
            return .handled
        }
        keys.accept(sequence)
        return .plaintext(opened.content)
    }
}
