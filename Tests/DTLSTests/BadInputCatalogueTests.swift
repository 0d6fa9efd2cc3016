@testable import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// The bad-input catalogue: malformed and hostile inputs across the record
/// layer, handshake reassembly, hello extensions, key exchange,
/// certificates, alerts, ChangeCipherSpec, application data and
/// renegotiation. Each row states what must happen:
///
/// - `.fatal(code, alert)`: the victim fails with that typed error and the
///   peer is told with that alert (it sees `.alertReceived` with it, or the
///   alert is in the victim's plaintext output);
/// - `.drop`: the input is discarded silently (RFC 6347 4.1.2.7) and the
///   connection goes on: the handshake completes, or data still flows;
/// - `.warning(alert)`: refused with a warning alert, connection unaffected;
/// - `.peerAlert(alert)`: the victim was sent an alert and fails with
///   `.alertReceived` carrying it, sending nothing back.
///
/// SRTP and demultiplexer rows are in `Tests/EndpointTests/HostileMediaCatalogueTests.swift`.
@Suite struct BadInputCatalogueTests {
    enum Expect: Sendable, CustomStringConvertible {
        case fatal(DTLSError.Code, AlertDescription)
        case drop
        case warning(AlertDescription)
        case peerAlert(AlertDescription)
        case closed

        var description: String {
            switch self {
            case .fatal(let c, let a): "fatal \(c) + \(a)"
            case .drop: "silent drop, connection unaffected"
            case .warning(let a): "warning \(a), connection unaffected"
            case .peerAlert(let a): "fails on received \(a)"
            case .closed: "closed by close_notify"
            }
        }
    }

    /// What a scenario observed about its victim.
    struct Observed {
        var failure: DTLSError?
        var peerFailure: DTLSError?
        /// Alerts found as plaintext records in the victim's output.
        var plaintextAlerts: [Alert] = []
        /// The handshake completed, or data still flows after the input.
        var works = false
        var peerClosed = false
        /// Alert records (any epoch: the content type is visible) the victim sent.
        var alertRecordsSent = 0
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let expect: Expect
        let run: @Sendable () throws -> Observed
        init(_ name: String, _ expect: Expect, _ run: @escaping @Sendable () throws -> Observed) {
            self.name = name
            self.expect = expect
            self.run = run
        }
        var testDescription: String { "\(name) → \(expect)" }
    }

    @Test(arguments: Self.rows)
    func row(_ row: Row) throws {
        let o = try row.run()
        switch row.expect {
        case .fatal(let code, let alert):
            #expect(o.failure?.code == code, "failure: \(o.failure.map(String.init(describing:)) ?? "none")")
            #expect(o.failure?.alert == alert)
            let told = (o.peerFailure?.code == .alertReceived && o.peerFailure?.alert == alert)
                || o.plaintextAlerts.contains { $0.level == .fatal && $0.description == alert }
            #expect(told, "the peer was not told \(alert); peer: \(o.peerFailure.map(String.init(describing:)) ?? "none")")
        case .drop:
            #expect(o.failure == nil, "failure: \(o.failure.map(String.init(describing:)) ?? "none")")
            #expect(o.alertRecordsSent == 0, "an alert was sent for a dropped input")
            #expect(o.works, "the connection did not go on")
        case .warning(let alert):
            #expect(o.failure == nil, "failure: \(o.failure.map(String.init(describing:)) ?? "none")")
            #expect(o.alertRecordsSent >= 1, "no \(alert) warning was sent")
            #expect(o.peerFailure == nil, "the peer failed: \(o.peerFailure.map(String.init(describing:)) ?? "")")
            #expect(o.works, "the connection did not go on")
        case .peerAlert(let alert):
            #expect(o.failure?.code == .alertReceived)
            #expect(o.failure?.alert == alert)
            #expect(!o.plaintextAlerts.contains { $0.level == .fatal }, "answered an alert with an alert")
        case .closed:
            #expect(o.peerClosed)
            #expect(o.failure == nil)
        }
    }

    @Test func catalogueHasAtLeastFortyRows() {
        #expect(Self.rows.count >= 40)
    }

    // MARK: - The table

    static let rows: [Row] = recordLayer + reassembly + hello + keyExchange + certificates + alerts + stateMachine

