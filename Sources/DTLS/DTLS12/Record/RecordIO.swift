import DTLSCrypto

/// The DTLS 1.2 record layer's state and the connection's output queue,
/// kept in one struct so that the established-connection paths (seal, open,
/// poll) run as a single mutating call: one exclusivity check per operation
/// instead of one per field, and no allocation once the buffers have grown.
///
/// Write state is indexed by epoch: the current epoch's keys and counter
/// are kept in fields for the hot path, earlier epochs in
/// `retiredWriteEpochs` (a retransmitted flight mixes epoch-0 messages and
/// an epoch-1 Finished). Reading keeps the current epoch; a record of the
/// next one waits in the handshake's stash until ChangeCipherSpec.
struct RecordIO {
    /// What the output queue holds. Bytes travel in `Pending.bytes`; events
    /// wait in a side queue so queue entries stay plain values.
    enum Kind: UInt8 { case packet, data, event }

    struct Pending {
        var kind: Kind
        var bytes: [UInt8]
    }

    var readEpoch: UInt16 = 0
    var readWindow = ReplayWindow()
    var readProtection: RecordProtection?
    var writeEpoch: UInt16 = 0
    var writeProtection: RecordProtection?
    /// The next record sequence number of the current write epoch.
    var writeSequence: UInt64 = 0

    /// A write epoch that is no longer current, kept for retransmissions.
    struct WriteEpoch {
        var epoch: UInt16
        var protection: RecordProtection?
        var nextSequence: UInt64
    }
    var retiredWriteEpochs: [WriteEpoch] = []
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

    /// A record as its own datagram-shaped copy (header and fragment), for
    /// the stash of next-epoch records.
    static func copyRecord(_ header: RecordHeader, fragment: ArraySlice<UInt8>) -> [UInt8] {
        var w = ByteWriter(capacity: RecordHeader.length + fragment.count)
        header.write(to: &w)
        w.writeBytes(fragment)
        return w.bytes
    }
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

