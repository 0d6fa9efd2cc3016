/// A point in time on the continuous clock (monotonic, and counting time
/// asleep), as the engine sees it: the caller reads the clock and passes
/// instants in; the engine compares them and hands deadlines back.
///
/// Why not `ContinuousClock.Instant` itself: the standard library does not
/// freeze that type's layout, so outside the standard library every copy,
/// comparison and `Optional` test of one goes through runtime witness
/// calls, and so does every enum that carries one (`DTLSOutput.timeout`,
/// the endpoint's timer heap). This type is frozen: a `Duration` from a
/// fixed origin, so timers compile to integer compares. It converts to and
/// from `ContinuousClock.Instant` exactly.
@frozen
public struct DTLSInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Time since `DTLSInstant.origin`, a fixed point of the continuous
    /// clock read once per process (so offsets mean nothing to another
    /// process; convert to `ContinuousClock.Instant` to share one).
    public var sinceOrigin: Duration

    @inlinable
    /// The instant `sinceOrigin` after the per-process origin.
    public init(sinceOrigin: Duration) { self.sinceOrigin = sinceOrigin }

    /// The continuous clock's instant that offsets are measured from.
    public static let origin = ContinuousClock.now

    /// The same point in time as a continuous-clock instant.
    public init(_ instant: ContinuousClock.Instant) {
        sinceOrigin = Self.origin.duration(to: instant)
    }

    /// The current time of the continuous clock.
    public static var now: DTLSInstant { DTLSInstant(ContinuousClock.now) }

    /// The same instant on `ContinuousClock`, for sleeping or scheduling.
    public var continuousClockInstant: ContinuousClock.Instant { Self.origin.advanced(by: sinceOrigin) }

    @inlinable
    /// This instant moved by `duration`.
    public func advanced(by duration: Duration) -> DTLSInstant { DTLSInstant(sinceOrigin: sinceOrigin + duration) }

    @inlinable
    /// The time from this instant to `other`.
    public func duration(to other: DTLSInstant) -> Duration { other.sinceOrigin - sinceOrigin }

    @inlinable
    /// Whether `lhs` comes before `rhs`.
    public static func < (lhs: DTLSInstant, rhs: DTLSInstant) -> Bool {
        lhs.sinceOrigin.attoseconds < rhs.sinceOrigin.attoseconds
    }

    @inlinable
    /// Whether both are the same instant.
    public static func == (lhs: DTLSInstant, rhs: DTLSInstant) -> Bool {
        lhs.sinceOrigin.attoseconds == rhs.sinceOrigin.attoseconds
    }

    @inlinable
    /// The instant `rhs` after `lhs`.
    public static func + (lhs: DTLSInstant, rhs: Duration) -> DTLSInstant { lhs.advanced(by: rhs) }

    @inlinable
    /// The instant `rhs` before `lhs`.
    public static func - (lhs: DTLSInstant, rhs: Duration) -> DTLSInstant { lhs.advanced(by: .zero - rhs) }

    @inlinable
    /// The time from `rhs` to `lhs`.
    public static func - (lhs: DTLSInstant, rhs: DTLSInstant) -> Duration { rhs.duration(to: lhs) }

    @inlinable
    /// Moves `lhs` by `rhs`.
    public static func += (lhs: inout DTLSInstant, rhs: Duration) { lhs = lhs + rhs }

    public var description: String { "DTLSInstant(\(sinceOrigin) since origin)" }
}
