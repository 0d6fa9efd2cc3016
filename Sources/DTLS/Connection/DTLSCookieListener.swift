import DTLSCrypto

/// The front door of a DTLS server that serves many peers on one socket.
///
/// It answers ClientHellos without keeping any state for the sender: a
/// DTLS 1.2 client gets a HelloVerifyRequest (RFC 6347 4.2.1), a DTLS 1.3
/// client a HelloRetryRequest whose cookie carries the hash of its first
/// ClientHello (RFC 9147 5.1). A `DTLSConnection` exists only once a
/// ClientHello returns with a cookie that proves the peer receives
/// datagrams at its address. A flood of spoofed ClientHellos costs one HMAC
/// and one small reply each, and a reply is never larger than the
/// datagrams that caused it.
///
/// Browsers send ClientHellos of about 1.4 KB in two fragments. A listener
/// for DTLS 1.2 alone binds only fields of the first fragment into its
/// cookie, so it answers the first fragment and drops the second. One that
/// also speaks DTLS 1.3 must see the whole ClientHello (its version, its
/// cookie and the hash may sit in either fragment; Chromium shuffles its
/// extensions), so it holds the first fragments of a few ClientHellos in a
/// fixed table: `maxPendingHellos` entries of at most `maxPendingHelloBytes`,
/// each for `pendingHelloLifetime`, the oldest evicted first. That table is
/// the only memory strangers can make it use, and it does not grow.
///
/// With `verifiesAddresses` false (ICE already proved the address, as in
/// WebRTC, RFC 8445) it skips the cookie round trip and accepts the first
/// whole ClientHello.
///
/// The cookie secret rotates; cookies minted with the previous secret are
/// still accepted, so a rotation never fails a handshake in flight.
///
/// Confined to one thread, like the connections it creates.
public struct DTLSCookieListener {
    /// What to do with a datagram from an address without a connection.
    public enum Decision {
        /// Send these bytes back to the datagram's source address.
        case reply([UInt8])
        /// A verified client: route this address's datagrams to the connection.
        /// The datagram (and any fragments held before it) has already been
        /// fed to it; drain its output.
        case accept(DTLSConnection)
        /// Not a ClientHello we answer (garbage, a later fragment, a record of
        /// another epoch), or a fragment held until its ClientHello is whole.
        case drop
    }

    /// The configuration of the connections it accepts (their own cookie exchange off).
    public var configuration: DTLSConfiguration
    /// How often the cookie secret changes; the previous one stays valid for one interval.
    public let rotationInterval: Duration
    /// Whether a client must return a cookie before a connection exists.
    public var verifiesAddresses = true
    /// How many partial ClientHellos are held at once (DTLS 1.3 listeners).
    public let maxPendingHellos: Int
    /// The most bytes held for one partial ClientHello.
    public let maxPendingHelloBytes: Int
    /// How long a partial ClientHello is held.
    public let pendingHelloLifetime: Duration
    private var secret: [UInt8]
    private var previousSecret: [UInt8]
    private var rotatedAt: DTLSInstant
    /// Set when the secrets derive from a master key shared with other listeners.
    private let shared: DTLSCookieSecret?
    private var sharedPeriod: Int64 = 0
    private var pending: [[UInt8]: (collector: ClientHelloCollector, since: DTLSInstant)] = [:]

    /// HelloVerifyRequests sent so far.
    public private(set) var helloVerifyRequestsSent = 0
    /// Stateless HelloRetryRequests sent so far (DTLS 1.3).
    public private(set) var helloRetryRequestsSent = 0
    /// ClientHellos whose cookie did not verify (stale, forged or from another address).
    public private(set) var cookiesRejected = 0
    /// Datagrams that were no ClientHello we answer, or whose answer would have been larger.
    public private(set) var dropped = 0
    /// Partial ClientHellos dropped to make room for newer ones, or expired.
    public private(set) var pendingHellosEvicted = 0

