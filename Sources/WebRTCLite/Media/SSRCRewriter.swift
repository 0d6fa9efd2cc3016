/// What `SSRCRewriter.rewriteRTCP` found in a compound packet, for
/// statistics (keyframe requests are the interesting part).
public struct RTCPSummary: Sendable, Hashable {
    public var senderReports = 0
    public var receiverReports = 0
    public var pli = 0
    public var fir = 0
    public var nack = 0
    public var remb = 0
    public var transportFeedback = 0
    public var other = 0
    public init() {}
}

/// Rewrites SSRCs between the offerer's streams and the streams this side
/// announced for their echo, in RTP and in RTCP: a bijection applied to
/// every SSRC field, so it works in both directions at once.
///
/// For RTCP this means: the browser's SR about its outgoing stream becomes
/// an SR about the echo stream; its reports and feedback about the echo
/// (PLI, FIR, NACK, REMB, transport-cc, report blocks) name the echo SSRC
/// and become reports about the browser's own outgoing stream, so the
/// browser's encoder receives the keyframe requests of its own decoder.
///
/// `Sendable`.
public struct SSRCRewriter: Sendable, Hashable {
    private var map: [UInt32: UInt32] = [:]

    /// `forward`: offerer SSRC -> announced SSRC.
    public init(forward: [UInt32: UInt32]) {
        for (a, b) in forward {
            map[a] = b
            map[b] = a
        }
    }

    public func mapped(_ ssrc: UInt32) -> UInt32? { map[ssrc] }

    /// Replaces the SSRC of the RTP packet in `buffer[0..<length]`; returns
    /// the new SSRC, or nil (packet untouched) when it is unknown or the
    /// packet too short.
    public func rewriteRTP(_ buffer: inout [UInt8], length: Int) -> UInt32? {
        guard length <= buffer.count else { return nil }
        var span = buffer.mutableSpan
        return rewriteRTP(&span, length: length)
    }

    /// The same in any caller's memory (the server core's buffer).
    public func rewriteRTP(_ buffer: inout MutableSpan<UInt8>, length: Int) -> UInt32? {
        guard length >= 12, length <= buffer.count, buffer[0] >> 6 == 2, let to = map[Self.read32(buffer, 8)] else { return nil }
        Self.write32(&buffer, 8, to)
        return to
    }

    /// Rewrites every SSRC field of the (compound) RTCP packet in
    /// `buffer[0..<length]` that this rewriter knows; unknown SSRCs stay.
    /// Returns nil if the packet is malformed (nothing is guaranteed about
    /// the buffer then).
    public func rewriteRTCP(_ buffer: inout [UInt8], length: Int) -> RTCPSummary? {
        guard length <= buffer.count else { return nil }
        var span = buffer.mutableSpan
        return rewriteRTCP(&span, length: length)
    }

    /// The same in any caller's memory (the server core's buffer).
    public func rewriteRTCP(_ buffer: inout MutableSpan<UInt8>, length: Int) -> RTCPSummary? {
        guard length <= buffer.count else { return nil }
        var summary = RTCPSummary()
        var offset = 0
        while offset + 4 <= length {
            guard buffer[offset] >> 6 == 2 else { return nil }
            let count = Int(buffer[offset] & 0x1f)
            let type = buffer[offset + 1]
            let words = Int(Self.read16(buffer, offset + 2))
            let end = offset + 4 + words * 4
            guard end <= length else { return nil }
            switch type {
            case 200, 201:  // SR, RR: sender SSRC, [sender info], report blocks
                guard end >= offset + 8 else { return nil }
                swap(&buffer, offset + 4)
                var block = offset + 8 + (type == 200 ? 20 : 0)
                if type == 200 { summary.senderReports += 1 } else { summary.receiverReports += 1 }
                for _ in 0..<count where block + 24 <= end {
                    swap(&buffer, block)
                    block += 24
                }
            case 202:  // SDES: chunks of SSRC + items, each padded to 32 bits
                var chunk = offset + 4
                for _ in 0..<count {
                    guard chunk + 4 <= end else { break }
                    swap(&buffer, chunk)
                    var item = chunk + 4
                    while item < end, buffer[item] != 0 {
                        guard item + 1 < end else { return nil }
                        item += 2 + Int(buffer[item + 1])
                    }
                    chunk = (item + 4) & ~3  // the null item, then padding
                }
            case 203:  // BYE: SSRC list
                for i in 0..<count where offset + 8 + i * 4 <= end { swap(&buffer, offset + 4 + i * 4) }
            case 205, 206:  // RTPFB, PSFB: sender SSRC, media SSRC, FCI
                guard end >= offset + 12 else { return nil }
                swap(&buffer, offset + 4)
                swap(&buffer, offset + 8)
                let fmt = count
                if type == 205 {
                    if fmt == 1 { summary.nack += 1 } else if fmt == 15 { summary.transportFeedback += 1 } else { summary.other += 1 }
                } else if fmt == 1 {
                    summary.pli += 1
                } else if fmt == 4 {  // FIR: FCI entries of SSRC + seq + reserved
                    summary.fir += 1
                    var entry = offset + 12
                    while entry + 8 <= end {
                        swap(&buffer, entry)
                        entry += 8
                    }
                } else if fmt == 15, end >= offset + 20, buffer[offset + 12] == 0x52, buffer[offset + 13] == 0x45,
                          buffer[offset + 14] == 0x4D, buffer[offset + 15] == 0x42  /* "REMB" */ {
                    summary.remb += 1
                    let n = Int(buffer[offset + 16])
                    for i in 0..<n where offset + 24 + i * 4 <= end { swap(&buffer, offset + 20 + i * 4) }
                } else {
                    summary.other += 1
                }
            case 207:  // XR: sender SSRC (blocks left alone)
                if end >= offset + 8 { swap(&buffer, offset + 4) }
                summary.other += 1
            default:
                summary.other += 1
            }
            offset = end
        }
        return offset == length ? summary : nil
    }

    private func swap(_ buffer: inout MutableSpan<UInt8>, _ at: Int) {
        if let to = map[Self.read32(buffer, at)] { Self.write32(&buffer, at, to) }
    }

    static func read16(_ b: borrowing MutableSpan<UInt8>, _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
    static func read32(_ b: borrowing MutableSpan<UInt8>, _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
    static func write32(_ b: inout MutableSpan<UInt8>, _ i: Int, _ v: UInt32) {
        b[i] = UInt8(v >> 24)
        b[i + 1] = UInt8((v >> 16) & 0xff)
        b[i + 2] = UInt8((v >> 8) & 0xff)
        b[i + 3] = UInt8(v & 0xff)
    }
}
