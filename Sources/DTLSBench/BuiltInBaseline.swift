import DTLS
import Foundation
import SRTP

/// Debian's stock libsrtp2, on its built-in NSS crypto, as a contrast.
///
/// libsrtp's crypto kernel is set up once per process: the SRTP module
/// installs the libcrypto types at the first session unless
/// `SRTPLibrary.useBuiltInCrypto()` ran before. So this benchmark (which
/// runs on the libcrypto types) measures the stock library in a child
/// process of itself, started with `--srtp-builtin-child`, which selects
/// the built-in crypto first and then runs exactly the same bare libsrtp
/// loops (`SRTPBench.raw`, `ScaleBench.rawPerPacket`) as the parent's
/// "raw libsrtp2" rows. The child prints one tab-separated line per
/// figure; the parent reads them back.
///
/// The child holds only its own bare sessions. With NSS that flatters the
/// stock library at scale: its softoken hash tables hold every key in the
/// process, and the parent's endpoints would add theirs (the bare NSS rows
/// measured beside the endpoints were 26 us per packet at 5000 peers,
/// against about 12 us alone). For the endpoints themselves on NSS, run
/// the benchmark with `--srtp-crypto builtin`.
enum BuiltInBaseline {
    static let flag = "--srtp-builtin-child"
    static let profiles: [SRTPProtectionProfile] = [.aeadAes128Gcm, .aes128CmHmacSha1_80]

    static func rateKey(_ p: SRTPProtectionProfile) -> String { "rate \(p.rfcName)" }
    static func allocationsKey(_ p: SRTPProtectionProfile) -> String { "allocations \(p.rfcName)" }
    static func scaleKey(_ n: Int) -> String { "scale \(n)" }
    static let transportBytesKey = "transport bytes"

    /// In the child: `--srtp-builtin-child srtp|scale:N,N,...` with the
    /// parent's `--reps` and `--seconds` before it.
    static func runChild(_ what: String, reps: Int, seconds: Double) -> Never {
        guard SRTPLibrary.useBuiltInCrypto(), SRTPLibrary.backend == .libsrtpBuiltIn else {
            fatalError("libsrtp was initialised before the built-in crypto could be selected")
        }
        func emit(_ key: String, _ samples: [Double]) {
            print("figure\t\(key)\t" + samples.map { String($0) }.joined(separator: ","))
        }
        if what == "srtp" {
            for profile in profiles {
                emit(rateKey(profile), Measure.rate(reps: reps, seconds: seconds, SRTPBench.raw(profile: profile)))
                emit(allocationsKey(profile), [Measure.allocations(iterations: 10_000, SRTPBench.raw(profile: profile))])
            }
        } else if what.hasPrefix("scale:") {
            for n in what.dropFirst("scale:".count).split(separator: ",").compactMap({ Int($0) }) {
                emit(scaleKey(n), [ScaleBench.rawPerPacket(n, packets: ScaleBench.packets(peers: n))])
            }
            emit(transportBytesKey, [ScaleBench.srtpTransportBytes(count: 1000)])
        } else {
            fatalError("unknown \(flag) argument \(what)")
        }
        exit(0)
    }

    /// In the parent: runs the child and returns its figures by key (empty
    /// if it could not run; the rows are then left out and a line says so).
    static func measure(_ what: String, reps: Int, seconds: Double) -> [String: [Double]] {
        let process = Process()
        do {
            process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        } catch {
            FileHandle.standardError.write("built-in libsrtp baseline: cannot find this executable (\(error))\n".data(using: .utf8)!)
            return [:]
        }
        process.arguments = ["--reps", String(reps), "--seconds", String(seconds), flag, what]
        let output = Pipe()
        process.standardOutput = output
        do { try process.run() } catch {
            FileHandle.standardError.write("built-in libsrtp baseline: \(error)\n".data(using: .utf8)!)
            return [:]
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            FileHandle.standardError.write("built-in libsrtp baseline: child exited with \(process.terminationStatus)\n".data(using: .utf8)!)
            return [:]
        }
        var figures: [String: [Double]] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, fields[0] == "figure" else { continue }
            figures[String(fields[1])] = fields[2].split(separator: ",").compactMap { Double($0) }
        }
        return figures
    }
}
