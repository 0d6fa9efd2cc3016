/// Certificate (RFC 5246 7.4.2): `ASN.1Cert certificate_list<0..2^24-1>`,
/// each `opaque ASN.1Cert<1..2^24-1>`, the sender's own certificate first.
package struct CertificateMessage: Hashable, Sendable {
    package var certificates: [[UInt8]]

    package init(certificates: [[UInt8]]) { self.certificates = certificates }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        var list = try reader.readLengthPrefixed(lengthBytes: 3)
        try reader.expectEnd()
        var certs: [[UInt8]] = []
        while !list.isAtEnd {
            let der = try list.readVector(lengthBytes: 3)
            guard !der.isEmpty else { throw .invalidValue("empty certificate") }
            certs.append(der)
        }
        certificates = certs
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeLengthPrefixed(lengthBytes: 3) { w in
            for c in certificates { w.writeVector(lengthBytes: 3, c) }
        }
    }
}
