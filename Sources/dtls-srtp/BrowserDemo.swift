import ArgumentParser
import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import SRTP
import WebRTCLite

// MARK: - browser-demo

struct BrowserDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "browser-demo",
        abstract: "Serve a page whose camera and microphone are echoed back by an ICE-lite DTLS-SRTP server.")

    @Option(help: "HTTP address of the page and its offer/stats endpoints, HOST:PORT.")
    var http: String = "127.0.0.1:8080"
    @Option(help: "UDP address for media (the one host candidate), HOST:PORT; port 0 picks one.")
    var media: String = "127.0.0.1:0"
    @Option(help: "DTLS role answered to an a=setup:actpass offer: passive (DTLS server) or active (DTLS client).")
    var dtlsRole: String = "passive"
    @Option(help: "Seconds without an ICE check before a browser's session is dropped (consent freshness).")
    var consentTimeout: Double = 30
    @OptionGroup var local: CertificateOptions
    @Option(help: "Exit after this many seconds (default: run until killed).")
    var exitAfter: Double?

    func run() async throws {
        try await runReporting {
            let (httpHost, httpPort) = try parseAddress(http)
            let (mediaHost, mediaPort) = try parseAddress(media)
            let role: DTLSRole
            switch dtlsRole {
            case "passive", "server": role = .server
            case "active", "client": role = .client
            default: throw CLIError("--dtls-role must be passive or active")
            }
            guard consentTimeout > 0 else { throw CLIError("--consent-timeout must be positive") }
            let versions = try parseVersions(local.dtlsVersions)
            let groups = try local.groups.map(parseGroups)
            let (identity, _) = try loadIdentity(cert: local.cert, key: local.key)
            var dtls = try makeConfiguration(identity: identity, role: role == .server ? .server : .client, suites: try parseSuites(local.cipherSuites),
                                             profiles: try parseProfiles(local.srtpProfiles), peerFingerprints: [])
            dtls.versions = versions
            if let groups { dtls.groups = groups }
            eprint("local-fingerprint: \(identity.fingerprint())")
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let loop = group.next()
            let settings = BrowserDemoState.Settings(dtls: dtls, role: role,
                                                     consentTimeout: .nanoseconds(Int64(consentTimeout * 1e9)))
            let state = try await loop.submit { NIOLoopBound(BrowserDemoState(settings: settings), eventLoop: loop) }.get()

            // The media socket is the shipped UDP server, ICE in front:
            // every browser runs on its one Sans-IO core.
            var endpointConfig = EndpointConfiguration(role: .server, certificate: dtls.certificate, privateKey: dtls.privateKey,
                                                       remoteFingerprints: [])
            endpointConfig.dtls = dtls
            let handlerConfig = endpointConfig
            let udp: any Channel
            do {
                udp = try await DTLSSRTPServerHandler.bind(on: loop, host: mediaHost, port: mediaPort, configuration: handlerConfig,
                                                           admission: .allowedAddresses) { state.value }
            } catch {
                try? await group.shutdownGracefully()
                throw CLIError("cannot bind media socket \(media): \(error)")
            }
            guard let local = udp.localAddress, let ip = local.ipAddress, let port = local.port,
                  let candidate = TransportAddress(host: ip, port: UInt16(port)) else {
                throw CLIError("media socket has no usable local address")
            }
            try await loop.submit {
                state.value.media = try udp.pipeline.syncOperations.handler(type: DTLSSRTPServerHandler.self)
                state.value.eventLoop = loop
                state.value.candidate = candidate
            }.get()

            let server: any Channel
            do {
                server = try await ServerBootstrap(group: loop)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                            try channel.pipeline.syncOperations.addHandler(DemoHTTPHandler(state: state))
                        }
                    }
                    .bind(host: httpHost, port: httpPort).get()
            } catch {
                try? await udp.close()
                try? await group.shutdownGracefully()
                throw CLIError("cannot listen for HTTP on \(http): \(error)")
            }
            let httpBound = server.localAddress.map { "\($0.ipAddress ?? httpHost):\($0.port ?? httpPort)" } ?? http
            eprint("http: http://\(httpBound)/")
            eprint("media: \(candidate) (ICE-lite host candidate, a=setup answer for actpass: \(role == .server ? "passive" : "active"))")
            if let exitAfter {
                try await Task.sleep(for: .milliseconds(Int(exitAfter * 1000)))
                try await loop.submit { state.value.closeAll() }.get()
                try? await Task.sleep(for: .milliseconds(100))
            } else {
                try await server.closeFuture.get()
            }
            try? await server.close()
            try? await udp.close()
            try? await group.shutdownGracefully()
            return 0
        }
    }
}

