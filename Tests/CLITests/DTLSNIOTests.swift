import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import NIOCore
import NIOPosix
import Testing

/// Real UDP on 127.0.0.1 through the SwiftNIO driver: many peers on one
/// socket, limits, idle timeout. Every wait is bounded by a scheduled failure.
@Suite struct DTLSNIOTests {
    struct Ended: Sendable { var error: DTLSError?; var stats: EndpointCounters; var km: [UInt8]? }
    struct Timeout: Error {}

    /// A client's delegate: sends `rtpToSend` RTP packets once connected and
    /// reports the keying material when all came back (or at once).
    final class Recorder: DTLSSRTPClientDelegate {
        let connected: EventLoopPromise<[UInt8]>?
        let ended: EventLoopPromise<Ended>?
        let rtpToSend: Int
        var rtpBack = 0
        init(connected: EventLoopPromise<[UInt8]>?, ended: EventLoopPromise<Ended>?, echo: Bool = false, rtpToSend: Int = 0) {
            self.connected = connected; self.ended = ended; self.rtpToSend = rtpToSend
        }
        static func keys(_ client: DTLSSRTPClientHandler) -> [UInt8] {
            guard let profile = client.endpoint.srtpProfile else { return [] }
            return (try? client.endpoint.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: profile.keyingMaterialLength)) ?? []
        }
        func clientConnected(_ client: DTLSSRTPClientHandler, info: EndpointConnectionInfo) {
            for i in 0..<rtpToSend {
                var p: [UInt8] = [0x80, 96, 0, UInt8(i)] + [UInt8](repeating: 0, count: 4) + [1, 2, 3, 4]
                p += [UInt8](repeating: UInt8(i), count: 100)
                try? client.sendRTP(p)
            }
            if rtpToSend == 0 { connected?.succeed(Self.keys(client)) }
        }
        func client(_ client: DTLSSRTPClientHandler, receivedRTP packet: [UInt8]) {
            rtpBack += 1
            if rtpBack == rtpToSend { connected?.succeed(Self.keys(client)) }
        }
        func clientClosed(_ client: DTLSSRTPClientHandler, error: EndpointError?, counters: EndpointCounters) {
            var dtls: DTLSError?
            if case .dtls(let e) = error { dtls = e } else if let error { dtls = DTLSError(.internalError, alert: nil, "\(error)") }
            connected?.fail(dtls ?? DTLSError(.closed, alert: nil, "closed"))
            ended?.succeed(Ended(error: dtls, stats: counters, km: nil))
        }
    }

    static func config() throws -> DTLSConfiguration {
        let key = try PrivateKey.generateECDSA(.p256)
        return DTLSConfiguration(certificate: try Certificate.selfSigned(privateKey: key), privateKey: key, peerVerification: .acceptAny)
    }

    func bounded<T: Sendable>(_ promise: EventLoopPromise<T>, seconds: Int64 = 60) async throws -> T {
        let task = promise.futureResult.eventLoop.scheduleTask(in: .seconds(seconds)) { promise.fail(Timeout()) }
        defer { task.cancel() }
        return try await promise.futureResult.get()
    }

    /// The shipped server: `DTLSSRTPServerHandler` over the Sans-IO core.
    @Test func manyPeersOnOneSocketWithSRTPEcho() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let server = try await CoreServer.start(on: loop)
        var clients: [(CoreClient, EventLoopPromise<[UInt8]>, EventLoopPromise<Ended>)] = []
        for _ in 0..<4 {
            let c = loop.makePromise(of: [UInt8].self), e = loop.makePromise(of: Ended.self)
            let running = try await CoreClient.connect(on: loop, remote: server.localAddress!, configuration: try Self.config()) {
                Recorder(connected: c, ended: e, echo: false, rtpToSend: 50)
            }
            clients.append((running, c, e))
        }
        var materials: Set<[UInt8]> = []
        for (_, c, _) in clients { materials.insert(try await bounded(c)) }
        #expect(materials.count == 4)  // four distinct sessions
        let counts = try await server.withHandler { ($0.server.peerCount, $0.server.handshakesInFlight) }
        #expect(counts.0 == 4 && counts.1 == 0)
        for (running, _, e) in clients {
            try await running.withHandler { $0.close() }
            let ended = try await bounded(e)
            #expect(ended.error == nil)
            #expect(ended.stats.rtpOut == 50 && ended.stats.rtpIn == 50 && ended.stats.authenticationFailures == 0)
            try await running.channel.close()
        }
        // The server saw each close_notify and forgot the peer.
        var remaining = -1
        for _ in 0..<100 {  // bounded: 100 x 10 ms
            remaining = try await server.withHandler { $0.server.peerCount }
            if remaining == 0 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(remaining == 0)
        try await server.channel.close()
        try await group.shutdownGracefully()
    }

    /// A client whose delegate closes its socket as soon as it hears the
    /// association ended still gets its close_notify out: the server forgets
    /// the peer at once, not at its idle timeout.
    @Test func closeNotifyLeavesBeforeTheDelegateHearsOfTheClose() async throws {
        final class CloseAtOnce: DTLSSRTPClientDelegate, @unchecked Sendable {
            var channel: (any Channel)?
            let connected: EventLoopPromise<Void>
            init(connected: EventLoopPromise<Void>) { self.connected = connected }
            func clientConnected(_ client: DTLSSRTPClientHandler, info: EndpointConnectionInfo) {
                connected.succeed(())
                client.close()
            }
            func clientClosed(_ client: DTLSSRTPClientHandler, error: EndpointError?, counters: EndpointCounters) {
                channel?.close(promise: nil)
            }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        var limits = DTLSSRTPServerLimits()
        limits.idleTimeout = .seconds(60)
        let server = try await CoreServer.start(on: loop, limits: limits)
        let connected = loop.makePromise(of: Void.self)
        let delegate = try await loop.submit { NIOLoopBound(CloseAtOnce(connected: connected), eventLoop: loop) }.get()
        let client = try await CoreClient.connect(on: loop, remote: server.localAddress!, configuration: try Self.config()) {
            delegate.value
        }
        try await loop.submit { delegate.value.channel = client.channel }.get()
        _ = try await bounded(connected)
        var remaining = -1
        for _ in 0..<100 {  // bounded: 100 x 10 ms, far below the 60 s idle timeout
            remaining = try await server.withHandler { $0.server.peerCount }
            if remaining == 0 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(remaining == 0)
        try? await client.channel.close()
        try await server.channel.close()
        try await group.shutdownGracefully()
    }

    @Test func peerLimitRefusesExtraHandshakes() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        var limits = DTLSSRTPServerLimits()
        limits.maxPeers = 1
        let server = try await CoreServer.start(on: loop, limits: limits)
        let c1 = loop.makePromise(of: [UInt8].self), e1 = loop.makePromise(of: Ended.self)
        let first = try await CoreClient.connect(on: loop, remote: server.localAddress!, configuration: try Self.config()) {
            Recorder(connected: c1, ended: e1, echo: false)
        }
        _ = try await bounded(c1)
        var config2 = try Self.config()
        config2.handshakeTimeout = .milliseconds(1500)
        config2.initialRetransmitTimeout = .milliseconds(200)
        let c2 = loop.makePromise(of: [UInt8].self), e2 = loop.makePromise(of: Ended.self)
        let second = try await CoreClient.connect(on: loop, remote: server.localAddress!, configuration: config2) {
            Recorder(connected: c2, ended: e2, echo: false)
        }
        let ended2 = try await bounded(e2)
        #expect(ended2.error?.code == .handshakeTimeout)
        let refused = try await server.withHandler { $0.server.counters.refusedByLimits }
        #expect(refused >= 1)
        try await first.withHandler { $0.close() }
        _ = try await bounded(e1)
        try await first.channel.close(); try await second.channel.close(); try await server.channel.close()
        try await group.shutdownGracefully()
    }

    @Test func idlePeerIsClosedWithCloseNotify() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        var limits = DTLSSRTPServerLimits()
        limits.idleTimeout = .seconds(1)  // a handshake under TSan on 2 busy cores can pause for 400 ms
        let serverEnded = loop.makePromise(of: EndpointError?.self)
        let server = try await CoreServer.start(on: loop, limits: limits, closed: serverEnded)
        let c = loop.makePromise(of: [UInt8].self), e = loop.makePromise(of: Ended.self)
        let started = ContinuousClock.now
        let client = try await CoreClient.connect(on: loop, remote: server.localAddress!, configuration: try Self.config()) {
            Recorder(connected: c, ended: e, echo: false)
        }
        _ = try await bounded(c)
        let reason = try await bounded(serverEnded)
        #expect(reason == nil)
        #expect(try await server.withHandler { $0.server.counters.idleClosed } == 1)
        let clientSide = try await bounded(e)
        #expect(clientSide.error == nil)  // it received close_notify
        #expect(started.duration(to: .now) >= .milliseconds(980))  // timer clocks differ by microseconds
        try await client.channel.close(); try await server.channel.close()
        try await group.shutdownGracefully()
    }
}