    /// A listener with fresh random cookie secrets, or (with `sharedSecret`)
    /// secrets derived from a master key other listeners share, so a cookie
    /// minted by any of them verifies at each.
    public init(configuration: DTLSConfiguration, rotationInterval: Duration = .seconds(60), maxPendingHellos: Int = 256,
                maxPendingHelloBytes: Int = 4096, pendingHelloLifetime: Duration = .seconds(2),
                sharedSecret: DTLSCookieSecret? = nil, now: DTLSInstant) {
        var config = configuration
        config.cookieExchange = false
        self.configuration = config
        self.rotationInterval = rotationInterval
        self.maxPendingHellos = maxPendingHellos
        self.maxPendingHelloBytes = maxPendingHelloBytes
        self.pendingHelloLifetime = pendingHelloLifetime
        self.rotatedAt = now
        self.shared = sharedSecret
        if let sharedSecret {
            let period = DTLSCookieSecret.period(of: now, interval: rotationInterval)
            sharedPeriod = period
            secret = sharedSecret.secret(period: period)
            previousSecret = sharedSecret.secret(period: period - 1)
        } else {
            secret = SecureRandom.bytes(32)
            previousSecret = SecureRandom.bytes(32)
        }
    }

    /// Moves to the secret of `now`'s rotation period.
    private mutating func rotate(now: DTLSInstant) {
        if let shared {
            let period = DTLSCookieSecret.period(of: now, interval: rotationInterval)
            guard period != sharedPeriod else { return }
            previousSecret = period == sharedPeriod + 1 ? secret : shared.secret(period: period - 1)
            secret = shared.secret(period: period)
            sharedPeriod = period
        } else if now - rotatedAt >= rotationInterval {
            previousSecret = secret
            secret = SecureRandom.bytes(32)
            rotatedAt = now
        }
    }

    /// Partial ClientHellos held now.
    public var pendingHellos: Int { pending.count }

    /// Whether a partial ClientHello from `address` is held (its next
    /// fragments belong here, not to an older connection at that address).
    public func isCollecting(from address: [UInt8]) -> Bool { pending[address] != nil }

    /// Decides what to do with a datagram from an address that has no
    /// connection yet. `address` is any stable encoding of the source
    /// (IP and port bytes); it is bound into the cookie.
    ///
    /// `peerVerification` replaces `configuration.peerVerification` for the
    /// connection it accepts: a WebRTC server knows each peer's
    /// fingerprints from its own offer.
    public mutating func handle(_ datagram: [UInt8], from address: [UInt8], now: DTLSInstant,
                                peerVerification: PeerVerification? = nil) -> Decision {
        rotate(now: now)
        var accepted = configuration
        if let peerVerification { accepted.peerVerification = peerVerification }
        if !configuration.versions.contains(.dtls13), verifiesAddresses {
            return handleDTLS12(datagram, from: address, now: now, configuration: accepted)
        }
        guard let hello = collect(datagram, from: address, now: now) else { return .drop }
        guard verifiesAddresses else {
            let connection = DTLSConnection(serverWith: accepted, now: now)
            for datagram in hello.datagrams { connection.handlePacket(datagram, now: now) }
            return .accept(connection)
        }
        switch hello.hello.negotiatedVersion(accepting: configuration.versions) {
        case .dtls13?: return answerDTLS13(hello, from: address, now: now, configuration: accepted)
        default: return answerDTLS12(hello, from: address, now: now, configuration: accepted)
        }
    }

    // MARK: - DTLS 1.2 alone: stateless on the first fragment

