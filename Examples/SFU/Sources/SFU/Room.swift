import DTLSNIO
import NIOCore

/// Who is in the call: each peer's writer, by address. An actor, so joins
/// and leaves from the peers' tasks need no lock; the media path reads an
/// immutable snapshot (`members`), refreshed only when someone joins or
/// leaves, so a forwarded packet costs no actor hop.
actor Room {
    private var writers: [SocketAddress: DTLSSRTPPeerWriter] = [:]
    private(set) var received = 0
    private(set) var sent = 0
    private(set) var joined = 0

    /// Adds `peer`; returns the new membership.
    func join(_ peer: DTLSSRTPPeer) -> [SocketAddress: DTLSSRTPPeerWriter] {
        writers[peer.address] = peer.outbound
        joined += 1
        return writers
    }

    /// Removes `address`.
    func leave(_ address: SocketAddress) { writers[address] = nil }

    /// The current membership.
    var members: [SocketAddress: DTLSSRTPPeerWriter] { writers }

    /// A departed peer's totals: packets it sent, copies forwarded to others.
    func count(received: Int, sent: Int) {
        self.received += received
        self.sent += sent
    }
}
