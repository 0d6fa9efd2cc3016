import DTLS
import Testing
import SRTP

/// The 16-bit RTP sequence number wraps; libsrtp tracks the rollover
/// counter (ROC) on both sides.
@Suite struct RolloverTests {
    static let sequences: [UInt16] = Array(65525...65535) + Array(0...10)

    @Test(arguments: SRTPProtectionProfile.supported)
    func packetsAcrossTheSequenceWrapStillDecrypt(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        for ssrc: UInt32 in [0x1111, 0x2222] {
            for sequence in Self.sequences {
                let plain = Packets.rtp(ssrc: ssrc, sequence: sequence, payload: [UInt8](repeating: UInt8(sequence & 0xFF), count: 32))
                #expect(try peers.server.openRTP(try peers.client.sealRTP(plain)) == plain, "seq \(sequence)")
            }
        }
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func reorderingAroundTheWrapStillDecrypts(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        let sealed = try Self.sequences.map {
            try peers.client.sealRTP(Packets.rtp(ssrc: 9, sequence: $0, payload: [UInt8($0 & 0xFF)]))
        }
        // 65533, 65534, then 0 (ROC 1) before the late 65535 (ROC 0), then 1.
        for index in [8, 9, 11, 10, 12] {
            let opened = try peers.server.openRTP(sealed[index])
            #expect(opened[2...3].elementsEqual(withUnsafeBytes(of: Self.sequences[index].bigEndian, Array.init)))
        }
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func thePostWrapPacketIsBoundToTheIncrementedRolloverCounter(profile: SRTPProtectionProfile) throws {
        let peers = try Peers(profile)
        var afterWrap: [UInt8] = []
        for sequence in Self.sequences {
            let sealed = try peers.client.sealRTP(Packets.rtp(ssrc: 4, sequence: sequence, payload: [1, 2, 3]))
            if sequence == 5 { afterWrap = sealed }
        }
        // A fresh receiver assumes ROC 0 and so cannot authenticate it.
        let fresh = try Peers(profile).server
        #expect(throws: SRTPError.authenticationFailed) { try fresh.openRTP(afterWrap) }
    }
}
