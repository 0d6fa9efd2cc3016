/// What `DTLSConnection.openApplicationData(in:)` made of a datagram.
public enum DTLSDirectReceive: Sendable, Hashable {
    /// `datagram[range]` is the plaintext of the one application-data
    /// record the datagram held, decrypted in place.
    case applicationData(Range<Int>)
    /// A replayed or unauthenticated record: dropped and counted in
    /// `droppedRecords`, as `handlePacket` would. The datagram's bytes are
    /// then unspecified.
    case dropped
    /// DTLS 1.3: one authenticated record for the engine (an ACK, a
    /// KeyUpdate, an alert; its type is encrypted, so only opening it
    /// tells). It was taken as `handlePacket` would take it: drain
    /// `pollOutput`. The datagram's bytes are then unspecified.
    case handled
    /// Not a lone application-data record of the current epoch (a handshake
    /// retransmission, an alert, several records, or not yet connected): the
    /// datagram is untouched; hand it to `handlePacket` and drain `pollOutput`.
    case needsEngine
}

// MARK: - Direct record path

/// The established connection's application data without the output queue.
///
/// `send` + `pollOutput` and `handlePacket` + `pollOutput` are the general
/// Sans-IO interface and stay correct for every datagram. A data-channel
/// pump that moves many records per second can skip the queue: seal
/// straight into the buffer it hands to the socket, and open a received
/// datagram where it lies. That removes a copy per record, two queue
/// operations and the output enum, about a third of the engine's own cost
/// per record (see BENCHMARKS.md). Both calls are allocation-free once the
/// datagram buffer has grown, and keep every check of the general path:
/// the replay window, the AEAD tag, the record length.
extension DTLSConnection {
    /// Seals `payload` as one application-data record that becomes the
    /// whole of `datagram` (old contents replaced, capacity reused), ready to
    /// send. Throws as `send` does: not connected, or too large for a record.
    public func sealApplicationData(_ payload: ArraySlice<UInt8>, into datagram: inout [UInt8]) throws(DTLSError) {
        if let dtls12 { return try dtls12.io.sealApplicationData(payload, into: &datagram) }
        guard let dtls13 else { throw DTLSError(.notConnected, alert: nil, "send before the handshake completed") }
        try dtls13.sealApplicationData(payload, into: &datagram)
    }

    /// The same for a whole array.
    public func sealApplicationData(_ payload: [UInt8], into datagram: inout [UInt8]) throws(DTLSError) {
        try sealApplicationData(payload[...], into: &datagram)
    }

    /// Opens a received datagram in place when it is one application-data
    /// record; otherwise leaves it for `handlePacket`.
    public func openApplicationData(in datagram: inout [UInt8]) -> DTLSDirectReceive {
        guard let engine = dtls12 else {
            switch dtls13?.openApplicationData(in: &datagram) {
            case .plaintext(let range)?: return .applicationData(range)
            case .dropped?: return .dropped
            case .handled?: return .handled
            case .general?, nil: return .needsEngine
            }
        }
        switch engine.io.openApplicationData(in: &datagram) {
        case .plaintext(let range):
            // Data from the client proves our final flight arrived.
            if role == .server, engine.lingerUntil != nil { engine.releaseHandshake() }
            return .applicationData(range)
        case .dropped: return .dropped
        case .general: return .needsEngine
        }
    }
}
