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

/// The use_srtp extension body (RFC 5764 4.1.1).
///
/// ```
/// uint8 SRTPProtectionProfile[2];
/// struct {
///    SRTPProtectionProfiles SRTPProtectionProfiles;  // <2..2^16-1>
///    opaque srtp_mki<0..255>;
/// } UseSRTPData;
/// ```
package struct UseSRTPData: Hashable, Sendable {
    package var profiles: [SRTPProtectionProfile]
    package var mki: [UInt8]

    package init(profiles: [SRTPProtectionProfile], mki: [UInt8] = []) {
        self.profiles = profiles
        self.mki = mki
    }

    package init(parsing bytes: [UInt8]) throws(WireError) {
        var reader = ByteReader(bytes)
        var list = try reader.readLengthPrefixed(lengthBytes: 2)
        guard list.remaining >= 2, list.remaining % 2 == 0 else { throw .invalidValue("use_srtp profile list") }
        var profiles: [SRTPProtectionProfile] = []
        while !list.isAtEnd { profiles.append(SRTPProtectionProfile(rawValue: try list.readUInt16())) }
        self.profiles = profiles
        self.mki = try reader.readVector(lengthBytes: 1)
        try reader.expectEnd()
    }

    package var bytes: [UInt8] {
        var w = ByteWriter(capacity: 4 + 2 * profiles.count + mki.count)
        w.writeLengthPrefixed(lengthBytes: 2) { w in for p in profiles { w.writeUInt16(p.rawValue) } }
        w.writeVector(lengthBytes: 1, mki)
        return w.bytes
    }
}

extension Array where Element == HelloExtension {
    package func first(_ type: ExtensionType) -> HelloExtension? { first { $0.type == type } }
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

    // MARK: Typed views of the extensions DTLS-SRTP negotiates.

    package func supportedGroups() throws(WireError) -> [NamedGroup]? {
        guard let ext = first(.supportedGroups) else { return nil }
        return try Self.uint16List(ext.data).map(NamedGroup.init(rawValue:))
    }

    package func signatureAlgorithms() throws(WireError) -> [SignatureScheme]? {
        guard let ext = first(.signatureAlgorithms) else { return nil }
        return try Self.uint16List(ext.data).map(SignatureScheme.init(rawValue:))
    }

    package func useSRTP() throws(WireError) -> UseSRTPData? {
        guard let ext = first(.useSRTP) else { return nil }
        return try UseSRTPData(parsing: ext.data)
    }

    /// ec_point_formats (RFC 8422 5.1.2): the list must include uncompressed (0).
    package func ecPointFormats() throws(WireError) -> [UInt8]? {
        guard let ext = first(.ecPointFormats) else { return nil }
        var r = ByteReader(ext.data)
        let list = try r.readVector(lengthBytes: 1)
        try r.expectEnd()
        guard !list.isEmpty else { throw .invalidValue("empty ec_point_formats") }
        return list
    }

    /// The renegotiated_connection field; must be empty on an initial handshake.
    package func renegotiationInfo() throws(WireError) -> [UInt8]? {
        guard let ext = first(.renegotiationInfo) else { return nil }
        var r = ByteReader(ext.data)
        let value = try r.readVector(lengthBytes: 1)
        try r.expectEnd()
        return value
    }

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

extension HelloExtension {
    package static func supportedGroups(_ groups: [NamedGroup]) -> HelloExtension {
        HelloExtension(type: .supportedGroups, data: [HelloExtension].uint16ListBytes(groups.map(\.rawValue)))
    }

    package static func signatureAlgorithms(_ schemes: [SignatureScheme]) -> HelloExtension {
        HelloExtension(type: .signatureAlgorithms, data: [HelloExtension].uint16ListBytes(schemes.map(\.rawValue)))
    }

    package static func useSRTP(_ data: UseSRTPData) -> HelloExtension {
        HelloExtension(type: .useSRTP, data: data.bytes)
    }

    package static let extendedMasterSecret = HelloExtension(type: .extendedMasterSecret, data: [])
    /// An empty renegotiation_info: we never renegotiate, so the field is
    /// always the initial-handshake value (RFC 5746 3.4).
    package static let renegotiationInfoEmpty = HelloExtension(type: .renegotiationInfo, data: [0])
    /// uncompressed only (RFC 8422 5.1.2).
    package static let ecPointFormatsUncompressed = HelloExtension(type: .ecPointFormats, data: [1, 0])
}
