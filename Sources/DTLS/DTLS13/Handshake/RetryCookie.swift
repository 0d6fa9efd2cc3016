import DTLSCrypto

/// The cookie of a stateless HelloRetryRequest (RFC 9147 5.1, RFC 8446
/// 4.2.2): everything the server needs to go on when the second
/// ClientHello comes back, carried by the client and authenticated by the
/// server's secret, so that the server keeps nothing for an address that
/// has not yet shown it receives datagrams there.
///
/// ```
/// struct {
///   uint8  format = 1;
///   uint16 cipher_suite;                 // chosen for the first ClientHello
///   uint16 group;                        // the key_share asked for, 0 for none
///   opaque first_hello_hash<32..48>;     // Hash(ClientHello1), the suite's hash
///   opaque mac[32];                      // HMAC-SHA256(secret, address || the above)
/// } RetryCookie;
/// ```
///
/// The time binding is the secret itself: the listener replaces it every
/// rotation interval and accepts the one before, so a cookie lives for one
/// to two intervals.
package struct RetryCookie: Hashable, Sendable {
    package var suite: CipherSuite
    /// The group the HelloRetryRequest asked a share for, if any.
    package var group: NamedGroup?
    package var firstHelloHash: [UInt8]

    static let format: UInt8 = 1
    static let macLength = 32

    package init(suite: CipherSuite, group: NamedGroup?, firstHelloHash: [UInt8]) {
        self.suite = suite
        self.group = group
        self.firstHelloHash = firstHelloHash
    }

    private var fields: [UInt8] {
        var writer = ByteWriter(capacity: 6 + firstHelloHash.count)
        writer.writeUInt8(Self.format)
        writer.writeUInt16(suite.rawValue)
        writer.writeUInt16(group?.rawValue ?? 0)
        writer.writeVector(lengthBytes: 1, firstHelloHash)
        return writer.bytes
    }

    private static func mac(secret: [UInt8], address: [UInt8], fields: [UInt8]) -> [UInt8] {
        var data: [UInt8] = [UInt8(truncatingIfNeeded: address.count)]
        data += address
        data += fields
        return HMAC.authenticate(.sha256, key: secret.span, data: data.span)
    }

    /// The cookie bytes, bound to `address` under `secret`.
    package func sealed(secret: [UInt8], address: [UInt8]) -> [UInt8] {
        let fields = self.fields
        return fields + Self.mac(secret: secret, address: address, fields: fields)
    }

    /// The cookie's contents when one of `secrets` authenticates it for
    /// `address`, else nil (forged, stale, or from another address).
    package init?(opening cookie: [UInt8], secrets: [[UInt8]], address: [UInt8]) {
        guard cookie.count > Self.macLength else { return nil }
        let fields = Array(cookie[..<(cookie.count - Self.macLength)])
        let mac = Array(cookie[(cookie.count - Self.macLength)...])
        guard secrets.contains(where: { ConstantTime.equals(Self.mac(secret: $0, address: address, fields: fields).span, mac.span) }) else {
            return nil
        }
        var reader = ByteReader(fields)
        guard (try? reader.readUInt8()) == Self.format, let suite = try? reader.readUInt16(), let group = try? reader.readUInt16(),
              let hash = try? reader.readVector(lengthBytes: 1), reader.isAtEnd else { return nil }
        self.init(suite: CipherSuite(rawValue: suite), group: group == 0 ? nil : NamedGroup(rawValue: group), firstHelloHash: hash)
    }
}

/// The HelloRetryRequest (RFC 8446 4.1.4): a ServerHello with the special
/// random. One builder, so that the stateless listener and the server that
/// continues after it produce the same bytes (both hash it).
enum HelloRetryRequest {
    /// RFC 8446 4.1.3: the random of a HelloRetryRequest.
    static let random: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    /// The message body: supported_versions, then the wanted key_share
    /// group and the cookie when there are any.
    static func body(sessionID: [UInt8], suite: CipherSuite, group: NamedGroup?, cookie: [UInt8]?) -> [UInt8] {
        var extensions: [HelloExtension] = [.selectedVersion(.dtls13)]
        if let group { extensions.append(.retryKeyShare(group)) }
        if let cookie {
            var data = ByteWriter(capacity: 2 + cookie.count)
            data.writeVector(lengthBytes: 2, cookie)
            extensions.append(HelloExtension(type: .cookie, data: data.bytes))
        }
        var writer = ByteWriter()
        ServerHello(version: .dtls12, random: random, sessionID: sessionID, cipherSuite: suite, extensions: extensions).write(to: &writer)
        return writer.bytes
    }

    /// A handshake message as the transcript holds it in DTLS 1.3 (RFC 9147
    /// 5.2): the TLS 4-byte header, no message_seq or fragment fields.
    static func transcriptForm(_ type: HandshakeType, _ body: [UInt8]) -> [UInt8] {
        [type.rawValue, UInt8(truncatingIfNeeded: body.count >> 16), UInt8(truncatingIfNeeded: body.count >> 8),
         UInt8(truncatingIfNeeded: body.count)] + body
    }

    /// RFC 8446 4.4.1: the transcript after a HelloRetryRequest starts with
    /// message_hash, the hash of the first ClientHello in a synthetic message.
    static func transcriptPrefix(firstHelloHash: [UInt8]) -> [UInt8] {
        [HandshakeType.messageHash.rawValue, 0, 0, UInt8(firstHelloHash.count)] + firstHelloHash
    }
}

extension CipherSuite {
    /// The hash of a DTLS 1.3 suite (its HKDF, transcript and Finished hash).
    package var dtls13Hash: HashAlgorithm? {
        switch rawValue {
        case 0x1301, 0x1303: .sha256
        case 0x1302: .sha384
        default: nil
        }
    }
}

extension Array where Element == HelloExtension {
    /// A ClientHello's cookie (RFC 8446 4.2.2), if present.
    package func cookie() throws(WireError) -> [UInt8]? {
        guard let ext = first(.cookie) else { return nil }
        var reader = ByteReader(ext.data)
        let cookie = try reader.readVector(lengthBytes: 2)
        try reader.expectEnd()
        guard !cookie.isEmpty else { throw .invalidValue("empty cookie") }
        return cookie
    }
}
