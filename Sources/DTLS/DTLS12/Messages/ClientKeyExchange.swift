/// ClientKeyExchange (RFC 8422 5.7, RFC 5246 7.4.7.2): the client's
/// ephemeral public value, `point<1..2^8-1>` for ECDHE, `dh_Yc<1..2^16-1>` for DHE.
package struct ClientKeyExchange: Hashable, Sendable {
    package var publicKey: [UInt8]

    package init(publicKey: [UInt8]) { self.publicKey = publicKey }

    package init(parsing reader: inout ByteReader, keyExchange: CipherSuite.KeyExchange) throws(WireError) {
        publicKey = try reader.readVector(lengthBytes: keyExchange == .ecdhe ? 1 : 2)
        guard !publicKey.isEmpty else { throw .invalidValue("empty package key") }
        try reader.expectEnd()
    }

    package func write(to writer: inout ByteWriter, keyExchange: CipherSuite.KeyExchange) {
        writer.writeVector(lengthBytes: keyExchange == .ecdhe ? 1 : 2, publicKey)
    }
}
