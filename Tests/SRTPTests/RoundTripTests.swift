import DTLS
import Testing
import SRTP

/// Protect with one role, unprotect with the peer built from the same
/// exporter output with the opposite role.
@Suite struct RoundTripTests {
    static let ssrcs: [UInt32] = [0x0000_0001, 0xCAFE_BABE, 0x1234_5678, 0xFFFF_FFFF]

    @Test(arguments: SRTPProtectionProfile.supported)
    func rtpFromEitherSideDecryptsAtThePeerForSeveralSSRCs(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        for (sender, receiver) in [(peers.client, peers.server), (peers.server, peers.client)] {
            for sequence in UInt16(100)..<110 {
                for ssrc in Self.ssrcs {
                    let payload = (0..<160).map { UInt8(truncatingIfNeeded: Int(ssrc) &+ $0) }
                    let plain = Packets.rtp(ssrc: ssrc, sequence: sequence, payload: payload)
                    let sealed = try sender.sealRTP(plain)
                    #expect(sealed.count == plain.count + profile.rtpOverhead)
                    #expect(Array(sealed[..<12]) == Array(plain[..<12]), "header stays in clear")
                    #expect(Array(sealed[12..<plain.count]) != Array(plain[12...]), "payload encrypted")
                    #expect(try receiver.openRTP(sealed) == plain)
                }
            }
        }
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func rtcpFromEitherSideDecryptsAtThePeerForSeveralSSRCs(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        for (sender, receiver) in [(peers.client, peers.server), (peers.server, peers.client)] {
            for _ in 0..<5 {
                for ssrc in Self.ssrcs {
                    let plain = Packets.rtcpReceiverReport(ssrc: ssrc)
                    let sealed = try sender.sealRTCP(plain)
                    #expect(sealed.count == plain.count + profile.rtcpOverhead)
                    #expect(try receiver.openRTCP(sealed) == plain)
                }
            }
        }
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func theTwoDirectionsUseDifferentKeys(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let plain = Packets.rtp(ssrc: 7, sequence: 1, payload: [UInt8](repeating: 0x55, count: 40))
        let fromClient = try peers.client.sealRTP(plain)
        #expect(try peers.server.sealRTP(plain) != fromClient)
        // A packet reflected back to its sender does not authenticate.
        #expect(throws: SRTPError.authenticationFailed) { try peers.client.openRTP(fromClient) }
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func standaloneSessionsFromTheSplitKeysInteroperate(profile: SRTPProtectionProfile) throws {
        let split = try SRTPKeyingMaterial(
            profile: profile,
            exportedKeyingMaterial: Packets.keyingMaterial(length: profile.keyingMaterialLength, seed: 9))
        let sender = try SRTPSession(profile: profile, key: split.local(isClient: false), direction: .outbound)
        let receiver = try SRTPSession(profile: profile, key: split.remote(isClient: true), direction: .inbound)
        let plain = Packets.rtp(ssrc: 99, sequence: 5, payload: Array(repeating: 1, count: 20))
        var buffer = Packets.withRoom(plain)
        var length = try sender.protectRTP(&buffer, length: plain.count)
        length = try receiver.unprotectRTP(&buffer, length: length)
        #expect(Array(buffer[..<length]) == plain)
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func packetsDecryptWhenDeliveredOutOfOrder(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let sealed = try (UInt16(1)...20).map {
            try peers.client.sealRTP(Packets.rtp(ssrc: 3, sequence: $0, payload: [UInt8]($0.description.utf8)))
        }
        for index in [4, 0, 19, 7, 1, 18, 2, 3] {
            #expect(try peers.server.openRTP(sealed[index]).suffix(from: 12).elementsEqual(String(index + 1).utf8))
        }
    }
}
