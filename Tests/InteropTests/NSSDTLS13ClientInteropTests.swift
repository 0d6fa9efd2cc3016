import DTLS
import DTLSCrypto
import DTLSTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Our DTLS 1.3 client against NSS 3.125 (`Tools/nss-peer`, its own
/// process on firefox-esr's libraries) over loopback UDP: the handshake
/// with mutual authentication and use_srtp, equal exported keying
/// material, application data both ways, close_notify. `make test` builds
/// the peer first; without it the test fails.
@Suite(.serialized) struct NSSDTLS13ClientInteropTests {
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
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            return n > 0 ? Array(buffer[0..<n]) : nil
        }
    }

    static func freePort() -> UInt16 { UInt16.random(in: 30000...60000) }

    func run(suite: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.peerPath), "no \(Self.peerPath): make nss-peer")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("nss13-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        // NSS's identity: the fixture certificate as DER and PKCS#8.
        let fixtures = Self.root.appendingPathComponent("Tests/Fixtures/peers")
        let nssCertificate = try Certificate(pemEncoded: String(contentsOf: fixtures.appendingPathComponent("ec_cert.pem"), encoding: .utf8))
        try Data(nssCertificate.derEncoded).write(to: work.appendingPathComponent("ec.der"))
        let pk8 = Process()
        pk8.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        pk8.arguments = ["pkcs8", "-topk8", "-nocrypt", "-in", fixtures.appendingPathComponent("ec_key.pem").path, "-outform", "DER",
                         "-out", work.appendingPathComponent("ec.pk8").path]
        try pk8.run()
        pk8.waitUntilExit()

        let port = Self.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.peerPath)
        server.arguments = ["--role", "server", "--port", String(port), "--cert", work.appendingPathComponent("ec.der").path,
                            "--key", work.appendingPathComponent("ec.pk8").path, "--versions", "1.3", "--srtp",
                            "--export-len", "60", "--send", "pong", "--tls13-suite", suite]
        let output = Pipe()
        server.standardOutput = output
        server.standardError = output
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        Thread.sleep(forTimeInterval: 0.3)

        let us = TestIdentity.ecdsaP256
        var config = DTLSConfiguration(certificate: us.certificate, privateKey: us.key,
                                       peerVerification: .fingerprints([Fingerprint(certificate: nssCertificate)]))
        config.srtpProfiles = [.aes128CmHmacSha1_80]
        let client = DTLS13Client(configuration: config)
        let udp = try UDP(to: port)
        var now = DTLSInstant.now
        try client.start(now: now)
        let deadline = Date().addingTimeInterval(10)
        var retransmissions = 0
        while client.state != .connected, Date() < deadline {
            while let datagram = client.pollDatagram() { udp.send(datagram) }
            if let datagram = udp.receive(milliseconds: 100) {
                now = .now
                try client.handleDatagram(datagram, now: now)
            } else if let at = client.nextTimeout, DTLSInstant.now >= at {
                retransmissions += 1
                client.handleTimeout(now: .now)
            }
        }
        #expect(client.state == .connected)
        #expect(retransmissions == 0, "a clean loopback handshake needs no retransmission")
        #expect(client.suite?.rawValue == UInt16(suite, radix: 16))
        #expect(client.group == .x25519)
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
        client.close()
        while let datagram = client.pollDatagram() { udp.send(datagram) }
        server.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(server.terminationStatus == 0, "nss-peer: \(text)")
        #expect(text.contains("connected version=0304 cipher=\(suite) group=x25519 srtp=0001"), "\(text)")
        #expect(text.contains("received=ping"))
        let exporterLine = text.split(separator: "\n").first { $0.hasPrefix("exporter=") }
        #expect(exporterLine.map { String($0.dropFirst(9)) } == ours.map { String(format: "%02x", $0) }.joined())
    }

    @Test func ourClientHandshakesWithNSSOverAES128GCM() throws { try run(suite: "1301") }
    @Test func ourClientHandshakesWithNSSOverAES256GCMSHA384() throws { try run(suite: "1302") }
}
