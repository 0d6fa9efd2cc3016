import DTLSCrypto

/// What both DTLS 1.2 roles share: the record layer and output queue, the
/// connection's lifecycle, datagram and record processing, reassembly,
/// ChangeCipherSpec, alerts, timers, the exporter.
///
/// The role engines (`DTLS12Client`, `DTLS12Server`) subclass it, each with
/// its own state enum and only its own fields, and supply the role's
/// handshake through the few methods marked "role hook". `DTLSConnection`
/// holds one of them and forwards to it.
class DTLS12Engine {
    let role: DTLSConnection.Role
    let config: DTLSConfiguration

    var state: DTLSConnection.State = .handshaking {
        didSet {
            switch state {
            case .handshaking: phase = .handshaking
            case .connected: phase = .connected
            case .closed: phase = .closed
            case .failed: phase = .failed
            }
            io.established = phase == .connected
            io.timers.live = phase == .handshaking || phase == .connected
            io.timers.handshaking = phase == .handshaking
        }
    }

    /// `state` without its payload: what the hot paths test, so they never
    /// copy an error value just to learn whether data may flow.
    enum Phase: UInt8 { case handshaking, connected, closed, failed }
    var phase: Phase = .handshaking

    // MARK: Record layer and output queue (one struct: see RecordIO)
    var io: RecordIO

    // MARK: Handshake state (nil once connected and lingered)
    var handshake: HandshakeContext?
    var lastFlight: Flight?
    var retransmitInterval: Duration
    var retransmitAt: DTLSInstant? { get { io.timers.retransmitAt } set { io.timers.retransmitAt = newValue } }
    var handshakeDeadline: DTLSInstant? { get { io.timers.handshakeDeadline } set { io.timers.handshakeDeadline = newValue } }
    var lingerUntil: DTLSInstant? { get { io.timers.lingerUntil } set { io.timers.lingerUntil = newValue } }
    /// After connect, only the peer's message sequence matters (to tell a
    /// retransmitted final flight from a renegotiation attempt).
    var peerNextSequence: UInt16 = 0

    // MARK: Session (kept for the exporter)
    var session: Session?
    struct Session {
        var info: DTLSConnectionInfo
        var masterSecret: [UInt8]
        var clientRandom: [UInt8]
        var serverRandom: [UInt8]
        var hash: HashAlgorithm
    }

    init(role: DTLSConnection.Role, config: DTLSConfiguration, now: DTLSInstant) {
        self.role = role
        self.config = config
        self.io = RecordIO(mtu: config.mtu)
        self.retransmitInterval = config.initialRetransmitTimeout
        self.handshake = HandshakeContext(reassembler: HandshakeReassembler(
            nextSequence: 0, maxMessageSize: config.maxHandshakeMessageSize,
            maxBufferedBytes: config.maxBufferedHandshakeBytes))
        self.handshakeDeadline = now + config.handshakeTimeout
    }

    // MARK: - Role hooks

    /// Handles one reassembled handshake message in order. Overridden by
    /// each role; the base engine expects none.
    func handleMessage(_ message: HandshakeReassembler.Message, epoch: UInt16, now: DTLSInstant) throws(DTLSError) {
        throw .unexpected("\(message.type)")
    }

    /// Looks at a handshake fragment before reassembly; true when it was
    /// fully dealt with here. The server uses it for its first ClientHello.
    func interceptFragment(_ fragment: HandshakeFragmentView, now: DTLSInstant) -> Bool { false }

    /// A ChangeCipherSpec arrived: whether this role's state expects one
    /// now (and, if so, moves on to awaiting Finished).
    func acceptChangeCipherSpec() -> Bool { false }

    /// The handshake completed; the role drops what only it needed.
    func roleDidConnect() {}

    // MARK: - Input

    var isLive: Bool { phase == .handshaking || phase == .connected }
    var isConnected: Bool { phase == .connected }

    /// See `DTLSConnection.handlePacket(_:now:)`.
    final func handlePacket(_ packet: ArraySlice<UInt8>, now: DTLSInstant) {
        if case .opened(let lingering) = io.receiveApplicationData(packet) {
            // Data from the client proves our final flight arrived.
            if lingering, role == .server { releaseHandshake() }
            return
        }
        guard isLive else { return }
        io.receiveBuffer.removeAll(keepingCapacity: true)
        io.receiveBuffer.append(contentsOf: packet)
        processDatagram(now: now)
    }

