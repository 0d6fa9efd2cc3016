import DTLSCrypto

/// The DTLS 1.2 server engine: flight 2 (the optional HelloVerifyRequest,
/// when no `DTLSCookieListener` stands in front), flight 4 and flight 6.
final class DTLS12Server: DTLS12Engine {
    /// Which message the server waits for.
    enum State: Equatable {
        case awaitClientHello
        case awaitClientCertificate
        case awaitClientKeyExchange
        case awaitCertificateVerify
        case awaitChangeCipherSpec
        case awaitFinished
    }

    private(set) var waitingFor: State = .awaitClientHello
    /// The cookie secret when the connection does its own exchange.
    private let cookieSecret: [UInt8]?

    /// A server that waits for a ClientHello.
    init(config: DTLSConfiguration, now: DTLSInstant) {
        cookieSecret = config.cookieExchange ? SecureRandom.bytes(32) : nil
        super.init(role: .server, config: config, now: now)
    }

    /// A server accepted by a stateless front door: its epoch-0 records
    /// number on from the record that carried the verified cookie, so none
    /// repeats a number the front door already used (RFC 6347 4.2.1).
    func continueEpochZeroSequence(from recordSequence: UInt64) {
        if io.writeEpoch == 0 { io.writeSequence = max(io.writeSequence, recordSequence) }
    }

    override func acceptChangeCipherSpec() -> Bool {
        guard waitingFor == .awaitChangeCipherSpec else { return false }
        waitingFor = .awaitFinished
        return true
    }

    /// Intercepts ClientHello fragments before the server has a handshake
    /// going. Returns true when the fragment was fully dealt with here.
    override func interceptFragment(_ fragment: HandshakeFragmentView, now: DTLSInstant) -> Bool {
        guard waitingFor == .awaitClientHello, fragment.header.type == .clientHello else { return false }
        guard let hs = handshake else { return true }
        if let secret = cookieSecret {
            guard fragment.header.fragmentOffset == 0 else {
                // A later fragment: keep it (bounded by the reassembler) in
                // case the first one carries a valid cookie.
                return false
            }
            var reader = ByteReader(io.receiveBuffer, range: fragment.body)
            guard let prefix = try? ClientHelloPrefix(parsing: &reader) else { return true }
            if CookieMint.verify(secrets: [secret], address: [], prefix: prefix) {
                hs.reassembler.advance(to: fragment.header.messageSequence)
                return false
            }
            let cookie = CookieMint.cookie(secret: secret, address: [], prefix: prefix)
            let message = CookieMint.helloVerifyRequestMessage(cookie: cookie, messageSequence: fragment.header.messageSequence)
            var buffer = io.takeBuffer()
            do {
                try appendRecord(&buffer, type: .handshake, epoch: 0) { $0.append(contentsOf: message) }
                io.enqueue(.packet, buffer)
            } catch {}
            return true
        }
        if fragment.header.fragmentOffset == 0 {
            hs.reassembler.advance(to: fragment.header.messageSequence)
        }
        return false
    }

