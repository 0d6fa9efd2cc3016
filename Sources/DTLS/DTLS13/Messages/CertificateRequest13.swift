/// CertificateRequest in DTLS 1.3 (RFC 8446 4.3.2): WebRTC asks every
/// client for its certificate. signature_algorithms is required.
///
/// ```
/// struct {
///   opaque certificate_request_context<0..2^8-1>;
///   Extension extensions<2..2^16-1>;
/// } CertificateRequest;
/// ```
package struct CertificateRequest13: Hashable, Sendable {
    package var context: [UInt8]
    package var extensions: [HelloExtension]

    package init(context: [UInt8] = [], extensions: [HelloExtension]) {
        self.context = context
        self.extensions = extensions
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        context = try reader.readVector(lengthBytes: 1)
        guard reader.remaining >= 2 else { throw .truncated }
        extensions = try [HelloExtension].parse(&reader)
        guard extensions.contains(.signatureAlgorithms) else { throw .invalidValue("CertificateRequest without signature_algorithms") }
        try reader.expectEnd()
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeVector(lengthBytes: 1, context)
        extensions.write(to: &writer)
    }
}
