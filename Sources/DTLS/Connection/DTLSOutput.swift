import DTLSCrypto

/// What the negotiation settled on, reported once on connect.
public struct DTLSConnectionInfo: Sendable, Hashable {
    /// The protocol version negotiated.
    public var version: ProtocolVersion
    /// The cipher suite negotiated.
    public var cipherSuite: CipherSuite
    /// The SRTP profile agreed through use_srtp, if any.
    public var srtpProfile: SRTPProtectionProfile?
    /// The MKI the peers agreed on (RFC 5764 4.1.1); empty almost always.
    public var srtpMKI: [UInt8]
    /// The key-exchange group (an ECDHE curve or an RFC 7919 group).
    public var namedGroup: NamedGroup
    /// Whether RFC 7627 extended master secret was used (always, in this engine).
    public var extendedMasterSecret: Bool
    /// The peer's leaf certificate, DER.
    public var peerCertificate: [UInt8]
}

/// The `EXTRACTOR-dtls_srtp` export (RFC 5764 4.2), sized for the profile.
/// The SRTP module splits it into keys (`SRTP.SRTPKeyingMaterial`).
public struct DTLSKeyingMaterial: Sendable, Hashable {
    /// The profile the keys are for.
    public var profile: SRTPProtectionProfile
    /// client_write_key | server_write_key | client_write_salt | server_write_salt
    public var bytes: [UInt8]
    /// Which half is ours: true when this side was the DTLS client.
    public var isClient: Bool
}

/// One step of output from `DTLSConnection.pollOutput(into:)`.
///
/// Byte-carrying events (`packet`, `applicationData`) hand their bytes over
/// in the caller's buffer, so the steady-state record path allocates nothing.
public enum DTLSOutput: Sendable {
    /// The buffer holds one datagram to send to the peer.
    case packet
    /// The buffer holds one application-data record's plaintext.
    case applicationData
    /// The peer's certificate (DER), surfaced before any verification outcome.
    case peerCertificate([UInt8])
    /// The handshake completed.
    case connected(DTLSConnectionInfo)
    /// SRTP keys, emitted right after `connected` when a profile was agreed.
    case keyingMaterial(DTLSKeyingMaterial)
    /// The peer sent close_notify; our close_notify has been queued.
    case peerClosed
    /// The connection failed; any alert to the peer has already been queued.
    case failed(DTLSError)
    /// Nothing more to do until this instant (nil: no timer armed) or new input.
    case timeout(DTLSInstant?)
}
