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

/// A signature with its algorithm (RFC 5246 4.7 `digitally-signed` in TLS 1.2).
package struct DigitallySigned: Hashable, Sendable {
    package var scheme: SignatureScheme
    package var signature: [UInt8]

    package init(scheme: SignatureScheme, signature: [UInt8]) {
        self.scheme = scheme
        self.signature = signature
    }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        scheme = SignatureScheme(rawValue: try reader.readUInt16())
        signature = try reader.readVector(lengthBytes: 2)
        guard !signature.isEmpty else { throw .invalidValue("empty signature") }
    }

    package func write(to writer: inout ByteWriter) {
        writer.writeUInt16(scheme.rawValue)
        writer.writeVector(lengthBytes: 2, signature)
    }
}

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

/// Finished (RFC 5246 7.4.9): 12 bytes of verify_data for every suite here.
package struct Finished: Hashable, Sendable {
    package static let verifyDataLength = 12
    package var verifyData: [UInt8]

    package init(verifyData: [UInt8]) { self.verifyData = verifyData }

    package init(parsing reader: inout ByteReader) throws(WireError) {
        verifyData = try reader.readBytes(Self.verifyDataLength)
        try reader.expectEnd()
    }

    package func write(to writer: inout ByteWriter) { writer.writeBytes(verifyData) }
}
