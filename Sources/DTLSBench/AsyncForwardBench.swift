import CForwardBaseline
import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SRTP

/// Media forwarded SFU-style through the async API (`DTLSSRTPAsyncServer`):
/// A's RTP arrives on A's socket, is decrypted on its loop, crosses to a
/// consumer task through A's `inbound` sequence, and goes back out through
/// B's writer, which hops to B's loop to encrypt and send. With `loops: 1`
/// both peers share one socket and loop; with `loops: 2` they are on two
/// `SO_REUSEPORT` sockets on two loops (B reconnects from new ports until
/// the kernel puts it on the other socket), so every packet crosses loops.
///
/// The generator (A's packets, protected with A's real key) and B's
/// endpoint share one more thread. On this 2-core machine that thread, two
/// server loops and the consumer's task cannot each have a core: the
/// second loop can only show what crossing loops costs, not a speed-up.
enum AsyncForwardBench {
    struct Result {
        var packetsPerSecond: Double
        /// Process CPU per forwarded packet, less the generator's and B's
        /// thread: the server loops plus the consumer's task.
        var cpuMicrosecondsPerPacket: Double
        /// Whether A and B were served by different loops.
        var crossedLoops: Bool
    }

    static func processCPUNanoseconds() -> UInt64 {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        let user = UInt64(usage.ru_utime.tv_sec) * 1_000_000_000 + UInt64(usage.ru_utime.tv_usec) * 1000
        let system = UInt64(usage.ru_stime.tv_sec) * 1_000_000_000 + UInt64(usage.ru_stime.tv_usec) * 1000
        return user + system
    }

    static func run(seconds: Double, loops: Int, client: BenchIdentity, server: BenchIdentity) -> Result {
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: loops)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clientLoop = clientGroup.next()
        defer {
            try? serverGroup.syncShutdownGracefully()
            try? clientGroup.syncShutdownGracefully()
        }
        let (handlerConfig, peerConfig) = ForwardBench.configurations(client: client, server: server)
        let asyncServer: DTLSSRTPAsyncServer = blockingAwait {
            try await DTLSSRTPAsyncServer.bind(host: "127.0.0.1", port: 0, configuration: handlerConfig,
                                               inboundBufferPackets: 4096, group: serverGroup, loops: loops)
        }
        let serverAddress = asyncServer.localAddress

