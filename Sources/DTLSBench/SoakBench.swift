import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import Foundation
import NIOCore
import NIOPosix

/// A soak of the shipped server: `dtls-srtp server --echo` in its own
/// process, and `peers` clients in this one that each connect (full DTLS
/// handshake with mutual authentication), exchange SRTP and SRTCP with the
/// echo, close, and are replaced by a new client, for `seconds`. The
/// server's RSS is sampled from /proc every few seconds. A session fails
/// when its handshake fails, an echo is missing or wrong, or it does not
/// finish within 15 s.
enum SoakBench {
    /// Counts shared between the client loop and the reporting thread.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var _completed = 0, _failedHandshakes = 0, _srtpFailures = 0, _timeouts = 0, _running = 0
        func update(_ body: (inout Int, inout Int, inout Int, inout Int, inout Int) -> Void) {
            lock.lock(); body(&_completed, &_failedHandshakes, &_srtpFailures, &_timeouts, &_running); lock.unlock()
        }
        var snapshot: (completed: Int, failedHandshakes: Int, srtpFailures: Int, timeouts: Int, running: Int) {
            lock.lock(); defer { lock.unlock() }
            return (_completed, _failedHandshakes, _srtpFailures, _timeouts, _running)
        }
    }

    static let packetsPerSession = 20

    static func rtp(_ i: Int, ssrc: UInt32) -> [UInt8] {
        var p: [UInt8] = [0x80, 111, 0, UInt8(i), 0, 0, 0, UInt8(i),
                          UInt8(ssrc >> 24), UInt8(truncatingIfNeeded: ssrc >> 16), UInt8(truncatingIfNeeded: ssrc >> 8), UInt8(truncatingIfNeeded: ssrc)]
        p += [UInt8](repeating: UInt8(i), count: 200)
        return p
    }

    /// One client's life: connect, media both ways, close.
    final class Session: DTLSSRTPClientDelegate, @unchecked Sendable {
        let tally: Tally
        let onEnd: @Sendable () -> Void
        var echoed = 0, bad = 0, connected = false, ended = false
        /// Its socket, closed when the session ends.
        var channel: (any Channel)?
        let ssrc = UInt32.random(in: 1...UInt32.max)
        init(tally: Tally, onEnd: @escaping @Sendable () -> Void) { self.tally = tally; self.onEnd = onEnd }

        func clientConnected(_ client: DTLSSRTPClientHandler, info: EndpointConnectionInfo) {
            connected = true
            for i in 0..<packetsPerSession { try? client.sendRTP(rtp(i, ssrc: ssrc)) }
        }

        func client(_ client: DTLSSRTPClientHandler, receivedRTP packet: [UInt8]) {
            let i = packet.count > 3 ? Int(packet[3]) : -1
            if i >= 0, i < packetsPerSession, packet == rtp(i, ssrc: ssrc) { echoed += 1 } else { bad += 1 }
            if echoed == packetsPerSession { client.close() }
        }

        func clientClosed(_ client: DTLSSRTPClientHandler, error: EndpointError?, counters: EndpointCounters) {
            guard !ended else { return }
            ended = true
            let ok = connected && echoed == packetsPerSession && bad == 0 && counters.authenticationFailures == 0
            tally.update { completed, failedHandshakes, srtpFailures, _, running in
                running -= 1
                if ok { completed += 1 } else if !connected { failedHandshakes += 1 } else { srtpFailures += 1 }
            }
            channel?.close(promise: nil)
            onEnd()
        }

        /// Gives up on a session that has not ended in time: a handshake that
        /// never completed is a failed handshake; a connected one that lacks
        /// echoes lost media (UDP, nothing retransmits SRTP).
        func timedOut(_ client: DTLSSRTPClientHandler) {
            guard !ended else { return }
            ended = true
            tally.update { _, failedHandshakes, srtpFailures, timeouts, running in
                running -= 1
                if !connected { failedHandshakes += 1 } else if bad > 0 { srtpFailures += 1 } else { timeouts += 1 }
            }
            client.close()
            channel?.close(promise: nil)
            onEnd()
        }
    }

    /// The kernel's UDP receive-buffer overflows so far (/proc/net/snmp).
    static func udpReceiveBufferErrors() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/net/snmp", encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("Udp:") }
        guard lines.count >= 2 else { return nil }
        let names = lines[0].split(separator: " "), values = lines[1].split(separator: " ")
        guard let i = names.firstIndex(of: "RcvbufErrors"), i < values.count else { return nil }
        return Int(values[i])
    }

    static func rss(of pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }

    static func run(seconds: Double, peers: Int) -> Int32 {
        // The server, as shipped, in its own process.
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dtls-srtp").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            print("soak: no \(binary) (swift build -c release builds it)")
            return 2
        }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["server", "--listen", "127.0.0.1:0", "--echo", "--no-client-auth",
                            "--max-peers", String(peers * 2), "--max-handshakes", String(max(64, peers / 2)), "--idle-timeout", "20"]
        let stderr = Pipe()
        server.standardError = stderr
        server.standardOutput = FileHandle.nullDevice
        try! server.run()
        defer { server.terminate(); server.waitUntilExit() }
        var port = 0
        var seen = ""
        let deadline = Date().addingTimeInterval(10)
        while port == 0, Date() < deadline {
            let chunk = stderr.fileHandleForReading.availableData
            seen += String(decoding: chunk, as: UTF8.self)
            if let line = seen.split(separator: "\n").first(where: { $0.hasPrefix("listening: ") }),
               let p = line.split(separator: ":").last.flatMap({ Int($0) }) { port = p }
        }
        guard port > 0 else { print("soak: the server did not start: \(seen)"); return 2 }
        // Keep reading the server's stderr (contract lines) so it never blocks.
        let drain = Thread { while !stderr.fileHandleForReading.availableData.isEmpty {} }
        drain.start()

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let remote = try! SocketAddress(ipAddress: "127.0.0.1", port: port)
        let key = try! PrivateKey.generateECDSA(.p256)
        var config = EndpointConfiguration(role: .client, certificate: try! Certificate.selfSigned(privateKey: key),
                                           privateKey: key, remoteFingerprints: [])
        config.acceptsAnyCertificate = true
        config.dtls.srtpProfiles = [.aeadAes128Gcm]
        config.dtls.initialRetransmitTimeout = .milliseconds(250)
        let clientConfig = config
        let tally = Tally()
        let stopAt = Date().addingTimeInterval(seconds)

        @Sendable func startSession() {
            guard Date() < stopAt else { return }
            tally.update { _, _, _, _, running in running += 1 }
            let session = Session(tally: tally) { loop.execute { startSession() } }
            let connected = DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            try DTLSSRTPClientHandler(configuration: clientConfig, remote: remote, delegate: session))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
            connected.whenSuccess { channel in
                session.channel = channel
                if session.ended { channel.close(promise: nil) }
                let bound = NIOLoopBound(channel, eventLoop: loop)
                loop.scheduleTask(in: .seconds(15)) {
                    if let handler = try? bound.value.pipeline.syncOperations.handler(type: DTLSSRTPClientHandler.self) {
                        session.timedOut(handler)
                    }
                }
            }
            connected.whenFailure { _ in
                tally.update { _, failedHandshakes, _, _, running in running -= 1; failedHandshakes += 1 }
                loop.execute { startSession() }
            }
        }
        loop.execute { for _ in 0..<peers { startSession() } }

        var samples: [(Double, Int)] = []
        let started = Date()
        let drops0 = udpReceiveBufferErrors() ?? 0
        while Date() < stopAt {
            Thread.sleep(forTimeInterval: min(5, max(0.5, seconds / 20)))
            let t = Date().timeIntervalSince(started)
            let kb = rss(of: server.processIdentifier) ?? 0
            samples.append((t, kb))
            let s = tally.snapshot
            print(String(format: "soak %6.1f s: sessions %d, running %d, failed handshakes %d, SRTP failures %d, media lost %d, server RSS %d KB",
                         t, s.completed, s.running, s.failedHandshakes, s.srtpFailures, s.timeouts, kb))
        }
        // Let the last sessions finish.
        let drainUntil = Date().addingTimeInterval(16)
        while tally.snapshot.running > 0, Date() < drainUntil { Thread.sleep(forTimeInterval: 0.2) }
        let s = tally.snapshot
        let warm = samples.filter { $0.0 >= seconds * 0.25 }.map(\.1)
        let rssLine = warm.isEmpty ? "no samples after warm-up"
            : "server RSS after warm-up: min \(warm.min()!) KB, max \(warm.max()!) KB, first \(warm.first!) KB, last \(warm.last!) KB"
        let drops = (udpReceiveBufferErrors() ?? 0) - drops0
        print("soak: \(Int(seconds)) s, \(peers) concurrent peers: \(s.completed) sessions completed (\(String(format: "%.0f", Double(s.completed) / seconds))/s), "
              + "\(s.failedHandshakes) failed handshakes, \(s.srtpFailures) SRTP failures, \(s.timeouts) sessions with media lost in UDP "
              + "(the kernel counted \(drops) UDP receive-buffer overflows meanwhile); \(rssLine)")
        // Lost UDP is the network's; failed handshakes and bad SRTP are ours.
        return s.failedHandshakes + s.srtpFailures == 0 && s.completed > 0 ? 0 : 1
    }
}
