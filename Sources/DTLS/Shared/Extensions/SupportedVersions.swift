/// supported_versions (RFC 8446 4.2.1, RFC 9147 5.3): in a ClientHello the
/// versions the client accepts, preference order, one length byte; in a
/// ServerHello the one version chosen. When a client sends it, it decides
/// the version, not legacy_version.
extension HelloExtension {
    /// A ClientHello's supported_versions listing these versions.
    package static func supportedVersions(_ versions: [ProtocolVersion]) -> HelloExtension {
        var writer = ByteWriter()
        writer.writeUInt8(UInt8(versions.count * 2))
        for version in versions { writer.writeUInt16(version.rawValue) }
        return HelloExtension(type: .supportedVersions, data: writer.bytes)
    }

    /// A ServerHello's supported_versions: the version chosen.
    package static func selectedVersion(_ version: ProtocolVersion) -> HelloExtension {
        HelloExtension(type: .supportedVersions, data: [UInt8(version.rawValue >> 8), UInt8(truncatingIfNeeded: version.rawValue)])
    }
}

extension Array where Element == HelloExtension {
    /// The versions of a ClientHello's supported_versions, if present.
    package func clientSupportedVersions() throws(WireError) -> [ProtocolVersion]? {
        guard let ext = first(.supportedVersions) else { return nil }
        var reader = ByteReader(ext.data)
        var list = try reader.readLengthPrefixed(lengthBytes: 1)
        guard reader.isAtEnd else { throw .trailingBytes }
        guard list.remaining >= 2, list.remaining % 2 == 0 else { throw .invalidValue("supported_versions list length \(list.remaining)") }
        var versions: [ProtocolVersion] = []
        while !list.isAtEnd { versions.append(ProtocolVersion(rawValue: try list.readUInt16())) }
        return versions
    }
}
