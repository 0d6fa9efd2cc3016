import COpenSSL
import CSRTP
import CSRTPCrypto
import Testing
import SRTP

/// The libcrypto HMAC-SHA1 auth type is RFC 2104 composed from libcrypto's
/// SHA-1 (precomputed inner and outer states): it must equal libcrypto's
/// own HMAC() and the RFC 2202 vectors, for any key and message length and
/// any split of the message into update/compute calls.
@Suite struct HMACSHA1Tests {
    init() throws { try SRTPLibrary.initialize() }

    static func libcryptoHMAC(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                HMAC(EVP_sha1(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, &out, &length)
            }
        }
        #expect(result != nil && length == 20)
        return Array(out[..<Int(length)])
    }

    /// RFC 2202 section 3 (as hex), cases 1 to 7.
    static let rfc2202: [(key: [UInt8], data: [UInt8], digest: String)] = [
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b617318655057264e28bc0b6fb378c8ef146be00"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50), "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
        (Array(1...25), [UInt8](repeating: 0xcd, count: 50), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"),
        ([UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8), "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"),
        ([UInt8](repeating: 0xaa, count: 80), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "aa4ae5e15272d00e95705637ce8a3b55ed402112"),
        ([UInt8](repeating: 0xaa, count: 80),
         Array("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data".utf8),
         "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"),
    ]

    @Test func rfc2202VectorsThroughTheKernelsAuthType() throws {
        for (i, v) in Self.rfc2202.enumerated() {
            let hmac = try AuthInstance(kernel: srtp_auth_type_id_t(SRTP_HMAC_SHA1), keyLength: v.key.count, tagLength: 20)
            try hmac.initialize(key: v.key)
            #expect(try hmac.mac([v.data]).hex == v.digest, "RFC 2202 case \(i + 1)")
            #expect(Self.libcryptoHMAC(key: v.key, message: v.data).hex == v.digest, "libcrypto, case \(i + 1)")
        }
    }

    @Test func theTypesOwnTestDataIsTheSevenRFC2202Cases() {
        var count = 0
        var next = csrtp_libcrypto_hmac_sha1.test_data
        while let c = next {
            count += 1
            next = c.pointee.next_test_case
        }
        #expect(count == 7)
    }

    @Test func equalsLibcryptoHMACForEveryKeyAndMessageLength() throws {
        var random = TestBytes(seed: 2104)
        for keyLength in [0, 1, 19, 20, 21, 63, 64, 65, 128, 200] {
            let key = random.next(keyLength)
            let hmac = try AuthInstance(type: csrtp_libcrypto_hmac_sha1, keyLength: keyLength, tagLength: 20)
            try hmac.initialize(key: key)
            for messageLength in [0, 1, 4, 55, 56, 63, 64, 65, 119, 120, 128, 1212, 1500] {
                let message = random.next(messageLength)
                let expected = Self.libcryptoHMAC(key: key, message: message)
                // As srtp_protect: start, update(packet), compute(ROC); and
                // other splits, including empty pieces.
                let cut = random.int(0...messageLength)
                for chunks in [[message], [Array(message[..<cut]), Array(message[cut...])],
                               [[], message, []], message.isEmpty ? [[]] : message.map { [$0] }] {
                    #expect(try hmac.mac(chunks) == expected, "key \(keyLength), message \(messageLength)")
                }
            }
        }
    }

    @Test(arguments: [0, 4, 10, 20])
    func tagsAreTheDigestsPrefix(tagLength: Int) throws {
        let key = [UInt8](repeating: 0x0c, count: 20), message = Array("Test With Truncation".utf8)
        let hmac = try AuthInstance(type: csrtp_libcrypto_hmac_sha1, keyLength: 20, tagLength: tagLength)
        try hmac.initialize(key: key)
        #expect(try hmac.mac([message]) == Array(Self.libcryptoHMAC(key: key, message: message).prefix(tagLength)))
    }

    /// The same answer as libsrtp's built-in HMAC (NSS on Debian), and a
    /// re-keyed instance forgets the old key.
    @Test func equalsLibsrtpsBuiltInHMACAndReKeys() throws {
        var random = TestBytes(seed: 3711)
        let ours = try AuthInstance(type: csrtp_libcrypto_hmac_sha1, keyLength: 20, tagLength: 10)
        let theirs = try AuthInstance(type: srtp_hmac, keyLength: 20, tagLength: 10)
        for _ in 0..<50 {
            let key = random.next(20)
            try ours.initialize(key: key)
            try theirs.initialize(key: key)
            for _ in 0..<4 {
                let packet = random.next(random.int(12...1400)), roc = random.next(4)
                #expect(try ours.mac([packet, roc]) == (try theirs.mac([packet, roc])))
            }
        }
    }
}
