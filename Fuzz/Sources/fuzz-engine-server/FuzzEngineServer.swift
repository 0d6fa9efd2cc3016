@testable import DTLS
import DTLSCrypto
import FuzzSupport

/// A fresh server connection (or the stateless cookie listener in front of
/// one) fed an arbitrary sequence of datagrams and timer ticks.
///
/// First byte: bit 0 lets the connection do its own cookie exchange,
/// bit 1 puts a `DTLSCookieListener` in front (datagrams go to the listener
/// until it accepts), bit 2 drops the client-certificate requirement,
/// bit 3 verifies the client by fingerprint instead of accepting any
/// certificate. The rest is a `runScript` input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var input = FuzzReader(data, size)
    guard let flags = input.u8() else { return 0 }
    var config = FuzzIdentity.configuration(FuzzIdentity.server, peer: flags & 8 != 0 ? FuzzIdentity.client : nil)
    config.cookieExchange = flags & 1 != 0
    config.requireClientCertificate = flags & 4 == 0
    if flags & 2 != 0 {
        var listener = DTLSCookieListener(configuration: config, now: fuzzStart)
        var steps = 0
        while !input.isAtEnd, steps < 8 {
            steps += 1
            guard let datagram = input.chunk() else { return 0 }
            switch listener.handle(datagram, from: [10, 0, 0, 1, 0x13, 0x88], now: fuzzStart) {
            case .reply(let reply):
                fuzzCheck(reply.count <= datagram.count, "HelloVerifyRequest larger than the ClientHello")
            case .drop:
                break
            case .accept(let connection):
                runScript(&input, peer: FuzzPeer(connection, mtu: config.mtu))
                return 0
            }
        }
        return 0
    }
    let peer = FuzzPeer(DTLSConnection(serverWith: config, now: fuzzStart), mtu: config.mtu)
    runScript(&input, peer: peer)
    fuzzCheck(!peer.connected, "a server connected to a fuzzer without its keys")
    return 0
}

@_cdecl("fuzz_engine_server_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv, fuzz, seeds: seeds)
}

func seeds() -> [[UInt8]] {
    var out: [[UInt8]] = []
    // A real client's datagrams, as a script (later flights will not verify
    // against a new server's randoms, but they exercise every parser).
    for (flags, cookie) in [(UInt8(0), false), (4, false), (1, true), (2, true)] {
        let log = Seeds.handshake(cookie: cookie).filter(\.toServer)
        var script: [UInt8] = [flags]
        for d in log.dropFirst(cookie ? 1 : 0) { script += [0] + FuzzEncoding.chunk(d.bytes) }
        out.append(script)
    }
    let hello = Seeds.handshake(cookie: false)[0].bytes
    out.append([0, 0] + FuzzEncoding.chunk(hello) + [0x85, 0x90])
    for (name, record) in Seeds.vectorRecords() where name.hasPrefix("client") {
        out.append([4, 0] + FuzzEncoding.chunk(record))
    }
    return out
}
