@testable import DTLS
import DTLSCrypto
import FuzzSupport

/// The established connection's record path with real keys.
///
/// Each input starts from a fresh pair of our own connections that
/// completed a handshake in memory, plus three application-data records
/// the client sealed but the harness has not delivered yet. The input is a
/// sequence of operations against the server (first byte of each step):
///
/// - 0: an arbitrary datagram (2-byte length, bytes).
/// - 1: a captured record (index byte) with 1-4 bytes flipped
///      (2-byte position, xor byte each): it must never be delivered.
/// - 2: a captured record delivered intact (at most once, whatever the repeats).
/// - 3: a record of any content type (type byte, sequence byte, 2-byte
///      length, plaintext) sealed with the client's real epoch-1 keys:
///      reaches post-handshake handshake messages, alerts, CCS and data.
/// - 4: real application data from the client (2-byte length, bytes).
/// - 5: timers (byte: 50 ms steps).
/// - 6: the server sends application data; the client must get it.
/// - 7: the client closes.
///
/// Whatever happens, the server only ever delivers plaintext that was
/// sealed with the real keys, each captured record at most once.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var input = FuzzReader(data, size)
    var now = fuzzStart
    let clientConfig = FuzzIdentity.configuration(FuzzIdentity.client, peer: FuzzIdentity.server)
    let serverConfig = FuzzIdentity.configuration(FuzzIdentity.server, peer: FuzzIdentity.client)
    let client = FuzzPeer(DTLSConnection(clientWith: clientConfig, now: now), mtu: clientConfig.mtu)
    let server = FuzzPeer(DTLSConnection(serverWith: serverConfig, now: now), mtu: serverConfig.mtu)
    pump(client, server, now: now)
    fuzzCheck(client.isConnected && server.isConnected, "the in-memory handshake did not complete")
    fuzzCheck(client.keyingMaterial == server.keyingMaterial.map { DTLSKeyingMaterial(profile: $0.profile, bytes: $0.bytes, isClient: true) },
              "keying material differs")
    client.checkMTU = false
    server.checkMTU = false

    var authentic = Set<[UInt8]>()
    var captured: [[UInt8]] = []
    for i in 0..<3 {
        let payload = Array("captured record \(i)".utf8)
        try! client.connection.send(payload)
        authentic.insert(payload)
        captured.append(client.drain()[0])
    }
    guard let protection = client.connection.writeProtection else { fatalError("no write keys") }

    // With the op's high bit set, datagrams to the server take the direct
    // path (openApplicationData) first, falling back to handlePacket.
    var directReceived: [[UInt8]] = []
    var direct = false
    func toServer(_ d: [UInt8]) {
        guard direct else { server.connection.handlePacket(d, now: now); return }
        var copy = d
        switch server.connection.openApplicationData(in: &copy) {
        case .applicationData(let range): directReceived.append(Array(copy[range]))
        case .dropped: break
        case .handled: fuzzCheck(false, "a DTLS 1.2 record was .handled (only DTLS 1.3 records are)")
        case .needsEngine:
            fuzzCheck(copy == d, "the direct path changed a datagram it handed back")
            server.connection.handlePacket(d, now: now)
        }
    }

    var steps = 0
    while !input.isAtEnd, steps < 24, server.connection.isLive {
        steps += 1
        guard let op = input.u8() else { break }
        direct = op & 0x80 != 0
        switch op % 8 {
        case 0:
            guard let d = input.chunk() else { break }
            toServer(d)
        case 1:
            var d = captured[Int(input.u8() ?? 0) % captured.count]
            let flips = Int(input.u8() ?? 0) % 4 + 1
            var changed = false
            for _ in 0..<flips {
                let position = Int(input.u16() ?? 0) % d.count
                let mask = (input.u8() ?? 1) | 1
                d[position] ^= mask
                changed = true
            }
            let before = server.received.count + directReceived.count
            toServer(d)
            server.drain()
            if changed, d != captured[0], d != captured[1], d != captured[2] {
                let latest = directReceived.count > 0 && server.received.count + directReceived.count > before
                    ? directReceived.last : server.received.last
                fuzzCheck(server.received.count + directReceived.count == before || latest.map { authentic.contains($0) } == true,
                          "a tampered record was delivered")
            }
        case 2:
            toServer(captured[Int(input.u8() ?? 0) % captured.count])
        case 3:
            let type = ContentType(rawValue: input.u8() ?? 23)
            let sequence = 1000 + UInt64(input.u8() ?? 0)
            let plaintext = input.chunk() ?? []
            var record = ByteWriter()
            RecordHeader(contentType: type, version: .dtls12, epoch: 1, sequenceNumber: sequence, length: 0).write(to: &record)
            var bytes = record.bytes + [UInt8](repeating: 0, count: 8) + plaintext + [UInt8](repeating: 0, count: 16)
            try! protection.seal(&bytes, headerStart: 0, plaintextLength: plaintext.count, type: type,
                                 version: .dtls12, epoch: 1, sequence: sequence)
            if type == .applicationData { authentic.insert(plaintext) }
            toServer(bytes)
        case 4:
            let payload = Array((input.chunk() ?? []).prefix(1000))
            if (try? client.connection.send(payload)) != nil {
                authentic.insert(payload)
            }
        case 5:
            now += .milliseconds(50 * Int(input.u8() ?? 1))
            server.connection.handleTimeout(now: now)
            client.connection.handleTimeout(now: now)
        case 6:
            let payload = Array((input.chunk() ?? []).prefix(1000))
            if (try? server.connection.send(payload)) != nil {
                let before = client.received.count
                for d in server.drain() { client.connection.handlePacket(d, now: now) }
                client.drain()
                if client.isConnected {
                    fuzzCheck(client.received.count == before + 1 && client.received.last == payload,
                              "the client lost data from a live server")
                }
            }
        default:
            client.connection.close()
        }
        // Whatever either side says goes to the other.
        for d in client.drain() { toServer(d) }
        for d in server.drain() { client.connection.handlePacket(d, now: now) }
        client.drain()
        let delivered = server.received + directReceived
        for message in delivered {
            fuzzCheck(authentic.contains(message), "the server delivered data nobody sealed")
        }
        for c in 0..<3 {
            let payload = Array("captured record \(c)".utf8)
            fuzzCheck(delivered.filter { $0 == payload }.count <= 1, "a captured record was delivered twice")
        }
    }
    return 0
}

@_cdecl("fuzz_engine_connected_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv, fuzz, seeds: seeds)
}

func seeds() -> [[UInt8]] {
    [
        [2, 0, 2, 1, 2, 0],                              // deliver, replay
        [1, 0, 0, 0, 20, 0x40],                          // tamper one byte
        [1, 2, 3, 0, 0, 1, 0, 5, 2, 0, 30, 0x10, 0, 31, 0x08],
        [3, 23, 1, 0, 4, 1, 2, 3, 4],                    // sealed application data
        [3, 22, 2, 0, 12, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // post-handshake ClientHello (renegotiation)
        [3, 22, 3, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // HelloRequest
        [3, 21, 4, 0, 2, 1, 0],                          // sealed close_notify
        [3, 21, 5, 0, 2, 2, 40],                         // sealed fatal alert
        [3, 20, 6, 0, 1, 1],                             // sealed ChangeCipherSpec
        [3, 99, 7, 0, 3, 1, 2, 3],                       // unknown content type
        [4, 0, 5, 104, 101, 108, 108, 111, 6, 0, 2, 104, 105, 5, 40, 7],
        [0, 0, 13, 23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 0],
    ]
}
