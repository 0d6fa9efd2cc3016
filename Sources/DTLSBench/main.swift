import DTLS
import DTLSCrypto
import Foundation
import SRTP

// dtls-srtp-bench: this project side by side with OpenSSL's libssl and the
// raw limits, in one process and one run. Prints min/median/max over reps.
//
//   dtls-srtp-bench [--quick] [--reps N] [--seconds S] [--markdown FILE] [--only NAME]
//                   [--srtp-crypto libcrypto|builtin]

var reps = 3
var seconds = 1.0
var markdownPath: String?
var only: String?
var quick = false
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--quick": reps = 3; seconds = 0.2; quick = true
    case "--reps": reps = Int(args.popFirst() ?? "3") ?? 3
    case "--seconds": seconds = Double(args.popFirst() ?? "1") ?? 1
    case "--markdown": markdownPath = args.popFirst()
    case "--only": only = args.popFirst()
    case "--srtp-crypto":
        // Everything on libsrtp's built-in (NSS) crypto instead of libcrypto:
        // the pre-replacement configuration, e.g. for --profile-srtp.
        switch args.popFirst() {
        case "builtin": SRTPLibrary.useBuiltInCrypto()
        case "libcrypto": break
        default: FileHandle.standardError.write("--srtp-crypto takes builtin or libcrypto\n".data(using: .utf8)!); exit(2)
        }
    case BuiltInBaseline.flag:
        // Internal: the stock-libsrtp2 child process (see BuiltInBaseline).
        BuiltInBaseline.runChild(args.popFirst() ?? "", reps: reps, seconds: seconds)
    case "--profile-handshakes":
        // --profile-handshakes N [case index into HandshakeBench.cases]
        let n = Int(args.popFirst() ?? "200") ?? 200
        let index = min(max(Int(args.first ?? "") ?? 0, 0), HandshakeBench.cases.count - 1)
        if Int(args.first ?? "") != nil { _ = args.popFirst() }
        let c = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        let s = BenchIdentity.make(HandshakeBench.cases[index].serverRSA ? try! PrivateKey.generateRSA(bits: 2048)
                                                                          : try! PrivateKey.generateECDSA(.p256))
        let body = HandshakeBench.ours(HandshakeBench.cases[index], client: c, server: s)
        for _ in 0..<n { body() }
        exit(0)
    case "--connect-times":
        // --connect-times [RUNS]: the time-to-connected rows alone, with p90 and failures.
        let runs = Int(args.popFirst() ?? "200") ?? 200
        let c = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        let s = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        for loss in [0.0, 0.1, 0.3] {
            for (name, groups) in [("X25519MLKEM768", [NamedGroup.x25519MLKEM768, .x25519]), ("X25519", [.x25519])] {
                let r = ConnectTimeBench.run(client: c, server: s, groups: groups, loss: loss, runs: runs)
                print("\(name) loss \(Int(loss * 100)) %: median \(r.median) ms, p90 \(r.p90) ms, \(r.failed) of \(runs) not within 60 s")
            }
        }
        exit(0)
    case "--profile-handshakes13":
        // --profile-handshakes13 N [pq]: DTLS 1.3 handshakes alone (for callgrind and perf).
        // A second argument "pq" runs X25519MLKEM768 handshakes.
        let n = Int(args.popFirst() ?? "200") ?? 200
        let groups: [NamedGroup] = args.popFirst() == "pq" ? [.x25519MLKEM768, .x25519] : [.x25519]
        let body = HandshakeBench.ours13(client: BenchIdentity.make(try! PrivateKey.generateECDSA(.p256)),
                                         server: BenchIdentity.make(try! PrivateKey.generateECDSA(.p256)), groups: groups)
        for _ in 0..<n { body() }
        exit(0)
    case "--profile-scale":
        let n = Int(args.popFirst() ?? "1000") ?? 1000
        let c = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        let s = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        for row in ScaleBench.run(counts: [n], client: c, server: s) { print(row) }
        exit(0)
    case "--profile-srtp":
        let n = Int(args.popFirst() ?? "20000") ?? 20000
        let c = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        let s = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        // --profile-srtp N [ours|raw]: both interleaved, or one alone (for perf stat).
        let which = args.first == "ours" || args.first == "raw" ? args.popFirst() : nil
        let ours = SRTPBench.ours(SRTPBench.endpoints(profile: .aeadAes128Gcm, client: c, server: s))
        let raw = SRTPBench.raw(profile: .aeadAes128Gcm)
        for _ in 0..<n {
            if which != "raw" { ours() }
            if which != "ours" { raw() }
        }
        exit(0)
    case "--srtp-layers":
        // Where the endpoint's time goes: the same packets through the
        // endpoint, through a bare SRTPTransport (our libsrtp wrapper) and
        // through raw libsrtp calls, measured in turns (5 x 1 s, median).
        let c = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        let s = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        let ours = SRTPBench.ours(SRTPBench.endpoints(profile: .aeadAes128Gcm, client: c, server: s))
        let raw = SRTPBench.raw(profile: .aeadAes128Gcm)
        let km = SecureRandom.bytes(SRTPProtectionProfile.aeadAes128Gcm.keyingMaterialLength)
        let tc = try! SRTPTransport(profile: .aeadAes128Gcm, exportedKeyingMaterial: km, isClient: true)
        let ts = try! SRTPTransport(profile: .aeadAes128Gcm, exportedKeyingMaterial: km, isClient: false)
        var buf = SRTPBench.rtp(sequence: 0) + [UInt8](repeating: 0, count: 64)
        var seq: UInt16 = 0
        let transport: () -> Void = {
            seq &+= 1
            buf[2] = UInt8(seq >> 8); buf[3] = UInt8(seq & 0xFF)
            let n = try! tc.protectRTP(&buf, length: 1212)
            _ = try! ts.unprotectRTP(&buf, length: n)
        }
        let r = Measure.interleavedRates(reps: 5, seconds: 1, [ours, transport, raw]).map { $0.sorted()[2] }
        print(String(format: "AEAD_AES_128_GCM protect+unprotect/s: endpoint %.0f (%.2fx raw), SRTPTransport %.0f (%.2fx raw), raw libsrtp2 %.0f",
                     r[0], r[0] / r[2], r[1], r[1] / r[2], r[2]))
        exit(0)
    case "--soak":
        // --soak SECONDS [PEERS]: the shipped server under churn (see SoakBench).
        let seconds = Double(args.popFirst() ?? "60") ?? 60
        let peers = Int(args.popFirst() ?? "1000") ?? 1000
        exit(SoakBench.run(seconds: seconds, peers: peers))
    case "--profile-memory":
        // --profile-memory N [1.2|1.3]: N established pairs held (for valgrind's massif).
        let n = Int(args.popFirst() ?? "200") ?? 200
        let version: ProtocolVersion = args.popFirst() == "1.2" ? .dtls12 : .dtls13
        let c = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        let s = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        print("heap bytes per connection:", MemoryBench.ours(pairs: n, client: c, server: s, version: version))
        exit(0)
    case "--profile-records":
        // Fixed work for callgrind: N records through our engine, nothing else.
        // An optional second argument keeps one path: general, direct, general13, direct13, raw or floor.
        let n = Int(args.popFirst() ?? "20000") ?? 20000
        let only = args.popFirst()
        let c = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        let s = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        let pair = RecordBench.connectedPair(client: c, server: s, suite: .ecdheEcdsaWithAes128GcmSha256)
        let pair13 = RecordBench.connectedPair(client: c, server: s, suite: .aes128GcmSha256)
        let paths: [(String, () -> Void)] = [
            ("general", RecordBench.ours(pair)), ("direct", RecordBench.oursDirect(pair)),
            ("general13", RecordBench.ours(pair13)), ("direct13", RecordBench.oursDirect(pair13)),
            ("raw", RecordBench.rawEVP(keyLength: 16)), ("floor", RecordBench.rawRecordInterface(keyLength: 16)),
        ].filter { only == nil || $0.0 == only }
        for _ in 0..<n { for (_, body) in paths { body() } }
        exit(0)
    case "-h", "--help":
        print("usage: dtls-srtp-bench [--srtp-layers] [--quick] [--reps N] [--seconds S] [--markdown FILE] [--only handshake|records|srtp|allocations|memory|scale|storm|forward|forward-loops]")
        print("                       [--srtp-crypto libcrypto|builtin]   (before --profile-*; default libcrypto)")
        print("The 'stock libsrtp2, NSS' rows are measured in a child process on libsrtp's built-in crypto.")
        exit(0)
    default:
        FileHandle.standardError.write("unknown argument \(a)\n".data(using: .utf8)!)
        exit(2)
    }
}