    static let recordLayer: [Row] = [
        Row("record length longer than the datagram", .drop) {
            try connectedInjecting { rec, _ in var d = rec; d[11] = 0xFF; d[12] = 0xFF; return [d] }
        },
        Row("record length above 2^14+2048", .drop) {
            try connectedInjecting { rec, _ in
                var d = Array(rec.prefix(13)) + [UInt8](repeating: 0, count: 20000)
                d[11] = UInt8(20000 >> 8); d[12] = UInt8(20000 & 0xFF)
                return [d]
            }
        },
        Row("zero-length record in epoch 1", .drop) {
            try connectedInjecting { rec, _ in var d = Array(rec.prefix(13)); d[11] = 0; d[12] = 0; return [d] }
        },
        Row("zero-length handshake record during the handshake", .drop) {
            try handshakeInjecting(toServer: true, at: 0) { plain(.handshake, epoch: 0, seq: 40, []) }
        },
        Row("empty datagram and runt header", .drop) {
            try connectedInjecting { rec, _ in [[], Array(rec.prefix(12))] }
        },
        Row("unknown content type, sealed with the real keys", .drop) {
            try connectedInjecting { _, c in [seal(c, type: ContentType(rawValue: 99), [1, 2, 3])] }
        },
        Row("unknown content type in epoch 0 during the handshake", .drop) {
            try handshakeInjecting(toServer: true, at: 0) { plain(ContentType(rawValue: 25), epoch: 0, seq: 41, [1, 2]) }
        },
        Row("record of epoch 2", .drop) {
            try connectedInjecting { rec, _ in var d = rec; d[4] = 2; return [d] }
        },
        Row("epoch-0 application data after the handshake", .drop) {
            try connectedInjecting { _, _ in [plain(.applicationData, epoch: 0, seq: 9, [1, 2, 3])] }
        },
        Row("replayed record (same sequence number)", .drop) {
            try connectedInjecting(expectDelivered: 1) { rec, _ in [rec, rec, rec] }
        },
        Row("record older than the replay window", .drop) {
            try connectedInjecting(expectDelivered: 1) { _, c in
                let base = c.nextWriteSequence
                return [seal(c, type: .applicationData, seq: base + 100, [9]), seal(c, type: .applicationData, seq: base, [8])]
            }
        },
        Row("tampered ciphertext and tag (bad MAC)", .drop) {
            try connectedInjecting { rec, _ in
                [20, rec.count - 1].map { i in var d = rec; d[i] ^= 0x01; return d }
            }
        },
        Row("record moved to another sequence number", .drop) {
            try connectedInjecting { rec, _ in var d = rec; d[10] ^= 0x55; return [d] }
        },
        Row("TLS record version 0x0303 during the handshake", .drop) {
            try handshakeInjecting(toServer: true, at: 0) {
                var d = plain(.alert, epoch: 0, seq: 42, [2, 40]); d[1] = 0x03; d[2] = 0x03; return d
            }
        },
        Row("alert record of three bytes", .drop) {
            try handshakeInjecting(toServer: true, at: 0) { plain(.alert, epoch: 0, seq: 43, [2, 40, 0]) }
        },
        Row("alert with an undefined level", .drop) {
            try handshakeInjecting(toServer: false, at: 0) { plain(.alert, epoch: 0, seq: 44, [3, 40]) }
        },
    ]

    static let reassembly: [Row] = [
        Row("handshake fragment past the message length", .drop) {
            try handshakeInjecting(toServer: true, at: 0) {
                fragment(.clientHello, length: 10, seq: 0, offset: 8, body: [1, 2, 3, 4])
            }
        },
        Row("fragment_length longer than the record", .drop) {
            try handshakeInjecting(toServer: true, at: 0) {
                var d = fragment(.clientHello, length: 100, seq: 0, offset: 0, body: [1, 2, 3, 4])
                d[13 + 11] = 50
                return d
            }
        },
        Row("message longer than the configured bound", .drop) {
            try handshakeInjecting(toServer: false, at: 0) {
                fragment(.serverHello, length: 0xFFFFFF, seq: 0, offset: 0, body: [1, 2, 3, 4])
            }
        },
        Row("message_seq far beyond the window", .drop) {
            try handshakeInjecting(toServer: false, at: 0) {
                fragment(.serverHello, length: 4, seq: 400, offset: 0, body: [1, 2, 3, 4])
            }
        },
        Row("overlapping, duplicated and reversed fragments of every flight", .drop) {
            try handshakeFiltered(mtu: 300) { _, d in overlapping(d) }
        },
        Row("handshake record with bytes after its last fragment", .drop) {
            try handshakeInjecting(toServer: true, at: 0) {
                fragment(.clientHello, length: 4, seq: 0, offset: 0, body: [1, 2, 3, 4], trailing: [9, 9, 9])
            }
        },
        Row("gap in a fragmented message, filled by the retransmission", .drop) {
            var dropped = false
            return try handshakeFiltered(mtu: 300, victimIsServer: false) { toServer, d in
                if !toServer, !dropped, LossyNetworkTests.hasEpoch1(d) == false, d.count > 200 { dropped = true; return nil }
                return d
            }
        },
    ]

