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
/// protocol version and role (the DTLS 1.2 client or server in `DTLS12/`,
/// the DTLS 1.3 ones in `DTLS13/`) and forwards to it. Which version is
/// `DTLSConfiguration.versions`' business. A server that accepts both
/// waits for the whole first ClientHello (it may come in fragments) and
/// takes the first of its versions the client lists; a 1.2 ServerHello
/// then carries the downgrade sentinel (RFC 8446 4.1.3). A client offers
/// every listed version in one ClientHello (by default 1.3 and 1.2, 1.3
/// preferred) and checks the sentinel when the server picks 1.2.
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

    /// The engine of this version and role: one of the two is set. Stored
    /// as the engines themselves, not as an enum payload, so that the
    /// record path borrows them: reading a payload out of an enum costs a
    /// retain and a release on every call (measured: +280 instructions per
    /// record with the enum).
    private(set) var dtls12: DTLS12Engine?
    private(set) var dtls13: DTLS13Engine?
    /// A server that accepts both versions, until its first ClientHello is whole.
    private var undecided: (configuration: DTLSConfiguration, collector: ClientHelloCollector)?

    /// Whether this connection is the DTLS client or server.
    public let role: Role

    /// A client connection; the ClientHello is queued at once.
    public init(clientWith config: DTLSConfiguration, now: DTLSInstant) {
        role = .client
        if config.versions.contains(.dtls13) {
            let client = DTLS13Client(configuration: config)
            do { try client.start(now: now) } catch {}  // a failure is reported by pollOutput
            dtls13 = client
            dtls12 = nil
        } else {
            dtls12 = DTLS12Client(config: config, now: now)
            dtls13 = nil
        }
    }

    /// A server connection that waits for a ClientHello. With
    /// `config.cookieExchange` it answers the first one with a
    /// HelloVerifyRequest itself; a server that keeps many peers on one
    /// socket should use `DTLSCookieListener` instead, which keeps no state
    /// until a cookie verifies.
    public init(serverWith config: DTLSConfiguration, now: DTLSInstant) {
        role = .server
        if config.versions == [.dtls13] {
            dtls13 = DTLS13Server(configuration: config)
        } else if config.versions.contains(.dtls13) {
            undecided = (config, ClientHelloCollector(maxBytes: config.maxHandshakeMessageSize))
        } else {
            dtls12 = DTLS12Server(config: config, now: now)
        }
    }

    /// A DTLS 1.2 server, whatever else `config.versions` lists (the
    /// listener has read the ClientHello and picked 1.2; with 1.3 listed the
    /// ServerHello carries the downgrade sentinel).
    package init(dtls12ServerWith config: DTLSConfiguration, now: DTLSInstant) {
        role = .server
        dtls12 = DTLS12Server(config: config, now: now)
    }

    /// The server that continues a stateless HelloRetryRequest of the
    /// listener (see `DTLS13Server.init(configuration:afterRetry:...)`); the
    /// second ClientHello's datagrams are fed to it at once.
    package init(serverWith config: DTLSConfiguration, afterRetry cookie: RetryCookie, cookieBytes: [UInt8],
                 secondHello: ClientHelloCollector.Complete, now: DTLSInstant) throws(DTLSError) {
        role = .server
        dtls13 = try DTLS13Server(configuration: config, afterRetry: cookie, cookieBytes: cookieBytes, secondHello: secondHello)
    }

    /// A server that accepts both versions gathers its first ClientHello,
    /// then makes the engine of the version it picks and replays the
    /// datagrams into it.
    private func decideVersion(_ packet: [UInt8], now: DTLSInstant) {
        guard var pending = undecided else { return }
        switch pending.collector.add(packet) {
        case .invalid:
            return  // not a ClientHello that fits: dropped, as an engine drops it
        case .incomplete:
            undecided = pending
        case .complete(let hello):
            undecided = nil
            if hello.hello.negotiatedVersion(accepting: pending.configuration.versions) == .dtls13 {
                dtls13 = DTLS13Server(configuration: pending.configuration)
            } else {
                // DTLS 1.2, or none in common: the 1.2 server says protocol_version.
                dtls12 = DTLS12Server(config: pending.configuration, now: now)
            }
            for datagram in hello.datagrams { handlePacket(datagram, now: now) }
        }
    }

    // MARK: - State

    /// Where the connection is in its lifecycle.
    public var state: State {
        if let dtls12 { return dtls12.state }
        switch dtls13?.phase {
        case .connected: return .connected
        case .closed: return .closed
        case .failed(let error): return .failed(error)
        case .handshaking, nil: return .handshaking
        }
    }

    /// Whether the handshake completed and the connection is open.
    public var isConnected: Bool { dtls12?.isConnected ?? (dtls13?.phase == .connected) }

    /// What the handshake agreed on, once connected.
    public var connectionInfo: DTLSConnectionInfo? { dtls12 != nil ? dtls12?.session?.info : dtls13?.connectionInfo }

    /// Records dropped as malformed, unauthenticated, replayed or misplaced.
    public var droppedRecords: Int { dtls12?.io.droppedRecords ?? dtls13?.droppedRecords ?? 0 }

    // MARK: - Input

    /// Feeds one UDP datagram from the peer. It may carry several records,
    /// each with several handshake messages. Malformed, replayed or
    /// unauthenticated records are dropped silently (RFC 6347 4.1.2.7);
    /// fatal protocol errors surface as `.failed` from `pollOutput`.
    public func handlePacket(_ packet: [UInt8], now: DTLSInstant) {
        if let dtls12 {
            dtls12.handlePacket(packet[...], now: now)
        } else if let dtls13 {
            try? dtls13.handleDatagram(packet, now: now)
            if let client = dtls13 as? DTLS13Client, let fallback = client.fallback {
                handOverToDTLS12(fallback, configuration: client.config, packet, now: now)
            }
        } else {
            decideVersion(packet, now: now)
        }
    }

    /// The server answered our two-version ClientHello as DTLS 1.2: the 1.2
    /// client takes the offer over and reads that answer again.
    private func handOverToDTLS12(_ fallback: (offer: ClientHello, nextRecordSequence: UInt64), configuration config: DTLSConfiguration,
                                  _ packet: [UInt8], now: DTLSInstant) {
        dtls13 = nil
        let client = DTLS12Client(config: config, now: now, adopting: fallback.offer, nextRecordSequence: fallback.nextRecordSequence)
        dtls12 = client
        client.handlePacket(packet[...], now: now)
    }

    /// The same for a datagram inside a larger receive buffer (no copy first).
    public func handlePacket(_ packet: ArraySlice<UInt8>, now: DTLSInstant) {
        if let dtls12 { dtls12.handlePacket(packet, now: now) } else { handlePacket(Array(packet), now: now) }
    }

    /// Fires retransmission, the handshake deadline and the final-flight
    /// linger. Calling it early or repeatedly is harmless.
    public func handleTimeout(now: DTLSInstant) {
        if let dtls12 { dtls12.handleTimeout(now: now) } else { dtls13?.handleTimeout(now: now) }
    }

    // MARK: - Output

    /// Returns the next output. Datagrams and application data are handed
    /// over by swapping them into `buffer` (whose old storage is kept for
    /// reuse), so a caller that passes the same buffer each time causes no
    /// allocation. The last output of a drain is always `.timeout`.
    public func pollOutput(into buffer: inout [UInt8]) -> DTLSOutput {
        if let dtls12 { return dtls12.io.poll(into: &buffer) }
        return dtls13?.pollOutput(into: &buffer) ?? .timeout(nil)
    }

    // MARK: - Application data

    /// Seals one application-data record. Fails unless connected. A payload
    /// larger than the MTU allows is refused rather than fragmented: DTLS
    /// records never span datagrams. Allocation-free once warmed up.
    public func send(_ data: [UInt8]) throws(DTLSError) {
        if let dtls12 { try dtls12.io.sealApplicationData(data[...]) } else { try dtls13?.send(data) }
    }

    /// The same for a slice of a larger buffer.
    public func send(_ data: ArraySlice<UInt8>) throws(DTLSError) {
        if let dtls12 { try dtls12.io.sealApplicationData(data) } else { try dtls13?.send(Array(data)) }
    }

    /// The same from a span; copies it into an array first (prefer the
    /// array forms on hot paths).
    public func send(_ data: Span<UInt8>) throws(DTLSError) {
        var copy: [UInt8] = []
        copy.reserveCapacity(data.count)
        for i in 0..<data.count { copy.append(data[i]) }
        try send(copy)
    }

    /// Ends the connection with a fatal alert, for checks made outside the
    /// engine (an endpoint's own fingerprint policy, an application rule).
    public func abort(alert: AlertDescription, reason: String) {
        if let dtls12 { dtls12.abort(alert: alert, reason: reason) } else { dtls13?.abort(alert: alert, reason: reason) }
    }

    /// DTLS 1.3 KeyUpdate (RFC 9147 8): sends one (drain `pollOutput`); our
    /// write side moves to the next epoch once the peer ACKs it, and with
    /// `requestingPeerUpdate` the peer moves its own too. Returns false when
    /// an earlier flight of ours is still unacknowledged (call again after
    /// the peer's ACK). DTLS 1.2 has no KeyUpdate: it throws.
    @discardableResult
    public func updateKeys(requestingPeerUpdate: Bool = false, now: DTLSInstant) throws(DTLSError) -> Bool {
        guard let dtls13 else { throw DTLSError(.protocolVersion, alert: nil, "KeyUpdate is DTLS 1.3's; DTLS 1.2 has none") }
        guard dtls13.phase == .connected else { throw DTLSError(.notConnected, alert: nil, "KeyUpdate before the handshake completed") }
        return dtls13.updateKeys(requestPeerUpdate: requestingPeerUpdate, now: now)
    }

    /// Sends close_notify and closes. Idempotent.
    public func close() {
        if let dtls12 { dtls12.close() } else { dtls13?.close() }
    }

    // MARK: - Keys

    /// The NSS key log lines that let Wireshark decrypt a capture of this
    /// connection, once connected: DTLS 1.2's `CLIENT_RANDOM <client_random>
    /// <master_secret>`, or DTLS 1.3's five traffic and exporter secrets
    /// (CLIENT_HANDSHAKE_TRAFFIC_SECRET and the others). Secret: write them
    /// only where the operator asked for it.
    public var keyLogLines: [String] {
        if let dtls12 { return dtls12.keyLogLine.map { [$0] } ?? [] }
        return dtls13?.keyLogLines ?? []
    }

    /// RFC 5705 keying material exporter (DTLS 1.2), RFC 8446 7.5 (DTLS 1.3),
    /// for any label and context.
    public func exportKeyingMaterial(label: String, context: [UInt8]? = nil, length: Int) throws(DTLSError) -> [UInt8] {
        if let dtls12 { return try dtls12.exportKeyingMaterial(label: label, context: context, length: length) }
        guard let dtls13 else { throw DTLSError(.notConnected, alert: nil, "no engine") }
        return try dtls13.exportKeyingMaterial(label: label, context: context ?? [], length: length)
    }

    // MARK: - For the package's own front door, tests and fuzzers

    /// Whether the connection still handles datagrams (handshaking or connected).
    package var isLive: Bool {
        if let dtls12 { return dtls12.isLive }
        if undecided != nil { return true }
        return dtls13?.phase == .handshaking || dtls13?.phase == .connected
    }

    /// The current write epoch's record protection (nil before keys; DTLS 1.2).
    package var writeProtection: RecordProtection? { dtls12?.io.writeProtection }

    /// The next record sequence number of the current write epoch (DTLS 1.2).
    package var nextWriteSequence: UInt64 {
        get { dtls12?.io.writeSequence ?? 0 }
        set { dtls12?.io.writeSequence = newValue }
    }

    /// See `DTLS12Server.continueEpochZeroSequence(from:)`.
    func continueEpochZeroSequence(from recordSequence: UInt64) {
        (dtls12 as? DTLS12Server)?.continueEpochZeroSequence(from: recordSequence)
    }
}
