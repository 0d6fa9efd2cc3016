import DTLSCrypto

/// The DTLS 1.2 client engine (RFC 6347 4.2.4 figure 1):
///
/// ```
/// flight 1  ClientHello                      -->
///                                            <--  HelloVerifyRequest       flight 2
/// flight 3  ClientHello (+cookie)            -->
///                                            <--  ServerHello, Certificate,
///                                                 ServerKeyExchange,
///                                                 CertificateRequest*,
///                                                 ServerHelloDone          flight 4
/// flight 5  Certificate*, ClientKeyExchange,
///           CertificateVerify*, [CCS], Finished -->
///                                            <--  [CCS], Finished          flight 6
/// ```
final class DTLS12Client: DTLS12Engine {
    /// Which message the client waits for.
    enum State: Equatable {
        case awaitServerHello
        case awaitCertificate
        case awaitServerKeyExchange
        case awaitCertificateRequestOrDone
        case awaitServerHelloDone
        case awaitChangeCipherSpec
        case awaitFinished
    }

    private(set) var waitingFor: State = .awaitServerHello

    /// The client's own handshake fields, in an object of their own so an
    /// established connection keeps one nil reference instead of them.
    private final class Pending {
        /// Our offer, kept to build the ClientHello again with a cookie.
        var offer: ClientHello?
        var cookie: [UInt8] = []
        var helloVerifyCount = 0
        var certificateRequested = false
        /// What the server's CertificateRequest allows us to sign with.
        var requestedSchemes: [SignatureScheme] = []
        var serverShare: [UInt8] = []
    }
    private var pending: Pending? = Pending()

    /// A client; its ClientHello is queued at once.
    init(config: DTLSConfiguration, now: DTLSInstant) {
        super.init(role: .client, config: config, now: now)
        start(now: now)
    }

    /// The client that takes over a ClientHello the DTLS 1.3 client sent
    /// for both versions, when the server answered as DTLS 1.2 (a 1.2
    /// ServerHello or a HelloVerifyRequest): the same offer, numbered as
    /// sent, kept for retransmission and for the cookie; nothing is sent now.
    init(config: DTLSConfiguration, now: DTLSInstant, adopting offer: ClientHello, nextRecordSequence: UInt64) {
        super.init(role: .client, config: config, now: now)
        guard let hs = handshake, let pending else { return }
        hs.clientRandom = offer.random
        pending.offer = offer
        var w = ByteWriter(capacity: 512)
        offer.write(to: &w)
        var flight = Flight(retransmitsOnTimer: true)
        flight.items.append(hs.nextMessage(.clientHello, body: w.bytes))
        adoptFlight(flight, nextRecordSequence: nextRecordSequence, now: now)
    }

    /// The DTLS 1.2 offer of `config`: its suites, groups, signature
    /// schemes, use_srtp, extended_master_secret and renegotiation_info.
    /// The DTLS 1.3 client builds its two-version ClientHello on it.
    static func offer(config: DTLSConfiguration, random: [UInt8]) -> ClientHello {
        var extensions: [HelloExtension] = []
        let offersDHE = config.cipherSuites.contains { $0.keyExchange == .dhe }
        // The (EC)DHE groups only: the hybrid ones are DTLS 1.3's.
        let groups = config.groups.filter { $0.ecGroup != nil } + (offersDHE ? config.ffdheGroups : [])
        extensions.append(.supportedGroups(groups))
        extensions.append(.ecPointFormatsUncompressed)
        extensions.append(.signatureAlgorithms(config.signatureSchemes))
        if !config.srtpProfiles.isEmpty {
            extensions.append(.useSRTP(UseSRTPData(profiles: config.srtpProfiles)))
        }
        extensions.append(.extendedMasterSecret)
        extensions.append(.renegotiationInfoEmpty)
        return ClientHello(random: random, cipherSuites: config.cipherSuites, extensions: extensions)
    }