    final func processDatagram(now: DTLSInstant) {
        io.recordScratch.removeAll(keepingCapacity: true)
        RecordView.split(io.receiveBuffer, into: &io.recordScratch)
        let records = io.recordScratch
        let count = records.count
        var i = 0
        while i < count, isLive {
            let record = records[i]
            i += 1
            processRecord(record, now: now)
        }
    }

    final func processRecord(_ record: RecordView, now: DTLSInstant) {
        let header = record.header
        if header.epoch != io.readEpoch {
            if header.epoch == io.readEpoch &+ 1, let hs = handshake,
               hs.stashedRecords.count < HandshakeContext.maxStashedRecords {
                // Sent after a ChangeCipherSpec we have not seen yet.
                hs.stashedRecords.append(RecordIO.copyRecord(header, fragment: io.receiveBuffer[record.fragment]))
            } else {
                io.droppedRecords += 1
            }
            return
        }
        var content = record.fragment
        if let protection = io.readProtection {
            guard io.readWindow.check(header.sequenceNumber) else { io.droppedRecords += 1; return }
            do {
                content = try protection.open(&io.receiveBuffer, fragment: record.fragment, header: header)
            } catch {
                io.droppedRecords += 1
                return
            }
            io.readWindow.update(header.sequenceNumber)
        } else {
            guard header.version == .dtls12 || header.version == .dtls10 else { io.droppedRecords += 1; return }
        }

        switch header.contentType {
        case .handshake:
            handleHandshakeRecord(content, epoch: header.epoch, now: now)
        case .changeCipherSpec:
            handleChangeCipherSpec(content, now: now)
        case .alert:
            handleAlert(content)
        case .applicationData:
            guard isConnected, header.epoch > 0 else { io.droppedRecords += 1; return }
            if role == .server, lingerUntil != nil { releaseHandshake() }
            var buffer = io.takeBuffer()
            buffer.append(contentsOf: io.receiveBuffer[content])
            io.enqueue(.data, buffer)
        default:
            io.droppedRecords += 1
        }
    }

    // MARK: - Handshake records

    final func handleHandshakeRecord(_ content: Range<Int>, epoch: UInt16, now: DTLSInstant) {
        let fragments: [HandshakeFragmentView]
        do {
            fragments = try HandshakeFragmentView.split(io.receiveBuffer, range: content)
        } catch {
            io.droppedRecords += 1
            return
        }
        guard let hs = handshake else {
            handlePostHandshake(fragments, now: now)
            return
        }
        var sawRetransmittedFlight = false
        for fragment in fragments {
            if interceptFragment(fragment, now: now) { continue }
            switch hs.reassembler.add(fragment.header, bytes: io.receiveBuffer, body: fragment.body) {
            case .old:
                // Once per retransmitted flight: the final fragment of the
                // last message of the flight our last flight answered.
                if fragment.header.messageSequence == hs.answeredPeerMessage, fragment.header.endsMessage {
                    sawRetransmittedFlight = true
                }
            case .accepted, .dropped: break
            }
        }
        while isLive, let hs = handshake, let message = hs.reassembler.next() {
            do {
                try handleMessage(message, epoch: epoch, now: now)
            } catch {
                fail(error)
                return
            }
        }
        if sawRetransmittedFlight, isLive, lastFlight != nil { retransmitFlight(now: now) }
    }

    /// After the handshake: a repeated final flight from the client means our
    /// Finished was lost; a new ClientHello or a HelloRequest is a
    /// renegotiation attempt, refused with a warning (RFC 5746 does not
    /// oblige us to renegotiate, and WebRTC never does).
    final func handlePostHandshake(_ fragments: [HandshakeFragmentView], now: DTLSInstant) {
        var refuse = false
        var resend = false
        for fragment in fragments {
            let type = fragment.header.type
            // Checked first: a renegotiating handshake starts again at
            // message_seq 0 (RFC 6347 4.2.2), so its sequence looks old.
            if type == .clientHello || type == .helloRequest {
                refuse = true
            } else if role == .server, peerNextSequence > 0, fragment.header.messageSequence == peerNextSequence - 1,
                      fragment.header.endsMessage {
                // The client's Finished again: it lost our final flight.
                // Answered once per retransmitted flight, not per datagram.
                resend = true
            }
        }
        if resend, lastFlight != nil { retransmitFlight(now: now) }
        if refuse { sendAlert(Alert(level: .warning, description: .noRenegotiation)) }
    }

