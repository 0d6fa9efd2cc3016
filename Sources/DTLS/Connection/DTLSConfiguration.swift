import DTLSCrypto

/// How a connection authenticates its peer's certificate.
///
/// WebRTC does not use PKI: the peer's certificate is trusted when its digest
/// equals a fingerprint from the SDP (RFC 8122). Verification is a value so
/// it is decided before the handshake and cannot be forgotten.
public enum PeerVerification: Sendable {
    /// Accept when the certificate matches any of these fingerprints.
    case fingerprints([Fingerprint])
    /// Accept any certificate. The certificate is still surfaced as output,
    /// so a caller can verify it out of band before using the keys.
    case acceptAny
    /// Decide with a function of the peer's leaf certificate (DER).
    case custom(@Sendable ([UInt8]) -> Bool)

    func accepts(_ der: [UInt8]) -> Bool {
        switch self {
        case .fingerprints(let list): list.contains { $0.matches(der) }
        case .acceptAny: true
        case .custom(let verify): verify(der)
        }
    }
}

/// Everything that is fixed for a connection before its first datagram.
public struct DTLSConfiguration: Sendable {
    /// This side's certificate, sent in the Certificate message.
    public var certificate: Certificate
    /// The private key of `certificate`; it signs the key exchange or CertificateVerify.
    public var privateKey: PrivateKey
    /// How the peer's certificate is accepted (the SDP fingerprint in WebRTC).
    public var peerVerification: PeerVerification

    /// Suites in preference order; the server's order wins. By default every
    /// supported suite: a DTLS 1.2 suite names the *server's* key type, so a
    /// client offers them all whatever its own key, and a server skips the
    /// ones its certificate cannot authenticate (see `CipherSuite.suites(for:)`).
    public var cipherSuites: [CipherSuite]
    /// Profiles offered or accepted, in preference order. Empty: no use_srtp.
    public var srtpProfiles: [SRTPProtectionProfile]
    /// Fail the handshake when no SRTP profile is agreed (the WebRTC rule).
    public var requireSRTP: Bool
    /// Key-exchange groups in preference order. X25519MLKEM768 (DTLS 1.3
    /// only) keeps recorded media safe from a future quantum computer, as
    /// Chromium and Firefox send it; X25519 is the cheapest classical one,
    /// P-256 is what every WebRTC stack has. A DTLS 1.3 client sends shares
    /// for the first post-quantum and the first classical group listed.
    public var groups: [NamedGroup]
    /// DTLS 1.3 server: when a client lists a post-quantum group but sent
    /// only a classical share, ask for the hybrid share with a
    /// HelloRetryRequest (one more round trip) instead of taking the
    /// classical one. Off by default: both browsers send the hybrid share.
    public var retriesForPostQuantumShare = false
    /// `groups`' default: X25519MLKEM768, X25519, P-256, P-384.
    public static let defaultGroups: [NamedGroup] = [.x25519MLKEM768, .x25519, .secp256r1, .secp384r1]
    /// FFDHE groups for DHE_RSA (RFC 7919), preference order.
    public var ffdheGroups: [NamedGroup]
    /// The smallest DH prime a client accepts from a server, in bits.
    public var minimumDHPrimeBits: Int
    /// Signature schemes offered and accepted, preference order.
    public var signatureSchemes: [SignatureScheme]
    /// Server: demand a client certificate (WebRTC requires mutual auth).
    public var requireClientCertificate: Bool
    /// Server: answer the first ClientHello with a HelloVerifyRequest.
    /// The listener (`DTLSCookieListener`) does this statelessly before a
    /// connection exists; a connection created directly can do it itself.
    public var cookieExchange: Bool

    /// Largest datagram this side sends, UDP payload bytes.
    public var mtu: Int
    /// RFC 6347 4.2.4: initial retransmission timer, doubled on each expiry up to the cap.
    public var initialRetransmitTimeout: Duration
    /// The cap on the doubling retransmission timer.
    public var maxRetransmitTimeout: Duration
    /// The whole handshake must complete within this time.
    public var handshakeTimeout: Duration
    /// The protocol versions this side accepts: DTLS 1.3 (RFC 9147) and
    /// DTLS 1.2 (RFC 6347), 1.3 preferred. A client offers what it lists
    /// in one ClientHello; a server takes the first of its versions the
    /// client offers, per connection. `[.dtls12]` or `[.dtls13]` pins one.
    public var versions: [ProtocolVersion] = [.dtls13, .dtls12]
    /// Bounds on what a peer can make us buffer while reassembling.
    public var maxHandshakeMessageSize: Int
    /// The most handshake bytes held across messages being reassembled.
    public var maxBufferedHandshakeBytes: Int
    /// How long the final flight is kept to answer a peer that lost it.
    public var finalFlightLinger: Duration

    /// A configuration with the defaults WebRTC expects: every suite, every SRTP profile
    /// (SRTP required), mutual authentication, cookies, MTU 1200, a 1 s first
    /// retransmission timer and a 30 s handshake deadline.
    public init(certificate: Certificate, privateKey: PrivateKey, peerVerification: PeerVerification) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.peerVerification = peerVerification
        self.cipherSuites = CipherSuite.supported
        self.srtpProfiles = SRTPProtectionProfile.supported
        self.requireSRTP = true
        self.groups = Self.defaultGroups
        self.ffdheGroups = [.ffdhe2048, .ffdhe3072, .ffdhe4096]
        self.minimumDHPrimeBits = 2048
        self.signatureSchemes = SignatureScheme.supported
        self.requireClientCertificate = true
        self.cookieExchange = true
        self.mtu = 1200
        self.initialRetransmitTimeout = .seconds(1)
        self.maxRetransmitTimeout = .seconds(60)
        self.handshakeTimeout = .seconds(30)
        self.maxHandshakeMessageSize = 16 * 1024
        self.maxBufferedHandshakeBytes = 32 * 1024
        self.finalFlightLinger = .seconds(30)
    }
}

extension CipherSuite {
    /// The suites a certificate with this key can authenticate: ECDSA keys
    /// sign ECDHE_ECDSA, RSA keys sign ECDHE_RSA and DHE_RSA.
    public static func suites(for keyType: KeyType) -> [CipherSuite] {
        switch keyType {
        case .ecdsa: supported.filter { $0.authentication == .ecdsa }
        case .rsa: supported.filter { $0.authentication == .rsa }
        }
    }

    func fits(_ keyType: KeyType) -> Bool { parameters?.fits(keyType) ?? false }
}

extension CipherSuiteParameters {
    /// Whether a certificate with this key can authenticate the suite.
    func fits(_ keyType: KeyType) -> Bool {
        switch (authentication, keyType) {
        case (.ecdsa, .ecdsa), (.rsa, .rsa): true
        default: false
        }
    }
}

extension SignatureScheme {
    /// Whether a key of this type can make this signature. TLS 1.2 does not
    /// tie ECDSA hashes to curves, so a P-256 key may sign with SHA-384.
    func fits(_ keyType: KeyType) -> Bool {
        switch keyType {
        case .ecdsa: isECDSA
        case .rsa: isRSA || isRSAPSS
        }
    }

    package var hash: HashAlgorithm {
        switch self {
        case .ecdsaSecp384r1Sha384, .rsaPkcs1Sha384, .rsaPssRsaeSha384: .sha384
        case .rsaPssRsaeSha512: .sha512
        default: .sha256
        }
    }
}
