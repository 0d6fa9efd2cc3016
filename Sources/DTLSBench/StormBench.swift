import DTLS
import DTLSCrypto
import DTLSEndpoint
import Foundation
import CMallocCounter

/// Media under a handshake storm. A media thread forwards SRTP for
/// established peers at a steady rate (unprotect from one peer, protect to
/// another: an SFU's forwarding path) and records each packet's latency
/// from its scheduled arrival to its forwarding. Meanwhile new peers
/// handshake as fast as they can:
/// - on another thread (how the engine is meant to be deployed: a
///   connection is confined to whichever thread drives it, so the
///   handshake's ECDHE and signatures run off the media path), or
/// - on the media thread itself, for contrast.
enum StormBench {
    struct Result { var p50: Double; var p99: Double; var handshakesPerSecond: Double }

    enum Storm { case none, otherThread, mediaThread }

    static func run(_ storm: Storm, peers: Int, packetsPerSecond: Double, seconds: Double,
                    client: BenchIdentity, server: BenchIdentity) -> Result {
        var pairs: [(DTLSSRTPEndpoint, DTLSSRTPEndpoint)] = []
        for _ in 0..<peers { pairs.append(SRTPBench.endpoints(profile: .aeadAes128Gcm, client: client, server: server)) }
        let handshake = HandshakeBench.ours(HandshakeBench.cases[0], client: client, server: server)

        let stop = ManagedAtomicFlag()
        let counter = Counter()
        let stormThread: Thread?
        let done = DispatchSemaphore(value: 0)
        if storm == .otherThread {
            let t = Thread {
                // Handshake workers yield to media: a lower scheduling
                // priority (nice 10) for this thread only, so that when the
                // machine is oversubscribed the media thread keeps its core.
                _ = cbench_nice_current_thread(10)
                // The storm's connections live and die on this thread only.
                let handshake = HandshakeBench.ours(HandshakeBench.cases[0], client: client, server: server)
                while !stop.isSet { handshake(); counter.value += 1 }
                done.signal()
            }
            t.start()
            stormThread = t
        } else {
            stormThread = nil
        }

        var buffer = SRTPBench.rtp(sequence: 0) + [UInt8](repeating: 0, count: 64)
        let plain = 12 + SRTPBench.payloadLength
        var sequences = [UInt16](repeating: 0, count: peers)
        let total = Int(packetsPerSecond * seconds)
        var latencies: [Double] = []
        latencies.reserveCapacity(total)
        let interval = 1.0 / packetsPerSecond
        let clock = ContinuousClock()
        let start = clock.now
        let now = DTLSInstant.now
        var mediaThreadHandshakes = 0
        for i in 0..<total {
            let due = start + .nanoseconds(Int64(Double(i) * interval * 1e9))
            // Wait for the packet's arrival; with the storm on this thread,
            // handshake work fills the gaps (and delays packets it overruns).
            while clock.now < due {
                if storm == .mediaThread { handshake(); mediaThreadHandshakes += 1 }
            }
            let k = i % peers
            let to = (k + 1) % peers
            sequences[k] &+= 1
            buffer[2] = UInt8(sequences[k] >> 8)
            buffer[3] = UInt8(sequences[k] & 0xFF)
            // The sender's side (simulated peer) protects; our server side
            // unprotects, forwards to another peer's session.
            let length = try! pairs[k].0.protectRTP(&buffer, length: plain)
            guard case .rtp(let n) = pairs[k].1.handleDatagram(&buffer, length: length, now: now) else { fatalError("lost") }
            _ = try! pairs[to].1.protectRTP(&buffer, length: n)
            latencies.append((clock.now - due).seconds * 1e6)
        }
        let elapsed = (clock.now - start).seconds
        if stormThread != nil {
            stop.set()
            done.wait()
        }
        latencies.sort()
        let hs = storm == .mediaThread ? mediaThreadHandshakes : counter.value
        return Result(p50: latencies[latencies.count / 2], p99: latencies[latencies.count * 99 / 100],
                      handshakesPerSecond: Double(hs) / elapsed)
    }
}

final class Counter: @unchecked Sendable { var value = 0 }

/// A stop flag shared with the storm thread.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return flag }
    func set() { lock.lock(); flag = true; lock.unlock() }
}
