import DTLS
import Testing
import SRTP

@Suite struct ReplayProtectionTests {
    @Test(arguments: SRTPProtectionProfile.supported)
    func aReplayedRTPPacketIsRejected(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let sealed = try peers.client.sealRTP(Packets.rtp(ssrc: 5, sequence: 1000, payload: [1, 2, 3]))
        _ = try peers.server.openRTP(sealed)
        #expect(throws: SRTPError.replayDetected) { try peers.server.openRTP(sealed) }
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func aReplayedRTCPPacketIsRejected(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let sealed = try peers.client.sealRTCP(Packets.rtcpReceiverReport(ssrc: 5))
        _ = try peers.server.openRTCP(sealed)
        #expect(throws: SRTPError.replayDetected) { try peers.server.openRTCP(sealed) }
    }

    @Test func aPacketOlderThanTheReplayWindowIsRejected() throws {
        let peers = try Peers(.aes128CmHmacSha1_80, replayWindowSize: 64)
        let sealed = try (UInt16(0)..<200).map {
            try peers.client.sealRTP(Packets.rtp(ssrc: 8, sequence: $0, payload: [0xAA]))
        }
        _ = try peers.server.openRTP(sealed[199])
        _ = try peers.server.openRTP(sealed[150])  // inside the 64-packet window
        #expect(throws: SRTPError.replayDetected) { try peers.server.openRTP(sealed[100]) }
    }

    @Test func aLargerWindowAcceptsTheSameLatePacket() throws {
        let peers = try Peers(.aes128CmHmacSha1_80)  // default 1024
        let sealed = try (UInt16(0)..<200).map {
            try peers.client.sealRTP(Packets.rtp(ssrc: 8, sequence: $0, payload: [0xAA]))
        }
        _ = try peers.server.openRTP(sealed[199])
        #expect(try peers.server.openRTP(sealed[100]).count == 13)
    }

    @Test func replayStateIsPerSSRC() throws {
        let peers = try Peers(.aeadAes128Gcm)
        let a = try peers.client.sealRTP(Packets.rtp(ssrc: 1, sequence: 42, payload: [1]))
        let b = try peers.client.sealRTP(Packets.rtp(ssrc: 2, sequence: 42, payload: [1]))
        _ = try peers.server.openRTP(a)
        #expect(try peers.server.openRTP(b).count == 13)
    }

    @Test func protectingTheSameSequenceNumberTwiceIsRejectedByDefault() throws {
        let peers = try Peers(.aes128CmHmacSha1_80)
        let packet = Packets.rtp(ssrc: 1, sequence: 7, payload: [1, 2])
        _ = try peers.client.sealRTP(packet)
        #expect(throws: SRTPError.replayDetected) { try peers.client.sealRTP(packet) }
    }

    @Test func repeatTransmissionCanBeAllowedOnTheSender() throws {
        let peers = try Peers(.aes128CmHmacSha1_80, allowRepeatTransmission: true)
        let packet = Packets.rtp(ssrc: 1, sequence: 7, payload: [1, 2])
        #expect(try peers.client.sealRTP(packet) == (try peers.client.sealRTP(packet)))
    }
}