    static let hello: [Row] = [
        Row("session_id longer than 32 bytes at the cookie stage: no reply, no state", .drop) {
            try statelessCookieStageDrop()
        },
        Row("duplicate extension in ClientHello", .fatal(.malformedMessage, .decodeError)) {
            try handshake(rewrite: .clientHello, toServer: true) { b in appendingExtension(b, type: 23, data: []) }
        },
        Row("extension list length that lies", .fatal(.malformedMessage, .decodeError)) {
            try handshake(rewrite: .clientHello, toServer: true) { b in
                var e = b
                let at = extensionsOffset(b)
                let len = Int(e[at]) << 8 | Int(e[at + 1])
                e[at] = UInt8((len + 9) >> 8); e[at + 1] = UInt8((len + 9) & 0xFF)
                return e
            }
        },
        Row("supported_groups with an odd length inside the extension", .fatal(.malformedMessage, .decodeError)) {
            try handshake(rewrite: .clientHello, toServer: true) { b in
                replacingExtension(b, type: 10, data: [0, 3, 0, 29, 0])
            }
        },
        Row("use_srtp with padding after the MKI", .fatal(.malformedMessage, .decodeError)) {
            try handshake(rewrite: .clientHello, toServer: true) { b in
                replacingExtension(b, type: 14, data: [0, 2, 0, 7, 0, 0xAA])
            }
        },
        Row("ClientHello without extended_master_secret (EMS-less peer)", .fatal(.missingExtendedMasterSecret, .handshakeFailure)) {
            try handshake(rewrite: .clientHello, toServer: true) { b in removingExtension(b, type: 23) }
        },
        Row("ServerHello without extended_master_secret", .fatal(.missingExtendedMasterSecret, .handshakeFailure)) {
            try handshake(rewrite: .serverHello, toServer: false, victimIsServer: false) { b in removingExtension(b, type: 23) }
        },
        Row("downgrade: ClientHello offering only DTLS 1.0", .fatal(.protocolVersion, .protocolVersion)) {
            try handshake(rewrite: .clientHello, toServer: true) { b in var e = b; e[0] = 0xFE; e[1] = 0xFF; return e }
        },
        Row("ClientHello whose supported_versions lists only DTLS 1.3 (at a 1.2 server)", .fatal(.protocolVersion, .protocolVersion)) {
            try handshake(rewrite: .clientHello, toServer: true) { b in appendingExtension(b, type: 43, data: [2, 0xFE, 0xFC]) }
        },
        Row("ClientHello whose supported_versions has an odd length", .fatal(.malformedMessage, .decodeError)) {
            try handshake(rewrite: .clientHello, toServer: true) { b in appendingExtension(b, type: 43, data: [3, 0xFE, 0xFC, 0xFE]) }
        },
        Row("downgrade: ServerHello choosing DTLS 1.0", .fatal(.protocolVersion, .protocolVersion)) {
            try handshake(rewrite: .serverHello, toServer: false, victimIsServer: false) { b in var e = b; e[0] = 0xFE; e[1] = 0xFF; return e }
        },
        Row("ec_point_formats without uncompressed", .fatal(.illegalParameter, .illegalParameter)) {
            try handshake(rewrite: .clientHello, toServer: true) { b in replacingExtension(b, type: 11, data: [1, 1]) }
        },
        Row("non-empty renegotiation_info on an initial handshake", .fatal(.illegalParameter, .handshakeFailure)) {
            try handshake(rewrite: .clientHello, toServer: true) { b in replacingExtension(b, type: 0xFF01, data: [2, 1, 2]) }
        },
        Row("ClientHello without the null compression method", .fatal(.illegalParameter, .illegalParameter)) {
            try handshake(rewrite: .clientHello, toServer: true) { b in
                var e = b
                let at = compressionOffset(b)
                e[at + 1] = 1 // the single method becomes DEFLATE
                return e
            }
        },
        Row("unsolicited extension in ServerHello", .fatal(.illegalParameter, .unsupportedExtension)) {
            try handshake(rewrite: .serverHello, toServer: false, victimIsServer: false) { b in appendingExtension(b, type: 35, data: []) }
        },
        Row("ServerHello choosing a suite that was not offered", .fatal(.illegalParameter, .illegalParameter)) {
            try handshake(rewrite: .serverHello, toServer: false, victimIsServer: false) { b in
                var e = b
                let at = 2 + 32 + 1 + Int(b[34])
                e[at] = 0xC0; e[at + 1] = 0x09 // ECDHE_ECDSA_WITH_AES_128_CBC_SHA
                return e
            }
        },
        Row("ServerHello choosing an SRTP profile that was not offered", .fatal(.illegalParameter, .illegalParameter)) {
            try handshake(rewrite: .serverHello, toServer: false, victimIsServer: false) { b in
                replacingExtension(b, type: 14, data: [0, 2, 0, 5, 0])
            }
        },
        Row("session_id longer than 32 bytes (server without its own cookie exchange)", .fatal(.malformedMessage, .decodeError)) {
            try handshake(configure: { _, s in s.cookieExchange = false }, rewrite: .clientHello, toServer: true) { b in
                var e = Array(b[0..<34]) + [33] + [UInt8](repeating: 1, count: 33)
                e += b[(35 + Int(b[34]))...]
                return e
            }
        },
        Row("ClientHello with message_seq 65535 (found by fuzz-engine-server)", .fatal(.illegalParameter, .illegalParameter)) {
            try handshakeFiltered(configure: { _, s in s.cookieExchange = false }) { toServer, d in
                guard toServer, d[13] == HandshakeType.clientHello.rawValue else { return d }
                return FuzzRegressionTests.settingMessageSequence(d, to: .max)
            }
        },
    ]

