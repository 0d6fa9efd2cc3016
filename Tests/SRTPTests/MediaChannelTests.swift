import DTLS
import SRTP
import Testing

/// `SRTPMediaChannel` carries the same packets as the transport it holds,
/// counts every outcome once, and refuses media without keys.
@Suite struct MediaChannelTests {
    static func room(_ packet: [UInt8]) -> [UInt8] { packet + [UInt8](repeating: 0, count: SRTPSession.maximumTrailerLength) }

    @Test(arguments: SRTPProtectionProfile.supported)
    func rtpAndRtcpThroughChannelsMatchTheTransportsAndAreCounted(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let sender = SRTPMediaChannel()
        let receiver = SRTPMediaChannel()
        sender.install(peers.client)
        receiver.install(peers.server)
        #expect(sender.isKeyed && receiver.isKeyed)
        for sequence in UInt16(1)...20 {
            let plain = Packets.rtp(ssrc: 0xCAFE_BABE, sequence: sequence, payload: Array(repeating: UInt8(sequence), count: 100))
            var buffer = Self.room(plain)
            let n = try sender.protectRTP(&buffer, length: plain.count)
            #expect(n == plain.count + profile.rtpOverhead)
            let m = try receiver.unprotectRTP(&buffer, length: n)
            #expect(Array(buffer[0..<m]) == plain)
        }
        let report = Packets.rtcpReceiverReport(ssrc: 0xCAFE_BABE)
        var rtcp = Self.room(report)
        let n = try sender.protectRTCP(&rtcp, length: report.count)
        let m = try receiver.unprotectRTCP(&rtcp, length: n)
        #expect(Array(rtcp[0..<m]) == report)
        #expect(sender.counters.rtpOut == 20 && sender.counters.rtcpOut == 1)
        #expect(receiver.counters.rtpIn == 20 && receiver.counters.rtcpIn == 1)
        #expect(receiver.counters.authenticationFailures == 0 && receiver.counters.replays == 0)
    }

    @Test func forgedReplayedAndShortPacketsAreCountedByKind() throws {
        let peers = try Peers(.aeadAes128Gcm)
        let sender = SRTPMediaChannel()
        let receiver = SRTPMediaChannel()
        sender.install(peers.client)
        receiver.install(peers.server)
        let plain = Packets.rtp(ssrc: 7, sequence: 1, payload: Array(repeating: 1, count: 50))
        var sealed = Self.room(plain)
        let n = try sender.protectRTP(&sealed, length: plain.count)
        var forged = sealed
        forged[n - 1] ^= 1
        #expect(throws: SRTPError.authenticationFailed) { _ = try receiver.unprotectRTP(&forged, length: n) }
        var genuine = sealed
        _ = try receiver.unprotectRTP(&genuine, length: n)
        var replay = sealed
        #expect(throws: SRTPError.replayDetected) { _ = try receiver.unprotectRTP(&replay, length: n) }
        var short: [UInt8] = [0x80, 0, 0]
        #expect(throws: SRTPError.self) { _ = try receiver.unprotectRTP(&short, length: 3) }
        #expect(receiver.counters.authenticationFailures == 1)
        #expect(receiver.counters.replays == 1)
        #expect(receiver.counters.malformed == 1)
        #expect(receiver.counters.rtpIn == 1)
    }

    @Test func withoutKeysNothingIsProtectedOrDeliveredAndRemovalStopsMedia() throws {
        let channel = SRTPMediaChannel()
        let plain = Packets.rtp(ssrc: 7, sequence: 1, payload: Array(repeating: 1, count: 50))
        var buffer = Self.room(plain)
        #expect(!channel.isKeyed)
        #expect(throws: SRTPError.notKeyed) { _ = try channel.protectRTP(&buffer, length: plain.count) }
        #expect(throws: SRTPError.notKeyed) { _ = try channel.unprotectRTP(&buffer, length: plain.count) }
        #expect(throws: SRTPError.notKeyed) { _ = try channel.unprotectRTCP(&buffer, length: plain.count) }
        #expect(buffer == Self.room(plain), "an unkeyed channel leaves the buffer alone")
        #expect(channel.counters.protectFailures == 1 && channel.counters.notKeyed == 2)

        let peers = try Peers(.aes128CmHmacSha1_80)
        channel.install(peers.client)
        _ = try channel.protectRTP(&buffer, length: plain.count)
        channel.remove()
        #expect(!channel.isKeyed && channel.transport == nil)
        var next = Self.room(Packets.rtp(ssrc: 7, sequence: 2, payload: []))
        #expect(throws: SRTPError.notKeyed) { _ = try channel.protectRTP(&next, length: 12) }
        #expect(channel.counters.rtpOut == 1 && channel.counters.protectFailures == 2)
    }

    @Test func aBufferWithoutRoomForTheTagIsRefusedAndCounted() throws {
        let peers = try Peers(.aeadAes128Gcm)
        let channel = SRTPMediaChannel()
        channel.install(peers.client)
        var tight = Packets.rtp(ssrc: 7, sequence: 1, payload: Array(repeating: 1, count: 50))
        #expect(throws: SRTPError.bufferTooSmall) { _ = try channel.protectRTP(&tight, length: tight.count) }
        #expect(channel.counters.protectFailures == 1 && channel.counters.rtpOut == 0)
    }
}
