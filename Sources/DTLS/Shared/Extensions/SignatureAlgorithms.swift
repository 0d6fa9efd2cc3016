/// signature_algorithms (RFC 5246 7.4.1.4.1): the schemes a peer verifies.
extension HelloExtension {
    /// signature_algorithms listing these schemes.
    package static func signatureAlgorithms(_ schemes: [SignatureScheme]) -> HelloExtension {
        HelloExtension(type: .signatureAlgorithms, data: [HelloExtension].uint16ListBytes(schemes.map(\.rawValue)))
    }
}

extension Array where Element == HelloExtension {
    /// The schemes of a signature_algorithms extension, if present.
    package func signatureAlgorithms() throws(WireError) -> [SignatureScheme]? {
        guard let ext = first(.signatureAlgorithms) else { return nil }
        return try Self.uint16List(ext.data).map(SignatureScheme.init(rawValue:))
    }
}
