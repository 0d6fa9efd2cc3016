import DTLSCrypto

/// The DTLS 1.3 server (RFC 9147 on RFC 8446), Sans-IO: it answers a
/// ClientHello that offers DTLS 1.3 and a share of a group it takes
/// (X25519MLKEM768 first, as both browsers send it; else the classical
/// share; else one HelloRetryRequest for a group we take) with its whole flight in
/// one go (ServerHello; EncryptedExtensions with use_srtp,
/// CertificateRequest, Certificate, CertificateVerify, Finished under the
/// handshake keys), checks the client's Certificate by fingerprint, its
/// CertificateVerify and Finished, ACKs that flight and moves to epoch 3.
///
/// Its own HelloRetryRequest is stateful; behind a shared socket
/// `DTLSCookieListener` sends a stateless one with a cookie first, and
/// `init(configuration:afterRetry:...)` continues from it.
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
    static let groups: [NamedGroup] = [.x25519MLKEM768, .secp256r1MLKEM768, .x25519, .secp256r1, .secp384r1]

    package private(set) var state: State = .waitClientHello
    /// Whether a HelloRetryRequest went out (at most one, RFC 8446 4.1.4).
    package private(set) var sentHelloRetryRequest = false
    /// The group our HelloRetryRequest asked a share for.
    private var retryGroup: NamedGroup?
    private var clientApplicationSecret: [UInt8] = []
    private var serverApplicationSecret: [UInt8] = []

    package override init(configuration: DTLSConfiguration) {
        super.init(configuration: configuration)
    }

    /// The server that continues a stateless HelloRetryRequest: `cookie`
    /// came back in `secondHello` and verified, so the transcript starts
    /// from the hash it carries and the HelloRetryRequest rebuilt byte for
    /// byte from it. Feed it the second ClientHello's datagrams next.
    package init(configuration: DTLSConfiguration, afterRetry cookie: RetryCookie, cookieBytes: [UInt8],
                 secondHello: ClientHelloCollector.Complete) throws(DTLSError) {
        super.init(configuration: configuration)
        try select(suite: cookie.suite)
        guard cookie.firstHelloHash.count == hash.digestLength else {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "cookie hash length")
        }
        let retry = HelloRetryRequest.body(sessionID: secondHello.hello.sessionID, suite: cookie.suite, group: cookie.group,
                                           cookie: cookieBytes)
        let prefix = HelloRetryRequest.transcriptPrefix(firstHelloHash: cookie.firstHelloHash)
            + HelloRetryRequest.transcriptForm(.serverHello, retry)
        continueAfterStatelessRetry(transcript: prefix, clientMessageSequence: secondHello.messageSequence,
                                    recordSequence: secondHello.recordSequence)
        sentHelloRetryRequest = true
        retryGroup = cookie.group
    }

    /// What a server answers a ClientHello with: the suite, and either the
    /// client's share it takes or the group a HelloRetryRequest asks for
    /// (RFC 8446 4.1.4). One decision for this engine and the stateless
    /// listener, which makes the HelloRetryRequest before any engine exists.
    package struct Choice: Sendable {
        package var suite: CipherSuite
        package var share: KeyShareEntry?
        package var retryGroup: NamedGroup?
    }

    /// The DTLS 1.3 suites of `configuration.cipherSuites`, its order; all
    /// of them when it lists none (its default lists the 1.2 suites).
    static func suites(_ configuration: DTLSConfiguration) -> [CipherSuite] {
        let listed = configuration.cipherSuites.filter(suites.contains)
        return listed.isEmpty ? suites : listed
    }

    /// The key-exchange groups of `configuration` this engine takes, its order.
    static func groups(_ configuration: DTLSConfiguration) -> [NamedGroup] {
        configuration.groups.filter(groups.contains)
    }

    package static func choose(for hello: ClientHello, configuration: DTLSConfiguration) throws(DTLSError) -> Choice {
        let versions: [ProtocolVersion]?
        do { versions = try hello.extensions.clientSupportedVersions() } catch { throw DTLSError(.malformedMessage, alert: .decodeError, "\(error)") }
        guard versions?.contains(.dtls13) == true else {
            throw DTLSError(.protocolVersion, alert: .protocolVersion, "client does not offer DTLS 1.3")
        }
        guard let suite = suites(configuration).first(where: { hello.cipherSuites.contains($0) }) else {
            throw DTLSError(.noCommonCipherSuite, alert: .handshakeFailure, "no DTLS 1.3 cipher suite in common")
        }
        let ours = groups(configuration)
        let shares: [KeyShareEntry], offered: [NamedGroup]
        do {
            shares = try hello.extensions.clientKeyShares() ?? []
            offered = try hello.extensions.supportedGroups() ?? []
        } catch {
            throw DTLSError(.malformedMessage, alert: .decodeError, "\(error)")
        }
        // The first of our groups the client sent a share for: its hybrid
        // share if it sent one, else its classical share (no extra round
        // trip), unless the configuration asks for the hybrid one.
        if let share = ours.lazy.compactMap({ group in shares.first { $0.group == group } }).first {
            if configuration.retriesForPostQuantumShare, share.group.hybrid == nil,
               let hybrid = ours.first(where: { $0.hybrid != nil && offered.contains($0) }), (try? hello.extensions.cookie()) == nil {
                return Choice(suite: suite, share: nil, retryGroup: hybrid)
            }
            return Choice(suite: suite, share: share, retryGroup: nil)
        }
        // Else ask once for the first of our groups the client supports.
        guard let wanted = ours.first(where: offered.contains) else {
            throw DTLSError(.noCommonParameters, alert: .handshakeFailure, "no key-exchange group in common (offered \(offered))")
        }
        return Choice(suite: suite, share: nil, retryGroup: wanted)
    }

    override func process(type: HandshakeType, body: [UInt8], now: DTLSInstant) throws {
        var reader = ByteReader(body)
        switch (state, type) {
        case (.waitClientHello, .clientHello):
            let hello = try ClientHello(parsing: &reader)
            clientRandom = hello.random
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
            lingerInEpochTwo(now: now)
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
        resetTranscript(HelloRetryRequest.transcriptPrefix(firstHelloHash: transcriptHash()))
        let body = HelloRetryRequest.body(sessionID: hello.sessionID, suite: chosen, group: wanted, cookie: nil)
        let retryRequest = handshake(.serverHello, body)
        sentHelloRetryRequest = true
        retryGroup = wanted
        send(flight: [(0, .handshake, retryRequest)], now: now)
    }

    private func answer(_ hello: ClientHello, now: DTLSInstant) throws(DTLSError) {
        let choice = try Self.choose(for: hello, configuration: config)
        if sentHelloRetryRequest, choice.suite != suite {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "second ClientHello changed the cipher suites")
        }
        try select(suite: choice.suite)
        guard let share = choice.share, retryGroup == nil || share.group == retryGroup else {
            guard !sentHelloRetryRequest, let wanted = choice.retryGroup else {
                throw DTLSError(.illegalParameter, alert: .illegalParameter, "second ClientHello without the key share asked for")
            }
            try retry(hello, suite: choice.suite, group: wanted, now: now)
            return
        }
        let chosen = choice.suite
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
        let (ourShare, shared) = try serverKeyExchange13(for: share)
        group = share.group

        var writer = ByteWriter()
        ServerHello(version: .dtls12, random: SecureRandom.bytes(32), sessionID: hello.sessionID, cipherSuite: chosen,
                    extensions: [.selectedVersion(.dtls13), .serverKeyShare(KeyShareEntry(group: share.group, keyExchange: ourShare))])
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
