import DTLS

/// Collects what a connection reports, so tests can assert on it.
public final class EngineDriver {
    public let connection: DTLSConnection
    public let name: String
    public private(set) var outgoing: [[UInt8]] = []
    public private(set) var connectedInfo: DTLSConnectionInfo?
    public private(set) var keyingMaterial: DTLSKeyingMaterial?
    public private(set) var peerCertificate: [UInt8]?
    public private(set) var received: [[UInt8]] = []
    public private(set) var failure: DTLSError?
    public private(set) var peerClosed = false
    public private(set) var nextTimeout: DTLSInstant?
    public private(set) var packetsSent = 0
    private var buffer: [UInt8] = []

    public init(_ connection: DTLSConnection, name: String) {
        self.connection = connection
        self.name = name
    }

    /// Drains all output; returns the datagrams to send.
    @discardableResult
    public func drain() -> [[UInt8]] {
        while true {
            switch connection.pollOutput(into: &buffer) {
            case .packet:
                outgoing.append(buffer)
                packetsSent += 1
            case .applicationData: received.append(buffer)
            case .peerCertificate(let der): peerCertificate = der
            case .connected(let info): connectedInfo = info
            case .keyingMaterial(let km): keyingMaterial = km
            case .peerClosed: peerClosed = true
            case .failed(let error): failure = error
            case .timeout(let t):
                nextTimeout = t
                let out = outgoing
                outgoing.removeAll()
                return out
            }
        }
    }

    public var isConnected: Bool { connectedInfo != nil && failure == nil }
}
