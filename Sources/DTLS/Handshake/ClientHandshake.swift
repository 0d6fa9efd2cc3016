import DTLSCrypto

/// The client side of the DTLS 1.2 handshake (RFC 6347 4.2.4 figure 1):
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
extension DTLSConnection {
    func startClient(now: DTLSInstant) {
        guard let hs = handshake else { return }
        hs.clientRandom = SecureRandom.bytes(32)
        var extensions: [HelloExtension] = []
        let offersDHE = config.cipherSuites.contains { $0.keyExchange == .dhe }
        let groups = config.groups + (offersDHE ? config.ffdheGroups : [])
        extensions.append(.supportedGroups(groups))
        extensions.append(.ecPointFormatsUncompressed)
        extensions.append(.signatureAlgorithms(config.signatureSchemes))
        if !config.srtpProfiles.isEmpty {
            extensions.append(.useSRTP(UseSRTPData(profiles: config.srtpProfiles)))
        }
        extensions.append(.extendedMasterSecret)
        extensions.append(.renegotiationInfoEmpty)
        hs.clientHello = ClientHello(random: hs.clientRandom, cipherSuites: config.cipherSuites, extensions: extensions)
        do {
            try sendClientHello(now: now)
        } catch {
            fail(error)
        }
    }

    /// Flight 1, or flight 3 with the cookie. The transcript starts over:
    /// the first ClientHello and HelloVerifyRequest are not hashed.
    func sendClientHello(now: DTLSInstant) throws(DTLSError) {
        guard let hs = handshake, var hello = hs.clientHello else { return }
        hello.cookie = hs.cookie
        var w = ByteWriter(capacity: 256)
        hello.write(to: &w)
        let sequence = hs.nextSendSequence
        hs.nextSendSequence += 1
        hs.transcript.reset()
        hs.transcript.append(type: .clientHello, sequence: sequence, body: w.bytes)
        var flight = Flight(retransmitsOnTimer: true)
        flight.items.append(.handshake(type: .clientHello, sequence: sequence, body: w.bytes, epoch: 0))
        try sendFlight(flight, now: now)
    }

