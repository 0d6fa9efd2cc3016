internal import CLibSSL

/// Touched by every initializer: explicit one-time library init (OpenSSL 3 would
/// also initialise lazily; this only makes the error strings available early).
private let openSSLInitialized: Bool = {
    OPENSSL_init_ssl(UInt64(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS), nil) == 1
}()

/// GCM explicit nonce (8) + tag (16), which OpenSSL 3.0's dtls1_do_write leaves out of its MTU budget.
private let aeadReserve = 24

/// Per-process secret for the HelloVerifyRequest cookie HMAC.
private let cookieSecret: [UInt8] = {
    var s = [UInt8](repeating: 0, count: 32)
    precondition(RAND_bytes(&s, Int32(s.count)) == 1, "RAND_bytes failed")
    return s
}()

/// libssl's own DTLS 1.2 (one `SSL*` + one `SSL_CTX*`) driven entirely in memory: the
/// reference peer for interop tests and the baseline for benchmarks.
///
/// Transport: a custom BIO turns every record libssl writes into one outgoing datagram
/// (`takeOutgoing()`), and every read consumes exactly one datagram queued by `receive(_:)`.
/// No sockets, no threads, no clocks except OpenSSL's own retransmission timer
/// (`timeoutInterval()` / `handleTimeout()`).
///
/// Not thread-safe: confine each instance to one thread (or one isolation domain).
public final class OpenSSLDTLSPeer {
    public struct Configuration: Sendable {
        public enum Role: Sendable, Equatable { case client, server }

        public var role: Role
        /// PEM certificate and key; both nil => a fresh self-signed ECDSA P-256 certificate.
        public var certificatePEM: String?
        public var privateKeyPEM: String?
        /// OpenSSL cipher names (TLS 1.2 / DTLS 1.2 suites).
        public var cipherList: String
        /// Supported groups (ECDHE curves) offered / accepted.
        public var groups: String
        /// use_srtp profiles in preference order; nil => no use_srtp extension.
        public var srtpProfiles: String?
        /// Link MTU: every outgoing datagram is at most this many bytes (minimum 256).
        public var mtu: Int
        /// Server: send HelloVerifyRequest (HMAC-SHA256 cookie over the fake peer address).
        public var cookieExchange: Bool
        /// Server: request a client certificate and fail the handshake without one
        /// (accept-all verification: WebRTC checks fingerprints instead).
        public var requireClientCertificate: Bool
        /// Negative tests: do not offer/accept extended_master_secret (RFC 7627).
        public var disableExtendedMasterSecret: Bool
        /// Server, DHE suites: nil => `SSL_CTX_set_dh_auto(ctx, 1)`, which in OpenSSL 3.0 picks
        /// an RFC 3526 MODP prime sized by the certificate key's strength (RSA-2048 => modp_2048).
        /// Otherwise a named finite-field group for DH key generation, e.g. "ffdhe2048"..."ffdhe8192"
        /// (RFC 7919) or "modp_2048"..."modp_8192" (RFC 3526), installed with SSL_CTX_set0_tmp_dh_pkey.
        /// (OpenSSL 3.0 ignores ffdhe entries of supported_groups for TLS/DTLS 1.2 DHE.)
        public var dhGroupName: String?
        /// SSL_CTX_set_security_level; nil => the system default (2 on Debian 12).
        public var securityLevel: Int?
        /// OpenSSL 3.0 ignores the AEAD expansion (8-byte explicit nonce + 16-byte tag) when it
        /// sizes encrypted handshake records, so with AES-GCM the datagram carrying Finished can
        /// exceed `mtu` by up to 24 bytes. true (default) => the BIO reports a 24-byte per-datagram
        /// overhead so libssl budgets `mtu - 24` for handshake datagrams and every datagram stays
        /// within `mtu`; false => libssl's unmodified sizing.
        public var reserveAEADOverheadInMTU: Bool
        /// Initial retransmission timeout (OpenSSL default 1 s), doubled per timeout up to 60 s.
        public var initialRetransmitTimeout: Duration?

