import DTLSCrypto

/// The record layer's state and the connection's output queue, kept in one
/// struct so that the established-connection paths (seal, open, poll) run
/// as a single mutating call: one exclusivity check per operation instead
/// of one per field, and no allocation once the buffers have been grown.
struct RecordIO {
    /// What the output queue holds. Bytes travel in `Pending.bytes`; events
    /// wait in a side queue so queue entries stay plain values.
    enum Kind: UInt8 { case packet, data, event }

    struct Pending {
        var kind: Kind
        var bytes: [UInt8]
    }

    var readEpoch: UInt16 = 0
    var writeEpoch: UInt16 = 0
    var writeSequence = InlineArray<2, UInt64>(repeating: 0)
    var readWindow = ReplayWindow()
    var readProtection: RecordProtection?
    var writeProtection: RecordProtection?
    /// Connected: application data may flow both ways.
    var established = false
    let mtu: Int

    var outputs: [Pending] = []
    var outputHead = 0
    var events: [DTLSOutput] = []
    var eventHead = 0
    /// Datagram-sized buffers handed back by `poll`, reused so the
    /// established record path does not allocate.
    var bufferPool: [[UInt8]] = []
    var receiveBuffer: [UInt8] = []
    var recordScratch: [RecordView] = []
    var droppedRecords = 0
    /// The connection's timers, reported by `poll` once the queue is empty.
    var timers = Timers()
    var releaseBuffersWhenIdle = false

    struct Timers {
        var handshakeDeadline: DTLSInstant?
        var retransmitAt: DTLSInstant?
        var lingerUntil: DTLSInstant?
        var handshaking = true
        var live = true

        var next: DTLSInstant? {
            guard live else { return nil }
            var next = handshaking ? handshakeDeadline : nil
            if let t = retransmitAt, next.map({ t < $0 }) ?? true { next = t }
            if let t = lingerUntil, next.map({ t < $0 }) ?? true { next = t }
            return next
        }
    }

    init(mtu: Int) { self.mtu = mtu }

    static let zeroes = [UInt8](repeating: 0, count: 32)
    static let maxPooledBuffers = 8

    // MARK: Output queue

    mutating func enqueue(_ kind: Kind, _ bytes: [UInt8]) {
        outputs.append(Pending(kind: kind, bytes: bytes))
    }

    mutating func enqueue(_ event: DTLSOutput) {
        events.append(event)
        outputs.append(Pending(kind: .event, bytes: []))
    }

    /// A buffer from the pool, emptied, with room for a datagram.
    mutating func takeBuffer() -> [UInt8] {
        var buffer = bufferPool.popLast() ?? []
        buffer.removeAll(keepingCapacity: true)
        let room = max(mtu, 1500) + 64
        if buffer.capacity < room { buffer.reserveCapacity(room) }
        return buffer
    }

    mutating func recycle(_ bytes: [UInt8]) {
        if bufferPool.count < Self.maxPooledBuffers, bytes.capacity > 0 { bufferPool.append(bytes) }
    }

    /// See `DTLSConnection.pollOutput(into:)`.
    mutating func poll(into buffer: inout [UInt8]) -> DTLSOutput {
        while outputHead < outputs.count {
            let index = outputHead
            outputHead += 1
            switch outputs[index].kind {
            case .packet, .data:
                let isData = outputs[index].kind == .data
                swap(&buffer, &outputs[index].bytes)
                recycle(outputs[index].bytes)
                outputs[index].bytes = []
                compact()
                return isData ? .applicationData : .packet
            case .event:
                let event = events[eventHead]
                eventHead += 1
                compact()
                return event
            }
        }
        compact()
        if releaseBuffersWhenIdle {
            releaseBuffersWhenIdle = false
            releaseIdleBuffers()
        }
        return .timeout(timers.next)
    }

