@testable import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// How the catalogue's rows attack a connection and what they observe.
extension BadInputCatalogueTests {
    // MARK: Building records

    static func plain(_ type: ContentType, epoch: UInt16, seq: UInt64, _ body: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        RecordHeader(contentType: type, version: .dtls12, epoch: epoch, sequenceNumber: seq, length: UInt16(body.count)).write(to: &w)
        w.writeBytes(body)
        return w.bytes
    }

    /// An epoch-0 handshake record holding one fragment (header fields as given, not checked).
    static func fragment(_ type: HandshakeType, length: UInt32, seq: UInt16, offset: UInt32, body: [UInt8],
                         trailing: [UInt8] = []) -> [UInt8] {
        var w = ByteWriter()
        HandshakeHeader(type: type, length: length, messageSequence: seq, fragmentOffset: offset,
                        fragmentLength: UInt32(body.count)).write(to: &w)
        w.writeBytes(body)
        w.writeBytes(trailing)
        return plain(.handshake, epoch: 0, seq: 70 + UInt64(seq), w.bytes)
    }

    /// A record sealed with `connection`'s real epoch-1 write keys. Without
    /// `seq` it takes the connection's next sequence number; either way the
    /// connection's own counter moves past it, so its later records are not
    /// mistaken for replays.
    static func seal(_ connection: DTLSConnection, type: ContentType, seq: UInt64? = nil, _ plaintext: [UInt8]) -> [UInt8] {
        let sequence = seq ?? connection.nextWriteSequence
        connection.nextWriteSequence = max(connection.nextWriteSequence, sequence + 1)
        var w = ByteWriter()
        RecordHeader(contentType: type, version: .dtls12, epoch: 1, sequenceNumber: sequence, length: 0).write(to: &w)
        var bytes = w.bytes + [UInt8](repeating: 0, count: 8) + plaintext + [UInt8](repeating: 0, count: 16)
        try? connection.writeProtection?.seal(&bytes, headerStart: 0, plaintextLength: plaintext.count, type: type,
                                              version: .dtls12, epoch: 1, sequence: sequence)
        return bytes
    }

    // MARK: Observing

    static func plaintextAlerts(_ datagrams: [[UInt8]]) -> [Alert] {
        var out: [Alert] = []
        for d in datagrams {
            var records: [RecordView] = []
            RecordView.split(d, into: &records)
            for r in records where r.header.contentType == .alert && r.header.epoch == 0 {
                var reader = ByteReader(d, range: r.fragment)
                if let a = try? Alert(parsing: &reader) { out.append(a) }
            }
        }
        return out
    }

    static func alertRecords(_ datagrams: [[UInt8]]) -> Int {
        datagrams.reduce(0) { n, d in
            var records: [RecordView] = []
            RecordView.split(d, into: &records)
            return n + records.filter { $0.header.contentType == .alert }.count
        }
    }

    static func stillWorks(_ client: EngineDriver, _ server: EngineDriver, _ net: VirtualNetwork) -> Bool {
        let before = server.received.count
        guard (try? client.connection.send(Array("still alive".utf8))) != nil else { return false }
        net.run(client: client, server: server, limit: .seconds(1)) { server.received.count > before }
        return server.received.last == Array("still alive".utf8) && server.failure == nil && client.failure == nil
    }

    // MARK: Scenarios on an established connection

    /// Connects a pair, captures one sealed client record ("payload"), and
    /// feeds what `make` builds to the server (or, `toClient`, to the
    /// client, sealing with the server's keys). `expectDelivered`: how many
    /// application records the victim may deliver.
    static func connectedInjecting(expectDelivered: Int = 0, stillWorks works: Bool = true, toClient: Bool = false,
                                   _ make: ([UInt8], DTLSConnection) -> [[UInt8]]) throws -> Observed {
        let (client, server, net) = HandshakeTests.pair()
        guard HandshakeTests.connect(client, server, net) else { throw DTLSError(.internalError, alert: nil, "no connect") }
        net.run(client: client, server: server, limit: .seconds(5)) { false } // let the linger expire
        _ = client.drain()
        try client.connection.send(Array("payload".utf8))
        let captured = client.drain()[0]
        let victim = toClient ? client : server
        let peer = toClient ? server : client
        let receivedBefore = victim.received.count
        for d in make(captured, peer.connection) { victim.connection.handlePacket(d, now: net.now) }
        let output = victim.drain()
        for d in output { peer.connection.handlePacket(d, now: net.now) }
        peer.drain()
        var o = Observed(failure: victim.failure, peerFailure: peer.failure, plaintextAlerts: plaintextAlerts(output))
        o.peerClosed = victim.peerClosed
        o.works = victim.received.count - receivedBefore == expectDelivered && (!works || stillWorks(client, server, net))
        o.alertRecordsSent = alertRecords(output)
        return o
    }

