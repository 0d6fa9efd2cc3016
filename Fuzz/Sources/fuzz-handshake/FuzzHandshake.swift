@testable import DTLS
import DTLSCrypto
import FuzzSupport

/// Every handshake message parser, and its serializer round trip.
///
/// The first byte picks the parser; the rest is the message body. When a
/// parse succeeds, serializing the value and parsing that again must give
/// the same value, and serializing it again the same bytes (so nothing a
/// peer sends can make us emit a message we would not read back).
/// A few selectors feed the body to the key-share and certificate code
/// that handshake messages lead to (invalid curve points, DH values,
/// arbitrary DER).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var input = FuzzReader(data, size)
    guard let selector = input.u8() else { return 0 }
    let body = input.rest()
    switch selector % 20 {
    case 0: roundTrip(body, ClientHello.init(parsing:)) { v, w in v.write(to: &w) }
            if let hello = parse(body, ClientHello.init(parsing:)) { typedViews(hello.extensions) }
    case 1: roundTrip(body, ServerHello.init(parsing:)) { v, w in v.write(to: &w) }
            if let hello = parse(body, ServerHello.init(parsing:)) { typedViews(hello.extensions) }
    case 2: roundTrip(body, HelloVerifyRequest.init(parsing:)) { v, w in v.write(to: &w) }
    case 3: roundTrip(body, CertificateMessage.init(parsing:)) { v, w in v.write(to: &w) }
    case 4: roundTrip(body, { (r: inout ByteReader) throws(WireError) in try ServerKeyExchange(parsing: &r, keyExchange: .ecdhe) }) { v, w in v.write(to: &w) }
    case 5: roundTrip(body, { (r: inout ByteReader) throws(WireError) in try ServerKeyExchange(parsing: &r, keyExchange: .dhe) }) { v, w in v.write(to: &w) }
    case 6: roundTrip(body, { (r: inout ByteReader) throws(WireError) in try ClientKeyExchange(parsing: &r, keyExchange: .ecdhe) }) { v, w in v.write(to: &w, keyExchange: .ecdhe) }
    case 7: roundTrip(body, { (r: inout ByteReader) throws(WireError) in try ClientKeyExchange(parsing: &r, keyExchange: .dhe) }) { v, w in v.write(to: &w, keyExchange: .dhe) }
    case 8: roundTrip(body, CertificateRequest.init(parsing:)) { v, w in v.write(to: &w) }
    case 9: roundTrip(body, CertificateVerify.init(parsing:)) { v, w in v.write(to: &w) }
    case 10: roundTrip(body, Finished.init(parsing:)) { v, w in v.write(to: &w) }
    case 11: roundTrip(body, HandshakeHeader.init(parsing:), exact: false) { v, w in v.write(to: &w) }
    case 12: roundTrip(body, RecordHeader.init(parsing:), exact: false) { v, w in v.write(to: &w) }
    case 13:
        // ClientHelloPrefix reads the same leading fields as ClientHello.
        var r = ByteReader(body)
        if let prefix = try? ClientHelloPrefix(parsing: &r), let hello = parse(body, ClientHello.init(parsing:)) {
            fuzzCheck(prefix.random == hello.random && prefix.cookie == hello.cookie && prefix.sessionID == hello.sessionID,
                      "ClientHelloPrefix disagrees with ClientHello")
        }
    case 14:
        if let srtp = try? UseSRTPData(parsing: body) {
            let again = try? UseSRTPData(parsing: srtp.bytes)
            fuzzCheck(again == srtp, "use_srtp does not round-trip")
            fuzzCheck(srtp.bytes == body, "use_srtp is not canonical")
        }
    case 15:
        // A bare extensions block, as it follows the hello fields.
        var r = ByteReader(body)
        if let exts = try? [HelloExtension].parse(&r) {
            typedViews(exts)
            var w = ByteWriter()
            exts.write(to: &w)
            var r2 = ByteReader(w.bytes)
            fuzzCheck((try? [HelloExtension].parse(&r2)) == exts, "extensions do not round-trip")
        }
    case 16: certificate(body)
    case 17: ecdhShare(body)
    case 18: dhShare(body)
    default: roundTrip(body, Alert.init(parsing:), exact: false) { v, w in v.write(to: &w) }
    }
    return 0
}

func parse<T>(_ body: [UInt8], _ parser: (inout ByteReader) throws(WireError) -> T) -> T? {
    var reader = ByteReader(body)
    return try? parser(&reader)
}

/// parse(body) = v  =>  parse(write(v)) == v, write(parse(write(v))) == write(v),
/// and, for parsers that must consume their whole input, no byte is left unread.
func roundTrip<T: Equatable>(_ body: [UInt8], _ parser: (inout ByteReader) throws(WireError) -> T, exact: Bool = true,
                             _ write: (T, inout ByteWriter) -> Void) {
    var reader = ByteReader(body)
    guard let value = try? parser(&reader) else { return }
    if exact { fuzzCheck(reader.isAtEnd, "\(T.self) accepted trailing bytes") }
    var w1 = ByteWriter()
    write(value, &w1)
    var r2 = ByteReader(w1.bytes)
    let again: T
    do {
        again = try parser(&r2)
    } catch {
        fuzzCheck(false, "\(T.self) serialization does not parse: \(error)")
        return
    }
    fuzzCheck(again == value, "\(T.self) does not round-trip")
    fuzzCheck(r2.isAtEnd, "\(T.self) serialization has extra bytes")
    var w2 = ByteWriter()
    write(again, &w2)
    fuzzCheck(w1.bytes == w2.bytes, "\(T.self) serialization is not stable")
}