let client = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
let server = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
let rsaServer = BenchIdentity.make(try! PrivateKey.generateRSA(bits: 2048))

var report = Report()
@MainActor func want(_ section: String) -> Bool { only == nil || only == section }
func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }

if want("handshake") {
    for c in HandshakeBench.cases {
        log("handshake \(c.name)...")
        let srv = c.serverRSA ? rsaServer : server
        let rates = Measure.interleavedRates(reps: reps, seconds: seconds, warmup: 3,
                                             [HandshakeBench.ours(c, client: client, server: srv),
                                              HandshakeBench.openssl(c, client: client, server: srv)])
        let group = 200 + (HandshakeBench.cases.firstIndex { $0.name == c.name } ?? 0)
        let ours = Figure(name: "handshake \(c.name), mutual+cookie: ours", unit: "hs/s", samples: rates[0], turnGroup: group)
        let theirs = Figure(name: "handshake \(c.name), mutual+cookie: libssl", unit: "hs/s", samples: rates[1], turnGroup: group)
        report.add(ours, baseline: theirs)
    }
    log("handshake DTLS 1.3...")
    let x25519Case = HandshakeBench.cases[1]
    let rates13 = Measure.interleavedRates(reps: reps, seconds: seconds, warmup: 3,
                                           [HandshakeBench.ours13(client: client, server: server),
                                            HandshakeBench.ours(x25519Case, client: client, server: server),
                                            HandshakeBench.ours13(client: client, server: server, clientVersions: [.dtls13, .dtls12])])
    let ours13 = Figure(name: "handshake DTLS 1.3 X25519 TLS_AES_128_GCM_SHA256, mutual+cookie (stateless HRR): ours", unit: "hs/s",
                        samples: rates13[0], turnGroup: 299)
    let ours12 = Figure(name: "handshake DTLS 1.2 ECDHE-ECDSA X25519 AES-128-GCM, mutual+cookie: ours (same run)", unit: "hs/s",
                        samples: rates13[1], turnGroup: 299)
    let both = Figure(name: "handshake DTLS 1.3 as above, the client offering 1.3 and 1.2 in one ClientHello: ours", unit: "hs/s",
                      samples: rates13[2], turnGroup: 299)
    report.add(ours13, baseline: ours12, baselineName: "our DTLS 1.2")
    report.add(both, baseline: ours12, baselineName: "our DTLS 1.2")
    if let helper = NSSBaseline.locate() {
        log("handshake DTLS 1.3 beside NSS...")
        var oursRates: [Double] = [], nssRates: [Double] = []
        let body = HandshakeBench.ours13(client: client, server: server)
        for _ in 0..<reps {
            oursRates += Measure.rate(reps: 1, seconds: seconds, warmup: 3, body)
            if let rate = NSSBaseline.rate(helper, seconds: seconds) { nssRates.append(rate) }
        }
        if nssRates.count == reps {
            let nss = Figure(name: "handshake DTLS 1.3 X25519 TLS_AES_128_GCM_SHA256, mutual+cookie (stateless HRR): NSS 3.125 in process (nss-bench)",
                             unit: "hs/s", samples: nssRates, turnGroup: 298)
            report.add(Figure(name: "handshake DTLS 1.3 as above: ours, in turns with NSS", unit: "hs/s", samples: oursRates, turnGroup: 298),
                       baseline: nss, baselineName: "NSS")
        }
    } else {
        log("handshake DTLS 1.3 beside NSS: left out (make nss-bench builds .build/nss-bench)")
    }
    log("handshake DTLS 1.3 X25519MLKEM768...")
    let hybridGroups: [NamedGroup] = [.x25519MLKEM768, .x25519]
    let ratesPQ = Measure.interleavedRates(reps: reps, seconds: seconds, warmup: 3, [
        HandshakeBench.ours13(client: client, server: server, groups: hybridGroups),
        HandshakeBench.ours13(client: client, server: server, groups: [.x25519]),
        HandshakeBench.mlkemOnly(),
    ])
    let classical = Figure(name: "handshake DTLS 1.3 X25519, mutual+cookie: ours (same run)", unit: "hs/s", samples: ratesPQ[1], turnGroup: 300)
    report.add(Figure(name: "handshake DTLS 1.3 X25519MLKEM768 (hybrid and X25519 shares sent), mutual+cookie: ours", unit: "hs/s",
                      samples: ratesPQ[0], turnGroup: 300), baseline: classical, baselineName: "X25519")
    // What ML-KEM alone costs, and the hybrid rate if the handshake added nothing else to X25519's.
    report.add(Figure(name: "ML-KEM-768 key generation + encapsulation + decapsulation (swift-crypto 4.5.2), one handshake's worth",
                      unit: "us", samples: ratesPQ[2].map { 1e6 / $0 }), baseline: nil, lowerIsBetter: true)
    report.add(Figure(name: "bound: the X25519 handshake plus that ML-KEM work, same turns", unit: "hs/s",
                      samples: zip(ratesPQ[1], ratesPQ[2]).map { 1 / (1 / $0 + 1 / $1) }, turnGroup: 300),
               baseline: classical, baselineName: "X25519")
    for (name, groups) in [("X25519MLKEM768", hybridGroups), ("X25519", [NamedGroup.x25519])] {
        let times = HandshakeBench.roleTimes13(client: client, server: server, groups: groups, count: quick ? 21 : 201)
        report.add(Figure(name: "DTLS 1.3 \(name) handshake: client CPU (median of handshakes)", unit: "us", samples: [times.client]), baseline: nil)
        report.add(Figure(name: "DTLS 1.3 \(name) handshake: server CPU, listener included (median)", unit: "us", samples: [times.server]), baseline: nil)
        let wire = HandshakeBench.wire13(client: client, server: server, groups: groups)
        report.add(Figure(name: "DTLS 1.3 \(name) handshake: bytes on the wire, both ways, MTU 1200 (\(wire.datagrams) datagrams)", unit: "B",
                          samples: [Double(wire.bytes)]), baseline: nil)
    }
    for loss in [0.0, 0.1, 0.3] {
        for (name, groups) in [("X25519MLKEM768", hybridGroups), ("X25519", [NamedGroup.x25519])] {
            let result = ConnectTimeBench.run(client: client, server: server, groups: groups, loss: loss, runs: quick ? 20 : 200)
            let label = "DTLS 1.3 \(name): time to connected, 25 ms one way, \(Int(loss * 100)) % loss, MTU 1200, 1 s first timer"
            report.add(Figure(name: label + " (median; p90 \(Int(result.p90)) ms; \(result.failed) not within 60 s)", unit: "ms",
                              samples: [result.median]), baseline: nil)
        }
    }
    report.add(Figure(name: "crypto only of one ECDHE-ECDSA P-256 mutual handshake", unit: "hs/s",
                      samples: Measure.rate(reps: reps, seconds: seconds, HandshakeBench.cryptoOnly(client: client, server: server))), baseline: nil)
}