// MARK: - State shared by the media socket and the HTTP server (one event loop)

final class BrowserDemoState: DTLSSRTPServerDelegate {
    struct Settings: @unchecked Sendable {
        var dtls: DTLSConfiguration
        var role: DTLSRole
        var consentTimeout: Duration
    }

    let settings: Settings
    /// The media socket's handler: the UDP server every session runs on.
    var media: DTLSSRTPServerHandler?
    var eventLoop: (any EventLoop)?
    var candidate: TransportAddress?
    private(set) var sessions: [EchoSession] = []
    private var byUfrag: [String: EchoSession] = [:]
    private var byAddress: [TransportAddress: EchoSession] = [:]
    /// Where each session's transport runs (the address its DTLS peer is at).
    private var transportAddress: [String: SocketAddress] = [:]
    private var lastCounters: [String: EndpointCounters] = [:]
    private var failures: [String: EndpointError] = [:]
    /// Consent deadlines of every session in one heap, one scheduled task
    /// (the transport's timers are the server core's own).
    private var timers = TimerQueue<String>()
    private var live: [String: EchoSession] = [:]
    private var wakeUp: Scheduled<Void>?
    private var wakeUpAt: DTLSInstant?
    private var browserFigures: [String: Any] = [:]
    private var logLines: [String: [String]] = [:]
    /// Each session's offer as the browser sent it (GET /status shows it, so
    /// a test can keep a real browser's offer as a fixture).
    private var offerTexts: [String: String] = [:]

    init(settings: Settings) { self.settings = settings }

    func log(_ session: EchoSession?, _ line: String) {
        // Milliseconds since the offer: time to connected is in the log.
        let prefix = session.map { s -> String in
            let (seconds, attoseconds) = s.createdAt.duration(to: .now).components
            return "session \(s.id) +\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms: "
        } ?? ""
        eprint(prefix + line)
        if let session { logLines[session.id, default: []].append(line) }
    }

    // MARK: Offer/answer

    enum OfferResult { case answer(id: String, sdp: String), refused(String) }

    func handleOffer(_ text: String) -> OfferResult {
        guard let candidate else { return .refused("media socket not ready") }
        let offer: WebRTCOffer
        do { offer = try WebRTCOffer(parsing: text) } catch { return .refused(error.description) }
        guard !offer.fingerprints.isEmpty else { return .refused("the offer has no a=fingerprint") }
        let credentials = ICECredentials.random()
        var options = AnswerOptions(credentials: credentials, fingerprint: Fingerprint(certificate: settings.dtls.certificate),
                                    candidate: candidate, sessionID: UInt64.random(in: 1...(UInt64.max >> 2)))
        options.preferredRole = settings.role
        let answer: EchoAnswer
        do { answer = try offer.echoAnswer(options) } catch { return .refused(error.description) }
        let id = String(sessions.count + 1)
        let session = EchoSession(id: id, offer: offer, answer: answer, credentials: credentials,
                                  consentTimeout: settings.consentTimeout, now: .now)
        sessions.append(session)
        live[id] = session
        offerTexts[id] = text
        byUfrag[credentials.ufrag] = session
        log(session, "offer: ice-ufrag \(offer.ice.ufrag), \(offer.fingerprints.map(\.description).joined(separator: ", ")), a=setup:\(offer.setup.rawValue), mids \(offer.bundle.joined(separator: " "))")
        for m in answer.media {
            let codecs = m.codecs.map { "\($0.name)/\($0.payloadType)" }.joined(separator: ",")
            let ssrcs = zip(m.remoteSSRCs, m.localSSRCs).map { "\($0)->\($1)" }.joined(separator: " ")
            log(session, "answer: mid \(m.mid) \(m.kind) \(m.accepted ? m.direction.rawValue : "rejected") \(codecs) ssrc \(ssrcs)")
        }
        log(session, "answer: a=setup:\(answer.setup.rawValue) (DTLS \(answer.role == .server ? "server" : "client")), ice-ufrag \(credentials.ufrag), candidate \(candidate)")
        rearm(session)
        return .answer(id: id, sdp: answer.text)
    }

