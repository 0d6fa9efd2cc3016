import DTLS
import SRTP

/// SRTP/SRTCP known-answer packets through SRTP.SRTPSession (libsrtp underneath).
enum SRTPChecks {
    /// kind "srtp-packet"
    static func packet(_ c: VectorCase) throws {
        guard let code = c.fields["profile"] as? Int else {
            throw Mismatch("no DTLS-SRTP profile for this vector (mark the case skip)")
        }
        let profile = SRTPProtectionProfile(rawValue: UInt16(code))
        guard profile.isSupported else {
            throw Mismatch("SRTPProtectionProfile has no profile 0x\(String(code, radix: 16))")
        }
        let isRTCP: Bool
        switch try c.string("packet_type") {
        case "rtp": isRTCP = false
        case "rtcp": isRTCP = true
        case let other: throw Mismatch("packet_type '\(other)' is neither rtp nor rtcp")
        }
        let key = try c.hex("master_key"), salt = try c.hex("master_salt")
        let plaintext = try c.hex("plaintext"), protected = try c.hex("protected")

        let sender = try SRTPSession(profile: profile, masterKey: key, masterSalt: salt, direction: .outbound, replayWindowSize: 128)
        var buffer = plaintext + Array(repeating: 0, count: SRTPSession.maximumTrailerLength)
        let sent = isRTCP
            ? try sender.protectRTCP(&buffer, length: plaintext.count)
            : try sender.protectRTP(&buffer, length: plaintext.count)
        try Expect.bytes(Array(buffer[0..<sent]), protected, isRTCP ? "protectRTCP output" : "protectRTP output")

        let receiver = try SRTPSession(profile: profile, masterKey: key, masterSalt: salt, direction: .inbound, replayWindowSize: 128)
        var incoming = protected
        let received = isRTCP
            ? try receiver.unprotectRTCP(&incoming, length: incoming.count)
            : try receiver.unprotectRTP(&incoming, length: incoming.count)
        try Expect.bytes(Array(incoming[0..<received]), plaintext, isRTCP ? "unprotectRTCP output" : "unprotectRTP output")

        // The same packet with its last tag byte flipped must not authenticate
        // (fresh session, so replay protection cannot be what rejects it).
        let fresh = try SRTPSession(profile: profile, masterKey: key, masterSalt: salt, direction: .inbound, replayWindowSize: 128)
        var forged = protected
        forged[forged.count - 1] ^= 0x01
        do {
            _ = isRTCP
                ? try fresh.unprotectRTCP(&forged, length: forged.count)
                : try fresh.unprotectRTP(&forged, length: forged.count)
            throw Mismatch("a packet with a modified tag was accepted")
        } catch let error as SRTPError {
            try Expect.equal(error, .authenticationFailed, "error for a modified tag")
        }
    }

    /// kind "srtp-kdf": RFC 3711 B.3 can only be observed through a packet
    /// protected by a session keyed with the B.3 master key.
    static func kdf(_ c: VectorCase) throws {
        switch try c.string("op") {
        case "kdf_via_srtp_packet":
            try packet(c)
        case let op:
            throw Mismatch("op '\(op)' has no public code path in the project (the case must be marked skip)")
        }
    }
}