if want("records") {
    for suite in [CipherSuite.ecdheEcdsaWithAes128GcmSha256, .ecdheEcdsaWithAes256GcmSha384] {
        log("records \(suite)...")
        let pair = RecordBench.connectedPair(client: client, server: server, suite: suite)
        let keyLength = suite.parameters!.keyLength
        let aes = keyLength == 16 ? "AES-128" : "AES-256"
        let rates = Measure.interleavedRates(reps: reps, seconds: seconds, [
            RecordBench.ours(pair), RecordBench.oursDirect(pair),
            RecordBench.openssl(client: client, server: server, suite: suite),
            RecordBench.rawEVP(keyLength: keyLength), RecordBench.rawRecordInterface(keyLength: keyLength),
        ])
        let group = keyLength
        let ours = Figure(name: "record 1200 B seal+open \(aes)-GCM: ours, send/handlePacket + pollOutput", unit: "rec/s", samples: rates[0], turnGroup: group)
        let direct = Figure(name: "record 1200 B seal+open \(aes)-GCM: ours, direct seal/open in place", unit: "rec/s", samples: rates[1], turnGroup: group)
        let theirs = Figure(name: "record 1200 B seal+open \(aes)-GCM: libssl", unit: "rec/s", samples: rates[2], turnGroup: group)
        let raw = Figure(name: "raw EVP \(aes)-GCM seal+open 1200 B, generic EVP calls (limit)", unit: "op/s", samples: rates[3], turnGroup: group)
        let floor = Figure(name: "raw EVP \(aes)-GCM seal+open 1200 B, TLS record interface (floor)", unit: "op/s", samples: rates[4], turnGroup: group)
        report.add(ours, baseline: theirs, limit: raw, floor: floor)
        report.add(direct, baseline: theirs, limit: raw, floor: floor)
    }
    // DTLS 1.3 records (unified header, encrypted record numbers): no
    // in-process 1.3 reference (OpenSSL 3.0 has none; NSS runs in its own
    // process), so beside our 1.2 direct path and the same AEAD limit.
    log("records DTLS 1.3 TLS_AES_128_GCM_SHA256...")
    let pair13 = RecordBench.connectedPair(client: client, server: server, suite: .aes128GcmSha256)
    let pair12 = RecordBench.connectedPair(client: client, server: server, suite: .ecdheEcdsaWithAes128GcmSha256)
    let rates13 = Measure.interleavedRates(reps: reps, seconds: seconds, [
        RecordBench.ours(pair13), RecordBench.oursDirect(pair13), RecordBench.oursDirect(pair12), RecordBench.rawEVP(keyLength: 16),
    ])
    let direct12 = Figure(name: "record 1200 B seal+open AES-128-GCM: ours DTLS 1.2, direct", unit: "rec/s", samples: rates13[2], turnGroup: 13)
    let raw13 = Figure(name: "raw EVP AES-128-GCM seal+open 1200 B, generic EVP calls (limit)", unit: "op/s", samples: rates13[3], turnGroup: 13)
    report.add(Figure(name: "record 1200 B seal+open DTLS 1.3 AES-128-GCM: ours, send/handlePacket + pollOutput", unit: "rec/s",
                      samples: rates13[0], turnGroup: 13), baseline: direct12, limit: raw13, baselineName: "our DTLS 1.2 direct")
    report.add(Figure(name: "record 1200 B seal+open DTLS 1.3 AES-128-GCM: ours, direct seal/open in place", unit: "rec/s",
                      samples: rates13[1], turnGroup: 13), baseline: direct12, limit: raw13, baselineName: "our DTLS 1.2 direct")
}

