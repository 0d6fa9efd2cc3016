import Foundation

/// Figures side by side with their baseline and the ratio.
struct Report {
    struct Row {
        var figure: Figure
        var baseline: Figure?
        var limit: Figure?
        /// A second, lower-level limit (what the engine's own calls cost at best).
        var floor: Figure?
        var lowerIsBetter: Bool
        /// How the ratio column names the baseline.
        var baselineName: String
    }
    var rows: [Row] = []

    mutating func add(_ f: Figure, baseline: Figure?, limit: Figure? = nil, floor: Figure? = nil, lowerIsBetter: Bool = false,
                      baselineName: String = "libssl") {
        rows.append(Row(figure: f, baseline: baseline, limit: limit, floor: floor, lowerIsBetter: lowerIsBetter,
                        baselineName: baselineName))
    }

    static func fmt(_ v: Double) -> String {
        v >= 100 ? String(format: "%.0f", v) : String(format: "%.2f", v)
    }

    func lines() -> [(String, String, String, String, String, String)] {
        var out: [(String, String, String, String, String, String)] = []
        var shown = Set<String>()
        for r in rows {
            for (f, ratio) in [(r.figure, ratioText(r)), (r.baseline, ""), (r.limit, ""), (r.floor, "")] as [(Figure?, String)] {
                // A baseline shared by several rows is printed once, after the first.
                guard let f, shown.insert(f.name).inserted else { continue }
                out.append((f.name, Self.fmt(f.min), Self.fmt(f.median), Self.fmt(f.max), f.unit, ratio))
            }
        }
        return out
    }

    func ratioText(_ r: Row) -> String {
        var parts: [String] = []
        if let b = r.baseline, b.median > 0 {
            let ratio = r.lowerIsBetter ? b.ratio(to: r.figure) : r.figure.ratio(to: b)
            parts.append(String(format: "%.2fx ", ratio) + r.baselineName)
        }
        if let l = r.limit, l.median > 0 { parts.append(String(format: "%.2fx limit", r.figure.ratio(to: l))) }
        if let l = r.floor, l.median > 0 { parts.append(String(format: "%.2fx floor", r.figure.ratio(to: l))) }
        return parts.joined(separator: ", ")
    }

    func print() {
        Swift.print(String(repeating: " ", count: 0) + "measurement".padding(toLength: 72, withPad: " ", startingAt: 0)
                    + "min".leftPad(12) + "median".leftPad(12) + "max".leftPad(12) + "  unit    ratio (median)")
        for l in lines() {
            Swift.print(l.0.padding(toLength: 72, withPad: " ", startingAt: 0) + l.1.leftPad(12) + l.2.leftPad(12)
                        + l.3.leftPad(12) + "  " + l.4.padding(toLength: 8, withPad: " ", startingAt: 0) + l.5)
        }
    }

    func markdown() -> String {
        var s = "| measurement | min | median | max | unit | ratio (median) |\n|---|---:|---:|---:|---|---|\n"
        for l in lines() { s += "| \(l.0) | \(l.1) | \(l.2) | \(l.3) | \(l.4) | \(l.5) |\n" }
        return s
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
