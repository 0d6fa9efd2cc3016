import DTLSCrypto

/// What both DTLS 1.2 roles keep only while a handshake is in progress:
/// the transcript, reassembly, what has been agreed so far, the keys of the
/// next epoch. The engine drops it once connected (the server after its
/// final-flight linger), which is most of what keeps an established
/// connection small. Each role's own handshake fields live in its engine.
final class HandshakeContext {
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
    var suite: CipherSuiteParameters?
    var group: NamedGroup?
    var srtpProfile: SRTPProtectionProfile?
    var srtpMKI: [UInt8] = []

    /// This side's ephemeral key (ECDHE or DHE), made when the key
    /// exchange parameters are known.
    var keyAgreement: KeyAgreement?

    var peerCertificate: [UInt8]?
    var peerPublicKey: PublicKey?

    var masterSecret: [UInt8] = []
    var pendingRead: RecordProtection?
    var pendingWrite: RecordProtection?

    /// Records of the next epoch that arrived before the ChangeCipherSpec
    /// that enables them (reordering); bounded, replayed after the switch.
    var stashedRecords: [[UInt8]] = []
    static let maxStashedRecords = 4

    init(reassembler: HandshakeReassembler) {
        self.reassembler = reassembler
    }

    var hash: HashAlgorithm { suite?.prfHash ?? .sha256 }

    /// Adds a message we send to the transcript and numbers it.
    func nextMessage(_ type: HandshakeType, body: [UInt8], epoch: UInt16 = 0) -> Flight.Item {
        let sequence = nextSendSequence
        nextSendSequence += 1
        transcript.append(type: type, sequence: sequence, body: body)
        return .handshake(type: type, sequence: sequence, body: body, epoch: epoch)
    }
}
