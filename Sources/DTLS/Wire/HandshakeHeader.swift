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
public struct HandshakeHeader: Hashable, Sendable {
    public static let length = 12

    public var type: HandshakeType
    public var length: UInt32
    public var messageSequence: UInt16
    public var fragmentOffset: UInt32
    public var fragmentLength: UInt32

    public init(type: HandshakeType, length: UInt32, messageSequence: UInt16, fragmentOffset: UInt32, fragmentLength: UInt32) {
        self.type = type
        self.length = length
        self.messageSequence = messageSequence
        self.fragmentOffset = fragmentOffset
        self.fragmentLength = fragmentLength
    }

    public init(parsing reader: inout ByteReader) throws(WireError) {
        type = HandshakeType(rawValue: try reader.readUInt8())
        length = try reader.readUInt24()
        messageSequence = try reader.readUInt16()
        fragmentOffset = try reader.readUInt24()
        fragmentLength = try reader.readUInt24()
        guard UInt64(fragmentOffset) + UInt64(fragmentLength) <= UInt64(length) else {
            throw .invalidValue("fragment past message end")
        }
    }

    public func write(to writer: inout ByteWriter) {
        writer.writeUInt8(type.rawValue)
        writer.writeUInt24(length)
        writer.writeUInt16(messageSequence)
        writer.writeUInt24(fragmentOffset)
        writer.writeUInt24(fragmentLength)
    }

    public var isUnfragmented: Bool { fragmentOffset == 0 && fragmentLength == length }

    /// Whether this fragment carries the message's last byte (or the whole
    /// of an empty message): once per copy of the message, however the
    /// sender fragmented it.
    public var endsMessage: Bool { UInt64(fragmentOffset) + UInt64(fragmentLength) == UInt64(length) }
}

/// A handshake fragment located inside a (decrypted) record fragment.
public struct HandshakeFragmentView: Sendable {
    public var header: HandshakeHeader
    public var body: Range<Int>

    /// Splits a handshake record's content into fragments; throws on any
    /// fragment whose header or body does not fit.
    public static func split(_ bytes: [UInt8], range: Range<Int>) throws(WireError) -> [HandshakeFragmentView] {
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
