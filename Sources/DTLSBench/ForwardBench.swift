import CForwardBaseline
import CMallocCounter
import CSRTP
import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import Foundation
import NIOCore
import NIOPosix
import SRTP

/// The shipped server path: SRTP forwarded through the real UDP server
/// (`DTLSSRTPServerHandler` on SwiftNIO, over the Sans-IO server core) on
/// loopback, from peer A to peer B, beside the limit in the same run: a C
/// loop that does only `recvmmsg`, libsrtp unprotect and protect, and
/// `sendmmsg`, on the same keys.
///
/// One thread generates A's packets (protected with A's real write key) and
/// runs B's endpoint; the other runs the server (ours, then the C loop).
/// Both runs get the same generator; the figures are packets forwarded per
/// second and the server thread's CPU time per forwarded packet.
enum ForwardBench {
    struct Result {
        var packetsPerSecond: Double
        var cpuMicrosecondsPerPacket: Double
        /// Heap allocations by the server's thread per forwarded packet.
        var allocationsPerPacket: Double
        /// Datagrams that reached B during the run.
        var delivered: Int
    }

    static let payloadLength = 1000

    /// The server's delegate: RTP from A is re-protected for B. Touched
    /// only on the server's loop (`@unchecked Sendable` for the hand-over).
    final class Forwarder: DTLSSRTPServerDelegate, @unchecked Sendable {
        var order: [SocketAddress] = []
        var forwarded = 0
        func server(_ handler: DTLSSRTPServerHandler, connected address: SocketAddress, info: EndpointConnectionInfo) {
            order.append(address)
        }
        func server(_ handler: DTLSSRTPServerHandler, receivedRTP packet: consuming ByteBuffer, from address: SocketAddress) {
            guard order.count == 2, address == order[0] else { return }
            if (try? handler.sendRTP(packet, to: order[1])) != nil { forwarded += 1 }
        }
    }

    /// B: counts what arrives (authenticated). Touched only on the client loop.
    final class Sink: DTLSSRTPClientDelegate, @unchecked Sendable {
        let connected: EventLoopPromise<Void>
        var received = 0
        init(connected: EventLoopPromise<Void>) { self.connected = connected }
        func clientConnected(_ client: DTLSSRTPClientHandler, info: EndpointConnectionInfo) { connected.succeed(()) }
        func client(_ client: DTLSSRTPClientHandler, receivedRTP packet: [UInt8]) { received += 1 }
    }

