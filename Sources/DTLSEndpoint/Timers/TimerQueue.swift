import DTLS

/// Deadlines for many peers in one binary min-heap: O(log n) to arm or
/// move a timer, O(1) to cancel, O(log n) per expiry, and never a scan of
/// all peers.
///
/// A driver keeps one of these for all its peers (engine retransmission
/// and handshake deadlines, idle timeouts) and asks its event loop for a
/// single wake-up at `nextDeadline`. Event loops' own scheduled-task queues
/// often cancel by searching the queue, which is linear in the number of
/// armed timers; here a cancel or re-arm only bumps the key's generation,
/// and the stale heap entry is skipped when it surfaces (the heap is rebuilt
/// if stale entries ever outnumber live ones, keeping memory O(live)).
///
/// Not Sendable: owned by the driver's event-loop thread.
///
/// `@inlinable` throughout: the queue is generic over the key, and drivers
/// live in other modules; without it every heap step would run unspecialized
/// through witness tables.
public struct TimerQueue<Key: Hashable> {
    @usableFromInline
    struct Entry {
        @usableFromInline var deadline: DTLSInstant
        @usableFromInline var key: Key
        @usableFromInline var generation: UInt64

        @inlinable
        init(deadline: DTLSInstant, key: Key, generation: UInt64) {
            self.deadline = deadline
            self.key = key
            self.generation = generation
        }
    }

    @usableFromInline var heap: [Entry] = []
    /// Live timers: key -> (generation, deadline).
    @usableFromInline var live: [Key: (generation: UInt64, deadline: DTLSInstant)] = [:]
    @usableFromInline var nextGeneration: UInt64 = 0

    @inlinable public init() {}

    @inlinable public var count: Int { live.count }
    @inlinable public var isEmpty: Bool { live.isEmpty }

    /// The deadline armed for `key`, if any.
    @inlinable public func deadline(for key: Key) -> DTLSInstant? { live[key]?.deadline }

    /// Arms `key` for `deadline`, replacing any deadline it had; nil cancels.
    @inlinable public mutating func schedule(_ key: Key, at deadline: DTLSInstant?) {
        guard let deadline else {
            cancel(key)
            return
        }
        if let current = live[key], current.deadline == deadline { return }
        nextGeneration &+= 1
        live[key] = (nextGeneration, deadline)
        push(Entry(deadline: deadline, key: key, generation: nextGeneration))
        compactIfNeeded()
    }

    @inlinable public mutating func cancel(_ key: Key) {
        live[key] = nil
        compactIfNeeded()
    }

    /// The earliest live deadline.
    @inlinable public mutating func nextDeadline() -> DTLSInstant? {
        dropStaleTop()
        return heap.first?.deadline
    }

    /// Removes and returns every key whose deadline is at or before `now`,
    /// earliest first.
    @inlinable public mutating func popExpired(now: DTLSInstant) -> [Key] {
        var expired: [Key] = []
        while true {
            dropStaleTop()
            guard let top = heap.first, top.deadline <= now else { break }
            removeTop()
            live[top.key] = nil
            expired.append(top.key)
        }
        return expired
    }

    // MARK: Heap

    @inlinable func isLive(_ e: Entry) -> Bool { live[e.key]?.generation == e.generation }

    @inlinable mutating func dropStaleTop() {
        while let top = heap.first, !isLive(top) { removeTop() }
    }

    @inlinable mutating func compactIfNeeded() {
        guard heap.count > 64, heap.count > 2 * live.count else { return }
        let live = self.live
        heap.removeAll { live[$0.key]?.generation != $0.generation }
        for i in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
    }

    @inlinable mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].deadline < heap[parent].deadline else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    @inlinable mutating func removeTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    @inlinable mutating func siftDown(_ start: Int) {
        var i = start
        let n = heap.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < n, heap[l].deadline < heap[smallest].deadline { smallest = l }
            if r < n, heap[r].deadline < heap[smallest].deadline { smallest = r }
            guard smallest != i else { return }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }
}
