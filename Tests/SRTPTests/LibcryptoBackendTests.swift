import CSRTP
import CSRTPCrypto
import Testing
@testable import SRTP

/// The SRTP module replaces libsrtp's AES-ICM, AES-GCM and HMAC-SHA1 types
/// with libcrypto-backed ones (Sources/CSRTPCrypto) right after srtp_init.
@Suite struct LibcryptoBackendTests {
    init() throws {
        // Initialise (with libcrypto) before anything could ask for the
        // built-in backend: the choice is made once per process.
        try SRTPLibrary.initialize()
    }

    @Test func theLibcryptoBackendIsActiveAndCannotBeSwitchedAfterwards() {
        #expect(SRTPLibrary.backend == .libcrypto)
        #expect(SRTPLibrary.useBuiltInCrypto() == false, "too late: libsrtp is initialised")
        #expect(SRTPLibrary.backend == .libcrypto)
    }

    @Test(arguments: CipherKind.allCases)
    func theKernelHandsOutTheLibcryptoCipherType(kind: CipherKind) throws {
        let kernelType = try #require(srtp_crypto_kernel_get_cipher_type(kind.id))
        #expect(kernelType.pointee.id == kind.id)
        // The same table, not a look-alike: its alloc stamps our type on the
        // instance it creates.
        let instance = try CipherInstance(kernel: kind.id, keyLength: kind.keyLength, tagLength: kind.isGCM ? 16 : 0)
        #expect(instance.cipher.pointee.type == kernelType)
        #expect(instance.description.hasSuffix("using OpenSSL libcrypto (dtls-srtp)"), "\(instance.description)")
        #expect(instance.description == String(cString: kind.libcrypto.description))
        #expect(instance.description != String(cString: kind.builtIn.description))
    }

    @Test func theKernelHandsOutTheLibcryptoHMAC() throws {
        let instance = try AuthInstance(kernel: srtp_auth_type_id_t(SRTP_HMAC_SHA1), keyLength: 20, tagLength: 10)
        #expect(instance.type == srtp_crypto_kernel_get_auth_type(srtp_auth_type_id_t(SRTP_HMAC_SHA1)))
        #expect(instance.description == "HMAC-SHA1 using OpenSSL libcrypto SHA-1 (dtls-srtp)")
        #expect(instance.auth.pointee.prefix_len == 0)
    }

    /// Each type passes libsrtp's own self-test (its test data: libsrtp's
    /// cases for the ciphers, RFC 2202 for HMAC) again here.
    @Test func everyTypePassesLibsrtpsSelfTest() {
        for kind in CipherKind.allCases {
            let status = withUnsafePointer(to: kind.libcrypto) { srtp_cipher_type_self_test($0) }
            #expect(status == srtp_err_status_ok, "\(kind)")
        }
        let status = withUnsafePointer(to: csrtp_libcrypto_hmac_sha1) { srtp_auth_type_self_test($0) }
        #expect(status == srtp_err_status_ok)
    }

    /// RFC 3711 B.2: the AES-CM keystream, through the kernel's AES-ICM-128
    /// (the cipher of both _CM profiles and of every profile's KDF),
    /// including the 16-bit block counter around 0xFEFF..0xFF01.
    @Test func aesICMKeystreamMatchesRFC3711B2() throws {
        let b2 = try Vectors.load("rfc3711_srtp_aescm_kdf.json").object("rfc3711_B2_aes_cm_keystream")
        let cipher = try CipherInstance(kernel: CipherKind.icm128.id, keyLength: 30, tagLength: 0)
        try cipher.initialize(key: try b2.hex("session_key") + b2.hex("session_salt"))
        try cipher.setIV([UInt8](repeating: 0, count: 16), encrypt: true)
        var stream = [UInt8](repeating: 0, count: 0xFF02 * 16)
        try cipher.encrypt(&stream)
        let blocks = try b2.array("blocks")
        #expect(blocks.count == 6)
        for block in blocks {
            let counter = try block.hex("counter_block")
            let index = Int(counter[14]) << 8 | Int(counter[15])
            #expect(Array(stream[(index * 16)..<(index * 16 + 16)]) == (try block.hex("keystream_block")), "block \(index)")
        }
    }