    final func handleChangeCipherSpec(_ content: Range<Int>, now: DTLSInstant) {
        guard content.count == 1, io.receiveBuffer[content.lowerBound] == 1 else {
            fail(.malformed("ChangeCipherSpec body"))
            return
        }
        guard let hs = handshake else { return }
        // A ChangeCipherSpec ahead of the messages it must follow (reordered
        // or partly lost flight) is dropped; the flight is retransmitted.
        guard let pending = hs.pendingRead, acceptChangeCipherSpec() else {
            io.droppedRecords += 1
            return
        }
        hs.pendingRead = nil
        io.switchReadEpoch(to: 1, protection: pending)
        replayStash(now: now)
    }

    final func replayStash(now: DTLSInstant) {
        guard let hs = handshake, !hs.stashedRecords.isEmpty else { return }
        let stashed = hs.stashedRecords
        hs.stashedRecords.removeAll()
        let saved = io.receiveBuffer
        let savedRecords = io.recordScratch
        for record in stashed where isLive {
            io.receiveBuffer = record
            processDatagram(now: now)
        }
        io.receiveBuffer = saved
        io.recordScratch = savedRecords
    }

    final func handleAlert(_ content: Range<Int>) {
        var reader = ByteReader(io.receiveBuffer, range: content)
        guard let alert = try? Alert(parsing: &reader), reader.isAtEnd else {
            io.droppedRecords += 1
            return
        }
        if alert.description == .closeNotify {
            let wasConnected = isConnected
            if wasConnected { sendAlert(Alert(level: .warning, description: .closeNotify)) }
            state = .closed
            io.enqueue(wasConnected ? .peerClosed : .failed(DTLSError(.alertReceived, alert: alert.description, "close_notify during handshake")))
            releaseHandshake()
            return
        }
        if alert.level == .fatal {
            let error = DTLSError(.alertReceived, alert: alert.description, "peer sent fatal \(alert.description)")
            state = .failed(error)
            io.enqueue(.failed(error))
            releaseHandshake()
        }
        // Warnings other than close_notify (no_renegotiation, ...) change nothing.
    }

    // MARK: - Timers

    /// See `DTLSConnection.handleTimeout(now:)`.
    final func handleTimeout(now: DTLSInstant) {
        guard isLive else { return }
        if phase == .handshaking, let deadline = handshakeDeadline, now >= deadline {
            let error = DTLSError(.handshakeTimeout, alert: nil, "no handshake within \(config.handshakeTimeout)")
            state = .failed(error)
            io.enqueue(.failed(error))
            releaseHandshake()
            return
        }
        if let at = retransmitAt, now >= at {
            retransmitInterval = min(retransmitInterval * 2, config.maxRetransmitTimeout)
            retransmitFlight(now: now)
        }
        if let linger = lingerUntil, now >= linger { releaseHandshake() }
    }

    // MARK: - Application data, close, export

    /// Ends the connection with a fatal alert, for checks made outside the engine.
    final func abort(alert: AlertDescription, reason: String) {
        fail(DTLSError(alert == .badCertificate ? .certificateRejected : .internalError, alert: alert, reason))
    }

    /// Sends close_notify and closes. Idempotent.
    final func close() {
        guard isLive else { return }
        sendAlert(Alert(level: .warning, description: .closeNotify))
        state = .closed
        releaseHandshake()
    }

