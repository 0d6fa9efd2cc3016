@testable import DTLS
import DTLSCrypto

/// Certificates for the fuzz targets, generated once per process.
public enum FuzzIdentity {
    public struct Identity {
        public let certificate: Certificate
        public let key: PrivateKey
        public var fingerprint: Fingerprint { Fingerprint(certificate: certificate) }
    }

    public static let client = make { try PrivateKey.generateECDSA(.p256) }
    public static let server = make { try PrivateKey.generateECDSA(.p256) }
    /// For DHE_RSA / ECDHE_RSA suites (keygen is slow: only touched by targets that use it).
    public static let rsaServer = make { try PrivateKey.generateRSA(bits: 2048) }

    static func make(_ key: () throws -> PrivateKey) -> Identity {
        do {
            let k = try key()
            return Identity(certificate: try Certificate.selfSigned(privateKey: k, commonName: "fuzz"), key: k)
        } catch {
            fatalError("fuzz identity: \(error)")
        }
    }

    public static func configuration(_ identity: Identity, peer: Identity?) -> DTLSConfiguration {
        let verification: PeerVerification = peer.map { .fingerprints([$0.fingerprint]) } ?? .acceptAny
        var config = DTLSConfiguration(certificate: identity.certificate, privateKey: identity.key, peerVerification: verification)
        // Short timers so that time-driven paths are reached with few steps.
        config.initialRetransmitTimeout = .milliseconds(100)
        config.maxRetransmitTimeout = .seconds(2)
        config.handshakeTimeout = .seconds(30)
        // The engine targets fuzz the DTLS 1.2 engine (its seeds are 1.2
        // flights); fuzz-dtls13 and fuzz-hybrid-share set [.dtls13].
        config.versions = [.dtls12]
        return config
    }
}

/// The fixed origin of every fuzz run's virtual clock.
public let fuzzStart = DTLSInstant.now

/// One connection and what it reported, with invariants on the output
/// stream that must hold whatever the peer sends.
public final class FuzzPeer {
    public let connection: DTLSConnection
    public let mtu: Int
    public private(set) var outgoing: [[UInt8]] = []
    public private(set) var connected = false
    public private(set) var failure: DTLSError?
    public private(set) var keyingMaterial: DTLSKeyingMaterial?
    public private(set) var received: [[UInt8]] = []
    public private(set) var peerClosed = false
    public private(set) var nextTimeout: DTLSInstant?
    /// When false, a packet above the MTU is not an error (application
    /// data sent by the harness may be as large as the record allows).
    public var checkMTU = true
    private var buffer: [UInt8] = []

    public init(_ connection: DTLSConnection, mtu: Int) {
        self.connection = connection
        self.mtu = mtu
    }

    /// Drains all output; returns the datagrams to send.
    @discardableResult
    public func drain() -> [[UInt8]] {
        var guardCount = 0
        while true {
            guardCount += 1
            fuzzCheck(guardCount < 100_000, "pollOutput never returned .timeout")
            switch connection.pollOutput(into: &buffer) {
            case .packet:
                fuzzCheck(!buffer.isEmpty, "empty datagram emitted")
                if checkMTU {
                    fuzzCheck(buffer.count <= mtu, "datagram of \(buffer.count) bytes exceeds the MTU \(mtu)")
                }
                outgoing.append(buffer)
            case .applicationData:
                fuzzCheck(connected, "application data delivered before .connected")
                received.append(buffer)
            case .peerCertificate:
                break
            case .connected:
                fuzzCheck(!connected, ".connected reported twice")
                fuzzCheck(failure == nil, ".connected after .failed")
                connected = true
            case .keyingMaterial(let km):
                fuzzCheck(keyingMaterial == nil, "keying material reported twice")
                fuzzCheck(connected, "keying material before .connected")
                keyingMaterial = km
            case .peerClosed:
                fuzzCheck(!peerClosed, ".peerClosed reported twice")
                peerClosed = true
            case .failed(let error):
                fuzzCheck(failure == nil, ".failed reported twice: \(failure!) then \(error)")
                failure = error
            case .timeout(let t):
                nextTimeout = t
                let out = outgoing
                outgoing.removeAll()
                return out
            }
        }
    }

    public var isConnected: Bool { connected && failure == nil && connection.isConnected }
}

/// Moves datagrams between two peers on a perfect network until neither
/// has anything to say (at most `rounds` exchanges).
public func pump(_ client: FuzzPeer, _ server: FuzzPeer, now: DTLSInstant, rounds: Int = 16) {
    for _ in 0..<rounds {
        let toServer = client.drain()
        for d in toServer { server.connection.handlePacket(d, now: now) }
        let toClient = server.drain()
        for d in toClient { client.connection.handlePacket(d, now: now) }
        if toServer.isEmpty && toClient.isEmpty { return }
    }
}

/// Splits the datagrams of a flight into their records (header + fragment bytes).
public func records(in datagram: [UInt8]) -> [[UInt8]] {
    var views: [RecordView] = []
    RecordView.split(datagram, into: &views)
    return views.map { Array(datagram[($0.fragment.lowerBound - RecordHeader.length)..<$0.fragment.upperBound]) }
}
