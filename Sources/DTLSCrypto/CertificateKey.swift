internal import COpenSSL

/// The subject public key of a DER certificate, without building an X509.
///
/// OpenSSL 3.0's `d2i_X509` decodes the key through the generic
/// OSSL_DECODER machinery, which costs about 1.5 million instructions per
/// certificate: more than the ECDHE and both signatures of a handshake put
/// together. WebRTC authenticates by fingerprint, so all a handshake needs
/// from the peer's certificate is its key. This walks the DER with
/// libcrypto's `ASN1_get_object` to the SubjectPublicKeyInfo and builds the
/// key with `EVP_PKEY_fromdata` (P-256, P-384, RSA); any other form falls
/// back to `d2i_X509`.
extension PublicKey {
    public static func fromCertificate(derEncoded der: [UInt8]) throws(CryptoError) -> PublicKey {
        if let key = try? fastPath(der) { return key }
        return try Certificate(derEncoded: der).publicKey()
    }

    private static let ecPublicKeyOID: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
    private static let prime256v1OID: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    private static let secp384r1OID: [UInt8] = [0x2B, 0x81, 0x04, 0x00, 0x22]
    private static let rsaEncryptionOID: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]

    /// One DER element: tag number, constructed bit, and where its content lies.
    private struct Element {
        var tag: Int32
        var constructed: Bool
        var content: Range<Int>
        var end: Int { content.upperBound }
    }

    /// Reads the element at `offset` with ASN1_get_object (bounded by `limit`).
    private static func element(_ der: [UInt8], at offset: Int, limit: Int) throws(CryptoError) -> Element {
        guard offset < limit else { throw .malformedInput("DER element past its container") }
        var length = 0
        var tag: Int32 = 0
        var tagClass: Int32 = 0
        let result = der.withUnsafeBufferPointer { buffer -> (Int32, Int) in
            var pointer: UnsafePointer<UInt8>? = buffer.baseAddress! + offset
            let r = ASN1_get_object(&pointer, &length, &tag, &tagClass, limit - offset)
            return (r, pointer.map { $0 - buffer.baseAddress! } ?? offset)
        }
        // 0x80 flags an error, 0x21 an indefinite length: neither is DER.
        guard result.0 & 0x80 == 0, result.0 & 0x01 == 0, result.1 + length <= limit else {
            ERR_clear_error()
            throw .malformedInput("bad DER")
        }
        return Element(tag: tag | (tagClass << 8), constructed: result.0 & 0x20 != 0, content: result.1..<(result.1 + length))
    }

    private static func fastPath(_ der: [UInt8]) throws(CryptoError) -> PublicKey {
        let sequence: Int32 = 16, integer: Int32 = 2, bitString: Int32 = 3, oid: Int32 = 6
        let contextZero: Int32 = 0 | (Int32(V_ASN1_CONTEXT_SPECIFIC) << 8)
        let certificate = try element(der, at: 0, limit: der.count)
        guard certificate.tag == sequence, certificate.end == der.count else { throw .malformedInput("certificate") }
        let tbs = try element(der, at: certificate.content.lowerBound, limit: certificate.end)
        guard tbs.tag == sequence else { throw .malformedInput("tbsCertificate") }
        var cursor = tbs.content.lowerBound
        var field = try element(der, at: cursor, limit: tbs.end)
        if field.tag == contextZero { cursor = field.end; field = try element(der, at: cursor, limit: tbs.end) }  // version
        guard field.tag == integer else { throw .malformedInput("serialNumber") }
        // serialNumber, signature, issuer, validity, subject: skip five elements.
        for _ in 0..<5 {
            field = try element(der, at: cursor, limit: tbs.end)
            cursor = field.end
        }
        let spki = try element(der, at: cursor, limit: tbs.end)
        guard spki.tag == sequence else { throw .malformedInput("subjectPublicKeyInfo") }
        let algorithm = try element(der, at: spki.content.lowerBound, limit: spki.end)
        guard algorithm.tag == sequence else { throw .malformedInput("algorithm") }
        let algorithmOID = try element(der, at: algorithm.content.lowerBound, limit: algorithm.end)
        guard algorithmOID.tag == oid else { throw .malformedInput("algorithm OID") }
        let key = try element(der, at: algorithm.end, limit: spki.end)
        guard key.tag == bitString, key.content.count > 1, der[key.content.lowerBound] == 0 else {
            throw .malformedInput("subjectPublicKey")
        }
        let keyBytes = Array(der[(key.content.lowerBound + 1)..<key.content.upperBound])
        let algorithmName = Array(der[algorithmOID.content])

        if algorithmName == ecPublicKeyOID {
            let parameters = try element(der, at: algorithmOID.end, limit: algorithm.end)
            guard parameters.tag == oid else { throw .unsupportedKey }
            let curveOID = Array(der[parameters.content])
            let curve: ECCurve
            switch curveOID {
            case prime256v1OID: curve = .p256
            case secp384r1OID: curve = .p384
            default: throw .unsupportedKey
            }
            let builder = try ParamBuilder()
            try builder.push(ParamName.groupName, utf8: curve == .p256 ? ECDomain.p256Name : ECDomain.p384Name)
            try builder.push(ParamName.publicKey, octets: keyBytes.span)
            let pkey = try withPKeyContext(from: curve == .p256 ? ECDomain.p256 : ECDomain.p384) { (ctx) throws(CryptoError) in
                try builder.makeKey(context: ctx, selection: COpenSSL_EVP_PKEY_PUBLIC_KEY())
            }
            return PublicKey(sharing: pkey, keyType: .ecdsa(curve))
        }
        if algorithmName == rsaEncryptionOID {
            // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
            let rsa = try element(keyBytes, at: 0, limit: keyBytes.count)
            guard rsa.tag == sequence, rsa.end == keyBytes.count else { throw .malformedInput("RSAPublicKey") }
            let n = try element(keyBytes, at: rsa.content.lowerBound, limit: rsa.end)
            let e = try element(keyBytes, at: n.end, limit: rsa.end)
            guard n.tag == integer, e.tag == integer, e.end == rsa.end else { throw .malformedInput("RSAPublicKey") }
            let modulus = Array(keyBytes[n.content])
            let exponent = Array(keyBytes[e.content])
            let builder = try ParamBuilder()
            try builder.push(ParamName.rsaN, bigEndian: modulus.span)
            try builder.push(ParamName.rsaE, bigEndian: exponent.span)
            let pkey = try withPKeyContext(named: "RSA") { (ctx) throws(CryptoError) in
                try builder.makeKey(context: ctx, selection: COpenSSL_EVP_PKEY_PUBLIC_KEY())
            }
            do {
                let keyType = try KeyType(of: pkey)
                return PublicKey(sharing: pkey, keyType: keyType)
            } catch {
                EVP_PKEY_free(pkey)
                throw error
            }
        }
        throw .unsupportedKey
    }
}
