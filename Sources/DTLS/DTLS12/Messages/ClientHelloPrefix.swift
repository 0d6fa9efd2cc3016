/// The fields of a ClientHello that sit before the cipher suites: enough to
/// compute and check a cookie from the first fragment of a fragmented
/// ClientHello without buffering anything for an unverified peer.
package struct ClientHelloPrefix: Sendable {
    package var version: ProtocolVersion
    package var random: [UInt8]
    package var sessionID: [UInt8]
    package var cookie: [UInt8]

    package init(version: ProtocolVersion, random: [UInt8], sessionID: [UInt8], cookie: [UInt8]) {
        self.version = version
        self.random = random
        self.sessionID = sessionID
        self.cookie = cookie
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        version = ProtocolVersion(rawValue: try reader.readUInt16())
        random = try reader.readBytes(32)
        sessionID = try reader.readVector(lengthBytes: 1)
        guard sessionID.count <= 32 else { throw .invalidValue("session_id longer than 32") }
        cookie = try reader.readVector(lengthBytes: 1)
    }
}