    // MARK: What the server core passes up

    func server(_ handler: DTLSSRTPServerHandler, receivedSTUN datagram: ByteBuffer, from address: SocketAddress) {
        guard let source = Self.transportAddress(address) else { return }
        let bytes = Array(datagram.readableBytesView)
        let session: EchoSession?
        if let known = byAddress[source], !known.isEnded {
            session = known
        } else if let ufrag = ICELiteResponder.localUfrag(of: bytes) {
            session = byUfrag[ufrag]
        } else {
            session = nil
        }
        guard let session, !session.isEnded else { return }
        let reply = session.handleSTUN(bytes, from: source, now: .now)
        if let response = reply.response { handler.sendUnprotected(response, to: address) }
        for event in reply.events {
            switch event {
            case .iceValidated(let validated):
                byAddress[validated] = session
                log(session, "ice: check from \(validated) authenticated (USERNAME, MESSAGE-INTEGRITY, FINGERPRINT)")
                guard transportAddress[session.id] == nil else { break }
                transportAddress[session.id] = address
                if session.role == .server {
                    handler.allow(address, remoteFingerprints: session.remoteFingerprints)
                } else {
                    // a=setup:active: the DTLS client starts once a path is known.
                    do throws(EndpointError) {
                        try handler.connect(to: address, remoteFingerprints: session.remoteFingerprints)
                    } catch {
                        log(session, "failed: \(error)")
                        failures[session.id] = error
                        forget(session)
                    }
                }
            case .iceNominated(let nominated):
                log(session, "ice: nominated \(nominated) (USE-CANDIDATE)")
            }
        }
        rearm(session)
    }

    func server(_ handler: DTLSSRTPServerHandler, connected address: SocketAddress, info: EndpointConnectionInfo) {
        guard let session = session(at: address) else { return }
        session.connectionInfo = info
        log(session, "dtls: connected \(info.dtls.version) cipher-suite: \(info.dtls.cipherSuite.ianaName) srtp-profile: \(info.srtpProfile.rfcName) group: \(info.dtls.namedGroup) extended-master-secret: \(info.dtls.extendedMasterSecret ? "yes" : "no")")
        log(session, "dtls: browser certificate \(fingerprintOf(der: info.dtls.peerCertificate)) matches the offer's a=fingerprint \(info.remoteFingerprint)")
    }

    func server(_ handler: DTLSSRTPServerHandler, receivedRTP packet: consuming ByteBuffer, from address: SocketAddress) {
        guard let session = session(at: address) else { return }
        echo(packet, to: address, prepare: session.prepareRTPEcho, send: handler.sendRTP, sent: session.echoed, failed: session.protectFailed)
    }

    func server(_ handler: DTLSSRTPServerHandler, receivedRTCP packet: consuming ByteBuffer, from address: SocketAddress) {
        guard let session = session(at: address) else { return }
        echo(packet, to: address, prepare: session.prepareRTCPEcho, send: handler.sendRTCP, sent: session.echoed, failed: session.protectFailed)
    }

    /// Rewrites a decrypted packet in its own buffer and sends it back re-encrypted.
    private func echo<Echo>(_ packet: consuming ByteBuffer, to address: SocketAddress,
                            prepare: (inout MutableSpan<UInt8>, Int) -> Echo?,
                            send: (consuming ByteBuffer, SocketAddress) throws(EndpointError) -> Void,
                            sent: (Echo) -> Void, failed: () -> Void) {
        var echo = packet
        let length = echo.readableBytes
        guard let prepared = echo.withMutableBytes({ prepare(&$0, length) }) else { return }
        do throws(EndpointError) {
            try send(echo, address)
            sent(prepared)
        } catch {
            failed()
        }
    }

    func server(_ handler: DTLSSRTPServerHandler, closed address: SocketAddress, error: EndpointError?, counters: EndpointCounters) {
        guard let session = session(at: address) else { return }
        lastCounters[session.id] = counters
        if let error {
            failures[session.id] = error
            log(session, "failed: \(error)")
        } else {
            log(session, "closed")
        }
        forget(session)
    }

    private func session(at address: SocketAddress) -> EchoSession? {
        guard let source = Self.transportAddress(address), let session = byAddress[source], !session.isEnded else { return nil }
        return session
    }

