/// A snapshot of one endpoint's packet counters. A value: read
/// `DTLSSRTPEndpoint.counters` on the endpoint's thread and hand the copy to
/// any other thread (metrics, logs).
///
/// "In" counts datagrams received and accepted (for media: authenticated
/// and delivered as plaintext); "out" counts datagrams produced. Every
/// received datagram lands in exactly one counter: an `…In` counter or one
/// of the drop counters.
///
/// `Sendable`.
public struct EndpointCounters: Sendable, Hashable {
    /// DTLS datagrams fed to the engine (whether or not it kept a record).
    public var dtlsIn = 0
    /// DTLS datagrams produced (handshake flights, alerts, application data).
    public var dtlsOut = 0
    /// SRTP packets authenticated and delivered as RTP.
    public var rtpIn = 0
    /// RTP packets protected for sending.
    public var rtpOut = 0
    /// SRTCP packets authenticated and delivered as RTCP.
    public var rtcpIn = 0
    /// RTCP packets protected for sending.
    public var rtcpOut = 0
    /// STUN datagrams handed back to the caller.
    public var stunIn = 0
    /// TURN ChannelData datagrams handed back to the caller.
    public var turnChannelIn = 0
    /// DTLS application-data records delivered (e.g. SCTP for data channels).
    public var applicationDataIn = 0
    /// DTLS application-data records sent.
    public var applicationDataOut = 0

    /// SRTP/SRTCP packets whose authentication tag did not verify (tampered,
    /// truncated, wrong key).
    public var authenticationFailures = 0
    /// SRTP/SRTCP packets already seen or older than the replay window.
    public var replays = 0
    /// SRTP/SRTCP packets too short or otherwise unparseable, or refused by
    /// libsrtp for another reason.
    public var malformed = 0
    /// Datagrams of no kind the endpoint handles (RFC 7983 unknown, ZRTP).
    public var droppedUnknownKind = 0
    /// SRTP/SRTCP received while no keys are installed (before the handshake
    /// completed, or after the endpoint failed or closed).
    public var droppedNotKeyed = 0
    /// DTLS received while the endpoint cannot take it (client not yet
    /// started, or closed/failed).
    public var droppedInactive = 0
    /// Datagrams dropped because the caller did not drain the output queue.
    public var droppedQueueFull = 0
    /// RTP/RTCP packets the caller asked to protect that failed.
    public var protectFailures = 0
    /// New DTLS associations started by `restart` (RFC 8842).
    public var restarts = 0
    /// Closed because nothing arrived for `EndpointConfiguration.idleTimeout`.
    public var idleClosed = 0
    /// DTLS records the engine dropped without a word, as RFC 6347 4.1.2.7
    /// and RFC 9147 4.5.2 ask: ones that did not authenticate, replays,
    /// records of an epoch it has no keys for. Records, not datagrams (a
    /// datagram may carry several), so not part of `dropped`.
    public var dtlsRecordsDropped = 0

    public init() {}

    /// Every received datagram that was dropped, whatever the reason.
    public var dropped: Int {
        authenticationFailures + replays + malformed + droppedUnknownKind + droppedNotKeyed
            + droppedInactive + droppedQueueFull
    }
}
