import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import DTLSTestSupport
import NIOCore
import NIOPosix
import Testing

/// `DTLSSRTPServerHandler` (the NIO driver of the Sans-IO server core) over
/// real UDP on 127.0.0.1. Every wait is bounded.
@Suite struct ServerHandlerTests {
    struct Timeout: Error {}

    /// Tells when a client connected.
    final class ClientEvents: DTLSSRTPClientDelegate {
        let connected: EventLoopPromise<Void>
        init(connected: EventLoopPromise<Void>) { self.connected = connected }
        func clientConnected(_ client: DTLSSRTPClientHandler, info: EndpointConnectionInfo) { connected.succeed(()) }
    }

    /// Records what the server handler reports, on its loop.
    final class Events: DTLSSRTPServerDelegate {
        var connected: [(SocketAddress, EndpointConnectionInfo)] = []
        var replaced: [SocketAddress] = []
        var rtp: [SocketAddress] = []
        let gotRTP: EventLoopPromise<Void>
        init(gotRTP: EventLoopPromise<Void>) { self.gotRTP = gotRTP }
        func server(_ handler: DTLSSRTPServerHandler, connected address: SocketAddress, info: EndpointConnectionInfo) {
            connected.append((address, info))
        }
        func server(_ handler: DTLSSRTPServerHandler, replaced address: SocketAddress) { replaced.append(address) }
        func server(_ handler: DTLSSRTPServerHandler, receivedRTP packet: consuming ByteBuffer, from address: SocketAddress) {
            rtp.append(address)
            gotRTP.succeed(())
        }
    }

    func bounded<T: Sendable>(_ promise: EventLoopPromise<T>, seconds: Int64 = 60) async throws -> T {
        let task = promise.futureResult.eventLoop.scheduleTask(in: .seconds(seconds)) { promise.fail(Timeout()) }
        defer { task.cancel() }
        return try await promise.futureResult.get()
    }

    static func clientConfig(_ identity: TestIdentity.Identity) -> EndpointConfiguration {
        EndpointConfiguration(role: .client, certificate: identity.certificate, privateKey: identity.key,
                              remoteFingerprints: [TestIdentity.ecdsaP256Other.fingerprint])
    }

    /// A client on 127.0.0.1:`port` (0: any) with its own identity.
    func startClient(group: any EventLoopGroup, port: Int, identity: TestIdentity.Identity, remote: SocketAddress)
        async throws -> (any Channel, EventLoopPromise<Void>) {
        let loop = group.next()
        let connected = loop.makePromise(of: Void.self)
        let channel = try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try DTLSSRTPClientHandler(configuration: Self.clientConfig(identity), remote: remote,
                                                            delegate: ClientEvents(connected: connected))
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        return (channel, connected)
    }

    /// RFC 6347 4.2.8 over real UDP: a client that restarts on the same
    /// address and port (no close_notify from the old one) reconnects at
    /// once, the old association is reported replaced, and media flows on
    /// the new keys.
    @Test func aPeerThatRestartsOnTheSameAddressReconnects() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        var config = EndpointConfiguration(role: .server, certificate: TestIdentity.ecdsaP256Other.certificate,
                                                 privateKey: TestIdentity.ecdsaP256Other.key,
                                                 remoteFingerprints: [TestIdentity.ecdsaP256.fingerprint, TestIdentity.ecdsaP384.fingerprint])
        config.dtls.srtpProfiles = [.aeadAes128Gcm]
        let serverConfig = config
        let gotRTP = loop.makePromise(of: Void.self)
        let events = try await loop.submit { NIOLoopBound(Events(gotRTP: gotRTP), eventLoop: loop) }.get()
        let server = try await DatagramBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try DTLSSRTPServerHandler(configuration: serverConfig, delegate: events.value)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let remote = try #require(server.localAddress)

        let (first, firstConnected) = try await startClient(group: group, port: 0, identity: TestIdentity.ecdsaP256, remote: remote)
        let port = try #require(first.localAddress?.port)
        try await bounded(firstConnected)
        // The old client dies without a word; a new one takes its port.
        try await first.close()
        let (second, secondConnected) = try await startClient(group: group, port: port, identity: TestIdentity.ecdsaP384, remote: remote)
        try await bounded(secondConnected)
        try await second.eventLoop.submit {
            try second.pipeline.syncOperations.handler(type: DTLSSRTPClientHandler.self)
                .sendRTP([0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3, 4])
        }.get()
        try await bounded(gotRTP)

        let (connected, replaced, rtp) = try await loop.submit {
            (events.value.connected.map { $0.1.remoteFingerprint }, events.value.replaced.map(\.port), events.value.rtp.map(\.port))
        }.get()
        #expect(connected == [TestIdentity.ecdsaP256.fingerprint, TestIdentity.ecdsaP384.fingerprint])
        #expect(replaced == [port])
        #expect(rtp == [port])
        try await second.close()
        try await server.close()
        try await group.shutdownGracefully()
    }
}
