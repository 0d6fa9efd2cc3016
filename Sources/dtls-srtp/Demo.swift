import ArgumentParser
import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import Foundation
import NIOCore
import NIOPosix

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Two endpoints on 127.0.0.1 over real UDP: handshake, SRTP/SRTCP both ways, close_notify.")

    @Option(help: "RTP packets the client sends (each is forwarded back by the server).")
    var packets: Int = 1000
    @Option(help: "Cipher suite (IANA or OpenSSL name). RSA suites use generated RSA-2048 certificates.")
    var cipherSuite: String?
    @Option(help: "SRTP profile (RFC or OpenSSL name).")
    var srtpProfile: String?

    func run() async throws {
        try await runReporting { try await demo() }
    }

    private func demo() async throws -> Int32 {
        guard (0...1_000_000).contains(packets) else { throw CLIError("--packets must be in 0...1000000") }
        let suites = try parseSuites(cipherSuite)
        let profiles = try parseProfiles(srtpProfile)
        let rsa = suites.map { $0[0].authentication == .rsa } ?? false
        let started = ContinuousClock.now
        let (serverID, _) = try loadIdentity(cert: nil, key: nil, rsa: rsa)
        let (clientID, _) = try loadIdentity(cert: nil, key: nil, rsa: rsa)
        let serverConfig = try makeConfiguration(identity: serverID, role: .server, suites: suites, profiles: profiles, peerFingerprints: [clientID.fingerprint()])
        let clientConfig = try makeConfiguration(identity: clientID, role: .client, suites: suites, profiles: profiles, peerFingerprints: [serverID.fingerprint()])
        print("dtls-srtp demo: \(rsa ? "RSA-2048" : "ECDSA P-256") certificates generated in \(ms(started.duration(to: .now)))")

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let serverEnded = loop.makePromise(of: PeerOutcome.self)
        let clientEnded = loop.makePromise(of: PeerOutcome.self)
        let report = loop.makePromise(of: DemoReport.self)
        let result: Result<Int32, any Error>
        do {
            result = .success(try await exchange(group: group, loop: loop, serverConfig: serverConfig, clientConfig: clientConfig,
                                                 serverID: serverID, clientID: clientID, started: started,
                                                 serverEnded: serverEnded, clientEnded: clientEnded, report: report))
        } catch {
            result = .failure(error)
        }
        // No promise outlives the run, whatever path it took.
        let gone = CLIError("demo ended")
        serverEnded.fail(gone); clientEnded.fail(gone); report.fail(gone)
        try? await group.shutdownGracefully()
        return try result.get()
    }

    private func exchange(group: MultiThreadedEventLoopGroup, loop: any EventLoop, serverConfig: DTLSConfiguration,
                          clientConfig: DTLSConfiguration, serverID: Identity, clientID: Identity,
                          started: ContinuousClock.Instant, serverEnded: EventLoopPromise<PeerOutcome>,
                          clientEnded: EventLoopPromise<PeerOutcome>, report: EventLoopPromise<DemoReport>) async throws -> Int32 {
        var endpointConfig = EndpointConfiguration(role: .server, certificate: serverConfig.certificate,
                                                   privateKey: serverConfig.privateKey, remoteFingerprints: [clientID.fingerprint()])
        endpointConfig.dtls = serverConfig
        let server = try await DTLSSRTPServerHandler.bind(on: loop, host: "127.0.0.1", port: 0, configuration: endpointConfig) {
            CoreServerDelegate(behaviour: ServerBehaviour(echo: true, printContract: false), firstPeerEnded: serverEnded)
        }
        guard let serverAddress = server.localAddress else { throw CLIError("server socket has no address") }
        let total = packets
        var clientEndpointConfig = EndpointConfiguration(role: .client, certificate: clientConfig.certificate,
                                                         privateKey: clientConfig.privateKey, remoteFingerprints: [serverID.fingerprint()])
        clientEndpointConfig.dtls = clientConfig
        let client = try await DTLSSRTPClientHandler.connect(on: loop, to: serverAddress, configuration: clientEndpointConfig) {
            DemoClient(pump: MediaPump(total: total), ended: clientEnded, report: report)
        }
        print("server \(serverAddress.ipAddress ?? "?"):\(serverAddress.port ?? 0)  client \(client.localAddress?.port.map { "127.0.0.1:\($0)" } ?? "?")  (UDP, one socket each)")

        // Bounded in time: a stalled run reports what it has.
        let budget = TimeAmount.seconds(20 + Int64(total / 200))
        let watchdog = loop.scheduleTask(in: budget) {
            clientEnded.fail(CLIError("timed out after \(budget.nanoseconds / 1_000_000_000) s"))
        }
        let clientOutcome: PeerOutcome
        do {
            clientOutcome = try await clientEnded.futureResult.get()
        } catch {
            let partial = try? await client.eventLoop.submit {
                (try client.pipeline.syncOperations.handler(type: DTLSSRTPClientHandler.self)).endpoint.counters
            }.get()
            print("client: \(error)")
            if let partial { print("client stats at timeout: \(partial.line)") }
            print("result: FAILED")
            return 1
        }
        let serverOutcome = try await serverEnded.futureResult.get()
        watchdog.cancel()
        let r = try await report.futureResult.get()
        try? await client.close()
        try? await server.close()

        let kmEqual = clientOutcome.keyingMaterialHex != nil && clientOutcome.keyingMaterialHex == serverOutcome.keyingMaterialHex
        let fpOK = clientOutcome.peerFingerprint == serverID.fingerprint().description
            && serverOutcome.peerFingerprint == clientID.fingerprint().description
        let s = serverOutcome.stats, c = clientOutcome.stats
        let rtpFailed = total - r.rtpOK
        let rtcpFailed = r.rtcpSent - r.rtcpOK
        print("cipher-suite:           \(clientOutcome.cipherSuite ?? "none")")
        print("srtp-profile:           \(clientOutcome.srtpProfile ?? "none")")
        print("extended-master-secret: \(clientOutcome.extendedMasterSecret ? "yes" : "no")")
        print("server fingerprint:     \(serverID.fingerprint())")
        print("client fingerprint:     \(clientID.fingerprint())")
        print("fingerprints verified:  \(fpOK ? "yes, both directions" : "NO")")
        print("keying material:        \(kmEqual ? "identical on both sides" : "DIFFERENT") (\((clientOutcome.keyingMaterialHex?.count ?? 0) / 2) bytes, EXTRACTOR-dtls_srtp)")
        print("handshake time:         \(clientOutcome.handshakeTime.map(ms) ?? "?") (client), \(serverOutcome.handshakeTime.map(ms) ?? "?") (server, from verified cookie)")
        print("application data:       \(r.appEchoOK ? "sent and echoed intact" : "ECHO MISSING OR CORRUPT")")
        print("rtp  client->server:    sent \(c.rtpOut), server received \(s.rtpIn)")
        print("rtp  server->client:    sent \(s.rtpOut), client received \(c.rtpIn) (\(r.rtpOK) intact, \(rtpFailed) failed)")
        print("rtcp client->server:    sent \(c.rtcpOut), server received \(s.rtcpIn)")
        print("rtcp server->client:    sent \(s.rtcpOut), client received \(c.rtcpIn) (\(r.rtcpOK) intact, \(rtcpFailed) failed)")
        print("srtp auth failures:     \(s.authenticationFailures + c.authenticationFailures), replays: \(s.replays + c.replays)")
        if let media = r.mediaTime {
            let seconds = Double(media.components.seconds) + Double(media.components.attoseconds) / 1e18
            let rate = seconds > 0 ? Int(Double(2 * total) / seconds) : 0
            print("media time:             \(ms(media)) (\(rate) SRTP packets/s through both endpoints)")
        }
        print("close_notify:           sent by client, \(serverOutcome.error == nil ? "received by server" : "SERVER SAW: \(serverOutcome.error!)")")
        print("server peer-stats: \(s.line)")
        print("client peer-stats: \(c.line)")
        let ok = kmEqual && fpOK && r.appEchoOK && rtpFailed == 0 && rtcpFailed == 0 && r.rtcpSent > 0 || (total == 0 && kmEqual && fpOK && r.appEchoOK)
        let intact = ok && s.rtpIn == total && c.rtpIn == total && s.authenticationFailures + c.authenticationFailures == 0
            && serverOutcome.error == nil && clientOutcome.error == nil
        print("result: \(intact ? "OK" : "FAILED") (total \(ms(started.duration(to: .now))))")
        return intact ? 0 : 1
    }
}

