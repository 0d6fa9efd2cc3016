/// The minimum a DTLS endpoint needs so tests can wire two of them back to back.
public protocol DatagramPeer: AnyObject {
    /// Queue one incoming datagram.
    func receive(_ datagram: [UInt8])
    /// Datagrams to send, in order; emptied by the call.
    func takeOutgoing() -> [[UInt8]]
    /// Process everything received; true once the handshake is complete.
    func advance() throws -> Bool
}

public struct DatagramPumpError: Error, Sendable, CustomStringConvertible {
    public var steps: Int
    public var firstConnected: Bool
    public var secondConnected: Bool
    public var description: String {
        "no quiescent connected state after \(steps) steps (first connected: \(firstConnected), second: \(secondConnected))"
    }
}

public enum DatagramPump {
    public enum Direction: Sendable { case firstToSecond, secondToFirst }

    /// Alternately advances `first` and `second`, delivering each one's datagrams to the
    /// other through `transfer` (return nil to drop, or a modified datagram), until both are
    /// connected and nothing is in flight. `first` starts (make it the client). Returns the
    /// number of steps (one step = both advanced once). Also useful after the handshake, to
    /// deliver application data / close_notify.
    @discardableResult
    public static func run(
        _ first: some DatagramPeer, _ second: some DatagramPeer, maxSteps: Int = 50,
        transfer: (Direction, [UInt8]) -> [UInt8]? = { $1 }
    ) throws -> Int {
        var a = false, b = false
        for step in 1...maxSteps {
            a = try first.advance()
            let ab = first.takeOutgoing()
            for d in ab { if let d = transfer(.firstToSecond, d) { second.receive(d) } }
            b = try second.advance()
            let ba = second.takeOutgoing()
            for d in ba { if let d = transfer(.secondToFirst, d) { first.receive(d) } }
            if a && b && ab.isEmpty && ba.isEmpty { return step }
        }
        throw DatagramPumpError(steps: maxSteps, firstConnected: a, secondConnected: b)
    }
}
