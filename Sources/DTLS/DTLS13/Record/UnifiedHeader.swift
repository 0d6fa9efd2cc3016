/// The header of a protected DTLS 1.3 record (RFC 9147 4, Figure 3):
///
///     0 1 2 3 4 5 6 7
///     0 0 1 C S L E E     C: connection ID present, S: 16-bit sequence
///     [connection ID]     number (else 8), L: length present (else the
///     sequence number     record runs to the end of the datagram),
///     [length]            EE: the low two bits of the epoch
///
/// The sequence-number bits are as on the wire (encrypted, RFC 9147
/// 4.2.3) until `RecordProtection13` unmasks them. Connection IDs are not
/// negotiated here, so a header with C set is malformed.
package struct UnifiedHeader: Hashable, Sendable {
    package var epochBits: UInt8
    package var sequenceBits: UInt16
    package var longSequenceNumber: Bool
    package var hasLength: Bool

    package init(epochBits: UInt8, sequenceBits: UInt16, longSequenceNumber: Bool = true, hasLength: Bool = true) {
        self.epochBits = epochBits & 0x03
        self.sequenceBits = longSequenceNumber ? sequenceBits : sequenceBits & 0xFF
        self.longSequenceNumber = longSequenceNumber
        self.hasLength = hasLength
    }

    /// Whether a record starts with this header (first three bits 001).
    package static func starts(_ firstByte: UInt8) -> Bool { firstByte & 0xE0 == 0x20 }

    /// Header bytes on the wire.
    package var length: Int { 1 + (longSequenceNumber ? 2 : 1) + (hasLength ? 2 : 0) }

    /// The first byte.
    package var flags: UInt8 {
        0x20 | (longSequenceNumber ? 0x08 : 0) | (hasLength ? 0x04 : 0) | epochBits
    }

    /// One record in `datagram` at `offset`: its header and where its
    /// encrypted body is (up to the length field, or the datagram's end).
    package static func parse(_ datagram: [UInt8], at offset: Int) throws(WireError) -> (UnifiedHeader, body: Range<Int>) {
        guard offset < datagram.count, starts(datagram[offset]) else { throw .invalidValue("not a DTLS 1.3 record header") }
        let first = datagram[offset]
        guard first & 0x10 == 0 else { throw .invalidValue("connection ID in a record header (none negotiated)") }
        let long = first & 0x08 != 0, hasLength = first & 0x04 != 0
        var at = offset + 1
        let sequenceBytes = long ? 2 : 1
        guard at + sequenceBytes + (hasLength ? 2 : 0) <= datagram.count else { throw .truncated }
        let sequence = long ? UInt16(datagram[at]) << 8 | UInt16(datagram[at + 1]) : UInt16(datagram[at])
        at += sequenceBytes
        let end: Int
        if hasLength {
            let length = Int(datagram[at]) << 8 | Int(datagram[at + 1])
            at += 2
            guard at + length <= datagram.count else { throw .truncated }
            end = at + length
        } else {
            end = datagram.count
        }
        let header = UnifiedHeader(epochBits: first & 0x03, sequenceBits: sequence, longSequenceNumber: long, hasLength: hasLength)
        return (header, at..<end)
    }

    /// The header bytes for a body of `bodyLength` bytes.
    package func bytes(bodyLength: Int) -> [UInt8] {
        var out: [UInt8] = [flags]
        if longSequenceNumber { out.append(UInt8(sequenceBits >> 8)) }
        out.append(UInt8(truncatingIfNeeded: sequenceBits))
        if hasLength {
            out.append(UInt8(truncatingIfNeeded: bodyLength >> 8))
            out.append(UInt8(truncatingIfNeeded: bodyLength))
        }
        return out
    }

    /// RFC 9147 4.2.2: the full sequence number whose low bits are
    /// `sequenceBits` and which is closest to `expected` (the next one the
    /// receiver expects in this epoch).
    package func reconstructSequence(expected: UInt64) -> UInt64 {
        let bits: UInt64 = longSequenceNumber ? 16 : 8
        let window: UInt64 = 1 << bits
        let low = UInt64(sequenceBits)
        let start = (expected & ~(window - 1)) | low
        // Candidates one window below and above; the closest wins.
        func distance(_ candidate: UInt64) -> UInt64 { candidate > expected ? candidate - expected : expected - candidate }
        var best = start
        let below = start &- window, above = start &+ window
        if below < (1 << 48), distance(below) < distance(best) { best = below }
        if above < (1 << 48), distance(above) < distance(best) { best = above }
        return best
    }
}
