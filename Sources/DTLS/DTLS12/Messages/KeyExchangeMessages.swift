/// ServerKeyExchange for ECDHE and DHE (RFC 8422 5.4, RFC 5246 7.4.3).
///
/// ```
/// ECDHE: struct { ECCurveType curve_type(3); NamedCurve namedcurve; opaque point<1..2^8-1>; } params;
/// DHE:   struct { opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; opaque dh_Ys<1..2^16-1>; } params;
/// followed by digitally-signed struct { client_random + server_random + params }.
/// ```
/// The exact parameter bytes are kept because they are what gets signed.
package struct ServerKeyExchange: Hashable, Sendable {
    package enum Parameters: Hashable, Sendable {
        case ecdhe(group: NamedGroup, publicKey: [UInt8])
        case dhe(prime: [UInt8], generator: [UInt8], publicKey: [UInt8])
    }

    package var parameters: Parameters
    package var signed: DigitallySigned

    package init(parameters: Parameters, signed: DigitallySigned) {
        self.parameters = parameters
        self.signed = signed
    }

    package init(parsing reader: inout ByteReader, keyExchange: CipherSuite.KeyExchange) throws(WireError) {
        switch keyExchange {
        case .ecdhe:
            let curveType = try reader.readUInt8()
            guard curveType == 3 else { throw .invalidValue("curve_type \(curveType) is not named_curve") }
            let group = NamedGroup(rawValue: try reader.readUInt16())
            let point = try reader.readVector(lengthBytes: 1)
            guard !point.isEmpty else { throw .invalidValue("empty ECDH point") }
            parameters = .ecdhe(group: group, publicKey: point)
        case .dhe:
            let p = try reader.readVector(lengthBytes: 2)
            let g = try reader.readVector(lengthBytes: 2)
            let y = try reader.readVector(lengthBytes: 2)
            guard !p.isEmpty, !g.isEmpty, !y.isEmpty else { throw .invalidValue("empty DH parameter") }
            parameters = .dhe(prime: p, generator: g, publicKey: y)
        }
        signed = try DigitallySigned(parsing: &reader)
        try reader.expectEnd()
    }

    /// The serialized params alone: the input to the signature.
    package var parameterBytes: [UInt8] {
        var w = ByteWriter(capacity: 600)
        Self.writeParameters(parameters, to: &w)
        return w.bytes
    }

    package static func writeParameters(_ parameters: Parameters, to writer: inout ByteWriter) {
        switch parameters {
        case .ecdhe(let group, let point):
            writer.writeUInt8(3)
            writer.writeUInt16(group.rawValue)
            writer.writeVector(lengthBytes: 1, point)
        case .dhe(let p, let g, let y):
            writer.writeVector(lengthBytes: 2, p)
            writer.writeVector(lengthBytes: 2, g)
            writer.writeVector(lengthBytes: 2, y)
        }
    }

    package func write(to writer: inout ByteWriter) {
        Self.writeParameters(parameters, to: &writer)
        signed.write(to: &writer)
    }
}

/// ClientKeyExchange (RFC 8422 5.7, RFC 5246 7.4.7.2): the client's
/// ephemeral package value, `point<1..2^8-1>` for ECDHE, `dh_Yc<1..2^16-1>` for DHE.
package struct ClientKeyExchange: Hashable, Sendable {
    package var publicKey: [UInt8]

    package init(publicKey: [UInt8]) { self.publicKey = publicKey }

    package init(parsing reader: inout ByteReader, keyExchange: CipherSuite.KeyExchange) throws(WireError) {
        publicKey = try reader.readVector(lengthBytes: keyExchange == .ecdhe ? 1 : 2)
        guard !publicKey.isEmpty else { throw .invalidValue("empty package key") }
        try reader.expectEnd()
    }

    package func write(to writer: inout ByteWriter, keyExchange: CipherSuite.KeyExchange) {
        writer.writeVector(lengthBytes: keyExchange == .ecdhe ? 1 : 2, publicKey)
    }
}

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