    /// The keystream continues across encrypt calls after one set_iv
    /// (srtp_cipher_output, then the payload), whatever the split.
    @Test(arguments: [CipherKind.icm128, .icm256])
    func icmKeystreamContinuesAcrossCalls(kind: CipherKind) throws {
        var random = TestBytes(seed: 7)
        let key = random.next(kind.keyLength), iv = random.next(16), plain = random.next(1000)
        let whole = try CipherInstance(kernel: kind.id, keyLength: kind.keyLength, tagLength: 0)
        try whole.initialize(key: key)
        try whole.setIV(iv, encrypt: true)
        var expected = plain
        try whole.encrypt(&expected)
        for split in [0, 1, 13, 16, 17, 999, 1000] {
            try whole.setIV(iv, encrypt: true)
            var a = Array(plain[..<split]), b = Array(plain[split...])
            try whole.encrypt(&a)
            try whole.encrypt(&b)
            #expect(a + b == expected, "split at \(split)")
        }
    }

    /// Session-level RFC 7714 vectors for both key sizes and both tag
    /// lengths, through the kernel's GCM types, with the AAD in pieces.
    @Test(arguments: [CipherKind.gcm128, .gcm256])
    func gcmOpensWhatItSealsWithTheAADInPieces(kind: CipherKind) throws {
        let c = try Vectors.load("rfc7714_srtp_aead_gcm.json").object("cases")
            .object(kind == .gcm128 ? "AEAD_AES_128_GCM" : "AEAD_AES_256_GCM")
        let rtcp = try c.object("rtcp")
        let plain = try rtcp.hex("plaintext_packet")
        let aad = try rtcp.hex("aad_encrypted_mode")  // header || E + index
        let iv = try rtcp.hex("iv_computed")
        let expected = try rtcp.hex("encrypted_packet")
        let key = try c.hex("session_key") + [UInt8](repeating: 0, count: 12)

        let sealer = try CipherInstance(kernel: kind.id, keyLength: kind.keyLength, tagLength: 16)
        try sealer.initialize(key: key)
        try sealer.setIV(iv, encrypt: true)
        try sealer.addAAD(Array(aad[..<8]))  // as srtp_protect_rtcp: header, then trailer
        try sealer.addAAD(Array(aad[8...]))
        var body = Array(plain[8...])
        try sealer.encrypt(&body)
        let tag = try sealer.tag()
        #expect(Array(plain[..<8]) + body + tag + Array(aad[8...]) == expected)

        // 8-byte tags are the first 8 bytes of the 16-byte one.
        let short = try CipherInstance(kernel: kind.id, keyLength: kind.keyLength, tagLength: 8)
        try short.initialize(key: key)
        try short.setIV(iv, encrypt: true)
        try short.addAAD(aad)
        var body8 = Array(plain[8...])
        try short.encrypt(&body8)
        #expect(try short.tag() == Array(tag[..<8]))

        try short.setIV(iv, encrypt: false)
        try short.addAAD(aad)
        #expect(try short.decrypt(body8 + Array(tag[..<8])) == Array(plain[8...]))
    }