    func clientHandle(_ message: HandshakeReassembler.Message, epoch: UInt16, now: DTLSInstant) throws(DTLSError) {
        guard let hs = handshake else { return }
        var reader = ByteReader(message.body)
        switch (hs.step, message.type) {
        case (.clientAwaitServerHello, .helloVerifyRequest):
            let hvr = try parse { () throws(WireError) in try HelloVerifyRequest(parsing: &reader) }
            hs.helloVerifyCount += 1
            guard hs.helloVerifyCount <= 3 else { throw .unexpected("too many HelloVerifyRequests") }
            guard !hvr.cookie.isEmpty, hvr.cookie.count <= 255 else { throw .illegal("empty cookie") }
            guard hvr.version == .dtls10 || hvr.version == .dtls12 else {
                throw DTLSError(.protocolVersion, alert: .protocolVersion, "HelloVerifyRequest version \(hvr.version)")
            }
            hs.cookie = hvr.cookie
            try sendClientHello(now: now)

        case (.clientAwaitServerHello, .serverHello):
            let hello = try parse { () throws(WireError) in try ServerHello(parsing: &reader) }
            try clientProcessServerHello(hello, hs: hs)
            hs.transcript.append(type: .serverHello, sequence: message.sequence, body: message.body)
            hs.step = .clientAwaitCertificate

        case (.clientAwaitCertificate, .certificate):
            let certificate = try parse { () throws(WireError) in try CertificateMessage(parsing: &reader) }
            guard let leaf = certificate.certificates.first, let suite = hs.suite else {
                throw DTLSError(.badCertificate, alert: .badCertificate, "server sent no certificate")
            }
            let key = try acceptPeerCertificate(leaf, hs: hs)
            guard suite.fits(key.keyType) else {
                throw DTLSError(.badCertificate, alert: .unsupportedCertificate, "certificate key does not fit \(suite.suite)")
            }
            hs.transcript.append(type: .certificate, sequence: message.sequence, body: message.body)
            hs.step = .clientAwaitServerKeyExchange

        case (.clientAwaitServerKeyExchange, .serverKeyExchange):
            guard let suite = hs.suite, let peerKey = hs.peerPublicKey else { throw .unexpected("ServerKeyExchange") }
            let kx = try parse { () throws(WireError) in try ServerKeyExchange(parsing: &reader, keyExchange: suite.keyExchange) }
            let scheme = kx.signed.scheme
            guard config.signatureSchemes.contains(scheme), scheme.fits(peerKey.keyType) else {
                throw .illegal("ServerKeyExchange signed with \(scheme)")
            }
            let signedBytes = hs.clientRandom + hs.serverRandom + kx.parameterBytes
            guard peerKey.verify(signature: kx.signed.signature.span, message: signedBytes.span, hash: scheme.hash) else {
                throw DTLSError(.badSignature, alert: .decryptError, "ServerKeyExchange signature")
            }
            switch kx.parameters {
            case .ecdhe(let group, let point):
                guard config.groups.contains(group), let ecGroup = group.ecGroup else {
                    throw .illegal("server chose group \(group) we did not offer")
                }
                hs.group = group
                hs.peerKeyShare = point
                do {
                    hs.ecdhKey = try ECDHPrivateKey(group: ecGroup)
                } catch {
                    throw .internalError("ECDH keygen: \(error)")
                }
            case .dhe(let p, let g, let y):
                do {
                    let key = try FFDHPrivateKey(prime: p.span, generator: g.span, minimumPrimeBits: config.minimumDHPrimeBits)
                    hs.ffdhKey = key
                } catch {
                    throw DTLSError(.insufficientSecurity, alert: .insufficientSecurity, "server DH parameters: \(error)")
                }
                hs.group = FFDHEGroup.matching(prime: p.span, generator: g.span)?.namedGroup ?? NamedGroup(rawValue: 0)
                hs.peerKeyShare = y
            }
            hs.transcript.append(type: .serverKeyExchange, sequence: message.sequence, body: message.body)
            hs.step = .clientAwaitCertificateRequestOrDone

        case (.clientAwaitCertificateRequestOrDone, .certificateRequest):
            let request = try parse { () throws(WireError) in try CertificateRequest(parsing: &reader) }
            hs.certificateRequested = true
            hs.requestedSchemes = request.signatureAlgorithms
            hs.transcript.append(type: .certificateRequest, sequence: message.sequence, body: message.body)
            hs.step = .clientAwaitServerHelloDone

        case (.clientAwaitCertificateRequestOrDone, .serverHelloDone), (.clientAwaitServerHelloDone, .serverHelloDone):
            guard message.body.isEmpty else { throw .malformed("ServerHelloDone with a body") }
            hs.transcript.append(type: .serverHelloDone, sequence: message.sequence, body: message.body)
            try sendClientFinalFlight(hs: hs, now: now)

        case (.clientAwaitFinished, .finished):
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
            throw .unexpected("\(message.type) while \(hs.step)")
        }
    }

