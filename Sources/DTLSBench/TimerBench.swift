import DTLS
import DTLSEndpoint
import NIOCore
import NIOPosix

/// The server's timers: each peer's retransmission and idle timer is a
/// SwiftNIO scheduled task, which NIO keeps in a binary heap. This measures
/// re-arming (cancel + schedule, what the server does when an engine
/// deadline moves) with n timers already armed, to show the cost grows with
/// log n, not n.
enum TimerBench {
    struct Row { var armed: Int; var nanosecondsPerRearm: Double; var queueNanosecondsPerRearm: Double }

    /// The server's own structure (DTLSNIO keeps every peer's deadlines in
    /// a `TimerQueue` and arms one NIO task for the earliest).
    static func timerQueue(_ n: Int) -> Double {
        var q = TimerQueue<Int>()
        let t0 = DTLSInstant.now
        for i in 0..<n { q.schedule(i, at: t0 + .seconds(3600 + Int64(i % 600))) }
        let rearms = 100_000
        let clock = ContinuousClock()
        let start = clock.now
        for i in 0..<rearms {
            let k = (i &* 7919) % n
            q.schedule(k, at: t0 + .seconds(3600 + Int64(i % 600)) + .milliseconds(Int64(i % 1000)))
            if i % 16 == 0 { _ = q.nextDeadline() }
        }
        return (clock.now - start).seconds * 1e9 / Double(rearms)
    }

    static func run(counts: [Int]) -> [Row] {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        var rows: [Row] = []
        for n in counts {
            let nanos = try! loop.submit { () -> Double in
                let isolated = loop.assumeIsolated()
                var tasks: [Scheduled<Void>] = []
                tasks.reserveCapacity(n)
                for i in 0..<n {
                    tasks.append(isolated.scheduleTask(in: .seconds(3600 + Int64(i % 600))) {})
                }
                let rearms = 100_000
                let clock = ContinuousClock()
                let start = clock.now
                for i in 0..<rearms {
                    let k = (i &* 7919) % n
                    tasks[k].cancel()
                    tasks[k] = isolated.scheduleTask(in: .seconds(3600 + Int64(i % 600))) {}
                }
                let elapsed = (clock.now - start).seconds
                for t in tasks { t.cancel() }
                return elapsed * 1e9 / Double(rearms)
            }.wait()
            rows.append(Row(armed: n, nanosecondsPerRearm: nanos, queueNanosecondsPerRearm: timerQueue(n)))
        }
        return rows
    }
}
