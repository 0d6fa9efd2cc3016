import DTLS

/// A deterministic PRNG (SplitMix64) so every impaired run can be replayed.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func chance(_ p: Double) -> Bool { p > 0 && Double(next() % 1_000_000) / 1_000_000 < p }
}

/// A seeded virtual network between two Sans-IO endpoints, on a virtual
/// clock: loss, duplication, reordering (jitter), corruption, per direction.
public final class VirtualNetwork {
    public struct Impairment: Sendable {
        public var loss = 0.0
        public var duplicate = 0.0
        public var corrupt = 0.0
        /// Path MTU: larger datagrams are dropped (as a router would).
        public var maxDatagram: Int? = nil
        public var latency: Duration = .milliseconds(10)
        /// Extra random delay up to this much: makes datagrams overtake each other.
        public var jitter: Duration = .zero
        public init(loss: Double = 0, duplicate: Double = 0, corrupt: Double = 0,
                    latency: Duration = .milliseconds(10), jitter: Duration = .zero) {
            self.loss = loss
            self.duplicate = duplicate
            self.corrupt = corrupt
            self.latency = latency
            self.jitter = jitter
        }
        public static let perfect = Impairment()
    }

    public struct Stats: Sendable { public var sent = 0, delivered = 0, dropped = 0 }

    public let start: DTLSInstant
    public private(set) var now: DTLSInstant
    public var toServer: Impairment
    public var toClient: Impairment
    /// Called on each datagram before impairment; return nil to drop it.
    public var filter: ((_ toServer: Bool, _ datagram: [UInt8]) -> [UInt8]?)?
    public private(set) var stats = Stats()
    private var rng: SeededRandom
    private var inFlight: [(at: DTLSInstant, order: Int, toServer: Bool, bytes: [UInt8])] = []
    private var order = 0

    public init(seed: UInt64 = 1, start: DTLSInstant = .now, toServer: Impairment = .perfect, toClient: Impairment = .perfect) {
        self.rng = SeededRandom(seed: seed)
        self.start = start
        self.now = start
        self.toServer = toServer
        self.toClient = toClient
    }

    public var elapsed: Duration { now - start }

    public func send(_ datagrams: [[UInt8]], toServer: Bool) {
        let imp = toServer ? self.toServer : self.toClient
        for original in datagrams {
            stats.sent += 1
            guard let d = filter.map({ $0(toServer, original) }) ?? original else { stats.dropped += 1; continue }
            if rng.chance(imp.loss) { stats.dropped += 1; continue }
            if let mtu = imp.maxDatagram, d.count > mtu { stats.dropped += 1; continue }
            let copies = rng.chance(imp.duplicate) ? 2 : 1
            for _ in 0..<copies {
                var bytes = d
                if rng.chance(imp.corrupt), !bytes.isEmpty {
                    let i = Int(rng.next() % UInt64(bytes.count))
                    bytes[i] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                }
                var delay = imp.latency
                if imp.jitter > .zero {
                    let ms = Int(rng.next() % UInt64(max(1, imp.jitter.components.seconds * 1000 + imp.jitter.components.attoseconds / 1_000_000_000_000_000)))
                    delay += .milliseconds(ms)
                }
                order += 1
                inFlight.append((now + delay, order, toServer, bytes))
            }
        }
    }

    /// Runs until `done` holds or `limit` of virtual time passes. Returns
    /// whether `done` was reached.
    @discardableResult
    public func run(client: EngineDriver, server: EngineDriver, limit: Duration = .seconds(120),
                    until done: () -> Bool) -> Bool {
        let deadline = now + limit
        while true {
            send(client.drain(), toServer: true)
            send(server.drain(), toServer: false)
            if done() { return true }
            var next: DTLSInstant? = inFlight.map(\.at).min()
            for t in [client.nextTimeout, server.nextTimeout] {
                if let t, next == nil || t < next! { next = t }
            }
            guard let step = next, step <= deadline else { return done() }
            if step > now { now = step }
            inFlight.sort { ($0.at, $0.order) < ($1.at, $1.order) }
            while let first = inFlight.first, first.at <= now {
                inFlight.removeFirst()
                stats.delivered += 1
                (first.toServer ? server : client).connection.handlePacket(first.bytes, now: now)
            }
            if let t = client.nextTimeout, t <= now { client.connection.handleTimeout(now: now) }
            if let t = server.nextTimeout, t <= now { server.connection.handleTimeout(now: now) }
        }
    }

    /// Advances the clock without traffic (for timer tests).
    public func advance(by d: Duration) { now += d }
}
