import DTLS
import NIOCore

/// One scheduled task on an event loop for the earliest deadline of a
/// Sans-IO component (a server core, an endpoint), moved only when that
/// deadline changes. One task for many timers: NIO cancels a scheduled task
/// by searching its queue, so a task per timer would not scale.
struct LoopWakeUp {
    private var task: Scheduled<Void>?
    private var at: DTLSInstant?

    /// Runs `fire` on `loop` at `deadline` (nil: no wake-up), replacing the
    /// one armed before unless it is for the same instant.
    mutating func arm(_ deadline: DTLSInstant?, on loop: any EventLoop, _ fire: @escaping @Sendable () -> Void) {
        guard deadline != at else { return }
        task?.cancel()
        at = deadline
        guard let deadline else { task = nil; return }
        task = loop.scheduleTask(deadline: NIODeadline(deadline), fire)
    }

    /// The armed task ran: the next `arm` schedules again.
    mutating func fired() { at = nil }

    mutating func cancel() {
        task?.cancel()
        task = nil
        at = nil
    }
}

extension ChannelHandlerContext {
    /// Writes `bytes` as one datagram to `address` (not flushed).
    func writeDatagram(_ bytes: ArraySlice<UInt8>, to address: SocketAddress) {
        var out = channel.allocator.buffer(capacity: bytes.count)
        out.writeBytes(bytes)
        write(NIOAny(AddressedEnvelope(remoteAddress: address, data: out)), promise: nil)
    }
}
