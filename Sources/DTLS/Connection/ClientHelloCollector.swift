/// Gathers the datagrams of one ClientHello until the whole message is
/// there, so that a server that speaks DTLS 1.2 and 1.3 can read its
/// supported_versions before it picks an engine.
///
/// Browsers' ClientHellos (about 1.4 KB with an X25519MLKEM768 share) come
/// in two fragments, and Chromium shuffles its extensions, so the version
/// and the cookie may be in either one: only the whole message says.
/// Everything is bounded: one message, `maxBytes` of datagrams, epoch-0
/// ClientHello fragments only.
package struct ClientHelloCollector: Sendable {
    /// A ClientHello that arrived whole.
    package struct Complete: Sendable {
        package var hello: ClientHello
        /// The message body (TLS form without its 4-byte header).
        package var body: [UInt8]
        package var messageSequence: UInt16
        /// The highest record sequence number among its records.
        package var recordSequence: UInt64
        /// The datagrams that carried it, in arrival order.
        package var datagrams: [[UInt8]]
        /// Their size in all: what a stateless reply may not exceed.
        package var receivedBytes: Int
    }

    package enum Outcome: Sendable {
        /// More fragments are needed; the datagram was kept.
        case incomplete
        /// The ClientHello is whole.
        case complete(Complete)
        /// Not a ClientHello fragment that fits (another record, another
        /// message, over the bound, unparseable); the datagram was not kept.
        case invalid
    }

    private var reassembler: HandshakeReassembler?
    private var datagrams: [[UInt8]] = []
    private var recordSequence: UInt64 = 0
    package private(set) var receivedBytes = 0
    /// The most datagram bytes kept for one ClientHello.
    package let maxBytes: Int

    package init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Whether no datagram has been kept yet.
    package var isEmpty: Bool { datagrams.isEmpty }

    package mutating func add(_ datagram: [UInt8]) -> Outcome {
        guard receivedBytes + datagram.count <= maxBytes else { return .invalid }
        var records: [RecordView] = []
        RecordView.split(datagram, into: &records)
        guard !records.isEmpty else { return .invalid }
        var candidate = reassembler
        var highest = recordSequence
        for record in records {
            guard record.header.contentType == .handshake, record.header.epoch == 0,
                  let fragments = try? HandshakeFragmentView.split(datagram, range: record.fragment) else { return .invalid }
            for fragment in fragments {
                guard fragment.header.type == .clientHello else { return .invalid }
                if candidate == nil {
                    var fresh = HandshakeReassembler(maxMessageSize: maxBytes, maxBufferedBytes: maxBytes)
                    fresh.advance(to: fragment.header.messageSequence)
                    candidate = fresh
                }
                guard fragment.header.messageSequence == candidate?.nextSequence,
                      candidate?.add(fragment.header, bytes: datagram, body: fragment.body) == .accepted else { return .invalid }
            }
            highest = max(highest, record.header.sequenceNumber)
        }
        reassembler = candidate
        recordSequence = highest
        datagrams.append(datagram)
        receivedBytes += datagram.count
        guard let message = reassembler?.next() else { return .incomplete }
        var reader = ByteReader(message.body)
        guard let hello = try? ClientHello(parsing: &reader) else { return .invalid }
        return .complete(Complete(hello: hello, body: message.body, messageSequence: message.sequence,
                                  recordSequence: recordSequence, datagrams: datagrams, receivedBytes: receivedBytes))
    }
}

extension ClientHello {
    /// The version a server accepting `versions` (preference order) speaks
    /// to this ClientHello: the first of them the client lists in
    /// supported_versions, or DTLS 1.2 when it sends none (RFC 8446 4.2.1:
    /// legacy_version decides then). Nil when there is none in common.
    package func negotiatedVersion(accepting versions: [ProtocolVersion]) -> ProtocolVersion? {
        let offered = (try? extensions.clientSupportedVersions()) ?? nil
        if let offered { return versions.first(where: offered.contains) }
        return versions.contains(.dtls12) ? .dtls12 : nil
    }
}