    // MARK: Scenarios during the handshake

    /// Runs a handshake and puts the record `make` builds in front of the
    /// `at`-th datagram towards the victim (the server when `toServer`);
    /// `at: -1` means the first datagram carrying an epoch-1 record.
    static func handshakeInjecting(toServer: Bool, at: Int, observeServer: Bool? = nil, completes: Bool = true,
                                   _ make: @escaping () -> [UInt8]) throws -> Observed {
        var count = 0
        var done = false
        return try handshakeFiltered(victimIsServer: observeServer ?? toServer) { ts, d in
            guard ts == toServer, !done else { return d }
            defer { count += 1 }
            if at >= 0 ? count == at : LossyNetworkTests.hasEpoch1(d) {
                done = true
                return make() + d
            }
            return d
        }
    }

    /// A handshake whose datagrams pass through `filter`; observes the victim.
    static func handshakeFiltered(server serverIdentity: TestIdentity.Identity = TestIdentity.ecdsaP256Other, mtu: Int? = nil,
                                  configure: (inout DTLSConfiguration, inout DTLSConfiguration) -> Void = { _, _ in },
                                  victimIsServer: Bool = true,
                                  _ filter: @escaping (Bool, [UInt8]) -> [UInt8]?) throws -> Observed {
        let (client, server, net) = HandshakeTests.pair(server: serverIdentity) { c, s in
            if let mtu {
                c.mtu = mtu
                s.mtu = mtu
            }
            configure(&c, &s)
        }
        var victimOutput: [[UInt8]] = []
        net.filter = { toServer, d in
            if toServer != victimIsServer { victimOutput.append(d) }
            return filter(toServer, d)
        }
        NegativeHandshakeTests.runToFailure(client, server, net)
        let victim = victimIsServer ? server : client
        let peer = victimIsServer ? client : server
        var o = Observed(failure: victim.failure, peerFailure: peer.failure, plaintextAlerts: plaintextAlerts(victimOutput))
        o.works = client.isConnected && server.isConnected && client.keyingMaterial?.bytes == server.keyingMaterial?.bytes
            && server.received.isEmpty && client.received.isEmpty
        o.alertRecordsSent = alertRecords(victimOutput)
        return o
    }

    /// A handshake in which the one unfragmented message of type `rewrite`
    /// sent in direction `toServer` is replaced by `change(body)`
    /// (and, with `retype`, given another handshake type).
    static func handshake(server serverIdentity: TestIdentity.Identity = TestIdentity.ecdsaP256Other,
                          configure: (inout DTLSConfiguration, inout DTLSConfiguration) -> Void = { _, _ in },
                          rewrite: HandshakeType? = nil, toServer: Bool = true, victimIsServer: Bool = true,
                          retype: HandshakeType? = nil,
                          _ change: @escaping ([UInt8]) -> [UInt8] = { $0 }) throws -> Observed {
        try handshakeFiltered(server: serverIdentity, configure: configure, victimIsServer: victimIsServer) { ts, d in
            guard let rewrite, ts == toServer else { return d }
            return rewritingMessages(d) { type, body in type == rewrite ? (retype ?? type, change(body)) : nil }
        }
    }

    static func rewritingMessages(_ d: [UInt8], _ change: (HandshakeType, [UInt8]) -> (HandshakeType, [UInt8])?) -> [UInt8] {
        DatagramRewriter.rewritingMessages(d, change)
    }

