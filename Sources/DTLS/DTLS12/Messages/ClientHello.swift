/// ClientHello (RFC 6347 4.2.1, RFC 5246 7.4.1.2).
///
/// ```
/// struct {
///   ProtocolVersion client_version;
///   Random random;
///   SessionID session_id;                       // <0..32>
///   opaque cookie<0..2^8-1>;
///   CipherSuite cipher_suites<2..2^16-2>;
///   CompressionMethod compression_methods<1..2^8-1>;
///   select (extensions_present) { Extension extensions<0..2^16-1>; };
/// } ClientHello;
/// ```
package struct ClientHello: Hashable, Sendable {
    package var version: ProtocolVersion
    package var random: [UInt8]
    package var sessionID: [UInt8]
    package var cookie: [UInt8]
    package var cipherSuites: [CipherSuite]
    package var compressionMethods: [UInt8]
    package var extensions: [HelloExtension]

    package init(version: ProtocolVersion = .dtls12, random: [UInt8], sessionID: [UInt8] = [], cookie: [UInt8] = [],
                cipherSuites: [CipherSuite], compressionMethods: [UInt8] = [0], extensions: [HelloExtension]) {
        self.version = version
        self.random = random
        self.sessionID = sessionID
        self.cookie = cookie
        self.cipherSuites = cipherSuites
        self.compressionMethods = compressionMethods
        self.extensions = extensions
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        version = ProtocolVersion(rawValue: try reader.readUInt16())
        random = try reader.readBytes(32)
        sessionID = try reader.readVector(lengthBytes: 1)
        guard sessionID.count <= 32 else { throw .invalidValue("session_id longer than 32") }
        cookie = try reader.readVector(lengthBytes: 1)
        var suites = try reader.readLengthPrefixed(lengthBytes: 2)
        guard suites.remaining >= 2, suites.remaining % 2 == 0 else { throw .invalidValue("cipher_suites length") }
        var list: [CipherSuite] = []
        list.reserveCapacity(suites.remaining / 2)
        while !suites.isAtEnd { list.append(CipherSuite(rawValue: try suites.readUInt16())) }
        cipherSuites = list
        compressionMethods = try reader.readVector(lengthBytes: 1)
        guard !compressionMethods.isEmpty else { throw .invalidValue("no compression methods") }
        extensions = try [HelloExtension].parse(&reader)
        try reader.expectEnd()
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeUInt16(version.rawValue)
        writer.writeBytes(random)
        writer.writeVector(lengthBytes: 1, sessionID)
        writer.writeVector(lengthBytes: 1, cookie)
        writer.writeLengthPrefixed(lengthBytes: 2) { w in for s in cipherSuites { w.writeUInt16(s.rawValue) } }
        writer.writeVector(lengthBytes: 1, compressionMethods)
        extensions.write(to: &writer)
    }
}