    final var keyLogLine: String? {
        guard let session else { return nil }
        func hex(_ b: [UInt8]) -> String { b.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
        return "CLIENT_RANDOM \(hex(session.clientRandom)) \(hex(session.masterSecret))"
    }

    final func exportKeyingMaterial(label: String, context: [UInt8]?, length: Int) throws(DTLSError) -> [UInt8] {
        guard let session else { throw DTLSError(.notConnected, alert: nil, "no session yet") }
        do {
            return try KeySchedule.export(masterSecret: session.masterSecret, clientRandom: session.clientRandom,
                                          serverRandom: session.serverRandom, label: label, context: context,
                                          length: length, hash: session.hash)
        } catch {
            throw DTLSError.internalError("exporter: \(error)")
        }
    }

    // MARK: - Failure and release

    /// Ends the connection: queue the alert (encrypted if we already switched
    /// epochs), report the error once, drop handshake state.
    final func fail(_ error: DTLSError) {
        guard isLive else { return }
        if let alert = error.alert {
            sendAlert(Alert(level: .fatal, description: alert))
        }
        state = .failed(error)
        io.enqueue(.failed(error))
        releaseHandshake()
    }

    final func releaseHandshake() {
        io.releaseBuffersWhenIdle = true
        io.retiredWriteEpochs = []  // nothing is retransmitted any more
        handshake = nil
        lastFlight = nil
        retransmitAt = nil
        lingerUntil = nil
    }

    // MARK: - Shared handshake steps

    /// Runs a parser, turning its failure into decode_error.
    final func parse<T>(_ body: () throws(WireError) -> T) throws(DTLSError) -> T {
        do {
            return try body()
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// Runs a libcrypto operation that should not fail on valid input.
    final func crypto<T>(_ body: () throws(CryptoError) -> T) throws(DTLSError) -> T {
        do {
            return try body()
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// Parses the peer's leaf certificate, surfaces it, and applies the
    /// configured verification (the SDP fingerprint check in WebRTC).
    final func acceptPeerCertificate(_ der: [UInt8], hs: HandshakeContext) throws(DTLSError) -> PublicKey {
        let key: PublicKey
        do {
            key = try PublicKey.fromCertificate(derEncoded: der)
        } catch {
            throw DTLSError(.badCertificate, alert: .badCertificate, "unreadable certificate: \(error)")
        }
        io.enqueue(.peerCertificate(der))
        guard config.peerVerification.accepts(der) else {
            throw DTLSError(.certificateRejected, alert: .badCertificate, "peer certificate does not match the expected fingerprint")
        }
        hs.peerCertificate = der
        hs.peerPublicKey = key
        return key
    }

    /// Master secret (always extended, RFC 7627) and the epoch-1 keys.
    final func deriveKeys(hs: HandshakeContext, preMasterSecret: [UInt8]) throws(DTLSError) {
        guard let suite = hs.suite else { throw .unexpected("no suite") }
        let hash = hs.hash
        let sessionHash = hs.transcript.hash(hash)
        let isClient = role == .client
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

    /// Our Finished goes out in epoch 1: switch the write side to the
    /// pending keys.
    final func switchWriteEpoch(hs: HandshakeContext) {
        io.switchWriteEpoch(to: 1, protection: hs.pendingWrite)
        hs.pendingWrite = nil
    }

    /// The handshake is complete: report it, emit the SRTP keys, and keep
    /// only what an established connection needs.
    final func didConnect(hs: HandshakeContext, now: DTLSInstant) {
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
        roleDidConnect()
        if role == .server {
            lingerUntil = now + config.finalFlightLinger
        } else {
            lastFlight = nil
            io.releaseBuffersWhenIdle = true
        }
        io.enqueue(.connected(info))
        if let profile = hs.srtpProfile {
            do {
                let bytes = try exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", context: nil, length: profile.keyingMaterialLength)
                io.enqueue(.keyingMaterial(DTLSKeyingMaterial(profile: profile, bytes: bytes, isClient: role == .client)))
            } catch {
                fail(error)
            }
        }
    }
}

/// An ephemeral key agreement of either kind a DTLS 1.2 suite uses.
enum KeyAgreement {
    case ecdhe(ECDHPrivateKey)
    case dhe(FFDHPrivateKey)

    var publicKeyBytes: [UInt8] {
        switch self {
        case .ecdhe(let key): key.publicKeyBytes
        case .dhe(let key): key.publicKeyBytes
        }
    }

    /// The premaster secret with the peer's share; a bad share is illegal_parameter.
    func sharedSecret(peerShare: [UInt8]) throws(DTLSError) -> [UInt8] {
        do {
            switch self {
            case .ecdhe(let key): return try key.sharedSecret(peerPublicKey: peerShare.span)
            case .dhe(let key): return try key.sharedSecret(peerPublicKey: peerShare.span)
            }
        } catch {
            throw .illegal("peer key share: \(error)")
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