    private func start(now: DTLSInstant) {
        guard let hs = handshake, let pending else { return }
        hs.clientRandom = SecureRandom.bytes(32)
        pending.offer = Self.offer(config: config, random: hs.clientRandom)
        do {
            try sendClientHello(now: now)
        } catch {
            fail(error)
        }
    }

    /// Flight 1, or flight 3 with the cookie. The transcript starts over:
    /// the first ClientHello and HelloVerifyRequest are not hashed.
    private func sendClientHello(now: DTLSInstant) throws(DTLSError) {
        guard let hs = handshake, let pending, var hello = pending.offer else { return }
        hello.cookie = pending.cookie
        var w = ByteWriter(capacity: 256)
        hello.write(to: &w)
        hs.transcript.reset()
        var flight = Flight(retransmitsOnTimer: true)
        flight.items.append(hs.nextMessage(.clientHello, body: w.bytes))
        try sendFlight(flight, now: now)
    }

    override func acceptChangeCipherSpec() -> Bool {
        guard waitingFor == .awaitChangeCipherSpec else { return false }
        waitingFor = .awaitFinished
        return true
    }

    override func roleDidConnect() { pending = nil }

    override func handleMessage(_ message: HandshakeReassembler.Message, epoch: UInt16, now: DTLSInstant) throws(DTLSError) {
        guard let hs = handshake, let pending else { return }
        var reader = ByteReader(message.body)
        switch (waitingFor, message.type) {
        case (.awaitServerHello, .helloVerifyRequest):
            let hvr = try parse { () throws(WireError) in try HelloVerifyRequest(parsing: &reader) }
            pending.helloVerifyCount += 1
            guard pending.helloVerifyCount <= 3 else { throw .unexpected("too many HelloVerifyRequests") }
            guard !hvr.cookie.isEmpty, hvr.cookie.count <= 255 else { throw .illegal("empty cookie") }
            guard hvr.version == .dtls10 || hvr.version == .dtls12 else {
                throw DTLSError(.protocolVersion, alert: .protocolVersion, "HelloVerifyRequest version \(hvr.version)")
            }
            pending.cookie = hvr.cookie
            try sendClientHello(now: now)

        case (.awaitServerHello, .serverHello):
            let hello = try parse { () throws(WireError) in try ServerHello(parsing: &reader) }
            try processServerHello(hello, hs: hs)
            hs.transcript.append(type: .serverHello, sequence: message.sequence, body: message.body)
            waitingFor = .awaitCertificate

        case (.awaitCertificate, .certificate):
            let certificate = try parse { () throws(WireError) in try CertificateMessage(parsing: &reader) }
            guard let leaf = certificate.certificates.first, let suite = hs.suite else {
                throw DTLSError(.badCertificate, alert: .badCertificate, "server sent no certificate")
            }
            let key = try acceptPeerCertificate(leaf, hs: hs)
            guard suite.fits(key.keyType) else {
                throw DTLSError(.badCertificate, alert: .unsupportedCertificate, "certificate key does not fit \(suite.suite)")
            }
            hs.transcript.append(type: .certificate, sequence: message.sequence, body: message.body)
            waitingFor = .awaitServerKeyExchange

        case (.awaitServerKeyExchange, .serverKeyExchange):
            guard let suite = hs.suite, let peerKey = hs.peerPublicKey else { throw .unexpected("ServerKeyExchange") }
            let kx = try parse { () throws(WireError) in try ServerKeyExchange(parsing: &reader, keyExchange: suite.keyExchange) }
            let scheme = kx.signed.scheme
            guard config.signatureSchemes.contains(scheme), scheme.fits(peerKey.keyType) else {
                throw .illegal("ServerKeyExchange signed with \(scheme)")
            }
            let signedBytes = hs.clientRandom + hs.serverRandom + kx.parameterBytes
            guard peerKey.verify(signature: kx.signed.signature.span, message: signedBytes.span, hash: scheme.hash, pss: scheme.isRSAPSS) else {
                throw DTLSError(.badSignature, alert: .decryptError, "ServerKeyExchange signature")
            }
            switch kx.parameters {
            case .ecdhe(let group, let point):
                guard config.groups.contains(group), let ecGroup = group.ecGroup else {
                    throw .illegal("server chose group \(group) we did not offer")
                }
                hs.group = group
                pending.serverShare = point
                do {
                    hs.keyAgreement = .ecdhe(try ECDHPrivateKey(group: ecGroup))
                } catch {
                    throw .internalError("ECDH keygen: \(error)")
                }
            case .dhe(let p, let g, let y):
                do {
                    hs.keyAgreement = .dhe(try FFDHPrivateKey(prime: p.span, generator: g.span, minimumPrimeBits: config.minimumDHPrimeBits))
                } catch {
                    throw DTLSError(.insufficientSecurity, alert: .insufficientSecurity, "server DH parameters: \(error)")
                }
                hs.group = FFDHEGroup.matching(prime: p.span, generator: g.span)?.namedGroup ?? NamedGroup(rawValue: 0)
                pending.serverShare = y
            }
            hs.transcript.append(type: .serverKeyExchange, sequence: message.sequence, body: message.body)
            waitingFor = .awaitCertificateRequestOrDone

        case (.awaitCertificateRequestOrDone, .certificateRequest):
            let request = try parse { () throws(WireError) in try CertificateRequest(parsing: &reader) }
            pending.certificateRequested = true
            pending.requestedSchemes = request.signatureAlgorithms
            hs.transcript.append(type: .certificateRequest, sequence: message.sequence, body: message.body)
            waitingFor = .awaitServerHelloDone

        case (.awaitCertificateRequestOrDone, .serverHelloDone), (.awaitServerHelloDone, .serverHelloDone):
            guard message.body.isEmpty else { throw .malformed("ServerHelloDone with a body") }
            hs.transcript.append(type: .serverHelloDone, sequence: message.sequence, body: message.body)
            try sendFinalFlight(hs: hs, pending: pending, now: now)

        case (.awaitFinished, .finished):
            guard epoch == 1 else { throw .unexpected("Finished in epoch 0") }
            let finished = try parse { () throws(WireError) in try Finished(parsing: &reader) }
            let expected = try crypto { () throws(CryptoError) in
                try KeySchedule.finished(masterSecret: hs.masterSecret, client: false,
                                         transcriptHash: hs.transcript.hash(hs.hash), hash: hs.hash)
            }
            guard ConstantTime.equals(expected.span, finished.verifyData.span) else {
                throw DTLSError(.badFinished, alert: .decryptError, "server Finished does not match")
            }
            hs.transcript.append(type: .finished, sequence: message.sequence, body: message.body)
            didConnect(hs: hs, now: now)

        case (_, .helloRequest):
            // Ignored during a handshake (RFC 5246 7.4.1.1).
            break

        default:
            throw .unexpected("\(message.type) while \(waitingFor)")
        }
    }

