/// supported_groups (RFC 8422 5.1.1, RFC 7919): the key-exchange groups a
/// client accepts, preference order.
extension HelloExtension {
    /// supported_groups listing these groups.
    package static func supportedGroups(_ groups: [NamedGroup]) -> HelloExtension {
        HelloExtension(type: .supportedGroups, data: [HelloExtension].uint16ListBytes(groups.map(\.rawValue)))
    }
}

extension Array where Element == HelloExtension {
    /// The groups of a supported_groups extension, if present.
    package func supportedGroups() throws(WireError) -> [NamedGroup]? {
        guard let ext = first(.supportedGroups) else { return nil }
        return try Self.uint16List(ext.data).map(NamedGroup.init(rawValue:))
    }
}
