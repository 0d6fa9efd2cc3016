@testable import DTLS
import DTLSCrypto
import DTLSTestSupport
import Testing

/// One server configuration for DTLS 1.3 and 1.2: the version is chosen per
/// connection from the ClientHello's supported_versions, directly and
/// behind the stateless listener (HelloRetryRequest cookies for 1.3,
/// HelloVerifyRequest for 1.2), whole or fragmented ClientHellos.
@Suite struct VersionNegotiationTests {
    let start = DTLSInstant.now
    let address: [UInt8] = [127, 0, 0, 1, 0x13, 0x88]

    func server(versions: [ProtocolVersion] = [.dtls13, .dtls12]) -> DTLSConfiguration {
        TestIdentity.configuration(TestIdentity.ecdsaP256Other, peer: TestIdentity.ecdsaP256, versions: versions)
    }

    /// A client with classical groups only, so that its ClientHello fits one
    /// datagram (the X25519MLKEM768 one needs two: PostQuantumHandshakeTests).
    func client(_ versions: [ProtocolVersion]) -> EngineDriver {
        var config = TestIdentity.configuration(TestIdentity.ecdsaP256, peer: TestIdentity.ecdsaP256Other)
        config.versions = versions
        config.groups = [.x25519, .secp256r1, .secp384r1]
        return EngineDriver(DTLSConnection(clientWith: config, now: start), name: "c")
    }

    /// Splits a datagram holding one ClientHello record into two datagrams,
    /// each one record with one fragment of the message, as browsers send
    /// a 1.4 KB ClientHello at MTU 1200.
    static func fragmented(_ datagram: [UInt8], at cut: Int) -> [[UInt8]] {
        let message = Array(datagram[13...])
        let body = Array(message[12...])
        let sequence = UInt64(datagram[5]) << 40 | UInt64(datagram[6]) << 32 | UInt64(datagram[7]) << 24
            | UInt64(datagram[8]) << 16 | UInt64(datagram[9]) << 8 | UInt64(datagram[10])
        let messageSequence = UInt16(message[4]) << 8 | UInt16(message[5])
        return [(0, body[..<cut]), (cut, body[cut...])].enumerated().map { index, part in
            var fragment = ByteWriter()
            HandshakeHeader(type: .clientHello, length: UInt32(body.count), messageSequence: messageSequence,
                            fragmentOffset: UInt32(part.0), fragmentLength: UInt32(part.1.count)).write(to: &fragment)
            fragment.writeBytes(Array(part.1))
            var record = ByteWriter()
            RecordHeader(contentType: .handshake, version: .dtls10, epoch: 0, sequenceNumber: sequence + UInt64(index),
                         length: UInt16(fragment.count)).write(to: &record)
            record.writeBytes(fragment.bytes)
            return record.bytes
        }
    }

    /// Runs the client through the listener until it accepts, then to connected.
    func handshake(_ client: EngineDriver, through listener: inout DTLSCookieListener, fragmentAt cut: Int? = nil,
                   from source: [UInt8]? = nil) -> EngineDriver? {
        let net = VirtualNetwork(start: start)
        var server: EngineDriver?
        for _ in 0..<4 where server == nil {
            for datagram in client.drain() {
                let pieces = cut.map { Self.fragmented(datagram, at: $0) } ?? [datagram]
                for piece in pieces {
                    switch listener.handle(piece, from: source ?? address, now: net.now) {
                    case .reply(let reply): client.connection.handlePacket(reply, now: net.now)
                    case .accept(let connection): server = EngineDriver(connection, name: "s")
                    case .drop: break
                    }
                }
            }
        }
        guard let server, net.run(client: client, server: server, until: { client.isConnected && server.isConnected }) else { return nil }
        return server
    }

    // MARK: - Directly, without the listener

    @Test func serverAcceptingBothSpeaksDTLS13ToAClientThatOffersIt() {
        var config = server()
        config.cookieExchange = false
        let net = VirtualNetwork(start: start)
        let client = client([.dtls13])
        let server = EngineDriver(DTLSConnection(serverWith: config, now: start), name: "s")
        #expect(net.run(client: client, server: server) { client.isConnected && server.isConnected })
        #expect(server.connectedInfo?.version == .dtls13)
        #expect(client.keyingMaterial?.bytes == server.keyingMaterial?.bytes)
    }