if want("srtp") {
    log("srtp: stock libsrtp2 (built-in NSS crypto) in a child process...")
    let stock = BuiltInBaseline.measure("srtp", reps: reps, seconds: seconds)
    if stock.isEmpty { log("srtp: no stock libsrtp2 rows") }
    for profile in BuiltInBaseline.profiles {
        log("srtp \(profile)...")
        let pair = SRTPBench.endpoints(profile: profile, client: client, server: server)
        let rates = Measure.interleavedRates(reps: reps, seconds: seconds, [SRTPBench.ours(pair), SRTPBench.raw(profile: profile)])
        let group = 100 + Int(profile.rawValue)
        let ours = Figure(name: "SRTP protect+unprotect 1200 B \(profile.rfcName): endpoint", unit: "pkt/s", samples: rates[0], turnGroup: group)
        let raw = Figure(name: "SRTP protect+unprotect 1200 B \(profile.rfcName): raw libsrtp2, same backend (limit)", unit: "pkt/s",
                         samples: rates[1], turnGroup: group)
        let stockRate = stock[BuiltInBaseline.rateKey(profile)].map {
            Figure(name: "SRTP protect+unprotect 1200 B \(profile.rfcName): raw stock libsrtp2, NSS (child process)", unit: "pkt/s", samples: $0)
        }
        report.add(ours, baseline: stockRate, limit: raw, baselineName: "stock libsrtp2")
        let allocs = Measure.allocations(iterations: 10_000, SRTPBench.ours(SRTPBench.endpoints(profile: profile, client: client, server: server)))
        let rawAllocs = Measure.allocations(iterations: 10_000, SRTPBench.raw(profile: profile))
        report.add(Figure(name: "heap allocations per SRTP packet (\(profile.rfcName)): endpoint", unit: "allocs", samples: [allocs]),
                   baseline: nil,
                   limit: Figure(name: "heap allocations per SRTP packet (\(profile.rfcName)): raw libsrtp2, same backend", unit: "allocs", samples: [rawAllocs]))
        let forgedAllocs = Measure.allocations(iterations: 10_000, SRTPBench.forged(SRTPBench.endpoints(profile: profile, client: client, server: server)))
        report.add(Figure(name: "heap allocations per forged SRTP packet (\(profile.rfcName)): endpoint, protect + rejected unprotect", unit: "allocs", samples: [forgedAllocs]),
                   baseline: nil)
        if let stockAllocs = stock[BuiltInBaseline.allocationsKey(profile)] {
            report.add(Figure(name: "heap allocations per SRTP packet (\(profile.rfcName)): raw stock libsrtp2, NSS (child process)", unit: "allocs", samples: stockAllocs),
                       baseline: nil)
        }
    }
}

