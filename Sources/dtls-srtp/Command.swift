import ArgumentParser
import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import Foundation
import NIOCore
import NIOPosix

@main
struct DTLSSRTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dtls-srtp",
        abstract: "DTLS-SRTP over real UDP: demo, SFU-style echo server, client, fingerprints.",
        subcommands: [Demo.self, Server.self, Client.self, FingerprintCommand.self, VectorsCommand.self, BenchCommand.self,
                      BrowserDemo.self])
}

/// Runs a command body and turns a `CLIError` into one line and exit 1.
func runReporting(_ body: () async throws -> Int32) async throws {
    let code: Int32
    do {
        code = try await body()
    } catch let error as CLIError {
        eprint("error: \(error.description)")
        throw ExitCode(1)
    } catch let error as ExitCode {
        throw error
    } catch let error as IOError {
        eprint("error: \(error.description)")
        throw ExitCode(1)
    } catch {
        eprint("error: \(error)")
        throw ExitCode(1)
    }
    if code != 0 { throw ExitCode(code) }
}

/// Our certificate and what we offer: shared by every command that runs DTLS.
struct CertificateOptions: ParsableArguments {
    @Option(help: "Certificate (PEM). Without --cert/--key a self-signed ECDSA P-256 certificate is generated.")
    var cert: String?
    @Option(help: "Private key (PEM) of --cert.")
    var key: String?
    @Option(help: "Cipher suites in preference order, comma or colon separated; IANA or OpenSSL names.")
    var cipherSuites: String?
    @Option(help: "SRTP profiles in preference order; RFC 5764/7714 or OpenSSL names.")
    var srtpProfiles: String?
    @Option(help: "DTLS versions, preferred first: 1.3,1.2 (default: a client offers both in one ClientHello, a server speaks each client's best), 1.3 or 1.2 alone.")
    var dtlsVersions: String = "1.3,1.2"
    @Option(help: "Key-exchange groups in preference order, comma separated: X25519MLKEM768 (DTLS 1.3), SecP256r1MLKEM768 (1.3), X25519, P-256, P-384 (default: X25519MLKEM768,X25519,P-256,P-384).")
    var groups: String?
}

struct IdentityOptions: ParsableArguments {
    @OptionGroup var local: CertificateOptions
    var cert: String? { local.cert }
    var key: String? { local.key }
    var cipherSuites: String? { local.cipherSuites }
    var srtpProfiles: String? { local.srtpProfiles }
    @Option(help: "Expected peer certificate fingerprint, e.g. \"sha-256 AB:CD:...\" (repeatable). Without it any certificate is accepted and its fingerprint printed.")
    var peerFingerprint: [String] = []
    @Option(help: "Append NSS key log lines (CLIENT_RANDOM for DTLS 1.2, the *_TRAFFIC_SECRET lines for 1.3) to this file, for Wireshark.")
    var keylog: String?

    func configuration(role: DTLSConnection.Role, requireClientCertificate: Bool = true) throws(CLIError) -> DTLSConfiguration {
        let (identity, generated) = try loadIdentity(cert: cert, key: key)
        if generated { eprint("local-fingerprint: \(identity.fingerprint()) (generated self-signed ECDSA P-256)") }
        else { eprint("local-fingerprint: \(identity.fingerprint())") }
        var config = try makeConfiguration(identity: identity, role: role, suites: try parseSuites(cipherSuites),
                                           profiles: try parseProfiles(srtpProfiles),
                                           peerFingerprints: try parseFingerprints(peerFingerprint),
                                           requireClientCertificate: requireClientCertificate)
        config.versions = try parseVersions(local.dtlsVersions)
        if let groups = local.groups { config.groups = try parseGroups(groups) }
        return config
    }
}

// MARK: - fingerprint

