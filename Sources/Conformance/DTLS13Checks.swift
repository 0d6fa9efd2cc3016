import DTLS
import DTLSCrypto

/// DTLS 1.3 sessions recorded between two independent peers (NSS 3.125),
/// with the secrets their key log gave: the "dtls13" key schedule from
/// traffic secret to key, IV and record-number key, the unified header,
/// record-number decryption, the AEAD, the inner plaintext, the
/// transcript, both Finished MACs and the exporter, all through the
/// project's DTLS 1.3 code.
enum DTLS13Checks {
    /// kind "dtls13-session"
    static func session(_ c: VectorCase) throws {
        let secrets = try keylog(try c.stringList("keylog"))
        let suite = try suiteParameters(try c.string("connected"))
        func secret(_ label: String) throws -> [UInt8] {
            guard let value = secrets[label] else { throw Mismatch("key log has no \(label)") }
            return value
        }
        func keys(_ label: String, epoch: UInt64) throws -> EpochKeys13 {
            let traffic = try KeySchedule13.trafficKeys(suite.hash, secret: try secret(label), keyLength: suite.keyLength)
            return try EpochKeys13(epoch: epoch, keys: traffic, usage: .open, chacha: suite.chacha)
        }
        // Who sent with which keys: epoch 2 handshake, epoch 3 application.
        let epochKeys: [String: [UInt8: EpochKeys13]] = [
            "client": [2: try keys("CLIENT_HANDSHAKE_TRAFFIC_SECRET", epoch: 2), 3: try keys("CLIENT_TRAFFIC_SECRET_0", epoch: 3)],
            "server": [2: try keys("SERVER_HANDSHAKE_TRAFFIC_SECRET", epoch: 2), 3: try keys("SERVER_TRAFFIC_SECRET_0", epoch: 3)],
        ]
        var next: [String: UInt64] = [:]  // "<sender>/<epoch>" -> next expected sequence number
        var clientMessages: [UInt16: Message] = [:], serverMessages: [UInt16: Message] = [:]
        var clientData: [UInt8] = [], serverData: [UInt8] = []
        var protectedRecords = 0, acks = 0

        for datagram in try c.objectList("datagrams") {
            let from = try datagram.string("from")
            let bytes = try datagram.hex("hex")
            var offset = 0
            while offset < bytes.count {
                if UnifiedHeader.starts(bytes[offset]) {
                    let (header, body) = try UnifiedHeader.parse(bytes, at: offset)
                    guard let key = epochKeys[from]?[header.epochBits] else {
                        throw Mismatch("\(from) record in epoch bits \(header.epochBits): no keys for it")
                    }
                    let slot = "\(from)/\(header.epochBits)"
                    let opened = try RecordProtection13.open(bytes, header: header, body: body, expected: next[slot] ?? 0, keys: key)
                    next[slot] = opened.sequence + 1
                    protectedRecords += 1
                    switch opened.type {
                    case .handshake:
                        if from == "client" {
                            try collect(opened.content, range: 0..<opened.content.count, into: &clientMessages)
                        } else {
                            try collect(opened.content, range: 0..<opened.content.count, into: &serverMessages)
                        }
                    case .applicationData:
                        if from == "client" { clientData += opened.content } else { serverData += opened.content }
                    case .ack:
                        var reader = ByteReader(opened.content)
                        let ack = try ACK(parsing: &reader)
                        var writer = ByteWriter()
                        ack.write(to: &writer)
                        try Expect.bytes(writer.bytes, opened.content, "ACK round trip")
                        // An ACK names records the peer sent: epochs 0 to 3.
                        try Expect.that(!ack.records.isEmpty && ack.records.allSatisfy { $0.epoch <= 3 }, "ACK from \(from) names \(ack.records)")
                        acks += 1
                    case .alert: break
                    default: throw Mismatch("\(from) sent content type \(opened.type.rawValue)")
                    }
                    offset = body.upperBound
                } else {
                    // DTLSPlaintext (epoch 0): type, version, epoch, sequence (6), length.
                    guard offset + 13 <= bytes.count else { throw Mismatch("truncated plaintext record") }
                    let length = Int(bytes[offset + 11]) << 8 | Int(bytes[offset + 12])
                    let body = (offset + 13)..<(offset + 13 + length)
                    guard body.upperBound <= bytes.count else { throw Mismatch("plaintext record overruns its datagram") }
                    if bytes[offset] == ContentType.handshake.rawValue {
                        if from == "client" {
                            try collect(bytes, range: body, into: &clientMessages)
                        } else {
                            try collect(bytes, range: body, into: &serverMessages)
                        }
                    }
                    offset = body.upperBound
                }
            }
        }

        // The flights, in message_seq order, as RFC 8446 4 expects them.
        let client = clientMessages, server = serverMessages
        func flight(_ of: [UInt16: Message], _ range: ClosedRange<UInt16>) throws -> [Message] {
            var out: [Message] = []
            for seq in range {
                guard let message = of[seq], message.isComplete else { throw Mismatch("message_seq \(seq) missing or incomplete") }
                out.append(message)
            }
            return out
        }
        let clientHello = try flight(client, 0...0)
        let serverFlight = try flight(server, 0...5)
        let clientFlight = try flight(client, 1...3)
        try Expect.equal(clientHello.map(\.type), [1], "ClientHello")
        try Expect.equal(serverFlight.map(\.type), [2, 8, 13, 11, 15, 20], "server flight (SH, EE, CR, Certificate, CV, Finished)")
        try Expect.equal(clientFlight.map(\.type), [11, 15, 20], "client flight (Certificate, CV, Finished)")

        // RFC 9147 5.2: the transcript holds each message as TLS 1.3 would
        // (type, 24-bit length, body), without message_seq and fragment fields.
        let hash = suite.hash
        func transcriptHash(_ list: [Message]) -> [UInt8] {
            var transcript: [UInt8] = []
            for message in list { transcript += message.tlsEncoding }
            return Digest.hash(hash, transcript.span)
        }
        let serverFinished = try KeySchedule13.finishedVerifyData(
            suite.hash, baseKey: try secret("SERVER_HANDSHAKE_TRAFFIC_SECRET"),
            transcriptHash: transcriptHash(clientHello + serverFlight.dropLast()))
        try Expect.bytes(serverFinished, serverFlight[5].body, "server Finished verify_data")
        let clientFinished = try KeySchedule13.finishedVerifyData(
            suite.hash, baseKey: try secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
            transcriptHash: transcriptHash(clientHello + serverFlight + clientFlight.dropLast()))
        try Expect.bytes(clientFinished, clientFlight[2].body, "client Finished verify_data")

        try checkMessages(clientHello: clientHello[0], serverFlight: serverFlight, clientFlight: clientFlight,
                          hash: hash, transcriptHash: transcriptHash)

        let exported = try KeySchedule13.export(suite.hash, exporterMasterSecret: try secret("EXPORTER_SECRET"),
                                                label: try c.string("exporter_label"), length: try c.hex("exporter").count)
        try Expect.bytes(exported, try c.hex("exporter"), "exporter (EXTRACTOR-dtls_srtp)")
        try Expect.bytes(clientData, Array(try c.string("client_data").utf8), "client application data")
        try Expect.bytes(serverData, Array(try c.string("server_data").utf8), "server application data")
        guard protectedRecords >= 8, acks >= 1 else { throw Mismatch("only \(protectedRecords) protected records, \(acks) ACKs") }
    }