if want("allocations") {
    let pair = RecordBench.connectedPair(client: client, server: server, suite: .ecdheEcdsaWithAes128GcmSha256)
    let perRecord = Measure.allocations(iterations: 10_000, RecordBench.ours(pair))
    report.add(Figure(name: "heap allocations per record (seal+open, steady state): ours, send/handlePacket + pollOutput", unit: "allocs", samples: [perRecord]), baseline: nil)
    let perDirect = Measure.allocations(iterations: 10_000, RecordBench.oursDirect(pair))
    report.add(Figure(name: "heap allocations per record (seal+open, steady state): ours, direct seal/open", unit: "allocs", samples: [perDirect]), baseline: nil)
    let pair13 = RecordBench.connectedPair(client: client, server: server, suite: .aes128GcmSha256)
    let perRecord13 = Measure.allocations(iterations: 10_000, RecordBench.ours(pair13))
    report.add(Figure(name: "heap allocations per DTLS 1.3 record (seal+open, steady state): ours, send/handlePacket + pollOutput", unit: "allocs",
                      samples: [perRecord13]), baseline: nil)
    let perDirect13 = Measure.allocations(iterations: 10_000, RecordBench.oursDirect(pair13))
    report.add(Figure(name: "heap allocations per DTLS 1.3 record (seal+open, steady state): ours, direct seal/open", unit: "allocs",
                      samples: [perDirect13]), baseline: nil)
}

