@testable import DTLS

/// Drives one connection from a fuzz input: a sequence of steps, each an
/// op byte then its operands.
///
/// - op & 0x80: advance the virtual clock by (op & 0x7F) * 50 ms and fire
///   the connection's timers, then deliver nothing.
/// - otherwise: a 2-byte length and that many bytes, delivered as one datagram.
///
/// Output is drained after every step, through `FuzzPeer`'s invariants.
public func runScript(_ input: inout FuzzReader, peer: FuzzPeer, maxSteps: Int = 32,
                      onDatagram: ([UInt8]) -> Void = { _ in }) {
    var now = fuzzStart
    peer.drain()
    var steps = 0
    while !input.isAtEnd, steps < maxSteps {
        steps += 1
        guard let op = input.u8() else { return }
        if op & 0x80 != 0 {
            now += .milliseconds(50 * Int(op & 0x7F))
            peer.connection.handleTimeout(now: now)
        } else {
            guard let datagram = input.chunk() else { return }
            onDatagram(datagram)
            peer.connection.handlePacket(datagram, now: now)
        }
        peer.drain()
    }
}
