import DTLSCrypto

/// HelloVerifyRequest cookies (RFC 6347 4.2.1): an HMAC over the peer's
/// address and the ClientHello fields that precede the cookie, so a cookie
/// proves the peer receives packets at that address without the server
/// remembering anything about it.
///
/// Only the fields before `cookie` are bound (version, random, session_id):
/// they all sit in the first fragment of even a 1.4 KB browser ClientHello,
/// so a fragmented ClientHello can be answered and verified statelessly.
struct CookieMint {
    static let length = 32

    static func cookie(secret: [UInt8], address: [UInt8], prefix: ClientHelloPrefix) -> [UInt8] {
        var data: [UInt8] = []
        data.reserveCapacity(address.count + 2 + 32 + 33)
        data.append(UInt8(truncatingIfNeeded: address.count))
        data.append(contentsOf: address)
        data.append(UInt8(truncatingIfNeeded: prefix.version.rawValue >> 8))
        data.append(UInt8(truncatingIfNeeded: prefix.version.rawValue))
        data.append(contentsOf: prefix.random)
        data.append(UInt8(truncatingIfNeeded: prefix.sessionID.count))
        data.append(contentsOf: prefix.sessionID)
        return HMAC.authenticate(.sha256, key: secret.span, data: data.span)
    }

    static func verify(secrets: [[UInt8]], address: [UInt8], prefix: ClientHelloPrefix) -> Bool {
        guard prefix.cookie.count == length else { return false }
        for secret in secrets {
            let expected = cookie(secret: secret, address: address, prefix: prefix)
            if ConstantTime.equals(expected.span, prefix.cookie.span) { return true }
        }
        return false
    }

    /// The HelloVerifyRequest handshake message (header and body) carrying
    /// `cookie`, numbered like the ClientHello it answers. The one builder
    /// of it: the stateless listener and a connection doing its own cookie
    /// exchange both wrap this in a record.
    static func helloVerifyRequestMessage(cookie: [UInt8], messageSequence: UInt16) -> [UInt8] {
        var body = ByteWriter(capacity: 40)
        HelloVerifyRequest(version: .dtls10, cookie: cookie).write(to: &body)
        var w = ByteWriter(capacity: HandshakeHeader.length + body.count)
        HandshakeHeader(type: .helloVerifyRequest, length: UInt32(body.count), messageSequence: messageSequence,
                        fragmentOffset: 0, fragmentLength: UInt32(body.count)).write(to: &w)
        w.writeBytes(body.bytes)
        return w.bytes
    }

    /// A HelloVerifyRequest datagram answering a ClientHello record. The
    /// record and message sequence numbers mirror the ClientHello's, as RFC
    /// 6347 4.2.1 asks of a stateless server. Always 60 bytes: smaller than
    /// any ClientHello, so it cannot amplify.
    static func helloVerifyRequestDatagram(cookie: [UInt8], recordSequence: UInt64, messageSequence: UInt16) -> [UInt8] {
        let message = helloVerifyRequestMessage(cookie: cookie, messageSequence: messageSequence)
        var w = ByteWriter(capacity: RecordHeader.length + message.count)
        RecordHeader(contentType: .handshake, version: .dtls10, epoch: 0, sequenceNumber: recordSequence,
                     length: UInt16(message.count)).write(to: &w)
        w.writeBytes(message)
        return w.bytes
    }
}
