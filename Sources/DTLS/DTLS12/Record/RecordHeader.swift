/// The 13-byte DTLS 1.2 record header (RFC 6347 4.1). This file is the only
/// code that knows its layout: parsing, writing, the in-place forms the
/// record path uses, and the length patch after sealing.
///
/// ```
/// struct {
///     ContentType type;
///     ProtocolVersion version;
///     uint16 epoch;
///     uint48 sequence_number;
///     uint16 length;
///     opaque fragment[DTLSPlaintext.length];
/// } DTLSPlaintext;
/// ```
package struct RecordHeader: Hashable, Sendable {
    package static let length = 13
    /// RFC 6347 4.1: 2^14 plaintext plus 2048 of expansion.
    package static let maxFragmentLength = 16384 + 2048

    package var contentType: ContentType
    package var version: ProtocolVersion
    package var epoch: UInt16
    package var sequenceNumber: UInt64
    package var length: UInt16

    package init(contentType: ContentType, version: ProtocolVersion, epoch: UInt16, sequenceNumber: UInt64, length: UInt16) {
        self.contentType = contentType
        self.version = version
        self.epoch = epoch
        self.sequenceNumber = sequenceNumber
        self.length = length
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        contentType = ContentType(rawValue: try reader.readUInt8())
        version = ProtocolVersion(rawValue: try reader.readUInt16())
        epoch = try reader.readUInt16()
        sequenceNumber = try reader.readUInt48()
        length = try reader.readUInt16()
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeUInt8(contentType.rawValue)
        writer.writeUInt16(version.rawValue)
        writer.writeUInt16(epoch)
        writer.writeUInt48(sequenceNumber)
        writer.writeUInt16(length)
    }

    /// Appends a DTLS 1.2 header whose length is patched later.
    static func append(to buffer: inout [UInt8], type: ContentType, epoch: UInt16, sequence: UInt64) {
        let start = buffer.count
        buffer.append(contentsOf: RecordIO.zeroes[0..<length])
        write(into: &buffer, at: start, type: type, epoch: epoch, sequence: sequence)
    }

    /// Writes a DTLS 1.2 header over `buffer[start ..< start + 13]`, the
    /// length left zero for `patchLength` (by the sealer, or the writer of a
    /// plaintext record).
    static func write(into buffer: inout [UInt8], at start: Int, type: ContentType, epoch: UInt16, sequence: UInt64) {
        var span = buffer.mutableSpan
        span[start] = type.rawValue
        span[start + 1] = 0xFE
        span[start + 2] = 0xFD
        span[start + 3] = UInt8(truncatingIfNeeded: epoch >> 8)
        span[start + 4] = UInt8(truncatingIfNeeded: epoch)
        span[start + 5] = UInt8(truncatingIfNeeded: sequence >> 40)
        span[start + 6] = UInt8(truncatingIfNeeded: sequence >> 32)
        span[start + 7] = UInt8(truncatingIfNeeded: sequence >> 24)
        span[start + 8] = UInt8(truncatingIfNeeded: sequence >> 16)
        span[start + 9] = UInt8(truncatingIfNeeded: sequence >> 8)
        span[start + 10] = UInt8(truncatingIfNeeded: sequence)
        span[start + 11] = 0
        span[start + 12] = 0
    }

    /// Sets the length field of the header at `start`.
    static func patchLength(_ buffer: inout [UInt8], headerAt start: Int, length: Int) {
        buffer[start + 11] = UInt8(truncatingIfNeeded: length >> 8)
        buffer[start + 12] = UInt8(truncatingIfNeeded: length)
    }

    /// The header of a datagram that is exactly one application-data record
    /// of `epoch` with room for an AEAD's overhead, or nil.
    static func loneApplicationData(_ span: Span<UInt8>, epoch: UInt16) -> RecordHeader? {
        let count = span.count
        guard count >= length + RecordProtection.overhead,
              span[0] == ContentType.applicationData.rawValue,
              UInt16(span[3]) << 8 | UInt16(span[4]) == epoch,
              Int(span[11]) << 8 | Int(span[12]) == count - length else { return nil }
        var sequence: UInt64 = 0
        for i in 5..<11 { sequence = sequence << 8 | UInt64(span[i]) }
        return RecordHeader(contentType: .applicationData, version: ProtocolVersion(rawValue: UInt16(span[1]) << 8 | UInt16(span[2])),
                            epoch: epoch, sequenceNumber: sequence, length: UInt16(count - length))
    }
}

/// One record found in a datagram: its header and where its fragment lies.
/// Records are located, not copied (dimpl's `fragment_range`).
package struct RecordView: Sendable {
    package var header: RecordHeader
    package var fragment: Range<Int>
}

extension RecordView {
    /// Splits a datagram into records. Stops at the first record whose header
    /// or length does not fit: RFC 6347 4.1.2.7 says invalid records are
    /// discarded, and nothing after a broken length can be trusted.
    package static func split(_ datagram: [UInt8], into records: inout [RecordView]) {
        var reader = ByteReader(datagram)
        while reader.remaining >= RecordHeader.length {
            guard let header = try? RecordHeader(parsing: &reader),
                  Int(header.length) <= RecordHeader.maxFragmentLength,
                  let range = try? reader.readRange(Int(header.length))
            else { return }
            records.append(RecordView(header: header, fragment: range))
        }
    }
}