    private mutating func compact() {
        if outputHead >= outputs.count {
            outputs.removeAll(keepingCapacity: true)
            outputHead = 0
        }
        if eventHead >= events.count, eventHead > 0 {
            events.removeAll(keepingCapacity: true)
            eventHead = 0
        }
    }

    /// Gives back the memory an idle connection does not need: the
    /// handshake-sized buffers. They grow again on first use.
    mutating func releaseIdleBuffers() {
        bufferPool = []
        receiveBuffer = []
        recordScratch = []
        if outputHead >= outputs.count { outputs = [] }
        if eventHead >= events.count { events = [] }
        outputHead = 0
        eventHead = 0
    }

    // MARK: Records

    /// Appends a 13-byte DTLS 1.2 header whose length is patched later.
    static func appendHeader(_ buffer: inout [UInt8], type: ContentType, epoch: UInt16, sequence: UInt64) {
        buffer.append(type.rawValue)
        buffer.append(0xFE)
        buffer.append(0xFD)
        buffer.append(UInt8(truncatingIfNeeded: epoch >> 8))
        buffer.append(UInt8(truncatingIfNeeded: epoch))
        for shift in stride(from: 40, through: 0, by: -8) {
            buffer.append(UInt8(truncatingIfNeeded: sequence >> UInt64(shift)))
        }
        buffer.append(0)
        buffer.append(0)
    }

    /// Seals one application-data record into a pooled buffer and queues it.
    mutating func sealApplicationData(_ data: ArraySlice<UInt8>) throws(DTLSError) {
        guard established, let protection = writeProtection else {
            throw DTLSError(.notConnected, alert: nil, "send before the handshake completed")
        }
        let maxPayload = min(16384, max(mtu, 1500) - RecordHeader.length - RecordProtection.overhead)
        guard data.count <= maxPayload else {
            throw DTLSError(.messageTooLarge, alert: nil, "\(data.count) bytes exceed one record (\(maxPayload))")
        }
        let sequence = writeSequence[1]
        var buffer = takeBuffer()
        Self.appendHeader(&buffer, type: .applicationData, epoch: 1, sequence: sequence)
        buffer.append(contentsOf: Self.zeroes[0..<RecordProtection.explicitNonceLength])
        buffer.append(contentsOf: data)
        buffer.append(contentsOf: Self.zeroes[0..<AESGCM.tagLength])
        do {
            try protection.seal(&buffer, headerStart: 0, plaintextLength: data.count, type: .applicationData,
                                version: .dtls12, epoch: 1, sequence: sequence)
        } catch {
            throw DTLSError.internalError("seal: \(error)")
        }
        writeSequence[1] = sequence + 1
        enqueue(.packet, buffer)
    }

    /// The established fast path: when every record in the datagram is
    /// epoch-1 application data, open them all here. Returns false, having
    /// changed nothing, when the datagram needs the general path (handshake
    /// retransmissions, alerts, anything unusual).
    mutating func receiveApplicationData(_ packet: ArraySlice<UInt8>) -> Bool {
        guard established, readEpoch == 1, let protection = readProtection else { return false }
        receiveBuffer.removeAll(keepingCapacity: true)
        receiveBuffer.append(contentsOf: packet)
        recordScratch.removeAll(keepingCapacity: true)
        RecordView.split(receiveBuffer, into: &recordScratch)
        guard !recordScratch.isEmpty else { return false }
        for record in recordScratch where record.header.epoch != 1 || record.header.contentType != .applicationData {
            return false
        }
        for i in 0..<recordScratch.count {
            let record = recordScratch[i]
            guard readWindow.check(record.header.sequenceNumber) else {
                droppedRecords += 1
                continue
            }
            let content: Range<Int>
            do {
                content = try protection.open(&receiveBuffer, fragment: record.fragment, header: record.header)
            } catch {
                droppedRecords += 1
                continue
            }
            readWindow.update(record.header.sequenceNumber)
            var buffer = takeBuffer()
            buffer.append(contentsOf: receiveBuffer[content])
            enqueue(.data, buffer)
        }
        return true
    }
}
