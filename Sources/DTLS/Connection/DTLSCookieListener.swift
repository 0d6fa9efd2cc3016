import DTLSCrypto

/// The front door of a DTLS server that serves many peers on one socket.
///
/// It answers ClientHellos with a HelloVerifyRequest without keeping any
/// state for the sender (RFC 6347 4.2.1), and creates a `DTLSConnection`
/// only once a ClientHello returns with a cookie that proves the peer
/// receives datagrams at its address. A flood of spoofed ClientHellos costs
/// one HMAC and one 60-byte reply each, and the reply is never larger than
/// the datagram that caused it.
///
/// Browsers send ClientHellos of about 1.4 KB in two fragments. The cookie
/// binds only fields in the first fragment, so the first fragment alone is
/// answered (and later verified); the second fragment of an unverified hello
/// is dropped. Once the cookie verifies, the new connection reassembles the
/// rest of the hello from the client's datagrams.
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
        /// The datagram has already been fed to it; drain its output.
        case accept(DTLSConnection)
        /// Not a ClientHello we answer (garbage, a later fragment, a record of
        /// another epoch); no state was kept.
        case drop
    }

    /// The configuration of the connections it accepts (their own cookie exchange off).
    public var configuration: DTLSConfiguration
    /// How often the cookie secret changes; the previous one stays valid for one interval.
    public let rotationInterval: Duration
    private var secret: [UInt8]
    private var previousSecret: [UInt8]
    private var rotatedAt: DTLSInstant

    /// HelloVerifyRequests sent so far.
    public private(set) var helloVerifyRequestsSent = 0
    /// ClientHellos whose cookie did not verify (stale, forged or from another address).
    public private(set) var cookiesRejected = 0
    /// Datagrams that were no ClientHello we answer, or whose answer would have been larger.
    public private(set) var dropped = 0

    /// A listener with fresh random cookie secrets.
    public init(configuration: DTLSConfiguration, rotationInterval: Duration = .seconds(60), now: DTLSInstant) {
        var config = configuration
        config.cookieExchange = false
        self.configuration = config
        self.rotationInterval = rotationInterval
        self.secret = SecureRandom.bytes(32)
        self.previousSecret = SecureRandom.bytes(32)
        self.rotatedAt = now
    }

    /// Decides what to do with a datagram from an address that has no
    /// connection yet. `address` is any stable encoding of the source
    /// (IP and port bytes); it is bound into the cookie.
    ///
    /// With `feedAccepted: false` an accepted connection is returned without
    /// having processed the datagram, so a server can run that first (and
    /// costly: key generation, signature) step on another thread.
    /// `peerVerification` replaces `configuration.peerVerification` for the
    /// connection it accepts: a WebRTC server knows each peer's
    /// fingerprints from its own offer.
    public mutating func handle(_ datagram: [UInt8], from address: [UInt8], now: DTLSInstant,
                                feedAccepted: Bool = true, peerVerification: PeerVerification? = nil) -> Decision {
        if now - rotatedAt >= rotationInterval {
            previousSecret = secret
            secret = SecureRandom.bytes(32)
            rotatedAt = now
        }
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
        if !prefix.cookie.isEmpty, CookieMint.verify(secrets: [secret, previousSecret], address: address, prefix: prefix) {
            var accepted = configuration
            if let peerVerification { accepted.peerVerification = peerVerification }
            let connection = DTLSConnection(serverWith: accepted, now: now)
            // Our HelloVerifyRequest went out as epoch 0 with the first
            // ClientHello's record number, which the client's replay window
            // has seen: number on from this ClientHello's, as OpenSSL's
            // DTLSv1_listen does, or the ServerHello flight is dropped as a
            // replay and the handshake waits for a retransmission.
            connection.continueEpochZeroSequence(from: record.header.sequenceNumber)
            if feedAccepted { connection.handlePacket(datagram, now: now) }
            return .accept(connection)
        }
        if !prefix.cookie.isEmpty { cookiesRejected += 1 }
        let cookie = CookieMint.cookie(secret: secret, address: address, prefix: prefix)
        let reply = CookieMint.helloVerifyRequestDatagram(cookie: cookie, recordSequence: record.header.sequenceNumber,
                                                          messageSequence: first.header.messageSequence)
        guard reply.count <= datagram.count else {
            dropped += 1
            return .drop
        }
        helloVerifyRequestsSent += 1
        return .reply(reply)
    }
}
