import DTLS
import DTLSCrypto
import DTLSTestSupport
import OpenSSLReference

/// Our engine behind the reference harness's `DatagramPeer` protocol, so
/// the same pump drives libssl against libssl and libssl against us.
final class EnginePeer: DatagramPeer {
    let driver: EngineDriver
    var now: DTLSInstant
    private var pending: [[UInt8]] = []

    init(_ connection: DTLSConnection, name: String, now: DTLSInstant) {
        driver = EngineDriver(connection, name: name)
        self.now = now
    }

    var connection: DTLSConnection { driver.connection }

    func receive(_ datagram: [UInt8]) { connection.handlePacket(datagram, now: now) }

    func takeOutgoing() -> [[UInt8]] {
        pending += driver.drain()
        defer { pending.removeAll() }
        return pending
    }

    func advance() throws -> Bool {
        pending += driver.drain()
        if let failure = driver.failure { throw failure }
        return driver.isConnected
    }
}

enum Interop {
    static func fingerprint(of der: [UInt8]) -> Fingerprint {
        Fingerprint(certificate: try! Certificate(derEncoded: der))
    }

    /// Our configuration for talking to a libssl peer whose certificate we pin.
    static func ours(_ identity: TestIdentity.Identity, pinning peer: OpenSSLDTLSPeer) -> DTLSConfiguration {
        DTLSConfiguration(certificate: identity.certificate, privateKey: identity.key,
                          peerVerification: .fingerprints([fingerprint(of: peer.certificateDER)]))
    }

    static func pem(_ identity: TestIdentity.Identity) -> (String, String) {
        (identity.certificate.pemEncoded, identity.key.pemEncoded)
    }
}
