import DTLS
import Testing
import SRTP

/// Any modified bit of an SRTP/SRTCP packet makes unprotect throw
/// `.authenticationFailed`.
@Suite struct AuthenticationFailureTests {
    @Test(arguments: SRTPProtectionProfile.supported)
    func tamperedRTPIsRejected(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let sealed = try peers.client.sealRTP(
            Packets.rtp(ssrc: 0xABCD, sequence: 1, payload: Array(repeating: 9, count: 50)))
        // header (timestamp), payload, and last tag byte
        for position in [5, 12, 30, sealed.count - 1] {
            var tampered = sealed
            tampered[position] ^= 0x01
            #expect(throws: SRTPError.authenticationFailed) { try peers.server.openRTP(tampered) }
        }
        #expect(try peers.server.openRTP(sealed).count == 62, "the original still decrypts")
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func tamperedRTCPIsRejected(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let sealed = try peers.server.sealRTCP(Packets.rtcpReceiverReport(ssrc: 0xABCD))
        for position in [4, 10, sealed.count - 1] {
            var tampered = sealed
            tampered[position] ^= 0x80
            #expect(throws: SRTPError.authenticationFailed) { try peers.client.openRTCP(tampered) }
        }
        #expect(try peers.client.openRTCP(sealed) == Packets.rtcpReceiverReport(ssrc: 0xABCD))
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func aPacketFromAnotherAssociationIsRejected(profile: SRTPProtectionProfile) throws {
        let sender = try Peers(profile).client
        let material = Packets.keyingMaterial(length: profile.keyingMaterialLength, seed: 77)
        let stranger = try SRTPTransport(profile: profile, exportedKeyingMaterial: material, isClient: false)
        let sealed = try sender.sealRTP(Packets.rtp(ssrc: 1, sequence: 1, payload: [1, 2, 3, 4]))
        #expect(throws: SRTPError.authenticationFailed) { try stranger.openRTP(sealed) }
    }
}
