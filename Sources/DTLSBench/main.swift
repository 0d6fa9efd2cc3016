import DTLS
import DTLSCrypto
import Foundation

// dtls-srtp-bench: this project side by side with OpenSSL's libssl and the
// raw limits, in one process and one run. Prints min/median/max over reps.
//
//   dtls-srtp-bench [--quick] [--reps N] [--seconds S] [--markdown FILE] [--only NAME]

var reps = 3
var seconds = 1.0
var markdownPath: String?
var only: String?
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--quick": reps = 3; seconds = 0.2
    case "--reps": reps = Int(args.popFirst() ?? "3") ?? 3
    case "--seconds": seconds = Double(args.popFirst() ?? "1") ?? 1
    case "--markdown": markdownPath = args.popFirst()
    case "--only": only = args.popFirst()
    case "--profile-records":
        // Fixed work for callgrind: N records through our engine, nothing else.
        let n = Int(args.popFirst() ?? "20000") ?? 20000
        let c = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        let s = BenchIdentity.make(try! PrivateKey.generateECDSA(.p256))
        let body = RecordBench.ours(RecordBench.connectedPair(client: c, server: s, suite: .ecdheEcdsaWithAes128GcmSha256))
        for _ in 0..<n { body() }
        exit(0)
    case "-h", "--help":
        print("usage: dtls-srtp-bench [--quick] [--reps N] [--seconds S] [--markdown FILE] [--only handshake|records|memory|allocations]")
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
        let ours = Figure(name: "handshake \(c.name), mutual+cookie: ours", unit: "hs/s",
                          samples: Measure.rate(reps: reps, seconds: seconds, warmup: 3, HandshakeBench.ours(c, client: client, server: srv)))
        let theirs = Figure(name: "handshake \(c.name), mutual+cookie: libssl", unit: "hs/s",
                            samples: Measure.rate(reps: reps, seconds: seconds, warmup: 3, HandshakeBench.openssl(c, client: client, server: srv)))
        report.add(ours, baseline: theirs)
    }
    report.add(Figure(name: "crypto only of one ECDHE-ECDSA P-256 mutual handshake", unit: "hs/s",
                      samples: Measure.rate(reps: reps, seconds: seconds, HandshakeBench.cryptoOnly(client: client, server: server))), baseline: nil)
}

if want("records") {
    for suite in [CipherSuite.ecdheEcdsaWithAes128GcmSha256, .ecdheEcdsaWithAes256GcmSha384] {
        log("records \(suite)...")
        let pair = RecordBench.connectedPair(client: client, server: server, suite: suite)
        let ours = Figure(name: "record 1200 B seal+open \(suite.keyLength == 16 ? "AES-128" : "AES-256")-GCM: ours", unit: "rec/s",
                          samples: Measure.rate(reps: reps, seconds: seconds, RecordBench.ours(pair)))
        let theirs = Figure(name: "record 1200 B seal+open \(suite.keyLength == 16 ? "AES-128" : "AES-256")-GCM: libssl", unit: "rec/s",
                            samples: Measure.rate(reps: reps, seconds: seconds, RecordBench.openssl(client: client, server: server, suite: suite)))
        let raw = Figure(name: "raw EVP \(suite.keyLength == 16 ? "AES-128" : "AES-256")-GCM seal+open 1200 B (limit)", unit: "op/s",
                         samples: Measure.rate(reps: reps, seconds: seconds, RecordBench.rawEVP(keyLength: suite.keyLength)))
        report.add(ours, baseline: theirs, limit: raw)
    }
}

if want("allocations") {
    let pair = RecordBench.connectedPair(client: client, server: server, suite: .ecdheEcdsaWithAes128GcmSha256)
    let perRecord = Measure.allocations(iterations: 10_000, RecordBench.ours(pair))
    report.add(Figure(name: "heap allocations per record (seal+open, steady state): ours", unit: "allocs", samples: [perRecord]), baseline: nil)
}

if want("memory") {
    log("memory...")
    let n = 1000
    let ours = (0..<reps).map { _ in MemoryBench.ours(pairs: n, client: client, server: server) }
    let theirs = (0..<reps).map { _ in MemoryBench.openssl(pairs: n, client: client, server: server) }
    report.add(Figure(name: "heap bytes per established connection (\(n) pairs): ours", unit: "B", samples: ours),
               baseline: Figure(name: "heap bytes per established connection (\(n) pairs): libssl", unit: "B", samples: theirs),
               lowerIsBetter: true)
}

report.print()
if let markdownPath { try! report.markdown().write(toFile: markdownPath, atomically: true, encoding: .utf8) }
