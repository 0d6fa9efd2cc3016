/// The 12-byte DTLS handshake header (RFC 6347 4.2.2).
///
/// ```
/// struct {
///     HandshakeType msg_type;
///     uint24 length;
///     uint16 message_seq;
///     uint24 fragment_offset;
///     uint24 fragment_length;
///     ...
/// } Handshake;
/// ```
package struct HandshakeHeader: Hashable, Sendable {
    package static let length = 12

    package var type: HandshakeType
    package var length: UInt32
    package var messageSequence: UInt16
    package var fragmentOffset: UInt32
    package var fragmentLength: UInt32

    package init(type: HandshakeType, length: UInt32, messageSequence: UInt16, fragmentOffset: UInt32, fragmentLength: UInt32) {
        self.type = type
        self.length = length
        self.messageSequence = messageSequence
        self.fragmentOffset = fragmentOffset
        self.fragmentLength = fragmentLength
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        type = HandshakeType(rawValue: try reader.readUInt8())
        length = try reader.readUInt24()
        messageSequence = try reader.readUInt16()
        fragmentOffset = try reader.readUInt24()
        fragmentLength = try reader.readUInt24()
        guard UInt64(fragmentOffset) + UInt64(fragmentLength) <= UInt64(length) else {
            throw .invalidValue("fragment past message end")
        }
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeUInt8(type.rawValue)
        writer.writeUInt24(length)
        writer.writeUInt16(messageSequence)
        writer.writeUInt24(fragmentOffset)
        writer.writeUInt24(fragmentLength)
    }

    package var isUnfragmented: Bool { fragmentOffset == 0 && fragmentLength == length }

    /// Whether this fragment carries the message's last byte (or the whole
    /// of an empty message): once per copy of the message, however the
    /// sender fragmented it.
    package var endsMessage: Bool { UInt64(fragmentOffset) + UInt64(fragmentLength) == UInt64(length) }
}

/// A handshake fragment located inside a (decrypted) record fragment.
package struct HandshakeFragmentView: Sendable {
    package var header: HandshakeHeader
    package var body: Range<Int>

    /// Splits a handshake record's content into fragments; throws on any
    /// fragment whose header or body does not fit.
    package static func split(_ bytes: [UInt8], range: Range<Int>) throws(WireError) -> [HandshakeFragmentView] {
        var reader = ByteReader(bytes, range: range)
        var out: [HandshakeFragmentView] = []
        while !reader.isAtEnd {
            let header = try HandshakeHeader(parsing: &reader)
            let body = try reader.readRange(Int(header.fragmentLength))
            out.append(HandshakeFragmentView(header: header, body: body))
        }
        return out
    }
}
