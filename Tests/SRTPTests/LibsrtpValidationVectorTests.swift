import DTLS
import Testing
import SRTP

/// libsrtp's own srtp_driver known-answer packets through SRTPSession.
@Suite struct LibsrtpValidationVectorTests {
    /// The AES-256-CM and AES-192-CM vectors have no DTLS-SRTP profile
    /// (not in the IANA registry), so SRTPSession cannot express them.
    static let notExpressible = ["aes_cm_256_hmac_sha1_80", "aes_cm_192_hmac_sha1_80"]

    struct Vector {
        let name: String
        let profile: SRTPProtectionProfile
        let isRTCP: Bool
        let key: [UInt8], salt: [UInt8], plaintext: [UInt8], protected: [UInt8]
    }

    static func vectors() throws -> [Vector] {
        let rows = try Vectors.load("libsrtp_srtp_driver_validate.json").array("vectors")
        #expect(rows.count == 6)
        var result: [Vector] = []
        for row in rows {
            let name = try row.string("name")
            if notExpressible.contains(where: name.hasPrefix) { continue }
            let profile: SRTPProtectionProfile =
                name.hasPrefix("aead_aes_128_gcm") ? .aeadAes128Gcm
                : name.hasPrefix("aes_cm_128_hmac_sha1_80") ? .aes128CmHmacSha1_80
                : try #require(nil as SRTPProtectionProfile?, "unexpected vector \(name)")
            result.append(Vector(
                name: name, profile: profile, isRTCP: name.contains("RTCP"),
                key: try row.hex("master_key"), salt: try row.hex("master_salt"),
                plaintext: try row.hex("plaintext"), protected: try row.hex("protected")))
        }
        return result
    }

    @Test func fourVectorsAreExpressibleAndTwoAreNot() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count == 4)
        #expect(Set(vectors.map(\.profile)) == [.aes128CmHmacSha1_80, .aeadAes128Gcm])
        #expect(vectors.filter(\.isRTCP).count == 2)
    }

    @Test func protectingThePlaintextGivesLibsrtpsPacket() throws {
        for v in try Self.vectors() {
            let sender = try SRTPSession(
                profile: v.profile, masterKey: v.key, masterSalt: v.salt, direction: .outbound,
                replayWindowSize: 128)
            var buffer = Packets.withRoom(v.plaintext)
            let length = v.isRTCP
                ? try sender.protectRTCP(&buffer, length: v.plaintext.count)
                : try sender.protectRTP(&buffer, length: v.plaintext.count)
            #expect(Array(buffer[..<length]).hex == v.protected.hex, "\(v.name)")
        }
    }

    @Test func unprotectingLibsrtpsPacketGivesThePlaintext() throws {
        for v in try Self.vectors() {
            let receiver = try SRTPSession(
                profile: v.profile, masterKey: v.key, masterSalt: v.salt, direction: .inbound,
                replayWindowSize: 128)
            var buffer = v.protected
            let length = v.isRTCP
                ? try receiver.unprotectRTCP(&buffer, length: buffer.count)
                : try receiver.unprotectRTP(&buffer, length: buffer.count)
            #expect(Array(buffer[..<length]).hex == v.plaintext.hex, "\(v.name)")
        }
    }
}
