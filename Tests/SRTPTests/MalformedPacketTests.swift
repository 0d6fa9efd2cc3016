import DTLS
import Testing
import SRTP

/// Truncated or malformed input must produce an error, never a crash or a
/// read past `length`, and must not disturb the session.
@Suite struct MalformedPacketTests {
    @Test(arguments: SRTPProtectionProfile.supported)
    func everyTruncationOfAnSRTPPacketFails(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let plain = Packets.rtp(ssrc: 0x77, sequence: 300, payload: Array(repeating: 3, count: 24))
        let sealed = try peers.client.sealRTP(plain)
        for length in 0..<sealed.count {
            var buffer = sealed  // full bytes present, shorter length declared
            #expect(throws: SRTPError.self, "length \(length)") {
                try peers.server.unprotectRTP(&buffer, length: length)
            }
            var short = Array(sealed[..<length])  // buffer itself truncated
            #expect(throws: SRTPError.self) { try peers.server.unprotectRTP(&short, length: length) }
        }
        #expect(try peers.server.openRTP(sealed) == plain, "failures did not poison the replay state")
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func everyTruncationOfAnSRTCPPacketFails(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let plain = Packets.rtcpReceiverReport(ssrc: 0x77)
        let sealed = try peers.client.sealRTCP(plain)
        for length in 0..<sealed.count {
            var buffer = sealed
            #expect(throws: SRTPError.self, "length \(length)") {
                try peers.server.unprotectRTCP(&buffer, length: length)
            }
        }
        #expect(try peers.server.openRTCP(sealed) == plain)
    }

    @Test func headersShorterThanTheMinimumAreBadPackets() throws {
        let peers = try Peers(.aes128CmHmacSha1_80)
        var rtp = [UInt8](repeating: 0x80, count: 11)
        #expect(throws: SRTPError.badPacket) { try peers.server.unprotectRTP(&rtp, length: 11) }
        var rtcp = [UInt8](repeating: 0x80, count: 64)
        #expect(throws: SRTPError.badPacket) { try peers.server.unprotectRTCP(&rtcp, length: 7) }
        var empty: [UInt8] = []
        #expect(throws: SRTPError.badPacket) { try peers.server.unprotectRTP(&empty, length: 0) }
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func headersClaimingMoreThanThePacketHoldsFail(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let sealed = try peers.client.sealRTP(
            Packets.rtp(ssrc: 1, sequence: 1, payload: Array(repeating: 0, count: 20)))
        var csrcs = sealed
        csrcs[0] = 0x8F  // CC = 15: 60 bytes of CSRCs
        #expect(throws: SRTPError.self) { try peers.server.openRTP(csrcs) }
        var ext = sealed
        ext[0] = 0x90  // X = 1, extension header at byte 12 claims 0xFFFF words
        ext[14] = 0xFF
        ext[15] = 0xFF
        #expect(throws: SRTPError.self) { try peers.server.openRTP(ext) }
        var version = sealed
        version[0] = 0x40  // RTP version 1
        #expect(throws: SRTPError.self) { try peers.server.openRTP(version) }
    }

    @Test func protectingAPacketShorterThanAnRTPHeaderIsABadPacket() throws {
        let peers = try Peers(.aeadAes128Gcm)
        var buffer = [UInt8](repeating: 0x80, count: 64)
        #expect(throws: SRTPError.badPacket) { try peers.client.protectRTP(&buffer, length: 8) }
    }
}
