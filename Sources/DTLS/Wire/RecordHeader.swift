/// The 13-byte DTLS 1.2 record header (RFC 6347 4.1).
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
