/// ACK (RFC 9147 7): the record numbers a peer received, so the other side
/// retransmits only what is missing. Its own content type (26), not a
/// handshake message.
///
/// ```
/// struct { uint64 epoch; uint64 sequence_number; } RecordNumber;
/// struct { RecordNumber record_numbers<0..2^16-1>; } ACK;
/// ```
package struct ACK: Hashable, Sendable {
    package struct RecordNumber: Hashable, Sendable, Comparable {
        package var epoch: UInt64
        package var sequence: UInt64

        package init(epoch: UInt64, sequence: UInt64) {
            self.epoch = epoch
            self.sequence = sequence
        }

        package static func < (a: Self, b: Self) -> Bool { (a.epoch, a.sequence) < (b.epoch, b.sequence) }
    }

    package var records: [RecordNumber]

    package init(records: [RecordNumber]) { self.records = records }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        var list = try reader.readLengthPrefixed(lengthBytes: 2)
        try reader.expectEnd()
        guard list.remaining % 16 == 0 else { throw .invalidValue("ACK list of \(list.remaining) bytes") }
        records = []
        while !list.isAtEnd {
            records.append(RecordNumber(epoch: try list.readUInt64(), sequence: try list.readUInt64()))
        }
    }

    package func write(to writer: inout ByteWriter) {
        var list = ByteWriter()
        for record in records {
            list.writeUInt64(record.epoch)
            list.writeUInt64(record.sequence)
        }
        writer.writeVector(lengthBytes: 2, list.bytes)
    }
}
