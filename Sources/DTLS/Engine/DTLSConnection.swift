import DTLSCrypto

/// A Sans-IO DTLS 1.2 connection, client or server.
///
/// The caller owns the socket and the clock. It feeds every datagram from
/// the peer to `handlePacket(_:now:)`, drains `pollOutput(into:)` until it
/// returns `.timeout`, sends each `.packet`, and calls `handleTimeout(now:)`
/// when that instant passes. Nothing here reads a clock, touches a socket
/// or spawns a thread, so every behaviour can be driven deterministically.
///
/// A connection is confined to one thread (it is not `Sendable`); an SFU
/// runs many of them, each on the thread that owns its peer.
public final class DTLSConnection {
    public enum Role: Sendable, Hashable { case client, server }

    public enum State: Sendable {
        case handshaking
        case connected
        case closed
        case failed(DTLSError)
    }

    public let role: Role
    let config: DTLSConfiguration
    public internal(set) var state: State = .handshaking

    // MARK: Record layer state
    var readEpoch: UInt16 = 0
    var writeEpoch: UInt16 = 0
    var writeSequence = InlineArray<2, UInt64>(repeating: 0)
    var readWindow = ReplayWindow()
    var readProtection: RecordProtection?
    var writeProtection: RecordProtection?

    // MARK: Handshake state (nil once connected and lingered)
    var handshake: HandshakeContext?
    var lastFlight: Flight?
    var retransmitAt: DTLSInstant?
    var retransmitInterval: Duration
    var handshakeDeadline: DTLSInstant?
    var lingerUntil: DTLSInstant?
    /// Server: after connect, only the message sequence matters (to tell a
    /// retransmitted flight from a renegotiation attempt).
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

    // MARK: Output
    enum Pending {
        case packet([UInt8])
        case data([UInt8])
        case event(DTLSOutput)
        case empty
    }
    var outputs: [Pending] = []
    var outputHead = 0
    /// Datagram-sized buffers handed back by `pollOutput`, reused so that
    /// the established record path does not allocate.
    var bufferPool: [[UInt8]] = []
    var datagram: [UInt8] = []
    var receiveBuffer: [UInt8] = []
    var recordScratch: [RecordView] = []

    // MARK: Statistics
    public private(set) var droppedRecords = 0

    /// A client connection; the ClientHello is queued at once.
    public init(clientWith config: DTLSConfiguration, now: DTLSInstant) {
        self.role = .client
        self.config = config
        self.retransmitInterval = config.initialRetransmitTimeout
        self.handshakeDeadline = now + config.handshakeTimeout
        let context = HandshakeContext(step: .clientAwaitServerHello, reassembler: makeReassembler(next: 0))
        self.handshake = context
        startClient(now: now)
    }

    /// A server connection that waits for a ClientHello. With
    /// `config.cookieExchange` it answers the first one with a
    /// HelloVerifyRequest itself; a server that keeps many peers on one
    /// socket should use `DTLSCookieListener` instead, which keeps no state
    /// until a cookie verifies.
    public init(serverWith config: DTLSConfiguration, now: DTLSInstant) {
        self.role = .server
        self.config = config
        self.retransmitInterval = config.initialRetransmitTimeout
        self.handshakeDeadline = now + config.handshakeTimeout
        self.handshake = HandshakeContext(step: .serverAwaitClientHello, reassembler: makeReassembler(next: 0))
        self.cookieSecret = config.cookieExchange ? SecureRandom.bytes(32) : nil
    }

    /// Server-side cookie secret when the connection does its own exchange.
    var cookieSecret: [UInt8]?

    func makeReassembler(next: UInt16) -> HandshakeReassembler {
        HandshakeReassembler(nextSequence: next, maxMessageSize: config.maxHandshakeMessageSize,
                             maxBufferedBytes: config.maxBufferedHandshakeBytes)
    }

    public var isConnected: Bool { if case .connected = state { true } else { false } }
    public var connectionInfo: DTLSConnectionInfo? { session?.info }

    // MARK: - Input

    /// Feeds one UDP datagram from the peer. It may carry several records,
    /// each with several handshake messages. Malformed, replayed or
    /// unauthenticated records are dropped silently (RFC 6347 4.1.2.7);
    /// fatal protocol errors surface as `.failed` from `pollOutput`.
    public func handlePacket(_ packet: [UInt8], now: DTLSInstant) {
        handlePacket(packet[...], now: now)
    }

    /// The same for a datagram inside a larger receive buffer (no copy first).
    public func handlePacket(_ packet: ArraySlice<UInt8>, now: DTLSInstant) {
        guard isLive else { return }
        receiveBuffer.removeAll(keepingCapacity: true)
        receiveBuffer.append(contentsOf: packet)
        processDatagram(now: now)
    }

