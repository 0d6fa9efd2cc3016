import CSRTP
import CSRTPCrypto
import SRTP

/// Drives libsrtp cipher and auth *types* directly (alloc, init, set_iv,
/// set_aad, encrypt/decrypt, get_tag; init, start, update, compute), the
/// way srtp.c does, so the libcrypto types can be checked against known
/// answers, libcrypto's HMAC and libsrtp's built-in (NSS) types.
enum CipherKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case icm128, icm192, icm256, gcm128, gcm256

    var description: String { rawValue }
    var id: srtp_cipher_type_id_t {
        switch self {
        case .icm128: srtp_cipher_type_id_t(SRTP_AES_ICM_128)
        case .icm192: srtp_cipher_type_id_t(SRTP_AES_ICM_192)
        case .icm256: srtp_cipher_type_id_t(SRTP_AES_ICM_256)
        case .gcm128: srtp_cipher_type_id_t(SRTP_AES_GCM_128)
        case .gcm256: srtp_cipher_type_id_t(SRTP_AES_GCM_256)
        }
    }
    var isGCM: Bool { self == .gcm128 || self == .gcm256 }
    /// AES key || salt, as libsrtp passes it to init.
    var keyLength: Int {
        switch self {
        case .icm128: 30
        case .icm192: 38
        case .icm256: 46
        case .gcm128: 28
        case .gcm256: 44
        }
    }
    var ivLength: Int { isGCM ? 12 : 16 }

    var libcrypto: srtp_cipher_type_t {
        switch self {
        case .icm128: csrtp_libcrypto_aes_icm_128
        case .icm192: csrtp_libcrypto_aes_icm_192
        case .icm256: csrtp_libcrypto_aes_icm_256
        case .gcm128: csrtp_libcrypto_aes_gcm_128
        case .gcm256: csrtp_libcrypto_aes_gcm_256
        }
    }
    var builtIn: srtp_cipher_type_t {
        switch self {
        case .icm128: srtp_aes_icm_128
        case .icm192: srtp_aes_icm_192
        case .icm256: srtp_aes_icm_256
        case .gcm128: srtp_aes_gcm_128
        case .gcm256: srtp_aes_gcm_256
        }
    }
}

/// Thrown with the libsrtp status of a failed cipher or auth call.
struct Status: Error, Equatable, CustomStringConvertible {
    let raw: UInt32
    init(_ s: srtp_err_status_t) { raw = s.rawValue }
    static let ok = Status(srtp_err_status_ok)
    static let badParam = Status(srtp_err_status_bad_param)
    static let authFail = Status(srtp_err_status_auth_fail)
    var description: String { "srtp_err_status \(raw)" }
}

@discardableResult
private func check(_ s: srtp_err_status_t) throws(Status) -> srtp_err_status_t {
    guard s == srtp_err_status_ok else { throw Status(s) }
    return s
}

/// One cipher instance of a type, deallocated (through the type) on deinit.
final class CipherInstance {
    let cipher: UnsafeMutablePointer<srtp_cipher_t>

    init(type: srtp_cipher_type_t, keyLength: Int, tagLength: Int) throws(Status) {
        var c: UnsafeMutablePointer<srtp_cipher_t>? = nil
        let status = withUnsafePointer(to: type) { srtp_cipher_type_alloc($0, &c, Int32(keyLength), Int32(tagLength)) }
        try check(status)
        guard let c else { throw Status(srtp_err_status_alloc_fail) }
        cipher = c
    }

    /// An instance of the type the crypto kernel hands out for `id`.
    init(kernel id: srtp_cipher_type_id_t, keyLength: Int, tagLength: Int) throws(Status) {
        var c: UnsafeMutablePointer<srtp_cipher_t>? = nil
        try check(srtp_cipher_type_alloc(srtp_crypto_kernel_get_cipher_type(id), &c, Int32(keyLength), Int32(tagLength)))
        guard let c else { throw Status(srtp_err_status_alloc_fail) }
        cipher = c
    }

    deinit { _ = srtp_cipher_dealloc(cipher) }

    var description: String { String(cString: cipher.pointee.type.pointee.description) }

