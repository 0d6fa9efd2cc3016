import DTLSCrypto

/// Everything that exists only while a handshake is in progress. The
/// connection drops it once connected (the server after its final-flight
/// linger), which is most of what keeps an established connection small.
final class HandshakeContext {
    enum Step: Equatable {
        // Client
        case clientAwaitServerHello
        case clientAwaitCertificate
        case clientAwaitServerKeyExchange
        case clientAwaitCertificateRequestOrDone
        case clientAwaitServerHelloDone
        case clientAwaitChangeCipherSpec
        case clientAwaitFinished
        // Server
        case serverAwaitClientHello
        case serverAwaitClientCertificate
        case serverAwaitClientKeyExchange
        case serverAwaitCertificateVerify
        case serverAwaitChangeCipherSpec
        case serverAwaitFinished
        case done
    }

    var step: Step
    var transcript = Transcript()
    var reassembler: HandshakeReassembler
    var nextSendSequence: UInt16 = 0
    /// The message_seq of the last message of the peer's flight that our
    /// last flight answers. Its final fragment arriving again means the
    /// peer retransmitted that flight: answered once per flight (RFC 6347
    /// 4.2.4), not once per fragment or per datagram.
    var answeredPeerMessage: UInt16?

    var clientRandom: [UInt8] = []
    var serverRandom: [UInt8] = []
    var cookie: [UInt8] = []
    var helloVerifyCount = 0
    /// The client's offer, kept to build the retransmitted ClientHello.
    var clientHello: ClientHello?

    var suite: CipherSuiteParameters?
    var group: NamedGroup?
    var srtpProfile: SRTPProtectionProfile?
    var srtpMKI: [UInt8] = []
    var ecdhKey: ECDHPrivateKey?
    var ffdhKey: FFDHPrivateKey?
    var peerKeyShare: [UInt8] = []
    var peerDHPrime: [UInt8] = []
    var peerDHGenerator: [UInt8] = []

    var peerCertificate: [UInt8]?
    var peerPublicKey: PublicKey?
    /// Client: what the server's CertificateRequest allows us to sign with.
    var certificateRequested = false
    var requestedSchemes: [SignatureScheme] = []
    /// Server: the client's signature_algorithms.
    var peerSignatureSchemes: [SignatureScheme] = []

    var masterSecret: [UInt8] = []
    var pendingRead: RecordProtection?
    var pendingWrite: RecordProtection?

    /// Records of the next epoch that arrived before the ChangeCipherSpec
    /// that enables them (reordering); bounded, replayed after the switch.
    var stashedRecords: [[UInt8]] = []
    static let maxStashedRecords = 4

    init(step: Step, reassembler: HandshakeReassembler) {
        self.step = step
        self.reassembler = reassembler
    }

    var hash: HashAlgorithm { suite?.prfHash ?? .sha256 }
}