func typedViews(_ extensions: [HelloExtension]) {
    _ = try? extensions.supportedGroups()
    _ = try? extensions.signatureAlgorithms()
    _ = try? extensions.ecPointFormats()
    _ = try? extensions.renegotiationInfo()
    if let srtp = try? extensions.useSRTP() {
        fuzzCheck(!srtp.profiles.isEmpty, "use_srtp with no profile accepted")
    }
}

func certificate(_ der: [UInt8]) {
    guard let cert = try? Certificate(derEncoded: der) else { return }
    _ = try? cert.publicKey()
    let fp = Fingerprint(certificate: cert)
    fuzzCheck(fp.matches(der), "fingerprint does not match its own certificate")
}

let ecdhKeys: [ECDHPrivateKey] = [ECGroup.p256, .p384, .x25519].map { try! ECDHPrivateKey(group: $0) }
let dhKey = try! FFDHPrivateKey(group: .ffdhe2048)

func ecdhShare(_ body: [UInt8]) {
    guard let first = body.first else { return }
    let key = ecdhKeys[Int(first) % ecdhKeys.count]
    let point = Array(body.dropFirst())
    if let secret = try? key.sharedSecret(peerPublicKey: point.span) {
        fuzzCheck(!secret.isEmpty, "empty ECDH secret")
        fuzzCheck(secret.contains { $0 != 0 }, "all-zero ECDH secret accepted (small-order point)")
    }
}

func dhShare(_ body: [UInt8]) {
    if let secret = try? dhKey.sharedSecret(peerPublicKey: body.span) {
        fuzzCheck(!secret.isEmpty, "empty DH secret")
        fuzzCheck(secret != [1], "DH secret 1 accepted (small subgroup)")
    }
}

@_cdecl("fuzz_handshake_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv, fuzz, seeds: seeds)
}

func seeds() -> [[UInt8]] {
    var out: [[UInt8]] = []
    let selectors: [HandshakeType: [UInt8]] = [
        .clientHello: [0, 13], .serverHello: [1], .helloVerifyRequest: [2], .certificate: [3],
        .certificateRequest: [8], .certificateVerify: [9],
    ]
    func add(_ messages: [(type: HandshakeType, body: [UInt8])], dhe: Bool) {
        for m in messages {
            var sel = selectors[m.type] ?? []
            if m.type == .serverKeyExchange { sel = [dhe ? 5 : 4] }
            if m.type == .clientKeyExchange { sel = [dhe ? 7 : 6] }
            for s in sel { out.append([s] + m.body) }
            if m.type == .clientHello, let ext = extensionsBlock(m.body) { out.append([15] + ext) }
            if m.type == .clientHello || m.type == .serverHello,
               let hello = parse(m.body, ClientHello.init(parsing:)), let srtp = hello.extensions.first(.useSRTP) {
                out.append([14] + srtp.data)
            }
            if m.type == .certificate, let cert = parse(m.body, CertificateMessage.init(parsing:)), let leaf = cert.certificates.first {
                out.append([16] + leaf)
            }
            if m.type == .clientKeyExchange, let kx = parse(m.body, { (r: inout ByteReader) throws(WireError) in
                try ClientKeyExchange(parsing: &r, keyExchange: dhe ? .dhe : .ecdhe) }) {
                out.append(dhe ? [18] + kx.publicKey : [17, 0] + kx.publicKey)
            }
        }
    }
    add(Seeds.messages(in: Seeds.handshake().map(\.bytes)), dhe: false)
    add(Seeds.messages(in: Seeds.handshake(suite: .dheRsaWithAes128GcmSha256).map(\.bytes)), dhe: true)
    // The recorded browser-like messages, reassembled.
    add(Seeds.messages(in: Seeds.vectorRecords().map(\.bytes)), dhe: false)
    if let pion = Seeds.pionClientHelloBody() { out.append([0] + pion) }
    // X25519 and P-384 shares, a small-order X25519 point, the point at infinity.
    out.append([17, 2] + (try! ECDHPrivateKey(group: .x25519)).publicKeyBytes)
    out.append([17, 1] + (try! ECDHPrivateKey(group: .p384)).publicKeyBytes)
    out.append([17, 2] + [1] + [UInt8](repeating: 0, count: 31))
    out.append([17, 0, 0])
    out += [[10] + [UInt8](repeating: 7, count: 12), [11] + [UInt8](repeating: 0, count: 12), [12, 22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 1], [19, 2, 40]]
    return out
}


func extensionsBlock(_ clientHelloBody: [UInt8]) -> [UInt8]? {
    var r = ByteReader(clientHelloBody)
    guard (try? ClientHelloPrefix(parsing: &r)) != nil, let suites = try? r.readVector(lengthBytes: 2),
          (try? r.readVector(lengthBytes: 1)) != nil, !suites.isEmpty else { return nil }
    return Array(clientHelloBody[r.position...])
}
