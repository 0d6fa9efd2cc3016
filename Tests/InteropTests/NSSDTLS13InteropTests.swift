import DTLS
import DTLSCrypto
import DTLSTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Our DTLS 1.3 client and server against NSS 3.125 (`Tools/nss-peer`, its
/// own process on firefox-esr's libraries) over loopback UDP: the
/// handshake with mutual authentication and use_srtp and no
/// retransmission, equal exported keying material, application data both
/// ways, close_notify. `make test` builds the peer first; without it the
/// test fails.
@Suite(.serialized) struct NSSDTLS13InteropTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var peerPath: String { root.appendingPathComponent(".build/nss-peer").path }

    /// A UDP socket on 127.0.0.1 talking to one port.
    final class UDP {
        let fd: Int32
        var peer = sockaddr_in()
        init(to port: UInt16) throws {
            fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            peer.sin_family = sa_family_t(AF_INET)
            peer.sin_port = port.bigEndian
            peer.sin_addr.s_addr = inet_addr("127.0.0.1")
        }

        /// Bound to 127.0.0.1:`port`; the peer is whoever sends first.
        init(listening port: UInt16) throws {
            fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_port = port.bigEndian
            local.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard ok == 0 else { throw POSIXError(.EADDRINUSE) }
        }
        deinit { close(fd) }
        func send(_ bytes: [UInt8]) {
            var address = peer
            _ = bytes.withUnsafeBytes { raw in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
        }
        /// One datagram, or nil after `milliseconds`.
        func receive(milliseconds: Int32) -> [UInt8]? {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, milliseconds) > 0 else { return nil }
            var buffer = [UInt8](repeating: 0, count: 65536)
            var from = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let n = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &length) }
                }
            }
            guard n > 0 else { return nil }
            peer = from
            return Array(buffer[0..<n])
        }
    }

    /// A UDP port on 127.0.0.1 that was free a moment ago: the kernel's
    /// choice for a probe socket bound to port 0 (a random port could be one
    /// another test, or the kernel for another test's socket, holds).
    static func freePort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return UInt16.random(in: 30000...60000) }
        defer { close(fd) }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_port = 0
        local.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        return bound ? UInt16(bigEndian: local.sin_port) : UInt16.random(in: 30000...60000)
    }

    enum OurRole { case client, server }

    func run(suite: String, ours role: OurRole, nssGroups: String? = nil, nssKeyShares: Int? = nil, rsa: Bool = false,
             group expected: NamedGroup = .x25519, nssGroupName: String = "x25519", helloRetry: Bool? = nil,
             nssKeyUpdate: Bool = false, retryForHybrid: Bool = false,
             ourGroups: [NamedGroup]? = nil) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.peerPath), "no \(Self.peerPath): make nss-peer")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("nss13-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        // NSS's identity: the fixture certificate as DER and PKCS#8.
        let fixtures = Self.root.appendingPathComponent("Tests/Fixtures/peers")
        let kind = rsa ? "rsa" : "ec"
        let nssCertificate = try Certificate(pemEncoded: String(contentsOf: fixtures.appendingPathComponent("\(kind)_cert.pem"), encoding: .utf8))
        try Data(nssCertificate.derEncoded).write(to: work.appendingPathComponent("ec.der"))
        let pk8 = Process()
        pk8.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        pk8.arguments = ["pkcs8", "-topk8", "-nocrypt", "-in", fixtures.appendingPathComponent("\(kind)_key.pem").path, "-outform", "DER",
                         "-out", work.appendingPathComponent("ec.pk8").path]
        try pk8.run()
        pk8.waitUntilExit()

        let port = Self.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.peerPath)
        var arguments: [String] = role == .client
            ? ["--role", "server", "--port", String(port), "--send", "pong"]
            : ["--role", "client", "--connect-port", String(port), "--send", "pong"]
        arguments += ["--cert", work.appendingPathComponent("ec.der").path, "--key", work.appendingPathComponent("ec.pk8").path]
        arguments += ["--versions", "1.3", "--srtp", "--export-len", "60", "--tls13-suite", suite]
        if let nssGroups { arguments += ["--groups", nssGroups] }
        if let nssKeyShares { arguments += ["--key-shares", String(nssKeyShares)] }
        if nssKeyUpdate { arguments.append("--key-update") }
        server.arguments = arguments
        let udp = role == .client ? try UDP(to: port) : try UDP(listening: port)
        let output = Pipe()
        server.standardOutput = output
        server.standardError = output
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        Thread.sleep(forTimeInterval: 0.3)

        let us = rsa ? TestIdentity.rsa2048 : TestIdentity.ecdsaP256
        var config = DTLSConfiguration(certificate: us.certificate, privateKey: us.key,
                                       peerVerification: .fingerprints([Fingerprint(certificate: nssCertificate)]))
        config.srtpProfiles = [.aes128CmHmacSha1_80]
        // Classical unless the case is about X25519MLKEM768 (PostQuantum cases below).
        config.groups = ourGroups ?? (expected == .x25519MLKEM768 ? DTLSConfiguration.defaultGroups : [.x25519, .secp256r1, .secp384r1])
        config.retriesForPostQuantumShare = retryForHybrid
        let client: DTLS13Engine
        if role == .client {
            let ours = DTLS13Client(configuration: config)
            try ours.start(now: .now)
            client = ours
        } else {
            client = DTLS13Server(configuration: config)
        }
        var now = DTLSInstant.now
        let deadline = Date().addingTimeInterval(10)
        var retransmissions = 0
        while client.phase != .connected, Date() < deadline {
            while let datagram = client.pollDatagram() { udp.send(datagram) }
            if let datagram = udp.receive(milliseconds: 100) {
                now = .now
                try client.handleDatagram(datagram, now: now)
            } else if let at = client.nextTimeout, DTLSInstant.now >= at {
                retransmissions += 1
                client.handleTimeout(now: .now)
            }
        }
        #expect(client.phase == .connected)
        if let server = client as? DTLS13Server {
            // NSS's default sends only an X25519MLKEM768 share, which we take.
            #expect(server.sentHelloRetryRequest == (helloRetry ?? false))
        }
        if let ours = client as? DTLS13Client { #expect(ours.receivedHelloRetryRequest == (helloRetry ?? false)) }
        #expect(retransmissions == 0, "a clean loopback handshake needs no retransmission")
        #expect(client.suite?.rawValue == UInt16(suite, radix: 16))
        #expect(client.group == expected)
        #expect(client.srtpProfile == .aes128CmHmacSha1_80)
        #expect(client.peerCertificate == nssCertificate.derEncoded)
        try client.send(Array("ping".utf8))
        while let datagram = client.pollDatagram() { udp.send(datagram) }
        // Until NSS's application data arrives (its ACK and ticket first).
        while client.received.isEmpty, Date() < deadline, let datagram = udp.receive(milliseconds: 500) {
            try client.handleDatagram(datagram, now: .now)
            while let out = client.pollDatagram() { udp.send(out) }
        }
        #expect(client.received.map { String(decoding: $0, as: UTF8.self) } == ["pong"])
        let ours = try client.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 60)
        if nssKeyUpdate {
            // NSS's KeyUpdate moved our read side to epoch 4: its close_notify,
            // sent under its new keys, must still decrypt.
            while client.phase == .connected, Date() < deadline {
                while let out = client.pollDatagram() { udp.send(out) }
                guard let datagram = udp.receive(milliseconds: 200) else { continue }
                try client.handleDatagram(datagram, now: .now)
            }
            #expect(client.keyUpdates.received == 1, "NSS's KeyUpdate moved our read side")
            #expect(client.phase == .closed, "NSS's close_notify in epoch 4 decrypted")
            #expect(client.droppedRecords == 0)
        }
        client.close()
        while let datagram = client.pollDatagram() { udp.send(datagram) }
        server.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(server.terminationStatus == 0, "nss-peer: \(text)")
        #expect(text.contains("connected version=0304 cipher=\(suite) group=\(nssGroupName) srtp=0001"), "\(text)")
        #expect(text.contains("peer-sha256=" + us.fingerprint.bytes.map { String(format: "%02X", $0) }.joined(separator: ":")), "NSS saw our certificate")
        #expect(text.contains("received=ping"))
        let exporterLine = text.split(separator: "\n").first { $0.hasPrefix("exporter=") }
        #expect(exporterLine.map { String($0.dropFirst(9)) } == ours.map { String(format: "%02x", $0) }.joined())
    }

    @Test func ourClientHandshakesWithNSSOverAES128GCM() throws { try run(suite: "1301", ours: .client) }
    @Test func ourClientHandshakesWithNSSOverAES256GCMSHA384() throws { try run(suite: "1302", ours: .client) }
    @Test func ourClientHandshakesWithNSSOverChaCha20Poly1305() throws { try run(suite: "1303", ours: .client) }
    @Test func ourServerAnswersNSSOfferingX25519() throws { try run(suite: "1301", ours: .server, nssGroups: "001d") }
    @Test func ourClientAnswersNSSsHelloRetryRequestForP256() throws {
        try run(suite: "1301", ours: .client, nssGroups: "0017", group: .secp256r1, nssGroupName: "secp256r1", helloRetry: true)
    }
    @Test func ourServerTakesAP384ShareFromNSS() throws {
        try run(suite: "1302", ours: .server, nssGroups: "0018", group: .secp384r1, nssGroupName: "secp384r1", helloRetry: false)
    }
    @Test func ourClientFollowsNSSsKeyUpdate() throws { try run(suite: "1301", ours: .client, nssKeyUpdate: true) }
    @Test func ourServerFollowsNSSsKeyUpdate() throws { try run(suite: "1303", ours: .server, nssGroups: "001d", nssKeyUpdate: true) }
    @Test func ourClientSignsAndVerifiesRSAPSSWithNSS() throws { try run(suite: "1301", ours: .client, rsa: true) }
    @Test func ourServerSignsAndVerifiesRSAPSSWithNSS() throws { try run(suite: "1302", ours: .server, nssGroups: "001d", rsa: true) }
    @Test func ourServerAnswersNSSOverChaCha20Poly1305() throws { try run(suite: "1303", ours: .server, nssGroups: "001d") }
    @Test func ourServerTakesNSSsX25519MLKEM768Share() throws {
        // NSS's default: one X25519MLKEM768 share, X25519 among its groups.
        try run(suite: "1301", ours: .server, group: .x25519MLKEM768, nssGroupName: "x25519mlkem768")
    }

    @Test func ourServerTakesTheHybridShareBesideAnX25519One() throws {
        // As both browsers send: X25519MLKEM768 first, an X25519 share too.
        try run(suite: "1302", ours: .server, nssGroups: "11ec,001d", nssKeyShares: 2, group: .x25519MLKEM768,
                nssGroupName: "x25519mlkem768")
    }

    @Test func ourServerAsksNSSForTheHybridShareWhenConfiguredTo() throws {
        // NSS lists X25519MLKEM768 but sends only X25519; the server insists.
        try run(suite: "1301", ours: .server, nssGroups: "001d,11ec", nssKeyShares: 1, group: .x25519MLKEM768,
                nssGroupName: "x25519mlkem768", helloRetry: true, retryForHybrid: true)
    }

    @Test func ourServerTakesNSSsClassicalShareByDefault() throws {
        try run(suite: "1301", ours: .server, nssGroups: "001d,11ec", nssKeyShares: 1, ourGroups: DTLSConfiguration.defaultGroups)
    }

    @Test func ourClientGetsX25519MLKEM768FromNSS() throws {
        try run(suite: "1303", ours: .client, nssGroups: "11ec,001d", group: .x25519MLKEM768, nssGroupName: "x25519mlkem768")
    }
}
