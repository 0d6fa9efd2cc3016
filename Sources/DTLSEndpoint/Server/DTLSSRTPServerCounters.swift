/// What the server did, for metrics and logs.
public struct DTLSSRTPServerCounters: Sendable, Hashable {
    /// HelloVerifyRequests sent by the front door.
    public var helloVerifyRequests = 0
    /// Stateless HelloRetryRequests (DTLS 1.3 cookies) sent by the front door.
    public var helloRetryRequests = 0
    /// Fatal alerts the front door sent without state (no DTLS 1.3 group or suite in common).
    public var statelessAlerts = 0
    /// Datagrams from unknown addresses that were no ClientHello we answer.
    public var strangersDropped = 0
    /// Verified ClientHellos refused because a limit was reached.
    public var refusedByLimits = 0
    /// Stale half-open handshakes dropped to admit a new one.
    public var evictedHandshakes = 0
    /// Associations replaced by a new handshake from the same address.
    public var replaced = 0
    /// Datagrams dropped because their peer's queue was full.
    public var queueDrops = 0
    /// Peers closed for silence.
    public var idleClosed = 0

    /// All zero.
    public init() {}
}
