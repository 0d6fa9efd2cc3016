@testable import DTLS
import DTLSCrypto
import FuzzSupport

/// A real handshake between our client and our server, with the fuzzer as
/// an active attacker on the path: it decides, datagram by datagram, to
/// pass, drop, duplicate, corrupt, truncate, reorder or inject. This
/// reaches every handshake state with genuine signatures and keys, in
/// both roles.
///
/// First byte: bits 0-1 the suite (ECDHE-ECDSA AES-128, ECDHE-ECDSA
/// AES-256, ECDHE-RSA, DHE-RSA), bit 2 no cookie exchange, bit 3 a 256-byte
/// MTU (every flight fragmented), bit 4 no client certificate.
/// Then one op per delivery (op % 8):
/// 0-1 pass, 2 drop, 3 duplicate, 4 flip a byte (2-byte position, xor byte),
/// 5 truncate (2-byte length), 6 move to the back of the queue,
/// 7 inject a datagram (2-byte length, bytes) towards the same side.
/// When the input ends, remaining datagrams pass and timers run until
/// both sides are quiet.
///
/// Whatever the attacker does: if both sides connect, they hold the same
/// keys and each has the other's real certificate.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var input = FuzzReader(data, size)
    guard let flags = input.u8() else { return 0 }
    let suite: CipherSuite = [.ecdheEcdsaWithAes128GcmSha256, .ecdheEcdsaWithAes256GcmSha384,
                              .ecdheRsaWithAes128GcmSha256, .dheRsaWithAes128GcmSha256][Int(flags & 3)]
    let serverIdentity = suite.authentication == .rsa ? FuzzIdentity.rsaServer : FuzzIdentity.server
    var clientConfig = FuzzIdentity.configuration(FuzzIdentity.client, peer: serverIdentity)
    var serverConfig = FuzzIdentity.configuration(serverIdentity, peer: FuzzIdentity.client)
    clientConfig.cipherSuites = [suite]
    serverConfig.cookieExchange = flags & 4 == 0
    if flags & 8 != 0 {
        clientConfig.mtu = 256
        serverConfig.mtu = 256
    }
    serverConfig.requireClientCertificate = flags & 16 == 0
    var now = fuzzStart
    let client = FuzzPeer(DTLSConnection(clientWith: clientConfig, now: now), mtu: clientConfig.mtu)
    let server = FuzzPeer(DTLSConnection(serverWith: serverConfig, now: now), mtu: serverConfig.mtu)

    var queue: [(toServer: Bool, bytes: [UInt8])] = []
    var steps = 0
    while steps < 400 {
        steps += 1
        queue += client.drain().map { (true, $0) }
        queue += server.drain().map { (false, $0) }
        guard !queue.isEmpty else {
            // Quiet: let the earliest timer fire, or stop.
            let timers = [client.nextTimeout, server.nextTimeout].compactMap { $0 }
            guard let next = timers.min(), client.connection.isLive || server.connection.isLive else { break }
            if client.isConnected && server.isConnected { break }
            now = max(now, next)
            client.connection.handleTimeout(now: now)
            server.connection.handleTimeout(now: now)
            continue
        }
        var item = queue.removeFirst()
        let target = item.toServer ? server : client
        switch (input.u8() ?? 0) % 8 {
        case 2:
            continue
        case 3:
            queue.append(item)
        case 4:
            let position = Int(input.u16() ?? 0) % item.bytes.count
            item.bytes[position] ^= (input.u8() ?? 1) | 1
        case 5:
            item.bytes = Array(item.bytes.prefix(Int(input.u16() ?? 0) % item.bytes.count))
        case 6:
            queue.append(item)
            continue
        case 7:
            target.connection.handlePacket(input.chunk() ?? [], now: now)
        default:
            break
        }
        target.connection.handlePacket(item.bytes, now: now)
    }
    client.drain()
    server.drain()
    if client.isConnected && server.isConnected {
        fuzzCheck(client.keyingMaterial?.bytes == server.keyingMaterial?.bytes, "both connected with different keys")
        fuzzCheck(client.connection.connectionInfo?.peerCertificate == serverIdentity.certificate.derEncoded,
                  "client connected to a certificate that is not the server's")
        if serverConfig.requireClientCertificate {
            fuzzCheck(server.connection.connectionInfo?.peerCertificate == FuzzIdentity.client.certificate.derEncoded,
                      "server connected to a certificate that is not the client's")
        }
    }
    return 0
}

@_cdecl("fuzz_handshake_mitm_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv, fuzz, seeds: seeds)
}

func seeds() -> [[UInt8]] {
    [
        [0], [1], [2], [3], [4], [8], [16], [12],
        [0, 0, 0, 2, 0, 0, 0, 0, 0, 0],                  // drop the server's first flight
        [0, 0, 0, 0, 4, 0, 40, 0x80],                    // corrupt a ClientHello byte
        [0, 0, 0, 0, 0, 4, 0, 100, 0x01],                // corrupt the server's flight
        [0, 3, 3, 6, 6, 0, 0, 0, 0, 0],                  // duplicate and reorder
        [8, 0, 0, 0, 0, 5, 0, 30],                       // truncate a fragment
        [4, 0, 7, 0, 3, 1, 2, 3],                        // inject garbage
    ]
}
