/// ServerHello (RFC 5246 7.4.1.3).
///
/// ```
/// struct {
///   ProtocolVersion server_version;
///   Random random;
///   SessionID session_id;
///   CipherSuite cipher_suite;
///   CompressionMethod compression_method;
///   select (extensions_present) { Extension extensions<0..2^16-1>; };
/// } ServerHello;
/// ```
package struct ServerHello: Hashable, Sendable {
    package var version: ProtocolVersion
    package var random: [UInt8]
    package var sessionID: [UInt8]
    package var cipherSuite: CipherSuite
    package var compressionMethod: UInt8
    package var extensions: [HelloExtension]

    package init(version: ProtocolVersion = .dtls12, random: [UInt8], sessionID: [UInt8] = [], cipherSuite: CipherSuite,
                compressionMethod: UInt8 = 0, extensions: [HelloExtension]) {
        self.version = version
        self.random = random
        self.sessionID = sessionID
        self.cipherSuite = cipherSuite
        self.compressionMethod = compressionMethod
        self.extensions = extensions
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        version = ProtocolVersion(rawValue: try reader.readUInt16())
        random = try reader.readBytes(32)
        sessionID = try reader.readVector(lengthBytes: 1)
        guard sessionID.count <= 32 else { throw .invalidValue("session_id longer than 32") }
        cipherSuite = CipherSuite(rawValue: try reader.readUInt16())
        compressionMethod = try reader.readUInt8()
        extensions = try [HelloExtension].parse(&reader)
        try reader.expectEnd()
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeUInt16(version.rawValue)
        writer.writeBytes(random)
        writer.writeVector(lengthBytes: 1, sessionID)
        writer.writeUInt16(cipherSuite.rawValue)
        writer.writeUInt8(compressionMethod)
        extensions.write(to: &writer)
    }
}
