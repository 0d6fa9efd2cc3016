import DTLS
import DTLSCrypto
import DTLSTestSupport
import Foundation
import Testing

/// The default configuration (DTLS 1.3 and 1.2) against NSS 3.125 speaking
/// one or the other, through the public API a server uses: the stateless
/// listener in front of our server (HelloRetryRequest cookies for 1.3,
/// HelloVerifyRequest for 1.2), and our client offering both versions in
/// one ClientHello. Equal keying material, no retransmission, and our key
/// log lines equal to the ones NSS writes to SSLKEYLOGFILE.
@Suite(.serialized) struct NSSVersionNegotiationInteropTests {
    typealias UDP = NSSDTLS13InteropTests.UDP

    struct Outcome {
        var connection: DTLSConnection
        var nssOutput: String
        var nssKeyLog: String
        var retransmissions: Int
        var listener: DTLSCookieListener?
    }

    /// NSS in `nssVersions` against our default configuration in `role`.
    func run(ours role: DTLSConnection.Role, nssVersions: String) throws -> Outcome {
        let peerPath = NSSDTLS13InteropTests.peerPath
        try #require(FileManager.default.isExecutableFile(atPath: peerPath), "no \(peerPath): make nss-peer")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("nssneg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let fixtures = NSSDTLS13InteropTests.root.appendingPathComponent("Tests/Fixtures/peers")
        let nssCertificate = try Certificate(pemEncoded: String(contentsOf: fixtures.appendingPathComponent("ec_cert.pem"), encoding: .utf8))
        try Data(nssCertificate.derEncoded).write(to: work.appendingPathComponent("ec.der"))
        let pk8 = Process()
        pk8.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        pk8.arguments = ["pkcs8", "-topk8", "-nocrypt", "-in", fixtures.appendingPathComponent("ec_key.pem").path, "-outform", "DER",
                         "-out", work.appendingPathComponent("ec.pk8").path]
        try pk8.run()
        pk8.waitUntilExit()

        let port = NSSDTLS13InteropTests.freePort()
        let nss = Process()
        nss.executableURL = URL(fileURLWithPath: peerPath)
        nss.arguments = (role == .client ? ["--role", "server", "--port", String(port)] : ["--role", "client", "--connect-port", String(port)])
            + ["--cert", work.appendingPathComponent("ec.der").path, "--key", work.appendingPathComponent("ec.pk8").path,
               "--versions", nssVersions, "--srtp", "--export-len", "60", "--send", "pong"]
        let keyLogPath = work.appendingPathComponent("keylog.txt").path
        nss.environment = ProcessInfo.processInfo.environment.merging(["SSLKEYLOGFILE": keyLogPath]) { $1 }
        let output = Pipe()
        nss.standardOutput = output
        nss.standardError = output
        let udp = role == .client ? try UDP(to: port) : try UDP(listening: port)
        try nss.run()
        defer { if nss.isRunning { nss.terminate() } }
        Thread.sleep(forTimeInterval: 0.3)

        var config = DTLSConfiguration(certificate: TestIdentity.ecdsaP256.certificate, privateKey: TestIdentity.ecdsaP256.key,
                                       peerVerification: .fingerprints([Fingerprint(certificate: nssCertificate)]))
        config.srtpProfiles = [.aes128CmHmacSha1_80]
        #expect(config.versions == [.dtls13, .dtls12], "the default")
        var listener: DTLSCookieListener? = role == .server ? DTLSCookieListener(configuration: config, now: .now) : nil
        var connection: DTLSConnection? = role == .client ? DTLSConnection(clientWith: config, now: .now) : nil
        let address: [UInt8] = [127, 0, 0, 1, UInt8(port >> 8), UInt8(port & 0xFF)]
        var retransmissions = 0, received: [String] = [], sentPing = false
        var buffer: [UInt8] = []
        let deadline = Date().addingTimeInterval(10)
        func drain() -> DTLSInstant? {
            guard let connection else { return nil }
            while true {
                switch connection.pollOutput(into: &buffer) {
                case .packet: udp.send(buffer)
                case .applicationData: received.append(String(decoding: buffer, as: UTF8.self))
                case .timeout(let at): return at
                default: continue
                }
            }
        }
        while received.isEmpty, Date() < deadline {
            let timer = drain()
            if let connection, connection.isConnected, !sentPing {
                try connection.send(Array("ping".utf8))
                sentPing = true
                continue
            }
            guard let datagram = udp.receive(milliseconds: 100) else {
                if let timer, DTLSInstant.now >= timer {
                    retransmissions += 1
                    connection?.handleTimeout(now: .now)
                }
                continue
            }
            if let connection {
                connection.handlePacket(datagram, now: .now)
            } else if let decision = listener?.handle(datagram, from: address, now: .now) {
                switch decision {
                case .reply(let reply): udp.send(reply)
                case .accept(let accepted): connection = accepted
                case .drop: break
                }
            }
        }
        let ours = try #require(connection, "no connection: \(listener.map { "\($0.cookiesRejected) rejected, \($0.dropped) dropped" } ?? "")")
        #expect(received == ["pong"], "\(ours.state)")
        ours.close()
        _ = drain()
        nss.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(nss.terminationStatus == 0, "nss-peer: \(text)")
        let exporter = text.split(separator: "\n").first { $0.hasPrefix("exporter=") }.map { String($0.dropFirst(9)) }
        let keys = try ours.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: 60)
        #expect(exporter == keys.map { String(format: "%02x", $0) }.joined(), "equal exported keying material")
        let keyLog = (try? String(contentsOfFile: keyLogPath, encoding: .utf8)) ?? ""
        return Outcome(connection: ours, nssOutput: text, nssKeyLog: keyLog, retransmissions: retransmissions, listener: listener)
    }

    /// Every line of ours is one NSS wrote for the same connection.
    func expectKeyLogMatches(_ outcome: Outcome, lines expected: Int) {
        let ours = outcome.connection.keyLogLines
        #expect(ours.count == expected)
        let theirs = Set(outcome.nssKeyLog.split(separator: "\n").map(String.init))
        for line in ours { #expect(theirs.contains(line), "NSS's key log lacks \(line.prefix(40))...; it has \(theirs.map { $0.prefix(32) })") }
    }

    @Test func ourListenerServesNSSOverDTLS13WithAStatelessCookie() throws {
        let outcome = try run(ours: .server, nssVersions: "1.3")
        #expect(outcome.connection.connectionInfo?.version == .dtls13)
        #expect(outcome.nssOutput.contains("connected version=0304"), "\(outcome.nssOutput)")
        // NSS sends only an X25519MLKEM768 share: the listener's HelloRetryRequest asks for X25519, with its cookie.
        #expect(outcome.listener?.helloRetryRequestsSent == 1 && outcome.listener?.cookiesRejected == 0)
        #expect(outcome.retransmissions == 0)
        expectKeyLogMatches(outcome, lines: 5)
    }

    @Test func ourListenerServesNSSOverDTLS12BesideIt() throws {
        let outcome = try run(ours: .server, nssVersions: "1.2")
        #expect(outcome.connection.connectionInfo?.version == .dtls12)
        #expect(outcome.nssOutput.contains("connected version=0303"), "\(outcome.nssOutput)")
        #expect(outcome.listener?.helloVerifyRequestsSent == 1)
        #expect(outcome.retransmissions == 0)
        expectKeyLogMatches(outcome, lines: 1)
    }

    @Test func ourTwoVersionClientGetsDTLS13FromNSS() throws {
        let outcome = try run(ours: .client, nssVersions: "1.3,1.2")
        #expect(outcome.connection.connectionInfo?.version == .dtls13)
        #expect(outcome.retransmissions == 0)
        expectKeyLogMatches(outcome, lines: 5)
    }

    @Test func ourTwoVersionClientFallsBackToDTLS12WithA12OnlyNSS() throws {
        let outcome = try run(ours: .client, nssVersions: "1.2")
        #expect(outcome.connection.connectionInfo?.version == .dtls12)
        #expect(outcome.nssOutput.contains("connected version=0303"), "\(outcome.nssOutput)")
        #expect(outcome.retransmissions == 0)
        expectKeyLogMatches(outcome, lines: 1)
    }
}
