@testable import DTLS
import DTLSCrypto
import FuzzSupport

/// The X25519MLKEM768 and SecP256r1MLKEM768 key shares (draft-ietf-tls-
/// ecdhe-mlkem) under arbitrary bytes, in both directions and inside a
/// real DTLS 1.3 handshake.
///
/// First byte: bit 0 picks the group; bits 1-2 the path:
/// - 0: the rest is a client share the server answers (`HybridGroup.respond`);
/// - 1: the rest is a server share our client opens (`HybridClientKey.sharedSecret`);
/// - 2: the rest replaces the hybrid share of a real ClientHello, which a
///   DTLS 1.3 server then handles;
/// - 3: the rest is XORed into a real client share, which the server answers.
///
/// Whatever happens: no trap; a share of the wrong length, a bad point or
/// an encapsulation key that fails FIPS 203's check is a typed error, and
/// the server engine either fails with an alert or keeps going, never
/// connects.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var input = FuzzReader(data, size)
    guard let flags = input.u8() else { return 0 }
    let group: HybridGroup = flags & 1 == 0 ? .x25519MLKEM768 : .secp256r1MLKEM768
    let bytes = input.rest()
    switch (flags >> 1) & 3 {
    case 0:
        if let answer = try? group.respond(toClientShare: bytes) {
            fuzzCheck(bytes.count == group.clientShareLength, "answered a client share of \(bytes.count) bytes")
            fuzzCheck(answer.share.count == group.serverShareLength && answer.sharedSecret.count == 64, "answer sizes")
        }
    case 1:
        guard let key = try? HybridClientKey(group: group) else { return 0 }
        if let secret = try? key.sharedSecret(serverShare: bytes) {
            fuzzCheck(bytes.count == group.serverShareLength && secret.count == 64, "opened a server share of \(bytes.count) bytes")
        }
    case 2:
        var config = FuzzIdentity.configuration(FuzzIdentity.server, peer: FuzzIdentity.client)
        config.versions = [.dtls13]
        let named: NamedGroup = group == .x25519MLKEM768 ? .x25519MLKEM768 : .secp256r1MLKEM768
        let hello = ClientHello(version: .dtls12, random: [UInt8](repeating: 7, count: 32), cipherSuites: [.aes128GcmSha256],
                                extensions: [.supportedVersions([.dtls13]), .supportedGroups([named]),
                                             .clientKeyShares([KeyShareEntry(group: named, keyExchange: bytes.isEmpty ? [0] : bytes)]),
                                             .signatureAlgorithms(SignatureScheme.dtls13),
                                             .useSRTP(UseSRTPData(profiles: [.aes128CmHmacSha1_80]))])
        var body = ByteWriter()
        hello.write(to: &body)
        var message = ByteWriter()
        HandshakeHeader(type: .clientHello, length: UInt32(body.count), messageSequence: 0, fragmentOffset: 0,
                        fragmentLength: UInt32(body.count)).write(to: &message)
        message.writeBytes(body.bytes)
        var record = ByteWriter()
        RecordHeader(contentType: .handshake, version: .dtls10, epoch: 0, sequenceNumber: 0,
                     length: UInt16(truncatingIfNeeded: message.count)).write(to: &record)
        record.writeBytes(message.bytes)
        let server = DTLS13Server(configuration: config)
        try? server.handleDatagram(record.bytes, now: fuzzStart)
        while server.pollDatagram() != nil {}
        fuzzCheck(server.phase != .connected, "a server connected on a ClientHello alone")
        if bytes.count != group.clientShareLength, case .failed(let error) = server.phase {
            fuzzCheck(error.alert == .illegalParameter || error.alert == .decodeError || error.alert == .handshakeFailure,
                      "a malformed hybrid share failed with \(error)")
        }
    default:
        guard let key = try? HybridClientKey(group: group) else { return 0 }
        var share = key.share
        for (i, byte) in bytes.prefix(share.count).enumerated() { share[i] ^= byte }
        _ = try? group.respond(toClientShare: share)
    }
    return 0
}

@_cdecl("fuzz_hybrid_share_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv, fuzz, seeds: seeds)
}

/// Real shares of both groups on every path.
func seeds() -> [[UInt8]] {
    var out: [[UInt8]] = []
    for (bit, group) in [(UInt8(0), HybridGroup.x25519MLKEM768), (1, .secp256r1MLKEM768)] {
        guard let key = try? HybridClientKey(group: group), let answer = try? group.respond(toClientShare: key.share) else { continue }
        out.append([bit] + key.share)
        out.append([bit | 2] + answer.share)
        out.append([bit | 4] + key.share)
        out.append([bit | 6] + [0, 0, 1])
    }
    return out
}