    static let keyExchange: [Row] = [
        Row("invalid curve point in ClientKeyExchange (P-256)", .fatal(.illegalParameter, .illegalParameter)) {
            try handshake(configure: { c, _ in c.groups = [.secp256r1] }, rewrite: .clientKeyExchange, toServer: true) { b in
                var e = b; e[e.count - 1] ^= 0x01; return e
            }
        },
        Row("compressed point (unsupported point format)", .fatal(.illegalParameter, .illegalParameter)) {
            try handshake(configure: { c, _ in c.groups = [.secp256r1] }, rewrite: .clientKeyExchange, toServer: true) { b in
                [33, 0x02 | (b[65] & 1)] + b[2..<34]
            }
        },
        Row("P-256 point at infinity", .fatal(.illegalParameter, .illegalParameter)) {
            try handshake(configure: { c, _ in c.groups = [.secp256r1] }, rewrite: .clientKeyExchange, toServer: true) { _ in [1, 0] }
        },
        Row("X25519 small-order point (all-zero shared secret)", .fatal(.illegalParameter, .illegalParameter)) {
            try handshake(configure: { c, _ in c.groups = [.x25519] }, rewrite: .clientKeyExchange, toServer: true) { _ in
                [32] + [UInt8](repeating: 0, count: 32)
            }
        },
        Row("DHE client value 1 (small subgroup)", .fatal(.illegalParameter, .illegalParameter)) {
            try handshake(server: TestIdentity.rsa2048, configure: { c, s in c.cipherSuites = [.dheRsaWithAes128GcmSha256]; c.mtu = 4000; s.mtu = 4000 },
                          rewrite: .clientKeyExchange, toServer: true) { _ in [0, 1, 1] }
        },
        Row("small DH group from the server (1024-bit prime, validly signed)", .fatal(.insufficientSecurity, .insufficientSecurity)) {
            try resignedServerKeyExchange(suite: .dheRsaWithAes128GcmSha256) { _ in
                var p = [UInt8](repeating: 0xFF, count: 128)
                p[64] = 0x7B
                return .dhe(prime: p, generator: [2], publicKey: [5])
            }
        },
        Row("server picks a group that was not offered (validly signed)", .fatal(.illegalParameter, .illegalParameter)) {
            try resignedServerKeyExchange(suite: .ecdheEcdsaWithAes128GcmSha256, clientGroups: [.x25519]) { _ in
                .ecdhe(group: .secp256r1, publicKey: (try? ECDHPrivateKey(group: .p256))?.publicKeyBytes ?? [])
            }
        },
        Row("bad ServerKeyExchange signature", .fatal(.badSignature, .decryptError)) {
            try handshake(rewrite: .serverKeyExchange, toServer: false, victimIsServer: false) { b in var e = b; e[e.count - 3] ^= 0x10; return e }
        },
        Row("bad CertificateVerify signature", .fatal(.badSignature, .decryptError)) {
            try handshake(rewrite: .certificateVerify, toServer: true) { b in var e = b; e[e.count - 1] ^= 0x01; return e }
        },
        Row("ServerKeyExchange signed with a scheme we did not offer", .fatal(.illegalParameter, .illegalParameter)) {
            try handshake(rewrite: .serverKeyExchange, toServer: false, victimIsServer: false) { b in
                var e = b
                let at = 4 + Int(b[3])
                e[at] = 0x02; e[at + 1] = 0x03 // ecdsa_sha1
                return e
            }
        },
        Row("ServerKeyExchange with explicit curve parameters", .fatal(.malformedMessage, .decodeError)) {
            try handshake(rewrite: .serverKeyExchange, toServer: false, victimIsServer: false) { b in var e = b; e[0] = 1; return e }
        },
    ]

