internal import COpenSSL
import Glibc

/// An X.509 certificate. In DTLS-SRTP it is authenticated by the SDP
/// fingerprint rather than a CA chain, so this type only parses, creates
/// self-signed ones, and exposes the key and DER.
/// `@unchecked Sendable`: immutable after init.
public final class Certificate: @unchecked Sendable {
    private let x509: OpaquePointer
    /// Kept alongside the X509 because fingerprints and the Certificate
    /// message both need the exact bytes, on every handshake.
    public let derEncoded: [UInt8]

    /// Takes ownership of `x509`. `der`, when given, is the exact encoding
    /// it was parsed from, which saves re-encoding on the handshake path.
    private init(owning x509: OpaquePointer, der: [UInt8]? = nil) throws(CryptoError) {
        if let der {
            self.x509 = x509
            self.derEncoded = der
            return
        }
        let length = i2d_X509(x509, nil)
        guard length > 0 else {
            X509_free(x509)
            throw libraryError("i2d_X509")
        }
        derEncoded = [UInt8](unsafeUninitializedCapacity: Int(length)) { buffer, count in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            count = Int(i2d_X509(x509, &cursor))
        }
        self.x509 = x509
        guard derEncoded.count == Int(length) else { throw libraryError("i2d_X509") }
    }

    deinit { X509_free(x509) }

    /// Rejects trailing bytes: the Certificate message carries exact lengths,
    /// and slack after the DER would make the fingerprint input ambiguous.
    public convenience init(derEncoded: [UInt8]) throws(CryptoError) {
        ERR_clear_error()
        var consumed = 0
        let x509 = derEncoded.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            guard let base = buffer.baseAddress else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            let parsed = d2i_X509(nil, &cursor, buffer.count)
            consumed = cursor.map { $0 - base } ?? 0
            return parsed
        }
        guard let x509 else {
            ERR_clear_error()
            throw .malformedInput("invalid X.509 DER")
        }
        guard consumed == derEncoded.count else {
            X509_free(x509)
            throw .malformedInput("trailing bytes after X.509 DER")
        }
        // Keep the bytes as received: libcrypto accepts some BER and would
        // re-encode it, and a fingerprint is over the bytes the peer sent.
        // (A fuzz-handshake finding when derEncoded was re-encoded.)
        try self.init(owning: x509, der: derEncoded)
    }

    /// First CERTIFICATE block; other blocks (e.g. a key) before it are skipped.
    public convenience init(pemEncoded: String) throws(CryptoError) {
        ERR_clear_error()
        let x509 = try withMemoryBIO(pemEncoded) { bio in
            PEM_read_bio_X509(bio, nil, refusePassphrase, nil)
        }
        guard let x509 else {
            ERR_clear_error()
            throw .malformedInput("no CERTIFICATE block in PEM")
        }
        try self.init(owning: x509)
    }

    /// X.509 v3 self-signed certificate as WebRTC uses them: random 64-bit positive serial, CN=commonName, notBefore now-1 day, notAfter now+validityDays, signed with SHA-256 (SHA-384 for P-384).
    ///
    /// notBefore is backdated to tolerate peers whose clocks run slow.
    public static func selfSigned(privateKey: PrivateKey, commonName: String = "dtls-srtp", validityDays: Int = 30) throws(CryptoError) -> Certificate {
        guard validityDays > 0, validityDays <= 36500 else { throw .malformedInput("validityDays out of range") }
        guard !commonName.isEmpty, commonName.utf8.count <= 64 else {
            throw .malformedInput("common name must be 1...64 bytes")  // X.520 ub-common-name
        }
        ERR_clear_error()
        guard let x509 = X509_new() else { throw libraryError("X509_new") }
        var owned = true
        defer { if owned { X509_free(x509) } }

        // Positive and non-zero: clear the sign bit, set the lowest bit.
        var serialBytes = SecureRandom.bytes(8)
        serialBytes[0] &= 0x7f
        serialBytes[7] |= 0x01
        guard let serial = serialBytes.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, Int32($0.count), nil) }) else {
            throw libraryError("BN_bin2bn")
        }
        defer { BN_free(serial) }

        let hash: HashAlgorithm = privateKey.keyType == .ecdsa(.p384) ? .sha384 : .sha256
        let ok = X509_set_version(x509, 2) == 1  // 2 means v3
            && BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x509)) != nil
            && X509_gmtime_adj(X509_getm_notBefore(x509), -86_400) != nil
            && X509_gmtime_adj(X509_getm_notAfter(x509), validityDays * 86_400) != nil
            && X509_set_pubkey(x509, privateKey.pkey) == 1
        guard ok, let name = X509_get_subject_name(x509) else { throw libraryError("X509 fields") }
        let added = commonName.withCString { cn in
            cn.withMemoryRebound(to: UInt8.self, capacity: commonName.utf8.count + 1) {
                X509_NAME_add_entry_by_txt(name, "CN", COpenSSL_MBSTRING_UTF8(), $0, -1, -1, 0) == 1
            }
        }
        guard added, X509_set_issuer_name(x509, name) == 1 else { throw libraryError("X509 name") }
        guard X509_sign(x509, privateKey.pkey, hash.md) > 0 else { throw libraryError("X509_sign") }
        owned = false
        return try Certificate(owning: x509)
    }

    public var pemEncoded: String {
        guard let bio = BIO_new(BIO_s_mem()) else { fatalError("BIO_new failed") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509(bio, x509) == 1 else {
            fatalError("PEM_write_bio_X509: \(libraryError("PEM"))")
        }
        return stringFromMemoryBIO(bio)
    }

    /// The start of the validity period, in seconds since 1970 (UTC).
    public var notBefore: Int64 { Self.seconds(X509_get0_notBefore(x509)) }

    /// The end of the validity period (what `RTCCertificate.expires`
    /// reports), in seconds since 1970 (UTC). Peers in WebRTC check only
    /// the fingerprint, so an expired certificate still connects; rotate
    /// before this anyway, as browsers do.
    public var notAfter: Int64 { Self.seconds(X509_get0_notAfter(x509)) }

    private static func seconds(_ time: UnsafePointer<ASN1_TIME>?) -> Int64 {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return 0 }
        return Int64(timegm(&parts))
    }

    /// Whether `privateKey` is the key this certificate's public key belongs to.
    public func isSigned(by privateKey: PrivateKey) -> Bool {
        let matches = X509_check_private_key(x509, privateKey.pkey) == 1
        ERR_clear_error()
        return matches
    }

    /// The subject key; `.unsupportedKey` for types DTLS-SRTP does not use.
    public func publicKey() throws(CryptoError) -> PublicKey {
        guard let pkey = X509_get0_pubkey(x509) else {
            ERR_clear_error()
            throw .malformedInput("certificate public key cannot be decoded")
        }
        let keyType = try KeyType(of: pkey)
        EVP_PKEY_up_ref(pkey)
        return PublicKey(sharing: pkey, keyType: keyType)
    }

    public func digest(_ algorithm: HashAlgorithm) -> [UInt8] {
        let der = derEncoded  // a span cannot borrow a class property in place
        return Digest.hash(algorithm, der.span)
    }
}
