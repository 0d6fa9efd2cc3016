@testable import DTLS
import DTLSCrypto
import FuzzSupport

/// A fresh client connection fed an arbitrary sequence of datagrams and
/// timer ticks, as from a hostile server.
///
/// First byte: bit 0 verifies the server by fingerprint instead of
/// accepting any certificate, bits 1-2 restrict the offer to one suite
/// (0: all ECDSA suites, 1: AES-256, 2: X25519 only, 3: P-256 only).
/// The rest is a `runScript` input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var input = FuzzReader(data, size)
    guard let flags = input.u8() else { return 0 }
    var config = FuzzIdentity.configuration(FuzzIdentity.client, peer: flags & 1 != 0 ? FuzzIdentity.server : nil)
    switch (flags >> 1) & 3 {
    case 1: config.cipherSuites = [.ecdheEcdsaWithAes256GcmSha384]
    case 2: config.groups = [.x25519]
    case 3: config.groups = [.secp256r1]
    default: break
    }
    let peer = FuzzPeer(DTLSConnection(clientWith: config, now: fuzzStart), mtu: config.mtu)
    runScript(&input, peer: peer)
    fuzzCheck(!peer.connected, "a client connected to a fuzzer without its keys")
    return 0
}

@_cdecl("fuzz_engine_client_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv, fuzz, seeds: seeds)
}

func seeds() -> [[UInt8]] {
    var out: [[UInt8]] = []
    for cookie in [true, false] {
        let log = Seeds.handshake(cookie: cookie).filter { !$0.toServer }
        var script: [UInt8] = [0]
        for d in log { script += [0] + FuzzEncoding.chunk(d.bytes) }
        out.append(script)
    }
    var fragmented: [UInt8] = [0]
    for d in Seeds.handshake(cookie: false, mtu: 256) where !d.toServer { fragmented += [0] + FuzzEncoding.chunk(d.bytes) }
    out.append(fragmented)
    var recorded: [UInt8] = [0]
    for (name, record) in Seeds.vectorRecords() where !name.hasPrefix("client") { recorded += [0] + FuzzEncoding.chunk(record) }
    out.append(recorded)
    out.append([0, 0x81, 0x82, 0x84, 0x88])
    return out
}