    private func processServerHello(_ hello: ServerHello, hs: HandshakeContext) throws(DTLSError) {
        guard hello.version == .dtls12 else {
            throw DTLSError(.protocolVersion, alert: .protocolVersion, "server chose \(hello.version)")
        }
        guard config.cipherSuites.contains(hello.cipherSuite), let suite = hello.cipherSuite.parameters else {
            throw .illegal("server chose suite \(hello.cipherSuite) we did not offer")
        }
        guard hello.compressionMethod == 0 else { throw .illegal("compression method \(hello.compressionMethod)") }
        if config.versions.contains(.dtls13), hello.random.suffix(8).elementsEqual(ProtocolVersion.downgradeSentinel12) {
            // RFC 8446 4.1.3: a server that speaks 1.3 chose 1.2 for a client
            // that offered 1.3: someone in between removed our 1.3 offer.
            throw .illegal("the ServerHello carries the downgrade sentinel")
        }
        guard hello.extensions.contains(.extendedMasterSecret) else {
            throw .failure(.missingExtendedMasterSecret, "server did not negotiate extended master secret")
        }
        let renegotiation = try parse { () throws(WireError) in try hello.extensions.renegotiationInfo() }
        if let renegotiation, !renegotiation.isEmpty { throw .failure(.illegalParameter, "non-empty renegotiation_info") }
        let srtp = try parse { () throws(WireError) in try hello.extensions.useSRTP() }
        if let srtp {
            guard srtp.profiles.count == 1, config.srtpProfiles.contains(srtp.profiles[0]) else {
                throw .illegal("server chose SRTP profiles \(srtp.profiles) we did not offer")
            }
            guard srtp.mki.isEmpty else { throw .illegal("server MKI differs from ours") }
            hs.srtpProfile = srtp.profiles[0]
            hs.srtpMKI = srtp.mki
        } else if config.requireSRTP, !config.srtpProfiles.isEmpty {
            throw .failure(.noCommonSRTPProfile, "server did not agree on an SRTP profile")
        }
        // Known extensions only: an unsolicited one is illegal (RFC 5246 7.4.1.4).
        let offered: Set<ExtensionType> = [.supportedGroups, .ecPointFormats, .signatureAlgorithms, .useSRTP,
                                           .extendedMasterSecret, .renegotiationInfo]
        for ext in hello.extensions where !offered.contains(ext.type) {
            throw DTLSError(.illegalParameter, alert: .unsupportedExtension, "unsolicited extension \(ext.type.rawValue)")
        }
        hs.suite = suite
        hs.serverRandom = hello.random
    }

