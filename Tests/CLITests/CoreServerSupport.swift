import DTLS
import DTLSCrypto
import DTLSEndpoint
import DTLSNIO
import NIOCore
import NIOPosix

/// A `DTLSSRTPServerHandler` on a real socket for the tests: echoes SRTP,
/// SRTCP and application data back to their sender, and reports peers gone.
final class EchoServerDelegate: DTLSSRTPServerDelegate {
    let closed: EventLoopPromise<EndpointError?>?
    init(closed: EventLoopPromise<EndpointError?>? = nil) { self.closed = closed }
    func server(_ handler: DTLSSRTPServerHandler, receivedRTP packet: consuming ByteBuffer, from address: SocketAddress) {
        try? handler.sendRTP(packet, to: address)
    }
    func server(_ handler: DTLSSRTPServerHandler, receivedRTCP packet: consuming ByteBuffer, from address: SocketAddress) {
        try? handler.sendRTCP(packet, to: address)
    }
    func server(_ handler: DTLSSRTPServerHandler, receivedApplicationData data: [UInt8], from address: SocketAddress) {
        try? handler.send(data, to: address)
    }
    func server(_ handler: DTLSSRTPServerHandler, closed address: SocketAddress, error: EndpointError?, counters: EndpointCounters) {
        closed?.succeed(error)
    }
}

/// The server's socket, and its handler reached on the socket's loop.
struct CoreServer: Sendable {
    let channel: any Channel
    var localAddress: SocketAddress? { channel.localAddress }

    /// Binds on 127.0.0.1, any port; the server accepts any client certificate.
    static func start(on loop: any EventLoop, limits: DTLSSRTPServerLimits = .init(),
                      closed: EventLoopPromise<EndpointError?>? = nil) async throws -> CoreServer {
        let key = try PrivateKey.generateECDSA(.p256)
        var config = EndpointConfiguration(role: .server, certificate: try Certificate.selfSigned(privateKey: key),
                                           privateKey: key, remoteFingerprints: [])
        config.acceptsAnyCertificate = true
        let channel = try await DTLSSRTPServerHandler.bind(on: loop, host: "127.0.0.1", port: 0, configuration: config,
                                                           limits: limits) { EchoServerDelegate(closed: closed) }
        return CoreServer(channel: channel)
    }

    /// Runs `body` on the socket's loop with the handler.
    func withHandler<T: Sendable>(_ body: @escaping @Sendable (DTLSSRTPServerHandler) throws -> T) async throws -> T {
        let channel = self.channel
        return try await channel.eventLoop.submit {
            try body(try channel.pipeline.syncOperations.handler(type: DTLSSRTPServerHandler.self))
        }.get()
    }
}

/// A client socket driven by `DTLSSRTPClientHandler`.
struct CoreClient: Sendable {
    let channel: any Channel
    var localAddress: SocketAddress? { channel.localAddress }

    /// Connects with `configuration`'s identity, accepting any server certificate.
    static func connect(on loop: any EventLoop, remote: SocketAddress, configuration: DTLSConfiguration,
                        delegate: @escaping @Sendable () -> (any DTLSSRTPClientDelegate)?) async throws -> CoreClient {
        var config = EndpointConfiguration(role: .client, certificate: configuration.certificate,
                                           privateKey: configuration.privateKey, remoteFingerprints: [])
        config.dtls = configuration
        config.acceptsAnyCertificate = true
        return CoreClient(channel: try await DTLSSRTPClientHandler.connect(on: loop, to: remote, configuration: config,
                                                                           delegate: delegate))
    }

    /// Runs `body` on the socket's loop with the handler.
    func withHandler<T: Sendable>(_ body: @escaping @Sendable (DTLSSRTPClientHandler) throws -> T) async throws -> T {
        let channel = self.channel
        return try await channel.eventLoop.submit {
            try body(try channel.pipeline.syncOperations.handler(type: DTLSSRTPClientHandler.self))
        }.get()
    }
}
