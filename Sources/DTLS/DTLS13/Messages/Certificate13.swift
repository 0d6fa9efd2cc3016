/// Certificate in DTLS 1.3 (RFC 8446 4.4.2): a request context (empty in
/// the handshake) and entries, each a DER certificate with its own
/// extensions. The first entry is the end-entity certificate.
///
/// ```
/// struct { opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>; } CertificateEntry;
/// struct {
///   opaque certificate_request_context<0..2^8-1>;
///   CertificateEntry certificate_list<0..2^24-1>;
/// } Certificate;
/// ```
package struct Certificate13: Hashable, Sendable {
    package struct Entry: Hashable, Sendable {
        package var certificate: [UInt8]
        package var extensions: [HelloExtension]

        package init(certificate: [UInt8], extensions: [HelloExtension] = []) {
            self.certificate = certificate
            self.extensions = extensions
        }
    }

    package var context: [UInt8]
    package var entries: [Entry]

    package init(context: [UInt8] = [], entries: [Entry]) {
        self.context = context
        self.entries = entries
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        context = try reader.readVector(lengthBytes: 1)
        var list = try reader.readLengthPrefixed(lengthBytes: 3)
        try reader.expectEnd()
        entries = []
        while !list.isAtEnd {
            let certificate = try list.readVector(lengthBytes: 3)
            guard !certificate.isEmpty else { throw .invalidValue("empty cert_data") }
            // The entry's extensions field is always there (2 length bytes).
            guard list.remaining >= 2 else { throw .truncated }
            let extensions = try [HelloExtension].parse(&list)
            entries.append(Entry(certificate: certificate, extensions: extensions))
        }
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeVector(lengthBytes: 1, context)
        var list = ByteWriter()
        for entry in entries {
            list.writeUInt24(UInt32(entry.certificate.count))
            list.writeBytes(entry.certificate)
            entry.extensions.write(to: &list)
            if entry.extensions.isEmpty { list.writeUInt16(0) }
        }
        writer.writeUInt24(UInt32(list.bytes.count))
        writer.writeBytes(list.bytes)
    }
}
