/// renegotiation_info (RFC 5746): always the initial-handshake value, since
/// the engine never renegotiates.
extension HelloExtension {
    /// An empty renegotiation_info: we never renegotiate, so the field is
    /// always the initial-handshake value (RFC 5746 3.4).
    package static let renegotiationInfoEmpty = HelloExtension(type: .renegotiationInfo, data: [0])
}

extension Array where Element == HelloExtension {
    /// The renegotiated_connection field; must be empty on an initial handshake.
    package func renegotiationInfo() throws(WireError) -> [UInt8]? {
        guard let ext = first(.renegotiationInfo) else { return nil }
        var r = ByteReader(ext.data)
        let value = try r.readVector(lengthBytes: 1)
        try r.expectEnd()
        return value
    }
}
