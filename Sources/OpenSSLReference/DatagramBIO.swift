internal import CLibSSL

/// Datagram queues behind the custom BIO. One `BIO_write` from libssl is one
/// outgoing datagram; one `BIO_read` returns exactly one queued datagram.
/// (During a handshake libssl itself buffers a flight behind a BIO_f_buffer and flushes it
/// whenever the next record would not fit the MTU, so one datagram can hold several handshake
/// records, exactly as OpenSSL sends them over UDP.)
final class DatagramPipe {
    var incoming: [[UInt8]] = []
    var incomingHead = 0
    var outgoing: [[UInt8]] = []
    var mtu: Int
    /// Reported as BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: libssl budgets `mtu - mtuOverhead` for records.
    var mtuOverhead: Int
    /// Last value libssl passed with BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT (informational).
    var nextTimeoutSet = false

    init(mtu: Int, mtuOverhead: Int) {
        self.mtu = mtu
        self.mtuOverhead = mtuOverhead
    }

    func push(_ datagram: [UInt8]) { incoming.append(datagram) }

    func pop() -> [UInt8]? {
        guard incomingHead < incoming.count else { return nil }
        let d = incoming[incomingHead]
        incomingHead += 1
        if incomingHead == incoming.count { incoming.removeAll(keepingCapacity: true); incomingHead = 0 }
        return d
    }

    var nextIncomingSize: Int { incomingHead < incoming.count ? incoming[incomingHead].count : 0 }

    func takeOutgoing() -> [[UInt8]] {
        let out = outgoing
        outgoing.removeAll()
        return out
    }
}

/// `BIO_METHOD*` is created once per process and never freed.
private struct BIOMethodHandle: @unchecked Sendable { let method: OpaquePointer }

private let datagramBIOMethod: BIOMethodHandle = {
    let index = BIO_get_new_index()
    precondition(index > 0, "BIO_get_new_index failed")
    guard let m = BIO_meth_new(index | BIO_TYPE_SOURCE_SINK, "swift in-memory datagram") else {
        fatalError("BIO_meth_new failed")
    }
    BIO_meth_set_create(m, { bio in
        BIO_set_init(bio, 1)
        return 1
    })
    BIO_meth_set_destroy(m, { bio in
        guard let bio else { return 0 }
        if let p = BIO_get_data(bio) {
            Unmanaged<DatagramPipe>.fromOpaque(p).release()
            BIO_set_data(bio, nil)
        }
        return 1
    })
    BIO_meth_set_write(m, { bio, data, length in
        guard let bio, let p = BIO_get_data(bio) else { return -1 }
        CLibSSL_BIO_clear_retry_flags(bio)
        let pipe = Unmanaged<DatagramPipe>.fromOpaque(p).takeUnretainedValue()
        guard length >= 0 else { return -1 }
        let bytes: [UInt8]
        if let data, length > 0 {
            bytes = [UInt8](UnsafeRawBufferPointer(start: data, count: Int(length)))
        } else {
            bytes = []
        }
        pipe.outgoing.append(bytes)
        return length
    })
    BIO_meth_set_read(m, { bio, buffer, length in
        guard let bio, let p = BIO_get_data(bio) else { return -1 }
        CLibSSL_BIO_clear_retry_flags(bio)
        let pipe = Unmanaged<DatagramPipe>.fromOpaque(p).takeUnretainedValue()
        guard let datagram = pipe.pop() else {
            CLibSSL_BIO_set_retry_read(bio)
            return -1
        }
        // Datagram semantics: a datagram longer than the buffer is truncated.
        let n = min(Int(length), datagram.count)
        if n > 0, let buffer {
            datagram.withUnsafeBytes { src in
                UnsafeMutableRawPointer(buffer).copyMemory(from: src.baseAddress!, byteCount: n)
            }
        }
        return Int32(n)
    })
    BIO_meth_set_ctrl(m, { bio, cmd, num, ptr in
        guard let bio, let p = BIO_get_data(bio) else { return 0 }
        let pipe = Unmanaged<DatagramPipe>.fromOpaque(p).takeUnretainedValue()
        switch cmd {
        case BIO_CTRL_FLUSH: return 1
        case BIO_CTRL_WPENDING: return 0  // every write left as its own datagram already
        case BIO_CTRL_PENDING: return pipe.nextIncomingSize
        case BIO_CTRL_DGRAM_QUERY_MTU, BIO_CTRL_DGRAM_GET_FALLBACK_MTU, BIO_CTRL_DGRAM_GET_MTU:
            return pipe.mtu
        case BIO_CTRL_DGRAM_SET_MTU:
            pipe.mtu = num
            return num
        case BIO_CTRL_DGRAM_MTU_EXCEEDED: return 0
        case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD: return pipe.mtuOverhead
        case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
            pipe.nextTimeoutSet = true
            return 1
        case BIO_CTRL_DGRAM_GET_PEER: return CLibSSL_fill_fake_peer(ptr)
        case BIO_CTRL_DGRAM_SET_PEER, BIO_CTRL_DGRAM_CONNECT, BIO_CTRL_DGRAM_SET_CONNECTED: return 1
        case BIO_CTRL_DGRAM_GET_RECV_TIMER_EXP, BIO_CTRL_DGRAM_GET_SEND_TIMER_EXP: return 0
        case BIO_CTRL_DGRAM_SET_DONT_FRAG, BIO_CTRL_DGRAM_MTU_DISCOVER: return 1
        case BIO_CTRL_EOF: return 0
        case BIO_CTRL_PUSH, BIO_CTRL_POP: return 0
        case BIO_CTRL_GET_CLOSE: return Int(BIO_get_shutdown(bio))
        case BIO_CTRL_SET_CLOSE:
            BIO_set_shutdown(bio, Int32(truncatingIfNeeded: num))
            return 1
        default: return 0
        }
    })
    return BIOMethodHandle(method: m)
}()

/// A new BIO that owns a retain on `pipe` (released when the BIO is freed).
func makeDatagramBIO(_ pipe: DatagramPipe) -> OpaquePointer? {
    guard let bio = BIO_new(datagramBIOMethod.method) else { return nil }
    BIO_set_data(bio, Unmanaged.passRetained(pipe).toOpaque())
    return bio
}
