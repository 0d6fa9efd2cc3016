import DTLSCrypto

/// The DTLS 1.3 client (RFC 9147 on RFC 8446), Sans-IO: a full handshake
/// with mutual authentication, as WebRTC runs it. ClientHello
/// with supported_versions, key_share and use_srtp; the server's flight
/// under the handshake keys, its certificate checked by fingerprint, its
/// CertificateVerify and Finished verified; our Certificate,
/// CertificateVerify and Finished, retransmitted until the server ACKs
/// them; then epoch 3 and the exporter.
///
/// It sends shares for the first post-quantum and the first classical
/// group configured (X25519MLKEM768 and X25519 by default) and answers one
/// HelloRetryRequest (another group, a cookie). With DTLS 1.2 configured
/// too, its ClientHello offers both, and a 1.2 answer hands the offer to
/// `DTLS12Client` (`fallback`).
package final class DTLS13Client: DTLS13Engine {
    /// The client's handshake steps (RFC 8446 Appendix A.1).
    package enum State: Equatable, Sendable {
        case start
        case waitServerHello
        case waitEncryptedExtensions
        case waitCertificateRequestOrCertificate
        case waitCertificate
        case waitCertificateVerify
        case waitFinished
        case connected
        /// The server answered as DTLS 1.2; `fallback` says with what.
        case handedOverToDTLS12
    }

    package private(set) var state: State = .start
    /// Set when a server answered our two-version ClientHello as DTLS 1.2
    /// (a ServerHello without supported_versions, or a HelloVerifyRequest):
    /// the offer and the next epoch-0 record number, for the 1.2 client
    /// that takes over (`DTLSConnection` makes it and replays the datagram).
    package private(set) var fallback: (offer: ClientHello, nextRecordSequence: UInt64)?
    /// The private halves of the key shares we sent, by group.
    private var keyShares: [NamedGroup: ClientKeyShare13] = [:]
    private var certificateRequestContext: [UInt8]?
    /// The first ClientHello, to send again after a HelloRetryRequest with
    /// only the key share (and a cookie) changed (RFC 8446 4.1.2).
    private var firstHello: ClientHello?
    package private(set) var receivedHelloRetryRequest = false

    package override init(configuration: DTLSConfiguration) {
        super.init(configuration: configuration)
    }

    /// Queues the ClientHello.
    package func start(now: DTLSInstant) throws(DTLSError) {
        guard state == .start else { return }
        let groups = DTLS13Server.groups(config)
        // Shares for the first post-quantum group and the first classical
        // one, as both browsers send (X25519MLKEM768 and X25519 by default).
        let shareGroups = [groups.first { $0.hybrid != nil }, groups.first { $0.hybrid == nil }].compactMap { $0 }
        guard !shareGroups.isEmpty else {
            throw fail(DTLSError(.noCommonParameters, alert: nil, "no DTLS 1.3 key-exchange group configured"))
        }
        var hello: ClientHello
        if config.versions.contains(.dtls12) {
            // One ClientHello for both versions: the 1.2 offer, with the 1.3
            // suites first and what 1.3 adds (RFC 8446 4.2: a 1.2 server
            // ignores supported_versions and key_share).
            hello = DTLS12Client.offer(config: config, random: SecureRandom.bytes(32))
            hello.cipherSuites = DTLS13Server.suites(config) + hello.cipherSuites.filter { !DTLS13Server.suites.contains($0) }
            let schemes = SignatureScheme.dtls13 + config.signatureSchemes.filter { !SignatureScheme.dtls13.contains($0) }
            let allGroups = groups + ((try? hello.extensions.supportedGroups()) ?? nil ?? []).filter { !groups.contains($0) }
            for index in hello.extensions.indices {
                switch hello.extensions[index].type {
                case .signatureAlgorithms: hello.extensions[index] = .signatureAlgorithms(schemes)
                case .supportedGroups: hello.extensions[index] = .supportedGroups(allGroups)
                default: break
                }
            }
            hello.extensions += [.supportedVersions([.dtls13, .dtls12]), try keyShareExtension(for: shareGroups)]
        } else {
            var extensions: [HelloExtension] = [
                .supportedVersions([.dtls13]),
                .supportedGroups(groups),
                try keyShareExtension(for: shareGroups),
                .signatureAlgorithms(SignatureScheme.dtls13),
            ]
            if !config.srtpProfiles.isEmpty { extensions.append(.useSRTP(UseSRTPData(profiles: config.srtpProfiles))) }
            hello = ClientHello(version: .dtls12, random: SecureRandom.bytes(32), sessionID: [], cookie: [],
                                cipherSuites: DTLS13Server.suites(config), extensions: extensions)
        }
        firstHello = hello
        clientRandom = hello.random
        sendHello(hello, now: now)
    }

    /// Fresh key shares for `groups` (their private halves kept, replacing
    /// any earlier ones), as the key_share extension.
    private func keyShareExtension(for groups: [NamedGroup]) throws(DTLSError) -> HelloExtension {
        keyShares = [:]
        var hybrid: HybridClientKey?
        var entries: [KeyShareEntry] = []
        for group in groups {
            let share = try ClientKeyShare13.make(for: group, reusing: hybrid)
            if case .hybrid(let key) = share { hybrid = key }
            keyShares[group] = share
            entries.append(KeyShareEntry(group: group, keyExchange: share.publicBytes))
        }
        return .clientKeyShares(entries)
    }

    private func sendHello(_ hello: ClientHello, now: DTLSInstant) {
        var body = ByteWriter()
        hello.write(to: &body)
        let message = handshake(.clientHello, body.bytes)
        state = .waitServerHello
        send(flight: [(0, .handshake, message)], now: now)
    }

    /// RFC 8446 4.1.4: the server wants another group (or a cookie back).
    /// The transcript restarts with message_hash(ClientHello1), then the
    /// HelloRetryRequest; the second ClientHello changes only what it must.
    private func retry(_ request: ServerHello, body: [UInt8], now: DTLSInstant) throws(DTLSError) {
        guard !receivedHelloRetryRequest, var hello = firstHello else {
            throw DTLSError(.unexpectedMessage, alert: .unexpectedMessage, "a second HelloRetryRequest")
        }
        receivedHelloRetryRequest = true
        let version = try wire { () throws(WireError) in try request.extensions.selectedVersion() }
        guard version == .dtls13, DTLS13Server.suites(config).contains(request.cipherSuite) else {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "HelloRetryRequest with \(request.cipherSuite), \(String(describing: version))")
        }
        try select(suite: request.cipherSuite)
        // message_hash (RFC 8446 4.4.1): the first ClientHello's hash stands in for it.
        resetTranscript(HelloRetryRequest.transcriptPrefix(firstHelloHash: transcriptHash()))
        appendToTranscript(HandshakeType.serverHello.rawValue, body)
        hello.extensions.removeAll { $0.type == .cookie }
        if let ext = request.extensions.first(.keyShare) {
            var reader = ByteReader(ext.data)
            let wanted = NamedGroup(rawValue: try wire { () throws(WireError) in
                let value = try reader.readUInt16()
                try reader.expectEnd()
                return value
            })
            // RFC 8446 4.1.4: a group we offered and sent no share for.
            guard DTLS13Server.groups(config).contains(wanted), keyShares[wanted] == nil else {
                throw DTLSError(.illegalParameter, alert: .illegalParameter, "HelloRetryRequest for group \(wanted)")
            }
            let index = hello.extensions.firstIndex { $0.type == .keyShare }
            let replacement = try keyShareExtension(for: [wanted])
            if let index { hello.extensions[index] = replacement } else { hello.extensions.append(replacement) }
        }
        if let cookie = request.extensions.first(.cookie) { hello.extensions.append(cookie) }
        flightAcknowledged()
        sendHello(hello, now: now)
    }

    override func process(type: HandshakeType, body: [UInt8], now: DTLSInstant) throws {
        var reader = ByteReader(body)
        switch (state, type) {
        case (.handedOverToDTLS12, _):
            return
        case (.waitServerHello, .helloVerifyRequest) where offersDTLS12:
            handOverToDTLS12()
        case (.waitServerHello, .serverHello):
            let hello = try ServerHello(parsing: &reader)
            if hello.random == HelloRetryRequest.random {
                try retry(hello, body: body, now: now)
                return
            }
            if offersDTLS12, !hello.extensions.contains(.supportedVersions) {
                handOverToDTLS12()
                return
            }
            appendToTranscript(type.rawValue, body)
            try handleServerHello(hello)
        case (.waitEncryptedExtensions, .encryptedExtensions):
            let extensions = try EncryptedExtensions(parsing: &reader)
            if let srtp = try extensions.extensions.useSRTP() {
                guard srtp.profiles.count == 1, let profile = srtp.profiles.first, config.srtpProfiles.contains(profile) else {
                    throw DTLSError(.illegalParameter, alert: .illegalParameter, "server chose an SRTP profile we did not offer")
                }
                srtpProfile = profile
            } else if config.requireSRTP {
                throw DTLSError(.noCommonSRTPProfile, alert: .handshakeFailure, "server did not negotiate use_srtp")
            }
            appendToTranscript(type.rawValue, body)
            state = .waitCertificateRequestOrCertificate
        case (.waitCertificateRequestOrCertificate, .certificateRequest):
            certificateRequestContext = try CertificateRequest13(parsing: &reader).context
            appendToTranscript(type.rawValue, body)
            state = .waitCertificate
        case (.waitCertificateRequestOrCertificate, .certificate), (.waitCertificate, .certificate):
            try receivePeerCertificate(body)
            state = .waitCertificateVerify
        case (.waitCertificateVerify, .certificateVerify):
            try receivePeerCertificateVerify(body, peerIsServer: true)
            state = .waitFinished
        case (.waitFinished, .finished):
            try verifyPeerFinished(body, peerSecret: serverHandshakeSecret)
            appendToTranscript(type.rawValue, body)
            try finishHandshake(now: now)
        case (.connected, _):
            break  // NewSessionTicket (no resumption yet), KeyUpdate (not yet): ACKed, ignored
        default:
            throw DTLSError(.unexpectedMessage, alert: .unexpectedMessage, "\(type) while \(state)")
        }
    }

    /// Whether the ClientHello offered DTLS 1.2 too (and no HelloRetryRequest
    /// has committed the handshake to 1.3).
    private var offersDTLS12: Bool { config.versions.contains(.dtls12) && !receivedHelloRetryRequest }

    private func handOverToDTLS12() {
        guard let firstHello else { return }
        fallback = (firstHello, nextEpochZeroSequence)
        flightAcknowledged()
        state = .handedOverToDTLS12
    }

    private func handleServerHello(_ hello: ServerHello) throws(DTLSError) {
        let version = try wire { () throws(WireError) in try hello.extensions.selectedVersion() }
        guard version == .dtls13 else {
            throw DTLSError(.protocolVersion, alert: .protocolVersion, "server chose \(version.map(\.description) ?? "no supported_versions")")
        }
        guard DTLS13Server.suites(config).contains(hello.cipherSuite) else {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "server chose suite \(hello.cipherSuite)")
        }
        try select(suite: hello.cipherSuite)
        guard let share = try wire({ () throws(WireError) in try hello.extensions.serverKeyShare() }),
              let ours = keyShares[share.group] else {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "server key_share is not for a group we sent a share for")
        }
        if receivedHelloRetryRequest, suite != hello.cipherSuite {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "ServerHello suite differs from the HelloRetryRequest's")
        }
        group = share.group
        let shared = try ours.sharedSecret(serverShare: share.keyExchange)
        keyShares = [:]
        // No HelloRetryRequest or 1.2 answer can come now: the first
        // ClientHello (with its 1.2 KB hybrid share) is not needed again.
        firstHello = nil
        try enterHandshakeEpoch(sharedSecret: shared, isClient: true)
        flightAcknowledged()  // the ServerHello answers the ClientHello
        state = .waitEncryptedExtensions
    }

    /// The server's Finished verified: our flight, then the application keys.
    private func finishHandshake(now: DTLSInstant) throws(DTLSError) {
        let (clientApplication, serverApplication) = try applicationSecrets()
        var messages: [[UInt8]] = []
        if let context = certificateRequestContext {
            messages += try certificateMessages(context: context, isServer: false)
        }
        messages.append(handshake(.finished, try finishedVerifyData(clientHandshakeSecret)))
        send(flight: messages.map { (2, ContentType.handshake, $0) }, now: now)
        try enterApplicationEpoch(read: serverApplication, write: clientApplication)
        state = .connected
        connected()
    }
}