        public static let defaultCipherList =
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"
            + "ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384"
        public static let defaultGroups = "P-256:P-384:X25519"
        public static let defaultSRTPProfiles =
            "SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32"

        public init(
            role: Role,
            certificatePEM: String? = nil,
            privateKeyPEM: String? = nil,
            cipherList: String = Configuration.defaultCipherList,
            groups: String = Configuration.defaultGroups,
            srtpProfiles: String? = Configuration.defaultSRTPProfiles,
            mtu: Int = 1200,
            cookieExchange: Bool = false,
            requireClientCertificate: Bool = true,
            disableExtendedMasterSecret: Bool = false,
            dhGroupName: String? = nil,
            securityLevel: Int? = nil,
            reserveAEADOverheadInMTU: Bool = true,
            initialRetransmitTimeout: Duration? = nil
        ) {
            self.role = role
            self.certificatePEM = certificatePEM
            self.privateKeyPEM = privateKeyPEM
            self.cipherList = cipherList
            self.groups = groups
            self.srtpProfiles = srtpProfiles
            self.mtu = mtu
            self.cookieExchange = cookieExchange
            self.requireClientCertificate = requireClientCertificate
            self.disableExtendedMasterSecret = disableExtendedMasterSecret
            self.dhGroupName = dhGroupName
            self.securityLevel = securityLevel
            self.reserveAEADOverheadInMTU = reserveAEADOverheadInMTU
            self.initialRetransmitTimeout = initialRetransmitTimeout
        }
    }

    public enum HandshakeState: Sendable, Equatable { case inProgress, connected }

    public let configuration: Configuration
    /// Our own certificate (DER).
    public let certificateDER: [UInt8]
    public private(set) var lastAlertReceived: UInt8?
    public private(set) var lastAlertSent: UInt8?
    /// HelloVerifyRequests sent (server) or received (client).
    public private(set) var helloVerifyRequestCount = 0
    public private(set) var isConnected = false

    private let context: OpenSSLContext
    private let ssl: OpaquePointer  // SSL*
    private let pipe: DatagramPipe
    private var appData: [[UInt8]] = []
    private var failure: OpenSSLPeerError?
    private var readBuffer = [UInt8](repeating: 0, count: 18 * 1024)
    fileprivate let initialTimeoutMicros: UInt32

    /// A peer with its own SSL_CTX.
    public convenience init(_ configuration: Configuration) throws(OpenSSLPeerError) {
        try self.init(context: OpenSSLContext(configuration))
    }

    /// A peer sharing a configured SSL_CTX, as a server shares one across
    /// connections: the benchmark baseline creates only an SSL per handshake.
    public init(context: OpenSSLContext) throws(OpenSSLPeerError) {
        let configuration = context.configuration
        ERR_clear_error()
        self.configuration = configuration
        self.context = context
        let server = configuration.role == .server
        certificateDER = context.certificateDER
        initialTimeoutMicros = context.initialTimeoutMicros
        let ctx = context.ctx
        guard let ssl = SSL_new(ctx) else {
            throw .configuration("SSL_new failed: \(drainErrorQueue())")
        }
        let pipe = DatagramPipe(mtu: configuration.mtu, mtuOverhead: configuration.reserveAEADOverheadInMTU ? aeadReserve : 0)
        guard let bio = makeDatagramBIO(pipe) else {
            SSL_free(ssl)
            throw .configuration("BIO_new failed: \(drainErrorQueue())")
        }
        SSL_set_bio(ssl, bio, bio)  // one BIO for both directions; SSL owns it
        self.ssl = ssl
        self.pipe = pipe
        // From here on deinit frees ctx/ssl.

        SSL_set_ex_data(ssl, 0, Unmanaged.passUnretained(self).toOpaque())
        if server { SSL_set_accept_state(ssl) } else { SSL_set_connect_state(ssl) }
        // SSL_OP_NO_QUERY_MTU is set on the context: the MTU comes only from here.
        guard CLibSSL_DTLS_set_link_mtu(ssl, configuration.mtu) == 1 else {
            throw .configuration("DTLS_set_link_mtu(\(configuration.mtu)) refused: \(drainErrorQueue())")
        }
        if initialTimeoutMicros > 0 {
            DTLS_set_timer_cb(ssl) { ssl, current in
                guard let peer = peerFrom(ssl) else { return current == 0 ? 1_000_000 : min(current * 2, 60_000_000) }
                return current == 0 ? peer.initialTimeoutMicros : min(current &* 2, 60_000_000)
            }
        }
    }