    var isLive: Bool {
        switch state {
        case .handshaking, .connected: true
        default: false
        }
    }

    func processDatagram(now: DTLSInstant) {
        recordScratch.removeAll(keepingCapacity: true)
        RecordView.split(receiveBuffer, into: &recordScratch)
        let count = recordScratch.count
        var i = 0
        while i < count, isLive {
            let record = recordScratch[i]
            i += 1
            processRecord(record, now: now)
        }
    }

    func processRecord(_ record: RecordView, now: DTLSInstant) {
        let header = record.header
        if header.epoch != readEpoch {
            if header.epoch == readEpoch &+ 1, let hs = handshake,
               hs.stashedRecords.count < HandshakeContext.maxStashedRecords {
                // Sent after a ChangeCipherSpec we have not seen yet.
                var copy: [UInt8] = []
                var w = ByteWriter(reusing: copy)
                header.write(to: &w)
                w.writeBytes(receiveBuffer[record.fragment])
                copy = w.bytes
                hs.stashedRecords.append(copy)
            } else {
                droppedRecords += 1
            }
            return
        }
        var content = record.fragment
        if let protection = readProtection {
            guard readWindow.check(header.sequenceNumber) else { droppedRecords += 1; return }
            do {
                content = try protection.open(&receiveBuffer, fragment: record.fragment, header: header)
            } catch {
                droppedRecords += 1
                return
            }
            readWindow.update(header.sequenceNumber)
        } else {
            guard header.version == .dtls12 || header.version == .dtls10 else { droppedRecords += 1; return }
        }

        switch header.contentType {
        case .handshake:
            handleHandshakeRecord(content, epoch: header.epoch, now: now)
        case .changeCipherSpec:
            handleChangeCipherSpec(content, now: now)
        case .alert:
            handleAlert(content)
        case .applicationData:
            guard isConnected, header.epoch > 0 else { droppedRecords += 1; return }
            if role == .server, lingerUntil != nil { releaseHandshake() }
            var buffer = bufferPool.popLast() ?? []
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: receiveBuffer[content])
            enqueue(.data(buffer))
        default:
            droppedRecords += 1
        }
    }

    // MARK: - Handshake records

    func handleHandshakeRecord(_ content: Range<Int>, epoch: UInt16, now: DTLSInstant) {
        let fragments: [HandshakeFragmentView]
        do {
            fragments = try HandshakeFragmentView.split(receiveBuffer, range: content)
        } catch {
            droppedRecords += 1
            return
        }
        guard let hs = handshake else {
            handlePostHandshake(fragments, now: now)
            return
        }
        var sawOld = false
        for fragment in fragments {
            if hs.step == .serverAwaitClientHello, fragment.header.type == .clientHello {
                // The first ClientHello's message_seq sets the server's numbering.
                if handleInitialClientHelloFragment(fragment, now: now) { continue }
            }
            switch hs.reassembler.add(fragment.header, bytes: receiveBuffer, body: fragment.body) {
            case .old: sawOld = true
            case .accepted, .dropped: break
            }
        }
        while isLive, let hs = handshake, let message = hs.reassembler.next() {
            do {
                try handleHandshakeMessage(message, epoch: epoch, now: now)
            } catch {
                fail(error)
                return
            }
        }
        if sawOld, isLive { peerRetransmitted(now: now) }
    }

    func handleHandshakeMessage(_ message: HandshakeReassembler.Message, epoch: UInt16, now: DTLSInstant) throws(DTLSError) {
        switch role {
        case .client: try clientHandle(message, epoch: epoch, now: now)
        case .server: try serverHandle(message, epoch: epoch, now: now)
        }
    }

    /// After the handshake: a repeated final flight from the client means our
    /// Finished was lost; a new ClientHello or a HelloRequest is a
    /// renegotiation attempt, refused with a warning (RFC 5746 does not
    /// oblige us to renegotiate, and WebRTC never does).
    func handlePostHandshake(_ fragments: [HandshakeFragmentView], now: DTLSInstant) {
        var refuse = false
        var resend = false
        for fragment in fragments {
            let type = fragment.header.type
            // Checked first: a renegotiating handshake starts again at
            // message_seq 0 (RFC 6347 4.2.2), so its sequence looks old.
            if type == .clientHello || type == .helloRequest {
                refuse = true
            } else if fragment.header.messageSequence < peerNextSequence, role == .server {
                resend = true
            }
        }
        if resend, lastFlight != nil { retransmitFlight(now: now) }
        if refuse { sendAlert(Alert(level: .warning, description: .noRenegotiation)) }
    }

    func handleChangeCipherSpec(_ content: Range<Int>, now: DTLSInstant) {
        guard content.count == 1, receiveBuffer[content.lowerBound] == 1 else {
            fail(.malformed("ChangeCipherSpec body"))
            return
        }
        guard let hs = handshake else { return }
        let expected: HandshakeContext.Step = role == .client ? .clientAwaitChangeCipherSpec : .serverAwaitChangeCipherSpec
        // A ChangeCipherSpec ahead of the messages it must follow (reordered
        // or partly lost flight) is dropped; the flight is retransmitted.
        guard hs.step == expected, let pending = hs.pendingRead else {
            droppedRecords += 1
            return
        }
        readProtection = pending
        hs.pendingRead = nil
        readEpoch = 1
        readWindow = ReplayWindow()
        hs.step = role == .client ? .clientAwaitFinished : .serverAwaitFinished
        replayStash(now: now)
    }

    func replayStash(now: DTLSInstant) {
        guard let hs = handshake, !hs.stashedRecords.isEmpty else { return }
        let stashed = hs.stashedRecords
        hs.stashedRecords.removeAll()
        let saved = receiveBuffer
        let savedRecords = recordScratch
        for record in stashed where isLive {
            receiveBuffer = record
            processDatagram(now: now)
        }
        receiveBuffer = saved
        recordScratch = savedRecords
    }

    func handleAlert(_ content: Range<Int>) {
        var reader = ByteReader(receiveBuffer, range: content)
        guard let alert = try? Alert(parsing: &reader), reader.isAtEnd else {
            droppedRecords += 1
            return
        }
        if alert.description == .closeNotify {
            let wasConnected = isConnected
            if wasConnected { sendAlert(Alert(level: .warning, description: .closeNotify)) }
            state = .closed
            enqueue(.event(wasConnected ? .peerClosed : .failed(DTLSError(.alertReceived, alert: alert.description, "close_notify during handshake"))))
            releaseHandshake()
            return
        }
        if alert.level == .fatal {
            let error = DTLSError(.alertReceived, alert: alert.description, "peer sent fatal \(alert.description)")
            state = .failed(error)
            enqueue(.event(.failed(error)))
            releaseHandshake()
        }
        // Warnings other than close_notify (no_renegotiation, ...) change nothing.
    }

    // MARK: - Timers

    /// Fires retransmission, the handshake deadline and the final-flight
    /// linger. Calling it early or repeatedly is harmless.
    public func handleTimeout(now: DTLSInstant) {
        guard isLive else { return }
        if case .handshaking = state, let deadline = handshakeDeadline, now >= deadline {
            let error = DTLSError(.handshakeTimeout, alert: nil, "no handshake within \(config.handshakeTimeout)")
            state = .failed(error)
            enqueue(.event(.failed(error)))
            releaseHandshake()
            return
        }
        if let at = retransmitAt, now >= at {
            retransmitInterval = min(retransmitInterval * 2, config.maxRetransmitTimeout)
            retransmitFlight(now: now)
        }
        if let linger = lingerUntil, now >= linger { releaseHandshake() }
    }

    var nextDeadline: DTLSInstant? {
        var next: DTLSInstant?
        func consider(_ t: DTLSInstant?) {
            guard let t else { return }
            if next == nil || t < next! { next = t }
        }
        if case .handshaking = state { consider(handshakeDeadline) }
        if isLive {
            consider(retransmitAt)
            consider(lingerUntil)
        }
        return next
    }

    // MARK: - Output

    /// Returns the next output. Datagrams and application data are handed
    /// over by swapping them into `buffer` (whose old storage is kept for
    /// reuse), so a caller that passes the same buffer each time causes no
    /// allocation. The last output of a drain is always `.timeout`.
    public func pollOutput(into buffer: inout [UInt8]) -> DTLSOutput {
        while outputHead < outputs.count {
            let index = outputHead
            outputHead += 1
            let item = outputs[index]
            outputs[index] = .empty
            switch item {
            case .packet(var bytes):
                swap(&buffer, &bytes)
                recycle(bytes)
                compactOutputs()
                return .packet
            case .data(var bytes):
                swap(&buffer, &bytes)
                recycle(bytes)
                compactOutputs()
                return .applicationData
            case .event(let event):
                compactOutputs()
                return event
            case .empty:
                continue
            }
        }
        compactOutputs()
        return .timeout(nextDeadline)
    }

    private func compactOutputs() {
        if outputHead >= outputs.count {
            outputs.removeAll(keepingCapacity: true)
            outputHead = 0
        }
    }

    func recycle(_ bytes: [UInt8]) {
        if bufferPool.count < 8, bytes.capacity > 0 { bufferPool.append(bytes) }
    }

    func enqueue(_ item: Pending) { outputs.append(item) }

    /// A buffer from the pool, emptied, with room for a datagram.
    func takeBuffer() -> [UInt8] {
        var buffer = bufferPool.popLast() ?? []
        buffer.removeAll(keepingCapacity: true)
        if buffer.capacity < config.mtu + 64 { buffer.reserveCapacity(max(config.mtu, 1500) + 64) }
        return buffer
    }

    // MARK: - Application data

    /// Seals one application-data record. Fails unless connected. A payload
    /// larger than the MTU allows is refused rather than fragmented: DTLS
    /// records never span datagrams.
    public func send(_ data: [UInt8]) throws(DTLSError) {
        try send(data[...])
    }

    public func send(_ data: ArraySlice<UInt8>) throws(DTLSError) {
        let protection = try prepareSend(count: data.count)
        var buffer = takeBuffer()
        appendHeader(&buffer, type: .applicationData, epoch: 1, sequence: writeSequence[1])
        buffer.append(contentsOf: Self.zeroes[0..<RecordProtection.explicitNonceLength])
        buffer.append(contentsOf: data)
        buffer.append(contentsOf: Self.zeroes[0..<AESGCM.tagLength])
        try finishSend(&buffer, protection: protection, count: data.count)
    }

    /// The same from a span (copied byte by byte: prefer the array forms
    /// on hot paths).
    public func send(_ data: Span<UInt8>) throws(DTLSError) {
        let protection = try prepareSend(count: data.count)
        var buffer = takeBuffer()
        appendHeader(&buffer, type: .applicationData, epoch: 1, sequence: writeSequence[1])
        buffer.append(contentsOf: Self.zeroes[0..<RecordProtection.explicitNonceLength])
        for i in 0..<data.count { buffer.append(data[i]) }
        buffer.append(contentsOf: Self.zeroes[0..<AESGCM.tagLength])
        try finishSend(&buffer, protection: protection, count: data.count)
    }

    static let zeroes = [UInt8](repeating: 0, count: 32)

    private func prepareSend(count: Int) throws(DTLSError) -> RecordProtection {
        guard isConnected, let protection = writeProtection else {
            throw DTLSError(.notConnected, alert: nil, "send before the handshake completed")
        }
        let maxPayload = min(16384, max(config.mtu, 1500) - RecordHeader.length - RecordProtection.overhead)
        guard count <= maxPayload else {
            throw DTLSError(.messageTooLarge, alert: nil, "\(count) bytes exceed one record (\(maxPayload))")
        }
        return protection
    }

    private func finishSend(_ buffer: inout [UInt8], protection: RecordProtection, count: Int) throws(DTLSError) {
        let sequence = writeSequence[1]
        do {
            try protection.seal(&buffer, headerStart: 0, plaintextLength: count, type: .applicationData,
                                version: .dtls12, epoch: 1, sequence: sequence)
        } catch {
            throw DTLSError.internalError("seal: \(error)")
        }
        writeSequence[1] = sequence + 1
        enqueue(.packet(buffer))
    }

    /// Ends the connection with a fatal alert, for checks made outside the
    /// engine (an endpoint's own fingerprint policy, an application rule).
    public func abort(alert: AlertDescription, reason: String) {
        fail(DTLSError(alert == .badCertificate ? .certificateRejected : .internalError, alert: alert, reason))
    }

    /// Sends close_notify and closes. Idempotent.
    public func close() {
        guard isLive else { return }
        sendAlert(Alert(level: .warning, description: .closeNotify))
        state = .closed
        releaseHandshake()
    }

    /// The NSS key log line (`CLIENT_RANDOM <client_random> <master_secret>`)
    /// that lets Wireshark decrypt a capture of this connection. Secret:
    /// write it only where the operator asked for it.
    public var keyLogLine: String? {
        guard let session else { return nil }
        func hex(_ b: [UInt8]) -> String { b.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
        return "CLIENT_RANDOM \(hex(session.clientRandom)) \(hex(session.masterSecret))"
    }

    /// RFC 5705 keying material exporter, for any label and context.
    public func exportKeyingMaterial(label: String, context: [UInt8]? = nil, length: Int) throws(DTLSError) -> [UInt8] {
        guard let session else { throw DTLSError(.notConnected, alert: nil, "no session yet") }
        do {
            return try KeySchedule.export(masterSecret: session.masterSecret, clientRandom: session.clientRandom,
                                          serverRandom: session.serverRandom, label: label, context: context,
                                          length: length, hash: session.hash)
        } catch {
            throw DTLSError.internalError("exporter: \(error)")
        }
    }

    // MARK: - Failure

    /// Ends the connection: queue the alert (encrypted if we already switched
    /// epochs), report the error once, drop handshake state.
    func fail(_ error: DTLSError) {
        guard isLive else { return }
        if let alert = error.alert {
            sendAlert(Alert(level: .fatal, description: alert))
        }
        state = .failed(error)
        enqueue(.event(.failed(error)))
        releaseHandshake()
    }

    func releaseHandshake() {
        handshake = nil
        lastFlight = nil
        retransmitAt = nil
        lingerUntil = nil
    }
}
