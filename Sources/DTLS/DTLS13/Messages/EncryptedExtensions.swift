/// EncryptedExtensions (RFC 8446 4.3.1): the server's extensions that need
/// no cleartext, use_srtp among them (RFC 9147 and RFC 5764).
///
/// ```
/// struct { Extension extensions<0..2^16-1>; } EncryptedExtensions;
/// ```
package struct EncryptedExtensions: Hashable, Sendable {
    package var extensions: [HelloExtension]

    package init(extensions: [HelloExtension]) { self.extensions = extensions }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        // Unlike a hello, the length is not optional here.
        guard reader.remaining >= 2 else { throw .truncated }
        extensions = try [HelloExtension].parse(&reader)
        try reader.expectEnd()
    }

    package func write(to writer: inout ByteWriter) {
        extensions.write(to: &writer)
        if extensions.isEmpty { writer.writeUInt16(0) }
    }
}
