internal import COpenSSL

// The bridging code every other file relies on: span -> pointer access,
// ERR queue draining, and process-lifetime C strings for OSSL_PARAM keys.

/// A readable byte that stands in for the base address of empty spans:
/// several libcrypto entry points reject NULL even when the length is 0.
nonisolated(unsafe) let emptyBytePointer: UnsafeMutablePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    p.initialize(to: 0)
    return p
}()

extension Span where Element == UInt8 {
    /// Hands libcrypto a never-NULL pointer and the length.
    @inline(__always)
    func withBytes<R, E: Error>(_ body: (UnsafePointer<UInt8>, Int) throws(E) -> R) throws(E) -> R {
        try withUnsafeBufferPointer { (buffer) throws(E) -> R in
            try body(buffer.baseAddress ?? UnsafePointer(emptyBytePointer), buffer.count)
        }
    }
}

extension Array where Element == UInt8 {
    /// Builds an array of at most `capacity` bytes written by libcrypto; `body`
    /// returns how many bytes it actually wrote.
    @inline(__always)
    init<E: Error>(capacity: Int, _ body: (UnsafeMutablePointer<UInt8>) throws(E) -> Int) throws(E) {
        var failure: E?
        self.init(unsafeUninitializedCapacity: capacity) { buffer, count in
            do {
                count = try body(buffer.baseAddress ?? emptyBytePointer)
            } catch let error as E {
                failure = error
                count = 0
            } catch {
                fatalError("unreachable: typed throw")
            }
        }
        if let failure { throw failure }
    }
}

/// A C string that lives for the whole process. OSSL_PARAM and OSSL_PARAM_BLD
/// keep the key pointer rather than copying it, so a Swift String bridged for
/// the duration of one call would dangle.
@inline(__always)
func immortalCString(_ s: String) -> UnsafePointer<CChar> {
    UnsafePointer(strdup(s)!)
}

/// OSSL_PARAM keys and fixed string values used across the module.
enum ParamName {
    nonisolated(unsafe) static let digest = immortalCString(OSSL_KDF_PARAM_DIGEST)
    nonisolated(unsafe) static let secret = immortalCString(OSSL_KDF_PARAM_SECRET)
    nonisolated(unsafe) static let seed = immortalCString(OSSL_KDF_PARAM_SEED)
    nonisolated(unsafe) static let groupName = immortalCString(OSSL_PKEY_PARAM_GROUP_NAME)
    nonisolated(unsafe) static let publicKey = immortalCString(OSSL_PKEY_PARAM_PUB_KEY)
    nonisolated(unsafe) static let privateKey = immortalCString(OSSL_PKEY_PARAM_PRIV_KEY)
    nonisolated(unsafe) static let encodedPublicKey = immortalCString(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY)
    nonisolated(unsafe) static let ffcP = immortalCString(OSSL_PKEY_PARAM_FFC_P)
    nonisolated(unsafe) static let ffcG = immortalCString(OSSL_PKEY_PARAM_FFC_G)
    nonisolated(unsafe) static let rsaN = immortalCString(OSSL_PKEY_PARAM_RSA_N)
    nonisolated(unsafe) static let rsaE = immortalCString(OSSL_PKEY_PARAM_RSA_E)
}

/// Turns the thread's ERR queue into `.library`, leaving the queue empty so the
/// next operation starts clean.
func libraryError(_ operation: String) -> CryptoError {
    var messages: [String] = []
    var buffer = [CChar](repeating: 0, count: 256)
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        ERR_error_string_n(code, &buffer, buffer.count)
        messages.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }
    if messages.isEmpty { return .library(operation) }
    return .library(operation + ": " + messages.joined(separator: "; "))
}

/// Reads a memory BIO's contents as text (PEM output).
func stringFromMemoryBIO(_ bio: OpaquePointer) -> String {
    var data: UnsafeMutablePointer<CChar>? = nil
    let length = COpenSSL_BIO_get_mem_data(bio, &data)
    guard let data, length > 0 else { return "" }
    return data.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
}

/// Big-endian bytes of a BIGNUM, no leading zeros (the TLS wire format for DH values).
func bytes(of bn: OpaquePointer) -> [UInt8] {
    let length = Int(BN_num_bytes_shim(bn))
    if length == 0 { return [] }
    return [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
        count = Int(BN_bn2bin(bn, buffer.baseAddress!))
    }
}

@inline(__always)
func BN_num_bytes_shim(_ bn: OpaquePointer) -> Int32 {
    (BN_num_bits(bn) + 7) / 8
}

/// Strips leading zero bytes (TLS encodes DH integers minimally).
func strippingLeadingZeros(_ bytes: Span<UInt8>) -> [UInt8] {
    var start = 0
    while start < bytes.count && bytes[start] == 0 { start += 1 }
    var result: [UInt8] = []
    result.reserveCapacity(bytes.count - start)
    for i in start..<bytes.count { result.append(bytes[i]) }
    return result
}
