import DTLS
import Testing
import SRTP

/// One RTP and one RTCP known-answer packet for each of the four profiles,
/// through SRTPSession (libsrtp on the libcrypto types): protect gives the
/// packet, unprotect gives the plaintext back, and any flipped bit, a
/// truncation or a replay is refused.
///
/// - AES128_CM_HMAC_SHA1_80 and AEAD_AES_128_GCM: libsrtp's own
///   srtp_driver packets (srtp_validate, srtp_validate_gcm; the same bytes
///   as Vectors/libsrtp_validation.json). RFC 3711 B.3 keys the first.
/// - AES128_CM_HMAC_SHA1_32 and AEAD_AES_256_GCM: no published packet
///   vector exists. Computed by scripts/srtp-profile-vectors.py, an
///   independent RFC 3711 / RFC 7714 implementation (pyca AES, hashlib
///   HMAC) that reproduces the libsrtp packets above first; the same bytes
///   come out of Debian's libsrtp2 2.5.0 on its built-in NSS crypto.
@Suite struct ProfileVectorTests {
    struct Vector: CustomStringConvertible, Sendable {
        let profile: SRTPProtectionProfile
        let key: String, salt: String
        let rtp: String, srtp: String
        let rtcp: String, srtcp: String
        var description: String { "profile 0x000\(profile.rawValue)" }
    }

    static let rtp = "800f1234decafbadcafebabe" + String(repeating: "ab", count: 16)
    static let rtcp = "81c8000bcafebabe" + String(repeating: "ab", count: 16)

    static let vectors: [Vector] = [
        Vector(profile: .aes128CmHmacSha1_80,
               key: "e1f97a0d3e018be0d64fa32c06de4139", salt: "0ec675ad498afeebb6960b3aabe6",
               rtp: rtp, srtp: "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb",
               rtcp: rtcp, srtcp: "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798"),
        Vector(profile: .aes128CmHmacSha1_32,
               key: "e1f97a0d3e018be0d64fa32c06de4139", salt: "0ec675ad498afeebb6960b3aabe6",
               rtp: rtp, srtp: "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc",
               rtcp: rtcp, srtcp: "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798"),
        Vector(profile: .aeadAes128Gcm,
               key: "000102030405060708090a0b0c0d0e0f", salt: "a0a1a2a3a4a5a6a7a8a9aaab",
               rtp: rtp, srtp: "800f1234decafbadcafebabec5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392",
               rtcp: rtcp, srtcp: "81c8000bcafebabec98b8b5df0392a55852b6c21ac8e7025c52c6fbea2b3b446ea31123ba88ce61e80000001"),
        Vector(profile: .aeadAes256Gcm,
               key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", salt: "a0a1a2a3a4a5a6a7a8a9aaab",
               rtp: rtp, srtp: "800f1234decafbadcafebabe0af7f21e8a90bdad7a425c9c31ed4bb1d90238917e7390a2793500e1681acaea",
               rtcp: rtcp, srtcp: "81c8000bcafebabe8abfafa780070a90e80f9161cf4aac081ed93aaa53c15b0f3ed1a3b984167b0380000001"),
    ]

    @Test func everyProfileHasAVector() {
        #expect(Set(Self.vectors.map(\.profile)) == Set(SRTPProtectionProfile.supported))
        #expect(SRTPLibrary.backend == .libcrypto)
    }

    static func session(_ v: Vector, _ direction: SRTPSession.Direction) throws -> SRTPSession {
        try SRTPSession(profile: v.profile, masterKey: [UInt8](hex: v.key)!, masterSalt: [UInt8](hex: v.salt)!,
                        direction: direction, replayWindowSize: 128)
    }

    @Test(arguments: vectors)
    func protectGivesTheVector(v: Vector) throws {
        let sender = try Self.session(v, .outbound)
        let rtp = [UInt8](hex: v.rtp)!, rtcp = [UInt8](hex: v.rtcp)!
        var buffer = Packets.withRoom(rtp)
        let n = try sender.protectRTP(&buffer, length: rtp.count)
        #expect(Array(buffer[..<n]).hex == v.srtp)
        buffer = Packets.withRoom(rtcp)
        let m = try sender.protectRTCP(&buffer, length: rtcp.count)
        #expect(Array(buffer[..<m]).hex == v.srtcp)
    }

    @Test(arguments: vectors)
    func unprotectGivesThePlaintextOnceOnly(v: Vector) throws {
        let receiver = try Self.session(v, .inbound)
        var buffer = [UInt8](hex: v.srtp)!
        let n = try receiver.unprotectRTP(&buffer, length: buffer.count)
        #expect(Array(buffer[..<n]).hex == v.rtp)
        buffer = [UInt8](hex: v.srtcp)!
        let m = try receiver.unprotectRTCP(&buffer, length: buffer.count)
        #expect(Array(buffer[..<m]).hex == v.rtcp)

        var again = [UInt8](hex: v.srtp)!
        #expect(throws: SRTPError.replayDetected) { try receiver.unprotectRTP(&again, length: again.count) }
        again = [UInt8](hex: v.srtcp)!
        #expect(throws: SRTPError.replayDetected) { try receiver.unprotectRTCP(&again, length: again.count) }
    }

    /// Every single-bit flip of the authenticated bytes, in every position,
    /// fails authentication (fresh sessions, so replay is not the reason).
    /// SRTCP's E flag and index are authenticated too.
    @Test(arguments: vectors)
    func everyFlippedByteIsRejected(v: Vector) throws {
        for (packet, isRTCP) in [(v.srtp, false), (v.srtcp, true)] {
            let bytes = [UInt8](hex: packet)!
            for position in bytes.indices {
                // RTP: the version bits make libsrtp (or the length checks)
                // call the packet malformed rather than forged.
                let bit: UInt8 = position == 0 ? 0x01 : 0x10
                var forged = bytes
                forged[position] ^= bit
                let receiver = try Self.session(v, .inbound)
                do {
                    _ = isRTCP
                        ? try receiver.unprotectRTCP(&forged, length: forged.count)
                        : try receiver.unprotectRTP(&forged, length: forged.count)
                    Issue.record("\(isRTCP ? "SRTCP" : "SRTP") with byte \(position) flipped was accepted")
                } catch {
                    #expect(error == .authenticationFailed || (position < 12 && error == .badPacket),
                            "\(isRTCP ? "SRTCP" : "SRTP") byte \(position): \(error)")
                }
            }
        }
    }

    @Test(arguments: vectors)
    func truncatedPacketsAreRefused(v: Vector) throws {
        for (packet, isRTCP) in [(v.srtp, false), (v.srtcp, true)] {
            let bytes = [UInt8](hex: packet)!
            for length in 0..<bytes.count {
                var truncated = Array(bytes[..<length])
                let receiver = try Self.session(v, .inbound)
                #expect(throws: SRTPError.self) {
                    _ = isRTCP
                        ? try receiver.unprotectRTCP(&truncated, length: length)
                        : try receiver.unprotectRTP(&truncated, length: length)
                }
            }
        }
    }
}