        // The SFU: each peer's media to the other peers (here, A's to B).
        let sfu = Task {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await asyncServer.run() }
                var first = true
                for await peer in asyncServer.peers {
                    if first {
                        // A: forward to the newest other peer (read once, at
                        // A's first packet: the generator starts after B is chosen).
                        first = false
                        group.addTask {
                            var target: DTLSSRTPPeerWriter?
                            for await media in peer.inbound {
                                if target == nil { target = Forwarding.target.withLockedValue { $0 } }
                                target?.send(media)
                            }
                        }
                    } else {
                        Forwarding.target.withLockedValue { $0 = peer.outbound }
                        // Keep listening: a peer whose inbound sequence is dropped is closed.
                        group.addTask { for await _ in peer.inbound {} }
                    }
                }
            }
        }

        func connect(_ delegate: any DTLSSRTPClientDelegate & Sendable) -> any Channel {
            ForwardBench.clientSocket(on: clientLoop) { channel in
                try channel.pipeline.syncOperations.addHandler(
                    try DTLSSRTPClientHandler(configuration: peerConfig, remote: serverAddress, delegate: delegate))
            }
        }
        let source = ForwardBench.Source(connected: clientLoop.makePromise())
        let a = connect(source)
        try! source.connected.futureResult.wait()
        var b: any Channel = a
        var crossed = false
        for _ in 0..<16 {
            let sink = ForwardBench.Sink(connected: clientLoop.makePromise())
            b = connect(sink)
            try! sink.connected.futureResult.wait()
            Thread.sleep(forTimeInterval: 0.05)
            let spread = blockingAwait { try await asyncServer.peersPerSocket }
            crossed = spread.filter { $0 > 0 }.count == 2
            if loops == 1 || crossed { break }
            try? b.close().wait()
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.05)

        // A's write key, from A's own endpoint: what the server opens A's media with.
        let aKey: [UInt8] = try! clientLoop.submit {
            let aHandler = try! a.pipeline.syncOperations.handler(type: DTLSSRTPClientHandler.self)
            let bytes = try! aHandler.endpoint.exportKeyingMaterial(
                label: "EXTRACTOR-dtls_srtp", length: SRTPProtectionProfile.aeadAes128Gcm.keyingMaterialLength)
            let k = try! SRTPKeyingMaterial(profile: .aeadAes128Gcm, exportedKeyingMaterial: bytes).clientWrite
            return k.key + k.salt
        }.wait()
        let generator = WindowedGenerator(channel: a, key: aKey, target: serverAddress, ssrc: 0x2468_ACE0, sink: b)
        func received() -> Int { try! clientLoop.submit { generator.received }.wait() }

        let cpu0 = processCPUNanoseconds(), client0 = try! clientLoop.submit { cfwd_thread_cpu_ns() }.wait()
        let received0 = received()
        let wall0 = DispatchTime.now().uptimeNanoseconds
        try! clientLoop.submit { generator.running = true; generator.pump() }.wait()
        Thread.sleep(forTimeInterval: seconds)
        let received1 = received()
        let wall1 = DispatchTime.now().uptimeNanoseconds
        let cpu1 = processCPUNanoseconds(), client1 = try! clientLoop.submit { cfwd_thread_cpu_ns() }.wait()
        try! clientLoop.submit { generator.running = false }.wait()
        Thread.sleep(forTimeInterval: 0.1)

        let count = received1 - received0
        let serverCPU = Double(cpu1 - cpu0) - Double(client1 - client0)
        asyncServer.shutdown()
        _ = blockingAwait { try? await sfu.value }
        Forwarding.target.withLockedValue { $0 = nil }
        try? a.close().wait()
        try? b.close().wait()
        return Result(packetsPerSecond: Double(count) / (Double(wall1 - wall0) / 1e9),
                      cpuMicrosecondsPerPacket: serverCPU / 1000 / Double(max(1, count)),
                      crossedLoops: crossed)
    }

    /// Sends A's protected RTP as fast as B receives it, with at most
    /// `window` packets in flight: an open-loop flood would only measure the
    /// queues in front of the slowest stage (and, past 32,768 packets lost
    /// in a row, B's rollover-counter guess), not forwarding. Runs on the
    /// client loop, where B's endpoint is, so it reads B's count directly.
    final class WindowedGenerator: @unchecked Sendable {
        let channel: any Channel
        let session: RawSRTPSession
        let target: SocketAddress
        let ssrc: UInt32
        let sinkChannel: any Channel
        var sink: DTLSSRTPClientHandler?
        var sequence: UInt32 = 0
        var running = false
        let window = 256
        private var packet: [UInt8]

        init(channel: any Channel, key: [UInt8], target: SocketAddress, ssrc: UInt32, sink: any Channel) {
            self.channel = channel
            self.session = RawSRTPSession(profile: .aeadAes128Gcm, key: key, outbound: true)
            self.target = target
            self.ssrc = ssrc
            self.sinkChannel = sink
            packet = [UInt8](repeating: 0, count: 12 + ForwardBench.payloadLength + 64)
        }

        var received: Int {
            if sink == nil { sink = try? sinkChannel.pipeline.syncOperations.handler(type: DTLSSRTPClientHandler.self) }
            return sink?.endpoint.counters.rtpIn ?? 0
        }

        func pump() {
            guard running else { return }
            var sent = 0
            while sent < 32, Int(sequence) - received < window {
                sequence &+= 1
                sent += 1
                guard let out = ForwardBench.sealedRTP(&packet, sequence: sequence, ssrc: ssrc, session: session,
                                                       allocator: channel.allocator) else { continue }
                channel.write(AddressedEnvelope(remoteAddress: target, data: out), promise: nil)
            }
            if sent > 0 {
                channel.flush()
                channel.eventLoop.execute { self.pump() }
            } else {
                // The window is full: let B's socket be read, then look again.
                _ = channel.eventLoop.scheduleTask(in: .microseconds(20)) { self.pump() }
            }
        }
    }

    /// B's writer, once B arrived (set by the peers loop, read by A's consumer).
    enum Forwarding {
        static let target = NIOLockedValueBox<DTLSSRTPPeerWriter?>(nil)
    }
}