    /// Every NSS message through our DTLS 1.3 codecs: parsed, written back
    /// byte for byte; the fields a DTLS-SRTP handshake depends on; both
    /// CertificateVerify signatures against the certificates sent.
    private static func checkMessages(clientHello: Message, serverFlight: [Message], clientFlight: [Message],
                                      hash: HashAlgorithm, transcriptHash: ([Message]) -> [UInt8]) throws {
        func roundTrip<M>(_ message: Message, _ parse: (inout ByteReader) throws(WireError) -> M,
                          _ write: (M, inout ByteWriter) -> Void) throws -> M {
            var reader = ByteReader(message.body)
            let parsed = try parse(&reader)
            var writer = ByteWriter()
            write(parsed, &writer)
            try Expect.bytes(writer.bytes, message.body, "handshake type \(message.type) round trip")
            return parsed
        }
        let hello = try roundTrip(clientHello, { (r: inout ByteReader) throws(WireError) in try ClientHello(parsing: &r) }) { $0.write(to: &$1) }
        try Expect.that(try hello.extensions.clientSupportedVersions()?.contains(.dtls13) == true, "ClientHello offers DTLS 1.3")
        try Expect.that(try hello.extensions.clientKeyShares()?.isEmpty == false, "ClientHello has key shares")
        let serverHello = try roundTrip(serverFlight[0], { (r: inout ByteReader) throws(WireError) in try ServerHello(parsing: &r) }) { $0.write(to: &$1) }
        try Expect.equal(serverHello.version, .dtls12, "ServerHello legacy_version")
        try Expect.equal(try serverHello.extensions.selectedVersion(), .dtls13, "ServerHello supported_versions")
        let share = try serverHello.extensions.serverKeyShare()
        try Expect.that(share != nil, "ServerHello key_share")
        let encrypted = try roundTrip(serverFlight[1], { (r: inout ByteReader) throws(WireError) in try EncryptedExtensions(parsing: &r) }) { $0.write(to: &$1) }
        try Expect.that(try encrypted.extensions.useSRTP() != nil, "use_srtp in EncryptedExtensions (RFC 9147 on RFC 5764)")
        let request = try roundTrip(serverFlight[2], { (r: inout ByteReader) throws(WireError) in try CertificateRequest13(parsing: &r) }) { $0.write(to: &$1) }
        try Expect.that(request.context.isEmpty, "handshake CertificateRequest context is empty")
        let serverCertificate = try roundTrip(serverFlight[3], { (r: inout ByteReader) throws(WireError) in try Certificate13(parsing: &r) }) { $0.write(to: &$1) }
        let clientCertificate = try roundTrip(clientFlight[0], { (r: inout ByteReader) throws(WireError) in try Certificate13(parsing: &r) }) { $0.write(to: &$1) }

        func verify(_ signed: Message, certificate: Certificate13, server: Bool, before: [Message]) throws {
            let cv = try roundTrip(signed, { (r: inout ByteReader) throws(WireError) in
                let v = try DigitallySigned(parsing: &r)
                try r.expectEnd()
                return v
            }) { $0.write(to: &$1) }
            guard let leaf = certificate.entries.first else { throw Mismatch("no certificate entry") }
            let key = try Certificate(derEncoded: leaf.certificate).publicKey()
            try Expect.that(cv.scheme.isECDSA, "CertificateVerify scheme \(cv.scheme) (the fixtures are ECDSA P-256)")
            let schemeHash = cv.scheme.hash
            let content = CertificateVerify13.signedContent(server: server, transcriptHash: transcriptHash(before))
            try Expect.that(key.verify(signature: cv.signature.span, message: content.span, hash: schemeHash),
                            "\(server ? "server" : "client") CertificateVerify signature")
        }
        try verify(serverFlight[4], certificate: serverCertificate, server: true, before: [clientHello] + Array(serverFlight[0...3]))
        try verify(clientFlight[1], certificate: clientCertificate, server: false,
                   before: [clientHello] + serverFlight + [clientFlight[0]])
        _ = hash
    }