    @Test func serverAcceptingBothSpeaksDTLS12WithTheDowngradeSentinelToA12Client() throws {
        var config = server()
        config.cookieExchange = false
        let client = client([.dtls12])
        let server = EngineDriver(DTLSConnection(serverWith: config, now: start), name: "s")
        for datagram in client.drain() { server.connection.handlePacket(datagram, now: start) }
        let flight = server.drain()
        // The ServerHello's random: record header 13, handshake header 12, version 2.
        let random = try #require(flight.first.map { Array($0[27..<59]) })
        #expect(Array(random[24...]) == ProtocolVersion.downgradeSentinel12)
        for datagram in flight { client.connection.handlePacket(datagram, now: start) }
        let net = VirtualNetwork(start: start)
        #expect(net.run(client: client, server: server) { client.isConnected && server.isConnected })
        #expect(server.connectedInfo?.version == .dtls12)
        #expect(client.keyingMaterial?.bytes == server.keyingMaterial?.bytes)
    }

    @Test func a12OnlyServerSendsNoDowngradeSentinel() throws {
        var config = server(versions: [.dtls12])
        config.cookieExchange = false
        let client = client([.dtls12])
        let server = EngineDriver(DTLSConnection(serverWith: config, now: start), name: "s")
        for datagram in client.drain() { server.connection.handlePacket(datagram, now: start) }
        let random = try #require(server.drain().first.map { Array($0[27..<59]) })
        #expect(Array(random[24...]) != ProtocolVersion.downgradeSentinel12)
    }

    @Test func serverAcceptingBothWaitsForAFragmentedClientHelloBeforeItChooses() {
        var config = server()
        config.cookieExchange = false
        let client = client([.dtls13])
        let server = EngineDriver(DTLSConnection(serverWith: config, now: start), name: "s")
        let hello = client.drain()[0]
        let pieces = Self.fragmented(hello, at: 100)
        server.connection.handlePacket(pieces[1], now: start)  // the second fragment first
        #expect(server.drain().isEmpty)
        server.connection.handlePacket(pieces[0], now: start)
        let net = VirtualNetwork(start: start)
        for datagram in server.drain() { client.connection.handlePacket(datagram, now: start) }
        #expect(net.run(client: client, server: server) { client.isConnected && server.isConnected })
        #expect(server.connectedInfo?.version == .dtls13)
    }

    // MARK: - Behind the stateless listener

    @Test func listenerAnswersADTLS13ClientHelloWithACookieHelloRetryRequestAndKeepsNothing() throws {
        var listener = DTLSCookieListener(configuration: server(), now: start)
        let client = client([.dtls13])
        let hello = client.drain()[0]
        guard case .reply(let retry) = listener.handle(hello, from: address, now: start) else {
            Issue.record("expected a HelloRetryRequest")
            return
        }
        #expect(retry.count <= hello.count)
        #expect(Array(retry[27..<59]) == HelloRetryRequest.random)
        #expect(listener.helloRetryRequestsSent == 1 && listener.helloVerifyRequestsSent == 0)
        #expect(listener.pendingHellos == 0)
    }

    @Test func dtls13ClientConnectsThroughTheListenerWithTheCookieItReturned() throws {
        var listener = DTLSCookieListener(configuration: server(), now: start)
        let client = client([.dtls13])
        let server = try #require(handshake(client, through: &listener))
        #expect(server.connectedInfo?.version == .dtls13)
        #expect(client.keyingMaterial?.bytes == server.keyingMaterial?.bytes)
        #expect(listener.helloRetryRequestsSent == 1)
    }

    @Test func dtls12ClientConnectsThroughTheSameListenerWithAHelloVerifyRequest() throws {
        var listener = DTLSCookieListener(configuration: server(), now: start)
        let client = client([.dtls12])
        let server = try #require(handshake(client, through: &listener))
        #expect(server.connectedInfo?.version == .dtls12)
        #expect(client.keyingMaterial?.bytes == server.keyingMaterial?.bytes)
        #expect(listener.helloVerifyRequestsSent == 1 && listener.helloRetryRequestsSent == 0)
    }

    @Test func fragmentedClientHellosOfBothVersionsConnectThroughTheListener() throws {
        for versions in [[ProtocolVersion.dtls13], [.dtls12]] {
            var listener = DTLSCookieListener(configuration: server(), now: start)
            let client = client(versions)
            let server = try #require(handshake(client, through: &listener, fragmentAt: 90))
            #expect(server.connectedInfo?.version == versions[0])
            #expect(listener.pendingHellos == 0)
        }
    }