struct FingerprintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint", abstract: "Print a certificate's SDP fingerprint (sha-256 AB:CD:...).")

    @Argument(help: "Certificate file (PEM).")
    var certificate: String

    func run() async throws {
        try await runReporting {
            let pem: String
            do { pem = try String(contentsOfFile: certificate, encoding: .utf8) } catch {
                throw CLIError("cannot read certificate '\(certificate)': \(error.localizedDescription)")
            }
            do {
                print(Fingerprint(certificate: try Certificate(pemEncoded: pem)).description)
            } catch {
                throw CLIError("cannot parse certificate '\(certificate)': \(error)")
            }
            return 0
        }
    }
}

// MARK: - server

struct Server: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve many DTLS-SRTP peers on one UDP socket (stateless cookies, limits, idle timeout).")

    @Option(help: "Address to listen on, HOST:PORT (port 0: pick one and print it).")
    var listen: String
    @OptionGroup var identity: IdentityOptions
    @Flag(help: "Do not ask clients for a certificate.")
    var noClientAuth = false
    @Flag(help: "Send application data back prefixed with 'Echo: ' and forward SRTP/SRTCP back re-protected.")
    var echo = false
    @Flag(help: "Exit after the first peer's connection ends (exit code 1 if it failed).")
    var once = false
    @Option(help: "Handshakes in flight at most.")
    var maxHandshakes: Int = 64
    @Option(help: "Established peers at most.")
    var maxPeers: Int = 1024
    @Option(help: "Close a peer after this many seconds without a datagram.")
    var idleTimeout: Double = 30

    func run() async throws {
        try await runReporting {
            let (host, port) = try parseAddress(listen)
            guard maxHandshakes > 0, maxPeers > 0, idleTimeout > 0 else {
                throw CLIError("--max-handshakes, --max-peers and --idle-timeout must be positive")
            }
            let dtls = try identity.configuration(role: .server, requireClientCertificate: !noClientAuth)
            let fingerprints = try parseFingerprints(identity.peerFingerprint)
            var config = EndpointConfiguration(role: .server, certificate: dtls.certificate, privateKey: dtls.privateKey,
                                               remoteFingerprints: fingerprints)
            config.dtls = dtls
            config.acceptsAnyCertificate = fingerprints.isEmpty
            var limits = DTLSSRTPServerLimits()
            limits.maxHandshakesInFlight = maxHandshakes
            limits.maxPeers = maxPeers
            limits.idleTimeout = .nanoseconds(Int64(idleTimeout * 1e9))
            let behaviour = ServerBehaviour(echo: echo, keyLog: identity.keylog.map { KeyLog(path: $0) })
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let loop = group.next()
            let firstEnded = loop.makePromise(of: PeerOutcome.self)
            let once = self.once
            let channel: any Channel
            do {
                channel = try await DTLSSRTPServerHandler.bind(on: loop, host: host, port: port, configuration: config,
                                                               limits: limits) {
                    CoreServerDelegate(behaviour: behaviour, firstPeerEnded: once ? firstEnded : nil)
                }
            } catch {
                try? await group.shutdownGracefully()
                throw CLIError("cannot listen on \(listen): \(error)")
            }
            eprint("listening: \(channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? listen)")
            if once {
                let outcome = try await firstEnded.futureResult.get()
                try? await channel.close()
                try? await group.shutdownGracefully()
                return outcome.error == nil ? 0 : 1
            }
            try await channel.closeFuture.get()
            return 0
        }
    }
}

// MARK: - client