if want("memory") {
    log("memory...")
    let n = 1000
    let ours = (0..<reps).map { _ in MemoryBench.ours(pairs: n, client: client, server: server) }
    let theirs = (0..<reps).map { _ in MemoryBench.openssl(pairs: n, client: client, server: server) }
    report.add(Figure(name: "heap bytes per established connection (\(n) pairs): ours", unit: "B", samples: ours),
               baseline: Figure(name: "heap bytes per established connection (\(n) pairs): libssl", unit: "B", samples: theirs),
               lowerIsBetter: true)
    let ours13 = (0..<reps).map { _ in MemoryBench.ours(pairs: n, client: client, server: server, version: .dtls13) }
    report.add(Figure(name: "heap bytes per established DTLS 1.3 connection (\(n) pairs): ours", unit: "B", samples: ours13),
               baseline: Figure(name: "heap bytes per established connection (\(n) pairs): ours, DTLS 1.2", unit: "B", samples: ours),
               lowerIsBetter: true, baselineName: "our DTLS 1.2")
}

if want("scale") {
    log("scale...")
    let counts = quick ? [100, 1000] : [100, 1000, 5000]
    log("scale: stock libsrtp2 (built-in NSS crypto) in a child process...")
    let stock = BuiltInBaseline.measure("scale:" + counts.map(String.init).joined(separator: ","), reps: reps, seconds: seconds)
    if stock.isEmpty { log("scale: no stock libsrtp2 rows") }
    for row in ScaleBench.run(counts: counts, client: client, server: server) {
        let stockNanos = stock[BuiltInBaseline.scaleKey(row.peers)].map {
            Figure(name: "\(row.peers) peers: ns per SRTP packet, bare stock libsrtp2 sessions, NSS (child process)", unit: "ns", samples: $0)
        }
        report.add(Figure(name: "\(row.peers) peers: ns per SRTP packet, endpoint (round-robin over all peers)", unit: "ns", samples: [row.nanosecondsPerPacket]),
                   baseline: stockNanos,
                   limit: Figure(name: "\(row.peers) peers: ns per SRTP packet, bare libsrtp2 sessions, same backend (same round-robin)", unit: "ns", samples: [row.rawNanosecondsPerPacket]),
                   lowerIsBetter: true, baselineName: "stock libsrtp2")
        report.add(Figure(name: "\(row.peers) peers: heap bytes per established endpoint (DTLS + SRTP)", unit: "B", samples: [row.bytesPerEstablishedEndpoint]), baseline: nil)
        report.add(Figure(name: "\(row.peers) peers: heap bytes per server handshake in flight", unit: "B", samples: [row.bytesPerHandshakeInFlight]), baseline: nil)
    }
    report.add(Figure(name: "heap bytes per SRTP transport (libsrtp in+out sessions)", unit: "B", samples: [ScaleBench.srtpTransportBytes(count: 1000)]),
               baseline: stock[BuiltInBaseline.transportBytesKey].map {
                   Figure(name: "heap bytes per SRTP transport, stock libsrtp2, NSS (child process)", unit: "B", samples: $0)
               },
               lowerIsBetter: true, baselineName: "stock libsrtp2")
    for row in TimerBench.run(counts: [1_000, 10_000, 100_000]) {
        report.add(Figure(name: "\(row.armed) armed timers: ns per re-arm, TimerQueue (what the server uses)", unit: "ns", samples: [row.queueNanosecondsPerRearm]), baseline: nil)
        report.add(Figure(name: "\(row.armed) armed timers: ns per re-arm, one NIO task per timer (not used)", unit: "ns", samples: [row.nanosecondsPerRearm]), baseline: nil)
    }
}