func ms(_ d: Duration) -> String {
    let v = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    return String(format: "%.1f ms", v)
}

struct DemoReport: Sendable {
    var rtpOK = 0
    var rtcpSent = 0
    var rtcpOK = 0
    var appEchoOK = false
    var mediaTime: Duration?
}

/// The demo's client: app data, then the media pump, then close_notify.
final class DemoClient: DTLSSRTPClientDelegate {
    let pump: MediaPump
    let ended: EventLoopPromise<PeerOutcome>
    let report: EventLoopPromise<DemoReport>
    static let greeting = Array("hello over DTLS\n".utf8)
    var appEchoOK = false
    var mediaDone = false
    private var info: EndpointConnectionInfo?

    init(pump: MediaPump, ended: EventLoopPromise<PeerOutcome>, report: EventLoopPromise<DemoReport>) {
        self.pump = pump
        self.ended = ended
        self.report = report
    }

    func clientConnected(_ client: DTLSSRTPClientHandler, info: EndpointConnectionInfo) {
        self.info = info
        print("handshake complete: \(info.dtls.cipherSuite.ianaName), \(info.srtpProfile.rfcName)")
        try? client.send(Self.greeting)
        pump.onProgress = { n in print("  media: \(n)/\(self.pump.total) packets echoed") }
        pump.onDone = { [unowned self, unowned client] in
            self.mediaDone = true
            self.maybeClose(client)
        }
        pump.start(client)
    }

    func client(_ client: DTLSSRTPClientHandler, receivedApplicationData data: [UInt8]) {
        appEchoOK = data == Array("Echo: ".utf8) + Self.greeting
        maybeClose(client)
    }

    private func maybeClose(_ client: DTLSSRTPClientHandler) {
        guard mediaDone, appEchoOK, !client.isClosing else { return }
        client.close()
    }

    func client(_ client: DTLSSRTPClientHandler, receivedRTP packet: [UInt8]) { pump.received(rtp: packet, from: client) }
    func client(_ client: DTLSSRTPClientHandler, receivedRTCP packet: [UInt8]) { pump.received(rtcp: packet) }

    func clientClosed(_ client: DTLSSRTPClientHandler, error: EndpointError?, counters: EndpointCounters) {
        var r = DemoReport()
        r.rtpOK = pump.rtpOK
        r.rtcpSent = pump.rtcpSent
        r.rtcpOK = pump.rtcpOK
        r.appEchoOK = appEchoOK
        if let a = pump.startedAt, let b = pump.finishedAt { r.mediaTime = a.duration(to: b) }
        report.succeed(r)
        ended.succeed(PeerOutcome(client: client, info: info, error: error, counters: counters))
    }
}
