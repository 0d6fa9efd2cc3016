import DTLS
import DTLSEndpoint
import DTLSTestSupport
import Testing

@Suite struct TimerQueueTests {
    let t0 = DTLSInstant.now

    @Test func expiredKeysComeOutInDeadlineOrder() {
        var q = TimerQueue<Int>()
        q.schedule(3, at: t0 + .seconds(3))
        q.schedule(1, at: t0 + .seconds(1))
        q.schedule(2, at: t0 + .seconds(2))
        #expect(q.nextDeadline() == t0 + .seconds(1))
        #expect(q.popExpired(now: t0 + .milliseconds(2500)) == [1, 2])
        #expect(q.popExpired(now: t0 + .seconds(10)) == [3])
        #expect(q.isEmpty)
    }

    @Test func rearmingMovesATimerAndCancelRemovesIt() {
        var q = TimerQueue<String>()
        q.schedule("a", at: t0 + .seconds(1))
        q.schedule("b", at: t0 + .seconds(2))
        q.schedule("a", at: t0 + .seconds(5))
        q.cancel("b")
        #expect(q.nextDeadline() == t0 + .seconds(5))
        #expect(q.popExpired(now: t0 + .seconds(4)).isEmpty)
        #expect(q.popExpired(now: t0 + .seconds(5)) == ["a"])
        q.schedule("c", at: nil)
        #expect(q.nextDeadline() == nil)
    }

    @Test func randomOperationsMatchAReferenceModel() {
        var rng = SeededRandom(seed: 42)
        var q = TimerQueue<Int>()
        var model: [Int: Int] = [:]
        var now = 0
        for _ in 0..<20_000 {
            let key = Int(rng.next() % 300)
            switch rng.next() % 4 {
            case 0: model[key] = nil; q.cancel(key)
            case 3:
                now += Int(rng.next() % 50)
                let expected = model.filter { $0.value <= now }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.map(\.key)
                let got = q.popExpired(now: t0 + .milliseconds(now))
                #expect(Set(got) == Set(expected))
                for k in expected { model[k] = nil }
            default:
                let d = now + Int(rng.next() % 1000)
                model[key] = d
                q.schedule(key, at: t0 + .milliseconds(d))
            }
            #expect(q.count == model.count)
        }
    }
}
