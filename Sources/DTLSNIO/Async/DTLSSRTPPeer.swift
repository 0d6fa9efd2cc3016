import DTLS
import DTLSCrypto
import DTLSEndpoint
import Logging
import NIOCore

/// A peer of a `DTLSSRTPAsyncServer` whose handshake completed and whose
/// certificate matched one of the configured fingerprints: its address and
/// identity, its inbound media as an async sequence, and a writer for media
/// to it.
///
/// The inbound sequence ends when the peer is gone (close_notify, a fatal
/// alert, the server's shutdown, a restart on the same address). Cancelling
/// the task that iterates it closes the peer with close_notify: a consumer
/// that stops listening ends the call.
public struct DTLSSRTPPeer: Sendable {
    /// The peer's transport address.
    public let address: SocketAddress
    /// The handshake's result: version, suite, group, SRTP profile, and the
    /// SDP fingerprint the peer's certificate matched (its identity).
    public let info: EndpointConnectionInfo
    /// Decrypted RTP and RTCP from the peer, in arrival order. Media is
    /// real time: when the consumer falls behind by more than the server's
    /// `inboundBufferPackets`, the oldest packets are dropped (and counted
    /// in `DTLSSRTPAsyncServer.droppedInboundPackets`).
    public let inbound: AsyncStream<DTLSSRTPMedia>
    /// Protects and sends media to this peer.
    public let outbound: DTLSSRTPPeerWriter

    /// Closes the association with close_notify; `inbound` then ends.
    public func close() { outbound.close() }
}

/// Sends media to one peer from any task or thread: each call hops to the
/// server's event loop (unless already there), where the packet is
/// encrypted in its own buffer, written and flushed. Each hop is one NIO
/// task (and a wake-up of that loop when it sleeps): `send(contentsOf:)`
/// makes one hop for a batch. Measured in `dtls-srtp-bench --only
/// forward-loops`: about 26 us of CPU per packet forwarded through this
/// API against about 12 us through `DTLSSRTPServerHandler`'s delegate.
public struct DTLSSRTPPeerWriter: Sendable {
    let address: SocketAddress
    let handler: NIOLoopBound<DTLSSRTPServerHandler>
    let logger: Logger

    /// Sends `media` without waiting. A packet that cannot be sent (the
    /// peer closed meanwhile) is dropped and logged at debug level.
    public func send(_ media: DTLSSRTPMedia) {
        let address = address, handler = handler, logger = logger
        run(on: handler.eventLoop) {
            do throws(EndpointError) {
                try Self.write(media, to: address, via: handler.value)
            } catch {
                logger.debug("media not sent", metadata: ["peer": "\(address)", "reason": "\(error)"])
            }
        }
    }

    /// Sends several packets in one hop to the event loop.
    public func send(contentsOf media: [DTLSSRTPMedia]) {
        let address = address, handler = handler, logger = logger
        run(on: handler.eventLoop) {
            for packet in media {
                do throws(EndpointError) {
                    try Self.write(packet, to: address, via: handler.value)
                } catch {
                    logger.debug("media not sent", metadata: ["peer": "\(address)", "reason": "\(error)"])
                    return
                }
            }
        }
    }

    /// Sends `media` and waits until it was handed to the socket; throws the
    /// endpoint's error when it could not be (the peer closed, no keys yet).
    public func write(_ media: DTLSSRTPMedia) async throws {
        let address = address, handler = handler
        try await handler.eventLoop.submit {
            do throws(EndpointError) {
                try Self.write(media, to: address, via: handler.value)
            } catch {
                throw error
            }
        }.get()
    }

    /// Closes the peer with close_notify.
    public func close() {
        let address = address, handler = handler
        run(on: handler.eventLoop) { handler.value.close(address) }
    }

    private static func write(_ media: DTLSSRTPMedia, to address: SocketAddress, via handler: DTLSSRTPServerHandler) throws(EndpointError) {
        switch media {
        case .rtp(let buffer): try handler.sendRTP(buffer, to: address)
        case .rtcp(let buffer): try handler.sendRTCP(buffer, to: address)
        }
    }

    private func run(on loop: any EventLoop, _ body: @escaping @Sendable () -> Void) {
        if loop.inEventLoop { body() } else { loop.execute(body) }
    }
}