    static func transportAddress(_ address: SocketAddress) -> TransportAddress? {
        guard let ip = address.ipAddress, let port = address.port else { return nil }
        return TransportAddress(host: ip, port: UInt16(port))
    }

    private func forget(_ session: EchoSession) {
        guard !session.isEnded else { return }
        session.end()
        log(session, "stats: \(session.stats)")
        byUfrag = byUfrag.filter { $0.value !== session }
        byAddress = byAddress.filter { $0.value !== session }
        live[session.id] = nil
        timers.cancel(session.id)
        armWakeUp()
    }

    private func rearm(_ session: EchoSession) {
        guard live[session.id] != nil else { return }
        timers.schedule(session.id, at: session.consentDeadline)
        armWakeUp()
    }

    /// Moves the one scheduled task to the earliest consent deadline.
    private func armWakeUp() {
        guard let loop = eventLoop else { return }
        let next = timers.nextDeadline()
        guard next != wakeUpAt else { return }
        wakeUp?.cancel()
        wakeUpAt = next
        guard let next else { wakeUp = nil; return }
        let (seconds, attoseconds) = DTLSInstant.now.duration(to: next).components
        let nanos = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        wakeUp = loop.assumeIsolated().scheduleTask(in: .nanoseconds(nanos)) { [weak self] in
            guard let self else { return }
            self.wakeUpAt = nil
            let now = DTLSInstant.now
            for id in self.timers.popExpired(now: now) {
                guard let session = self.live[id] else { continue }
                if session.consentExpired(now: now) {
                    // RFC 7675: stop sending at once, close_notify included.
                    self.log(session, "ice: consent expired (no check for \(self.settings.consentTimeout)), session dropped")
                    let address = self.transportAddress[id]
                    self.forget(session)
                    if let address { self.media?.revoke(address) }
                } else {
                    self.rearm(session)
                }
            }
            self.armWakeUp()
        }
    }

    func closeAll() {
        for session in sessions where !session.isEnded {
            if let address = transportAddress[session.id] { media?.close(address) }
            forget(session)
        }
    }

    // MARK: Figures