struct Client: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect, send each line of standard input as application data, print what comes back.")

    @Option(help: "Server address, HOST:PORT.")
    var connect: String
    @OptionGroup var identity: IdentityOptions
    @Option(help: "After the handshake, send this many RTP packets (and some RTCP) and count the echoes (for an --echo server).")
    var rtp: Int = 0
    @Option(help: "Seconds to wait for the --rtp echoes (default: 10 plus 1 per 500 packets).")
    var mediaTimeout: Double?
    @Option(help: "SFU mode: send the --rtp packets one per 10 ms under --ssrc and wait for this many intact RTP packets from other senders (a forwarding server's other peers); exit non-zero if fewer come.")
    var expectForwarded: Int = 0
    @Option(help: "The SSRC of the packets sent in SFU mode (default: random).")
    var ssrc: UInt32?
    @Option(help: "Milliseconds to wait for replies after the end of input, before close_notify.")
    var waitMs: Int = 300
    @Option(help: "Seconds the handshake may take.")
    var handshakeTimeout: Double = 10

    func run() async throws {
        try await runReporting {
            let remote = try resolve(connect)
            var dtls = try identity.configuration(role: .client)
            dtls.handshakeTimeout = .nanoseconds(Int64(handshakeTimeout * 1e9))
            let fingerprints = try parseFingerprints(identity.peerFingerprint)
            var config = EndpointConfiguration(role: .client, certificate: dtls.certificate, privateKey: dtls.privateKey,
                                               remoteFingerprints: fingerprints)
            config.dtls = dtls
            config.acceptsAnyCertificate = fingerprints.isEmpty
            let keyLog = identity.keylog.map { KeyLog(path: $0) }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let loop = group.next()
            let connected = loop.makePromise(of: Void.self)
            let ended = loop.makePromise(of: PeerOutcome.self)
            let mediaDone = loop.makePromise(of: MediaSummary.self)
            let rtpCount = rtp, expectForwarded = expectForwarded, ssrc = ssrc ?? UInt32.random(in: 1...UInt32.max)
            var mediaIncomplete = false
            let channel = try await DTLSSRTPClientHandler.connect(on: loop, to: remote, configuration: config) {
                ClientDelegate(keyLog: keyLog, connected: connected, ended: ended,
                               media: rtpCount > 0 && expectForwarded == 0 ? MediaPump(total: rtpCount) : nil,
                               forward: expectForwarded > 0 ? ForwardPump(total: rtpCount, expected: expectForwarded, ssrc: ssrc) : nil,
                               mediaDone: mediaDone)
            }
            func withClient<T: Sendable>(_ body: @escaping @Sendable (DTLSSRTPClientHandler) throws -> T) async throws -> T {
                try await channel.eventLoop.submit {
                    try body(try channel.pipeline.syncOperations.handler(type: DTLSSRTPClientHandler.self))
                }.get()
            }
            do {
                try await connected.futureResult.get()
            } catch {
                let outcome = try? await ended.futureResult.get()
                throw CLIError(outcome?.error.map(describe) ?? "handshake failed: \(error)")
            }
            if rtpCount > 0 || expectForwarded > 0 {
                let wait = mediaTimeout ?? Double(10 + rtpCount / 500)
                let timeout = loop.scheduleTask(in: .nanoseconds(Int64(max(0.1, wait) * 1e9))) {
                    mediaDone.succeed(MediaSummary(line: expectForwarded > 0 ? "rtp-forwarded: timeout" : "rtp-echoed: timeout",
                                                   complete: false))
                }
                let summary = try await mediaDone.futureResult.get()
                timeout.cancel()
                eprint(summary.line)
                // Whenever the summary says something is missing, the exit
                // code says so too: scripts and CI read the code, not the line.
                mediaIncomplete = !summary.complete
            }
            while let line = readLine(strippingNewline: false) {
                let bytes = Array(line.utf8)
                let ok = try await withClient { client -> Bool in
                    guard !client.isFinished else { return false }
                    try client.send(bytes)
                    return true
                }
                if !ok { break }
            }
            try await Task.sleep(for: .milliseconds(max(0, waitMs)))
            try await withClient { $0.close() }
            let outcome = try await ended.futureResult.get()
            try? await channel.close()
            try? await group.shutdownGracefully()
            if let error = outcome.error { throw CLIError("connection ended: \(error)") }
            if mediaIncomplete {
                throw CLIError(expectForwarded > 0 ? "fewer forwarded RTP packets than expected" : "not every RTP/RTCP packet came back")
            }
            return 0
        }
    }
}

