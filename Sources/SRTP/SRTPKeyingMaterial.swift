import DTLS
/// One direction's SRTP master key and master salt.
public struct SRTPMasterKey: Sendable, Equatable {
    public let key: [UInt8]
    public let salt: [UInt8]

    public init(key: [UInt8], salt: [UInt8]) {
        self.key = key
        self.salt = salt
    }
}

extension SRTPMasterKey: CustomStringConvertible, CustomDebugStringConvertible {
    /// Redacted: key material never ends up in logs by accident.
    public var description: String {
        "SRTPMasterKey(key: \(key.count) bytes, salt: \(salt.count) bytes, redacted)"
    }
    public var debugDescription: String { description }
}

/// The DTLS-SRTP keying material of one association, split per RFC 5764
/// section 4.2.
///
/// The input is the RFC 5705 exporter output for the label
/// `EXTRACTOR-dtls_srtp` with no context, `profile.keyingMaterialLength`
/// bytes long, laid out as
///
///     client_write_SRTP_master_key[k] | server_write_SRTP_master_key[k] |
///     client_write_SRTP_master_salt[s] | server_write_SRTP_master_salt[s]
///
/// The client protects what it sends with the client halves and the server
/// with the server halves, so the *local* (outbound) key is the client half
/// when `isClient` is true.
public struct SRTPKeyingMaterial: Sendable, Equatable {
    public let profile: SRTPProtectionProfile
    public let clientWrite: SRTPMasterKey
    public let serverWrite: SRTPMasterKey

    /// Splits exporter output. Throws `.invalidKeyingMaterialLength` unless
    /// it has exactly `profile.keyingMaterialLength` bytes.
    public init(profile: SRTPProtectionProfile, exportedKeyingMaterial material: some Collection<UInt8>)
        throws(SRTPError)
    {
        let bytes = Array(material)
        guard bytes.count == profile.keyingMaterialLength else {
            throw .invalidKeyingMaterialLength(
                expected: profile.keyingMaterialLength, actual: bytes.count)
        }
        let k = profile.masterKeyLength
        let s = profile.masterSaltLength
        self.profile = profile
        self.clientWrite = SRTPMasterKey(
            key: Array(bytes[0..<k]), salt: Array(bytes[(2 * k)..<(2 * k + s)]))
        self.serverWrite = SRTPMasterKey(
            key: Array(bytes[k..<(2 * k)]), salt: Array(bytes[(2 * k + s)..<(2 * k + 2 * s)]))
    }

    /// The key this endpoint protects outbound packets with.
    public func local(isClient: Bool) -> SRTPMasterKey { isClient ? clientWrite : serverWrite }

    /// The key this endpoint unprotects inbound packets with.
    public func remote(isClient: Bool) -> SRTPMasterKey { isClient ? serverWrite : clientWrite }
}

extension SRTPKeyingMaterial: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "SRTPKeyingMaterial(\(profile.rfcName), redacted)" }
    public var debugDescription: String { description }
}
