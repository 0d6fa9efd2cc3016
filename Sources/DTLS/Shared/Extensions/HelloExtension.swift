/// Hello extension code points used by DTLS-SRTP.
package struct ExtensionType: RawRepresentable, Hashable, Sendable {
    package let rawValue: UInt16
    package init(rawValue: UInt16) { self.rawValue = rawValue }

    package static let supportedGroups = ExtensionType(rawValue: 10)
    package static let ecPointFormats = ExtensionType(rawValue: 11)
    package static let signatureAlgorithms = ExtensionType(rawValue: 13)
    package static let useSRTP = ExtensionType(rawValue: 14)
    package static let extendedMasterSecret = ExtensionType(rawValue: 23)
    package static let sessionTicket = ExtensionType(rawValue: 35)
    package static let supportedVersions = ExtensionType(rawValue: 43)
    package static let cookie = ExtensionType(rawValue: 44)
    package static let keyShare = ExtensionType(rawValue: 51)
    package static let renegotiationInfo = ExtensionType(rawValue: 0xFF01)
}

/// One hello extension, kept as bytes so that unknown extensions (and
/// browsers' shuffled order) survive a parse/serialize round trip.
package struct HelloExtension: Hashable, Sendable {
    package var type: ExtensionType
    package var data: [UInt8]

    package init(type: ExtensionType, data: [UInt8]) {
        self.type = type
        self.data = data
    }
}

extension Array where Element == HelloExtension {
    /// The extension of this type, if present.
    package func first(_ type: ExtensionType) -> HelloExtension? { first { $0.type == type } }
    /// Whether an extension of this type is present.
    package func contains(_ type: ExtensionType) -> Bool { contains { $0.type == type } }

    /// Reads the extensions block: `Extension extensions<0..2^16-1>`.
    /// Rejects duplicates (RFC 5246 7.4.1.4) and trailing bytes.
    static func parse(_ reader: inout ByteReader) throws(WireError) -> [HelloExtension] {
        if reader.isAtEnd { return [] }
        var block = try reader.readLengthPrefixed(lengthBytes: 2)
        var out: [HelloExtension] = []
        var seen = Set<UInt16>()
        while !block.isAtEnd {
            let type = try block.readUInt16()
            let data = try block.readVector(lengthBytes: 2)
            guard seen.insert(type).inserted else { throw .duplicateExtension(type) }
            out.append(HelloExtension(type: ExtensionType(rawValue: type), data: data))
        }
        return out
    }

    func write(to writer: inout ByteWriter) {
        guard !isEmpty else { return }
        writer.writeLengthPrefixed(lengthBytes: 2) { w in
            for ext in self {
                w.writeUInt16(ext.type.rawValue)
                w.writeVector(lengthBytes: 2, ext.data)
            }
        }
    }

    /// A `uint16 list<2..2^16-2>` body (supported_groups, signature_algorithms).
    static func uint16List(_ data: [UInt8]) throws(WireError) -> [UInt16] {
        var r = ByteReader(data)
        var list = try r.readLengthPrefixed(lengthBytes: 2)
        try r.expectEnd()
        guard list.remaining % 2 == 0 else { throw .invalidValue("odd-length list") }
        var out: [UInt16] = []
        out.reserveCapacity(list.remaining / 2)
        while !list.isAtEnd { out.append(try list.readUInt16()) }
        return out
    }

    static func uint16ListBytes(_ values: [UInt16]) -> [UInt8] {
        var w = ByteWriter(capacity: 2 + 2 * values.count)
        w.writeLengthPrefixed(lengthBytes: 2) { w in for v in values { w.writeUInt16(v) } }
        return w.bytes
    }
}
