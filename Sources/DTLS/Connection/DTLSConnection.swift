import DTLSCrypto

/// A Sans-IO DTLS connection, client or server.
///
/// The caller owns the socket and the clock. It feeds every datagram from
/// the peer to `handlePacket(_:now:)`, drains `pollOutput(into:)` until it
/// returns `.timeout`, sends each `.packet`, and calls `handleTimeout(now:)`
/// when that instant passes. Nothing here reads a clock, touches a socket
/// or spawns a thread, so every behaviour can be driven deterministically.
///
/// The connection is a version-neutral facade: it holds the engine of its
/// protocol version and role (today the DTLS 1.2 client or server, in
/// `DTLS12/`) and forwards to it. A new version is a folder of its own and
/// one more engine the facade dispatches to.
///
/// A connection is confined to one thread (it is not `Sendable`); an SFU
/// runs many of them, each on the thread that owns its peer.
public final class DTLSConnection {
    /// Which side of the handshake this connection plays.
    public enum Role: Sendable, Hashable { case client, server }

    /// The connection's lifecycle, as `pollOutput` reports it.
    public enum State: Sendable {
        /// The handshake is running.
        case handshaking
        /// Keys are agreed; application data may flow.
        case connected
        /// close_notify was sent or received.
        case closed
        /// The handshake or the connection failed; the error names the alert.
        case failed(DTLSError)
    }

    /// The engine of the negotiated version and this role: today the DTLS
    /// 1.2 client or server. Stored as the engine itself, not as an enum
    /// payload, so that the record path borrows it: reading a payload out
    /// of an enum costs a retain and a release on every call (measured:
    /// +280 instructions per record with the enum).
    let dtls12: DTLS12Engine

    /// Whether this connection is the DTLS client or server.
    public let role: Role

    /// A client connection; the ClientHello is queued at once.
    public init(clientWith config: DTLSConfiguration, now: DTLSInstant) {
        role = .client
        dtls12 = DTLS12Client(config: config, now: now)
    }

    /// A server connection that waits for a ClientHello. With
    /// `config.cookieExchange` it answers the first one with a
    /// HelloVerifyRequest itself; a server that keeps many peers on one
    /// socket should use `DTLSCookieListener` instead, which keeps no state
    /// until a cookie verifies.
    public init(serverWith config: DTLSConfiguration, now: DTLSInstant) {
        role = .server
        dtls12 = DTLS12Server(config: config, now: now)
    }

    // MARK: - State

    /// Where the connection is in its lifecycle.
    public var state: State { dtls12.state }

    /// Whether the handshake completed and the connection is open.
    public var isConnected: Bool { dtls12.isConnected }

    /// What the handshake agreed on, once connected.
    public var connectionInfo: DTLSConnectionInfo? { dtls12.session?.info }

    /// Records dropped as malformed, unauthenticated, replayed or misplaced.
    public var droppedRecords: Int { dtls12.io.droppedRecords }

    // MARK: - Input

    /// Feeds one UDP datagram from the peer. It may carry several records,
    /// each with several handshake messages. Malformed, replayed or
    /// unauthenticated records are dropped silently (RFC 6347 4.1.2.7);
    /// fatal protocol errors surface as `.failed` from `pollOutput`.
    public func handlePacket(_ packet: [UInt8], now: DTLSInstant) {
        dtls12.handlePacket(packet[...], now: now)
    }

    /// The same for a datagram inside a larger receive buffer (no copy first).
    public func handlePacket(_ packet: ArraySlice<UInt8>, now: DTLSInstant) {
        dtls12.handlePacket(packet, now: now)
    }

    /// Fires retransmission, the handshake deadline and the final-flight
    /// linger. Calling it early or repeatedly is harmless.
    public func handleTimeout(now: DTLSInstant) {
        dtls12.handleTimeout(now: now)
    }

    // MARK: - Output

    /// Returns the next output. Datagrams and application data are handed
    /// over by swapping them into `buffer` (whose old storage is kept for
    /// reuse), so a caller that passes the same buffer each time causes no
    /// allocation. The last output of a drain is always `.timeout`.
    public func pollOutput(into buffer: inout [UInt8]) -> DTLSOutput {
        dtls12.io.poll(into: &buffer)
    }

    // MARK: - Application data

    /// Seals one application-data record. Fails unless connected. A payload
    /// larger than the MTU allows is refused rather than fragmented: DTLS
    /// records never span datagrams. Allocation-free once warmed up.
    public func send(_ data: [UInt8]) throws(DTLSError) {
        try dtls12.io.sealApplicationData(data[...])
    }

    /// The same for a slice of a larger buffer.
    public func send(_ data: ArraySlice<UInt8>) throws(DTLSError) {
        try dtls12.io.sealApplicationData(data)
    }

    /// The same from a span; copies it into an array first (prefer the
    /// array forms on hot paths).
    public func send(_ data: Span<UInt8>) throws(DTLSError) {
        var copy: [UInt8] = []
        copy.reserveCapacity(data.count)
        for i in 0..<data.count { copy.append(data[i]) }
        try dtls12.io.sealApplicationData(copy[...])
    }

    /// Ends the connection with a fatal alert, for checks made outside the
    /// engine (an endpoint's own fingerprint policy, an application rule).
    public func abort(alert: AlertDescription, reason: String) {
        dtls12.abort(alert: alert, reason: reason)
    }

    /// Sends close_notify and closes. Idempotent.
    public func close() {
        dtls12.close()
    }

    // MARK: - Keys

    /// The NSS key log line (`CLIENT_RANDOM <client_random> <master_secret>`)
    /// that lets Wireshark decrypt a capture of this connection. Secret:
    /// write it only where the operator asked for it.
    public var keyLogLine: String? { dtls12.keyLogLine }

    /// RFC 5705 keying material exporter, for any label and context.
    public func exportKeyingMaterial(label: String, context: [UInt8]? = nil, length: Int) throws(DTLSError) -> [UInt8] {
        try dtls12.exportKeyingMaterial(label: label, context: context, length: length)
    }

    // MARK: - For the package's own front door, tests and fuzzers

    /// Whether the connection still handles datagrams (handshaking or connected).
    package var isLive: Bool { dtls12.isLive }

    /// The current write epoch's record protection (nil before keys).
    package var writeProtection: RecordProtection? { dtls12.io.writeProtection }

    /// The next record sequence number of the current write epoch.
    package var nextWriteSequence: UInt64 {
        get { dtls12.io.writeSequence }
        set { dtls12.io.writeSequence = newValue }
    }

    /// See `DTLS12Server.continueEpochZeroSequence(from:)`.
    func continueEpochZeroSequence(from recordSequence: UInt64) {
        (dtls12 as? DTLS12Server)?.continueEpochZeroSequence(from: recordSequence)
    }
}
