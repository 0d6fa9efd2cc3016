import DTLS
import NIOCore

// The Sans-IO engine reads `ContinuousClock`; NIO schedules on
// `NIODeadline` (the monotonic uptime clock). The two advance at the same
// rate while the machine is awake, so an instant converts by its distance
// from now on each clock, read back to back (accurate to the microseconds
// between the two reads).

extension NIODeadline {
    /// The NIO deadline at the same moment as `instant`.
    public init(_ instant: DTLSInstant) {
        let now = NIODeadline.now()
        let delay = instant - DTLSInstant.now
        self = now + .nanoseconds(delay.nanoseconds)
    }
}

extension DTLSInstant {
    /// The engine's instant at the same moment as `deadline`.
    public init(_ deadline: NIODeadline) {
        let now = DTLSInstant.now
        let delay = deadline - NIODeadline.now()
        self = now + .nanoseconds(delay.nanoseconds)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at Int64's range.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? (scaled < 0 ? .min : .max) : sum
    }
}
