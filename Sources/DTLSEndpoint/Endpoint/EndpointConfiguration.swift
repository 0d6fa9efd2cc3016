import DTLS
import DTLSCrypto
import SRTP

/// Everything fixed for an endpoint before it starts: role, identity, the
/// remote fingerprints from the SDP, and tuning.
///
/// `Sendable`: build it anywhere, hand it to the thread that will own the
/// endpoint.
public struct EndpointConfiguration: Sendable {
    /// Client (`a=setup:active`) or server (`a=setup:passive`); see
    /// `DTLSRole(offer:answer:localIsOfferer:)` for the SDP mapping.
    public var role: DTLSRole
    /// The `a=fingerprint` values of the peer (RFC 8122). The peer is
    /// accepted when its certificate matches any of them. Must not be empty
    /// unless `acceptsAnyCertificate` is set.
    public var remoteFingerprints: [Fingerprint]
    /// Key SRTP for any peer certificate. Only for callers that verify the
    /// certificate another way (it is in `EndpointConnectionInfo`), such as
    /// a command-line tool that prints the fingerprint for a human to check.
    public var acceptsAnyCertificate = false
    /// The engine's configuration (certificate, suites, SRTP profiles, MTU,
    /// timers). The endpoint overrides two fields: `peerVerification`
    /// becomes `.fingerprints(remoteFingerprints)` and `requireSRTP` becomes
    /// true. `srtpProfiles` is reduced to the profiles the SRTP layer runs.
    public var dtls: DTLSConfiguration
    /// SRTP replay window for received RTP, in packets.
    public var replayWindowSize: Int
    /// Bound on queued outputs (received media and pass-through datagrams
    /// waiting in `pollOutput`). Beyond it received media is dropped and
    /// counted, and `sendRTP`/`sendRTCP` throw `.queueFull`. DTLS output is
    /// never dropped.
    public var maxQueuedOutputs: Int
    /// Closes the endpoint (with close_notify) when nothing arrived from
    /// the peer for this long, counted in `EndpointCounters.idleClosed`;
    /// nil (the default): never. Consent freshness (RFC 7675) is the ICE
    /// agent's job; this is the transport's own bound for a peer that went
    /// away without a word. The multi-peer server core has its own
    /// (`DTLSSRTPServerLimits.idleTimeout`) and ignores this one.
    public var idleTimeout: Duration?

    /// Test hook: the verification the engine runs (normally derived from
    /// `remoteFingerprints`), so tests can show the endpoint's own check.
    var engineVerificationOverride: PeerVerification?

    public init(role: DTLSRole, certificate: Certificate, privateKey: PrivateKey, remoteFingerprints: [Fingerprint]) {
        self.role = role
        self.remoteFingerprints = remoteFingerprints
        self.dtls = DTLSConfiguration(certificate: certificate, privateKey: privateKey,
                                      peerVerification: .fingerprints(remoteFingerprints))
        self.replayWindowSize = SRTPSession.defaultReplayWindowSize
        self.maxQueuedOutputs = 1024
    }

    /// The same, with a certificate and key held as one (`DTLSIdentity.generate()`
    /// or loaded from PEM files).
    public init(role: DTLSRole, identity: DTLSIdentity, remoteFingerprints: [Fingerprint]) {
        self.init(role: role, certificate: identity.certificate, privateKey: identity.privateKey,
                  remoteFingerprints: remoteFingerprints)
    }

    /// The engine configuration the endpoint runs: what a server passes to
    /// `DTLSCookieListener` so that connections it accepts can be adopted
    /// with `DTLSSRTPEndpoint(adopting:configuration:)`.
    public func effectiveDTLSConfiguration() throws(EndpointError) -> DTLSConfiguration {
        guard !remoteFingerprints.isEmpty || acceptsAnyCertificate else { throw .noRemoteFingerprints }
        var dtls = self.dtls
        dtls.srtpProfiles = dtls.srtpProfiles.filter(\.isSupported)
        guard !dtls.srtpProfiles.isEmpty else { throw .noSRTPProfiles }
        dtls.requireSRTP = true
        dtls.peerVerification = engineVerificationOverride
            ?? (acceptsAnyCertificate ? .acceptAny : .fingerprints(remoteFingerprints))
        return dtls
    }

    /// This side's `a=fingerprint` (SHA-256), to put in the SDP.
    public var localFingerprint: Fingerprint { Fingerprint(certificate: dtls.certificate) }
}