    func initialize(key: [UInt8]) throws(Status) { try check(srtp_cipher_init(cipher, key)) }

    func setIV(_ iv: [UInt8], encrypt: Bool) throws(Status) {
        var iv = iv
        let direction = encrypt ? srtp_direction_encrypt : srtp_direction_decrypt
        try check(srtp_cipher_set_iv(cipher, &iv, Int32(direction.rawValue)))
    }

    func addAAD(_ aad: [UInt8]) throws(Status) {
        try check(srtp_cipher_set_aad(cipher, aad, UInt32(aad.count)))
    }

    /// Encrypts in place (ICM: XORs the keystream). The buffer gets 16
    /// spare bytes, as libsrtp's packets have room for the tag: the
    /// built-in NSS GCM type writes its tag there.
    func encrypt(_ data: inout [UInt8]) throws(Status) {
        var buffer = data + [UInt8](repeating: 0, count: 16)
        var length = UInt32(data.count)
        let s = buffer.withUnsafeMutableBufferPointer { srtp_cipher_encrypt(cipher, $0.baseAddress, &length) }
        try check(s)
        guard length == data.count else { throw Status(srtp_err_status_algo_fail) }
        data = Array(buffer[..<data.count])
    }

    /// GCM: the tag of what was encrypted since set_iv.
    func tag() throws(Status) -> [UInt8] {
        var tag = [UInt8](repeating: 0, count: 16)
        var length: UInt32 = 0
        try check(srtp_cipher_get_tag(cipher, &tag, &length))
        return Array(tag[..<Int(length)])
    }

    /// GCM: opens ciphertext || tag; returns the plaintext.
    func decrypt(_ sealed: [UInt8]) throws(Status) -> [UInt8] {
        var buffer = sealed
        var length = UInt32(sealed.count)
        let s = buffer.withUnsafeMutableBufferPointer { srtp_cipher_decrypt(cipher, $0.baseAddress, &length) }
        try check(s)
        return Array(buffer[..<Int(length)])
    }
}

/// One HMAC instance of an auth type.
final class AuthInstance {
    let auth: UnsafeMutablePointer<srtp_auth_t>

    init(type: srtp_auth_type_t, keyLength: Int, tagLength: Int) throws(Status) {
        var a: UnsafeMutablePointer<srtp_auth_t>? = nil
        let status = withUnsafePointer(to: type) { $0.pointee.alloc(&a, Int32(keyLength), Int32(tagLength)) }
        try check(status)
        guard let a else { throw Status(srtp_err_status_alloc_fail) }
        auth = a
    }

    init(kernel id: srtp_auth_type_id_t, keyLength: Int, tagLength: Int) throws(Status) {
        var a: UnsafeMutablePointer<srtp_auth_t>? = nil
        let type = srtp_crypto_kernel_get_auth_type(id)!
        try check(type.pointee.alloc(&a, Int32(keyLength), Int32(tagLength)))
        guard let a else { throw Status(srtp_err_status_alloc_fail) }
        auth = a
    }

    deinit { _ = auth.pointee.type.pointee.dealloc(auth) }

    var type: UnsafePointer<srtp_auth_type_t> { auth.pointee.type }
    var description: String { String(cString: type.pointee.description) }

    func initialize(key: [UInt8]) throws(Status) {
        try check(type.pointee.`init`(auth.pointee.state, key, auth.pointee.key_len))
    }

    /// start, update with every chunk but the last, compute over the last.
    func mac(_ chunks: [[UInt8]]) throws(Status) -> [UInt8] {
        try check(type.pointee.start(auth.pointee.state))
        for chunk in chunks.dropLast() {
            try check(type.pointee.update(auth.pointee.state, chunk, Int32(chunk.count)))
        }
        let last = chunks.last ?? []
        var tag = [UInt8](repeating: 0, count: Int(auth.pointee.out_len))
        try check(type.pointee.compute(auth.pointee.state, last, Int32(last.count), auth.pointee.out_len, &tag))
        return tag
    }
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
struct TestBytes {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next(4).reduce(0) { $0 << 8 | UInt32($1) } % UInt32(range.count))
    }
}
