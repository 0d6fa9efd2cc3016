import DTLS
import Testing
import SRTP

/// `protect*` works in place and needs exactly the profile's trailer room.
@Suite struct BufferRoomTests {
    @Test(arguments: SRTPProtectionProfile.supported)
    func protectWithoutRoomForTheTrailerThrowsAndLeavesTheBufferAlone(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let plain = Packets.rtp(ssrc: 1, sequence: 1, payload: Array(repeating: 7, count: 30))
        var rtp = plain + [UInt8](repeating: 0, count: profile.rtpOverhead - 1)
        let before = rtp
        #expect(throws: SRTPError.bufferTooSmall) { try peers.client.protectRTP(&rtp, length: plain.count) }
        #expect(rtp == before)

        let report = Packets.rtcpReceiverReport(ssrc: 1)
        var rtcp = report + [UInt8](repeating: 0, count: profile.rtcpOverhead - 1)
        #expect(throws: SRTPError.bufferTooSmall) { try peers.client.protectRTCP(&rtcp, length: report.count) }
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func protectWritesNothingBeyondTheDeclaredTrailer(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let canary = [UInt8](repeating: 0xEE, count: 64)
        let plain = Packets.rtp(ssrc: 1, sequence: 1, payload: Array(repeating: 7, count: 30))
        var rtp = plain + [UInt8](repeating: 0, count: profile.rtpOverhead) + canary
        let rtpLength = try peers.client.protectRTP(&rtp, length: plain.count)
        #expect(rtpLength == plain.count + profile.rtpOverhead)
        #expect(Array(rtp[rtpLength...]) == canary)
        #expect(try peers.server.openRTP(Array(rtp[..<rtpLength])) == plain)

        let report = Packets.rtcpReceiverReport(ssrc: 1)
        var rtcp = report + [UInt8](repeating: 0, count: profile.rtcpOverhead) + canary
        let rtcpLength = try peers.client.protectRTCP(&rtcp, length: report.count)
        #expect(rtcpLength == report.count + profile.rtcpOverhead)
        #expect(Array(rtcp[rtcpLength...]) == canary)
    }

    @Test func aLengthLargerThanTheBufferIsBufferTooSmall() throws {
        let peers = try Peers(.aes128CmHmacSha1_80)
        var buffer = [UInt8](repeating: 0x80, count: 20)
        #expect(throws: SRTPError.bufferTooSmall) { try peers.server.unprotectRTP(&buffer, length: 21) }
        #expect(throws: SRTPError.bufferTooSmall) { try peers.client.protectRTP(&buffer, length: 21) }
    }

    @Test func aNegativeLengthIsABadParameter() throws {
        let peers = try Peers(.aes128CmHmacSha1_80)
        var buffer = [UInt8](repeating: 0x80, count: 40)
        #expect(throws: SRTPError.badParameter) { try peers.server.unprotectRTP(&buffer, length: -1) }
    }

    @Test func unprotectShrinksInPlaceWithinTheSameArray() throws {
        let peers = try Peers(.aeadAes256Gcm)
        let plain = Packets.rtp(ssrc: 1, sequence: 1, payload: Array(repeating: 7, count: 30))
        var buffer = Packets.withRoom(plain, SRTPSession.maximumTrailerLength)
        let sealedLength = try peers.client.protectRTP(&buffer, length: plain.count)
        let openedLength = try peers.server.unprotectRTP(&buffer, length: sealedLength)
        #expect(buffer.count == plain.count + SRTPSession.maximumTrailerLength)
        #expect(Array(buffer[..<openedLength]) == plain)
    }
}