    /// Re-signs a ServerKeyExchange whose parameters `make` replaced, with
    /// the server's real key over the real randoms: only the parameters
    /// themselves can be at fault.
    static func resignedServerKeyExchange(suite: CipherSuite, clientGroups: [NamedGroup]? = nil,
                                          _ make: @escaping (ServerKeyExchange.Parameters) -> ServerKeyExchange.Parameters) throws -> Observed {
        let identity = suite.authentication == .rsa ? TestIdentity.rsa2048 : TestIdentity.ecdsaP256Other
        let scheme: SignatureScheme = suite.authentication == .rsa ? .rsaPkcs1Sha256 : .ecdsaSecp256r1Sha256
        var clientRandom: [UInt8] = []
        var serverRandom: [UInt8] = []
        return try handshakeFiltered(server: identity, configure: { c, s in
            c.cipherSuites = [suite]
            if let clientGroups { c.groups = clientGroups }
            c.mtu = 4000
            s.mtu = 4000
        }, victimIsServer: false) { toServer, d in
            rewritingMessages(d) { type, body in
                if type == .clientHello { clientRandom = Array(body[2..<34]) }
                if type == .serverHello { serverRandom = Array(body[2..<34]) }
                guard type == .serverKeyExchange else { return nil }
                var r = ByteReader(body)
                guard let old = try? ServerKeyExchange(parsing: &r, keyExchange: suite.keyExchange ?? .ecdhe) else { return nil }
                var params = ByteWriter()
                let parameters = make(old.parameters)
                ServerKeyExchange.writeParameters(parameters, to: &params)
                let signed = clientRandom + serverRandom + params.bytes
                guard let signature = try? identity.key.sign(signed.span, hash: .sha256) else { return nil }
                var w = ByteWriter()
                ServerKeyExchange(parameters: parameters, signed: DigitallySigned(scheme: scheme, signature: signature)).write(to: &w)
                return (type, w.bytes)
            }
        }
    }

    /// Each handshake fragment sent as two overlapping halves, later half
    /// first, and records in reverse order (Finished before its CCS).
    static func overlapping(_ d: [UInt8]) -> [UInt8] {
        var records: [RecordView] = []
        RecordView.split(d, into: &records)
        var out: [UInt8] = []
        for r in records.reversed() {
            guard r.header.epoch == 0, r.header.contentType == .handshake,
                  let fragments = try? HandshakeFragmentView.split(d, range: r.fragment) else {
                out += d[(r.fragment.lowerBound - RecordHeader.length)..<r.fragment.upperBound]
                continue
            }
            for f in fragments {
                let body = Array(d[f.body])
                let n = body.count
                let parts = n < 4 ? [0..<n] : [(n / 4)..<n, 0..<(3 * n / 4), 0..<n]
                for part in parts {
                    out += fragment(f.header.type, length: f.header.length, seq: f.header.messageSequence,
                                    offset: f.header.fragmentOffset + UInt32(part.lowerBound), body: Array(body[part]))
                }
            }
        }
        return out
    }

    /// An epoch-1 application-data record, sealed with the client's real
    /// keys, placed between its ChangeCipherSpec and Finished.
    static func earlyEpoch1ApplicationData() throws -> Observed {
        let (client, server, net) = HandshakeTests.pair()
        var injected = false
        net.filter = { toServer, d in
            guard toServer, !injected, LossyNetworkTests.hasEpoch1(d) else { return d }
            injected = true
            var records: [RecordView] = []
            RecordView.split(d, into: &records)
            var out: [UInt8] = []
            for r in records where r.header.epoch == 0 { out += d[(r.fragment.lowerBound - 13)..<r.fragment.upperBound] }
            out += seal(client.connection, type: .applicationData, seq: 40, Array("early".utf8))
            for r in records where r.header.epoch == 1 { out += d[(r.fragment.lowerBound - 13)..<r.fragment.upperBound] }
            return out
        }
        NegativeHandshakeTests.runToFailure(client, server, net)
        var o = Observed(failure: server.failure, peerFailure: client.failure)
        o.works = injected && client.isConnected && server.isConnected && server.received.isEmpty
        return o
    }

