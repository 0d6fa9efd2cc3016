/// Anti-replay sliding window (RFC 6347 4.1.2.6), 64 records wide.
///
/// `check` is read-only and runs before decryption; `update` runs only after
/// a record authenticated, so forged records can never move the window
/// (dimpl's `window.rs` makes the same split).
package struct ReplayWindow: Sendable, Hashable {
    package static let size: UInt64 = 64

    /// Highest sequence number accepted so far.
    private var highest: UInt64 = 0
    /// Bit i set: `highest - i` was received.
    private var bitmap: UInt64 = 0
    private var any = false

    package init() {}

    package func check(_ sequence: UInt64) -> Bool {
        guard any else { return true }
        if sequence > highest { return true }
        let offset = highest - sequence
        guard offset < Self.size else { return false }
        return bitmap & (1 << offset) == 0
    }

    package mutating func update(_ sequence: UInt64) {
        guard any else {
            any = true
            highest = sequence
            bitmap = 1
            return
        }
        if sequence > highest {
            let shift = sequence - highest
            bitmap = shift >= Self.size ? 1 : (bitmap << shift) | 1
            highest = sequence
        } else {
            let offset = highest - sequence
            if offset < Self.size { bitmap |= 1 << offset }
        }
    }
}
