import DTLSCrypto

/// CertificateVerify in DTLS 1.3 (RFC 8446 4.4.3): a signature scheme and
/// a signature over 64 spaces, a context string, a zero byte and the
/// transcript hash. The wire format is 1.2's `DigitallySigned`.
package enum CertificateVerify13 {
    /// What is signed: 0x20 x 64 || "TLS 1.3, server CertificateVerify"
    /// (or client) || 0x00 || Transcript-Hash(ClientHello .. Certificate).
    /// DTLS 1.3 keeps TLS 1.3's strings (RFC 9147 changes only the HKDF label prefix).
    package static func signedContent(server: Bool, transcriptHash: [UInt8]) -> [UInt8] {
        var content = [UInt8](repeating: 0x20, count: 64)
        content += Array((server ? "TLS 1.3, server CertificateVerify" : "TLS 1.3, client CertificateVerify").utf8)
        content.append(0)
        content += transcriptHash
        return content
    }
}