    deinit {
        SSL_set_ex_data(ssl, 0, nil)
        SSL_free(ssl)  // frees the BIO, which releases the pipe
    }

    static func configure(_ ctx: OpaquePointer, _ c: Configuration, _ identity: CertificateAndKey) throws(OpenSSLPeerError) {
        let server = c.role == .server
        guard CLibSSL_SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) == 1,
              CLibSSL_SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION) == 1 else {
            throw .configuration("cannot pin DTLS 1.2: \(drainErrorQueue())")
        }
        if let level = c.securityLevel { SSL_CTX_set_security_level(ctx, Int32(level)) }
        guard SSL_CTX_set_cipher_list(ctx, c.cipherList) == 1 else {
            throw .configuration("cipher list '\(c.cipherList)' rejected: \(drainErrorQueue())")
        }
        guard CLibSSL_SSL_CTX_set1_groups_list(ctx, c.groups) == 1 else {
            throw .configuration("groups '\(c.groups)' rejected: \(drainErrorQueue())")
        }
        if let profiles = c.srtpProfiles {
            // Returns 0 on success (sic).
            guard SSL_CTX_set_tlsext_use_srtp(ctx, profiles) == 0 else {
                throw .configuration("SRTP profiles '\(profiles)' rejected: \(drainErrorQueue())")
            }
        }
        guard SSL_CTX_use_certificate(ctx, identity.certificate) == 1,
              SSL_CTX_use_PrivateKey(ctx, identity.privateKey) == 1,
              SSL_CTX_check_private_key(ctx) == 1 else {
            throw .configuration("certificate/key rejected: \(drainErrorQueue())")
        }
        _ = CLibSSL_SSL_CTX_set_session_cache_off(ctx)
        var options = CLibSSL_OP_NO_QUERY_MTU() | CLibSSL_OP_NO_TICKET()
        if c.disableExtendedMasterSecret { options |= CLibSSL_OP_NO_EXTENDED_MASTER_SECRET() }
        if server && c.cookieExchange { options |= CLibSSL_OP_COOKIE_EXCHANGE() }
        _ = SSL_CTX_set_options(ctx, options)

        SSL_CTX_set_info_callback(ctx) { ssl, where_, value in
            guard where_ & Int32(SSL_CB_ALERT) != 0, let peer = peerFrom(ssl) else { return }
            let description = UInt8(truncatingIfNeeded: value & 0xff)
            if where_ & Int32(SSL_CB_READ) != 0 { peer.lastAlertReceived = description }
            if where_ & Int32(SSL_CB_WRITE) != 0 { peer.lastAlertSent = description }
        }
        SSL_CTX_set_msg_callback(ctx) { write, _, contentType, buf, len, ssl, _ in
            guard contentType == SSL3_RT_HANDSHAKE, len > 0, let buf,
                  buf.load(as: UInt8.self) == UInt8(DTLS1_MT_HELLO_VERIFY_REQUEST),
                  let peer = peerFrom(ssl) else { return }
            let server = peer.configuration.role == .server
            if (write != 0) == server { peer.helloVerifyRequestCount += 1 }
        }

        if server {
            if c.requireClientCertificate {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT) { _, _ in 1 }
            } else {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
            }
            if c.cookieExchange {
                SSL_CTX_set_cookie_generate_cb(ctx) { ssl, cookie, length in
                    guard let cookie, let length else { return 0 }
                    let mac = cookieMAC(ssl)
                    mac.withUnsafeBufferPointer { cookie.update(from: $0.baseAddress!, count: mac.count) }
                    length.pointee = UInt32(mac.count)
                    return 1
                }
                SSL_CTX_set_cookie_verify_cb(ctx) { ssl, cookie, length in
                    guard let cookie else { return 0 }
                    let mac = cookieMAC(ssl)
                    guard Int(length) == mac.count else { return 0 }
                    return CRYPTO_memcmp(cookie, mac, mac.count) == 0 ? 1 : 0
                }
            }
            if let group = c.dhGroupName {
                guard let dh = namedDHParameters(group) else {
                    throw .configuration("DH group '\(group)' unknown: \(drainErrorQueue())")
                }
                guard SSL_CTX_set0_tmp_dh_pkey(ctx, dh) == 1 else {  // takes ownership on success
                    EVP_PKEY_free(dh)
                    throw .configuration("DH group '\(group)' rejected: \(drainErrorQueue())")
                }
            } else {
                _ = CLibSSL_SSL_CTX_set_dh_auto(ctx, 1)
            }
        } else {
            // Client: always answers a CertificateRequest with its certificate; verifies nothing.
            SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER) { _, _ in 1 }
        }
    }

    // MARK: Transport

    /// Queues one incoming datagram (consumed by the next `drive()`).
    public func receive(_ datagram: [UInt8]) { pipe.push(datagram) }

    /// Datagrams written since the last call, one array element per datagram, in order.
    public func takeOutgoing() -> [[UInt8]] { pipe.takeOutgoing() }

    /// Runs the handshake (SSL_do_handshake) over everything queued, or once connected reads
    /// every queued record (application data into `readApplicationData()`, close_notify into
    /// `receivedCloseNotify`, renegotiation messages into libssl's state machine).
    public func drive() throws(OpenSSLPeerError) -> HandshakeState {
        if let failure { throw failure }
        if !isConnected {
            ERR_clear_error()
            let r = SSL_do_handshake(ssl)
            if r == 1 {
                isConnected = true
            } else {
                let e = SSL_get_error(ssl, r)
                if e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE { return .inProgress }
                throw fail("SSL_do_handshake", e)
            }
        }
        try readAll()
        return .connected
    }

    private func readAll() throws(OpenSSLPeerError) {
        while !receivedCloseNotify {
            ERR_clear_error()
            let capacity = Int32(readBuffer.count)
            let n = readBuffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, capacity) }
            if n > 0 {
                appData.append(Array(readBuffer[0..<Int(n)]))
                continue
            }
            let e = SSL_get_error(ssl, n)
            switch e {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE, SSL_ERROR_ZERO_RETURN: return
            default: throw fail("SSL_read", e)
            }
        }
    }

    private func fail(_ operation: String, _ sslError: Int32) -> OpenSSLPeerError {
        let error = OpenSSLPeerError.failed(
            operation: operation, sslError: sslError, errorQueue: drainErrorQueue(),
            alertReceived: lastAlertReceived, alertSent: lastAlertSent)
        if sslError == SSL_ERROR_SSL || sslError == SSL_ERROR_SYSCALL { failure = error }
        return error
    }

    /// Retransmits the last flight if OpenSSL's timer has expired (DTLSv1_handle_timeout).
    /// Returns true if something was retransmitted.
    @discardableResult
    public func handleTimeout() -> Bool {
        ERR_clear_error()
        return CLibSSL_DTLSv1_handle_timeout(ssl) > 0
    }

    /// Time left until the retransmission timer fires (DTLSv1_get_timeout); nil when no timer runs.
    public func timeoutInterval() -> Duration? {
        var tv = timeval()
        guard CLibSSL_DTLSv1_get_timeout(ssl, &tv) == 1 else { return nil }
        return .seconds(tv.tv_sec) + .microseconds(tv.tv_usec)
    }

    // MARK: Application data and shutdown

    /// Sends one application-data record (one datagram). At most 16384 bytes.
    public func write(_ data: [UInt8]) throws(OpenSSLPeerError) {
        guard !data.isEmpty else { return }
        ERR_clear_error()
        let n = data.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
        if n != Int32(data.count) { throw fail("SSL_write", SSL_get_error(ssl, n)) }
    }

    /// Application-data records received so far (each element one record), emptied by the call.
    public func readApplicationData() -> [[UInt8]] {
        let out = appData
        appData.removeAll()
        return out
    }

    /// Sends close_notify (SSL_shutdown); receiving the peer's is observed through `drive()`.
    public func shutdown() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// The peer's close_notify has been received.
    public var receivedCloseNotify: Bool { SSL_get_shutdown(ssl) & Int32(SSL_RECEIVED_SHUTDOWN) != 0 }

    /// Starts a renegotiation (SSL_renegotiate + one handshake step: the client sends a
    /// ClientHello, the server a HelloRequest). Continue with `drive()`.
    public func renegotiate() throws(OpenSSLPeerError) {
        ERR_clear_error()
        guard SSL_renegotiate(ssl) == 1 else { throw fail("SSL_renegotiate", SSL_ERROR_SSL) }
        let r = SSL_do_handshake(ssl)
        if r != 1 {
            let e = SSL_get_error(ssl, r)
            if e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE { throw fail("SSL_do_handshake (renegotiation)", e) }
        }
    }

    /// A renegotiation was requested and has not completed yet.
    public var renegotiationPending: Bool { SSL_renegotiate_pending(ssl) == 1 }

    // MARK: Negotiated parameters

    /// RFC 5705 exporter (SSL_export_keying_material); context nil => no context (RFC 5764 style).
    public func exportKeyingMaterial(label: String, length: Int, context: [UInt8]?) throws(OpenSSLPeerError) -> [UInt8] {
        ERR_clear_error()
        var out = [UInt8](repeating: 0, count: length)
        let labelBytes = Array(label.utf8)
        let ctxBytes = context ?? []
        let r = out.withUnsafeMutableBufferPointer { o in
            labelBytes.withUnsafeBufferPointer { l in
                ctxBytes.withUnsafeBufferPointer { c in
                    l.withMemoryRebound(to: CChar.self) { lc in
                        SSL_export_keying_material(
                            ssl, o.baseAddress, o.count, lc.baseAddress, lc.count,
                            c.baseAddress, c.count, context == nil ? 0 : 1)
                    }
                }
            }
        }
        guard r == 1 else { throw fail("SSL_export_keying_material", SSL_ERROR_SSL) }
        return out
    }

    /// IANA id of the negotiated use_srtp profile (e.g. 0x0007 SRTP_AEAD_AES_128_GCM).
    public var selectedSRTPProfileID: UInt16? {
        guard let p = SSL_get_selected_srtp_profile(ssl) else { return nil }
        return UInt16(truncatingIfNeeded: p.pointee.id)
    }

    /// OpenSSL name of the negotiated use_srtp profile.
    public var selectedSRTPProfileName: String? {
        guard let p = SSL_get_selected_srtp_profile(ssl), let name = p.pointee.name else { return nil }
        return String(cString: name)
    }

    /// OpenSSL name of the negotiated cipher suite, e.g. "ECDHE-ECDSA-AES128-GCM-SHA256".
    public var negotiatedCipherName: String? {
        guard isConnected, let c = SSL_get_current_cipher(ssl), let n = SSL_CIPHER_get_name(c) else { return nil }
        return String(cString: n)
    }

    /// IANA id of the negotiated cipher suite, e.g. 0xC02B.
    public var negotiatedCipherID: UInt16? {
        guard isConnected, let c = SSL_get_current_cipher(ssl) else { return nil }
        return SSL_CIPHER_get_protocol_id(c)
    }

    /// Largest application-data write that still fits one `mtu`-sized datagram with the
    /// negotiated cipher (DTLS_get_data_mtu, corrected for the AEAD reserve). 0 before connecting.
    public var applicationDataMTU: Int {
        guard isConnected else { return 0 }
        let n = DTLS_get_data_mtu(ssl)
        return n == 0 ? 0 : n + pipe.mtuOverhead
    }

    /// Protocol version name, e.g. "DTLSv1.2".
    public var negotiatedVersionName: String { String(cString: SSL_get_version(ssl)) }

    /// The extended_master_secret extension was negotiated (RFC 7627).
    public var extendedMasterSecretUsed: Bool { CLibSSL_SSL_get_extms_support(ssl) == 1 }

    /// The peer's ephemeral key-exchange group as OpenSSL names it ("prime256v1", "X25519",
    /// "modp_2048", "ffdhe2048", or "DH-<bits>" for an unnamed prime). Set on the client.
    public var peerEphemeralKeyGroup: String? {
        var key: OpaquePointer?
        guard CLibSSL_SSL_get_peer_tmp_key(ssl, &key) == 1, let key else { return nil }
        defer { EVP_PKEY_free(key) }
        var buf = [CChar](repeating: 0, count: 80)
        var len = 0
        if EVP_PKEY_get_group_name(key, &buf, buf.count, &len) == 1 { return cBufferString(buf) }
        ERR_clear_error()
        let type = EVP_PKEY_get0_type_name(key).map { String(cString: $0) } ?? "?"
        return type == "DH" ? "DH-\(EVP_PKEY_get_bits(key))" : type
    }

    /// The peer's certificate (DER), once received.
    public var peerCertificateDER: [UInt8]? {
        guard let x = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(x) }
        return derEncode(x)
    }

    /// ClientHello.random (32 bytes) once the handshake started.
    public var clientRandom: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let n = SSL_get_client_random(ssl, &out, out.count)
        return Array(out[0..<n])
    }

    /// ServerHello.random (32 bytes).
    public var serverRandom: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let n = SSL_get_server_random(ssl, &out, out.count)
        return Array(out[0..<n])
    }

    /// The session master secret (48 bytes), once established.
    public var masterSecret: [UInt8]? {
        guard let session = SSL_get_session(ssl) else { return nil }
        var out = [UInt8](repeating: 0, count: 48)
        let n = SSL_SESSION_get_master_key(session, &out, out.count)
        return n > 0 ? Array(out[0..<n]) : nil
    }

    /// NSS key log line ("CLIENT_RANDOM <hex> <hex>") for Wireshark and keylog tests.
    public var keyLogLine: String? {
        guard let m = masterSecret else { return nil }
        return "CLIENT_RANDOM \(hex(clientRandom)) \(hex(m))"
    }

    /// OpenSSL's long description of an alert code, e.g. 40 => "handshake failure".
    public static func alertName(_ description: UInt8) -> String {
        String(cString: SSL_alert_desc_string_long(Int32(description)))
    }
}

