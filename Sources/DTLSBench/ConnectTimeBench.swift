import DTLS
import DTLSCrypto

/// Time to connected on a simulated path: a fixed one-way delay, seeded
/// random loss, the server behind the stateless listener, virtual time (so
/// the figure is round trips and retransmission timers, not CPU). The
/// X25519MLKEM768 ClientHello needs two datagrams at MTU 1200, which a loss
/// of either one delays.
enum ConnectTimeBench {
    struct Result { var median: Double; var p90: Double; var failed: Int }

    /// `runs` seeded handshakes; milliseconds to both sides connected.
    static func run(client: BenchIdentity, server: BenchIdentity, groups: [NamedGroup], loss: Double, runs: Int,
                    oneWay: Duration = .milliseconds(25)) -> Result {
        var (cc, sc) = HandshakeBench.configs13(client: client, server: server, groups: groups)
        cc.mtu = 1200
        sc.mtu = 1200
        var times: [Double] = []
        var failed = 0
        for seed in 0..<runs {
            var random = SplitMix(seed: UInt64(seed) &* 0x9E37_79B9 &+ 1)
            let start = DTLSInstant.now
            var now = start
            let clientConnection = DTLSConnection(clientWith: cc, now: now)
            var serverConnection: DTLSConnection?
            var listener = DTLSCookieListener(configuration: sc, now: now)
            // (arrival, toServer, bytes)
            var inFlight: [(DTLSInstant, Bool, [UInt8])] = []
            var buffer: [UInt8] = []
            var clientDone = false, serverDone = false
            func drain(_ connection: DTLSConnection, toServer: Bool, done: inout Bool) -> DTLSInstant? {
                while true {
                    switch connection.pollOutput(into: &buffer) {
                    case .packet:
                        if random.next() >= loss { inFlight.append((now + oneWay, toServer, buffer)) }
                    case .connected: done = true
                    case .timeout(let at): return at
                    default: continue
                    }
                }
            }
            while !(clientDone && serverDone), now - start < .seconds(60) {
                var timers = [drain(clientConnection, toServer: true, done: &clientDone)]
                if let serverConnection { timers.append(drain(serverConnection, toServer: false, done: &serverDone)) }
                if clientDone && serverDone { break }
                let next = (inFlight.map(\.0) + timers.compactMap { $0 }).min() ?? now + .seconds(1)
                now = max(now, next)
                let due = inFlight.filter { $0.0 <= now }
                inFlight.removeAll { $0.0 <= now }
                for (_, toServer, bytes) in due {
                    if !toServer {
                        clientConnection.handlePacket(bytes, now: now)
                    } else if let serverConnection {
                        serverConnection.handlePacket(bytes, now: now)
                    } else {
                        switch listener.handle(bytes, from: OurPair.address, now: now) {
                        case .reply(let reply): if random.next() >= loss { inFlight.append((now + oneWay, false, reply)) }
                        case .accept(let accepted): serverConnection = accepted
                        case .drop: break
                        }
                    }
                }
                clientConnection.handleTimeout(now: now)
                serverConnection?.handleTimeout(now: now)
            }
            if clientDone && serverDone {
                let elapsed = now - start
                times.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            } else {
                failed += 1
            }
        }
        times.sort()
        guard !times.isEmpty else { return Result(median: .nan, p90: .nan, failed: failed) }
        return Result(median: times[times.count / 2], p90: times[min(times.count - 1, times.count * 9 / 10)], failed: failed)
    }
}

/// A small seeded generator (SplitMix64) for reproducible loss.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    /// A uniform value in [0, 1).
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}