    /// Nothing traps on bad arguments: each is a libsrtp status.
    @Test func badArgumentsAreStatusesNotCrashes() throws {
        // Key lengths and tag lengths the types do not support.
        for (type, key, tag) in [(CipherKind.icm128.libcrypto, 29, 0), (CipherKind.icm128.libcrypto, 28, 0),
                                 (CipherKind.gcm128.libcrypto, 30, 16), (CipherKind.gcm128.libcrypto, 28, 12),
                                 (CipherKind.gcm256.libcrypto, 44, 0), (CipherKind.gcm256.libcrypto, -1, 16)] {
            #expect(throws: Status.badParam) { try CipherInstance(type: type, keyLength: key, tagLength: tag) }
        }
        #expect(throws: Status.badParam) { try AuthInstance(type: csrtp_libcrypto_hmac_sha1, keyLength: 20, tagLength: 21) }
        #expect(throws: Status.badParam) { try AuthInstance(type: csrtp_libcrypto_hmac_sha1, keyLength: -1, tagLength: 10) }

        let gcm = try CipherInstance(kernel: CipherKind.gcm128.id, keyLength: 28, tagLength: 16)
        try gcm.initialize(key: [UInt8](repeating: 1, count: 28))
        // No IV yet: neither AAD, encryption, tag nor decryption.
        #expect(throws: Status.badParam) { try gcm.addAAD([1, 2, 3]) }
        var data: [UInt8] = [1, 2, 3]
        #expect(throws: Status.badParam) { try gcm.encrypt(&data) }
        #expect(throws: Status.badParam) { try gcm.tag() }
        #expect(throws: Status.badParam) { try gcm.decrypt([UInt8](repeating: 0, count: 32)) }
        // Directions: only encrypt + get_tag after an encrypt IV, only
        // decrypt after a decrypt IV; a bad direction value is refused.
        try gcm.setIV([UInt8](repeating: 0, count: 12), encrypt: false)
        #expect(throws: Status.badParam) { try gcm.encrypt(&data) }
        #expect(throws: Status.badParam) { try gcm.tag() }
        // Shorter than a tag.
        #expect(throws: Status.badParam) { try gcm.decrypt([UInt8](repeating: 0, count: 15)) }
        var iv = [UInt8](repeating: 0, count: 12)
        #expect(srtp_cipher_set_iv(gcm.cipher, &iv, Int32(srtp_direction_any.rawValue)) == srtp_err_status_bad_param)
        #expect(srtp_cipher_set_iv(gcm.cipher, nil, Int32(srtp_direction_encrypt.rawValue)) == srtp_err_status_bad_param)
        #expect(srtp_cipher_init(gcm.cipher, nil) == srtp_err_status_bad_param)

        let icm = try CipherInstance(kernel: CipherKind.icm128.id, keyLength: 30, tagLength: 0)
        #expect(srtp_cipher_set_iv(icm.cipher, nil, Int32(srtp_direction_encrypt.rawValue)) == srtp_err_status_bad_param)
        var length: UInt32 = 16
        #expect(srtp_cipher_encrypt(icm.cipher, nil, &length) == srtp_err_status_bad_param)
        length = UInt32(Int32.max) + 1
        var one: UInt8 = 0
        #expect(srtp_cipher_encrypt(icm.cipher, &one, &length) == srtp_err_status_bad_param)

        let hmac = try AuthInstance(kernel: srtp_auth_type_id_t(SRTP_HMAC_SHA1), keyLength: 20, tagLength: 10)
        try hmac.initialize(key: [UInt8](repeating: 2, count: 20))
        var out = [UInt8](repeating: 0, count: 32)
        let t = hmac.type.pointee
        #expect(t.update(hmac.auth.pointee.state, nil, 5) == srtp_err_status_bad_param)
        #expect(t.update(hmac.auth.pointee.state, out, -1) == srtp_err_status_bad_param)
        #expect(t.compute(hmac.auth.pointee.state, out, 4, 21, &out) == srtp_err_status_bad_param)
        #expect(t.compute(hmac.auth.pointee.state, out, 4, -1, &out) == srtp_err_status_bad_param)
    }

    /// A wrong tag is an authentication failure, for both tag lengths, and
    /// the cipher is usable again for the next packet.
    @Test(arguments: [CipherKind.gcm128, .gcm256])
    func aWrongGCMTagFailsAuthentication(kind: CipherKind) throws {
        var random = TestBytes(seed: 11)
        let key = random.next(kind.keyLength), iv = random.next(12), aad = random.next(12), plain = random.next(100)
        for tagLength in [8, 16] {
            let c = try CipherInstance(kernel: kind.id, keyLength: kind.keyLength, tagLength: tagLength)
            try c.initialize(key: key)
            try c.setIV(iv, encrypt: true)
            try c.addAAD(aad)
            var body = plain
            try c.encrypt(&body)
            let sealed = body + (try c.tag())
            for position in [0, 50, sealed.count - tagLength, sealed.count - 1] {
                var forged = sealed
                forged[position] ^= 0x04
                try c.setIV(iv, encrypt: false)
                try c.addAAD(aad)
                #expect(throws: Status.authFail) { try c.decrypt(forged) }
            }
            try c.setIV(iv, encrypt: false)
            try c.addAAD(aad + [0])
            #expect(throws: Status.authFail) { try c.decrypt(sealed) }
            try c.setIV(iv, encrypt: false)
            try c.addAAD(aad)
            #expect(try c.decrypt(sealed) == plain)
        }
    }
}
