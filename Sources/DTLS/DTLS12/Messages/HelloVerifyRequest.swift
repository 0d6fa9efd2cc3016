/// HelloVerifyRequest (RFC 6347 4.2.1).
///
/// ```
/// struct {
///   ProtocolVersion server_version;
///   opaque cookie<0..2^8-1>;
/// } HelloVerifyRequest;
/// ```
/// Servers send 1.0 or 1.2 in `server_version`; both are accepted.
package struct HelloVerifyRequest: Hashable, Sendable {
    package var version: ProtocolVersion
    package var cookie: [UInt8]

    package init(version: ProtocolVersion = .dtls10, cookie: [UInt8]) {
        self.version = version
        self.cookie = cookie
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        version = ProtocolVersion(rawValue: try reader.readUInt16())
        cookie = try reader.readVector(lengthBytes: 1)
        try reader.expectEnd()
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeUInt16(version.rawValue)
        writer.writeVector(lengthBytes: 1, cookie)
    }
}
