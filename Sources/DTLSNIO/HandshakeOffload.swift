import DTLS
import NIOCore

/// A peer's connection while its handshake runs on a handshake event loop.
///
/// `@unchecked Sendable` because the connection crosses threads; the
/// protocol in `DTLSDatagramHandler.offload` keeps every use of it on one
/// thread at a time: the handshake loop until `handedOver`, the channel's
/// loop afterwards. `handedOver` itself is read and written only on the
/// handshake loop.
final class HandshakeOffload: @unchecked Sendable {
    let connection: DTLSConnection
    let loop: any EventLoop
    private(set) var handedOver = false
    private var buffer: [UInt8] = []

    /// What one job produced, for the channel's loop to act on.
    struct Result: Sendable {
        enum Event: Sendable {
            case connected(DTLSConnectionInfo)
            case keyingMaterial(DTLSKeyingMaterial)
            case applicationData([UInt8])
            case peerClosed
            case failed(DTLSError)
        }
        var packets: [[UInt8]] = []
        var events: [Event] = []
        var deadline: DTLSInstant?
        var handedOver = false
    }

    init(connection: DTLSConnection, loop: any EventLoop) {
        self.connection = connection
        self.loop = loop
    }

    /// On the handshake loop: runs `work` and drains the connection.
    func run(_ work: (DTLSConnection) -> Void) -> Result {
        work(connection)
        var result = Result()
        drain: while true {
            switch connection.pollOutput(into: &buffer) {
            case .packet: result.packets.append(buffer)
            case .applicationData: result.events.append(.applicationData(buffer))
            case .peerCertificate: continue
            case .connected(let info): result.events.append(.connected(info))
            case .keyingMaterial(let km): result.events.append(.keyingMaterial(km))
            case .peerClosed: result.events.append(.peerClosed)
            case .failed(let error): result.events.append(.failed(error))
            case .timeout(let deadline):
                result.deadline = deadline
                break drain
            }
        }
        if result.events.contains(where: { if case .applicationData = $0 { false } else { true } }) {
            handedOver = true
            result.handedOver = true
        }
        return result
    }
}
