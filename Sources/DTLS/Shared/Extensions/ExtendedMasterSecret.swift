/// extended_master_secret (RFC 7627): the master secret binds the whole
/// handshake transcript. The engine requires it in both roles.
extension HelloExtension {
    /// The (empty) extended_master_secret extension.
    package static let extendedMasterSecret = HelloExtension(type: .extendedMasterSecret, data: [])
}