    override func handleMessage(_ message: HandshakeReassembler.Message, epoch: UInt16, now: DTLSInstant) throws(DTLSError) {
        guard let hs = handshake else { return }
        var reader = ByteReader(message.body)
        switch (waitingFor, message.type) {
        case (.awaitClientHello, .clientHello):
            let hello = try parse { () throws(WireError) in try ClientHello(parsing: &reader) }
            try processClientHello(hello, sequence: message.sequence, body: message.body, hs: hs, now: now)

        case (.awaitClientCertificate, .certificate):
            let certificate = try parse { () throws(WireError) in try CertificateMessage(parsing: &reader) }
            if let leaf = certificate.certificates.first {
                _ = try acceptPeerCertificate(leaf, hs: hs)
            } else if config.requireClientCertificate {
                throw .failure(.missingClientCertificate, "client sent no certificate")
            }
            hs.transcript.append(type: .certificate, sequence: message.sequence, body: message.body)
            waitingFor = .awaitClientKeyExchange

        case (.awaitClientKeyExchange, .clientKeyExchange):
            guard let suite = hs.suite, let keyAgreement = hs.keyAgreement else { throw .unexpected("no suite") }
            let kx = try parse { () throws(WireError) in try ClientKeyExchange(parsing: &reader, keyExchange: suite.keyExchange) }
            let preMasterSecret = try keyAgreement.sharedSecret(peerShare: kx.publicKey)
            hs.transcript.append(type: .clientKeyExchange, sequence: message.sequence, body: message.body)
            try deriveKeys(hs: hs, preMasterSecret: preMasterSecret)
            waitingFor = hs.peerCertificate != nil ? .awaitCertificateVerify : .awaitChangeCipherSpec

        case (.awaitCertificateVerify, .certificateVerify):
            guard let peerKey = hs.peerPublicKey else { throw .unexpected("CertificateVerify without certificate") }
            let verify = try parse { () throws(WireError) in try CertificateVerify(parsing: &reader) }
            let scheme = verify.signed.scheme
            guard config.signatureSchemes.contains(scheme), scheme.fits(peerKey.keyType) else {
                throw .illegal("CertificateVerify signed with \(scheme)")
            }
            let transcript = hs.transcript.bytes
            let signature = verify.signed.signature
            guard peerKey.verify(signature: signature.span, message: transcript.span, hash: scheme.hash, pss: scheme.isRSAPSS) else {
                throw DTLSError(.badSignature, alert: .decryptError, "CertificateVerify signature")
            }
            hs.transcript.append(type: .certificateVerify, sequence: message.sequence, body: message.body)
            waitingFor = .awaitChangeCipherSpec

        case (.awaitFinished, .finished):
            guard epoch == 1 else { throw .unexpected("Finished in epoch 0") }
            let finished = try parse { () throws(WireError) in try Finished(parsing: &reader) }
            let expected = try crypto { () throws(CryptoError) in
                try KeySchedule.finished(masterSecret: hs.masterSecret, client: true,
                                         transcriptHash: hs.transcript.hash(hs.hash), hash: hs.hash)
            }
            guard ConstantTime.equals(expected.span, finished.verifyData.span) else {
                throw DTLSError(.badFinished, alert: .decryptError, "client Finished does not match")
            }
            hs.transcript.append(type: .finished, sequence: message.sequence, body: message.body)
            let verifyData = try crypto { () throws(CryptoError) in
                try KeySchedule.finished(masterSecret: hs.masterSecret, client: false,
                                         transcriptHash: hs.transcript.hash(hs.hash), hash: hs.hash)
            }
            var flight = Flight(retransmitsOnTimer: false)
            flight.items.append(.changeCipherSpec)
            flight.items.append(hs.nextMessage(.finished, body: verifyData, epoch: 1))
            switchWriteEpoch(hs: hs)
            try sendFlight(flight, now: now)
            didConnect(hs: hs, now: now)

        default:
            throw .unexpected("\(message.type) while \(waitingFor)")
        }
    }