extension OpenSSLDTLSPeer: DatagramPeer {
    public func advance() throws -> Bool { try drive() == .connected }
}

private func peerFrom(_ ssl: OpaquePointer?) -> OpenSSLDTLSPeer? {
    guard let ssl, let p = SSL_get_ex_data(ssl, 0) else { return nil }
    return Unmanaged<OpenSSLDTLSPeer>.fromOpaque(p).takeUnretainedValue()
}

/// HMAC-SHA256(process secret, peer address as the BIO reports it).
private func cookieMAC(_ ssl: OpaquePointer?) -> [UInt8] {
    var input = Array("osslref-cookie".utf8)
    if let ssl, let bio = SSL_get_rbio(ssl), let addr = BIO_ADDR_new() {
        defer { BIO_ADDR_free(addr) }
        if BIO_ctrl(bio, BIO_CTRL_DGRAM_GET_PEER, 0, UnsafeMutableRawPointer(addr)) > 0 {
            var raw = [UInt8](repeating: 0, count: 16)
            var len = 0
            if BIO_ADDR_rawaddress(addr, &raw, &len) == 1 { input += raw[0..<min(len, raw.count)] }
            let port = BIO_ADDR_rawport(addr)
            input += [UInt8(port >> 8), UInt8(port & 0xff)]
        }
    }
    var md = [UInt8](repeating: 0, count: 32)
    var mdLen: UInt32 = 0
    _ = HMAC(EVP_sha256(), cookieSecret, Int32(cookieSecret.count), input, input.count, &md, &mdLen)
    return Array(md[0..<Int(mdLen)])
}