    static let certificates: [Row] = [
        Row("server certificate that does not match the SDP fingerprint", .fatal(.certificateRejected, .badCertificate)) {
            try handshake(configure: { c, _ in c.peerVerification = .fingerprints([TestIdentity.rsa2048.fingerprint]) }, victimIsServer: false)
        },
        Row("client certificate that does not match the SDP fingerprint", .fatal(.certificateRejected, .badCertificate)) {
            try handshake(configure: { _, s in s.peerVerification = .fingerprints([TestIdentity.rsa2048.fingerprint]) })
        },
        Row("certificate that is not DER", .fatal(.badCertificate, .badCertificate)) {
            try handshake(rewrite: .certificate, toServer: false, victimIsServer: false) { _ in [0, 0, 7, 0, 0, 4, 0x30, 0x02, 0x01, 0x01] }
        },
        Row("server sends an empty certificate list", .fatal(.badCertificate, .badCertificate)) {
            try handshake(rewrite: .certificate, toServer: false, victimIsServer: false) { _ in [0, 0, 0] }
        },
        Row("client sends no certificate when one is required", .fatal(.missingClientCertificate, .handshakeFailure)) {
            try handshake(rewrite: .certificate, toServer: true) { _ in [0, 0, 0] }
        },
        Row("RSA certificate for an ECDSA suite", .fatal(.badCertificate, .unsupportedCertificate)) {
            try handshake(configure: { c, _ in c.peerVerification = .acceptAny }, rewrite: .certificate, toServer: false, victimIsServer: false) { _ in
                var w = ByteWriter()
                CertificateMessage(certificates: [TestIdentity.rsa2048.certificate.derEncoded]).write(to: &w)
                return w.bytes
            }
        },
    ]

    static let alerts: [Row] = [
        Row("fatal alert to a client awaiting ServerHello", .peerAlert(.handshakeFailure)) {
            try handshakeInjecting(toServer: false, at: 0, observeServer: false) { plain(.alert, epoch: 0, seq: 50, [2, 40]) }
        },
        Row("fatal alert to a server awaiting ClientHello", .peerAlert(.internalError)) {
            try handshakeInjecting(toServer: true, at: 0, observeServer: true) { plain(.alert, epoch: 0, seq: 50, [2, 80]) }
        },
        Row("fatal alert to a server awaiting the client's flight", .peerAlert(.illegalParameter)) {
            try handshakeInjecting(toServer: true, at: 2, observeServer: true) { plain(.alert, epoch: 0, seq: 51, [2, 47]) }
        },
        Row("fatal alert to a client awaiting Finished", .peerAlert(.decryptError)) {
            try handshakeInjecting(toServer: false, at: -1, observeServer: false) { plain(.alert, epoch: 0, seq: 52, [2, 51]) }
        },
        Row("warning alert during the handshake", .drop) {
            try handshakeInjecting(toServer: true, at: 1) { plain(.alert, epoch: 0, seq: 53, [1, 100]) }
        },
        Row("close_notify during the handshake", .peerAlert(.closeNotify)) {
            try handshakeInjecting(toServer: false, at: 1, observeServer: false) { plain(.alert, epoch: 0, seq: 54, [1, 0]) }
        },
        Row("plaintext fatal alert after the handshake (forgeable, wrong epoch)", .drop) {
            try connectedInjecting { _, _ in [plain(.alert, epoch: 0, seq: 55, [2, 40])] }
        },
        Row("sealed fatal alert after the handshake", .peerAlert(.badRecordMAC)) {
            try connectedInjecting(stillWorks: false) { _, c in [seal(c, type: .alert, [2, 20])] }
        },
        Row("sealed close_notify after the handshake", .closed) {
            try connectedInjecting(stillWorks: false) { _, c in [seal(c, type: .alert, [1, 0])] }
        },
    ]

