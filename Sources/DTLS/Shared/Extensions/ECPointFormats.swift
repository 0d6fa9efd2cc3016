/// ec_point_formats (RFC 8422 5.1.2): only uncompressed points are used.
extension HelloExtension {
    /// uncompressed only (RFC 8422 5.1.2).
    package static let ecPointFormatsUncompressed = HelloExtension(type: .ecPointFormats, data: [1, 0])
}

extension Array where Element == HelloExtension {
    /// The formats of an ec_point_formats extension, if present; the list
    /// must not be empty (and a peer must include uncompressed, 0).
    package func ecPointFormats() throws(WireError) -> [UInt8]? {
        guard let ext = first(.ecPointFormats) else { return nil }
        var r = ByteReader(ext.data)
        let list = try r.readVector(lengthBytes: 1)
        try r.expectEnd()
        guard !list.isEmpty else { throw .invalidValue("empty ec_point_formats") }
        return list
    }
}
