import DTLS
import DTLSCrypto
import OpenSSLReference

/// Identities made once, as an SFU would hold its certificate.
struct BenchIdentity: Sendable {
    let certificate: Certificate
    let key: PrivateKey
    var fingerprint: Fingerprint { Fingerprint(certificate: certificate) }

    static func make(_ key: PrivateKey) -> BenchIdentity {
        BenchIdentity(certificate: try! Certificate.selfSigned(privateKey: key), key: key)
    }
}

/// Two of our connections joined in memory, the server behind the
/// stateless cookie listener, as a real server runs.
final class OurPair {
    let client: DTLSConnection
    var server: DTLSConnection?
    var listener: DTLSCookieListener
    var buffer: [UInt8] = []
    var now = DTLSInstant.now
    var clientKM: DTLSKeyingMaterial?
    var serverKM: DTLSKeyingMaterial?
    var received = 0
    /// Bytes and datagrams both ways, the listener's replies included.
    var bytesOnTheWire = 0
    var datagrams = 0
    /// Time spent in each side's calls (the listener counts as the server's).
    var clientTime: Duration = .zero
    var serverTime: Duration = .zero
    static let address: [UInt8] = [127, 0, 0, 1, 0x13, 0x88]

    init(client c: DTLSConfiguration, server s: DTLSConfiguration) {
        client = DTLSConnection(clientWith: c, now: now)
        listener = DTLSCookieListener(configuration: s, now: now)
    }

    /// Runs the handshake to completion; false if it failed.
    func handshake() -> Bool {
        let clock = ContinuousClock()
        for _ in 0..<20 {
            var toServer: [[UInt8]] = []
            var mark = clock.now
            drain(client, into: &toServer, isClient: true)
            clientTime += clock.now - mark
            for d in toServer {
                mark = clock.now
                if let server {
                    server.handlePacket(d, now: now)
                    serverTime += clock.now - mark
                } else {
                    let decision = listener.handle(d, from: Self.address, now: now)
                    serverTime += clock.now - mark
                    switch decision {
                    case .reply(let r):
                        bytesOnTheWire += r.count
                        datagrams += 1
                        mark = clock.now
                        client.handlePacket(r, now: now)
                        clientTime += clock.now - mark
                    case .accept(let conn): server = conn
                    case .drop: break
                    }
                }
            }
            if let server {
                var toClient: [[UInt8]] = []
                mark = clock.now
                drain(server, into: &toClient, isClient: false)
                serverTime += clock.now - mark
                mark = clock.now
                for d in toClient { client.handlePacket(d, now: now) }
                clientTime += clock.now - mark
            }
            if clientKM != nil, serverKM != nil { return true }
        }
        return false
    }

    func drain(_ conn: DTLSConnection, into out: inout [[UInt8]], isClient: Bool) {
        while true {
            switch conn.pollOutput(into: &buffer) {
            case .packet:
                out.append(buffer)
                bytesOnTheWire += buffer.count
                datagrams += 1
            case .keyingMaterial(let km): if isClient { clientKM = km } else { serverKM = km }
            case .applicationData: received += 1
            case .failed(let e): fatalError("benchmark handshake failed: \(e)")
            case .timeout: return
            default: continue
            }
        }
    }
}

/// libssl against libssl, in memory, through the same datagram BIO our interop tests use.
enum OpenSSLPairs {
    static func handshake(client: OpenSSLDTLSPeer.Configuration, server: OpenSSLDTLSPeer.Configuration) -> (OpenSSLDTLSPeer, OpenSSLDTLSPeer) {
        let c = try! OpenSSLDTLSPeer(client)
        let s = try! OpenSSLDTLSPeer(server)
        try! DatagramPump.run(c, s, maxSteps: 20)
        return (c, s)
    }
}
