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
