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
    public internal(set) var state: State = .handshaking {
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

    var readEpoch: UInt16 { get { io.readEpoch } set { io.readEpoch = newValue } }
    var writeEpoch: UInt16 { get { io.writeEpoch } set { io.writeEpoch = newValue } }
    var writeSequence: InlineArray<2, UInt64> { get { io.writeSequence } set { io.writeSequence = newValue } }
    var readWindow: ReplayWindow { get { io.readWindow } set { io.readWindow = newValue } }
    var readProtection: RecordProtection? { get { io.readProtection } set { io.readProtection = newValue } }
    var writeProtection: RecordProtection? { get { io.writeProtection } set { io.writeProtection = newValue } }

    // MARK: Handshake state (nil once connected and lingered)
    var handshake: HandshakeContext?
    var lastFlight: Flight?
    var retransmitAt: DTLSInstant? { get { io.timers.retransmitAt } set { io.timers.retransmitAt = newValue } }
    var retransmitInterval: Duration
    var handshakeDeadline: DTLSInstant? { get { io.timers.handshakeDeadline } set { io.timers.handshakeDeadline = newValue } }
    var lingerUntil: DTLSInstant? { get { io.timers.lingerUntil } set { io.timers.lingerUntil = newValue } }
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

    // MARK: Statistics
    /// Records dropped as malformed, unauthenticated, replayed or misplaced.
    public var droppedRecords: Int { io.droppedRecords }

    /// A client connection; the ClientHello is queued at once.
    public init(clientWith config: DTLSConfiguration, now: DTLSInstant) {
        self.role = .client
        self.config = config
        self.io = RecordIO(mtu: config.mtu)
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
        self.io = RecordIO(mtu: config.mtu)
        self.retransmitInterval = config.initialRetransmitTimeout
        self.handshakeDeadline = now + config.handshakeTimeout
        self.handshake = HandshakeContext(step: .serverAwaitClientHello, reassembler: makeReassembler(next: 0))
        self.cookieSecret = config.cookieExchange ? SecureRandom.bytes(32) : nil
    }

    /// A server accepted by a stateless front door: its epoch-0 records
    /// number on from the record that carried the verified cookie, so none
    /// repeats a number the front door already used (RFC 6347 4.2.1).
    func continueEpochZeroSequence(from recordSequence: UInt64) {
        io.writeSequence[0] = max(io.writeSequence[0], recordSequence)
    }

    /// Server-side cookie secret when the connection does its own exchange.
    var cookieSecret: [UInt8]?

    func makeReassembler(next: UInt16) -> HandshakeReassembler {
        HandshakeReassembler(nextSequence: next, maxMessageSize: config.maxHandshakeMessageSize,
                             maxBufferedBytes: config.maxBufferedHandshakeBytes)
    }

    public var isConnected: Bool { phase == .connected }
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

    var isLive: Bool { phase == .handshaking || phase == .connected }

    func processDatagram(now: DTLSInstant) {
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

    func processRecord(_ record: RecordView, now: DTLSInstant) {
        let header = record.header
        if header.epoch != readEpoch {
            if header.epoch == readEpoch &+ 1, let hs = handshake,
               hs.stashedRecords.count < HandshakeContext.maxStashedRecords {
                // Sent after a ChangeCipherSpec we have not seen yet.
                var copy: [UInt8] = []
                var w = ByteWriter(reusing: copy)
                header.write(to: &w)
                w.writeBytes(io.receiveBuffer[record.fragment])
                copy = w.bytes
                hs.stashedRecords.append(copy)
            } else {
                io.droppedRecords += 1
            }
            return
        }
        var content = record.fragment
        if let protection = readProtection {
            guard readWindow.check(header.sequenceNumber) else { io.droppedRecords += 1; return }
            do {
                content = try protection.open(&io.receiveBuffer, fragment: record.fragment, header: header)
            } catch {
                io.droppedRecords += 1
                return
            }
            readWindow.update(header.sequenceNumber)
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

    func handleHandshakeRecord(_ content: Range<Int>, epoch: UInt16, now: DTLSInstant) {
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
        var sawOld = false
        for fragment in fragments {
            if hs.step == .serverAwaitClientHello, fragment.header.type == .clientHello {
                // The first ClientHello's message_seq sets the server's numbering.
                if handleInitialClientHelloFragment(fragment, now: now) { continue }
            }
            switch hs.reassembler.add(fragment.header, bytes: io.receiveBuffer, body: fragment.body) {
            case .old:
                if fragment.header.messageSequence == hs.answeredPeerMessage, fragment.header.endsMessage { sawOld = true }
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

    func handleChangeCipherSpec(_ content: Range<Int>, now: DTLSInstant) {
        guard content.count == 1, io.receiveBuffer[content.lowerBound] == 1 else {
            fail(.malformed("ChangeCipherSpec body"))
            return
        }
        guard let hs = handshake else { return }
        let expected: HandshakeContext.Step = role == .client ? .clientAwaitChangeCipherSpec : .serverAwaitChangeCipherSpec
        // A ChangeCipherSpec ahead of the messages it must follow (reordered
        // or partly lost flight) is dropped; the flight is retransmitted.
        guard hs.step == expected, let pending = hs.pendingRead else {
            io.droppedRecords += 1
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
        let saved = io.receiveBuffer
        let savedRecords = io.recordScratch
        for record in stashed where isLive {
            io.receiveBuffer = record
            processDatagram(now: now)
        }
        io.receiveBuffer = saved
        io.recordScratch = savedRecords
    }

    func handleAlert(_ content: Range<Int>) {
        var reader = ByteReader(io.receiveBuffer, range: content)
        guard let alert = try? Alert(parsing: &reader), reader.isAtEnd else {
            io.droppedRecords += 1
            return
        }
        if alert.description == .closeNotify {
            let wasConnected = isConnected
            if wasConnected { sendAlert(Alert(level: .warning, description: .closeNotify)) }
            state = .closed
            enqueue(wasConnected ? .peerClosed : .failed(DTLSError(.alertReceived, alert: alert.description, "close_notify during handshake")))
            releaseHandshake()
            return
        }
        if alert.level == .fatal {
            let error = DTLSError(.alertReceived, alert: alert.description, "peer sent fatal \(alert.description)")
            state = .failed(error)
            enqueue(.failed(error))
            releaseHandshake()
        }
        // Warnings other than close_notify (no_renegotiation, ...) change nothing.
    }

    // MARK: - Timers

    /// Fires retransmission, the handshake deadline and the final-flight
    /// linger. Calling it early or repeatedly is harmless.
    public func handleTimeout(now: DTLSInstant) {
        guard isLive else { return }
        if phase == .handshaking, let deadline = handshakeDeadline, now >= deadline {
            let error = DTLSError(.handshakeTimeout, alert: nil, "no handshake within \(config.handshakeTimeout)")
            state = .failed(error)
            enqueue(.failed(error))
            releaseHandshake()
            return
        }
        if let at = retransmitAt, now >= at {
            retransmitInterval = min(retransmitInterval * 2, config.maxRetransmitTimeout)
            retransmitFlight(now: now)
        }
        if let linger = lingerUntil, now >= linger { releaseHandshake() }
    }

    var nextDeadline: DTLSInstant? { io.timers.next }

    // MARK: - Output

    /// Returns the next output. Datagrams and application data are handed
    /// over by swapping them into `buffer` (whose old storage is kept for
    /// reuse), so a caller that passes the same buffer each time causes no
    /// allocation. The last output of a drain is always `.timeout`.
    public func pollOutput(into buffer: inout [UInt8]) -> DTLSOutput {
        io.poll(into: &buffer)
    }

    /// Set once the handshake's buffers are no longer needed; honoured the
    /// next time the output queue is empty (never mid-datagram).
    var releaseBuffersWhenIdle: Bool {
        get { io.releaseBuffersWhenIdle }
        set { io.releaseBuffersWhenIdle = newValue }
    }

    func enqueue(_ event: DTLSOutput) { io.enqueue(event) }
    func enqueuePacket(_ bytes: [UInt8]) { io.enqueue(.packet, bytes) }
    func takeBuffer() -> [UInt8] { io.takeBuffer() }
    func recycle(_ bytes: [UInt8]) { io.recycle(bytes) }

    // MARK: - Application data

    /// Seals one application-data record. Fails unless connected. A payload
    /// larger than the MTU allows is refused rather than fragmented: DTLS
    /// records never span datagrams. Allocation-free once warmed up.
    public func send(_ data: [UInt8]) throws(DTLSError) {
        try io.sealApplicationData(data[...])
    }

    public func send(_ data: ArraySlice<UInt8>) throws(DTLSError) {
        try io.sealApplicationData(data)
    }

    /// The same from a span; copies it into an array first (prefer the
    /// array forms on hot paths).
    public func send(_ data: Span<UInt8>) throws(DTLSError) {
        var copy: [UInt8] = []
        copy.reserveCapacity(data.count)
        for i in 0..<data.count { copy.append(data[i]) }
        try io.sealApplicationData(copy[...])
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
        enqueue(.failed(error))
        releaseHandshake()
    }

    func releaseHandshake() {
        releaseBuffersWhenIdle = true
        handshake = nil
        lastFlight = nil
        retransmitAt = nil
        lingerUntil = nil
    }
}