/// DH parameters for a named finite-field group ("ffdhe2048", "modp_3072", ...).
private func namedDHParameters(_ name: String) -> OpaquePointer? {
    guard let pctx = EVP_PKEY_CTX_new_from_name(nil, "DH", nil) else { return nil }
    defer { EVP_PKEY_CTX_free(pctx) }
    guard EVP_PKEY_paramgen_init(pctx) == 1 else { return nil }
    var nameBytes = Array(name.utf8CString)
    // OSSL_PARAM keeps the key pointer: it must outlive the set_params call,
    // which a String literal's temporary C string does not (ASan: use after free).
    var keyBytes = Array("group".utf8CString)
    let ok = nameBytes.withUnsafeMutableBufferPointer { n -> Bool in
        keyBytes.withUnsafeMutableBufferPointer { key -> Bool in
            var params = [
                OSSL_PARAM_construct_utf8_string(key.baseAddress, n.baseAddress, 0),
                OSSL_PARAM_construct_end(),
            ]
            return EVP_PKEY_CTX_set_params(pctx, &params) == 1
        }
    }
    guard ok else { return nil }
    var pkey: OpaquePointer?
    guard EVP_PKEY_paramgen(pctx, &pkey) == 1 else { return nil }
    return pkey
}

private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var s = [UInt8]()
    s.reserveCapacity(bytes.count * 2)
    for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 0xf)]) }
    return String(decoding: s, as: UTF8.self)
}