    /// A listener that accepted one client keeps serving it while spoofed
    /// ClientHellos (from other addresses, replaying its cookie) and
    /// garbage arrive: each is answered statelessly or dropped.
    static func listenerNeighbour() throws -> Observed {
        let net = VirtualNetwork()
        let address: [UInt8] = [192, 0, 2, 1, 0x13, 0x88]
        var listener = DTLSCookieListener(configuration: TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256), now: net.now)
        let client = EngineDriver(DTLSConnection(clientWith: TestIdentity.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other), now: net.now), name: "c")
        var server: EngineDriver?
        var cookieHello: [UInt8] = []
        for _ in 0..<3 where server == nil {
            for d in client.drain() {
                switch listener.handle(d, from: address, now: net.now) {
                case .reply(let r): client.connection.handlePacket(r, now: net.now)
                case .accept(let c): server = EngineDriver(c, name: "s"); cookieHello = d
                case .drop: break
                }
            }
        }
        guard let server else { throw DTLSError(.internalError, alert: nil, "not accepted") }
        var accepted = 0
        for i in 0..<50 {
            let spoof: [UInt8] = i % 2 == 0 ? cookieHello : [UInt8](repeating: UInt8(i), count: 40)
            if case .accept = listener.handle(spoof, from: [198, 51, 100, UInt8(i), 0, 1], now: net.now) { accepted += 1 }
        }
        var o = Observed(failure: server.failure, peerFailure: client.failure)
        o.works = accepted == 0 && net.run(client: client, server: server) { client.isConnected && server.isConnected }
            && stillWorks(client, server, net)
        return o
    }

    /// A server doing its own cookie exchange answers a ClientHello whose
    /// session_id is too long with nothing (it keeps no state for an
    /// unverified peer), and a well-formed ClientHello afterwards completes.
    static func statelessCookieStageDrop() throws -> Observed {
        let (client, server, net) = HandshakeTests.pair()
        let hello = client.drain()[0]
        let bad = rewritingMessages(hello) { type, b in
            (type, Array(b[0..<34]) + [33] + [UInt8](repeating: 1, count: 33) + b[(35 + Int(b[34]))...])
        }
        server.connection.handlePacket(bad, now: net.now)
        let reply = server.drain()
        server.connection.handlePacket(hello, now: net.now)
        var o = Observed(failure: server.failure, peerFailure: client.failure, plaintextAlerts: plaintextAlerts(reply))
        o.alertRecordsSent = alertRecords(reply)
        client.connection.handlePacket(server.drain()[0], now: net.now)
        o.works = reply.isEmpty && HandshakeTests.connect(client, server, net)
        return o
    }

    // MARK: Hello bodies

    static func withExtensions(_ body: [UInt8], _ change: (inout [HelloExtension]) -> Void) -> [UInt8] {
        var r = ByteReader(body)
        if var hello = try? ClientHello(parsing: &r) {
            var w = ByteWriter()
            hello.write(to: &w)
            if w.bytes == body {
                change(&hello.extensions)
                var out = ByteWriter()
                hello.write(to: &out)
                return out.bytes
            }
        }
        var r2 = ByteReader(body)
        guard var hello = try? ServerHello(parsing: &r2) else { return body }
        change(&hello.extensions)
        var out = ByteWriter()
        hello.write(to: &out)
        return out.bytes
    }

    static func appendingExtension(_ body: [UInt8], type: UInt16, data: [UInt8]) -> [UInt8] {
        withExtensions(body) { $0.append(HelloExtension(type: ExtensionType(rawValue: type), data: data)) }
    }

    static func replacingExtension(_ body: [UInt8], type: UInt16, data: [UInt8]) -> [UInt8] {
        withExtensions(body) { exts in
            exts = exts.map { $0.type.rawValue == type ? HelloExtension(type: $0.type, data: data) : $0 }
            if !exts.contains(ExtensionType(rawValue: type)) { exts.append(HelloExtension(type: ExtensionType(rawValue: type), data: data)) }
        }
    }

    static func removingExtension(_ body: [UInt8], type: UInt16) -> [UInt8] {
        withExtensions(body) { exts in exts.removeAll { $0.type.rawValue == type } }
    }

    /// Offset of the compression_methods length byte in a ClientHello body.
    static func compressionOffset(_ body: [UInt8]) -> Int {
        var r = ByteReader(body)
        guard let hello = try? ClientHello(parsing: &r) else { return 0 }
        return 2 + 32 + 1 + hello.sessionID.count + 1 + hello.cookie.count + 2 + 2 * hello.cipherSuites.count
    }

    /// Offset of the extensions block length in a ClientHello body.
    static func extensionsOffset(_ body: [UInt8]) -> Int {
        var r = ByteReader(body)
        guard let hello = try? ClientHello(parsing: &r) else { return 0 }
        return compressionOffset(body) + 1 + hello.compressionMethods.count
    }
}
