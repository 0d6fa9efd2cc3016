import DTLS
import Testing
@testable import SRTP

@Suite struct ProfileTests {
    @Test func rawValuesMatchTheIANARegistry() {
        #expect(SRTPProtectionProfile.aes128CmHmacSha1_80.rawValue == 0x0001)
        #expect(SRTPProtectionProfile.aes128CmHmacSha1_32.rawValue == 0x0002)
        #expect(SRTPProtectionProfile.aeadAes128Gcm.rawValue == 0x0007)
        #expect(SRTPProtectionProfile.aeadAes256Gcm.rawValue == 0x0008)
    }

    @Test func unsupportedCodePointsBuildNoSession() {
        for raw: UInt16 in [0x0000, 0x0003, 0x0004, 0x0005, 0x0006, 0x0009, 0xFFFF] {
            let profile = SRTPProtectionProfile(rawValue: raw)
            #expect(!profile.isSupported)
            #expect(throws: SRTPError.badParameter) {
                try SRTPSession(profile: profile, masterKey: [UInt8](repeating: 1, count: profile.masterKeyLength),
                                masterSalt: [UInt8](repeating: 2, count: profile.masterSaltLength), direction: .outbound)
            }
        }
        #expect(SRTPProtectionProfile(rawValue: 7) == .aeadAes128Gcm)
    }

    @Test func keyAndSaltLengthsGiveTheExporterLength() {
        let expected: [(SRTPProtectionProfile, Int, Int, Int)] = [
            (.aes128CmHmacSha1_80, 16, 14, 60), (.aes128CmHmacSha1_32, 16, 14, 60),
            (.aeadAes128Gcm, 16, 12, 56), (.aeadAes256Gcm, 32, 12, 88),
        ]
        for (profile, key, salt, total) in expected {
            #expect(profile.masterKeyLength == key)
            #expect(profile.masterSaltLength == salt)
            #expect(profile.keyingMaterialLength == total)
        }
    }

    @Test func tagLengthsAndOverheads() {
        #expect(SRTPProtectionProfile.aes128CmHmacSha1_80.rtpAuthTagLength == 10)
        #expect(SRTPProtectionProfile.aes128CmHmacSha1_32.rtpAuthTagLength == 4)
        #expect(SRTPProtectionProfile.aes128CmHmacSha1_32.rtcpAuthTagLength == 10)
        #expect(SRTPProtectionProfile.aeadAes128Gcm.rtpOverhead == 16)
        #expect(SRTPProtectionProfile.aeadAes256Gcm.rtcpOverhead == 20)
        #expect(SRTPProtectionProfile.aes128CmHmacSha1_80.rtcpOverhead == 14)
        #expect(SRTPProtectionProfile.supported.allSatisfy { $0.rtcpOverhead <= SRTPSession.maximumTrailerLength })
    }

    @Test func defaultPreferenceOrderIsAEADFirstThenMandatoryCM80() {
        #expect(SRTPProtectionProfile.supported == [.aeadAes256Gcm, .aeadAes128Gcm, .aes128CmHmacSha1_80, .aes128CmHmacSha1_32])
    }

    @Test func namesRoundTripInBothSpellingsCaseInsensitively() {
        #expect(SRTPProtectionProfile.aeadAes128Gcm.rfcName == "SRTP_AEAD_AES_128_GCM")
        #expect(SRTPProtectionProfile.aes128CmHmacSha1_80.rfcName == "SRTP_AES128_CM_HMAC_SHA1_80")
        #expect(SRTPProtectionProfile.aes128CmHmacSha1_80.openSSLName == "SRTP_AES128_CM_SHA1_80")
        #expect(SRTPProtectionProfile.aes128CmHmacSha1_32.openSSLName == "SRTP_AES128_CM_SHA1_32")
        for profile in SRTPProtectionProfile.supported {
            #expect(SRTPProtectionProfile(name: profile.rfcName) == profile)
            #expect(SRTPProtectionProfile(name: profile.openSSLName) == profile)
            #expect(SRTPProtectionProfile(name: profile.rfcName.lowercased()) == profile)
        }
        #expect(SRTPProtectionProfile(name: "srtp_aes128_cm_sha1_32") == .aes128CmHmacSha1_32)
        #expect(SRTPProtectionProfile(name: "SRTP_NULL_HMAC_SHA1_80") == nil)
        #expect(SRTPProtectionProfile(name: "") == nil)
    }
}