/// One configured SSL_CTX (identity, suites, SRTP, verification), shared by
/// the peers made from it.
public final class OpenSSLContext: @unchecked Sendable {
    let ctx: OpaquePointer
    public let configuration: OpenSSLDTLSPeer.Configuration
    public let certificateDER: [UInt8]
    let initialTimeoutMicros: UInt32

    public init(_ configuration: OpenSSLDTLSPeer.Configuration) throws(OpenSSLPeerError) {
        precondition(openSSLInitialized, "OPENSSL_init_ssl failed")
        ERR_clear_error()
        self.configuration = configuration
        let server = configuration.role == .server
        let identity: CertificateAndKey
        switch (configuration.certificatePEM, configuration.privateKeyPEM) {
        case (nil, nil):
            identity = try CertificateAndKey.generateSelfSigned(commonName: server ? "osslref-server" : "osslref-client")
        case let (cert?, key?):
            identity = try CertificateAndKey.load(certificatePEM: cert, privateKeyPEM: key)
        default:
            throw .configuration("certificatePEM and privateKeyPEM must both be set or both be nil")
        }
        certificateDER = identity.der
        guard configuration.mtu >= 256, configuration.mtu <= 65_535 else {
            throw .configuration("mtu \(configuration.mtu) outside 256...65535")
        }
        if let t = configuration.initialRetransmitTimeout {
            let us = t.components.seconds * 1_000_000 + t.components.attoseconds / 1_000_000_000_000
            guard us > 0, us <= 60_000_000 else { throw .configuration("initialRetransmitTimeout must be in (0, 60 s]") }
            initialTimeoutMicros = UInt32(us)
        } else {
            initialTimeoutMicros = 0
        }
        guard let ctx = SSL_CTX_new(server ? DTLS_server_method() : DTLS_client_method()) else {
            throw .configuration("SSL_CTX_new failed: \(drainErrorQueue())")
        }
        do {
            try OpenSSLDTLSPeer.configure(ctx, configuration, identity)
        } catch {
            SSL_CTX_free(ctx)
            throw error
        }
        self.ctx = ctx
    }

    deinit { SSL_CTX_free(ctx) }
}