/// The client's media result: its contract line and whether every packet
/// sent came back intact.
struct MediaSummary {
    var line: String
    var complete: Bool
}

final class ClientDelegate: DTLSSRTPClientDelegate {
    let keyLog: KeyLog?
    let connected: EventLoopPromise<Void>
    let ended: EventLoopPromise<PeerOutcome>
    let media: MediaPump?
    let forward: ForwardPump?
    let mediaDone: EventLoopPromise<MediaSummary>
    private var info: EndpointConnectionInfo?

    init(keyLog: KeyLog?, connected: EventLoopPromise<Void>, ended: EventLoopPromise<PeerOutcome>, media: MediaPump?,
         forward: ForwardPump? = nil, mediaDone: EventLoopPromise<MediaSummary>) {
        self.keyLog = keyLog
        self.connected = connected
        self.ended = ended
        self.media = media
        self.forward = forward
        self.mediaDone = mediaDone
    }

    func clientConnected(_ client: DTLSSRTPClientHandler, info: EndpointConnectionInfo) {
        self.info = info
        for line in handshakeLines(info, endpoint: client.endpoint) { eprint(line) }
        if let keyLog { for line in client.endpoint.keyLogLines { keyLog.append(line) } }
        if let media {
            let done = mediaDone
            media.onDone = { [unowned media] in
                done.succeed(MediaSummary(line: "rtp-echoed: \(media.rtpOK)/\(media.total) rtcp-echoed: \(media.rtcpOK)/\(media.rtcpSent)",
                                          complete: media.rtpOK == media.total && media.rtcpOK == media.rtcpSent))
            }
            media.start(client)
        }
        if let forward, let loop = client.eventLoop {
            let done = mediaDone
            forward.onDone = { [unowned forward] in done.succeed(MediaSummary(line: forward.summary, complete: forward.isComplete)) }
            forward.start(client, on: loop)
        }
        connected.succeed(())
    }

    func client(_ client: DTLSSRTPClientHandler, receivedApplicationData data: [UInt8]) {
        FileHandle.standardOutput.write(Data(data))
    }

    func client(_ client: DTLSSRTPClientHandler, receivedRTP packet: [UInt8]) {
        media?.received(rtp: packet, from: client)
        forward?.received(rtp: packet)
    }
    func client(_ client: DTLSSRTPClientHandler, receivedRTCP packet: [UInt8]) { media?.received(rtcp: packet) }

    func clientClosed(_ client: DTLSSRTPClientHandler, error: EndpointError?, counters: EndpointCounters) {
        let outcome = PeerOutcome(client: client, info: info, error: error, counters: counters)
        if info != nil || error == nil { eprint("peer-stats: \(outcome.stats.line)") }
        connected.fail(outcome.error ?? DTLSError(.closed, alert: nil, "closed before connecting"))
        if let forward {
            forward.stop()
            mediaDone.succeed(MediaSummary(line: forward.summary + " (peer closed)", complete: forward.isComplete))
        }
        let echoed = media?.rtpOK ?? 0, total = media?.total ?? 0
        mediaDone.succeed(MediaSummary(line: "rtp-echoed: \(echoed)/\(total) (peer closed)", complete: echoed == total))
        ended.succeed(outcome)
        if info != nil, error == nil, !client.isClosing {
            // The server closed first: nothing more will come; end like at
            // end of input, but not with success when media is missing.
            let echoComplete = media.map { $0.rtpOK == $0.total && $0.rtcpOK == $0.rtcpSent } ?? true
            if !(forward?.isComplete ?? true) || !echoComplete {
                eprint("error: the server closed before every media packet came")
                exit(1)
            }
            exit(0)
        }
    }
}
