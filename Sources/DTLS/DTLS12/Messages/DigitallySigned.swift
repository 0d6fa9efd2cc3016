/// A signature with its algorithm (RFC 5246 4.7 `digitally-signed` in TLS 1.2).
package struct DigitallySigned: Hashable, Sendable {
    package var scheme: SignatureScheme
    package var signature: [UInt8]

    package init(scheme: SignatureScheme, signature: [UInt8]) {
        self.scheme = scheme
        self.signature = signature
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        scheme = SignatureScheme(rawValue: try reader.readUInt16())
        signature = try reader.readVector(lengthBytes: 2)
        guard !signature.isEmpty else { throw .invalidValue("empty signature") }
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeUInt16(scheme.rawValue)
        writer.writeVector(lengthBytes: 2, signature)
    }
}