    /// Flight 5: our certificate if asked, the key exchange, the signature
    /// over the transcript, then ChangeCipherSpec and Finished in epoch 1.
    private func sendFinalFlight(hs: HandshakeContext, pending: Pending, now: DTLSInstant) throws(DTLSError) {
        guard let suite = hs.suite else { throw .unexpected("ServerHelloDone before ServerHello") }
        guard let keyAgreement = hs.keyAgreement else { throw .unexpected("no ServerKeyExchange") }
        var flight = Flight(retransmitsOnTimer: true)
        if pending.certificateRequested {
            var w = ByteWriter(capacity: 1024)
            CertificateMessage(certificates: [config.certificate.derEncoded]).write(to: &w)
            flight.items.append(hs.nextMessage(.certificate, body: w.bytes))
        }
        let preMasterSecret = try keyAgreement.sharedSecret(peerShare: pending.serverShare)
        var w = ByteWriter(capacity: 300)
        ClientKeyExchange(publicKey: keyAgreement.publicKeyBytes).write(to: &w, keyExchange: suite.keyExchange)
        flight.items.append(hs.nextMessage(.clientKeyExchange, body: w.bytes))
        try deriveKeys(hs: hs, preMasterSecret: preMasterSecret)

        if pending.certificateRequested {
            guard let scheme = config.signatureSchemes.first(where: {
                $0.fits(config.privateKey.keyType) && pending.requestedSchemes.contains($0)
            }) else {
                throw .failure(.noCommonParameters, "no signature scheme the server accepts for our key")
            }
            let transcript = hs.transcript.bytes
            let signature = try crypto { () throws(CryptoError) in
                try config.privateKey.sign(transcript.span, hash: scheme.hash, pss: scheme.isRSAPSS)
            }
            var cv = ByteWriter(capacity: 300)
            CertificateVerify(signed: DigitallySigned(scheme: scheme, signature: signature)).write(to: &cv)
            flight.items.append(hs.nextMessage(.certificateVerify, body: cv.bytes))
        }
        flight.items.append(.changeCipherSpec)
        let verifyData = try crypto { () throws(CryptoError) in
            try KeySchedule.finished(masterSecret: hs.masterSecret, client: true,
                                     transcriptHash: hs.transcript.hash(hs.hash), hash: hs.hash)
        }
        flight.items.append(hs.nextMessage(.finished, body: verifyData, epoch: 1))
        switchWriteEpoch(hs: hs)
        waitingFor = .awaitChangeCipherSpec
        try sendFlight(flight, now: now)
    }
}
