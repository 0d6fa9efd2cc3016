import DTLSCrypto

/// The DTLS 1.3 client (RFC 9147 on RFC 8446), Sans-IO: datagrams and
/// clock readings in, datagrams out. Full handshake with (EC)DHE and
/// mutual authentication, as WebRTC runs it: ClientHello with
/// supported_versions, key_share and use_srtp; the server's flight under
/// the handshake keys; the client's Certificate, CertificateVerify and
/// Finished; then the application keys (epoch 3) and the exporter.
///
/// **Boundary**: not yet behind `DTLSConnection`. It offers DTLS 1.3 only
/// (no 1.2 fallback inside one handshake), no HelloRetryRequest, AES-GCM
/// suites, ECDSA keys; retransmission is the RFC 9147 5.8 timer with
/// backoff, the client's last flight is retransmitted until the server
/// ACKs it, and records of post-handshake messages (NewSessionTicket,
/// ignored) are ACKed.
package final class DTLS13Client {
    package enum State: Equatable, Sendable {
        case start
        case waitServerHello
        case waitEncryptedFlight
        case connected
        case failed(DTLSError)
        case closed
    }

    package private(set) var state: State = .start
    package private(set) var suite: CipherSuite?
    package private(set) var group: NamedGroup?
    package private(set) var srtpProfile: SRTPProtectionProfile?
    package private(set) var peerCertificate: [UInt8]?
    /// Application data received, in order.
    package private(set) var received: [[UInt8]] = []

    private let config: DTLSConfiguration
    private var outgoing: [[UInt8]] = []
    private var keyShare: ECDHPrivateKey?
    private var transcript: [UInt8] = []
    private var hash: HashAlgorithm = .sha256
    private var keyLength = 16
    private var clientHandshakeSecret: [UInt8] = []
    private var serverHandshakeSecret: [UInt8] = []
    private var exporterSecret: [UInt8] = []
    private var readKeys: [UInt64: EpochKeys13] = [:]
    private var writeKeys: EpochKeys13?
    private var writeEpoch: UInt64 = 0
    private var writeSequence: [UInt64: UInt64] = [:]
    private var readNext: [UInt64: UInt64] = [:]
    private var messageSequence: UInt16 = 0
    private var reassembly: [UInt16: (type: UInt8, body: [UInt8], have: [Bool])] = [:]
    private var nextMessage: UInt16 = 0
    private var certificateRequestContext: [UInt8]?
    /// What retransmission resends: the last flight's records, rebuilt with
    /// fresh record numbers each time.
    private var flight: [(epoch: UInt64, type: ContentType, content: [UInt8])] = []
    private var flightRecordNumbers: Set<ACK.RecordNumber> = []
    private var retransmitAt: DTLSInstant?
    private var timeout: Duration = .seconds(1)
    private var pendingAcks: [ACK.RecordNumber] = []

    package init(configuration: DTLSConfiguration) {
        config = configuration
    }

    /// The next datagram to send, if any.
    package func pollDatagram() -> [UInt8]? {
        outgoing.isEmpty ? nil : outgoing.removeFirst()
    }

    /// When `handleTimeout` should run.
    package var nextTimeout: DTLSInstant? { retransmitAt }

    // MARK: - Flights

    /// Queues the ClientHello.
    package func start(now: DTLSInstant) throws(DTLSError) {
        guard state == .start else { return }
        let share: ECDHPrivateKey
        do { share = try ECDHPrivateKey(group: .x25519) } catch { throw fail(.internalError, "X25519 key: \(error)") }
        keyShare = share
        var extensions: [HelloExtension] = [
            .supportedVersions([.dtls13]),
            .supportedGroups([.x25519]),
            .clientKeyShares([KeyShareEntry(group: .x25519, keyExchange: share.publicKeyBytes)]),
            .signatureAlgorithms(config.signatureSchemes.filter(\.isECDSA)),
        ]
        if !config.srtpProfiles.isEmpty { extensions.append(.useSRTP(UseSRTPData(profiles: config.srtpProfiles))) }
        let hello = ClientHello(version: .dtls12, random: SecureRandom.bytes(32), sessionID: [], cookie: [],
                                cipherSuites: [CipherSuite(rawValue: 0x1301), CipherSuite(rawValue: 0x1302)],
                                extensions: extensions)
        var body = ByteWriter()
        hello.write(to: &body)
        let message = handshake(.clientHello, body.bytes)
        state = .waitServerHello
        send(flight: [(0, .handshake, message)], now: now)
    }

    /// Handles one received datagram; protocol errors fail the handshake.
    package func handleDatagram(_ datagram: [UInt8], now: DTLSInstant) throws(DTLSError) {
        switch state {
        case .failed(let error): throw error
        case .closed, .start: return
        default: break
        }
        var offset = 0
        var acknowledgeNow = false
        while offset < datagram.count {
            if UnifiedHeader.starts(datagram[offset]) {
                let header: UnifiedHeader, body: Range<Int>
                do { (header, body) = try UnifiedHeader.parse(datagram, at: offset) } catch { return }  // RFC 9147 4.5.2: drop
                offset = body.upperBound
                let epoch = UInt64(header.epochBits)
                guard let keys = readKeys[epoch] else { continue }
                let opened: RecordProtection13.Opened
                do {
                    opened = try RecordProtection13.open(datagram, header: header, body: body, expected: readNext[epoch] ?? 0, keys: keys)
                } catch { continue }  // a record that does not authenticate is dropped
                readNext[epoch] = max(readNext[epoch] ?? 0, opened.sequence + 1)
                switch opened.type {
                case .handshake:
                    if state == .connected {
                        // Post-handshake (NewSessionTicket, KeyUpdate): ACK the record.
                        pendingAcks.append(ACK.RecordNumber(epoch: epoch, sequence: opened.sequence))
                        acknowledgeNow = true
                    }
                    try handleHandshakeRecord(opened.content, now: now)
                case .ack:
                    handleACK(opened.content)
                case .applicationData:
                    guard state == .connected else { continue }
                    received.append(opened.content)
                case .alert:
                    if opened.content.count == 2, opened.content[1] == 0 { state = .closed; retransmitAt = nil; return }
                    throw fail(.alertReceived, "peer alert \(opened.content)")
                default:
                    continue
                }
            } else {
                guard offset + 13 <= datagram.count else { return }
                let type = datagram[offset], epoch = UInt16(datagram[offset + 3]) << 8 | UInt16(datagram[offset + 4])
                let length = Int(datagram[offset + 11]) << 8 | Int(datagram[offset + 12])
                let body = (offset + 13)..<(offset + 13 + length)
                guard body.upperBound <= datagram.count else { return }
                offset = body.upperBound
                guard epoch == 0 else { continue }
                if type == ContentType.handshake.rawValue {
                    try handleHandshakeRecord(Array(datagram[body]), now: now)
                } else if type == ContentType.alert.rawValue {
                    throw fail(.alertReceived, "peer alert in the clear \(Array(datagram[body]))")
                }
            }
        }
        if acknowledgeNow { sendACK() }
    }

    /// Retransmits the current flight when its timer ran out (RFC 9147 5.8: backoff, doubling to 60 s).
    package func handleTimeout(now: DTLSInstant) {
        guard let at = retransmitAt, now >= at, !flight.isEmpty else { return }
        timeout = min(timeout * 2, .seconds(60))
        transmit(now: now)
    }

    /// Sends application data (epoch 3).
    package func send(_ data: [UInt8]) throws(DTLSError) {
        guard state == .connected, let keys = writeKeys else { throw DTLSError(.notConnected, alert: nil, "not connected") }
        outgoing.append(try seal(.applicationData, data, keys: keys))
    }

    /// Sends close_notify.
    package func close() {
        guard state == .connected, let keys = writeKeys else { return }
        if let record = try? seal(.alert, [1, 0], keys: keys) { outgoing.append(record) }
        state = .closed
        retransmitAt = nil
    }

    /// RFC 8446 7.5 with the "dtls13" labels; `EXTRACTOR-dtls_srtp` for the SRTP keys.
    package func exportKeyingMaterial(label: String, length: Int) throws(DTLSError) -> [UInt8] {
        guard state == .connected else { throw DTLSError(.notConnected, alert: nil, "not connected") }
        do { return try KeySchedule13.export(hash, exporterMasterSecret: exporterSecret, label: label, length: length) }
        catch { throw DTLSError(.internalError, alert: .internalError, "exporter: \(error)") }
    }

    // MARK: - Handshake messages

    private func handleHandshakeRecord(_ content: [UInt8], now: DTLSInstant) throws(DTLSError) {
        let fragments: [HandshakeFragmentView]
        do { fragments = try HandshakeFragmentView.split(content, range: 0..<content.count) }
        catch { throw fail(.malformedMessage, "handshake fragment: \(error)") }
        for fragment in fragments {
            let h = fragment.header
            guard h.messageSequence >= nextMessage, h.length <= 1 << 16 else { continue }  // old (retransmitted) or absurd
            var entry = reassembly[h.messageSequence]
                ?? (h.type.rawValue, [UInt8](repeating: 0, count: Int(h.length)), [Bool](repeating: false, count: Int(h.length)))
            guard entry.type == h.type.rawValue, entry.body.count == Int(h.length),
                  Int(h.fragmentOffset) + Int(h.fragmentLength) <= entry.body.count else {
                throw fail(.malformedMessage, "fragment disagrees with its message")
            }
            for (i, byte) in content[fragment.body].enumerated() {
                entry.body[Int(h.fragmentOffset) + i] = byte
                entry.have[Int(h.fragmentOffset) + i] = true
            }
            reassembly[h.messageSequence] = entry
        }
        // Process complete messages in order.
        while let entry = reassembly[nextMessage], !entry.have.contains(false) {
            reassembly[nextMessage] = nil
            nextMessage += 1
            try process(type: entry.type, body: entry.body, now: now)
        }
    }

    private func process(type: UInt8, body: [UInt8], now: DTLSInstant) throws(DTLSError) {
        var reader = ByteReader(body)
        let encoded = tlsEncoding(type, body)
        do {
            switch (state, HandshakeType(rawValue: type)) {
            case (.waitServerHello, .serverHello):
                let hello = try ServerHello(parsing: &reader)
                transcript += encoded
                try handleServerHello(hello, now: now)
            case (.waitEncryptedFlight, HandshakeType(rawValue: 8)):
                let extensions = try EncryptedExtensions(parsing: &reader)
                if let srtp = try extensions.extensions.useSRTP() {
                    guard let profile = srtp.profiles.first, srtp.profiles.count == 1, config.srtpProfiles.contains(profile) else {
                        throw DTLSError(.illegalParameter, alert: .illegalParameter, "server chose an SRTP profile we did not offer")
                    }
                    srtpProfile = profile
                } else if config.requireSRTP {
                    throw DTLSError(.noCommonSRTPProfile, alert: .handshakeFailure, "server did not negotiate use_srtp")
                }
                transcript += encoded
            case (.waitEncryptedFlight, .certificateRequest):
                let request = try CertificateRequest13(parsing: &reader)
                certificateRequestContext = request.context
                transcript += encoded
            case (.waitEncryptedFlight, .certificate):
                let certificate = try Certificate13(parsing: &reader)
                guard let leaf = certificate.entries.first?.certificate else {
                    throw DTLSError(.badCertificate, alert: .decodeError, "server sent no certificate")
                }
                guard config.peerVerification.accepts(leaf) else {
                    throw DTLSError(.certificateRejected, alert: .badCertificate, "peer certificate does not match the expected fingerprint")
                }
                peerCertificate = leaf
                transcript += encoded
            case (.waitEncryptedFlight, .certificateVerify):
                let signed = try DigitallySigned(parsing: &reader)
                try reader.expectEnd()
                try verifyServerSignature(signed)
                transcript += encoded
            case (.waitEncryptedFlight, .finished):
                let expected = try derive { () throws(CryptoError) in
                    try KeySchedule13.finishedVerifyData(hash, baseKey: serverHandshakeSecret, transcriptHash: transcriptHash())
                }
                guard ConstantTime.equals(expected.span, body.span), peerCertificate != nil else {
                    throw DTLSError(.badFinished, alert: .decryptError, "server Finished does not match the transcript")
                }
                transcript += encoded
                try finishHandshake(now: now)
            case (.connected, _):
                break  // NewSessionTicket (no resumption yet), KeyUpdate (not yet): ACKed, ignored
            default:
                throw DTLSError(.unexpectedMessage, alert: .unexpectedMessage, "handshake type \(type) in \(state)")
            }
        } catch let error as DTLSError {
            throw fail(error)
        } catch {
            throw fail(DTLSError(.malformedMessage, alert: .decodeError, "\(error)"))
        }
    }

    private func handleServerHello(_ hello: ServerHello, now: DTLSInstant) throws(DTLSError) {
        guard hello.random != Self.helloRetryRandom else {
            throw DTLSError(.illegalParameter, alert: .handshakeFailure, "HelloRetryRequest (not supported yet)")
        }
        let version = try wire { () throws(WireError) in try hello.extensions.selectedVersion() }
        guard version == .dtls13 else { throw DTLSError(.protocolVersion, alert: .protocolVersion, "server chose \(String(describing: version))") }
        switch hello.cipherSuite.rawValue {
        case 0x1301: (hash, keyLength) = (.sha256, 16)
        case 0x1302: (hash, keyLength) = (.sha384, 32)
        default: throw DTLSError(.illegalParameter, alert: .illegalParameter, "server chose suite \(hello.cipherSuite)")
        }
        suite = hello.cipherSuite
        guard let share = try wire({ () throws(WireError) in try hello.extensions.serverKeyShare() }), share.group == .x25519,
              let keyShare else {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "server key_share is not for the offered group")
        }
        group = share.group
        let handshakeHash = transcriptHash()
        let (clientSecret, serverSecret) = try derive { () throws(CryptoError) in
            let shared = try keyShare.sharedSecret(peerPublicKey: share.keyExchange.span)
            let handshakeSecret = try KeySchedule13.handshakeSecret(hash, sharedSecret: shared)
            let master = try KeySchedule13.masterSecret(hash, handshakeSecret: handshakeSecret)
            self.masterSecret = master
            return (try KeySchedule13.deriveSecret(hash, secret: handshakeSecret, label: "c hs traffic", transcriptHash: handshakeHash),
                    try KeySchedule13.deriveSecret(hash, secret: handshakeSecret, label: "s hs traffic", transcriptHash: handshakeHash))
        }
        clientHandshakeSecret = clientSecret
        serverHandshakeSecret = serverSecret
        readKeys[2] = try epochKeys(serverSecret, epoch: 2, usage: .open)
        writeKeys = try epochKeys(clientSecret, epoch: 2, usage: .seal)
        // The ServerHello acknowledges the ClientHello: stop its timer.
        flight = []
        retransmitAt = nil
        state = .waitEncryptedFlight
        _ = now
    }

    private var masterSecret: [UInt8] = []

    private func verifyServerSignature(_ signed: DigitallySigned) throws(DTLSError) {
        guard let der = peerCertificate else { throw DTLSError(.unexpectedMessage, alert: .unexpectedMessage, "CertificateVerify before Certificate") }
        guard signed.scheme.isECDSA, config.signatureSchemes.contains(signed.scheme) else {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "CertificateVerify scheme \(signed.scheme)")
        }
        let content = CertificateVerify13.signedContent(server: true, transcriptHash: transcriptHash())
        let valid: Bool
        do {
            valid = try Certificate(derEncoded: der).publicKey().verify(signature: signed.signature.span, message: content.span, hash: signed.scheme.hash)
        } catch {
            throw DTLSError(.badCertificate, alert: .badCertificate, "peer certificate: \(error)")
        }
        guard valid else { throw DTLSError(.badSignature, alert: .decryptError, "server CertificateVerify does not verify") }
    }

    /// The server's Finished verified: application secrets, then our flight.
    private func finishHandshake(now: DTLSInstant) throws(DTLSError) {
        let serverFinishedHash = transcriptHash()
        let (clientApplication, serverApplication, exporter) = try derive { () throws(CryptoError) in
            (try KeySchedule13.deriveSecret(hash, secret: masterSecret, label: "c ap traffic", transcriptHash: serverFinishedHash),
             try KeySchedule13.deriveSecret(hash, secret: masterSecret, label: "s ap traffic", transcriptHash: serverFinishedHash),
             try KeySchedule13.deriveSecret(hash, secret: masterSecret, label: "exp master", transcriptHash: serverFinishedHash))
        }
        exporterSecret = exporter
        var messages: [[UInt8]] = []
        if let context = certificateRequestContext {
            var writer = ByteWriter()
            Certificate13(context: context, entries: [.init(certificate: config.certificate.derEncoded)]).write(to: &writer)
            messages.append(handshake(.certificate, writer.bytes))
            guard case .ecdsa = config.privateKey.keyType,
                  let scheme = config.signatureSchemes.first(where: { $0.isECDSA }) else {
                throw DTLSError(.noCommonParameters, alert: .handshakeFailure, "no signature scheme for our key")
            }
            let content = CertificateVerify13.signedContent(server: false, transcriptHash: transcriptHash())
            let signature = try derive { () throws(CryptoError) in try config.privateKey.sign(content.span, hash: scheme.hash) }
            var signed = ByteWriter()
            DigitallySigned(scheme: scheme, signature: signature).write(to: &signed)
            messages.append(handshake(.certificateVerify, signed.bytes))
        }
        let verifyData = try derive { () throws(CryptoError) in
            try KeySchedule13.finishedVerifyData(hash, baseKey: clientHandshakeSecret, transcriptHash: transcriptHash())
        }
        messages.append(handshake(.finished, verifyData))
        readKeys[3] = try epochKeys(serverApplication, epoch: 3, usage: .open)
        let application = try epochKeys(clientApplication, epoch: 3, usage: .seal)
        send(flight: messages.map { (2, ContentType.handshake, $0) }, now: now)
        writeKeys = application
        state = .connected
    }

    private func handleACK(_ content: [UInt8]) {
        var reader = ByteReader(content)
        guard let ack = try? ACK(parsing: &reader) else { return }
        // RFC 9147 7: the flight is done when every record of it is acknowledged.
        if !flightRecordNumbers.isEmpty, flightRecordNumbers.isSubset(of: Set(ack.records)) {
            flight = []
            flightRecordNumbers = []
            retransmitAt = nil
        }
    }

    // MARK: - Records

    /// A handshake message in DTLS form (12-byte header, one fragment); the
    /// TLS form (4-byte header) goes into the transcript (RFC 9147 5.2).
    private func handshake(_ type: HandshakeType, _ body: [UInt8]) -> [UInt8] {
        var writer = ByteWriter()
        HandshakeHeader(type: type, length: UInt32(body.count), messageSequence: messageSequence, fragmentOffset: 0,
                        fragmentLength: UInt32(body.count)).write(to: &writer)
        writer.writeBytes(body)
        messageSequence += 1
        transcript += tlsEncoding(type.rawValue, body)
        return writer.bytes
    }

    private func tlsEncoding(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        [type, UInt8(body.count >> 16), UInt8(truncatingIfNeeded: body.count >> 8), UInt8(truncatingIfNeeded: body.count)] + body
    }

    private func transcriptHash() -> [UInt8] {
        let messages = transcript  // a class property's span cannot outlive its access
        return Digest.hash(hash, messages.span)
    }

    private func send(flight records: [(epoch: UInt64, type: ContentType, content: [UInt8])], now: DTLSInstant) {
        flight = records
        timeout = .seconds(1)
        transmit(now: now)
    }

    /// Writes the flight, all of it in one datagram (the flights of this
    /// client fit an MTU of 1200 with one ECDSA certificate).
    private func transmit(now: DTLSInstant) {
        var datagram: [UInt8] = []
        flightRecordNumbers = []
        for record in flight {
            if record.epoch == 0 {
                let sequence = writeSequence[0, default: 0]
                writeSequence[0] = sequence + 1
                var header = ByteWriter()
                header.writeUInt8(record.type.rawValue)
                header.writeUInt16(ProtocolVersion.dtls12.rawValue)
                header.writeUInt16(0)
                header.writeUInt48(sequence)
                header.writeUInt16(UInt16(record.content.count))
                datagram += header.bytes + record.content
            } else if let keys = record.epoch == 2 ? handshakeWriteKeys() : writeKeys,
                      let bytes = try? seal(record.type, record.content, keys: keys) {
                datagram += bytes
            }
        }
        outgoing.append(datagram)
        retransmitAt = now + timeout
    }

    /// The epoch-2 keys stay usable for retransmitting the last flight
    /// after the write side moved to epoch 3.
    private var epochTwoWrite: EpochKeys13?
    private func handshakeWriteKeys() -> EpochKeys13? {
        if let keys = writeKeys, keys.epoch == 2 { epochTwoWrite = keys }
        return epochTwoWrite
    }

    private func seal(_ type: ContentType, _ content: [UInt8], keys: EpochKeys13) throws(DTLSError) -> [UInt8] {
        let sequence = writeSequence[keys.epoch, default: 0]
        writeSequence[keys.epoch] = sequence + 1
        if type == .handshake { flightRecordNumbers.insert(ACK.RecordNumber(epoch: keys.epoch, sequence: sequence)) }
        return try RecordProtection13.seal(type, content: content, sequence: sequence, keys: keys)
    }

    private func sendACK() {
        guard let keys = writeKeys, !pendingAcks.isEmpty else { return }
        var writer = ByteWriter()
        ACK(records: pendingAcks.sorted()).write(to: &writer)
        pendingAcks = []
        if let record = try? seal(.ack, writer.bytes, keys: keys) { outgoing.append(record) }
    }

    private func epochKeys(_ secret: [UInt8], epoch: UInt64, usage: AESGCM.Usage) throws(DTLSError) -> EpochKeys13 {
        try derive { () throws(CryptoError) in
            try EpochKeys13(epoch: epoch, keys: try KeySchedule13.trafficKeys(hash, secret: secret, keyLength: keyLength), usage: usage)
        }
    }

    // MARK: - Errors

    /// RFC 8446 4.1.3: the random of a HelloRetryRequest.
    static let helloRetryRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    private func derive<T>(_ body: () throws(CryptoError) -> T) throws(DTLSError) -> T {
        do { return try body() } catch { throw DTLSError(.internalError, alert: .internalError, "key schedule: \(error)") }
    }

    private func wire<T>(_ body: () throws(WireError) -> T) throws(DTLSError) -> T {
        do { return try body() } catch { throw DTLSError(.malformedMessage, alert: .decodeError, "\(error)") }
    }

    private func fail(_ code: DTLSError.Code, _ detail: String) -> DTLSError {
        fail(DTLSError(code, alert: nil, detail))
    }

    private func fail(_ error: DTLSError) -> DTLSError {
        if case .failed = state {} else { state = .failed(error) }
        retransmitAt = nil
        if let alert = error.alert, let keys = writeKeys, let record = try? seal(.alert, [2, alert.rawValue], keys: keys) {
            outgoing.append(record)
        }
        return error
    }
}