    static let stateMachine: [Row] = [
        Row("ChangeCipherSpec before ServerHello", .drop) {
            try handshakeInjecting(toServer: false, at: 0) { plain(.changeCipherSpec, epoch: 0, seq: 60, [1]) }
        },
        Row("ChangeCipherSpec with value 2", .fatal(.malformedMessage, .decodeError)) {
            try handshakeInjecting(toServer: true, at: 0, observeServer: true, completes: false) { plain(.changeCipherSpec, epoch: 0, seq: 61, [2]) }
        },
        Row("ChangeCipherSpec sealed in epoch 1 after the handshake", .drop) {
            try connectedInjecting { _, c in [seal(c, type: .changeCipherSpec, [1])] }
        },
        Row("application data (epoch 0) before Finished", .drop) {
            try handshakeInjecting(toServer: true, at: 2) { plain(.applicationData, epoch: 0, seq: 62, [1, 2, 3]) }
        },
        Row("application data (epoch 1, real keys) before Finished", .drop) {
            try earlyEpoch1ApplicationData()
        },
        Row("Finished in epoch 0", .fatal(.unexpectedMessage, .unexpectedMessage)) {
            try handshakeFiltered { toServer, d in
                guard toServer, LossyNetworkTests.hasEpoch1(d) else { return d }
                // Replace the encrypted Finished by a plaintext one with the same message_seq.
                var out = ByteWriter()
                var records: [RecordView] = []
                RecordView.split(d, into: &records)
                var seq: UInt16 = 0
                for r in records where r.header.epoch == 0 {
                    out.writeBytes(d[(r.fragment.lowerBound - 13)..<r.fragment.upperBound])
                    if r.header.contentType == .handshake, let f = try? HandshakeFragmentView.split(d, range: r.fragment) {
                        seq = max(seq, (f.last?.header.messageSequence ?? 0) + 1)
                    }
                }
                // Finished before the ChangeCipherSpec: the CCS record is last among epoch 0.
                return fragment(.finished, length: 12, seq: seq, offset: 0, body: [UInt8](repeating: 0, count: 12)) + out.bytes
            }
        },
        Row("ServerKeyExchange before Certificate", .fatal(.unexpectedMessage, .unexpectedMessage)) {
            try handshake(rewrite: .certificate, toServer: false, victimIsServer: false, retype: .serverKeyExchange) { b in b }
        },
        Row("HelloVerifyRequest with an empty cookie", .fatal(.illegalParameter, .illegalParameter)) {
            try handshakeInjecting(toServer: false, at: 0, observeServer: false, completes: false) {
                fragment(.helloVerifyRequest, length: 3, seq: 0, offset: 0, body: [0xFE, 0xFF, 0])
            }
        },
        Row("ServerHelloDone with a body", .fatal(.malformedMessage, .decodeError)) {
            try handshake(rewrite: .serverHelloDone, toServer: false, victimIsServer: false) { _ in [0] }
        },
        Row("renegotiation: a sealed ClientHello after the handshake", .warning(.noRenegotiation)) {
            try connectedInjecting { _, c in [seal(c, type: .handshake, fragment(.clientHello, length: 4, seq: 0, offset: 0, body: [1, 2, 3, 4]).dropFirst(13).map { $0 })] }
        },
        Row("renegotiation: HelloRequest to the client", .warning(.noRenegotiation)) {
            try connectedInjecting(toClient: true) { _, s in [seal(s, type: .handshake, fragment(.helloRequest, length: 0, seq: 9, offset: 0, body: []).dropFirst(13).map { $0 })] }
        },
        Row("spoofed ClientHellos to the listener do not disturb an accepted neighbour", .drop) {
            try listenerNeighbour()
        },
    ]
}
