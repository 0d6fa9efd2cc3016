/// key_share (RFC 8446 4.2.8): the (EC)DHE or hybrid shares. In a
/// ClientHello a list of entries; in a ServerHello the one entry the server
/// answered; in a HelloRetryRequest only the group it wants.
package struct KeyShareEntry: Hashable, Sendable {
    package var group: NamedGroup
    package var keyExchange: [UInt8]

    package init(group: NamedGroup, keyExchange: [UInt8]) {
        self.group = group
        self.keyExchange = keyExchange
    }

    init(parsing reader: inout ByteReader) throws(WireError) {
        group = NamedGroup(rawValue: try reader.readUInt16())
        keyExchange = try reader.readVector(lengthBytes: 2)
        guard !keyExchange.isEmpty else { throw .invalidValue("empty key_exchange") }
    }

    func write(to writer: inout ByteWriter) {
        writer.writeUInt16(group.rawValue)
        writer.writeVector(lengthBytes: 2, keyExchange)
    }
}

extension HelloExtension {
    /// A ClientHello's key_share with these entries.
    package static func clientKeyShares(_ entries: [KeyShareEntry]) -> HelloExtension {
        var list = ByteWriter()
        for entry in entries { entry.write(to: &list) }
        var writer = ByteWriter()
        writer.writeVector(lengthBytes: 2, list.bytes)
        return HelloExtension(type: .keyShare, data: writer.bytes)
    }

    /// A ServerHello's key_share: the one entry answered.
    package static func serverKeyShare(_ entry: KeyShareEntry) -> HelloExtension {
        var writer = ByteWriter()
        entry.write(to: &writer)
        return HelloExtension(type: .keyShare, data: writer.bytes)
    }

    /// A HelloRetryRequest's key_share: the group the server wants.
    package static func retryKeyShare(_ group: NamedGroup) -> HelloExtension {
        var writer = ByteWriter()
        writer.writeUInt16(group.rawValue)
        return HelloExtension(type: .keyShare, data: writer.bytes)
    }
}

extension Array where Element == HelloExtension {
    /// A ClientHello's key shares; a group may appear once (RFC 8446 4.2.8).
    package func clientKeyShares() throws(WireError) -> [KeyShareEntry]? {
        guard let ext = first(.keyShare) else { return nil }
        var reader = ByteReader(ext.data)
        var list = try reader.readLengthPrefixed(lengthBytes: 2)
        try reader.expectEnd()
        var entries: [KeyShareEntry] = []
        while !list.isAtEnd {
            let entry = try KeyShareEntry(parsing: &list)
            guard !entries.contains(where: { $0.group == entry.group }) else { throw .invalidValue("key_share group twice") }
            entries.append(entry)
        }
        return entries
    }

    /// A ServerHello's key share.
    package func serverKeyShare() throws(WireError) -> KeyShareEntry? {
        guard let ext = first(.keyShare) else { return nil }
        var reader = ByteReader(ext.data)
        let entry = try KeyShareEntry(parsing: &reader)
        try reader.expectEnd()
        return entry
    }

    /// The one version of a ServerHello's supported_versions.
    package func selectedVersion() throws(WireError) -> ProtocolVersion? {
        guard let ext = first(.supportedVersions) else { return nil }
        var reader = ByteReader(ext.data)
        let version = ProtocolVersion(rawValue: try reader.readUInt16())
        try reader.expectEnd()
        return version
    }
}
