import CSRTP
import CSRTPCrypto
import Testing
import SRTP

/// The libcrypto cipher types against libsrtp's built-in ones (NSS on
/// Debian), input for input, the way srtp.c drives them: same keystream
/// for AES-ICM, same ciphertext and tag for AES-GCM (each opening what
/// the other sealed), for random keys, IVs, AAD splits and lengths.
@Suite struct BuiltInCryptoDifferentialTests {
    init() throws { try SRTPLibrary.initialize() }

    @Test(arguments: [CipherKind.icm128, .icm192, .icm256])
    func icmKeystreamEqualsTheBuiltInOne(kind: CipherKind) throws {
        var random = TestBytes(seed: UInt64(kind.keyLength))
        let ours = try CipherInstance(type: kind.libcrypto, keyLength: kind.keyLength, tagLength: 0)
        let theirs = try CipherInstance(type: kind.builtIn, keyLength: kind.keyLength, tagLength: 0)
        for _ in 0..<20 {
            let key = random.next(kind.keyLength)
            try ours.initialize(key: key)
            try theirs.initialize(key: key)
            for _ in 0..<5 {
                let iv = random.next(16), data = random.next(random.int(0...1500))
                try ours.setIV(iv, encrypt: true)
                try theirs.setIV(iv, encrypt: true)
                var a = data, b = data
                try ours.encrypt(&a)
                try theirs.encrypt(&b)
                #expect(a == b)
            }
        }
    }

    @Test(arguments: [CipherKind.gcm128, .gcm256], [8, 16])
    func gcmEqualsTheBuiltInOneBothWays(kind: CipherKind, tagLength: Int) throws {
        var random = TestBytes(seed: UInt64(kind.keyLength * tagLength))
        let ours = try CipherInstance(type: kind.libcrypto, keyLength: kind.keyLength, tagLength: tagLength)
        let theirs = try CipherInstance(type: kind.builtIn, keyLength: kind.keyLength, tagLength: tagLength)
        for _ in 0..<20 {
            let key = random.next(kind.keyLength)
            try ours.initialize(key: key)
            try theirs.initialize(key: key)
            for _ in 0..<5 {
                let iv = random.next(12), aad = random.next(random.int(0...60)), data = random.next(random.int(0...1500))
                let cut = random.int(0...aad.count)
                var sealed: [[UInt8]] = []
                for c in [ours, theirs] {
                    try c.setIV(iv, encrypt: true)
                    try c.addAAD(Array(aad[..<cut]))
                    try c.addAAD(Array(aad[cut...]))
                    var body = data
                    try c.encrypt(&body)
                    sealed.append(body + (try c.tag()))
                }
                #expect(sealed[0] == sealed[1])
                #expect(sealed[0].count == data.count + tagLength)
                for (opener, packet) in [(ours, sealed[1]), (theirs, sealed[0])] {
                    try opener.setIV(iv, encrypt: false)
                    try opener.addAAD(aad)
                    #expect(try opener.decrypt(packet) == data)
                }
            }
        }
    }
}
