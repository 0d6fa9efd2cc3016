import DTLS
/// The SRTP state of one DTLS-SRTP association: an outbound session keyed
/// with the local write key and an inbound session keyed with the peer's.
///
/// Built straight from the negotiated profile, the `EXTRACTOR-dtls_srtp`
/// exporter output and the DTLS role. Not `Sendable`, like `SRTPSession`:
/// confine it to one thread/actor. (If sending and receiving must run on
/// different threads, build the two `SRTPSession`s yourself and confine
/// each to its own thread: they share no state.)
public final class SRTPTransport {
    public let profile: SRTPProtectionProfile
    /// Protects what this endpoint sends.
    public let outbound: SRTPSession
    /// Unprotects what this endpoint receives.
    public let inbound: SRTPSession

    /// Both sessions from keys already split per RFC 5764 4.2.
    ///
    /// - Parameters:
    ///   - keyingMaterial: the client and server master keys and salts.
    ///   - isClient: this endpoint's DTLS role (the client protects
    ///     with the client write key, RFC 5764 section 4.2).
    ///   - replayWindowSize: the inbound RTP replay window.
    ///   - allowRepeatTransmission: outbound only: see `SRTPSession`.
    public init(
        keyingMaterial: SRTPKeyingMaterial, isClient: Bool,
        replayWindowSize: Int = SRTPSession.defaultReplayWindowSize,
        allowRepeatTransmission: Bool = false
    ) throws(SRTPError) {
        profile = keyingMaterial.profile
        outbound = try SRTPSession(
            profile: profile, key: keyingMaterial.local(isClient: isClient), direction: .outbound,
            replayWindowSize: replayWindowSize, allowRepeatTransmission: allowRepeatTransmission)
        inbound = try SRTPSession(
            profile: profile, key: keyingMaterial.remote(isClient: isClient), direction: .inbound,
            replayWindowSize: replayWindowSize)
    }

    /// Splits `exportedKeyingMaterial` (exactly `profile.keyingMaterialLength`
    /// bytes) and builds both sessions.
    public convenience init(
        profile: SRTPProtectionProfile, exportedKeyingMaterial: some Collection<UInt8>, isClient: Bool,
        replayWindowSize: Int = SRTPSession.defaultReplayWindowSize,
        allowRepeatTransmission: Bool = false
    ) throws(SRTPError) {
        try self.init(
            keyingMaterial: SRTPKeyingMaterial(
                profile: profile, exportedKeyingMaterial: exportedKeyingMaterial),
            isClient: isClient, replayWindowSize: replayWindowSize,
            allowRepeatTransmission: allowRepeatTransmission)
    }

    /// See `SRTPSession.protectRTP(_:length:)`.
    public func protectRTP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        try outbound.protectRTP(&buffer, length: length)
    }
    /// See `SRTPSession.unprotectRTP(_:length:)`.
    public func unprotectRTP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        try inbound.unprotectRTP(&buffer, length: length)
    }
    /// See `SRTPSession.protectRTCP(_:length:)`.
    public func protectRTCP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        try outbound.protectRTCP(&buffer, length: length)
    }
    /// See `SRTPSession.unprotectRTCP(_:length:)`.
    public func unprotectRTCP(_ buffer: inout [UInt8], length: Int) throws(SRTPError) -> Int {
        try inbound.unprotectRTCP(&buffer, length: length)
    }
}

@available(*, unavailable, message: "srtp_t is not thread-safe; confine an SRTPTransport to one thread or actor")
extension SRTPTransport: Sendable {}
