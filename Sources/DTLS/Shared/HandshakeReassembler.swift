/// Puts handshake messages back together from fragments that may arrive in
/// any order, duplicated or overlapping (RFC 6347 4.2.3), and releases them
/// strictly in message_seq order.
///
/// Everything a peer can make it hold is bounded: only a small window of
/// future message sequence numbers is accepted, each message is capped in
/// size, and the total buffered bytes are capped.
package struct HandshakeReassembler {
    package struct Message: Sendable {
        package var type: HandshakeType
        package var sequence: UInt16
        package var body: [UInt8]
    }

    package enum Outcome: Equatable, Sendable {
        /// The fragment was stored (or was a harmless duplicate).
        case accepted
        /// The fragment belongs to a message already delivered: the peer is
        /// retransmitting, which may mean it lost our last flight.
        case old
        /// Outside the window or over a bound: dropped.
        case dropped
    }

    private struct Partial {
        package var type: HandshakeType
        package var body: [UInt8]
        /// Received byte ranges, sorted and merged.
        var received: [Range<Int>]

        var isComplete: Bool { received.count == 1 && received[0] == 0..<body.count || body.isEmpty }

        mutating func add(_ range: Range<Int>) {
            var merged = range
            var kept: [Range<Int>] = []
            for r in received {
                if r.upperBound < merged.lowerBound || r.lowerBound > merged.upperBound {
                    kept.append(r)
                } else {
                    merged = min(r.lowerBound, merged.lowerBound)..<max(r.upperBound, merged.upperBound)
                }
            }
            kept.append(merged)
            kept.sort { $0.lowerBound < $1.lowerBound }
            received = kept
        }
    }

    /// How many message sequence numbers ahead of the next expected one are
    /// buffered; a whole flight has at most 5 messages.
    static let window: UInt16 = 8

    package private(set) var nextSequence: UInt16
    private var partials: [UInt16: Partial] = [:]
    private var bufferedBytes = 0
    let maxMessageSize: Int
    let maxBufferedBytes: Int

    package init(nextSequence: UInt16 = 0, maxMessageSize: Int, maxBufferedBytes: Int) {
        self.nextSequence = nextSequence
        self.maxMessageSize = maxMessageSize
        self.maxBufferedBytes = maxBufferedBytes
    }

    package mutating func add(_ header: HandshakeHeader, bytes: [UInt8], body: Range<Int>) -> Outcome {
        let seq = header.messageSequence
        if seq < nextSequence { return .old }
        guard seq - nextSequence < Self.window else { return .dropped }
        let length = Int(header.length)
        guard length <= maxMessageSize else { return .dropped }
        let offset = Int(header.fragmentOffset)
        if var partial = partials[seq] {
            // A fragment that disagrees with what we hold about this message
            // is dropped rather than trusted.
            guard partial.type == header.type, partial.body.count == length else { return .dropped }
            partials[seq] = nil
            for i in 0..<body.count { partial.body[offset + i] = bytes[body.lowerBound + i] }
            if !body.isEmpty { partial.add(offset..<(offset + body.count)) }
            partials[seq] = partial
            return .accepted
        }
        guard bufferedBytes + length <= maxBufferedBytes else { return .dropped }
        var partial = Partial(type: header.type, body: [UInt8](repeating: 0, count: length), received: [])
        for i in 0..<body.count { partial.body[offset + i] = bytes[body.lowerBound + i] }
        if !body.isEmpty { partial.add(offset..<(offset + body.count)) }
        bufferedBytes += length
        partials[seq] = partial
        return .accepted
    }

    /// The next message in order, if all its bytes have arrived.
    package mutating func next() -> Message? {
        guard let partial = partials[nextSequence], partial.isComplete else { return nil }
        partials[nextSequence] = nil
        bufferedBytes -= partial.body.count
        defer { nextSequence &+= 1 }
        return Message(type: partial.type, sequence: nextSequence, body: partial.body)
    }

    /// Gives back the table's storage when nothing is buffered (a connected
    /// connection rarely sees another handshake message, and an emptied
    /// dictionary keeps its capacity).
    package mutating func releaseStorageIfEmpty() {
        if partials.isEmpty { partials = [:] }
    }

    /// Moves the expected sequence number (the server learns it from the
    /// first ClientHello), dropping only what now lies behind it.
    mutating func advance(to sequence: UInt16) {
        nextSequence = sequence
        for (seq, partial) in partials where seq < sequence {
            bufferedBytes -= partial.body.count
            partials[seq] = nil
        }
    }
}