    private mutating func handleDTLS12(_ datagram: [UInt8], from address: [UInt8], now: DTLSInstant,
                                       configuration accepted: DTLSConfiguration) -> Decision {
        var records: [RecordView] = []
        RecordView.split(datagram, into: &records)
        guard let record = records.first, record.header.contentType == .handshake, record.header.epoch == 0,
              let fragments = try? HandshakeFragmentView.split(datagram, range: record.fragment),
              let first = fragments.first, first.header.type == .clientHello, first.header.fragmentOffset == 0
        else {
            dropped += 1
            return .drop
        }
        var reader = ByteReader(datagram, range: first.body)
        guard let prefix = try? ClientHelloPrefix(parsing: &reader) else {
            dropped += 1
            return .drop
        }
        return answer(prefix, recordSequence: record.header.sequenceNumber, messageSequence: first.header.messageSequence,
                      datagrams: [datagram], receivedBytes: datagram.count, from: address, now: now, configuration: accepted)
    }

    /// The HelloVerifyRequest exchange on a ClientHello's leading fields.
    private mutating func answer(_ prefix: ClientHelloPrefix, recordSequence: UInt64, messageSequence: UInt16,
                                 datagrams: [[UInt8]], receivedBytes: Int, from address: [UInt8], now: DTLSInstant,
                                 configuration accepted: DTLSConfiguration) -> Decision {
        if !prefix.cookie.isEmpty, CookieMint.verify(secrets: [secret, previousSecret], address: address, prefix: prefix) {
            let connection = DTLSConnection(dtls12ServerWith: accepted, now: now)
            // Our HelloVerifyRequest went out as epoch 0 with the first
            // ClientHello's record number, which the client's replay window
            // has seen: number on from this ClientHello's, as OpenSSL's
            // DTLSv1_listen does, or the ServerHello flight is dropped as a
            // replay and the handshake waits for a retransmission.
            connection.continueEpochZeroSequence(from: recordSequence)
            for datagram in datagrams { connection.handlePacket(datagram, now: now) }
            return .accept(connection)
        }
        if !prefix.cookie.isEmpty { cookiesRejected += 1 }
        let cookie = CookieMint.cookie(secret: secret, address: address, prefix: prefix)
        let reply = CookieMint.helloVerifyRequestDatagram(cookie: cookie, recordSequence: recordSequence,
                                                          messageSequence: messageSequence)
        guard reply.count <= receivedBytes else {
            dropped += 1
            return .drop
        }
        helloVerifyRequestsSent += 1
        return .reply(reply)
    }

    // MARK: - DTLS 1.3 beside 1.2: the whole ClientHello first

    /// Adds a datagram to the address's partial ClientHello; the whole one
    /// when it is complete.
    private mutating func collect(_ datagram: [UInt8], from address: [UInt8], now: DTLSInstant) -> ClientHelloCollector.Complete? {
        var entry = pending.removeValue(forKey: address) ?? (ClientHelloCollector(maxBytes: maxPendingHelloBytes), now)
        if now - entry.since >= pendingHelloLifetime {
            pendingHellosEvicted += 1
            entry = (ClientHelloCollector(maxBytes: maxPendingHelloBytes), now)
        }
        let previous = entry.collector
        switch entry.collector.add(datagram) {
        case .complete(let hello):
            return hello
        case .incomplete:
            makeRoom(now: now)
            pending[address] = entry
        case .invalid:
            if !previous.isEmpty { pending[address] = (previous, entry.since) }  // a stray datagram does not cost the hello
            dropped += 1
        }
        return nil
    }

    /// Keeps the table under `maxPendingHellos`: expired entries go first,
    /// then the oldest.
    private mutating func makeRoom(now: DTLSInstant) {
        guard pending.count >= maxPendingHellos else { return }
        let expired = pending.filter { now - $0.value.since >= pendingHelloLifetime }.keys
        for key in expired { pending[key] = nil }
        pendingHellosEvicted += expired.count
        while pending.count >= max(maxPendingHellos, 1), let oldest = pending.min(by: { $0.value.since < $1.value.since })?.key {
            pending[oldest] = nil
            pendingHellosEvicted += 1
        }
    }

