import DTLS

/// Recorded DTLS 1.2 handshake records: parse and re-serialize through the
/// DTLS module's wire types.
enum HandshakeChecks {
    static func check(_ c: VectorCase) throws {
        switch try c.string("op") {
        case "record_roundtrip": try recordRoundTrip(c)
        case "reassemble": try reassemble(c)
        case "body_roundtrip":
            let body = try c.hex("body")
            let message = try c.string("message")
            try Expect.bytes(try roundTrip(message, bytes: body, range: 0..<body.count, expect: c), body, "\(message) re-serialized")
        case let op: throw Mismatch("unknown op '\(op)'")
        }
    }

    /// One record in, the same bytes out: RecordHeader, HandshakeHeader and,
    /// for an unfragmented message, the message itself.
    private static func recordRoundTrip(_ c: VectorCase) throws {
        let bytes = try c.hex("record")
        let (record, fragment) = try singleFragment(bytes)
        let header = record.header
        try Expect.equal(Int(header.contentType.rawValue), try c.int("content_type"), "record content type")
        try Expect.equal(header.version.rawValue, UInt16(try c.hex("version").reduce(0) { $0 << 8 | Int($1) }), "record version")
        try Expect.equal(Int(header.epoch), try c.int("epoch"), "record epoch")
        try Expect.equal(Int(header.sequenceNumber), try c.int("sequence_number"), "record sequence number")
        try Expect.equal(Int(header.length), bytes.count - RecordHeader.length, "record length")
        let hs = fragment.header
        try Expect.equal(Int(hs.type.rawValue), try c.int("msg_type"), "handshake msg_type")
        try Expect.equal(Int(hs.length), try c.int("message_length"), "handshake length")
        try Expect.equal(Int(hs.messageSequence), try c.int("message_seq"), "message_seq")
        try Expect.equal(Int(hs.fragmentOffset), try c.int("fragment_offset"), "fragment_offset")
        try Expect.equal(Int(hs.fragmentLength), try c.int("fragment_length"), "fragment_length")

        var writer = ByteWriter()
        header.write(to: &writer)
        hs.write(to: &writer)
        if hs.isUnfragmented && rejects(c) {
            try expectRejected(try c.string("message"), bytes: bytes, range: fragment.body, expect: c)
            writer.writeBytes(bytes[fragment.body])
        } else if hs.isUnfragmented {
            let body = try roundTrip(try c.string("message"), bytes: bytes, range: fragment.body, expect: c)
            writer.writeBytes(body)
        } else {
            // A lone fragment cannot be parsed as a message; its bytes pass through.
            writer.writeBytes(bytes[fragment.body])
        }
        try Expect.bytes(writer.bytes, bytes, "re-serialized record")
    }

    private static func singleFragment(_ bytes: [UInt8]) throws -> (RecordView, HandshakeFragmentView) {
        var records: [RecordView] = []
        RecordView.split(bytes, into: &records)
        try Expect.equal(records.count, 1, "records in the datagram")
        let record = records[0]
        try Expect.that(record.fragment.upperBound == bytes.count, "record does not end at the datagram end")
        try Expect.equal(record.header.contentType, ContentType.handshake, "content type")
        let fragments = try HandshakeFragmentView.split(bytes, range: record.fragment)
        try Expect.equal(fragments.count, 1, "handshake fragments in the record")
        return (record, fragments[0])
    }

