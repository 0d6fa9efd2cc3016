import DTLSEndpoint
import FuzzSupport

/// The RFC 7983 demultiplexer against a table written from the RFC,
/// through all three entry points (array, slice, span).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = FuzzReader(data, size).bytes
    let kind = Demultiplexer.classify(bytes)
    fuzzCheck(kind == reference(bytes), "classify disagrees with RFC 7983 for first bytes \(bytes.prefix(2))")
    fuzzCheck(Demultiplexer.classify(bytes[...]) == kind, "slice and array disagree")
    if bytes.count > 1 {
        // A slice that does not start at index 0 must be judged by its own first byte.
        let tail = bytes[1...]
        fuzzCheck(Demultiplexer.classify(tail) == reference(Array(tail)), "offset slice misclassified")
    }
    return 0
}

func reference(_ b: [UInt8]) -> DatagramKind {
    guard let first = b.first else { return .unknown }
    if first <= 3 { return .stun }
    if first >= 16 && first <= 19 { return .zrtp }
    if first >= 20 && first <= 63 { return .dtls }
    if first >= 64 && first <= 79 { return .turnChannel }
    if first >= 128 && first <= 191 {
        guard b.count >= 2 else { return .unknown }
        return b[1] >= 192 && b[1] <= 223 ? .rtcp : .rtp
    }
    return .unknown
}

@_cdecl("fuzz_demux_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runLibFuzzer(argc, argv, fuzz, seeds: seeds)
}

func seeds() -> [[UInt8]] {
    var out = Seeds.demuxSamples()
    out += [[], [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42], [0x16, 0xFE, 0xFD], [0x80, 0x60], [0x81, 0xC8], [0x40, 0x00]]
    return out
}
