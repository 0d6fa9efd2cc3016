import DTLSCrypto
import Testing

@Suite struct DigestAndHMACTests {
    @Test func sha2KnownAnswersForABC() {
        let abc: [UInt8] = Array("abc".utf8)
        #expect(Digest.hash(.sha256, abc.span).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digest.hash(.sha384, abc.span).hex == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        #expect(Digest.hash(.sha512, abc.span).hex == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        #expect(Digest.hash(.sha256, [UInt8]().span).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func digestLengthsMatchOutput() {
        for algorithm in [HashAlgorithm.sha256, .sha384, .sha512] {
            #expect(Digest.hash(algorithm, [1, 2, 3].span).count == algorithm.digestLength)
        }
    }

    /// RFC 4231 test case 2 ("Jefe").
    @Test func hmacRFC4231Case2() {
        let key: [UInt8] = Array("Jefe".utf8)
        let data: [UInt8] = Array("what do ya want for nothing?".utf8)
        #expect(HMAC.authenticate(.sha256, key: key.span, data: data.span).hex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(HMAC.authenticate(.sha384, key: key.span, data: data.span).hex == "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649")
        #expect(HMAC.authenticate(.sha512, key: key.span, data: data.span).hex == "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")
    }

    /// RFC 2202 test case 2: HMAC-SHA1 exists for STUN MESSAGE-INTEGRITY only.
    @Test func hmacSHA1RFC2202Case2() {
        let key: [UInt8] = Array("Jefe".utf8)
        let data: [UInt8] = Array("what do ya want for nothing?".utf8)
        #expect(HMAC.authenticate(.sha1, key: key.span, data: data.span).hex == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }

    @Test func hmacAcceptsEmptyKeyAndData() {
        #expect(HMAC.authenticate(.sha256, key: [UInt8]().span, data: [UInt8]().span).hex == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test func constantTimeEquals() {
        // #expect cannot capture non-escapable spans, so evaluate first.
        let same = ConstantTime.equals([1, 2, 3].span, [1, 2, 3].span)
        let lastDiffers = ConstantTime.equals([1, 2, 3].span, [1, 2, 4].span)
        let lengthDiffers = ConstantTime.equals([1, 2, 3].span, [1, 2].span)
        let bothEmpty = ConstantTime.equals([UInt8]().span, [UInt8]().span)
        #expect(same && !lastDiffers && !lengthDiffers && bothEmpty)
    }

    @Test func secureRandomFillsRequestedRangeOnly() {
        #expect(SecureRandom.bytes(0).isEmpty)
        let a = SecureRandom.bytes(32), b = SecureRandom.bytes(32)
        #expect(a.count == 32 && a != b)
        var buffer = [UInt8](repeating: 0, count: 64)
        SecureRandom.fill(&buffer, range: 16..<48)
        #expect(buffer[0..<16].allSatisfy { $0 == 0 } && buffer[48...].allSatisfy { $0 == 0 })
        #expect(buffer[16..<48].contains { $0 != 0 })
    }
}