if want("forward") {
    log("forward...")
    let seconds = quick ? 1.0 : 3.0
    var oursRates: [Double] = [], limitRates: [Double] = [], oursCPU: [Double] = [], limitCPU: [Double] = []
    var oursAllocations: [Double] = [], floorRates: [Double] = [], floorCPU: [Double] = [], floorAllocations: [Double] = []
    // Five pairs: on a 2-core machine one run in three is perturbed.
    for _ in 0..<max(1, min(reps, 5)) {
        let (ours, floor, limit) = ForwardBench.run(seconds: seconds, client: client, server: server)
        log(String(format: "  ours %.0f pkt/s %.2f us/pkt, NIO floor %.0f pkt/s %.2f us/pkt, limit %.0f pkt/s %.2f us/pkt",
                   ours.packetsPerSecond, ours.cpuMicrosecondsPerPacket, floor.packetsPerSecond, floor.cpuMicrosecondsPerPacket,
                   limit.packetsPerSecond, limit.cpuMicrosecondsPerPacket))
        floorRates.append(floor.packetsPerSecond); floorCPU.append(floor.cpuMicrosecondsPerPacket)
        floorAllocations.append(floor.allocationsPerPacket)
        oursRates.append(ours.packetsPerSecond); limitRates.append(limit.packetsPerSecond)
        oursCPU.append(ours.cpuMicrosecondsPerPacket); limitCPU.append(limit.cpuMicrosecondsPerPacket)
        oursAllocations.append(ours.allocationsPerPacket)
    }
    let limitRate = Figure(name: "SRTP forwarded A->B through a UDP server on loopback, 1012 B RTP: C recvmmsg+libsrtp+sendmmsg (limit)", unit: "pkt/s", samples: limitRates)
    report.add(Figure(name: "SRTP forwarded A->B through the shipped UDP server (DTLSSRTPServerHandler), 1012 B RTP", unit: "pkt/s", samples: oursRates),
               baseline: nil, limit: limitRate)
    report.add(Figure(name: "SRTP forwarded A->B through a bare SwiftNIO handler + libsrtp in place (NIO floor)", unit: "pkt/s", samples: floorRates),
               baseline: nil, limit: limitRate)
    report.add(limitRate, baseline: nil)
    let limitCost = Figure(name: "server CPU per forwarded packet: C limit", unit: "us", samples: limitCPU)
    report.add(Figure(name: "server CPU per forwarded packet: shipped UDP server", unit: "us", samples: oursCPU),
               baseline: nil, limit: limitCost, lowerIsBetter: true)
    report.add(Figure(name: "server CPU per forwarded packet: NIO floor", unit: "us", samples: floorCPU),
               baseline: nil, limit: limitCost, lowerIsBetter: true)
    report.add(limitCost, baseline: nil, lowerIsBetter: true)
    report.add(Figure(name: "server heap allocations per forwarded packet: shipped UDP server (C limit: 0)", unit: "allocs",
                      samples: oursAllocations), baseline: nil, lowerIsBetter: true)
    report.add(Figure(name: "server heap allocations per forwarded packet: NIO floor", unit: "allocs",
                      samples: floorAllocations), baseline: nil, lowerIsBetter: true)
}

