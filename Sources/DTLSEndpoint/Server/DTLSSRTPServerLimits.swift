/// Bounds on what peers can make the server hold.
public struct DTLSSRTPServerLimits: Sendable, Hashable {
    /// Peers whose cookie verified but whose handshake has not completed.
    public var maxHandshakesInFlight = 64
    /// Peers in all, handshaking or connected.
    public var maxPeers = 1024
    /// A peer from which nothing arrived for this long is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// A handshake silent this long may be evicted when the handshake
    /// limit is reached and a new verified client arrives.
    public var staleHandshakeAfter: Duration = .seconds(2)
    /// Datagrams of one peer served per round-robin turn.
    public var datagramsPerTurn = 8
    /// Datagrams queued for one peer between two `service` calls;
    /// beyond it that peer's datagrams are dropped and counted.
    public var maxQueuedPerPeer = 256

    /// The defaults: 64 handshakes, 1024 peers, 30 s idle, 8 per turn, 256 queued.
    public init() {}
}
