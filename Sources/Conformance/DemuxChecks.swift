import DTLSEndpoint

/// RFC 7983 / RFC 5761 classification through DTLSEndpoint.Demultiplexer.
enum DemuxChecks {
    static func classify(_ c: VectorCase) throws {
        let datagram = try c.hex("datagram")
        let want: DatagramKind
        switch try c.string("expected") {
        case "STUN": want = .stun
        case "ZRTP": want = .zrtp
        case "DTLS": want = .dtls
        case "TURN_CHANNEL": want = .turnChannel
        case "RTP": want = .rtp
        case "RTCP": want = .rtcp
        case "DROP": want = .unknown
        case let other: throw Mismatch("unknown class '\(other)'")
        }
        try Expect.equal(Demultiplexer.classify(datagram), want, "Demultiplexer.classify(\(Hex.encode(datagram)))")
    }
}