    /// The fragmented ServerKeyExchange, reassembled by the engine's own
    /// `HandshakeReassembler` from its fragments fed in reverse order.
    private static func reassemble(_ c: VectorCase) throws {
        let length = try c.int("message_length")
        var reassembler: HandshakeReassembler? = nil
        for bytes in try c.hexList("records").reversed() {
            let (_, fragment) = try singleFragment(bytes)
            let hs = fragment.header
            try Expect.equal(Int(hs.length), length, "message length")
            if reassembler == nil {
                reassembler = HandshakeReassembler(nextSequence: hs.messageSequence, maxMessageSize: 1 << 16, maxBufferedBytes: 1 << 17)
            }
            let outcome = reassembler?.add(hs, bytes: bytes, body: fragment.body)
            try Expect.that(outcome == .accepted, "fragment not accepted by the reassembler")
        }
        guard let complete = reassembler?.next() else { throw Mismatch("the reassembler did not complete the message") }
        let message = complete.body
        try Expect.equal(message.count, length, "reassembled length")
        try Expect.equal(Int(complete.type.rawValue), try c.int("msg_type"), "msg_type")
        if rejects(c) {
            try expectRejected(try c.string("message"), bytes: message, range: 0..<message.count, expect: c)
            return
        }
        let rebuilt = try roundTrip(try c.string("message"), bytes: message, range: 0..<message.count, expect: c)
        try Expect.bytes(rebuilt, message, "re-serialized reassembled message")
    }

    /// DTLS 1.0-form messages (no SignatureAndHashAlgorithm) that the DTLS 1.2 parsers must refuse.
    private static func rejects(_ c: VectorCase) -> Bool { c.fields["expect_parse"] as? String == "reject" }

    private static func expectRejected(_ message: String, bytes: [UInt8], range: Range<Int>, expect c: VectorCase) throws {
        let parsed: [UInt8]
        do {
            parsed = try roundTrip(message, bytes: bytes, range: range, expect: c)
        } catch is WireError {
            return
        }
        throw Mismatch("\(message) in \(c.fields["form"] as? String ?? "foreign") form was accepted (\(parsed.count) bytes re-serialized)")
    }

    /// Parses `bytes[range]` as `message`, checks the expectations the case
    /// carries, and returns the re-serialized body.
    private static func roundTrip(_ message: String, bytes: [UInt8], range: Range<Int>, expect c: VectorCase) throws -> [UInt8] {
        var reader = ByteReader(bytes, range: range)
        var writer = ByteWriter()
        switch message {
        case "client_hello":
            let hello = try ClientHello(parsing: &reader)
            if c.has("expect") {
                let e = try c.nested("expect")
                try Expect.equal(hello.cipherSuites.count, try e.int("cipher_suites"), "cipher suite count")
                try Expect.equal(hello.extensions.map { Int($0.type.rawValue) }, try e.intList("extensions"), "extension types")
                try Expect.bytes(hello.random, try e.hex("random"), "random")
                try Expect.bytes(hello.cookie, try e.hex("cookie"), "cookie")
            }
            hello.write(to: &writer)
        case "server_hello": try ServerHello(parsing: &reader).write(to: &writer)
        case "hello_verify_request": try HelloVerifyRequest(parsing: &reader).write(to: &writer)
        case "certificate":
            let message = try CertificateMessage(parsing: &reader)
            try Expect.that(!message.certificates.isEmpty, "no certificates")
            message.write(to: &writer)
        case "server_key_exchange":
            let message = try ServerKeyExchange(parsing: &reader, keyExchange: .ecdhe)
            if c.has("named_group") {
                guard case .ecdhe(let group, let point) = message.parameters else { throw Mismatch("not ECDHE parameters") }
                try Expect.equal(Int(group.rawValue), try c.int("named_group"), "named curve")
                try Expect.equal(point.count, try c.int("public_key_length"), "ECDH point length")
            }
            if c.has("signature_scheme") {
                try Expect.equal(Int(message.signed.scheme.rawValue), try c.int("signature_scheme"), "signature scheme")
            }
            message.write(to: &writer)
        case "certificate_request": try CertificateRequest(parsing: &reader).write(to: &writer)
        case "client_key_exchange": try ClientKeyExchange(parsing: &reader, keyExchange: .ecdhe).write(to: &writer, keyExchange: .ecdhe)
        case "certificate_verify":
            let message = try CertificateVerify(parsing: &reader)
            if c.has("signature_scheme") {
                try Expect.equal(Int(message.signed.scheme.rawValue), try c.int("signature_scheme"), "signature scheme")
            }
            message.write(to: &writer)
        case let other: throw Mismatch("no parser for message '\(other)'")
        }
        try Expect.that(reader.isAtEnd, "\(message): \(reader.remaining) bytes left unparsed")
        return writer.bytes
    }
}