    private func clientProcessServerHello(_ hello: ServerHello, hs: HandshakeContext) throws(DTLSError) {
        guard hello.version == .dtls12 else {
            throw DTLSError(.protocolVersion, alert: .protocolVersion, "server chose \(hello.version)")
        }
        guard config.cipherSuites.contains(hello.cipherSuite), let suite = hello.cipherSuite.parameters else {
            throw .illegal("server chose suite \(hello.cipherSuite) we did not offer")
        }
        guard hello.compressionMethod == 0 else { throw .illegal("compression method \(hello.compressionMethod)") }
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
    private func sendClientFinalFlight(hs: HandshakeContext, now: DTLSInstant) throws(DTLSError) {
        guard let suite = hs.suite else { throw .unexpected("ServerHelloDone before ServerHello") }
        var flight = Flight(retransmitsOnTimer: true)
        func add(_ type: HandshakeType, _ body: [UInt8], epoch: UInt16 = 0) {
            let sequence = hs.nextSendSequence
            hs.nextSendSequence += 1
            hs.transcript.append(type: type, sequence: sequence, body: body)
            flight.items.append(.handshake(type: type, sequence: sequence, body: body, epoch: epoch))
        }
        if hs.certificateRequested {
            var w = ByteWriter(capacity: 1024)
            CertificateMessage(certificates: [config.certificate.derEncoded]).write(to: &w)
            add(.certificate, w.bytes)
        }
        let publicKey: [UInt8]
        let preMasterSecret: [UInt8]
        let share = hs.peerKeyShare
        do {
            switch suite.keyExchange {
            case .ecdhe:
                guard let key = hs.ecdhKey else { throw DTLSError.unexpected("no ServerKeyExchange") }
                publicKey = key.publicKeyBytes
                preMasterSecret = try key.sharedSecret(peerPublicKey: share.span)
            case .dhe:
                guard let key = hs.ffdhKey else { throw DTLSError.unexpected("no ServerKeyExchange") }
                publicKey = key.publicKeyBytes
                preMasterSecret = try key.sharedSecret(peerPublicKey: share.span)
            }
        } catch let error as DTLSError {
            throw error
        } catch {
            throw .illegal("server key share: \(error)")
        }
        var w = ByteWriter(capacity: 300)
        ClientKeyExchange(publicKey: publicKey).write(to: &w, keyExchange: suite.keyExchange)
        add(.clientKeyExchange, w.bytes)
        try deriveKeys(hs: hs, preMasterSecret: preMasterSecret, isClient: true)

        if hs.certificateRequested {
            guard let scheme = config.signatureSchemes.first(where: {
                $0.fits(config.privateKey.keyType) && hs.requestedSchemes.contains($0)
            }) else {
                throw .failure(.noCommonParameters, "no signature scheme the server accepts for our key")
            }
            let transcript = hs.transcript.bytes
            let signature = try crypto { () throws(CryptoError) in
                try config.privateKey.sign(transcript.span, hash: scheme.hash)
            }
            var cv = ByteWriter(capacity: 300)
            CertificateVerify(signed: DigitallySigned(scheme: scheme, signature: signature)).write(to: &cv)
            add(.certificateVerify, cv.bytes)
        }
        flight.items.append(.changeCipherSpec)
        let verifyData = try crypto { () throws(CryptoError) in
            try KeySchedule.finished(masterSecret: hs.masterSecret, client: true,
                                     transcriptHash: hs.transcript.hash(hs.hash), hash: hs.hash)
        }
        add(.finished, verifyData, epoch: 1)
        writeProtection = hs.pendingWrite
        hs.pendingWrite = nil
        writeEpoch = 1
        hs.step = .clientAwaitChangeCipherSpec
        try sendFlight(flight, now: now)
    }
}

// MARK: - Shared helpers for both roles

extension DTLSConnection {
    /// Runs a parser, turning its failure into decode_error.
    func parse<T>(_ body: () throws(WireError) -> T) throws(DTLSError) -> T {
        do {
            return try body()
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// Runs a libcrypto operation that should not fail on valid input.
    func crypto<T>(_ body: () throws(CryptoError) -> T) throws(DTLSError) -> T {
        do {
            return try body()
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// Parses the peer's leaf certificate, surfaces it, and applies the
    /// configured verification (the SDP fingerprint check in WebRTC).
    func acceptPeerCertificate(_ der: [UInt8], hs: HandshakeContext) throws(DTLSError) -> PublicKey {
        let key: PublicKey
        do {
            key = try PublicKey.fromCertificate(derEncoded: der)
        } catch {
            throw DTLSError(.badCertificate, alert: .badCertificate, "unreadable certificate: \(error)")
        }
        enqueue(.peerCertificate(der))
        guard config.peerVerification.accepts(der) else {
            throw DTLSError(.certificateRejected, alert: .badCertificate, "peer certificate does not match the expected fingerprint")
        }
        hs.peerCertificate = der
        hs.peerPublicKey = key
        return key
    }

    /// Master secret (always extended, RFC 7627) and the epoch-1 keys.
    func deriveKeys(hs: HandshakeContext, preMasterSecret: [UInt8], isClient: Bool) throws(DTLSError) {
        guard let suite = hs.suite else { throw .unexpected("no suite") }
        let hash = hs.hash
        let sessionHash = hs.transcript.hash(hash)
        try crypto { () throws(CryptoError) in
            hs.masterSecret = try KeySchedule.extendedMasterSecret(preMasterSecret: preMasterSecret,
                                                                   sessionHash: sessionHash, hash: hash)
            let keys = try KeySchedule.trafficKeys(masterSecret: hs.masterSecret, clientRandom: hs.clientRandom,
                                                   serverRandom: hs.serverRandom, keyLength: suite.keyLength,
                                                   fixedIVLength: suite.fixedIVLength, hash: hash)
            // Each side only seals with its own key and opens with the peer's.
            hs.pendingWrite = isClient ? try RecordProtection(suite, key: keys.clientKey, salt: keys.clientSalt, usage: .seal)
                                       : try RecordProtection(suite, key: keys.serverKey, salt: keys.serverSalt, usage: .seal)
            hs.pendingRead = isClient ? try RecordProtection(suite, key: keys.serverKey, salt: keys.serverSalt, usage: .open)
                                      : try RecordProtection(suite, key: keys.clientKey, salt: keys.clientSalt, usage: .open)
        }
    }

    /// The handshake is complete: report it, emit the SRTP keys, and keep
    /// only what an established connection needs.
    func didConnect(hs: HandshakeContext, now: DTLSInstant) {
        guard let suite = hs.suite, let peer = hs.peerCertificate ?? (role == .server ? [] : nil) else {
            fail(.internalError("connected without suite or certificate"))
            return
        }
        let info = DTLSConnectionInfo(version: .dtls12, cipherSuite: suite.suite, srtpProfile: hs.srtpProfile,
                                      srtpMKI: hs.srtpMKI, namedGroup: hs.group ?? NamedGroup(rawValue: 0),
                                      extendedMasterSecret: true, peerCertificate: peer)
        session = Session(info: info, masterSecret: hs.masterSecret, clientRandom: hs.clientRandom,
                          serverRandom: hs.serverRandom, hash: hs.hash)
        state = .connected
        peerNextSequence = hs.reassembler.nextSequence
        handshakeDeadline = nil
        retransmitAt = nil
        handshake = nil
        if role == .server {
            lingerUntil = now + config.finalFlightLinger
        } else {
            lastFlight = nil
            releaseBuffersWhenIdle = true
        }
        enqueue(.connected(info))
        if let profile = hs.srtpProfile {
            do {
                let bytes = try exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: profile.keyingMaterialLength)
                enqueue(.keyingMaterial(DTLSKeyingMaterial(profile: profile, bytes: bytes, isClient: role == .client)))
            } catch {
                fail(error)
            }
        }
    }
}

extension NamedGroup {
    var ecGroup: ECGroup? {
        switch self {
        case .secp256r1: .p256
        case .secp384r1: .p384
        case .x25519: .x25519
        default: nil
        }
    }

    var ffdheGroup: FFDHEGroup? {
        switch self {
        case .ffdhe2048: .ffdhe2048
        case .ffdhe3072: .ffdhe3072
        case .ffdhe4096: .ffdhe4096
        default: nil
        }
    }
}

extension FFDHEGroup {
    var namedGroup: NamedGroup {
        switch self {
        case .ffdhe2048: .ffdhe2048
        case .ffdhe3072: .ffdhe3072
        case .ffdhe4096: .ffdhe4096
        }
    }
}