    @Test func dtls13CookieFromAnotherAddressIsRejected() {
        var listener = DTLSCookieListener(configuration: server(), now: start)
        let client = client([.dtls13])
        guard case .reply(let retry) = listener.handle(client.drain()[0], from: [1, 1, 1, 1], now: start) else {
            Issue.record("expected a HelloRetryRequest")
            return
        }
        client.connection.handlePacket(retry, now: start)
        let second = client.drain()[0]
        guard case .drop = listener.handle(second, from: [2, 2, 2, 2], now: start) else {
            Issue.record("a cookie from another address was accepted")
            return
        }
        #expect(listener.cookiesRejected == 1)
        guard case .accept = listener.handle(second, from: [1, 1, 1, 1], now: start) else {
            Issue.record("the valid cookie was refused")
            return
        }
    }

    @Test func dtls13CookieSurvivesOneRotationButNotTwo() {
        var listener = DTLSCookieListener(configuration: server(), rotationInterval: .seconds(10), now: start)
        let client = client([.dtls13])
        guard case .reply(let retry) = listener.handle(client.drain()[0], from: address, now: start) else { return }
        client.connection.handlePacket(retry, now: start)
        let second = client.drain()[0]
        var once = listener
        guard case .accept = once.handle(second, from: address, now: start + .seconds(11)) else {
            Issue.record("cookie refused after one rotation")
            return
        }
        _ = listener.handle([0], from: address, now: start + .seconds(11))
        guard case .drop = listener.handle(second, from: address, now: start + .seconds(22)) else {
            Issue.record("cookie accepted after two rotations")
            return
        }
    }

    @Test func aForgedCookieIsDroppedNotTrusted() {
        var listener = DTLSCookieListener(configuration: server(), now: start)
        let client = client([.dtls13])
        guard case .reply(var retry) = listener.handle(client.drain()[0], from: address, now: start) else { return }
        retry[retry.count - 40] ^= 1  // inside the cookie's hash, which its MAC covers
        client.connection.handlePacket(retry, now: start)
        guard case .drop = listener.handle(client.drain()[0], from: address, now: start) else {
            Issue.record("a tampered cookie was accepted")
            return
        }
        #expect(listener.cookiesRejected == 1)
    }

    @Test func partialClientHelloTableIsBoundedAndEvictsTheOldest() {
        var listener = DTLSCookieListener(configuration: server(), maxPendingHellos: 4, now: start)
        for index in 0..<10 {
            let client = client([.dtls13])
            let first = Self.fragmented(client.drain()[0], at: 90)[0]
            guard case .drop = listener.handle(first, from: [10, 0, 0, UInt8(index)], now: start + .milliseconds(index)) else {
                Issue.record("a partial ClientHello was answered")
                return
            }
        }
        #expect(listener.pendingHellos == 4)
        #expect(listener.pendingHellosEvicted == 6)
        #expect(listener.isCollecting(from: [10, 0, 0, 9]) && !listener.isCollecting(from: [10, 0, 0, 0]))
    }

    @Test func partialClientHellosExpire() {
        var listener = DTLSCookieListener(configuration: server(), now: start)
        let client = client([.dtls13])
        let pieces = Self.fragmented(client.drain()[0], at: 90)
        _ = listener.handle(pieces[0], from: address, now: start)
        // The rest arrives after the lifetime: the first fragment is gone, so no reply.
        guard case .drop = listener.handle(pieces[1], from: address, now: start + .seconds(3)) else {
            Issue.record("an expired partial ClientHello was completed")
            return
        }
        #expect(listener.pendingHellosEvicted == 1)
    }

    @Test func listenerWithoutAddressChecksAcceptsTheFirstWholeClientHello() throws {
        var listener = DTLSCookieListener(configuration: server(), now: start)
        listener.verifiesAddresses = false
        for versions in [[ProtocolVersion.dtls13], [.dtls12]] {
            let client = client(versions)
            let server = try #require(handshake(client, through: &listener, fragmentAt: 90, from: [9, versions[0] == .dtls13 ? 3 : 2]))
            #expect(server.connectedInfo?.version == versions[0])
        }
        #expect(listener.helloRetryRequestsSent == 0 && listener.helloVerifyRequestsSent == 0)
    }

