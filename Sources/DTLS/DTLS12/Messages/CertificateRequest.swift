/// CertificateRequest (RFC 5246 7.4.4).
///
/// ```
/// struct {
///   ClientCertificateType certificate_types<1..2^8-1>;
///   SignatureAndHashAlgorithm supported_signature_algorithms<2^16-1>;
///   DistinguishedName certificate_authorities<0..2^16-1>;
/// } CertificateRequest;
/// ```
package struct CertificateRequest: Hashable, Sendable {
    package static let rsaSign: UInt8 = 1
    package static let ecdsaSign: UInt8 = 64

    package var certificateTypes: [UInt8]
    package var signatureAlgorithms: [SignatureScheme]
    package var certificateAuthorities: [UInt8]

    package init(certificateTypes: [UInt8], signatureAlgorithms: [SignatureScheme], certificateAuthorities: [UInt8] = []) {
        self.certificateTypes = certificateTypes
        self.signatureAlgorithms = signatureAlgorithms
        self.certificateAuthorities = certificateAuthorities
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        certificateTypes = try reader.readVector(lengthBytes: 1)
        guard !certificateTypes.isEmpty else { throw .invalidValue("no certificate types") }
        var algs = try reader.readLengthPrefixed(lengthBytes: 2)
        guard algs.remaining % 2 == 0 else { throw .invalidValue("odd signature algorithm list") }
        var list: [SignatureScheme] = []
        while !algs.isAtEnd { list.append(SignatureScheme(rawValue: try algs.readUInt16())) }
        signatureAlgorithms = list
        certificateAuthorities = try reader.readVector(lengthBytes: 2)
        try reader.expectEnd()
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeVector(lengthBytes: 1, certificateTypes)
        writer.writeLengthPrefixed(lengthBytes: 2) { w in for s in signatureAlgorithms { w.writeUInt16(s.rawValue) } }
        writer.writeVector(lengthBytes: 2, certificateAuthorities)
    }
}
