import DTLS
import Testing

/// The engine's own instant type: exact conversion to and from the
/// continuous clock, and ordering and arithmetic that agree with it.
@Suite struct DTLSInstantTests {
    @Test func convertsToAndFromContinuousClockExactly() {
        let clock = ContinuousClock.now
        for offset: Duration in [.zero, .nanoseconds(1), .milliseconds(-250), .seconds(86_400), .seconds(-3_600)] {
            let instant = clock + offset
            let ours = DTLSInstant(instant)
            #expect(ours.continuousClockInstant == instant)
            #expect(DTLSInstant(ours.continuousClockInstant) == ours)
        }
    }

    @Test func orderingAndArithmeticMatchTheContinuousClock() {
        let a = ContinuousClock.now
        let pairs: [(Duration, Duration)] = [(.zero, .nanoseconds(1)), (.milliseconds(5), .milliseconds(-5)),
                                             (.seconds(10), .seconds(10)), (.seconds(-2), .microseconds(3))]
        for (x, y) in pairs {
            let (cx, cy) = (a + x, a + y)
            let (dx, dy) = (DTLSInstant(cx), DTLSInstant(cy))
            #expect((dx < dy) == (cx < cy))
            #expect((dx == dy) == (cx == cy))
            #expect(dy - dx == cy - cx)
            #expect(dx.duration(to: dy) == cx.duration(to: cy))
            #expect((dx + .milliseconds(7)).continuousClockInstant == cx + .milliseconds(7))
            #expect((dx - .milliseconds(7)).continuousClockInstant == cx - .milliseconds(7))
        }
    }

    @Test func nowMovesForwardWithTheContinuousClock() {
        let before = ContinuousClock.now
        let now = DTLSInstant.now
        let after = ContinuousClock.now
        #expect(DTLSInstant(before) <= now && now <= DTLSInstant(after))
    }

    @Test func equalInstantsHashAlike() {
        let a = DTLSInstant.now
        let b = DTLSInstant(a.continuousClockInstant)
        #expect(Set([a, b]).count == 1)
    }
}
