import Testing
@testable import SRTP

/// RFC 7714 sections 16 (SRTP) and 17 (SRTCP) AES-GCM examples.
///
/// These examples are given with *session* keys and salts. libsrtp's
/// policy API only accepts a master key and always runs the RFC 3711 KDF,
/// so they cannot be fed through SRTPSession (neither the encrypt nor the
/// auth-only variants; libsrtp also has no 16-byte-tag auth-only GCM
/// policy). They run instead through libsrtp's own AES-GCM cipher (the
/// primitive the sessions use) with the IV and AAD from the vector file.
/// The end-to-end GCM session path is covered by the libsrtp
/// srtp_validate_gcm vectors in LibsrtpValidationVectorTests.
@Suite struct RFC7714GCMVectorTests {
    static let cases = ["AEAD_AES_128_GCM", "AEAD_AES_256_GCM"]

    @Test(arguments: cases)
    func srtpEncryptionMatchesTheRFC(caseName: String) throws {
        let c = try Vectors.load("rfc7714_srtp_aead_gcm.json").object("cases").object(caseName)
        let key = try c.hex("session_key")
        let rtp = try c.object("rtp")
        let plain = try rtp.hex("plaintext_packet")
        let expected = try rtp.hex("encrypted_packet")
        let iv = try rtp.hex("iv_computed")
        let aad = try rtp.hex("aad")
        let header = Array(plain[..<aad.count])
        #expect(header == aad)

        let sealed = try LibSRTPGCM.seal(key: key, iv: iv, aad: aad, plaintext: Array(plain[aad.count...]))
        #expect((header + sealed).hex == expected.hex)
        #expect(Array(sealed.suffix(16)) == (try rtp.hex("tag")))

        let opened = try LibSRTPGCM.open(key: key, iv: iv, aad: aad, sealed: Array(expected[aad.count...]))
        #expect(header + opened == plain)
    }

    @Test(arguments: cases)
    func srtpAuthenticationOnlyTagMatchesTheRFC(caseName: String) throws {
        let c = try Vectors.load("rfc7714_srtp_aead_gcm.json").object("cases").object(caseName)
        let rtp = try c.object("rtp")
        let plain = try rtp.hex("plaintext_packet")
        let tag = try LibSRTPGCM.seal(
            key: try c.hex("session_key"), iv: try rtp.hex("iv_computed"), aad: plain, plaintext: [])
        #expect((plain + tag).hex == (try rtp.hex("auth_only_packet")).hex)
    }

    @Test(arguments: cases)
    func srtcpEncryptionMatchesTheRFC(caseName: String) throws {
        let c = try Vectors.load("rfc7714_srtp_aead_gcm.json").object("cases").object(caseName)
        let key = try c.hex("session_key")
        let rtcp = try c.object("rtcp")
        let plain = try rtcp.hex("plaintext_packet")
        let expected = try rtcp.hex("encrypted_packet")
        let trailer = try rtcp.hex("e_flag_and_index_trailer_encrypted")
        let iv = try rtcp.hex("iv_computed")
        let aad = try rtcp.hex("aad_encrypted_mode")
        #expect(aad == Array(plain[..<8]) + trailer)

        let sealed = try LibSRTPGCM.seal(key: key, iv: iv, aad: aad, plaintext: Array(plain[8...]))
        #expect((Array(plain[..<8]) + sealed + trailer).hex == expected.hex)

        let body = Array(expected[8..<(expected.count - 4)])
        let opened = try LibSRTPGCM.open(key: key, iv: iv, aad: aad, sealed: body)
        #expect(Array(plain[..<8]) + opened == plain)
    }

    @Test(arguments: cases)
    func srtcpAuthenticationOnlyTagMatchesTheRFC(caseName: String) throws {
        let c = try Vectors.load("rfc7714_srtp_aead_gcm.json").object("cases").object(caseName)
        let rtcp = try c.object("rtcp")
        let plain = try rtcp.hex("plaintext_packet")
        let index = try rtcp.hex("srtcp_index")  // E = 0
        let tag = try LibSRTPGCM.seal(
            key: try c.hex("session_key"), iv: try rtcp.hex("iv_computed"), aad: plain + index,
            plaintext: [])
        #expect((plain + tag + index).hex == (try rtcp.hex("auth_only_packet")).hex)
    }

    @Test(arguments: cases)
    func aFlippedCiphertextBitFailsTheTag(caseName: String) throws {
        let c = try Vectors.load("rfc7714_srtp_aead_gcm.json").object("cases").object(caseName)
        let rtp = try c.object("rtp")
        let aad = try rtp.hex("aad")
        var body = Array(try rtp.hex("encrypted_packet")[aad.count...])
        body[3] ^= 0x01
        #expect(throws: SRTPError.authenticationFailed) {
            try LibSRTPGCM.open(
                key: try c.hex("session_key"), iv: try rtp.hex("iv_computed"), aad: aad, sealed: body)
        }
    }
}