    private mutating func answerDTLS12(_ hello: ClientHelloCollector.Complete, from address: [UInt8], now: DTLSInstant,
                                       configuration accepted: DTLSConfiguration) -> Decision {
        let prefix = ClientHelloPrefix(version: hello.hello.version, random: hello.hello.random, sessionID: hello.hello.sessionID,
                                       cookie: hello.hello.cookie)
        return answer(prefix, recordSequence: hello.recordSequence, messageSequence: hello.messageSequence,
                      datagrams: hello.datagrams, receivedBytes: hello.receivedBytes, from: address, now: now, configuration: accepted)
    }

    /// RFC 9147 5.1: a HelloRetryRequest with a cookie, or the connection
    /// that continues from the cookie that came back.
    private mutating func answerDTLS13(_ hello: ClientHelloCollector.Complete, from address: [UInt8], now: DTLSInstant,
                                       configuration accepted: DTLSConfiguration) -> Decision {
        let returned: [UInt8]?
        do { returned = try hello.hello.extensions.cookie() } catch {
            dropped += 1
            return .drop
        }
        if let returned {
            guard let cookie = RetryCookie(opening: returned, secrets: [secret, previousSecret], address: address),
                  let connection = try? DTLSConnection(serverWith: accepted, afterRetry: cookie, cookieBytes: returned,
                                                       secondHello: hello, now: now)
            else {
                // RFC 8446 4.2.2: no second HelloRetryRequest; a forged or stale cookie is dropped.
                cookiesRejected += 1
                return .drop
            }
            for datagram in hello.datagrams { connection.handlePacket(datagram, now: now) }
            return .accept(connection)
        }
        let choice: DTLS13Server.Choice
        do { choice = try DTLS13Server.choose(for: hello.hello, configuration: accepted) } catch {
            return reply(Self.plaintextAlert(error.alert ?? .handshakeFailure, recordSequence: hello.recordSequence), to: hello)
        }
        guard let hash = choice.suite.dtls13Hash else {
            dropped += 1
            return .drop
        }
        let firstHelloHash = Digest.hash(hash, HelloRetryRequest.transcriptForm(.clientHello, hello.body).span)
        let cookie = RetryCookie(suite: choice.suite, group: choice.retryGroup, firstHelloHash: firstHelloHash)
            .sealed(secret: secret, address: address)
        let body = HelloRetryRequest.body(sessionID: hello.hello.sessionID, suite: choice.suite, group: choice.retryGroup, cookie: cookie)
        var message = ByteWriter(capacity: HandshakeHeader.length + body.count)
        HandshakeHeader(type: .serverHello, length: UInt32(body.count), messageSequence: hello.messageSequence, fragmentOffset: 0,
                        fragmentLength: UInt32(body.count)).write(to: &message)
        message.writeBytes(body)
        var record = ByteWriter(capacity: RecordHeader.length + message.count)
        RecordHeader(contentType: .handshake, version: .dtls12, epoch: 0, sequenceNumber: hello.recordSequence,
                     length: UInt16(message.count)).write(to: &record)
        record.writeBytes(message.bytes)
        let answer = reply(record.bytes, to: hello)
        if case .reply = answer { helloRetryRequestsSent += 1 }
        return answer
    }

    private mutating func reply(_ bytes: [UInt8], to hello: ClientHelloCollector.Complete) -> Decision {
        guard bytes.count <= hello.receivedBytes else {
            dropped += 1
            return .drop
        }
        return .reply(bytes)
    }

    /// A fatal alert in a DTLSPlaintext record (before any keys).
    static func plaintextAlert(_ alert: AlertDescription, recordSequence: UInt64) -> [UInt8] {
        var record = ByteWriter(capacity: RecordHeader.length + 2)
        RecordHeader(contentType: .alert, version: .dtls12, epoch: 0, sequenceNumber: recordSequence, length: 2).write(to: &record)
        record.writeUInt8(2)
        record.writeUInt8(alert.rawValue)
        return record.bytes
    }
}
