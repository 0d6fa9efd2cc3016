// Two Sans-IO engines, a client and a server, handshake in memory and
// exchange one SRTP packet. Built and run by `make test`; the README and the DTLS DocC article point to it.
import DTLS
import DTLSCrypto
import SRTP

/// One side of a call: its engine, the datagrams it wants sent, its timer,
/// and its SRTP keys once the peer's certificate matched the fingerprint.
final class Side {
    let connection: DTLSConnection
    var outbox: [[UInt8]] = []
    var timer: DTLSInstant?
    var srtp: SRTPTransport?
    private var buffer: [UInt8] = []

    init(_ connection: DTLSConnection) { self.connection = connection }

    /// Drains the engine: call it after every `handlePacket` and `handleTimeout`.
    func drain() throws {
        while true {
            switch connection.pollOutput(into: &buffer) {
            case .packet: outbox.append(buffer)                  // one UDP datagram to send
            case .applicationData: print("data: \(buffer.count) bytes")
            case .peerCertificate: break                         // already matched the fingerprint
            case .connected(let info): print("\(connection.role): \(info.cipherSuite)")
            case .keyingMaterial(let km):                        // RFC 5764 keys for libsrtp
                srtp = try SRTPTransport(profile: km.profile, exportedKeyingMaterial: km.bytes, isClient: km.isClient)
            case .peerClosed: return
            case .failed(let error): throw error
            case .timeout(let deadline): timer = deadline; return  // nil: no timer armed
            }
        }
    }
}

// Each side pins the other's certificate, as an SDP a=fingerprint line does.
let clientKey = try PrivateKey.generateECDSA(.p256)
let clientCertificate = try Certificate.selfSigned(privateKey: clientKey)
let serverKey = try PrivateKey.generateECDSA(.p256)
let serverCertificate = try Certificate.selfSigned(privateKey: serverKey)
let client = Side(DTLSConnection(
    clientWith: DTLSConfiguration(certificate: clientCertificate, privateKey: clientKey,
                                  peerVerification: .fingerprints([Fingerprint(certificate: serverCertificate)])),
    now: .now))
let server = Side(DTLSConnection(
    serverWith: DTLSConfiguration(certificate: serverCertificate, privateKey: serverKey,
                                  peerVerification: .fingerprints([Fingerprint(certificate: clientCertificate)])),
    now: .now))

// The "network": hand each side's datagrams to the other until both have keys.
try client.drain()
try server.drain()
for _ in 0..<10 where client.srtp == nil || server.srtp == nil {
    for datagram in client.outbox { server.connection.handlePacket(datagram, now: .now) }
    client.outbox.removeAll()
    try server.drain()
    for datagram in server.outbox { client.connection.handlePacket(datagram, now: .now) }
    server.outbox.removeAll()
    try client.drain()
}
guard let clientSRTP = client.srtp, let serverSRTP = server.srtp else { fatalError("no SRTP keys") }

// One RTP packet (12-byte header, 4 bytes of payload), protected and unprotected in place.
let rtp: [UInt8] = [0x80, 96, 0, 1, 0, 0, 0, 160, 0x12, 0x34, 0x56, 0x78, 1, 2, 3, 4]
var packet = rtp + [UInt8](repeating: 0, count: 64)           // room for the tag
let protectedLength = try clientSRTP.protectRTP(&packet, length: rtp.count)
let plainLength = try serverSRTP.unprotectRTP(&packet, length: protectedLength)
guard Array(packet[..<plainLength]) == rtp else { fatalError("the packet did not survive SRTP") }
print("SRTP: ok, \(rtp.count) bytes of RTP, \(protectedLength) on the wire")
