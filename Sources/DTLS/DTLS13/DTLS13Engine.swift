import DTLSCrypto

/// What both DTLS 1.3 roles share (RFC 9147): records in and out under
/// per-epoch keys, handshake messages reassembled and taken in order,
/// the transcript in TLS form, flights retransmitted with backoff until
/// the peer's next flight or ACK, ACKs for post-handshake records,
/// application data, close_notify and the exporter. `DTLS13Client` and
/// `DTLS13Server` add each role's messages and their state enum.
///
/// Behind `DTLSConnection`. Flights are fragmented to the MTU and resent
/// whole; no resumption (a NewSessionTicket is ignored), no
/// post-handshake authentication, no Connection ID.
package class DTLS13Engine {
    /// Where the connection is; each role's handshake steps are its own.
    package enum Phase: Equatable, Sendable {
        case handshaking
        case connected
        case failed(DTLSError)
        case closed
    }

    package private(set) var phase: Phase = .handshaking
    package internal(set) var suite: CipherSuite?
    package internal(set) var group: NamedGroup?
    package internal(set) var srtpProfile: SRTPProtectionProfile?
    package internal(set) var peerCertificate: [UInt8]?
    /// Application data that `pollDatagram` skipped over, in order.
    package private(set) var received: [[UInt8]] = []

    let config: DTLSConfiguration
    var hash: HashAlgorithm = .sha256
    var keyLength = 16
    var chacha = false
    /// The handshake messages so far, TLS form (RFC 8446 4.4.1); replaced
    /// only through `resetTranscript` (after a HelloRetryRequest).
    private(set) var transcript: [UInt8] = []
    /// The transcript hash as far as `hashedCount` bytes: each message is
    /// hashed once, not at every read (a handshake reads the hash about
    /// eight times per side).
    private var runningTranscript: RunningDigest?
    private var hashedCount = 0
    var clientHandshakeSecret: [UInt8] = []
    var serverHandshakeSecret: [UInt8] = []
    var masterSecret: [UInt8] = []
    private var exporterSecret: [UInt8] = []
    /// At most three read epochs at once (the handshake's, the current and
    /// the previous application epoch), so a small list, not a dictionary.
    var readKeys = ReadEpochs() {
        // The direct record path reads only the newest application epoch.
        didSet { newestReadKeys = readKeys.keys.max().flatMap { $0 >= 3 ? readKeys[$0] : nil } }
    }
    /// The newest read epoch's keys once it is an application epoch (3 or a KeyUpdate's).
    private(set) var newestReadKeys: EpochKeys13?
    var writeKeys: EpochKeys13?
    private var epochTwoWrite: EpochKeys13?
    /// Output for `pollOutput`, in order: datagrams, data and events.
    private var outputs: [(DTLSOutput, [UInt8])] = []
    private var outputHead = 0
    private var handshakeDeadline: DTLSInstant?
    /// Epoch 0's next record number (its records are plaintext; every
    /// other epoch counts in its `EpochKeys13`).
    var epochZeroWriteSequence: UInt64 = 0
    private var messageSequence: UInt16 = 0
    /// The shared, bounded reassembler (a window of message_seq numbers,
    /// a size cap per message and in all), as the 1.2 engine uses it.
    private var reassembler: HandshakeReassembler
    /// The last flight's records, resealed with fresh record numbers each time.
    private var flight: [(epoch: UInt64, type: ContentType, content: [UInt8])] = []
    private var flightRecordNumbers: Set<ACK.RecordNumber> = []
    private var retransmitAt: DTLSInstant?
    private var timeout: Duration = .seconds(1)
    private var pendingAcks: [ACK.RecordNumber] = []
    /// The instant of the datagram being handled (an ACK may start a flight).
    var lastInput: DTLSInstant?
    /// The protected handshake records received during the handshake, for
    /// the ACK of the peer's final flight (RFC 9147 7).
    private(set) var handshakeRecordsReceived: [ACK.RecordNumber] = []

    init(configuration: DTLSConfiguration) {
        config = configuration
        reassembler = HandshakeReassembler(maxMessageSize: configuration.maxHandshakeMessageSize,
                                           maxBufferedBytes: configuration.maxBufferedHandshakeBytes)
    }

    /// The next output, as `DTLSConnection.pollOutput` hands it out: bytes
    /// are swapped into `buffer`; the last output of a drain is `.timeout`.
    package func pollOutput(into buffer: inout [UInt8]) -> DTLSOutput {
        guard outputHead < outputs.count else {
            outputs.removeAll(keepingCapacity: true)
            outputHead = 0
            return .timeout(nextTimeout)
        }
        let index = outputHead
        outputHead += 1
        swap(&buffer, &outputs[index].1)
        return outputs[index].0
    }

    /// The next datagram to send, skipping events (tests and simple drivers).
    package func pollDatagram() -> [UInt8]? {
        var buffer: [UInt8] = []
        while true {
            switch pollOutput(into: &buffer) {
            case .packet: return buffer
            case .timeout: return nil
            case .applicationData: received.append(buffer)
            default: continue
            }
        }
    }

    /// When `handleTimeout` should run: a retransmission or the handshake deadline.
    package var nextTimeout: DTLSInstant? {
        [retransmitAt, phase == .handshaking ? handshakeDeadline : nil, epochTwoRetireAt].compactMap { $0 }.min()
    }

    /// When the server stops reading epoch 2: the client's final flight
    /// may still come again (its ACK lost) until then (`finalFlightLinger`).
    private var epochTwoRetireAt: DTLSInstant?

    /// The handshake's epoch-2 keys are no longer needed: the client's
    /// final flight was ACKed, or the server's linger ran out. Each epoch's
    /// keys hold two cipher contexts.
    func retireEpochTwo() {
        readKeys[2] = nil
        epochTwoWrite = nil
        if writeKeys?.epoch == 2 { writeKeys = nil }
        epochTwoRetireAt = nil
    }

    /// The server read the client's Finished: its own epoch-2 flight is
    /// done, the client's may be retransmitted for a while.
    func lingerInEpochTwo(now: DTLSInstant) {
        epochTwoWrite = nil
        epochTwoRetireAt = now + config.finalFlightLinger
    }

    /// Retransmits the current flight when its timer ran out (RFC 9147 5.8:
    /// backoff, doubling up to `maxRetransmitTimeout`), and fails a
    /// handshake past its deadline.
    package func handleTimeout(now: DTLSInstant) {
        if phase == .handshaking, let deadline = handshakeDeadline, now >= deadline {
            _ = fail(DTLSError(.handshakeTimeout, alert: nil, "no handshake within \(config.handshakeTimeout)"))
            return
        }
        if let at = epochTwoRetireAt, now >= at { retireEpochTwo() }
        guard let at = retransmitAt, now >= at, !flight.isEmpty else { return }
        timeout = min(timeout * 2, config.maxRetransmitTimeout)
        transmit(now: now)
    }

    /// Picks up where a stateless HelloRetryRequest left off (the listener
    /// sent it; its cookie came back): the transcript already holds
    /// message_hash and the HelloRetryRequest, our next message is numbered
    /// after it, the second ClientHello (`clientMessageSequence`) is the next
    /// message expected, and epoch-0 records number on from the client's
    /// (its replay window saw our HelloRetryRequest under the first
    /// ClientHello's record number).
    func continueAfterStatelessRetry(transcript prefix: [UInt8], clientMessageSequence: UInt16, recordSequence: UInt64) {
        resetTranscript(prefix)
        messageSequence = clientMessageSequence
        reassembler.advance(to: clientMessageSequence)
        epochZeroWriteSequence = max(epochZeroWriteSequence, recordSequence)
    }

    /// The next epoch-0 record number (for the 1.2 client that takes over).
    var nextEpochZeroSequence: UInt64 { epochZeroWriteSequence }

    /// Starts the handshake clock (the first flight sent or received).
    func startClock(now: DTLSInstant) {
        if handshakeDeadline == nil { handshakeDeadline = now + config.handshakeTimeout }
    }

    private func emit(_ output: DTLSOutput, _ bytes: [UInt8] = []) {
        outputs.append((output, bytes))
    }

    /// Sends application data (epoch 3).
    package func send(_ data: [UInt8]) throws(DTLSError) {
        guard phase == .connected, let keys = writeKeys else { throw DTLSError(.notConnected, alert: nil, "not connected") }
        emit(.packet, try seal(.applicationData, data, keys: keys))
    }

    /// Sends close_notify.
    package func close() {
        guard phase == .connected, let keys = writeKeys else { return }
        if let record = try? seal(.alert, [1, 0], keys: keys) { emit(.packet, record) }
        phase = .closed
        retransmitAt = nil
    }

    /// RFC 8446 7.5 with the "dtls13" labels; `EXTRACTOR-dtls_srtp` for the SRTP keys.
    package func exportKeyingMaterial(label: String, context: [UInt8] = [], length: Int) throws(DTLSError) -> [UInt8] {
        // As in 1.2, the keys stay exportable after close_notify.
        guard phase == .connected || phase == .closed, !exporterSecret.isEmpty else { throw DTLSError(.notConnected, alert: nil, "not connected") }
        return try derive { () throws(CryptoError) in
            try KeySchedule13.export(hash, exporterMasterSecret: exporterSecret, label: label, context: context, length: length)
        }
    }

    /// What the handshake agreed on, once connected.
    package private(set) var connectionInfo: DTLSConnectionInfo?

    /// The ClientHello's random (it names the connection in a key log).
    var clientRandom: [UInt8] = []
    private var applicationTrafficSecrets: (client: [UInt8], server: [UInt8])?

    /// The NSS key log lines of a TLS 1.3 connection (the handshake and
    /// first application traffic secrets, and the exporter secret), which
    /// let Wireshark decrypt a capture of it. Empty until connected.
    /// Secret: write them only where the operator asked for it.
    package var keyLogLines: [String] {
        guard phase == .connected || phase == .closed, let traffic = applicationTrafficSecrets else { return [] }
        let random = Self.hex(clientRandom)
        return [("CLIENT_HANDSHAKE_TRAFFIC_SECRET", clientHandshakeSecret), ("SERVER_HANDSHAKE_TRAFFIC_SECRET", serverHandshakeSecret),
                ("CLIENT_TRAFFIC_SECRET_0", traffic.client), ("SERVER_TRAFFIC_SECRET_0", traffic.server),
                ("EXPORTER_SECRET", exporterSecret)].map { "\($0.0) \(random) \(Self.hex($0.1))" }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// Records dropped: undecryptable, unauthenticated, or for an epoch without keys.
    package internal(set) var droppedRecords = 0

    /// Ends the connection with a fatal alert (a check made outside the engine).
    package func abort(alert: AlertDescription, reason: String) {
        switch phase {
        case .handshaking, .connected: _ = fail(DTLSError(.certificateRejected, alert: alert, reason))
        case .failed, .closed: break
        }
    }

    // MARK: - Input

    /// Handles one received datagram; protocol errors fail the handshake.
    package func handleDatagram(_ datagram: [UInt8], now: DTLSInstant) throws(DTLSError) {
        switch phase {
        case .failed(let error): throw error
        case .closed: return
        default: break
        }
        lastInput = now
        var offset = 0
        var acknowledge = false
        while offset < datagram.count {
            if UnifiedHeader.starts(datagram[offset]) {
                let header: UnifiedHeader, body: Range<Int>
                do { (header, body) = try UnifiedHeader.parse(datagram, at: offset) } catch { return }  // RFC 9147 4.5.2: drop
                offset = body.upperBound
                // The low two bits name the epoch: the newest read epoch with them.
                guard let epoch = readKeys.keys.filter({ $0 & 3 == UInt64(header.epochBits) }).max(), let keys = readKeys[epoch] else {
                    droppedRecords += 1
                    continue
                }
                let opened: RecordProtection13.Opened
                do {
                    opened = try RecordProtection13.open(datagram, header: header, body: body, expected: keys.readNext, keys: keys)
                } catch {
                    droppedRecords += 1  // a record that does not authenticate is dropped
                    continue
                }
                switch try take(opened, epoch: epoch, keys: keys, now: now) {
                case .taken: continue
                case .acknowledge: acknowledge = true
                case .closed: return
                }
            } else {
                // DTLSPlaintext (epoch 0), with the 1.2 record header's parser.
                var reader = ByteReader(datagram, range: offset..<datagram.count)
                guard let record = try? RecordHeader(parsing: &reader), let range = try? reader.readRange(Int(record.length)) else { return }
                let type = record.contentType.rawValue, epoch = record.epoch, body = range
                offset = body.upperBound
                guard epoch == 0, phase == .handshaking else { continue }
                if type == ContentType.handshake.rawValue {
                    try handleHandshakeRecord(Array(datagram[body]), epoch: 0, now: now)
                } else if type == ContentType.alert.rawValue {
                    throw fail(Self.receivedAlert(Array(datagram[body])), sendingAlert: false)
                }
            }
        }
        if acknowledge { sendACK() }
    }

    /// What `take` did with an authenticated record.
    enum Taken { case taken, acknowledge, closed }

    /// One authenticated record of `epoch`: replay-checked, then handed to
    /// what its type means. The general path and the direct one share it.
    func take(_ opened: RecordProtection13.Opened, epoch: UInt64, keys: EpochKeys13, now: DTLSInstant) throws(DTLSError) -> Taken {
        guard keys.replay.check(opened.sequence) else {
            droppedRecords += 1  // a replay, or older than the window
            return .taken
        }
        keys.accept(opened.sequence)
        var result = Taken.taken
        switch opened.type {
        case .handshake:
            if phase == .handshaking { handshakeRecordsReceived.append(ACK.RecordNumber(epoch: epoch, sequence: opened.sequence)) }
            if phase == .connected, epoch >= 3, self is DTLS13Client, !keyUpdatePending, !flight.isEmpty {
                // A post-handshake message (NewSessionTicket, KeyUpdate)
                // comes only after the server took our Finished: our
                // last flight arrived even if its ACK did not.
                flightAcknowledged()
                if keyUpdateOwed { keyUpdateOwed = false; updateKeys(requestPeerUpdate: false, now: now) }
            }
            if phase == .connected {
                // Post-handshake messages are acknowledged (RFC 9147 7).
                pendingAcks.append(ACK.RecordNumber(epoch: epoch, sequence: opened.sequence))
                result = .acknowledge
            }
            try handleHandshakeRecord(opened.content, epoch: epoch, now: now)
        case .ack:
            handleACK(opened.content)
        case .applicationData:
            if phase == .connected { emit(.applicationData, opened.content) }
        case .alert:
            if opened.content.count == 2, opened.content[1] == 0 {
                // RFC 8446 6.1: answer close_notify with ours.
                if phase == .connected, let keys = writeKeys, let record = try? seal(.alert, [1, 0], keys: keys) {
                    emit(.packet, record)
                }
                phase = .closed
                retransmitAt = nil
                emit(.peerClosed)
                return .closed
            }
            throw fail(Self.receivedAlert(opened.content), sendingAlert: false)
        default:
            break
        }
        return result
    }

    /// Reassembles fragments and hands complete messages over in order.
    private func handleHandshakeRecord(_ content: [UInt8], epoch: UInt64, now: DTLSInstant) throws(DTLSError) {
        let fragments: [HandshakeFragmentView]
        do { fragments = try HandshakeFragmentView.split(content, range: 0..<content.count) }
        catch { throw fail(DTLSError(.malformedMessage, alert: .decodeError, "handshake fragment: \(error)")) }
        for fragment in fragments {
            // Old, out-of-window, oversized or inconsistent fragments are dropped.
            _ = reassembler.add(fragment.header, bytes: content, body: fragment.body)
        }
        while let message = reassembler.next() {
            do {
                if phase == .connected, message.type == .keyUpdate {
                    try receiveKeyUpdate(message.body, epoch: epoch, now: now)
                } else {
                    try process(type: message.type, body: message.body, now: now)
                }
            } catch let error as DTLSError {
                throw fail(error)
            } catch {
                throw fail(DTLSError(.malformedMessage, alert: .decodeError, "\(error)"))
            }
        }
    }

    /// One complete handshake message, for the role to act on.
    func process(type: HandshakeType, body: [UInt8], now: DTLSInstant) throws {
        fatalError("a role overrides process(type:body:now:)")
    }

    private func handleACK(_ content: [UInt8]) {
        var reader = ByteReader(content)
        guard let ack = try? ACK(parsing: &reader) else { return }
        // RFC 9147 7: the flight is done when every record of it is acknowledged.
        if !flightRecordNumbers.isEmpty, flightRecordNumbers.isSubset(of: Set(ack.records)) {
            flightAcknowledged()
            if keyUpdatePending { switchWriteKeys() }
            if keyUpdateOwed, let now = lastInput {
                keyUpdateOwed = false
                updateKeys(requestPeerUpdate: false, now: now)
            }
        }
    }

    // MARK: - KeyUpdate (RFC 9147 8, RFC 8446 4.6.3)

    private var readSecret: [UInt8] = []
    private var writeSecret: [UInt8] = []
    private var keyUpdatePending = false
    /// The peer asked for our update while a flight of ours was unacknowledged.
    private var keyUpdateOwed = false
    /// KeyUpdates received and sent (each one a new epoch in that direction).
    package private(set) var keyUpdates = (received: 0, sent: 0)

    /// Sends a KeyUpdate; the write side moves to the next epoch once the
    /// peer ACKs it (RFC 9147 8). With `requestPeerUpdate` the peer answers
    /// with its own. One at a time: a call while a flight of ours is
    /// unacknowledged does nothing (call again after the peer's ACK).
    @discardableResult
    package func updateKeys(requestPeerUpdate: Bool, now: DTLSInstant) -> Bool {
        // Not over an unacknowledged flight (the client's last one, or a KeyUpdate).
        guard phase == .connected, !keyUpdatePending, flight.isEmpty, let keys = writeKeys else { return false }
        keyUpdatePending = true
        let message = handshake(.keyUpdate, [requestPeerUpdate ? 1 : 0])
        send(flight: [(keys.epoch, .handshake, message)], now: now)
        return true
    }

    private func receiveKeyUpdate(_ body: [UInt8], epoch: UInt64, now: DTLSInstant) throws(DTLSError) {
        guard body.count == 1, body[0] <= 1 else {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "KeyUpdate request_update \(body)")
        }
        // Only a KeyUpdate in the newest read epoch moves it; one in an
        // older epoch came after the peer already moved on (it is ACKed and
        // changes nothing), so a peer cannot step our keys many times at once.
        guard let current = readKeys.keys.max(), current >= 3, epoch == current else { return }
        readSecret = try derive { () throws(CryptoError) in try KeySchedule13.nextTrafficSecret(hash, secret: readSecret) }
        let next = current + 1
        readKeys[next] = try epochKeys(readSecret, epoch: next, usage: .open)
        // Keep the previous epoch for reordered records; drop older ones and
        // any whose low bits the new one now uses (the handshake's epoch 2 at 6).
        for epoch in readKeys.keys where epoch + 1 < next || (epoch != next && epoch & 3 == next & 3) { readKeys[epoch] = nil }
        keyUpdates.received += 1
        if body[0] == 1 {
            if flight.isEmpty, !keyUpdatePending { updateKeys(requestPeerUpdate: false, now: now) } else { keyUpdateOwed = true }
        }
    }

    private func switchWriteKeys() {
        keyUpdatePending = false
        guard let current = writeKeys?.epoch,
              let next = try? derive({ () throws(CryptoError) in try KeySchedule13.nextTrafficSecret(hash, secret: writeSecret) }),
              let keys = try? epochKeys(next, epoch: current + 1, usage: .seal) else { return }
        writeSecret = next
        writeKeys = keys
        keyUpdates.sent += 1
    }

    /// The peer's answer (its next flight, or an ACK) covers our last flight.
    func flightAcknowledged() {
        flight = []
        flightRecordNumbers = []
        retransmitAt = nil
        // The client's final flight is the last one under epoch 2.
        if phase == .connected, self is DTLS13Client, readKeys[2] != nil { retireEpochTwo() }
    }

    // MARK: - Key schedule steps

    /// The hello exchange is done: handshake secrets (transcript CH..SH) and epoch 2.
    func enterHandshakeEpoch(sharedSecret: [UInt8], isClient: Bool) throws(DTLSError) {
        let helloHash = transcriptHash()
        let (client, server) = try derive { () throws(CryptoError) in
            let handshakeSecret = try KeySchedule13.handshakeSecret(hash, sharedSecret: sharedSecret)
            masterSecret = try KeySchedule13.masterSecret(hash, handshakeSecret: handshakeSecret)
            return (try KeySchedule13.deriveSecret(hash, secret: handshakeSecret, label: "c hs traffic", transcriptHash: helloHash),
                    try KeySchedule13.deriveSecret(hash, secret: handshakeSecret, label: "s hs traffic", transcriptHash: helloHash))
        }
        clientHandshakeSecret = client
        serverHandshakeSecret = server
        readKeys[2] = try epochKeys(isClient ? server : client, epoch: 2, usage: .open)
        writeKeys = try epochKeys(isClient ? client : server, epoch: 2, usage: .seal)
    }

    /// The application secrets from the transcript through the server's Finished.
    func applicationSecrets() throws(DTLSError) -> (client: [UInt8], server: [UInt8]) {
        let finishedHash = transcriptHash()
        let secrets = try derive { () throws(CryptoError) in
            (try KeySchedule13.deriveSecret(hash, secret: masterSecret, label: "c ap traffic", transcriptHash: finishedHash),
             try KeySchedule13.deriveSecret(hash, secret: masterSecret, label: "s ap traffic", transcriptHash: finishedHash),
             try KeySchedule13.deriveSecret(hash, secret: masterSecret, label: "exp master", transcriptHash: finishedHash))
        }
        exporterSecret = secrets.2
        applicationTrafficSecrets = (secrets.0, secrets.1)
        return (secrets.0, secrets.1)
    }

    /// Both sides' application keys; the write side switches at once.
    func enterApplicationEpoch(read: [UInt8], write: [UInt8]) throws(DTLSError) {
        readSecret = read
        writeSecret = write
        readKeys[3] = try epochKeys(read, epoch: 3, usage: .open)
        _ = handshakeWriteKeys()
        writeKeys = try epochKeys(write, epoch: 3, usage: .seal)
    }

    /// The handshake is done: the connection info, then the SRTP keys
    /// through the same exporter (RFC 5764 4.2 on RFC 8446 7.5).
    func connected() {
        phase = .connected
        // Nothing reads the transcript once both Finished are done (no
        // post-handshake authentication, no resumption): its certificates
        // are most of a connection's memory.
        resetTranscript([])
        // Nor the master secret (its application secrets are derived) or the
        // reassembler's emptied table.
        masterSecret = []
        reassembler.releaseStorageIfEmpty()
        guard let suite, let group, let peerCertificate else { return }
        let info = DTLSConnectionInfo(version: .dtls13, cipherSuite: suite, srtpProfile: srtpProfile, srtpMKI: [],
                                      namedGroup: group, extendedMasterSecret: true, peerCertificate: peerCertificate)
        connectionInfo = info
        emit(.connected(info))
        if let profile = srtpProfile,
           let bytes = try? exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: profile.keyingMaterialLength) {
            emit(.keyingMaterial(DTLSKeyingMaterial(profile: profile, bytes: bytes, isClient: self is DTLS13Client)))
        }
    }

    /// Checks a peer's CertificateVerify against its certificate and the transcript so far.
    func verifyPeerSignature(_ signed: DigitallySigned, peerIsServer: Bool) throws(DTLSError) {
        guard let der = peerCertificate else { throw DTLSError(.unexpectedMessage, alert: .unexpectedMessage, "CertificateVerify before Certificate") }
        guard SignatureScheme.dtls13.contains(signed.scheme) else {
            throw DTLSError(.illegalParameter, alert: .illegalParameter, "CertificateVerify scheme \(signed.scheme)")
        }
        let content = CertificateVerify13.signedContent(server: peerIsServer, transcriptHash: transcriptHash())
        let valid: Bool
        do {
            // The key straight from the DER (as the 1.2 engine does): no full X.509 parse.
            valid = try PublicKey.fromCertificate(derEncoded: der).verify(signature: signed.signature.span, message: content.span,
                                                                          hash: signed.scheme.hash, pss: signed.scheme.isRSAPSS)
        } catch {
            throw DTLSError(.badCertificate, alert: .badCertificate, "peer certificate: \(error)")
        }
        guard valid else { throw DTLSError(.badSignature, alert: .decryptError, "CertificateVerify does not verify") }
    }

    /// The peer's Certificate message: checked, kept, into the transcript.
    func receivePeerCertificate(_ body: [UInt8]) throws {
        var reader = ByteReader(body)
        try acceptPeerCertificate(try Certificate13(parsing: &reader))
        appendToTranscript(HandshakeType.certificate.rawValue, body)
    }

    /// The peer's CertificateVerify: verified over the transcript so far, then added to it.
    func receivePeerCertificateVerify(_ body: [UInt8], peerIsServer: Bool) throws {
        var reader = ByteReader(body)
        let signed = try DigitallySigned(parsing: &reader)
        try reader.expectEnd()
        try verifyPeerSignature(signed, peerIsServer: peerIsServer)
        appendToTranscript(HandshakeType.certificateVerify.rawValue, body)
    }

    /// Checks the peer's certificate entry list and keeps the leaf.
    func acceptPeerCertificate(_ certificate: Certificate13) throws(DTLSError) {
        guard let leaf = certificate.entries.first?.certificate else {
            throw DTLSError(.missingClientCertificate, alert: .certificateRequired, "peer sent no certificate")
        }
        emit(.peerCertificate(leaf))
        guard config.peerVerification.accepts(leaf) else {
            throw DTLSError(.certificateRejected, alert: .badCertificate, "peer certificate does not match the expected fingerprint")
        }
        peerCertificate = leaf
    }

    /// Checks the peer's Finished (its handshake secret over the transcript so far).
    func verifyPeerFinished(_ body: [UInt8], peerSecret: [UInt8]) throws(DTLSError) {
        let expected = try finishedVerifyData(peerSecret)
        guard ConstantTime.equals(expected.span, body.span) else {
            throw DTLSError(.badFinished, alert: .decryptError, "Finished does not match the transcript")
        }
    }

    func finishedVerifyData(_ secret: [UInt8]) throws(DTLSError) -> [UInt8] {
        let currentHash = transcriptHash()
        return try derive { () throws(CryptoError) in
            try KeySchedule13.finishedVerifyData(hash, baseKey: secret, transcriptHash: currentHash)
        }
    }

    /// Our Certificate and CertificateVerify messages (ECDSA keys).
    func certificateMessages(context: [UInt8], isServer: Bool) throws(DTLSError) -> [[UInt8]] {
        var writer = ByteWriter()
        Certificate13(context: context, entries: [.init(certificate: config.certificate.derEncoded)]).write(to: &writer)
        let certificate = handshake(.certificate, writer.bytes)
        let scheme = ownSignatureScheme
        let content = CertificateVerify13.signedContent(server: isServer, transcriptHash: transcriptHash())
        let key = config.privateKey
        let signature = try derive { () throws(CryptoError) in try key.sign(content.span, hash: scheme.hash, pss: scheme.isRSAPSS) }
        var signed = ByteWriter()
        DigitallySigned(scheme: scheme, signature: signature).write(to: &signed)
        return [certificate, handshake(.certificateVerify, signed.bytes)]
    }

    /// The scheme our key signs with in DTLS 1.3: the ECDSA scheme of its
    /// curve (1.3 ties them), or RSASSA-PSS with SHA-256.
    var ownSignatureScheme: SignatureScheme {
        switch config.privateKey.keyType {
        case .ecdsa(.p256): .ecdsaSecp256r1Sha256
        case .ecdsa(.p384): .ecdsaSecp384r1Sha384
        case .rsa: .rsaPssRsaeSha256
        }
    }

    /// Sets the suite's hash, key length and AEAD.
    func select(suite chosen: CipherSuite) throws(DTLSError) {
        switch chosen.rawValue {
        case 0x1301: (hash, keyLength, chacha) = (.sha256, 16, false)  // hash as `CipherSuite.dtls13Hash`
        case 0x1302: (hash, keyLength, chacha) = (.sha384, 32, false)
        case 0x1303: (hash, keyLength, chacha) = (.sha256, 32, true)
        default: throw DTLSError(.illegalParameter, alert: .illegalParameter, "suite \(chosen) is not a DTLS 1.3 suite")
        }
        suite = chosen
    }

    // MARK: - Records out

    /// A handshake message in DTLS form (12-byte header, one fragment); its
    /// TLS form (4-byte header) goes into the transcript (RFC 9147 5.2).
    func handshake(_ type: HandshakeType, _ body: [UInt8]) -> [UInt8] {
        var writer = ByteWriter()
        HandshakeHeader(type: type, length: UInt32(body.count), messageSequence: messageSequence, fragmentOffset: 0,
                        fragmentLength: UInt32(body.count)).write(to: &writer)
        writer.writeBytes(body)
        messageSequence += 1
        appendToTranscript(type.rawValue, body)
        return writer.bytes
    }

    /// A received message into the transcript, TLS form.
    func appendToTranscript(_ type: UInt8, _ body: [UInt8]) {
        transcript += HelloRetryRequest.transcriptForm(HandshakeType(rawValue: type), body)
    }

    /// Replaces the transcript (RFC 8446 4.4.1's message_hash after a
    /// HelloRetryRequest, or nothing once connected).
    func resetTranscript(_ bytes: [UInt8]) {
        transcript = bytes
        runningTranscript = nil
        hashedCount = 0
    }

    func transcriptHash() -> [UInt8] {
        let messages = transcript  // a class property's span cannot outlive its access
        do throws(CryptoError) {
            if runningTranscript?.algorithm != hash || hashedCount > messages.count {
                runningTranscript = try RunningDigest(hash)
                hashedCount = 0
            }
            if let running = runningTranscript {
                try running.update(messages.span.extracting(hashedCount..<messages.count))
                hashedCount = messages.count
                return try running.current()
            }
        } catch {
            runningTranscript = nil  // libcrypto failed (memory): hash it all at once
        }
        return Digest.hash(hash, messages.span)
    }

    func send(flight records: [(epoch: UInt64, type: ContentType, content: [UInt8])], now: DTLSInstant) {
        startClock(now: now)
        flight = records
        timeout = config.initialRetransmitTimeout
        transmit(now: now)
    }

    /// Record overhead: the 13-byte DTLSPlaintext header in epoch 0; the
    /// unified header (flags, 16-bit sequence, length), the inner content
    /// type and the 16-byte tag under keys (RFC 9147 4).
    static func recordOverhead(epoch: UInt64) -> Int { epoch == 0 ? RecordHeader.length : 5 + 1 + 16 }

    /// Writes the flight in as few datagrams as `config.mtu` allows:
    /// handshake messages larger than the room left are fragmented (RFC
    /// 9147 5.4, the 12-byte header on each fragment), records are packed
    /// into datagrams and never span two. Each transmission uses fresh
    /// record numbers, so an ACK names exactly what arrived.
    private func transmit(now: DTLSInstant) {
        var datagram: [UInt8] = []
        flightRecordNumbers = []
        let mtu = config.mtu
        func flush() {
            guard !datagram.isEmpty else { return }
            emit(.packet, datagram)
            datagram = []
        }
        for record in flight {
            let overhead = Self.recordOverhead(epoch: record.epoch)
            let pieces = record.type == .handshake
                ? Self.fragments(of: record.content, maxFragment: max(mtu - overhead - HandshakeHeader.length, 64))
                : [record.content]
            for piece in pieces {
                if !datagram.isEmpty, datagram.count + overhead + piece.count > mtu { flush() }
                if record.epoch == 0 {
                    let sequence = epochZeroWriteSequence
                    epochZeroWriteSequence = sequence + 1
                    var header = ByteWriter()
                    RecordHeader(contentType: record.type, version: .dtls12, epoch: 0, sequenceNumber: sequence,
                                 length: UInt16(piece.count)).write(to: &header)
                    datagram += header.bytes + piece
                } else if let keys = record.epoch == 2 ? handshakeWriteKeys() : writeKeys,
                          let bytes = try? seal(record.type, piece, keys: keys) {
                    datagram += bytes
                }
            }
        }
        flush()
        retransmitAt = now + timeout
    }

    /// One handshake message (DTLS form: 12-byte header, whole body) as
    /// fragments with bodies of at most `maxFragment` bytes.
    static func fragments(of message: [UInt8], maxFragment: Int) -> [[UInt8]] {
        let bodyCount = message.count - HandshakeHeader.length
        guard bodyCount > maxFragment, bodyCount >= 0 else { return [message] }
        var out: [[UInt8]] = []
        var offset = 0
        while offset < bodyCount {
            let length = min(maxFragment, bodyCount - offset)
            var fragment = Array(message[0..<6])  // type, length, message_seq
            fragment += [UInt8(truncatingIfNeeded: offset >> 16), UInt8(truncatingIfNeeded: offset >> 8), UInt8(truncatingIfNeeded: offset),
                         UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
            fragment += message[(HandshakeHeader.length + offset)..<(HandshakeHeader.length + offset + length)]
            out.append(fragment)
            offset += length
        }
        return out
    }

    /// The epoch-2 keys stay usable for retransmitting the last handshake
    /// flight after the write side moved to epoch 3.
    private func handshakeWriteKeys() -> EpochKeys13? {
        if let keys = writeKeys, keys.epoch == 2 { epochTwoWrite = keys }
        return epochTwoWrite
    }

    private func seal(_ type: ContentType, _ content: [UInt8], keys: EpochKeys13) throws(DTLSError) -> [UInt8] {
        let sequence = keys.takeSequence()
        if type == .handshake { flightRecordNumbers.insert(ACK.RecordNumber(epoch: keys.epoch, sequence: sequence)) }
        return try RecordProtection13.seal(type, content: content, sequence: sequence, keys: keys)
    }

    func sendACK() {
        guard let keys = writeKeys, !pendingAcks.isEmpty else { return }
        var writer = ByteWriter()
        ACK(records: pendingAcks.sorted()).write(to: &writer)
        pendingAcks = []
        if let record = try? seal(.ack, writer.bytes, keys: keys) { emit(.packet, record) }
    }

    /// ACKs the records of a flight we received whole when no flight of ours answers it (RFC 9147 7.1).
    func acknowledge(_ records: [ACK.RecordNumber]) {
        pendingAcks += records
        sendACK()
        if phase == .connected { handshakeRecordsReceived = [] }
    }

    private func epochKeys(_ secret: [UInt8], epoch: UInt64, usage: AESGCM.Usage) throws(DTLSError) -> EpochKeys13 {
        let length = keyLength, chacha = chacha
        return try derive { () throws(CryptoError) in
            try EpochKeys13(epoch: epoch, keys: try KeySchedule13.trafficKeys(hash, secret: secret, keyLength: length), usage: usage,
                            chacha: chacha)
        }
    }

    // MARK: - Errors

    func derive<T>(_ body: () throws(CryptoError) -> T) throws(DTLSError) -> T {
        do { return try body() } catch { throw DTLSError(.internalError, alert: .internalError, "key schedule: \(error)") }
    }

    func wire<T>(_ body: () throws(WireError) -> T) throws(DTLSError) -> T {
        do { return try body() } catch { throw DTLSError(.malformedMessage, alert: .decodeError, "\(error)") }
    }

    /// The error for a fatal alert the peer sent: its description, as the
    /// 1.2 engine reports it.
    static func receivedAlert(_ content: [UInt8]) -> DTLSError {
        let description = content.count == 2 ? AlertDescription(rawValue: content[1]) : nil
        return DTLSError(.alertReceived, alert: description, "peer sent fatal \(description.map(\.description) ?? "\(content)")")
    }

    /// Fails the connection (once), with the alert under the current write
    /// keys (none for an alert the peer sent).
    func fail(_ error: DTLSError, sendingAlert: Bool = true) -> DTLSError {
        if case .failed = phase { return error }
        phase = .failed(error)
        retransmitAt = nil
        flight = []
        if sendingAlert, let alert = error.alert {
            if let keys = writeKeys, let record = try? seal(.alert, [2, alert.rawValue], keys: keys) {
                emit(.packet, record)
            } else {
                // Before any keys: a DTLSPlaintext alert in epoch 0.
                var record = ByteWriter()
                RecordHeader(contentType: .alert, version: .dtls12, epoch: 0, sequenceNumber: epochZeroWriteSequence, length: 2)
                    .write(to: &record)
                record.writeUInt8(2)
                record.writeUInt8(alert.rawValue)
                emit(.packet, record.bytes)
            }
        }
        emit(.failed(error))
        return error
    }
}