    /// Counts every datagram that reaches B's socket, from any sender (the C
    /// loop sends from its own socket, which B's endpoint rightly ignores).
    final class Tap: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        var datagrams = 0
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            datagrams += 1
            context.fireChannelRead(data)
        }
    }

    /// A: connects, then is silent (the generator sends from its socket).
    final class Source: DTLSSRTPClientDelegate, @unchecked Sendable {
        let connected: EventLoopPromise<Void>
        init(connected: EventLoopPromise<Void>) { self.connected = connected }
        func clientConnected(_ client: DTLSSRTPClientHandler, info: EndpointConnectionInfo) { connected.succeed(()) }
    }

    /// Sends protected RTP from A's socket to `target` as fast as the loop allows, in batches.
    final class Generator: @unchecked Sendable {
        let channel: any Channel
        let session: RawSRTPSession
        var target: SocketAddress
        var sequence: UInt32 = 0
        var running = false
        private var packet: [UInt8]

        let ssrc: UInt32

        /// A fresh sender (its own libsrtp session and SSRC, so each run starts
        /// its sequence and rollover counter anew at every receiver).
        init(channel: any Channel, key: [UInt8], target: SocketAddress, ssrc: UInt32) {
            self.channel = channel
            self.session = RawSRTPSession(profile: .aeadAes128Gcm, key: key, outbound: true)
            self.target = target
            self.ssrc = ssrc
            packet = [UInt8](repeating: 0, count: 12 + payloadLength + 64)
        }

        /// Runs on the channel's loop until `running` is false.
        func pump() {
            guard running else { return }
            for _ in 0..<32 {
                sequence &+= 1
                guard let out = ForwardBench.sealedRTP(&packet, sequence: sequence, ssrc: ssrc, session: session, allocator: channel.allocator) else { continue }
                channel.write(AddressedEnvelope(remoteAddress: target, data: out), promise: nil)
            }
            channel.flush()
            channel.eventLoop.execute { self.pump() }
        }
    }

    /// The server's and the client's configurations: AEAD_AES_128_GCM, each
    /// pinning the other's certificate.
    static func configurations(client: BenchIdentity, server: BenchIdentity) -> (server: EndpointConfiguration, client: EndpointConfiguration) {
        var serverConfig = EndpointConfiguration(role: .server, certificate: server.certificate, privateKey: server.key,
                                                 remoteFingerprints: [client.fingerprint])
        serverConfig.dtls.srtpProfiles = [.aeadAes128Gcm]
        var clientConfig = EndpointConfiguration(role: .client, certificate: client.certificate, privateKey: client.key,
                                                 remoteFingerprints: [server.fingerprint])
        clientConfig.dtls.srtpProfiles = [.aeadAes128Gcm]
        return (serverConfig, clientConfig)
    }

    /// A's next RTP packet (PT 111, `payloadLength` bytes), protected in
    /// `scratch` with A's write key and copied into a fresh buffer; nil when
    /// libsrtp refused it.
    static func sealedRTP(_ scratch: inout [UInt8], sequence: UInt32, ssrc: UInt32, session: RawSRTPSession,
                          allocator: ByteBufferAllocator) -> ByteBuffer? {
        let seq = UInt16(truncatingIfNeeded: sequence)
        scratch[0] = 0x80; scratch[1] = 111
        scratch[2] = UInt8(seq >> 8); scratch[3] = UInt8(truncatingIfNeeded: seq)
        scratch[4] = UInt8(truncatingIfNeeded: sequence >> 24); scratch[5] = UInt8(truncatingIfNeeded: sequence >> 16)
        scratch[6] = UInt8(truncatingIfNeeded: sequence >> 8); scratch[7] = UInt8(truncatingIfNeeded: sequence)
        scratch[8] = UInt8(ssrc >> 24); scratch[9] = UInt8(truncatingIfNeeded: ssrc >> 16)
        scratch[10] = UInt8(truncatingIfNeeded: ssrc >> 8); scratch[11] = UInt8(truncatingIfNeeded: ssrc)
        var length = Int32(12 + payloadLength)
        let status = scratch.withUnsafeMutableBytes { srtp_protect(session.session, $0.baseAddress, &length) }
        guard status == srtp_err_status_ok else { return nil }
        var out = allocator.buffer(capacity: Int(length))
        out.writeBytes(scratch[0..<Int(length)])
        return out
    }

    /// A client socket as both benches make it (4 MB receive buffer, reads
    /// of 16), with `handlers` in its pipeline.
    static func clientSocket(on loop: any EventLoop, _ handlers: @escaping @Sendable (any Channel) throws -> Void) -> any Channel {
        try! DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelOption(.datagramVectorReadMessageCount, value: 16)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 16 * 2048))
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try handlers(channel) } }
            .bind(host: "127.0.0.1", port: 0).wait()
    }

    /// The NIO floor: the same SwiftNIO socket as the shipped server, and
    /// libsrtp in place on the received buffer, nothing else (no peers, no
    /// DTLS, no core). What any NIO-based forwarder pays; the gap between
    /// it and ours is what our stack adds.
    final class NIOFloor: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let inbound: RawSRTPSession, outbound: RawSRTPSession
        let destination: SocketAddress
        var forwarded = 0
        init(inbound: RawSRTPSession, outbound: RawSRTPSession, destination: SocketAddress) {
            self.inbound = inbound
            self.outbound = outbound
            self.destination = destination
        }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data).data
            let length = buffer.readableBytes
            buffer.writeRepeatingByte(0, count: 16)  // the trailer's room; the one copy (out of the shared read buffer)
            let sealed = buffer.withUnsafeMutableReadableBytes { p -> Int32 in
                var n = Int32(length)
                guard srtp_unprotect(inbound.session, p.baseAddress, &n) == srtp_err_status_ok,
                      srtp_protect(outbound.session, p.baseAddress, &n) == srtp_err_status_ok else { return -1 }
                return n
            }
            guard sealed > 0 else { return }
            buffer.moveWriterIndex(to: buffer.readerIndex + Int(sealed))
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: destination, data: buffer)), promise: nil)
            forwarded += 1
        }
        func channelReadComplete(context: ChannelHandlerContext) { context.flush() }
    }

    /// The C loop's state, handed to its thread once and read back after it
    /// ended (`@unchecked Sendable`: never touched by two threads at once,
    /// except `stop`, which the C loop reads as volatile).
    final class Baseline: @unchecked Sendable {
        let fd: Int32
        let destination: UInt16
        let inbound: RawSRTPSession
        let outbound: RawSRTPSession
        let stop = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        let result = UnsafeMutablePointer<cfwd_result>.allocate(capacity: 1)

        init(fd: Int32, destination: UInt16, inbound: RawSRTPSession, outbound: RawSRTPSession) {
            self.fd = fd
            self.destination = destination
            self.inbound = inbound
            self.outbound = outbound
            stop.pointee = 0
        }

        func run() { cfwd_run(fd, destination, UnsafeMutableRawPointer(inbound.session), UnsafeMutableRawPointer(outbound.session), stop, result) }

        func release() {
            stop.deallocate()
            result.deallocate()
        }
    }

    static func run(seconds: Double, client: BenchIdentity, server: BenchIdentity) -> (ours: Result, floor: Result, limit: Result) {
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let serverLoop = serverGroup.next(), clientLoop = clientGroup.next()
        defer {
            try? serverGroup.syncShutdownGracefully()
            try? clientGroup.syncShutdownGracefully()
        }
        let (handlerConfig, peerConfig) = configurations(client: client, server: server)
        let forwarder = Forwarder()
        // The shipped path: the socket exactly as `bind` makes it.
        let serverChannel: any Channel = blockingAwait {
            try await DTLSSRTPServerHandler.bind(on: serverLoop, host: "127.0.0.1", port: 0, configuration: handlerConfig,
                                                 receiveBufferBytes: 4 << 20) { forwarder }
        }
        let serverAddress = serverChannel.localAddress!

        let tap = Tap()
        func connect(tapped: Bool, _ make: @escaping @Sendable (EventLoopPromise<Void>) -> any DTLSSRTPClientDelegate)
            -> (any Channel, EventLoopPromise<Void>) {
            let connected = clientLoop.makePromise(of: Void.self)
            let channel = clientSocket(on: clientLoop) { channel in
                if tapped { try channel.pipeline.syncOperations.addHandler(tap) }
                try channel.pipeline.syncOperations.addHandler(
                    try DTLSSRTPClientHandler(configuration: peerConfig, remote: serverAddress, delegate: make(connected)))
            }
            return (channel, connected)
        }
        let (a, aConnected) = connect(tapped: false) { Source(connected: $0) }
        try! aConnected.futureResult.wait()
        let (b, bConnected) = connect(tapped: true) { Sink(connected: $0) }
        try! bConnected.futureResult.wait()
        // A DTLS 1.3 client is connected once it sent its Finished; the
        // server, once that arrived: wait for the server to know both.
        while try! serverLoop.submit({ forwarder.order.count }).wait() < 2 { Thread.sleep(forTimeInterval: 0.001) }

        // The keys the server holds: A's client write key (what it opens
        // with) and B's server write key (what it seals with).
        let (aKey, bKey): ([UInt8], [UInt8]) = try! serverLoop.submit {
            let handler = try serverChannel.pipeline.syncOperations.handler(type: DTLSSRTPServerHandler.self)
            func material(_ address: SocketAddress) -> SRTPKeyingMaterial {
                let endpoint = handler.server.endpoint(for: address)!
                let bytes = try! endpoint.exportKeyingMaterial(label: "EXTRACTOR-dtls_srtp", length: SRTPProtectionProfile.aeadAes128Gcm.keyingMaterialLength)
                return try! SRTPKeyingMaterial(profile: .aeadAes128Gcm, exportedKeyingMaterial: bytes)
            }
            let ka = material(forwarder.order[0]).clientWrite, kb = material(forwarder.order[1]).serverWrite
            return (ka.key + ka.salt, kb.key + kb.salt)
        }.wait()

        var generator = Generator(channel: a, key: aKey, target: serverAddress, ssrc: 0x1234_5678)
        func received() -> Int { try! clientLoop.submit { tap.datagrams }.wait() }
        func startGenerator() {
            let g = generator
            try! clientLoop.submit { g.running = true; g.pump() }.wait()
        }
        func stopGenerator() {
            let g = generator
            try! clientLoop.submit { g.running = false }.wait()
            Thread.sleep(forTimeInterval: 0.1)
        }

        // Ours.
        let cpu0 = try! serverLoop.submit { cfwd_thread_cpu_ns() }.wait()
        let allocations0 = try! serverLoop.submit { cmalloc_counter_thread_allocations() }.wait()
        let forwarded0 = try! serverLoop.submit { forwarder.forwarded }.wait()
        let received0 = received()
        let wall0 = DispatchTime.now().uptimeNanoseconds
        startGenerator()
        Thread.sleep(forTimeInterval: seconds)
        let cpu1 = try! serverLoop.submit { cfwd_thread_cpu_ns() }.wait()
        let allocations1 = try! serverLoop.submit { cmalloc_counter_thread_allocations() }.wait()
        let forwarded1 = try! serverLoop.submit { forwarder.forwarded }.wait()
        let wall1 = DispatchTime.now().uptimeNanoseconds
        stopGenerator()
        let oursCount = forwarded1 - forwarded0
        let ours = Result(packetsPerSecond: Double(oursCount) / (Double(wall1 - wall0) / 1e9),
                          cpuMicrosecondsPerPacket: Double(cpu1 - cpu0) / 1000 / Double(max(1, oursCount)),
                          allocationsPerPacket: Double(allocations1 - allocations0) / Double(max(1, oursCount)),
                          delivered: received() - received0)

        // The NIO floor, on the server's loop, the same socket shape as `bind`.
        let floorHandler = NIOFloor(inbound: RawSRTPSession(profile: .aeadAes128Gcm, key: aKey, outbound: false),
                                    outbound: RawSRTPSession(profile: .aeadAes128Gcm, key: bKey, outbound: true),
                                    destination: b.localAddress!)
        let floorChannel = try! DatagramBootstrap(group: serverLoop)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelOption(.datagramVectorReadMessageCount, value: 32)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 32 * 2048))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(floorHandler) }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        generator = Generator(channel: a, key: aKey, target: floorChannel.localAddress!, ssrc: 0x5555_AAAA)
        let floorCPU0 = try! serverLoop.submit { cfwd_thread_cpu_ns() }.wait()
        let floorAllocations0 = try! serverLoop.submit { cmalloc_counter_thread_allocations() }.wait()
        let floorForwarded0 = try! serverLoop.submit { floorHandler.forwarded }.wait()
        let floorWall0 = DispatchTime.now().uptimeNanoseconds
        let floorReceived0 = received()
        startGenerator()
        Thread.sleep(forTimeInterval: seconds)
        let floorCPU1 = try! serverLoop.submit { cfwd_thread_cpu_ns() }.wait()
        let floorAllocations1 = try! serverLoop.submit { cmalloc_counter_thread_allocations() }.wait()
        let floorForwarded1 = try! serverLoop.submit { floorHandler.forwarded }.wait()
        let floorWall1 = DispatchTime.now().uptimeNanoseconds
        stopGenerator()
        let floorCount = floorForwarded1 - floorForwarded0
        let floor = Result(packetsPerSecond: Double(floorCount) / (Double(floorWall1 - floorWall0) / 1e9),
                           cpuMicrosecondsPerPacket: Double(floorCPU1 - floorCPU0) / 1000 / Double(max(1, floorCount)),
                           allocationsPerPacket: Double(floorAllocations1 - floorAllocations0) / Double(max(1, floorCount)),
                           delivered: received() - floorReceived0)
        try? floorChannel.close().wait()

        // The limit: the C loop on its own socket, the same keys, the same generator.
        var port: UInt16 = 0
        let fd = cfwd_bind_loopback(&port)
        precondition(fd >= 0, "cannot bind the baseline socket")
        let baseline = Baseline(fd: fd, destination: UInt16(b.localAddress!.port!),
                                inbound: RawSRTPSession(profile: .aeadAes128Gcm, key: aKey, outbound: false),
                                outbound: RawSRTPSession(profile: .aeadAes128Gcm, key: bKey, outbound: true))
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            baseline.run()
            done.signal()
        }
        thread.start()
        let received1 = received()
        generator = Generator(channel: a, key: aKey, target: try! SocketAddress(ipAddress: "127.0.0.1", port: Int(port)), ssrc: 0x9ABC_DEF0)
        startGenerator()
        Thread.sleep(forTimeInterval: seconds)
        baseline.stop.pointee = 1
        done.wait()
        stopGenerator()
        cfwd_close(fd)
        let result = baseline.result
        let r = result.pointee
        defer { baseline.release() }
        if r.failed > 0 { FileHandle.standardError.write(Data("  baseline: \(r.failed) packets refused by libsrtp\n".utf8)) }
        let limit = Result(packetsPerSecond: Double(r.forwarded) / (Double(r.wall_ns) / 1e9),
                           cpuMicrosecondsPerPacket: Double(r.cpu_ns) / 1000 / Double(max(1, r.forwarded)),
                           allocationsPerPacket: 0,  // the C loop's buffers are static; libsrtp does not allocate per packet
                           delivered: received() - received1)
        try? a.close().wait()
        try? b.close().wait()
        try? serverChannel.close().wait()
        return (ours, floor, limit)
    }
}

/// Runs `body` to completion from synchronous benchmark code.
func blockingAwait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> T {
    let box = AwaitBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.value = .success(try await body()) } catch { box.value = .failure(error) }
        done.signal()
    }
    done.wait()
    return try! box.value!.get()
}

/// Hands an async result to the waiting thread (written once, then read
/// after the semaphore: never by two threads at once).
final class AwaitBox<T>: @unchecked Sendable {
    var value: Result<T, any Error>?
}