    /// Empties the queues once everything in them was handed out. Their
    /// entries are already hollow (bytes swapped out), so popping them is
    /// cheap; `removeAll(keepingCapacity:)` takes a generic path costing
    /// several hundred instructions per poll.
    private mutating func compact() {
        if outputHead > 0, outputHead >= outputs.count {
            while outputs.popLast() != nil {}
            outputHead = 0
        }
        if eventHead > 0, eventHead >= events.count {
            while events.popLast() != nil {}
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

    // MARK: Epochs

    /// From now on records are written in `epoch` with `protection`; the
    /// old epoch stays available for retransmitting its records.
    mutating func switchWriteEpoch(to epoch: UInt16, protection: RecordProtection?) {
        retiredWriteEpochs.append(WriteEpoch(epoch: writeEpoch, protection: writeProtection, nextSequence: writeSequence))
        writeEpoch = epoch
        writeProtection = protection
        writeSequence = 0
    }

    /// From now on records are read in `epoch`, with a fresh replay window.
    mutating func switchReadEpoch(to epoch: UInt16, protection: RecordProtection) {
        readEpoch = epoch
        readProtection = protection
        readWindow = ReplayWindow()
    }

    /// The keys and the next sequence number of a write epoch, which is
    /// then used up; nil for an epoch we never wrote in.
    mutating func claimRecordNumber(epoch: UInt16) -> (protection: RecordProtection?, sequence: UInt64)? {
        if epoch == writeEpoch {
            defer { writeSequence += 1 }
            return (writeProtection, writeSequence)
        }
        guard let i = retiredWriteEpochs.firstIndex(where: { $0.epoch == epoch }) else { return nil }
        defer { retiredWriteEpochs[i].nextSequence += 1 }
        return (retiredWriteEpochs[i].protection, retiredWriteEpochs[i].nextSequence)
    }

    // MARK: Records

    /// Seals one application-data record into a pooled buffer and queues it.
    mutating func sealApplicationData(_ data: ArraySlice<UInt8>) throws(DTLSError) {
        var buffer = takeBuffer()
        try sealApplicationData(data, into: &buffer)
        enqueue(.packet, buffer)
    }

    /// Seals one application-data record as the whole of `datagram`
    /// (its old contents are replaced, its capacity reused).
    mutating func sealApplicationData(_ data: ArraySlice<UInt8>, into datagram: inout [UInt8]) throws(DTLSError) {
        guard established, let protection = writeProtection else {
            throw DTLSError(.notConnected, alert: nil, "send before the handshake completed")
        }
        let maxPayload = min(16384, max(mtu, 1500) - RecordHeader.length - RecordProtection.overhead)
        guard data.count <= maxPayload else {
            throw DTLSError(.messageTooLarge, alert: nil, "\(data.count) bytes exceed one record (\(maxPayload))")
        }
        let sequence = writeSequence
        datagram.removeAll(keepingCapacity: true)
        let prefix = RecordHeader.length + RecordProtection.explicitNonceLength
        datagram.append(contentsOf: Self.zeroes[0..<prefix])
        datagram.append(contentsOf: data)
        datagram.append(contentsOf: Self.zeroes[0..<AESGCM.tagLength])
        RecordHeader.write(into: &datagram, at: 0, type: .applicationData, epoch: writeEpoch, sequence: sequence)
        do {
            try protection.seal(&datagram, headerStart: 0, plaintextLength: data.count, type: .applicationData,
                                version: .dtls12, epoch: writeEpoch, sequence: sequence)
        } catch {
            throw DTLSError.internalError("seal: \(error)")
        }
        writeSequence = sequence + 1
    }

    /// What `openApplicationData(in:)` did with a datagram.
    enum DirectOpen { case plaintext(Range<Int>), dropped, general }

    /// Opens a datagram that is exactly one application-data record of the current read epoch,
    /// record, in place. Anything else (several records, handshake, alert,
    /// another epoch) is left untouched for the general path.
    mutating func openApplicationData(in datagram: inout [UInt8]) -> DirectOpen {
        guard established, readEpoch > 0, let protection = readProtection else { return .general }
        let count = datagram.count
        guard let header = RecordHeader.loneApplicationData(datagram.span, epoch: readEpoch) else { return .general }
        let sequence = header.sequenceNumber
        guard readWindow.check(sequence) else {
            droppedRecords += 1
            return .dropped
        }
        do {
            let content = try protection.open(&datagram, fragment: RecordHeader.length..<count, header: header)
            readWindow.update(sequence)
            return .plaintext(content)
        } catch {
            droppedRecords += 1
            return .dropped
        }
    }

    /// What `receiveApplicationData` did with a datagram.
    enum FastReceive {
        /// Nothing: the datagram needs the general path.
        case general
        /// Opened here. `lingering`: data arrived while the handshake's last
        /// flight was still kept for retransmission (answered in the same
        /// call, so the hot path makes one access to the record layer).
        case opened(lingering: Bool)
    }

    /// The established fast path: when every record in the datagram is
    /// application data of the current read epoch, open them all here. Returns `.general`,
    /// having changed nothing, when the datagram needs the general path
    /// (handshake retransmissions, alerts, anything unusual).
    mutating func receiveApplicationData(_ packet: ArraySlice<UInt8>) -> FastReceive {
        guard established, readEpoch > 0, let protection = readProtection else { return .general }
        receiveBuffer.removeAll(keepingCapacity: true)
        receiveBuffer.append(contentsOf: packet)
        recordScratch.removeAll(keepingCapacity: true)
        RecordView.split(receiveBuffer, into: &recordScratch)
        guard !recordScratch.isEmpty else { return .general }
        for record in recordScratch where record.header.epoch != readEpoch || record.header.contentType != .applicationData {
            return .general
        }
        let queued = outputs.count
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
        return .opened(lingering: outputs.count > queued && timers.lingerUntil != nil)
    }
}
