import CMallocCounter

/// Min/median/max of repeated measurements of one figure.
struct Figure {
    var name: String
    var unit: String
    var samples: [Double]
    /// Figures measured in turns share a group: their samples are paired
    /// by round, and a ratio between them is the median of the per-round
    /// ratios (a disturbed round then spoils one ratio, not the medians of
    /// both sides differently).
    var turnGroup: Int? = nil

    var sorted: [Double] { samples.sorted() }

    /// `self / other`: per-round median when both were measured in the same turns.
    func ratio(to other: Figure) -> Double {
        if let g = turnGroup, g == other.turnGroup, samples.count == other.samples.count, !samples.isEmpty {
            let ratios = zip(samples, other.samples).map { $0 / Swift.max($1, 1e-9) }.sorted()
            return ratios[ratios.count / 2]
        }
        return median / Swift.max(other.median, 1e-9)
    }
    var min: Double { sorted.first ?? 0 }
    var median: Double { sorted.isEmpty ? 0 : sorted[sorted.count / 2] }
    var max: Double { sorted.last ?? 0 }
}

enum Measure {
    /// Runs `body` (one operation per call) repeatedly for about `seconds`,
    /// `reps` times; returns operations per second for each rep.
    static func rate(reps: Int, seconds: Double, warmup: Int = 10, _ body: () -> Void) -> [Double] {
        for _ in 0..<warmup { body() }
        var out: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<reps {
            var count = 0
            let start = clock.now
            let budget = Duration.nanoseconds(Int64(seconds * 1e9))
            var elapsed: Duration = .zero
            while elapsed < budget {
                for _ in 0..<8 { body() }
                count += 8
                elapsed = clock.now - start
            }
            out.append(Double(count) / elapsed.seconds)
        }
        return out
    }

    /// Rates of several bodies measured in turns: repetition 1 of each, then
    /// repetition 2 of each, and so on. Figures compared by a ratio then see
    /// the same machine state (clock drift, a noisy neighbour, the other
    /// core's work) instead of one side getting the first seconds and the
    /// other the last.
    static func interleavedRates(reps: Int, seconds: Double, warmup: Int = 10, _ bodies: [() -> Void]) -> [[Double]] {
        var out = [[Double]](repeating: [], count: bodies.count)
        for body in bodies { for _ in 0..<warmup { body() } }
        for _ in 0..<reps {
            for (i, body) in bodies.enumerated() {
                out[i] += rate(reps: 1, seconds: seconds, warmup: 0, body)
            }
        }
        return out
    }

    /// Heap allocations per call of `body`, over `iterations` calls.
    static func allocations(iterations: Int, _ body: () -> Void) -> Double {
        for _ in 0..<16 { body() }
        let before = cmalloc_counter_allocations()
        for _ in 0..<iterations { body() }
        let after = cmalloc_counter_allocations()
        return Double(after - before) / Double(iterations)
    }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