    private func processClientHello(_ hello: ClientHello, sequence: UInt16, body: [UInt8],
                                          hs: HandshakeContext, now: DTLSInstant) throws(DTLSError) {
        // The server numbers its flights on from the ClientHello's message_seq;
        // leave room for them (RFC 6347 4.2.2: a ClientHello is 0, or 1 after a
        // HelloVerifyRequest, so only a hostile peer comes near 2^16).
        guard sequence <= UInt16.max - 16 else { throw .illegal("ClientHello message_seq \(sequence)") }
        // DTLS versions count down: 0xFEFD (1.2) is newer than 0xFEFF (1.0).
        guard hello.version.rawValue <= ProtocolVersion.dtls12.rawValue else {
            throw DTLSError(.protocolVersion, alert: .protocolVersion, "client offers only \(hello.version)")
        }
        // RFC 8446 4.2.1: supported_versions, when sent, is the client's
        // list, whatever legacy_version says. A client that lists only DTLS
        // 1.3 is told protocol_version, not "no cipher suite in common".
        if let versions = try parse({ () throws(WireError) in try hello.extensions.clientSupportedVersions() }),
           !versions.contains(.dtls12) {
            throw DTLSError(.protocolVersion, alert: .protocolVersion,
                            "client supports only \(versions.map(\.description).joined(separator: ", "))")
        }
        guard hello.compressionMethods.contains(0) else { throw .illegal("no null compression") }
        guard hello.extensions.contains(.extendedMasterSecret) else {
            throw .failure(.missingExtendedMasterSecret, "client did not offer extended master secret")
        }
        let renegotiation = try parse { () throws(WireError) in try hello.extensions.renegotiationInfo() }
        if let renegotiation, !renegotiation.isEmpty { throw .failure(.illegalParameter, "non-empty renegotiation_info") }

        let clientGroups = try parse { () throws(WireError) in try hello.extensions.supportedGroups() }
        let clientSchemes = try parse { () throws(WireError) in try hello.extensions.signatureAlgorithms() } ?? []
        let srtp = try parse { () throws(WireError) in try hello.extensions.useSRTP() }
        if let formats = try parse({ () throws(WireError) in try hello.extensions.ecPointFormats() }), !formats.contains(0) {
            throw .illegal("client does not accept uncompressed points")
        }

        let keyType = config.privateKey.keyType
        guard let scheme = config.signatureSchemes.first(where: { $0.fits(keyType) && clientSchemes.contains($0) }) else {
            throw .failure(.noCommonParameters, "no signature scheme in common for our key")
        }
        // RFC 8422 4: a client without supported_groups is assumed to support P-256.
        let offeredGroups = clientGroups ?? [.secp256r1]
        let ecGroup = config.groups.first { offeredGroups.contains($0) && $0.ecGroup != nil }
        let clientFFDHE = offeredGroups.filter(\.isFFDHE)
        // RFC 7919 4: with FFDHE groups offered, use a common one or no DHE.
        let dhGroup = clientFFDHE.isEmpty ? config.ffdheGroups.first : config.ffdheGroups.first { clientFFDHE.contains($0) }
        guard let suite = config.cipherSuites.lazy.compactMap(\.parameters).first(where: { suite in
            hello.cipherSuites.contains(suite.suite) && suite.fits(keyType)
                && (suite.keyExchange == .ecdhe ? ecGroup != nil : dhGroup?.ffdheGroup != nil)
        }) else {
            throw .failure(.noCommonCipherSuite, "no cipher suite in common")
        }

        var profile: SRTPProtectionProfile?
        var mki: [UInt8] = []
        if !config.srtpProfiles.isEmpty, let srtp {
            profile = config.srtpProfiles.first { srtp.profiles.contains($0) }
            mki = srtp.mki
        }
        if profile == nil, config.requireSRTP, !config.srtpProfiles.isEmpty {
            throw .failure(.noCommonSRTPProfile, "no SRTP profile in common")
        }

        hs.suite = suite
        hs.srtpProfile = profile
        hs.srtpMKI = mki
        hs.clientRandom = hello.random
        hs.serverRandom = SecureRandom.bytes(32)
        if config.versions.contains(.dtls13) {
            // RFC 8446 4.1.3 (RFC 9147 5): a server that also speaks 1.3 marks
            // a 1.2 ServerHello, so a 1.3 client sees a downgrade forced on it.
            hs.serverRandom.replaceSubrange(24..<32, with: ProtocolVersion.downgradeSentinel12)
        }
        hs.nextSendSequence = sequence
        hs.transcript.reset()
        hs.transcript.append(type: .clientHello, sequence: sequence, body: body)

        var flight = Flight(retransmitsOnTimer: true)
        func add(_ type: HandshakeType, _ writeBody: (inout ByteWriter) -> Void) {
            var w = ByteWriter(capacity: 512)
            writeBody(&w)
            flight.items.append(hs.nextMessage(type, body: w.bytes))
        }

        var extensions: [HelloExtension] = [.renegotiationInfoEmpty, .extendedMasterSecret]
        if let profile { extensions.append(.useSRTP(UseSRTPData(profiles: [profile], mki: mki))) }
        if suite.keyExchange == .ecdhe, hello.extensions.contains(.ecPointFormats) {
            extensions.append(.ecPointFormatsUncompressed)
        }
        let serverHello = ServerHello(random: hs.serverRandom, cipherSuite: suite.suite, extensions: extensions)
        add(.serverHello) { serverHello.write(to: &$0) }
        add(.certificate) { CertificateMessage(certificates: [config.certificate.derEncoded]).write(to: &$0) }

        let parameters: ServerKeyExchange.Parameters
        do {
            switch suite.keyExchange {
            case .ecdhe:
                guard let group = ecGroup, let curve = group.ecGroup else { throw DTLSError.internalError("group") }
                let key = try ECDHPrivateKey(group: curve)
                hs.keyAgreement = .ecdhe(key)
                hs.group = group
                parameters = .ecdhe(group: group, publicKey: key.publicKeyBytes)
            case .dhe:
                guard let group = dhGroup, let ffdhe = group.ffdheGroup else { throw DTLSError.internalError("group") }
                let key = try FFDHPrivateKey(group: ffdhe)
                hs.keyAgreement = .dhe(key)
                hs.group = group
                parameters = .dhe(prime: key.prime, generator: key.generator, publicKey: key.publicKeyBytes)
            }
        } catch let error as DTLSError {
            throw error
        } catch {
            throw .internalError("key generation: \(error)")
        }
        var paramWriter = ByteWriter(capacity: 600)
        ServerKeyExchange.writeParameters(parameters, to: &paramWriter)
        let signedBytes = hs.clientRandom + hs.serverRandom + paramWriter.bytes
        let signature = try crypto { () throws(CryptoError) in
            try config.privateKey.sign(signedBytes.span, hash: scheme.hash, pss: scheme.isRSAPSS)
        }
        let keyExchange = ServerKeyExchange(parameters: parameters, signed: DigitallySigned(scheme: scheme, signature: signature))
        add(.serverKeyExchange) { keyExchange.write(to: &$0) }
        if config.requireClientCertificate {
            let request = CertificateRequest(certificateTypes: [CertificateRequest.ecdsaSign, CertificateRequest.rsaSign],
                                             signatureAlgorithms: config.signatureSchemes)
            add(.certificateRequest) { request.write(to: &$0) }
        }
        add(.serverHelloDone) { _ in }
        waitingFor = config.requireClientCertificate ? .awaitClientCertificate : .awaitClientKeyExchange
        try sendFlight(flight, now: now)
    }
}
