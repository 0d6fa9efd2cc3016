import DTLS
import Testing
import SRTP

/// RFC 5764 section 4.2 split of the EXTRACTOR-dtls_srtp output.
@Suite struct KeyingMaterialSplitTests {
    @Test func splitMatchesTheDerivedExporterRowsForProfiles1_7_8() throws {
        let file = try Vectors.load("tls12_ems_exporter.json")
        let rows = try file.object("dtls_srtp_exporter_derived").array("profiles")
        #expect(rows.count == 3)
        var seen: Set<SRTPProtectionProfile> = []
        for row in rows {
            let name = try row.string("profile")
            let code = try #require(name.split(separator: "(").last.flatMap {
                UInt16($0.dropFirst(2).prefix(4), radix: 16)
            })
            let profile = SRTPProtectionProfile(rawValue: code)
            #expect(profile.isSupported, "\(name)")
            seen.insert(profile)
            let material = try row.hex("keying_material")
            #expect(material.count == profile.keyingMaterialLength)
            let split = try SRTPKeyingMaterial(profile: profile, exportedKeyingMaterial: material)
            #expect(split.clientWrite.key == (try row.hex("client_write_SRTP_master_key")), "\(name)")
            #expect(split.serverWrite.key == (try row.hex("server_write_SRTP_master_key")), "\(name)")
            #expect(split.clientWrite.salt == (try row.hex("client_write_SRTP_master_salt")), "\(name)")
            #expect(split.serverWrite.salt == (try row.hex("server_write_SRTP_master_salt")), "\(name)")
        }
        #expect(seen == [.aes128CmHmacSha1_80, .aeadAes128Gcm, .aeadAes256Gcm])
    }

    @Test func clientSendsWithClientHalvesAndServerWithServerHalves() throws {
        let profile = SRTPProtectionProfile.aeadAes256Gcm
        let split = try SRTPKeyingMaterial(
            profile: profile, exportedKeyingMaterial: Packets.keyingMaterial(length: 88))
        #expect(split.local(isClient: true) == split.clientWrite)
        #expect(split.remote(isClient: true) == split.serverWrite)
        #expect(split.local(isClient: false) == split.serverWrite)
        #expect(split.remote(isClient: false) == split.clientWrite)
        #expect(split.clientWrite.key.count == 32 && split.clientWrite.salt.count == 12)
    }

    @Test(arguments: SRTPProtectionProfile.supported)
    func wrongLengthIsRejected(profile: SRTPProtectionProfile) {
        for length in [0, profile.keyingMaterialLength - 1, profile.keyingMaterialLength + 1] {
            #expect(throws: SRTPError.invalidKeyingMaterialLength(
                expected: profile.keyingMaterialLength, actual: length)
            ) {
                try SRTPKeyingMaterial(
                    profile: profile, exportedKeyingMaterial: Packets.keyingMaterial(length: length))
            }
        }
    }

    @Test func descriptionsDoNotLeakKeyBytes() throws {
        let split = try SRTPKeyingMaterial(
            profile: .aes128CmHmacSha1_80,
            exportedKeyingMaterial: [UInt8](repeating: 0xAB, count: 60))
        #expect(!"\(split)".lowercased().contains("ab"))
        #expect(!"\(split.clientWrite)".contains("171"))
        #expect(!String(reflecting: split.clientWrite).contains("171"))
    }
}