    @Test func listenerAsksForTheGroupItTakesAndTheClientAnswersWithThatShare() throws {
        var config = server()
        config.groups = [.secp384r1]
        var listener = DTLSCookieListener(configuration: config, now: start)
        // Our client sends an X25519 share and lists P-256 and P-384 too.
        let client = client([.dtls13])
        let server = try #require(handshake(client, through: &listener))
        #expect(server.connectedInfo?.namedGroup == .secp384r1)
        #expect(listener.helloRetryRequestsSent == 1)
    }

    @Test func dtls13ClientHelloWithoutACommonGroupGetsAStatelessAlert() {
        var config = server()
        config.groups = [.ffdhe2048]
        var listener = DTLSCookieListener(configuration: config, now: start)
        guard case .reply(let alert) = listener.handle(client([.dtls13]).drain()[0], from: address, now: start) else {
            Issue.record("expected an alert")
            return
        }
        #expect(alert.count == 15 && alert[0] == 21 && Array(alert[13...]) == [2, AlertDescription.handshakeFailure.rawValue])
        #expect(listener.pendingHellos == 0)
    }

    // MARK: - A client offering both

    @Test(arguments: [[ProtocolVersion.dtls13, .dtls12], [.dtls13], [.dtls12]])
    func twoVersionClientConnectsWithTheServersVersion(serverVersions: [ProtocolVersion]) throws {
        let net = VirtualNetwork(start: start)
        let client = client([.dtls13, .dtls12])
        // cookieExchange on: a 1.2 server answers with a HelloVerifyRequest first.
        let server = EngineDriver(DTLSConnection(serverWith: server(versions: serverVersions), now: start), name: "s")
        #expect(net.run(client: client, server: server) { client.isConnected && server.isConnected })
        #expect(client.connectedInfo?.version == serverVersions[0])
        #expect(server.connectedInfo?.version == serverVersions[0])
        #expect(client.keyingMaterial?.bytes == server.keyingMaterial?.bytes)
        #expect(client.keyingMaterial != nil)
    }

    @Test func twoVersionClientConnectsThroughA12OnlyListenerAfterItsHelloVerifyRequest() throws {
        var listener = DTLSCookieListener(configuration: server(versions: [.dtls12]), now: start)
        let client = client([.dtls13, .dtls12])
        _ = try #require(handshake(client, through: &listener))
        #expect(client.connectedInfo?.version == .dtls12)
        #expect(listener.helloVerifyRequestsSent == 1)
    }

    @Test func twoVersionClientOffersBothInOneClientHello() throws {
        let hello = client([.dtls13, .dtls12]).drain()[0]
        var reader = ByteReader(hello, range: 25..<hello.count)
        let parsed = try ClientHello(parsing: &reader)
        #expect(try parsed.extensions.clientSupportedVersions() == [.dtls13, .dtls12])
        #expect(parsed.cipherSuites.prefix(3) == [.aes128GcmSha256, .aes256GcmSha384, .chacha20Poly1305Sha256])
        #expect(parsed.cipherSuites.count > 3)
        #expect(parsed.extensions.contains(.extendedMasterSecret) && parsed.extensions.contains(.keyShare))
    }

    @Test func twoVersionClientRefusesA12ServerHelloWithTheDowngradeSentinel() throws {
        let client = client([.dtls13, .dtls12])
        let hello = client.drain()[0]
        // Someone in between strips supported_versions: the server, which
        // speaks 1.3, sees a 1.2 client and marks its 1.2 ServerHello.
        var reader = ByteReader(hello, range: 25..<hello.count)
        var parsed = try ClientHello(parsing: &reader)
        parsed.extensions.removeAll { $0.type == .supportedVersions }
        var body = ByteWriter()
        parsed.write(to: &body)
        let record = DTLS13BadInputTests.plaintextHandshake(.clientHello, body.bytes)
        var config = server()
        config.cookieExchange = false
        let server = EngineDriver(DTLSConnection(serverWith: config, now: start), name: "s")
        server.connection.handlePacket(record, now: start)
        for datagram in server.drain() { client.connection.handlePacket(datagram, now: start) }
        _ = client.drain()
        #expect(client.failure?.code == .illegalParameter)
        #expect(!client.isConnected)
    }
}
