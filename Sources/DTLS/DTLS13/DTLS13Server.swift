import DTLSCrypto

/// The DTLS 1.3 server (RFC 9147 on RFC 8446), Sans-IO: it answers a
/// ClientHello that offers DTLS 1.3 and an X25519, P-256 or P-384 share
/// (both browsers send X25519 beside their X25519MLKEM768 share; anyone
/// else gets one HelloRetryRequest for a group we take) with its whole flight in
/// one go (ServerHello; EncryptedExtensions with use_srtp,
/// CertificateRequest, Certificate, CertificateVerify, Finished under the
/// handshake keys), checks the client's Certificate by fingerprint, its
/// CertificateVerify and Finished, ACKs that flight and moves to epoch 3.
///
/// **Boundary**: see `DTLS13Engine`. The HelloRetryRequest is stateful
/// (no cookie yet): behind a shared socket the stateless front door must
/// come first, as for 1.2.
package final class DTLS13Server: DTLS13Engine {
    /// The server's handshake steps (RFC 8446 Appendix A.2).
    package enum State: Equatable, Sendable {
        case waitClientHello
        case waitCertificate
        case waitCertificateVerify
        case waitFinished
        case connected
    }

    /// The DTLS 1.3 suites both roles offer, in preference order (data, not code).
    static let suites: [CipherSuite] = [.aes128GcmSha256, .aes256GcmSha384, .chacha20Poly1305Sha256]
    /// The key-exchange groups both roles take, in preference order.
    static let groups: [NamedGroup] = [.x25519, .secp256r1, .secp384r1]

    /// RFC 8446 4.1.3: the random of a HelloRetryRequest.
    static let helloRetryRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    package private(set) var state: State = .waitClientHello
    /// Whether a HelloRetryRequest went out (at most one, RFC 8446 4.1.4).
    package private(set) var sentHelloRetryRequest = false
    private var clientApplicationSecret: [UInt8] = []
    private var serverApplicationSecret: [UInt8] = []

    package override init(configuration: DTLSConfiguration) {
        super.init(configuration: configuration)
    }

    override func process(type: HandshakeType, body: [UInt8], now: DTLSInstant) throws {
        var reader = ByteReader(body)
        switch (state, type) {
        case (.waitClientHello, .clientHello):
            let hello = try ClientHello(parsing: &reader)
            appendToTranscript(type.rawValue, body)
            try answer(hello, now: now)
        case (.waitCertificate, .certificate):
            try receivePeerCertificate(body)
            state = .waitCertificateVerify
        case (.waitCertificateVerify, .certificateVerify):
            try receivePeerCertificateVerify(body, peerIsServer: false)
            state = .waitFinished
        case (.waitFinished, .finished):
            try verifyPeerFinished(body, peerSecret: clientHandshakeSecret)
            appendToTranscript(type.rawValue, body)
            try enterApplicationEpoch(read: clientApplicationSecret, write: serverApplicationSecret)
            flightAcknowledged()  // the client's Finished answers our flight
            state = .connected
            connected()
            acknowledge(handshakeRecordsReceived.filter { $0.epoch == 2 })
        case (.connected, _):
            break
        default:
            throw DTLSError(.unexpectedMessage, alert: .unexpectedMessage, "\(type) while \(state)")
        }
    }

    /// A HelloRetryRequest asking for a share of `wanted` (RFC 8446 4.1.4). The
    /// transcript restarts with message_hash, the hash of the first
    /// ClientHello in a synthetic handshake message (4.4.1).
    private func retry(_ hello: ClientHello, suite chosen: CipherSuite, group wanted: NamedGroup, now: DTLSInstant) throws(DTLSError) {
        let firstHelloHash = transcriptHash()
        transcript = [254, 0, 0, UInt8(firstHelloHash.count)] + firstHelloHash
        var writer = ByteWriter()
        ServerHello(version: .dtls12, random: Self.helloRetryRandom, sessionID: hello.sessionID, cipherSuite: chosen,
                    extensions: [.selectedVersion(.dtls13), .retryKeyShare(wanted)]).write(to: &writer)
        let retryRequest = handshake(.serverHello, writer.bytes)
        sentHelloRetryRequest = true
        send(flight: [(0, .handshake, retryRequest)], now: now)
    }

    private func answer(_ hello: ClientHello, now: DTLSInstant) throws(DTLSError) {
        let versions = try wire { () throws(WireError) in try hello.extensions.clientSupportedVersions() }
        guard versions?.contains(.dtls13) == true else {
            throw DTLSError(.protocolVersion, alert: .protocolVersion, "client does not offer DTLS 1.3")
        }
        guard let chosen = Self.suites.first(where: { hello.cipherSuites.contains($0) }) else {
            throw DTLSError(.noCommonCipherSuite, alert: .handshakeFailure, "no DTLS 1.3 cipher suite in common")
        }
        try select(suite: chosen)
        let shares = try wire { () throws(WireError) in try hello.extensions.clientKeyShares() } ?? []
        // The first of our groups the client sent a share for.
        guard let share = Self.groups.lazy.compactMap({ group in shares.first { $0.group == group } }).first else {
            // RFC 8446 4.1.4: ask once for the first of our groups the client supports.
            let groups = try wire { () throws(WireError) in try hello.extensions.supportedGroups() } ?? []
            guard let wanted = Self.groups.first(where: groups.contains), !sentHelloRetryRequest else {
                throw DTLSError(sentHelloRetryRequest ? .illegalParameter : .noCommonParameters,
                                alert: sentHelloRetryRequest ? .illegalParameter : .handshakeFailure,
                                sentHelloRetryRequest ? "second ClientHello without the key share asked for"
                                                      : "no key-exchange group in common (offered \(groups))")
            }
            try retry(hello, suite: chosen, group: wanted, now: now)
            return
        }
        let schemes = try wire { () throws(WireError) in try hello.extensions.signatureAlgorithms() } ?? []
        guard schemes.contains(ownSignatureScheme) else {
            throw DTLSError(.noCommonParameters, alert: .handshakeFailure, "the client does not accept \(ownSignatureScheme), our key's scheme")
        }
        var srtpExtension: [HelloExtension] = []
        if let offered = try wire({ () throws(WireError) in try hello.extensions.useSRTP() }),
           let profile = config.srtpProfiles.first(where: { offered.profiles.contains($0) }) {
            srtpProfile = profile
            srtpExtension = [.useSRTP(UseSRTPData(profiles: [profile], mki: offered.mki))]
        } else if config.requireSRTP {
            throw DTLSError(.noCommonSRTPProfile, alert: .handshakeFailure, "no SRTP profile in common")
        }
        group = share.group
        guard let curve = share.group.ecGroup else { throw DTLSError(.internalError, alert: .internalError, "group \(share.group)") }
        let ours = try derive { () throws(CryptoError) in try ECDHPrivateKey(group: curve) }
        let shared = try derive { () throws(CryptoError) in try ours.sharedSecret(peerPublicKey: share.keyExchange.span) }

        if sentHelloRetryRequest, chosen != suite {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "second ClientHello changed the cipher suites")
        }
        var writer = ByteWriter()
        ServerHello(version: .dtls12, random: SecureRandom.bytes(32), sessionID: hello.sessionID, cipherSuite: chosen,
                    extensions: [.selectedVersion(.dtls13), .serverKeyShare(KeyShareEntry(group: share.group, keyExchange: ours.publicKeyBytes))])
            .write(to: &writer)
        let serverHello = handshake(.serverHello, writer.bytes)
        try enterHandshakeEpoch(sharedSecret: shared, isClient: false)

        var encrypted: [[UInt8]] = []
        writer = ByteWriter()
        EncryptedExtensions(extensions: srtpExtension).write(to: &writer)
        encrypted.append(handshake(.encryptedExtensions, writer.bytes))
        writer = ByteWriter()
        CertificateRequest13(extensions: [.signatureAlgorithms(SignatureScheme.dtls13)]).write(to: &writer)
        encrypted.append(handshake(.certificateRequest, writer.bytes))
        encrypted += try certificateMessages(context: [], isServer: true)
        encrypted.append(handshake(.finished, try finishedVerifyData(serverHandshakeSecret)))
        (clientApplicationSecret, serverApplicationSecret) = try applicationSecrets()
        if sentHelloRetryRequest { flightAcknowledged() }  // the second ClientHello answered the HelloRetryRequest
        send(flight: [(0, .handshake, serverHello)] + encrypted.map { (2, ContentType.handshake, $0) }, now: now)
        state = .waitCertificate
    }
}
