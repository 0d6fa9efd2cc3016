import DTLS
import Testing
import SRTP

@Suite struct SessionConfigurationTests {
    @Test(arguments: SRTPProtectionProfile.supported)
    func wrongKeyOrSaltLengthIsABadParameter(profile: SRTPProtectionProfile) {
        let key = [UInt8](repeating: 1, count: profile.masterKeyLength)
        let salt = [UInt8](repeating: 2, count: profile.masterSaltLength)
        #expect(throws: SRTPError.badParameter) {
            try SRTPSession(profile: profile, masterKey: key + [0], masterSalt: salt, direction: .outbound)
        }
        #expect(throws: SRTPError.badParameter) {
            try SRTPSession(profile: profile, masterKey: key, masterSalt: salt.dropLast() + [], direction: .inbound)
        }
        #expect(throws: Never.self) {
            try SRTPSession(profile: profile, masterKey: key, masterSalt: salt, direction: .inbound)
        }
    }

    @Test func replayWindowOutsideLibsrtpLimitsIsABadParameter() throws {
        let key = [UInt8](repeating: 1, count: 16), salt = [UInt8](repeating: 2, count: 14)
        for window in [0, 63, 0x8000] {
            #expect(throws: SRTPError.badParameter) {
                try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: key, masterSalt: salt,
                                direction: .inbound, replayWindowSize: window)
            }
        }
        for window in [64, 1024, 0x7FFF] {
            let session = try SRTPSession(profile: .aes128CmHmacSha1_80, masterKey: key, masterSalt: salt,
                                          direction: .inbound, replayWindowSize: window)
            #expect(session.replayWindowSize == window)
        }
    }

    @Test func defaultReplayWindowIs1024() throws {
        let peers = try Peers(.aeadAes128Gcm)
        #expect(peers.client.inbound.replayWindowSize == 1024)
        #expect(SRTPSession.defaultReplayWindowSize == 1024)
    }

    @Test func eachSessionOnlyWorksInItsOwnDirection() throws {
        let peers = try Peers(.aes128CmHmacSha1_32)
        var buffer = Packets.withRoom(Packets.rtp(ssrc: 1, sequence: 1, payload: [1]))
        #expect(throws: SRTPError.wrongDirection) { try peers.client.inbound.protectRTP(&buffer, length: 13) }
        #expect(throws: SRTPError.wrongDirection) { try peers.client.inbound.protectRTCP(&buffer, length: 13) }
        #expect(throws: SRTPError.wrongDirection) { try peers.client.outbound.unprotectRTP(&buffer, length: 13) }
        #expect(throws: SRTPError.wrongDirection) { try peers.client.outbound.unprotectRTCP(&buffer, length: 13) }
        #expect(peers.client.outbound.direction == .outbound)
        #expect(peers.client.inbound.direction == .inbound)
    }

    @Test func transportRejectsExporterOutputOfTheWrongLength() {
        #expect(throws: SRTPError.invalidKeyingMaterialLength(expected: 56, actual: 60)) {
            try SRTPTransport(profile: .aeadAes128Gcm, exportedKeyingMaterial: Packets.keyingMaterial(length: 60),
                              isClient: true)
        }
    }

    @Test func manySessionsCanBeCreatedConcurrently() async throws {
        // libsrtp is initialised once, lazily and thread-safely, whichever
        // thread gets there first.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<16 {
                group.addTask {
                    let profile = SRTPProtectionProfile.supported[i % 4]
                    let peers = try Peers(profile)
                    let plain = Packets.rtp(ssrc: UInt32(i), sequence: 1, payload: [UInt8(i)])
                    return try peers.server.openRTP(try peers.client.sealRTP(plain)).count
                }
            }
            for try await count in group { #expect(count == 13) }
        }
    }
}
