/// CertificateVerify (RFC 5246 7.4.8): a signature over every handshake
/// message so far, proving possession of the certificate's key.
package struct CertificateVerify: Hashable, Sendable {
    package var signed: DigitallySigned

    package init(signed: DigitallySigned) { self.signed = signed }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        signed = try DigitallySigned(parsing: &reader)
        try reader.expectEnd()
    }

    package func write(to writer: inout ByteWriter) { signed.write(to: &writer) }
}