    /// One reassembled handshake message.
    struct Message {
        var type: UInt8
        var body: [UInt8]
        var received: [Bool]
        var isComplete: Bool { !received.contains(false) }
        var tlsEncoding: [UInt8] {
            [type, UInt8(body.count >> 16), UInt8(truncatingIfNeeded: body.count >> 8), UInt8(truncatingIfNeeded: body.count)] + body
        }
    }

    private static func collect(_ bytes: [UInt8], range: Range<Int>, into messages: inout [UInt16: Message]) throws {
        for fragment in try HandshakeFragmentView.split(bytes, range: range) {
            let h = fragment.header
            var message = messages[h.messageSequence]
                ?? Message(type: h.type.rawValue, body: [UInt8](repeating: 0, count: Int(h.length)), received: [Bool](repeating: false, count: Int(h.length)))
            guard message.type == h.type.rawValue, message.body.count == Int(h.length),
                  Int(h.fragmentOffset) + Int(h.fragmentLength) <= message.body.count else {
                throw Mismatch("fragment of message_seq \(h.messageSequence) disagrees with the message")
            }
            for (i, byte) in bytes[fragment.body].enumerated() {
                message.body[Int(h.fragmentOffset) + i] = byte
                message.received[Int(h.fragmentOffset) + i] = true
            }
            messages[h.messageSequence] = message
        }
    }

    /// NSS key log lines: LABEL <client_random> <secret>.
    private static func keylog(_ lines: [String]) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for line in lines {
            let parts = line.split(separator: " ")
            guard parts.count == 3, let secret = Hex.decode(String(parts[2])) else { throw Mismatch("key log line '\(line)'") }
            out[String(parts[0])] = secret
        }
        return out
    }

    /// The suite from nss-peer's `connected ... cipher=13xx` line.
    private static func suiteParameters(_ connected: String) throws -> (hash: HashAlgorithm, keyLength: Int, chacha: Bool) {
        if connected.contains("cipher=1301") { return (.sha256, 16, false) }
        if connected.contains("cipher=1302") { return (.sha384, 32, false) }
        if connected.contains("cipher=1303") { return (.sha256, 32, true) }
        throw Mismatch("suite of '\(connected)' is not a DTLS 1.3 suite")
    }
}
