internal import CLibSSL

/// Owned `X509*` + `EVP_PKEY*`, freed on deinit.
final class CertificateAndKey {
    let certificate: OpaquePointer  // X509*
    let privateKey: OpaquePointer   // EVP_PKEY*

    init(certificate: OpaquePointer, privateKey: OpaquePointer) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    deinit {
        X509_free(certificate)
        EVP_PKEY_free(privateKey)
    }

    var der: [UInt8] { derEncode(certificate) }

    /// Parses a PEM certificate and PEM private key (any type OpenSSL reads).
    static func load(certificatePEM: String, privateKeyPEM: String) throws(OpenSSLPeerError) -> CertificateAndKey {
        ERR_clear_error()
        guard let x = withMemBIO(certificatePEM, { PEM_read_bio_X509($0, nil, nil, nil) }) else {
            throw .configuration("cannot parse certificate PEM: \(drainErrorQueue())")
        }
        guard let k = withMemBIO(privateKeyPEM, { PEM_read_bio_PrivateKey($0, nil, nil, nil) }) else {
            X509_free(x)
            throw .configuration("cannot parse private key PEM: \(drainErrorQueue())")
        }
        return CertificateAndKey(certificate: x, privateKey: k)
    }

    /// A fresh self-signed ECDSA P-256 certificate (SHA-256, valid -1 h .. +30 days), as WebRTC uses.
    static func generateSelfSigned(commonName: String) throws(OpenSSLPeerError) -> CertificateAndKey {
        ERR_clear_error()
        guard let k = CLibSSL_EVP_EC_gen("P-256") else {
            throw .configuration("EC P-256 key generation failed: \(drainErrorQueue())")
        }
        guard let x = X509_new() else {
            EVP_PKEY_free(k)
            throw .configuration("X509_new failed")
        }
        let result = CertificateAndKey(certificate: x, privateKey: k)
        var serial = [UInt8](repeating: 0, count: 8)
        _ = RAND_bytes(&serial, Int32(serial.count))
        serial[0] &= 0x7f
        let bn = BN_bin2bn(serial, Int32(serial.count), nil)
        defer { BN_free(bn) }
        var ok = X509_set_version(x, 2) == 1
        ok = ok && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != nil
        ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nil
        ok = ok && X509_gmtime_adj(X509_getm_notAfter(x), 86400 * 30) != nil
        ok = ok && X509_set_pubkey(x, k) == 1
        let name = X509_get_subject_name(x)
        ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1
        ok = ok && X509_set_issuer_name(x, name) == 1
        ok = ok && X509_sign(x, k, EVP_sha256()) > 0
        guard ok else { throw .configuration("self-signed certificate creation failed: \(drainErrorQueue())") }
        return result
    }
}

func derEncode(_ x509: OpaquePointer) -> [UInt8] {
    let len = i2d_X509(x509, nil)
    guard len > 0 else { return [] }
    var out = [UInt8](repeating: 0, count: Int(len))
    out.withUnsafeMutableBufferPointer { buf in
        var p: UnsafeMutablePointer<UInt8>? = buf.baseAddress
        _ = i2d_X509(x509, &p)
    }
    return out
}

private func withMemBIO<T>(_ text: String, _ body: (OpaquePointer) -> T?) -> T? {
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBytes { raw -> T? in
        guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
        defer { BIO_free(bio) }
        return body(bio)
    }
}
