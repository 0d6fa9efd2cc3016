import DTLS
import DTLSEndpoint
import DTLSTestSupport
import SRTP
import Testing

/// A datagram whose storage is a shared object, copied on write like a
/// `ByteBuffer`, that counts every copy: so a test can see whether the
/// server core moved a media packet or copied it.
struct TrackedDatagram: ServerDatagram {
    final class Storage {
        var bytes: [UInt8]
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    nonisolated(unsafe) static var copies = 0
    var storage: Storage

    init() { storage = Storage([]) }
    init(datagram bytes: [UInt8]) { storage = Storage(bytes) }
    var count: Int { storage.bytes.count }

    func withBytes<Result>(_ body: (Span<UInt8>) -> Result) -> Result {
        storage.bytes.withBytes(body)
    }

    mutating func withMutableBytes<Result>(_ body: (inout MutableSpan<UInt8>) -> Result) -> Result {
        if !isKnownUniquelyReferenced(&storage) {
            Self.copies += 1
            storage = Storage(storage.bytes)
        }
        var bytes: [UInt8] = []
        swap(&bytes, &storage.bytes)
        let result = bytes.withMutableBytes(body)
        swap(&bytes, &storage.bytes)
        return result
    }

    mutating func truncate(to count: Int) {
        storage.bytes.removeLast(storage.bytes.count - count)
    }
}

/// The core works on a media packet where the driver put it: no copy
/// from `receive` to `.rtp`, and none through `protectRTP`.
@Suite(.serialized) struct ServerDatagramTests {
    typealias Server = DTLSSRTPServer<Int, TrackedDatagram>

    @Test func aMediaPacketIsDecryptedAndReEncryptedInTheBufferItArrivedIn() throws {
        let serverIdentity = TestIdentity.ecdsaP256Other, clientIdentity = TestIdentity.ecdsaP256
        var serverConfig = EndpointConfiguration(role: .server, certificate: serverIdentity.certificate,
                                                 privateKey: serverIdentity.key, remoteFingerprints: [clientIdentity.fingerprint])
        serverConfig.dtls.srtpProfiles = [.aeadAes128Gcm]
        var clientConfig = EndpointConfiguration(role: .client, certificate: clientIdentity.certificate,
                                                 privateKey: clientIdentity.key, remoteFingerprints: [serverIdentity.fingerprint])
        clientConfig.dtls.srtpProfiles = [.aeadAes128Gcm]
        let now = Fixture.start
        let server = try Server(configuration: serverConfig, now: now) { [UInt8(truncatingIfNeeded: $0)] }
        let client = EndpointRecorder(try DTLSSRTPEndpoint(configuration: clientConfig))
        client.endpoint.start(now: now)

        var buffer = TrackedDatagram()
        var connected = false
        var received: [TrackedDatagram] = []
        func drainServer() {
            while true {
                switch server.pollOutput(into: &buffer) {
                case .transmit: client.endpoint.handleDatagram(buffer.storage.bytes, now: now)
                case .connected: connected = true
                case .rtp:
                    // Handed over, as a driver does: no reference stays behind.
                    received.append(buffer)
                    buffer = TrackedDatagram()
                case .timeout: return
                default: continue
                }
            }
        }
        for _ in 0..<10 {
            for datagram in client.drain() { server.receive(TrackedDatagram(datagram: datagram), from: 7, now: now) }
            server.service(now: now)
            drainServer()
        }
        #expect(connected)
        #expect(client.endpoint.state == .connected)

        var packet: [UInt8] = [0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7] + [UInt8](repeating: 0xAB, count: 100)
        packet += [UInt8](repeating: 0, count: 32)
        let protectedLength = try client.endpoint.protectRTP(&packet, length: 112)
        let datagram = TrackedDatagram(datagram: Array(packet[0..<protectedLength]))
        let arrived = ObjectIdentifier(datagram.storage)

        TrackedDatagram.copies = 0
        server.receive(consume datagram, from: 7, now: now)
        server.service(now: now)
        drainServer()
        #expect(TrackedDatagram.copies == 0)
        var media = try #require(received.first)
        received = []
        #expect(ObjectIdentifier(media.storage) == arrived, "the plaintext is in the received datagram's own storage")
        #expect(media.storage.bytes == Array(packet[0..<12]) + [UInt8](repeating: 0xAB, count: 100))

        // Sent back: protected in the same storage (after room for the trailer).
        let plainLength = media.count
        media.storage.bytes += [UInt8](repeating: 0, count: SRTPSession.maximumTrailerLength)
        let sealed = try media.withMutableBytes { span in
            Result { () throws(EndpointError) -> Int in try server.protectRTP(&span, length: plainLength, for: 7) }
        }.get()
        #expect(TrackedDatagram.copies == 0)
        #expect(ObjectIdentifier(media.storage) == arrived)
        media.truncate(to: sealed)
        client.endpoint.handleDatagram(media.storage.bytes, now: now)
        client.drain()
        #expect(client.rtp.last == Array(packet[0..<12]) + [UInt8](repeating: 0xAB, count: 100))
    }
}