if want("forward-loops") {
    log("forward-loops...")
    let seconds = quick ? 1.0 : 3.0
    var rates: [Int: [Double]] = [1: [], 2: []], cpu: [Int: [Double]] = [1: [], 2: []]
    for _ in 0..<max(1, min(reps, 5)) {
        for loops in [1, 2] {
            let r = AsyncForwardBench.run(seconds: seconds, loops: loops, client: client, server: server)
            log(String(format: "  async server, %d loop(s)%@: %.0f pkt/s, %.2f us CPU/pkt", loops,
                       loops == 2 ? (r.crossedLoops ? " (A and B on different loops)" : " (A and B landed on ONE loop)") : "",
                       r.packetsPerSecond, r.cpuMicrosecondsPerPacket))
            guard loops == 1 || r.crossedLoops else { continue }
            rates[loops]!.append(r.packetsPerSecond)
            cpu[loops]!.append(r.cpuMicrosecondsPerPacket)
        }
    }
    let one = Figure(name: "SRTP forwarded A->B through the async server (DTLSSRTPAsyncServer + a consumer task), 1 loop", unit: "pkt/s", samples: rates[1]!)
    report.add(one, baseline: nil)
    if !rates[2]!.isEmpty {
        report.add(Figure(name: "the same, 2 loops (SO_REUSEPORT), A and B on different loops: every packet crosses loops", unit: "pkt/s", samples: rates[2]!),
                   baseline: one, baselineName: "1 loop")
    }
    let oneCPU = Figure(name: "async server CPU per forwarded packet (process less the generator's thread), 1 loop", unit: "us", samples: cpu[1]!)
    report.add(oneCPU, baseline: nil, lowerIsBetter: true)
    if !cpu[2]!.isEmpty {
        report.add(Figure(name: "async server CPU per forwarded packet, 2 loops, crossing loops", unit: "us", samples: cpu[2]!),
                   baseline: oneCPU, lowerIsBetter: true, baselineName: "1 loop")
    }
}

if want("storm") {
    log("storm...")
    let rate = 20_000.0
    let duration = quick ? 1.0 : 3.0
    for (storm, label) in [(StormBench.Storm.none, "no storm"), (.otherThread, "handshake storm on another thread"),
                           (.mediaThread, "handshake storm on the media thread (contrast)")] {
        let r = StormBench.run(storm, peers: 100, packetsPerSecond: rate, seconds: duration, client: client, server: server)
        report.add(Figure(name: "forwarding latency p50, 100 peers, 20k pkt/s, \(label)", unit: "us", samples: [r.p50]), baseline: nil)
        report.add(Figure(name: "forwarding latency p99, 100 peers, 20k pkt/s, \(label)", unit: "us", samples: [r.p99]), baseline: nil)
        if storm != .none {
            report.add(Figure(name: "handshakes/s completed during the run, \(label)", unit: "hs/s", samples: [r.handshakesPerSecond]), baseline: nil)
        }
    }
}

report.print()
if let markdownPath { try! report.markdown().write(toFile: markdownPath, atomically: true, encoding: .utf8) }
