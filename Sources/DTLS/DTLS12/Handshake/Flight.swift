/// One flight of the handshake (RFC 6347 4.2.4): what is retransmitted as
/// a unit when the timer fires or the peer repeats its previous flight.
///
/// Messages are kept serialized, so a retransmission only re-fragments and
/// re-seals; record sequence numbers are fresh each time, as the RFC requires.
struct Flight {
    enum Item {
        case handshake(type: HandshakeType, sequence: UInt16, body: [UInt8], epoch: UInt16)
        case changeCipherSpec
    }

    var items: [Item] = []
    /// Flights that expect no answer (the server's last one, and a
    /// HelloVerifyRequest) are resent only when the peer repeats itself.
    var retransmitsOnTimer: Bool

    init(retransmitsOnTimer: Bool) { self.retransmitsOnTimer = retransmitsOnTimer }
}