    func recordBrowserFigures(_ body: [UInt8]) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return false }
        let id = (object["session"] as? String) ?? sessions.last?.id ?? "?"
        browserFigures[id] = object
        return true
    }

    func statusJSON() -> [UInt8] {
        var list: [[String: Any]] = []
        for session in sessions { list.append(describe(session)) }
        var root: [String: Any] = ["sessions": list]
        if let last = list.last { root["latest"] = last }
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
        return Array(data)
    }

    private func describe(_ session: EchoSession) -> [String: Any] {
        let ice = session.ice
        let stats = session.stats
        var out: [String: Any] = [
            "id": session.id,
            "state": session.isEnded ? "ended" : (session.connectionInfo != nil ? "connected" : "connecting"),
            "offerFingerprints": session.offer.fingerprints.map(\.description),
            "answerSetup": session.answer.setup.rawValue,
            "offerSDP": offerTexts[session.id] ?? "",
            "answerSDP": session.answer.text,
            "acceptedMedia": session.answer.media.filter(\.accepted).map(\.kind),
            "ice": [
                "localUfrag": ice.local.ufrag, "remoteUfrag": ice.remoteUfrag,
                "selected": ice.selectedAddress?.description ?? NSNull(), "nominated": ice.isNominated,
                "requests": ice.counters.requests, "successResponses": ice.counters.successResponses,
                "errorResponses": ice.counters.errorResponses, "badIntegrity": ice.counters.badIntegrity,
                "badUsername": ice.counters.badUsername, "nominations": ice.counters.nominations,
            ] as [String: Any],
            "media": [
                "rtpIn": stats.rtpIn, "rtpForwarded": stats.rtpForwarded,
                "audioPacketsForwarded": stats.audioPacketsForwarded, "videoPacketsForwarded": stats.videoPacketsForwarded,
                "videoFramesForwarded": stats.videoFramesForwarded, "rtcpIn": stats.rtcpIn, "rtcpForwarded": stats.rtcpForwarded,
                "pliForwarded": stats.pliForwarded, "firForwarded": stats.firForwarded, "nackForwarded": stats.nackForwarded,
                "rembForwarded": stats.rembForwarded, "unknownSSRC": stats.unknownSSRC, "malformedRTCP": stats.malformedRTCP,
                "protectFailures": stats.protectFailures,
                "ssrcMap": Dictionary(uniqueKeysWithValues: session.answer.ssrcMap.map { (String($0.key), $0.value) }),
            ] as [String: Any],
            "log": logLines[session.id] ?? [],
        ]
        let address = transportAddress[session.id]
        let endpoint = address.flatMap { media?.server.endpoint(for: $0) }
        if let c = endpoint?.counters ?? lastCounters[session.id] {
            out["endpoint"] = ["state": endpoint.map { "\($0.state)" } ?? "ended", "dtlsIn": c.dtlsIn, "dtlsOut": c.dtlsOut,
                               "rtpIn": c.rtpIn, "rtpOut": c.rtpOut, "rtcpIn": c.rtcpIn, "rtcpOut": c.rtcpOut,
                               "authenticationFailures": c.authenticationFailures, "replays": c.replays,
                               "dropped": c.dropped] as [String: Any]
        }
        if let failure = failures[session.id] { out["failure"] = failure.description }
        if let counters = media?.server.counters {
            out["server"] = ["helloVerifyRequests": counters.helloVerifyRequests, "strangersDropped": counters.strangersDropped,
                             "replaced": counters.replaced, "peers": media?.server.peerCount ?? 0] as [String: Any]
        }
        if let info = session.connectionInfo {
            out["dtls"] = [
                "version": info.dtls.version.description,
                "versionHex": String(format: "%04X", info.dtls.version.rawValue),
                "cipherSuite": info.dtls.cipherSuite.ianaName,
                "srtpProfile": info.srtpProfile.rfcName,
                "srtpProfileId": Int(info.srtpProfile.rawValue),
                "group": "\(info.dtls.namedGroup)",
                "extendedMasterSecret": info.dtls.extendedMasterSecret,
                "role": session.answer.role == .server ? "server" : "client",
                "peerFingerprint": fingerprintOf(der: info.dtls.peerCertificate),
                "matchedOfferFingerprint": info.remoteFingerprint.description,
                "fingerprintVerified": session.offer.fingerprints.contains(info.remoteFingerprint)
                    && info.remoteFingerprint.matches(info.dtls.peerCertificate),
                "localFingerprint": Fingerprint(certificate: settings.dtls.certificate).description,
            ] as [String: Any]
        }
        if let figures = browserFigures[session.id] { out["browser"] = figures }
        return out
    }
}

// MARK: - HTTP

final class DemoHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let state: NIOLoopBound<BrowserDemoState>
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    static let maxBody = 256 * 1024

    init(state: NIOLoopBound<BrowserDemoState>) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
        case .body(let chunk):
            if body.count + chunk.readableBytes <= Self.maxBody { body += chunk.readableBytesView }
        case .end:
            guard let head else { return }
            self.head = nil
            route(head, context: context)
        }
    }

    private func route(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        let demo = state.value
        switch (head.method, path) {
        case (.GET, "/"), (.GET, "/index.html"):
            respond(context, .ok, "text/html; charset=utf-8", Array(BrowserDemoPage.html.utf8))
        case (.POST, "/offer"):
            switch demo.handleOffer(String(decoding: body, as: UTF8.self)) {
            case .answer(let id, let sdp):
                respond(context, .ok, "application/sdp", Array(sdp.utf8), extra: [("X-Session", id)])
            case .refused(let why):
                demo.log(nil, "offer refused: \(why)")
                respond(context, .badRequest, "text/plain; charset=utf-8", Array((why + "\n").utf8))
            }
        case (.POST, "/stats"):
            let ok = demo.recordBrowserFigures(body)
            respond(context, ok ? .noContent : .badRequest, "text/plain", [])
        case (.GET, "/status"):
            respond(context, .ok, "application/json", demo.statusJSON())
        default:
            respond(context, .notFound, "text/plain", Array("not found\n".utf8))
        }
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ type: String, _ bytes: [UInt8],
                         extra: [(String, String)] = []) {
        var headers = HTTPHeaders([("Content-Type", type), ("Content-Length", String(bytes.count)),
                                   ("Cache-Control", "no-store"), ("Connection", "close")])
        for (name, value) in extra { headers.add(name: name, value: value) }
        headers.add(name: "Access-Control-Expose-Headers", value: "X-Session")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !bytes.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in channel.close(promise: nil) }
    }
}
