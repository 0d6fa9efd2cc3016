@testable import DTLS
import DTLSCrypto
import FuzzSupport

/// The DTLS 1.3 engines (RFC 9147) under arbitrary input, both roles.
///
/// First byte: bit 0 picks the victim (0: a server, 1: a client that sent
/// its ClientHello); bit 1 first connects a real pair in memory and makes
/// the victim that pair's server. Then steps (first byte of each):
/// - 0: an arbitrary datagram (2-byte length, bytes);
/// - 1: a record from the peer (pair mode only): content type byte, two
///      sequence bytes, content. Application data goes through the peer's
///      own `send`; any other type is sealed under its real epoch-3 keys
///      at that sequence number: post-handshake messages, ACKs, alerts,
///      unknown types, type 0 (the content's last non-zero byte is then
///      the type), replays;
/// - 2: a real application record from the peer, 1 byte flipped (it must
///      never be delivered);
/// - 3: timers (byte: 100 ms steps).
///
/// Whatever happens: no trap; a fresh victim never connects to a fuzzer
/// without its keys; a connected victim delivers only what the real peer sealed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var input = FuzzReader(data, size)
    guard let flags = input.u8() else { return 0 }
    var now = fuzzStart
    var serverConfig = FuzzIdentity.configuration(FuzzIdentity.server, peer: FuzzIdentity.client)
    serverConfig.versions = [.dtls13]
    var clientConfig = FuzzIdentity.configuration(FuzzIdentity.client, peer: FuzzIdentity.server)
    clientConfig.versions = [.dtls13]

    let pair = flags & 2 != 0
    let victim: DTLS13Engine
    var peer: DTLS13Engine?
    if pair {
        let client = DTLS13Client(configuration: clientConfig), server = DTLS13Server(configuration: serverConfig)
        try? client.start(now: now)
        for _ in 0..<8 {
            while let d = client.pollDatagram() { try? server.handleDatagram(d, now: now) }
            while let d = server.pollDatagram() { try? client.handleDatagram(d, now: now) }
        }
        fuzzCheck(client.phase == .connected && server.phase == .connected, "the in-memory DTLS 1.3 handshake did not complete")
        victim = server
        peer = client
    } else if flags & 1 != 0 {
        let client = DTLS13Client(configuration: clientConfig)
        try? client.start(now: now)
        _ = client.pollDatagram()
        victim = client
    } else {
        victim = DTLS13Server(configuration: serverConfig)
    }

    var authentic: [[UInt8]] = []
    var steps = 0
    while !input.isAtEnd, steps < 32 {
        steps += 1
        guard let op = input.u8() else { break }
        switch op % 4 {
        case 0:
            guard let datagram = input.chunk() else { return 0 }
            try? victim.handleDatagram(datagram, now: now)
        case 1:
            guard let peer, let type = input.u8(), let epoch = input.u8(), let sequence = input.u8(), let content = input.chunk() else { break }
            // The peer's real keys for that epoch: seal as the peer would.
            let contentType = ContentType(rawValue: type)
            if contentType == .applicationData {
                // Data only ever through the peer's own send: it is authentic.
                try? peer.send(content)
                authentic.append(content)
                if let d = peer.pollDatagram() { try? victim.handleDatagram(d, now: now) }
            } else if let keys = peer.writeKeys, keys.epoch == 3 {
                // Any other type under the real epoch-3 keys, at a sequence
                // number chosen by the input (replays and gaps included).
                let number = UInt64(epoch) << 8 | UInt64(sequence)
                if let record = try? RecordProtection13.seal(contentType, content: content, sequence: number, keys: keys) {
                    // The inner plaintext's type is its last non-zero byte
                    // (RFC 8446 5.4): with type 0, a content ending in 23
                    // and zeros is application data sealed by the peer.
                    var inner = content + [type]
                    while inner.last == 0 { inner.removeLast() }
                    if inner.last == ContentType.applicationData.rawValue { authentic.append(Array(inner.dropLast())) }
                    try? victim.handleDatagram(record, now: now)
                }
            }
        case 2:
            guard let peer, let at = input.u16(), let flip = input.u8(), flip != 0 else { break }
            try? peer.send([1, 2, 3, 4, 5, 6, 7, 8])
            guard var record = peer.pollDatagram(), !record.isEmpty else { break }
            record[Int(at) % record.count] ^= flip
            try? victim.handleDatagram(record, now: now)
        default:
            guard let ticks = input.u8() else { break }
            now = now + .milliseconds(100 * Int(ticks))
            victim.handleTimeout(now: now)
        }
    }
    var buffer: [UInt8] = []
    var delivered: [[UInt8]] = []
    while true {
        switch victim.pollOutput(into: &buffer) {
        case .applicationData: delivered.append(buffer)
        case .timeout: break
        default: continue
        }
        break
    }
    delivered += victim.received
    if pair {
        for d in delivered {
            fuzzCheck(authentic.contains(d), "delivered data the peer never sealed: \(d)")
        }
    } else {
        fuzzCheck(victim.phase != .connected, "a DTLS 1.3 engine connected to a fuzzer without its keys")
    }
    return 0
}

@_cdecl("fuzz_dtls13_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv, fuzz, seeds: seeds)
}

/// A real ClientHello to a server, a real server flight to a client, and
/// a connected pair with each kind of step.
func seeds() -> [[UInt8]] {
    var serverConfig = FuzzIdentity.configuration(FuzzIdentity.server, peer: FuzzIdentity.client)
    serverConfig.versions = [.dtls13]
    var clientConfig = FuzzIdentity.configuration(FuzzIdentity.client, peer: FuzzIdentity.server)
    clientConfig.versions = [.dtls13]
    let client = DTLS13Client(configuration: clientConfig), server = DTLS13Server(configuration: serverConfig)
    try? client.start(now: fuzzStart)
    let hello = client.pollDatagram() ?? []
    try? server.handleDatagram(hello, now: fuzzStart)
    let flight = server.pollDatagram() ?? []
    return [
        [0, 0] + FuzzEncoding.chunk(hello) + [3, 10],
        [1, 0] + FuzzEncoding.chunk(flight) + [3, 10, 3, 20],
        [2, 1, 23, 3, 0] + FuzzEncoding.chunk(Array("data".utf8)) + [1, 22, 3, 1] + FuzzEncoding.chunk([4, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0]),
        [2, 1, 26, 3, 2] + FuzzEncoding.chunk([0, 16, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]) + [2, 0, 3, 0x40],
        [2, 1, 21, 3, 3] + FuzzEncoding.chunk([2, 40]) + [3, 50],
        [2, 1, 0, 3, 4] + FuzzEncoding.chunk([9, 23, 0, 0]) + [1, 0, 3, 5] + FuzzEncoding.chunk([23]),
    ]
}
