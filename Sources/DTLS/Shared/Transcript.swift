import DTLSCrypto

/// The handshake messages exchanged so far, as they are hashed (RFC 6347
/// 4.2.6): each with its 12-byte DTLS header as if it were unfragmented.
/// The first ClientHello and the HelloVerifyRequest are not part of it.
///
/// Bytes are kept rather than a running hash because three different
/// prefixes are needed (session hash, CertificateVerify, each Finished) and
/// the hash algorithm is known only after ServerHello.
struct Transcript {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(4096) }

    mutating func append(type: HandshakeType, sequence: UInt16, body: [UInt8]) {
        var w = ByteWriter(reusing: [])
        w.bytes.reserveCapacity(HandshakeHeader.length)
        HandshakeHeader(type: type, length: UInt32(body.count), messageSequence: sequence,
                        fragmentOffset: 0, fragmentLength: UInt32(body.count)).write(to: &w)
        bytes.append(contentsOf: w.bytes)
        bytes.append(contentsOf: body)
    }

    func hash(_ algorithm: HashAlgorithm) -> [UInt8] {
        Digest.hash(algorithm, bytes.span)
    }

    mutating func reset() { bytes.removeAll(keepingCapacity: true) }
}
